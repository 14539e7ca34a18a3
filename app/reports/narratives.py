"""What an org unit (usually a directorate) says about its performance in a period: one text
per period and unit, printed in the board pack beside the figures."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.access.exceptions import PermissionDenied
from app.access.permissions import Permission
from app.access.principal import Principal
from app.audit.service import AuditService
from app.core.etag import check_if_match
from app.org.service import OrgService
from app.periods.service import PeriodService
from app.reports.models import Narrative
from app.reports.repository import NarrativeRepository
from app.reports.schemas import NarrativeIn, NarrativeRead


class NarrativeService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = NarrativeRepository(session)

    async def get(self, *, period_code: str, org_unit_code: str) -> tuple[NarrativeRead, int]:
        """The narrative (empty text, version 0, until one is written); 404 for an unknown
        period or org unit."""
        period = await PeriodService(self.session).get(code=period_code)
        unit = await OrgService(self.session).get_unit(code=org_unit_code)
        row = await self.repository.get(period_code=period.code, org_unit_id=unit.id)
        if row is None:
            empty = NarrativeRead(
                period=period.code, org_unit_code=unit.code, text="", updated_at=None
            )
            return empty, 0
        return self._read(row, period.code, unit.code), row.version

    async def put(
        self,
        *,
        principal: Principal,
        period_code: str,
        org_unit_code: str,
        data: NarrativeIn,
        if_match: str | None,
    ) -> tuple[NarrativeRead, int]:
        """Write the unit's narrative for the period: the performance team anywhere, directors
        and heads of service in their scope."""
        period = await PeriodService(self.session).get(code=period_code)
        unit = await OrgService(self.session).get_unit(code=org_unit_code)
        if not principal.can(Permission.NARRATIVES_WRITE, unit.id):
            raise PermissionDenied(f"You may not write the narrative of {unit.code}.")
        row = await self.repository.get(period_code=period.code, org_unit_id=unit.id)
        check_if_match(if_match, row.version if row else 0)
        before = self._read(row, period.code, unit.code).model_dump(mode="json") if row else None
        if row is None:
            row = Narrative(
                period_code=period.code,
                org_unit_id=unit.id,
                text=data.text,
                updated_by_id=principal.id if principal.is_user else None,
            )
            await self.repository.add(narrative=row)
        else:
            row.text = data.text
            row.updated_by_id = principal.id if principal.is_user else None
            await self.repository.flush()
        read = self._read(row, period.code, unit.code)
        await AuditService(self.session).record(
            actor=principal,
            action="update" if before else "create",
            entity_type="narrative",
            entity_id=row.id,
            before=before,
            after=read.model_dump(mode="json"),
        )
        return read, row.version

    @staticmethod
    def _read(row: Narrative, period_code: str, org_unit_code: str) -> NarrativeRead:
        return NarrativeRead(
            period=period_code,
            org_unit_code=org_unit_code,
            text=row.text,
            updated_at=row.updated_at,
        )
