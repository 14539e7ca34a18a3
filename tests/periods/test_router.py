"""The reporting calendar over HTTP: financial years, their periods, and the open/closed lock."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from httpx import AsyncClient

from app.access.permissions import Role
from tests.factories import Factory
from tests.helpers import assert_invalid, assert_problem, bearer

FY = "/api/v1/financial-years"
PERIODS = "/api/v1/periods"
HUGE = "x" * (1024 * 1024 + 1)
REASON = {"reason": "Late correction agreed by the Performance Board"}

# code: (kind, start_date, end_date, data_due_date, board_date), worked out by hand from the
# England and Wales bank holidays (Early May 2025, New Year 2026, Easter 2026).
EXPECTED_2025: dict[str, tuple[str, str, str, str, str | None]] = {
    "2025-26": ("year", "2025-04-01", "2026-03-31", "2026-04-16", None),
    "2025-26-Q1": ("quarter", "2025-04-01", "2025-06-30", "2025-07-14", "2025-07-21"),
    "2025-26-Q2": ("quarter", "2025-07-01", "2025-09-30", "2025-10-14", "2025-10-21"),
    "2025-26-Q3": ("quarter", "2025-10-01", "2025-12-31", "2026-01-15", "2026-01-21"),
    "2025-26-Q4": ("quarter", "2026-01-01", "2026-03-31", "2026-04-16", "2026-04-21"),
    "2025-04": ("month", "2025-04-01", "2025-04-30", "2025-05-15", None),
    "2025-05": ("month", "2025-05-01", "2025-05-31", "2025-06-13", None),
    "2025-06": ("month", "2025-06-01", "2025-06-30", "2025-07-14", None),
    "2025-07": ("month", "2025-07-01", "2025-07-31", "2025-08-14", None),
    "2025-08": ("month", "2025-08-01", "2025-08-31", "2025-09-12", None),
    "2025-09": ("month", "2025-09-01", "2025-09-30", "2025-10-14", None),
    "2025-10": ("month", "2025-10-01", "2025-10-31", "2025-11-14", None),
    "2025-11": ("month", "2025-11-01", "2025-11-30", "2025-12-12", None),
    "2025-12": ("month", "2025-12-01", "2025-12-31", "2026-01-15", None),
    "2026-01": ("month", "2026-01-01", "2026-01-31", "2026-02-13", None),
    "2026-02": ("month", "2026-02-01", "2026-02-28", "2026-03-13", None),
    "2026-03": ("month", "2026-03-01", "2026-03-31", "2026-04-16", None),
}
Q1_AND_MONTHS = ["2025-26-Q1", "2025-04", "2025-05", "2025-06"]

Snapshot = tuple[list[dict[str, Any]], int]


async def snapshot(client: AsyncClient, admin: dict[str, str]) -> Snapshot:
    """Every period and the audit trail's length: equal snapshots mean nothing changed."""
    periods = await client.get(PERIODS, params={"page_size": 500}, headers=admin)
    events = await client.get("/api/v1/audit-events", params={"page_size": 1}, headers=admin)
    assert periods.status_code == events.status_code == 200
    return periods.json()["items"], events.json()["total"]


async def statuses(client: AsyncClient, headers: dict[str, str], **params: Any) -> dict[str, str]:
    response = await client.get(PERIODS, params={"page_size": 500, **params}, headers=headers)
    assert response.status_code == 200, response.text
    return {period["code"]: period["status"] for period in response.json()["items"]}


async def period_events(
    client: AsyncClient, admin: dict[str, str], **params: str
) -> list[dict[str, Any]]:
    response = await client.get(
        "/api/v1/audit-events",
        params={"entity_type": "period", "page_size": 500, **params},
        headers=admin,
    )
    assert response.status_code == 200
    items: list[dict[str, Any]] = response.json()["items"]
    return items


@pytest.fixture
async def admin_id(factory: Factory) -> uuid.UUID:
    return await factory.user(Role.ADMIN)


