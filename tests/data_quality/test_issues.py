"""GET /data-quality/summary and /issues: each kind of issue an auditor looks for, alone."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest
from httpx import AsyncClient

from app.access.permissions import Role
from tests.cycle.helpers import AFTER_Q1_DUE, BEFORE_Q1_DUE, approve, frozen, save, set_target, step
from tests.factories import Factory
from tests.helpers import (
    API,
    Headers,
    assert_invalid,
    assert_problem,
    assert_unauthenticated,
    create_indicator,
    person,
    seed_approved,
)

Q1 = "2025-26-Q1"
ISSUES = f"{API}/data-quality/issues"
SUMMARY = f"{API}/data-quality/summary"
# 2025-04 is due 2025-05-15.
BEFORE_APRIL_DUE = datetime(2025, 5, 10, 9, 0, tzinfo=UTC)

Issue = tuple[str, str, str]


async def issues(
    client: AsyncClient, headers: Headers, period: str = Q1, **params: str
) -> list[Issue]:
    response = await client.get(ISSUES, params={"period": period, **params}, headers=headers)
    assert response.status_code == 200, response.text
    return [(i["type"], i["indicator_code"], i["period"]) for i in response.json()["items"]]


async def summary(
    client: AsyncClient, headers: Headers, period: str = Q1, **params: str
) -> dict[str, Any]:
    response = await client.get(SUMMARY, params={"period": period, **params}, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def only(counts: Mapping[str, int], issue_type: str) -> bool:
    return counts[issue_type] == 1 and sum(counts.values()) == 1


class Council:
    """Signed-in people for these tests: an owner who collects, approvers and an auditor."""

    def __init__(self, owner_id: str, owner: Headers, perf: Headers, approver: Headers) -> None:
        self.owner_id = owner_id
        self.owner = owner
        self.perf = perf
        self.approver = approver


@pytest.fixture
async def council(factory: Factory) -> Council:
    await factory.financial_year(2025)
    owner = await person(factory, Role.STAFF, "HOU")
    return Council(
        str(owner.id),
        owner.headers,
        await factory.headers(Role.PERFORMANCE_TEAM),
        await factory.headers(Role.HEAD_OF_SERVICE, "HOU"),
    )


@pytest.fixture
async def auditor(factory: Factory) -> Headers:
    return await factory.headers(Role.AUDITOR)


async def well_kept(
    client: AsyncClient, council: Council, code: str, *, period: str = Q1, **overrides: Any
) -> None:
    """An indicator with an owner and a target for the period: nothing to report yet."""
    await create_indicator(client, council.perf, code, owner_id=council.owner_id, **overrides)
    await set_target(client, council.perf, code, period, 80)


async def test_a_well_kept_indicator_approved_on_time_has_no_issues(
    client: AsyncClient, council: Council, auditor: Headers
) -> None:
    await well_kept(client, council, "OK1")
    with frozen(BEFORE_Q1_DUE):
        await approve(client, council.owner, council.approver, "OK1", Q1, value=81)
    with frozen(AFTER_Q1_DUE):
        found = await issues(client, auditor)
        counted = await summary(client, auditor)

    assert found == []
    assert counted["total_issues"] == 0
    assert counted["indicators"] == 1
    assert counted["expected_values"] == counted["values_entered"] == 1
    assert counted["values_approved"] == 1


async def test_missing_value_is_reported_after_the_due_date_and_not_before(
    client: AsyncClient, council: Council, auditor: Headers
) -> None:
    await well_kept(client, council, "MV1")

    with frozen(BEFORE_Q1_DUE):
        before = await issues(client, auditor)
    with frozen(AFTER_Q1_DUE):
        after = await issues(client, auditor)
        counted = await summary(client, auditor)

    assert before == []
    assert after == [("missing_value", "MV1", Q1)]
    assert only(counted["issues"], "missing_value")
    assert counted["expected_values"] == 1
    assert counted["values_entered"] == 0


async def test_late_submission_is_a_value_first_submitted_after_the_due_date(
    client: AsyncClient, council: Council, auditor: Headers
) -> None:
    await well_kept(client, council, "LS1")

    with frozen(AFTER_Q1_DUE):
        await approve(client, council.owner, council.approver, "LS1", Q1, value=81)
        found = await issues(client, auditor)
        counted = await summary(client, auditor)

    assert found == [("late_submission", "LS1", Q1)]
    assert only(counted["issues"], "late_submission")


async def test_unapproved_value_is_one_still_awaiting_approval_after_the_due_date(
    client: AsyncClient, council: Council, auditor: Headers
) -> None:
    await well_kept(client, council, "UV1")

    with frozen(BEFORE_Q1_DUE):
        await save(client, council.owner, "UV1", Q1, value=81)
        await step(client, council.owner, "UV1", Q1, "submit")
        before = await issues(client, auditor)
    with frozen(AFTER_Q1_DUE):
        after = await issues(client, auditor)
        counted = await summary(client, auditor)

    assert before == []
    assert after == [("unapproved_value", "UV1", Q1)]
    assert only(counted["issues"], "unapproved_value")


async def test_estimated_value_is_one_flagged_estimated(
    client: AsyncClient, council: Council, auditor: Headers
) -> None:
    await well_kept(client, council, "EV1")

    with frozen(BEFORE_Q1_DUE):
        await approve(
            client,
            council.owner,
            council.approver,
            "EV1",
            Q1,
            value=81,
            quality_flags=["estimated"],
        )
        found = await issues(client, auditor)
        counted = await summary(client, auditor)

    assert found == [("estimated_value", "EV1", Q1)]
    assert only(counted["issues"], "estimated_value")


async def test_revised_after_approval_is_an_approved_value_changed_since(
    client: AsyncClient, council: Council, auditor: Headers
) -> None:
    await well_kept(client, council, "RA1")

    with frozen(BEFORE_Q1_DUE):
        await approve(client, council.owner, council.approver, "RA1", Q1, value=81)
        approved = await issues(client, auditor)
        await save(client, council.owner, "RA1", Q1, value=82)
        await step(client, council.owner, "RA1", Q1, "submit")
        await step(client, council.approver, "RA1", Q1, "approve")
        revised = await issues(client, auditor)
        counted = await summary(client, auditor)

    assert approved == []
    assert revised == [("revised_after_approval", "RA1", Q1)]
    assert only(counted["issues"], "revised_after_approval")


async def test_no_target_is_an_indicator_with_a_polarity_but_no_target(
    client: AsyncClient, council: Council, auditor: Headers
) -> None:
    await create_indicator(client, council.perf, "NT1", owner_id=council.owner_id)
    await create_indicator(
        client, council.perf, "NT2", owner_id=council.owner_id, polarity="none"
    )  # data only: needs no target

    with frozen(BEFORE_Q1_DUE):
        found = await issues(client, auditor)
        counted = await summary(client, auditor)

    assert found == [("no_target", "NT1", Q1)]
    assert only(counted["issues"], "no_target")


async def test_no_owner_is_an_indicator_nobody_owns(
    client: AsyncClient, council: Council, auditor: Headers
) -> None:
    await create_indicator(client, council.perf, "NO1")
    await set_target(client, council.perf, "NO1", Q1, 80)

    with frozen(BEFORE_Q1_DUE):
        found = await issues(client, auditor)
        counted = await summary(client, auditor)

    assert found == [("no_owner", "NO1", Q1)]
    assert only(counted["issues"], "no_owner")


async def test_numerator_mismatch_is_a_value_its_numerator_and_denominator_contradict(
    client: AsyncClient, council: Council, auditor: Headers, factory: Factory
) -> None:
    await well_kept(client, council, "NM1")
    await well_kept(client, council, "NM2")
    with frozen(BEFORE_Q1_DUE):
        # The API refuses such a value, so it is written as an older import might have left it.
        await seed_approved(factory, "NM1", [(Q1, "50.0")], numerator="1", denominator="3")
        await seed_approved(factory, "NM2", [(Q1, "33.3")], numerator="1", denominator="3")
        found = await issues(client, auditor)
        counted = await summary(client, auditor)

    assert found == [("numerator_mismatch", "NM1", Q1)]
    assert only(counted["issues"], "numerator_mismatch")


def steady(months: list[str]) -> list[tuple[str, float | str]]:
    return [(month, 50 + (i % 2)) for i, month in enumerate(months)]


MONTHS_2024_25 = [f"2024-{m:02d}" for m in range(4, 13)] + [f"2025-{m:02d}" for m in (1, 2, 3)]


async def test_outlier_is_the_latest_approved_value_outside_the_process_limits(
    client: AsyncClient, council: Council, auditor: Headers, factory: Factory
) -> None:
    await factory.financial_year(2024)
    for code in ("OUT1", "OUT2"):
        await well_kept(client, council, code, period="2025-04", frequency="monthly")
    with frozen(BEFORE_APRIL_DUE):
        # Twelve steady months, then one far outside the limits; and a series that stays steady.
        await seed_approved(factory, "OUT1", [*steady(MONTHS_2024_25), ("2025-04", 95)])
        await seed_approved(factory, "OUT2", [*steady(MONTHS_2024_25), ("2025-04", 50)])
        found = await issues(client, auditor, "2025-04")
        counted = await summary(client, auditor, "2025-04")
        quarter = await issues(client, auditor, Q1, type="outlier")

    assert found == [("outlier", "OUT1", "2025-04")]
    assert only(counted["issues"], "outlier")
    # Reported in the quarter the month belongs to as well.
    assert quarter == [("outlier", "OUT1", "2025-04")]


async def test_no_outlier_is_judged_on_fewer_than_13_values(
    client: AsyncClient, council: Council, auditor: Headers, factory: Factory
) -> None:
    await factory.financial_year(2024)
    await well_kept(client, council, "OUT3", period="2025-04", frequency="monthly")
    with frozen(BEFORE_APRIL_DUE):
        await seed_approved(factory, "OUT3", [*steady(MONTHS_2024_25[1:]), ("2025-04", 95)])
        found = await issues(client, auditor, "2025-04")

    assert found == []


async def test_outlier_among_quarterly_values_over_several_years(
    client: AsyncClient, council: Council, auditor: Headers, factory: Factory
) -> None:
    for year in (2022, 2023, 2024):
        await factory.financial_year(year)
    await well_kept(client, council, "OUTQ")
    quarters = [f"{y}-{(y + 1) % 100:02d}-Q{q}" for y in (2022, 2023, 2024) for q in (1, 2, 3, 4)]
    with frozen(BEFORE_Q1_DUE):
        await seed_approved(factory, "OUTQ", [*steady(quarters), (Q1, 5)])
        found = await issues(client, auditor)

    assert found == [("outlier", "OUTQ", Q1)]


async def test_queried_value_is_one_an_auditor_has_queried(
    client: AsyncClient, council: Council, auditor: Headers
) -> None:
    await well_kept(client, council, "QV1")
    with frozen(BEFORE_Q1_DUE):
        await approve(client, council.owner, council.approver, "QV1", Q1, value=81)
        before = await issues(client, auditor)
    response = await client.post(
        f"{API}/indicators/QV1/values/{Q1}/verification",
        json={"verdict": "queried", "note": "No evidence for the numerator"},
        headers=auditor,
    )
    assert response.status_code == 201, response.text
    with frozen(BEFORE_Q1_DUE):
        after = await client.get(ISSUES, params={"period": Q1}, headers=auditor)
        counted = await summary(client, auditor)

    assert before == []
    assert [(i["type"], i["indicator_code"], i["period"]) for i in after.json()["items"]] == [
        ("queried_value", "QV1", Q1)
    ]
    assert "No evidence for the numerator" in after.json()["items"][0]["detail"]
    assert only(counted["issues"], "queried_value")


async def test_issues_carry_the_indicator_unit_and_value_status(
    client: AsyncClient, council: Council, auditor: Headers
) -> None:
    await well_kept(client, council, "UV2", org_unit_code="HOU-OPT", title="Void turnaround")
    with frozen(BEFORE_Q1_DUE):
        await save(client, council.perf, "UV2", Q1, value=81)
    with frozen(AFTER_Q1_DUE):
        response = await client.get(ISSUES, params={"period": Q1}, headers=auditor)

    assert response.status_code == 200
    [issue] = response.json()["items"]
    assert issue["type"] == "unapproved_value"
    assert issue["indicator_title"] == "Void turnaround"
    assert issue["org_unit_code"] == "HOU-OPT"
    assert issue["value_status"] == "draft"
    assert issue["detail"]


async def test_issues_filter_by_org_unit_with_everything_below_it_and_by_type(
    client: AsyncClient, council: Council, auditor: Headers
) -> None:
    for code, unit in [("F-OPT", "HOU-OPT"), ("F-ASC", "ASC"), ("F-WST", "WST")]:
        await well_kept(client, council, code, org_unit_code=unit)
    await create_indicator(client, council.perf, "F-NOT", org_unit_code="HOU-OPT")

    with frozen(AFTER_Q1_DUE):
        everything = await issues(client, auditor)
        housing = await issues(client, auditor, org_unit="HOU")
        people = await issues(client, auditor, org_unit="PEO")
        missing_in_people = await issues(client, auditor, org_unit="PEO", type="missing_value")
        people_summary = await summary(client, auditor, org_unit="PEO")

    assert len(everything) == 6
    assert housing == [
        ("missing_value", "F-NOT", Q1),
        ("no_owner", "F-NOT", Q1),
        ("no_target", "F-NOT", Q1),
        ("missing_value", "F-OPT", Q1),
    ]
    assert sorted(people) == sorted([*housing, ("missing_value", "F-ASC", Q1)])
    assert sorted(missing_in_people) == [
        ("missing_value", "F-ASC", Q1),
        ("missing_value", "F-NOT", Q1),
        ("missing_value", "F-OPT", Q1),
    ]
    assert people_summary["org_unit"] == "PEO"
    assert people_summary["indicators"] == 3
    assert people_summary["issues"]["missing_value"] == 3
    assert people_summary["total_issues"] == 5


async def test_a_monthly_indicator_is_checked_month_by_month_within_a_quarter(
    client: AsyncClient, council: Council, auditor: Headers
) -> None:
    await well_kept(client, council, "MON1", frequency="monthly")
    with frozen(BEFORE_APRIL_DUE):
        await approve(client, council.owner, council.approver, "MON1", "2025-04", value=81)
    with frozen(datetime(2025, 6, 10, 9, 0, tzinfo=UTC)):  # May is due 2025-06-13
        await approve(client, council.owner, council.approver, "MON1", "2025-05", value=81)
    with frozen(BEFORE_Q1_DUE):
        counted = await summary(client, auditor)
        found = await issues(client, auditor)

    # June is due on 2025-07-14 too, so it is not missing yet.
    assert found == []
    assert counted["expected_values"] == 3
    assert counted["values_entered"] == counted["values_approved"] == 2
    with frozen(AFTER_Q1_DUE):
        assert await issues(client, auditor) == [("missing_value", "MON1", "2025-06")]


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.PERFORMANCE_TEAM])
async def test_auditors_and_the_performance_team_may_read_data_quality(
    client: AsyncClient, factory: Factory, role: Role
) -> None:
    await factory.financial_year(2025)
    headers = await factory.headers(role)

    for path in (ISSUES, SUMMARY):
        response = await client.get(path, params={"period": Q1}, headers=headers)
        assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("role", "unit"),
    [(Role.STAFF, "HOU"), (Role.HEAD_OF_SERVICE, "HOU"), (Role.COUNCILLOR, None)],
)
async def test_other_roles_may_not_read_data_quality(
    client: AsyncClient, factory: Factory, role: Role, unit: str | None
) -> None:
    await factory.financial_year(2025)
    headers = await factory.headers(role, unit)

    for path in (ISSUES, SUMMARY):
        response = await client.get(path, params={"period": Q1}, headers=headers)
        assert_problem(response, 403)


async def test_data_quality_needs_a_signed_in_caller(client: AsyncClient) -> None:
    for path in (ISSUES, SUMMARY):
        assert_unauthenticated(await client.get(path, params={"period": Q1}))


async def test_an_unknown_period_is_404(client: AsyncClient, auditor: Headers) -> None:
    for path in (ISSUES, SUMMARY):
        for code in ("2031-32-Q1", "Q9"):
            response = await client.get(path, params={"period": code}, headers=auditor)
            assert_problem(response, 404)


async def test_an_unknown_org_unit_is_404(client: AsyncClient, council: Council) -> None:
    response = await client.get(
        ISSUES, params={"period": Q1, "org_unit": "NOPE"}, headers=council.perf
    )

    assert_problem(response, 404)


async def test_an_unknown_issue_type_is_422(client: AsyncClient, council: Council) -> None:
    response = await client.get(
        ISSUES, params={"period": Q1, "type": "typo_value"}, headers=council.perf
    )

    assert_invalid(response, "type")


async def test_a_period_is_required(client: AsyncClient, council: Council) -> None:
    for path in (ISSUES, SUMMARY):
        assert_invalid(await client.get(path, headers=council.perf), "period")
