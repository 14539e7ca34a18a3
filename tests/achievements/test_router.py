"""Key achievements: recorded in an org unit, approved by someone else, then in the board pack,
and on the public pages only when public."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from httpx import AsyncClient

from app.core import clock
from tests.actions.helpers import make_objective, ok
from tests.helpers import API, Council, Headers, assert_invalid, assert_problem, create_indicator

ACHIEVEMENTS = f"{API}/achievements"
PUBLIC = f"{API}/public/achievements"
TITLE = "Re-let times halved in a year"


def body(**overrides: Any) -> dict[str, Any]:
    return {
        "title": TITLE,
        "description": "Void repairs now start the day a tenancy ends.",
        "period": "2025-26-Q1",
        "org_unit_code": "HOU",
        **overrides,
    }


async def board_pack(client: AsyncClient, headers: Headers) -> str:
    response = await client.get(
        f"{API}/reports/board-pack", params={"period": "2025-26-Q1"}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response.text


async def public_titles(client: AsyncClient) -> list[str]:
    return [item["title"] for item in ok(await client.get(PUBLIC))["items"]]


async def approve(client: AsyncClient, headers: Headers, achievement_id: str) -> dict[str, Any]:
    return ok(await client.post(f"{ACHIEVEMENTS}/{achievement_id}/approve", headers=headers))


async def test_an_achievement_is_in_the_board_pack_once_approved_and_public_only_when_public(
    client: AsyncClient, people: Council
) -> None:
    created = ok(await client.post(ACHIEVEMENTS, json=body(), headers=people.staff.headers), 201)
    assert (created["status"], created["author_id"]) == ("draft", str(people.staff.id))
    assert TITLE not in await board_pack(client, people.perf.headers)
    # A draft is not the councillors' to read.
    hidden = await client.get(f"{ACHIEVEMENTS}/{created['id']}", headers=people.councillor.headers)
    assert_problem(hidden, 404)

    approved = await approve(client, people.hos.headers, created["id"])

    assert (approved["status"], approved["approved_by_id"]) == ("approved", str(people.hos.id))
    assert TITLE in await board_pack(client, people.perf.headers)
    assert TITLE not in await public_titles(client)
    seen = ok(
        await client.get(f"{ACHIEVEMENTS}/{created['id']}", headers=people.councillor.headers)
    )
    assert seen["status"] == "approved"

    # Made public: a change, so it is approved again before anyone sees it anew.
    patched = await client.patch(
        f"{ACHIEVEMENTS}/{created['id']}", json={"is_public": True}, headers=people.staff.headers
    )
    assert ok(patched)["status"] == "draft"
    assert TITLE not in await board_pack(client, people.perf.headers)
    assert TITLE not in await public_titles(client)

    await approve(client, people.hos.headers, created["id"])

    assert await public_titles(client) == [TITLE]
    public = ok(await client.get(PUBLIC))["items"][0]
    assert set(public) == {"id", "title", "description", "period", "org_unit_code", "approved_at"}


async def test_a_public_achievement_waits_for_its_board_when_figures_are_released_after_it(
    client: AsyncClient, people: Council
) -> None:
    created = ok(
        await client.post(ACHIEVEMENTS, json=body(is_public=True), headers=people.staff.headers),
        201,
    )
    await approve(client, people.hos.headers, created["id"])
    assert await public_titles(client) == [TITLE]
    settings = {"name": "Borsetshire", "public_release": "after_board_date"}
    assert (
        await client.put(f"{API}/settings/council", json=settings, headers=people.admin.headers)
    ).is_success
    board_date = ok(await client.get(f"{API}/periods/2025-26-Q1", headers=people.perf.headers))[
        "board_date"
    ]
    assert board_date > "2025-07-01"  # today, pinned

    assert await public_titles(client) == []
    assert ok(await client.get(PUBLIC))["total"] == 0
    # Officers and the board pack still have it.
    assert TITLE in await board_pack(client, people.perf.headers)

    clock.freeze(datetime.fromisoformat(board_date + "T09:00:00+00:00"))
    assert await public_titles(client) == [TITLE]


async def test_the_author_may_not_approve_their_own_achievement(
    client: AsyncClient, people: Council
) -> None:
    created = ok(await client.post(ACHIEVEMENTS, json=body(), headers=people.hos.headers), 201)

    own = await client.post(f"{ACHIEVEMENTS}/{created['id']}/approve", headers=people.hos.headers)
    by_staff = await client.post(
        f"{ACHIEVEMENTS}/{created['id']}/approve", headers=people.staff.headers
    )
    elsewhere = await client.post(
        f"{ACHIEVEMENTS}/{created['id']}/approve", headers=people.hos_wst.headers
    )

    for response in (own, by_staff):
        assert_problem(response, 403)
    # Another service's draft is not theirs to see.
    assert_problem(elsewhere, 404)
    read = ok(await client.get(f"{ACHIEVEMENTS}/{created['id']}", headers=people.hos.headers))
    assert read["status"] == "draft"
    approved = await approve(client, people.director.headers, created["id"])
    again = await client.post(
        f"{ACHIEVEMENTS}/{created['id']}/approve", headers=people.perf.headers
    )
    assert approved["status"] == "approved"
    assert_problem(again, 409)


async def test_links_are_kept_and_unknown_ones_are_422_with_nothing_stored(
    client: AsyncClient, people: Council, factory: Any
) -> None:
    objective_id = str(await make_objective(factory))
    await create_indicator(client, people.perf.headers, "HS08")
    linked = ok(
        await client.post(
            ACHIEVEMENTS,
            json=body(objective_ids=[objective_id], indicator_codes=["HS08", "HS08"]),
            headers=people.staff.headers,
        ),
        201,
    )
    assert (linked["objective_ids"], linked["indicator_codes"]) == ([objective_id], ["HS08"])
    unknown = "7b0d7c1e-4c1e-4a55-9b1a-2f1f6c3c9d10"

    answers = [
        await client.post(ACHIEVEMENTS, json=body(**change), headers=people.staff.headers)
        for change in (
            {"objective_ids": [objective_id, unknown]},
            {"indicator_codes": ["NOPE"]},
            {"project_ids": [unknown]},
            {"period": "2031-32-Q1"},
            {"is_public": "yes"},
            {"rating": "great"},
        )
    ]

    assert_invalid(answers[0], ["body", "objective_ids", 1])
    assert_invalid(answers[1], ["body", "indicator_codes", 0])
    assert_invalid(answers[2], "project_ids")
    assert_invalid(answers[3], "period")
    assert_invalid(answers[4], "is_public")
    assert_invalid(answers[5], "rating")
    listed = ok(await client.get(ACHIEVEMENTS, headers=people.perf.headers))
    assert listed["total"] == 1


@pytest.mark.parametrize("who", ["hos_wst", "councillor", "auditor"])
async def test_only_those_who_may_write_in_the_org_unit_record_achievements(
    client: AsyncClient, people: Council, who: str
) -> None:
    response = await client.post(ACHIEVEMENTS, json=body(), headers=getattr(people, who).headers)

    assert_problem(response, 403)
    assert ok(await client.get(ACHIEVEMENTS, headers=people.perf.headers))["total"] == 0


async def test_a_list_is_paged_and_a_period_holds_its_months(
    client: AsyncClient, people: Council
) -> None:
    for period in ("2025-04", "2025-26-Q1", "2025-26-Q2"):
        ok(
            await client.post(
                ACHIEVEMENTS, json=body(title=period, period=period), headers=people.staff.headers
            ),
            201,
        )

    page = ok(
        await client.get(
            ACHIEVEMENTS,
            params={"period": "2025-26-Q1", "page_size": 1},
            headers=people.hos.headers,
        )
    )
    deleted = await client.delete(
        f"{ACHIEVEMENTS}/{page['items'][0]['id']}", headers=people.hos.headers
    )

    assert (page["total"], len(page["items"]), page["page_size"]) == (2, 1, 1)
    assert deleted.status_code == 204
    assert ok(await client.get(ACHIEVEMENTS, headers=people.hos.headers))["total"] == 2
