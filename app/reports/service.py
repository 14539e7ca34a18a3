"""Reports built on the status engine: the scorecard narrowed to some statuses, and the
exception report of red and amber measures."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection

from sqlalchemy.ext.asyncio import AsyncSession

from app.access.permissions import Permission
from app.access.principal import Principal
from app.actions.models import ActionStatus
from app.actions.repository import ActionRepository
from app.actions.schemas import ActionRead
from app.actions.service import ActionService
from app.budgets.service import BudgetService
from app.core.changes import Version
from app.indicators.repository import IndicatorFilter
from app.measures.vocabulary import Rag
from app.org.service import OrgService
from app.periods import calendar
from app.recommendations.service import RecommendationService
from app.reports.schemas import ExceptionReport, ExceptionRow, ExceptionSummary
from app.status.schemas import Scorecard, Spend
from app.status.service import StatusService, scorecard_summary

_EXCEPTIONS = (Rag.RED, Rag.AMBER)


class ReportService:
    def __init__(self, session: AsyncSession, *, statuses: StatusService) -> None:
        self.session = session
        self.statuses = statuses

    async def scorecard(
        self,
        *,
        principal: Principal,
        period_code: str,
        filters: IndicatorFilter,
        rags: Collection[Rag] | None = None,
    ) -> Scorecard:
        """The scorecard; with `rags`, only the rows with one of those statuses, and the summary
        counts the rows shown. The summary carries the spend in scope beside the counts."""
        card = await self.statuses.scorecard(
            principal=principal, period_code=period_code, filters=filters
        )
        spend = await self.spend(principal=principal, period_code=period_code, filters=filters)
        rows = card.rows if rags is None else [row for row in card.rows if row.rag in rags]
        return Scorecard(period=card.period, summary=scorecard_summary(rows, spend), rows=rows)

    async def scorecard_json(
        self,
        *,
        principal: Principal,
        period_code: str,
        filters: IndicatorFilter,
        rags: Collection[Rag] | None = None,
    ) -> tuple[bytes, ...]:
        """``scorecard(...)`` as JSON, in parts (joined, the body); the whole scorecard from
        rows serialised once per data version (app.status.cache)."""
        if rags is None:
            # One read of the data version for the kept spend and the kept rows alike.
            version = await self.statuses.version_to_keep()
            spend = await self.spend(
                principal=principal, period_code=period_code, filters=filters, version=version
            )
            return await self.statuses.scorecard_json_parts(
                principal=principal,
                period_code=period_code,
                filters=filters,
                spend=spend,
                version=version,
            )
        card = await self.scorecard(
            principal=principal, period_code=period_code, filters=filters, rags=rags
        )
        return (card.model_dump_json().encode(),)

    async def spend(
        self,
        *,
        principal: Principal,
        period_code: str,
        filters: IndicatorFilter,
        version: Version | None = None,
    ) -> Spend | None:
        """The spend beside the scorecard, for those who read plans: of the org unit asked for,
        else of the reader's own directorate or service (where they write plans), else of the
        whole council; for the period's financial year. With ``version`` (the data version
        this request read, ``StatusService.version_to_keep``), kept and found under it: what
        it sums (budgets, plans, projects, org units) renews the version when it changes."""
        try:
            year = calendar.parse_period(period_code).financial_year
        except calendar.InvalidPeriodCode:
            return None  # the statuses answer for the period
        if not principal.has(Permission.PLANS_READ):
            return None
        units: set[uuid.UUID] | None
        if filters.org_unit_ids is not None:
            units = set(filters.org_unit_ids)
        else:
            own = principal.scope(Permission.PLANS_WRITE)
            units = None if own.everywhere or own.is_empty else set(own.unit_ids)
        cache = self.statuses.cache if version is not None else None
        key = (year, None if units is None else frozenset(units))
        if cache is not None and version is not None:
            kept = cache.spend(version, key)
            if kept is not None:
                return kept
        spend = await self._spend(year, units)
        if cache is not None and version is not None:
            cache.keep_spend(version, key, spend)
        return spend

    async def _spend(self, year: str, units: set[uuid.UUID] | None) -> Spend:
        org = OrgService(self.session)
        roots: list[uuid.UUID] = []
        if units is not None:  # the whole council's spend needs no tree
            tree = await org.tree()
            roots = [u for u in units if tree.parent_of.get(u) not in units]
        codes = await org.repository.codes_by_id(ids=roots)
        return await BudgetService(self.session).spend(
            financial_year=year,
            org_unit_ids=units,
            org_unit_codes=sorted(codes.values()),
        )

    async def exceptions(
        self, *, principal: Principal, period_code: str, filters: IndicatorFilter
    ) -> ExceptionReport:
        """Every red and amber measure with its figures, commentary and corrective actions;
        measures red twice running and measures nobody is acting on are called out."""
        current = await self.statuses.statuses(
            principal=principal, period_code=period_code, filters=filters
        )
        previous_code = calendar.previous_period(period_code)
        previous = {
            row.indicator_code: row.rag
            for row in await self.statuses.statuses_if_period_exists(
                principal=principal, period_code=previous_code, filters=filters
            )
        }
        actions = await self._corrective_actions(
            filters=filters, period_codes=[period_code, previous_code]
        )
        rows = []
        for status in current:
            if status.rag not in _EXCEPTIONS:
                continue
            answering = actions.get(status.indicator_code, [])
            rows.append(
                ExceptionRow(
                    **status.model_dump(),
                    previous_rag=previous.get(status.indicator_code),
                    red_two_periods=status.rag is Rag.RED
                    and previous.get(status.indicator_code) is Rag.RED,
                    actions=answering,
                    has_corrective_action=any(
                        a.status is not ActionStatus.CANCELLED for a in answering
                    ),
                )
            )
        rows.sort(key=lambda r: (r.rag is not Rag.RED, r.indicator_code))
        return ExceptionReport(
            period=period_code,
            previous_period=previous_code,
            summary=ExceptionSummary(
                red=sum(r.rag is Rag.RED for r in rows), amber=sum(r.rag is Rag.AMBER for r in rows)
            ),
            rows=rows,
            red_two_periods_in_a_row=[r.indicator_code for r in rows if r.red_two_periods],
            without_corrective_action=[
                r.indicator_code for r in rows if not r.has_corrective_action
            ],
            overdue_recommendations=await RecommendationService(self.session).overdue_high_priority(
                org_unit_ids=filters.org_unit_ids
            ),
        )

    async def _corrective_actions(
        self, *, filters: IndicatorFilter, period_codes: list[str]
    ) -> dict[str, list[ActionRead]]:
        found = await ActionRepository(self.session).corrective_actions(
            indicator_ids=filters.id_query(), period_codes=period_codes
        )
        reads = await ActionService(self.session).reads(
            actions=[action for pairs in found.values() for action, _ in pairs]
        )
        by_code: dict[str, list[ActionRead]] = defaultdict(list)
        for read in reads:
            if read.indicator_code is not None:
                by_code[read.indicator_code].append(read)
        return by_code
