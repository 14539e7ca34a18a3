"""Reports built on the status engine: the scorecard narrowed to some statuses, and the
exception report of red and amber measures."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection

from sqlalchemy.ext.asyncio import AsyncSession

from app.access.principal import Principal
from app.actions.models import ActionStatus
from app.actions.repository import ActionRepository
from app.actions.schemas import ActionRead
from app.actions.service import ActionService
from app.indicators.repository import IndicatorFilter
from app.measures.measure import summarise
from app.measures.vocabulary import Rag
from app.periods import calendar
from app.reports.schemas import ExceptionReport, ExceptionRow, ExceptionSummary
from app.status.schemas import Scorecard
from app.status.service import StatusService

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
        counts the rows shown."""
        card = await self.statuses.scorecard(
            principal=principal, period_code=period_code, filters=filters
        )
        if rags is None:
            return card
        rows = [row for row in card.rows if row.rag in rags]
        return Scorecard(period=card.period, summary=summarise(rows), rows=rows)

    async def scorecard_json(
        self,
        *,
        principal: Principal,
        period_code: str,
        filters: IndicatorFilter,
        rags: Collection[Rag] | None = None,
    ) -> bytes:
        """``scorecard(...)`` as JSON; the whole scorecard from rows serialised once per data
        version (app.status.cache)."""
        if rags is None:
            return await self.statuses.scorecard_json(
                principal=principal, period_code=period_code, filters=filters
            )
        card = await self.scorecard(
            principal=principal, period_code=period_code, filters=filters, rags=rags
        )
        return card.model_dump_json().encode()

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
