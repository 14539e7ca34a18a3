"""Each series' SPC fit is kept under a digest of its inputs (``app.spc.fits``): what a status
shows of it is always what a fresh fit gives, after values change, are approved, revised and
deleted; only the series that changed are refitted."""

from __future__ import annotations

import os
import uuid
from contextlib import AsyncExitStack
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.access.permissions import Role
from app.core.config import Settings
from app.core.db import reading_aside, unit_of_work
from app.indicators.models import Indicator, IndicatorValue
from app.indicators.repository import IndicatorFilter
from app.periods.models import Period
from app.spc.fits import SpcFits
from app.spc.models import SpcFit
from app.spc.service import SpcService
from app.status.cache import StatusCache
from app.status.service import StatusService
from app.status.store import StatusStore
from tests.factories import Factory
from tests.helpers import Headers, person, seed_approved
from tests.indicators.helpers import create_indicator, set_target

MONTHS = [f"2024-{m:02d}" for m in range(4, 13)] + [f"2025-{m:02d}" for m in range(1, 13)]
MONTHS += [f"2026-{m:02d}" for m in (1, 2, 3)]
SHIFTED = [1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 5, 6, 5, 6, 5, 6, 5, 6, 5, 6]
PERIOD = "2025-26"  # the year: every monthly measure has a status for it
UNTIL = date(2026, 3, 31)


@pytest.fixture
async def perf(factory: Factory) -> Headers:
    await factory.financial_year(2024)
    await factory.financial_year(2025)
    return (await person(factory, Role.PERFORMANCE_TEAM)).headers


@pytest.fixture
async def two_series(client: AsyncClient, factory: Factory, perf: Headers) -> None:
    for code in ("F1", "F2"):
        await create_indicator(client, perf, code, frequency="monthly", polarity="higher_is_better")
        await set_target(client, perf, code, "2025-04", value=3)
        await seed_approved(factory, code, dict(zip(MONTHS, SHIFTED, strict=True)))