@pytest.fixture
def admin(factory: Factory, admin_id: uuid.UUID) -> dict[str, str]:
    return bearer(factory, admin_id)


@pytest.fixture
async def officer(factory: Factory) -> dict[str, str]:
    return await factory.headers(Role.PERFORMANCE_TEAM)


@pytest.fixture
async def future_year(factory: Factory) -> None:
    await factory.financial_year(2025, open_all=False)


# --- who may do what -----------------------------------------------------------------------

ENDPOINTS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("POST", FY, {"start_year": 2026}),
    ("GET", FY, None),
    ("GET", f"{FY}/2025-26", None),
    ("GET", PERIODS, None),
    ("GET", f"{PERIODS}/2025-26-Q1", None),
    ("PATCH", f"{PERIODS}/2025-26-Q1", {"board_date": "2025-07-28"}),
    ("POST", f"{PERIODS}/2025-26-Q1/open", None),
    ("POST", f"{PERIODS}/2025-26-Q1/close", None),
    ("POST", f"{PERIODS}/2025-26-Q1/reopen", REASON),
]
WRITES = [(m, p, b) for m, p, b in ENDPOINTS if m != "GET"]
READS = [(m, p, b) for m, p, b in ENDPOINTS if m == "GET"]


@pytest.mark.parametrize(
    ("method", "path", "body"), ENDPOINTS, ids=[f"{m} {p}" for m, p, _ in ENDPOINTS]
)
async def test_anonymous_callers_get_401_with_a_bearer_challenge(
    client: AsyncClient, future_year: None, method: str, path: str, body: dict[str, Any] | None
) -> None:
    response = await client.request(method, path, json=body)

    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(("method", "path", "body"), READS, ids=[p for _, p, _ in READS])
async def test_a_person_with_no_role_cannot_read_the_calendar(
    client: AsyncClient, factory: Factory, future_year: None, method: str, path: str, body: None
) -> None:
    nobody = await factory.headers()

    assert_problem(await client.request(method, path, headers=nobody), 403)


@pytest.mark.parametrize(
    ("role", "unit"),
    [(Role.COUNCILLOR, None), (Role.STAFF, "HOU-OPT"), (Role.AUDITOR, None)],
    ids=str,
)
async def test_councillors_staff_and_auditors_read_the_calendar(
    client: AsyncClient, factory: Factory, future_year: None, role: Role, unit: str | None
) -> None:
    headers = await factory.headers(role, unit)

    for _, path, _ in READS:
        assert (await client.get(path, headers=headers)).status_code == 200


@pytest.mark.parametrize(
    ("role", "unit"),
    [
        (Role.DIRECTOR, "PEO"),
        (Role.HEAD_OF_SERVICE, "HOU"),
        (Role.STAFF, "HOU"),
        (Role.COUNCILLOR, None),
        (Role.AUDITOR, None),
    ],
    ids=str,
)
async def test_only_the_performance_team_and_admins_manage_the_calendar(
    client: AsyncClient,
    factory: Factory,
    admin: dict[str, str],
    future_year: None,
    role: Role,
    unit: str | None,
) -> None:
    headers = await factory.headers(role, unit)
    before = await snapshot(client, admin)

    for method, path, body in WRITES:
        assert_problem(await client.request(method, path, json=body, headers=headers), 403)

    assert await snapshot(client, admin) == before


