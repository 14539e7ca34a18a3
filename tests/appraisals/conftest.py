"""A housing team with line managers: staff -> head of housing -> director of people, and a
personal objective of the staff member, reviewed at mid-year by the head of housing."""

from __future__ import annotations

import pytest
from httpx import AsyncClient

from app.access.permissions import Role
from tests.appraisals.helpers import YEAR, Team, machine_client, ok, service_plan, set_manager
from tests.factories import Factory
from tests.helpers import API, Headers, person


@pytest.fixture
async def team(client: AsyncClient, factory: Factory) -> Team:
    admin = await person(factory, Role.ADMIN)
    perf = await person(factory, Role.PERFORMANCE_TEAM)
    director = await person(factory, Role.DIRECTOR, "PEO")
    hos = await person(factory, Role.HEAD_OF_SERVICE, "HOU")
    staff = await person(factory, Role.STAFF, "HOU")
    await set_manager(client, admin.headers, hos, director)
    await set_manager(client, admin.headers, staff, hos)
    plan, objective = await service_plan(client, perf.headers, "HOU")
    personal = await ok(
        await client.post(
            f"{API}/users/{staff.id}/objectives",
            json={
                "title": "Cut re-let times for my patch to 25 days",
                "financial_year": YEAR,
                "serves_ids": [objective],
                "due_date": "2026-03-31",
            },
            headers=hos.headers,
        )
    )
    review = await ok(
        await client.post(
            f"{API}/personal-objectives/{personal['id']}/reviews",
            json={"kind": "mid_year", "rating": "met", "comments": "On track."},
            headers=hos.headers,
        )
    )
    return Team(
        admin=admin,
        perf=perf,
        director=director,
        other_director=await person(factory, Role.DIRECTOR, "PEO"),
        hos=hos,
        hos_wst=await person(factory, Role.HEAD_OF_SERVICE, "WST"),
        staff=staff,
        colleague=await person(factory, Role.STAFF, "HOU"),
        councillor=await person(factory, Role.COUNCILLOR),
        auditor=await person(factory, Role.AUDITOR),
        nobody=await person(factory),
        plan=plan,
        objective=objective,
        personal=personal,
        review=review,
    )


@pytest.fixture
async def machine(client: AsyncClient, team: Team) -> Headers:
    return await machine_client(client, team.admin.headers)
