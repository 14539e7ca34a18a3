"""Start-up: the app's sessions, the first admin from the environment, and the demo council on
request."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from app.auth.permissions import Role
from app.core.changes import install_change_tracking
from app.core.config import Settings
from app.core.db import create_sessionmaker, unit_of_work
from app.users.repository import UserRepository
from app.users.schemas import RoleGrant, UserCreate
from app.users.service import UserService

logger = logging.getLogger("app.bootstrap")


def app_sessionmaker(
    bind: AsyncEngine | AsyncConnection, **options: Any
) -> async_sessionmaker[AsyncSession]:
    """The app's sessions, with change tracking installed: the server's lifespan, the command
    line, tests and benchmarks all make theirs here, so every commit renews the data version."""
    maker = create_sessionmaker(bind, **options)
    install_change_tracking(maker)
    return maker


async def ensure_first_admin(session: AsyncSession, *, email: str, password: str) -> bool:
    """Create the admin when no user exists yet; True when one was created."""
    if await UserRepository(session).count() > 0:
        return False
    await UserService(session).create(
        principal=None,
        data=UserCreate(
            email=email,
            full_name="Administrator",
            password=password,
            roles=[RoleGrant(role=Role.ADMIN)],
        ),
    )
    return True


async def run_startup_tasks(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    if settings.admin_email and settings.admin_password:
        try:
            async with unit_of_work(sessionmaker) as session:
                if await ensure_first_admin(
                    session, email=settings.admin_email, password=settings.admin_password
                ):
                    logger.info("created the first admin", extra={"email": settings.admin_email})
        except IntegrityError:
            # Another worker created it at the same moment.
            logger.info("first admin already created by another worker")
    if settings.demo_data:
        from app.demo import seed_demo  # noqa: PLC0415 - demo code loads only when asked for

        async with unit_of_work(sessionmaker) as session:
            await seed_demo(session, settings=settings)
