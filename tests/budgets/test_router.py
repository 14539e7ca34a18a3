"""Budgets: exact pounds per service plan or project and year, the variances, a PUT that
replaces the year's lines at once, and spend beside performance in the scorecard."""

from __future__ import annotations

import json
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.changes import Version, changed_since, current_version
from app.core.db import unit_of_work
from tests.actions.helpers import PROJECTS, ok
from tests.factories import Factory
from tests.helpers import API, Council, Headers, assert_invalid, assert_problem
from tests.reports.test_scorecard import statements

PLANS = f"{API}/plans"
YEAR = "2025-26"
LINES = [
    {"category": "Employees", "budget": 1250000.10, "forecast": 1250250.35, "actual": 310000},
    {"category": "Income", "budget": -40000, "forecast": -35000.5, "actual": -9000.25},
]


async def plan(client: AsyncClient, headers: Headers, unit: str, kind: str = "service") -> str:
    created = {
        "kind": kind,
        "title": f"{unit} plan",
        "org_unit_code": unit,
        "start_year": 2025,
        "end_year": 2026,
    }
    plan_id: str = ok(await client.post(PLANS, json=created, headers=headers), 201)["id"]
    return plan_id


async def put(client: AsyncClient, headers: Headers, path: str, lines: Any, **extra: str) -> Any:
    return await client.put(
        f"{path}/budget/{YEAR}", json={"lines": lines}, headers={**headers, **extra}
    )


async def test_a_service_plan_budget_keeps_exact_pounds_with_its_variances(
    client: AsyncClient, people: Council
) -> None:
    path = f"{PLANS}/{await plan(client, people.perf.headers, 'HOU')}"
    empty = await client.get(f"{path}/budget/{YEAR}", headers=people.councillor.headers)
    assert (ok(empty)["lines"], empty.headers["etag"]) == ([], '"0"')

    saved = await put(client, people.hos.headers, path, LINES)

    body = ok(saved)
    assert [line["forecast_variance"] for line in body["lines"]] == [250.25, 4999.5]
    assert [line["actual_variance"] for line in body["lines"]] == [-940000.1, 30999.75]
    assert body["totals"] == {
        "budget": 1210000.1,
        "forecast": 1215249.85,
        "actual": 300999.75,
        "forecast_variance": 5249.75,
        "actual_variance": -909000.35,
        "lines": 2,
    }
    assert ok(await client.get(f"{path}/budget/{YEAR}", headers=people.staff.headers)) == body
    events = await budget_events(client, people.admin.headers)
    assert [event["action"] for event in events] == ["create"]


async def budget_events(client: AsyncClient, admin: Headers) -> list[dict[str, Any]]:
    response = await client.get(
        f"{API}/audit-events", params={"entity_type": "budget", "page_size": 500}, headers=admin
    )
    items: list[dict[str, Any]] = ok(response)["items"]
    return sorted(items, key=lambda event: event["id"])


async def test_a_put_replaces_the_years_lines_at_once_and_honours_if_match(
    client: AsyncClient, people: Council
) -> None:
    path = (
        f"{PROJECTS}/"
        + ok(
            await client.post(
                PROJECTS,
                json={"code": "DEPOT", "title": "New depot", "org_unit_code": "WST"},
                headers=people.perf.headers,
            ),
            201,
        )["id"]
    )
    first = await put(client, people.hos_wst.headers, path, LINES)
    etag = first.headers["etag"]

    replaced = await put(
        client,
        people.hos_wst.headers,
        path,
        [{"category": "Capital", "budget": 5000000, "forecast": 5100000, "actual": 0}],
        **{"If-Match": etag},
    )
    stale = await put(client, people.hos_wst.headers, path, LINES, **{"If-Match": etag})

    assert [line["category"] for line in ok(replaced)["lines"]] == ["Capital"]
    assert replaced.headers["etag"] != etag
    assert_problem(stale, 412)
    assert [
        line["category"]
        for line in ok(
            await client.get(f"{path}/budget/{YEAR}", headers=people.councillor.headers)
        )["lines"]
    ] == ["Capital"]
    assert [e["action"] for e in await budget_events(client, people.admin.headers)] == [
        "create",
        "update",
    ]


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({"budget": "12k"}, "budget"),
        ({"budget": "1000"}, "budget"),
        ({"forecast": True}, "forecast"),
        ({"actual": None}, "actual"),
        ({"budget": 10.001}, "budget"),
        ({"budget": float("inf")}, "budget"),
        ({"category": ""}, "category"),
        ({"colour": "red"}, "colour"),
    ],
)
async def test_a_line_with_a_non_number_or_a_bad_field_is_422_and_nothing_changes(
    client: AsyncClient, people: Council, line: dict[str, Any], field: str
) -> None:
    path = f"{PLANS}/{await plan(client, people.perf.headers, 'HOU')}"
    ok(await put(client, people.hos.headers, path, LINES))

    response = await client.put(
        f"{path}/budget/{YEAR}",
        content=_json({"lines": [{**LINES[0], **line}]}),
        headers={**people.hos.headers, "Content-Type": "application/json"},
    )

    assert_invalid(response, field)
    assert (
        len(ok(await client.get(f"{path}/budget/{YEAR}", headers=people.hos.headers))["lines"]) == 2
    )


