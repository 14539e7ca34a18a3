"""Figures during the year: every comparison like for like (README, "The rules").

A year to date runs to the latest period with a figure and is rated against the targets of
those periods only; a period read before all its parts are in is rated as at its latest part;
comparisons with the period before and with last year take the same parts; the forecast follows
the target profile; approvers see how a figure awaiting approval would be rated.
"""

from __future__ import annotations

import pytest
from httpx import AsyncClient

from app.access.permissions import Role
from tests.factories import Factory
from tests.helpers import INDICATORS, Headers, create_indicator, person
from tests.indicators.helpers import status_of
from tests.status.helpers import measure, monthly

Q1, Q2, Q3 = "2025-26-Q1", "2025-26-Q2", "2025-26-Q3"
TOLERANCE = {"unit": "percent", "green_within": 1, "amber_within": 5}


@pytest.fixture
async def perf(factory: Factory) -> Headers:
    await factory.financial_year(2024)
    await factory.financial_year(2025)
    return (await person(factory, Role.PERFORMANCE_TEAM)).headers


MONTHS = [f"2025-{m:02d}" for m in range(4, 13)]


async def test_year_to_date_is_rated_as_at_the_latest_quarter_with_a_figure(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    # Quarterly, sum, lower is better, 3.5 a quarter; Q3's figure is not in yet.
    await measure(
        client,
        factory,
        perf,
        "ASC",
        tolerance=TOLERANCE,
        values={Q1: "4.2", Q2: "4.7"},
        targets={Q1: "3.5", Q2: "3.5", Q3: "3.5"},
        polarity="lower_is_better",
        aggregation="sum",
        value_type="number",
    )
    q2 = (await status_of(client, perf, "ASC", Q2))["ytd"]
    q3 = (await status_of(client, perf, "ASC", Q3))["ytd"]
    assert q3 == {"value": 8.9, "target": 7, "rag": "red", "as_at": Q2, "complete": False}
    # Reading Q3 before its figure is in changes nothing about the year so far.
    assert {k: q3[k] for k in ("value", "target", "rag")} == {
        k: q2[k] for k in ("value", "target", "rag")
    }


async def test_a_cumulative_measure_read_mid_quarter_is_rated_against_its_latest_months_target(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    # Council tax collected, cumulative: the quarter's figure is the latest month's.
    await measure(
        client,
        factory,
        perf,
        "CT",
        tolerance=TOLERANCE,
        values={"2025-10": "65.10", "2025-11": "74.34"},
        targets={"2025-10": "66.00", "2025-11": "75.33", "2025-12": "84.08"},
        **monthly("latest", value_type="percentage", decimal_places=2),
    )
    q3 = await status_of(client, perf, "CT", Q3)
    november = await status_of(client, perf, "CT", "2025-11")
    assert (q3["value"], q3["target"], q3["as_at"], q3["complete"]) == (
        74.34,
        75.33,
        "2025-11",
        False,
    )
    assert q3["rag"] == november["rag"] == "amber"  # 1.3% short


@pytest.mark.parametrize(
    ("aggregation", "value", "target"),
    [("sum", 21, 22), ("mean", 10.5, 11), ("max", 11, 12), ("min", 10, 10), ("latest", 11, 12)],
)
async def test_a_quarter_read_mid_way_takes_the_months_present_against_their_targets(
    client: AsyncClient,
    factory: Factory,
    perf: Headers,
    aggregation: str,
    value: float,
    target: float,
) -> None:
    await measure(
        client,
        factory,
        perf,
        "PQ",
        tolerance=TOLERANCE,
        values={"2025-07": 10, "2025-08": 11},
        targets={"2025-07": 10, "2025-08": 12, "2025-09": 30},
        **monthly(aggregation),
    )
    q2 = await status_of(client, perf, "PQ", Q2)
    assert (q2["value"], q2["target"], q2["as_at"], q2["complete"]) == (
        value,
        target,
        "2025-08",
        False,
    )


async def test_a_quarterly_target_holds_for_each_month_of_a_mean(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await measure(
        client,
        factory,
        perf,
        "QM",
        tolerance=TOLERANCE,
        values={"2025-07": 90, "2025-08": 94},
        targets={Q2: 95},
        **monthly("mean", value_type="percentage"),
    )
    q2 = await status_of(client, perf, "QM", Q2)
    assert (q2["value"], q2["target"], q2["rag"]) == (92, 95, "amber")


async def test_a_sum_with_only_a_quarterly_target_is_not_rated_on_part_of_the_quarter(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await measure(
        client,
        factory,
        perf,
        "QS",
        tolerance=TOLERANCE,
        values={"2025-04": 10, "2025-05": 10, "2025-06": 10, "2025-07": 10},
        targets={Q1: 30, Q2: 30},
        **monthly("sum"),
    )
    q2 = await status_of(client, perf, "QS", Q2)
    # A quarter's target of a sum says nothing of how much of it July should bring.
    assert (q2["value"], q2["target"], q2["rag"]) == (10, None, "data_only")
    # The year to date keeps Q1 whole against its own target, and July has none of its own.
    assert q2["ytd"]["as_at"] == "2025-07"
    assert q2["ytd"]["target"] is None


async def test_the_year_to_date_keeps_whole_quarters_with_their_targets(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await measure(
        client,
        factory,
        perf,
        "YS",
        tolerance=TOLERANCE,
        values=dict.fromkeys(MONTHS[:5], 10),
        targets={Q1: 30, "2025-07": 10, "2025-08": 10, "2025-09": 10},
        **monthly("sum"),
    )
    ytd = (await status_of(client, perf, "YS", Q2))["ytd"]
    assert ytd == {"value": 50, "target": 50, "rag": "green", "as_at": "2025-08", "complete": False}


async def test_direction_compares_the_same_months_last_year(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    # Missed bins, lower is better: this July and August against last July and August, not
    # against last year's whole quarter.
    await measure(
        client,
        factory,
        perf,
        "DL",
        tolerance=TOLERANCE,
        values={
            "2024-07": 100,
            "2024-08": 100,
            "2024-09": 100,
            "2025-07": 90,
            "2025-08": 95,
        },
        targets={},
        polarity="lower_is_better",
        **monthly("sum"),
    )
    q2 = await status_of(client, perf, "DL", Q2)
    assert q2["value"] == 185
    assert q2["direction"]["vs_last_year"] == "improving"


async def test_the_forecast_follows_the_target_profile(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    profile = ["11", "20.5", "30", "39.5", "49", "58.5", "68", "77.5", "86.5", "95.5", "98.5", "99"]
    months = [*MONTHS, "2026-01", "2026-02", "2026-03"]
    await measure(
        client,
        factory,
        perf,
        "FP",
        tolerance=TOLERANCE,
        values={"2025-04": "10.89", "2025-05": "20.30"},
        targets=dict(zip(months, profile, strict=True)),
        **monthly("latest", value_type="percentage", decimal_places=2),
    )
    forecast = (await status_of(client, perf, "FP", "2025-05"))["forecast"]
    # 20.30 against 20.5 is 99.02% of profile; 99 x 0.9902 = 98.03.
    assert forecast["method"] == "target_profile"
    assert forecast["value"] == 98.03


async def test_approvers_see_how_a_figure_awaiting_approval_would_be_rated(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await create_indicator(client, perf, "PN", tolerance=TOLERANCE)
    response = await client.put(f"{INDICATORS}/PN/targets/{Q1}", json={"value": 80}, headers=perf)
    assert response.status_code in (200, 201), response.text
    staff = (await person(factory, Role.HEAD_OF_SERVICE, "HOU")).headers
    saved = await client.put(f"{INDICATORS}/PN/values/{Q1}", json={"value": 70}, headers=staff)
    assert saved.status_code in (200, 201), saved.text
    submitted = await client.post(f"{INDICATORS}/PN/values/{Q1}/submit", headers=staff)
    assert submitted.status_code == 200, submitted.text

    seen = await status_of(client, perf, "PN", Q1)
    assert seen["pending"] == {"value": 70, "rag": "red", "value_status": "submitted"}
    assert seen["value"] is None
    councillor = (await person(factory, Role.COUNCILLOR)).headers
    assert (await status_of(client, councillor, "PN", Q1))["pending"] is None
