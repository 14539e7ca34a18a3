"""Computed statuses are kept per data version: reused while nothing changes, never stale."""

from __future__ import annotations

import gc
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import event, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.sql.util import find_tables

from app.access.permissions import Role
from app.access.principal import Principal
from app.auth.models import LoginFailure
from app.auth.service import AuthService
from app.core import clock
from app.core.bulk import bulk_insert
from app.core.changes import (
    CHANGED_INDICATORS,
    CHANGES,
    Version,
    changed_since,
    current_version,
    has_changes,
    mark_changed,
    read_with_request,
    request_version,
)
from app.core.clock import utcnow
from app.core.config import Settings
from app.core.db import Base, unit_of_work
from app.indicators.models import Indicator, IndicatorValue, Target
from app.indicators.repository import IndicatorFilter
from app.measures.vocabulary import Polarity, Rag
from app.org.models import OrgUnit
from app.status.cache import Snapshot, StatusCache
from app.status.schemas import StatusRead
from app.status.service import StatusService
from tests.factories import Factory
from tests.helpers import API, INDICATORS, Headers, person, seed_approved, sessionmaker_for
from tests.indicators.helpers import (
    approved_value,
    create_indicator,
    save_value,
    set_target,
    step,
)
from tests.reports.test_scorecard import statements

SCORECARD = f"{API}/reports/scorecard"
Q1, Q2 = "2025-26-Q1", "2025-26-Q2"


@pytest.fixture
async def perf(factory: Factory) -> Headers:
    await factory.financial_year(2024)
    await factory.financial_year(2025)
    return (await person(factory, Role.PERFORMANCE_TEAM)).headers


async def card(client: AsyncClient, headers: Headers, period: str = Q1) -> dict[str, Any]:
    response = await client.get(SCORECARD, params={"period": period}, headers=headers)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def row(scorecard: dict[str, Any], code: str) -> dict[str, Any]:
    found: dict[str, Any] = next(r for r in scorecard["rows"] if r["indicator_code"] == code)
    return found


async def reader(factory: Factory, role: Role) -> Principal:
    user_id = await factory.user(role)
    async with unit_of_work(factory.sessionmaker) as session:
        principal = await AuthService(session, settings=factory.settings).user_principal(
            user_id=user_id
        )
    assert principal is not None
    return principal


async def token(sessionmaker: async_sessionmaker[AsyncSession]) -> str:
    async with unit_of_work(sessionmaker) as session:
        return (await current_version(session)).token


# The data version


async def test_the_data_version_moves_with_each_committed_change_and_only_then(
    factory: Factory,
) -> None:
    sessionmaker = factory.sessionmaker
    units = await factory.org_tree()
    start = await token(sessionmaker)

    async with unit_of_work(sessionmaker) as session:  # a read
        await session.get(OrgUnit, units["HOU"].id)
    assert await token(sessionmaker) == start

    async def rename_and_fail() -> None:
        async with unit_of_work(sessionmaker) as session:
            (await session.get(OrgUnit, units["HOU"].id)).name = "Renamed"  # type: ignore[union-attr]
            await session.flush()
            raise RuntimeError("refused")

    with pytest.raises(RuntimeError):  # a change rolled back
        await rename_and_fail()
    assert await token(sessionmaker) == start

    async with unit_of_work(sessionmaker) as session:  # a write no report reads
        session.add(LoginFailure(key="someone@council.gov.uk", failed_at=utcnow()))
    assert await token(sessionmaker) == start

    seen = {start}
    async with unit_of_work(sessionmaker) as session:  # an ORM change
        (await session.get(OrgUnit, units["HOU"].id)).name = "Housing"  # type: ignore[union-attr]
    seen.add(await token(sessionmaker))
    async with unit_of_work(sessionmaker) as session:  # a Core statement
        await session.execute(
            update(OrgUnit).where(OrgUnit.id == units["HOU"].id).values(name="Housing Needs")
        )
    seen.add(await token(sessionmaker))
    async with unit_of_work(sessionmaker) as session:  # a bulk insert (COPY on PostgreSQL)
        await bulk_insert(
            session,
            OrgUnit.__table__,  # type: ignore[arg-type]
            [{"id": uuid.uuid4(), "code": "NEW", "name": "New", "kind": "team"}],
        )
    seen.add(await token(sessionmaker))
    assert len(seen) == 4


