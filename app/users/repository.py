from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.access.permissions import Role
from app.core.search import contains
from app.org.models import OrgUnit
from app.users.models import RoleAssignment, User

# No council's management chain is this deep; a longer one is a cycle.
MAX_CHAIN = 64

_WITH_ROLES = selectinload(User.roles).selectinload(RoleAssignment.org_unit)


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, *, user_id: uuid.UUID, reload: bool = False) -> User | None:
        query = select(User).where(User.id == user_id).options(_WITH_ROLES)
        if reload:
            query = query.execution_options(populate_existing=True)
        return await self.session.scalar(query)

    async def by_email(self, *, email: str) -> User | None:
        return await self.session.scalar(select(User).where(User.email == email.lower()))

    async def existing_ids(self, *, ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        if not ids:
            return set()
        rows = await self.session.scalars(select(User.id).where(User.id.in_(ids)))
        return set(rows)

    async def list(
        self,
        *,
        q: str | None,
        is_active: bool | None,
        role: Role | None,
        org_unit_ids: set[uuid.UUID] | None,
        offset: int,
        limit: int,
        manager_id: uuid.UUID | None = None,
    ) -> tuple[Sequence[User], int]:
        query = select(User)
        if manager_id is not None:
            query = query.where(User.manager_id == manager_id)
        if q:
            query = query.where(contains(q, User.email, User.full_name))
        if is_active is not None:
            query = query.where(User.is_active == is_active)
        if role is not None or org_unit_ids is not None:
            holders = select(RoleAssignment.user_id)
            if role is not None:
                holders = holders.where(RoleAssignment.role == role)
            if org_unit_ids is not None:
                holders = holders.where(RoleAssignment.org_unit_id.in_(org_unit_ids))
            query = query.where(User.id.in_(holders))
        total = await self.session.scalar(select(func.count()).select_from(query.subquery()))
        rows = await self.session.scalars(
            query.options(_WITH_ROLES)
            .order_by(User.full_name, User.email)
            .offset(offset)
            .limit(limit)
        )
        return rows.all(), total or 0

    async def manager_chain(self, *, user_id: uuid.UUID) -> tuple[uuid.UUID, ...]:
        """The person's line manager, their manager, and so on up: nearest first, in one
        statement. The depth bound only guards against a cycle written behind the API's back."""
        chain = (
            select(User.manager_id.label("id"), literal(1).label("depth"))
            .where(User.id == user_id)
            .cte("manager_chain", recursive=True)
        )
        chain = chain.union_all(
            select(User.manager_id, chain.c.depth + 1)
            .join(chain, User.id == chain.c.id)
            .where(chain.c.depth < MAX_CHAIN)
        )
        rows = await self.session.execute(
            select(chain.c.id).where(chain.c.id.is_not(None)).order_by(chain.c.depth)
        )
        return tuple(dict.fromkeys(row[0] for row in rows))

    async def count_active_admins(self) -> int:
        return (
            await self.session.scalar(
                select(func.count(func.distinct(User.id)))
                .join(RoleAssignment, RoleAssignment.user_id == User.id)
                .where(User.is_active.is_(True), RoleAssignment.role == Role.ADMIN)
            )
            or 0
        )

    async def count(self) -> int:
        return await self.session.scalar(select(func.count()).select_from(User)) or 0

    async def add(self, *, user: User) -> User:
        self.session.add(user)
        await self.session.flush()
        return user

    async def add_role(self, *, assignment: RoleAssignment) -> None:
        self.session.add(assignment)
        await self.session.flush()

    async def delete_role(self, *, assignment: RoleAssignment) -> None:
        await self.session.delete(assignment)
        await self.session.flush()

    async def org_unit(self, *, org_unit_id: uuid.UUID) -> OrgUnit | None:
        return await self.session.get(OrgUnit, org_unit_id)

    async def flush(self) -> None:
        await self.session.flush()