class Refits:
    """Records which indicators each refit was asked for."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.asked: list[set[str]] = []
        original = SpcFits.refit

        async def spy(fits: SpcFits, indicators: Any, **kwargs: Any) -> Any:
            self.asked.append({indicator.code for indicator in indicators})
            return await original(fits, indicators, **kwargs)

        monkeypatch.setattr(SpcFits, "refit", spy)

    def last(self) -> set[str]:
        return self.asked[-1] if self.asked else set()


async def compute(factory: Factory, settings: Settings) -> dict[str, Any]:
    """Every status of the year as a full computation makes them (a cache with the store
    behind it, as a worker has), by code."""
    maker = factory.sessionmaker
    async with unit_of_work(maker) as session:
        cache = StatusCache(store=StatusStore(maker))
        statuses, _ = await StatusService(session, settings=settings, cache=cache)._compute(
            PERIOD, IndicatorFilter()
        )
        return {status.internal.indicator_code: status.internal for status in statuses}


async def assert_stored_fits_are_fresh(factory: Factory, statuses: dict[str, Any]) -> None:
    """Each stored fit, and the icons each status shows, are those of a fresh fit now."""
    async with unit_of_work(factory.sessionmaker) as session:
        indicators = list(await session.scalars(select(Indicator).order_by(Indicator.code)))
        fresh = await SpcService(session).charts(
            ids=[i.id for i in indicators], indicators=indicators, until=UNTIL
        )
        for indicator in indicators:
            chart = fresh[indicator.id]
            stored = await SpcFits(session).stored_fit(indicator.id, UNTIL)
            assert stored is not None, indicator.code
            last = chart.result.points[-1]
            assert (stored.mean, stored.lower_limit, stored.upper_limit) == (
                last.mean,
                last.lower_limit,
                last.upper_limit,
            )
            assert stored.variation_icon == chart.result.variation_icon
            assert stored.assurance_icon == chart.result.assurance_icon
            status = statuses[indicator.code]
            assert (status.variation_icon, status.assurance_icon) == (
                chart.result.variation_icon,
                chart.result.assurance_icon,
            )


async def value_of(factory: Factory, code: str, period: str) -> uuid.UUID:
    async with unit_of_work(factory.sessionmaker) as session:
        found = await session.scalar(
            select(IndicatorValue.id)
            .join(Indicator, Indicator.id == IndicatorValue.indicator_id)
            .join(Period, Period.id == IndicatorValue.period_id)
            .where(Indicator.code == code, Period.code == period)
        )
        assert found is not None
        return found


async def digests(factory: Factory) -> dict[uuid.UUID, str]:
    async with unit_of_work(factory.sessionmaker) as session:
        rows = (await session.execute(select(SpcFit.indicator_id, SpcFit.digest))).all()
        return {row.indicator_id: row.digest for row in rows}


@pytest.mark.usefixtures("two_series")
async def test_stored_spc_fits_are_the_fresh_fit_through_every_change_to_a_series(
    factory: Factory, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    await fits_stay_fresh_through_every_change_to_a_series(factory, settings, Refits(monkeypatch))


ON_POSTGRES_ONLY = pytest.mark.skipif(
    not os.environ.get("GT_TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="the fits' inputs are read on a connection of their own on PostgreSQL only",
)


@ON_POSTGRES_ONLY
async def test_fits_read_beside_the_figures_on_a_connection_of_their_own_stay_fresh(
    committed: tuple[AsyncClient, Factory], settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a database whose transactions commit, with a sessionmaker on the engine (as a worker
    has), the targets, digests and stored fits are read on another connection while the
    computation reads its figures: every change still refits exactly the series it touched."""
    client, factory = committed
    await factory.financial_year(2024)
    await factory.financial_year(2025)
    perf = (await person(factory, Role.PERFORMANCE_TEAM)).headers
    for code in ("F1", "F2"):
        await create_indicator(client, perf, code, frequency="monthly", polarity="higher_is_better")
        await set_target(client, perf, code, "2025-04", value=3)
        await seed_approved(factory, code, dict(zip(MONTHS, SHIFTED, strict=True)))
    aside: list[bool] = []
    original = SpcFits.inputs

    async def spy(fits: SpcFits, *, ids: Any, until: date, reader: Any) -> Any:
        aside.append(reader is not fits.session)
        return await original(fits, ids=ids, until=until, reader=reader)

    monkeypatch.setattr(SpcFits, "inputs", spy)
    # Two connections in the pool, as a worker's has after its first requests: one idle while a
    # computation holds the other.
    engine = factory.sessionmaker.kw["bind"]
    async with engine.connect(), engine.connect():
        pass
    await fits_stay_fresh_through_every_change_to_a_series(factory, settings, Refits(monkeypatch))
    assert aside
    assert all(aside)

    # The same statuses, targets and all, as a computation reading everything in turn on its
    # session (every idle connection held, so none is taken aside).
    read_aside = await compute(factory, settings)
    async with AsyncExitStack() as stack:
        for _ in range(engine.sync_engine.pool.checkedin()):
            await stack.enter_async_context(engine.connect())
        aside.clear()
        assert await compute(factory, settings) == read_aside
        assert aside == [False]


