from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.benchmarks.models import Benchmark
from app.periods.models import Period


class BenchmarkRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, *, indicator_id: uuid.UUID, period_id: uuid.UUID) -> Benchmark | None:
        return await self.session.scalar(
            select(Benchmark).where(
                Benchmark.indicator_id == indicator_id, Benchmark.period_id == period_id
            )
        )

    async def for_indicator(self, *, indicator_id: uuid.UUID) -> Sequence[tuple[Benchmark, str]]:
        """Every benchmark of the indicator with its period code, in period order."""
        rows = await self.session.execute(
            select(Benchmark, Period.code)
            .join(Period, Period.id == Benchmark.period_id)
            .where(Benchmark.indicator_id == indicator_id)
            .order_by(Period.start_date, Period.end_date.desc())
        )
        return [(row[0], row[1]) for row in rows]

    async def add(self, *, benchmark: Benchmark) -> None:
        self.session.add(benchmark)
        await self.session.flush()

    async def flush(self) -> None:
        await self.session.flush()
