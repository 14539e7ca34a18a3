"""SPC of an indicator's approved series: GET /indicators/{code}/spc, its stored settings, its
SVG chart, the icons and year-end forecast on statuses and the scorecard, and the data-quality
outlier check fitted with the stored settings."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from app.access.permissions import Role
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
from tests.indicators.helpers import create_indicator, save_value, set_target, status_of

WORKED = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]
MONTHS = [f"2024-{m:02d}" for m in range(4, 13)] + [f"2025-{m:02d}" for m in range(1, 13)]
MONTHS += [f"2026-{m:02d}" for m in (1, 2, 3)]
SCORECARD = f"{API}/reports/scorecard"


@pytest.fixture
async def perf(factory: Factory) -> Headers:
    await factory.financial_year(2024)
    await factory.financial_year(2025)
    return (await person(factory, Role.PERFORMANCE_TEAM)).headers


async def monthly(
    client: AsyncClient,
    factory: Factory,
    perf: Headers,
    code: str,
    values: Sequence[float],
    **indicator: Any,
) -> None:
    """A monthly indicator with approved values from April 2024, one a month."""
    fields = {
        "frequency": "monthly",
        "value_type": "number",
        "aggregation": "mean",
        "tolerance": None,
        **indicator,
    }
    await create_indicator(client, perf, code, **fields)
    await seed_approved(factory, code, dict(zip(MONTHS, values, strict=False)))


async def spc_of(client: AsyncClient, headers: Headers, code: str, **params: Any) -> dict[str, Any]:
    response = await client.get(f"{INDICATORS}/{code}/spc", params=params, headers=headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def flagged(result: dict[str, Any]) -> list[str]:
    return [point["period"] for point in result["points"] if point["special_cause"]]


# GET /indicators/{code}/spc -------------------------------------------------------------------


async def test_the_chart_of_an_indicators_approved_values(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await monthly(client, factory, perf, "SP1", WORKED, polarity="higher_is_better")
    await set_target(client, perf, "SP1", "2025-09", value=3)
    # A draft for the next month is not approved: it is not charted.
    await save_value(client, perf, "SP1", "2025-10", value=50)

    result = await spc_of(client, perf, "SP1", run_length=7, screen_outliers="true")

    assert [point["period"] for point in result["points"]] == MONTHS[:18]
    assert [point["value"] for point in result["points"]] == WORKED
    assert [point["index"] for point in result["points"]] == list(range(18))
    first = result["points"][0]
    assert first["mean"] == pytest.approx(1.9444, abs=1e-4)
    assert first["lower_limit"] == pytest.approx(-0.7156, abs=1e-4)
    assert first["upper_limit"] == pytest.approx(4.6044, abs=1e-4)
    assert flagged(result) == ["2024-08"]
    assert result["points"][4]["type"] == "improvement"
    assert result == {
        **result,
        "indicator_code": "SP1",
        "improvement_direction": "increase",
        "target": 3,
        "run_length": 7,
        "screen_outliers": True,
        "baseline": None,
        "recalculate_at": [],
        "variation_icon": "common_cause",
        "assurance_icon": "hit_and_miss",
    }
    # The stored defaults: run length 6, no screening, so the wider limits.
    default = await spc_of(client, perf, "SP1")
    assert default["run_length"] == 6
    assert default["points"][0]["upper_limit"] == pytest.approx(6.9515, abs=1e-4)


async def test_until_a_period_charts_the_values_up_to_its_end(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await monthly(client, factory, perf, "SP2", WORKED, polarity="higher_is_better")
    twelve = await spc_of(client, perf, "SP2", until="2025-03")
    assert len(twelve["points"]) == 12
    assert twelve["variation_icon"] is None
    assert {point["mean"] for point in twelve["points"]} == {None}
    quarter = await spc_of(client, perf, "SP2", until="2025-26-Q1")
    assert [point["period"] for point in quarter["points"]][-1] == "2025-06"
    # Fifteen points: the mean (2.07) is above every point after the 10, a run of concern.
    assert quarter["variation_icon"] == "concern_low"


@pytest.mark.parametrize(
    ("polarity", "direction", "fifth"),
    [
        ("higher_is_better", "increase", "improvement"),
        ("lower_is_better", "decrease", "concern"),
        ("within_range", "neutral", "neutral"),
        ("none", "neutral", "neutral"),
    ],
)
async def test_the_improvement_direction_comes_from_the_polarity(
    client: AsyncClient,
    factory: Factory,
    perf: Headers,
    polarity: str,
    direction: str,
    fifth: str,
) -> None:
    await monthly(client, factory, perf, "SP3", WORKED, polarity=polarity)
    result = await spc_of(client, perf, "SP3")
    assert result["improvement_direction"] == direction
    assert result["points"][4]["type"] == fifth
    assert result["assurance_icon"] is None


async def test_the_target_is_the_latest_of_the_indicators_own_frequency(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await monthly(client, factory, perf, "TG1", WORKED, polarity="higher_is_better")
    await set_target(client, perf, "TG1", "2024-05", value=1)
    await set_target(client, perf, "TG1", "2025-06", value=20)
    await set_target(client, perf, "TG1", "2025-12", value=99)  # after the last value
    await set_target(client, perf, "TG1", "2025-26", value=50)  # another kind
    result = await spc_of(client, perf, "TG1")
    assert result["target"] == 20
    assert result["assurance_icon"] == "consistent_fail"
    assert (await spc_of(client, perf, "TG1", until="2025-03"))["target"] == 1


async def test_a_rate_without_monthly_targets_is_held_to_its_year_target(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await monthly(client, factory, perf, "TG2", WORKED, polarity="lower_is_better")
    await set_target(client, perf, "TG2", "2025-26", value=-5)
    result = await spc_of(client, perf, "TG2")
    assert (result["target"], result["assurance_icon"]) == (-5, "consistent_fail")

    # A summed count's year target is a total, not a standard for each month.
    await monthly(
        client,
        factory,
        perf,
        "TG3",
        WORKED,
        polarity="lower_is_better",
        value_type="count",
        aggregation="sum",
    )
    await set_target(client, perf, "TG3", "2025-26", value=12)
    summed = await spc_of(client, perf, "TG3")
    assert (summed["target"], summed["assurance_icon"]) == (None, None)


async def test_an_indicator_with_no_values_has_an_empty_chart(
    client: AsyncClient, perf: Headers
) -> None:
    await create_indicator(client, perf, "EMPTY")
    result = await spc_of(client, perf, "EMPTY")
    assert (result["points"], result["variation_icon"], result["assurance_icon"]) == (
        [],
        None,
        None,
    )


async def test_who_may_read_an_indicators_spc(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await monthly(client, factory, perf, "SP4", WORKED, polarity="higher_is_better")
    councillor = (await person(factory, Role.COUNCILLOR)).headers
    assert len((await spc_of(client, councillor, "SP4"))["points"]) == 18
    for path in ("spc", "spc-settings", "chart.svg"):
        url = f"{INDICATORS}/SP4/{path}"
        anonymous = await client.get(url)
        assert_problem(anonymous, 401)
        assert anonymous.headers["www-authenticate"] == "Bearer"
        assert_problem(await client.get(url, headers=(await person(factory)).headers), 403)
        assert_problem(await client.get(f"{INDICATORS}/NOPE/{path}", headers=perf), 404)


async def test_bad_query_parameters(client: AsyncClient, factory: Factory, perf: Headers) -> None:
    await monthly(client, factory, perf, "SP5", WORKED[:3])
    for path in ("spc", "chart.svg"):
        url = f"{INDICATORS}/SP5/{path}"
        assert_invalid(await client.get(url, params={"run_length": 5}, headers=perf), "run_length")
        assert_invalid(
            await client.get(url, params={"screen_outliers": "maybe"}, headers=perf),
            "screen_outliers",
        )
        assert_problem(await client.get(url, params={"until": "2025-26-Q5"}, headers=perf), 404)


# Stored settings ----------------------------------------------------------------------------


async def put_settings(
    client: AsyncClient, headers: Headers, code: str, body: dict[str, Any], **extra: str
) -> Any:
    return await client.put(
        f"{INDICATORS}/{code}/spc-settings", json=body, headers={**headers, **extra}
    )


async def test_settings_round_trip_and_shape_the_chart(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    values = [1, 2] * 7 + [11, 12] * 5
    await monthly(client, factory, perf, "ST1", values, polarity="higher_is_better")
    url = f"{INDICATORS}/ST1/spc-settings"

    initial = await client.get(url, headers=perf)
    assert initial.status_code == 200
    assert initial.headers["etag"] == '"0"'
    assert initial.json() == {
        "indicator_code": "ST1",
        "recalculate_at": [],
        "run_length": 6,
        "screen_outliers": False,
        "baseline": None,
        "updated_at": None,
    }

    body = {
        "recalculate_at": [
            {"period": "2025-06", "reason": "New triage service"},
            {"period": "2025-02", "reason": "Winter pressures"},
        ],
        "run_length": 7,
        "screen_outliers": True,
    }
    saved = await put_settings(client, perf, "ST1", body, **{"If-Match": '"0"'})
    assert saved.status_code == 200, saved.text
    assert saved.headers["etag"] == '"1"'
    stored = saved.json()
    # Kept in period order.
    assert [point["period"] for point in stored["recalculate_at"]] == ["2025-02", "2025-06"]
    assert stored["recalculate_at"][1]["reason"] == "New triage service"
    assert (stored["run_length"], stored["screen_outliers"], stored["baseline"]) == (7, True, None)
    assert stored["updated_at"] is not None
    read = await client.get(url, headers=perf)
    assert (read.json(), read.headers["etag"]) == (stored, '"1"')

    chart = await spc_of(client, perf, "ST1")
    assert (chart["run_length"], chart["screen_outliers"]) == (7, True)
    assert chart["recalculate_at"] == ["2025-02", "2025-06"]
    means = [point["mean"] for point in chart["points"]]
    assert means[:14] == [pytest.approx(1.5)] * 14
    assert means[14:] == [pytest.approx(11.5)] * 10

    # Audited, with the reason for each recalculation.
    auditor = (await person(factory, Role.AUDITOR)).headers
    events = await client.get(
        f"{API}/audit-events", params={"entity_type": "indicator_spc_setting"}, headers=auditor
    )
    [audited] = events.json()["items"]
    assert (audited["entity_id"], audited["before"]) == ("ST1", None)
    assert audited["after"]["recalculate_at"][1]["reason"] == "New triage service"

    # A baseline instead of recalculation points.
    fixed = await put_settings(client, perf, "ST1", {"baseline": 14}, **{"If-Match": '"1"'})
    assert fixed.status_code == 200, fixed.text
    assert fixed.headers["etag"] == '"2"'
    chart = await spc_of(client, perf, "ST1")
    assert chart["baseline"] == 14
    assert chart["recalculate_at"] == []
    assert [point["mean"] for point in chart["points"]] == [pytest.approx(1.5)] * 24
    assert chart["variation_icon"] == "improvement_high"


async def test_a_recalculation_before_its_data_is_not_applied_yet(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await monthly(client, factory, perf, "ST2", WORKED)
    for period in ("2025-09", "2025-12", "2024-04"):  # the last month, later, the first
        body = {"recalculate_at": [{"period": period, "reason": "Change"}]}
        assert (await put_settings(client, perf, "ST2", body)).status_code == 200
        chart = await spc_of(client, perf, "ST2")
        assert chart["recalculate_at"] == []
        assert len({point["mean"] for point in chart["points"]}) == 1


async def test_settings_need_indicators_write_over_the_indicators_unit(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await create_indicator(client, perf, "ST3")  # owned by HOU
    body = {"run_length": 7}
    for role, unit in (
        (Role.HEAD_OF_SERVICE, "WST"),
        (Role.STAFF, "HOU"),
        (Role.COUNCILLOR, None),
        (Role.AUDITOR, None),
    ):
        headers = (await person(factory, role, unit)).headers
        assert_problem(await put_settings(client, headers, "ST3", body), 403)
    assert_problem(await client.put(f"{INDICATORS}/ST3/spc-settings", json=body), 401)
    assert_problem(await put_settings(client, perf, "NOPE", body), 404)
    head = (await person(factory, Role.HEAD_OF_SERVICE, "HOU")).headers
    assert (await put_settings(client, head, "ST3", body)).status_code == 200


async def test_settings_honour_if_match(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await create_indicator(client, perf, "ST4")
    assert_problem(await put_settings(client, perf, "ST4", {}, **{"If-Match": '"3"'}), 412)
    assert (await put_settings(client, perf, "ST4", {}, **{"If-Match": "*"})).status_code == 200
    stale = await put_settings(client, perf, "ST4", {"run_length": 7}, **{"If-Match": '"0"'})
    assert_problem(stale, 412)
    assert (await client.get(f"{INDICATORS}/ST4/spc-settings", headers=perf)).json()[
        "run_length"
    ] == 6


async def test_settings_go_with_a_deleted_indicator(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await create_indicator(client, perf, "ST6")
    assert (await put_settings(client, perf, "ST6", {"run_length": 7})).status_code == 200
    deleted = await client.delete(f"{INDICATORS}/ST6", headers=perf)
    assert deleted.status_code == 204  # it never had a value
    await create_indicator(client, perf, "ST6")
    settings = await client.get(f"{INDICATORS}/ST6/spc-settings", headers=perf)
    assert (settings.json()["run_length"], settings.headers["etag"]) == (6, '"0"')


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"run_length": 5}, "run_length"),
        ({"run_length": "6"}, "run_length"),
        ({"screen_outliers": "yes please"}, "screen_outliers"),
        ({"baseline": 1}, "baseline"),
        ({"baseline": "12"}, "baseline"),
        ({"colour": "blue"}, "colour"),
        ({"recalculate_at": [{"period": "2025-06"}]}, "reason"),
        ({"recalculate_at": [{"period": "2025-06", "reason": ""}]}, "reason"),
        ({"recalculate_at": [{"period": "2025-06", "reason": "x", "by": "me"}]}, "by"),
        ({"recalculate_at": ["2025-06"]}, "recalculate_at"),
        ({"recalculate_at": [{"period": "2025-06", "reason": "x"}] * 2}, "recalculate_at"),
        ({"recalculate_at": [{"period": "June", "reason": "x"}]}, "period"),
        ({"recalculate_at": [{"period": "2025-26-Q1", "reason": "x"}]}, "period"),
        ({"recalculate_at": [{"period": "2025-06", "reason": "x"}], "baseline": 12}, "body"),
    ],
)
async def test_invalid_settings_are_422(
    client: AsyncClient, factory: Factory, perf: Headers, body: dict[str, Any], field: str
) -> None:
    await create_indicator(client, perf, "ST5", frequency="monthly")
    assert_invalid(await put_settings(client, perf, "ST5", body), field)


# The SVG chart ------------------------------------------------------------------------------


async def test_the_chart_is_an_accessible_stable_svg(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await monthly(
        client, factory, perf, "CH1", WORKED, polarity="higher_is_better", title="Repairs & <fixes>"
    )
    await set_target(client, perf, "CH1", "2025-09", value=3)
    url = f"{INDICATORS}/CH1/chart.svg"

    response = await client.get(url, headers=perf)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/svg+xml"
    svg = response.text
    assert svg.startswith("<?xml")
    assert '<title id="spc-CH1-title">CH1 Repairs &amp; &lt;fixes&gt;: XmR chart</title>' in svg
    assert '<desc id="spc-CH1-desc">18 approved values from 2024-04 to 2025-09.' in svg
    assert "Special cause points: 2024-08." in svg
    assert 'role="img"' in svg
    assert "2025-09" in svg  # period labels are text
    assert "#289de0" in svg  # the improvement point's colour
    assert (await client.get(url, headers=perf)).text == svg  # byte for byte

    overridden = await client.get(
        url, params={"run_length": 7, "screen_outliers": True}, headers=perf
    )
    assert overridden.status_code == 200
    assert overridden.text != svg

    short = await client.get(url, params={"until": "2024-06"}, headers=perf)
    assert "Fewer than 13 values" in short.text


async def test_a_chart_with_no_values(client: AsyncClient, perf: Headers) -> None:
    await create_indicator(client, perf, "CH2")
    response = await client.get(f"{INDICATORS}/CH2/chart.svg", headers=perf)
    assert response.status_code == 200
    assert "No approved values yet." in response.text


# Icons and forecasts on statuses and the scorecard ------------------------------------------


async def test_statuses_carry_the_icons_from_13_points(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await monthly(client, factory, perf, "IC1", WORKED, polarity="higher_is_better")
    await set_target(client, perf, "IC1", "2025-06", value=3)
    await set_target(client, perf, "IC1", "2025-07", value=3)

    july = await status_of(client, perf, "IC1", "2025-07")  # 16 points
    assert (july["variation_icon"], july["assurance_icon"]) == ("common_cause", "hit_and_miss")
    # The quarter's status reads the months up to its end (15, running below their mean).
    quarter = await status_of(client, perf, "IC1", "2025-26-Q1")
    assert (quarter["variation_icon"], quarter["assurance_icon"]) == ("concern_low", "hit_and_miss")
    twelve = await status_of(client, perf, "IC1", "2025-03")
    assert (twelve["variation_icon"], twelve["assurance_icon"]) == (None, None)

    # The stored settings apply: screening narrows the limits below the target.
    await put_settings(client, perf, "IC1", {"screen_outliers": True, "run_length": 7})
    await set_target(client, perf, "IC1", "2025-07", value=5)
    screened = await status_of(client, perf, "IC1", "2025-07")
    assert screened["assurance_icon"] == "consistent_fail"


async def test_scorecard_rows_carry_icons_in_a_fixed_number_of_statements(
    client: AsyncClient,
    factory: Factory,
    perf: Headers,
    engine: AsyncEngine,
    status_cache: StatusCache,
) -> None:
    async def count() -> tuple[int, dict[str, Any]]:
        status_cache.clear()
        with statements(engine) as seen:
            response = await client.get(SCORECARD, params={"period": "2025-09"}, headers=perf)
        assert response.status_code == 200, response.text
        return len(seen), response.json()

    await monthly(client, factory, perf, "SC0", WORKED, polarity="higher_is_better")
    few, _ = await count()
    for number in range(1, 6):
        polarity = "lower_is_better" if number % 2 else "none"
        await monthly(client, factory, perf, f"SC{number}", WORKED, polarity=polarity)
    await put_settings(client, perf, "SC1", {"baseline": 14})
    many, card = await count()

    assert many == few
    icons = {row["indicator_code"]: row["variation_icon"] for row in card["rows"]}
    assert icons == {
        "SC0": "common_cause",
        # Its 14-point baseline includes the 10, so the later points run below its mean.
        "SC1": "improvement_low",
        "SC2": "common_cause",
        "SC3": "common_cause",
        "SC4": "common_cause",
        "SC5": "common_cause",
    }


@contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


Q1, Q2, Q3, Q4 = (f"2025-26-Q{q}" for q in (1, 2, 3, 4))


async def test_a_summed_measure_is_forecast_at_its_run_rate(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await create_indicator(
        client,
        perf,
        "FC1",
        frequency="monthly",
        value_type="count",
        decimal_places=0,
        aggregation="sum",
    )
    await set_target(client, perf, "FC1", "2025-26", value=250)
    await seed_approved(factory, "FC1", {"2025-04": 10, "2025-05": 20, "2025-06": 30})

    status = await status_of(client, perf, "FC1", Q1)
    # 60 in three months: 240 over twelve, 4% short of 250: green within 5%.
    assert status["forecast"] == {"value": 240, "method": "run_rate", "rag": "green"}
    may = await status_of(client, perf, "FC1", "2025-05")
    assert may["forecast"] == {"value": 180, "method": "run_rate", "rag": "red"}


async def test_other_measures_follow_a_bounded_trend(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await create_indicator(client, perf, "FC2")  # quarterly percentage, mean, 1 dp
    await set_target(client, perf, "FC2", "2025-26", value=100)
    await seed_approved(factory, "FC2", {Q1: 80, Q2: 95})

    status = await status_of(client, perf, "FC2", Q2)
    # Q3 110 and Q4 125 are held to 100%: (80 + 95 + 100 + 100) / 4; 6.25% short of 100.
    assert status["forecast"] == {"value": 93.8, "method": "linear_trend", "rag": "amber"}
    # One quarter known: a flat line through it.
    q1 = await status_of(client, perf, "FC2", Q1)
    assert q1["forecast"] == {"value": 80, "method": "linear_trend", "rag": "red"}


async def test_the_year_target_may_be_combined_from_its_quarters(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await create_indicator(client, perf, "FC3")
    for quarter in (Q1, Q2, Q3, Q4):
        await set_target(client, perf, "FC3", quarter, value=80)
    await seed_approved(factory, "FC3", {Q1: 70, Q2: 80})
    status = await status_of(client, perf, "FC3", Q2)
    # The year's target (80, from its quarters) scaled by the year so far against its own
    # target (75 against 80): 75, 6.25% short.
    assert status["forecast"] == {"value": 75, "method": "target_profile", "rag": "amber"}

    # Without Q4's target there is no annual target to rate against, nor a profile to follow:
    # the trend (90, 100) gives (70 + 80 + 90 + 100) / 4 = 85.
    await create_indicator(client, perf, "FC4")
    for quarter in (Q1, Q2, Q3):
        await set_target(client, perf, "FC4", quarter, value=80)
    await seed_approved(factory, "FC4", {Q1: 70, Q2: 80})
    unrated = await status_of(client, perf, "FC4", Q2)
    assert unrated["forecast"] == {"value": 85, "method": "linear_trend", "rag": "data_only"}


async def test_a_complete_year_forecasts_its_actual_outturn(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await create_indicator(client, perf, "FC5", aggregation="ratio")
    await set_target(client, perf, "FC5", "2025-26", value=50)
    await seed_approved(
        factory,
        "FC5",
        {Q1: (10, 1, 10), Q2: (50, 5, 10), Q3: (90, 9, 10), Q4: (20, 20, 100)},
    )
    status = await status_of(client, perf, "FC5", Q4)
    # Pooled as the year to date is: 35 / 130, not the mean of the quarters (42.5).
    assert status["ytd"]["value"] == 26.9
    assert status["forecast"] == {"value": 26.9, "method": "actual", "rag": "red"}


async def test_no_forecast_without_a_value_in_the_year(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await create_indicator(client, perf, "FC6")
    await seed_approved(factory, "FC6", {"2024-25-Q4": 70})
    status = await status_of(client, perf, "FC6", Q1)
    assert status["forecast"] is None
    last_year = await status_of(client, perf, "FC6", "2024-25-Q4")
    assert last_year["forecast"] == {"value": 70, "method": "linear_trend", "rag": "data_only"}


async def test_scorecard_rows_carry_the_forecast(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await create_indicator(client, perf, "FC7", is_key=True)
    await set_target(client, perf, "FC7", "2025-26", value=80)
    await seed_approved(factory, "FC7", {Q1: 81})
    response = await client.get(SCORECARD, params={"period": Q1}, headers=perf)
    [row] = response.json()["rows"]
    assert row["forecast"] == {"value": 81, "method": "linear_trend", "rag": "green"}
    assert (row["variation_icon"], row["assurance_icon"]) == (None, None)


# Data quality: the outlier check uses the stored settings -----------------------------------


async def test_the_outlier_check_fits_the_limits_as_the_settings_say(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    values = [1, 2] * 7 + [11, 12, 11]  # a step change in June 2025
    await monthly(client, factory, perf, "DQ1", values, polarity="higher_is_better")
    auditor = (await person(factory, Role.AUDITOR)).headers

    async def outliers() -> list[str]:
        response = await client.get(
            f"{API}/data-quality/issues",
            params={"period": "2025-08", "type": "outlier"},
            headers=auditor,
        )
        assert response.status_code == 200, response.text
        return [issue["indicator_code"] for issue in response.json()["items"]]

    assert await outliers() == ["DQ1"]
    body = {"recalculate_at": [{"period": "2025-06", "reason": "New contractor"}]}
    assert (await put_settings(client, perf, "DQ1", body)).status_code == 200
    assert await outliers() == []
