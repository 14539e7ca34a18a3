"""Bulk pushes from other council systems: many values in a fixed number of statements.

Each item is checked by the same rules as PUT .../values/{period} (check_figures, the entry
policy, the period's kind and lock); then every insert, update, revision and audit event of
the batch goes to the database in one statement each, whatever the number of items.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter
from pydantic_core import to_json
from sqlalchemy.ext.asyncio import AsyncSession

from app.access.permissions import Permission
from app.access.principal import Principal
from app.audit.service import AuditEntry, AuditService
from app.batch.items import RawItem, Work, locate, note_repeat, parse_items, text_field
from app.batch.repository import BatchRepository
from app.batch.schemas import (
    BatchItem,
    BatchSummary,
    Outcome,
)
from app.core.clock import utcnow
from app.core.errors import AppError
from app.core.schemas import Measure
from app.events.models import EventType
from app.events.outbox import emit_many, event_row
from app.indicators import policy
from app.indicators.models import Indicator
from app.indicators.repository import IndicatorRepository
from app.indicators.values import (
    FigureRules,
    Figures,
    check_figures,
    flags_after_change,
    submitted_late,
)
from app.measures.vocabulary import VALUE_KIND, ValueStatus
from app.periods.models import Period, PeriodStatus
from app.periods.repository import PeriodRepository

_ITEM = TypeAdapter(BatchItem)
_ITEMS = TypeAdapter(list[BatchItem])
_MEASURE: TypeAdapter[Any] = TypeAdapter(Measure | None)
_EDITABLE = {ValueStatus.DRAFT, ValueStatus.REJECTED}


@dataclass
class _Work(Work[BatchItem]):
    figures: Figures | None = None


@dataclass(frozen=True)
class BatchAnswer:
    """A push's answer, BatchResult's fields as plain data: a batch of 10,000 items is answered
    without 10,000 ItemResult models (building and validating them cost five times encoding
    the answer). ``json`` writes the bytes BatchResult.model_dump_json would (a test holds the
    two to the same bytes)."""

    atomic: bool
    submit: bool
    stored: bool
    summary: BatchSummary
    # ItemResult's fields, in its order, with JSON values.
    results: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        """BatchResult.model_dump(mode="json")."""
        return {
            "atomic": self.atomic,
            "submit": self.submit,
            "stored": self.stored,
            "summary": self.summary.model_dump(),
            "results": self.results,
        }

    def json(self) -> bytes:
        """BatchResult.model_dump_json(), by the same encoder."""
        return to_json(self.as_dict())


class BatchRefused(AppError):
    """An atomic batch with invalid items: nothing was stored."""

    status, title, slug = 422, "Batch refused", "batch-refused"


class BatchForbidden(AppError):
    """An atomic batch with items outside the caller's scope: nothing was stored."""

    status, title, slug = 403, "Batch outside your scope", "batch-forbidden"


