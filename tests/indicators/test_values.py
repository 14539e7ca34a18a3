"""Values over HTTP: entering, checking and approving the figures, and who sees what when."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from httpx import AsyncClient

from app.access.permissions import Role
from app.core import clock
from tests.factories import Factory
from tests.helpers import API, INDICATORS, Headers, Person, assert_invalid, assert_problem, person
from tests.indicators.helpers import (
    approved_value,
    close_period,
    create_indicator,
    save_value,
    set_target,
    status_of,
    step,
)

Q1 = "2025-26-Q1"


@dataclass(frozen=True)
class Council:
    perf: Person
    head: Person
    collector: Person
    owner: Person
    other_staff: Person
    councillor: Person
    auditor: Person
    admin: Person


@pytest.fixture
async def council(factory: Factory, client: AsyncClient) -> Council:
    await factory.financial_year(2025)
    people = Council(
        perf=await person(factory, Role.PERFORMANCE_TEAM),
        head=await person(factory, Role.HEAD_OF_SERVICE, "HOU"),
        collector=await person(factory, Role.STAFF, "HOU"),
        owner=await person(factory, Role.STAFF, "HOU"),
        other_staff=await person(factory, Role.STAFF, "HOU"),
        councillor=await person(factory, Role.COUNCILLOR),
        auditor=await person(factory, Role.AUDITOR),
        admin=await person(factory, Role.ADMIN),
    )
    # PI1: quarterly percentage in HOU, collected by `collector`, owned by `owner`.
    await create_indicator(
        client,
        people.perf.headers,
        "PI1",
        owner_id=str(people.owner.id),
        collector_ids=[str(people.collector.id)],
    )
    return people


@pytest.fixture
def freeze() -> Iterator[Callable[[datetime], None]]:
    """Pin the business clock inside the test; unpinned afterwards whatever happens."""
    yield clock.freeze
    clock.freeze(None)


def value_url(code: str, period: str) -> str:
    return f"{INDICATORS}/{code}/values/{period}"


async def read_value(
    client: AsyncClient, headers: Headers, code: str = "PI1", period: str = Q1
) -> dict[str, Any]:
    response = await client.get(value_url(code, period), headers=headers)
    assert response.status_code == 200, response.text
    value: dict[str, Any] = response.json()
    return value


async def history(
    client: AsyncClient, headers: Headers, code: str = "PI1", period: str = Q1
) -> list[dict[str, Any]]:
    response = await client.get(f"{value_url(code, period)}/history", headers=headers)
    assert response.status_code == 200, response.text
    revisions: list[dict[str, Any]] = response.json()["items"]
    return revisions


# The workflow


async def test_value_goes_from_draft_to_submitted_to_approved(
    client: AsyncClient, council: Council
) -> None:
    collector, head = council.collector, council.head
    saved = await save_value(
        client,
        collector.headers,
        "PI1",
        Q1,
        value=71.5,
        commentary="Two posts vacant",
        quality_flags=["provisional", "estimated"],
    )
    assert saved.status_code == 201, saved.text
    assert saved.headers["etag"] == '"1"'
    draft = saved.json()
    assert draft == {
        **draft,
        "indicator_code": "PI1",
        "period": Q1,
        "value": 71.5,
        "commentary": "Two posts vacant",
        "quality_flags": ["estimated", "provisional"],
        "status": "draft",
        "entered_by_id": str(collector.id),
        "submitted_at": None,
        "approved_value": None,
        "approved_at": None,
    }

    submitted = await step(client, collector.headers, "PI1", Q1, "submit")
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["status"] == "submitted"
    assert submitted.json()["submitted_at"] is not None

    approved = await step(client, head.headers, "PI1", Q1, "approve")
    assert approved.status_code == 200, approved.text
    final = approved.json()
    assert (final["status"], final["value"], final["approved_value"]) == ("approved", 71.5, 71.5)
    assert final["decided_by_name"]
    assert final["approved_at"] is not None

    assert await read_value(client, council.councillor.headers) == {
        **await read_value(client, council.councillor.headers),
        "status": "approved",
        "value": 71.5,
        "commentary": "Two posts vacant",
    }
    assert [(r["action"], r["status"]) for r in await history(client, head.headers)] == [
        ("save", "draft"),
        ("submit", "submitted"),
        ("approve", "approved"),
    ]


async def test_rejected_value_goes_back_to_its_enterer_with_the_reason_and_is_resubmitted(
    client: AsyncClient, council: Council
) -> None:
    collector, head = council.collector, council.head
    await save_value(client, collector.headers, "PI1", Q1, value=71.5)
    await step(client, collector.headers, "PI1", Q1, "submit")

    rejected = await step(
        client, head.headers, "PI1", Q1, "reject", reason="Q1 excludes the hostel figures"
    )
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["rejection_reason"] == "Q1 excludes the hostel figures"

    # The enterer sees it, with the reason, and corrects it.
    mine = await read_value(client, collector.headers)
    assert (mine["status"], mine["rejection_reason"]) == (
        "rejected",
        "Q1 excludes the hostel figures",
    )
    corrected = await save_value(client, collector.headers, "PI1", Q1, value=73.0)
    assert corrected.status_code == 200, corrected.text
    assert (corrected.json()["status"], corrected.json()["rejection_reason"]) == ("draft", None)

    assert (await step(client, collector.headers, "PI1", Q1, "submit")).status_code == 200
    approved = await step(client, head.headers, "PI1", Q1, "approve")
    assert approved.status_code == 200, approved.text
    assert approved.json()["approved_value"] == 73

    revisions = await history(client, council.auditor.headers)
    assert [(r["number"], r["action"], r["status"], r["value"]) for r in revisions] == [
        (1, "save", "draft", 71.5),
        (2, "submit", "submitted", 71.5),
        (3, "reject", "rejected", 71.5),
        (4, "save", "draft", 73),
        (5, "submit", "submitted", 73),
        (6, "approve", "approved", 73),
    ]
    assert revisions[2]["reason"] == "Q1 excludes the hostel figures"
    assert revisions[2]["actor_id"] == str(head.id)
    assert revisions[0]["actor_id"] == str(collector.id)


async def test_rejected_value_can_be_resubmitted_unchanged(
    client: AsyncClient, council: Council
) -> None:
    collector, head = council.collector, council.head
    await save_value(client, collector.headers, "PI1", Q1, value=71.5)
    await step(client, collector.headers, "PI1", Q1, "submit")
    await step(client, head.headers, "PI1", Q1, "reject", reason="Check it")
    resubmitted = await step(client, collector.headers, "PI1", Q1, "submit")
    assert resubmitted.status_code == 200, resubmitted.text
    assert resubmitted.json()["status"] == "submitted"


async def test_an_approved_value_carries_no_rejection_reason(
    client: AsyncClient, council: Council
) -> None:
    collector, head = council.collector, council.head
    await save_value(client, collector.headers, "PI1", Q1, value=71.5)
    await step(client, collector.headers, "PI1", Q1, "submit")
    await step(client, head.headers, "PI1", Q1, "reject", reason="Check it")
    await step(client, collector.headers, "PI1", Q1, "submit")
    approved = await step(client, head.headers, "PI1", Q1, "approve")
    assert approved.json()["status"] == "approved"
    assert approved.json()["rejection_reason"] is None
    # The reason is not lost: the history keeps it.
    assert [r["reason"] for r in await history(client, head.headers)] == [
        None,
        None,
        "Check it",
        None,
        None,
    ]


@pytest.mark.parametrize(
    "body", [None, {}, {"reason": ""}, {"reason": "   "}, {"reason": "x" * 2001}, {"why": "x"}]
)
async def test_rejecting_needs_a_reason(
    client: AsyncClient, council: Council, body: dict[str, Any] | None
) -> None:
    await save_value(client, council.collector.headers, "PI1", Q1, value=71.5)
    await step(client, council.collector.headers, "PI1", Q1, "submit")
    response = await client.post(
        f"{value_url('PI1', Q1)}/reject", json=body, headers=council.head.headers
    )
    assert_invalid(response)
    assert (await read_value(client, council.head.headers))["status"] == "submitted"


async def test_a_step_out_of_turn_is_409(client: AsyncClient, council: Council) -> None:
    collector, head = council.collector, council.head
    await save_value(client, collector.headers, "PI1", Q1, value=71.5)
    for action in ("approve", "reject"):
        body = {"reason": "No"} if action == "reject" else {}
        assert_problem(await step(client, head.headers, "PI1", Q1, action, **body), 409)

    await step(client, collector.headers, "PI1", Q1, "submit")
    assert_problem(await step(client, collector.headers, "PI1", Q1, "submit"), 409)

    await step(client, head.headers, "PI1", Q1, "approve")
    for action in ("submit", "approve"):
        assert_problem(await step(client, head.headers, "PI1", Q1, action), 409)
    assert_problem(await step(client, head.headers, "PI1", Q1, "reject", reason="Late"), 409)
    assert (await read_value(client, head.headers))["status"] == "approved"


async def test_steps_on_a_value_never_entered_are_404(
    client: AsyncClient, council: Council
) -> None:
    for action in ("submit", "approve"):
        assert_problem(await step(client, council.head.headers, "PI1", Q1, action), 404)
    assert_problem(await client.get(value_url("PI1", Q1), headers=council.head.headers), 404)
    assert_problem(
        await client.get(f"{value_url('PI1', Q1)}/history", headers=council.head.headers), 404
    )


# Who may


async def test_an_approver_cannot_approve_their_own_entry(
    client: AsyncClient, council: Council
) -> None:
    head = council.head
    await save_value(client, head.headers, "PI1", Q1, value=71.5)
    await step(client, head.headers, "PI1", Q1, "submit")
    assert_problem(await step(client, head.headers, "PI1", Q1, "approve"), 403)
    assert (await read_value(client, head.headers))["status"] == "submitted"
    # Someone else may.
    assert (await step(client, council.perf.headers, "PI1", Q1, "approve")).status_code == 200


async def test_submitting_someone_elses_entry_also_counts_as_your_own(
    client: AsyncClient, council: Council
) -> None:
    await save_value(client, council.collector.headers, "PI1", Q1, value=71.5)
    await step(client, council.head.headers, "PI1", Q1, "submit")
    assert_problem(await step(client, council.head.headers, "PI1", Q1, "approve"), 403)


async def test_an_admin_may_approve_their_own_entry(client: AsyncClient, council: Council) -> None:
    admin = council.admin
    await save_value(client, admin.headers, "PI1", Q1, value=71.5)
    await step(client, admin.headers, "PI1", Q1, "submit")
    approved = await step(client, admin.headers, "PI1", Q1, "approve")
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"


async def test_staff_enter_values_only_for_indicators_they_collect_or_own(
    client: AsyncClient, council: Council
) -> None:
    for enterer in (council.collector, council.owner):
        saved = await save_value(client, enterer.headers, "PI1", Q1, value=70)
        assert saved.status_code in (200, 201), saved.text
    await set_target(client, council.perf.headers, "PI1", Q1, value=80)

    other = council.other_staff
    assert_problem(await save_value(client, other.headers, "PI1", Q1, value=60), 403)
    assert_problem(await step(client, other.headers, "PI1", Q1, "submit"), 403)
    assert (await step(client, council.owner.headers, "PI1", Q1, "submit")).status_code == 200
    # Staff never approve, not even what they collect.
    assert_problem(await step(client, council.collector.headers, "PI1", Q1, "approve"), 403)
    assert_problem(
        await step(client, council.collector.headers, "PI1", Q1, "reject", reason="No"), 403
    )
    assert (await read_value(client, council.perf.headers))["value"] == 70


async def test_values_are_entered_and_approved_in_scope_only(
    client: AsyncClient, factory: Factory, council: Council
) -> None:
    wst_head = await person(factory, Role.HEAD_OF_SERVICE, "WST")
    assert_problem(await save_value(client, wst_head.headers, "PI1", Q1, value=70), 403)
    await save_value(client, council.collector.headers, "PI1", Q1, value=70)
    await step(client, council.collector.headers, "PI1", Q1, "submit")
    assert_problem(await step(client, wst_head.headers, "PI1", Q1, "approve"), 403)
    for role in (Role.COUNCILLOR, Role.AUDITOR):
        who = await person(factory, role)
        assert_problem(await save_value(client, who.headers, "PI1", Q1, value=70), 403)
        assert_problem(await step(client, who.headers, "PI1", Q1, "approve"), 403)
    director = await person(factory, Role.DIRECTOR, "PEO")
    assert (await step(client, director.headers, "PI1", Q1, "approve")).status_code == 200


async def test_anonymous_gets_401_on_every_value_endpoint(
    client: AsyncClient, council: Council
) -> None:
    url = value_url("PI1", Q1)
    for method, path in (
        ("GET", f"{INDICATORS}/PI1/values"),
        ("GET", url),
        ("PUT", url),
        ("POST", f"{url}/submit"),
        ("POST", f"{url}/approve"),
        ("POST", f"{url}/reject"),
        ("GET", f"{url}/history"),
    ):
        response = await client.request(method, path, json={"value": 1, "reason": "x"})
        assert_problem(response, 401)


# What a value must be


@pytest.mark.parametrize("value", [71.25, 71.05, 0.001, "71.55"])
async def test_more_decimals_than_the_indicator_keeps_is_422_never_rounded(
    client: AsyncClient, council: Council, value: Any
) -> None:
    response = await save_value(client, council.head.headers, "PI1", Q1, value=value)
    assert_invalid(response, "value")
    assert_problem(await client.get(value_url("PI1", Q1), headers=council.head.headers), 404)


async def test_trailing_zeros_are_not_extra_decimals(client: AsyncClient, council: Council) -> None:
    response = await client.put(
        value_url("PI1", Q1),
        content=b'{"value": 71.50}',
        headers={**council.head.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["value"] == 71.5


async def test_a_currency_value_is_kept_to_the_penny(client: AsyncClient, council: Council) -> None:
    await create_indicator(
        client, council.perf.headers, "CU1", value_type="currency", decimal_places=2
    )
    saved = await save_value(client, council.head.headers, "CU1", Q1, value=98765432.1)
    assert saved.status_code == 201, saved.text
    for figure in (98765432.01, 0.07, 1234567.89):
        await save_value(client, council.head.headers, "CU1", Q1, value=figure)
        assert (await read_value(client, council.head.headers, "CU1"))["value"] == figure


def raw_json(headers: Headers) -> Headers:
    return {**headers, "Content-Type": "application/json"}


@pytest.mark.parametrize("kind", ["values", "targets"])
async def test_a_figure_too_large_to_store_is_422_not_a_500(
    client: AsyncClient, council: Council, kind: str
) -> None:
    await create_indicator(
        client, council.perf.headers, "BG1", value_type="number", decimal_places=0
    )
    response = await client.put(
        f"{INDICATORS}/BG1/{kind}/{Q1}",
        content=b'{"value": 123456789012345678901234}',
        headers=raw_json(council.perf.headers),
    )
    assert_invalid(response, "value")


async def test_a_whole_number_is_read_back_exactly(client: AsyncClient, council: Council) -> None:
    await create_indicator(
        client, council.perf.headers, "BG2", value_type="count", decimal_places=0
    )
    saved = await client.put(
        value_url("BG2", Q1),
        content=b'{"value": 12345678901234567}',
        headers=raw_json(council.head.headers),
    )
    assert saved.status_code == 201, saved.text
    read = await read_value(client, council.head.headers, "BG2")
    assert read["value"] == 12345678901234567
    assert isinstance(read["value"], int)


async def test_value_is_computed_from_numerator_and_denominator_when_left_out(
    client: AsyncClient, council: Council
) -> None:
    saved = await save_value(client, council.head.headers, "PI1", Q1, numerator=45, denominator=60)
    assert saved.status_code == 201, saved.text
    assert (saved.json()["value"], saved.json()["numerator"], saved.json()["denominator"]) == (
        75,
        45,
        60,
    )
    # Rounded half up to the indicator's places: 2/3 = 66.666...% -> 66.7.
    thirds = await save_value(client, council.head.headers, "PI1", Q1, numerator=2, denominator=3)
    assert thirds.json()["value"] == 66.7
    agreeing = await save_value(
        client, council.head.headers, "PI1", Q1, value=66.7, numerator=2, denominator=3
    )
    assert agreeing.status_code == 200, agreeing.text


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"value": 74, "numerator": 45, "denominator": 60}, "value"),
        ({"value": 66.6, "numerator": 2, "denominator": 3}, "value"),
        ({"value": 75, "numerator": 45}, "denominator"),
        ({"value": 75, "denominator": 60}, "denominator"),
        ({"numerator": 45, "denominator": 0}, "denominator"),
        ({"numerator": 45}, "denominator"),
        ({}, "value"),
        ({"commentary": "No figure yet"}, "value"),
    ],
)
async def test_numerator_and_denominator_must_agree_with_the_value(
    client: AsyncClient, council: Council, body: dict[str, Any], field: str
) -> None:
    assert_invalid(await save_value(client, council.head.headers, "PI1", Q1, **body), field)


async def test_a_ratio_of_a_number_is_not_scaled_by_100(
    client: AsyncClient, council: Council
) -> None:
    await create_indicator(
        client, council.perf.headers, "RN1", value_type="number", decimal_places=2
    )
    saved = await save_value(client, council.head.headers, "RN1", Q1, numerator=3, denominator=4)
    assert saved.json()["value"] == 0.75


@pytest.mark.parametrize(("value", "kind"), [(-1, "below_min_value"), (2.5, "not_integer")])
async def test_a_count_is_a_whole_number_not_below_zero(
    client: AsyncClient, council: Council, value: float, kind: str
) -> None:
    await create_indicator(
        client, council.perf.headers, "CN1", value_type="count", decimal_places=1
    )
    errors = assert_invalid(await save_value(client, council.head.headers, "CN1", Q1, value=value))
    assert kind in {error["type"] for error in errors}
    assert (await save_value(client, council.head.headers, "CN1", Q1, value=0)).status_code == 201


async def test_a_number_may_be_negative(client: AsyncClient, council: Council) -> None:
    await create_indicator(client, council.perf.headers, "NG1", value_type="number")
    saved = await save_value(client, council.head.headers, "NG1", Q1, value=-2.5)
    assert saved.status_code == 201, saved.text


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"value": "seventy"}, "value"),
        ({"value": "NaN"}, "value"),
        ({"value": "Infinity"}, "value"),
        ({"value": True, "numerator": "x", "denominator": 60}, "numerator"),
        ({"value": [70]}, "value"),
        ({"value": 70, "quality_flags": ["guessed"]}, "quality_flags"),
        ({"value": 70, "quality_flags": "estimated"}, "quality_flags"),
        ({"value": 70, "commentary": "x" * 10_001}, "commentary"),
        ({"value": 70, "status": "approved"}, "status"),
        ({"value": 70, "valu": 71}, "valu"),
        ({"value": 1e30}, "value"),
    ],
)
async def test_invalid_value_fields_are_422(
    client: AsyncClient, council: Council, body: dict[str, Any], field: str
) -> None:
    assert_invalid(await save_value(client, council.head.headers, "PI1", Q1, **body), field)
    assert_problem(await client.get(value_url("PI1", Q1), headers=council.head.headers), 404)


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
async def test_nan_and_infinity_literals_are_422(
    client: AsyncClient, council: Council, literal: str
) -> None:
    response = await client.put(
        value_url("PI1", Q1),
        content=json.dumps({"value": 0}).replace("0", literal).encode(),
        headers={**council.head.headers, "Content-Type": "application/json"},
    )
    assert_invalid(response, "value")


# When and where a value may be entered


async def test_future_and_closed_periods_take_no_values(
    client: AsyncClient, factory: Factory, council: Council
) -> None:
    await factory.financial_year(2026, open_all=False)
    head = council.head.headers
    assert_problem(await save_value(client, head, "PI1", "2026-27-Q1", value=70), 409)

    await save_value(client, council.collector.headers, "PI1", "2025-26-Q2", value=70)
    await close_period(client, council.perf.headers, "2025-26-Q2")
    assert_problem(await save_value(client, head, "PI1", "2025-26-Q2", value=71), 409)
    assert_problem(
        await step(client, council.collector.headers, "PI1", "2025-26-Q2", "submit"), 409
    )
    assert (await read_value(client, head, period="2025-26-Q2"))["value"] == 70


@pytest.mark.parametrize(
    ("frequency", "refused"),
    [
        ("monthly", ["2025-26-Q1", "2025-26"]),
        ("quarterly", ["2025-04", "2025-26"]),
        ("annual", ["2025-26-Q1", "2025-04"]),
    ],
)
async def test_values_are_for_periods_of_the_indicators_own_frequency(
    client: AsyncClient, council: Council, frequency: str, refused: list[str]
) -> None:
    await create_indicator(client, council.perf.headers, "FQ1", frequency=frequency)
    for period in refused:
        assert_problem(await save_value(client, council.head.headers, "FQ1", period, value=7), 409)


@pytest.mark.parametrize("period", ["2031-32-Q1", "2025-26-Q9", "soon"])
async def test_unknown_period_is_404(client: AsyncClient, council: Council, period: str) -> None:
    assert_problem(await save_value(client, council.head.headers, "PI1", period, value=7), 404)


async def test_unknown_indicator_is_404(client: AsyncClient, council: Council) -> None:
    assert_problem(await save_value(client, council.head.headers, "NOPE", Q1, value=7), 404)
    assert_problem(await client.get(f"{INDICATORS}/NOPE/values", headers=council.head.headers), 404)


async def test_a_retired_indicator_takes_no_values(client: AsyncClient, council: Council) -> None:
    await approved_value(
        client, council.collector.headers, council.head.headers, "PI1", Q1, value=70
    )
    retired = await client.delete(f"{INDICATORS}/PI1", headers=council.perf.headers)
    assert retired.status_code == 200, retired.text
    assert_problem(
        await save_value(client, council.head.headers, "PI1", "2025-26-Q2", value=7), 409
    )
    assert_problem(await save_value(client, council.head.headers, "PI1", Q1, value=71), 409)
    assert (await read_value(client, council.councillor.headers))["value"] == 70


# Revisions


async def test_every_change_keeps_a_revision(client: AsyncClient, council: Council) -> None:
    collector = council.collector
    await save_value(client, collector.headers, "PI1", Q1, value=70, commentary="First go")
    await save_value(client, collector.headers, "PI1", Q1, value=70.5, quality_flags=["estimated"])
    revisions = await history(client, collector.headers)
    assert [
        (r["number"], r["action"], r["value"], r["commentary"], r["quality_flags"])
        for r in revisions
    ] == [
        (1, "save", 70, "First go", []),
        (2, "save", 70.5, None, ["estimated"]),
    ]
    assert all(r["actor_id"] == str(collector.id) and r["at"] for r in revisions)


async def test_saving_the_same_figures_again_changes_nothing(
    client: AsyncClient, council: Council
) -> None:
    first = await save_value(client, council.head.headers, "PI1", Q1, value=70, commentary="Same")
    again = await save_value(client, council.head.headers, "PI1", Q1, value=70.0, commentary="Same")
    assert again.status_code == 200, again.text
    assert again.headers["etag"] == first.headers["etag"]
    assert len(await history(client, council.head.headers)) == 1


async def test_changing_an_approved_value_sends_it_back_as_revised_while_reports_keep_it(
    client: AsyncClient, council: Council
) -> None:
    collector, head, perf = council.collector, council.head, council.perf
    await set_target(client, perf.headers, "PI1", Q1, value=80)
    await approved_value(
        client, collector.headers, head.headers, "PI1", Q1, value=70, commentary="Published"
    )

    revised = await save_value(client, collector.headers, "PI1", Q1, value=85, commentary="Fixed")
    assert revised.status_code == 200, revised.text
    draft = revised.json()
    assert (draft["status"], draft["value"], draft["approved_value"]) == ("draft", 85, 70)
    assert "revised" in draft["quality_flags"]

    # Reports, and everyone who sees approved data only, still read the approved figure.
    status = await status_of(client, perf.headers, "PI1", Q1)
    assert (status["value"], status["rag"], status["commentary"]) == (70, "red", "Published")
    assert status["value_status"] == "draft"
    public = await read_value(client, council.councillor.headers)
    assert (public["status"], public["value"], public["commentary"]) == (
        "approved",
        70,
        "Published",
    )
    assert "revised" not in public["quality_flags"]
    listed = await client.get(f"{INDICATORS}/PI1/values", headers=council.councillor.headers)
    assert [v["value"] for v in listed.json()["items"]] == [70]
    card = await client.get(
        f"{API}/reports/scorecard", params={"period": Q1}, headers=council.councillor.headers
    )
    assert [(row["value"], row["value_status"]) for row in card.json()["rows"]] == [
        (70, "approved")
    ]

    # Once the revision is approved, it is what everyone reads.
    await step(client, collector.headers, "PI1", Q1, "submit")
    await step(client, head.headers, "PI1", Q1, "approve")
    status = await status_of(client, perf.headers, "PI1", Q1)
    assert (status["value"], status["rag"], status["value_status"]) == (85, "green", "approved")
    public = await read_value(client, council.councillor.headers)
    assert public["value"] == 85
    assert "revised" in public["quality_flags"]


# Lateness


async def due_date(client: AsyncClient, headers: Headers, period: str) -> date:
    response = await client.get(f"{API}/periods/{period}", headers=headers)
    assert response.status_code == 200, response.text
    return date.fromisoformat(response.json()["data_due_date"])


async def test_a_value_first_submitted_after_the_due_date_is_late_and_stays_late(
    client: AsyncClient, council: Council, freeze: Callable[[datetime], None]
) -> None:
    collector, head = council.collector, council.head
    due = await due_date(client, head.headers, Q1)
    freeze(datetime.combine(due, time(17, 0), tzinfo=UTC))
    await save_value(client, collector.headers, "PI1", Q1, value=70)
    freeze(datetime.combine(due + timedelta(days=1), time(9, 0), tzinfo=UTC))

    submitted = await step(client, collector.headers, "PI1", Q1, "submit")
    assert submitted.json()["is_late"] is True
    assert submitted.json()["first_submitted_at"].startswith((due + timedelta(days=1)).isoformat())

    await step(client, head.headers, "PI1", Q1, "reject", reason="Wrong quarter")
    assert (await read_value(client, collector.headers))["is_late"] is True
    await save_value(client, collector.headers, "PI1", Q1, value=71)
    resubmitted = await step(client, collector.headers, "PI1", Q1, "submit")
    assert resubmitted.json()["is_late"] is True
    approved = await step(client, head.headers, "PI1", Q1, "approve")
    assert approved.json()["is_late"] is True
    assert (await read_value(client, council.councillor.headers))["is_late"] is True


async def test_a_value_submitted_on_the_due_date_is_on_time_even_if_resubmitted_later(
    client: AsyncClient, council: Council, freeze: Callable[[datetime], None]
) -> None:
    collector, head = council.collector, council.head
    due = await due_date(client, head.headers, Q1)
    freeze(datetime.combine(due, time(23, 59), tzinfo=UTC))
    await save_value(client, collector.headers, "PI1", Q1, value=70)
    submitted = await step(client, collector.headers, "PI1", Q1, "submit")
    assert submitted.json()["is_late"] is False

    freeze(datetime.combine(due + timedelta(days=20), time(9, 0), tzinfo=UTC))
    await step(client, head.headers, "PI1", Q1, "reject", reason="Recheck")
    resubmitted = await step(client, collector.headers, "PI1", Q1, "submit")
    assert resubmitted.json()["is_late"] is False


# Who sees drafts


async def test_drafts_are_invisible_to_councillors(
    client: AsyncClient, factory: Factory, council: Council
) -> None:
    collector, head = council.collector, council.head
    await approved_value(client, collector.headers, head.headers, "PI1", Q1, value=70)
    await save_value(client, collector.headers, "PI1", "2025-26-Q2", value=72)
    await save_value(client, collector.headers, "PI1", "2025-26-Q3", value=73)
    await step(client, collector.headers, "PI1", "2025-26-Q3", "submit")

    councillor = council.councillor.headers
    listed = await client.get(f"{INDICATORS}/PI1/values", headers=councillor)
    assert listed.status_code == 200
    assert [(v["period"], v["status"], v["value"]) for v in listed.json()["items"]] == [
        (Q1, "approved", 70)
    ]
    for period in ("2025-26-Q2", "2025-26-Q3"):
        assert_problem(await client.get(value_url("PI1", period), headers=councillor), 404)
        assert_problem(
            await client.get(f"{value_url('PI1', period)}/history", headers=councillor), 404
        )
    assert_problem(await client.get(f"{value_url('PI1', Q1)}/history", headers=councillor), 404)
    approved = await read_value(client, councillor)
    assert (approved["entered_by_id"], approved["rejection_reason"]) == (None, None)

    # Nor do insiders of other units, who may not act on them.
    for outsider in (Role.HEAD_OF_SERVICE, Role.DIRECTOR):
        elsewhere = await person(
            factory, outsider, "WST" if outsider is Role.HEAD_OF_SERVICE else "PLA"
        )
        listed = await client.get(f"{INDICATORS}/PI1/values", headers=elsewhere.headers)
        assert [v["status"] for v in listed.json()["items"]] == ["approved"]
        assert_problem(
            await client.get(value_url("PI1", "2025-26-Q2"), headers=elsewhere.headers), 404
        )

    # Those who may act on drafts see all three.
    for insider in (collector, head, council.perf, council.auditor, council.admin):
        listed = await client.get(f"{INDICATORS}/PI1/values", headers=insider.headers)
        assert [(v["period"], v["status"]) for v in listed.json()["items"]] == [
            (Q1, "approved"),
            ("2025-26-Q2", "draft"),
            ("2025-26-Q3", "submitted"),
        ], insider


async def test_staff_who_neither_collect_nor_own_see_approved_values_only(
    client: AsyncClient, council: Council
) -> None:
    await save_value(client, council.collector.headers, "PI1", Q1, value=72)
    assert_problem(await client.get(value_url("PI1", Q1), headers=council.other_staff.headers), 404)
    listed = await client.get(f"{INDICATORS}/PI1/values", headers=council.other_staff.headers)
    assert listed.json()["items"] == []


async def test_values_list_by_financial_year(
    client: AsyncClient, factory: Factory, council: Council
) -> None:
    await factory.financial_year(2024)
    await save_value(client, council.head.headers, "PI1", "2024-25-Q4", value=60)
    await save_value(client, council.head.headers, "PI1", Q1, value=70)
    url = f"{INDICATORS}/PI1/values"
    everything = await client.get(url, headers=council.head.headers)
    assert [v["period"] for v in everything.json()["items"]] == ["2024-25-Q4", Q1]
    this_year = await client.get(
        url, params={"financial_year": "2025-26"}, headers=council.head.headers
    )
    assert [v["period"] for v in this_year.json()["items"]] == [Q1]


# Concurrency


async def test_stale_if_match_is_412_on_every_step(client: AsyncClient, council: Council) -> None:
    collector, head = council.collector, council.head
    first = await save_value(client, collector.headers, "PI1", Q1, value=70)
    etag = first.headers["etag"]
    second = await client.put(
        value_url("PI1", Q1), json={"value": 71}, headers={**collector.headers, "If-Match": etag}
    )
    assert second.status_code == 200, second.text
    assert second.headers["etag"] != etag

    stale = {**collector.headers, "If-Match": etag}
    assert_problem(await client.put(value_url("PI1", Q1), json={"value": 72}, headers=stale), 412)
    assert_problem(await client.post(f"{value_url('PI1', Q1)}/submit", headers=stale), 412)
    fresh = {**collector.headers, "If-Match": second.headers["etag"]}
    submitted = await client.post(f"{value_url('PI1', Q1)}/submit", headers=fresh)
    assert submitted.status_code == 200, submitted.text
    stale_approve = {**head.headers, "If-Match": second.headers["etag"]}
    assert_problem(await client.post(f"{value_url('PI1', Q1)}/approve", headers=stale_approve), 412)

    current = await client.get(value_url("PI1", Q1), headers=head.headers)
    assert current.headers["etag"] == submitted.headers["etag"]
    assert (current.json()["status"], current.json()["value"]) == ("submitted", 71)


# Listing


async def test_the_values_list_pages_what_the_reader_may_see_and_counts_it_all(
    client: AsyncClient, council: Council
) -> None:
    collector, head = council.collector.headers, council.head.headers
    for quarter in ("Q1", "Q2", "Q3"):
        await approved_value(client, collector, head, "PI1", f"2025-26-{quarter}", value=60)
    saved = await save_value(client, collector, "PI1", "2025-26-Q4", value=61)  # a draft
    assert saved.status_code == 201, saved.text

    async def page(headers: Headers, number: int) -> tuple[list[str], int, str]:
        response = await client.get(
            f"{INDICATORS}/PI1/values", params={"page": number, "page_size": 2}, headers=headers
        )
        assert response.status_code == 200, response.text
        body = response.json()
        return [v["period"] for v in body["items"]], body["total"], response.headers["link"]

    # The collector sees the draft too; a councillor the approved figures only.
    assert (await page(collector, 1))[:2] == (["2025-26-Q1", "2025-26-Q2"], 4)
    assert (await page(collector, 2))[:2] == (["2025-26-Q3", "2025-26-Q4"], 4)
    first = await page(council.councillor.headers, 1)
    assert first[:2] == (["2025-26-Q1", "2025-26-Q2"], 3)
    assert 'page=2&page_size=2>; rel="next"' in first[2]
    assert (await page(council.councillor.headers, 2))[:2] == (["2025-26-Q3"], 3)
