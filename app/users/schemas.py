from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import EmailStr, Field, StringConstraints, model_validator

from app.access.permissions import COUNCIL_WIDE_ROLES, Permission, Role
from app.core.schemas import RequestSchema, ResponseSchema

Password = Annotated[str, StringConstraints(min_length=12, max_length=256)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
OrgCode = Annotated[str, StringConstraints(min_length=1, max_length=32)]


class RoleGrant(RequestSchema):
    role: Role
    org_unit_code: OrgCode | None = Field(
        default=None,
        description="The org unit a director, head of service or staff role covers, with all "
        "below it; null for the council-wide roles (admin, performance_team, councillor, auditor)",
    )

    @model_validator(mode="after")
    def _scope_fits_role(self) -> RoleGrant:
        if self.role in COUNCIL_WIDE_ROLES and self.org_unit_code is not None:
            raise ValueError(f"{self.role.value} is a council-wide role: leave org_unit_code null")
        if self.role not in COUNCIL_WIDE_ROLES and self.org_unit_code is None:
            raise ValueError(f"{self.role.value} is granted over an org unit: give org_unit_code")
        return self


class RoleGrantRead(ResponseSchema):
    role: Role
    org_unit_code: str | None


class UserCreate(RequestSchema):
    email: EmailStr
    full_name: Name
    job_title: Name | None = None
    password: Password | None = Field(
        default=None, description="Optional: a user without one cannot sign in until it is set."
    )
    roles: list[RoleGrant] = Field(default_factory=list, max_length=50)
    manager_id: uuid.UUID | None = Field(
        default=None, description="The line manager: an active user, not this one"
    )


class UserUpdate(RequestSchema):
    email: EmailStr | None = None
    full_name: Name | None = None
    job_title: Name | None = None
    password: Password | None = None
    is_active: bool | None = None
    manager_id: uuid.UUID | None = Field(
        default=None,
        description="The line manager (null: none); an active user, neither this one nor anyone "
        "they manage, directly or not",
    )


class UserRead(ResponseSchema):
    id: uuid.UUID
    email: str
    full_name: str
    job_title: str | None
    is_active: bool
    manager_id: uuid.UUID | None
    roles: list[RoleGrantRead]
    created_at: datetime
    updated_at: datetime


class MeRead(ResponseSchema):
    kind: str
    id: uuid.UUID
    name: str
    email: str | None
    full_name: str | None
    roles: list[RoleGrantRead]
    scopes: list[str]
    permissions: list[Permission]
