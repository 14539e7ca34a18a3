"""Unknown query parameters are refused, as unknown body fields are."""

from __future__ import annotations

from httpx import AsyncClient

from app.access.permissions import Role
from tests.factories import Factory
from tests.helpers import API, INDICATORS, assert_problem, person


async def test_a_misspelt_filter_is_422_not_everything(
    client: AsyncClient, factory: Factory
) -> None:
    perf = (await person(factory, Role.PERFORMANCE_TEAM)).headers
    body = assert_problem(await client.get(f"{INDICATORS}?org_unti=HOU", headers=perf), 422)
    assert body["errors"] == [
        {"loc": ["query", "org_unti"], "msg": "unknown query parameter", "type": "extra_forbidden"}
    ]
    assert "org_unit" in body["detail"]


async def test_declared_parameters_and_those_of_dependencies_are_accepted(
    client: AsyncClient, factory: Factory
) -> None:
    perf = (await person(factory, Role.PERFORMANCE_TEAM)).headers
    # page and page_size come from the paging dependency.
    response = await client.get(f"{INDICATORS}?page=1&page_size=5&q=bins", headers=perf)
    assert response.status_code == 200, response.text


async def test_public_endpoints_refuse_unknown_parameters_too(client: AsyncClient) -> None:
    assert_problem(await client.get(f"{API}/public/indicators?debug=1"), 422)
