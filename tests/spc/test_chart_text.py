"""Titles and units on charts are plain text: a "$" is a dollar sign, never mathtext or TeX."""

from __future__ import annotations

import pytest
from httpx import AsyncClient

from app.access.permissions import Role
from tests.factories import Factory
from tests.helpers import API, INDICATORS, Headers, person, seed_approved
from tests.indicators.helpers import create_indicator

MONTHS = [f"2024-{m:02d}" for m in range(4, 13)] + [f"2025-{m:02d}" for m in range(1, 7)]
TITLE = r"Cost per bin $\foo$ and $x^2$"


@pytest.fixture
async def perf(factory: Factory) -> Headers:
    await factory.financial_year(2024)
    await factory.financial_year(2025)
    return (await person(factory, Role.PERFORMANCE_TEAM)).headers


async def dollar_indicator(client: AsyncClient, factory: Factory, perf: Headers) -> None:
    await create_indicator(
        client,
        perf,
        "BIN1",
        title=TITLE,
        unit="$ per bin",
        frequency="monthly",
        value_type="number",
        aggregation="mean",
        is_key=True,
    )
    await seed_approved(factory, "BIN1", {month: 3 + (i % 4) for i, month in enumerate(MONTHS)})


async def test_a_dollar_in_a_title_is_drawn_as_text_on_the_chart(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await dollar_indicator(client, factory, perf)
    response = await client.get(f"{INDICATORS}/BIN1/chart.svg", headers=perf)
    assert response.status_code == 200, response.text
    svg = response.text
    # The drawn title and the y label keep their dollars, backslash and caret as typed.
    assert "BIN1 Cost per bin $\\foo$ and $x^2$</text>" in svg
    assert "$ per bin</text>" in svg


async def test_a_dollar_in_a_key_indicators_title_leaves_the_board_pack_whole(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await dollar_indicator(client, factory, perf)
    response = await client.get(
        f"{API}/reports/board-pack", params={"period": "2025-26-Q1", "format": "html"}, headers=perf
    )
    assert response.status_code == 200, response.text
    assert "Cost per bin $\\foo$ and $x^2$" in response.text
