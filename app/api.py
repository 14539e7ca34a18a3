"""Every domain router, mounted under /api/v1."""

from fastapi import Depends, FastAPI

from app.achievements.router import router as achievements_router
from app.actions.router import router as actions_router
from app.appraisals.router import router as appraisals_router
from app.audit.router import router as audit_router
from app.auth.router import router as auth_router
from app.batch.router import router as batch_router
from app.benchmarks.router import router as benchmarks_router
from app.budgets.router import router as budgets_router
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
from app.publications.router import meetings_router
from app.publications.router import router as publications_router
from app.recommendations.router import router as recommendations_router
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

DOMAIN_ROUTERS = (
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
    publications_router,
    reports_router,
    public_router,
    cycle_router,
    comments_router,
    data_quality_router,
    plans_router,
    committees_router,
    meetings_router,
    actions_router,
    projects_router,
    risks_router,
    achievements_router,
    recommendations_router,
    budgets_router,
    appraisals_router,
    audit_router,
    notifications_router,
    webhooks_router,
    outbox_router,
)


def include_api(app: FastAPI) -> None:
    """Every domain router straight onto the app, under the prefix. Not through one router of
    routers: FastAPI matches a request through each level of inclusion again (a level is about
    0.3 ms a request with this many routes), so the routes sit one level deep."""
    for domain_router in DOMAIN_ROUTERS:
        # Every route refuses query parameters it does not declare (app.core.query).
        app.include_router(
            domain_router,
            prefix=API_PREFIX,
            dependencies=[Depends(reject_unknown_query_parameters)],
        )