# --- creating a financial year -------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.PERFORMANCE_TEAM, Role.ADMIN], ids=str)
async def test_creating_2025_makes_2025_26_its_quarters_and_months_with_due_and_board_dates(
    client: AsyncClient, factory: Factory, role: Role
) -> None:
    headers = await factory.headers(role)

    response = await client.post(FY, json={"start_year": 2025}, headers=headers)

    assert response.status_code == 201, response.text
    year = response.json()
    assert (year["code"], year["start_year"], year["status"]) == ("2025-26", 2025, "future")
    assert (year["start_date"], year["end_date"]) == ("2025-04-01", "2026-03-31")
    assert [period["code"] for period in year["periods"]] == list(EXPECTED_2025)
    for period in year["periods"]:
        assert (
            period["kind"],
            period["start_date"],
            period["end_date"],
            period["data_due_date"],
            period["board_date"],
        ) == EXPECTED_2025[period["code"]], period["code"]
        assert period["financial_year"] == "2025-26"
        assert period["status"] == "future"
        assert period["opened_at"] is None
        assert period["closed_at"] is None
    assert response.headers["location"] == f"{FY}/2025-26"
    assert (await client.get(response.headers["location"], headers=headers)).json() == year


async def test_creating_a_year_is_audited_with_the_periods_it_made(
    client: AsyncClient, admin: dict[str, str], admin_id: uuid.UUID
) -> None:
    response = await client.post(FY, json={"start_year": 2025}, headers=admin)

    events = await client.get(
        "/api/v1/audit-events", params={"entity_type": "financial_year"}, headers=admin
    )
    [event] = events.json()["items"]
    assert (event["action"], event["entity_id"], event["actor_id"]) == (
        "create",
        "2025-26",
        str(admin_id),
    )
    assert event["after"]["periods"] == list(EXPECTED_2025)
    assert event["request_id"] == response.headers["x-request-id"]


async def test_a_year_that_exists_already_is_409_and_keeps_its_periods(
    client: AsyncClient, factory: Factory, officer: dict[str, str], admin: dict[str, str]
) -> None:
    await factory.financial_year(2025)
    before = await snapshot(client, admin)

    response = await client.post(FY, json={"start_year": 2025}, headers=officer)

    assert assert_problem(response, 409)["type"].endswith("financial-year-exists")
    assert await snapshot(client, admin) == before
    assert set((await statuses(client, admin)).values()) == {"open"}


async def test_the_years_are_listed_oldest_first(
    client: AsyncClient, officer: dict[str, str]
) -> None:
    for start_year in (2026, 2024, 2025):
        assert (await client.post(FY, json={"start_year": start_year}, headers=officer)).is_success

    response = await client.get(FY, headers=officer)

    assert response.status_code == 200
    assert [year["code"] for year in response.json()["items"]] == ["2024-25", "2025-26", "2026-27"]
    assert [year["start_date"] for year in response.json()["items"]] == [
        "2024-04-01",
        "2025-04-01",
        "2026-04-01",
    ]


@pytest.mark.parametrize("code", ["2025-26-Q1", "2025-04", "2030-31", "twenty"])
async def test_a_financial_year_that_is_not_one_is_404(
    client: AsyncClient, officer: dict[str, str], future_year: None, code: str
) -> None:
    assert_problem(await client.get(f"{FY}/{code}", headers=officer), 404)


@pytest.mark.parametrize(
    "body",
    [
        {"start_year": 2011},
        {"start_year": 2099},
        {"start_year": -2025},
        {"start_year": "twenty-five"},
        {"start_year": 2025.5},
        {"start_year": None},
        {"start_year": [2025]},
        {"start_year": True},
        {},
        {"start_year": 2025, "end_year": 2026},
        [2025],
    ],
    ids=[
        "before-2012",
        "after-2098",
        "negative",
        "words",
        "fraction",
        "null",
        "list",
        "boolean",
        "missing",
        "unknown-field",
        "not-an-object",
    ],
)
async def test_an_invalid_start_year_is_422_and_creates_nothing(
    client: AsyncClient, officer: dict[str, str], admin: dict[str, str], body: Any
) -> None:
    before = await snapshot(client, admin)

    response = await client.post(FY, json=body, headers=officer)

    errors = assert_invalid(response)
    assert all(error["loc"][0] == "body" for error in errors)
    assert await snapshot(client, admin) == before
    assert before[0] == []


