"""Every list is one envelope, and names its neighbouring pages in a Link header."""

from __future__ import annotations

from httpx import AsyncClient

from app.access.permissions import Role
from tests.factories import Factory
from tests.helpers import API, assert_problem, person

FY = f"{API}/financial-years"


async def test_a_sub_list_answers_with_the_envelope_and_its_links(
    client: AsyncClient, factory: Factory
) -> None:
    officer = (await person(factory, Role.PERFORMANCE_TEAM)).headers
    for start_year in (2031, 2032, 2033):
        assert (await client.post(FY, json={"start_year": start_year}, headers=officer)).is_success
    total = (await client.get(FY, headers=officer)).json()["total"]
    assert total >= 3

    response = await client.get(FY, params={"page": 2, "page_size": 1}, headers=officer)

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["page"], body["page_size"], body["total"], len(body["items"])) == (2, 1, total, 1)
    links = {
        part.split('rel="')[1].rstrip('"'): part.split(">")[0].lstrip("<")
        for part in response.headers["link"].split(", ")
    }
    assert links["prev"].endswith(f"{FY}?page=1&page_size=1")
    assert links["next"].endswith(f"{FY}?page=3&page_size=1")
    assert links["first"].endswith(f"{FY}?page=1&page_size=1")
    assert links["last"].endswith(f"{FY}?page={total}&page_size=1")


async def test_the_last_page_has_no_next_and_the_first_no_prev(
    client: AsyncClient, factory: Factory
) -> None:
    officer = (await person(factory, Role.PERFORMANCE_TEAM)).headers
    response = await client.get(FY, params={"page_size": 500}, headers=officer)
    assert response.status_code == 200
    assert 'rel="next"' not in response.headers["link"]
    assert 'rel="prev"' not in response.headers["link"]


async def test_sub_lists_take_the_envelopes_limits(client: AsyncClient, factory: Factory) -> None:
    officer = (await person(factory, Role.PERFORMANCE_TEAM)).headers
    assert_problem(await client.get(FY, params={"page_size": 501}, headers=officer), 422)
    assert_problem(await client.get(FY, params={"page": 0}, headers=officer), 422)


async def test_an_unknown_query_parameter_is_422_on_health_too(client: AsyncClient) -> None:
    assert_problem(await client.get("/healthz?verbose=1"), 422)
