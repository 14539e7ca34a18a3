"""Data quality for auditors: what is missing, late, unapproved, estimated, revised,
untargeted, unowned, inconsistent, unusual or queried, for a period and an org unit.

Each issue type is defined in the README; the checks read a fixed number of queries.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from app.access.exceptions import PermissionDenied
from app.access.permissions import Permission
from app.access.principal import Principal
from app.audit.service import AuditService, to_audit
from app.core.clock import today
from app.data_quality.models import ValueVerification, Verdict
from app.data_quality.repository import DataQualityRepository
from app.data_quality.schemas import (
    Issue,
    IssueCounts,
    IssueType,
    QualitySummary,
    VerificationIn,
    VerificationRead,
)
from app.events.models import EventType
from app.events.outbox import emit
from app.indicators.exceptions import ValueNotFound
from app.indicators.models import Indicator, IndicatorStatus, IndicatorValue
from app.indicators.repository import IndicatorFilter, IndicatorRepository
from app.indicators.service import IndicatorService
from app.indicators.values import implied_value
from app.measures.vocabulary import VALUE_KIND, Polarity, QualityFlag, ValueStatus
from app.org.service import OrgService
from app.periods import calendar
from app.periods.calendar import units_of
from app.periods.exceptions import PeriodNotFound
from app.periods.models import Period
from app.recommendations.service import RecommendationService
from app.spc.engine import MIN_POINTS, ImprovementDirection, SpcRule, xmr
from app.spc.models import IndicatorSpcSetting
from app.spc.repository import SpcRepository
from app.spc.series import ChartSettings, recalculation_indexes

_DIRECTION = {
    Polarity.HIGHER_IS_BETTER: ImprovementDirection.INCREASE,
    Polarity.LOWER_IS_BETTER: ImprovementDirection.DECREASE,
}


# (issue type, period code, detail, value status)
Finding = tuple[IssueType, str, str, ValueStatus | None]


@dataclass(frozen=True)
class Findings:
    issues: list[Issue]
    indicators: int
    expected: int
    entered: int
    approved: int


class DataQualityService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = DataQualityRepository(session)
        self.indicators = IndicatorRepository(session)
        self.org = OrgService(session)

    async def summary(
        self, *, principal: Principal, period_code: str, org_unit_code: str | None
    ) -> QualitySummary:
        found = await self.findings(
            principal=principal, period_code=period_code, org_unit_code=org_unit_code
        )
        scope = await self._filters(principal=principal, org_unit_code=org_unit_code)
        overdue = await RecommendationService(self.session).overdue_high_priority(
            org_unit_ids=scope.org_unit_ids
        )
        counts = Counter(issue.type.value for issue in found.issues)
        return QualitySummary(
            period=period_code,
            org_unit=org_unit_code,
            indicators=found.indicators,
            expected_values=found.expected,
            values_entered=found.entered,
            values_approved=found.approved,
            issues=IssueCounts(**counts),
            total_issues=len(found.issues),
            overdue_recommendations=overdue,
        )

    async def issues(
        self,
        *,
        principal: Principal,
        period_code: str,
        org_unit_code: str | None,
        issue_type: IssueType | None,
    ) -> list[Issue]:
        found = await self.findings(
            principal=principal, period_code=period_code, org_unit_code=org_unit_code
        )
        return [i for i in found.issues if issue_type is None or i.type is issue_type]

    async def findings(
        self, *, principal: Principal, period_code: str, org_unit_code: str | None
    ) -> Findings:
        try:
            spec = calendar.parse_period(period_code)
        except calendar.InvalidPeriodCode as exc:
            raise PeriodNotFound(f"{period_code!r} is not a period code.") from exc
        filters = await self._filters(principal=principal, org_unit_code=org_unit_code)
        indicators = [
            indicator
            for indicator in await self.indicators.all_matching(filters=filters)
            if calendar.is_within(VALUE_KIND[indicator.frequency], spec.kind)
        ]
        units = {i.id: units_of(period_code, VALUE_KIND[i.frequency]) for i in indicators}
        all_units = {code for codes in units.values() for code in codes}
        periods = await self.repository.periods(codes=all_units | {period_code})
        if period_code not in periods:
            raise PeriodNotFound(f"No period has the code {period_code!r}.")
        ids = filters.id_query()
        values = await self.repository.values(ids=ids, codes=all_units)
        targeted = await self.repository.targeted(ids=ids, codes=all_units | {period_code})
        verdicts = await self.repository.latest_verdicts(value_ids=[v.id for v in values.values()])
        series = await self.repository.approved_series(ids=ids, until=periods[period_code].end_date)
        spc_settings = await SpcRepository(self.session).settings(ids=ids)

        issues: list[Issue] = []
        expected = entered = approved = 0
        now = today()
        for indicator in indicators:
            found: list[Finding] = []
            if indicator.owner_id is None:
                found.append((IssueType.NO_OWNER, period_code, "No one owns this indicator.", None))
            if indicator.polarity is not Polarity.NONE and not any(
                (indicator.id, code) in targeted for code in [*units[indicator.id], period_code]
            ):
                found.append(
                    (IssueType.NO_TARGET, period_code, f"No target is set for {period_code}.", None)
                )
            for code in units[indicator.id]:
                period = periods.get(code)
                if period is None:
                    continue
                expected += 1
                due = period.data_due_date < now
                value = values.get((indicator.id, code))
                if value is None:
                    if due:
                        found.append(
                            (
                                IssueType.MISSING_VALUE,
                                code,
                                f"No value; it was due on {period.data_due_date.isoformat()}.",
                                None,
                            )
                        )
                    continue
                entered += 1
                approved += value.status is ValueStatus.APPROVED
                found += _value_findings(indicator, period, value, verdicts.get(value.id), due)
            found += _outlier(
                indicator,
                units[indicator.id],
                series.get(indicator.id, []),
                spc_settings.get(indicator.id),
            )
            issues += [
                Issue(
                    type=kind,
                    indicator_code=indicator.code,
                    indicator_title=indicator.title,
                    org_unit_code=indicator.org_unit.code,
                    period=period_of,
                    value_status=status,
                    detail=detail,
                )
                for kind, period_of, detail, status in found
            ]
        issues.sort(key=lambda i: (i.org_unit_code, i.indicator_code, i.period, i.type.value))
        return Findings(issues, len(indicators), expected, entered, approved)

    async def _filters(self, *, principal: Principal, org_unit_code: str | None) -> IndicatorFilter:
        filters = IndicatorFilter(status=IndicatorStatus.ACTIVE)
        scope = principal.scope(Permission.DATA_QUALITY_READ)
        within: set[uuid.UUID] | None = None if scope.everywhere else set(scope.unit_ids)
        if org_unit_code is not None:
            unit = await self.org.get_unit(code=org_unit_code)
            subtree = (await self.org.tree()).subtree(unit.id)
            within = subtree if within is None else within & subtree
        filters.org_unit_ids = within
        return filters

    # Verification

    async def verify_value(
        self, *, principal: Principal, code: str, period_code: str, data: VerificationIn
    ) -> VerificationRead:
        indicator, period, value = await self._value(code=code, period_code=period_code)
        if not principal.can(Permission.DATA_QUALITY_VERIFY, indicator.org_unit_id):
            raise PermissionDenied(f"You may not give verdicts on {code}.")
        verification = await self.repository.add(
            verification=ValueVerification(
                value_id=value.id,
                verdict=data.verdict,
                note=data.note,
                value_version=value.figures_version,
                by_id=principal.id,
                by_name=principal.name,
            )
        )
        read = _verification_read(indicator, period, value, verification)
        await AuditService(self.session).record(
            actor=principal,
            action=f"value_{data.verdict.value}",
            entity_type="indicator_value",
            entity_id=f"{indicator.code}/{period.code}",
            after=to_audit(read),
            reason=data.note,
        )
        if data.verdict is Verdict.QUERIED:
            emit(
                self.session,
                event_type=EventType.VALUE_QUERIED,
                title=f"{indicator.code} {period.code} queried by {principal.name}",
                body=data.note,
                data=read.model_dump(mode="json"),
                recipients=[value.entered_by_id, value.submitted_by_id, indicator.owner_id],
            )
        return read

    async def verifications(self, *, code: str, period_code: str) -> list[VerificationRead]:
        indicator, period, value = await self._value(code=code, period_code=period_code)
        return [
            _verification_read(indicator, period, value, row)
            for row in await self.repository.verifications(value_id=value.id)
        ]

    async def _value(
        self, *, code: str, period_code: str
    ) -> tuple[Indicator, Period, IndicatorValue]:
        service = IndicatorService(self.session)
        indicator = await service.get(code=code)
        period = await service.periods.get(code=period_code)
        value = await service.repository.value(indicator_id=indicator.id, period_id=period.id)
        if value is None:
            raise ValueNotFound(f"{code} has no value for {period_code}.")
        return indicator, period, value


def _value_findings(
    indicator: Indicator,
    period: Period,
    value: IndicatorValue,
    verdict: ValueVerification | None,
    due: bool,
) -> list[Finding]:
    status = value.status
    found: list[Finding] = []
    if value.is_late:
        found.append(
            (
                IssueType.LATE_SUBMISSION,
                period.code,
                f"First submitted {value.first_submitted_at:%Y-%m-%d}, after the due date "
                f"{period.data_due_date.isoformat()}.",
                status,
            )
        )
    if status is not ValueStatus.APPROVED and due:
        found.append(
            (
                IssueType.UNAPPROVED_VALUE,
                period.code,
                f"The value is {status.value} after its due date.",
                status,
            )
        )
    if QualityFlag.ESTIMATED.value in value.quality_flags:
        found.append(
            (IssueType.ESTIMATED_VALUE, period.code, "The value is marked estimated.", status)
        )
    if QualityFlag.REVISED.value in value.quality_flags:
        found.append(
            (
                IssueType.REVISED_AFTER_APPROVAL,
                period.code,
                "The value was changed after it had been approved.",
                status,
            )
        )
    if value.numerator is not None and value.denominator:
        implied = implied_value(indicator, numerator=value.numerator, denominator=value.denominator)
        if implied != value.value:
            found.append(
                (
                    IssueType.NUMERATOR_MISMATCH,
                    period.code,
                    f"Numerator / denominator give {implied}, the value is {value.value}.",
                    status,
                )
            )
    if verdict is not None and verdict.verdict is Verdict.QUERIED:
        found.append(
            (
                IssueType.QUERIED_VALUE,
                period.code,
                f"Queried by {verdict.by_name}: {verdict.note or 'no note'}",
                status,
            )
        )
    return found


def _outlier(
    indicator: Indicator,
    units: Sequence[str],
    series: Sequence[tuple[str, Decimal]],
    setting: IndicatorSpcSetting | None,
) -> list[Finding]:
    """The latest approved value in the period, outside the XmR process limits (fitted as the
    indicator's SPC settings say: screening, baseline, recalculation points)."""
    if len(series) < MIN_POINTS or series[-1][0] not in units:
        return []
    settings = ChartSettings.of(setting)
    periods = [code for code, _ in series]
    chart = xmr(
        [value for _, value in series],
        improvement_direction=_DIRECTION.get(indicator.polarity, ImprovementDirection.NEUTRAL),
        screen_outliers=settings.screen_outliers,
        recalculate_at=(
            []
            if settings.baseline is not None
            else recalculation_indexes(periods, settings.recalculate_at)
        ),
        baseline=settings.baseline,
    )
    last = chart.points[-1]
    if SpcRule.OUTSIDE_LIMITS not in last.rules:
        return []
    return [
        (
            IssueType.OUTLIER,
            series[-1][0],
            f"{last.value:g} is outside the process limits {last.lower_limit:.4g} to "
            f"{last.upper_limit:.4g} of the {len(series)} approved values to date.",
            None,
        )
    ]


def _verification_read(
    indicator: Indicator, period: Period, value: IndicatorValue, row: ValueVerification
) -> VerificationRead:
    return VerificationRead(
        id=row.id,
        indicator_code=indicator.code,
        period=period.code,
        verdict=row.verdict,
        note=row.note,
        value_version=row.value_version,
        current=row.value_version == value.figures_version,
        by_id=row.by_id,
        by_name=row.by_name,
        at=row.at,
    )
