"""Year end: roll the framework into the new year. Service plans and their objectives are copied
as drafts (links kept), corporate plans spanning the new year carry on, and every active
indicator gets targets proposed by a rule, never overwriting one already set.

The dry run and the real run are the same computation: the real run then writes what the dry
run would have answered, in the caller's transaction, in a fixed number of statements.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.access.principal import Principal
from app.audit.service import AuditEntry, AuditService
from app.core.clock import utcnow
from app.core.errors import field_error
from app.indicators.bounds import Range
from app.indicators.models import Indicator, IndicatorStatus
from app.indicators.service import allowed_range
from app.measures.vocabulary import VALUE_KIND
from app.periods import calendar
from app.periods.calendar import InvalidPeriodCode, PeriodKind
from app.periods.models import Period, PeriodStatus
from app.periods.service import PeriodService
from app.plans.models import Objective, PlanKind, PlanStatus
from app.rollover import rules
from app.rollover.exceptions import InvalidRollover, NothingToRollOver
from app.rollover.repository import RolloverRepository, TargetKey
from app.rollover.schemas import (
    PlanRollover,
    RolloverIn,
    RolloverOutcome,
    RolloverResult,
    RolloverSummary,
    TargetRollover,
    TargetRule,
)


@dataclass
class _PlanWork:
    rows: list[PlanRollover] = field(default_factory=list)
    plans: list[dict[str, Any]] = field(default_factory=list)
    objectives: list[dict[str, Any]] = field(default_factory=list)
    links: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    has_sources: bool = False


@dataclass
class _TargetWork:
    rows: list[TargetRollover] = field(default_factory=list)
    # (indicator, new period code, proposal) for each target to create
    created: list[tuple[Indicator, str, rules.Level]] = field(default_factory=list)
    has_basis: bool = False


def _year_start(code: str, *, loc: list[str]) -> int:
    try:
        spec = calendar.parse_period(code)
    except InvalidPeriodCode:
        spec = None
    if spec is None or spec.kind is not PeriodKind.YEAR:
        message = f"{code!r} is not a financial year: write it like 2026-27"
        raise InvalidRollover(message, errors=[field_error(loc[1:], message, at=loc[0])])
    return spec.start_year


def _level(row: dict[str, Any]) -> rules.Level:
    return rules.Level(
        value=row["value"], lower=row["lower"], upper=row["upper"], floor=row["floor"]
    )


def _depth_first(objectives: list[Objective]) -> list[Objective]:
    """Parents before their children, so each row's parent is inserted before it."""
    ids = {o.id for o in objectives}
    children: dict[uuid.UUID | None, list[Objective]] = defaultdict(list)
    for objective in objectives:
        parent = objective.parent_id if objective.parent_id in ids else None
        children[parent].append(objective)
    ordered: list[Objective] = []
    stack = list(reversed(children[None]))
    while stack:
        objective = stack.pop()
        ordered.append(objective)
        stack.extend(reversed(children.get(objective.id, [])))
    return ordered


