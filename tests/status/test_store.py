"""Statuses are computed once and read by every worker: stored in the database under the data
version they were computed at, never read under another."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from httpx import ASGITransport, AsyncClient
from sqlalchemy import event, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.access.permissions import Role
from app.audit.seal import AuditSeal
from app.bootstrap import app_sessionmaker
from app.core import clock
from app.core.config import Settings
from app.core.db import create_engine, unit_of_work
from app.indicators.models import Target
from app.main import create_app
from app.status.cache import StatusCache
from app.status.store import StatusStore
from tests.conftest import alembic_config
from tests.factories import Factory
from tests.helpers import (
    API,
    INDICATORS,
    Headers,
    person,
    seed_approved,
    sessionmaker_for,
    statements,
)
from tests.indicators.helpers import create_indicator, set_target

SCORECARD = f"{API}/reports/scorecard"
Q1 = "2025-26-Q1"

Worker = Callable[[], Awaitable[AsyncClient]]


@pytest.fixture
async def perf(factory: Factory) -> Headers:
    await factory.financial_year(2025)
    return (await person(factory, Role.PERFORMANCE_TEAM)).headers


@pytest.fixture
async def start_worker(connection: AsyncConnection, settings: Settings) -> AsyncIterator[Worker]:
    """Starts a worker: an app of its own (sessionmaker, status cache and its store) on the
    test's database, as a uvicorn worker process would be; each call is a new process."""
    async with AsyncExitStack() as stack:

        async def start() -> AsyncClient:
            app = create_app(settings, run_startup=False)
            maker = sessionmaker_for(connection, settings)
            app.state.sessionmaker = maker
            app.state.status_cache = StatusCache(store=StatusStore(maker))
            transport = ASGITransport(app=app)
            return await stack.enter_async_context(
                AsyncClient(transport=transport, base_url="http://worker")
            )

        yield start


