"""Bulk targets: many targets set at once, in a fixed number of statements.

Each item is checked by the same rules as PUT /indicators/{code}/targets/{period} (the
indicator's shape, decimal places and range, the period's kind and lock, the caller's scope);
then every insert, update, history row, audit event and outbox event of the batch goes to the
database in one statement each. A target change keeps its history (who, when, why) and is
announced (`target.changed`, `status.changed`) as one set by hand is.
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy.ext.asyncio import AsyncSession

from app.access.permissions import Permission
from app.access.principal import Principal
from app.audit.service import AuditEntry, AuditService
from app.batch.items import RawItem, Work, locate, note_repeat, parse_items, text_field
from app.batch.repository import BatchRepository
from app.batch.schemas import (
    BatchSummary,
    ItemResult,
    Outcome,
    TargetBatchItem,
    TargetBatchResult,
)
from app.batch.service import BatchForbidden, BatchRefused
from app.core.clock import utcnow
from app.core.errors import AppError
from app.events.outbox import emit_many
from app.indicators.models import Indicator
from app.indicators.repository import IndicatorRepository
from app.indicators.schemas import TargetRead
from app.indicators.service import check_target_shape, target_events
from app.measures.vocabulary import TARGET_KINDS
from app.periods.models import Period, PeriodStatus
from app.periods.repository import PeriodRepository

_ITEM = TypeAdapter(TargetBatchItem)
_ITEMS = TypeAdapter(list[TargetBatchItem])
FIGURES = ("value", "lower", "upper", "floor")


_Work = Work[TargetBatchItem]


def _snapshot(row: dict[str, Any], indicator: Indicator, period: Period) -> dict[str, Any]:
    return {
        "indicator_code": indicator.code,
        "period": period.code,
        **{key: None if row[key] is None else str(row[key]) for key in FIGURES},
        "reason": row["reason"],
    }


def _read(state: dict[str, Any], indicator: Indicator, period: Period) -> TargetRead:
    """The target as GET /indicators/{code}/targets/{period} shows it, for its events."""
    return TargetRead(
        indicator_code=indicator.code,
        period=period.code,
        **{key: state[key] for key in FIGURES},
        reason=state["reason"],
        set_by_id=state["set_by_id"],
        set_by_name=state["set_by_name"],
        set_at=state["set_at"],
    )


class TargetBatchService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = BatchRepository(session)
        self.indicators = IndicatorRepository(session)
        self.periods = PeriodRepository(session)

    async def push(
        self, *, principal: Principal, items: list[RawItem], atomic: bool
    ) -> TargetBatchResult:
        work = parse_items(items, _ITEMS, _ITEM, _Work)
        parsed = [w.item for w in work if w.item is not None]
        indicators = await self.indicators.by_codes(codes={i.indicator_code for i in parsed})
        periods = await self.periods.by_codes(codes={i.period for i in parsed})
        seen: set[tuple[str, str]] = set()
        for w in work:
            if w.item is not None:
                self._check(principal, w, indicators, periods, seen=seen)
        valid = [w for w in work if not w.errors]
        existing = await self.repository.target_rows(
            pairs={(w.indicator.id, w.period.id) for w in valid if w.indicator and w.period}
        )
        now = utcnow()
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        revisions: list[dict[str, Any]] = []
        audit: list[AuditEntry] = []
        events: list[dict[str, Any]] = []
        for w in valid:
            assert w.item is not None
            assert w.indicator is not None
            assert w.period is not None
            row = existing.get((w.indicator.id, w.period.id))
            figures = {key: getattr(w.item, key) for key in FIGURES}
            if row is not None and all(row[key] == figures[key] for key in FIGURES):
                w.outcome = Outcome.UNCHANGED
                continue
            state = {
                **(row or {"id": uuid.uuid4(), "indicator_id": w.indicator.id, "version": 0}),
                "period_id": w.period.id,
                **figures,
                "reason": w.item.reason,
                "set_by_id": principal.id,
                "set_by_name": principal.name,
                "set_at": now,
            }
            state["version"] += 1
            if row is None:
                w.outcome = Outcome.CREATED
                inserts.append(state)
            else:
                w.outcome = Outcome.UPDATED
                updates.append({f"b_{key}": value for key, value in state.items()})
            revisions.append(self._revision(state, principal=principal, now=now))
            audit.append(
                AuditEntry(
                    action="set_target",
                    entity_type="target",
                    entity_id=f"{w.indicator.code}/{w.period.code}",
                    before=_snapshot(row, w.indicator, w.period) if row else None,
                    after=_snapshot(state, w.indicator, w.period),
                    reason=w.item.reason,
                )
            )
            events += target_events(
                _read(state, w.indicator, w.period), created=row is None, by=principal.name
            )
        result = self._result(work, atomic=atomic)
        if atomic and result.summary.error:
            error = BatchForbidden if any(w.forbidden for w in work) else BatchRefused
            raise error(
                f"{result.summary.error} of {len(work)} items are not valid; nothing was stored.",
                results=[r.model_dump(mode="json") for r in result.results if r.errors],
                summary=BatchSummary(error=result.summary.error).model_dump(),
            )
        if inserts:
            await self.repository.insert_targets(rows=inserts)
        if updates:
            await self.repository.update_targets(rows=updates)
        if revisions:
            await self.repository.insert_target_revisions(rows=revisions)
        await AuditService(self.session).record_many(actor=principal, events=audit)
        await emit_many(self.session, events)
        return result

    @staticmethod
    def _revision(state: dict[str, Any], *, principal: Principal, now: datetime) -> dict[str, Any]:
        """The history row of the target's new state (numbered by its version, as by hand)."""
        return {
            "id": uuid.uuid4(),
            "target_id": state["id"],
            "number": state["version"],
            **{key: state[key] for key in FIGURES},
            "reason": state["reason"],
            "changed_by_id": principal.id,
            "changed_by_name": principal.name,
            "changed_at": now,
        }

    @staticmethod
    def _check(
        principal: Principal,
        w: _Work,
        indicators: dict[str, Indicator],
        periods: dict[str, Period],
        *,
        seen: set[tuple[str, str]],
    ) -> None:
        item = w.item
        assert item is not None
        found = locate(
            w, indicators, periods, indicator_code=item.indicator_code, period_code=item.period
        )
        if found is None:
            return
        indicator, period = found
        if not principal.can(Permission.TARGETS_WRITE, indicator.org_unit_id):
            w.forbidden = True
            w.fail("indicator_code", f"you may not set targets for {indicator.code}", "forbidden")
            return
        allowed = TARGET_KINDS[indicator.frequency]
        if period.kind not in allowed:
            w.fail(
                "period",
                f"{indicator.code} is {indicator.frequency.value}: its targets are for "
                f"{', '.join(kind.value for kind in allowed)} periods",
                "wrong_period_kind",
            )
        elif period.status is PeriodStatus.CLOSED:
            w.fail("period", f"period {period.code} is closed", "period_closed")
        note_repeat(w, indicator, period, seen)
        if w.errors:
            return
        try:
            check_target_shape(indicator, item)
        except AppError as exc:
            w.fail_with(exc)

    @staticmethod
    def _result(work: list[_Work], *, atomic: bool) -> TargetBatchResult:
        counts = Counter(w.outcome.value for w in work)
        return TargetBatchResult(
            atomic=atomic,
            stored=True,
            summary=BatchSummary(**counts),
            results=[
                ItemResult(
                    index=w.raw.index,
                    line=w.raw.line,
                    indicator_code=w.item.indicator_code
                    if w.item
                    else text_field(w.raw.data, "indicator_code"),
                    period=w.item.period if w.item else text_field(w.raw.data, "period"),
                    outcome=w.outcome if not w.errors else Outcome.ERROR,
                    errors=w.errors,
                )
                for w in work
            ],
        )