@pytest.mark.parametrize("start_year", [2012, 2098])
async def test_the_first_and_last_allowed_years_can_be_created(
    client: AsyncClient, officer: dict[str, str], start_year: int
) -> None:
    response = await client.post(FY, json={"start_year": start_year}, headers=officer)

    assert response.status_code == 201
    assert len(response.json()["periods"]) == 17


# --- listing and reading periods -----------------------------------------------------------


async def test_a_years_periods_are_listed_in_date_order_year_quarter_then_its_months(
    client: AsyncClient, officer: dict[str, str], future_year: None
) -> None:
    response = await client.get(PERIODS, params={"financial_year": "2025-26"}, headers=officer)

    body = response.json()
    assert body["total"] == 17
    assert [period["code"] for period in body["items"]][:7] == [
        "2025-26",
        "2025-26-Q1",
        "2025-04",
        "2025-05",
        "2025-06",
        "2025-26-Q2",
        "2025-07",
    ]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"kind": "year"}, ["2024-25", "2025-26"]),
        (
            {"kind": "quarter", "financial_year": "2025-26"},
            ["2025-26-Q1", "2025-26-Q2", "2025-26-Q3", "2025-26-Q4"],
        ),
        (
            {"kind": "month", "financial_year": "2024-25"},
            [f"2024-{m:02d}" for m in range(4, 13)] + ["2025-01", "2025-02", "2025-03"],
        ),
        ({"status": "open"}, ["2025-26-Q1"]),
        ({"status": "closed"}, ["2024-25-Q4"]),
        (
            {"status": "future", "kind": "quarter", "financial_year": "2025-26"},
            ["2025-26-Q2", "2025-26-Q3", "2025-26-Q4"],
        ),
        ({"financial_year": "2030-31"}, []),
    ],
    ids=lambda value: str(value),
)
async def test_periods_filter_by_financial_year_kind_and_status(
    client: AsyncClient,
    factory: Factory,
    officer: dict[str, str],
    params: dict[str, str],
    expected: list[str],
) -> None:
    await factory.financial_year(2024, open_all=False)
    await factory.financial_year(2025, open_all=False)
    for path in (
        f"{PERIODS}/2024-25-Q4/open",
        f"{PERIODS}/2024-25-Q4/close",
        f"{PERIODS}/2025-26-Q1/open",
    ):
        assert (await client.post(path, headers=officer)).status_code == 200

    response = await client.get(PERIODS, params={"page_size": 500, **params}, headers=officer)

    assert response.status_code == 200
    assert [period["code"] for period in response.json()["items"]] == expected
    assert response.json()["total"] == len(expected)


async def test_periods_are_paged(
    client: AsyncClient, officer: dict[str, str], future_year: None
) -> None:
    response = await client.get(PERIODS, params={"page_size": 5, "page": 4}, headers=officer)

    body = response.json()
    assert (body["page"], body["page_size"], body["total"]) == (4, 5, 17)
    assert [period["code"] for period in body["items"]] == ["2026-02", "2026-03"]


@pytest.mark.parametrize(
    ("params", "loc"),
    [
        ({"kind": "week"}, ["query", "kind"]),
        ({"status": "locked"}, ["query", "status"]),
        ({"page_size": 501}, ["query", "page_size"]),
        ({"page": -1}, ["query", "page"]),
    ],
    ids=["unknown-kind", "unknown-status", "page-size-501", "negative-page"],
)
async def test_bad_list_parameters_are_422(
    client: AsyncClient, officer: dict[str, str], params: dict[str, Any], loc: list[str]
) -> None:
    assert_invalid(await client.get(PERIODS, params=params, headers=officer), loc)


