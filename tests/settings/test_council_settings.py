"""GET|PUT /settings/council: the council's name and logo on its reports (the logo a safe SVG
or 422) and when its figures reach the public pages."""

from __future__ import annotations

import pytest
from httpx import AsyncClient

from app.access.permissions import Role
from tests.factories import Factory
from tests.helpers import API, Headers, assert_invalid, assert_problem, person

COUNCIL = f"{API}/settings/council"
SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">{}</svg>'
SAFE = SVG.format(
    '<defs><linearGradient id="g"><stop offset="0" stop-color="#005eb8"/></linearGradient></defs>'
    '<title>Crest</title><rect width="10" height="10" fill="url(#g)"/>'
    '<path d="M0 0 L10 10" stroke="#000"/><text x="1" y="9" font-size="3">BCC</text>'
)


@pytest.fixture
async def admin(factory: Factory) -> Headers:
    return (await person(factory, Role.ADMIN)).headers


async def test_the_council_is_unnamed_until_an_admin_names_it(
    client: AsyncClient, factory: Factory, admin: Headers
) -> None:
    before = await client.get(COUNCIL, headers=admin)
    assert before.json() == {"name": None, "logo_svg": None, "public_release": "on_approval"}
    assert before.headers["etag"] == '"0"'

    body = {"name": " Borsetshire ", "logo_svg": SAFE, "public_release": "after_board_date"}
    changed = await client.put(COUNCIL, json=body, headers={**admin, "If-Match": '"0"'})
    assert changed.status_code == 200, changed.text
    assert changed.json() == {**body, "name": "Borsetshire"}
    councillor = (await person(factory, Role.COUNCILLOR)).headers
    assert (await client.get(COUNCIL, headers=councillor)).json()["logo_svg"] == SAFE
    stale = await client.put(COUNCIL, json=body, headers={**admin, "If-Match": '"0"'})
    assert_problem(stale, 412)


@pytest.mark.parametrize(
    "logo",
    [
        SVG.format("<script>alert(1)</script>"),
        SVG.format('<rect width="1" height="1" onload="alert(1)"/>'),
        SVG.format('<image href="https://evil.example/x.png"/>'),
        SVG.format('<use href="https://evil.example/a.svg#x"/>'),
        SVG.format('<rect width="1" height="1" fill="url(https://evil.example/p)"/>'),
        SVG.format("<foreignObject><p>hi</p></foreignObject>"),
        SVG.format("<style>rect { fill: red }</style>"),
        SVG.format('<rect width="1" height="1" style="fill:red"/>'),
        '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x "y">]>' + SVG.format("<text>&x;</text>"),
        '<html xmlns="http://www.w3.org/1999/xhtml"></html>',
        "<svg>not closed",
        "a plain string",
    ],
)
async def test_a_logo_that_is_not_a_safe_svg_is_refused_and_changes_nothing(
    client: AsyncClient, admin: Headers, logo: str
) -> None:
    response = await client.put(
        COUNCIL, json={"name": "Borsetshire", "logo_svg": logo}, headers=admin
    )
    assert_invalid(response, "logo_svg")
    assert (await client.get(COUNCIL, headers=admin)).json()["name"] is None


async def test_bad_council_settings(client: AsyncClient, admin: Headers) -> None:
    assert_invalid(await client.put(COUNCIL, json={"name": "  "}, headers=admin), "name")
    assert_invalid(await client.put(COUNCIL, json={}, headers=admin), "name")
    assert_invalid(
        await client.put(COUNCIL, json={"name": "B", "public_release": "never"}, headers=admin),
        "public_release",
    )
    assert_invalid(await client.put(COUNCIL, json={"name": "B", "colour": "red"}, headers=admin))


async def test_only_an_admin_sets_the_council(client: AsyncClient, factory: Factory) -> None:
    body = {"name": "Borsetshire"}
    assert_problem(await client.put(COUNCIL, json=body), 401)
    for role in (Role.PERFORMANCE_TEAM, Role.COUNCILLOR):
        headers = (await person(factory, role)).headers
        assert_problem(await client.put(COUNCIL, json=body, headers=headers), 403)
    assert_problem(await client.get(COUNCIL), 401)