def _json(body: dict[str, Any]) -> str:
    # allow_nan: infinity goes out as the bare word a careless client would send.
    return json.dumps(body, allow_nan=True)


async def test_bad_years_duplicate_categories_corporate_plans_and_outsiders_are_refused(
    client: AsyncClient, people: Council
) -> None:
    path = f"{PLANS}/{await plan(client, people.perf.headers, 'HOU')}"
    corporate = f"{PLANS}/{await plan(client, people.perf.headers, 'DBC', 'corporate')}"

    bad_year = await client.put(
        f"{path}/budget/2025-Q1", json={"lines": []}, headers=people.hos.headers
    )
    twice = await put(
        client, people.hos.headers, path, [LINES[0], {**LINES[1], "category": "employees"}]
    )
    on_corporate = await put(client, people.perf.headers, corporate, LINES)
    outsider = await put(client, people.hos_wst.headers, path, LINES)
    councillor = await put(client, people.councillor.headers, path, LINES)

    assert_invalid(bad_year, "year")
    assert_invalid(twice, "lines")
    assert_problem(on_corporate, 409)
    assert_problem(outsider, 403)
    assert_problem(councillor, 403)
    assert await budget_events(client, people.admin.headers) == []


async def test_a_budget_is_only_for_the_plans_year_or_a_year_the_project_runs_in(
    client: AsyncClient, people: Council
) -> None:
    path = f"{PLANS}/{await plan(client, people.perf.headers, 'HOU')}"  # 2025-26
    project = ok(
        await client.post(
            PROJECTS,
            json={
                "code": "DEPOT",
                "title": "New depot",
                "org_unit_code": "WST",
                "start_date": "2025-09-01",
                "end_date": "2027-03-31",
            },
            headers=people.perf.headers,
        ),
        201,
    )["id"]
    project_path = f"{PROJECTS}/{project}"
    body = {"lines": LINES}

    next_year = await client.put(f"{path}/budget/2026-27", json=body, headers=people.hos.headers)
    before_it = await client.put(
        f"{project_path}/budget/2024-25", json=body, headers=people.hos_wst.headers
    )
    after_it = await client.put(
        f"{project_path}/budget/2027-28", json=body, headers=people.hos_wst.headers
    )
    assert_invalid(next_year, "year")
    assert "2025-26" in next_year.json()["detail"]
    assert_invalid(before_it, "year")
    assert_invalid(after_it, "year")
    # Nothing was stored, and the scorecard's spend for those years stays empty.
    assert ok(await client.get(f"{path}/budget/2026-27", headers=people.hos.headers))["lines"] == []
    assert await budget_events(client, people.admin.headers) == []

    # The years it does run in: its start's, and its end's.
    for year in ("2025-26", "2026-27"):
        put_year = await client.put(
            f"{project_path}/budget/{year}", json=body, headers=people.hos_wst.headers
        )
        assert put_year.status_code == 200, put_year.text
    assert (await put(client, people.hos.headers, path, LINES)).status_code == 200


