"""Values and their workflow: draft -> submitted -> approved (or rejected, back to the enterer).

Every change keeps a revision; reports read only approved figures.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, localcontext
from enum import StrEnum
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from app.access.exceptions import PermissionDenied
from app.access.permissions import Permission
from app.access.principal import Principal
from app.audit.service import AuditService, to_audit
from app.core.clock import utcnow
from app.core.errors import field_error
from app.core.etag import check_if_match
from app.core.pagination import PageParams
from app.events.models import EventType
from app.events.outbox import emit
from app.indicators import policy
from app.indicators.bounds import Range, breach
from app.indicators.exceptions import (
    InvalidValue,
    ValueNotFound,
    WrongPeriodKind,
    WrongWorkflowStep,
)
from app.indicators.models import Indicator, IndicatorValue, ValueRevision
from app.indicators.schemas import ReasonIn, ValueIn, ValueRead, ValueRevisionRead
from app.indicators.service import IndicatorService, allowed_range
from app.measures.vocabulary import VALUE_KIND, QualityFlag, ValueStatus, ValueType
from app.periods.models import Period


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class Figures:
    value: Decimal
    numerator: Decimal | None
    denominator: Decimal | None
    commentary: str | None
    quality_flags: tuple[str, ...]


def _error(field: str, message: str, kind: str) -> InvalidValue:
    return InvalidValue(message, errors=[field_error(field, message, kind)])


def implied_value(indicator: Indicator, *, numerator: Decimal, denominator: Decimal) -> Decimal:
    """numerator / denominator (x100 for a percentage) to the indicator's decimal places."""
    scale = Decimal(100) if indicator.value_type is ValueType.PERCENTAGE else Decimal(1)
    with localcontext() as context:
        context.prec = 40
        return (numerator / denominator * scale).quantize(
            Decimal(1).scaleb(-indicator.decimal_places), rounding=ROUND_HALF_UP
        )


class FiguresIn(Protocol):
    """What a value arrives with, from PUT .../values/{period} or a bulk push item."""

    value: Decimal | None
    numerator: Decimal | None
    denominator: Decimal | None
    commentary: str | None
    quality_flags: list[QualityFlag]


@dataclass(frozen=True, slots=True)
class FigureRules:
    """What ``check_figures`` reads of an indicator, read once: a bulk push checks thousands of
    figures against a few thousand indicators, and each read of an ORM attribute, each range
    and each quantum made anew, costs more than the check itself."""

    indicator: Indicator
    code: str
    places: int
    quantum: Decimal
    allowed: Range
    whole: bool  # a count: whole numbers only

    @classmethod
    def of(cls, indicator: Indicator) -> FigureRules:
        places = indicator.decimal_places
        return cls(
            indicator=indicator,
            code=indicator.code,
            places=places,
            quantum=Decimal(1).scaleb(-places),
            allowed=allowed_range(indicator),
            whole=indicator.value_type is ValueType.COUNT,
        )


def check_figures(
    indicator: Indicator, data: FiguresIn, rules: FigureRules | None = None
) -> Figures:
    """Validate a value against its indicator; never round what the client sent. ``rules``:
    the indicator's, when the caller has them already (``FigureRules.of(indicator)``)."""
    if rules is None:
        rules = FigureRules.of(indicator)
    places = rules.places
    value = data.value
    numerator, denominator = data.numerator, data.denominator
    if (numerator is None) != (denominator is None):
        raise _error("denominator", "give both numerator and denominator, or neither", "pair")
    if denominator is not None and numerator is not None:
        if denominator == 0:
            raise _error("denominator", "the denominator cannot be zero", "zero_denominator")
        implied = implied_value(indicator, numerator=numerator, denominator=denominator)
        if value is None:
            value = implied
        elif value != implied:
            raise _error(
                "value",
                f"value {value} disagrees with numerator / denominator ({implied} to "
                f"{places} decimal places)",
                "numerator_mismatch",
            )
    if value is None:
        raise _error("value", "a value is required (or numerator and denominator)", "missing")
    # fits_decimal_places, with the quantum made once.
    if value != value.quantize(rules.quantum):
        raise _error(
            "value", f"{rules.code} takes at most {places} decimal places", "decimal_places"
        )
    outside = breach(value, rules.allowed)
    if outside is not None:
        raise _error("value", outside.msg, outside.kind)
    if rules.whole and value != value.to_integral_value():
        raise _error("value", "a count is a whole number", "not_integer")
    flags = data.quality_flags
    return Figures(
        value,
        numerator,
        denominator,
        data.commentary,
        tuple(sorted({flag.value for flag in flags})) if flags else (),
    )


