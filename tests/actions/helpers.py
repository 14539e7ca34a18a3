"""Shared steps for the action, project and risk tests."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from fastapi import APIRouter, FastAPI
from httpx import AsyncClient, Response
from starlette.routing import NoMatchFound

from app.actions.router import router as actions_router
from app.auth.permissions import Role
from app.core import clock
from app.core.db import unit_of_work
from app.plans.models import Objective, Plan, PlanKind
from app.projects.router import router as projects_router
from app.risks.router import router as risks_router
from tests.factories import Factory

API = "/api/v1"
ACTIONS = f"{API}/actions"
PROJECTS = f"{API}/projects"
RISKS = f"{API}/risks"
AUDIT = f"{API}/audit-events"
PROBLEM = "application/problem+json"
HUGE = "x" * (1024 * 1024 + 1)
# Every test in these folders runs on this day unless it moves the clock itself.
TODAY = date(2025, 7, 1)

Headers = dict[str, str]


def mount_routers(app: FastAPI) -> FastAPI:
    """Mount the action, project and risk routers unless app/api.py already does."""
    routers: list[tuple[str, APIRouter]] = [
        ("list_actions", actions_router),
        ("list_projects", projects_router),
        ("list_risks", risks_router),
    ]
    for route_name, router in routers:
        try:
            app.url_path_for(route_name)
        except NoMatchFound:
            app.include_router(router, prefix=API)
    return app


def pin_today(day: date = TODAY) -> None:
    clock.freeze(datetime.combine(day, time(9, 0), tzinfo=UTC))


def pinned_clock() -> Iterator[None]:
    pin_today()
    try:
        yield
    finally:
        clock.freeze(None)


@dataclass(frozen=True)
class Person:
    """A user of the test council: their id and the headers that sign them in."""

    id: uuid.UUID
    headers: Headers


async def person(factory: Factory, role: Role | None = None, org_unit: str | None = None) -> Person:
    user_id = await factory.user(role, org_unit)
    return Person(user_id, {"Authorization": f"Bearer {factory.token_for(user_id)}"})


def assert_problem(response: Response, status: int) -> dict[str, Any]:
    """A problem+json answer with the given status (never a stack trace)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert set(body) >= {"type", "title", "status", "detail", "instance"}
    assert body["status"] == status
    return body


def assert_invalid(response: Response, *fields: str) -> list[dict[str, Any]]:
    """422 problem+json whose errors are {loc, msg, type}, naming each field (a loc part)."""
    body = assert_problem(response, 422)
    errors: list[dict[str, Any]] = body["errors"]
    assert errors, body
    for error in errors:
        assert set(error) == {"loc", "msg", "type"}
    named = {str(part) for error in errors for part in error["loc"]}
    for field in fields:
        assert field in named, errors
    return errors


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