async def test_a_director_sees_their_directorates_spend_beside_its_performance(
    client: AsyncClient, people: Council
) -> None:
    housing = f"{PLANS}/{await plan(client, people.perf.headers, 'HOU')}"
    waste = f"{PLANS}/{await plan(client, people.perf.headers, 'WST')}"
    ok(await put(client, people.hos.headers, housing, LINES))
    ok(
        await put(
            client,
            people.hos_wst.headers,
            waste,
            [{"category": "Fleet", "budget": 900, "forecast": 950, "actual": 400}],
        )
    )
    project = ok(
        await client.post(
            PROJECTS,
            json={"code": "HOMES", "title": "New homes", "org_unit_code": "HOU-OPT"},
            headers=people.perf.headers,
        ),
        201,
    )["id"]
    ok(
        await put(
            client,
            people.hos.headers,
            f"{PROJECTS}/{project}",
            [{"category": "Build", "budget": 100, "forecast": 120, "actual": 60}],
        )
    )

    async def spend(headers: Headers, **filters: str) -> dict[str, Any]:
        card = ok(
            await client.get(
                f"{API}/reports/scorecard",
                params={"period": "2025-26-Q1", **filters},
                headers=headers,
            )
        )
        assert set(card["summary"]) >= {"green", "amber", "red", "data_only", "missing"}
        found: dict[str, Any] = card["summary"]["spend"]
        return found

    director = await spend(people.director.headers)
    council_wide = await spend(people.perf.headers)
    waste_only = await spend(people.perf.headers, org_unit="WST")
    as_csv_filter = await spend(people.director.headers, rag="red")

    assert (director["financial_year"], director["org_unit_codes"]) == (YEAR, ["PEO"])
    assert director["service_plans"]["budget"] == 1210000.1
    assert director["service_plans"]["forecast_variance"] == 5249.75
    assert director["projects"] == {
        "budget": 100,
        "forecast": 120,
        "actual": 60,
        "forecast_variance": 20,
        "actual_variance": -40,
        "lines": 1,
    }
    assert council_wide["org_unit_codes"] == []
    assert council_wide["service_plans"]["budget"] == 1210900.1
    assert (waste_only["org_unit_codes"], waste_only["service_plans"]["budget"]) == (["WST"], 900)
    assert waste_only["projects"]["lines"] == 0
    assert as_csv_filter == director

    # The same money in the director's board pack, beside the measures: in pounds, the
    # overspend said in words.
    pack = await client.get(
        f"{API}/reports/board-pack",
        params={"period": "2025-26-Q1", "format": "html"},
        headers=people.director.headers,
    )
    assert pack.status_code == 200, pack.text
    assert "Budgets 2025-26" in pack.text
    assert "£1,210,000.10" in pack.text
    assert "£5,249.75 over" in pack.text


async def test_the_kept_spend_is_renewed_by_every_change_it_sums(
    client: AsyncClient, people: Council, factory: Factory, engine: AsyncEngine
) -> None:
    """The scorecard's spend is kept under the data version: a repeated read sums no budget
    again, and a change to a budget or to where a project sits renews the version (naming no
    indicator, so no status is recomputed) and the spend the next read shows."""
    housing = f"{PLANS}/{await plan(client, people.perf.headers, 'HOU')}"
    ok(await put(client, people.hos.headers, housing, LINES))
    project = ok(
        await client.post(
            PROJECTS,
            json={"code": "DEPOT", "title": "New depot", "org_unit_code": "WST"},
            headers=people.perf.headers,
        ),
        201,
    )
    ok(
        await put(
            client,
            people.perf.headers,
            f"{PROJECTS}/{project['id']}",
            [{"category": "Build", "budget": 100, "forecast": 120, "actual": 60}],
        )
    )

    async def spend() -> dict[str, Any]:
        card = ok(
            await client.get(
                f"{API}/reports/scorecard",
                params={"period": "2025-26-Q1"},
                headers=people.director.headers,
            )
        )
        found: dict[str, Any] = card["summary"]["spend"]
        return found

    async def version() -> Version:
        async with unit_of_work(factory.sessionmaker) as session:
            return await current_version(session)

    async def since(start: Version) -> set[Any] | None:
        async with unit_of_work(factory.sessionmaker) as session:
            return await changed_since(session, start, until=await current_version(session))

    first = await spend()
    with statements(engine) as again:
        assert await spend() == first
    assert not any("budget_line" in sql for sql in again)
    assert (first["service_plans"]["budget"], first["projects"]["lines"]) == (1210000.1, 0)

    before = await version()
    ok(
        await put(
            client,
            people.hos.headers,
            housing,
            [{"category": "Employees", "budget": 5, "forecast": 6, "actual": 1}],
            **{"If-Match": '"1"'},
        )
    )
    assert (await version()) != before
    assert await since(before) == set()  # no indicator named: no status recomputed
    assert (await spend())["service_plans"]["budget"] == 5

    before = await version()
    etag = (await client.get(f"{PROJECTS}/{project['id']}", headers=people.perf.headers)).headers[
        "etag"
    ]
    moved = await client.patch(
        f"{PROJECTS}/{project['id']}",
        json={"org_unit_code": "HOU-OPT"},
        headers={**people.perf.headers, "If-Match": etag},
    )
    ok(moved)
    assert await since(before) == set()
    assert (await spend())["projects"]["budget"] == 100  # now in the director's directorate