class RolloverService:
    def __init__(self, session: AsyncSession, *, periods: PeriodService) -> None:
        self.session = session
        self.repository = RolloverRepository(session)
        self.periods = periods
        self.audit = AuditService(session)

    async def rollover(
        self, *, principal: Principal, year: str, data: RolloverIn
    ) -> RolloverResult:
        start = _year_start(year, loc=["path", "year"])
        from_year = data.from_year or calendar.financial_year_code(start - 1)
        from_start = _year_start(from_year, loc=["body", "from_year"])
        if from_start >= start:
            message = f"from_year must be before {year}"
            raise InvalidRollover(message, errors=[field_error("from_year", message)])
        if not data.dry_run:
            await self.repository.lock()
        periods = await self.repository.periods(financial_year=year)
        to_create = (
            [] if periods else [spec.code for spec in calendar.financial_year_periods(start)]
        )
        now = utcnow()
        plan_work = (
            await self._plans(
                principal, from_year=from_year, year=year, shift=start - from_start, now=now
            )
            if data.plans
            else _PlanWork()
        )
        target_work = (
            await self._targets(data, from_year=from_year, year=year, periods=periods)
            if data.targets is not TargetRule.NONE
            else _TargetWork()
        )
        if not plan_work.has_sources and not target_work.has_basis:
            asked = [
                *(["service plans"] if data.plans else []),
                *(["targets or figures"] if data.targets is not TargetRule.NONE else []),
            ]
            raise NothingToRollOver(
                f"{from_year} has no {' and no '.join(asked) or 'plans or targets to roll'}: "
                f"nothing to roll over into {year}; nothing was created.",
                from_year=from_year,
                year=year,
            )
        result = self._result(
            data,
            year=year,
            from_year=from_year,
            periods=to_create,
            plans=plan_work,
            targets=target_work,
        )
        if data.dry_run:
            return result
        await self._apply(
            principal,
            result=result,
            start=start,
            periods_to_create=bool(to_create),
            plans=plan_work,
            targets=target_work,
            now=now,
        )
        return result

    # Plans

    async def _plans(
        self, principal: Principal, *, from_year: str, year: str, shift: int, now: datetime
    ) -> _PlanWork:
        work = _PlanWork(links={name: [] for name in ("serves", "indicators", "projects", "risks")})
        sources = await self.repository.service_plans(financial_year=from_year)
        work.has_sources = bool(sources)
        done = await self.repository.rolled_from(source_ids=[plan.id for plan in sources])
        to_copy = [plan for plan in sources if plan.id not in done]
        objectives = await self.repository.objectives(plan_ids=[plan.id for plan in to_copy])
        by_plan: dict[uuid.UUID, list[Objective]] = defaultdict(list)
        for objective in objectives:
            by_plan[objective.plan_id].append(objective)
        links = await self.repository.links(objective_ids=[o.id for o in objectives])
        new_objective: dict[uuid.UUID, uuid.UUID] = {}
        for source in sources:
            title = rules.rolled_title(source.title, from_year=from_year, year=year)
            kept = done.get(source.id)
            if kept is not None:
                work.rows.append(
                    PlanRollover(
                        source_id=source.id,
                        kind=source.kind,
                        title=kept.title,
                        org_unit_code=source.org_unit.code,
                        outcome=RolloverOutcome.KEPT,
                        plan_id=kept.id,
                        objectives=0,
                        reason=f"already rolled over into {kept.financial_year}",
                    )
                )
                continue
            plan_id = uuid.uuid4()
            work.plans.append(
                {
                    "id": plan_id,
                    "kind": PlanKind.SERVICE,
                    "title": title,
                    "description": source.description,
                    "org_unit_id": source.org_unit_id,
                    "start_year": source.start_year + shift,
                    "end_year": source.end_year + shift,
                    "status": PlanStatus.DRAFT,
                    "themes": list(source.themes),
                    "financial_year": year,
                    "owner_id": source.owner_id,
                    # The plan's author stays its author; the rollover is in the audit trail.
                    "created_by_id": source.created_by_id,
                    "version_number": 1,
                    "submitted_by_id": None,
                    "submitted_at": None,
                    "approved_by_id": None,
                    "approved_by_name": None,
                    "approved_at": None,
                    "rolled_from_id": source.id,
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            copied = _depth_first(by_plan.get(source.id, []))
            for objective in copied:
                new_objective[objective.id] = uuid.uuid4()
            for objective in copied:
                work.objectives.append(
                    {
                        "id": new_objective[objective.id],
                        "plan_id": plan_id,
                        "parent_id": new_objective.get(objective.parent_id)
                        if objective.parent_id
                        else None,
                        "code": objective.code,
                        "title": objective.title,
                        "description": objective.description,
                        "theme": objective.theme,
                        "owner_id": objective.owner_id,
                        "position": objective.position,
                        "version": 1,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
            work.rows.append(
                PlanRollover(
                    source_id=source.id,
                    kind=source.kind,
                    title=title,
                    org_unit_code=source.org_unit.code,
                    outcome=RolloverOutcome.CREATED,
                    plan_id=None,
                    objectives=len(copied),
                )
            )
        columns = {
            "serves": "serves_id",
            "indicators": "indicator_id",
            "projects": "project_id",
            "risks": "risk_id",
        }
        for name, pairs in links.items():
            work.links[name] = [
                {"objective_id": new_objective[objective_id], columns[name]: linked}
                for objective_id, linked in pairs
                if objective_id in new_objective
            ]
        for corporate in await self.repository.corporate_plans_spanning(
            start_year=_year_start(from_year, loc=["body", "from_year"])
        ):
            spans = corporate.end_year >= _year_start(year, loc=["path", "year"])
            work.rows.append(
                PlanRollover(
                    source_id=corporate.id,
                    kind=corporate.kind,
                    title=corporate.title,
                    org_unit_code=corporate.org_unit.code,
                    outcome=RolloverOutcome.CARRIED_ON if spans else RolloverOutcome.SKIPPED,
                    plan_id=corporate.id if spans else None,
                    objectives=0,
                    reason=(
                        f"runs {corporate.start_year} to {corporate.end_year}: it carries on"
                        if spans
                        else f"ends with {from_year}: a new corporate plan is written, not "
                        "rolled over"
                    ),
                )
            )
        return work

    # Targets

    async def _targets(
        self, data: RolloverIn, *, from_year: str, year: str, periods: dict[str, Period]
    ) -> _TargetWork:
        work = _TargetWork()
        shift = _year_start(year, loc=["path", "year"]) - _year_start(
            from_year, loc=["body", "from_year"]
        )
        last = await self.repository.targets(financial_year=from_year)
        existing = await self.repository.targets(financial_year=year) if periods else {}
        outturns = (
            await self.repository.outturns(financial_year=from_year)
            if data.targets is TargetRule.LAST_YEAR_OUTTURN
            else {}
        )
        last_by: dict[uuid.UUID, dict[str, rules.Level]] = defaultdict(dict)
        for (indicator_id, code), row in last.items():
            last_by[indicator_id][code] = _level(row)
        outturn_by: dict[uuid.UUID, dict[str, Decimal]] = defaultdict(dict)
        for (indicator_id, code), value in outturns.items():
            outturn_by[indicator_id][code] = value
        order = {
            spec.code: i
            for i, spec in enumerate(
                calendar.financial_year_periods(_year_start(from_year, loc=["body", "from_year"]))
            )
        }
        reason = f"rolled over from {from_year}"
        for indicator in await self.repository.indicators():
            allowed = allowed_range(indicator)
            basis = (
                last_by.get(indicator.id, {})
                if data.targets is TargetRule.LAST_YEAR_TARGETS
                else outturn_by.get(indicator.id, {})
            )
            if indicator.status is IndicatorStatus.RETIRED:
                if basis:
                    work.rows.append(
                        TargetRollover(
                            indicator_code=indicator.code,
                            period=None,
                            outcome=RolloverOutcome.SKIPPED,
                            reason="retired",
                            detail=f"{indicator.code} is retired: it does not carry on",
                        )
                    )
                continue
            candidates = self._candidates(
                indicator,
                data,
                from_year=from_year,
                last=last_by.get(indicator.id, {}),
                outturns=outturn_by.get(indicator.id, {}),
                order=order,
            )
            if not basis:
                what = (
                    "target" if data.targets is TargetRule.LAST_YEAR_TARGETS else "approved figure"
                )
                work.rows.append(
                    TargetRollover(
                        indicator_code=indicator.code,
                        period=None,
                        outcome=RolloverOutcome.SKIPPED,
                        reason="no_data",
                        detail=f"no {what} in {from_year} to base a target on",
                    )
                )
                continue
            work.has_basis = True
            for code, proposal in candidates:
                new_code = rules.shifted_code(code, shift)
                proposed = self._target_row(
                    indicator,
                    new_code,
                    proposal,
                    data=data,
                    existing=existing,
                    period=periods.get(new_code),
                    reason=reason,
                    allowed=allowed,
                )
                work.rows.append(proposed)
                if proposed.outcome is RolloverOutcome.CREATED:
                    work.created.append(
                        (
                            indicator,
                            new_code,
                            rules.Level(
                                value=proposed.value,
                                lower=proposed.lower,
                                upper=proposed.upper,
                                floor=proposed.floor,
                            ),
                        )
                    )
        return work

    @staticmethod
    def _candidates(
        indicator: Indicator,
        data: RolloverIn,
        *,
        from_year: str,
        last: dict[str, rules.Level],
        outturns: dict[str, Decimal],
        order: dict[str, int],
    ) -> list[tuple[str, rules.Level | rules.Refusal]]:
        """Last year's period codes with what each proposes (or why it cannot)."""
        if data.targets is TargetRule.LAST_YEAR_TARGETS:
            return [(code, last[code]) for code in sorted(last, key=order.__getitem__)]
        # The outturn proposes a target for each period the measure is reported in.
        kind = VALUE_KIND[indicator.frequency]
        codes = [c for c in order if calendar.parse_period(c).kind is kind]
        found: list[tuple[str, rules.Level | rules.Refusal]] = []
        for code in codes:
            if code not in outturns:
                found.append((code, rules.Refusal("no_data", f"no approved figure for {code}")))
                continue
            found.append(
                (
                    code,
                    rules.from_outturn(outturns[code], last.get(code), polarity=indicator.polarity),
                )
            )
        return found

    @staticmethod
    def _target_row(
        indicator: Indicator,
        code: str,
        proposal: rules.Level | rules.Refusal,
        *,
        data: RolloverIn,
        existing: dict[TargetKey, dict[str, Any]],
        period: Period | None,
        reason: str,
        allowed: Range,
    ) -> TargetRollover:
        # Built from what the rules computed, so not validated again (24,000 rows of a
        # large council's year).
        row = TargetRollover.model_construct
        kept = existing.get((indicator.id, code))
        if kept is not None:
            return row(
                indicator_code=indicator.code,
                period=code,
                outcome=RolloverOutcome.KEPT,
                value=kept["value"],
                lower=kept["lower"],
                upper=kept["upper"],
                floor=kept["floor"],
                detail="a target is already set: it is never overwritten",
            )
        if period is not None and period.status is PeriodStatus.CLOSED:
            proposal = rules.Refusal("period_closed", f"{code} is closed")
        if isinstance(proposal, rules.Level):
            proposal = rules.uplifted(
                proposal,
                polarity=indicator.polarity,
                uplift_pct=data.uplift_pct,
                places=indicator.decimal_places,
                allowed=allowed,
            )
        if isinstance(proposal, rules.Refusal):
            return row(
                indicator_code=indicator.code,
                period=code,
                outcome=RolloverOutcome.SKIPPED,
                reason=proposal.reason,
                detail=proposal.detail,
            )
        return row(
            indicator_code=indicator.code,
            period=code,
            outcome=RolloverOutcome.CREATED,
            value=proposal.value,
            lower=proposal.lower,
            upper=proposal.upper,
            floor=proposal.floor,
            reason=reason,
        )

    # The answer, and applying it

    @staticmethod
    def _result(
        data: RolloverIn,
        *,
        year: str,
        from_year: str,
        periods: list[str],
        plans: _PlanWork,
        targets: _TargetWork,
    ) -> RolloverResult:
        def count(rows: list[Any], outcome: RolloverOutcome) -> int:
            return sum(1 for row in rows if row.outcome is outcome)

        return RolloverResult(
            year=year,
            from_year=from_year,
            dry_run=data.dry_run,
            targets_rule=data.targets,
            uplift_pct=data.uplift_pct,
            summary=RolloverSummary(
                periods_created=len(periods),
                plans_created=count(plans.rows, RolloverOutcome.CREATED),
                plans_kept=count(plans.rows, RolloverOutcome.KEPT),
                plans_carried_on=count(plans.rows, RolloverOutcome.CARRIED_ON),
                plans_skipped=count(plans.rows, RolloverOutcome.SKIPPED),
                objectives_created=len(plans.objectives),
                targets_created=count(targets.rows, RolloverOutcome.CREATED),
                targets_kept=count(targets.rows, RolloverOutcome.KEPT),
                targets_skipped=count(targets.rows, RolloverOutcome.SKIPPED),
            ),
            periods=periods,
            plans=plans.rows,
            targets=targets.rows,
        )

    async def _apply(
        self,
        principal: Principal,
        *,
        result: RolloverResult,
        start: int,
        periods_to_create: bool,
        plans: _PlanWork,
        targets: _TargetWork,
        now: datetime,
    ) -> None:
        if periods_to_create:
            await self.periods.create_year(principal=principal, start_year=start)
        events: list[AuditEntry] = []
        if plans.plans:
            await self.repository.insert_plans(
                plans=plans.plans, objectives=plans.objectives, links=plans.links
            )
            created = iter(plans.plans)
            for row in plans.rows:
                if row.outcome is RolloverOutcome.CREATED:
                    plan = next(created)
                    row.plan_id = plan["id"]
                    events.append(
                        AuditEntry(
                            action="rollover",
                            entity_type="plan",
                            entity_id=plan["id"],
                            after={
                                "title": plan["title"],
                                "financial_year": plan["financial_year"],
                                "status": str(plan["status"]),
                                "rolled_from_id": str(plan["rolled_from_id"]),
                                "objectives": row.objectives,
                            },
                            reason=f"rolled over from {result.from_year}",
                        )
                    )
        if targets.created:
            period_ids = {
                code: period.id
                for code, period in (
                    await self.repository.periods(financial_year=result.year)
                ).items()
            }
            target_rows, revision_rows = [], []
            for indicator, code, level in targets.created:
                target_id = uuid.uuid4()
                figures = {
                    "value": level.value,
                    "lower": level.lower,
                    "upper": level.upper,
                    "floor": level.floor,
                }
                reason = f"rolled over from {result.from_year}"
                target_rows.append(
                    {
                        "id": target_id,
                        "indicator_id": indicator.id,
                        "period_id": period_ids[code],
                        **figures,
                        "reason": reason,
                        "set_by_id": principal.id,
                        "set_by_name": principal.name,
                        "set_at": now,
                        "version": 1,
                    }
                )
                revision_rows.append(
                    {
                        "id": uuid.uuid4(),
                        "target_id": target_id,
                        "number": 1,
                        **figures,
                        "reason": reason,
                        "changed_by_id": principal.id,
                        "changed_by_name": principal.name,
                        "changed_at": now,
                    }
                )
                events.append(
                    AuditEntry(
                        action="set_target",
                        entity_type="target",
                        entity_id=f"{indicator.code}/{code}",
                        after={
                            "indicator_code": indicator.code,
                            "period": code,
                            **{k: None if v is None else str(v) for k, v in figures.items()},
                        },
                        reason=reason,
                    )
                )
            await self.repository.insert_targets(targets=target_rows, revisions=revision_rows)
        events.append(
            AuditEntry(
                action="rollover",
                entity_type="financial_year",
                entity_id=result.year,
                after={
                    "from_year": result.from_year,
                    "targets": str(result.targets_rule),
                    "uplift_pct": str(result.uplift_pct),
                    **result.summary.model_dump(),
                },
            )
        )
        await self.audit.record_many(actor=principal, events=events)
