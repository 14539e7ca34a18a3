"""Bulk targets: JSON or CSV, all or nothing by default, idempotent, in scope only, and every
change kept in the target's history with who, when and why."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import select

from app.access.permissions import Role
from app.core.db import unit_of_work
from app.events.models import OutboxEvent
from tests.factories import Factory
from tests.helpers import INDICATORS, Person, assert_problem, audit_total, create_indicator, person

BATCH = "/api/v1/targets/batch"


def items(body: Any) -> list[Any]:
    """A list answer, bare or in the paged envelope."""
    return list(body["items"] if isinstance(body, dict) else body)


@pytest.fixture
async def perf(client: AsyncClient, factory: Factory) -> Person:
    await factory.financial_year(2025)
    perf = await person(factory, Role.PERFORMANCE_TEAM)
    await create_indicator(client, perf.headers, "TB1")  # quarterly %, higher is better
    await create_indicator(
        client, perf.headers, "TB2", value_type="number", polarity="within_range"
    )
    await create_indicator(client, perf.headers, "TB3", org_unit_code="WST")
    return perf


async def test_a_json_batch_sets_and_changes_targets_keeping_their_history(
    client: AsyncClient, perf: Person
) -> None:
    first = await client.post(
        BATCH,
        json={
            "items": [
                {"indicator_code": "TB1", "period": "2025-26-Q1", "value": 80, "floor": 70},
                {"indicator_code": "TB2", "period": "2025-26-Q1", "lower": 10, "upper": 20},
            ]
        },
        headers=perf.headers,
    )
    assert first.status_code == 200, first.text
    assert first.json()["summary"] == {"created": 2, "updated": 0, "unchanged": 0, "error": 0}

    second = await client.post(
        BATCH,
        json={
            "items": [
                {
                    "indicator_code": "TB1",
                    "period": "2025-26-Q1",
                    "value": "82.5",
                    "floor": 70,
                    "reason": "Stretch",
                },
                {"indicator_code": "TB2", "period": "2025-26-Q1", "lower": 10, "upper": 20},
            ]
        },
        headers=perf.headers,
    )
    assert second.json()["summary"] == {"created": 0, "updated": 1, "unchanged": 1, "error": 0}
    target = await client.get(f"{INDICATORS}/TB1/targets/2025-26-Q1", headers=perf.headers)
    assert (target.json()["value"], target.json()["reason"]) == (82.5, "Stretch")
    assert target.headers["etag"] == '"2"'
    history = items(
        (
            await client.get(f"{INDICATORS}/TB1/targets/2025-26-Q1/history", headers=perf.headers)
        ).json()
    )
    assert [(h["value"], h["reason"], h["changed_by_id"]) for h in history] == [
        (82.5, "Stretch", str(perf.id)),
        (80, None, str(perf.id)),
    ]
    # A change by hand afterwards carries on the same history.
    put = await client.put(
        f"{INDICATORS}/TB1/targets/2025-26-Q1",
        json={"value": 83, "reason": "By hand"},
        headers={**perf.headers, "If-Match": '"2"'},
    )
    assert put.status_code == 200, put.text


async def test_a_csv_with_one_bad_line_is_refused_whole_and_names_the_line(
    client: AsyncClient, perf: Person, factory: Factory
) -> None:
    admin = (await person(factory, Role.ADMIN)).headers
    before = await audit_total(client, admin)
    csv = (
        "indicator_code,period,value,lower,upper,floor,reason\n"
        "TB1,2025-26-Q1,80,,,70,Plan\n"
        "TB1,2025-26-Q2,120,,,,Too high for a percentage\n"
        "TB2,2025-26-Q1,,10,20,,Band\n"
    )

    response = await client.post(
        BATCH, content=csv, headers={**perf.headers, "Content-Type": "text/csv"}
    )

    problem = assert_problem(response, 422)
    assert [(r["line"], r["errors"][0]["loc"]) for r in problem["results"]] == [(3, ["value"])]
    assert (
        await client.get(f"{INDICATORS}/TB1/targets/2025-26-Q1", headers=perf.headers)
    ).status_code == 404
    assert await audit_total(client, admin) == before


async def test_a_partial_csv_stores_the_valid_lines(client: AsyncClient, perf: Person) -> None:
    csv = "indicator_code,period,value\nTB1,2025-26-Q1,80\nTB1,2025-04,81\nNOPE,2025-26-Q1,1\n"

    response = await client.post(
        BATCH,
        content=csv,
        params={"atomic": "false"},
        headers={**perf.headers, "Content-Type": "text/csv"},
    )

    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [(r["line"], r["outcome"]) for r in results] == [
        (2, "created"),
        (3, "error"),
        (4, "error"),
    ]
    assert results[1]["errors"][0]["type"] == "wrong_period_kind"


async def test_a_retry_with_the_same_idempotency_key_replays_the_answer(
    client: AsyncClient, perf: Person
) -> None:
    body = {"items": [{"indicator_code": "TB1", "period": "2025-26", "value": 80}]}
    headers = {**perf.headers, "Idempotency-Key": "targets-1"}

    first = await client.post(BATCH, json=body, headers=headers)
    again = await client.post(BATCH, json=body, headers=headers)
    other = await client.post(
        BATCH, json={"items": [{**body["items"][0], "value": 81}]}, headers=headers
    )

    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert_problem(other, 422)


async def test_targets_outside_ones_scope_are_403_and_nothing_is_stored(
    client: AsyncClient, perf: Person, factory: Factory
) -> None:
    head = await person(factory, Role.HEAD_OF_SERVICE, "HOU")
    staff = await person(factory, Role.STAFF, "HOU")
    body = {
        "items": [
            {"indicator_code": "TB1", "period": "2025-26-Q1", "value": 80},
            {"indicator_code": "TB3", "period": "2025-26-Q1", "value": 80},
        ]
    }

    assert_problem(await client.post(BATCH, json=body, headers=head.headers), 403)
    assert_problem(await client.post(BATCH, json=body, headers=staff.headers), 403)
    assert_problem(await client.post(BATCH, json=body), 401)
    assert (
        await client.get(f"{INDICATORS}/TB1/targets/2025-26-Q1", headers=perf.headers)
    ).status_code == 404


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"items": [{"indicator_code": "TB1", "period": "2025-26-Q1"}]}, 422),
        (
            {"items": [{"indicator_code": "TB1", "period": "2025-26-Q1", "value": 1, "lower": 0}]},
            422,
        ),
        ({"items": [{"indicator_code": "TB2", "period": "2025-26-Q1", "value": 1}]}, 422),
        (
            {"items": [{"indicator_code": "TB1", "period": "2025-26-Q1", "value": 1, "colour": 1}]},
            422,
        ),
        ({"items": "TB1"}, 422),
        ({"items": [], "submit": True}, 422),
    ],
)
async def test_bad_items_are_named_problems(
    client: AsyncClient, perf: Person, body: dict[str, Any], status: int
) -> None:
    assert_problem(await client.post(BATCH, json=body, headers=perf.headers), status)


async def test_targets_set_in_bulk_are_announced_as_targets_set_by_hand(
    client: AsyncClient, perf: Person, factory: Factory
) -> None:
    async def announced() -> list[tuple[str, dict[str, Any]]]:
        async with unit_of_work(factory.sessionmaker) as session:
            events = await session.scalars(select(OutboxEvent).order_by(OutboxEvent.occurred_at))
            return [(e.event_type, e.payload["data"]) for e in events]

    before = len(await announced())
    pushed = await client.post(
        BATCH,
        json={"items": [{"indicator_code": "TB1", "period": "2025-26-Q1", "value": 80}]},
        headers=perf.headers,
    )
    assert pushed.status_code == 200, pushed.text
    by_hand = await client.put(
        f"{INDICATORS}/TB3/targets/2025-26-Q1", json={"value": 80}, headers=perf.headers
    )
    assert by_hand.status_code == 201, by_hand.text
    # An unchanged target is not news.
    again = await client.post(
        BATCH,
        json={"items": [{"indicator_code": "TB1", "period": "2025-26-Q1", "value": 80}]},
        headers=perf.headers,
    )
    assert again.json()["summary"]["unchanged"] == 1

    events = sorted(
        (data["indicator_code"], kind, data) for kind, data in (await announced())[before:]
    )
    assert [(code, kind) for code, kind, _ in events] == [
        ("TB1", "status.changed"),
        ("TB1", "target.changed"),
        ("TB3", "status.changed"),
        ("TB3", "target.changed"),
    ]
    bulk, hand = events[1][2], events[3][2]
    assert bulk.keys() == hand.keys()
    assert {key: bulk[key] for key in ("period", "value", "set_by_name", "created")} == {
        key: hand[key] for key in ("period", "value", "set_by_name", "created")
    }
