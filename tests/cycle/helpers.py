"""Shared steps for the reporting-cycle, data-quality and scrutiny-comment tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from httpx import AsyncClient

from app.core import clock
from tests.helpers import API, INDICATORS, Headers

# 2025-26-Q1 ends 2025-06-30 and its data is due 2025-07-14 (ten working days later).
BEFORE_Q1_DUE = datetime(2025, 7, 10, 9, 0, tzinfo=UTC)
AFTER_Q1_DUE = datetime(2025, 7, 20, 9, 0, tzinfo=UTC)


@contextmanager
def frozen(moment: datetime) -> Iterator[None]:
    """Pin the business clock for the block, and unpin it whatever happens."""
    clock.freeze(moment)
    try:
        yield
    finally:
        clock.freeze(None)


async def set_target(
    client: AsyncClient, headers: Headers, code: str, period: str, value: float
) -> None:
    response = await client.put(
        f"{INDICATORS}/{code}/targets/{period}", json={"value": value}, headers=headers
    )
    assert response.status_code in (200, 201), response.text


async def save(
    client: AsyncClient, headers: Headers, code: str, period: str, **body: Any
) -> dict[str, Any]:
    """Save a draft value; it must succeed."""
    response = await client.put(f"{INDICATORS}/{code}/values/{period}", json=body, headers=headers)
    assert response.status_code in (200, 201), response.text
    saved: dict[str, Any] = response.json()
    return saved


async def step(
    client: AsyncClient, headers: Headers, code: str, period: str, action: str, **body: Any
) -> dict[str, Any]:
    """POST submit / approve / reject for one value; it must succeed."""
    response = await client.post(
        f"{INDICATORS}/{code}/values/{period}/{action}", json=body or None, headers=headers
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def approve(
    client: AsyncClient, enterer: Headers, approver: Headers, code: str, period: str, **body: Any
) -> None:
    """Save, submit and approve one value over HTTP."""
    await save(client, enterer, code, period, **body)
    await step(client, enterer, code, period, "submit")
    await step(client, approver, code, period, "approve")


async def audit_events(
    client: AsyncClient, headers: Headers, *, entity_type: str, entity_id: str
) -> list[dict[str, Any]]:
    response = await client.get(
        f"{API}/audit-events",
        params={"entity_type": entity_type, "entity_id": entity_id},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items
