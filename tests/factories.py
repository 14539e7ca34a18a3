"""Test data built through the services, so the rules the API applies hold for it too."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.access.permissions import Role
from app.core.config import Settings
from app.core.db import unit_of_work
from app.core.security import SubjectKind, create_access_token
from app.org.models import OrgUnit, OrgUnitKind
from app.periods.models import PeriodStatus
from app.periods.service import PeriodService
from app.users.schemas import RoleGrant, UserCreate
from app.users.service import UserService

# A small council: DBC > PEO > HOU > HOU-OPT, DBC > PEO > ASC, DBC > PLA > WST.
TREE: list[tuple[str, OrgUnitKind, str | None]] = [
    ("DBC", OrgUnitKind.COUNCIL, None),
    ("PEO", OrgUnitKind.DIRECTORATE, "DBC"),
    ("PLA", OrgUnitKind.DIRECTORATE, "DBC"),
    ("HOU", OrgUnitKind.SERVICE, "PEO"),
    ("ASC", OrgUnitKind.SERVICE, "PEO"),
    ("WST", OrgUnitKind.SERVICE, "PLA"),
    ("HOU-OPT", OrgUnitKind.TEAM, "HOU"),
]


class Factory:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings) -> None:
        self.sessionmaker = sessionmaker
        self.settings = settings
        self.units: dict[str, OrgUnit] = {}

    async def org_tree(self) -> dict[str, OrgUnit]:
        """The small council above, created once per test."""
        if self.units:
            return self.units
        async with unit_of_work(self.sessionmaker) as session:
            for code, kind, parent in TREE:
                unit = OrgUnit(
                    code=code,
                    name=f"{code} unit",
                    kind=kind,
                    parent_id=self.units[parent].id if parent else None,
                )
                session.add(unit)
                await session.flush()
                self.units[code] = unit
        return self.units

    async def user(
        self,
        role: Role | None = None,
        org_unit: str | None = None,
        *,
        email: str | None = None,
        password: str | None = None,
        extra_roles: list[tuple[Role, str | None]] | None = None,
        full_name: str = "Test Person",
    ) -> uuid.UUID:
        await self.org_tree()
        grants = [RoleGrant(role=role, org_unit_code=org_unit)] if role else []
        grants += [RoleGrant(role=r, org_unit_code=u) for r, u in extra_roles or []]
        async with unit_of_work(self.sessionmaker) as session:
            user, _ = await UserService(session).create(
                principal=None,
                data=UserCreate(
                    email=email or f"{(role or 'nobody')}-{uuid.uuid4().hex[:8]}@council.gov.uk",
                    full_name=full_name,
                    password=password,
                    roles=grants,
                ),
            )
        return user.id

    def token_for(
        self,
        subject_id: uuid.UUID,
        *,
        kind: SubjectKind = SubjectKind.USER,
        lifetime: timedelta = timedelta(minutes=5),
    ) -> str:
        token, _ = create_access_token(
            subject_kind=kind,
            subject_id=subject_id,
            secret_key=self.settings.secret_key,
            lifetime=lifetime,
            issuer=self.settings.jwt_issuer,
        )
        return token

    async def headers(
        self, role: Role | None = None, org_unit: str | None = None, **kwargs: Any
    ) -> dict[str, str]:
        """Authorization headers for a new user holding the role."""
        user_id = await self.user(role, org_unit, **kwargs)
        return {"Authorization": f"Bearer {self.token_for(user_id)}"}

    async def financial_year(self, start_year: int = 2025, *, open_all: bool = True) -> None:
        async with unit_of_work(self.sessionmaker) as session:
            service = PeriodService(session)
            await service.create_year(principal=None, start_year=start_year)
            if open_all:
                for period in await service.repository.in_year(
                    financial_year=f"{start_year}-{(start_year + 1) % 100:02d}"
                ):
                    period.status = PeriodStatus.OPEN
                await session.flush()
