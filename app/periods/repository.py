from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.periods.calendar import PeriodKind
from app.periods.models import Period, PeriodStatus


class PeriodRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_code(self, *, code: str) -> Period | None:
        return await self.session.scalar(select(Period).where(Period.code == code))

    async def by_codes(self, *, codes: Collection[str]) -> dict[str, Period]:
        if not codes:
            return {}
        rows = await self.session.scalars(select(Period).where(Period.code.in_(codes)))
        return {period.code: period for period in rows}

    async def codes(self) -> list[str]:
        """Every period's code."""
        return list((await self.session.scalars(select(Period.code))).all())

    async def year_exists(self, *, code: str) -> bool:
        return await self.by_code(code=code) is not None

    async def list(
        self,
        *,
        financial_year: str | None,
        kind: PeriodKind | None,
        status: PeriodStatus | None,
        offset: int,
        limit: int,
    ) -> tuple[Sequence[Period], int]:
        query = select(Period)
        if financial_year is not None:
            query = query.where(Period.financial_year == financial_year)
        if kind is not None:
            query = query.where(Period.kind == kind)
        if status is not None:
            query = query.where(Period.status == status)
        total = await self.session.scalar(select(func.count()).select_from(query.subquery()))
        rows = await self.session.scalars(
            query.order_by(Period.start_date, Period.end_date.desc()).offset(offset).limit(limit)
        )
        return rows.all(), total or 0

    async def in_year(self, *, financial_year: str) -> Sequence[Period]:
        rows = await self.session.scalars(
            select(Period).where(Period.financial_year == financial_year)
        )
        return rows.all()

    async def add_all(self, *, periods: Sequence[Period]) -> None:
        self.session.add_all(periods)
        await self.session.flush()

    async def flush(self) -> None:
        await self.session.flush()
