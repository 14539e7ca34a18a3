"""ETags from row versions, and If-Match checks (412 on a stale version)."""

from __future__ import annotations

from fastapi import Response

from app.core.errors import PreconditionFailed


def etag(version: int) -> str:
    return f'"{version}"'


def set_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = etag(version)


def check_if_match(if_match: str | None, version: int) -> None:
    """No header passes; '*' or a list naming the current version passes; anything else is 412."""
    if if_match is None:
        return
    candidates = [tag.strip() for tag in if_match.split(",")]
    if "*" in candidates:
        return
    current = etag(version)
    if any(tag.removeprefix("W/") == current for tag in candidates):
        return
    raise PreconditionFailed(
        f"If-Match {if_match} does not match the current version {current}; "
        "fetch the resource again and retry."
    )
