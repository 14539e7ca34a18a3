"""Shared steps for the action, project and risk tests."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from typing import Any

from httpx import AsyncClient, Response

from app.core import clock
from app.core.db import unit_of_work
from app.plans.models import Objective, Plan, PlanKind
from tests.factories import Factory
from tests.helpers import API, Headers

ACTIONS = f"{API}/actions"
PROJECTS = f"{API}/projects"
RISKS = f"{API}/risks"
AUDIT = f"{API}/audit-events"
# Every test in these folders runs on this day unless it moves the clock itself.
TODAY = date(2025, 7, 1)


def pin_today(day: date = TODAY) -> None:
    clock.freeze(datetime.combine(day, time(9, 0), tzinfo=UTC))


def pinned_clock() -> Iterator[None]:
    pin_today()
    try:
        yield
    finally:
        clock.freeze(None)


def ok(response: Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


async def audit_events(
    client: AsyncClient, admin: Headers, entity_type: str, entity_id: str
) -> list[dict[str, Any]]:
    """The entity's audit events, oldest first."""
    response = await client.get(
        AUDIT,
        params={"entity_type": entity_type, "entity_id": entity_id, "page_size": 500},
        headers=admin,
    )
    items: list[dict[str, Any]] = ok(response)["items"]
    return sorted(items, key=lambda event: event["id"])


async def audit_count(client: AsyncClient, admin: Headers) -> int:
    total: int = ok(await client.get(AUDIT, params={"page_size": 1}, headers=admin))["total"]
    return total


async def make_objective(factory: Factory, org_unit: str = "HOU") -> uuid.UUID:
    """An objective in a corporate plan, stored directly (plans have their own tests)."""
    units = await factory.org_tree()
    async with unit_of_work(factory.sessionmaker) as session:
        plan = Plan(
            kind=PlanKind.CORPORATE,
            title="Corporate Plan",
            org_unit_id=units[org_unit].id,
            start_year=2025,
            end_year=2028,
            themes=[],
        )
        session.add(plan)
        await session.flush()
        objective = Objective(plan_id=plan.id, title="Everyone has a decent home")
        session.add(objective)
        await session.flush()
        return objective.id
