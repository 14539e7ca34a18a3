"""GET /periods/{code}/progress: how far each part of the council is with a period's data."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from httpx import AsyncClient

from app.access.permissions import Role
from tests.cycle.helpers import AFTER_Q1_DUE, BEFORE_Q1_DUE, approve, frozen, save, step
from tests.factories import Factory
from tests.helpers import API, Headers, assert_problem, assert_unauthenticated, create_indicator

Q1 = "2025-26-Q1"
ZERO = {
    "expected": 0,
    "entered": 0,
    "draft": 0,
    "submitted": 0,
    "approved": 0,
    "rejected": 0,
    "outstanding": 0,
    "missing": 0,
    "late": 0,
}


def counts(**given: int) -> dict[str, int]:
    return {**ZERO, **given}


async def progress(client: AsyncClient, headers: Headers, period: str = Q1) -> dict[str, Any]:
    response = await client.get(f"{API}/periods/{period}/progress", headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def by_unit(body: dict[str, Any]) -> dict[str, dict[str, int]]:
    return {
        unit["org_unit_code"]: {field: unit[field] for field in ZERO} for unit in body["org_units"]
    }


async def test_progress_counts_each_unit_with_everything_below_it(
    client: AsyncClient, factory: Factory
) -> None:
    await factory.financial_year(2025)
    perf = await factory.headers(Role.PERFORMANCE_TEAM)
    approver = await factory.headers(Role.PERFORMANCE_TEAM)
    with frozen(BEFORE_Q1_DUE):
        await create_indicator(client, perf, "OPT1", org_unit_code="HOU-OPT")
        await create_indicator(client, perf, "OPT2", org_unit_code="HOU-OPT")
        await create_indicator(client, perf, "HOU1", org_unit_code="HOU")
        await create_indicator(client, perf, "ASC1", org_unit_code="ASC")
        await create_indicator(client, perf, "ASC2", org_unit_code="ASC")
        await create_indicator(client, perf, "WST1", org_unit_code="WST")
        await approve(client, perf, approver, "OPT1", Q1, value=90)
        await save(client, perf, "HOU1", Q1, value=80)
        await save(client, perf, "ASC1", Q1, value=70)
        await step(client, perf, "ASC1", Q1, "submit")
        await save(client, perf, "ASC2", Q1, value=60)
        await step(client, perf, "ASC2", Q1, "submit")
        await step(client, approver, "ASC2", Q1, "reject", reason="Wrong quarter")

        units = by_unit(await progress(client, perf))

    assert units["HOU-OPT"] == counts(expected=2, entered=1, approved=1, outstanding=1)
    assert units["HOU"] == counts(expected=3, entered=2, draft=1, approved=1, outstanding=1)
    assert units["ASC"] == counts(expected=2, entered=2, submitted=1, rejected=1)
    assert units["PEO"] == counts(
        expected=5, entered=4, draft=1, submitted=1, approved=1, rejected=1, outstanding=1
    )
    assert units["WST"] == counts(expected=1, outstanding=1)
    assert units["PLA"] == units["WST"]
    assert units["DBC"] == counts(
        expected=6, entered=4, draft=1, submitted=1, approved=1, rejected=1, outstanding=2
    )


async def test_progress_lists_every_unit_top_down_with_its_parent(
    client: AsyncClient, factory: Factory
) -> None:
    await factory.financial_year(2025)
    perf = await factory.headers(Role.PERFORMANCE_TEAM)

    body = await progress(client, perf)

    assert body["period"] == Q1
    assert body["data_due_date"] == "2025-07-14"
    assert [(u["org_unit_code"], u["parent_code"], u["kind"]) for u in body["org_units"]] == [
        ("DBC", None, "council"),
        ("PEO", "DBC", "directorate"),
        ("PLA", "DBC", "directorate"),
        ("ASC", "PEO", "service"),
        ("HOU", "PEO", "service"),
        ("WST", "PLA", "service"),
        ("HOU-OPT", "HOU", "team"),
    ]
    assert all(by_unit(body)[code] == ZERO for code in by_unit(body))
    assert body["totals"] == ZERO


async def test_only_active_indicators_of_the_periods_frequency_are_expected(
    client: AsyncClient, factory: Factory
) -> None:
    await factory.financial_year(2025)
    perf = await factory.headers(Role.PERFORMANCE_TEAM)
    await create_indicator(client, perf, "QTR")
    await create_indicator(client, perf, "MON", frequency="monthly")
    await create_indicator(client, perf, "ANN", frequency="annual")
    await create_indicator(client, perf, "OLD")
    retired = await client.patch(f"{API}/indicators/OLD", json={"status": "retired"}, headers=perf)
    assert retired.status_code == 200, retired.text

    quarter = await progress(client, perf, Q1)
    month = await progress(client, perf, "2025-04")
    year = await progress(client, perf, "2025-26")

    assert quarter["totals"]["expected"] == 1  # QTR only: not MON, ANN or the retired OLD
    assert month["totals"]["expected"] == 1  # MON
    assert year["totals"]["expected"] == 1  # ANN
    assert by_unit(quarter)["HOU"]["expected"] == 1


async def test_an_outstanding_value_is_missing_only_after_the_due_date(
    client: AsyncClient, factory: Factory
) -> None:
    await factory.financial_year(2025)
    perf = await factory.headers(Role.PERFORMANCE_TEAM)
    await create_indicator(client, perf, "HOU1")

    with frozen(BEFORE_Q1_DUE):
        before = await progress(client, perf)
    with frozen(AFTER_Q1_DUE):
        after = await progress(client, perf)

    assert by_unit(before)["HOU"] == counts(expected=1, outstanding=1)
    assert by_unit(after)["HOU"] == counts(expected=1, outstanding=1, missing=1)
    assert after["totals"] == counts(expected=1, outstanding=1, missing=1)


async def test_the_due_date_itself_is_not_yet_missing(
    client: AsyncClient, factory: Factory
) -> None:
    await factory.financial_year(2025)
    perf = await factory.headers(Role.PERFORMANCE_TEAM)
    await create_indicator(client, perf, "HOU1")

    with frozen(datetime(2025, 7, 14, 23, 0, tzinfo=UTC)):
        body = await progress(client, perf)

    assert body["totals"]["missing"] == 0


async def test_a_value_first_submitted_after_the_due_date_counts_as_late(
    client: AsyncClient, factory: Factory
) -> None:
    await factory.financial_year(2025)
    perf = await factory.headers(Role.PERFORMANCE_TEAM)
    approver = await factory.headers(Role.PERFORMANCE_TEAM)
    await create_indicator(client, perf, "ONTIME", org_unit_code="HOU-OPT")
    await create_indicator(client, perf, "LATE", org_unit_code="HOU-OPT")
    with frozen(BEFORE_Q1_DUE):
        await approve(client, perf, approver, "ONTIME", Q1, value=90)
    with frozen(AFTER_Q1_DUE):
        await approve(client, perf, approver, "LATE", Q1, value=91)
        body = await progress(client, perf)

    units = by_unit(body)
    assert units["HOU-OPT"] == counts(expected=2, entered=2, approved=2, late=1)
    assert units["HOU"]["late"] == units["PEO"]["late"] == units["DBC"]["late"] == 1
    assert units["ASC"]["late"] == 0
    assert body["totals"] == counts(expected=2, entered=2, approved=2, late=1)


async def test_totals_count_each_value_once_not_once_per_level(
    client: AsyncClient, factory: Factory
) -> None:
    await factory.financial_year(2025)
    perf = await factory.headers(Role.PERFORMANCE_TEAM)
    for code, unit in [("A", "HOU-OPT"), ("B", "ASC"), ("C", "WST"), ("D", "DBC")]:
        await create_indicator(client, perf, code, org_unit_code=unit)
    await save(client, perf, "A", Q1, value=1)

    with frozen(AFTER_Q1_DUE):
        body = await progress(client, perf)

    assert body["totals"] == counts(expected=4, entered=1, draft=1, outstanding=3, missing=3)
    assert {field: by_unit(body)["DBC"][field] for field in ZERO} == body["totals"]


async def test_progress_for_an_unknown_period_is_404(client: AsyncClient, factory: Factory) -> None:
    await factory.financial_year(2025)
    perf = await factory.headers(Role.PERFORMANCE_TEAM)

    for code in ("2031-32-Q1", "not-a-period"):
        response = await client.get(f"{API}/periods/{code}/progress", headers=perf)
        assert_problem(response, 404)


async def test_progress_needs_a_signed_in_caller(client: AsyncClient, factory: Factory) -> None:
    await factory.financial_year(2025)

    response = await client.get(f"{API}/periods/{Q1}/progress")

    assert_unauthenticated(response)


async def test_any_internal_role_may_read_progress(client: AsyncClient, factory: Factory) -> None:
    await factory.financial_year(2025)
    for role, unit in [(Role.STAFF, "HOU"), (Role.AUDITOR, None), (Role.HEAD_OF_SERVICE, "ASC")]:
        headers = await factory.headers(role, unit)
        response = await client.get(f"{API}/periods/{Q1}/progress", headers=headers)
        assert response.status_code == 200, (role, response.text)
