"""Status of measures for a period: RAG, direction of travel and year to date.

Everything is computed from approved figures in a fixed number of queries (indicators, periods,
values, targets, the default tolerance), whatever the number of indicators; the rules
themselves are the pure functions beside this module.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.permissions import Permission
from app.auth.principal import Principal
from app.benchmarks.models import Benchmark
from app.benchmarks.repository import BenchmarkRepository
from app.benchmarks.service import position_of
from app.comments.models import Comment
from app.comments.repository import CommentRepository
from app.core.changes import changed_since, current_version
from app.core.clock import today
from app.core.config import Settings
from app.indicators.exceptions import IndicatorNotFound, WrongPeriodKind
from app.indicators.models import Indicator, IndicatorValue, Target, ValueStatus, ValueType
from app.indicators.repository import IndicatorFilter, IndicatorRepository
from app.indicators.service import VALUE_KIND
from app.periods import calendar
from app.periods.calendar import PeriodKind
from app.periods.exceptions import PeriodNotFound
from app.periods.models import Period
from app.rag import rules
from app.rag.aggregation import Aggregation, Observation, aggregate, aggregate_targets
from app.rag.cache import CachedStatus, Snapshot, cache_for
from app.rag.rules import Rag, Tolerance
from app.rag.schemas import (
    Band,
    CommentBrief,
    Directions,
    ForecastRead,
    Scorecard,
    StatusRead,
    Summary,
    YearToDate,
)
from app.settings.service import SettingsService
from app.spc.forecast import ForecastMethod, forecast_year_end
from app.spc.series import IndicatorChart
from app.spc.service import SpcService

# What a projected period may take, by value type (a forecast never goes below zero spend).
_BOUNDS: dict[ValueType, tuple[Decimal | None, Decimal | None]] = {
    ValueType.PERCENTAGE: (Decimal(0), Decimal(100)),
    ValueType.COUNT: (Decimal(0), None),
    ValueType.TIME: (Decimal(0), None),
    ValueType.CURRENCY: (Decimal(0), None),
}


# Cached: a report asks these of the same few codes once per indicator.
@lru_cache(maxsize=4096)
def units_of(code: str, kind: PeriodKind) -> tuple[str, ...]:
    """The periods of `kind` that make up period `code` (itself when it is of that kind)."""
    spec = calendar.parse_period(code)
    if spec.kind is kind:
        return (code,)
    if kind is PeriodKind.MONTH:
        return tuple(calendar.months_in(code))
    if kind is PeriodKind.QUARTER and spec.kind is PeriodKind.YEAR:
        return tuple(calendar.children(code))
    raise ValueError(f"{code} is finer than a {kind.value}")


@lru_cache(maxsize=4096)
def units_to_date(code: str, kind: PeriodKind) -> tuple[str, ...]:
    """The periods of `kind` from the start of the financial year to the end of `code`."""
    return tuple(
        unit for period in calendar.periods_to_date(code) for unit in units_of(period, kind)
    )


@dataclass(frozen=True)
class ApprovedFigure:
    value: Decimal
    numerator: Decimal | None
    denominator: Decimal | None
    commentary: str | None
    status: ValueStatus


@dataclass
class Frame:
    """The periods a status for `period` reads, worked out once per request."""

    period: str
    kind: PeriodKind
    previous: str | None  # None before the first nameable period
    last_year: str | None
    to_date: list[str]
    year: str

    @classmethod
    def of(cls, code: str) -> Frame:
        return cls(
            period=code,
            kind=calendar.parse_period(code).kind,
            previous=previous_of(code),
            last_year=last_year_of(code),
            to_date=calendar.periods_to_date(code),
            year=calendar.parse_period(code).financial_year,
        )

    def value_codes(self, kind: PeriodKind) -> set[str]:
        codes: set[str] = set()
        # The whole year: its later figures weigh a pooled ratio's annual target, for the forecast.
        for code in (self.period, self.previous, self.last_year, *self.to_date, self.year):
            if code is None:
                continue
            codes.update(units_of(code, kind))
        return codes

    def target_codes(self, kind: PeriodKind) -> set[str]:
        codes = self.value_codes(kind)
        for code in (self.period, *self.to_date, self.year):
            codes |= {code, *calendar.children(code), *calendar.months_in(code)}
        return codes


def quantize(number: Decimal | None, places: int) -> Decimal | None:
    if number is None:
        return None
    return number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


class MeasureMath:
    """One indicator's figures for the periods of a frame, combined by its aggregation."""

    def __init__(
        self,
        indicator: Indicator,
        values: Mapping[str, ApprovedFigure],
        targets: Mapping[str, TargetLike],
    ) -> None:
        self.indicator = indicator
        self.kind = VALUE_KIND[indicator.frequency]
        self.values = values
        self.targets = targets
        self.scale = Decimal(100) if indicator.value_type is ValueType.PERCENTAGE else Decimal(1)

    def observations(self, codes: Iterable[str]) -> tuple[list[Observation], bool]:
        found, complete = [], True
        for code in codes:
            figure = self.values.get(code)
            if figure is None:
                complete = False
                continue
            found.append(Observation(figure.value, figure.numerator, figure.denominator))
        return found, complete

    def value(self, codes: Sequence[str]) -> tuple[Decimal | None, bool]:
        observations, complete = self.observations(codes)
        if len(codes) == 1:
            return (observations[0].value if observations else None), complete
        combined = aggregate(observations, self.indicator.aggregation, scale=self.scale)
        return quantize(combined, self.indicator.decimal_places), complete

    def value_at(self, code: str) -> tuple[Decimal | None, bool]:
        return self.value(units_of(code, self.kind))

    def target_at(self, code: str) -> rules.Target | None:
        """The target set for the period, else its parts' targets combined (a year's from its
        quarters, a quarter's from its months), by the indicator's aggregation."""
        direct = self.targets.get(code)
        if direct is not None:
            return _as_rule_target(direct)
        return self.combine_targets(self._parts(code))

    def ytd_target(self, frame: Frame) -> rules.Target | None:
        if len(frame.to_date) == 1:
            return self.target_at(frame.period)
        return self.combine_targets(frame.to_date)

    def combine_targets(self, codes: Sequence[str]) -> rules.Target | None:
        if not codes:
            return None
        parts = [self.target_at(code) for code in codes]
        if any(part is None for part in parts):
            return None  # a partial set of targets is no target for the whole
        bands = {(part.lower, part.upper) for part in parts if part and part.value is None}
        if bands:
            # Bands combine only when every part has the same one.
            same = len(bands) == 1 and all(part and part.value is None for part in parts)
            lower, upper = bands.pop()
            return rules.Target(lower=lower, upper=upper) if same else None
        values = [part.value for part in parts if part and part.value is not None]
        floors = [part.floor for part in parts if part and part.floor is not None]
        weights = None
        if self.indicator.aggregation is Aggregation.RATIO:
            # A pooled ratio's target weighs each part by its denominator, as the value does.
            found = [self._denominator(code) for code in codes]
            if all(weight is not None for weight in found):
                weights = [weight for weight in found if weight is not None]
        places = self.indicator.decimal_places
        combined = aggregate_targets(values, self.indicator.aggregation, weights=weights)
        # Floors combine like the targets they guard, when every part has one.
        floor = (
            aggregate_targets(floors, self.indicator.aggregation, weights=weights)
            if len(floors) == len(parts)
            else None
        )
        return rules.Target(value=quantize(combined, places), floor=quantize(floor, places))

    def _parts(self, code: str) -> list[str]:
        """The next level down that still holds this indicator's values or targets."""
        if calendar.is_within(calendar.parse_period(code).kind, self.kind):
            return []
        return calendar.children(code)

    def _denominator(self, code: str) -> Decimal | None:
        figures = [self.values.get(unit) for unit in units_of(code, self.kind)]
        if not figures or any(f is None or f.denominator is None for f in figures):
            return None
        return sum((f.denominator for f in figures if f and f.denominator is not None), Decimal(0))


