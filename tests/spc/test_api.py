"""POST /spc: an XmR chart of any series, for any signed-in caller."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient

from tests.factories import Factory
from tests.helpers import API, Headers, assert_invalid, assert_problem, person

SPC = f"{API}/spc"
WORKED = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]


@pytest.fixture
async def anyone(factory: Factory) -> Headers:
    """A signed-in user with no role at all: the endpoint needs none."""
    return (await person(factory)).headers


async def chart(client: AsyncClient, headers: Headers, **body: Any) -> dict[str, Any]:
    response = await client.post(SPC, json=body, headers=headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def flagged(result: dict[str, Any]) -> list[int]:
    return [point["index"] for point in result["points"] if point["special_cause"]]


async def test_the_worked_example_with_screening(client: AsyncClient, anyone: Headers) -> None:
    result = await chart(client, anyone, values=WORKED, run_length=7, screen_outliers=True)

    assert len(result["points"]) == len(WORKED)
    for point in result["points"]:
        assert point["mean"] == pytest.approx(1.9444, abs=1e-4)
        assert point["lower_limit"] == pytest.approx(-0.7156, abs=1e-4)
        assert point["upper_limit"] == pytest.approx(4.6044, abs=1e-4)
    assert flagged(result) == [4]
    fifth = result["points"][4]
    assert fifth == {
        **fifth,
        "index": 4,
        "value": 10,
        "special_cause": True,
        "type": "neutral",
        "rules": ["outside_limits"],
    }
    assert result["points"][0]["type"] == "common_cause"
    assert result["points"][0]["rules"] == []
    assert result["variation_icon"] == "common_cause"
    assert result["assurance_icon"] is None


async def test_the_worked_example_without_screening(client: AsyncClient, anyone: Headers) -> None:
    result = await chart(client, anyone, values=WORKED, run_length=7)

    first = result["points"][0]
    assert first["mean"] == pytest.approx(1.9444, abs=1e-4)
    assert first["lower_limit"] == pytest.approx(-3.0626, abs=1e-4)
    assert first["upper_limit"] == pytest.approx(6.9515, abs=1e-4)
    assert flagged(result) == [4]


async def test_improvement_and_concern_follow_the_direction(
    client: AsyncClient, anyone: Headers
) -> None:
    up = await chart(client, anyone, values=WORKED, improvement_direction="increase")
    assert up["points"][4]["type"] == "improvement"
    down = await chart(client, anyone, values=WORKED, improvement_direction="decrease")
    assert down["points"][4]["type"] == "concern"


@pytest.mark.parametrize(
    ("values", "direction", "icon"),
    [
        ([1, 2] * 7 + [9], "increase", "improvement_high"),
        ([1, 2] * 7 + [9], "decrease", "concern_high"),
        ([1, 2] * 7 + [-6], "increase", "concern_low"),
        ([1, 2] * 7 + [-6], "decrease", "improvement_low"),
        ([1, 2] * 7 + [9], "neutral", "neutral_high"),
        ([1, 2] * 7 + [-6], "neutral", "neutral_low"),
        ([1, 2] * 7 + [1], "increase", "common_cause"),
    ],
)
async def test_the_variation_icon_reads_the_last_point(
    client: AsyncClient, anyone: Headers, values: list[int], direction: str, icon: str
) -> None:
    result = await chart(client, anyone, values=values, improvement_direction=direction)
    assert result["variation_icon"] == icon


@pytest.mark.parametrize(
    ("target", "direction", "icon"),
    [
        (10, "increase", "consistent_fail"),
        (10, "decrease", "consistent_pass"),
        (-10, "increase", "consistent_pass"),
        (-10, "decrease", "consistent_fail"),
        (1.5, "increase", "hit_and_miss"),
        (1.5, "neutral", None),
        (None, "increase", None),
    ],
)
async def test_the_assurance_icon_compares_the_target_with_the_limits(
    client: AsyncClient, anyone: Headers, target: float | None, direction: str, icon: str | None
) -> None:
    result = await chart(
        client, anyone, values=[1, 2] * 8, target=target, improvement_direction=direction
    )
    assert result["assurance_icon"] == icon


async def test_short_series_have_no_limits_and_no_icons(
    client: AsyncClient, anyone: Headers
) -> None:
    result = await chart(
        client, anyone, values=[5.5] * 12, target=3, improvement_direction="increase"
    )
    assert result["variation_icon"] is None
    assert result["assurance_icon"] is None
    assert {point["mean"] for point in result["points"]} == {None}
    assert result["points"][0]["value"] == 5.5


async def test_recalculation_and_baseline(client: AsyncClient, anyone: Headers) -> None:
    values = [1, 2] * 7 + [11, 12] * 7
    split = await chart(client, anyone, values=values, recalculate_at=[14])
    means = [point["mean"] for point in split["points"]]
    assert means[0] == pytest.approx(1.5)
    assert means[-1] == pytest.approx(11.5)

    fixed = await chart(client, anyone, values=values, baseline=14)
    assert [point["mean"] for point in fixed["points"]] == [pytest.approx(1.5)] * 28
    # The last baseline point (2, above the mean of 1.5) starts the shift that follows.
    assert flagged(fixed) == list(range(13, 28))


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"values": [1, 2, "3"]}, "values"),
        ({"values": ["1"]}, "values"),
        ({"values": "1,2,3"}, "values"),
        ({"values": [1, True]}, "values"),
        ({"values": []}, "values"),
        ({"values": [1.0] * 1001}, "values"),
        ({"values": [1e21]}, "values"),
        ({}, "values"),
        ({"values": [1, 2], "run_length": 5}, "run_length"),
        ({"values": [1, 2], "run_length": "7"}, "run_length"),
        ({"values": [1, 2], "improvement_direction": "up"}, "improvement_direction"),
        ({"values": [1, 2], "target": "high"}, "target"),
        ({"values": [1, 2], "screen_outliers": "perhaps"}, "screen_outliers"),
        ({"values": [1, 2, 3], "recalculate_at": [3]}, "recalculate_at"),
        ({"values": [1, 2, 3], "recalculate_at": [-1]}, "recalculate_at"),
        ({"values": [1, 2, 3, 4], "recalculate_at": [1]}, "recalculate_at"),
        ({"values": [1, 2, 3, 4], "recalculate_at": [3]}, "recalculate_at"),
        ({"values": [1, 2, 3], "recalculate_at": [1.5]}, "recalculate_at"),
        ({"values": [1, 2], "baseline": 1}, "baseline"),
        ({"values": [1, 2, 3, 4], "baseline": 2, "recalculate_at": [2]}, "body"),
        ({"values": [1, 2], "colour": "blue"}, "colour"),
    ],
)
async def test_invalid_bodies_are_422(
    client: AsyncClient, anyone: Headers, body: dict[str, Any], field: str
) -> None:
    assert_invalid(await client.post(SPC, json=body, headers=anyone), field)


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
async def test_non_finite_numbers_are_422(
    client: AsyncClient, anyone: Headers, literal: str
) -> None:
    for body in (f'{{"values": [1, {literal}]}}', f'{{"values": [1, 2], "target": {literal}}}'):
        response = await client.post(
            SPC, content=body, headers={**anyone, "Content-Type": "application/json"}
        )
        assert_problem(response, 422)


async def test_malformed_json_is_400(client: AsyncClient, anyone: Headers) -> None:
    response = await client.post(
        SPC, content=b'{"values": [1,', headers={**anyone, "Content-Type": "application/json"}
    )
    assert_problem(response, 400)


async def test_the_largest_series_is_answered(client: AsyncClient, anyone: Headers) -> None:
    values = [float(index % 7) for index in range(1000)]
    result = await chart(client, anyone, values=values, run_length=7, screen_outliers=True)
    assert len(result["points"]) == 1000


async def test_anonymous_callers_get_401(client: AsyncClient) -> None:
    response = await client.post(SPC, json={"values": WORKED})
    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"
