"""Every statement the reporting cycle reads: org units, expected values, open periods and the
indicators a person may act on."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.access.principal import Scope
from app.indicators.models import Indicator, IndicatorStatus, IndicatorValue, indicator_collector
from app.measures.vocabulary import Frequency, ValueStatus
from app.org.models import OrgUnit
from app.periods.models import Period, PeriodStatus


class CycleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def org_units(self) -> Sequence[OrgUnit]:
        """Every org unit."""
        return (await self.session.scalars(select(OrgUnit))).all()

    async def expected_values(
        self, *, period_id: uuid.UUID, frequency: Frequency
    ) -> list[tuple[uuid.UUID, ValueStatus | None, bool | None]]:
        """Each active indicator of the frequency, with its value's status and lateness (or
        nulls) for the period."""
        rows = await self.session.execute(
            select(Indicator.org_unit_id, IndicatorValue.status, IndicatorValue.is_late)
            .outerjoin(
                IndicatorValue,
                (IndicatorValue.indicator_id == Indicator.id)
                & (IndicatorValue.period_id == period_id),
            )
            .where(
                Indicator.status == IndicatorStatus.ACTIVE,
                Indicator.frequency == frequency,
            )
        )
        return [(row[0], row[1], row[2]) for row in rows]

    async def not_approved(
        self, *, period_ids: Collection[uuid.UUID], frequency: Frequency
    ) -> list[tuple[str, str, ValueStatus | None]]:
        """(period code, indicator code, value status or null) for each active indicator of the
        frequency whose figure for one of these periods is missing or not approved yet, in
        period and indicator order."""
        rows = await self.session.execute(
            select(Period.code, Indicator.code, IndicatorValue.status)
            .select_from(Indicator)
            .join(Period, Period.id.in_(list(period_ids)))
            .outerjoin(
                IndicatorValue,
                (IndicatorValue.indicator_id == Indicator.id)
                & (IndicatorValue.period_id == Period.id),
            )
            .where(
                Indicator.status == IndicatorStatus.ACTIVE,
                Indicator.frequency == frequency,
                or_(IndicatorValue.id.is_(None), IndicatorValue.status != ValueStatus.APPROVED),
            )
            .order_by(Period.start_date, Indicator.code)
        )
        return [(row[0], row[1], row[2]) for row in rows]

    async def open_periods(self, *, codes: Collection[str] | None = None) -> Sequence[Period]:
        """Every open period (of these codes, when given), in date order."""
        query = select(Period).where(Period.status == PeriodStatus.OPEN)
        if codes is not None:
            query = query.where(Period.code.in_(list(codes)))
        rows = await self.session.scalars(query.order_by(Period.start_date, Period.end_date))
        return rows.all()

    async def values(
        self, *, indicator_ids: Collection[uuid.UUID], period_ids: Collection[uuid.UUID]
    ) -> Sequence[IndicatorValue]:
        """The values of these indicators for these periods."""
        rows = await self.session.scalars(
            select(IndicatorValue).where(
                IndicatorValue.indicator_id.in_(list(indicator_ids)),
                IndicatorValue.period_id.in_(list(period_ids)),
            )
        )
        return rows.all()

    async def actionable_indicators(
        self, *, user_id: uuid.UUID, scopes: Sequence[Scope]
    ) -> Sequence[Indicator]:
        """Active indicators the user collects or owns, or that lie in one of the scopes, by
        code, with their org unit and collectors."""
        query = select(Indicator).where(Indicator.status == IndicatorStatus.ACTIVE)
        conditions: list[ColumnElement[bool]] = []
        for scope in scopes:
            if scope.everywhere:
                conditions = []
                break
            if scope.unit_ids:
                conditions.append(Indicator.org_unit_id.in_(scope.unit_ids))
        else:
            collected = select(indicator_collector.c.indicator_id).where(
                indicator_collector.c.user_id == user_id
            )
            conditions += [Indicator.owner_id == user_id, Indicator.id.in_(collected)]
            query = query.where(or_(*conditions))
        rows = await self.session.scalars(
            query.options(
                selectinload(Indicator.org_unit), selectinload(Indicator.collectors)
            ).order_by(Indicator.code)
        )
        return rows.all()