async def card(
    worker: AsyncClient, engine: AsyncEngine, headers: Headers, period: str = Q1
) -> tuple[dict[str, Any], bool]:
    """The scorecard as the worker answers it, and whether it computed any status for it (a
    computation reads the approved figures; stored or kept statuses do not)."""
    with statements(engine) as seen:
        response = await worker.get(SCORECARD, params={"period": period}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json(), any("indicator_value" in sql for sql in seen)


def rags(scorecard: dict[str, Any]) -> dict[str, Any]:
    return {row["indicator_code"]: row["rag"] for row in scorecard["rows"]}


async def three_measures(client: AsyncClient, factory: Factory, perf: Headers) -> None:
    for code, value in (("S1", 81), ("S2", 78), ("S3", 60)):
        await create_indicator(client, perf, code, tolerance=None)  # the council's 5%
        await set_target(client, perf, code, Q1, value=80)
        await seed_approved(factory, code, {Q1: value})


async def test_every_worker_reads_the_same_statuses_after_a_change(
    client: AsyncClient,
    factory: Factory,
    perf: Headers,
    engine: AsyncEngine,
    start_worker: Worker,
) -> None:
    await three_measures(client, factory, perf)
    one, two = await start_worker(), await start_worker()

    first, computed = await card(one, engine, perf)
    assert computed
    assert rags(first) == {"S1": "green", "S2": "green", "S3": "red"}
    assert await card(two, engine, perf) == (first, False)  # read, not computed again

    # A change to one indicator: whichever worker reads first recomputes it, once.
    await set_target(client, perf, "S1", Q1, value=99, reason="Stretch")
    changed, computed = await card(two, engine, perf)
    assert computed
    assert rags(changed)["S1"] == "red"
    assert await card(one, engine, perf) == (changed, False)

    # A change that bears on every indicator: the council's tolerance.
    admin = (await person(factory, Role.ADMIN)).headers
    tolerance = await client.put(
        f"{API}/settings/rag",
        json={"unit": "percent", "green_within": 0, "amber_within": 5},
        headers=admin,
    )
    assert tolerance.status_code == 200, tolerance.text
    everything, computed = await card(one, engine, perf)
    assert computed
    assert rags(everything) == {"S1": "red", "S2": "amber", "S3": "red"}
    assert await card(two, engine, perf) == (everything, False)


async def test_a_restarted_worker_computes_nothing_it_can_read(
    client: AsyncClient,
    factory: Factory,
    perf: Headers,
    engine: AsyncEngine,
    start_worker: Worker,
) -> None:
    await three_measures(client, factory, perf)
    head = await person(factory, Role.HEAD_OF_SERVICE, "HOU")
    draft = await client.put(
        f"{INDICATORS}/S3/values/{Q1}", json={"value": 5}, headers=head.headers
    )
    assert draft.status_code in (200, 201), draft.text
    councillor = (await person(factory, Role.COUNCILLOR)).headers
    before = await start_worker()
    team, _ = await card(before, engine, perf)
    public, _ = await card(before, engine, councillor)
    status = await before.get(f"{INDICATORS}/S2/status", params={"period": Q1}, headers=perf)
    assert status.status_code == 200, status.text

    restarted = await start_worker()

    assert await card(restarted, engine, perf) == (team, False)
    # Those who may not see working copies read the approved figure's variant, stored too.
    assert await card(restarted, engine, councillor) == (public, False)
    assert {r["indicator_code"]: r["value_status"] for r in public["rows"]}["S3"] == "approved"
    assert {r["indicator_code"]: r["value_status"] for r in team["rows"]}["S3"] == "draft"
    with statements(engine) as seen:
        again = await restarted.get(f"{INDICATORS}/S2/status", params={"period": Q1}, headers=perf)
    assert again.json() == status.json()
    assert not any("indicator_value" in sql for sql in seen)


async def test_stored_statuses_are_not_read_once_the_version_is_set_by_hand(
    client: AsyncClient,
    factory: Factory,
    perf: Headers,
    engine: AsyncEngine,
    start_worker: Worker,
) -> None:
    """Data changed with SQL outside the service, then the token renewed by hand as the change
    tracking module says: every worker, restarted or not, computes afresh."""
    await three_measures(client, factory, perf)
    one = await start_worker()
    assert rags((await card(one, engine, perf))[0])["S3"] == "red"
    async with unit_of_work(factory.sessionmaker) as session:
        # On the connection, past the session's change tracking, as a hand-written script would.
        connection = await session.connection()
        await connection.execute(update(Target).values(value=Decimal(50)))
        await connection.execute(text("UPDATE data_version SET token = 'set-by-hand'"))

    for worker in (one, await start_worker()):
        after, _ = await card(worker, engine, perf)
        assert rags(after) == {"S1": "green", "S2": "green", "S3": "green"}


async def test_stored_statuses_judged_before_the_due_date_are_not_read_after_it(
    client: AsyncClient,
    factory: Factory,
    perf: Headers,
    engine: AsyncEngine,
    start_worker: Worker,
) -> None:
    await create_indicator(client, perf, "D1")
    await set_target(client, perf, "D1", Q1, value=80)
    due = (await client.get(f"{API}/periods/{Q1}", headers=perf)).json()["data_due_date"]
    day = date.fromisoformat(due)
    noon = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    try:
        clock.freeze(noon)
        assert rags((await card(await start_worker(), engine, perf))[0]) == {"D1": None}
        clock.freeze(noon + timedelta(days=1))
        assert rags((await card(await start_worker(), engine, perf))[0]) == {"D1": "missing"}
    finally:
        clock.freeze(None)


async def test_a_worker_reads_no_statuses_for_a_period_that_does_not_exist(
    perf: Headers, start_worker: Worker
) -> None:
    worker = await start_worker()
    for _ in range(2):
        response = await worker.get(SCORECARD, params={"period": "2031-32-Q1"}, headers=perf)
        assert response.status_code == 404, response.text
    empty = await worker.get(SCORECARD, params={"period": Q1}, headers=perf)
    assert empty.status_code == 200, empty.text
    assert empty.json()["rows"] == []
    again = await (await start_worker()).get(SCORECARD, params={"period": Q1}, headers=perf)
    assert again.json() == empty.json()


@pytest.mark.skipif(
    not os.environ.get("GT_TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="workers in processes of their own are a PostgreSQL matter (SQLite is one process)",
)
async def test_workers_asking_at_once_compute_the_statuses_once(
    committed: tuple[AsyncClient, Factory], settings: Settings
) -> None:
    """Three workers, each with an engine of its own on a database whose transactions really
    commit, asked for the same scorecard at the same moment: one computes it under the
    period's claim, the others wait for it and read what it stored."""
    client, factory = committed
    await factory.financial_year(2025)
    perf = await factory.headers(Role.PERFORMANCE_TEAM)
    await three_measures(client, factory, perf)
    url = factory.sessionmaker.kw["bind"].url
    computed: list[int] = []
    async with AsyncExitStack() as stack:
        workers = []
        for number in range(3):
            engine = create_engine(url.render_as_string(hide_password=False))
            stack.push_async_callback(engine.dispose)

            def note(*args: Any, number: int = number) -> None:
                if "approved_value" in args[2]:
                    computed.append(number)

            event.listen(engine.sync_engine, "before_cursor_execute", note)
            app = create_app(
                settings.model_copy(update={"database_url": str(url)}), run_startup=False
            )
            maker = app_sessionmaker(
                engine, audit=AuditSeal(key=settings.audit_key.encode(), checkpoint=None)
            )
            app.state.sessionmaker = maker
            app.state.status_cache = StatusCache(store=StatusStore(maker))
            workers.append(
                await stack.enter_async_context(
                    AsyncClient(transport=ASGITransport(app=app), base_url="http://worker")
                )
            )
        answers = await asyncio.gather(
            *(worker.get(SCORECARD, params={"period": Q1}, headers=perf) for worker in workers)
        )

    assert [answer.status_code for answer in answers] == [200, 200, 200]
    assert answers[0].json() == answers[1].json() == answers[2].json()
    assert rags(answers[0].json()) == {"S1": "green", "S2": "green", "S3": "red"}
    assert len(set(computed)) == 1  # one worker read the figures; the others read its statuses


@pytest.fixture
async def sqlite_file(
    tmp_path: Path, settings: Settings
) -> AsyncIterator[tuple[AsyncClient, Factory]]:
    """The app as `make run` serves it: an SQLite file whose transactions really commit, each
    request on a connection of its own, statuses stored by the app's own store."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'gt.db'}"
    await asyncio.to_thread(command.upgrade, alembic_config(url), "head")
    engine = create_engine(url)
    application = create_app(settings.model_copy(update={"database_url": url}), run_startup=False)
    maker = app_sessionmaker(
        engine, audit=AuditSeal(key=settings.audit_key.encode(), checkpoint=None)
    )
    application.state.engine = engine
    application.state.sessionmaker = maker
    application.state.status_cache = StatusCache(store=StatusStore(maker))
    try:
        transport = ASGITransport(app=application)
        async with AsyncClient(transport=transport, base_url="http://test") as http:
            yield http, Factory(maker, settings)
    finally:
        await engine.dispose()


async def test_a_request_that_writes_on_sqlite_stores_the_statuses_it_computes(
    sqlite_file: tuple[AsyncClient, Factory],
) -> None:
    """Publishing a scorecard whose statuses are not stored yet: on SQLite the request holds
    the write lock, so the statuses are stored in its own transaction (a session of the
    store's own waited for the lock until the busy timeout, and the answer was a 503)."""
    client, factory = sqlite_file
    await factory.financial_year(2025)
    perf = await factory.headers(Role.PERFORMANCE_TEAM)
    await three_measures(client, factory, perf)

    published = await client.post(
        f"{API}/reports/publications", json={"kind": "scorecard", "period": Q1}, headers=perf
    )

    assert published.status_code == 201, published.text
    # Stored with the publication: a second worker reads them, computing nothing.
    async with factory.sessionmaker() as session:
        stored = await session.scalar(text("SELECT count(*) FROM stored_status"))
    assert stored == 3
