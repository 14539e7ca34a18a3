"""GET|PUT /settings/rag: the council-wide default tolerance, which admins set at run time."""

from __future__ import annotations

import json
from typing import Any

import pytest
from httpx import AsyncClient

from app.access.permissions import Role
from tests.factories import Factory
from tests.helpers import INDICATORS, Headers, assert_invalid, assert_problem, person, seed_approved
from tests.indicators.helpers import create_indicator, set_target, status_of

RAG = "/api/v1/settings/rag"
Q1 = "2025-26-Q1"
START_UP_DEFAULT = {"unit": "percent", "green_within": 5, "amber_within": 10}


@pytest.fixture
async def admin(factory: Factory) -> Headers:
    return (await person(factory, Role.ADMIN)).headers


async def test_the_start_up_default_applies_until_an_admin_sets_one(
    client: AsyncClient, admin: Headers
) -> None:
    response = await client.get(RAG, headers=admin)
    assert response.status_code == 200, response.text
    assert response.json() == START_UP_DEFAULT
    assert response.headers["etag"] == '"0"'


async def test_an_admin_sets_the_default_and_everyone_signed_in_reads_it(
    client: AsyncClient, factory: Factory, admin: Headers
) -> None:
    body = {"unit": "absolute", "green_within": 0.5, "amber_within": 2}
    changed = await client.put(RAG, json=body, headers={**admin, "If-Match": '"0"'})
    assert changed.status_code == 200, changed.text
    assert changed.json() == body
    assert changed.headers["etag"] == '"1"'

    again = await client.put(RAG, json={**body, "green_within": 0}, headers=admin)
    assert again.headers["etag"] == '"2"'

    councillor = (await person(factory, Role.COUNCILLOR)).headers
    read = await client.get(RAG, headers=councillor)
    assert read.json() == {**body, "green_within": 0}
    assert read.headers["etag"] == '"2"'


@pytest.mark.parametrize(
    ("role", "unit"),
    [
        (Role.PERFORMANCE_TEAM, None),
        (Role.DIRECTOR, "PEO"),
        (Role.HEAD_OF_SERVICE, "HOU"),
        (Role.STAFF, "HOU"),
        (Role.COUNCILLOR, None),
        (Role.AUDITOR, None),
    ],
)
async def test_only_an_admin_changes_the_default(
    client: AsyncClient, factory: Factory, admin: Headers, role: Role, unit: str | None
) -> None:
    someone = (await person(factory, role, unit)).headers
    refused = await client.put(
        RAG, json={"unit": "percent", "green_within": 1, "amber_within": 2}, headers=someone
    )
    assert_problem(refused, 403)
    assert (await client.get(RAG, headers=admin)).json() == START_UP_DEFAULT


async def test_anonymous_gets_401(client: AsyncClient) -> None:
    for response in (
        await client.get(RAG),
        await client.put(RAG, json={"unit": "percent", "green_within": 1, "amber_within": 2}),
    ):
        assert_problem(response, 401)
        assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"unit": "percent", "green_within": 10, "amber_within": 5}, None),
        ({"unit": "percent", "green_within": -1, "amber_within": 5}, "green_within"),
        ({"unit": "percent", "green_within": 1, "amber_within": 2_000_000}, "amber_within"),
        ({"unit": "furlongs", "green_within": 1, "amber_within": 5}, "unit"),
        ({"unit": "percent", "green_within": "one", "amber_within": 5}, "green_within"),
        ({"unit": "percent", "green_within": "NaN", "amber_within": 5}, "green_within"),
        ({"unit": "percent", "green_within": 1, "amber_within": "Infinity"}, "amber_within"),
        ({"unit": "percent", "green_within": None, "amber_within": 5}, "green_within"),
        ({"unit": "percent", "green_within": 1}, "amber_within"),
        ({"unit": "percent", "green_within": 1, "amber_within": 5, "red_beyond": 9}, "red_beyond"),
        ({}, "unit"),
    ],
)
async def test_an_invalid_default_is_422_and_changes_nothing(
    client: AsyncClient, admin: Headers, body: dict[str, Any], field: str | None
) -> None:
    response = await client.put(RAG, json=body, headers=admin)
    if field is None:
        assert_invalid(response)
    else:
        assert_invalid(response, field)
    assert (await client.get(RAG, headers=admin)).json() == START_UP_DEFAULT


async def test_nan_literal_is_422(client: AsyncClient, admin: Headers) -> None:
    text = json.dumps({"unit": "percent", "green_within": 1, "amber_within": 5})
    response = await client.put(
        RAG,
        content=text.replace("1", "NaN").encode(),
        headers={**admin, "Content-Type": "application/json"},
    )
    assert_invalid(response, "green_within")


async def test_stale_if_match_is_412(client: AsyncClient, admin: Headers) -> None:
    body = {"unit": "percent", "green_within": 1, "amber_within": 5}
    first = await client.put(RAG, json=body, headers={**admin, "If-Match": '"0"'})
    assert first.status_code == 200, first.text
    stale = await client.put(
        RAG, json={**body, "green_within": 2}, headers={**admin, "If-Match": '"0"'}
    )
    assert_problem(stale, 412)
    assert (await client.get(RAG, headers=admin)).json() == body


async def test_the_default_rates_indicators_without_a_tolerance_of_their_own(
    client: AsyncClient, factory: Factory, admin: Headers
) -> None:
    await factory.financial_year(2025)
    perf = (await person(factory, Role.PERFORMANCE_TEAM)).headers
    await create_indicator(client, perf, "DEF", tolerance=None)
    await create_indicator(client, perf, "OWN")
    for code in ("DEF", "OWN"):
        await set_target(client, perf, code, Q1, value=80)
        await seed_approved(factory, code, {Q1: 78})  # 2 points, 2.5%, short

    async def rags() -> tuple[str, str]:
        return (
            (await status_of(client, perf, "DEF", Q1))["rag"],
            (await status_of(client, perf, "OWN", Q1))["rag"],
        )

    assert await rags() == ("green", "green")
    await client.put(
        RAG, json={"unit": "absolute", "green_within": 1, "amber_within": 3}, headers=admin
    )
    assert await rags() == ("amber", "green")
    await client.put(
        RAG, json={"unit": "percent", "green_within": 0, "amber_within": 2}, headers=admin
    )
    assert await rags() == ("red", "green")

    # An indicator that gives up its own tolerance falls back on the default.
    reverted = await client.patch(f"{INDICATORS}/OWN", json={"tolerance": None}, headers=perf)
    assert reverted.status_code == 200, reverted.text
    assert await rags() == ("red", "red")
    card = await client.get("/api/v1/reports/scorecard", params={"period": Q1}, headers=perf)
    assert card.json()["summary"]["red"] == 2
