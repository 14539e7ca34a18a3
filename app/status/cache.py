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

One reader differs from another only in ``value_status``: those who may act on a figure see its
working step, everyone else only whether an approved figure exists. Both variants are kept, each
serialised once.

Each worker process makes one cache in its lifespan and hands it to the status service; a
service given none, and a transaction that has written and not yet committed, computes afresh.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date

from app.core.changes import Version
from app.measures.vocabulary import ValueStatus
from app.status.schemas import StatusRead


@dataclass
class CachedStatus:
    indicator_id: uuid.UUID
    org_unit_id: uuid.UUID
    # As those who may see working copies read it: value_status is the working copy's step.
    internal: StatusRead
    approved: bool  # an approved figure exists for the period
    _external: StatusRead | None = None
    _json: dict[bool, bytes] = field(default_factory=dict)

    def read(self, *, internal: bool) -> StatusRead:
        if internal:
            return self.internal
        if self._external is None:
            value_status = ValueStatus.APPROVED if self.approved else None
            self._external = (
                self.internal
                if self.internal.value_status == value_status and self.internal.pending is None
                else self.internal.model_copy(
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


@dataclass
class Snapshot:
    """Statuses for one period, each computed from data at least as new as ``version``, on a
    day when the period's figures were (or were not yet) ``due``."""

    version: Version
    due_date: date
    due: bool
    statuses: dict[uuid.UUID, CachedStatus] = field(default_factory=dict)

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


class StatusCache:
    """A snapshot of statuses for each of the last few periods read (about 12 MiB each for
    2,000 indicators)."""

    def __init__(self, *, keys: int = 8) -> None:
        self.keys = keys
        self._entries: OrderedDict[str, Snapshot] = OrderedDict()

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

    def clear(self) -> None:
        self._entries.clear()
