"""Every statement of the reports' own tables (the narratives printed in board packs), and
the few the board pack adds to the status engine's."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.models import AuditEvent
from app.indicators.models import Indicator, IndicatorValue
from app.org.models import OrgUnit
from app.plans.models import Objective, Plan, PlanKind, PlanStatus, objective_indicator
from app.reports.models import Narrative
from app.users.models import User


class NarrativeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, *, period_code: str, org_unit_id: uuid.UUID) -> Narrative | None:
        return await self.session.scalar(
            select(Narrative).where(
                Narrative.period_code == period_code, Narrative.org_unit_id == org_unit_id
            )
        )

    async def for_period(
        self, *, period_code: str, org_unit_ids: Collection[uuid.UUID] | None
    ) -> Sequence[tuple[Narrative, str, str]]:
        """The period's narratives with their unit's code and name, by unit code; one query."""
        query = (
            select(Narrative, OrgUnit.code, OrgUnit.name)
            .join(OrgUnit, OrgUnit.id == Narrative.org_unit_id)
            .where(Narrative.period_code == period_code)
            .order_by(OrgUnit.code)
        )
        if org_unit_ids is not None:
            query = query.where(Narrative.org_unit_id.in_(org_unit_ids))
        return [(row[0], row[1], row[2]) for row in (await self.session.execute(query)).all()]

    async def add(self, *, narrative: Narrative) -> None:
        self.session.add(narrative)
        await self.session.flush()

    async def flush(self) -> None:
        await self.session.flush()


@dataclass(frozen=True)
class MeasurePlace:
    """Where a measure sits in the plans: the plan (corporate first) and the objective's place."""

    plan_title: str
    objective_title: str
    sort_key: tuple[int, str, int, str]


class PackRepository:
    """The few statements the board pack needs beyond the status engine's."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def measure_places(self, *, codes: Collection[str]) -> dict[str, MeasurePlace]:
        """Each measure's first place in the plans that are not archived (corporate plans,
        then service plans by title; objectives by position): one query."""
        if not codes:
            return {}
        query = (
            select(
                Indicator.code,
                Plan.kind,
                Plan.title,
                Objective.position,
                Objective.code,
                Objective.title,
            )
            .join(objective_indicator, objective_indicator.c.indicator_id == Indicator.id)
            .join(Objective, Objective.id == objective_indicator.c.objective_id)
            .join(Plan, Plan.id == Objective.plan_id)
            .where(Plan.status != PlanStatus.ARCHIVED)
        )
        places: dict[str, MeasurePlace] = {}
        wanted = set(codes)
        for code, kind, plan_title, position, objective_code, objective_title in (
            await self.session.execute(query)
        ).all():
            if code not in wanted:
                continue
            label = f"{objective_code} {objective_title}" if objective_code else objective_title
            key = (0 if kind is PlanKind.CORPORATE else 1, plan_title, position, label)
            if code not in places or key < places[code].sort_key:
                places[code] = MeasurePlace(
                    plan_title=plan_title, objective_title=label, sort_key=key
                )
        return places

    async def user_names(self, *, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, str]:
        if not ids:
            return {}
        rows = await self.session.execute(
            select(User.id, User.full_name).where(User.id.in_(list(ids)))
        )
        return dict(rows.all())

    async def latest_approval(self) -> datetime | None:
        """When the newest approved figure was approved: the data the pack is 'as at'."""
        return await self.session.scalar(select(func.max(IndicatorValue.approved_at)))

    async def risk_scores_before(
        self, *, risk_ids: Collection[str], since: datetime
    ) -> dict[str, int]:
        """Each risk's current score as it stood at `since`: the 'before' of its first update
        after then (risks not changed since keep the score they have)."""
        if not risk_ids:
            return {}
        rows = await self.session.execute(
            select(AuditEvent.entity_id, AuditEvent.before)
            .where(
                AuditEvent.entity_type == "risk",
                AuditEvent.action == "update",
                AuditEvent.occurred_at > since,
                AuditEvent.entity_id.in_(list(risk_ids)),
            )
            .order_by(AuditEvent.id)
        )
        scores: dict[str, int] = {}
        for entity_id, before in rows.all():
            if entity_id in scores or not isinstance(before, dict):
                continue
            current = before.get("current")
            if isinstance(current, dict) and isinstance(current.get("score"), int):
                scores[entity_id] = current["score"]
        return scores
