from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    Select,
    Subquery,
    Table,
    delete,
    func,
    insert,
    select,
    union,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.actions.models import Action
from app.appraisals.models import (
    AppraisalReview,
    PersonalObjective,
    PersonalObjectiveStatus,
    personal_objective_serves,
)
from app.indicators.models import Indicator
from app.plans.models import (
    Objective,
    Plan,
    PlanKind,
    PlanStatus,
    PlanVersion,
    objective_indicator,
    objective_project,
    objective_serves,
)
from app.plans.schemas import PersonalObjectiveCounts
from app.projects.models import Project
from app.risks.models import risk_objective


class ObjectiveLinks:
    """Every link of a set of objectives, read in a fixed number of statements."""

    def __init__(self) -> None:
        self.serves: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
        self.served_by: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
        self.indicators: dict[uuid.UUID, list[tuple[uuid.UUID, str]]] = defaultdict(list)
        self.projects: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
        self.risks: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
        self.actions: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
        # Counts only: who set them, and what they say, is private (app.appraisals).
        self.personal_objectives: dict[uuid.UUID, PersonalObjectiveCounts] = {}


class PlanRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, *, plan_id: uuid.UUID) -> Plan | None:
        return await self.session.scalar(
            select(Plan).where(Plan.id == plan_id).options(selectinload(Plan.org_unit))
        )

    async def list(
        self,
        *,
        kind: PlanKind | None,
        status: PlanStatus | None,
        org_unit_ids: Collection[uuid.UUID] | None,
        offset: int,
        limit: int,
    ) -> tuple[Sequence[Plan], int]:
        query = select(Plan)
        if kind is not None:
            query = query.where(Plan.kind == kind)
        if status is not None:
            query = query.where(Plan.status == status)
        if org_unit_ids is not None:
            query = query.where(Plan.org_unit_id.in_(org_unit_ids))
        total = await self.session.scalar(select(func.count()).select_from(query.subquery()))
        rows = await self.session.scalars(
            query.options(selectinload(Plan.org_unit))
            .order_by(Plan.kind, Plan.start_year.desc(), Plan.title)
            .offset(offset)
            .limit(limit)
        )
        return rows.all(), total or 0

    async def objective(self, *, objective_id: uuid.UUID) -> Objective | None:
        return await self.session.get(Objective, objective_id)

    async def objectives(self, *, plan_id: uuid.UUID) -> Sequence[Objective]:
        rows = await self.session.scalars(
            select(Objective)
            .where(Objective.plan_id == plan_id)
            .order_by(Objective.position, Objective.code, Objective.title)
        )
        return rows.all()

    async def objectives_by_id(self, *, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Objective]:
        if not ids:
            return {}
        rows = await self.session.scalars(select(Objective).where(Objective.id.in_(ids)))
        return {row.id: row for row in rows}

    async def plan_kinds(
        self, *, objective_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, PlanKind]:
        if not objective_ids:
            return {}
        rows = await self.session.execute(
            select(Objective.id, Plan.kind)
            .join(Plan, Plan.id == Objective.plan_id)
            .where(Objective.id.in_(objective_ids))
        )
        return {row[0]: row[1] for row in rows}

    async def links(self, *, objective_ids: Collection[uuid.UUID]) -> ObjectiveLinks:
        links = ObjectiveLinks()
        if not objective_ids:
            return links
        ids = list(objective_ids)
        for source, target in await self.session.execute(
            select(objective_serves.c.objective_id, objective_serves.c.serves_id).where(
                objective_serves.c.objective_id.in_(ids) | objective_serves.c.serves_id.in_(ids)
            )
        ):
            links.serves[source].append(target)
            links.served_by[target].append(source)
        for objective_id, indicator_id, code in await self.session.execute(
            select(objective_indicator.c.objective_id, Indicator.id, Indicator.code)
            .join(Indicator, Indicator.id == objective_indicator.c.indicator_id)
            .where(objective_indicator.c.objective_id.in_(ids))
            .order_by(Indicator.code)
        ):
            links.indicators[objective_id].append((indicator_id, code))
        for objective_id, project_id in await self.session.execute(
            select(objective_project.c.objective_id, objective_project.c.project_id).where(
                objective_project.c.objective_id.in_(ids)
            )
        ):
            links.projects[objective_id].append(project_id)
        for objective_id, risk_id in await self.session.execute(
            select(risk_objective.c.objective_id, risk_objective.c.risk_id).where(
                risk_objective.c.objective_id.in_(ids)
            )
        ):
            links.risks[objective_id].append(risk_id)
        for objective_id, action_id in await self.session.execute(
            select(Action.objective_id, Action.id).where(Action.objective_id.in_(ids))
        ):
            if objective_id is not None:
                links.actions[objective_id].append(action_id)
        serves = personal_objective_serves.c
        reviewed = (
            select(AppraisalReview.id)
            .where(AppraisalReview.personal_objective_id == PersonalObjective.id)
            .exists()
        )
        for objective_id, count, with_review in await self.session.execute(
            select(
                serves.objective_id,
                func.count(),
                func.count().filter(reviewed),
            )
            .join(PersonalObjective, PersonalObjective.id == serves.personal_objective_id)
            .where(
                serves.objective_id.in_(ids),
                PersonalObjective.status != PersonalObjectiveStatus.WITHDRAWN,
            )
            .group_by(serves.objective_id)
        ):
            links.personal_objectives[objective_id] = PersonalObjectiveCounts(
                count=count, reviewed=with_review
            )
        return links

    async def rolled_up_codes(self, *, plan_id: uuid.UUID) -> dict[uuid.UUID, set[str]]:
        """For each objective of a plan, the codes of the indicators counting towards it: its
        own, its children's and those of every objective serving it, in any plan, transitively."""
        closure = _closure(
            select(Objective.id.label("root"), Objective.id.label("objective_id")).where(
                Objective.plan_id == plan_id
            )
        )
        rolled_up: dict[uuid.UUID, set[str]] = defaultdict(set)
        for root, code in await self.session.execute(
            select(closure.c.root, Indicator.code)
            .distinct()
            .join(objective_indicator, objective_indicator.c.objective_id == closure.c.objective_id)
            .join(Indicator, Indicator.id == objective_indicator.c.indicator_id)
        ):
            rolled_up[root].add(code)
        return rolled_up

    async def indicators_by_code(self, *, codes: Collection[str]) -> dict[str, uuid.UUID]:
        if not codes:
            return {}
        rows = await self.session.execute(
            select(Indicator.code, Indicator.id).where(Indicator.code.in_(codes))
        )
        return {row[0]: row[1] for row in rows}

    async def existing_projects(self, *, ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
        if not ids:
            return set()
        return set(await self.session.scalars(select(Project.id).where(Project.id.in_(ids))))

    async def replace_links(
        self, *, table: Table, key: str, owner: uuid.UUID, column: str, ids: Collection[uuid.UUID]
    ) -> None:
        await self.session.execute(delete(table).where(table.c[key] == owner))
        if ids:
            await self.session.execute(
                insert(table), [{key: owner, column: linked} for linked in ids]
            )

    async def version(self, *, plan_id: uuid.UUID, number: int) -> PlanVersion | None:
        return await self.session.scalar(
            select(PlanVersion).where(PlanVersion.plan_id == plan_id, PlanVersion.number == number)
        )

    async def versions(self, *, plan_id: uuid.UUID) -> Sequence[PlanVersion]:
        rows = await self.session.scalars(
            select(PlanVersion).where(PlanVersion.plan_id == plan_id).order_by(PlanVersion.number)
        )
        return rows.all()

    async def add_version(self, *, row: PlanVersion) -> None:
        self.session.add(row)
        await self.session.flush()

    async def add(self, *, row: Plan | Objective) -> None:
        self.session.add(row)
        await self.session.flush()

    async def flush(self) -> None:
        await self.session.flush()


# The golden thread: an objective counts towards its parent and towards every objective it
# serves, so what sits under it rolls up along these edges, transitively.
def _thread_edges() -> Subquery:
    """(contributor, towards) pairs: a child towards its parent, a server towards the served."""
    return union(
        select(Objective.id.label("contributor"), Objective.parent_id.label("towards")).where(
            Objective.parent_id.is_not(None)
        ),
        select(objective_serves.c.objective_id, objective_serves.c.serves_id),
    ).subquery()


def _closure(anchor: Select[*tuple[Any, ...]]) -> CTE:
    """The anchor's rows (..., objective_id) and, for each, a row for every objective counting
    towards its objective, the other columns carried along. One statement whatever the depth;
    UNION (not UNION ALL) ends the recursion on a cycle of links."""
    closure = anchor.cte(recursive=True)
    edges = _thread_edges()
    carried = [column for column in closure.c if column.key != "objective_id"]
    return closure.union(
        select(*carried, edges.c.contributor)
        .select_from(edges)
        .join(closure, closure.c.objective_id == edges.c.towards)
    )


def _rolled_up_indicator_ids(roots: ColumnElement[bool]) -> Select[Any]:
    """The indicators of the objectives the condition picks and of all counting towards them."""
    closure = _closure(select(Objective.id.label("objective_id")).where(roots))
    return select(objective_indicator.c.indicator_id).where(
        objective_indicator.c.objective_id.in_(select(closure.c.objective_id))
    )


def plan_indicator_ids(plan_id: uuid.UUID) -> Select[Any]:
    """The ids of the indicators of a plan's objectives and of every objective serving them,
    transitively (a scorecard filter)."""
    return _rolled_up_indicator_ids(Objective.plan_id == plan_id)


def plans_indicator_ids(plan_ids: Select[Any]) -> Select[Any]:
    """As plan_indicator_ids, for the plans a SELECT of plan ids names."""
    return _rolled_up_indicator_ids(Objective.plan_id.in_(plan_ids))


def objective_indicator_ids(objective_id: uuid.UUID) -> Select[Any]:
    """The ids of the indicators of an objective, of its children and of every objective
    serving any of those, transitively (a scorecard filter)."""
    return _rolled_up_indicator_ids(Objective.id == objective_id)