async def test_one_period_is_read_by_its_code_with_an_etag(
    client: AsyncClient, officer: dict[str, str], future_year: None
) -> None:
    response = await client.get(f"{PERIODS}/2025-26-Q3", headers=officer)

    assert response.status_code == 200
    assert response.json() == {
        "code": "2025-26-Q3",
        "kind": "quarter",
        "financial_year": "2025-26",
        "start_date": "2025-10-01",
        "end_date": "2025-12-31",
        "status": "future",
        "data_due_date": "2026-01-15",
        "board_date": "2026-01-21",
        "opened_at": None,
        "closed_at": None,
    }
    assert response.headers["etag"]


@pytest.mark.parametrize("code", ["2030-31-Q1", "2025-13", "banana"])
async def test_an_unknown_period_is_404_whatever_is_asked_of_it(
    client: AsyncClient, admin: dict[str, str], future_year: None, code: str
) -> None:
    assert_problem(await client.get(f"{PERIODS}/{code}", headers=admin), 404)
    assert_problem(await client.patch(f"{PERIODS}/{code}", json={}, headers=admin), 404)
    for action in ("open", "close"):
        assert_problem(await client.post(f"{PERIODS}/{code}/{action}", headers=admin), 404)
    assert_problem(await client.post(f"{PERIODS}/{code}/reopen", json=REASON, headers=admin), 404)


# --- moving dates --------------------------------------------------------------------------


async def test_the_performance_team_moves_a_due_date_and_board_date_and_it_is_audited(
    client: AsyncClient, officer: dict[str, str], admin: dict[str, str], future_year: None
) -> None:
    response = await client.patch(
        f"{PERIODS}/2025-26-Q3",
        json={"data_due_date": "2026-01-20", "board_date": "2026-01-27"},
        headers=officer,
    )

    assert response.status_code == 200, response.text
    assert (response.json()["data_due_date"], response.json()["board_date"]) == (
        "2026-01-20",
        "2026-01-27",
    )
    fetched = (await client.get(f"{PERIODS}/2025-26-Q3", headers=officer)).json()
    assert fetched == response.json()
    [event] = await period_events(client, admin, entity_id="2025-26-Q3", action="update")
    assert event["before"]["data_due_date"] == "2026-01-15"
    assert event["after"]["data_due_date"] == "2026-01-20"
    assert event["after"]["board_date"] == "2026-01-27"


async def test_a_board_date_can_be_cleared(
    client: AsyncClient, officer: dict[str, str], future_year: None
) -> None:
    response = await client.patch(
        f"{PERIODS}/2025-26-Q1", json={"board_date": None}, headers=officer
    )

    assert response.status_code == 200
    assert response.json()["board_date"] is None
    assert response.json()["data_due_date"] == "2025-07-14"


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"data_due_date": "soon"}, ["body", "data_due_date"]),
        ({"board_date": "2025-13-40"}, ["body", "board_date"]),
        ({"board_date": [2025, 10, 21]}, ["body", "board_date"]),
        ({"status": "open"}, ["body", "status"]),
        ({"end_date": "2025-07-31"}, ["body", "end_date"]),
        ("2025-10-21", ["body"]),
    ],
    ids=[
        "due-words",
        "board-impossible",
        "board-list",
        "status-not-patchable",
        "end-date-not-patchable",
        "not-an-object",
    ],
)
async def test_changing_a_period_with_invalid_fields_is_422_and_changes_nothing(
    client: AsyncClient,
    officer: dict[str, str],
    admin: dict[str, str],
    future_year: None,
    body: Any,
    loc: list[Any],
) -> None:
    before = await snapshot(client, admin)

    response = await client.patch(f"{PERIODS}/2025-26-Q2", json=body, headers=officer)

    assert_invalid(response, loc)
    assert await snapshot(client, admin) == before


# --- opening, closing, reopening -----------------------------------------------------------


