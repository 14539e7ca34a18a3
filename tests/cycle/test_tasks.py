"""GET /me/tasks: what each person must enter, submit, revise or approve next."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from httpx import AsyncClient

from app.access.permissions import Role
from tests.cycle.helpers import AFTER_Q1_DUE, frozen, save, step
from tests.factories import Factory
from tests.helpers import (
    API,
    Headers,
    assert_invalid,
    assert_problem,
    assert_unauthenticated,
    create_indicator,
    person,
)

Q1, Q2, Q3, Q4 = "2025-26-Q1", "2025-26-Q2", "2025-26-Q3", "2025-26-Q4"


async def page(client: AsyncClient, headers: Headers, **params: Any) -> dict[str, Any]:
    response = await client.get(f"{API}/me/tasks", params=params, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"items", "page", "page_size", "total"}
    return body


async def tasks(client: AsyncClient, headers: Headers, **params: Any) -> list[dict[str, Any]]:
    """Every task on one page (of up to 500)."""
    found: list[dict[str, Any]] = (await page(client, headers, page_size=500, **params))["items"]
    return found


async def close(client: AsyncClient, headers: Headers, period: str) -> None:
    response = await client.post(
        f"{API}/periods/{period}/close",
        json={"force": True, "reason": "Closed for the test"},
        headers=headers,
    )
    assert response.status_code == 200, response.text


def summary(found: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [(t["action"], t["indicator_code"], t["period"]) for t in found]


async def test_a_collector_is_asked_to_enter_each_open_period_without_a_value(
    client: AsyncClient, factory: Factory
) -> None:
    await factory.financial_year(2025)  # every period open
    perf = await factory.headers(Role.PERFORMANCE_TEAM)
    staff = await person(factory, Role.STAFF, "HOU")
    await create_indicator(client, perf, "HOU01", collector_ids=[str(staff.id)])
    await create_indicator(client, perf, "HOU02")  # same unit, not theirs

    with frozen(AFTER_Q1_DUE):
        found = await tasks(client, staff.headers)

    assert summary(found) == [("enter", "HOU01", q) for q in (Q1, Q2, Q3, Q4)]
    first = found[0]
    assert first["indicator_title"] == "Indicator HOU01"
    assert first["org_unit_code"] == "HOU"
    assert first["period_kind"] == "quarter"
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
        drafted = await tasks(client, staff.headers, period=Q1)
        await step(client, staff.headers, "HOU01", Q1, "submit")
        submitted = await tasks(client, staff.headers, period=Q1)
        await step(client, head, "HOU01", Q1, "reject", reason="Use the finance figure")
        rejected = await tasks(client, staff.headers, period=Q1)

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
    for period in (Q1, Q2):
        response = await client.post(f"{API}/periods/{period}/open", headers=perf)
        assert response.status_code == 200, response.text
    await close(client, perf, Q1)

    # Q3 has begun, but it is still "future": nobody has opened it.
    with frozen(datetime(2025, 10, 20, 9, 0, tzinfo=UTC)):
        found = await tasks(client, staff.headers)

    assert summary(found) == [("enter", "HOU01", Q2)]


async def test_the_coming_periods_entries_show_once_it_is_opened_before_it_ends(
    client: AsyncClient, factory: Factory
) -> None:
    await factory.financial_year(2025, open_all=False)
    perf = await factory.headers(Role.PERFORMANCE_TEAM)
    staff = await person(factory, Role.STAFF, "HOU")
    await create_indicator(client, perf, "HOU01", collector_ids=[str(staff.id)])
    await create_indicator(client, perf, "MON", frequency="monthly", owner_id=str(staff.id))
    assert (await client.post(f"{API}/periods/{Q1}/open", headers=perf)).status_code == 200

    with frozen(AFTER_Q1_DUE):
        before = await tasks(client, staff.headers)
        opened = await client.post(
            f"{API}/periods/{Q2}/open", json={"include_children": True}, headers=perf
        )
        assert opened.status_code == 200, opened.text
        after = await tasks(client, staff.headers)

    assert summary(before) == [("enter", "HOU01", Q1)]
    # Q2 is still running, but it is open: its entries are on the list, not yet overdue.
    assert summary(after) == [
        ("enter", "HOU01", Q1),
        ("enter", "MON", "2025-07"),
        ("enter", "MON", "2025-08"),
        ("enter", "HOU01", Q2),  # due with September, 2025-10-14
        ("enter", "MON", "2025-09"),
    ]
    assert [t["overdue"] for t in after] == [True, False, False, False, False]


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
        found = await tasks(client, staff.headers, period=Q1)

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
        found = await tasks(client, staff.headers, period=Q1)

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


async def test_tasks_filter_by_period_and_the_periods_within_it(
    client: AsyncClient, factory: Factory
) -> None:
    await factory.financial_year(2025)
    perf = await factory.headers(Role.PERFORMANCE_TEAM)
    staff = await person(factory, Role.STAFF, "HOU")
    await create_indicator(client, perf, "QTR", collector_ids=[str(staff.id)])
    await create_indicator(client, perf, "MON", frequency="monthly", owner_id=str(staff.id))

    with frozen(AFTER_Q1_DUE):
        quarter = await tasks(client, staff.headers, period=Q1)
        month = await tasks(client, staff.headers, period="2025-05")
        year = await tasks(client, staff.headers, period="2025-26")

    assert summary(quarter) == [
        ("enter", "MON", "2025-04"),
        ("enter", "MON", "2025-05"),
        ("enter", "MON", "2025-06"),
        ("enter", "QTR", Q1),
    ]
    assert summary(month) == [("enter", "MON", "2025-05")]
    assert len(year) == 12 + 4


async def test_tasks_filter_by_kind_of_task_or_of_period(
    client: AsyncClient, factory: Factory
) -> None:
    await factory.financial_year(2025)
    perf = await factory.headers(Role.PERFORMANCE_TEAM)
    head = await factory.headers(Role.HEAD_OF_SERVICE, "HOU")
    await create_indicator(client, perf, "QTR")
    await create_indicator(client, perf, "MON", frequency="monthly", owner_id=None)

    with frozen(AFTER_Q1_DUE):
        await save(client, perf, "QTR", Q1, value=80)
        await step(client, perf, "QTR", Q1, "submit")
        await save(client, perf, "MON", "2025-04", value=80)
        await step(client, perf, "MON", "2025-04", "submit")
        approvals = await tasks(client, head, kind="approve")
        monthly = await tasks(client, head, kind="month")
        entries = await tasks(client, head, kind="enter")

    assert summary(approvals) == [("approve", "MON", "2025-04"), ("approve", "QTR", Q1)]
    assert summary(monthly) == [("approve", "MON", "2025-04")]
    assert entries == []  # a head of service approves; entering is for collectors and owners


async def test_tasks_filter_by_overdue(client: AsyncClient, factory: Factory) -> None:
    await factory.financial_year(2025)
    perf = await factory.headers(Role.PERFORMANCE_TEAM)
    staff = await person(factory, Role.STAFF, "HOU")
    await create_indicator(client, perf, "QTR", collector_ids=[str(staff.id)])

    with frozen(AFTER_Q1_DUE):
        overdue = await tasks(client, staff.headers, overdue="true")
        not_yet = await tasks(client, staff.headers, overdue="false")

    assert summary(overdue) == [("enter", "QTR", Q1)]
    assert summary(not_yet) == [("enter", "QTR", q) for q in (Q2, Q3, Q4)]
    assert all(t["overdue"] for t in overdue)
    assert not any(t["overdue"] for t in not_yet)


async def test_tasks_are_paged_with_the_list_envelope(
    client: AsyncClient, factory: Factory
) -> None:
    await factory.financial_year(2025)
    perf = await factory.headers(Role.PERFORMANCE_TEAM)
    staff = await person(factory, Role.STAFF, "HOU")
    await create_indicator(client, perf, "MON", frequency="monthly", owner_id=str(staff.id))

    with frozen(AFTER_Q1_DUE):
        every = await tasks(client, staff.headers)
        first = await page(client, staff.headers, page=1, page_size=5)
        third = await page(client, staff.headers, page=3, page_size=5)
        beyond = await page(client, staff.headers, page=4, page_size=5)

    assert len(every) == 12
    assert (first["page"], first["page_size"], first["total"]) == (1, 5, 12)
    assert first["items"] == every[:5]
    assert third["items"] == every[10:]
    assert (beyond["items"], beyond["total"]) == ([], 12)


async def test_a_closed_periods_tasks_leave_the_list(client: AsyncClient, factory: Factory) -> None:
    await factory.financial_year(2025)
    perf = await factory.headers(Role.PERFORMANCE_TEAM)
    staff = await person(factory, Role.STAFF, "HOU")
    await create_indicator(client, perf, "QTR", collector_ids=[str(staff.id)])

    with frozen(AFTER_Q1_DUE):
        await close(client, perf, Q1)
        found = await tasks(client, staff.headers)
        named = await tasks(client, staff.headers, period=Q1)

    assert summary(found) == [("enter", "QTR", q) for q in (Q2, Q3, Q4)]
    assert named == []


@pytest.mark.parametrize(
    "params",
    [
        {"kind": "someday"},
        {"overdue": "perhaps"},
        {"page": 0},
        {"page_size": 501},
        {"period": "x" * 17},
    ],
    ids=["unknown-kind", "overdue-not-bool", "page-zero", "page-too-large", "period-too-long"],
)
async def test_bad_task_filters_are_422(
    client: AsyncClient, factory: Factory, params: dict[str, Any]
) -> None:
    staff = await factory.headers(Role.STAFF, "HOU")

    response = await client.get(f"{API}/me/tasks", params=params, headers=staff)

    assert_invalid(response, next(iter(params)))


async def test_tasks_for_an_unknown_period_are_404(client: AsyncClient, factory: Factory) -> None:
    staff = await factory.headers(Role.STAFF, "HOU")

    response = await client.get(f"{API}/me/tasks", params={"period": "2031-32-Q1"}, headers=staff)

    assert_problem(response, 404)
