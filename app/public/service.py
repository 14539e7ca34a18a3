"""Transparency: public indicators and their approved figures, for anyone, without a login."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from app.achievements.schemas import PublicAchievement
from app.achievements.service import AchievementService
from app.core.clock import today
from app.core.config import Settings
from app.indicators.exceptions import IndicatorNotFound
from app.indicators.models import Indicator, IndicatorStatus
from app.indicators.repository import IndicatorFilter, IndicatorRepository
from app.measures.measure import ApprovedFigure, MeasureMath, rate
from app.measures.vocabulary import VALUE_KIND, ValueStatus
from app.periods import calendar
from app.periods.calendar import PeriodKind
from app.periods.exceptions import PeriodNotFound
from app.periods.repository import PeriodRepository
from app.public.schemas import (
    PublicIndicator,
    PublicIndicatorDetail,
    PublicPoint,
    PublicScorecard,
    PublicStatus,
)
from app.settings.schemas import PublicRelease
from app.settings.service import SettingsService
from app.status.schemas import Band
from app.status.service import StatusService


def public_filter(*, q: str | None = None) -> IndicatorFilter:
    """Only indicators marked public and still active are published."""
    return IndicatorFilter(is_public=True, status=IndicatorStatus.ACTIVE, q=q)


def is_published(indicator: Indicator) -> bool:
    return indicator.is_public and indicator.status is IndicatorStatus.ACTIVE


def to_public(indicator: Indicator) -> PublicIndicator:
    return PublicIndicator(
        code=indicator.code,
        title=indicator.title,
        definition=indicator.definition,
        rationale=indicator.rationale,
        data_source=indicator.data_source,
        value_type=indicator.value_type,
        unit=indicator.unit,
        decimal_places=indicator.decimal_places,
        polarity=indicator.polarity,
        frequency=indicator.frequency,
        org_unit_code=indicator.org_unit.code,
        is_national=indicator.is_national,
    )


class PublicService:
    def __init__(self, session: AsyncSession, *, settings: Settings) -> None:
        self.session = session
        self.settings = settings
        self.indicators = IndicatorRepository(session)

    async def list_page(
        self, *, q: str | None, offset: int, limit: int
    ) -> tuple[list[PublicIndicator], int]:
        rows, total = await self.indicators.list(
            filters=public_filter(q=q), offset=offset, limit=limit
        )
        return [to_public(row) for row in rows], total

    async def achievements(
        self, *, period_code: str | None, offset: int, limit: int
    ) -> tuple[list[PublicAchievement], int]:
        """Approved key achievements marked public, newest period first; under
        after_board_date, none of a period whose board has not met yet."""
        held = await self.unreleased(codes=await PeriodRepository(self.session).codes())
        return await AchievementService(self.session).public_page(
            period_code=period_code, held=held, offset=offset, limit=limit
        )

    async def indicator(self, code: str, *, financial_year: str | None) -> PublicIndicatorDetail:
        """A public indicator with every approved figure of its own frequency, rated."""
        indicator = await self.indicators.by_code(code=code)
        if indicator is None or not is_published(indicator):
            # The same answer whether it does not exist or is not published.
            raise IndicatorNotFound(f"No public indicator has the code {code!r}.")
        values: dict[str, ApprovedFigure] = {}
        own: list[tuple[str, str]] = []  # (period code, financial year), oldest first
        kind: PeriodKind = VALUE_KIND[indicator.frequency]
        # Every year is read, whatever the filter: a rating may look at the year before.
        for value, period in await self.indicators.values(
            indicator_id=indicator.id, financial_year=None
        ):
            if value.approved_value is None:
                continue
            values[period.code] = ApprovedFigure(
                value.approved_value,
                value.approved_numerator,
                value.approved_denominator,
                None,
                ValueStatus.APPROVED,
            )
            if period.kind is kind:
                own.append((period.code, period.financial_year))
        targets = {
            period.code: target
            for target, period in await self.indicators.targets(indicator_id=indicator.id)
        }
        tolerance = await SettingsService(self.session, settings=self.settings).rag_tolerance()
        math = MeasureMath(indicator, values, targets)
        unreleased = await self.unreleased(codes=[code for code, _ in own])
        series = []
        for period_code, year in own:
            if financial_year is not None and year != financial_year:
                continue
            if period_code in unreleased:
                continue
            rated = rate(math, period_code, default=tolerance)
            assert rated.value is not None
            series.append(
                PublicPoint(
                    period=period_code,
                    value=rated.value,
                    target=rated.target.value if rated.target else None,
                    target_band=(
                        Band(lower=rated.target.lower, upper=rated.target.upper)
                        if rated.target and rated.target.value is None
                        else None
                    ),
                    rag=rated.rag,
                )
            )
        return PublicIndicatorDetail(**to_public(indicator).model_dump(), series=series)

    async def unreleased(self, *, codes: Collection[str]) -> set[str]:
        """The periods whose figures are held back from the public pages: none when figures
        are public on approval; with after_board_date, those whose board has not met yet (a
        month or a year waits for the board of the quarter it ends in, a period with its own
        board date for that date; with no board date at all there is nothing to wait for)."""
        council, _ = await SettingsService(self.session, settings=self.settings).council()
        if council.public_release is not PublicRelease.AFTER_BOARD_DATE or not codes:
            return set()
        quarters = {
            code: calendar.period_containing(
                calendar.parse_period(code).end_date, kind=PeriodKind.QUARTER
            ).code
            for code in codes
        }
        periods = await PeriodRepository(self.session).by_codes(
            codes={*quarters, *quarters.values()}
        )
        on = today()
        held = set()
        for code, quarter in quarters.items():
            own = periods.get(code)
            release: date | None = own.board_date if own else None
            if release is None and quarter in periods:
                release = periods[quarter].board_date
            if release is not None and on < release:
                held.add(code)
        return held

    async def scorecard(self, *, period_code: str, statuses: StatusService) -> PublicScorecard:
        """The period's public scorecard; 404 while its figures are held until its board date."""
        if period_code in await self.unreleased(codes=[period_code]):
            raise PeriodNotFound(
                f"The figures for {period_code} are published after its Performance Board."
            )
        card = await statuses.scorecard(
            principal=None, period_code=period_code, filters=public_filter()
        )
        fields = PublicStatus.model_fields.keys()
        return PublicScorecard(
            period=card.period,
            summary=card.summary,
            rows=[
                PublicStatus.model_validate({name: getattr(row, name) for name in fields})
                for row in card.rows
            ],
        )
