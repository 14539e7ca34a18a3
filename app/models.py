"""Imports every domain's models so the metadata (and Alembic) sees all tables."""

from app.audit.models import AuditEvent
from app.auth.models import LoginFailure
from app.clients.models import ApiClient
from app.comments.models import Comment
from app.core.db import Base
from app.data_quality.models import ValueVerification
from app.indicators.models import Indicator, IndicatorValue, Target, TargetRevision, ValueRevision
from app.org.models import OrgUnit
from app.periods.models import Period
from app.settings.models import CouncilSetting
from app.users.models import RoleAssignment, User

__all__ = [
    "ApiClient",
    "AuditEvent",
    "Base",
    "Comment",
    "CouncilSetting",
    "Indicator",
    "IndicatorValue",
    "LoginFailure",
    "OrgUnit",
    "Period",
    "RoleAssignment",
    "Target",
    "TargetRevision",
    "User",
    "ValueRevision",
    "ValueVerification",
]
