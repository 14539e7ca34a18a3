"""GET /me/tasks: what each person must enter, submit, revise or approve next."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from httpx import AsyncClient

from app.auth.permissions import Role
from tests.cycle.helpers import AFTER_Q1_DUE, frozen, save, step
from tests.factories import Factory
from tests.helpers import API, Headers, assert_unauthenticated, create_indicator, person

Q1, Q2 = "2025-26-Q1", "2025-26-Q2"


async def tasks(client: AsyncClient, headers: Headers) -> list[dict[str, Any]]:
    response = await client.get(f"{API}/me/tasks", headers=headers)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


def summary(found: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [(t["action"], t["indicator_code"], t["period"]) for t in found]


async def test_a_collector_is_asked_to_enter_each_ended_open_period_without_a_value(
    client: AsyncClient, factory: Factory
) -> None:
    await factory.financial_year(2025)
    perf = await factory.headers(Role.PERFORMANCE_TEAM)
    staff = await person(factory, Role.STAFF, "HOU")
    await create_indicator(client, perf, "HOU01", collector_ids=[str(staff.id)])
    await create_indicator(client, perf, "HOU02")  # same unit, not theirs

    with frozen(AFTER_Q1_DUE):
        found = await tasks(client, staff.headers)

    # Q2 is open but still running: its data cannot be entered before it ends.
    assert summary(found) == [("enter", "HOU01", Q1)]
    first = found[0]
    assert first["indicator_title"] == "Indicator HOU01"
    assert first["org_unit_code"] == "HOU"
    assert first["due_date"] == "2025-07-14"
    assert first["value_status"] is None


async def test_a_collector_is_asked_to_submit_their_draft_and_revise_a_rejected_value(
    client: AsyncClient, factory: Factory
) -> None:
    await factory.financial_year(2025)
    perf = await factory.headers(Role.PERFORMANCE_TEAM)
    head = await factory.headers(Role.HEAD_OF_SERVICE, "HOU")
    staff = await person(factory, Role.STAFF, "HOU")
    await create_indicator(client, perf, "HOU01", collector_ids=[str(staff.id)])

    with frozen(AFTER_Q1_DUE):
        await save(client, staff.headers, "HOU01", Q1, value=75)
        drafted = await tasks(client, staff.headers)
        await step(client, staff.headers, "HOU01", Q1, "submit")
        submitted = await tasks(client, staff.headers)
        await step(client, head, "HOU01", Q1, "reject", reason="Use the finance figure")
        rejected = await tasks(client, staff.headers)

    assert summary(drafted) == [("submit", "HOU01", Q1)]
    assert drafted[0]["value_status"] == "draft"
    # Once submitted, the value waits on an approver, not on the collector.
    assert summary(submitted) == []
    assert summary(rejected) == [("revise", "HOU01", Q1)]
    assert rejected[0]["value_status"] == "rejected"


async def test_an_approver_is_asked_to_approve_submitted_values_in_scope_only(
    client: AsyncClient, factory: Factory
) -> None:
    await factory.financial_year(2025)
    perf = await factory.headers(Role.PERFORMANCE_TEAM)
    head = await factory.headers(Role.HEAD_OF_SERVICE, "HOU")
    staff = await person(factory, Role.STAFF, "HOU-OPT")
    await create_indicator(
        client, perf, "OPT01", org_unit_code="HOU-OPT", collector_ids=[str(staff.id)]
    )
    await create_indicator(client, perf, "WST01", org_unit_code="WST")

    with frozen(AFTER_Q1_DUE):
        await save(client, staff.headers, "OPT01", Q1, value=80)
        await step(client, staff.headers, "OPT01", Q1, "submit")
        await save(client, perf, "WST01", Q1, value=81)
        await step(client, perf, "WST01", Q1, "submit")
        found = await tasks(client, head)

    approvals = [t for t in found if t["action"] == "approve"]
    assert summary(approvals) == [("approve", "OPT01", Q1)]
    assert approvals[0]["value_status"] == "submitted"
    assert approvals[0]["org_unit_code"] == "HOU-OPT"
    assert not any(t["indicator_code"] == "WST01" for t in found)


async def test_an_approver_is_not_asked_to_approve_a_value_they_entered(
    client: AsyncClient, factory: Factory
) -> None:
    await factory.financial_year(2025)
    perf = await factory.headers(Role.PERFORMANCE_TEAM)
    head = await factory.headers(Role.HEAD_OF_SERVICE, "HOU")
    other_head = await factory.headers(Role.HEAD_OF_SERVICE, "HOU")
    await create_indicator(client, perf, "HOU01")

    with frozen(AFTER_Q1_DUE):
        await save(client, head, "HOU01", Q1, value=80)
        await step(client, head, "HOU01", Q1, "submit")
        own = await tasks(client, head)
        colleague = await tasks(client, other_head)

    assert ("approve", "HOU01", Q1) not in summary(own)
    assert not any(t["indicator_code"] == "HOU01" and t["period"] == Q1 for t in own)
    assert ("approve", "HOU01", Q1) in summary(colleague)


async def test_the_performance_team_is_asked_to_approve_across_the_council(
    client: AsyncClient, factory: Factory
) -> None:
    await factory.financial_year(2025)
    perf = await factory.headers(Role.PERFORMANCE_TEAM)
    colleague = await factory.headers(Role.PERFORMANCE_TEAM)
    for code, unit in [("ASC01", "ASC"), ("OPT01", "HOU-OPT"), ("WST01", "WST")]:
        await create_indicator(client, perf, code, org_unit_code=unit)

    with frozen(AFTER_Q1_DUE):
        for code in ("ASC01", "OPT01", "WST01"):
            await save(client, perf, code, Q1, value=50)
            await step(client, perf, code, Q1, "submit")
        found = await tasks(client, colleague)

    approvals = [t for t in found if t["action"] == "approve"]
    assert summary(approvals) == [
        ("approve", "ASC01", Q1),
        ("approve", "OPT01", Q1),
        ("approve", "WST01", Q1),
    ]


async def test_there_are_no_tasks_for_closed_periods_or_periods_not_yet_open(
    client: AsyncClient, factory: Factory
) -> None:
    await factory.financial_year(2025, open_all=False)
    perf = await factory.headers(Role.PERFORMANCE_TEAM)
    staff = await person(factory, Role.STAFF, "HOU")
    await create_indicator(client, perf, "HOU01", collector_ids=[str(staff.id)])
    for action, period in [("open", Q1), ("open", Q2), ("close", Q1)]:
        response = await client.post(f"{API}/periods/{period}/{action}", headers=perf)
        assert response.status_code == 200, response.text

    # Q3 has begun, but it is still "future": nobody has opened it.
    with frozen(datetime(2025, 10, 20, 9, 0, tzinfo=UTC)):
        found = await tasks(client, staff.headers)

    assert summary(found) == [("enter", "HOU01", Q2)]


async def test_there_are_no_enter_tasks_for_open_periods_that_have_not_ended(
    client: AsyncClient, factory: Factory
) -> None:
    await factory.financial_year(2025)  # every period open, Q3 and Q4 included
    perf = await factory.headers(Role.PERFORMANCE_TEAM)
    staff = await person(factory, Role.STAFF, "HOU")
    await create_indicator(client, perf, "HOU01", collector_ids=[str(staff.id)])

    with frozen(datetime(2025, 5, 1, 9, 0, tzinfo=UTC)):
        found = await tasks(client, staff.headers)

    assert summary(found) == []


async def test_tasks_are_sorted_most_urgent_first_and_say_when_overdue(
    client: AsyncClient, factory: Factory
) -> None:
    await factory.financial_year(2025)
    perf = await factory.headers(Role.PERFORMANCE_TEAM)
    staff = await person(factory, Role.STAFF, "HOU")
    await create_indicator(client, perf, "QTR", collector_ids=[str(staff.id)])
    await create_indicator(
        client, perf, "MON", frequency="monthly", owner_id=str(staff.id)
    )  # an owner has the same tasks as a collector

    with frozen(AFTER_Q1_DUE):
        found = await tasks(client, staff.headers)

    assert [(t["indicator_code"], t["period"], t["due_date"], t["overdue"]) for t in found] == [
        ("MON", "2025-04", "2025-05-15", True),
        ("MON", "2025-05", "2025-06-13", True),
        ("MON", "2025-06", "2025-07-14", True),
        ("QTR", Q1, "2025-07-14", True),
    ]


async def test_a_task_is_not_overdue_on_its_due_date(client: AsyncClient, factory: Factory) -> None:
    await factory.financial_year(2025)
    perf = await factory.headers(Role.PERFORMANCE_TEAM)
    staff = await person(factory, Role.STAFF, "HOU")
    await create_indicator(client, perf, "QTR", collector_ids=[str(staff.id)])

    with frozen(datetime(2025, 7, 14, 16, 0, tzinfo=UTC)):
        found = await tasks(client, staff.headers)

    assert [(t["period"], t["overdue"]) for t in found] == [(Q1, False)]


async def test_a_councillor_has_no_tasks(client: AsyncClient, factory: Factory) -> None:
    await factory.financial_year(2025)
    perf = await factory.headers(Role.PERFORMANCE_TEAM)
    councillor = await factory.headers(Role.COUNCILLOR)
    auditor = await factory.headers(Role.AUDITOR)
    await create_indicator(client, perf, "HOU01")
    await save(client, perf, "HOU01", Q1, value=80)
    await step(client, perf, "HOU01", Q1, "submit")

    with frozen(AFTER_Q1_DUE):
        assert await tasks(client, councillor) == []
        assert await tasks(client, auditor) == []


async def test_tasks_need_a_signed_in_caller(client: AsyncClient) -> None:
    response = await client.get(f"{API}/me/tasks")

    assert_unauthenticated(response)
