"""The demo council's golden thread: a Corporate Plan, two service plans serving it, corrective
actions for the red measures, projects with milestones, and a risk register, all linked.

The planning years run as a council runs them: last year's service plans were written,
approved by their directors and archived at year end; the performance team rolled them over
into this year, whose plans are approved; and next year has been rolled over too (its periods,
its draft plans and its proposed targets), so a newcomer sees the whole cycle.

Demo only, seeded once through the same services as the API.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.access.principal import Principal
from app.actions.models import ActionStatus
from app.actions.schemas import ActionCreate
from app.actions.service import ActionService
from app.core.clock import today
from app.core.config import Settings
from app.demo.repository import DemoRepository
from app.indicators.models import IndicatorStatus
from app.indicators.repository import IndicatorFilter, IndicatorRepository
from app.measures.vocabulary import Rag
from app.periods import calendar
from app.periods.calendar import PeriodKind
from app.periods.service import PeriodService
from app.plans.models import PlanKind
from app.plans.schemas import ObjectiveCreate, PlanCreate
from app.plans.service import PlanService
from app.projects.schemas import MilestoneCreate, ProjectCreate
from app.projects.service import ProjectService
from app.risks.schemas import RiskCreate, ScoreIn
from app.risks.service import RiskService
from app.rollover.schemas import RolloverIn, TargetRule
from app.rollover.service import RolloverService
from app.status.service import StatusService

CORPORATE_TITLE = "Demo Borough Corporate Plan"


async def seed_plans(
    session: AsyncSession, *, settings: Settings, people: dict[str, Principal]
) -> None:
    """Create the plans and what hangs off them, once."""
    performance = people["performance"]
    demo = DemoRepository(session)
    if await demo.plan_titled_exists(title=CORPORATE_TITLE):
        return
    now = today()
    year = calendar.financial_year_of(now)
    codes = await demo.active_indicator_codes_by_unit()
    plans = PlanService(session)

    corporate, _ = await plans.create(
        principal=performance,
        data=PlanCreate(
            kind=PlanKind.CORPORATE,
            title=CORPORATE_TITLE,
            org_unit_code="DBC",
            start_year=year - 1,
            end_year=year + 2,
            themes=["People", "Place", "Progress", "Outcomes"],
        ),
    )
    # Written by the performance team, approved by the council's administrator for the
    # executive (never by its own author).
    priorities = {}
    for code, title, theme, units in (
        ("P1", "Residents live safe, healthy and independent lives", "People", ["ASC"]),
        ("P2", "Everyone has a safe, secure and affordable home", "People", []),
        ("PL1", "Clean, green and well-kept neighbourhoods", "Place", []),
        ("PR1", "A well-run council that collects what it is owed", "Progress", ["REV", "DBC"]),
    ):
        priorities[code], _ = await plans.create_objective(
            principal=performance,
            plan_id=corporate.id,
            data=ObjectiveCreate(
                code=code,
                title=title,
                theme=theme,
                indicator_codes=[c for unit in units for c in codes.get(unit, [])],
            ),
        )

    projects = ProjectService(session)
    hub, _ = await projects.create(
        principal=performance,
        data=ProjectCreate(
            code="HOU-P1",
            title="Temporary accommodation hub",
            org_unit_code="HOU",
            start_date=now - timedelta(days=200),
            end_date=now + timedelta(days=160),
        ),
    )
    food, _ = await projects.create(
        principal=performance,
        data=ProjectCreate(
            code="WST-P1",
            title="Weekly food waste collections",
            org_unit_code="WST",
            start_date=now - timedelta(days=120),
            end_date=now + timedelta(days=240),
        ),
    )
    for project, milestones in (
        (
            hub,
            [
                ("Site acquired", -150, -160),
                ("Planning consent", -40, None),
                ("Hub opens", 150, None),
            ],
        ),
        (
            food,
            [
                ("Caddies delivered", -60, -62),
                ("Round redesign", -10, None),
                ("Borough-wide launch", 200, None),
            ],
        ),
    ):
        for title, due, done in milestones:
            await projects.add_milestone(
                principal=performance,
                project_id=project.id,
                data=MilestoneCreate(
                    title=title,
                    due_date=now + timedelta(days=due),
                    completed_date=now + timedelta(days=done) if done is not None else None,
                ),
            )

    # Last year's service plans, each approved by the director over it.
    approvers = {"HOU": people["director"], "WST": people["place.director"]}
    owners = {"HOU": people["head"].id, "WST": None}
    last_year = []
    for kind_code, units, title, serves, project_id in (
        ("HOU", ["HOU", "HOU-OPT"], "Housing Service Plan", "P2", hub.id),
        ("WST", ["WST"], "Waste and Recycling Service Plan", "PL1", food.id),
    ):
        service_plan, _ = await plans.create(
            principal=performance,
            data=PlanCreate(
                kind=PlanKind.SERVICE,
                title=f"{title} {calendar.financial_year_code(year - 1)}",
                org_unit_code=kind_code,
                financial_year=calendar.financial_year_code(year - 1),
                owner_id=owners[kind_code],
            ),
        )
        await plans.create_objective(
            principal=performance,
            plan_id=service_plan.id,
            data=ObjectiveCreate(
                code=f"{kind_code}1",
                title=f"Deliver the {title.lower()}",
                serves_ids=[priorities[serves].id],
                indicator_codes=[c for u in units for c in codes.get(u, [])],
                project_ids=[project_id],
            ),
        )
        last_year.append((service_plan.id, approvers[kind_code]))
    for plan_id, approver in last_year:
        await plans.submit(principal=performance, plan_id=plan_id, if_match=None)
        await plans.approve(principal=approver, plan_id=plan_id, if_match=None)
    await plans.submit(principal=performance, plan_id=corporate.id, if_match=None)
    await plans.approve(principal=people["admin"], plan_id=corporate.id, if_match=None)

    # Year end: last year's plans archived and rolled over into this year (its targets were
    # agreed by hand), and this year's plans approved.
    for plan_id, _approver in last_year:
        await plans.archive(principal=performance, plan_id=plan_id, if_match=None)
    rollover = RolloverService(session, periods=_period_service(session, settings))
    this_year = await rollover.rollover(
        principal=performance,
        year=calendar.financial_year_code(year),
        data=RolloverIn(plans=True, targets=TargetRule.NONE, dry_run=False),
    )
    approver_of = dict(last_year)
    for row in this_year.plans:
        if row.source_id in approver_of and row.plan_id is not None:
            await plans.submit(principal=performance, plan_id=row.plan_id, if_match=None)
            await plans.approve(
                principal=approver_of[row.source_id], plan_id=row.plan_id, if_match=None
            )
    # Next year rolled over early, as a performance team does in the spring: its periods, its
    # plans in draft and its targets proposed from this year's.
    await rollover.rollover(
        principal=performance,
        year=calendar.financial_year_code(year + 1),
        data=RolloverIn(plans=True, targets=TargetRule.LAST_YEAR_TARGETS, dry_run=False),
    )

    risks = RiskService(session)
    for code, title, risk_unit, current, serves_code in (
        ("R-HOU-1", "Rising homelessness outstrips temporary accommodation", "HOU", (4, 4), "P2"),
        ("R-ASC-1", "Care market cannot meet demand for home care", "ASC", (4, 5), "P1"),
        ("R-WST-1", "Contractor fails to deliver the new collection rounds", "WST", (3, 3), "PL1"),
    ):
        await risks.create(
            principal=performance,
            data=RiskCreate(
                code=code,
                title=title,
                org_unit_code=risk_unit,
                category="Service delivery",
                inherent=ScoreIn(likelihood=5, impact=5),
                current=ScoreIn(likelihood=current[0], impact=current[1]),
                target=ScoreIn(likelihood=2, impact=3),
                review_date=now + timedelta(days=30 if code != "R-WST-1" else -14),
                objective_ids=[priorities[serves_code].id],
            ),
        )

    await _corrective_actions(session, settings=settings, performance=performance)


async def _corrective_actions(
    session: AsyncSession, *, settings: Settings, performance: Principal
) -> None:
    """An action plan for every measure red in the last quarter whose data was due."""
    now = today()
    quarter = calendar.period_containing(now, kind=PeriodKind.QUARTER)
    last = calendar.previous_period(quarter.code)
    statuses = await StatusService(session, settings=settings).statuses_if_period_exists(
        principal=None,
        period_code=last,
        filters=IndicatorFilter(status=IndicatorStatus.ACTIVE),
    )
    actions = ActionService(session)
    red = [status for status in statuses if status.rag is Rag.RED]
    # Each plan has an owner, as a board expects: the measure's owner, else the performance
    # officer who raised it.
    measures = await IndicatorRepository(session).all_matching(
        filters=IndicatorFilter(codes={status.indicator_code for status in red})
    )
    owners = {measure.code: measure.owner_id for measure in measures}
    for status in red:
        await actions.create(
            principal=performance,
            data=ActionCreate(
                title=f"Recovery plan for {status.title.lower()}",
                org_unit_code=status.org_unit_code,
                start_date=now - timedelta(days=20),
                due_date=now + timedelta(days=70),
                percent_complete=15,
                status=ActionStatus.IN_PROGRESS,
                indicator_code=status.indicator_code,
                period=last,
                owner_id=owners.get(status.indicator_code) or performance.id,
            ),
        )


def _period_service(session: AsyncSession, settings: Settings) -> PeriodService:
    return PeriodService(
        session,
        due_working_days=settings.data_due_working_days,
        board_days=settings.board_days_after_quarter,
    )
