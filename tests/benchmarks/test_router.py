"""Benchmarks over HTTP: comparator figures per indicator and period, and the status position."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from app.access.permissions import Role
from app.benchmarks.models import Benchmark
from app.core.db import unit_of_work
from app.indicators.models import Indicator
from app.periods.models import Period
from app.status.cache import StatusCache
from tests.factories import Factory
from tests.helpers import (
    API,
    INDICATORS,
    Headers,
    assert_invalid,
    assert_problem,
    person,
    seed_approved,
)
from tests.indicators.helpers import create_indicator, set_target
from tests.reports.test_scorecard import add_indicators, statements

YEAR = "2025-26"
Q1 = "2025-26-Q1"
LG_INFORM = {
    "source": "LG Inform, CIPFA nearest neighbours 2024-25",
    "national_median": 75.5,
    "upper_quartile": 80,
    "lower_quartile": 70.25,
    "comparators": [{"name": "Borsetshire", "value": 81.2}, {"name": "Midsomer", "value": 69}],
}


def url(code: str, period: str | None = None) -> str:
    return f"{INDICATORS}/{code}/benchmarks" + (f"/{period}" if period else "")


@pytest.fixture
async def perf(factory: Factory) -> Headers:
    await factory.financial_year(2024)
    await factory.financial_year(2025)
    return (await person(factory, Role.PERFORMANCE_TEAM)).headers


@pytest.fixture
async def indicator(client: AsyncClient, perf: Headers) -> str:
    await create_indicator(client, perf, "BM1")
    return "BM1"


async def put(
    client: AsyncClient, headers: Headers, code: str, period: str, body: Any, **extra: str
) -> Any:
    return await client.put(url(code, period), json=body, headers={**headers, **extra})


async def test_put_then_get_round_trips_the_figures(
    client: AsyncClient, perf: Headers, indicator: str
) -> None:
    created = await put(client, perf, indicator, YEAR, LG_INFORM)
    assert created.status_code == 201, created.text
    assert created.headers["etag"] == '"1"'
    body = created.json()
    assert body == {
        **LG_INFORM,
        "indicator_code": indicator,
        "period": YEAR,
        "set_by_name": body["set_by_name"],
        "updated_at": body["updated_at"],
    }
    assert body["set_by_name"] == "Test Person"
    fetched = await client.get(url(indicator, YEAR), headers=perf)
    assert fetched.status_code == 200
    assert fetched.json() == body
    assert fetched.headers["etag"] == '"1"'

    quarter = {"source": "LG Inform Q1", "national_median": 71}
    assert (await put(client, perf, indicator, Q1, quarter)).status_code == 201
    listed = await client.get(url(indicator), headers=perf)
    assert [(b["period"], b["source"]) for b in listed.json()["items"]] == [
        (YEAR, LG_INFORM["source"]),
        (Q1, "LG Inform Q1"),
    ]
    assert listed.json()["items"][1]["comparators"] == []
    assert listed.json()["items"][1]["upper_quartile"] is None


async def test_a_put_replaces_the_figures_and_is_audited(
    client: AsyncClient, factory: Factory, perf: Headers, indicator: str
) -> None:
    await put(client, perf, indicator, YEAR, LG_INFORM)
    replaced = await put(
        client,
        perf,
        indicator,
        YEAR,
        {"source": "CIPFA 2024-25", "national_median": "76.125"},
        **{"If-Match": '"1"'},
    )
    assert replaced.status_code == 200, replaced.text
    assert replaced.headers["etag"] == '"2"'
    assert replaced.json()["national_median"] == 76.125
    assert replaced.json()["comparators"] == []
    assert replaced.json()["lower_quartile"] is None

    auditor = (await person(factory, Role.AUDITOR)).headers
    events = await client.get(
        f"{API}/audit-events", params={"entity_type": "benchmark"}, headers=auditor
    )
    items = sorted(events.json()["items"], key=lambda e: e["occurred_at"])
    assert [(e["action"], e["entity_id"]) for e in items] == [
        ("set_benchmark", f"{indicator}/{YEAR}"),
        ("set_benchmark", f"{indicator}/{YEAR}"),
    ]
    assert items[0]["before"] is None
    assert items[1]["before"]["source"] == LG_INFORM["source"]
    assert items[1]["after"]["source"] == "CIPFA 2024-25"


async def test_a_stale_if_match_is_412(client: AsyncClient, perf: Headers, indicator: str) -> None:
    await put(client, perf, indicator, YEAR, LG_INFORM)
    await put(client, perf, indicator, YEAR, {**LG_INFORM, "national_median": 76})
    stale = await put(client, perf, indicator, YEAR, LG_INFORM, **{"If-Match": '"1"'})
    assert_problem(stale, 412)
    assert (await client.get(url(indicator, YEAR), headers=perf)).json()["national_median"] == 76


async def test_who_may_set_and_read_benchmarks(
    client: AsyncClient, factory: Factory, perf: Headers, indicator: str
) -> None:
    # BM1 belongs to HOU, under PEO.
    for role, unit, expected in (
        (Role.DIRECTOR, "PLA", 403),  # out of scope
        (Role.HEAD_OF_SERVICE, "ASC", 403),
        (Role.STAFF, "HOU", 403),  # no indicators:write
        (Role.COUNCILLOR, None, 403),
        (Role.AUDITOR, None, 403),
        (None, None, 403),
        (Role.DIRECTOR, "PEO", 201),
        (Role.HEAD_OF_SERVICE, "HOU", 200),
    ):
        headers = (await person(factory, role, unit)).headers
        response = await put(client, headers, indicator, YEAR, LG_INFORM)
        if expected >= 400:
            assert_problem(response, expected)
        else:
            assert response.status_code == expected, (role, response.text)
    for role, unit in ((Role.COUNCILLOR, None), (Role.STAFF, "WST")):
        headers = (await person(factory, role, unit)).headers
        assert (await client.get(url(indicator, YEAR), headers=headers)).status_code == 200
        assert (await client.get(url(indicator), headers=headers)).status_code == 200
    for response in (
        await client.put(url(indicator, YEAR), json=LG_INFORM),
        await client.get(url(indicator, YEAR)),
        await client.get(url(indicator)),
    ):
        assert_problem(response, 401)
        assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"national_median": "lots"}, "national_median"),
        ({"upper_quartile": [80]}, "upper_quartile"),
        ({"lower_quartile": "1e400"}, "lower_quartile"),
        ({"national_median": "0.00000000001"}, "national_median"),
        ({"comparators": [{"name": "Borsetshire", "value": "x"}]}, "value"),
        ({"comparators": [{"name": "", "value": 1}]}, "name"),
        ({"comparators": [{"name": "Borsetshire"}]}, "value"),
        ({"comparators": [{"name": "B", "value": 1, "rank": 2}]}, "rank"),
        ({"comparators": [{"name": f"C{n}", "value": n} for n in range(101)]}, "comparators"),
        ({"comparators": "Borsetshire"}, "comparators"),
        ({"source": ""}, "source"),
        ({"source": "x" * 501}, "source"),
        ({"source": None}, "source"),
        ({"quartile": 1}, "quartile"),
    ],
)
async def test_invalid_bodies_are_422(
    client: AsyncClient, perf: Headers, indicator: str, change: dict[str, Any], field: str
) -> None:
    response = await put(client, perf, indicator, YEAR, {**LG_INFORM, **change})
    assert_invalid(response, field)


async def test_missing_source_disordered_quartiles_and_repeated_names_are_422(
    client: AsyncClient, perf: Headers, indicator: str
) -> None:
    without_source = {key: value for key, value in LG_INFORM.items() if key != "source"}
    assert_invalid(await put(client, perf, indicator, YEAR, without_source), "source")
    for disordered in (
        {"lower_quartile": 81},
        {"national_median": 90},
        {"upper_quartile": 60, "lower_quartile": None, "national_median": 61},
    ):
        response = await put(client, perf, indicator, YEAR, {**LG_INFORM, **disordered})
        assert_problem(response, 422)
    twice = {"comparators": [{"name": "Midsomer", "value": 1}, {"name": "midsomer", "value": 2}]}
    assert_problem(await put(client, perf, indicator, YEAR, {**LG_INFORM, **twice}), 422)
    malformed = await client.put(
        url(indicator, YEAR),
        content=b'{"source": ',
        headers={**perf, "Content-Type": "application/json"},
    )
    assert_problem(malformed, 400)
    exactly_100 = [{"name": f"C{n}", "value": n} for n in range(100)]
    accepted = await put(client, perf, indicator, YEAR, {**LG_INFORM, "comparators": exactly_100})
    assert accepted.status_code == 201, accepted.text


async def test_the_period_must_exist_and_fit_the_indicator(
    client: AsyncClient, perf: Headers, indicator: str
) -> None:
    # BM1 is quarterly: quarters and years, never months.
    assert_problem(await put(client, perf, indicator, "2025-04", LG_INFORM), 409)
    for period in ("2031-32", "2025-26-Q5", "soon"):
        assert_problem(await put(client, perf, indicator, period, LG_INFORM), 404)
    assert (await put(client, perf, indicator, Q1, LG_INFORM)).status_code == 201
    await create_indicator(client, perf, "BMA", frequency="annual")
    assert_problem(await put(client, perf, "BMA", Q1, LG_INFORM), 409)
    assert (await put(client, perf, "BMA", YEAR, LG_INFORM)).status_code == 201
    await create_indicator(client, perf, "BMM", frequency="monthly")
    for period in ("2025-04", Q1, YEAR):
        assert (await put(client, perf, "BMM", period, LG_INFORM)).status_code == 201


async def test_unknown_indicators_and_unset_benchmarks_are_404(
    client: AsyncClient, perf: Headers, indicator: str
) -> None:
    assert_problem(await put(client, perf, "NOPE", YEAR, LG_INFORM), 404)
    assert_problem(await client.get(url("NOPE"), headers=perf), 404)
    assert_problem(await client.get(url("NOPE", YEAR), headers=perf), 404)
    assert_problem(await client.get(url(indicator, YEAR), headers=perf), 404)
    assert_problem(await client.get(url(indicator, "2031-32"), headers=perf), 404)
    assert (await client.get(url(indicator), headers=perf)).json()["items"] == []


async def test_a_retired_indicator_takes_no_new_benchmark(
    client: AsyncClient, factory: Factory, perf: Headers, indicator: str
) -> None:
    await seed_approved(factory, indicator, {Q1: 70})
    assert (await client.delete(f"{INDICATORS}/{indicator}", headers=perf)).status_code == 200
    assert_problem(await put(client, perf, indicator, YEAR, LG_INFORM), 409)


# The position in a status


async def status(client: AsyncClient, headers: Headers, code: str, period: str) -> Any:
    response = await client.get(
        f"{INDICATORS}/{code}/status", params={"period": period}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_the_status_shows_the_quartile_position_by_polarity(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    figures = {
        "source": "LG Inform",
        "lower_quartile": 70,
        "national_median": 75,
        "upper_quartile": 80,
    }
    for code, polarity, value in (
        ("HI", "higher_is_better", 80),  # on the upper quartile: top
        ("LO", "lower_is_better", 80),  # on the upper quartile: lower middle
        ("LO2", "lower_is_better", 69.5),
        ("NO", "none", 90),
    ):
        await create_indicator(client, perf, code, polarity=polarity, tolerance=None)
        await seed_approved(factory, code, {Q1: value})
        assert (await put(client, perf, code, Q1, figures)).status_code == 201
    expected = {
        "HI": (1, "top_quartile"),
        "LO": (3, "lower_middle"),
        "LO2": (1, "top_quartile"),
        "NO": (None, None),
    }
    for code, (quartile, position) in expected.items():
        benchmark = (await status(client, perf, code, Q1))["benchmark"]
        assert benchmark == {
            "source": "LG Inform",
            "national_median": 75,
            "upper_quartile": 80,
            "lower_quartile": 70,
            "quartile": quartile,
            "position": position,
        }, code
    # No benchmark for the period: null; the year's benchmark is the year's.
    assert (await status(client, perf, "HI", "2025-26-Q2"))["benchmark"] is None
    await put(client, perf, "HI", YEAR, {**figures, "upper_quartile": 90})
    year = (await status(client, perf, "HI", YEAR))["benchmark"]
    assert (year["quartile"], year["position"]) == (2, "upper_middle")


async def test_no_position_without_a_value_or_all_three_quartiles(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await create_indicator(client, perf, "NV")
    await set_target(client, perf, "NV", Q1, value=80)
    await put(
        client,
        perf,
        "NV",
        Q1,
        {"source": "LG Inform", "lower_quartile": 1, "national_median": 2, "upper_quartile": 3},
    )
    assert (await status(client, perf, "NV", Q1))["benchmark"]["position"] is None
    await create_indicator(client, perf, "MED")
    await seed_approved(factory, "MED", {Q1: 90})
    await put(client, perf, "MED", Q1, {"source": "National only", "national_median": 75})
    benchmark = (await status(client, perf, "MED", Q1))["benchmark"]
    assert (benchmark["national_median"], benchmark["quartile"], benchmark["position"]) == (
        75,
        None,
        None,
    )


async def add_benchmarks(factory: Factory, period_code: str) -> None:
    """A benchmark for every bulk indicator that has none for the period yet."""
    async with unit_of_work(factory.sessionmaker) as session:
        period = await session.scalar(select(Period).where(Period.code == period_code))
        assert period is not None
        have = set(
            await session.scalars(
                select(Benchmark.indicator_id).where(Benchmark.period_id == period.id)
            )
        )
        for indicator in await session.scalars(select(Indicator).where(Indicator.code.like("N%"))):
            if indicator.id in have:
                continue
            session.add(
                Benchmark(
                    id=uuid.uuid4(),
                    indicator_id=indicator.id,
                    period_id=period.id,
                    source="Bulk",
                    lower_quartile=Decimal(45),
                    national_median=Decimal(50),
                    upper_quartile=Decimal(55),
                    comparators=[],
                    set_by_name="Bulk",
                )
            )


async def test_the_scorecard_loads_every_benchmark_in_one_statement(
    client: AsyncClient,
    factory: Factory,
    perf: Headers,
    engine: AsyncEngine,
    status_cache: StatusCache,
) -> None:
    async def count() -> tuple[int, list[Any]]:
        status_cache.clear()
        with statements(engine) as seen:
            response = await client.get(
                f"{API}/reports/scorecard", params={"period": Q1}, headers=perf
            )
        assert response.status_code == 200, response.text
        benchmark_statements = [s for s in seen if "FROM benchmark" in s]
        assert len(benchmark_statements) == 1
        return len(seen), response.json()["rows"]

    await add_indicators(factory, 0, 10)
    await add_benchmarks(factory, Q1)
    few, few_rows = await count()
    await add_indicators(factory, 10, 100)
    await add_benchmarks(factory, Q1)
    many, many_rows = await count()

    assert many == few
    assert all(row["benchmark"]["source"] == "Bulk" for row in many_rows)
    assert len(many_rows) > len(few_rows)
    positioned = [row for row in many_rows if row["benchmark"]["position"] is not None]
    assert positioned
    assert all(row["polarity"] in {"higher_is_better", "lower_is_better"} for row in positioned)
