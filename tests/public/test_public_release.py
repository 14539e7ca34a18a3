"""public_release after_board_date: a period's figures stay off the public pages until its
Performance Board has met; on_approval (the default) publishes them once approved."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from httpx import AsyncClient

from app.access.permissions import Role
from app.core import clock
from tests.factories import Factory
from tests.helpers import API, assert_problem, person, seed_approved
from tests.indicators.helpers import create_indicator, set_target

Q1 = "2025-26-Q1"


@pytest.fixture
def before_the_board() -> Iterator[None]:
    """A day after Q1 ends and before its board date (three weeks after the quarter end)."""
    clock.freeze(datetime(2025, 7, 10, 9, 0, tzinfo=UTC))
    yield
    clock.freeze(None)


async def test_the_public_scorecard_hides_a_period_until_its_board_date_when_so_set(
    client: AsyncClient, factory: Factory, before_the_board: None
) -> None:
    await factory.financial_year(2025)
    perf = (await person(factory, Role.PERFORMANCE_TEAM)).headers
    admin = (await person(factory, Role.ADMIN)).headers
    await create_indicator(client, perf, "PUB", is_public=True, frequency="quarterly")
    await set_target(client, perf, "PUB", Q1, value=80)
    await seed_approved(factory, "PUB", {Q1: 81})
    board_date = (await client.get(f"{API}/periods/{Q1}", headers=perf)).json()["board_date"]
    assert board_date > "2025-07-10"

    shown = await client.get(f"{API}/public/scorecard", params={"period": Q1})
    assert shown.status_code == 200, shown.text
    assert [row["indicator_code"] for row in shown.json()["rows"]] == ["PUB"]

    settings = {"name": "Borsetshire", "public_release": "after_board_date"}
    assert (await client.put(f"{API}/settings/council", json=settings, headers=admin)).is_success
    assert_problem(await client.get(f"{API}/public/scorecard", params={"period": Q1}), 404)
    detail = await client.get(f"{API}/public/indicators/PUB")
    assert detail.status_code == 200, detail.text
    assert detail.json()["series"] == []
    # Officers still see the figures.
    inside = await client.get(f"{API}/reports/scorecard", params={"period": Q1}, headers=perf)
    assert inside.json()["rows"][0]["value"] == 81

    clock.freeze(datetime.fromisoformat(board_date + "T09:00:00+00:00"))
    released = await client.get(f"{API}/public/scorecard", params={"period": Q1})
    assert released.status_code == 200, released.text
    assert released.json()["rows"][0]["value"] == 81
    series = (await client.get(f"{API}/public/indicators/PUB")).json()["series"]
    assert [point["period"] for point in series] == [Q1]


async def test_the_public_scorecard_as_csv_names_the_open_government_licence(
    client: AsyncClient, factory: Factory
) -> None:
    await factory.financial_year(2025)
    perf = (await person(factory, Role.PERFORMANCE_TEAM)).headers
    await create_indicator(client, perf, "PUB", is_public=True, frequency="quarterly")
    await set_target(client, perf, "PUB", Q1, value=80)
    await seed_approved(factory, "PUB", {Q1: 81})
    response = await client.get(f"{API}/public/scorecard", params={"period": Q1, "format": "csv"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "open-government-licence/version/3" in response.headers["link"]
    assert 'rel="license"' in response.headers["link"]
    header, line = response.text.splitlines()[:2]
    assert header.startswith("indicator_code,")
    assert "direction_vs_previous" in header
    assert line.startswith("PUB,")
    again = await client.get(
        f"{API}/public/scorecard",
        params={"period": Q1, "format": "csv"},
        headers={"If-None-Match": response.headers["etag"]},
    )
    assert again.status_code == 304
    json_answer = await client.get(f"{API}/public/scorecard", params={"period": Q1})
    assert "open-government-licence" in json_answer.headers["link"]


async def test_data_quality_issues_as_csv(client: AsyncClient, factory: Factory) -> None:
    await factory.financial_year(2025)
    perf = (await person(factory, Role.PERFORMANCE_TEAM)).headers
    await create_indicator(client, perf, "NOVAL", frequency="quarterly")
    params = {"period": Q1}
    issues = (await client.get(f"{API}/data-quality/issues", params=params, headers=perf)).json()[
        "items"
    ]
    response = await client.get(
        f"{API}/data-quality/issues", params={**params, "format": "csv"}, headers=perf
    )
    assert response.status_code == 200, response.text
    lines = response.text.splitlines()
    assert len(lines) == len(issues) + 1
    assert set(issues[0]) <= set(lines[0].split(","))