@dataclass(frozen=True)
class Rated:
    """One measure's figure for a period, its target, last year's figure and its RAG."""

    value: Decimal | None
    complete: bool
    target: rules.Target | None
    last_year: Decimal | None
    rag: Rag


def rate(math: MeasureMath, code: str, *, default: Tolerance) -> Rated:
    """The RAG rule the status of a measure applies, for any period of its own kind or longer."""
    indicator = math.indicator
    value, complete = math.value_at(code)
    last_code = last_year_of(code)
    last_year = math.value_at(last_code)[0] if last_code else None
    target = math.target_at(code)
    result = rules.evaluate_rag(
        actual=value,
        target=target,
        polarity=indicator.polarity,
        tolerance=indicator.own_tolerance() or default,
        amber_if_improving=indicator.amber_if_improving,
        last_year=last_year,
    )
    return Rated(value, complete, target, last_year, result.rag)


def last_year_of(code: str) -> str | None:
    """The same period a year earlier; None where that has no code of its own (2011-12 reads
    as December 2011 too, so the year before 2012-13 cannot be named)."""
    try:
        return calendar.same_period_last_year(code)
    except calendar.InvalidPeriodCode:
        return None


def previous_of(code: str) -> str | None:
    """The period before, of the same kind; None where that has no code of its own."""
    try:
        return calendar.previous_period(code)
    except calendar.InvalidPeriodCode:
        return None


