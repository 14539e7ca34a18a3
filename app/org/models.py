from __future__ import annotations

import uuid
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.changes import EVERY, tracked
from app.core.db import Base, IdMixin, TimestampMixin, VersionedMixin
from app.core.types import enum_column


class OrgUnitKind(StrEnum):
    COUNCIL = "council"
    DIRECTORATE = "directorate"
    SERVICE = "service"
    TEAM = "team"


# A unit sits directly below a unit of the kind before it; teams may nest within teams.
KIND_RANK = {
    OrgUnitKind.COUNCIL: 0,
    OrgUnitKind.DIRECTORATE: 1,
    OrgUnitKind.SERVICE: 2,
    OrgUnitKind.TEAM: 3,
}


class OrgUnit(IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "org_unit"
    __table_args__ = tracked(EVERY)

    code: Mapped[str] = mapped_column(String(32), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[OrgUnitKind] = mapped_column(enum_column(OrgUnitKind, "org_unit_kind"))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("org_unit.id", ondelete="RESTRICT"), index=True
    )
