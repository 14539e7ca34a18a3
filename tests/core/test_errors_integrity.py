"""Integrity errors are told apart by kind on both backends: a duplicate is 409, a reference to
nothing, a missing required value or a broken check is 422 naming the field where it can be
told, a delete of something still referred to is 409; never a 500."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.access.permissions import Role
from app.core.db import unit_of_work
from app.core.errors import install_error_handlers
from app.org.models import OrgUnit, OrgUnitKind
from app.spc.models import IndicatorSpcSetting
from app.users.models import RoleAssignment
from tests.factories import Factory
from tests.helpers import API, assert_invalid, assert_problem, create_indicator

Write = Callable[[AsyncSession], Awaitable[Any]]


async def _answer(sessionmaker: async_sessionmaker[AsyncSession], write: Write) -> Any:
    """What the error handlers answer when `write` breaks a constraint in a request."""
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/write")
    async def _write() -> None:
        async with unit_of_work(sessionmaker) as session:
            await write(session)

    transport = ASGITransport(app=app, raise_app_exceptions=False)
    async with AsyncClient(transport=transport, base_url="http://testserver") as http:
        return await http.post("/write")


async def test_a_reference_to_a_missing_row_on_insert_is_422_naming_the_field(
    factory: Factory,
) -> None:
    async def write(session: AsyncSession) -> None:
        session.add(RoleAssignment(user_id=uuid.uuid4(), role=Role.ADMIN, org_unit_id=None))
        await session.flush()

    response = await _answer(factory.sessionmaker, write)
    assert_invalid(response, ["body", "user_id"])


async def test_a_reference_to_a_missing_row_on_update_is_422_naming_the_field(
    factory: Factory,
) -> None:
    user_id = await factory.user(Role.STAFF, "HOU")

    async def write(session: AsyncSession) -> None:
        await session.execute(
            update(RoleAssignment)
            .where(RoleAssignment.user_id == user_id)
            .values(org_unit_id=uuid.uuid4())
        )

    response = await _answer(factory.sessionmaker, write)
    errors = assert_invalid(response, ["body", "org_unit_id"])
    assert errors[0]["type"] == "not_found"


async def test_deleting_a_row_still_referred_to_is_409(factory: Factory) -> None:
    await factory.user(Role.STAFF, "HOU")  # holds a role over HOU (ON DELETE RESTRICT)
    hou = (await factory.org_tree())["HOU"]

    async def write(session: AsyncSession) -> None:
        await session.delete(await session.get(OrgUnit, hou.id))
        await session.flush()

    body = assert_problem(await _answer(factory.sessionmaker, write), 409)
    assert body["type"].endswith("still-referenced")


async def test_a_missing_required_value_is_422_naming_the_field(factory: Factory) -> None:
    async def write(session: AsyncSession) -> None:
        await session.execute(
            insert(OrgUnit).values(id=uuid.uuid4(), code="NONAME", kind=OrgUnitKind.TEAM)
        )

    assert_invalid(await _answer(factory.sessionmaker, write), ["body", "name"])


async def test_a_broken_check_constraint_is_422(client: AsyncClient, factory: Factory) -> None:
    perf = await factory.headers(Role.PERFORMANCE_TEAM)
    indicator = await create_indicator(client, perf, "CHK1")

    async def write(session: AsyncSession) -> None:
        session.add(IndicatorSpcSetting(indicator_id=uuid.UUID(indicator["id"]), run_length=9))
        await session.flush()

    assert_invalid(await _answer(factory.sessionmaker, write))


async def test_a_duplicate_unique_key_is_still_409(factory: Factory) -> None:
    await factory.org_tree()

    async def write(session: AsyncSession) -> None:
        session.add(OrgUnit(code="HOU", name="Again", kind=OrgUnitKind.SERVICE))
        await session.flush()

    body = assert_problem(await _answer(factory.sessionmaker, write), 409)
    assert body["type"].endswith("duplicate")


# --- the case the attack found: objectives with an unknown owner ----------------------------


@pytest.fixture
async def plan_and_writer(client: AsyncClient, factory: Factory) -> tuple[str, dict[str, str]]:
    perf = await factory.headers(Role.PERFORMANCE_TEAM)
    response = await client.post(
        f"{API}/plans",
        json={
            "kind": "service",
            "title": "Housing plan",
            "org_unit_code": "HOU",
            "start_year": 2025,
            "end_year": 2026,
        },
        headers=perf,
    )
    assert response.status_code == 201, response.text
    return response.json()["id"], perf


async def test_an_objective_with_an_unknown_owner_is_422_on_create_and_update(
    client: AsyncClient, plan_and_writer: tuple[str, dict[str, str]]
) -> None:
    plan_id, perf = plan_and_writer
    nobody = str(uuid.uuid4())
    created = await client.post(
        f"{API}/plans/{plan_id}/objectives",
        json={"title": "Fewer families in B&Bs", "owner_id": nobody},
        headers=perf,
    )
    assert_invalid(created, ["body", "owner_id"])

    good = await client.post(
        f"{API}/plans/{plan_id}/objectives", json={"title": "Fewer families"}, headers=perf
    )
    assert good.status_code == 201, good.text
    patched = await client.patch(
        f"{API}/objectives/{good.json()['id']}",
        json={"owner_id": nobody},
        headers=perf,
    )
    assert_invalid(patched, ["body", "owner_id"])
