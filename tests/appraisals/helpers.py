"""Steps the appraisal tests share, and the housing team they run on (tests/appraisals/conftest)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from httpx import AsyncClient

from tests.helpers import API, Headers, Person

PLANS = f"{API}/plans"
YEAR = "2025-26"


async def ok(response: Any, status: int = 201) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


async def set_manager(
    client: AsyncClient, admin: Headers, who: Person, manager: Person | None
) -> dict[str, Any]:
    return await ok(
        await client.patch(
            f"{API}/users/{who.id}",
            json={"manager_id": str(manager.id) if manager else None},
            headers=admin,
        ),
        200,
    )


async def service_plan(
    client: AsyncClient, perf: Headers, unit: str, *, start: int = 2025, end: int = 2026
) -> tuple[str, str]:
    """A service plan of the unit with one objective: (plan id, objective id)."""
    plan = await ok(
        await client.post(
            PLANS,
            json={
                "kind": "service",
                "title": f"{unit} Service Plan {start}",
                "org_unit_code": unit,
                "start_year": start,
                "end_year": end,
            },
            headers=perf,
        )
    )
    objective = await ok(
        await client.post(
            f"{PLANS}/{plan['id']}/objectives", json={"title": f"{unit} goal"}, headers=perf
        )
    )
    return plan["id"], objective["id"]


@dataclass(frozen=True)
class Team:
    admin: Person
    perf: Person
    director: Person  # PEO: the head of housing's manager
    other_director: Person  # also over PEO, but no one's manager here
    hos: Person  # head of housing: the staff member's manager
    hos_wst: Person
    staff: Person  # the person whose objectives these are
    colleague: Person  # housing staff, same team, not a manager
    councillor: Person
    auditor: Person
    nobody: Person
    plan: str  # the housing service plan 2025-26
    objective: str  # its objective
    personal: dict[str, Any]  # the staff member's personal objective
    review: dict[str, Any]  # its mid-year review, by the head of housing

    def everyone(self, machine: Headers) -> dict[str, Headers | None]:
        """Each caller of the privacy matrix by name (anonymous: None)."""
        people: dict[str, Headers | None] = {
            name: getattr(self, name).headers
            for name in (
                "staff",
                "hos",
                "director",
                "admin",
                "colleague",
                "other_director",
                "hos_wst",
                "perf",
                "councillor",
                "auditor",
                "nobody",
            )
        }
        return {**people, "machine": machine, "anonymous": None}


async def machine_client(client: AsyncClient, admin: Headers) -> Headers:
    """A machine client over HOU, signed in (its secret is hashed: ask only when needed)."""
    registered = await ok(
        await client.post(
            f"{API}/api-clients",
            json={
                "name": "HR system",
                "scopes": ["values:write", "values:submit", "reports:read"],
                "org_unit_codes": ["HOU"],
            },
            headers=admin,
        )
    )
    token = await ok(
        await client.post(
            f"{API}/auth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": registered["client_id"],
                "client_secret": registered["client_secret"],
            },
        ),
        200,
    )
    return {"Authorization": f"Bearer {token['access_token']}"}
