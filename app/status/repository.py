"""Every statement a status computation runs, and the outturn export with it: the periods, the
matching indicators, their approved figures and targets, the period's comments and benchmarks.

A computation reads a fixed number of statements whatever the number of indicators: each takes
the indicators as a SELECT of their ids (or a list), never one statement per indicator.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import Row, Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.benchmarks.models import Benchmark
from app.comments.models import Comment
from app.core.types import UuidMemo, decimal_of_text, exact_text, raw_uuid
from app.indicators.models import Indicator, IndicatorValue
from app.indicators.models import Target as TargetRow
from app.indicators.repository import IndicatorFilter
from app.measures.measure import ApprovedFigure
from app.measures.vocabulary import (
    Aggregation,
    Frequency,
    Polarity,
    Target,
    Tolerance,
    ValueStatus,
    ValueType,
)
from app.org.models import OrgUnit
from app.periods.models import Period

Ids = Select[Any] | Collection[uuid.UUID]


@dataclass(frozen=True)
class WorkingCopy:
    """A value's working figures and its step in the workflow (approved or not)."""

    value: Decimal
    numerator: Decimal | None
    denominator: Decimal | None
    status: ValueStatus


@dataclass(frozen=True, slots=True)
class MeasureRow:
    """What a status computation needs of an indicator, read as a plain row (with its org
    unit's code) rather than an ORM ``Indicator`` with its org unit: a computation reads every
    indicator. A ``MeasureDefinition`` for ``MeasureMath`` and a ``ChartedIndicator`` for the
    SPC charts."""

    id: uuid.UUID
    code: str
    title: str
    unit: str | None
    value_type: ValueType
    decimal_places: int
    polarity: Polarity
    frequency: Frequency
    aggregation: Aggregation
    amber_if_improving: bool
    is_key: bool
    org_unit_id: uuid.UUID
    org_unit_code: str
    # The indicator's own tolerance (``Indicator.own_tolerance``), made once per row.
    tolerance: Tolerance | None

    def own_tolerance(self) -> Tolerance | None:
        return self.tolerance


SelectT = TypeVar("SelectT", bound=Select[*tuple[Any, ...]])
# A row as a bulk read gives it: its columns as the driver decoded them.
RawRow = Row[*tuple[Any, ...]]


