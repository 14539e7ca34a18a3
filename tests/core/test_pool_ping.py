"""The pool checks a PostgreSQL connection before each checkout in one round trip (none for one
handed back in the last half second), and still replaces one the server has dropped."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError

from app.core import db
from app.core.config import Settings
from app.core.db import create_engine


async def test_a_dropped_connection_is_replaced_at_checkout_after_a_one_statement_ping(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("the pool's ping is PostgreSQL's (asyncpg)")
    monkeypatch.setattr(db, "PING_BYPASS_SECONDS", 0)  # every checkout pinged
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


async def test_a_connection_handed_back_moments_ago_goes_out_again_without_a_ping(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("the pool's ping is PostgreSQL's (asyncpg)")
    monkeypatch.setattr(db, "PING_BYPASS_SECONDS", 3600)
    engine = create_engine(settings.database_url, pool_size=1)
    sent: list[str] = []
    original = asyncpg.Connection.execute

    async def counting(self: Any, query: str, *args: Any, **kwargs: Any) -> Any:
        sent.append(query)
        return await original(self, query, *args, **kwargs)

    try:
        monkeypatch.setattr(asyncpg.Connection, "execute", counting)
        async with engine.connect() as connection:  # new: nothing to ping
            first = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        async with engine.connect() as connection:  # handed back just now: not pinged
            again = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        assert again == first
        assert sent.count("SELECT 1") == 0

        monkeypatch.setattr(db, "PING_BYPASS_SECONDS", 0)
        async with engine.connect() as connection:  # handed back longer ago: pinged
            await connection.execute(text("SELECT 1 + 1"))
        assert sent.count("SELECT 1") == 1
    finally:
        await engine.dispose()


async def test_a_connection_dropped_inside_the_window_fails_once_then_the_pool_reconnects(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("the pool's ping is PostgreSQL's (asyncpg)")
    monkeypatch.setattr(db, "PING_BYPASS_SECONDS", 3600)
    engine = create_engine(settings.database_url, pool_size=1)
    killer = create_engine(settings.database_url)
    try:
        async with engine.connect() as connection:
            first = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        async with killer.connect() as other:
            await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        with pytest.raises(DBAPIError) as failed:
            async with engine.connect() as connection:
                await connection.execute(text("SELECT pg_backend_pid()"))
        assert failed.value.connection_invalidated
        async with engine.connect() as connection:
            now = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        assert now != first
    finally:
        await killer.dispose()
        await engine.dispose()
