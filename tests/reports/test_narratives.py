"""GET|PUT /reports/narratives/{period}/{org_unit}: what a directorate says about its quarter,
printed in the board pack."""

from __future__ import annotations

from httpx import AsyncClient

from app.access.permissions import Role
from tests.factories import Factory
from tests.helpers import API, assert_invalid, assert_problem, person
from tests.reports.test_board_pack import BOARD_PACK, Q1, section

NARRATIVE = f"{API}/reports/narratives/{Q1}"


async def test_a_director_writes_the_narrative_and_the_pack_prints_it(
    client: AsyncClient, factory: Factory, perf: dict[str, str]
) -> None:
    empty = await client.get(f"{NARRATIVE}/PEO", headers=perf)
    assert empty.status_code == 200, empty.text
    assert empty.json()["text"] == ""
    assert empty.headers["etag"] == '"0"'

    director = (await person(factory, Role.DIRECTOR, "PEO")).headers
    text = "Demand rose <sharply> in June.\n\nRecovery plan agreed with members."
    written = await client.put(f"{NARRATIVE}/PEO", json={"text": text}, headers=director)
    assert written.status_code == 200, written.text
    assert written.json()["text"] == text
    assert written.headers["etag"] == '"1"'
    again = await client.put(
        f"{NARRATIVE}/PEO",
        json={"text": text + " Updated."},
        headers={**director, "If-Match": '"1"'},
    )
    assert again.headers["etag"] == '"2"'

    html = (await client.get(BOARD_PACK, params={"period": Q1}, headers=perf)).text
    narrative = section(html, "narrative")
    assert "Demand rose &lt;sharply&gt; in June." in narrative
    assert "Recovery plan agreed with members. Updated." in narrative


async def test_who_may_write_a_narrative(
    client: AsyncClient, factory: Factory, perf: dict[str, str]
) -> None:
    body = {"text": "x"}
    outside = (await person(factory, Role.DIRECTOR, "PEO")).headers
    councillor = (await person(factory, Role.COUNCILLOR)).headers
    assert_problem(await client.put(f"{NARRATIVE}/WST", json=body), 401)
    assert_problem(await client.put(f"{NARRATIVE}/WST", json=body, headers=councillor), 403)
    # WST is under PLA, not PEO.
    assert_problem(await client.put(f"{NARRATIVE}/WST", json=body, headers=outside), 403)
    head = (await person(factory, Role.HEAD_OF_SERVICE, "WST")).headers
    assert (await client.put(f"{NARRATIVE}/WST", json=body, headers=head)).status_code == 200
    assert (await client.get(f"{NARRATIVE}/WST", headers=councillor)).status_code == 200


async def test_bad_narratives(client: AsyncClient, perf: dict[str, str]) -> None:
    assert_problem(await client.get(f"{API}/reports/narratives/2031-32-Q1/PEO", headers=perf), 404)
    assert_problem(await client.get(f"{NARRATIVE}/NOPE", headers=perf), 404)
    assert_invalid(await client.put(f"{NARRATIVE}/PEO", json={}, headers=perf), "text")
    assert_invalid(
        await client.put(f"{NARRATIVE}/PEO", json={"text": "x" * 20_001}, headers=perf), "text"
    )
    assert_invalid(
        await client.put(f"{NARRATIVE}/PEO", json={"text": "x", "extra": 1}, headers=perf)
    )