def flags_after_change(flags: list[str], *, was_approved: bool) -> list[str]:
    """A change to a figure that was approved once is a revision, and says so."""
    if was_approved and QualityFlag.REVISED.value not in flags:
        return sorted([*flags, QualityFlag.REVISED.value])
    return flags


def submitted_late(now: datetime, period: Period) -> bool:
    """Lateness is judged once, at the first submission, against the period's due date."""
    return now.date() > period.data_due_date


def _figures_of(row: IndicatorValue) -> Figures:
    return Figures(
        row.value, row.numerator, row.denominator, row.commentary, tuple(sorted(row.quality_flags))
    )


def value_read(
    indicator: Indicator, period: Period, row: IndicatorValue, *, internal: bool
) -> ValueRead:
    """The working copy for those who may see drafts; otherwise the last approved figures."""
    if internal:
        return ValueRead(
            indicator_code=indicator.code,
            period=period.code,
            value=row.value,
            numerator=row.numerator,
            denominator=row.denominator,
            commentary=row.commentary,
            quality_flags=[QualityFlag(f) for f in row.quality_flags],
            status=row.status,
            is_late=row.is_late,
            entered_by_id=row.entered_by_id,
            entered_by_name=row.entered_by_name,
            entered_at=row.entered_at,
            submitted_at=row.submitted_at,
            first_submitted_at=row.first_submitted_at,
            decided_by_name=row.decided_by_name,
            decided_at=row.decided_at,
            rejection_reason=row.rejection_reason,
            approved_value=row.approved_value,
            approved_at=row.approved_at,
        )
    assert row.approved_value is not None
    assert row.approved_at is not None
    return ValueRead(
        indicator_code=indicator.code,
        period=period.code,
        value=row.approved_value,
        numerator=row.approved_numerator,
        denominator=row.approved_denominator,
        commentary=row.approved_commentary,
        quality_flags=[QualityFlag(f) for f in row.approved_quality_flags or []],
        status=ValueStatus.APPROVED,
        is_late=row.is_late,
        entered_by_id=None,
        entered_by_name="",
        entered_at=row.approved_at,
        submitted_at=None,
        first_submitted_at=row.first_submitted_at,
        decided_by_name=None,
        decided_at=row.approved_at,
        rejection_reason=None,
        approved_value=row.approved_value,
        approved_at=row.approved_at,
    )


