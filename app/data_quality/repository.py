from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.data_quality.models import ValueVerification
from app.indicators.models import IndicatorValue, Target
from app.periods.models import Period


class DataQualityRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def periods(self, *, codes: Collection[str]) -> dict[str, Period]:
        """The periods with these codes, by code."""
        rows = await self.session.scalars(select(Period).where(Period.code.in_(list(codes))))
        return {period.code: period for period in rows}

    async def values(
        self, *, ids: Select[Any], codes: Collection[str]
    ) -> dict[tuple[uuid.UUID, str], IndicatorValue]:
        """The indicators' values for these periods, by indicator id and period code."""
        rows = await self.session.execute(
            select(IndicatorValue, Period.code)
            .join(Period, Period.id == IndicatorValue.period_id)
            .where(IndicatorValue.indicator_id.in_(ids), Period.code.in_(list(codes)))
        )
        return {(value.indicator_id, code): value for value, code in rows}

    async def targeted(
        self, *, ids: Select[Any], codes: Collection[str]
    ) -> set[tuple[uuid.UUID, str]]:
        """Which of the indicators have a target for which of these periods."""
        rows = await self.session.execute(
            select(Target.indicator_id, Period.code)
            .join(Period, Period.id == Target.period_id)
            .where(Target.indicator_id.in_(ids), Period.code.in_(list(codes)))
        )
        return {(row[0], row[1]) for row in rows}

    async def latest_verdicts(
        self, *, value_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, ValueVerification]:
        """Each value's latest verdict, for the values that have one."""
        if not value_ids:
            return {}
        latest = (
            select(ValueVerification.value_id, func.max(ValueVerification.at).label("at"))
            .where(ValueVerification.value_id.in_(list(value_ids)))
            .group_by(ValueVerification.value_id)
            .subquery()
        )
        rows = await self.session.scalars(
            select(ValueVerification).join(
                latest,
                (latest.c.value_id == ValueVerification.value_id)
                & (latest.c.at == ValueVerification.at),
            )
        )
        return {row.value_id: row for row in rows}

    async def approved_series(
        self, *, ids: Select[Any], until: date
    ) -> dict[uuid.UUID, list[tuple[str, Decimal]]]:
        """Each indicator's approved values up to a date, in period order (for SPC)."""
        rows = await self.session.execute(
            select(IndicatorValue.indicator_id, Period.code, IndicatorValue.approved_value)
            .join(Period, Period.id == IndicatorValue.period_id)
            .where(
                IndicatorValue.indicator_id.in_(ids),
                IndicatorValue.approved_value.is_not(None),
                Period.end_date <= until,
            )
            .order_by(IndicatorValue.indicator_id, Period.start_date)
        )
        found: dict[uuid.UUID, list[tuple[str, Decimal]]] = {}
        for indicator_id, code, value in rows:
            if value is not None:
                found.setdefault(indicator_id, []).append((code, value))
        return found

    async def verifications(self, *, value_id: uuid.UUID) -> Sequence[ValueVerification]:
        """Every verdict on a value, newest first."""
        rows = await self.session.scalars(
            select(ValueVerification)
            .where(ValueVerification.value_id == value_id)
            .order_by(ValueVerification.at.desc(), ValueVerification.id)
        )
        return rows.all()

    async def add(self, *, verification: ValueVerification) -> ValueVerification:
        """Store a new verdict."""
        self.session.add(verification)
        await self.session.flush()
        return verification
