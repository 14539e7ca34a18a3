"""Imports every domain's models so the metadata (and Alembic) sees all tables."""

from app.achievements.models import Achievement
from app.actions.models import Action, ActionUpdate
from app.appraisals.models import AppraisalReview, PersonalObjective
from app.audit.models import AuditEvent
from app.auth.models import LoginFailure, RefreshToken
from app.batch.models import IdempotencyKey
from app.benchmarks.models import Benchmark
from app.budgets.models import Budget, BudgetLine
from app.clients.models import ApiClient
from app.comments.models import Comment
from app.committees.models import Committee
from app.core.changes import DataVersion
from app.core.db import Base
from app.data_quality.models import ValueVerification
from app.events.models import Delivery, OutboxEvent, StatusAnnouncement
from app.indicators.models import Indicator, IndicatorValue, Target, TargetRevision, ValueRevision
from app.notifications.models import Notification, NotificationSetting
from app.org.models import OrgUnit
from app.periods.models import Period
from app.plans.models import Objective, Plan, PlanVersion
from app.projects.models import Milestone, Project
from app.publications.models import (
    Meeting,
    Publication,
    PublicationComment,
    PublicationContent,
)
from app.recommendations.models import Recommendation
from app.reports.models import Narrative
from app.risks.models import Risk
from app.settings.models import CouncilSetting
from app.spc.models import IndicatorSpcSetting, SpcFit
from app.status.models import StatusSnapshot, StoredStatus
from app.users.models import RoleAssignment, User
from app.webhooks.models import Webhook

__all__ = [
    "Achievement",
    "Action",
    "ActionUpdate",
    "ApiClient",
    "AppraisalReview",
    "AuditEvent",
    "Base",
    "Benchmark",
    "Budget",
    "BudgetLine",
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
    "Meeting",
    "Milestone",
    "Narrative",
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
    "Publication",
    "PublicationComment",
    "PublicationContent",
    "Recommendation",
    "RefreshToken",
    "Risk",
    "RoleAssignment",
    "SpcFit",
    "StatusAnnouncement",
    "StatusSnapshot",
    "StoredStatus",
    "Target",
    "TargetRevision",
    "User",
    "ValueRevision",
    "ValueVerification",
    "Webhook",
]
