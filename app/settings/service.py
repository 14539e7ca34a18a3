"""Council-wide settings that an admin changes at run time."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from app.access.principal import Principal
from app.audit.service import AuditService
from app.core.config import Settings
from app.core.etag import check_if_match
from app.measures.vocabulary import Tolerance, ToleranceUnit
from app.settings.models import CouncilSetting
from app.settings.repository import SettingsRepository
from app.settings.schemas import (
    CouncilIn,
    CouncilRead,
    PublicRelease,
    RagSettingsRead,
    ToleranceIn,
)

RAG_KEY = "rag"
COUNCIL_KEY = "council"


class SettingsService:
    def __init__(self, session: AsyncSession, *, settings: Settings) -> None:
        self.session = session
        self.settings = settings
        self.repository = SettingsRepository(session)

    def _default_rag(self) -> dict[str, str]:
        return {
            "unit": self.settings.default_tolerance_unit,
            "green_within": str(self.settings.default_green_within),
            "amber_within": str(self.settings.default_amber_within),
        }

    async def rag(self) -> tuple[RagSettingsRead, int]:
        """The default tolerance and its version (0 while the start-up default applies)."""
        row = await self.repository.get(key=RAG_KEY)
        value = row.value if row else self._default_rag()
        read = RagSettingsRead(
            unit=ToleranceUnit(value["unit"]),
            green_within=Decimal(value["green_within"]),
            amber_within=Decimal(value["amber_within"]),
        )
        return read, row.version if row else 0

    async def rag_tolerance(self) -> Tolerance:
        read, _ = await self.rag()
        return Tolerance(
            unit=read.unit, green_within=read.green_within, amber_within=read.amber_within
        )

    async def update_rag(
        self, *, principal: Principal, data: ToleranceIn, if_match: str | None
    ) -> tuple[RagSettingsRead, int]:
        before, version = await self.rag()
        check_if_match(if_match, version)
        value = {
            "unit": data.unit.value,
            "green_within": str(data.green_within),
            "amber_within": str(data.amber_within),
        }
        row = await self.repository.get(key=RAG_KEY)
        if row is None:
            await self.repository.add(
                setting=CouncilSetting(key=RAG_KEY, value=value, updated_by_id=principal.id)
            )
        else:
            row.value = value
            row.updated_by_id = principal.id
            await self.repository.flush()
        after, version = await self.rag()
        await AuditService(self.session).record(
            actor=principal,
            action="update",
            entity_type="setting",
            entity_id=RAG_KEY,
            before=before.model_dump(mode="json"),
            after=after.model_dump(mode="json"),
        )
        return after, version

    async def council(self) -> tuple[CouncilRead, int]:
        """The council's name, logo and release rule, and their version (0 before any is set)."""
        row = await self.repository.get(key=COUNCIL_KEY)
        if row is None:
            return CouncilRead(
                name=None, logo_svg=None, public_release=PublicRelease.ON_APPROVAL
            ), 0
        return CouncilRead.model_validate(row.value), row.version

    async def update_council(
        self, *, principal: Principal, data: CouncilIn, if_match: str | None
    ) -> tuple[CouncilRead, int]:
        before, version = await self.council()
        check_if_match(if_match, version)
        value = data.model_dump(mode="json")
        row = await self.repository.get(key=COUNCIL_KEY)
        if row is None:
            await self.repository.add(
                setting=CouncilSetting(key=COUNCIL_KEY, value=value, updated_by_id=principal.id)
            )
        else:
            row.value = value
            row.updated_by_id = principal.id
            await self.repository.flush()
        after, version = await self.council()
        await AuditService(self.session).record(
            actor=principal,
            action="update",
            entity_type="setting",
            entity_id=COUNCIL_KEY,
            before=before.model_dump(mode="json"),
            after=after.model_dump(mode="json"),
        )
        return after, version
