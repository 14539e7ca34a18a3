from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Executable, Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.types import UuidMemo, raw_uuid
from app.indicators.models import IndicatorValue, Target
from app.periods.calendar import PeriodKind
from app.periods.models import Period
from app.spc.models import IndicatorSpcSetting

# A SELECT of indicator ids (a report's filters) or the ids themselves.
Ids = Select[Any] | Collection[uuid.UUID]


@dataclass(frozen=True)
class SeriesPoint:
    """One approved value of a series, with the period it belongs to."""

    period: str
    kind: PeriodKind
    start_date: date
    value: Decimal


@dataclass(frozen=True)
class PeriodTarget:
    """A point target (bands are left out) and the period it was set for."""

    period: str
    kind: PeriodKind
    start_date: date
    value: Decimal


class SpcRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def setting(self, *, indicator_id: uuid.UUID) -> IndicatorSpcSetting | None:
        return await self.session.scalar(
            select(IndicatorSpcSetting).where(IndicatorSpcSetting.indicator_id == indicator_id)
        )

    async def settings(self, *, ids: Ids) -> dict[uuid.UUID, IndicatorSpcSetting]:
        rows = await self.session.scalars(
            select(IndicatorSpcSetting).where(IndicatorSpcSetting.indicator_id.in_(_ids(ids)))
        )
        return {row.indicator_id: row for row in rows}

    async def add(self, *, setting: IndicatorSpcSetting) -> IndicatorSpcSetting:
        self.session.add(setting)
        await self.session.flush()
        return setting

    async def flush(self) -> None:
        await self.session.flush()

    async def approved_series(
        self, *, ids: Ids, until: date | None
    ) -> dict[uuid.UUID, list[SeriesPoint]]:
        """Each indicator's approved values for periods ending by `until`, in period order."""
        query = (
            select(
                raw_uuid(IndicatorValue.indicator_id),
                Period.code,
                Period.kind,
                Period.start_date,
                IndicatorValue.approved_value,
            )
            .join(Period, Period.id == IndicatorValue.period_id)
            .where(
                IndicatorValue.indicator_id.in_(_ids(ids)),
                IndicatorValue.approved_value.is_not(None),
            )
            .order_by(IndicatorValue.indicator_id, Period.start_date, Period.end_date)
        )
        if until is not None:
            query = query.where(Period.end_date <= until)
        found: dict[uuid.UUID, list[SeriesPoint]] = defaultdict(list)
        memo = UuidMemo()
        # On the connection: plain rows, without the ORM's loading machinery.
        for raw, code, kind, start_date, value in await _rows(self.session, query):
            if value is not None:  # pragma: no branch - excluded by the query
                found[memo[raw]].append(SeriesPoint(code, kind, start_date, value))
        return found

    async def point_targets(
        self, *, ids: Ids, until: date | None
    ) -> dict[uuid.UUID, list[PeriodTarget]]:
        """Each indicator's point targets for periods starting by `until`, in period order."""
        query = (
            select(
                raw_uuid(Target.indicator_id),
                Period.code,
                Period.kind,
                Period.start_date,
                Target.value,
            )
            .join(Period, Period.id == Target.period_id)
            .where(Target.indicator_id.in_(_ids(ids)), Target.value.is_not(None))
            .order_by(Target.indicator_id, Period.start_date, Period.end_date)
        )
        if until is not None:
            query = query.where(Period.start_date <= until)
        found: dict[uuid.UUID, list[PeriodTarget]] = defaultdict(list)
        memo = UuidMemo()
        for raw, code, kind, start_date, value in await _rows(self.session, query):
            if value is not None:  # pragma: no branch - excluded by the query
                found[memo[raw]].append(PeriodTarget(code, kind, start_date, value))
        return found


async def _rows(session: AsyncSession, query: Executable) -> Any:
    return await (await session.connection()).execute(query)


def _ids(ids: Ids) -> Any:
    return ids if isinstance(ids, Select) else list(ids)
