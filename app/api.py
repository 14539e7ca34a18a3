"""Every domain router, mounted under /api/v1."""

from fastapi import APIRouter, Depends

from app.actions.router import router as actions_router
from app.appraisals.router import router as appraisals_router
from app.audit.router import router as audit_router
from app.auth.router import router as auth_router
from app.batch.router import router as batch_router
from app.benchmarks.router import router as benchmarks_router
from app.clients.router import router as clients_router
from app.comments.router import router as comments_router
from app.committees.router import router as committees_router
from app.core.query import reject_unknown_query_parameters
from app.cycle.router import periods_router as period_close_router
from app.cycle.router import router as cycle_router
from app.data_quality.router import router as data_quality_router
from app.events.router import router as outbox_router
from app.indicators.router import router as indicators_router
from app.notifications.router import router as notifications_router
from app.org.router import router as org_router
from app.periods.router import router as periods_router
from app.plans.router import router as plans_router
from app.projects.router import router as projects_router
from app.public.router import router as public_router
from app.reports.router import router as reports_router
from app.risks.router import router as risks_router
from app.rollover.router import router as rollover_router
from app.settings.router import router as settings_router
from app.spc.router import indicator_router as spc_indicator_router
from app.spc.router import router as spc_router
from app.status.router import router as status_router
from app.users.router import router as users_router
from app.webhooks.router import router as webhooks_router

API_PREFIX = "/api/v1"

# Every route refuses query parameters it does not declare (app.core.query).
api_router = APIRouter(prefix=API_PREFIX, dependencies=[Depends(reject_unknown_query_parameters)])
for domain_router in (
    auth_router,
    users_router,
    org_router,
    clients_router,
    periods_router,
    period_close_router,
    rollover_router,
    settings_router,
    indicators_router,
    status_router,
    spc_indicator_router,
    spc_router,
    benchmarks_router,
    batch_router,
    reports_router,
    public_router,
    cycle_router,
    comments_router,
    data_quality_router,
    plans_router,
    committees_router,
    actions_router,
    projects_router,
    risks_router,
    appraisals_router,
    audit_router,
    notifications_router,
    webhooks_router,
    outbox_router,
):
    api_router.include_router(domain_router)