async def fits_stay_fresh_through_every_change_to_a_series(
    factory: Factory, settings: Settings, refits: Refits
) -> None:
    statuses = await compute(factory, settings)
    assert refits.last() == {"F1", "F2"}  # nothing stored yet
    assert statuses["F1"].variation_icon is not None  # a real chart: 24 points, a shift
    await assert_stored_fits_are_fresh(factory, statuses)
    first = await digests(factory)

    # Nothing changed: nothing refitted, the stored fits read.
    refits.asked.clear()
    assert await compute(factory, settings) == statuses
    assert refits.asked == []

    # A revision of one approved figure: that series alone is refitted.
    revised = await value_of(factory, "F1", "2026-03")
    async with unit_of_work(factory.sessionmaker) as session:
        await session.execute(
            update(IndicatorValue)
            .where(IndicatorValue.id == revised)
            .values(approved_value=Decimal("0.5"), value=Decimal("0.5"))
        )
    statuses = await compute(factory, settings)
    assert refits.last() == {"F1"}
    await assert_stored_fits_are_fresh(factory, statuses)

    # Deleted: refitted without it.
    async with unit_of_work(factory.sessionmaker) as session:
        await session.execute(delete(IndicatorValue).where(IndicatorValue.id == revised))
    statuses = await compute(factory, settings)
    assert refits.last() == {"F1"}
    await assert_stored_fits_are_fresh(factory, statuses)

    # Approved again as it first was: the digest is the first fit's (the key is the content).
    await seed_approved(factory, "F1", {"2026-03": 6})
    statuses = await compute(factory, settings)
    assert refits.last() == {"F1"}
    await assert_stored_fits_are_fresh(factory, statuses)
    assert await digests(factory) == first

    # A value inside the series (not the last) deleted, then approved again.
    async with unit_of_work(factory.sessionmaker) as session:
        middle = await value_of(factory, "F2", "2025-06")
        await session.execute(delete(IndicatorValue).where(IndicatorValue.id == middle))
    statuses = await compute(factory, settings)
    assert refits.last() == {"F2"}
    await assert_stored_fits_are_fresh(factory, statuses)
    assert (await digests(factory)) != first
    await seed_approved(factory, "F2", {"2025-06": SHIFTED[MONTHS.index("2025-06")]})
    statuses = await compute(factory, settings)
    await assert_stored_fits_are_fresh(factory, statuses)
    assert await digests(factory) == first


@pytest.mark.usefixtures("two_series")
async def test_a_changed_target_or_chart_setting_refits_only_that_series(
    client: AsyncClient,
    factory: Factory,
    perf: Headers,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    refits = Refits(monkeypatch)
    await compute(factory, settings)
    # The assurance icon follows the target: above every limit now.
    await set_target(client, perf, "F2", "2025-04", value=50, reason="Stretch")
    statuses = await compute(factory, settings)
    assert refits.last() == {"F2"}
    assert statuses["F2"].assurance_icon == "consistent_fail"
    await assert_stored_fits_are_fresh(factory, statuses)

    response = await client.put(
        "/api/v1/indicators/F1/spc-settings",
        json={"run_length": 7, "screen_outliers": True, "baseline": None, "recalculate_at": []},
        headers=perf,
    )
    assert response.status_code == 200, response.text
    statuses = await compute(factory, settings)
    assert refits.last() == {"F1"}
    await assert_stored_fits_are_fresh(factory, statuses)


async def _one(reader: AsyncSession) -> int | None:
    one: int | None = await reader.scalar(text("SELECT 1"))
    return one


@ON_POSTGRES_ONLY
async def test_a_busy_pool_reads_in_turn_rather_than_wait_for_a_second_connection(
    committed: tuple[AsyncClient, Factory],
) -> None:
    """With no connection idle in the pool, a computation does not take (or wait for) a
    second one: what it would read aside is read on its own session, in turn."""
    _, factory = committed
    engine = factory.sessionmaker.kw["bind"]
    async with factory.sessionmaker() as session:
        await session.connection()  # the pool's one connection, held
        held = engine.pool.checkedout()
        async with reading_aside(factory.sessionmaker, _one) as aside:
            assert await aside is None
            assert engine.pool.checkedout() == held
        async with engine.connect():  # a second now in the pool, idle once handed back
            pass
        async with reading_aside(factory.sessionmaker, _one) as aside:
            assert await aside == 1


@ON_POSTGRES_ONLY
async def test_an_idle_connection_taken_before_the_read_aside_starts_is_not_waited_for(
    committed: tuple[AsyncClient, Factory],
) -> None:
    """The pool had a connection idle when the read aside was decided, and another request
    took it before the read started: the read answers None (the caller reads in turn) rather
    than open a connection or wait for one while its caller holds its own."""
    _, factory = committed
    engine = factory.sessionmaker.kw["bind"]
    async with factory.sessionmaker() as session:
        await session.connection()  # the pool's one connection, held
        async with engine.connect():  # a second now in the pool, idle once handed back
            pass
        held = engine.pool.checkedout()
        # Another request checks out the idle connection before the read has begun.
        async with reading_aside(factory.sessionmaker, _one) as aside, engine.connect():
            assert await aside is None
            assert engine.pool.checkedout() == held + 1
