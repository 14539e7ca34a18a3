from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.changes import NO_INDICATOR, tracked
from app.core.db import Base, IdMixin, TimestampMixin, VersionedMixin
from app.core.types import enum_column
from app.org.models import OrgUnit


class PlanKind(StrEnum):
    CORPORATE = "corporate"
    SERVICE = "service"


class PlanStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
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
    # Their kind and org unit place budgets in the scorecard's spend, kept under the data
    # version (app.reports.service).
    __table_args__ = tracked(NO_INDICATOR)

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
    # A service plan is for one financial year ("2025-26"); a corporate plan spans
    # start_year..end_year and has none.
    financial_year: Mapped[str | None] = mapped_column(String(7), index=True)
    owner_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    # The author: with the owner and whoever submitted it, someone who may not approve it.
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    # The version being worked on (or approved): 1, 2, ... Approved versions are in PlanVersion.
    version_number: Mapped[int] = mapped_column(default=1, server_default="1")
    submitted_by_id: Mapped[uuid.UUID | None]
    submitted_at: Mapped[datetime | None]
    approved_by_id: Mapped[uuid.UUID | None]
    approved_by_name: Mapped[str | None] = mapped_column(String(320))
    approved_at: Mapped[datetime | None]
    # The plan of the year before this one was rolled over from (so a second rollover skips it).
    rolled_from_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("plan.id", ondelete="SET NULL"), index=True
    )

    org_unit: Mapped[OrgUnit] = relationship(lazy="raise")


class PlanVersion(IdMixin, Base):
    """An approved version of a plan exactly as it was approved: the plan, its objectives and
    their links, kept as the answer GET /plans/{id}/versions/{n} gives."""

    __tablename__ = "plan_version"
    __table_args__ = (UniqueConstraint("plan_id", "number"),)

    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"))
    number: Mapped[int]
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    approved_by_id: Mapped[uuid.UUID | None]
    approved_by_name: Mapped[str | None] = mapped_column(String(320))
    approved_at: Mapped[datetime | None]


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
