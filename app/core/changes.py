"""The data version, and the log of which indicators each committed change bore on.

Whatever a status is computed from (indicators, values, targets, comments, benchmarks, SPC
settings, periods, org units, council settings) changes only through a session, and those
tables say so in their info (``app.core.db.tracked``). ``app.core.db`` notes which indicators a
transaction's writes belong to, and just before the transaction commits it gives the data
version a new random token and the next number, and logs the change: the indicators it touched,
or none named when it may bear on every indicator (a period, an org unit, a council setting, or
more than ``app.core.db.MAX_NAMED`` indicators at once).

A reader that finds the token unchanged knows nothing it could read has changed since, in this
process or in any other worker; one that finds it moved asks the log which indicators changed
and recomputes only those (``app.rag.cache`` keeps computed statuses this way). Numbers follow
the order of commits, as the data version's row is locked from the moment it is renewed until
the commit. The token is random, not derived from the number, so that a number reused after a
rollback is never mistaken for the state it once named. The log keeps about
``app.core.db.KEEP_CHANGES`` transactions; a reader further behind than that recomputes
everything, and so does every reader once the token is set by hand (after data was changed with
SQL, outside the service): ``UPDATE data_version SET token = '<any new text>'``.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

from sqlalchemy import BigInteger, String, Text, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base


class DataVersion(Base):
    """One row: the token and number of the last committed change."""

    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32))
    seq: Mapped[int] = mapped_column(BigInteger, server_default="0")


class DataChange(Base):
    """One committed change: its number and token, and the indicators it bore on as a JSON
    list of ids (NULL: every indicator)."""

    __tablename__ = "data_change"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    token: Mapped[str] = mapped_column(String(32))
    indicators: Mapped[str | None] = mapped_column(Text)


@dataclass(frozen=True)
class Version:
    token: str
    seq: int


async def current_version(session: AsyncSession) -> Version:
    row = (
        await session.execute(select(DataVersion.token, DataVersion.seq).where(DataVersion.id == 1))
    ).one_or_none()
    return Version(row.token, row.seq) if row else Version("", 0)


async def changed_since(
    session: AsyncSession, version: Version, *, until: Version
) -> set[uuid.UUID] | None:
    """The indicators changed by the changes committed after ``version`` up to ``until``; None
    when that is not narrower than every indicator: a change to all of them, or a version the
    log does not hold (pruned, never committed, or set by hand to force a recomputation)."""
    rows = (
        await session.execute(
            select(DataChange.seq, DataChange.token, DataChange.indicators)
            .where(DataChange.seq >= version.seq, DataChange.seq <= until.seq)
            .order_by(DataChange.seq)
        )
    ).all()
    if (
        not rows
        or (rows[0].seq, rows[0].token) != (version.seq, version.token)
        or (rows[-1].seq, rows[-1].token) != (until.seq, until.token)
    ):
        return None
    changed: set[uuid.UUID] = set()
    for _seq, _token, indicators in rows[1:]:
        if indicators is None:
            return None
        changed.update(uuid.UUID(text) for text in json.loads(indicators))
    return changed
