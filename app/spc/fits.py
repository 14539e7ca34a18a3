"""Each series' XmR fit kept, so a full status computation refits only the series that changed.

A status shows the variation and assurance icons of the indicator's chart up to the period's
end, fitted over the whole approved series (five years of values for a monthly measure). The
fit changes only when its inputs do: the approved values ending by then, the point targets
starting by then, the chart settings, and the indicator's frequency, polarity and aggregation.
So each fit is kept (``spc_fit``) under a digest of exactly those inputs, and a computation:

1. reads each series' and target list's digest as it stands, worked out by the database (one
   aggregate statement each, a row per indicator), and the stored fits for the day;
2. takes a stored fit whose digest matches: it is, by construction, the fit of these inputs;
3. reads the series and targets of the others only, each row with the same key the digest is
   made of (in the same statement, so the digest describes exactly the rows fitted), fits them
   with the code a chart uses (``indicator_chart``), and stores the fits under their digests.

The key is the content, not a version: a fit is never stale under its digest, whatever order
workers store them in, a value changed and changed back included; a stored fit that no longer
matches is refitted and replaced. Writes go in a transaction of their own (when the caller has
a sessionmaker to give and has not itself written): a fit stored is right for its digest even
if the data it was read from is never committed. A caller with nothing to store with fits every
chart as before, without the digests.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    cast,
    func,
    literal,
    literal_column,
    select,
    tuple_,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.clock import utcnow
from app.core.db import holds_sqlite_write_lock, unit_of_work
from app.core.types import UuidMemo, raw_uuid
from app.indicators.models import IndicatorValue, Target
from app.periods.models import Period
from app.spc.engine import AssuranceIcon, VariationIcon
from app.spc.models import IndicatorSpcSetting, SpcFit
from app.spc.repository import Ids, PeriodTarget, SeriesPoint
from app.spc.series import ChartedIndicator, ChartSettings, IndicatorChart, indicator_chart
from app.spc.service import SpcService

logger = logging.getLogger(__name__)

# Rows per upsert statement.
_CHUNK = 500


@dataclass(frozen=True)
class FitInputs:
    """What decides whether each stored fit stands: the digests of each indicator's series and
    point targets as they are now, its chart settings, and the fits stored for the day (each
    with the digest it was fitted under)."""

    values: dict[uuid.UUID, str]
    targets: dict[uuid.UUID, str]
    settings: dict[uuid.UUID, ChartSettings]
    stored: dict[uuid.UUID, tuple[str, Icons]]


@dataclass(frozen=True)
class Icons:
    """What a status shows of an indicator's chart."""

    variation_icon: VariationIcon | None
    assurance_icon: AssuranceIcon | None


def _periods(dialect: str) -> Any:
    """The periods a series or a target list is joined with. On PostgreSQL each also carries
    ``seed``, the 64-bit hash of the period as a series point has it (code, kind, dates),
    worked out once per period (a materialised CTE: a hundred rows or so) rather than once per
    value: a record's hash per row was most of the digests' time."""
    table = Period.__table__
    if dialect != "postgresql":
        return table
    c = table.c
    seed = func.hash_record_extended(
        tuple_(c.code, c.kind, c.start_date, c.end_date), literal_column("0")
    )
    return (
        select(c.id, c.code, c.kind, c.start_date, c.end_date, seed.label("seed"))
        .cte("period_key")
        .prefix_with("MATERIALIZED")
    )


def _key(dialect: str, periods: Any, figure: Any) -> ColumnElement[Any]:
    """A row's key: on PostgreSQL a 64-bit hash of the figure seeded with its period's
    (``_periods``), summed per indicator (no text made, nothing sorted); elsewhere their text,
    joined per indicator and hashed here."""
    if dialect == "postgresql":
        return func.hash_numeric_extended(figure, periods.c.seed)
    text: ColumnElement[Any] = periods.c.code + literal("=") + cast(figure, String)
    return text


def _digest(dialect: str, keys: Sequence[Any]) -> str:
    """What the database's aggregate of the keys gives (``SpcFits._digests``), from the keys."""
    if dialect == "postgresql":
        return f"{len(keys)}:{sum(keys)}"
    return hashlib.md5(",".join(sorted(keys)).encode(), usedforsecurity=False).hexdigest()


