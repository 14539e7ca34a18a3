"""Posting a webhook call, signed as Standard Webhooks (webhook-id, webhook-timestamp,
webhook-signature) with the reference library."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from standardwebhooks import Webhook as Signer

from app.webhooks.addresses import AddressRefused, check_url, pinned


@dataclass(frozen=True)
class CallResult:
    ok: bool
    status: int | None
    error: str | None


def signed_headers(*, secret: str, message_id: str, body: str) -> dict[str, str]:
    # Signed at the moment of each attempt: receivers refuse timestamps older than minutes.
    now = datetime.now(UTC)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Signer(secret).sign(msg_id=message_id, timestamp=now, data=body),
        "content-type": "application/json",
        "user-agent": "golden-thread-webhooks",
    }


async def call(
    http: httpx.AsyncClient,
    *,
    url: str,
    secret: str,
    message_id: str,
    payload: dict[str, Any],
    allow_private: bool,
) -> CallResult:
    """POST the payload; a 2xx answer is delivered, anything else (or no answer) is not."""
    try:
        # Again at each attempt: the name may resolve elsewhere since the subscription.
        address = await check_url(url, allow_private=allow_private)
    except AddressRefused as exc:
        return CallResult(ok=False, status=None, error=f"refused: {exc}")
    body = json.dumps(payload, separators=(",", ":"), sort_keys=True)
    headers = signed_headers(secret=secret, message_id=message_id, body=body)
    extensions: dict[str, Any] = {}
    if address is not None:
        # Connect to the address just checked: resolving the name again could answer another.
        target = pinned(url, address)
        url, headers["host"] = target.url, target.host_header
        extensions["sni_hostname"] = target.server_name
    try:
        response = await http.post(
            url, content=body.encode(), headers=headers, extensions=extensions
        )
    except httpx.HTTPError as exc:
        return CallResult(ok=False, status=None, error=f"{type(exc).__name__}: {exc}"[:1000])
    if 200 <= response.status_code < 300:
        return CallResult(ok=True, status=response.status_code, error=None)
    return CallResult(ok=False, status=response.status_code, error=f"HTTP {response.status_code}")
