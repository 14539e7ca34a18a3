"""Targets over HTTP: set per period, shaped by the indicator, and never losing their history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from httpx import AsyncClient

from app.access.permissions import Role
from app.core import clock
from tests.factories import Factory
from tests.helpers import INDICATORS, Person, assert_invalid, assert_problem, person
from tests.indicators.helpers import close_period, create_indicator, set_target


@pytest.fixture
async def perf(factory: Factory) -> Person:
    await factory.financial_year(2025)
    return await person(factory, Role.PERFORMANCE_TEAM)


def target_url(code: str, period: str) -> str:
    return f"{INDICATORS}/{code}/targets/{period}"


async def test_first_put_creates_the_target_and_the_next_changes_it(
    client: AsyncClient, perf: Person
) -> None:
    await create_indicator(client, perf.headers, "TG1")
    url = target_url("TG1", "2025-26-Q1")

    created = await client.put(url, json={"value": 80, "reason": "Plan"}, headers=perf.headers)
    assert created.status_code == 201, created.text
    assert created.headers["etag"] == '"1"'
    assert created.json() == {
        **created.json(),
        "indicator_code": "TG1",
        "period": "2025-26-Q1",
        "value": 80,
        "lower": None,
        "upper": None,
        "floor": None,
        "reason": "Plan",
        "set_by_id": str(perf.id),
    }

    changed = await client.put(
        url, json={"value": 82.5, "floor": 70}, headers={**perf.headers, "If-Match": '"1"'}
    )
    assert changed.status_code == 200, changed.text
    assert changed.headers["etag"] == '"2"'
    assert (changed.json()["value"], changed.json()["floor"]) == (82.5, 70)

    read = await client.get(url, headers=perf.headers)
    assert read.status_code == 200
    assert read.headers["etag"] == '"2"'
    assert read.json() == changed.json()


async def test_stale_if_match_on_a_target_is_412(client: AsyncClient, perf: Person) -> None:
    await create_indicator(client, perf.headers, "TG2")
    url = target_url("TG2", "2025-26-Q1")
    await set_target(client, perf.headers, "TG2", "2025-26-Q1", value=80)
    await set_target(client, perf.headers, "TG2", "2025-26-Q1", value=81)
    stale = await client.put(url, json={"value": 90}, headers={**perf.headers, "If-Match": '"1"'})
    assert_problem(stale, 412)
    assert (await client.get(url, headers=perf.headers)).json()["value"] == 81


async def test_targets_list_in_period_order(client: AsyncClient, perf: Person) -> None:
    await create_indicator(client, perf.headers, "TG3")
    for period, value in (("2025-26-Q3", 83), ("2025-26", 85), ("2025-26-Q1", 81)):
        await set_target(client, perf.headers, "TG3", period, value=value)
    response = await client.get(f"{INDICATORS}/TG3/targets", headers=perf.headers)
    assert response.status_code == 200
    assert [(t["period"], t["value"]) for t in response.json()["items"]] == [
        ("2025-26", 85),
        ("2025-26-Q1", 81),
        ("2025-26-Q3", 83),
    ]


async def test_history_keeps_every_change_newest_first_with_who_when_and_why(
    client: AsyncClient, factory: Factory, perf: Person
) -> None:
    head = await person(factory, Role.HEAD_OF_SERVICE, "HOU")
    await create_indicator(client, perf.headers, "TH1")
    await set_target(client, perf.headers, "TH1", "2025-26-Q2", value=80, reason="Corporate plan")
    await set_target(client, head.headers, "TH1", "2025-26-Q2", value=75, reason="Fewer staff")
    await set_target(client, perf.headers, "TH1", "2025-26-Q2", value=78, floor=70)

    response = await client.get(f"{target_url('TH1', '2025-26-Q2')}/history", headers=perf.headers)
    assert response.status_code == 200, response.text
    history: list[dict[str, Any]] = response.json()["items"]
    assert [(h["value"], h["floor"], h["reason"], h["changed_by_id"]) for h in history] == [
        (78, 70, None, str(perf.id)),
        (75, None, "Fewer staff", str(head.id)),
        (80, None, "Corporate plan", str(perf.id)),
    ]
    assert all(h["changed_by_name"] for h in history)
    # Old and new value side by side: each change names the target it replaced.
    assert [h["previous"]["value"] if h["previous"] else None for h in history] == [75, 80, None]
    assert history[0]["previous"]["reason"] == "Fewer staff"
    times = [datetime.fromisoformat(h["changed_at"]) for h in history]
    assert times == sorted(times, reverse=True)
    assert all(t.utcoffset() == timedelta(0) for t in times)


async def test_history_keeps_the_order_of_changes_made_within_one_clock_tick(
    client: AsyncClient, perf: Person
) -> None:
    await create_indicator(client, perf.headers, "TH3")
    try:
        clock.freeze(datetime(2025, 7, 1, 9, 0, tzinfo=UTC))
        for value in (80, 60, 70, 50):
            await set_target(client, perf.headers, "TH3", "2025-26-Q2", value=value)
    finally:
        clock.freeze(None)

    response = await client.get(f"{target_url('TH3', '2025-26-Q2')}/history", headers=perf.headers)
    assert response.status_code == 200, response.text
    assert [h["value"] for h in response.json()["items"]] == [50, 70, 60, 80]


async def test_history_of_a_target_never_set_is_404(client: AsyncClient, perf: Person) -> None:
    await create_indicator(client, perf.headers, "TH2")
    response = await client.get(f"{target_url('TH2', '2025-26-Q2')}/history", headers=perf.headers)
    assert_problem(response, 404)
    assert_problem(await client.get(target_url("TH2", "2025-26-Q2"), headers=perf.headers), 404)


@pytest.mark.parametrize(
    ("frequency", "accepted", "refused"),
    [
        ("quarterly", ["2025-26-Q1", "2025-26"], ["2025-04"]),
        ("monthly", ["2025-04", "2025-26-Q1", "2025-26"], []),
        ("annual", ["2025-26"], ["2025-26-Q1", "2025-04"]),
    ],
)
async def test_targets_are_set_for_periods_at_least_as_long_as_the_indicators_own(
    client: AsyncClient, perf: Person, frequency: str, accepted: list[str], refused: list[str]
) -> None:
    await create_indicator(client, perf.headers, "TK1", frequency=frequency)
    for period in accepted:
        response = await client.put(
            target_url("TK1", period), json={"value": 80}, headers=perf.headers
        )
        assert response.status_code == 201, (period, response.text)
    for period in refused:
        response = await client.put(
            target_url("TK1", period), json={"value": 80}, headers=perf.headers
        )
        assert_problem(response, 409)


async def test_within_range_takes_a_band_and_refuses_a_point(
    client: AsyncClient, perf: Person
) -> None:
    await create_indicator(client, perf.headers, "WR1", polarity="within_range")
    url = target_url("WR1", "2025-26-Q1")
    assert_invalid(await client.put(url, json={"value": 80}, headers=perf.headers), "value")
    band = await client.put(url, json={"lower": 40, "upper": 60.5}, headers=perf.headers)
    assert band.status_code == 201, band.text
    assert (band.json()["value"], band.json()["lower"], band.json()["upper"]) == (None, 40, 60.5)
    # A band may be open on one side.
    open_band = await client.put(url, json={"upper": 60}, headers=perf.headers)
    assert open_band.status_code == 200, open_band.text
    assert (open_band.json()["lower"], open_band.json()["upper"]) == (None, 60)


@pytest.mark.parametrize("polarity", ["higher_is_better", "lower_is_better", "none"])
async def test_other_polarities_take_a_point_and_refuse_a_band(
    client: AsyncClient, perf: Person, polarity: str
) -> None:
    await create_indicator(client, perf.headers, "PT1", polarity=polarity)
    url = target_url("PT1", "2025-26-Q1")
    for band in ({"lower": 40, "upper": 60}, {"lower": 40}, {"upper": 60}):
        assert_invalid(await client.put(url, json=band, headers=perf.headers))
    assert (await client.put(url, json={"value": 50}, headers=perf.headers)).status_code == 201


@pytest.mark.parametrize(
    "body",
    [
        {"lower": 40, "upper": 60, "floor": 30},
        {"value": 80, "lower": 70},
        {"lower": 60, "upper": 40},
        {},
        {"reason": "no figure"},
        {"value": None},
        {"value": "eighty"},
        {"value": "NaN"},
        {"value": "Infinity"},
        {"value": [80]},
        {"value": 80, "reason": ""},
        {"value": 80, "reason": "x" * 2001},
        {"value": 80, "colour": "red"},
    ],
)
async def test_malformed_targets_are_422(
    client: AsyncClient, perf: Person, body: dict[str, Any]
) -> None:
    polarity = "within_range" if "lower" in body or "upper" in body else "higher_is_better"
    await create_indicator(client, perf.headers, "MT1", polarity=polarity)
    url = target_url("MT1", "2025-26-Q1")
    assert_invalid(await client.put(url, json=body, headers=perf.headers))
    assert_problem(await client.get(url, headers=perf.headers), 404)


@pytest.mark.parametrize(
    ("polarity", "body", "field"),
    [
        ("higher_is_better", {"value": 80.25}, "value"),
        ("higher_is_better", {"value": 80, "floor": 70.05}, "floor"),
        ("within_range", {"lower": 40.01, "upper": 60}, "lower"),
        ("within_range", {"lower": 40, "upper": 60.123}, "upper"),
    ],
)
async def test_target_with_more_decimals_than_the_indicator_keeps_is_422(
    client: AsyncClient, perf: Person, polarity: str, body: dict[str, Any], field: str
) -> None:
    await create_indicator(client, perf.headers, "DP1", polarity=polarity, decimal_places=1)
    response = await client.put(target_url("DP1", "2025-26-Q1"), json=body, headers=perf.headers)
    assert_invalid(response, field)
    # Trailing zeros are not extra places.
    exact = {key: round(number, 1) for key, number in body.items()}
    ok = await client.put(target_url("DP1", "2025-26-Q1"), json=exact, headers=perf.headers)
    assert ok.status_code == 201, ok.text


@pytest.mark.parametrize("period", ["2031-32-Q1", "2025-26-Q5", "nonsense"])
async def test_target_for_an_unknown_period_is_404(
    client: AsyncClient, perf: Person, period: str
) -> None:
    await create_indicator(client, perf.headers, "UP1")
    response = await client.put(target_url("UP1", period), json={"value": 1}, headers=perf.headers)
    assert_problem(response, 404)


async def test_target_for_an_unknown_indicator_is_404(client: AsyncClient, perf: Person) -> None:
    response = await client.put(
        target_url("NOPE", "2025-26-Q1"), json={"value": 1}, headers=perf.headers
    )
    assert_problem(response, 404)


async def test_targets_may_be_set_ahead_but_a_closed_period_is_locked(
    client: AsyncClient, factory: Factory, perf: Person
) -> None:
    await factory.financial_year(2026, open_all=False)
    await create_indicator(client, perf.headers, "CP1")
    await set_target(client, perf.headers, "CP1", "2026-27-Q1", value=80)
    await set_target(client, perf.headers, "CP1", "2025-26-Q1", value=80)

    await close_period(client, perf.headers, "2025-26-Q1")
    closed = await client.put(
        target_url("CP1", "2025-26-Q1"), json={"value": 90}, headers=perf.headers
    )
    assert_problem(closed, 409)
    assert (await client.get(target_url("CP1", "2025-26-Q1"), headers=perf.headers)).json()[
        "value"
    ] == 80
    history = await client.get(f"{target_url('CP1', '2025-26-Q1')}/history", headers=perf.headers)
    assert len(history.json()["items"]) == 1


async def test_retired_indicator_takes_no_new_targets(client: AsyncClient, perf: Person) -> None:
    await create_indicator(client, perf.headers, "RT1")
    await client.patch(f"{INDICATORS}/RT1", json={"status": "retired"}, headers=perf.headers)
    response = await client.put(
        target_url("RT1", "2025-26-Q1"), json={"value": 1}, headers=perf.headers
    )
    assert_problem(response, 409)


async def test_targets_are_set_in_scope_only(
    client: AsyncClient, factory: Factory, perf: Person
) -> None:
    await create_indicator(client, perf.headers, "SC1", org_unit_code="HOU-OPT")
    url = target_url("SC1", "2025-26-Q1")
    for allowed in (
        await person(factory, Role.HEAD_OF_SERVICE, "HOU"),
        await person(factory, Role.DIRECTOR, "PEO"),
        await person(factory, Role.ADMIN),
    ):
        response = await client.put(url, json={"value": 80}, headers=allowed.headers)
        assert response.status_code in (200, 201), response.text

    for refused in (
        await person(factory, Role.HEAD_OF_SERVICE, "WST"),
        await person(factory, Role.HEAD_OF_SERVICE, "ASC"),
        await person(factory, Role.DIRECTOR, "PLA"),
        await person(factory, Role.STAFF, "HOU"),
        await person(factory, Role.COUNCILLOR),
        await person(factory, Role.AUDITOR),
    ):
        assert_problem(await client.put(url, json={"value": 1}, headers=refused.headers), 403)

    anonymous = await client.put(url, json={"value": 1})
    assert_problem(anonymous, 401)
    assert len((await client.get(f"{url}/history", headers=perf.headers)).json()["items"]) == 3


async def test_readers_see_targets_and_their_history(
    client: AsyncClient, factory: Factory, perf: Person
) -> None:
    await create_indicator(client, perf.headers, "RD1")
    await set_target(client, perf.headers, "RD1", "2025-26-Q1", value=80)
    councillor = await person(factory, Role.COUNCILLOR)
    url = target_url("RD1", "2025-26-Q1")
    for path in (f"{INDICATORS}/RD1/targets", url, f"{url}/history"):
        assert (await client.get(path, headers=councillor.headers)).status_code == 200
        assert_problem(await client.get(path), 401)
