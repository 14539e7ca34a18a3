"""The data version under writers that really commit, on PostgreSQL: each change is numbered as
its transaction commits (migration 0027), so a writer holds up no other writer while it is
away from the database, and numbers still follow the order of commits.

These tests commit for real, so they run in a scratch database of their own.
"""

from __future__ import annotations

import asyncio
import os
import uuid

import pytest
from httpx import AsyncClient
from sqlalchemy import select, update

from app.core.changes import DataChange, Version, _before_commit, changed_since, current_version
from app.core.db import unit_of_work
from app.org.models import OrgUnit
from tests.factories import Factory

pytestmark = pytest.mark.skipif(
    not os.environ.get("GT_TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="numbering at commit is PostgreSQL's trigger; SQLite numbers in the transaction",
)


async def _version(factory: Factory) -> Version:
    async with unit_of_work(factory.sessionmaker) as session:
        return await current_version(session)


async def _rename(factory: Factory, unit: uuid.UUID, name: str) -> None:
    async with unit_of_work(factory.sessionmaker) as session:
        await session.execute(update(OrgUnit).where(OrgUnit.id == unit).values(name=name))


async def test_a_writer_waiting_to_commit_holds_up_no_other_writer(
    committed: tuple[AsyncClient, Factory],
) -> None:
    _client, factory = committed
    units = await factory.org_tree()
    before = await _version(factory)

    # The first writer has written and logged its change, and is away from the database.
    async with unit_of_work(factory.sessionmaker) as slow:
        await slow.execute(update(OrgUnit).where(OrgUnit.id == units["HOU"].id).values(name="Slow"))
        # What its commit does first (the session's before_commit), then no COMMIT yet.
        await slow.run_sync(_before_commit)
        # Another writer commits meanwhile, without waiting for it.
        await asyncio.wait_for(_rename(factory, units["ASC"].id, "Quick"), timeout=10)
        quick = await _version(factory)
        assert quick.seq == before.seq + 1
    # The slow one's change comes after: the numbers follow the commits.
    after = await _version(factory)
    assert after.seq == quick.seq + 1
    async with unit_of_work(factory.sessionmaker) as session:
        numbers = (await session.scalars(select(DataChange.seq).order_by(DataChange.seq))).all()
    assert all(number >= 0 for number in numbers)
    assert numbers[-2:] == [quick.seq, after.seq]


async def test_concurrent_writers_get_consecutive_numbers_and_a_log_a_reader_can_follow(
    committed: tuple[AsyncClient, Factory],
) -> None:
    _client, factory = committed
    await factory.financial_year(2025)
    units = await factory.org_tree()
    before = await _version(factory)

    await asyncio.gather(*(_rename(factory, units["HOU"].id, f"Housing {n}") for n in range(12)))

    after = await _version(factory)
    assert after.seq == before.seq + 12
    async with unit_of_work(factory.sessionmaker) as session:
        rows = (
            await session.execute(
                select(DataChange.seq, DataChange.token).where(DataChange.seq > before.seq)
            )
        ).all()
        # An org unit bears on every indicator: the log says so, and a reader recomputes all.
        assert await changed_since(session, before, until=after) is None
    assert sorted(seq for seq, _token in rows) == list(range(before.seq + 1, after.seq + 1))
    assert dict(rows)[after.seq] == after.token