class StatusRepository:
    def __init__(self, session: AsyncSession, *, ids: UuidMemo | None = None) -> None:
        self.session = session
        # Every id this repository's reads name, each made a ``uuid.UUID`` once: a computation
        # reads the same 2,000 ids in each of its statements (the SPC fits' too: ``SpcFits``).
        self.ids = UuidMemo() if ids is None else ids

    async def periods(self, codes: Iterable[str]) -> dict[str, Period]:
        rows = await self.session.scalars(select(Period).where(Period.code.in_(list(codes))))
        return {period.code: period for period in rows}

    async def frequencies(self, filters: IndicatorFilter) -> list[tuple[uuid.UUID, Frequency]]:
        """The matching indicators' ids and frequencies, in code order."""
        # On the connection, round the ORM's row loading: every warm scorecard reads these.
        connection = await self.session.connection()
        rows = await connection.execute(
            filters.apply(select(Indicator.id, Indicator.frequency)).order_by(Indicator.code)
        )
        return [(indicator_id, frequency) for indicator_id, frequency in rows]

    async def measures(self, filters: IndicatorFilter) -> list[MeasureRow]:
        """Every matching indicator as a ``MeasureRow``, in code order (one statement).

        Read on the connection, so the rows are the database's: an indicator or org unit
        changed in this session and not yet flushed is flushed first (the session does not
        autoflush), as the figures and targets read beside them are the database's too."""
        if _unflushed(self.session, (Indicator, OrgUnit)):
            await self.session.flush()
        connection = await self.session.connection()
        query = (
            filters.apply(
                select(
                    raw_uuid(Indicator.id),
                    Indicator.code,
                    Indicator.title,
                    Indicator.unit,
                    Indicator.value_type,
                    Indicator.decimal_places,
                    Indicator.polarity,
                    Indicator.frequency,
                    Indicator.aggregation,
                    Indicator.amber_if_improving,
                    Indicator.is_key,
                    raw_uuid(Indicator.org_unit_id),
                    OrgUnit.code,
                    Indicator.tolerance_unit,
                    Indicator.green_within,
                    Indicator.amber_within,
                )
            )
            .join(OrgUnit, OrgUnit.id == Indicator.org_unit_id)
            .order_by(Indicator.code)
        )
        memo = self.ids
        found: list[MeasureRow] = []
        for (
            raw,
            code,
            title,
            unit,
            value_type,
            decimal_places,
            polarity,
            frequency,
            aggregation,
            amber_if_improving,
            is_key,
            org_unit_raw,
            org_unit_code,
            tolerance_unit,
            green_within,
            amber_within,
        ) in (await connection.execute(query)).all():
            # As ``Indicator.own_tolerance``: all three set, else the council's default applies.
            tolerance = (
                None
                if tolerance_unit is None or green_within is None or amber_within is None
                else Tolerance(
                    unit=tolerance_unit, green_within=green_within, amber_within=amber_within
                )
            )
            found.append(
                MeasureRow(
                    id=memo[raw],
                    code=code,
                    title=title,
                    unit=unit,
                    value_type=value_type,
                    decimal_places=decimal_places,
                    polarity=polarity,
                    frequency=frequency,
                    aggregation=aggregation,
                    amber_if_improving=amber_if_improving,
                    is_key=is_key,
                    org_unit_id=memo[org_unit_raw],
                    org_unit_code=org_unit_code,
                    tolerance=tolerance,
                )
            )
        return found

    async def indicators_after(
        self, filters: IndicatorFilter, *, after: str | None, limit: int
    ) -> list[tuple[Indicator, str]]:
        """The next `limit` matching indicators after code `after`, with their org unit code."""
        query = (
            filters.apply(select(Indicator))
            .join(OrgUnit, OrgUnit.id == Indicator.org_unit_id)
            .add_columns(OrgUnit.code)
        )
        if after is not None:
            query = query.where(Indicator.code > after)
        rows = await self.session.execute(query.order_by(Indicator.code).limit(limit))
        return [(row[0], row[1]) for row in rows]

    async def figures(
        self,
        ids: Ids,
        *,
        codes: Collection[str] | None = None,
        years: Collection[str] | None = None,
        working_in: str | None = None,
    ) -> tuple[dict[uuid.UUID, dict[str, ApprovedFigure]], dict[uuid.UUID, WorkingCopy]]:
        """The approved figures of the periods named (by code, or every period of the years),
        and, for period `working_in`, each working copy (whatever its step)."""
        found: dict[uuid.UUID, dict[str, ApprovedFigure]] = {}
        working: dict[uuid.UUID, WorkingCopy] = {}
        rows = await self.figure_rows(ids, codes=codes, years=years, working_in=working_in)
        for indicator_id, own in rows.items():
            figures, copy = parse_figures(own, working_in=working_in)
            if figures:
                found[indicator_id] = figures
            if copy is not None:
                working[indicator_id] = copy
        return found, working

    async def figure_rows(
        self,
        ids: Ids,
        *,
        codes: Collection[str] | None = None,
        years: Collection[str] | None = None,
        working_in: str | None = None,
    ) -> dict[uuid.UUID, list[RawRow]]:
        """``figures``'s rows of each indicator as read, for ``parse_figures``: what a status
        computation compares with the rows its kept arithmetic came from."""
        connection = await self.session.connection()
        exact = connection.dialect
        query = (
            select(
                raw_uuid(IndicatorValue.indicator_id),
                Period.code,
                exact_text(IndicatorValue.approved_value, exact),
                exact_text(IndicatorValue.approved_numerator, exact),
                exact_text(IndicatorValue.approved_denominator, exact),
                IndicatorValue.approved_commentary,
                IndicatorValue.status,
                exact_text(IndicatorValue.value, exact),
                exact_text(IndicatorValue.numerator, exact),
                exact_text(IndicatorValue.denominator, exact),
            )
            .join(Period, Period.id == IndicatorValue.period_id)
            .where(IndicatorValue.indicator_id.in_(ids))
        )
        query = _in_periods(query, codes=codes, years=years)
        if working_in is None:
            query = query.where(IndicatorValue.approved_value.is_not(None))
        # On the connection: plain rows, without the ORM's loading machinery, fetched in one
        # call rather than a driver call per row.
        return self._by_indicator((await connection.execute(query)).all())

    async def targets(
        self,
        ids: Ids,
        *,
        codes: Collection[str] | None = None,
        years: Collection[str] | None = None,
    ) -> dict[uuid.UUID, dict[str, Target]]:
        rows = await self.target_rows(ids, codes=codes, years=years)
        return {indicator_id: parse_targets(own) for indicator_id, own in rows.items()}

    async def target_rows(
        self,
        ids: Ids,
        *,
        codes: Collection[str] | None = None,
        years: Collection[str] | None = None,
    ) -> dict[uuid.UUID, list[RawRow]]:
        """``targets``'s rows of each indicator as read, for ``parse_targets``."""
        # Plain columns, not ORM objects: a scorecard reads thousands of targets.
        connection = await self.session.connection()
        exact = connection.dialect
        query = (
            select(
                raw_uuid(TargetRow.indicator_id),
                Period.code,
                exact_text(TargetRow.value, exact),
                exact_text(TargetRow.lower, exact),
                exact_text(TargetRow.upper, exact),
                exact_text(TargetRow.floor, exact),
            )
            .join(Period, Period.id == TargetRow.period_id)
            .where(TargetRow.indicator_id.in_(ids))
        )
        query = _in_periods(query, codes=codes, years=years)
        return self._by_indicator((await connection.execute(query)).all())

    def _by_indicator(self, rows: Iterable[RawRow]) -> dict[uuid.UUID, list[RawRow]]:
        """Rows whose first column is an indicator id as the driver gives it, by indicator."""
        # By the id as the driver gives it (hashed in C), each made a ``uuid.UUID`` once below.
        found: dict[Any, list[RawRow]] = defaultdict(list)
        for row in rows:
            found[row[0]].append(row)
        memo = self.ids
        return {memo[raw]: own for raw, own in found.items()}

    async def comments(self, ids: Ids, *, period_code: str) -> dict[uuid.UUID, list[Comment]]:
        """Every comment on the period for these indicators, oldest first."""
        rows = await self.session.scalars(
            select(Comment)
            .join(Period, Period.id == Comment.period_id)
            .where(Comment.indicator_id.in_(ids), Period.code == period_code)
            .order_by(Comment.created_at, Comment.id)
        )
        found: dict[uuid.UUID, list[Comment]] = {}
        for comment in rows:
            found.setdefault(comment.indicator_id, []).append(comment)
        return found

    async def benchmarks(self, ids: Ids, *, period_code: str) -> dict[uuid.UUID, Benchmark]:
        """The period's benchmark for each of these indicators that has one."""
        rows = await self.session.scalars(
            select(Benchmark)
            .join(Period, Period.id == Benchmark.period_id)
            .where(Benchmark.indicator_id.in_(ids), Period.code == period_code)
        )
        return {benchmark.indicator_id: benchmark for benchmark in rows}