class TargetLike(Protocol):
    """A stored target row or a rules.Target: whatever carries the four figures."""

    @property
    def value(self) -> Decimal | None: ...
    @property
    def lower(self) -> Decimal | None: ...
    @property
    def upper(self) -> Decimal | None: ...
    @property
    def floor(self) -> Decimal | None: ...


def _as_rule_target(target: TargetLike) -> rules.Target:
    if isinstance(target, rules.Target):
        return target
    return rules.Target(
        value=target.value, lower=target.lower, upper=target.upper, floor=target.floor
    )


def _forecast(
    math: MeasureMath, frame: Frame, *, tolerance: Tolerance, ytd_value: Decimal | None
) -> ForecastRead | None:
    """The year-end outturn forecast from the year's figures to the period, and its RAG
    against the year's target (set for the year, or combined from its parts)."""
    indicator = math.indicator
    to_date = units_to_date(frame.period, math.kind)
    figures = [math.values.get(code) for code in to_date]
    lower, upper = _BOUNDS.get(indicator.value_type, (None, None))
    forecast = forecast_year_end(
        values=[figure.value if figure else None for figure in figures],
        periods_in_year=len(units_of(frame.year, math.kind)),
        aggregation=indicator.aggregation.value,
        lower_bound=lower,
        upper_bound=upper,
    )
    if forecast is None:
        return None
    value = forecast.value
    if forecast.method is ForecastMethod.ACTUAL and ytd_value is not None:
        # The year is complete: its outturn as the status reports it (a ratio pooled from its
        # numerators and denominators, not the mean of its periods).
        value = ytd_value
    value = value.quantize(Decimal(1).scaleb(-indicator.decimal_places), rounding=ROUND_HALF_UP)
    # No amber_if_improving: a forecast has no same-period-last-year figure to improve on.
    rag = rules.evaluate_rag(
        actual=value,
        target=math.target_at(frame.year),
        polarity=indicator.polarity,
        tolerance=tolerance,
    ).rag
    return ForecastRead(value=value, method=forecast.method, rag=rag)


def summarise(statuses: Iterable[StatusRead]) -> Summary:
    """A count per RAG status (rows with no status yet are not counted)."""
    summary = Summary()
    for status in statuses:
        if status.rag is not None:
            setattr(summary, status.rag.value, getattr(summary, status.rag.value) + 1)
    return summary


class _InternalReader:
    """Whether the reader may see working copies of an org unit's figures (approvers in scope,
    the performance team, auditors, admins); worked out once per org unit and request."""

    def __init__(self, principal: Principal | None) -> None:
        self.principal = principal
        self._known: dict[uuid.UUID, bool] = {}

    def __call__(self, org_unit_id: uuid.UUID) -> bool:
        known = self._known.get(org_unit_id)
        if known is None:
            principal = self.principal
            known = self._known[org_unit_id] = principal is not None and (
                principal.can(Permission.VALUES_READ_INTERNAL, org_unit_id)
                or principal.can(Permission.VALUES_APPROVE, org_unit_id)
            )
        return known