async def test_opening_a_future_period_opens_it_and_is_audited(
    client: AsyncClient, factory: Factory, admin: dict[str, str], future_year: None
) -> None:
    officer_id = await factory.user(Role.PERFORMANCE_TEAM)

    response = await client.post(f"{PERIODS}/2025-26-Q1/open", headers=bearer(factory, officer_id))

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "open"
    assert response.json()["opened_at"].endswith("Z")
    assert response.headers["etag"]
    assert (await statuses(client, admin, status="open")) == {"2025-26-Q1": "open"}
    [event] = await period_events(client, admin, entity_id="2025-26-Q1")
    assert (event["action"], event["actor_id"], event["reason"]) == ("open", str(officer_id), None)
    assert (event["before"]["status"], event["after"]["status"]) == ("future", "open")
    assert event["request_id"] == response.headers["x-request-id"]


async def test_closing_an_open_period_locks_it_and_is_audited(
    client: AsyncClient, officer: dict[str, str], admin: dict[str, str], future_year: None
) -> None:
    await client.post(f"{PERIODS}/2025-26-Q1/open", headers=officer)

    response = await client.post(f"{PERIODS}/2025-26-Q1/close", headers=officer)

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "closed"
    assert response.json()["closed_at"].endswith("Z")
    [event] = await period_events(client, admin, entity_id="2025-26-Q1", action="close")
    assert (event["before"]["status"], event["after"]["status"]) == ("open", "closed")


@pytest.mark.parametrize(
    ("setup", "action", "body"),
    [
        ([], "close", None),
        ([], "reopen", REASON),
        (["open"], "open", None),
        (["open"], "reopen", REASON),
        (["open", "close"], "open", None),
        (["open", "close"], "close", None),
    ],
    ids=[
        "close-future",
        "reopen-future",
        "open-open",
        "reopen-open",
        "open-closed",
        "close-closed",
    ],
)
async def test_a_transition_from_the_wrong_status_is_409_and_changes_nothing(
    client: AsyncClient,
    admin: dict[str, str],
    future_year: None,
    setup: list[str],
    action: str,
    body: dict[str, Any] | None,
) -> None:
    for step in setup:
        assert (await client.post(f"{PERIODS}/2025-26-Q2/{step}", headers=admin)).is_success
    before = await snapshot(client, admin)

    response = await client.post(f"{PERIODS}/2025-26-Q2/{action}", json=body, headers=admin)

    problem = assert_problem(response, 409)
    assert problem["type"].endswith("period-transition")
    assert problem["period"] == "2025-26-Q2"
    assert await snapshot(client, admin) == before


async def test_opening_a_closed_period_points_to_reopen(
    client: AsyncClient, officer: dict[str, str], future_year: None
) -> None:
    for step in ("open", "close"):
        await client.post(f"{PERIODS}/2025-26-Q1/{step}", headers=officer)

    response = await client.post(f"{PERIODS}/2025-26-Q1/open", headers=officer)

    assert "reopen" in assert_problem(response, 409)["detail"]


async def test_an_admin_reopens_a_closed_period_with_a_reason_that_is_audited(
    client: AsyncClient,
    admin: dict[str, str],
    admin_id: uuid.UUID,
    officer: dict[str, str],
    future_year: None,
) -> None:
    for step in ("open", "close"):
        await client.post(f"{PERIODS}/2025-26-Q1/{step}", headers=officer)

    response = await client.post(f"{PERIODS}/2025-26-Q1/reopen", json=REASON, headers=admin)

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "open"
    [event] = await period_events(client, admin, entity_id="2025-26-Q1", action="reopen")
    assert event["reason"] == REASON["reason"]
    assert event["actor_id"] == str(admin_id)
    assert (event["before"]["status"], event["after"]["status"]) == ("closed", "open")
    assert event["request_id"] == response.headers["x-request-id"]


