"""Start-up: the app's sessions, the first admin from the environment, and the demo council on
request."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from app.access.permissions import Role
from app.audit.seal import AuditSeal, install_audit_seal
from app.audit.sealer import AuditSealer
from app.core.changes import install_change_tracking
from app.core.config import Settings, get_settings
from app.core.db import create_sessionmaker, unit_of_work
from app.core.errors import AppError
from app.users.repository import UserRepository
from app.users.schemas import RoleGrant, UserCreate
from app.users.service import UserService

logger = logging.getLogger("app.bootstrap")


class StartupRefused(RuntimeError):
    """A start-up setting the service cannot run with; the message says which and why."""


def app_sessionmaker(
    bind: AsyncEngine | AsyncConnection, *, audit: AuditSeal | None = None, **options: Any
) -> async_sessionmaker[AsyncSession]:
    """The app's sessions, with change tracking installed: the server's lifespan, the command
    line, tests and benchmarks all make theirs here, so every commit renews the data version.
    The audit chain is sealed with ``audit`` (by default the process's settings' key and
    checkpoint)."""
    maker = create_sessionmaker(bind, **options)
    install_change_tracking(maker)
    install_audit_seal(maker, audit or AuditSeal.from_settings(get_settings()))
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
    # Audit events a crash left pending between their commit and their seal.
    async with sessionmaker() as session:
        await AuditSealer(session).seal_pending()
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
        except AppError as exc:
            # A weak GT_ADMIN_PASSWORD, say: one clear line, and the server does not start.
            raise StartupRefused(f"GT_ADMIN_EMAIL / GT_ADMIN_PASSWORD: {exc.detail}") from None
    if settings.demo_data:
        from app.demo import seed_demo  # noqa: PLC0415 - demo code loads only when asked for

        async with unit_of_work(sessionmaker) as session:
            await seed_demo(session, settings=settings)
