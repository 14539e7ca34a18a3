"""Nothing a client sends is silently ignored: the is_national filter filters, and a workflow
step that takes no fields refuses any (an approval note is not stored, so it is not taken)."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient

from app.access.permissions import Role
from tests.factories import Factory
from tests.helpers import INDICATORS, Headers, assert_invalid, person
from tests.indicators.helpers import create_indicator, save_value, step

Q1 = "2025-26-Q1"


@pytest.fixture
async def perf(factory: Factory) -> Headers:
    await factory.financial_year(2025)
    return await factory.headers(Role.PERFORMANCE_TEAM)


async def codes(client: AsyncClient, headers: Headers, **params: Any) -> list[str]:
    response = await client.get(INDICATORS, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return [item["code"] for item in response.json()["items"]]


async def test_the_is_national_filter_keeps_only_national_or_only_local_measures(
    client: AsyncClient, perf: Headers
) -> None:
    await create_indicator(client, perf, "NAT1", is_national=True)
    await create_indicator(client, perf, "LOC1")
    await create_indicator(client, perf, "NAT2", is_national=True, is_key=True)

    assert await codes(client, perf, is_national="true") == ["NAT1", "NAT2"]
    assert await codes(client, perf, is_national="false") == ["LOC1"]
    assert await codes(client, perf) == ["LOC1", "NAT1", "NAT2"]
    assert await codes(client, perf, is_national="true", is_key="true") == ["NAT2"]
    assert_invalid(
        await client.get(INDICATORS, params={"is_national": "maybe"}, headers=perf),
        "is_national",
    )


async def test_an_approval_with_a_note_is_refused_as_an_unknown_field_and_nothing_changes(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    head = (await person(factory, Role.HEAD_OF_SERVICE, "HOU")).headers
    await create_indicator(client, perf, "AP1")
    assert (await save_value(client, head, "AP1", Q1, value=80)).status_code == 201
    assert_invalid(await step(client, head, "AP1", Q1, "submit", note="done"), ["body", "note"])
    assert (await step(client, head, "AP1", Q1, "submit")).status_code == 200

    refused = await step(client, perf, "AP1", Q1, "approve", note="ok")
    assert_invalid(refused, ["body", "note"])
    value = await client.get(f"{INDICATORS}/AP1/values/{Q1}", headers=perf)
    assert value.json()["status"] == "submitted"

    # No body, or an empty object, is an approval.
    approved = await client.post(f"{INDICATORS}/AP1/values/{Q1}/approve", json={}, headers=perf)
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"


async def test_an_approval_with_a_body_that_is_not_an_object_is_422(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    head = (await person(factory, Role.HEAD_OF_SERVICE, "HOU")).headers
    await create_indicator(client, perf, "AP2")
    assert (await save_value(client, head, "AP2", Q1, value=80)).status_code == 201
    assert (await step(client, head, "AP2", Q1, "submit")).status_code == 200
    for body in (["ok"], "ok", 1):
        response = await client.post(
            f"{INDICATORS}/AP2/values/{Q1}/approve", json=body, headers=perf
        )
        assert_invalid(response)
    assert (await step(client, perf, "AP2", Q1, "approve")).status_code == 200