async def test_a_session_with_uncommitted_changes_is_not_served_from_the_cache(
    factory: Factory,
) -> None:
    units = await factory.org_tree()
    async with unit_of_work(factory.sessionmaker) as session:
        assert not has_changes(session)
        (await session.get(OrgUnit, units["HOU"].id)).name = "Pending"  # type: ignore[union-attr]
        assert has_changes(session)  # not yet flushed
        await session.flush()
        assert has_changes(session)  # flushed, not committed
    async with unit_of_work(factory.sessionmaker) as session:
        await session.execute(insert(LoginFailure).values(key="k", failed_at=utcnow()))
        assert not has_changes(session)  # nothing a status reads


async def test_a_computation_in_a_session_with_unflushed_changes_sees_them(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    """The indicators are read as plain rows (the database's state): what this session has
    changed and not flushed is flushed first, so the statuses show it, as they did when the
    indicators were ORM objects of the session."""
    await create_indicator(client, perf, "U1", title="Before")
    await set_target(client, perf, "U1", Q1, value=80)
    await seed_approved(factory, "U1", {Q1: 70})
    async with factory.sessionmaker() as session:
        indicator = await session.scalar(select(Indicator).where(Indicator.code == "U1"))
        assert indicator is not None
        unit = await session.get(OrgUnit, indicator.org_unit_id)
        assert unit is not None
        indicator.title = "After"
        indicator.polarity = Polarity.LOWER_IS_BETTER
        unit.code = "MOVED"
        [status] = await StatusService(session, settings=factory.settings).statuses(
            principal=None, period_code=Q1, filters=IndicatorFilter(codes=["U1"])
        )
        await session.rollback()
    assert (status.title, status.polarity, status.org_unit_code) == (
        "After",
        Polarity.LOWER_IS_BETTER,
        "MOVED",
    )
    assert status.rag is Rag.GREEN  # 70 against 80, lower is better


# Reuse


async def test_a_repeated_scorecard_reads_no_figures_again(
    client: AsyncClient, factory: Factory, perf: Headers, engine: AsyncEngine
) -> None:
    for code, value in (("C1", 81), ("C2", 60)):
        await create_indicator(client, perf, code)
        await set_target(client, perf, code, Q1, value=80)
        await seed_approved(factory, code, {Q1: value})

    with statements(engine) as first:
        computed = await card(client, perf)
    with statements(engine) as second:
        reused = await card(client, perf)

    assert reused == computed
    assert any("indicator_value" in sql for sql in first)
    assert not any("indicator_value" in sql or "target" in sql for sql in second)
    assert len(second) < len(first)


async def test_a_kept_scorecard_costs_one_statement_the_users_which_reads_the_version_too(
    client: AsyncClient, factory: Factory, perf: Headers, engine: AsyncEngine
) -> None:
    await create_indicator(client, perf, "C1")
    await set_target(client, perf, "C1", Q1, value=80)
    await seed_approved(factory, "C1", {Q1: 81})
    computed = await card(client, perf)

    with statements(engine) as seen:
        kept = await card(client, perf)

    assert kept == computed
    reads = [sql for sql in seen if sql.lstrip().upper().startswith("SELECT")]
    assert len(reads) == 1, reads
    assert "role_assignment" in reads[0]
    assert "data_version" in reads[0]


async def test_the_version_read_with_the_principal_stands_only_until_the_request_writes(
    factory: Factory,
) -> None:
    """What a request keeps or finds under the data version it read with its principal, it
    keeps or finds under that version only while it has written nothing and is in the same
    transaction; otherwise the version is read again as it stands."""
    units = await factory.org_tree()
    async with unit_of_work(factory.sessionmaker) as session:
        standing = await current_version(session)
        read_with_request(session, "read-with-the-principal", 7)
        assert await request_version(session) == Version("read-with-the-principal", 7)
        unit = await session.get(OrgUnit, units["HOU"].id)
        assert unit is not None
        unit.name = "Renamed, not yet flushed"
        assert await request_version(session) == standing
    async with factory.sessionmaker() as session:
        await session.connection()
        read_with_request(session, "read-with-the-principal", 7)
        await session.commit()
        assert await request_version(session) == await current_version(session)
        assert await request_version(session) != Version("read-with-the-principal", 7)


async def test_the_assembled_scorecard_is_the_scorecard_serialised(
    client: AsyncClient,
    factory: Factory,
    perf: Headers,
    settings: Settings,
    status_cache: StatusCache,
) -> None:
    """The JSON built from cached rows is byte for byte what the Scorecard model writes, for
    readers who see working copies and for those who see approved figures only."""
    await create_indicator(client, perf, "J1", title='Rent "collected" \u2013 £')
    await create_indicator(client, perf, "J2")
    await set_target(client, perf, "J1", Q1, value=80)
    await seed_approved(factory, "J1", {Q1: 79})
    head = await person(factory, Role.HEAD_OF_SERVICE, "HOU")
    saved = await client.put(
        f"{INDICATORS}/J2/values/{Q1}", json={"value": 5}, headers=head.headers
    )
    assert saved.status_code in (200, 201), saved.text
    readers = [await reader(factory, Role.PERFORMANCE_TEAM), await reader(factory, Role.COUNCILLOR)]
    for principal in [*readers, None]:
        async with unit_of_work(factory.sessionmaker) as session:
            service = StatusService(session, settings=settings, cache=status_cache)
            filters = IndicatorFilter()
            expected = await service.scorecard(principal=principal, period_code=Q1, filters=filters)
            assembled = await service.scorecard_json(
                principal=principal, period_code=Q1, filters=filters
            )
        assert assembled == expected.model_dump_json().encode()
    statuses = {row.indicator_code: row.value_status for row in expected.rows}
    assert statuses == {"J1": "approved", "J2": None}  # the anonymous reader's


async def test_readers_share_the_cache_yet_each_sees_their_own_value_status(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await create_indicator(client, perf, "V1")
    head = await person(factory, Role.HEAD_OF_SERVICE, "HOU")
    saved = await client.put(
        f"{INDICATORS}/V1/values/{Q1}", json={"value": 5}, headers=head.headers
    )
    assert saved.status_code in (200, 201), saved.text
    councillor = (await person(factory, Role.COUNCILLOR)).headers

    assert row(await card(client, perf), "V1")["value_status"] == "draft"
    assert row(await card(client, councillor), "V1")["value_status"] is None
    assert row(await card(client, perf), "V1")["value_status"] == "draft"


# Never stale


async def test_every_change_a_status_depends_on_shows_in_the_next_read(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await create_indicator(client, perf, "R1", title="Rent collected")
    await set_target(client, perf, "R1", Q1, value=80)
    await seed_approved(factory, "R1", {Q1: 79})
    assert row(await card(client, perf), "R1")["rag"] == "green"

    await set_target(client, perf, "R1", Q1, value=90, reason="Stretch")
    assert row(await card(client, perf), "R1")["rag"] == "red"

    edited = await client.patch(
        f"{INDICATORS}/R1", json={"title": "Rent collected (%)"}, headers=perf
    )
    assert edited.status_code == 200, edited.text
    assert row(await card(client, perf), "R1")["title"] == "Rent collected (%)"

    councillor = await person(factory, Role.COUNCILLOR)
    asked = await client.post(
        f"{INDICATORS}/R1/comments",
        json={"body": "Why the fall?", "period": Q1},
        headers=councillor.headers,
    )
    assert asked.status_code == 201, asked.text
    assert [c["body"] for c in row(await card(client, perf), "R1")["comments"]] == ["Why the fall?"]

    benchmark = await client.put(
        f"{INDICATORS}/R1/benchmarks/{Q1}",
        json={
            "source": "LG Inform",
            "national_median": 70,
            "upper_quartile": 85,
            "lower_quartile": 60,
        },
        headers=perf,
    )
    assert benchmark.status_code == 201, benchmark.text
    assert row(await card(client, perf), "R1")["benchmark"] is not None

    head = await person(factory, Role.HEAD_OF_SERVICE, "HOU")
    await create_indicator(client, perf, "R2")
    assert row(await card(client, perf), "R2")["value"] is None
    await approved_value(client, head.headers, perf, "R2", Q1, value=12)
    assert row(await card(client, perf), "R2")["value"] == 12


async def test_an_indicator_added_after_a_read_joins_the_scorecard(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await create_indicator(client, perf, "A1")
    assert [r["indicator_code"] for r in (await card(client, perf))["rows"]] == ["A1"]
    await create_indicator(client, perf, "A2")
    assert [r["indicator_code"] for r in (await card(client, perf))["rows"]] == ["A1", "A2"]
    async with unit_of_work(factory.sessionmaker) as session:
        await session.execute(update(Indicator).where(Indicator.code == "A1").values(is_key=True))
    assert row(await card(client, perf), "A1")["is_key"] is True


# Only what changed is recomputed


async def cached_rows(
    factory: Factory, settings: Settings, cache: StatusCache
) -> dict[str, StatusRead]:
    """The scorecard's rows as the service returns them (cached objects where reused)."""
    principal = await reader(factory, Role.PERFORMANCE_TEAM)
    async with unit_of_work(factory.sessionmaker) as session:
        rows = await StatusService(session, settings=settings, cache=cache).statuses(
            principal=principal, period_code=Q1, filters=IndicatorFilter()
        )
    return {status.indicator_code: status for status in rows}


async def rerated_everywhere(client: AsyncClient, factory: Factory, green_within: int) -> None:
    """A change that bears on every indicator and on none of their figures: the council's
    tolerance."""
    admin = (await person(factory, Role.ADMIN)).headers
    changed = await client.put(
        f"{API}/settings/rag",
        json={"unit": "percent", "green_within": green_within, "amber_within": 5},
        headers=admin,
    )
    assert changed.status_code == 200, changed.text


async def test_a_change_to_one_indicator_recomputes_that_one_and_keeps_the_rest(
    client: AsyncClient,
    factory: Factory,
    perf: Headers,
    settings: Settings,
    status_cache: StatusCache,
) -> None:
    for code in ("K1", "K2", "K3"):
        await create_indicator(client, perf, code)
        await set_target(client, perf, code, Q1, value=80)
        await seed_approved(factory, code, {Q1: 81})
    before = await cached_rows(factory, settings, status_cache)

    await set_target(client, perf, "K2", Q1, value=95, reason="Stretch")
    after = await cached_rows(factory, settings, status_cache)

    assert after["K1"] is before["K1"]
    assert after["K3"] is before["K3"]
    assert (before["K2"].rag, after["K2"].rag) == (Rag.GREEN, Rag.RED)


async def test_a_change_that_bears_on_every_indicator_recomputes_them_all(
    client: AsyncClient,
    factory: Factory,
    perf: Headers,
    settings: Settings,
    status_cache: StatusCache,
) -> None:
    for code in ("E1", "E2"):
        await create_indicator(client, perf, code, tolerance=None)  # the council's default
        await set_target(client, perf, code, Q1, value=80)
        await seed_approved(factory, code, {Q1: 78})
    before = await cached_rows(factory, settings, status_cache)
    kept = dict(status_cache.arithmetic(Q1))
    assert before["E1"].rag is Rag.GREEN  # within the default 5% tolerance

    await rerated_everywhere(client, factory, green_within=0)
    after = await cached_rows(factory, settings, status_cache)

    assert all(after[code] is not before[code] for code in ("E1", "E2"))
    # Each from the arithmetic the first kept (its rows unchanged), rated by the new rule.
    assert len(kept) == 2
    assert all(status_cache.arithmetic(Q1)[key] is kept[key] for key in kept)
    assert after["E1"].rag is Rag.AMBER


async def test_the_change_log_names_the_indicators_each_commit_wrote(
    client: AsyncClient, factory: Factory, perf: Headers, engine: AsyncEngine
) -> None:
    one = await create_indicator(client, perf, "L1")
    two = await create_indicator(client, perf, "L2")
    ids = {code: uuid.UUID(found["id"]) for code, found in (("L1", one), ("L2", two))}
    sessionmaker = factory.sessionmaker

    async def since(version: Version) -> set[uuid.UUID] | None:
        async with unit_of_work(sessionmaker) as session:
            return await changed_since(session, version, until=await current_version(session))

    async def now() -> Version:
        async with unit_of_work(sessionmaker) as session:
            return await current_version(session)

    start = await now()
    assert await since(start) == set()
    await set_target(client, perf, "L1", Q1, value=80)  # through the ORM
    assert await since(start) == {ids["L1"]}
    await seed_approved(factory, "L2", {Q1: 12})
    assert await since(start) == {ids["L1"], ids["L2"]}

    middle = await now()
    async with unit_of_work(sessionmaker) as session:  # a statement naming its rows
        await session.execute(
            update(Indicator).where(Indicator.code == "L2").values(is_key=True),
            execution_options={CHANGED_INDICATORS: [ids["L2"]]},
        )
    assert await since(middle) == {ids["L2"]}
    async with unit_of_work(sessionmaker) as session:  # a statement that names none
        await session.execute(update(Indicator).values(is_public=True))
    assert await since(middle) is None

    moved = await now()
    async with unit_of_work(sessionmaker) as session:  # names the new indicator, not the old
        await session.execute(
            update(Target).where(Target.indicator_id == ids["L1"]), {"indicator_id": ids["L2"]}
        )
    assert await since(moved) is None

    again = await now()
    async with unit_of_work(sessionmaker) as session:  # through the ORM: both are named
        target = await session.scalar(select(Target).where(Target.indicator_id == ids["L2"]))
        assert target is not None
        target.indicator_id = ids["L1"]
    assert await since(again) == {ids["L1"], ids["L2"]}

    later = await now()
    units = await factory.org_tree()
    async with unit_of_work(sessionmaker) as session:  # an org unit bears on every indicator
        (await session.get(OrgUnit, units["HOU"].id)).name = "Housing"  # type: ignore[union-attr]
    assert await since(later) is None

    assert await since(Version("not-a-token", later.seq)) is None  # not a state ever committed
    last = await now()
    assert await since(last) == set()
    async with unit_of_work(sessionmaker) as session:  # set by hand, after an edit in SQL
        await session.execute(text("UPDATE data_version SET token = 'edited-by-hand'"))
    assert await since(last) is None
    assert (await now()).seq > later.seq > middle.seq > start.seq


def made_where_a_dropped_one_lived(
    make: Callable[[], async_sessionmaker[AsyncSession]],
) -> async_sessionmaker[AsyncSession]:
    """A sessionmaker whose sessions' class sits where one of a dropped sessionmaker did."""
    seen: set[int] = set()
    for _ in range(1000):
        maker = make()
        address = id(maker.kw["sync_session_class"])
        if address in seen:
            return maker
        seen.add(address)
        del maker
        gc.collect(0)  # its own objects are young: the youngest generation frees them
    pytest.fail("no sessionmaker was made at a dropped one's address")


async def test_a_sessionmaker_made_where_a_dropped_one_lived_still_renews_the_data_version(
    connection: AsyncConnection, settings: Settings
) -> None:
    """SQLAlchemy remembers listeners by the address of what they were put on, after it is
    gone: a sessionmaker made at a dropped one's address once passed for one already given
    change tracking, and its commits left the data version (and every kept status) as it was."""
    maker = made_where_a_dropped_one_lived(lambda: sessionmaker_for(connection, settings))

    async with unit_of_work(maker) as session:
        before = await current_version(session)
        mark_changed(session, Base.metadata.tables["period"])  # bears on every indicator
    async with unit_of_work(maker) as session:
        after = await current_version(session)
        assert await changed_since(session, before, until=after) is None

    assert after.seq == before.seq + 1
    assert after.token != before.token


def tables_read(clause: Any) -> set[str]:
    return {table.name for table in find_tables(clause, include_joins=True, include_aliases=True)}


async def test_every_table_a_status_is_computed_from_is_tracked(
    client: AsyncClient,
    factory: Factory,
    perf: Headers,
    engine: AsyncEngine,
    settings: Settings,
    status_cache: StatusCache,
) -> None:
    """A table a status reads but the change log does not follow would leave statuses stale."""
    await create_indicator(client, perf, "T1")
    await set_target(client, perf, "T1", Q1, value=80)
    await seed_approved(factory, "T1", {Q1: 81})
    read: set[str] = set()

    def note(_conn: Any, clause: Any, *_args: Any) -> None:
        if hasattr(clause, "get_children"):
            read.update(tables_read(clause))

    event.listen(engine.sync_engine, "before_execute", note)
    try:
        async with unit_of_work(factory.sessionmaker) as session:
            await StatusService(session, settings=settings, cache=status_cache).statuses(
                principal=None, period_code=Q1, filters=IndicatorFilter()
            )
    finally:
        event.remove(engine.sync_engine, "before_execute", note)

    untracked = {
        name
        for name in read
        if CHANGES not in Base.metadata.tables[name].info
        and name
        not in {"data_version", "data_change", "status_snapshot", "stored_status", "spc_fit"}
    }
    assert {"indicator", "indicator_value", "target", "period"} <= read
    assert untracked == set()


# Each indicator's arithmetic, kept beside the rows it came from


async def test_kept_arithmetic_is_worked_out_again_once_its_rows_or_indicator_change(
    client: AsyncClient,
    factory: Factory,
    perf: Headers,
    settings: Settings,
    status_cache: StatusCache,
) -> None:
    ids = {}
    for code in ("F1", "F2", "F3", "F4"):
        created = await create_indicator(client, perf, code, decimal_places=1, tolerance=None)
        ids[code] = uuid.UUID(created["id"])
        await set_target(client, perf, code, Q1, value=80)
        await seed_approved(factory, code, {Q1: "78.26"})
    await cached_rows(factory, settings, status_cache)
    kept = dict(status_cache.arithmetic(Q1))

    await set_target(client, perf, "F2", Q1, value=70, reason="Eased")
    async with unit_of_work(factory.sessionmaker) as session:
        await session.execute(
            update(IndicatorValue)
            .where(IndicatorValue.indicator_id == ids["F3"])
            .values(value=Decimal(91), approved_value=Decimal(91))
        )
    async with unit_of_work(factory.sessionmaker) as session:
        # (The API refuses this once an indicator has figures; a migration of the data might.)
        await session.execute(
            update(Indicator).where(Indicator.id == ids["F4"]).values(decimal_places=2)
        )
    await rerated_everywhere(client, factory, green_within=1)
    after = await cached_rows(factory, settings, status_cache)
    now = status_cache.arithmetic(Q1)

    assert now[ids["F1"]] is kept[ids["F1"]]
    assert all(now[ids[code]] is not kept[ids[code]] for code in ("F2", "F3", "F4"))
    first = after["F1"]
    assert (first.value, first.target, first.shortfall, first.rag) == (
        Decimal("78.26"),
        Decimal(80),
        Decimal("1.7"),  # to the indicator's one place
        Rag.AMBER,  # short by more than 1%, within 5%
    )
    assert (after["F2"].target, after["F2"].rag) == (Decimal(70), Rag.GREEN)
    assert (after["F3"].value, after["F3"].rag) == (Decimal(91), Rag.GREEN)
    assert after["F4"].shortfall == Decimal("1.74")  # to its two places now


async def test_a_figure_awaiting_approval_is_rated_afresh_from_kept_arithmetic(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await create_indicator(client, perf, "P1", tolerance=None)
    await set_target(client, perf, "P1", Q1, value=80)
    await seed_approved(factory, "P1", {Q1: 70})
    head = await person(factory, Role.HEAD_OF_SERVICE, "HOU")
    changed = await save_value(client, head.headers, "P1", Q1, value=78)
    assert changed.status_code in (200, 201), changed.text
    submitted = await step(client, head.headers, "P1", Q1, "submit")
    assert submitted.status_code == 200, submitted.text
    assert row(await card(client, perf), "P1")["pending"]["rag"] == "green"

    await rerated_everywhere(client, factory, green_within=0)
    pending = row(await card(client, perf), "P1")["pending"]
    assert (pending["value"], pending["rag"], pending["value_status"]) == (78, "amber", "submitted")


async def test_statuses_from_kept_arithmetic_equal_those_worked_out_afresh(
    client: AsyncClient, factory: Factory, perf: Headers, settings: Settings
) -> None:
    """A monthly measure read for its quarter and year: partial data, like for like, targets
    combined from months, the forecast; a second computation from what the first kept."""
    await create_indicator(client, perf, "M1", frequency="monthly", aggregation="sum")
    for month, target in (("2025-04", 10), ("2025-05", 12), ("2025-06", 11)):
        await set_target(client, perf, "M1", month, value=target)
    await seed_approved(factory, "M1", {"2024-04": 9, "2024-05": 14, "2025-04": 11, "2025-05": 9})
    cache = StatusCache()

    async def computed(cache: StatusCache | None, period: str) -> dict[str, Any]:
        async with unit_of_work(factory.sessionmaker) as session:
            service = StatusService(session, settings=settings, cache=cache)
            statuses, _ = await service._compute(period, IndicatorFilter())
        return {s.internal.indicator_code: s.internal.model_dump() for s in statuses}

    for period in (Q1, "2025-26", "2025-05"):
        fresh = await computed(None, period)
        assert await computed(cache, period) == fresh
        kept = dict(cache.arithmetic(period))
        assert await computed(cache, period) == fresh  # from what the one before kept
        assert kept
        assert all(cache.arithmetic(period)[key] is kept[key] for key in kept)


def test_the_cache_keeps_the_last_few_periods_read() -> None:
    cache = StatusCache(keys=2)
    for period in ("2025-26-Q1", "2025-04", "2025-05"):
        cache.put(period, Snapshot(Version("t", 1), date(2025, 7, 15), due=False))
    assert cache.get("2025-26-Q1") is None  # the least recently used went
    assert cache.get("2025-05") is not None


def test_statuses_kept_before_the_due_date_are_not_used_after_it() -> None:
    kept = Snapshot(Version("t", 1), due_date=date(2025, 7, 15), due=False)
    assert kept.holds_on(date(2025, 7, 14))
    assert kept.holds_on(date(2025, 7, 15))  # due after that day, not on it
    assert not kept.holds_on(date(2025, 7, 16))  # a missing figure is now late


async def test_a_figure_becomes_missing_once_the_due_date_passes_even_with_no_change(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await create_indicator(client, perf, "D1")
    await set_target(client, perf, "D1", Q1, value=80)
    due = (await client.get(f"{API}/periods/{Q1}", headers=perf)).json()["data_due_date"]
    day = date.fromisoformat(due)
    try:
        clock.freeze(datetime(day.year, day.month, day.day, 12, tzinfo=UTC))
        assert row(await card(client, perf), "D1")["rag"] is None  # not due yet
        clock.freeze(datetime(day.year, day.month, day.day, 12, tzinfo=UTC) + timedelta(days=1))
        assert row(await card(client, perf), "D1")["rag"] == "missing"
    finally:
        clock.freeze(None)


async def test_a_kept_scorecard_is_served_only_to_readers_of_the_same_scope_and_filters(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    """Whole scorecards are kept per data version, filters and what the reader may see of
    working copies: one kept for a reader who sees every draft is never given to one who sees
    only some, nor a council-wide one for an org unit's."""
    for code, unit in (("H1", "HOU"), ("W1", "WST")):
        await create_indicator(client, perf, code, org_unit_code=unit)
        await set_target(client, perf, code, Q1, value=80)
    housing = await person(factory, Role.HEAD_OF_SERVICE, "HOU")
    waste = await person(factory, Role.HEAD_OF_SERVICE, "WST")
    for code, head in (("H1", housing), ("W1", waste)):
        saved = await client.put(
            f"{INDICATORS}/{code}/values/{Q1}", json={"value": 5}, headers=head.headers
        )
        assert saved.status_code in (200, 201), saved.text

    def drafts(scorecard: dict[str, Any]) -> dict[str, Any]:
        return {r["indicator_code"]: r["value_status"] for r in scorecard["rows"]}

    for _ in range(2):  # the second round is served from what the first kept
        assert drafts(await card(client, perf)) == {"H1": "draft", "W1": "draft"}
        assert drafts(await card(client, housing.headers)) == {"H1": "draft", "W1": None}
        assert drafts(await card(client, waste.headers)) == {"H1": None, "W1": "draft"}
        only = await client.get(SCORECARD, params={"period": Q1, "org_unit": "WST"}, headers=perf)
        assert only.status_code == 200, only.text
        assert drafts(only.json()) == {"W1": "draft"}
        counted = {k: v for k, v in only.json()["summary"].items() if k != "spend" and v}
        rated = [r["rag"] for r in only.json()["rows"] if r["rag"] is not None]
        assert counted == {rag: rated.count(rag) for rag in rated}  # its own rows' counts

    # A change: the kept scorecards are not served again.
    await seed_approved(factory, "H1", {Q2: 90})
    submitted = await client.post(f"{INDICATORS}/W1/values/{Q1}/submit", headers=waste.headers)
    assert submitted.status_code == 200, submitted.text
    assert drafts(await card(client, perf))["W1"] == "submitted"
    assert drafts(await card(client, waste.headers))["W1"] == "submitted"
    assert drafts(await card(client, housing.headers))["W1"] is None
