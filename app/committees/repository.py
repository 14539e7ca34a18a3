from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import Select, Table, delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.committees.models import Committee, committee_indicator, committee_plan, committee_risk
from app.indicators.models import Indicator
from app.plans.models import Plan
from app.plans.repository import plans_indicator_ids
from app.risks.models import Risk


class CommitteeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, *, committee_id: uuid.UUID) -> Committee | None:
        return await self.session.get(Committee, committee_id)

    async def by_name(self, *, name: str) -> Committee | None:
        return await self.session.scalar(select(Committee).where(Committee.name == name))

    async def list_page(self, *, offset: int, limit: int) -> tuple[Sequence[Committee], int]:
        total = await self.session.scalar(select(func.count()).select_from(Committee))
        rows = await self.session.scalars(
            select(Committee).order_by(Committee.name).offset(offset).limit(limit)
        )
        return rows.all(), total or 0

    async def links(
        self, *, ids: Collection[uuid.UUID]
    ) -> tuple[
        dict[uuid.UUID, list[str]],
        dict[uuid.UUID, list[uuid.UUID]],
        dict[uuid.UUID, list[uuid.UUID]],
    ]:
        indicators: dict[uuid.UUID, list[str]] = defaultdict(list)
        plans: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
        risks: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
        if not ids:
            return indicators, plans, risks
        for committee_id, code in await self.session.execute(
            select(committee_indicator.c.committee_id, Indicator.code)
            .join(Indicator, Indicator.id == committee_indicator.c.indicator_id)
            .where(committee_indicator.c.committee_id.in_(ids))
            .order_by(Indicator.code)
        ):
            indicators[committee_id].append(code)
        for committee_id, plan_id in await self.session.execute(
            select(committee_plan.c.committee_id, committee_plan.c.plan_id).where(
                committee_plan.c.committee_id.in_(ids)
            )
        ):
            plans[committee_id].append(plan_id)
        for committee_id, risk_id in await self.session.execute(
            select(committee_risk.c.committee_id, committee_risk.c.risk_id).where(
                committee_risk.c.committee_id.in_(ids)
            )
        ):
            risks[committee_id].append(risk_id)
        return indicators, plans, risks

    async def indicator_ids(self, *, codes: Collection[str]) -> dict[str, uuid.UUID]:
        if not codes:
            return {}
        rows = await self.session.execute(
            select(Indicator.code, Indicator.id).where(Indicator.code.in_(codes))
        )
        return {row[0]: row[1] for row in rows}

    async def existing(
        self, *, model: type[Plan] | type[Risk], ids: Collection[uuid.UUID]
    ) -> set[uuid.UUID]:
        if not ids:
            return set()
        return set(await self.session.scalars(select(model.id).where(model.id.in_(ids))))

    async def replace_links(
        self, *, table: Table, committee_id: uuid.UUID, column: str, ids: Collection[uuid.UUID]
    ) -> None:
        await self.session.execute(delete(table).where(table.c.committee_id == committee_id))
        if ids:
            await self.session.execute(
                insert(table), [{"committee_id": committee_id, column: i} for i in ids]
            )

    async def add(self, *, committee: Committee) -> None:
        self.session.add(committee)
        await self.session.flush()

    async def flush(self) -> None:
        await self.session.flush()


def committee_indicator_ids(committee_id: uuid.UUID) -> Select[Any]:
    """The ids of the indicators reported to a committee: those named, and the measures of the
    plans it oversees rolled up along the golden thread (a scorecard filter)."""
    named = select(committee_indicator.c.indicator_id).where(
        committee_indicator.c.committee_id == committee_id
    )
    plans = plans_indicator_ids(
        select(committee_plan.c.plan_id).where(committee_plan.c.committee_id == committee_id)
    )
    return select(Indicator.id).where(Indicator.id.in_(named) | Indicator.id.in_(plans))
