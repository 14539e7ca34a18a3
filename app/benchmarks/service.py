"""Comparator figures per indicator and period, and the council's quartile position among them."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from app.access.exceptions import PermissionDenied
from app.access.permissions import Permission
from app.access.principal import Principal
from app.audit.service import AuditService, to_audit
from app.benchmarks import rules
from app.benchmarks.exceptions import BenchmarkNotFound
from app.benchmarks.models import Benchmark
from app.benchmarks.repository import BenchmarkRepository
from app.benchmarks.schemas import BenchmarkIn, BenchmarkPosition, BenchmarkRead, ComparatorRead
from app.core.etag import check_if_match
from app.indicators.exceptions import WrongPeriodKind
from app.indicators.models import Indicator
from app.indicators.service import IndicatorService
from app.measures.vocabulary import TARGET_KINDS, Polarity
from app.periods.models import Period
from app.periods.service import PeriodService


def to_read(indicator: Indicator, period_code: str, benchmark: Benchmark) -> BenchmarkRead:
    return BenchmarkRead(
        indicator_code=indicator.code,
        period=period_code,
        source=benchmark.source,
        national_median=benchmark.national_median,
        upper_quartile=benchmark.upper_quartile,
        lower_quartile=benchmark.lower_quartile,
        comparators=[
            ComparatorRead(name=item["name"], value=Decimal(item["value"]))
            for item in benchmark.comparators
        ],
        set_by_name=benchmark.set_by_name,
        updated_at=benchmark.updated_at,
    )


def position_of(
    benchmark: Benchmark | None, *, value: Decimal | None, polarity: Polarity
) -> BenchmarkPosition | None:
    """A status's benchmark: the comparator quartiles and the figure's place among them."""
    if benchmark is None:
        return None
    position = rules.quartile_position(
        value=value,
        quartiles=rules.quartiles_of(
            lower=benchmark.lower_quartile,
            median=benchmark.national_median,
            upper=benchmark.upper_quartile,
        ),
        polarity=polarity,
    )
    return BenchmarkPosition(
        source=benchmark.source,
        national_median=benchmark.national_median,
        upper_quartile=benchmark.upper_quartile,
        lower_quartile=benchmark.lower_quartile,
        quartile=rules.QUARTILE_OF[position] if position else None,
        position=position,
    )


class BenchmarkService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = BenchmarkRepository(session)
        self.indicators = IndicatorService(session)
        self.periods = PeriodService(session)
        self.audit = AuditService(session)

    async def list_benchmarks(self, *, code: str) -> list[BenchmarkRead]:
        indicator = await self.indicators.get(code=code)
        return [
            to_read(indicator, period_code, benchmark)
            for benchmark, period_code in await self.repository.for_indicator(
                indicator_id=indicator.id
            )
        ]

    async def get(self, *, code: str, period_code: str) -> tuple[BenchmarkRead, int]:
        indicator = await self.indicators.get(code=code)
        period = await self.periods.get(code=period_code)
        benchmark = await self.repository.get(indicator_id=indicator.id, period_id=period.id)
        if benchmark is None:
            raise BenchmarkNotFound(f"{code} has no benchmark for {period.code}.")
        return to_read(indicator, period.code, benchmark), benchmark.version

    async def put(
        self,
        *,
        principal: Principal,
        code: str,
        period_code: str,
        data: BenchmarkIn,
        if_match: str | None,
    ) -> tuple[BenchmarkRead, int, bool]:
        """Set or replace a period's comparator figures; returns them, their version and
        whether they were created. Closed periods take them too: comparator data is published
        long after the year it describes."""
        indicator = await self.indicators.get_active(code=code)
        if not principal.can(Permission.INDICATORS_WRITE, indicator.org_unit_id):
            raise PermissionDenied(f"You may not set benchmarks for {code}.")
        period = await self._period_for(indicator, period_code)
        benchmark = await self.repository.get(indicator_id=indicator.id, period_id=period.id)
        before = None
        if benchmark is None:
            benchmark = Benchmark(indicator_id=indicator.id, period_id=period.id)
        else:
            check_if_match(if_match, benchmark.version)
            before = to_read(indicator, period.code, benchmark)
        benchmark.source = data.source
        benchmark.national_median = data.national_median
        benchmark.upper_quartile = data.upper_quartile
        benchmark.lower_quartile = data.lower_quartile
        benchmark.comparators = [
            {"name": item.name, "value": format(item.value, "f")} for item in data.comparators
        ]
        benchmark.set_by_id = principal.id if principal.is_user else None
        benchmark.set_by_name = principal.name
        if before is None:
            await self.repository.add(benchmark=benchmark)
        else:
            await self.repository.flush()
        after = to_read(indicator, period.code, benchmark)
        await self.audit.record(
            actor=principal,
            action="set_benchmark",
            entity_type="benchmark",
            entity_id=f"{indicator.code}/{period.code}",
            before=to_audit(before),
            after=to_audit(after),
        )
        return after, benchmark.version, before is None

    async def _period_for(self, indicator: Indicator, period_code: str) -> Period:
        period = await self.periods.get(code=period_code)
        allowed = TARGET_KINDS[indicator.frequency]
        if period.kind not in allowed:
            raise WrongPeriodKind(
                f"A {indicator.frequency.value} indicator takes benchmarks for "
                f"{', '.join(kind.value for kind in allowed)} periods, not {period.code}.",
                period=period.code,
            )
        return period