def _unflushed(session: AsyncSession, types: tuple[type, ...]) -> bool:
    """Whether the session holds a new, changed or deleted object of these types."""
    sync = session.sync_session
    return any(isinstance(instance, types) for instance in (*sync.new, *sync.dirty, *sync.deleted))


def _in_periods(
    query: SelectT, *, codes: Collection[str] | None, years: Collection[str] | None
) -> SelectT:
    if codes is not None:
        query = query.where(Period.code.in_(list(codes)))
    if years is not None:
        query = query.where(Period.financial_year.in_(list(years)))
    return query


def parse_figures(
    rows: Iterable[RawRow], *, working_in: str | None
) -> tuple[dict[str, ApprovedFigure], WorkingCopy | None]:
    """One indicator's rows of ``StatusRepository.figure_rows``: its approved figures by
    period code, and its working copy in period ``working_in`` (if any)."""
    found: dict[str, ApprovedFigure] = {}
    working: WorkingCopy | None = None
    number, figure = decimal_of_text, ApprovedFigure.known
    for row in rows:
        _, code, value, numerator, denominator, commentary, status = row[:7]
        if code == working_in:
            working = WorkingCopy(
                number(row[7]),  # type: ignore[arg-type]  # never NULL
                number(row[8]),
                number(row[9]),
                status,
            )
        if value is not None:
            found[code] = figure(
                number(value),  # type: ignore[arg-type]
                number(numerator),
                number(denominator),
                commentary,
                status,
            )
    return found, working


def parse_targets(rows: Iterable[RawRow]) -> dict[str, Target]:
    """One indicator's rows of ``StatusRepository.target_rows``: its targets by period code."""
    found: dict[str, Target] = {}
    number, known = decimal_of_text, Target.known
    # Each row went in through the checks of a target (``Target.known``): not checked again.
    for _, code, value, lower, upper, floor in rows:
        found[code] = known(
            number(value),
            None if lower is None else number(lower),
            None if upper is None else number(upper),
            None if floor is None else number(floor),
        )
    return found
