"""Computed statuses, kept per data version so a report is computed once, not per request.

A status depends on the indicator, its values, targets, comments, benchmarks and SPC settings,
the periods, org units and the council's tolerance, and on today's date only through whether
the period's figures are due yet. All but the date live in the database, and every committed
change to them renews the data version and logs which indicators it bore on
(``app.core.changes``). So the statuses computed for a period under a version stay right while
the version stands and the due date is on the same side of today; when the version moves,
those of the indicators the log names are dropped and recomputed, the rest kept (a change that
may bear on every indicator drops them all). The cache keeps a snapshot for each of the last
few periods read (8; about 12 MiB each for 2,000 indicators).

Beneath the statuses, each indicator's arithmetic for a period (its figures and targets
combined for the period, the one before, last year, the year to date and the forecast:
``FrameFigures``) is kept beside the rows it was worked out from (``KeptArithmetic``). A change
that bears on every indicator but on none of their figures (a tolerance, an org unit renamed,
the data falling due) recomputes every status, but takes each indicator's arithmetic as it is
where its rows are unchanged, and only rates it afresh.

One reader differs from another only in ``value_status``: those who may act on a figure see its
working step, everyone else only whether an approved figure exists. Both variants are kept, each
serialised once.

Each worker process makes one cache in its lifespan, with the store of statuses every worker
shares (``app.status.store``) behind it, and hands it to the status service: what the memory
lacks is read from the store, and only what the store lacks or holds under an older version is
computed (and stored). A service given no cache, and a transaction that has written and not yet
committed, computes afresh.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Collection, Hashable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from app.core.changes import Version
from app.measures.vocabulary import Rag, ValueStatus
from app.status.schemas import Spend, StatusRead

if TYPE_CHECKING:
    from app.measures.measure import ApprovedFigure, FrameFigures, MeasureMath
    from app.status.repository import MeasureRow, WorkingCopy
    from app.status.store import StatusStore


class CachedStatus:
    """One indicator's status for a period: computed here (``internal`` given), or read from the
    database as the JSON it was stored as, parsed only if a caller wants the model."""

    __slots__ = (
        "_external",
        "_internal",
        "_json",
        "_rag",
        "approved",
        "indicator_id",
        "org_unit_id",
    )

    def __init__(
        self,
        *,
        indicator_id: uuid.UUID,
        org_unit_id: uuid.UUID,
        # As those who may see working copies read it: value_status is the working copy's step.
        internal: StatusRead,
        approved: bool,  # an approved figure exists for the period
    ) -> None:
        self.indicator_id = indicator_id
        self.org_unit_id = org_unit_id
        self.approved = approved
        self._internal: StatusRead | None = internal
        self._external: StatusRead | None = None
        self._rag: Rag | None = internal.rag
        self._json: dict[bool, bytes] = {}

    @classmethod
    def stored(
        cls,
        *,
        indicator_id: uuid.UUID,
        org_unit_id: uuid.UUID,
        approved: bool,
        rag: Rag | None,
        internal: bytes,
        external: bytes | None,
    ) -> CachedStatus:
        """A status as ``app.status.store`` keeps it: both variants' JSON (``external`` None
        where it is the same as ``internal``)."""
        status = cls.__new__(cls)
        status.indicator_id = indicator_id
        status.org_unit_id = org_unit_id
        status.approved = approved
        status._internal = None
        status._external = None
        status._rag = rag
        status._json = {True: internal, False: internal if external is None else external}
        return status

    @property
    def rag(self) -> Rag | None:
        return self._rag

    @property
    def internal(self) -> StatusRead:
        if self._internal is None:
            self._internal = StatusRead.model_validate_json(self._json[True])
        return self._internal

    def read(self, *, internal: bool) -> StatusRead:
        if internal:
            return self.internal
        if self._external is None:
            if self._internal is None:
                self._external = StatusRead.model_validate_json(self._json[False])
                return self._external
            value_status = ValueStatus.APPROVED if self.approved else None
            self._external = (
                self._internal
                if self._internal.value_status == value_status and self._internal.pending is None
                else self._internal.model_copy(
                    update={"value_status": value_status, "pending": None}
                )
            )
        return self._external

    def json(self, *, internal: bool) -> bytes:
        """The row as the scorecard's JSON writes it, serialised once per variant."""
        cached = self._json.get(internal)
        if cached is None:
            cached = self._json[internal] = self.read(internal=internal).model_dump_json().encode()
        return cached


# Scorecard bodies kept per snapshot (about 1 MB each for 2,000 indicators).
BODIES = 8


@dataclass(frozen=True)
class Body:
    """A scorecard's rows as served: their JSON joined, and the count per RAG status."""

    rows: bytes
    counts: dict[str, Any]
    size: int  # how many rows


