"""Who may see and change a person's objectives and appraisal reviews: the person, their line
managers up the chain, and admins. For everyone else (a colleague, a director who is not in
the chain, the performance team, a councillor, an auditor, a person with no role, a machine
client) they do not exist: 404 for reads and writes alike, nothing written, never a 403 that
would tell them there is something there. Signed out: 401.
"""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient

from tests.appraisals.helpers import YEAR, Team, machine_client
from tests.factories import Factory
from tests.helpers import API, Headers, answer_and_audit, assert_problem

# (name, method, path, body); {person}, {objective} and {review} are filled in per team.
Endpoint = tuple[str, str, str, dict[str, Any] | None]
ENDPOINTS: list[Endpoint] = [
    ("read list", "GET", "/users/{person}/objectives", None),
    ("read one", "GET", "/personal-objectives/{objective}", None),
    ("read reviews", "GET", "/personal-objectives/{objective}/reviews", None),
    ("read review", "GET", "/personal-objectives/{objective}/reviews/{review}", None),
    (
        "create",
        "POST",
        "/users/{person}/objectives",
        {"title": "Train two new starters", "financial_year": YEAR},
    ),
    ("patch", "PATCH", "/personal-objectives/{objective}", {"progress": 40}),
    (
        "review",
        "POST",
        "/personal-objectives/{objective}/reviews",
        {"kind": "end_of_year", "rating": "exceeded", "comments": "Beat the target."},
    ),
    (
        "manager's comments",
        "PATCH",
        "/personal-objectives/{objective}/reviews/{review}",
        {"rating": "partly_met", "comments": "Slipped in August."},
    ),
    (
        "own comments",
        "PATCH",
        "/personal-objectives/{objective}/reviews/{review}",
        {"own_comments": "August was the system outage."},
    ),
]
NAMES = [name for name, *_ in ENDPOINTS]

# (status, audit events written) for each endpoint, in order.
MANAGER = [(200, 0)] * 4 + [(201, 1), (200, 1), (201, 1), (200, 1), (422, 0)]
PERSON = [(200, 0)] * 4 + [(201, 1), (200, 1), (422, 0), (422, 0), (200, 1)]
NO_ONE = [(404, 0)] * len(ENDPOINTS)
EXPECTED: dict[str, list[tuple[int, int]]] = {
    "staff": PERSON,
    "hos": MANAGER,  # the line manager
    "director": MANAGER,  # the line manager's manager
    "admin": MANAGER,
    "colleague": NO_ONE,
    "other_director": NO_ONE,  # a director over the unit, but not in the chain
    "hos_wst": NO_ONE,
    "perf": NO_ONE,
    "councillor": NO_ONE,
    "auditor": NO_ONE,
    "nobody": NO_ONE,
    "machine": NO_ONE,
    "anonymous": [(401, 0)] * len(ENDPOINTS),
}


def url(team: Team, path: str) -> str:
    return API + path.format(
        person=team.staff.id, objective=team.personal["id"], review=team.review["id"]
    )


@pytest.fixture
async def caller(
    request: pytest.FixtureRequest, client: AsyncClient, team: Team
) -> tuple[str, Headers | None]:
    """The matrix's caller by name, and their headers (a machine client made only for its
    own row: its secret takes hashing)."""
    who: str = request.param
    machine = await machine_client(client, team.admin.headers) if who == "machine" else {}
    return who, team.everyone(machine)[who]


@pytest.mark.parametrize("caller", list(EXPECTED), indirect=True)
async def test_only_the_person_their_managers_and_admins_see_or_touch_personal_objectives(
    client: AsyncClient, team: Team, caller: tuple[str, Headers | None]
) -> None:
    who, headers = caller

    answers = {
        name: await answer_and_audit(
            client,
            method=method,
            url=url(team, path),
            body=body,
            who=headers,
            admin=team.admin.headers,
        )
        for name, method, path, body in ENDPOINTS
    }

    assert answers == dict(zip(NAMES, EXPECTED[who], strict=True))


@pytest.mark.parametrize("who", ["colleague", "auditor", "machine"])
async def test_an_invisible_objective_is_told_apart_from_an_absent_one_by_nothing(
    client: AsyncClient, team: Team, machine: Headers, who: str
) -> None:
    headers = team.everyone(machine)[who]
    absent = "00000000-0000-4000-8000-000000000000"

    hidden = await client.get(f"{API}/personal-objectives/{team.personal['id']}", headers=headers)
    missing = await client.get(f"{API}/personal-objectives/{absent}", headers=headers)

    hidden_body, missing_body = assert_problem(hidden, 404), assert_problem(missing, 404)
    assert hidden_body["type"] == missing_body["type"]
    assert hidden_body["title"] == missing_body["title"]
    assert hidden_body["detail"].replace(team.personal["id"], absent) == missing_body["detail"]


async def test_the_audit_trail_lists_appraisal_changes_to_admins_and_not_to_auditors(
    client: AsyncClient, team: Team
) -> None:
    query = {"entity_id": team.personal["id"]}

    to_admin = await client.get(f"{API}/audit-events", params=query, headers=team.admin.headers)
    to_auditor = await client.get(f"{API}/audit-events", params=query, headers=team.auditor.headers)
    reviews = await client.get(
        f"{API}/audit-events",
        params={"entity_type": "appraisal_review"},
        headers=team.auditor.headers,
    )

    assert [e["action"] for e in to_admin.json()["items"]] == ["create"]
    assert to_admin.json()["items"][0]["after"]["title"] == team.personal["title"]
    assert to_auditor.status_code == 200
    assert to_auditor.json()["total"] == 0
    assert reviews.json()["total"] == 0


async def test_my_objectives_are_mine_alone(
    client: AsyncClient, team: Team, machine: Headers
) -> None:
    mine = await client.get(f"{API}/me/objectives", headers=team.staff.headers)
    managers = await client.get(f"{API}/me/objectives", headers=team.hos.headers)
    as_machine = await client.get(f"{API}/me/objectives", headers=machine)

    assert [o["id"] for o in mine.json()["items"]] == [team.personal["id"]]
    assert mine.json()["total"] == 1
    assert managers.json() == {"items": [], "page": 1, "page_size": 50, "total": 0}
    assert_problem(as_machine, 404)


async def test_others_see_only_how_many_personal_objectives_serve_an_objective(
    client: AsyncClient, factory: Factory, team: Team
) -> None:
    await factory.financial_year(2025)
    objective = await client.get(
        f"{API}/objectives/{team.objective}", headers=team.councillor.headers
    )
    tree = await client.get(
        f"{API}/plans/{team.plan}/tree",
        params={"period": "2025-26-Q1"},
        headers=team.councillor.headers,
    )

    assert objective.json()["personal_objectives"] == {"count": 1, "reviewed": 1}
    assert tree.status_code == 200, tree.text
    assert tree.json()["objectives"][0]["personal_objectives"] == {"count": 1, "reviewed": 1}
    assert team.personal["title"] not in objective.text + tree.text
