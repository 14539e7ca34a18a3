"""FastAPI dependencies shared by every router: the settings and the unit of work."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.core.db import may_run_outside_a_transaction, unit_of_work
from app.core.outage import OUTAGE


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_sessionmaker(request: Request) -> async_sessionmaker[AsyncSession]:
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    return sessionmaker


_READS = frozenset({"GET", "HEAD"})
_READ_ONLY: dict[str, object] = {"read_only": True}
# PostgreSQL runs a read without BEGIN and COMMIT: at READ COMMITTED each statement takes its
# own snapshot inside a transaction as outside one, so the two were round trips that bought
# nothing (a fifth of a cached scorecard's). asyncpg then sends neither; the connection's
# characteristics go back to the pool's defaults at checkin without a statement.
_READ_OUTSIDE_A_TRANSACTION: dict[str, object] = {
    "read_only": True,
    "isolation_level": "AUTOCOMMIT",
}


def _read_options(session: AsyncSession) -> dict[str, object]:
    if may_run_outside_a_transaction(session):
        return _READ_OUTSIDE_A_TRANSACTION
    return _READ_ONLY


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per request, committed before the response is sent."""
    # The sessionmaker from the app's state, not through a dependency of its own: FastAPI
    # solves a sub-dependency afresh under every dependency that names it (this one is named
    # by the principal, the services and the route), tens of microseconds each.
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    async with unit_of_work(sessionmaker) as session:
        if request.method in _READS:
            # Reads need no writer lock: on SQLite they then run side by side, not in a queue.
            await session.connection(execution_options=_read_options(session))
        yield session
    OUTAGE.recovered()


SettingsDep = Annotated[Settings, Depends(get_settings)]
# scope="function": the commit runs before the response goes out, so a failed commit is the
# answer the client gets, never a 200 for data that was not stored.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