class BatchService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = BatchRepository(session)
        self.indicators = IndicatorRepository(session)
        self.periods = PeriodRepository(session)

    async def push(
        self, *, principal: Principal, items: list[RawItem], submit: bool, atomic: bool
    ) -> BatchAnswer:
        work = parse_items(items, _ITEMS, _ITEM, _Work)
        parsed = [w for w in work if w.item is not None]
        indicators = await self.indicators.by_codes(
            codes={w.item.indicator_code for w in parsed if w.item}
        )
        periods = await self.periods.by_codes(codes={w.item.period for w in parsed if w.item})
        seen: set[tuple[str, str]] = set()
        permissions = [Permission.VALUES_WRITE] + ([Permission.VALUES_SUBMIT] if submit else [])
        allowed = {
            indicator.id: all(policy.may_enter(principal, indicator, p) for p in permissions)
            for indicator in indicators.values()
        }
        rules = {indicator.id: FigureRules.of(indicator) for indicator in indicators.values()}
        for w in parsed:
            self._check(w, indicators, periods, allowed=allowed, rules=rules, seen=seen)
        valid = [w for w in work if not w.errors]
        existing = await self._existing(valid)
        now = utcnow()
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        audit: list[AuditEntry] = []
        revisions: list[tuple[uuid.UUID, _Work, dict[str, Any], list[str]]] = []
        for w in valid:
            assert w.indicator is not None
            assert w.period is not None
            assert w.figures is not None
            row = existing.get((w.indicator.id, w.period.id))
            change = self._change(principal, w, row, submit=submit, now=now)
            if change is None:
                w.outcome = Outcome.UNCHANGED
                continue
            state, steps = change
            if row is None:
                w.outcome = Outcome.CREATED
                inserts.append(state)
            else:
                w.outcome = Outcome.UPDATED
                updates.append({f"b_{key}": value for key, value in state.items()})
            revisions.append((state["id"], w, state, steps))
            for step in steps:
                audit.append(
                    AuditEntry(
                        action=f"{step}_value",
                        entity_type="indicator_value",
                        entity_id=f"{w.indicator.code}/{w.period.code}",
                        before=_snapshot(row) if row else None,
                        after=_snapshot(state),
                        reason="bulk push",
                    )
                )
        result = self._result(work, submit=submit, atomic=atomic, stored=True)
        if atomic and result.summary.error:
            error = BatchForbidden if any(w.forbidden for w in work) else BatchRefused
            # Nothing was stored, so nothing was created, updated or left unchanged either.
            refused = BatchSummary(error=result.summary.error)
            raise error(
                f"{result.summary.error} of {len(work)} items are not valid; nothing was stored.",
                results=[r for r in result.results if r["errors"]],
                summary=refused.model_dump(),
            )
        await self._write(
            inserts=inserts, updates=updates, revisions=revisions, principal=principal, now=now
        )
        await AuditService(self.session).record_many(actor=principal, events=audit)
        await emit_many(self.session, self._submitted_events(revisions, principal=principal))
        return result

    @staticmethod
    def _submitted_events(
        revisions: list[tuple[uuid.UUID, _Work, dict[str, Any], list[str]]],
        *,
        principal: Principal,
    ) -> list[dict[str, Any]]:
        """value.submitted for each figure the push submitted, as submitting it alone would
        announce it: to the measure's owner (unless they pushed it) and to webhooks."""
        events = []
        for _value_id, w, state, steps in revisions:
            if "submit" not in steps:
                continue
            assert w.indicator is not None
            assert w.period is not None
            events.append(
                event_row(
                    event_type=EventType.VALUE_SUBMITTED,
                    title=f"{w.indicator.code} {w.period.code} submitted by {principal.name}",
                    data={
                        "indicator_code": w.indicator.code,
                        "period": w.period.code,
                        "value_status": ValueStatus.SUBMITTED.value,
                        "value": _MEASURE.dump_python(state["value"], mode="json"),
                        "rejection_reason": None,
                        "by": principal.name,
                    },
                    recipients=[w.indicator.owner_id]
                    if w.indicator.owner_id != principal.id
                    else [],
                )
            )
        return events

    def _check(
        self,
        w: _Work,
        indicators: dict[str, Indicator],
        periods: dict[str, Period],
        *,
        allowed: dict[uuid.UUID, bool],
        rules: dict[uuid.UUID, FigureRules],
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
        if not allowed[indicator.id]:
            w.forbidden = True
            w.fail("indicator_code", f"you may not push values for {indicator.code}", "forbidden")
            return
        if period.kind is not VALUE_KIND[indicator.frequency]:
            w.fail(
                "period",
                f"{indicator.code} is {indicator.frequency.value}: its values are for "
                f"{VALUE_KIND[indicator.frequency].value} periods",
                "wrong_period_kind",
            )
        elif period.status is not PeriodStatus.OPEN:
            w.fail("period", f"period {period.code} is {period.status.value}", "period_not_open")
        note_repeat(w, indicator, period, seen)
        if w.errors:
            return
        try:
            w.figures = check_figures(indicator, item, rules[indicator.id])
        except AppError as exc:
            w.fail_with(exc)

    async def _existing(
        self, valid: list[_Work]
    ) -> dict[tuple[uuid.UUID, uuid.UUID], dict[str, Any]]:
        """The current rows the batch touches, locked against concurrent writers."""
        pairs = {(w.indicator.id, w.period.id) for w in valid if w.indicator and w.period}
        return await self.repository.value_rows(pairs=pairs)

    def _change(
        self,
        principal: Principal,
        w: _Work,
        row: dict[str, Any] | None,
        *,
        submit: bool,
        now: Any,
    ) -> tuple[dict[str, Any], list[str]] | None:
        """The row's new state and the workflow steps taken, or None when nothing changes."""
        assert w.figures is not None
        assert w.indicator is not None
        assert w.period is not None
        figures = w.figures
        same = row is not None and (
            row["value"],
            row["numerator"],
            row["denominator"],
            row["commentary"],
            tuple(sorted(row["quality_flags"] or [])),
        ) == (
            figures.value,
            figures.numerator,
            figures.denominator,
            figures.commentary,
            figures.quality_flags,
        )
        resubmit = submit and row is not None and row["status"] in _EDITABLE
        if same and not resubmit:
            return None
        state: dict[str, Any] = (
            dict(row)
            if row
            else {
                "id": uuid.uuid4(),
                "indicator_id": w.indicator.id,
                "period_id": w.period.id,
                "version": 0,
                "figures_version": 0,
                "first_submitted_at": None,
                "is_late": False,
                "approved_value": None,
            }
        )
        steps: list[str] = []
        if not same:
            steps.append("save")
            state.update(
                value=figures.value,
                numerator=figures.numerator,
                denominator=figures.denominator,
                commentary=figures.commentary,
                quality_flags=flags_after_change(
                    list(figures.quality_flags), was_approved=state["approved_value"] is not None
                ),
                status=ValueStatus.DRAFT,
                entered_by_id=principal.id,
                entered_by_name=principal.name,
                entered_at=now,
                rejection_reason=None,
                figures_version=state["figures_version"] + 1,
            )
        if submit:
            steps.append("submit")
            state.update(
                status=ValueStatus.SUBMITTED,
                submitted_by_id=principal.id,
                submitted_at=now,
                rejection_reason=None,
            )
            if state["first_submitted_at"] is None:
                state["first_submitted_at"] = now
                state["is_late"] = submitted_late(now, w.period)
        state["version"] += 1
        return state, steps

    async def _write(
        self,
        *,
        inserts: list[dict[str, Any]],
        updates: list[dict[str, Any]],
        revisions: list[tuple[uuid.UUID, _Work, dict[str, Any], list[str]]],
        principal: Principal,
        now: Any,
    ) -> None:
        if inserts:
            await self.repository.insert_values(rows=inserts)
        if updates:
            await self.repository.update_values(rows=updates)
        if not revisions:
            return
        numbers: dict[uuid.UUID, int] = {}
        if updates:  # new rows have no revisions yet
            numbers = await self.repository.latest_revision_numbers(
                value_ids=[u["b_id"] for u in updates]
            )
        rows = []
        for value_id, _w, state, steps in revisions:
            number = numbers.get(value_id) or 0
            for step in steps:
                number += 1
                rows.append(
                    {
                        "id": uuid.uuid4(),
                        "value_id": value_id,
                        "number": number,
                        "action": step,
                        "status": ValueStatus.DRAFT if step == "save" else state["status"],
                        "value": state["value"],
                        "numerator": state["numerator"],
                        "denominator": state["denominator"],
                        "commentary": state["commentary"],
                        "quality_flags": list(state["quality_flags"]),
                        "reason": "bulk push",
                        "actor_id": principal.id,
                        "actor_name": principal.name,
                        "at": now,
                    }
                )
        await self.repository.insert_revisions(rows=rows)

    @staticmethod
    def _result(work: list[_Work], *, submit: bool, atomic: bool, stored: bool) -> BatchAnswer:
        counts = Counter(w.outcome.value for w in work)
        return BatchAnswer(
            atomic=atomic,
            submit=submit,
            stored=stored,
            summary=BatchSummary(**counts),
            results=[
                {
                    "index": w.raw.index,
                    "line": w.raw.line,
                    "indicator_code": w.item.indicator_code
                    if w.item
                    else text_field(w.raw.data, "indicator_code"),
                    "period": w.item.period if w.item else text_field(w.raw.data, "period"),
                    "outcome": w.outcome.value if not w.errors else Outcome.ERROR.value,
                    "errors": [error.model_dump() for error in w.errors] if w.errors else [],
                }
                for w in work
            ],
        )


def _snapshot(state: dict[str, Any]) -> dict[str, Any]:
    def number(value: Any) -> str | None:
        return None if value is None else str(value)

    return {
        "value": number(state["value"]),
        "numerator": number(state["numerator"]),
        "denominator": number(state["denominator"]),
        "commentary": state["commentary"],
        "quality_flags": list(state["quality_flags"] or []),
        "status": str(state["status"]),
    }