class ValueService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.indicators = IndicatorService(session)
        self.repository = self.indicators.repository
        self.audit = AuditService(session)

    async def period_for_value(self, *, indicator: Indicator, period_code: str) -> Period:
        period = await self.indicators.periods.get(code=period_code)
        expected = VALUE_KIND[indicator.frequency]
        if period.kind is not expected:
            raise WrongPeriodKind(
                f"{indicator.code} is {indicator.frequency.value}: its values are for "
                f"{expected.value} periods, not {period.code}.",
                period=period.code,
            )
        return period

    async def list_values(
        self,
        *,
        principal: Principal,
        code: str,
        financial_year: str | None,
        paging: PageParams,
    ) -> tuple[list[ValueRead], int]:
        """A page of the values the principal may see, and how many they may see in all."""
        indicator = await self.indicators.get(code=code)
        visible = []
        for row, period in await self.repository.values(
            indicator_id=indicator.id, financial_year=financial_year
        ):
            if policy.sees_drafts(principal, indicator, row):
                visible.append((row, period, True))
            elif row.approved_value is not None:
                visible.append((row, period, False))
        # The answer's models made for this page only.
        window, total = paging.window(visible)
        reads = [
            value_read(indicator, period, row, internal=internal)
            for row, period, internal in window
        ]
        return reads, total

    async def get(
        self, *, principal: Principal, code: str, period_code: str
    ) -> tuple[ValueRead, int]:
        indicator, period, row = await self._existing(code, period_code)
        if policy.sees_drafts(principal, indicator, row):
            return value_read(indicator, period, row, internal=True), row.version
        if row.approved_value is None:
            raise ValueNotFound(f"{code} has no approved value for {period_code}.")
        return value_read(indicator, period, row, internal=False), row.version

    async def history(
        self, *, principal: Principal, code: str, period_code: str
    ) -> list[ValueRevisionRead]:
        indicator, _, row = await self._existing(code, period_code)
        if not policy.sees_drafts(principal, indicator, row):
            raise ValueNotFound(f"{code} has no value history for {period_code} you may see.")
        return [
            ValueRevisionRead.model_validate(rev)
            for rev in await self.repository.value_revisions(value_id=row.id)
        ]

    async def save_draft(
        self,
        *,
        principal: Principal,
        code: str,
        period_code: str,
        data: ValueIn,
        if_match: str | None,
    ) -> tuple[ValueRead, int, Outcome]:
        indicator = await self.indicators.get_active(code=code)
        if not policy.may_enter(principal, indicator, Permission.VALUES_WRITE):
            raise PermissionDenied(f"You may not enter values for {code}.")
        period = await self.period_for_value(indicator=indicator, period_code=period_code)
        await self.indicators.periods.require_open(period=period)
        figures = check_figures(indicator, data)
        row = await self.repository.value(
            indicator_id=indicator.id, period_id=period.id, for_update=True
        )
        if row is not None:
            check_if_match(if_match, row.version)
        return await self.store(
            principal=principal, indicator=indicator, period=period, row=row, figures=figures
        )

    async def store(
        self,
        *,
        principal: Principal,
        indicator: Indicator,
        period: Period,
        row: IndicatorValue | None,
        figures: Figures,
    ) -> tuple[ValueRead, int, Outcome]:
        """Save checked figures as a draft (the step every way in shares)."""
        now = utcnow()
        if row is not None and _figures_of(row) == figures:
            return value_read(indicator, period, row, internal=True), row.version, Outcome.UNCHANGED
        before = value_read(indicator, period, row, internal=True) if row else None
        outcome = Outcome.UPDATED
        flags = list(figures.quality_flags)
        if row is None:
            outcome = Outcome.CREATED
            row = IndicatorValue(indicator_id=indicator.id, period_id=period.id, quality_flags=[])
            self.session.add(row)
        else:
            flags = flags_after_change(flags, was_approved=row.approved_value is not None)
        if outcome is Outcome.UPDATED:
            row.figures_version += 1
        row.value, row.numerator, row.denominator = (
            figures.value,
            figures.numerator,
            figures.denominator,
        )
        row.commentary = figures.commentary
        row.quality_flags = flags
        row.status = ValueStatus.DRAFT
        row.entered_by_id = principal.id
        row.entered_by_name = principal.name
        row.entered_at = now
        row.rejection_reason = None
        await self.repository.flush()
        await self._revise(row, action="save", principal=principal, reason=None)
        after = value_read(indicator, period, row, internal=True)
        await self.audit.record(
            actor=principal,
            action="save_value",
            entity_type="indicator_value",
            entity_id=f"{indicator.code}/{period.code}",
            before=to_audit(before),
            after=to_audit(after),
        )
        return after, row.version, outcome

    async def submit(
        self, *, principal: Principal, code: str, period_code: str, if_match: str | None
    ) -> tuple[ValueRead, int]:
        indicator, period, row = await self._for_step(code, period_code, if_match)
        if not policy.may_enter(principal, indicator, Permission.VALUES_SUBMIT):
            raise PermissionDenied(f"You may not submit values for {code}.")
        return await self.submit_row(
            principal=principal, indicator=indicator, period=period, row=row
        )

    async def submit_row(
        self, *, principal: Principal, indicator: Indicator, period: Period, row: IndicatorValue
    ) -> tuple[ValueRead, int]:
        _require_status(row, {ValueStatus.DRAFT, ValueStatus.REJECTED}, "submitted")
        before = value_read(indicator, period, row, internal=True)
        now = utcnow()
        row.status = ValueStatus.SUBMITTED
        row.rejection_reason = None
        row.submitted_by_id = principal.id
        row.submitted_at = now
        if row.first_submitted_at is None:
            # Lateness is judged once, at the first submission, and stays on record.
            row.first_submitted_at = now
            row.is_late = submitted_late(now, period)
        await self.repository.flush()
        read, version = await self._after_step(
            indicator, period, row, principal, "submit", None, before
        )
        self._announce(
            EventType.VALUE_SUBMITTED,
            f"{indicator.code} {period.code} submitted by {principal.name}",
            read,
            recipients=[indicator.owner_id],
            actor=principal,
        )
        return read, version

    async def approve(
        self, *, principal: Principal, code: str, period_code: str, if_match: str | None
    ) -> tuple[ValueRead, int]:
        indicator, period, row = await self._for_step(code, period_code, if_match)
        if not policy.may_approve(principal, indicator):
            raise PermissionDenied(f"You may not approve values for {code}.")
        _require_status(row, {ValueStatus.SUBMITTED}, "approved")
        if policy.approves_own_entry(principal, row):
            raise PermissionDenied(
                "You entered or submitted this value; someone else must approve it."
            )
        before = value_read(indicator, period, row, internal=True)
        now = utcnow()
        row.status = ValueStatus.APPROVED
        row.decided_by_id, row.decided_by_name, row.decided_at = principal.id, principal.name, now
        row.approved_value, row.approved_numerator, row.approved_denominator = (
            row.value,
            row.numerator,
            row.denominator,
        )
        row.approved_commentary = row.commentary
        row.approved_quality_flags = list(row.quality_flags)
        row.approved_at, row.approved_by_id = now, principal.id
        row.rejection_reason = None  # the reason stays in the value's history
        await self.repository.flush()
        read, version = await self._after_step(
            indicator, period, row, principal, "approve", None, before
        )
        self._announce(
            EventType.VALUE_APPROVED,
            f"{indicator.code} {period.code} approved by {principal.name}",
            read,
            recipients=[row.entered_by_id, row.submitted_by_id],
            actor=principal,
        )
        # A new approved figure is a new input to the measure's status for the period; the
        # worker announces it only if the RAG or the direction of travel moves.
        self._announce(
            EventType.STATUS_CHANGED,
            f"{indicator.code} {period.code}: status recalculated on an approved figure",
            read,
            recipients=[],
            actor=principal,
        )
        return read, version

    async def reject(
        self,
        *,
        principal: Principal,
        code: str,
        period_code: str,
        data: ReasonIn,
        if_match: str | None,
    ) -> tuple[ValueRead, int]:
        indicator, period, row = await self._for_step(code, period_code, if_match)
        if not policy.may_approve(principal, indicator):
            raise PermissionDenied(f"You may not reject values for {code}.")
        _require_status(row, {ValueStatus.SUBMITTED}, "rejected")
        before = value_read(indicator, period, row, internal=True)
        row.status = ValueStatus.REJECTED
        row.decided_by_id, row.decided_by_name, row.decided_at = (
            principal.id,
            principal.name,
            utcnow(),
        )
        row.rejection_reason = data.reason
        await self.repository.flush()
        read, version = await self._after_step(
            indicator, period, row, principal, "reject", data.reason, before
        )
        self._announce(
            EventType.VALUE_REJECTED,
            f"{indicator.code} {period.code} rejected by {principal.name}",
            read,
            recipients=[row.entered_by_id, row.submitted_by_id],
            actor=principal,
            body=f"Reason: {data.reason}",
        )
        return read, version

    def _announce(
        self,
        event_type: EventType,
        title: str,
        read: ValueRead,
        *,
        recipients: list[uuid.UUID | None],
        actor: Principal,
        body: str | None = None,
    ) -> None:
        """The step's event, in the step's transaction; the actor is not told of their own."""
        emit(
            self.session,
            event_type=event_type,
            title=title,
            body=f"{title}. {body}" if body else None,
            data={
                "indicator_code": read.indicator_code,
                "period": read.period,
                "value_status": read.status.value,
                "value": read.model_dump(mode="json")["value"],
                "rejection_reason": read.rejection_reason,
                "by": actor.name,
            },
            recipients=[person for person in recipients if person != actor.id],
        )

    async def _existing(
        self, code: str, period_code: str
    ) -> tuple[Indicator, Period, IndicatorValue]:
        indicator = await self.indicators.get(code=code)
        period = await self.indicators.periods.get(code=period_code)
        row = await self.repository.value(indicator_id=indicator.id, period_id=period.id)
        if row is None:
            raise ValueNotFound(f"{code} has no value for {period_code}.")
        return indicator, period, row

    async def _for_step(
        self, code: str, period_code: str, if_match: str | None
    ) -> tuple[Indicator, Period, IndicatorValue]:
        indicator = await self.indicators.get_active(code=code)
        period = await self.period_for_value(indicator=indicator, period_code=period_code)
        await self.indicators.periods.require_open(period=period)
        row = await self.repository.value(
            indicator_id=indicator.id, period_id=period.id, for_update=True
        )
        if row is None:
            raise ValueNotFound(f"{code} has no value for {period_code}.")
        check_if_match(if_match, row.version)
        return indicator, period, row

    async def _after_step(
        self,
        indicator: Indicator,
        period: Period,
        row: IndicatorValue,
        principal: Principal,
        action: str,
        reason: str | None,
        before: ValueRead,
    ) -> tuple[ValueRead, int]:
        await self._revise(row, action=action, principal=principal, reason=reason)
        after = value_read(indicator, period, row, internal=True)
        await self.audit.record(
            actor=principal,
            action=f"{action}_value",
            entity_type="indicator_value",
            entity_id=f"{indicator.code}/{period.code}",
            before=to_audit(before),
            after=to_audit(after),
            reason=reason,
        )
        return after, row.version

    async def _revise(
        self, row: IndicatorValue, *, action: str, principal: Principal, reason: str | None
    ) -> None:
        self.session.add(
            ValueRevision(
                value_id=row.id,
                number=self.repository.next_revision_number(row.id),
                action=action,
                status=row.status,
                value=row.value,
                numerator=row.numerator,
                denominator=row.denominator,
                commentary=row.commentary,
                quality_flags=list(row.quality_flags),
                reason=reason,
                actor_id=principal.id,
                actor_name=principal.name,
                at=utcnow(),
            )
        )
        await self.repository.flush()


def _require_status(row: IndicatorValue, allowed: set[ValueStatus], step: str) -> None:
    if row.status not in allowed:
        raise WrongWorkflowStep(
            f"The value is {row.status.value}; only a "
            f"{' or '.join(sorted(s.value for s in allowed))} value can be {step}.",
            value_status=row.status.value,
        )
