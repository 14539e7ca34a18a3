"""SPC for any series, for an indicator's approved series, and each indicator's chart settings.

The statistics are the pure functions of engine.py; this module picks an indicator's series,
its improvement direction, its target and its stored settings, in a fixed number of queries
however many indicators are charted.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

import anyio
from sqlalchemy.ext.asyncio import AsyncSession

from app.access.exceptions import PermissionDenied
from app.access.permissions import Permission
from app.access.principal import Principal
from app.audit.service import AuditService
from app.core.errors import field_error
from app.core.etag import check_if_match
from app.indicators.models import Indicator
from app.indicators.service import IndicatorService
from app.measures.vocabulary import VALUE_KIND
from app.periods import calendar
from app.periods.exceptions import PeriodNotFound
from app.spc.charts import render_svg
from app.spc.engine import SpcPoint, SpcResult, xmr
from app.spc.exceptions import InvalidRecalculationPoint
from app.spc.models import DEFAULT_RUN_LENGTH, IndicatorSpcSetting
from app.spc.repository import Ids, SpcRepository
from app.spc.schemas import (
    IndicatorSpcPointRead,
    IndicatorSpcRead,
    RecalculationRead,
    SpcPointRead,
    SpcRead,
    SpcRequest,
    SpcSettingsIn,
    SpcSettingsRead,
)
from app.spc.series import ChartedIndicator, ChartSettings, IndicatorChart, indicator_chart


def spc_read(result: SpcResult) -> SpcRead:
    return SpcRead(
        points=[_point_read(point) for point in result.points],
        variation_icon=result.variation_icon,
        assurance_icon=result.assurance_icon,
    )


def indicator_spc_read(chart: IndicatorChart) -> IndicatorSpcRead:
    return IndicatorSpcRead(
        indicator_code=chart.indicator.code,
        improvement_direction=chart.direction,
        target=chart.target,
        run_length=chart.settings.run_length,
        screen_outliers=chart.settings.screen_outliers,
        baseline=chart.settings.baseline,
        recalculate_at=chart.recalculated_at,
        points=[
            IndicatorSpcPointRead(period=source.period, **_point_read(point).model_dump())
            for source, point in zip(chart.points, chart.result.points, strict=True)
        ],
        variation_icon=chart.result.variation_icon,
        assurance_icon=chart.result.assurance_icon,
    )


def _point_read(point: SpcPoint) -> SpcPointRead:
    return SpcPointRead(
        index=point.index,
        value=point.value,
        mean=point.mean,
        lower_limit=point.lower_limit,
        upper_limit=point.upper_limit,
        special_cause=point.special_cause,
        type=point.type,
        rules=list(point.rules),
    )


def period_end(code: str | None) -> date | None:
    """The last day of a period given by its code; 404 for something that is not one."""
    if code is None:
        return None
    try:
        return calendar.parse_period(code).end_date
    except calendar.InvalidPeriodCode as exc:
        raise PeriodNotFound(f"{code!r} is not a period code.") from exc


class SpcService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = SpcRepository(session)
        self.indicators = IndicatorService(session)

    @staticmethod
    def analyse(*, data: SpcRequest) -> SpcRead:
        """The XmR chart of a series sent by the caller."""
        return spc_read(
            xmr(
                data.values,
                improvement_direction=data.improvement_direction,
                target=data.target,
                run_length=data.run_length,
                screen_outliers=data.screen_outliers,
                recalculate_at=data.recalculate_at,
                baseline=data.baseline,
            )
        )

    async def chart(
        self,
        *,
        code: str,
        until: str | None = None,
        run_length: int | None = None,
        screen_outliers: bool | None = None,
    ) -> IndicatorChart:
        """One indicator's chart over its approved values (up to a period), with its settings
        unless the caller overrides them."""
        indicator = await self.indicators.get(code=code)
        charts = await self.charts(
            ids=[indicator.id],
            indicators=[indicator],
            until=period_end(until),
            run_length=run_length,
            screen_outliers=screen_outliers,
        )
        return charts[indicator.id]

    async def indicator_spc(
        self,
        *,
        code: str,
        until: str | None = None,
        run_length: int | None = None,
        screen_outliers: bool | None = None,
    ) -> IndicatorSpcRead:
        """One indicator's chart as JSON: each point with its period."""
        chart = await self.chart(
            code=code, until=until, run_length=run_length, screen_outliers=screen_outliers
        )
        return indicator_spc_read(chart)

    async def chart_svg(
        self,
        *,
        code: str,
        until: str | None = None,
        run_length: int | None = None,
        screen_outliers: bool | None = None,
    ) -> str:
        """One indicator's XmR chart as an SVG document."""
        chart = await self.chart(
            code=code, until=until, run_length=run_length, screen_outliers=screen_outliers
        )
        # Drawing is CPU work (tens of milliseconds): off the event loop.
        return await anyio.to_thread.run_sync(render_svg, chart)

    async def charts(
        self,
        *,
        ids: Ids,
        indicators: Sequence[ChartedIndicator],
        until: date | None,
        run_length: int | None = None,
        screen_outliers: bool | None = None,
    ) -> dict[uuid.UUID, IndicatorChart]:
        """The charts of many indicators in three statements: series, targets and settings."""
        if not indicators:
            return {}
        series = await self.repository.approved_series(ids=ids, until=until)
        targets = await self.repository.point_targets(ids=ids, until=until)
        settings = await self.repository.settings(ids=ids)
        return {
            indicator.id: indicator_chart(
                indicator,
                series=series.get(indicator.id, []),
                targets=targets.get(indicator.id, []),
                settings=ChartSettings.of(settings.get(indicator.id)).overridden(
                    run_length=run_length, screen_outliers=screen_outliers
                ),
                until=until,
            )
            for indicator in indicators
        }

    # Stored settings

    async def settings(self, *, code: str) -> tuple[SpcSettingsRead, int]:
        """An indicator's chart settings and their version (0 while the defaults apply)."""
        indicator = await self.indicators.get(code=code)
        row = await self.repository.setting(indicator_id=indicator.id)
        return _settings_read(indicator, row), row.version if row else 0

    async def update_settings(
        self, *, principal: Principal, code: str, data: SpcSettingsIn, if_match: str | None
    ) -> tuple[SpcSettingsRead, int]:
        """Replace an indicator's chart settings (audited)."""
        indicator = await self.indicators.get(code=code)
        if not principal.can(Permission.INDICATORS_WRITE, indicator.org_unit_id):
            raise PermissionDenied(f"You may not change the SPC settings of {code}.")
        row = await self.repository.setting(indicator_id=indicator.id)
        check_if_match(if_match, row.version if row else 0)
        _check_periods(indicator, data)
        before = _settings_read(indicator, row) if row else None
        if row is None:
            row = IndicatorSpcSetting(indicator_id=indicator.id)
            self.session.add(row)
        row.run_length = data.run_length
        row.screen_outliers = data.screen_outliers
        row.baseline = data.baseline
        row.recalculate_at = [
            {"period": point.period, "reason": point.reason}
            for point in sorted(
                data.recalculate_at, key=lambda p: calendar.parse_period(p.period).start_date
            )
        ]
        row.updated_by_id = principal.id
        await self.repository.flush()
        after = _settings_read(indicator, row)
        await AuditService(self.session).record(
            actor=principal,
            action="update",
            entity_type="indicator_spc_setting",
            entity_id=indicator.code,
            before=before.model_dump(mode="json") if before else None,
            after=after.model_dump(mode="json"),
        )
        return after, row.version


