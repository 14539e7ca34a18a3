"""Imports every domain's models so the metadata (and Alembic) sees all tables."""

from app.audit.models import AuditEvent
from app.auth.models import LoginFailure
from app.clients.models import ApiClient
from app.core.db import Base
from app.org.models import OrgUnit
from app.periods.models import Period
from app.users.models import RoleAssignment, User

__all__ = [
    "ApiClient",
    "AuditEvent",
    "Base",
    "LoginFailure",
    "OrgUnit",
    "Period",
    "RoleAssignment",
    "User",
]
