"""Start-up: GT_ADMIN_EMAIL and GT_ADMIN_PASSWORD create the first admin on an empty database."""

from __future__ import annotations

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.bootstrap import StartupRefused, run_startup_tasks
from app.core.config import Settings
from app.users.models import User

EMAIL, PASSWORD = "it.admin@council.gov.uk", "a long enough passphrase"


async def test_the_admin_from_the_environment_can_sign_in_and_is_created_once(
    client: AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
) -> None:
    configured = settings.model_copy(update={"admin_email": EMAIL, "admin_password": PASSWORD})

    await run_startup_tasks(sessionmaker, configured)
    await run_startup_tasks(sessionmaker, configured)

    token = await client.post(
        "/api/v1/auth/token",
        data={"grant_type": "password", "username": EMAIL, "password": PASSWORD},
    )
    assert token.status_code == 200, token.text
    me = await client.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {token.json()['access_token']}"}
    )
    assert me.json()["roles"] == [{"role": "admin", "org_unit_code": None}]
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(User)) == 1
    created = await client.post(
        "/api/v1/financial-years",
        json={"start_year": 2025},
        headers={"Authorization": f"Bearer {token.json()['access_token']}"},
    )
    assert created.status_code == 201
    assert [p["code"] for p in created.json()["periods"]][:5] == [
        "2025-26",
        "2025-26-Q1",
        "2025-26-Q2",
        "2025-26-Q3",
        "2025-26-Q4",
    ]


async def test_no_admin_is_created_when_someone_exists(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    async with sessionmaker() as session:
        session.add(User(email="someone@council.gov.uk", full_name="Someone"))
        await session.commit()
    configured = settings.model_copy(update={"admin_email": EMAIL, "admin_password": PASSWORD})

    await run_startup_tasks(sessionmaker, configured)

    async with sessionmaker() as session:
        emails = set(await session.scalars(select(User.email)))
    assert emails == {"someone@council.gov.uk"}


async def test_a_weak_admin_password_stops_start_up_with_one_clear_line(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    configured = settings.model_copy(
        update={"admin_email": EMAIL, "admin_password": "password1234"}
    )
    with pytest.raises(StartupRefused, match="GT_ADMIN_PASSWORD"):
        await run_startup_tasks(sessionmaker, configured)
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(User)) == 0
