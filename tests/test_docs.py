"""The contract's human-readable forms are served by the app, with nothing from elsewhere."""

from __future__ import annotations

import re

from httpx import AsyncClient

from app.access.permissions import Role
from app.core.errors import PROBLEM_TYPE_PREFIX, problem_types
from tests.factories import Factory
from tests.helpers import API, INDICATORS, assert_problem, person


async def test_swagger_ui_and_redoc_load_with_no_external_request(client: AsyncClient) -> None:
    for page in (f"{API}/docs", f"{API}/redoc"):
        response = await client.get(page)
        assert response.status_code == 200, page
        assert not re.search(r"https?://", response.text), page
        assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", response.text)
        assert assets, page
        for asset in assets:
            assert asset.startswith(f"{API}/"), asset
            assert (await client.get(asset)).status_code == 200, asset
        # The browser is told the same: nothing but this server.
        assert "'self'" in response.headers["content-security-policy"]
        assert "http" not in response.headers["content-security-policy"]


async def test_swagger_ui_has_its_oauth2_redirect(client: AsyncClient) -> None:
    page = (await client.get(f"{API}/docs")).text
    assert f"{API}/docs/oauth2-redirect" in page
    redirect = await client.get(f"{API}/docs/oauth2-redirect?code=x&state=y")
    assert redirect.status_code == 200
    assert "oauth2" in redirect.text.lower()


async def test_every_problem_type_links_to_its_meaning(
    client: AsyncClient, factory: Factory
) -> None:
    page = await client.get(PROBLEM_TYPE_PREFIX.rstrip("/"))
    assert page.status_code == 200
    kinds = problem_types()
    assert {"not-found", "invalid-input", "indicator-not-found", "period-closed"} <= {
        kind.slug for kind in kinds
    }
    for kind in kinds:
        assert f'id="{kind.slug}"' in page.text
    perf = (await person(factory, Role.PERFORMANCE_TEAM)).headers
    problem = assert_problem(await client.get(f"{INDICATORS}/NOPE", headers=perf), 404)
    entry = await client.get(problem["type"])
    assert entry.status_code == 200
    assert "class=here" in entry.text
    assert_problem(await client.get(f"{PROBLEM_TYPE_PREFIX}no-such-type"), 404)
