"""GET /reports/scorecard: every measure's status for a period, filtered, in fixed queries."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine

from app.access.permissions import Role
from app.core import clock
from app.core.db import unit_of_work
from app.indicators.models import Indicator, IndicatorStatus, Target
from app.measures.vocabulary import Aggregation, Frequency, Polarity, ToleranceUnit, ValueType
from app.periods.models import Period
from app.status.cache import StatusCache
from tests.factories import Factory
from tests.helpers import (
    API,
    INDICATORS,
    Headers,
    approved_row,
    assert_problem,
    person,
    seed_approved,
)
from tests.indicators.helpers import approved_value, create_indicator, save_value, set_target, step

SCORECARD = f"{API}/reports/scorecard"
Q1 = "2025-26-Q1"


@pytest.fixture
async def perf(factory: Factory) -> Headers:
    await factory.financial_year(2024)
    await factory.financial_year(2025)
    return (await person(factory, Role.PERFORMANCE_TEAM)).headers


@pytest.fixture
def freeze() -> Iterator[Callable[[datetime], None]]:
    yield clock.freeze
    clock.freeze(None)


async def scorecard(
    client: AsyncClient, headers: Headers, period: str = Q1, **filters: Any
) -> dict[str, Any]:
    response = await client.get(SCORECARD, params={"period": period, **filters}, headers=headers)
    assert response.status_code == 200, response.text
    card: dict[str, Any] = response.json()
    # The spend beside the counts has tests of its own (tests/budgets).
    assert "spend" in card["summary"]
    del card["summary"]["spend"]
    return card


def row_codes(card: dict[str, Any]) -> list[str]:
    return [row["indicator_code"] for row in card["rows"]]


async def rated(
    client: AsyncClient,
    factory: Factory,
    perf: Headers,
    code: str,
    value: float | None,
    target: float | None = 80,
    **indicator: Any,
) -> None:
    """A quarterly indicator with a Q1 target and, unless None, an approved Q1 value."""
    await create_indicator(client, perf, code, **indicator)
    if target is not None:
        await set_target(client, perf, code, Q1, value=target)
    if value is not None:
        await seed_approved(factory, code, {Q1: value})


async def test_scorecard_counts_each_status_and_lists_every_measure(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await rated(client, factory, perf, "S1", 81, title="Green one", is_key=True)
    await rated(client, factory, perf, "S2", 74, org_unit_code="WST")
    await rated(client, factory, perf, "S3", 60)
    await rated(client, factory, perf, "S4", 12, target=None, polarity="none", tolerance=None)
    await rated(client, factory, perf, "S5", None)
    await rated(client, factory, perf, "S6", 70, target=None)

    card = await scorecard(client, perf)
    assert card["period"] == Q1
    assert card["summary"] == {"green": 1, "amber": 1, "red": 1, "data_only": 2, "missing": 1}
    assert row_codes(card) == ["S1", "S2", "S3", "S4", "S5", "S6"]
    assert [row["rag"] for row in card["rows"]] == [
        "green",
        "amber",
        "red",
        "data_only",
        "missing",
        "data_only",
    ]
    first = card["rows"][0]
    assert first == {
        **first,
        "indicator_code": "S1",
        "title": "Green one",
        "org_unit_code": "HOU",
        "period": Q1,
        "value": 81,
        "target": 80,
        "is_key": True,
        "value_status": "approved",
    }
    assert card["rows"][1]["org_unit_code"] == "WST"
    # A row is the same status object GET /indicators/{code}/status answers.
    single = await client.get(f"{INDICATORS}/S2/status", params={"period": Q1}, headers=perf)
    assert single.json() == card["rows"][1]


async def test_measures_not_yet_due_are_unrated_and_uncounted(
    client: AsyncClient, factory: Factory, perf: Headers, freeze: Callable[[datetime], None]
) -> None:
    await rated(client, factory, perf, "D1", 81)
    await rated(client, factory, perf, "D2", None)
    freeze(datetime(2025, 7, 1, tzinfo=UTC))
    card = await scorecard(client, perf)
    assert [row["rag"] for row in card["rows"]] == ["green", None]
    assert card["summary"] == {"green": 1, "amber": 0, "red": 0, "data_only": 0, "missing": 0}


async def test_scorecard_filters_by_org_unit_including_the_units_below(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    for code, unit, value in (
        ("O1", "HOU", 81),
        ("O2", "HOU-OPT", 60),
        ("O3", "ASC", 74),
        ("O4", "WST", 81),
        ("O5", "PEO", 81),
    ):
        await rated(client, factory, perf, code, value, org_unit_code=unit)

    assert row_codes(await scorecard(client, perf, org_unit="DBC")) == [
        "O1",
        "O2",
        "O3",
        "O4",
        "O5",
    ]
    peo = await scorecard(client, perf, org_unit="PEO")
    assert row_codes(peo) == ["O1", "O2", "O3", "O5"]
    assert peo["summary"] == {"green": 2, "amber": 1, "red": 1, "data_only": 0, "missing": 0}
    hou = await scorecard(client, perf, org_unit="HOU")
    assert row_codes(hou) == ["O1", "O2"]
    assert (hou["summary"]["green"], hou["summary"]["red"]) == (1, 1)
    assert row_codes(await scorecard(client, perf, org_unit="HOU-OPT")) == ["O2"]
    assert row_codes(await scorecard(client, perf, org_unit="PLA")) == ["O4"]
    unknown = await client.get(SCORECARD, params={"period": Q1, "org_unit": "NOPE"}, headers=perf)
    assert_problem(unknown, 404)


async def test_scorecard_filters_key_indicators(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await rated(client, factory, perf, "K1", 81, is_key=True)
    await rated(client, factory, perf, "K2", 60)
    await rated(client, factory, perf, "K3", 74, is_key=True, org_unit_code="WST")

    assert row_codes(await scorecard(client, perf, is_key="true")) == ["K1", "K3"]
    assert row_codes(await scorecard(client, perf, is_key="false")) == ["K2"]
    assert row_codes(await scorecard(client, perf, is_key="true", org_unit="HOU")) == ["K1"]
    key = await scorecard(client, perf, is_key="true")
    assert key["summary"] == {"green": 1, "amber": 1, "red": 0, "data_only": 0, "missing": 0}


async def test_retired_indicators_are_left_out(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await rated(client, factory, perf, "R1", 81)
    await rated(client, factory, perf, "R2", 60)
    retired = await client.delete(f"{INDICATORS}/R2", headers=perf)
    assert retired.json()["status"] == "retired"
    card = await scorecard(client, perf)
    assert row_codes(card) == ["R1"]
    assert card["summary"]["red"] == 0


async def test_a_quarter_includes_monthly_measures_and_a_month_leaves_out_longer_ones(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await rated(client, factory, perf, "QT1", 81)
    await create_indicator(
        client,
        perf,
        "MO1",
        frequency="monthly",
        value_type="count",
        decimal_places=0,
        aggregation="sum",
    )
    await seed_approved(factory, "MO1", {"2025-04": 3, "2025-05": 4, "2025-06": 5})
    await create_indicator(client, perf, "YR1", frequency="annual")

    quarter = await scorecard(client, perf)
    assert row_codes(quarter) == ["MO1", "QT1"]
    assert quarter["rows"][0]["value"] == 12
    month = await scorecard(client, perf, period="2025-05")
    assert row_codes(month) == ["MO1"]
    assert month["rows"][0]["value"] == 4
    year = await scorecard(client, perf, period="2025-26")
    assert row_codes(year) == ["MO1", "QT1", "YR1"]


async def test_councillors_see_approved_figures_only(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    head = (await person(factory, Role.HEAD_OF_SERVICE, "HOU")).headers
    councillor = (await person(factory, Role.COUNCILLOR)).headers
    for code in ("CA1", "CA2", "CA3"):
        await create_indicator(client, perf, code)
        await set_target(client, perf, code, Q1, value=80)
    # CA1: approved at 70, then revised to 90 and not yet approved again.
    await approved_value(client, head, perf, "CA1", Q1, value=70, commentary="Published")
    await save_value(client, head, "CA1", Q1, value=90, commentary="Draft revision")
    # CA2: submitted, never approved. CA3: a draft.
    await save_value(client, head, "CA2", Q1, value=85)
    assert (await step(client, head, "CA2", Q1, "submit")).status_code == 200
    await save_value(client, head, "CA3", Q1, value=85)

    card = await scorecard(client, councillor)
    assert [
        (row["indicator_code"], row["value"], row["rag"], row["value_status"], row["commentary"])
        for row in card["rows"]
    ] == [
        ("CA1", 70, "red", "approved", "Published"),
        ("CA2", None, "missing", None, None),
        ("CA3", None, "missing", None, None),
    ]
    assert card["summary"] == {"green": 0, "amber": 0, "red": 1, "data_only": 0, "missing": 2}
    # Insiders see the same figures, and where each working copy is: a figure awaiting
    # approval is not a missing one.
    inside = await scorecard(client, perf)
    assert [(row["value"], row["value_status"]) for row in inside["rows"]] == [
        (70, "draft"),
        (None, "submitted"),
        (None, "draft"),
    ]


async def test_who_may_read_the_scorecard(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await rated(client, factory, perf, "W1", 81, org_unit_code="WST")
    for role, unit in (
        (Role.COUNCILLOR, None),
        (Role.STAFF, "HOU"),
        (Role.HEAD_OF_SERVICE, "HOU"),
        (Role.AUDITOR, None),
        (Role.ADMIN, None),
    ):
        reader = (await person(factory, role, unit)).headers
        assert row_codes(await scorecard(client, reader)) == ["W1"], role
    nobody = (await person(factory)).headers
    assert_problem(await client.get(SCORECARD, params={"period": Q1}, headers=nobody), 403)
    anonymous = await client.get(SCORECARD, params={"period": Q1})
    assert_problem(anonymous, 401)
    assert anonymous.headers["www-authenticate"] == "Bearer"


async def test_scorecard_for_an_unknown_or_missing_period(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await rated(client, factory, perf, "P1", 81)
    for period in ("2031-32-Q1", "2025-26-Q5", "last quarter"):
        response = await client.get(SCORECARD, params={"period": period}, headers=perf)
        assert_problem(response, 404)
    assert_problem(await client.get(SCORECARD, headers=perf), 422)
    assert_problem(
        await client.get(SCORECARD, params={"period": Q1, "is_key": "perhaps"}, headers=perf), 422
    )


async def test_an_empty_scorecard(client: AsyncClient, perf: Headers) -> None:
    card = await scorecard(client, perf)
    assert card == {
        "period": Q1,
        "summary": {"green": 0, "amber": 0, "red": 0, "data_only": 0, "missing": 0},
        "rows": [],
    }


# A fixed number of statements, however many indicators


@contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every SQL statement sent while the block runs (the test's connection is the engine's)."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


_SHAPES: list[tuple[Frequency, Polarity, Aggregation, ValueType]] = [
    (Frequency.QUARTERLY, Polarity.HIGHER_IS_BETTER, Aggregation.MEAN, ValueType.PERCENTAGE),
    (Frequency.MONTHLY, Polarity.LOWER_IS_BETTER, Aggregation.SUM, ValueType.COUNT),
    (Frequency.QUARTERLY, Polarity.WITHIN_RANGE, Aggregation.MEAN, ValueType.NUMBER),
    (Frequency.MONTHLY, Polarity.HIGHER_IS_BETTER, Aggregation.RATIO, ValueType.PERCENTAGE),
    (Frequency.QUARTERLY, Polarity.NONE, Aggregation.LATEST, ValueType.NUMBER),
]
_UNITS = ["HOU", "HOU-OPT", "ASC", "WST", "PEO"]
_FIGURE_PERIODS = {
    Frequency.QUARTERLY: [Q1, "2024-25-Q4", "2024-25-Q1"],
    Frequency.MONTHLY: ["2025-04", "2025-05", "2025-06", "2025-03", "2024-04"],
}


async def add_indicators(factory: Factory, start: int, stop: int) -> None:
    """Indicators start..stop-1 of every shape, with targets and approved values, in one go."""
    units = await factory.org_tree()
    now = clock.utcnow()
    async with unit_of_work(factory.sessionmaker) as session:
        periods = {
            period.code: period.id
            for period in await session.scalars(
                select(Period).where(Period.financial_year.in_(["2024-25", "2025-26"]))
            )
        }
        for number in range(start, stop):
            frequency, polarity, aggregation, value_type = _SHAPES[number % len(_SHAPES)]
            indicator = Indicator(
                id=uuid.uuid4(),
                code=f"N{number:04d}",
                title=f"Bulk indicator {number}",
                value_type=value_type,
                decimal_places=1,
                polarity=polarity,
                frequency=frequency,
                aggregation=aggregation,
                tolerance_unit=ToleranceUnit.PERCENT if number % 2 else None,
                green_within=Decimal(5) if number % 2 else None,
                amber_within=Decimal(10) if number % 2 else None,
                org_unit_id=units[_UNITS[number % len(_UNITS)]].id,
                is_key=number % 3 == 0,
                status=IndicatorStatus.RETIRED if number % 7 == 6 else IndicatorStatus.ACTIVE,
                collectors=[],
            )
            session.add(indicator)
            band = polarity is Polarity.WITHIN_RANGE
            session.add(
                Target(
                    indicator_id=indicator.id,
                    period_id=periods[Q1],
                    value=None if band else Decimal(50),
                    lower=Decimal(40) if band else None,
                    upper=Decimal(60) if band else None,
                    set_by_name="Bulk",
                )
            )
            for offset, period in enumerate(_FIGURE_PERIODS[frequency]):
                value = 40 + (number + offset) % 25
                figure: Any = (value, value, 100) if aggregation is Aggregation.RATIO else value
                session.add(approved_row(indicator.id, periods[period], figure, now))


async def test_scorecard_runs_a_fixed_number_of_statements_however_many_indicators(
    client: AsyncClient,
    factory: Factory,
    perf: Headers,
    engine: AsyncEngine,
    status_cache: StatusCache,
) -> None:
    async def count() -> tuple[list[int], int]:
        # Computed afresh (the cache emptied), then filtered, then read again from the cache.
        status_cache.clear()
        counts, rows = [], 0
        for params in ({}, {"org_unit": "PEO", "is_key": "true"}, {}):
            with statements(engine) as seen:
                card = await scorecard(client, perf, **params)
            counts.append(len(seen))
            rows = rows or len(card["rows"])
        return counts, rows

    await add_indicators(factory, 0, 10)
    few, few_rows = await count()
    await add_indicators(factory, 10, 200)
    many, many_rows = await count()

    assert (few_rows, many_rows) == (9, 172)  # every seventh is retired and left out
    assert many == few


async def test_the_first_nameable_year_has_a_scorecard_without_a_year_before_it(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    # 2011-12 reads as December 2011 too, so 2012-13 has no previous year to compare with.
    await factory.financial_year(2012)
    await create_indicator(client, perf, "EARLY1")

    for period in ("2012-13", "2012-13-Q1"):
        response = await client.get(
            "/api/v1/reports/scorecard", params={"period": period}, headers=perf
        )
        assert response.status_code == 200, response.text
        [row] = response.json()["rows"]
        assert row["direction"]["vs_last_year"] == "not_available"
