from __future__ import annotations

import uuid
from enum import StrEnum

from sqlalchemy import JSON, Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import Base, IdMixin, TimestampMixin, VersionedMixin
from app.core.types import enum_column
from app.org.models import OrgUnit


class PlanKind(StrEnum):
    CORPORATE = "corporate"
    SERVICE = "service"


class PlanStatus(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    ARCHIVED = "archived"


objective_indicator = Table(
    "objective_indicator",
    Base.metadata,
    Column("objective_id", ForeignKey("objective.id", ondelete="CASCADE"), primary_key=True),
    Column("indicator_id", ForeignKey("indicator.id", ondelete="CASCADE"), primary_key=True),
)

objective_project = Table(
    "objective_project",
    Base.metadata,
    Column("objective_id", ForeignKey("objective.id", ondelete="CASCADE"), primary_key=True),
    Column("project_id", ForeignKey("project.id", ondelete="CASCADE"), primary_key=True),
)

# A service objective serves one or more corporate objectives: the golden thread itself.
objective_serves = Table(
    "objective_serves",
    Base.metadata,
    Column("objective_id", ForeignKey("objective.id", ondelete="CASCADE"), primary_key=True),
    Column("serves_id", ForeignKey("objective.id", ondelete="CASCADE"), primary_key=True),
)


class Plan(IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "plan"

    kind: Mapped[PlanKind] = mapped_column(enum_column(PlanKind, "plan_kind"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    org_unit_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("org_unit.id", ondelete="RESTRICT"), index=True
    )
    start_year: Mapped[int]
    end_year: Mapped[int]
    status: Mapped[PlanStatus] = mapped_column(
        enum_column(PlanStatus, "plan_status"), default=PlanStatus.DRAFT
    )
    themes: Mapped[list[str]] = mapped_column(JSON, default=list)

    org_unit: Mapped[OrgUnit] = relationship(lazy="raise")


class Objective(IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "objective"

    plan_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("plan.id", ondelete="CASCADE"), index=True
    )
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("objective.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str | None] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    theme: Mapped[str | None] = mapped_column(String(100))
    owner_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    position: Mapped[int] = mapped_column(default=0)
