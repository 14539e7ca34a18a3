"""Imports every domain's models so the metadata (and Alembic) sees all tables."""

from app.actions.models import Action, ActionUpdate
from app.appraisals.models import AppraisalReview, PersonalObjective
from app.audit.models import AuditEvent
from app.auth.models import LoginFailure, RefreshToken
from app.batch.models import IdempotencyKey
from app.benchmarks.models import Benchmark
from app.clients.models import ApiClient
from app.comments.models import Comment
from app.committees.models import Committee
from app.core.changes import DataVersion
from app.core.db import Base
from app.data_quality.models import ValueVerification
from app.events.models import Delivery, OutboxEvent
from app.indicators.models import Indicator, IndicatorValue, Target, TargetRevision, ValueRevision
from app.notifications.models import Notification, NotificationSetting
from app.org.models import OrgUnit
from app.periods.models import Period
from app.plans.models import Objective, Plan, PlanVersion
from app.projects.models import Milestone, Project
from app.risks.models import Risk
from app.settings.models import CouncilSetting
from app.spc.models import IndicatorSpcSetting
from app.status.models import StatusSnapshot, StoredStatus
from app.users.models import RoleAssignment, User
from app.webhooks.models import Webhook

__all__ = [
    "Action",
    "ActionUpdate",
    "ApiClient",
    "AppraisalReview",
    "AuditEvent",
    "Base",
    "Benchmark",
    "Comment",
    "Committee",
    "CouncilSetting",
    "DataVersion",
    "Delivery",
    "IdempotencyKey",
    "Indicator",
    "IndicatorSpcSetting",
    "IndicatorValue",
    "LoginFailure",
    "Milestone",
    "Notification",
    "NotificationSetting",
    "Objective",
    "OrgUnit",
    "OutboxEvent",
    "Period",
    "PersonalObjective",
    "Plan",
    "PlanVersion",
    "Project",
    "RefreshToken",
    "Risk",
    "RoleAssignment",
    "StatusSnapshot",
    "StoredStatus",
    "Target",
    "TargetRevision",
    "User",
    "ValueRevision",
    "ValueVerification",
    "Webhook",
]
