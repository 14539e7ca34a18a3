from __future__ import annotations

import uuid
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from app.core.schemas import Measure, RequestSchema, ResponseSchema
from app.plans.models import PlanKind
from app.plans.schemas import YearCode


class TargetRule(StrEnum):
    LAST_YEAR_TARGETS = "last_year_targets"
    LAST_YEAR_OUTTURN = "last_year_outturn"
    NONE = "none"


class RolloverOutcome(StrEnum):
    CREATED = "created"
    KEPT = "kept"
    SKIPPED = "skipped"
    CARRIED_ON = "carried_on"


class RolloverIn(RequestSchema):
    from_year: YearCode | None = Field(
        default=None, description="The year to roll from; the year before by default"
    )
    plans: bool = Field(default=True, description="Copy last year's service plans as drafts")
    targets: TargetRule = Field(
        default=TargetRule.LAST_YEAR_TARGETS, description="How targets are proposed"
    )
    uplift_pct: Annotated[Decimal, Field(ge=-50, le=100, allow_inf_nan=False, decimal_places=4)] = (
        Field(
            default=Decimal(0),
            description="An improvement in percent: raises a higher-is-better target, lowers a "
            "lower-is-better one, shifts a band",
        )
    )
    dry_run: bool = Field(default=True, description="Answer what would happen; change nothing")


class PlanRollover(ResponseSchema):
    source_id: uuid.UUID = Field(description="Last year's plan")
    kind: PlanKind
    title: str = Field(description="The new year's plan's title")
    org_unit_code: str
    outcome: RolloverOutcome
    plan_id: uuid.UUID | None = Field(
        description="The new year's plan (null in a dry run for one to be created)"
    )
    objectives: int = Field(description="Objectives copied (or to copy)")
    reason: str | None = None


class TargetRollover(ResponseSchema):
    indicator_code: str
    period: str | None = Field(description="null when the whole indicator is skipped")
    outcome: RolloverOutcome
    value: Measure | None = None
    lower: Measure | None = None
    upper: Measure | None = None
    floor: Measure | None = None
    reason: str | None = Field(
        default=None,
        description="created: the target's reason; skipped: retired, no_data, data_only, "
        "floor_conflict or period_closed",
    )
    detail: str | None = None


class RolloverSummary(ResponseSchema):
    periods_created: int = 0
    plans_created: int = 0
    plans_kept: int = 0
    plans_carried_on: int = 0
    plans_skipped: int = 0
    objectives_created: int = 0
    targets_created: int = 0
    targets_kept: int = 0
    targets_skipped: int = 0


class RolloverResult(ResponseSchema):
    year: str
    from_year: str
    dry_run: bool
    targets_rule: TargetRule
    uplift_pct: Measure
    summary: RolloverSummary
    periods: list[str] = Field(description="Periods created (or to create)")
    plans: list[PlanRollover]
    targets: list[TargetRollover]