class StatusService:
    def __init__(self, session: AsyncSession, *, settings: Settings) -> None:
        self.session = session
        self.settings = settings
        self.indicators = IndicatorRepository(session)

    async def scorecard(
        self, *, principal: Principal | None, period_code: str, filters: IndicatorFilter
    ) -> Scorecard:
        rows = await self.statuses(principal=principal, period_code=period_code, filters=filters)
        return Scorecard(period=period_code, summary=summarise(rows), rows=rows)

    async def scorecard_json(
        self, *, principal: Principal | None, period_code: str, filters: IndicatorFilter
    ) -> bytes:
        """``scorecard(...).model_dump_json()``, assembled from rows each serialised once per
        data version rather than on every request."""
        entries = await self._cached(period_code, filters)
        internal = _InternalReader(principal)
        rows = [entry.json(internal=internal(entry.org_unit_id)) for entry in entries]
        summary = summarise(entry.internal for entry in entries)
        return b"".join(
            (
                b'{"period":',
                json.dumps(period_code).encode(),
                b',"summary":',
                summary.model_dump_json().encode(),
                b',"rows":[',
                b",".join(rows),
                b"]}",
            )
        )

    async def status(
        self, *, principal: Principal | None, code: str, period_code: str
    ) -> StatusRead:
        """One indicator's status; 409 when the period is shorter than the indicator's own."""
        indicator = await self.indicators.by_code(code)
        if indicator is None:
            raise IndicatorNotFound(f"No indicator has the code {code!r}.")
        rows = await self.statuses(
            principal=principal, period_code=period_code, filters=IndicatorFilter(codes=[code])
        )
        if not rows:
            raise WrongPeriodKind(
                f"{code} is {indicator.frequency.value}; it has no status for {period_code}.",
                period=period_code,
            )
        return rows[0]

    async def statuses_if_period_exists(
        self, *, principal: Principal | None, period_code: str, filters: IndicatorFilter
    ) -> list[StatusRead]:
        """Statuses for a period, or none when the period was never created (the year before
        the first)."""
        try:
            return await self.statuses(
                principal=principal, period_code=period_code, filters=filters
            )
        except PeriodNotFound:
            return []

    async def statuses(
        self, *, principal: Principal | None, period_code: str, filters: IndicatorFilter
    ) -> list[StatusRead]:
        entries = await self._cached(period_code, filters)
        internal = _InternalReader(principal)
        return [entry.read(internal=internal(entry.org_unit_id)) for entry in entries]

    async def _cached(self, period_code: str, filters: IndicatorFilter) -> list[CachedStatus]:
        """The statuses from the cache where nothing they read has changed since they were
        computed; the others (an indicator the change log names, or new) computed now."""
        cache = cache_for(self.session)
        if cache is None:
            return (await self._compute(period_code, filters))[0]
        # Read before anything else: whatever is computed below is at least this new.
        version = await current_version(self.session)
        day = today()
        snapshot = cache.get(period_code)
        if snapshot is not None and not snapshot.holds_on(day):
            snapshot = None
        if snapshot is not None and snapshot.version != version:
            changed = await changed_since(self.session, snapshot.version, until=version)
            snapshot = None if changed is None else snapshot.moved_to(version, changed=changed)
        if snapshot is None or not snapshot.statuses:
            computed, due_date = await self._compute(period_code, filters)
            snapshot = Snapshot(version, due_date, due_date < day)
            snapshot.add(computed)
            cache.put(period_code, snapshot)
            return computed
        cache.put(period_code, snapshot)
        members = await self._members(period_code, filters)
        if members is None:
            return (await self._compute(period_code, filters))[0]
        missing = [member for member in members if member not in snapshot.statuses]
        if missing:
            # A few: computed on their own; most of them: the filters as asked, in one go.
            narrow = len(missing) <= len(members) // 2
            computed, _ = await self._compute(
                period_code, filters.narrowed(missing) if narrow else filters
            )
            snapshot.add(computed)
        # One deleted since the members were read has no status any more.
        return [snapshot.statuses[m] for m in members if m in snapshot.statuses]

    async def _members(self, period_code: str, filters: IndicatorFilter) -> list[uuid.UUID] | None:
        """The ids of the indicators with a status for the period, in code order."""
        try:
            kind = calendar.parse_period(period_code).kind
        except calendar.InvalidPeriodCode:
            return None
        rows = await self.session.execute(
            filters.apply(select(Indicator.id, Indicator.frequency)).order_by(Indicator.code)
        )
        return [
            indicator_id
            for indicator_id, frequency in rows
            if calendar.is_within(VALUE_KIND[frequency], kind)
        ]

    async def _compute(
        self, period_code: str, filters: IndicatorFilter
    ) -> tuple[list[CachedStatus], date]:
        """The statuses, and the period's data due date they were judged by."""
        try:
            spec = calendar.parse_period(period_code)
        except calendar.InvalidPeriodCode as exc:
            raise PeriodNotFound(f"{period_code!r} is not a period code.") from exc
        periods = await self._periods([period_code])
        if period_code not in periods:
            raise PeriodNotFound(f"No period has the code {period_code!r}.")
        indicators = [
            indicator
            for indicator in await self.indicators.all_matching(filters)
            # A measure has a status only for periods at least as long as its own.
            if calendar.is_within(VALUE_KIND[indicator.frequency], spec.kind)
        ]
        due_date = periods[period_code].data_due_date
        if not indicators:
            return [], due_date
        frame = Frame.of(period_code)
        kinds = {VALUE_KIND[i.frequency] for i in indicators}
        value_codes = set().union(*(frame.value_codes(kind) for kind in kinds))
        target_codes = set().union(*(frame.target_codes(kind) for kind in kinds))
        ids = filters.apply(select(Indicator.id))
        values, working = await self._approved_values(ids, value_codes, period_code)
        targets = await self._targets(ids, target_codes)
        default = await SettingsService(self.session, settings=self.settings).rag_tolerance()
        due = due_date < today()
        comments = await CommentRepository(self.session).for_period(ids, period_code)
        benchmarks = await BenchmarkRepository(self.session).for_period(ids, period_code)
        charts = await SpcService(self.session).charts(
            ids=ids, indicators=indicators, until=periods[period_code].end_date
        )
        statuses = [
            CachedStatus(
                indicator_id=indicator.id,
                org_unit_id=indicator.org_unit_id,
                internal=self._status(
                    indicator,
                    frame,
                    values.get(indicator.id, {}),
                    targets.get(indicator.id, {}),
                    default,
                    due,
                    comments.get(indicator.id, []),
                    benchmarks.get(indicator.id),
                    charts.get(indicator.id),
                    working.get(indicator.id),
                ),
                approved=frame.period in values.get(indicator.id, {})
                and VALUE_KIND[indicator.frequency] is frame.kind,
            )
            for indicator in indicators
        ]
        return statuses, due_date

    def _status(
        self,
        indicator: Indicator,
        frame: Frame,
        values: dict[str, ApprovedFigure],
        targets: Mapping[str, TargetLike],
        default: Tolerance,
        due: bool,
        comments: Sequence[Comment],
        benchmark: Benchmark | None,
        chart: IndicatorChart | None,
        working_status: ValueStatus | None,
    ) -> StatusRead:
        math = MeasureMath(indicator, values, targets)
        tolerance = indicator.own_tolerance() or default
        places = indicator.decimal_places
        actual, complete = math.value_at(frame.period)
        previous = math.value_at(frame.previous)[0] if frame.previous else None
        last_year = math.value_at(frame.last_year)[0] if frame.last_year else None
        target = math.target_at(frame.period)
        result = rules.evaluate_rag(
            actual=actual,
            target=target,
            polarity=indicator.polarity,
            tolerance=tolerance,
            amber_if_improving=indicator.amber_if_improving,
            last_year=last_year,
        )
        rag: Rag | None = result.rag
        if rag is Rag.MISSING and not due:
            rag = None
        ytd_value, _ = math.value(units_to_date(frame.period, math.kind))
        ytd_target = math.ytd_target(frame)
        ytd_rag = rules.evaluate_rag(
            actual=ytd_value, target=ytd_target, polarity=indicator.polarity, tolerance=tolerance
        ).rag
        own = values.get(frame.period) if math.kind is frame.kind else None
        return StatusRead(
            indicator_code=indicator.code,
            title=indicator.title,
            org_unit_code=indicator.org_unit.code,
            period=frame.period,
            value=actual,
            target=target.value if target else None,
            target_band=(
                Band(lower=target.lower, upper=target.upper)
                if target and target.value is None
                else None
            ),
            floor=target.floor if target else None,
            rag=rag,
            shortfall=quantize(result.shortfall, places),
            shortfall_pct=quantize(result.shortfall_pct, 2),
            direction=Directions(
                vs_previous=rules.direction_of_travel(
                    current=actual, previous=previous, polarity=indicator.polarity, target=target
                ),
                vs_last_year=rules.direction_of_travel(
                    current=actual, previous=last_year, polarity=indicator.polarity, target=target
                ),
            ),
            ytd=YearToDate(
                value=ytd_value,
                target=ytd_target.value if ytd_target else None,
                rag=None if ytd_rag is Rag.MISSING and not due else ytd_rag,
            ),
            # The working copy's step, as those who may act on it read it (CachedStatus.read
            # gives everyone else approved or nothing).
            value_status=working_status,
            complete=complete,
            commentary=own.commentary if own else None,
            comments=[CommentBrief.model_validate(comment) for comment in comments],
            polarity=indicator.polarity,
            value_type=indicator.value_type,
            unit=indicator.unit,
            decimal_places=places,
            is_key=indicator.is_key,
            benchmark=position_of(benchmark, value=actual, polarity=indicator.polarity),
            variation_icon=chart.result.variation_icon if chart else None,
            assurance_icon=chart.result.assurance_icon if chart else None,
            forecast=_forecast(math, frame, tolerance=tolerance, ytd_value=ytd_value),
        )

    async def _periods(self, codes: Iterable[str]) -> dict[str, Period]:
        rows = await self.session.scalars(select(Period).where(Period.code.in_(list(codes))))
        return {period.code: period for period in rows}

    async def _approved_values(
        self, ids: object, codes: set[str], period_code: str
    ) -> tuple[dict[uuid.UUID, dict[str, ApprovedFigure]], dict[uuid.UUID, ValueStatus]]:
        """Approved figures for the periods read, and each working copy's step in the period."""
        rows = await self.session.execute(
            select(
                IndicatorValue.indicator_id,
                Period.code,
                IndicatorValue.approved_value,
                IndicatorValue.approved_numerator,
                IndicatorValue.approved_denominator,
                IndicatorValue.approved_commentary,
                IndicatorValue.status,
            )
            .join(Period, Period.id == IndicatorValue.period_id)
            .where(
                IndicatorValue.indicator_id.in_(ids),  # type: ignore[arg-type]
                Period.code.in_(codes),
            )
        )
        found: dict[uuid.UUID, dict[str, ApprovedFigure]] = defaultdict(dict)
        working: dict[uuid.UUID, ValueStatus] = {}
        for indicator_id, code, value, numerator, denominator, commentary, status in rows:
            if code == period_code:
                working[indicator_id] = status
            if value is not None:
                found[indicator_id][code] = ApprovedFigure(
                    value, numerator, denominator, commentary, status
                )
        return found, working

    async def _targets(
        self, ids: object, codes: set[str]
    ) -> dict[uuid.UUID, dict[str, rules.Target]]:
        # Plain columns, not ORM objects: a scorecard reads thousands of targets.
        rows = await self.session.execute(
            select(
                Target.indicator_id,
                Period.code,
                Target.value,
                Target.lower,
                Target.upper,
                Target.floor,
            )
            .join(Period, Period.id == Target.period_id)
            .where(Target.indicator_id.in_(ids), Period.code.in_(codes))  # type: ignore[arg-type]
        )
        found: dict[uuid.UUID, dict[str, rules.Target]] = defaultdict(dict)
        for indicator_id, code, value, lower, upper, floor in rows:
            found[indicator_id][code] = rules.Target(
                value=value, lower=lower, upper=upper, floor=floor
            )
        return found