def _ids(ids: Ids) -> Any:
    return ids if isinstance(ids, Select) else list(ids)


def _series_query(ids: Ids, until: date, periods: Any) -> Select[Any]:
    """Each approved value ending by ``until`` (its indicator id), joined with ``periods``."""
    return (
        select(IndicatorValue.indicator_id)
        .join(periods, periods.c.id == IndicatorValue.period_id)
        .where(
            IndicatorValue.indicator_id.in_(_ids(ids)),
            IndicatorValue.approved_value.is_not(None),
            periods.c.end_date <= until,
        )
    )


def _targets_query(ids: Ids, until: date, periods: Any) -> Select[Any]:
    """Each point target starting by ``until`` (its indicator id), joined with ``periods``."""
    return (
        select(Target.indicator_id)
        .join(periods, periods.c.id == Target.period_id)
        .where(
            Target.indicator_id.in_(_ids(ids)),
            Target.value.is_not(None),
            periods.c.start_date <= until,
        )
    )


def combined(
    indicator: ChartedIndicator,
    *,
    values: str,
    targets: str,
    settings: ChartSettings,
    until: date,
) -> str:
    """The digest of everything a fit is computed from."""
    parts = (
        values,
        targets,
        indicator.frequency.value,
        indicator.polarity.value,
        indicator.aggregation.value,
        str(settings.run_length),
        str(settings.screen_outliers),
        str(settings.baseline),
        ";".join(settings.recalculate_at),
        until.isoformat(),
    )
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


