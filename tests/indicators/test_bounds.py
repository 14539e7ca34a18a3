"""What a figure may be: min_value / max_value on the indicator, else what its value type allows
(a percentage 0-100, a count a whole number of 0 or more), for values and targets alike."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from httpx import AsyncClient

from app.access.permissions import Role
from app.indicators.bounds import breach, empty_range, range_of
from app.measures.vocabulary import ValueType
from tests.factories import Factory
from tests.helpers import INDICATORS, Headers, assert_invalid, assert_problem, audit_total
from tests.indicators.helpers import create_indicator, save_value, set_target

Q1 = "2025-26-Q1"


@pytest.fixture
async def perf(factory: Factory) -> Headers:
    await factory.financial_year(2025)
    return await factory.headers(Role.PERFORMANCE_TEAM)


async def stored_values(client: AsyncClient, headers: Headers, code: str) -> list[Any]:
    response = await client.get(f"{INDICATORS}/{code}/values", headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    return list(body["items"] if isinstance(body, dict) else body)


# The indicator's own bounds


async def test_indicators_take_min_value_and_max_value_and_null_clears_them(
    client: AsyncClient, perf: Headers
) -> None:
    created = await create_indicator(client, perf, "B1", min_value=-50, max_value=300)
    assert (created["min_value"], created["max_value"]) == (-50, 300)
    plain = await create_indicator(client, perf, "B2")
    assert (plain["min_value"], plain["max_value"]) == (None, None)

    changed = await client.patch(f"{INDICATORS}/B1", json={"max_value": 250}, headers=perf)
    assert changed.status_code == 200, changed.text
    assert (changed.json()["min_value"], changed.json()["max_value"]) == (-50, 250)
    cleared = await client.patch(f"{INDICATORS}/B1", json={"min_value": None}, headers=perf)
    assert (cleared.json()["min_value"], cleared.json()["max_value"]) == (None, 250)
    read = await client.get(f"{INDICATORS}/B1", headers=perf)
    assert (read.json()["min_value"], read.json()["max_value"]) == (None, 250)


@pytest.mark.parametrize(
    ("bounds", "field"),
    [
        ({"min_value": 60, "max_value": 50}, "max_value"),
        # Against the value type's default: a percentage is 0 or more, and at most 100.
        ({"max_value": -5}, "max_value"),
        ({"min_value": 150}, "min_value"),
    ],
)
async def test_a_maximum_below_the_minimum_is_refused(
    client: AsyncClient, perf: Headers, bounds: dict[str, Any], field: str
) -> None:
    response = await client.post(
        INDICATORS,
        json={
            "code": "BAD",
            "title": "Bad bounds",
            "value_type": "percentage",
            "polarity": "higher_is_better",
            "frequency": "quarterly",
            "org_unit_code": "HOU",
            **bounds,
        },
        headers=perf,
    )
    errors = assert_invalid(response, ["body", field])
    assert field in response.json()["detail"]
    assert errors
    assert_problem(await client.get(f"{INDICATORS}/BAD", headers=perf), 404)


async def test_an_update_that_leaves_no_figure_possible_is_refused_and_changes_nothing(
    client: AsyncClient, perf: Headers
) -> None:
    await create_indicator(client, perf, "B3", value_type="number", min_value=10, max_value=20)
    response = await client.patch(f"{INDICATORS}/B3", json={"max_value": 5}, headers=perf)
    assert_invalid(response, ["body", "max_value"])
    read = (await client.get(f"{INDICATORS}/B3", headers=perf)).json()
    assert (read["min_value"], read["max_value"]) == (10, 20)


async def test_bounds_must_be_numbers(client: AsyncClient, perf: Headers) -> None:
    await create_indicator(client, perf, "B4")
    for body in ({"max_value": "lots"}, {"min_value": True}, {"max_value": "NaN"}):
        assert_invalid(await client.patch(f"{INDICATORS}/B4", json=body, headers=perf))


# Single values


async def test_a_percentage_over_100_is_refused_and_nothing_is_stored(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await create_indicator(client, perf, "P1")
    admin = await factory.headers(Role.ADMIN)
    before = await audit_total(client, admin)
    response = await save_value(client, perf, "P1", Q1, value=100.5)
    errors = assert_invalid(response, ["body", "value"])
    assert errors[0]["type"] == "above_max_value"
    assert "maximum of 100" in errors[0]["msg"]
    assert "max_value" in errors[0]["msg"]
    assert "100.5" in response.json()["detail"]
    assert await stored_values(client, perf, "P1") == []
    assert await audit_total(client, admin) == before
    assert (await save_value(client, perf, "P1", Q1, value=100)).status_code == 201


async def test_a_negative_percentage_is_refused(client: AsyncClient, perf: Headers) -> None:
    await create_indicator(client, perf, "P2")
    errors = assert_invalid(await save_value(client, perf, "P2", Q1, value=-0.1), "value")
    assert errors[0]["type"] == "below_min_value"
    assert (await save_value(client, perf, "P2", Q1, value=0)).status_code == 201


async def test_a_percentage_worked_out_from_numerator_and_denominator_is_checked_too(
    client: AsyncClient, perf: Headers
) -> None:
    await create_indicator(client, perf, "P3")
    errors = assert_invalid(
        await save_value(client, perf, "P3", Q1, numerator=61, denominator=60), "value"
    )
    assert errors[0]["type"] == "above_max_value"
    assert await stored_values(client, perf, "P3") == []


async def test_a_figure_outside_the_indicators_own_bounds_is_refused_naming_the_bound(
    client: AsyncClient, perf: Headers
) -> None:
    await create_indicator(
        client, perf, "N1", value_type="number", decimal_places=1, min_value=1, max_value=5
    )
    high = assert_invalid(await save_value(client, perf, "N1", Q1, value=5.5), "value")
    assert high[0]["type"] == "above_max_value"
    assert "maximum of 5 (the indicator's max_value)" in high[0]["msg"]
    low = assert_invalid(await save_value(client, perf, "N1", Q1, value=0.9), "value")
    assert low[0]["type"] == "below_min_value"
    assert "min_value" in low[0]["msg"]
    assert await stored_values(client, perf, "N1") == []
    for value in (1, 5):
        saved = await save_value(client, perf, "N1", Q1, value=value)
        assert saved.status_code in (200, 201), saved.text


async def test_own_bounds_widen_what_a_percentage_may_take_side_by_side(
    client: AsyncClient, perf: Headers
) -> None:
    # A growth rate: up to 300%, still not below 0 (only max_value is set).
    await create_indicator(client, perf, "G1", max_value=300)
    assert (await save_value(client, perf, "G1", Q1, value=250)).status_code == 201
    assert_invalid(await save_value(client, perf, "G1", Q1, value=-1), "value")
    # A change on last year: may fall below 0 once min_value says so.
    await create_indicator(client, perf, "G2", min_value=-100, max_value=100)
    assert (await save_value(client, perf, "G2", Q1, value=-12.5)).status_code == 201


async def test_a_count_takes_a_whole_number_of_0_or_more_by_default(
    client: AsyncClient, perf: Headers
) -> None:
    await create_indicator(client, perf, "C1", value_type="count", decimal_places=0)
    errors = assert_invalid(await save_value(client, perf, "C1", Q1, value=-1), "value")
    assert errors[0]["type"] == "below_min_value"
    assert "a count is 0 or more" in errors[0]["msg"]
    assert (await save_value(client, perf, "C1", Q1, value=0)).status_code == 201
    assert (await save_value(client, perf, "C1", Q1, value=1_000_000)).status_code == 200


async def test_numerator_and_denominator_of_a_count_like_ratio_stay_as_they_were(
    client: AsyncClient, perf: Headers
) -> None:
    # A number worked out as a rate: only the value it comes to is bounded.
    await create_indicator(
        client, perf, "R1", value_type="number", decimal_places=2, min_value=0, max_value=1
    )
    saved = await save_value(client, perf, "R1", Q1, numerator=1500, denominator=2000)
    assert saved.status_code == 201, saved.text
    assert saved.json()["value"] == 0.75


async def test_an_update_with_a_figure_outside_the_bounds_leaves_the_stored_one(
    client: AsyncClient, perf: Headers
) -> None:
    await create_indicator(client, perf, "P4")
    assert (await save_value(client, perf, "P4", Q1, value=80)).status_code == 201
    assert_invalid(await save_value(client, perf, "P4", Q1, value=180), "value")
    [stored] = await stored_values(client, perf, "P4")
    assert stored["value"] == 80


# Targets


@pytest.mark.parametrize(
    "body",
    [{"value": 110}, {"value": 90, "floor": -5}, {"value": -1}],
    ids=["value_over_100", "floor_below_0", "negative_value"],
)
async def test_a_percentage_target_outside_0_to_100_is_refused(
    client: AsyncClient, perf: Headers, body: dict[str, Any]
) -> None:
    await create_indicator(client, perf, "T1")
    response = await client.put(f"{INDICATORS}/T1/targets/{Q1}", json=body, headers=perf)
    errors = assert_invalid(response)
    assert errors[0]["type"] in {"above_max_value", "below_min_value"}
    assert_problem(await client.get(f"{INDICATORS}/T1/targets/{Q1}", headers=perf), 404)
    await set_target(client, perf, "T1", Q1, value=100)


async def test_a_band_target_beyond_the_indicators_bounds_is_refused(
    client: AsyncClient, perf: Headers
) -> None:
    await create_indicator(
        client, perf, "T2", polarity="within_range", value_type="number", max_value=10
    )
    response = await client.put(
        f"{INDICATORS}/T2/targets/{Q1}", json={"lower": 5, "upper": 12}, headers=perf
    )
    assert_invalid(response, ["body", "upper"])
    await set_target(client, perf, "T2", Q1, lower=5, upper=10)


# The rule on its own


@pytest.mark.parametrize(
    ("value_type", "number", "kind"),
    [
        (ValueType.PERCENTAGE, "100.01", "above_max_value"),
        (ValueType.PERCENTAGE, "-0.01", "below_min_value"),
        (ValueType.PERCENTAGE, "0", None),
        (ValueType.PERCENTAGE, "100", None),
        (ValueType.COUNT, "-1", "below_min_value"),
        (ValueType.COUNT, "1e9", None),
        (ValueType.TIME, "-1", "below_min_value"),
        (ValueType.NUMBER, "-1e9", None),
        (ValueType.CURRENCY, "-250", None),
        (ValueType.RATIO, "1e9", None),
    ],
)
def test_what_each_value_type_allows_by_default(
    value_type: ValueType, number: str, kind: str | None
) -> None:
    allowed = range_of(value_type=value_type, min_value=None, max_value=None)
    found = breach(Decimal(number), allowed)
    assert (found.kind if found else None) == kind


def test_a_range_is_empty_only_when_its_minimum_is_above_its_maximum() -> None:
    def empty(value_type: ValueType, low: str | None, high: str | None) -> str | None:
        allowed = range_of(
            value_type=value_type,
            min_value=None if low is None else Decimal(low),
            max_value=None if high is None else Decimal(high),
        )
        found = empty_range(allowed)
        return found.bound if found else None

    assert empty(ValueType.NUMBER, "5", "5") is None
    assert empty(ValueType.NUMBER, "6", "5") == "max_value"
    assert empty(ValueType.PERCENTAGE, "101", None) == "min_value"
    assert empty(ValueType.PERCENTAGE, None, "-1") == "max_value"
    assert empty(ValueType.COUNT, None, "-1") == "max_value"
    assert empty(ValueType.COUNT, "-10", "-1") is None
