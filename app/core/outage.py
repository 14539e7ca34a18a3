"""The database away: 503 with Retry-After instead of 500, logged once per outage.

A request that cannot reach the database (refused or dropped connections, a server starting
up or shutting down, a pool with no connection free in time, SQLite locked past its busy
timeout) is answered 503 with ``Retry-After``, so clients and load balancers retry by
themselves; nothing was stored, since the request's transaction never committed. The first
such request of an outage logs one warning, and the first request that commits after it logs
how long it lasted; the requests in between log nothing, so a restart does not fill the log
with tracebacks. Any other database error is a bug and goes on as one (500, logged).
"""

from __future__ import annotations

import logging
import time

import asyncpg
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from app.core.errors import problem

logger = logging.getLogger("app.database")

RETRY_AFTER_SECONDS = 5
# Connection exceptions (08...), the server shutting down or starting up, too many clients.
_UNAVAILABLE_STATES = frozenset({"57P01", "57P02", "57P03", "53300", "53000"})
_SQLITE_BUSY = ("database is locked", "unable to open database file")


def is_unavailable(exc: BaseException) -> bool:
    """Whether `exc` says the database could not be reached, rather than that a statement
    was wrong."""
    if isinstance(exc, OSError | PoolTimeout | asyncpg.exceptions.ConnectionDoesNotExistError):
        return True
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        return exc.orig is not None and is_unavailable(exc.orig)
    state = getattr(exc, "sqlstate", None)
    if isinstance(state, str):
        return state.startswith("08") or state in _UNAVAILABLE_STATES
    cause = exc.__cause__
    if cause is not None and cause is not exc and is_unavailable(cause):
        return True
    return any(text in str(exc) for text in _SQLITE_BUSY)


class _Outage:
    def __init__(self) -> None:
        self.since: float | None = None
        self.refused = 0

    def refused_one(self, exc: BaseException) -> None:
        self.refused += 1
        if self.since is None:
            self.since = time.monotonic()
            logger.warning(
                "database unavailable (%s: %s); answering 503 until it is back",
                type(exc).__name__,
                str(exc).splitlines()[0] if str(exc) else "",
            )

    def recovered(self) -> None:
        if self.since is None:
            return
        logger.warning(
            "database reachable again after %.1f s; %d requests were answered 503",
            time.monotonic() - self.since,
            self.refused,
        )
        self.since, self.refused = None, 0


OUTAGE = _Outage()


async def _unavailable(request: Request, exc: Exception) -> JSONResponse:
    if not is_unavailable(exc):
        raise exc
    OUTAGE.refused_one(exc)
    return problem(
        status=503,
        title="Service unavailable",
        detail="The database cannot be reached just now; retry shortly.",
        instance=request.url.path,
        slug="service-unavailable",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def install_outage_handler(app: FastAPI) -> None:
    for kind in (OSError, PoolTimeout, DBAPIError, asyncpg.PostgresError, asyncpg.InterfaceError):
        app.add_exception_handler(kind, _unavailable)
