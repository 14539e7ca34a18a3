"""The pool checks a PostgreSQL connection before each checkout in one round trip, and still
replaces one the server has dropped."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest
from sqlalchemy import event, text

from app.core.config import Settings
from app.core.db import create_engine


async def test_a_dropped_connection_is_replaced_at_checkout_after_a_one_statement_ping(
    settings: Settings,
) -> None:
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("the pool's ping is PostgreSQL's (asyncpg)")
    engine = create_engine(settings.database_url, pool_size=1)
    sent: list[str] = []
    try:
        async with engine.connect() as connection:
            first = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        original = asyncpg.Connection.execute

        async def counting(self: Any, query: str, *args: Any, **kwargs: Any) -> Any:
            sent.append(query)
            return await original(self, query, *args, **kwargs)

        asyncpg.Connection.execute = counting
        try:
            async with engine.connect() as connection:  # a healthy connection: pinged, kept
                again = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        finally:
            asyncpg.Connection.execute = original
        assert again == first
        # The ping, then the connection's own transaction: no BEGIN and ROLLBACK around a ping.
        assert sent[0] == "SELECT 1"
        assert sent[1].upper().startswith("BEGIN")

        killer = create_engine(settings.database_url)
        async with killer.connect() as other:
            await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        await killer.dispose()
        reconnects: list[object] = []
        event.listen(engine.sync_engine, "connect", lambda *_: reconnects.append(object()))
        async with engine.connect() as connection:  # the dead one is noticed and replaced
            now = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        assert now != first
        assert len(reconnects) == 1
    finally:
        await engine.dispose()
