from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.core.search import contains
from app.org.models import OrgUnit, OrgUnitKind


class OrgRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def council_names(self) -> list[str]:
        """The names of the council (the organisation's top units), which no password may hold."""
        rows = await self.session.scalars(
            select(OrgUnit.name).where(OrgUnit.kind == OrgUnitKind.COUNCIL)
        )
        return list(rows)

    async def get(self, *, unit_id: uuid.UUID) -> OrgUnit | None:
        """One org unit by its id."""
        return await self.session.get(OrgUnit, unit_id)

    async def by_code(self, *, code: str) -> OrgUnit | None:
        """One org unit by its code."""
        return await self.session.scalar(select(OrgUnit).where(OrgUnit.code == code))

    async def by_codes(self, *, codes: Collection[str]) -> dict[str, OrgUnit]:
        """The org units with these codes, by code."""
        if not codes:
            return {}
        rows = await self.session.scalars(select(OrgUnit).where(OrgUnit.code.in_(codes)))
        return {unit.code: unit for unit in rows}

    async def codes_by_id(self, *, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, str]:
        """The codes of the org units with these ids."""
        if not ids:
            return {}
        rows = await self.session.execute(
            select(OrgUnit.id, OrgUnit.code).where(OrgUnit.id.in_(ids))
        )
        return {row.id: row.code for row in rows}

    async def parent_map(self) -> dict[uuid.UUID, uuid.UUID | None]:
        """Every org unit's parent (None for the root)."""
        rows = await self.session.execute(select(OrgUnit.id, OrgUnit.parent_id))
        return {row.id: row.parent_id for row in rows}

    async def list(
        self,
        *,
        kind: OrgUnitKind | None,
        parent_code: str | None,
        within: Collection[uuid.UUID] | None,
        q: str | None,
        offset: int,
        limit: int,
    ) -> tuple[Sequence[tuple[OrgUnit, str | None]], int]:
        """A page of org units with their parents' codes, by code, and the total matching."""
        parent = aliased(OrgUnit)
        query = select(OrgUnit, parent.code).outerjoin(parent, OrgUnit.parent_id == parent.id)
        if kind is not None:
            query = query.where(OrgUnit.kind == kind)
        if parent_code is not None:
            query = query.where(parent.code == parent_code)
        if within is not None:
            query = query.where(OrgUnit.id.in_(within))
        if q:
            query = query.where(contains(q, OrgUnit.code, OrgUnit.name))
        total = await self.session.scalar(select(func.count()).select_from(query.subquery()))
        rows = await self.session.execute(query.order_by(OrgUnit.code).offset(offset).limit(limit))
        return [(row[0], row[1]) for row in rows], total or 0

    async def add(self, *, unit: OrgUnit) -> OrgUnit:
        """Store a new org unit."""
        self.session.add(unit)
        await self.session.flush()
        return unit

    async def flush(self) -> None:
        """Write pending changes."""
        await self.session.flush()