async def test_the_performance_team_cannot_reopen_a_closed_period(
    client: AsyncClient, officer: dict[str, str], admin: dict[str, str], future_year: None
) -> None:
    for step in ("open", "close"):
        await client.post(f"{PERIODS}/2025-26-Q1/{step}", headers=officer)
    before = await snapshot(client, admin)

    response = await client.post(f"{PERIODS}/2025-26-Q1/reopen", json=REASON, headers=officer)

    assert_problem(response, 403)
    assert await snapshot(client, admin) == before


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        (None, ["body"]),
        ({}, ["body", "reason"]),
        ({"reason": ""}, ["body", "reason"]),
        ({"reason": "  "}, ["body", "reason"]),
        ({"reason": "ok"}, ["body", "reason"]),
        ({"reason": "x" * 2001}, ["body", "reason"]),
        ({"reason": 12345}, ["body", "reason"]),
        ({**REASON, "include_children": "some"}, ["body", "include_children"]),
        ({**REASON, "why": "typo"}, ["body", "why"]),
    ],
    ids=[
        "no-body",
        "no-reason",
        "empty",
        "blank",
        "too-short",
        "too-long",
        "number",
        "include-children-not-bool",
        "unknown-field",
    ],
)
async def test_reopening_without_a_proper_reason_is_422_and_changes_nothing(
    client: AsyncClient,
    admin: dict[str, str],
    future_year: None,
    body: dict[str, Any] | None,
    loc: list[Any],
) -> None:
    for step in ("open", "close"):
        await client.post(f"{PERIODS}/2025-26-Q1/{step}", headers=admin)
    before = await snapshot(client, admin)

    response = await client.post(f"{PERIODS}/2025-26-Q1/reopen", json=body, headers=admin)

    assert_invalid(response, loc)
    assert await snapshot(client, admin) == before


@pytest.mark.parametrize(
    ("action", "body", "loc"),
    [
        ("open", {"include_children": "some"}, ["body", "include_children"]),
        ("close", {"include_children": "some"}, ["body", "include_children"]),
        ("open", {"include_children": True, "force": True}, ["body", "force"]),
        ("close", {"include_children": True, "forced": True}, ["body", "forced"]),
        ("open", {"include_children": True, "reason": "not taken here"}, ["body", "reason"]),
        ("close", {"force": "yes", "reason": "board agreed"}, ["body", "force"]),
        ("close", {"force": True}, ["body", "reason"]),
        ("close", {"force": True, "reason": None}, ["body", "reason"]),
        ("close", {"force": True, "reason": "no"}, ["body", "reason"]),
        ("close", {"force": True, "reason": "x" * 2001}, ["body", "reason"]),
    ],
    ids=[
        "open-include-children-not-bool",
        "close-include-children-not-bool",
        "open-unknown-field",
        "close-unknown-field",
        "open-reason-not-taken",
        "close-force-not-bool",
        "close-force-without-reason",
        "close-force-with-null-reason",
        "close-force-with-short-reason",
        "close-force-with-oversized-reason",
    ],
)
async def test_opening_or_closing_with_invalid_fields_is_422_and_changes_nothing(
    client: AsyncClient,
    admin: dict[str, str],
    future_year: None,
    action: str,
    body: dict[str, Any],
    loc: list[Any],
) -> None:
    if action == "close":
        await client.post(f"{PERIODS}/2025-26-Q1/open", headers=admin)
    before = await snapshot(client, admin)

    response = await client.post(f"{PERIODS}/2025-26-Q1/{action}", json=body, headers=admin)

    assert_invalid(response, loc)
    assert await snapshot(client, admin) == before


async def test_opening_a_year_with_its_children_opens_all_17_periods_each_audited(
    client: AsyncClient, officer: dict[str, str], admin: dict[str, str], future_year: None
) -> None:
    response = await client.post(
        f"{PERIODS}/2025-26/open", json={"include_children": True}, headers=officer
    )

    assert response.status_code == 200, response.text
    assert response.json()["code"] == "2025-26"
    assert await statuses(client, admin) == dict.fromkeys(EXPECTED_2025, "open")
    events = await period_events(client, admin, action="open")
    assert sorted(event["entity_id"] for event in events) == sorted(EXPECTED_2025)
    assert {event["request_id"] for event in events} == {response.headers["x-request-id"]}