@dataclass
class Snapshot:
    """Statuses for one period, each computed from data at least as new as ``version``, on a
    day when the period's figures were (or were not yet) ``due``."""

    version: Version
    due_date: date
    due: bool
    statuses: dict[uuid.UUID, CachedStatus] = field(default_factory=dict)
    # Whole scorecards as served under this version: per (filters, what the reader sees of
    # working copies), the rows' JSON joined and their count per RAG status. Only ever added
    # to: what a snapshot holds for a member never changes while its version stands.
    bodies: OrderedDict[Hashable, Body] = field(default_factory=OrderedDict)

    def body(self, key: Hashable) -> Body | None:
        return self.bodies.get(key)

    def keep_body(self, key: Hashable, body: Body) -> None:
        self.bodies[key] = body
        while len(self.bodies) > BODIES:
            self.bodies.popitem(last=False)

    def holds_on(self, day: date) -> bool:
        """Whether statuses computed then are still right on ``day``: the only thing the date
        changes is whether a missing figure is late yet."""
        return (self.due_date < day) == self.due

    def moved_to(self, version: Version, *, changed: Collection[uuid.UUID]) -> Snapshot:
        """This snapshot under a later version, without the statuses of what changed since."""
        kept = {key: status for key, status in self.statuses.items() if key not in changed}
        return Snapshot(version, self.due_date, self.due, kept)

    def add(self, statuses: Iterable[CachedStatus]) -> None:
        self.statuses.update((status.indicator_id, status) for status in statuses)


@dataclass(frozen=True, slots=True)
class KeptArithmetic:
    """One indicator's arithmetic for a period (``FrameFigures``), kept beside what it was
    worked out from: the indicator as read, and the count and hash of its rows of figures and
    of targets as read (``StatusRepository.figure_rows``, ``target_rows``). A later computation
    whose rows are the same takes it as it is rather than parse its figures and combine them
    again; the ratings it works out afresh (tolerance, polarity and the date are not in it).

    Of the figures themselves only what a status reads again: the period's own approved figure
    (``own``: its commentary), the working copy, and, where that awaits approval, every figure
    and target as read (``awaiting``), for the rating it would get once approved."""

    indicator: MeasureRow
    figures_key: tuple[int, int]
    targets_key: tuple[int, int]
    figures: FrameFigures
    own: ApprovedFigure | None
    working: WorkingCopy | None
    awaiting: MeasureMath | None


# Spends kept under one version at most (one per org unit asked for and reader's own units).
MAX_SPENDS = 256


class StatusCache:
    """A snapshot of statuses for each of the last few periods read (about 12 MiB each for
    2,000 indicators), and each indicator's arithmetic for them (about 4 MiB each)."""

    def __init__(self, *, keys: int = 8, store: StatusStore | None = None) -> None:
        self.keys = keys
        # Statuses kept in the database for every worker (None: this process's memory only).
        self.store = store
        self._entries: OrderedDict[str, Snapshot] = OrderedDict()
        # The scorecard's spend per (financial year, org units), under one data version: the
        # budgets, plans and projects it sums are tracked (``NO_INDICATOR``), so it stands
        # while the version does.
        self._spend_version: Version | None = None
        self._spends: dict[Hashable, Spend] = {}
        # Each indicator's arithmetic per period, for the same last few periods.
        self._arithmetic: OrderedDict[str, dict[uuid.UUID, KeptArithmetic]] = OrderedDict()

    def spend(self, version: Version, key: Hashable) -> Spend | None:
        """The spend kept for ``key`` under exactly ``version``, if any."""
        return self._spends.get(key) if version == self._spend_version else None

    def keep_spend(self, version: Version, key: Hashable, spend: Spend) -> None:
        """Keep a spend worked out from data at least as new as ``version`` (read first)."""
        if version != self._spend_version:
            self._spend_version, self._spends = version, {}
        if len(self._spends) < MAX_SPENDS:
            self._spends[key] = spend

    def get(self, period: str) -> Snapshot | None:
        snapshot = self._entries.get(period)
        if snapshot is not None:
            self._entries.move_to_end(period)
        return snapshot

    def put(self, period: str, snapshot: Snapshot) -> None:
        self._entries[period] = snapshot
        self._entries.move_to_end(period)
        while len(self._entries) > self.keys:
            self._entries.popitem(last=False)

    def arithmetic(self, period: str) -> dict[uuid.UUID, KeptArithmetic]:
        """The arithmetic kept for the period's statuses, by indicator: whoever computes them
        adds to it. It needs no version: an entry stands while the rows it names do."""
        kept = self._arithmetic.get(period)
        if kept is None:
            kept = self._arithmetic[period] = {}
            while len(self._arithmetic) > self.keys:
                self._arithmetic.popitem(last=False)
        else:
            self._arithmetic.move_to_end(period)
        return kept

    def clear(self) -> None:
        self._entries.clear()
        self._arithmetic.clear()
        self._spend_version, self._spends = None, {}
