"""The reporting calendar: financial years, their periods, and the open / closed lock."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.access.principal import Principal
from app.audit.service import AuditService, to_audit
from app.core.clock import utcnow
from app.core.errors import field_error
from app.core.etag import check_if_match
from app.events.models import EventType
from app.events.outbox import emit
from app.periods import calendar
from app.periods.calendar import PeriodKind
from app.periods.exceptions import (
    FinancialYearExists,
    InvalidCloseRequest,
    PeriodClosed,
    PeriodDatesOutOfOrder,
    PeriodNotFound,
    PeriodNotOpen,
    PeriodOutstanding,
    PeriodTransitionRefused,
)
from app.periods.models import Period, PeriodStatus
from app.periods.repository import PeriodRepository
from app.periods.schemas import (
    FinancialYearRead,
    Outstanding,
    OutstandingState,
    PeriodRead,
    PeriodUpdate,
)


def to_read(period: Period) -> PeriodRead:
    return PeriodRead.model_validate(period)


def year_read(year: Period, periods: Sequence[Period]) -> FinancialYearRead:
    order = {
        spec.code: i for i, spec in enumerate(calendar.financial_year_periods(year.start_year))
    }
    return FinancialYearRead(
        code=year.code,
        start_year=year.start_year,
        start_date=year.start_date,
        end_date=year.end_date,
        status=year.status,
        periods=[to_read(p) for p in sorted(periods, key=lambda p: order.get(p.code, 99))],
    )


class PeriodService:
    def __init__(
        self,
        session: AsyncSession,
        *,
        due_working_days: int = calendar.DEFAULT_DUE_WORKING_DAYS,
        board_days: int = calendar.DEFAULT_BOARD_DAYS,
    ) -> None:
        self.session = session
        self.repository = PeriodRepository(session)
        self.audit = AuditService(session)
        self.due_working_days = due_working_days
        self.board_days = board_days

    async def get(self, *, code: str) -> Period:
        period = await self.repository.by_code(code=code)
        if period is None:
            raise PeriodNotFound(f"No period has the code {code!r}.")
        return period

    async def read(self, *, code: str) -> tuple[PeriodRead, int]:
        """One period and its version (the ETag)."""
        period = await self.get(code=code)
        return to_read(period), period.version

    async def list_page(
        self,
        *,
        financial_year: str | None,
        kind: PeriodKind | None,
        status: PeriodStatus | None,
        offset: int,
        limit: int,
    ) -> tuple[list[PeriodRead], int]:
        periods, total = await self.repository.list(
            financial_year=financial_year, kind=kind, status=status, offset=offset, limit=limit
        )
        return [to_read(period) for period in periods], total

    async def require_open(self, *, period: Period) -> None:
        """Values change only while their period is open (409 naming the period otherwise)."""
        await self.require_not_closed(period=period)
        if period.status is not PeriodStatus.OPEN:
            raise PeriodNotOpen(
                f"Period {period.code} is {period.status.value}; values can be entered only "
                "once it is open.",
                period=period.code,
                period_status=period.status.value,
            )

    async def require_not_closed(self, *, period: Period) -> None:
        """Targets may be set ahead of time, but a closed period is locked to every change."""
        if period.status is PeriodStatus.CLOSED:
            raise PeriodClosed(
                f"Period {period.code} is closed; an admin must reopen it before anything "
                "in it can change.",
                period=period.code,
                period_status=period.status.value,
            )

    async def create_year(
        self, *, principal: Principal | None, start_year: int
    ) -> FinancialYearRead:
        code = calendar.financial_year_code(start_year)
        if await self.repository.year_exists(code=code):
            raise FinancialYearExists(f"Financial year {code} already exists.")
        periods = [
            Period(
                code=spec.code,
                kind=spec.kind,
                financial_year=spec.financial_year,
                start_year=spec.start_year,
                start_date=spec.start_date,
                end_date=spec.end_date,
                status=PeriodStatus.FUTURE,
                data_due_date=calendar.data_due_date(
                    spec.end_date, working_days=self.due_working_days
                ),
                board_date=(
                    calendar.board_date(spec.end_date, days=self.board_days)
                    if spec.kind is PeriodKind.QUARTER
                    else None
                ),
            )
            for spec in calendar.financial_year_periods(start_year)
        ]
        await self.repository.add_all(periods=periods)
        created = year_read(periods[0], periods)
        await self.audit.record(
            actor=principal,
            action="create",
            entity_type="financial_year",
            entity_id=code,
            after={"code": code, "periods": [p.code for p in periods]},
        )
        return created

    async def list_years(self) -> list[FinancialYearRead]:
        years, _ = await self.repository.list(
            financial_year=None, kind=PeriodKind.YEAR, status=None, offset=0, limit=1000
        )
        return [year_read(year, []) for year in years]

    async def get_year(self, *, code: str) -> FinancialYearRead:
        year = await self.get(code=code)
        if year.kind is not PeriodKind.YEAR:
            raise PeriodNotFound(f"{code!r} is not a financial year.")
        return year_read(year, await self.repository.in_year(financial_year=code))

    async def update(
        self, *, principal: Principal, code: str, data: PeriodUpdate, if_match: str | None
    ) -> tuple[PeriodRead, int]:
        period = await self.get(code=code)
        check_if_match(if_match, period.version)
        before = to_read(period)
        changes = data.model_dump(exclude_unset=True)
        due: date = changes.get("data_due_date") or period.data_due_date
        board: date | None = changes.get("board_date", period.board_date)
        _check_dates(period, due=due, board=board, changed=set(changes))
        period.data_due_date = due
        period.board_date = board
        await self.repository.flush()
        after = to_read(period)
        await self.audit.record(
            actor=principal,
            action="update",
            entity_type="period",
            entity_id=period.code,
            before=to_audit(before),
            after=to_audit(after),
        )
        return after, period.version

    async def open(
        self, *, principal: Principal, code: str, include_children: bool
    ) -> tuple[PeriodRead, int]:
        return await self._transition(
            principal=principal,
            code=code,
            include_children=include_children,
            allowed_from={PeriodStatus.FUTURE},
            to=PeriodStatus.OPEN,
            action="open",
            reason=None,
        )

    async def closing(self, *, code: str, include_children: bool) -> list[Period]:
        """The periods a close would lock: the period (which must be open) and, with
        include_children, its open quarters and months."""
        return await self._targets(
            code=code,
            include_children=include_children,
            allowed_from={PeriodStatus.OPEN},
            action="close",
        )

    async def close(
        self,
        *,
        principal: Principal,
        code: str,
        include_children: bool,
        outstanding: Sequence[Outstanding],
        force: bool,
        reason: str | None,
    ) -> tuple[PeriodRead, int]:
        """Close the period, refused (409) while figures are outstanding unless forced with a
        reason; a forced close keeps the reason and what was outstanding in the audit trail."""
        if force and reason is None:
            raise InvalidCloseRequest(
                "A forced close needs a reason.",
                errors=[field_error("reason", "a forced close needs a reason")],
            )
        if outstanding and not force:
            raise PeriodOutstanding(
                f"Period {code} cannot close cleanly: {_summary(outstanding)}. Have them "
                'approved or entered, or close with {"force": true, "reason": "..."}.',
                period=code,
                outstanding=[item.model_dump(mode="json") for item in outstanding],
            )
        by_period: dict[str, list[dict[str, str]]] = {}
        for item in outstanding:
            by_period.setdefault(item.period, []).append(
                {"indicator_code": item.indicator_code, "state": item.state.value}
            )
        return await self._transition(
            principal=principal,
            code=code,
            include_children=include_children,
            allowed_from={PeriodStatus.OPEN},
            to=PeriodStatus.CLOSED,
            action="close",
            reason=reason,
            extra=(lambda target: {"forced": True, "outstanding": by_period.get(target.code, [])})
            if force
            else None,
        )

    async def reopen(
        self, *, principal: Principal, code: str, reason: str, include_children: bool
    ) -> tuple[PeriodRead, int]:
        return await self._transition(
            principal=principal,
            code=code,
            include_children=include_children,
            allowed_from={PeriodStatus.CLOSED},
            to=PeriodStatus.OPEN,
            action="reopen",
            reason=reason,
        )

    async def _transition(
        self,
        *,
        principal: Principal,
        code: str,
        include_children: bool,
        allowed_from: set[PeriodStatus],
        to: PeriodStatus,
        action: str,
        reason: str | None,
        extra: Callable[[Period], dict[str, Any]] | None = None,
    ) -> tuple[PeriodRead, int]:
        targets = await self._targets(
            code=code, include_children=include_children, allowed_from=allowed_from, action=action
        )
        period = targets[0]
        now = utcnow()
        for target in targets:
            before = to_read(target)
            target.status = to
            if to is PeriodStatus.OPEN:
                target.opened_at = now
            else:
                target.closed_at = now
            await self.repository.flush()
            after = {**(to_audit(to_read(target)) or {}), **(extra(target) if extra else {})}
            await self.audit.record(
                actor=principal,
                action=action,
                entity_type="period",
                entity_id=target.code,
                before=to_audit(before),
                after=after,
                reason=reason,
            )
            emit(
                self.session,
                event_type=EventType.PERIOD_OPENED
                if to is PeriodStatus.OPEN
                else EventType.PERIOD_CLOSED,
                title=f"Period {target.code} {action}ed by {principal.name}",
                data={**after, "reason": reason},
            )
        return to_read(period), period.version

    async def _targets(
        self,
        *,
        code: str,
        include_children: bool,
        allowed_from: set[PeriodStatus],
        action: str,
    ) -> list[Period]:
        period = await self.get(code=code)
        if period.status not in allowed_from:
            hint = " Use reopen." if period.status is PeriodStatus.CLOSED else ""
            raise PeriodTransitionRefused(
                f"Period {period.code} is {period.status.value} and cannot be {action}ed.{hint}"
                if action != "close"
                else f"Period {period.code} is {period.status.value} and cannot be closed.",
                period=period.code,
                period_status=period.status.value,
            )
        targets = [period]
        if include_children:
            descendants = _descendant_codes(period.code)
            found = await self.repository.by_codes(codes=descendants)
            targets += [
                found[c] for c in descendants if c in found and found[c].status in allowed_from
            ]
        return targets


def _check_dates(period: Period, *, due: date, board: date | None, changed: set[str]) -> None:
    """Data is due after the period ends, and the board meets after the data is due (422
    naming the field that was changed, or the later one when both were)."""
    if due <= period.end_date:
        raise PeriodDatesOutOfOrder(
            f"The data due date must fall after the period ends ({period.end_date}).",
            errors=[
                field_error("data_due_date", f"must be after the period end {period.end_date}")
            ],
        )
    if board is not None and board <= due:
        field = "data_due_date" if changed == {"data_due_date"} else "board_date"
        raise PeriodDatesOutOfOrder(
            f"The board date ({board}) must fall after the data due date ({due}).",
            errors=[field_error(field, "the board date must be after the data due date")],
        )


def _summary(outstanding: Sequence[Outstanding]) -> str:
    counts = dict.fromkeys(OutstandingState, 0)
    for item in outstanding:
        counts[item.state] += 1
    words = {
        OutstandingState.DRAFT: "in draft",
        OutstandingState.SUBMITTED: "awaiting approval",
        OutstandingState.REJECTED: "rejected and not yet revised",
        OutstandingState.MISSING: "not entered",
    }
    return ", ".join(f"{n} {words[state]}" for state, n in counts.items() if n)


def _descendant_codes(code: str) -> list[str]:
    codes: list[str] = []
    for child in calendar.children(code):
        codes.append(child)
        codes.extend(calendar.children(child))
    return codes
