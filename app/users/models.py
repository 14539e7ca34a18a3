from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.access.permissions import Role
from app.core.clock import utcnow
from app.core.db import Base, IdMixin, TimestampMixin, VersionedMixin
from app.core.types import enum_column
from app.org.models import OrgUnit


class User(IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "user_account"

    email: Mapped[str] = mapped_column(String(320), unique=True, index=True)
    full_name: Mapped[str] = mapped_column(String(200))
    job_title: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    deactivated_at: Mapped[datetime | None]
    # The line manager: who sees and reviews this person's personal objectives (app.appraisals).
    manager_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )

    roles: Mapped[list[RoleAssignment]] = relationship(
        back_populates="user",
        lazy="raise",
        cascade="all, delete-orphan",
        order_by="RoleAssignment.created_at",
    )


class RoleAssignment(IdMixin, Base):
    __tablename__ = "role_assignment"
    __table_args__ = (UniqueConstraint("user_id", "role", "org_unit_id"),)

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))
    # None: the whole council.
    org_unit_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("org_unit.id", ondelete="RESTRICT"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="roles", lazy="raise")
    org_unit: Mapped[OrgUnit | None] = relationship(lazy="raise")
