"""GET /indicators/{code}/status: RAG, direction of travel and year to date, over HTTP.

Approved values are seeded straight into the database (tests/indicators/helpers.seed_approved):
these tests are about what is computed from approved figures; the workflow that approves them
is tested in tests/indicators/test_values.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from httpx import AsyncClient

from app.access.permissions import Role
from app.core import clock
from tests.factories import Factory
from tests.helpers import INDICATORS, Figure, Headers, assert_problem, person
from tests.indicators.helpers import (
    approved_value,
    create_indicator,
    save_value,
    set_target,
    status_of,
)
from tests.status.helpers import measure, monthly

Q1, Q2 = "2025-26-Q1", "2025-26-Q2"


@pytest.fixture
async def perf(factory: Factory) -> Headers:
    await factory.financial_year(2024)
    await factory.financial_year(2025)
    return (await person(factory, Role.PERFORMANCE_TEAM)).headers


@pytest.fixture
def freeze() -> Iterator[Callable[[datetime], None]]:
    yield clock.freeze
    clock.freeze(None)


# Combining months into a quarter


@pytest.mark.parametrize(
    ("aggregation", "expected"),
    [("sum", 61), ("mean", 20.3), ("latest", 31), ("max", 31), ("min", 10)],
)
async def test_quarter_of_a_monthly_indicator_combines_its_months(
    client: AsyncClient, factory: Factory, perf: Headers, aggregation: str, expected: float
) -> None:
    await measure(
        client,
        factory,
        perf,
        "MA1",
        values={"2025-04": 10, "2025-05": 20, "2025-06": 31},
        **monthly(aggregation),
    )
    status = await status_of(client, perf, "MA1", Q1)
    # mean: 61 / 3 = 20.333..., shown to the indicator's one decimal place.
    assert (status["value"], status["complete"]) == (expected, True)
    assert status["period"] == Q1


async def test_ratio_pools_numerators_and_denominators_and_weights_monthly_targets(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await measure(
        client,
        factory,
        perf,
        "RA1",
        values={
            "2025-04": (50, 5, 10),
            "2025-05": (75, 30, 40),
            "2025-06": (100, 1, 1),
        },
        targets={"2025-04": {"value": 60}, "2025-05": {"value": 80}, "2025-06": {"value": 100}},
        **monthly("ratio", value_type="percentage", tolerance=None),
    )
    status = await status_of(client, perf, "RA1", Q1)
    # 36 / 51 x 100 = 70.588...; the plain mean of the months would be 75.
    assert status["value"] == 70.6
    # (60 x 10 + 80 x 40 + 100 x 1) / 51 = 76.47...: weighted like the actual.
    assert status["target"] == 76.5
    assert status["rag"] == "amber"  # 5.9 short of 76.5 is 7.7%


async def test_monthly_targets_make_the_quarter_target_unless_one_is_set_for_the_quarter(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    months = {"2025-04": 10, "2025-05": 20, "2025-06": 31}
    month_targets = {month: {"value": 20} for month in months}
    await measure(
        client, factory, perf, "MT1", values=months, targets=month_targets, **monthly("sum")
    )
    status = await status_of(client, perf, "MT1", Q1)
    assert (status["value"], status["target"], status["rag"]) == (61, 60, "green")

    await set_target(client, perf, "MT1", Q1, value=70)
    status = await status_of(client, perf, "MT1", Q1)
    assert (status["target"], status["rag"], status["shortfall"]) == (70, "red", 9)

    # A month's own status uses that month's target.
    april = await status_of(client, perf, "MT1", "2025-04")
    assert (april["value"], april["target"], april["rag"]) == (10, 20, "red")


async def test_a_monthly_indicators_year_target_comes_from_its_quarterly_targets(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    months = [f"2025-{month:02d}" for month in range(4, 13)] + ["2026-01", "2026-02", "2026-03"]
    await measure(
        client,
        factory,
        perf,
        "QY1",
        values=dict.fromkeys(months, 10),
        targets={f"2025-26-Q{q}": {"value": 30} for q in range(1, 5)},
        **monthly("sum"),
    )
    q2 = await status_of(client, perf, "QY1", Q2)
    assert (q2["target"], q2["ytd"]["target"]) == (30, 60)
    year = await status_of(client, perf, "QY1", "2025-26")
    assert (year["value"], year["target"], year["rag"]) == (120, 120, "green")


async def test_quarter_with_a_month_missing_is_incomplete_and_partial_targets_are_not_combined(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await measure(
        client,
        factory,
        perf,
        "IC1",
        values={"2025-04": 10, "2025-06": 30},
        targets={"2025-04": {"value": 20}, "2025-05": {"value": 20}},
        **monthly("mean"),
    )
    status = await status_of(client, perf, "IC1", Q1)
    assert (status["value"], status["complete"]) == (20, False)
    assert (status["target"], status["rag"]) == (None, "data_only")

    whole = await status_of(client, perf, "IC1", "2025-04")
    assert whole["complete"] is True


async def test_year_to_date_combines_the_periods_so_far(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await measure(
        client,
        factory,
        perf,
        "YT1",
        values={
            **dict.fromkeys(("2025-04", "2025-05", "2025-06"), 10),
            **dict.fromkeys(("2025-07", "2025-08", "2025-09"), 20),
        },
        targets={
            **{month: {"value": 10} for month in ("2025-04", "2025-05", "2025-06")},
            Q2: {"value": 70},
        },
        **monthly("sum"),
    )
    status = await status_of(client, perf, "YT1", Q2)
    assert (status["value"], status["target"], status["rag"]) == (60, 70, "red")
    # April to September against Q1's monthly targets (30) plus Q2's own (70): 10% short.
    assert status["ytd"] == {
        "value": 90,
        "target": 100,
        "rag": "amber",
        "as_at": Q2,
        "complete": True,
    }

    quarterly = {Q1: 70, Q2: 80, "2025-26-Q3": 90}
    await measure(
        client,
        factory,
        perf,
        "YT2",
        values=quarterly,
        targets={period: {"value": 80} for period in quarterly},
    )
    q3 = await status_of(client, perf, "YT2", "2025-26-Q3")
    assert q3["ytd"] == {
        "value": 80,
        "target": 80,
        "rag": "green",
        "as_at": "2025-26-Q3",
        "complete": True,
    }
    q1 = await status_of(client, perf, "YT2", Q1)
    assert q1["ytd"] == {"value": 70, "target": 80, "rag": "red", "as_at": Q1, "complete": True}


async def test_a_ratio_that_meets_every_quarters_target_meets_its_year_to_date_target(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await measure(
        client,
        factory,
        perf,
        "YT3",
        values={Q1: (60, 60, 100), Q2: (90, 9, 10)},
        targets={Q1: {"value": 60}, Q2: {"value": 90}},
        aggregation="ratio",
    )
    assert (await status_of(client, perf, "YT3", Q1))["rag"] == "green"
    q2 = await status_of(client, perf, "YT3", Q2)
    assert q2["rag"] == "green"
    # 69 / 110 = 62.7% against (60 x 100 + 90 x 10) / 110 = 62.7%, not the plain mean 75.
    assert q2["ytd"] == {
        "value": 62.7,
        "target": 62.7,
        "rag": "green",
        "as_at": Q2,
        "complete": True,
    }


async def test_a_year_status_combines_its_quarters(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await measure(
        client,
        factory,
        perf,
        "YR1",
        values={Q1: 70, Q2: 80, "2025-26-Q3": 90, "2025-26-Q4": 100},
        targets={"2025-26": {"value": 80}},
    )
    status = await status_of(client, perf, "YR1", "2025-26")
    assert (status["value"], status["target"], status["rag"], status["complete"]) == (
        85,
        80,
        "green",
        True,
    )


async def test_annual_indicator_has_a_status_for_its_year_only(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await measure(
        client,
        factory,
        perf,
        "AN1",
        values={"2024-25": 60, "2025-26": 75},
        targets={"2025-26": {"value": 80}},
        frequency="annual",
    )
    status = await status_of(client, perf, "AN1", "2025-26")
    assert (status["value"], status["rag"], status["direction"]["vs_previous"]) == (
        75,
        "amber",
        "improving",
    )
    for shorter in (Q1, "2025-04"):
        response = await client.get(
            f"{INDICATORS}/AN1/status", params={"period": shorter}, headers=perf
        )
        assert_problem(response, 409)


# Direction of travel


async def test_direction_compares_with_the_previous_period_and_last_year_across_years(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await measure(
        client,
        factory,
        perf,
        "DR1",
        values={"2024-25-Q1": 75, "2024-25-Q4": 70, Q1: 72, Q2: 72},
    )
    q1 = await status_of(client, perf, "DR1", Q1)
    assert q1["direction"] == {"vs_previous": "improving", "vs_last_year": "worsening"}
    q2 = await status_of(client, perf, "DR1", Q2)
    assert q2["direction"] == {"vs_previous": "no_change", "vs_last_year": "not_available"}
    first = await status_of(client, perf, "DR1", "2024-25-Q1")
    assert first["direction"] == {"vs_previous": "not_available", "vs_last_year": "not_available"}

    # A monthly indicator in April looks back to March, in the previous financial year.
    await measure(
        client,
        factory,
        perf,
        "DR2",
        values={"2024-04": 53.1, "2025-03": 53.6, "2025-04": 53.1},
        polarity="lower_is_better",
        **monthly("mean"),
    )
    april = await status_of(client, perf, "DR2", "2025-04")
    assert april["direction"] == {"vs_previous": "improving", "vs_last_year": "no_change"}


async def test_direction_of_a_quarter_of_months_compares_combined_quarters(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await measure(
        client,
        factory,
        perf,
        "DR3",
        values={"2025-01": 5, "2025-02": 5, "2025-03": 5, "2025-04": 4, "2025-05": 4, "2025-06": 4},
        polarity="lower_is_better",
        **monthly("sum"),
    )
    status = await status_of(client, perf, "DR3", Q1)
    assert (status["value"], status["direction"]["vs_previous"]) == (12, "improving")


async def test_polarity_none_is_data_only_and_moves_up_or_down(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await measure(
        client,
        factory,
        perf,
        "NO1",
        values={"2024-25-Q1": 900, "2024-25-Q4": 1200, Q1: 1100},
        targets={Q1: {"value": 1000}},
        polarity="none",
        value_type="count",
        decimal_places=0,
        tolerance=None,
    )
    status = await status_of(client, perf, "NO1", Q1)
    assert (status["rag"], status["shortfall"], status["shortfall_pct"]) == (
        "data_only",
        None,
        None,
    )
    assert status["direction"] == {"vs_previous": "decreasing", "vs_last_year": "increasing"}


# The RAG rule


async def test_higher_is_better_with_the_indicators_percent_tolerance(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    # The README's worked example: target 80, green within 5%, amber within 10%.
    for code, value, rag, shortfall, pct in (
        ("HB1", 78, "green", 2, 2.5),
        ("HB2", 74, "amber", 6, 7.5),
        ("HB3", 70, "red", 10, 12.5),
        ("HB4", 81, "green", -1, -1.25),
        ("HB5", 76, "green", 4, 5),
        ("HB6", 72, "amber", 8, 10),
    ):
        await measure(client, factory, perf, code, values={Q1: value}, targets={Q1: {"value": 80}})
        status = await status_of(client, perf, code, Q1)
        assert (status["rag"], status["shortfall"], status["shortfall_pct"]) == (
            rag,
            shortfall,
            pct,
        ), code
        assert (status["value"], status["target"], status["target_band"]) == (value, 80, None)


async def test_lower_is_better(client: AsyncClient, factory: Factory, perf: Headers) -> None:
    for code, value, rag in (
        ("LB1", 9, "green"),
        ("LB2", 10.4, "green"),
        ("LB3", 10.8, "amber"),
        ("LB4", 11.5, "red"),
    ):
        await measure(
            client,
            factory,
            perf,
            code,
            values={Q1: value},
            targets={Q1: {"value": 10}},
            polarity="lower_is_better",
        )
        status = await status_of(client, perf, code, Q1)
        assert status["rag"] == rag, code
    assert (await status_of(client, perf, "LB3", Q1))["shortfall"] == 0.8


async def test_within_range_rates_the_distance_outside_the_band(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    for code, value, rag, shortfall in (
        ("WR1", 50, "green", 0),
        ("WR2", 60, "green", 0),
        ("WR3", 62, "green", 2),  # 2 above 60: 3.3%
        ("WR4", 65, "amber", 5),  # 8.3% of the upper bound
        ("WR5", 70, "red", 10),
        ("WR6", 37, "amber", 3),  # 3 below 40: 7.5% of the lower bound
        ("WR7", 35, "red", 5),
    ):
        await measure(
            client,
            factory,
            perf,
            code,
            values={Q1: value},
            targets={Q1: {"lower": 40, "upper": 60}},
            polarity="within_range",
        )
        status = await status_of(client, perf, code, Q1)
        assert (status["rag"], status["shortfall"]) == (rag, shortfall), code
        assert (status["target"], status["target_band"]) == (None, {"lower": 40, "upper": 60})
    assert (await status_of(client, perf, "WR7", Q1))["shortfall_pct"] == 12.5


async def test_absolute_tolerance_is_in_the_indicators_own_unit(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    tolerance = {"unit": "absolute", "green_within": 2, "amber_within": 5}
    for code, value, rag in (
        ("AB1", 78, "green"),
        ("AB2", 77.9, "amber"),
        ("AB3", 75, "amber"),
        ("AB4", 74.9, "red"),
    ):
        await measure(
            client,
            factory,
            perf,
            code,
            values={Q1: value},
            targets={Q1: {"value": 80}},
            tolerance=tolerance,
        )
        assert (await status_of(client, perf, code, Q1))["rag"] == rag, code


async def test_a_floor_makes_a_miss_amber_if_met_else_red(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    for code, polarity, value, rag in (
        ("FL1", "higher_is_better", 81, "green"),
        ("FL2", "higher_is_better", 79.9, "amber"),  # thresholds are not used with a floor
        ("FL3", "higher_is_better", 70, "amber"),
        ("FL4", "higher_is_better", 69.9, "red"),
        ("FL5", "lower_is_better", 85, "amber"),
        ("FL6", "lower_is_better", 91, "red"),
    ):
        target = {"value": 80, "floor": 70 if polarity == "higher_is_better" else 90}
        await measure(
            client,
            factory,
            perf,
            code,
            values={Q1: value},
            targets={Q1: target},
            polarity=polarity,
        )
        status = await status_of(client, perf, code, Q1)
        assert (status["rag"], status["floor"]) == (rag, target["floor"]), code


async def test_amber_if_improving_on_the_same_period_last_year(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    for code, last_year, rag in (
        ("AI1", 60, "amber"),  # improved on last year
        ("AI2", 65, "amber"),  # matched last year
        ("AI3", 66, "red"),  # worse than last year
        ("AI4", None, "red"),  # nothing to compare with
    ):
        values: dict[str, Figure] = {Q1: 65}
        if last_year is not None:
            values["2024-25-Q1"] = last_year
        await measure(
            client,
            factory,
            perf,
            code,
            values=values,
            targets={Q1: {"value": 80}},
            amber_if_improving=True,
        )
        assert (await status_of(client, perf, code, Q1))["rag"] == rag, code

    # Without the flag, the same figures stay red.
    await measure(
        client, factory, perf, "AI5", values={Q1: 65, "2024-25-Q1": 60}, targets={Q1: {"value": 80}}
    )
    assert (await status_of(client, perf, "AI5", Q1))["rag"] == "red"


async def test_a_zero_target_with_a_percent_tolerance_makes_any_shortfall_red(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    for code, value, rag in (("ZT1", 0, "green"), ("ZT2", 0.1, "red")):
        await measure(
            client,
            factory,
            perf,
            code,
            values={Q1: value},
            targets={Q1: {"value": 0}},
            polarity="lower_is_better",
            value_type="number",
        )
        status = await status_of(client, perf, code, Q1)
        # No percentage can be taken of a zero target.
        assert (status["rag"], status["shortfall_pct"]) == (rag, None), code


async def test_no_target_is_data_only(client: AsyncClient, factory: Factory, perf: Headers) -> None:
    await measure(client, factory, perf, "NT1", values={Q1: 65})
    status = await status_of(client, perf, "NT1", Q1)
    assert (status["rag"], status["target"], status["ytd"]["rag"]) == (
        "data_only",
        None,
        "data_only",
    )


async def test_council_default_tolerance_applies_to_indicators_without_their_own(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await measure(
        client, factory, perf, "DT1", values={Q1: 78}, targets={Q1: {"value": 80}}, tolerance=None
    )
    await measure(client, factory, perf, "DT2", values={Q1: 78}, targets={Q1: {"value": 80}})
    # The start-up default is 5% / 10%: 2.5% short is green.
    assert (await status_of(client, perf, "DT1", Q1))["rag"] == "green"

    admin = (await person(factory, Role.ADMIN)).headers
    changed = await client.put(
        "/api/v1/settings/rag",
        json={"unit": "percent", "green_within": 1, "amber_within": 5},
        headers=admin,
    )
    assert changed.status_code == 200, changed.text
    assert (await status_of(client, perf, "DT1", Q1))["rag"] == "amber"
    assert (await status_of(client, perf, "DT2", Q1))["rag"] == "green"


# Missing values and the due date


async def test_no_value_is_missing_after_the_due_date_and_unrated_before_it(
    client: AsyncClient,
    factory: Factory,
    perf: Headers,
    freeze: Callable[[datetime], None],
) -> None:
    await measure(client, factory, perf, "MS1", values={}, targets={Q1: {"value": 80}})
    due = (await client.get("/api/v1/periods/2025-26-Q1", headers=perf)).json()["data_due_date"]
    assert due == "2025-07-14"

    freeze(datetime(2025, 7, 14, 18, tzinfo=UTC))
    before = await status_of(client, perf, "MS1", Q1)
    assert (before["value"], before["rag"], before["ytd"]["rag"]) == (None, None, None)
    assert before["target"] == 80

    freeze(datetime(2025, 7, 15, 8, tzinfo=UTC))
    after = await status_of(client, perf, "MS1", Q1)
    assert (after["value"], after["rag"], after["ytd"]["rag"]) == (None, "missing", "missing")
    assert (after["shortfall"], after["value_status"]) == (None, None)


async def test_status_reads_approved_values_only(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    head = (await person(factory, Role.HEAD_OF_SERVICE, "HOU")).headers
    councillor = (await person(factory, Role.COUNCILLOR)).headers
    await create_indicator(client, perf, "AP1")
    await set_target(client, perf, "AP1", Q1, value=80)
    await set_target(client, perf, "AP1", Q2, value=80)
    await approved_value(client, head, perf, "AP1", Q1, value=70, commentary="Approved")
    await save_value(client, head, "AP1", Q2, value=90)
    submitted = await client.post(f"{INDICATORS}/AP1/values/{Q2}/submit", headers=head)
    assert submitted.status_code == 200

    for viewer, step_seen in ((perf, "submitted"), (councillor, None)):
        q2 = await status_of(client, viewer, "AP1", Q2)
        assert (q2["value"], q2["rag"], q2["value_status"], q2["commentary"]) == (
            None,
            "missing",
            step_seen,
            None,
        )
        q1 = await status_of(client, viewer, "AP1", Q1)
        assert (q1["value"], q1["rag"], q1["value_status"], q1["commentary"]) == (
            70,
            "red",
            "approved",
            "Approved",
        )


async def test_status_of_unknown_things(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await measure(client, factory, perf, "UK1", values={Q1: 1})
    url = f"{INDICATORS}/UK1/status"
    assert_problem(await client.get(f"{INDICATORS}/NOPE/status?period={Q1}", headers=perf), 404)
    for period in ("2031-32-Q1", "2025-26-Q7", "whenever"):
        assert_problem(await client.get(url, params={"period": period}, headers=perf), 404)
    assert_problem(await client.get(url, params={"period": "2025-04"}, headers=perf), 409)
    assert (await client.get(url, headers=perf)).status_code == 422
    assert_problem(await client.get(url, params={"period": Q1}), 401)


async def test_a_retired_indicator_keeps_its_status(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await measure(client, factory, perf, "RT1", values={Q1: 81}, targets={Q1: {"value": 80}})
    retired = await client.delete(f"{INDICATORS}/RT1", headers=perf)
    assert retired.json()["status"] == "retired"
    assert (await status_of(client, perf, "RT1", Q1))["rag"] == "green"
