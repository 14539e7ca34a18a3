"""Closing a period cleanly: refused with what is outstanding, unless forced with a reason that
the audit trail keeps; and period dates that must come in order."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient

from app.access.permissions import Role
from tests.cycle.helpers import AFTER_Q1_DUE, approve, audit_events, frozen, save, step
from tests.factories import Factory
from tests.helpers import API, Headers, assert_invalid, assert_problem, create_indicator

PERIODS = f"{API}/periods"
Q1 = "2025-26-Q1"
FORCE = {"force": True, "reason": "Board agreed to close with ASC02 outstanding"}


async def close(client: AsyncClient, headers: Headers, period: str, body: Any = None) -> Any:
    return await client.post(f"{PERIODS}/{period}/close", json=body, headers=headers)


async def status_of(client: AsyncClient, headers: Headers, period: str) -> str:
    response = await client.get(f"{PERIODS}/{period}", headers=headers)
    assert response.status_code == 200, response.text
    found: str = response.json()["status"]
    return found


async def test_closing_with_figures_outstanding_is_409_naming_each_and_changes_nothing(
    client: AsyncClient, factory: Factory
) -> None:
    await factory.financial_year(2025)
    perf = await factory.headers(Role.PERFORMANCE_TEAM)
    head = await factory.headers(Role.HEAD_OF_SERVICE, "HOU")
    admin = await factory.headers(Role.ADMIN)
    for code in ("APP", "DRF", "MIS", "REJ", "SUB"):
        await create_indicator(client, perf, code)
    await create_indicator(client, perf, "MON", frequency="monthly")  # not a quarter's measure
    await create_indicator(client, perf, "OLD")
    assert (await client.delete(f"{API}/indicators/OLD", headers=perf)).status_code in (200, 204)
    with frozen(AFTER_Q1_DUE):
        await approve(client, head, perf, "APP", Q1, value=1)
        await save(client, head, "DRF", Q1, value=2)
        await save(client, head, "REJ", Q1, value=3)
        await step(client, head, "REJ", Q1, "submit")
        await step(client, perf, "REJ", Q1, "reject", reason="Check the source")
        await save(client, head, "SUB", Q1, value=4)
        await step(client, head, "SUB", Q1, "submit")

        response = await close(client, perf, Q1)

    body = assert_problem(response, 409)
    assert body["type"].endswith("/problems/outstanding")
    assert body["outstanding"] == [
        {"period": Q1, "indicator_code": "DRF", "state": "draft"},
        {"period": Q1, "indicator_code": "MIS", "state": "missing"},
        {"period": Q1, "indicator_code": "REJ", "state": "rejected"},
        {"period": Q1, "indicator_code": "SUB", "state": "submitted"},
    ]
    assert "1 in draft" in body["detail"]
    assert "1 awaiting approval" in body["detail"]
    assert "1 not entered" in body["detail"]
    assert await status_of(client, perf, Q1) == "open"
    assert not [
        e
        for e in await audit_events(client, admin, entity_type="period", entity_id=Q1)
        if e["action"] == "close"
    ]


async def test_a_period_whose_figures_are_all_approved_closes_without_force(
    client: AsyncClient, factory: Factory
) -> None:
    await factory.financial_year(2025)
    perf = await factory.headers(Role.PERFORMANCE_TEAM)
    head = await factory.headers(Role.HEAD_OF_SERVICE, "HOU")
    admin = await factory.headers(Role.ADMIN)
    await create_indicator(client, perf, "APP")
    with frozen(AFTER_Q1_DUE):
        await approve(client, head, perf, "APP", Q1, value=1)
        response = await close(client, perf, Q1)

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "closed"
    (event,) = [
        e
        for e in await audit_events(client, admin, entity_type="period", entity_id=Q1)
        if e["action"] == "close"
    ]
    assert event["reason"] is None
    assert "forced" not in event["after"]


async def test_closing_with_children_counts_what_is_outstanding_in_its_months_too(
    client: AsyncClient, factory: Factory
) -> None:
    await factory.financial_year(2025)
    perf = await factory.headers(Role.PERFORMANCE_TEAM)
    head = await factory.headers(Role.HEAD_OF_SERVICE, "HOU")
    admin = await factory.headers(Role.ADMIN)
    await create_indicator(client, perf, "QTR")
    await create_indicator(client, perf, "MON", frequency="monthly")
    with frozen(AFTER_Q1_DUE):
        await approve(client, head, perf, "QTR", Q1, value=1)
        for month in ("2025-04", "2025-05"):
            await approve(client, head, perf, "MON", month, value=1)
        alone = await close(client, perf, Q1)
        assert alone.status_code == 200, alone.text

    reopened = await client.post(
        f"{PERIODS}/{Q1}/reopen", json={"reason": "Months to close as well"}, headers=admin
    )
    assert reopened.status_code == 200, reopened.text
    response = await close(client, perf, Q1, {"include_children": True})

    body = assert_problem(response, 409)
    assert body["outstanding"] == [
        {"period": "2025-06", "indicator_code": "MON", "state": "missing"}
    ]
    assert await status_of(client, perf, "2025-06") == "open"


async def test_a_forced_close_needs_a_reason_and_is_audited_with_what_was_outstanding(
    client: AsyncClient, factory: Factory
) -> None:
    await factory.financial_year(2025)
    perf = await factory.headers(Role.PERFORMANCE_TEAM)
    head = await factory.headers(Role.HEAD_OF_SERVICE, "HOU")
    admin = await factory.headers(Role.ADMIN)
    await create_indicator(client, perf, "ASC02")
    await create_indicator(client, perf, "MON", frequency="monthly")
    with frozen(AFTER_Q1_DUE):
        await save(client, head, "ASC02", Q1, value=2)
        without_reason = await close(client, perf, Q1, {"force": True})
        response = await close(client, perf, Q1, {**FORCE, "include_children": True})

    assert_invalid(without_reason, ["body", "reason"])
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "closed"
    (event,) = [
        e
        for e in await audit_events(client, admin, entity_type="period", entity_id=Q1)
        if e["action"] == "close"
    ]
    assert event["reason"] == FORCE["reason"]
    assert event["after"]["forced"] is True
    assert event["after"]["outstanding"] == [{"indicator_code": "ASC02", "state": "draft"}]
    (month,) = [
        e
        for e in await audit_events(client, admin, entity_type="period", entity_id="2025-04")
        if e["action"] == "close"
    ]
    assert month["reason"] == FORCE["reason"]
    assert month["after"]["outstanding"] == [{"indicator_code": "MON", "state": "missing"}]


async def test_the_data_due_date_must_fall_after_the_period_ends(
    client: AsyncClient, factory: Factory
) -> None:
    await factory.financial_year(2025)
    perf = await factory.headers(Role.PERFORMANCE_TEAM)

    for due in ("2025-06-30", "2025-06-01"):
        response = await client.patch(f"{PERIODS}/{Q1}", json={"data_due_date": due}, headers=perf)
        assert_invalid(response, ["body", "data_due_date"])
    assert (await client.get(f"{PERIODS}/{Q1}", headers=perf)).json()["data_due_date"] == (
        "2025-07-14"
    )


async def test_the_board_must_meet_after_the_data_is_due(
    client: AsyncClient, factory: Factory
) -> None:
    await factory.financial_year(2025)
    perf = await factory.headers(Role.PERFORMANCE_TEAM)

    board_too_early = await client.patch(
        f"{PERIODS}/{Q1}", json={"board_date": "2025-07-14"}, headers=perf
    )
    due_after_board = await client.patch(
        f"{PERIODS}/{Q1}", json={"data_due_date": "2025-07-25"}, headers=perf
    )
    both = await client.patch(
        f"{PERIODS}/{Q1}",
        json={"data_due_date": "2025-07-25", "board_date": "2025-07-20"},
        headers=perf,
    )
    moved = await client.patch(
        f"{PERIODS}/{Q1}",
        json={"data_due_date": "2025-07-25", "board_date": "2025-07-29"},
        headers=perf,
    )

    assert_invalid(board_too_early, ["body", "board_date"])
    assert_invalid(due_after_board, ["body", "data_due_date"])
    assert_invalid(both, ["body", "board_date"])
    assert moved.status_code == 200, moved.text
    assert (moved.json()["data_due_date"], moved.json()["board_date"]) == (
        "2025-07-25",
        "2025-07-29",
    )
