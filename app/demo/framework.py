"""The rest of the demo council's framework: key achievements (approved, some public), a
recommendations register (an internal audit of data quality, a CQC inspection, a scrutiny
review) with the actions answering it, and budgets for the service plans and projects.

Demo only, seeded once through the same services as the API.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from app.access.principal import Principal
from app.achievements.schemas import AchievementCreate
from app.achievements.service import AchievementService
from app.actions.schemas import ActionCreate
from app.actions.service import ActionService
from app.budgets.schemas import BudgetIn, BudgetLineIn
from app.budgets.service import BudgetService
from app.core.clock import today
from app.demo.repository import DemoRepository
from app.periods import calendar
from app.periods.calendar import PeriodKind
from app.recommendations.models import RecommendationPriority, RecommendationSource
from app.recommendations.repository import RecommendationRepository
from app.recommendations.schemas import RecommendationCreate
from app.recommendations.service import RecommendationService

FIRST_REFERENCE = "IA-DQ-2025-01"

# (owner of the plan or project, lines: category, budget, forecast, actual to date)
BUDGETS: dict[str, list[tuple[str, str, str, str]]] = {
    "HOU": [
        ("Employees", "4215300", "4260100", "2101450.20"),
        ("Temporary accommodation", "2850000", "3320000", "1702333.18"),
        ("Supplies and services", "640000", "615250.50", "290115.75"),
        ("Income", "-1900000", "-1845000", "-921004.60"),
    ],
    "WST": [
        ("Employees", "3120000", "3098000", "1540020.10"),
        ("Vehicles and fuel", "1480000", "1536500", "781240.00"),
        ("Disposal contract", "2675000", "2601300", "1310005.35"),
    ],
    "HOU-P1": [("Capital works", "3500000", "3725000", "1960400")],
    "WST-P1": [("Caddies and vehicles", "1250000", "1198000", "1010250.40")],
}


async def seed_framework(session: AsyncSession, *, people: dict[str, Principal]) -> None:
    """Create the achievements, recommendations, their actions and the budgets, once."""
    if await RecommendationRepository(session).by_reference(reference=FIRST_REFERENCE):
        return
    now = today()
    quarter = calendar.period_containing(now, kind=PeriodKind.QUARTER)
    last_quarter = calendar.previous_period(quarter.code)
    year = calendar.financial_year_code(calendar.financial_year_of(now))
    demo = DemoRepository(session)
    plans = await demo.service_plan_ids(financial_year=year)
    projects = await demo.project_ids()
    performance = people["performance"]

    achievements = AchievementService(session)
    for author, approver, unit, title, description, public, project in (
        (
            "staff",
            "head",
            "HOU",
            "Temporary accommodation hub site bought",
            "The hub's site was bought under budget, so families can move out of B&Bs sooner.",
            True,
            "HOU-P1",
        ),
        (
            "asc.officer",
            "director",
            "ASC",
            "Every care home inspected rated good or better",
            "All twelve council-commissioned homes now hold a CQC rating of good or outstanding.",
            False,
            None,
        ),
        (
            "place.officer",
            None,
            "WST",
            "Food waste caddies delivered to every household",
            None,
            True,
            "WST-P1",
        ),
    ):
        created, _ = await achievements.create(
            principal=people[author],
            data=AchievementCreate(
                title=title,
                description=description,
                period=last_quarter,
                org_unit_code=unit,
                is_public=public,
                project_ids=[projects[project]] if project and project in projects else [],
            ),
        )
        if approver is not None:
            await achievements.approve(
                principal=people[approver], achievement_id=created.id, if_match=None
            )

    recommendations = RecommendationService(session)
    actions = ActionService(session)
    for source, reference, title, priority, unit, due, owner, answers in (
        (
            RecommendationSource.INTERNAL_AUDIT,
            FIRST_REFERENCE,
            "Keep the evidence behind every housing figure before it is approved",
            RecommendationPriority.HIGH,
            "HOU",
            -30,
            "head",
            [("Add an evidence note to each submission", 100), ("Train the approvers", 60)],
        ),
        (
            RecommendationSource.INTERNAL_AUDIT,
            "IA-DQ-2025-02",
            "Reconcile the homelessness figures with the case system every month",
            RecommendationPriority.MEDIUM,
            "HOU-OPT",
            45,
            "staff",
            [("Monthly reconciliation report", 20)],
        ),
        (
            RecommendationSource.EXTERNAL_INSPECTION,
            "CQC-2025-ASC-01",
            "Shorten the wait for a Care Act assessment",
            RecommendationPriority.HIGH,
            "ASC",
            90,
            "director",
            [("Extra assessment clinics", 40)],
        ),
        (
            RecommendationSource.SCRUTINY,
            "OSC-2025-03",
            "Publish missed bin collections by ward",
            RecommendationPriority.LOW,
            "WST",
            60,
            None,
            [],
        ),
    ):
        rec, _ = await recommendations.create(
            principal=performance,
            data=RecommendationCreate(
                source=source,
                reference=reference,
                title=title,
                priority=priority,
                org_unit_code=unit,
                owner_id=people[owner].id if owner else None,
                received_date=now - timedelta(days=120),
                due_date=now + timedelta(days=due),
            ),
        )
        for action_title, percent in answers:
            await actions.create(
                principal=performance,
                data=ActionCreate(
                    title=action_title,
                    org_unit_code=unit,
                    due_date=now + timedelta(days=due),
                    percent_complete=percent,
                    recommendation_id=rec.id,
                    owner_id=people[owner].id if owner else None,
                ),
            )

    budgets = BudgetService(session)
    for owner, lines in BUDGETS.items():
        plan_id, project_id = plans.get(owner), projects.get(owner)
        if plan_id is None and project_id is None:
            continue
        await budgets.replace(
            principal=performance,
            plan_id=plan_id,
            project_id=project_id if plan_id is None else None,
            year=year,
            data=BudgetIn(
                lines=[
                    BudgetLineIn(
                        category=category,
                        budget=Decimal(budget),
                        forecast=Decimal(forecast),
                        actual=Decimal(actual),
                    )
                    for category, budget, forecast, actual in lines
                ]
            ),
            if_match=None,
        )
