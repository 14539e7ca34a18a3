"""The golden thread rolls up: whatever measures sit under an objective count towards every
objective it serves, transitively, and towards its plan, in the plan tree, the report filters,
a committee's scorecard and the board pack, in a fixed number of statements."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from app.access.permissions import Role
from app.core.db import unit_of_work
from app.plans.models import objective_serves
from app.status.cache import StatusCache
from tests.factories import Factory
from tests.helpers import API, Headers, create_indicator, person, seed_approved, statements
from tests.indicators.helpers import set_target

Q1 = "2025-26-Q1"
EMPTY = {"green": 0, "amber": 0, "red": 0, "data_only": 0, "missing": 0}


@pytest.fixture
async def perf(factory: Factory) -> Headers:
    await factory.financial_year(2025)
    return (await person(factory, Role.PERFORMANCE_TEAM)).headers


async def _created(client: AsyncClient, headers: Headers, url: str, **body: Any) -> dict[str, Any]:
    response = await client.post(f"{API}{url}", json=body, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def _got(client: AsyncClient, headers: Headers, url: str, **params: Any) -> Any:
    response = await client.get(f"{API}{url}", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response


async def plan(client: AsyncClient, headers: Headers, kind: str, unit: str) -> dict[str, Any]:
    return await _created(
        client,
        headers,
        "/plans",
        kind=kind,
        title=f"{unit} {kind} plan",
        org_unit_code=unit,
        start_year=2025,
        end_year=2025,
    )


async def objective(
    client: AsyncClient, headers: Headers, plan_id: str, title: str, **links: Any
) -> dict[str, Any]:
    return await _created(client, headers, f"/plans/{plan_id}/objectives", title=title, **links)


async def measure(
    client: AsyncClient, factory: Factory, headers: Headers, code: str, unit: str, value: float
) -> None:
    """A quarterly percentage with a Q1 target of 80 and an approved Q1 figure."""
    await create_indicator(client, headers, code, org_unit_code=unit)
    await set_target(client, headers, code, Q1, value=80)
    await seed_approved(factory, code, {Q1: value})


GREEN, RED = 85, 50


async def scorecard_codes(client: AsyncClient, headers: Headers, **filters: Any) -> list[str]:
    card = (await _got(client, headers, "/reports/scorecard", period=Q1, **filters)).json()
    return [row["indicator_code"] for row in card["rows"]]


@dataclass(frozen=True)
class Thread:
    corporate: dict[str, Any]
    housing: dict[str, Any]
    safe_home: dict[str, Any]  # the corporate priority the three service plans serve
    thriving: dict[str, Any]  # another priority, served by nothing
    prevent: dict[str, Any]  # the housing objective serving the priority


# The priority's own measure, Housing's three (one through a child of the serving objective),
# Adult Social Care's one and Waste's one (its serving objective is itself a child).
SAFE_HOME = ["ASC1", "CP1", "HOU1", "HOU2", "HOU3", "WST1"]


@pytest.fixture
async def thread(client: AsyncClient, factory: Factory, perf: Headers) -> Thread:
    """A corporate priority served by objectives of three service plans."""
    for code, unit, value in (
        ("CP1", "DBC", GREEN),
        ("CP2", "DBC", RED),
        ("HOU1", "HOU", RED),
        ("HOU2", "HOU", GREEN),
        ("HOU3", "HOU", RED),
        ("ASC1", "ASC", GREEN),
        ("ASC9", "ASC", RED),
        ("WST0", "WST", GREEN),
        ("WST1", "WST", RED),
    ):
        await measure(client, factory, perf, code, unit, value)
    corporate = await plan(client, perf, "corporate", "DBC")
    safe_home = await objective(
        client,
        perf,
        corporate["id"],
        "Everyone has a safe, secure and affordable home",
        indicator_codes=["CP1"],
    )
    thriving = await objective(
        client, perf, corporate["id"], "A thriving economy", indicator_codes=["CP2"]
    )

    housing = await plan(client, perf, "service", "HOU")
    prevent = await objective(
        client,
        perf,
        housing["id"],
        "Prevent homelessness",
        serves_ids=[safe_home["id"]],
        indicator_codes=["HOU1", "HOU2"],
    )
    await objective(
        client,
        perf,
        housing["id"],
        "Early help",
        parent_id=prevent["id"],
        indicator_codes=["HOU3", "HOU1"],
    )

    care = await plan(client, perf, "service", "ASC")
    await objective(
        client,
        perf,
        care["id"],
        "Independent living",
        serves_ids=[safe_home["id"]],
        indicator_codes=["ASC1"],
    )
    await objective(client, perf, care["id"], "Safeguarding", indicator_codes=["ASC9"])

    waste = await plan(client, perf, "service", "WST")
    streets = await objective(client, perf, waste["id"], "Clean streets", indicator_codes=["WST0"])
    await objective(
        client,
        perf,
        waste["id"],
        "Estates kept clean",
        parent_id=streets["id"],
        serves_ids=[safe_home["id"]],
        indicator_codes=["WST1"],
    )
    return Thread(corporate, housing, safe_home, thriving, prevent)


async def test_the_corporate_tree_counts_the_measures_of_every_serving_objective(
    client: AsyncClient, perf: Headers, thread: Thread
) -> None:
    tree = (await _got(client, perf, f"/plans/{thread.corporate['id']}/tree", period=Q1)).json()

    nodes = {node["title"]: node for node in tree["objectives"]}
    safe_home = nodes["Everyone has a safe, secure and affordable home"]
    assert [row["indicator_code"] for row in safe_home["indicators"]] == ["CP1"]
    # CP1, HOU2 and ASC1 green; HOU1, HOU3 and WST1 red: each counted once.
    assert safe_home["rollup"] == {**EMPTY, "green": 3, "red": 3}
    assert nodes["A thriving economy"]["rollup"] == {**EMPTY, "red": 1}
    assert tree["summary"] == {**EMPTY, "green": 3, "red": 4}


async def test_a_service_tree_still_rolls_up_its_own_children_only(
    client: AsyncClient, perf: Headers, thread: Thread
) -> None:
    tree = (await _got(client, perf, f"/plans/{thread.housing['id']}/tree", period=Q1)).json()

    [prevent] = tree["objectives"]
    assert prevent["rollup"] == {**EMPTY, "green": 1, "red": 2}
    assert prevent["children"][0]["rollup"] == {**EMPTY, "red": 2}
    assert tree["summary"] == {**EMPTY, "green": 1, "red": 2}


async def test_the_objective_filter_includes_every_objective_serving_it(
    client: AsyncClient, perf: Headers, thread: Thread
) -> None:
    assert await scorecard_codes(client, perf, objective=thread.safe_home["id"]) == SAFE_HOME
    assert await scorecard_codes(client, perf, objective=thread.thriving["id"]) == ["CP2"]
    # Down the thread, not up it: a serving objective does not take the priority's measures.
    assert await scorecard_codes(client, perf, objective=thread.prevent["id"]) == [
        "HOU1",
        "HOU2",
        "HOU3",
    ]


async def test_the_plan_filter_includes_every_objective_serving_the_plan(
    client: AsyncClient, perf: Headers, thread: Thread
) -> None:
    assert await scorecard_codes(client, perf, plan=thread.corporate["id"]) == sorted(
        [*SAFE_HOME, "CP2"]
    )
    assert await scorecard_codes(client, perf, plan=thread.housing["id"]) == [
        "HOU1",
        "HOU2",
        "HOU3",
    ]


async def test_a_committee_given_a_plan_sees_its_measures_rolled_up(
    client: AsyncClient, perf: Headers, thread: Thread
) -> None:
    committee = await _created(
        client,
        perf,
        "/committees",
        name="Housing and Communities Scrutiny",
        plan_ids=[thread.corporate["id"]],
        indicator_codes=["ASC9"],
    )
    assert await scorecard_codes(client, perf, committee=committee["id"]) == sorted(
        [*SAFE_HOME, "CP2", "ASC9"]
    )
    named_only = await _created(
        client, perf, "/committees", name="Audit Committee", indicator_codes=["WST0"]
    )
    assert await scorecard_codes(client, perf, committee=named_only["id"]) == ["WST0"]


async def test_the_exceptions_and_the_board_pack_take_the_rolled_up_filters(
    client: AsyncClient, perf: Headers, thread: Thread
) -> None:
    report = (
        await _got(client, perf, "/reports/exceptions", period=Q1, plan=thread.corporate["id"])
    ).json()
    assert [row["indicator_code"] for row in report["rows"]] == ["CP2", "HOU1", "HOU3", "WST1"]

    html = (
        await _got(
            client,
            perf,
            "/reports/board-pack",
            period=Q1,
            format="html",
            objective=thread.safe_home["id"],
        )
    ).text
    for code in SAFE_HOME:
        assert f"<td>{code}</td>" in html
    for code in ("CP2", "ASC9", "WST0"):
        assert f"<td>{code}</td>" not in html


async def test_a_cycle_of_links_does_not_stop_the_reports(
    client: AsyncClient, factory: Factory, perf: Headers, thread: Thread
) -> None:
    # The API refuses such a link (only service objectives serve corporate ones); data
    # imported or edited by hand may still hold one.
    async with unit_of_work(factory.sessionmaker) as session:
        await session.execute(
            insert(objective_serves).values(
                objective_id=uuid.UUID(thread.safe_home["id"]),
                serves_id=uuid.UUID(thread.prevent["id"]),
            )
        )

    assert await scorecard_codes(client, perf, objective=thread.safe_home["id"]) == SAFE_HOME
    # Now the priority serves the housing objective, so everything serving the priority does.
    assert await scorecard_codes(client, perf, objective=thread.prevent["id"]) == SAFE_HOME
    tree = (await _got(client, perf, f"/plans/{thread.housing['id']}/tree", period=Q1)).json()
    assert tree["objectives"][0]["rollup"] == {**EMPTY, "green": 3, "red": 3}


# A fixed number of statements, however deep the thread


async def deep_thread(
    client: AsyncClient, factory: Factory, perf: Headers, depth: int, code: str
) -> tuple[str, str, str]:
    """A priority with `depth` levels of children in the corporate plan, the deepest served
    by a service objective with `depth` levels of children, the deepest holding the measure.
    The corporate plan, the priority and a committee given the corporate plan."""
    await measure(client, factory, perf, code, "HOU", GREEN)
    corporate = await plan(client, perf, "corporate", "DBC")
    priority = await objective(client, perf, corporate["id"], f"Priority {code}")
    below = priority
    for level in range(depth):
        below = await objective(
            client, perf, corporate["id"], f"{code} corporate {level}", parent_id=below["id"]
        )
    service = await plan(client, perf, "service", "HOU")
    below = await objective(
        client, perf, service["id"], f"{code} serving", serves_ids=[below["id"]]
    )
    for level in range(depth):
        below = await objective(
            client,
            perf,
            service["id"],
            f"{code} service {level}",
            parent_id=below["id"],
            **({"indicator_codes": [code]} if level == depth - 1 else {}),
        )
    committee = await _created(
        client, perf, "/committees", name=f"Committee {code}", plan_ids=[corporate["id"]]
    )
    return corporate["id"], priority["id"], committee["id"]


async def test_the_rollup_runs_a_fixed_number_of_statements_however_deep_the_thread(
    client: AsyncClient,
    factory: Factory,
    perf: Headers,
    engine: AsyncEngine,
    status_cache: StatusCache,
) -> None:
    async def count(depth: int, code: str) -> list[int]:
        corporate, priority, committee = await deep_thread(client, factory, perf, depth, code)
        counts = []
        for url, params in (
            (f"/plans/{corporate}/tree", {}),
            ("/reports/scorecard", {"objective": priority}),
            ("/reports/scorecard", {"plan": corporate}),
            ("/reports/scorecard", {"committee": committee}),
        ):
            status_cache.clear()  # each read computed afresh, so like is counted with like
            with statements(engine) as seen:
                body = (await _got(client, perf, url, period=Q1, **params)).json()
            counts.append(len(seen))
            if "rows" in body:
                assert [row["indicator_code"] for row in body["rows"]] == [code]
            else:
                assert body["objectives"][0]["rollup"] == {**EMPTY, "green": 1}
        return counts

    shallow = await count(1, "DEEP1")
    deep = await count(6, "DEEP6")
    assert deep == shallow
