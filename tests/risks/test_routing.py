"""/risks/matrix is a path of its own for every method, not a risk id."""

from __future__ import annotations

import pytest
from httpx import AsyncClient

from app.access.permissions import Role
from tests.factories import Factory
from tests.helpers import API, assert_invalid, assert_problem

RISKS = f"{API}/risks"


@pytest.mark.parametrize("method", ["PATCH", "PUT", "DELETE", "POST"])
async def test_other_methods_on_the_matrix_are_405_with_allow(
    client: AsyncClient, factory: Factory, method: str
) -> None:
    headers = await factory.headers(Role.ADMIN)
    response = await client.request(method, f"{RISKS}/matrix", json={}, headers=headers)
    assert_problem(response, 405)
    assert response.headers["allow"] == "GET"


async def test_a_malformed_risk_id_is_still_422(client: AsyncClient, factory: Factory) -> None:
    headers = await factory.headers(Role.ADMIN)
    assert_invalid(await client.get(f"{RISKS}/matrixx", headers=headers), "risk_id")
    assert_invalid(await client.patch(f"{RISKS}/R1", json={}, headers=headers), "risk_id")
