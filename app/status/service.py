"""Status of measures for a period: RAG, direction of travel, year to date, forecast, SPC
icons and benchmark position, for one measure or a scorecard.

This module orchestrates: the statements are in ``app.status.repository``, the arithmetic in
``app.measures``, and computed statuses are kept per data version in ``app.status.cache`` (handed
in by the caller, one per worker process), so a report is computed once and not per request.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Hashable, Iterable, Sequence
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.access.permissions import Permission
from app.access.principal import Principal
from app.benchmarks.models import Benchmark
from app.benchmarks.service import position_of
from app.comments.models import Comment
from app.core.changes import (
    Version,
    changed_since,
    current_version,
    has_changes,
    request_version,
)
from app.core.clock import today
from app.core.config import Settings
from app.core.db import reading_aside
from app.core.metrics import record_status_cache
from app.indicators.exceptions import IndicatorNotFound, WrongPeriodKind
from app.indicators.policy import sees_working_copies
from app.indicators.repository import IndicatorFilter, IndicatorRepository
from app.measures import rules
from app.measures.measure import (
    ApprovedFigure,
    Frame,
    FrameFigures,
    HasRag,
    MeasureMath,
    rate,
    summarise,
)
from app.measures.numbers import quantize
from app.measures.vocabulary import VALUE_KIND, Rag, Tolerance, ValueStatus
from app.periods import calendar
from app.periods.exceptions import PeriodNotFound
from app.settings.service import SettingsService
from app.spc.fits import FitInputs, Icons, SpcFits
from app.status.cache import Body, CachedStatus, KeptArithmetic, Snapshot, StatusCache
from app.status.repository import (
    MeasureRow,
    RawRow,
    StatusRepository,
    parse_figures,
    parse_targets,
)
from app.status.schemas import (
    Band,
    CommentBrief,
    Directions,
    ForecastRead,
    Pending,
    Scorecard,
    ScorecardSummary,
    Spend,
    StatusRead,
    YearToDate,
)
from app.status.store import StatusStore


def scorecard_summary(rows: Iterable[HasRag], spend: Spend | None) -> ScorecardSummary:
    """A count per RAG status, with the spend beside them where known."""
    return ScorecardSummary(**summarise(rows).model_dump(), spend=spend)


class _InternalReader:
    """``sees_working_copies`` for one reader, worked out once per org unit and request."""

    def __init__(self, principal: Principal | None) -> None:
        self.principal = principal
        self._known: dict[uuid.UUID, bool] = {}

    def __call__(self, org_unit_id: uuid.UUID) -> bool:
        known = self._known.get(org_unit_id)
        if known is None:
            known = self._known[org_unit_id] = sees_working_copies(self.principal, org_unit_id)
        return known


class StatusService:
    def __init__(
        self, session: AsyncSession, *, settings: Settings, cache: StatusCache | None = None
    ) -> None:
        self.session = session
        self.settings = settings
        self.cache = cache
        self.indicators = IndicatorRepository(session)
        self.repository = StatusRepository(session)

    async def scorecard(
        self,
        *,
        principal: Principal | None,
        period_code: str,
        filters: IndicatorFilter,
        spend: Spend | None = None,
    ) -> Scorecard:
        """The statuses and their counts; `spend` (worked out by the caller, who knows the
        budgets) goes in the summary beside them."""
        rows = await self.statuses(principal=principal, period_code=period_code, filters=filters)
        return Scorecard(period=period_code, summary=scorecard_summary(rows, spend), rows=rows)

    async def scorecard_json(
        self,
        *,
        principal: Principal | None,
        period_code: str,
        filters: IndicatorFilter,
        spend: Spend | None = None,
        version: Version | None = None,
    ) -> bytes:
        """``scorecard(...).model_dump_json()``, as ``scorecard_json_parts`` joined."""
        return b"".join(
            await self.scorecard_json_parts(
                principal=principal,
                period_code=period_code,
                filters=filters,
                spend=spend,
                version=version,
            )
        )

    async def scorecard_json_parts(
        self,
        *,
        principal: Principal | None,
        period_code: str,
        filters: IndicatorFilter,
        spend: Spend | None = None,
        version: Version | None = None,
    ) -> tuple[bytes, ...]:
        """``scorecard(...).model_dump_json()`` in parts (joined, the same bytes), assembled
        from rows each serialised once per data version rather than on every request; the rows
        joined are kept too, per filters and reader, so a warm scorecard is the data version
        and one lookup. ``version``: the data version this request has read already
        (``version_to_keep``), if any."""
        body = await self._body(principal, period_code, filters, version)
        summary = ScorecardSummary(**body.counts, spend=spend)
        return (
            b'{"period":',
            json.dumps(period_code).encode(),
            b',"summary":',
            summary.model_dump_json().encode(),
            b',"rows":[',
            body.rows,
            b"]}",
        )

    async def version_to_keep(self) -> Version | None:
        """The data version, read now, under which answers of this request may be kept and
        found; None when nothing may be (no cache, or this transaction has written)."""
        if self.cache is None or has_changes(self.session):
            return None
        return await request_version(self.session)

    async def _body(
        self,
        principal: Principal | None,
        period_code: str,
        filters: IndicatorFilter,
        version: Version | None = None,
    ) -> Body:
        """The rows of the scorecard as JSON and their counts: kept with the period's snapshot
        while its data version stands, or assembled from the statuses (and then kept)."""
        cache = None if has_changes(self.session) else self.cache
        selected = filters.cache_key()
        key = None if cache is None or selected is None else (selected, _reader_key(principal))
        if cache is None or key is None:
            version = None
        elif version is None:
            version = await request_version(self.session)
        if cache is not None and key is not None and version is not None:
            snapshot = cache.get(period_code)
            if (
                snapshot is not None
                and snapshot.version == version
                and snapshot.holds_on(today())
                and (kept := snapshot.body(key)) is not None
            ):
                record_status_cache(hits=kept.size, computed=0)
                return kept
        entries = await self._cached(period_code, filters)
        internal = _InternalReader(principal)
        body = Body(
            rows=b",".join(entry.json(internal=internal(entry.org_unit_id)) for entry in entries),
            counts=summarise(entries).model_dump(),
            size=len(entries),
        )
        if cache is not None and key is not None and version is not None:
            snapshot = cache.get(period_code)
            # Kept only with a snapshot of the version read before the statuses were: what it
            # holds for these members is what was just joined.
            if snapshot is not None and snapshot.version == version:
                snapshot.keep_body(key, body)
        return body

    async def status(
        self, *, principal: Principal | None, code: str, period_code: str
    ) -> StatusRead:
        """One indicator's status; 409 when the period is shorter than the indicator's own."""
        indicator = await self.indicators.by_code(code=code)
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
        computed; the others (an indicator the change log names, or new) read from the
        statuses stored for every worker, or computed now."""
        # A transaction that has written and not committed computes afresh: what it would
        # compute is not yet what others read.
        cache = None if has_changes(self.session) else self.cache
        if cache is None:
            computed = (await self._compute(period_code, filters))[0]
            record_status_cache(hits=0, computed=len(computed))
            return computed
        # Read before anything else (with the principal, where it was): whatever is computed
        # below is at least this new.
        version = await request_version(self.session)
        day = today()
        snapshot = await self._kept(cache, period_code, version, day)
        if cache.store is None and (snapshot is None or not snapshot.statuses):
            computed, due_date = await self._compute(period_code, filters)
            snapshot = Snapshot(version, due_date, due_date < day)
            snapshot.add(computed)
            cache.put(period_code, snapshot)
            record_status_cache(hits=0, computed=len(computed))
            return computed
        if snapshot is not None:
            cache.put(period_code, snapshot)
        members = await self._members(period_code, filters)
        if members is None:
            computed = (await self._compute(period_code, filters))[0]
            record_status_cache(hits=0, computed=len(computed))
            return computed
        fresh: set[uuid.UUID] = set()
        if cache.store is not None and (
            snapshot is None or any(m not in snapshot.statuses for m in members)
        ):
            snapshot, fresh = await self._stored(
                cache, cache.store, snapshot, period_code, filters, version, day, members
            )
        assert snapshot is not None
        missing = [member for member in members if member not in snapshot.statuses]
        if missing:
            # A few: computed on their own; most of them: the filters as asked, in one go.
            narrow = len(missing) <= len(members) // 2
            computed, _ = await self._compute(
                period_code, filters.narrowed(missing) if narrow else filters
            )
            snapshot.add(computed)
            fresh |= {status.indicator_id for status in computed}
        # One deleted since the members were read has no status any more.
        found = [snapshot.statuses[m] for m in members if m in snapshot.statuses]
        record_status_cache(
            hits=sum(status.indicator_id not in fresh for status in found), computed=len(fresh)
        )
        return found

    async def _kept(
        self, cache: StatusCache, period_code: str, version: Version, day: date
    ) -> Snapshot | None:
        """This worker's snapshot for the period brought to ``version``: without the statuses
        of the indicators changed since it was taken; None when none of it may stand."""
        snapshot = cache.get(period_code)
        if snapshot is not None and not snapshot.holds_on(day):
            snapshot = None
        if snapshot is not None and snapshot.version != version:
            changed = await changed_since(self.session, snapshot.version, until=version)
            snapshot = None if changed is None else snapshot.moved_to(version, changed=changed)
        return snapshot

    async def _stored(
        self,
        cache: StatusCache,
        store: StatusStore,
        snapshot: Snapshot | None,
        period_code: str,
        filters: IndicatorFilter,
        version: Version,
        day: date,
        members: list[uuid.UUID],
    ) -> tuple[Snapshot, set[uuid.UUID]]:
        """``snapshot`` (or a new one) with the statuses of ``members`` it lacks: those stored
        under ``version`` read, the rest computed under the period's claim and stored for
        every worker; and the ids of those computed here."""

        def lacking(kept: Snapshot | None) -> list[uuid.UUID] | None:
            """The members ``kept`` has no status for; None: it has no snapshot at all."""
            return None if kept is None else [m for m in members if m not in kept.statuses]

        async def take(kept: Snapshot | None, at: Version) -> Snapshot | None:
            wanted = lacking(kept)
            stored = await store.load(self.session, period_code, version=at, day=day, ids=wanted)
            if stored is None or kept is None:
                return stored or kept
            kept.add(stored.statuses[m] for m in wanted or () if m in stored.statuses)
            return kept

        kept = await take(snapshot, version)
        computed_ids: set[uuid.UUID] = set()
        if kept is None or lacking(kept):
            async with store.claim(period_code, reader=self.session) as writer:
                # Another request of this worker may have done it while this one waited, or
                # one of another worker stored it under the version as it now stands.
                ours = await self._kept(cache, period_code, version, day)
                if ours is not None and (kept is None or len(ours.statuses) > len(kept.statuses)):
                    kept = ours
                latest = await current_version(self.session)
                if kept is None or lacking(kept):
                    kept = await take(kept, latest)
                missing = lacking(kept)
                if missing is None or missing:
                    narrow = missing is not None and len(missing) <= len(members) // 2
                    computed, due_date = await self._compute(
                        period_code, filters.narrowed(missing or ()) if narrow else filters
                    )
                    due = due_date < day
                    await store.save(
                        writer,
                        period_code,
                        version=latest,
                        due_date=due_date,
                        due=due,
                        statuses=computed,
                    )
                    if kept is None:
                        kept = Snapshot(version, due_date, due)
                    kept.add(computed)
                    computed_ids = {status.indicator_id for status in computed}
        assert kept is not None  # found, or made above
        cache.put(period_code, kept)
        return kept, computed_ids

    async def _members(self, period_code: str, filters: IndicatorFilter) -> list[uuid.UUID] | None:
        """The ids of the indicators with a status for the period, in code order."""
        try:
            kind = calendar.parse_period(period_code).kind
        except calendar.InvalidPeriodCode:
            return None
        return [
            indicator_id
            for indicator_id, frequency in await self.repository.frequencies(filters)
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
        periods = await self.repository.periods([period_code])
        if period_code not in periods:
            raise PeriodNotFound(f"No period has the code {period_code!r}.")
        indicators = [
            indicator
            for indicator in await self.repository.measures(filters)
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
        ids = filters.id_query()
        until = periods[period_code].end_date
        maker = await self._fits_writer()
        fits = SpcFits(self.session, maker=maker, ids=self.repository.ids)

        async def beside(reader: AsyncSession) -> FitInputs:
            """The SPC fits' inputs, read on a connection of their own while the session reads
            the figures and targets: their digests are the database's work (tens of
            milliseconds), done while this process makes the figures."""
            return await fits.inputs(ids=ids, until=until, reader=reader)

        # Only where the fits are stored: the session has not written (``_fits_writer``).
        async with reading_aside(maker, beside) as aside:
            figure_rows = await self.repository.figure_rows(
                ids, codes=value_codes, working_in=period_code
            )
            target_rows = await self.repository.target_rows(ids, codes=target_codes)
            default = await SettingsService(self.session, settings=self.settings).rag_tolerance()
            comments = await self.repository.comments(ids, period_code=period_code)
            benchmarks = await self.repository.benchmarks(ids, period_code=period_code)
            inputs = await aside
            charts = await fits.icons(ids=ids, indicators=indicators, until=until, inputs=inputs)
        due = due_date < today()
        # This worker's arithmetic for the period, taken where its rows are as they were.
        kept = self.cache.arithmetic(period_code) if self.cache is not None else {}
        statuses = []
        for indicator in indicators:
            indicator_id = indicator.id
            arithmetic = _arithmetic(
                indicator,
                frame,
                kept,
                figure_rows.get(indicator_id, ()),
                target_rows.get(indicator_id, ()),
            )
            statuses.append(
                CachedStatus(
                    indicator_id=indicator_id,
                    org_unit_id=indicator.org_unit_id,
                    internal=self._status(
                        indicator,
                        frame,
                        arithmetic,
                        default,
                        due,
                        comments.get(indicator_id, []),
                        benchmarks.get(indicator_id),
                        charts.get(indicator_id),
                    ),
                    approved=arithmetic.own is not None,
                )
            )
        return statuses, due_date

    async def _fits_writer(self) -> async_sessionmaker[AsyncSession] | None:
        """Where fitted SPC charts are stored for the next computation: the store's database,
        unless this transaction has written (what it read may never be committed). (On SQLite,
        when the request holds the write lock, the fits go in through its own transaction:
        app.spc.fits.)"""
        store = self.cache.store if self.cache is not None else None
        if store is None or has_changes(self.session):
            return None
        return store.maker

    def _status(
        self,
        indicator: MeasureRow,
        frame: Frame,
        arithmetic: KeptArithmetic,
        default: Tolerance,
        due: bool,
        comments: Sequence[Comment],
        benchmark: Benchmark | None,
        chart: Icons | None,
    ) -> StatusRead:
        figures, own, working = arithmetic.figures, arithmetic.own, arithmetic.working
        tolerance = indicator.own_tolerance() or default
        places = indicator.decimal_places
        polarity = indicator.polarity
        reading = figures.reading
        actual, target = reading.value, reading.target
        previous, last_year, ytd = figures.previous, figures.last_year, figures.ytd
        result = rules.evaluate_rag(
            actual=actual,
            target=target,
            polarity=polarity,
            tolerance=tolerance,
            amber_if_improving=indicator.amber_if_improving,
            last_year=last_year,
        )
        ytd_rag = rules.evaluate_rag(
            actual=ytd.value, target=ytd.target, polarity=polarity, tolerance=tolerance
        ).rag
        projection = figures.projection
        return StatusRead(
            indicator_code=indicator.code,
            title=indicator.title,
            org_unit_code=indicator.org_unit_code,
            period=frame.period,
            value=actual,
            target=target.value if target else None,
            target_band=(
                Band(lower=target.lower, upper=target.upper)
                if target and target.value is None
                else None
            ),
            floor=target.floor if target else None,
            rag=_unless_not_due(result.rag, due=due),
            shortfall=quantize(result.shortfall, places),
            shortfall_pct=quantize(result.shortfall_pct, 2),
            direction=Directions(
                vs_previous=rules.direction_of_travel(
                    current=actual, previous=previous, polarity=polarity, target=target
                ),
                vs_last_year=rules.direction_of_travel(
                    current=actual, previous=last_year, polarity=polarity, target=target
                ),
            ),
            ytd=YearToDate(
                value=ytd.value,
                target=ytd.target.value if ytd.target else None,
                rag=_unless_not_due(ytd_rag, due=due),
                as_at=ytd.as_at,
                complete=ytd.complete,
            ),
            # The working copy's step, as those who may act on it read it (CachedStatus.read
            # gives everyone else approved or nothing).
            value_status=working.status if working else None,
            complete=reading.complete,
            as_at=reading.as_at,
            pending=self._pending(arithmetic, frame, default=default, due=due),
            commentary=own.commentary if own else None,
            comments=[CommentBrief.model_validate(comment) for comment in comments],
            polarity=polarity,
            value_type=indicator.value_type,
            unit=indicator.unit,
            decimal_places=places,
            is_key=indicator.is_key,
            benchmark=position_of(benchmark, value=actual, polarity=polarity),
            variation_icon=chart.variation_icon if chart else None,
            assurance_icon=chart.assurance_icon if chart else None,
            forecast=(
                None
                if projection is None
                else ForecastRead.model_validate(
                    projection.rated(polarity=polarity, tolerance=tolerance)
                )
            ),
        )

    @staticmethod
    def _pending(
        arithmetic: KeptArithmetic, frame: Frame, *, default: Tolerance, due: bool
    ) -> Pending | None:
        """The figure awaiting approval (submitted, or a draft of a change) as it would be
        rated once approved; None when the working copy is the approved figure."""
        math, working = arithmetic.awaiting, arithmetic.working
        if math is None or working is None:
            return None
        values = dict(math.values)
        values[frame.period] = ApprovedFigure(
            working.value, working.numerator, working.denominator, None, ValueStatus.APPROVED
        )
        rated = rate(
            MeasureMath(math.indicator, values, math.targets), frame.period, default=default
        )
        return Pending(
            value=working.value,
            rag=_unless_not_due(rated.rag, due=due),
            value_status=working.status,
        )


_AWAITING = frozenset({ValueStatus.DRAFT, ValueStatus.SUBMITTED})


def _reader_key(principal: Principal | None) -> Hashable:
    """What decides which org units' working copies a reader sees (``sees_working_copies``):
    the scopes of the two permissions it asks about."""
    if principal is None:
        return None
    return (
        principal.scope(Permission.VALUES_READ_INTERNAL),
        principal.scope(Permission.VALUES_APPROVE),
    )


def _unless_not_due(rag: Rag, *, due: bool) -> Rag | None:
    """No figure is missing before the period's data is due: no status yet."""
    return None if rag is Rag.MISSING and not due else rag


def _arithmetic(
    indicator: MeasureRow,
    frame: Frame,
    kept: dict[uuid.UUID, KeptArithmetic],
    figure_rows: Sequence[RawRow],
    target_rows: Sequence[RawRow],
) -> KeptArithmetic:
    """The indicator's arithmetic for the frame: as kept, where the indicator and its rows are
    those it was worked out from, else worked out from them (and kept).

    Rows are compared by their count and hash (Python's, 64 bits, over every column as read):
    the odds of a change leaving both the same are about one in 2^64."""
    figures_key = (len(figure_rows), hash(tuple(figure_rows)))
    targets_key = (len(target_rows), hash(tuple(target_rows)))
    found = kept.get(indicator.id)
    if (
        found is not None
        and found.figures_key == figures_key
        and found.targets_key == targets_key
        and found.indicator == indicator
    ):
        return found
    values, working = parse_figures(figure_rows, working_in=frame.period)
    math = MeasureMath(indicator, values, parse_targets(target_rows))
    own_kind = math.kind is frame.kind
    awaiting = working is not None and working.status in _AWAITING and own_kind
    found = kept[indicator.id] = KeptArithmetic(
        indicator,
        figures_key,
        targets_key,
        FrameFigures.of(math, frame),
        own=values.get(frame.period) if own_kind else None,
        working=working,
        awaiting=math if awaiting else None,
    )
    return found
