"""The data version: a token that changes with every committed change to the council's data.

Whatever a report is computed from (indicators, values, targets, settings, periods, comments,
benchmarks, ...) changes only through a session. ``app.core.db`` notes which tables each
transaction writes, and a transaction that wrote anything but the untracked tables sets a new
random token just before it commits. A reader that finds the token unchanged knows nothing it
could read has changed since, in this process or in any other worker: ``app.rag.cache`` keeps
computed statuses under it.

The token is random rather than a counter so that a transaction that is rolled back (every test
is one) can never leave behind a number another transaction will reuse.
"""

from __future__ import annotations

from sqlalchemy import String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base


class DataVersion(Base):
    """One row: the token of the last committed change."""

    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32))


async def current_token(session: AsyncSession) -> str:
    token = await session.scalar(select(DataVersion.token).where(DataVersion.id == 1))
    return token or ""
