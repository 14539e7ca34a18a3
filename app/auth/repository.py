from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.auth.models import LoginFailure
from app.org.models import OrgUnit
from app.users.models import User


class AuthRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def user_by_email(self, *, email: str) -> User | None:
        return await self.session.scalar(select(User).where(User.email == email.lower()))

    async def user_with_roles(self, *, user_id: uuid.UUID) -> User | None:
        return await self.session.scalar(
            select(User).where(User.id == user_id).options(selectinload(User.roles))
        )

    async def org_parent_map(self) -> dict[uuid.UUID, uuid.UUID | None]:
        rows = await self.session.execute(select(OrgUnit.id, OrgUnit.parent_id))
        return {row.id: row.parent_id for row in rows}

    async def failures_since(
        self, *, keys: Sequence[str], since: datetime
    ) -> dict[str, list[datetime]]:
        rows = await self.session.execute(
            select(LoginFailure.key, LoginFailure.failed_at)
            .where(LoginFailure.key.in_(keys), LoginFailure.failed_at >= since)
            .order_by(LoginFailure.failed_at)
        )
        found: dict[str, list[datetime]] = {key: [] for key in keys}
        for row in rows:
            found[row.key].append(row.failed_at)
        return found

    async def add_failures(self, *, keys: Sequence[str], at: datetime) -> None:
        self.session.add_all([LoginFailure(key=key, failed_at=at) for key in keys])
        await self.session.flush()

    async def clear_failures(self, *, key: str) -> None:
        await self.session.execute(delete(LoginFailure).where(LoginFailure.key == key))

    async def purge_failures_before(self, *, before: datetime) -> None:
        await self.session.execute(delete(LoginFailure).where(LoginFailure.failed_at < before))

    async def count_users(self) -> int:
        return await self.session.scalar(select(func.count()).select_from(User)) or 0