class SpcFits:
    """The stored fits of the database ``session`` reads, written with ``maker`` (None: read,
    never written); ``ids`` turns the ids read into ``uuid.UUID``s (the caller's, when it reads
    the same ids)."""

    def __init__(
        self,
        session: AsyncSession,
        *,
        maker: async_sessionmaker[AsyncSession] | None = None,
        ids: UuidMemo | None = None,
    ) -> None:
        self.session = session
        self.maker = maker
        self.ids = UuidMemo() if ids is None else ids

    async def icons(
        self,
        *,
        ids: Ids,
        indicators: Sequence[ChartedIndicator],
        until: date,
        inputs: FitInputs | None = None,
    ) -> dict[uuid.UUID, Icons]:
        """Each indicator's icons for its chart up to ``until``: stored where the inputs are
        as they were fitted, fitted (and stored) where not. ``inputs``: as ``inputs`` read
        them on a connection of the caller's (read here on the session when None)."""
        if not indicators:
            return {}
        if self.maker is None:
            # Nothing can be stored (no store behind the cache, or a transaction that has
            # written): fitted as a chart is, without the digests' two statements.
            fitted = await SpcService(self.session).charts(
                ids=ids, indicators=indicators, until=until
            )
            return {
                key: Icons(chart.result.variation_icon, chart.result.assurance_icon)
                for key, chart in fitted.items()
            }
        dialect = self._dialect()
        if inputs is None:
            inputs = await self.inputs(ids=ids, until=until, reader=self.session)
        empty = _digest(dialect, [])
        found: dict[uuid.UUID, Icons] = {}
        stale: list[ChartedIndicator] = []
        for indicator in indicators:
            digest = combined(
                indicator,
                values=inputs.values.get(indicator.id, empty),
                targets=inputs.targets.get(indicator.id, empty),
                settings=inputs.settings.get(indicator.id, _DEFAULT),
                until=until,
            )
            fit = inputs.stored.get(indicator.id)
            if fit is not None and fit[0] == digest:
                found[indicator.id] = fit[1]
            else:
                stale.append(indicator)
        if stale:
            charts = await self.refit(stale, until=until, settings=inputs.settings)
            found.update(
                (key, Icons(chart.result.variation_icon, chart.result.assurance_icon))
                for key, (chart, _) in charts.items()
            )
        return found

    async def inputs(self, *, ids: Ids, until: date, reader: AsyncSession) -> FitInputs:
        """The series' and target lists' digests as they stand, the chart settings and the
        stored fits, read with ``reader`` (the session, or one on a connection of its own
        while the session reads something else: ``app.core.db.reading_aside``)."""
        dialect = self._dialect()
        periods = _periods(dialect)
        values = await self._digests(
            _series_query(ids, until, periods),
            _key(dialect, periods, IndicatorValue.approved_value),
            reader,
        )
        targets = await self._digests(
            _targets_query(ids, until, periods), _key(dialect, periods, Target.value), reader
        )
        settings = await self._settings(ids, reader)
        stored = await self._stored(ids, until, reader)
        return FitInputs(values, targets, settings, stored)

    async def refit(
        self,
        indicators: Sequence[ChartedIndicator],
        *,
        until: date,
        settings: Mapping[uuid.UUID, ChartSettings] | None = None,
    ) -> dict[uuid.UUID, tuple[IndicatorChart, str]]:
        """Fit these indicators' charts afresh, each with the digest of the rows it was fitted
        from, and store them."""
        ids = [indicator.id for indicator in indicators]
        dialect = self._dialect()
        if settings is None:
            settings = await self._settings(ids)
        series: dict[uuid.UUID, list[SeriesPoint]] = {}
        series_keys: dict[uuid.UUID, list[Any]] = {}
        memo = self.ids
        periods = _periods(dialect)
        query = (
            _series_query(ids, until, periods)
            .with_only_columns(
                raw_uuid(IndicatorValue.indicator_id),
                periods.c.code,
                periods.c.kind,
                periods.c.start_date,
                IndicatorValue.approved_value,
                _key(dialect, periods, IndicatorValue.approved_value),
            )
            .order_by(IndicatorValue.indicator_id, periods.c.start_date, periods.c.end_date)
        )
        for raw, code, kind, start, value, key in await self._rows(query):
            indicator_id = memo[raw]
            series.setdefault(indicator_id, []).append(SeriesPoint(code, kind, start, value))
            series_keys.setdefault(indicator_id, []).append(key)
        targets: dict[uuid.UUID, list[PeriodTarget]] = {}
        target_keys: dict[uuid.UUID, list[Any]] = {}
        query = (
            _targets_query(ids, until, periods)
            .with_only_columns(
                raw_uuid(Target.indicator_id),
                periods.c.code,
                periods.c.kind,
                periods.c.start_date,
                Target.value,
                _key(dialect, periods, Target.value),
            )
            .order_by(Target.indicator_id, periods.c.start_date, periods.c.end_date)
        )
        for raw, code, kind, start, value, key in await self._rows(query):
            indicator_id = memo[raw]
            targets.setdefault(indicator_id, []).append(PeriodTarget(code, kind, start, value))
            target_keys.setdefault(indicator_id, []).append(key)
        charts: dict[uuid.UUID, tuple[IndicatorChart, str]] = {}
        for indicator in indicators:
            chosen = settings.get(indicator.id, _DEFAULT)
            chart = indicator_chart(
                indicator,
                series=series.get(indicator.id, []),
                targets=targets.get(indicator.id, []),
                settings=chosen,
                until=until,
            )
            digest = combined(
                indicator,
                values=_digest(dialect, series_keys.get(indicator.id, [])),
                targets=_digest(dialect, target_keys.get(indicator.id, [])),
                settings=chosen,
                until=until,
            )
            charts[indicator.id] = (chart, digest)
        await self._store(charts, until=until)
        return charts

    async def _rows(self, query: Select[Any], reader: AsyncSession | None = None) -> Sequence[Any]:
        # On the connection: plain rows, without the ORM's loading machinery, in one fetch.
        connection = await (reader or self.session).connection()
        rows: Sequence[Any] = (await connection.execute(query)).all()
        return rows

    def _dialect(self) -> str:
        return self.session.get_bind().dialect.name

    async def _digests(
        self, query: Select[Any], key: ColumnElement[Any], reader: AsyncSession
    ) -> dict[uuid.UUID, str]:
        """Each indicator's digest of the rows ``query`` selects, by ``key`` (``_digest``)."""
        memo = self.ids
        if self._dialect() == "postgresql":
            rows = await self._rows(_regroup(query, func.count(), func.sum(key)), reader)
            return {memo[raw]: f"{count}:{int(total)}" for raw, count, total in rows}
        rows = await self._rows(_regroup(query, func.group_concat(key, ",")), reader)
        return {memo[raw]: _digest("sqlite", joined.split(",")) for raw, joined in rows}

    async def _settings(
        self, ids: Ids, reader: AsyncSession | None = None
    ) -> dict[uuid.UUID, ChartSettings]:
        rows = await (reader or self.session).scalars(
            select(IndicatorSpcSetting).where(IndicatorSpcSetting.indicator_id.in_(_ids(ids)))
        )
        return {row.indicator_id: ChartSettings.of(row) for row in rows}

    async def _stored(
        self, ids: Ids, until: date, reader: AsyncSession
    ) -> dict[uuid.UUID, tuple[str, Icons]]:
        query = select(
            raw_uuid(SpcFit.indicator_id),
            SpcFit.digest,
            SpcFit.variation_icon,
            SpcFit.assurance_icon,
        ).where(SpcFit.indicator_id.in_(_ids(ids)), SpcFit.until == until)
        memo = self.ids
        return {
            memo[raw]: (
                digest,
                Icons(
                    None if variation is None else VariationIcon(variation),
                    None if assurance is None else AssuranceIcon(assurance),
                ),
            )
            for raw, digest, variation, assurance in await self._rows(query, reader)
        }

    async def stored_fit(self, indicator_id: uuid.UUID, until: date) -> SpcFit | None:
        """One stored fit as it is kept (for tests and checks)."""
        return await self.session.get(SpcFit, (indicator_id, until))

    @asynccontextmanager
    async def _writer(self) -> AsyncIterator[AsyncSession]:
        """A session of its own, committed on leaving; on SQLite, when the request's session
        already holds the write lock, a savepoint of that session instead (a session of its own
        would wait on that lock until the busy timeout, and the fits would not be stored)."""
        if await holds_sqlite_write_lock(self.session):
            async with self.session.begin_nested():
                yield self.session
            return
        assert self.maker is not None
        async with unit_of_work(self.maker) as writer:
            yield writer

    async def _store(
        self, charts: Mapping[uuid.UUID, tuple[IndicatorChart, str]], *, until: date
    ) -> None:
        if self.maker is None or not charts:
            return
        now = utcnow()
        rows = []
        for indicator_id in sorted(charts):  # one order for every writer: no deadlocks
            chart, digest = charts[indicator_id]
            last = chart.result.points[-1] if chart.result.points else None
            rows.append(
                {
                    "indicator_id": indicator_id,
                    "until": until,
                    "digest": digest,
                    "variation_icon": _text(chart.result.variation_icon),
                    "assurance_icon": _text(chart.result.assurance_icon),
                    "mean": last.mean if last else None,
                    "lower_limit": last.lower_limit if last else None,
                    "upper_limit": last.upper_limit if last else None,
                    "fitted_at": now,
                }
            )
        try:
            async with self._writer() as writer:
                dialect = writer.get_bind().dialect.name
                insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
                for start in range(0, len(rows), _CHUNK):
                    statement = insert(SpcFit).values(rows[start : start + _CHUNK])
                    statement = statement.on_conflict_do_update(
                        index_elements=["indicator_id", "until"],
                        set_={
                            column: statement.excluded[column]
                            for column in rows[0]
                            if column not in ("indicator_id", "until")
                        },
                    )
                    await writer.execute(statement)
        except SQLAlchemyError:
            # A fit not stored is fitted again next time; the answer stands either way (an
            # indicator deleted meanwhile, say, fails its foreign key).
            logger.warning("spc fits not stored", exc_info=True)


_DEFAULT = ChartSettings()


def _text(icon: VariationIcon | AssuranceIcon | None) -> str | None:
    return None if icon is None else icon.value


def _regroup(query: Select[Any], *aggregates: ColumnElement[Any]) -> Select[Any]:
    """``query`` (its first column the indicator id) as one row per indicator: its id as text
    and the ``aggregates`` over its rows."""
    column = query.selected_columns[0]
    return query.with_only_columns(raw_uuid(column), *aggregates).group_by(column)
