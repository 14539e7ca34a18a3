"""Writers do not wait for one another for the audit chain: each writes its events pending, and
they are sealed into the chain, in commit order, once their transaction has committed. Nothing
stays pending: a commit whose seal never ran (the process died) is sealed by the next seal."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, cast

import pytest
from httpx import AsyncClient
from sqlalchemy import Table, insert, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from app.access.permissions import Role
from app.audit.checkpoint import CheckpointFile
from app.audit.hashing import GENESIS_HASH, LINKED_HMAC_SHA256
from app.audit.models import AuditEvent
from app.audit.repository import AuditRepository
from app.audit.seal import AuditSeal
from app.audit.sealer import AuditSealer
from app.audit.service import SEAL_WITHIN_AT, AuditEntry, AuditService
from app.bootstrap import app_sessionmaker, run_startup_tasks
from app.core.clock import utcnow
from app.core.config import Settings
from app.core.db import create_engine, unit_of_work
from tests.factories import Factory

AUDIT = "/api/v1/audit-events"
VERIFY = f"{AUDIT}/verify"
TABLE = cast(Table, AuditEvent.__table__)


@pytest.fixture
async def admin(factory: Factory) -> dict[str, str]:
    return await factory.headers(Role.ADMIN)


@pytest.fixture
def unsealing(
    connection: AsyncConnection, settings: Settings, checkpoint: CheckpointFile
) -> async_sessionmaker[AsyncSession]:
    """Sessions of a process that dies right after its commit: its events are committed, and
    it never seals them (the plain session class commits without the seal that follows)."""
    maker = app_sessionmaker(
        connection,
        audit=AuditSeal(key=settings.audit_key.encode(), checkpoint=checkpoint),
        join_transaction_mode="create_savepoint",
    )
    maker.class_ = AsyncSession
    return maker


async def listed(client: AsyncClient, admin: dict[str, str]) -> list[dict[str, Any]]:
    response = await client.get(AUDIT, params={"page_size": 500}, headers=admin)
    assert response.status_code == 200, response.text
    return list(reversed(response.json()["items"]))


async def verify(client: AsyncClient, admin: dict[str, str]) -> dict[str, Any]:
    response = await client.get(VERIFY, headers=admin)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def assert_one_chain(events: list[dict[str, Any]]) -> None:
    """Oldest first by place: places 1..n with no gap, each linked to the one before."""
    in_chain = sorted(events, key=lambda event: event["seq"])
    assert [event["seq"] for event in in_chain] == list(range(1, len(events) + 1))
    previous = GENESIS_HASH
    for event in in_chain:
        assert event["prev_hash"] == previous
        previous = event["hash"]


async def test_a_committed_change_is_sealed_into_the_chain_before_the_answer(
    client: AsyncClient, admin: dict[str, str], checkpoint: CheckpointFile
) -> None:
    for name in ("One", "Two"):
        response = await client.patch("/api/v1/org-units/HOU", json={"name": name}, headers=admin)
        assert response.status_code == 200

    events = await listed(client, admin)
    assert all(event["hash_version"] == LINKED_HMAC_SHA256 for event in events)
    assert_one_chain(events)
    saved = checkpoint.read()
    assert saved is not None
    assert (saved.seq, saved.hash) == (events[-1]["seq"], events[-1]["hash"])
    assert (await verify(client, admin))["pending"] == 0


async def test_an_event_committed_but_never_sealed_is_listed_pending_and_verify_counts_it(
    client: AsyncClient,
    admin: dict[str, str],
    unsealing: async_sessionmaker[AsyncSession],
) -> None:
    await client.patch("/api/v1/org-units/HOU", json={"name": "Sealed"}, headers=admin)
    async with unit_of_work(unsealing) as session:
        await AuditService(session).record(
            actor=None, action="update", entity_type="thing", entity_id="T1"
        )

    newest = (await listed(client, admin))[-1]
    result = await verify(client, admin)

    assert (newest["entity_id"], newest["seq"], newest["prev_hash"], newest["hash"]) == (
        "T1",
        None,
        None,
        None,
    )
    assert newest["content_hash"] is not None
    assert (result["ok"], result["pending"]) == (True, 1)
    assert result["checked"] == len(await listed(client, admin)) - 1


async def test_a_crash_between_commit_and_seal_is_repaired_by_the_next_write(
    client: AsyncClient,
    admin: dict[str, str],
    unsealing: async_sessionmaker[AsyncSession],
    checkpoint: CheckpointFile,
) -> None:
    await client.patch("/api/v1/org-units/HOU", json={"name": "Before"}, headers=admin)
    async with unit_of_work(unsealing) as session:
        await AuditService(session).record_many(
            actor=None,
            events=[AuditEntry(action="create", entity_type="thing", entity_id=n) for n in "AB"],
        )

    await client.patch("/api/v1/org-units/HOU", json={"name": "After"}, headers=admin)

    events = await listed(client, admin)
    assert_one_chain(events)
    # In commit order: the events the dead process committed come before the later write's.
    by_place = sorted(events, key=lambda event: event["seq"])
    assert [event["entity_id"] for event in by_place[-3:-1]] == ["A", "B"]
    assert by_place[-1]["after"]["name"] == "After"
    result = await verify(client, admin)
    assert (result["ok"], result["pending"], result["checkpoint_seq"]) == (
        True,
        0,
        by_place[-1]["seq"],
    )
    saved = checkpoint.read()
    assert saved is not None
    assert saved.seq == by_place[-1]["seq"]


async def test_events_left_pending_are_sealed_at_start_up(
    client: AsyncClient,
    admin: dict[str, str],
    unsealing: async_sessionmaker[AsyncSession],
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
) -> None:
    async with unit_of_work(unsealing) as session:
        await AuditService(session).record(
            actor=None, action="update", entity_type="thing", entity_id="T1"
        )
    assert (await verify(client, admin))["pending"] == 1

    await run_startup_tasks(sessionmaker, settings.model_copy(update={"demo_data": False}))

    result = await verify(client, admin)
    assert (result["ok"], result["pending"]) == (True, 0)
    assert_one_chain(await listed(client, admin))


async def test_a_pending_event_altered_behind_the_apis_back_is_named_once_sealed(
    client: AsyncClient,
    connection: AsyncConnection,
    admin: dict[str, str],
    unsealing: async_sessionmaker[AsyncSession],
    is_postgres: bool,
) -> None:
    async with unit_of_work(unsealing) as session:
        event = await AuditService(session).record(
            actor=None, action="update", entity_type="thing", entity_id="T1", reason="typo"
        )
    if is_postgres:
        await connection.execute(text("ALTER TABLE audit_event DISABLE TRIGGER USER"))
    await connection.execute(
        text("UPDATE audit_event SET reason = 'rewritten' WHERE id = :id"), {"id": event.id}
    )
    if is_postgres:
        await connection.execute(text("ALTER TABLE audit_event ENABLE TRIGGER USER"))

    # The next write seals it with the rest: the chain links it, and its content gives it away.
    await client.patch("/api/v1/org-units/HOU", json={"name": "Next"}, headers=admin)
    result = await verify(client, admin)

    assert (result["ok"], result["first_bad_id"], result["reason"]) == (
        False,
        event.id,
        "hash_mismatch",
    )


async def test_an_event_inserted_behind_the_apis_back_is_named_once_sealed(
    client: AsyncClient, connection: AsyncConnection, admin: dict[str, str]
) -> None:
    await client.patch("/api/v1/org-units/HOU", json={"name": "Real"}, headers=admin)
    forged = await connection.scalar(
        insert(TABLE)
        .values(
            occurred_at=utcnow(),
            actor_kind="user",
            actor_name="Nobody",
            action="approve",
            entity_type="thing",
            entity_id="T9",
            hash_version=LINKED_HMAC_SHA256,
            content_hash="f" * 64,
        )
        .returning(TABLE.c.id)
    )

    await client.patch("/api/v1/org-units/HOU", json={"name": "Later"}, headers=admin)
    result = await verify(client, admin)

    assert (result["ok"], result["first_bad_id"], result["reason"]) == (
        False,
        forged,
        "hash_mismatch",
    )


async def test_on_postgresql_a_sealed_event_cannot_be_sealed_again_nor_a_pending_one_edited(
    client: AsyncClient,
    connection: AsyncConnection,
    admin: dict[str, str],
    unsealing: async_sessionmaker[AsyncSession],
    is_postgres: bool,
) -> None:
    if not is_postgres:
        pytest.skip("the append-only trigger is created on PostgreSQL only")
    await client.patch("/api/v1/org-units/HOU", json={"name": "Sealed"}, headers=admin)
    sealed = (await listed(client, admin))[-1]
    async with unit_of_work(unsealing) as session:
        pending = await AuditService(session).record(
            actor=None, action="update", entity_type="thing", entity_id="T1"
        )

    for statement, event_id in (
        ("UPDATE audit_event SET seq = seq + 1000, hash = hash WHERE id = :id", sealed["id"]),
        ("UPDATE audit_event SET reason = 'rewritten' WHERE id = :id", pending.id),
        (
            "UPDATE audit_event SET seq = 999, prev_hash = 'x', hash = 'y', "
            "actor_name = 'someone else' WHERE id = :id",
            pending.id,
        ),
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            async with connection.begin_nested():
                await connection.execute(text(statement), {"id": event_id})


# --- concurrent writers, committed for real ------------------------------------------------


async def test_concurrent_writers_leave_one_intact_chain_with_every_event_sealed(
    scratch: str, settings: Settings, tmp_path: Path
) -> None:
    key = settings.audit_key.encode()
    checkpoint = CheckpointFile(tmp_path / "checkpoint.json", key=key)
    engine = create_engine(scratch, pool_size=8)
    # Two workers: two sessionmakers (each its own engine in production), one checkpoint file.
    workers = [
        app_sessionmaker(engine, audit=AuditSeal(key=key, checkpoint=checkpoint)) for _ in range(2)
    ]
    written: dict[str, list[str]] = {}

    async def write(worker: int, n: int) -> None:
        name = f"{worker}-{n}"
        async with unit_of_work(workers[worker % 2]) as session:
            service = AuditService(session)
            if n % 2:
                written[name] = [name]
                await service.record(
                    actor=None, action="update", entity_type="thing", entity_id=name
                )
            else:
                written[name] = [f"{name}-{i}" for i in range(3)]
                await service.record_many(
                    actor=None,
                    events=[
                        AuditEntry(action="create", entity_type="thing", entity_id=entity)
                        for entity in written[name]
                    ],
                )

    try:
        await asyncio.gather(*(write(w, n) for w in range(8) for n in range(5)))
        async with unit_of_work(workers[0]) as session:
            result = await AuditService(session).verify()
            rows = (await session.execute(select(TABLE).order_by(TABLE.c.seq))).all()
    finally:
        await engine.dispose()

    assert (result.ok, result.pending) == (True, 0), result
    assert result.checked == len(rows) == 8 * (3 * 3 + 2)
    assert [row.seq for row in rows] == list(range(1, len(rows) + 1))
    assert result.checkpoint_seq == rows[-1].seq
    # Each transaction's events in the chain in the order it wrote them.
    place = {row.entity_id: row.seq for row in rows}
    for entities in written.values():
        assert [place[entity] for entity in entities] == sorted(place[e] for e in entities)


async def test_events_are_sealed_in_the_order_their_transactions_commit(
    scratch: str, settings: Settings, tmp_path: Path
) -> None:
    if not scratch.startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time: commit order is write order there")
    key = settings.audit_key.encode()
    engine = create_engine(scratch, pool_size=4)
    maker = app_sessionmaker(
        engine, audit=AuditSeal(key=key, checkpoint=CheckpointFile(tmp_path / "c.json", key=key))
    )
    try:
        async with unit_of_work(maker) as slow:
            # Written first, committed last: the other writer does not wait for it.
            first = await AuditService(slow).record(
                actor=None, action="update", entity_type="thing", entity_id="written first"
            )
            async with unit_of_work(maker) as fast:
                second = await AuditService(fast).record(
                    actor=None, action="update", entity_type="thing", entity_id="committed first"
                )
        async with unit_of_work(maker) as session:
            result = await AuditService(session).verify()
            seqs = dict((await session.execute(select(TABLE.c.id, TABLE.c.seq))).all())
    finally:
        await engine.dispose()

    assert first.id < second.id
    assert seqs[second.id] < seqs[first.id]
    assert (result.ok, result.pending, result.checked) == (True, 0, 2)


async def test_a_bulk_push_seals_its_events_as_it_inserts_them_after_those_committed_before(
    client: AsyncClient,
    admin: dict[str, str],
    unsealing: async_sessionmaker[AsyncSession],
    sessionmaker: async_sessionmaker[AsyncSession],
    checkpoint: CheckpointFile,
) -> None:
    async with unit_of_work(unsealing) as session:
        await AuditService(session).record(
            actor=None, action="update", entity_type="thing", entity_id="committed before"
        )
    async with unit_of_work(sessionmaker) as session:
        await AuditService(session).record_many(
            actor=None,
            events=[
                AuditEntry(action="create", entity_type="thing", entity_id=f"bulk {n:03d}")
                for n in range(SEAL_WITHIN_AT)
            ],
        )

    events = sorted(await listed(client, admin), key=lambda event: event["seq"])
    assert_one_chain(events)
    names = [event["entity_id"] for event in events]
    assert names[-SEAL_WITHIN_AT - 1 :] == [
        "committed before",
        *(f"bulk {n:03d}" for n in range(SEAL_WITHIN_AT)),
    ]
    saved = checkpoint.read()
    assert saved is not None
    assert (saved.seq, saved.hash) == (events[-1]["seq"], events[-1]["hash"])
    result = await verify(client, admin)
    assert (result["ok"], result["pending"]) == (True, 0)


async def test_a_bulk_push_while_another_sealer_works_does_not_wait_and_is_sealed_after(
    scratch: str, settings: Settings, tmp_path: Path
) -> None:
    if not scratch.startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time: no other sealer can be at work")
    key = settings.audit_key.encode()
    engine = create_engine(scratch, pool_size=4)
    maker = app_sessionmaker(
        engine, audit=AuditSeal(key=key, checkpoint=CheckpointFile(tmp_path / "c.json", key=key))
    )
    try:
        async with unit_of_work(maker) as sealing:
            # Another process's sealer, mid-seal.
            assert await AuditRepository(sealing).try_lock_sealer()
            async with unit_of_work(maker) as bulk:
                await AuditService(bulk).record_many(
                    actor=None,
                    events=[
                        AuditEntry(action="create", entity_type="thing", entity_id=f"b{n}")
                        for n in range(SEAL_WITHIN_AT)
                    ],
                )
            async with maker() as session:
                left = await AuditRepository(session).count_pending()
        # Once the other sealer has let go, the next seal seals them.
        async with maker() as session:
            await AuditSealer(session).seal_pending()
        async with unit_of_work(maker) as session:
            result = await AuditService(session).verify()
    finally:
        await engine.dispose()

    assert left == SEAL_WITHIN_AT
    assert (result.ok, result.pending, result.checked) == (True, 0, SEAL_WITHIN_AT)
