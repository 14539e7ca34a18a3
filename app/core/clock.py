"""The one place the service reads the time, so tests can pin it."""

from __future__ import annotations

from contextvars import ContextVar
from datetime import UTC, date, datetime

_frozen: ContextVar[datetime | None] = ContextVar("frozen_now", default=None)


def utcnow() -> datetime:
    """Now, timezone-aware UTC."""
    frozen = _frozen.get()
    return frozen if frozen is not None else datetime.now(UTC)


def today() -> date:
    """Today's date in UTC, which is the date councils' deadlines are judged by here."""
    return utcnow().date()


def freeze(moment: datetime | None) -> None:
    """Pin utcnow() for the current context (tests only); None unpins."""
    if moment is not None and moment.tzinfo is None:
        raise ValueError("freeze() takes an aware datetime")
    _frozen.set(moment)