def _check_periods(indicator: Indicator, data: SpcSettingsIn) -> None:
    """Each recalculation point must be a period of the indicator's own frequency."""
    kind = VALUE_KIND[indicator.frequency]
    errors = []
    for position, point in enumerate(data.recalculate_at):
        try:
            spec = calendar.parse_period(point.period)
        except calendar.InvalidPeriodCode:
            message = "not a period code"
        else:
            if spec.kind is kind:
                continue
            message = f"{indicator.code} is {indicator.frequency.value}: give a {kind.value} code"
        errors.append(field_error(("recalculate_at", position, "period"), message))
    if errors:
        raise InvalidRecalculationPoint(
            "Recalculation points must be periods of the indicator's frequency.", errors=errors
        )


def _settings_read(indicator: Indicator, row: IndicatorSpcSetting | None) -> SpcSettingsRead:
    if row is None:
        return SpcSettingsRead(
            indicator_code=indicator.code,
            recalculate_at=[],
            run_length=DEFAULT_RUN_LENGTH,
            screen_outliers=False,
            baseline=None,
            updated_at=None,
        )
    return SpcSettingsRead(
        indicator_code=indicator.code,
        recalculate_at=[RecalculationRead(**point) for point in row.recalculate_at],
        run_length=row.run_length,
        screen_outliers=row.screen_outliers,
        baseline=row.baseline,
        updated_at=row.updated_at,
    )