async def test_opening_a_period_without_its_children_leaves_them_as_they_were(
    client: AsyncClient, officer: dict[str, str], future_year: None
) -> None:
    await client.post(
        f"{PERIODS}/2025-26-Q1/open", json={"include_children": False}, headers=officer
    )

    assert await statuses(client, officer, status="open") == {"2025-26-Q1": "open"}


async def test_closing_a_quarter_with_its_children_closes_its_months_and_skips_closed_ones(
    client: AsyncClient, officer: dict[str, str], admin: dict[str, str], future_year: None
) -> None:
    await client.post(f"{PERIODS}/2025-26/open", json={"include_children": True}, headers=officer)
    await client.post(f"{PERIODS}/2025-04/close", headers=officer)

    response = await client.post(
        f"{PERIODS}/2025-26-Q1/close", json={"include_children": True}, headers=officer
    )

    assert response.status_code == 200, response.text
    assert await statuses(client, admin, status="closed") == dict.fromkeys(Q1_AND_MONTHS, "closed")
    assert len(await statuses(client, admin, status="open")) == 13
    closing = await period_events(client, admin, action="close")
    assert sorted(event["entity_id"] for event in closing) == sorted(Q1_AND_MONTHS)
    [april] = [event for event in closing if event["entity_id"] == "2025-04"]
    assert april["request_id"] != response.headers["x-request-id"]


async def test_reopening_with_children_reopens_them_and_records_the_reason_on_each(
    client: AsyncClient, officer: dict[str, str], admin: dict[str, str], future_year: None
) -> None:
    await client.post(f"{PERIODS}/2025-26/open", json={"include_children": True}, headers=officer)
    await client.post(
        f"{PERIODS}/2025-26-Q1/close", json={"include_children": True}, headers=officer
    )

    response = await client.post(
        f"{PERIODS}/2025-26-Q1/reopen", json={**REASON, "include_children": True}, headers=admin
    )

    assert response.status_code == 200, response.text
    assert await statuses(client, admin, status="closed") == {}
    reopening = await period_events(client, admin, action="reopen")
    assert sorted(event["entity_id"] for event in reopening) == sorted(Q1_AND_MONTHS)
    assert {event["reason"] for event in reopening} == {REASON["reason"]}


# --- malformed and oversized bodies --------------------------------------------------------

BODY_ENDPOINTS = [
    ("POST", FY),
    ("PATCH", f"{PERIODS}/2025-26-Q1"),
    ("POST", f"{PERIODS}/2025-26-Q1/open"),
    ("POST", f"{PERIODS}/2025-26-Q1/close"),
    ("POST", f"{PERIODS}/2025-26-Q1/reopen"),
]


@pytest.mark.parametrize(
    ("method", "path"), BODY_ENDPOINTS, ids=[f"{m} {p}" for m, p in BODY_ENDPOINTS]
)
async def test_malformed_json_is_400_and_changes_nothing(
    client: AsyncClient, admin: dict[str, str], future_year: None, method: str, path: str
) -> None:
    before = await snapshot(client, admin)

    response = await client.request(
        method,
        path,
        content=b'{"start_year": 20',
        headers={**admin, "Content-Type": "application/json"},
    )

    assert assert_problem(response, 400)["type"].endswith("malformed")
    assert await snapshot(client, admin) == before


@pytest.mark.parametrize(
    ("method", "path"), BODY_ENDPOINTS, ids=[f"{m} {p}" for m, p in BODY_ENDPOINTS]
)
async def test_an_oversized_body_is_413_and_changes_nothing(
    client: AsyncClient, admin: dict[str, str], future_year: None, method: str, path: str
) -> None:
    before = await snapshot(client, admin)

    response = await client.request(
        method, path, json={"start_year": 2026, "reason": HUGE}, headers=admin
    )

    assert response.status_code == 413
    assert await snapshot(client, admin) == before
