"""Indicators and their targets: definitions, scope, and target history that is never lost."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.access.exceptions import PermissionDenied
from app.access.permissions import Permission
from app.access.principal import Principal
from app.audit.service import AuditService, to_audit
from app.core.clock import utcnow
from app.core.errors import InvalidInput, field_error
from app.core.etag import check_if_match
from app.events.models import EventType
from app.events.outbox import emit_many, event_row
from app.indicators.bounds import Range, breach, empty_range, range_of
from app.indicators.exceptions import (
    IndicatorChangeRefused,
    IndicatorCodeTaken,
    IndicatorNotFound,
    IndicatorRetired,
    TargetNotFound,
    TargetShapeMismatch,
    WrongPeriodKind,
)
from app.indicators.models import Indicator, IndicatorStatus, Target, TargetRevision
from app.indicators.repository import IndicatorFilter, IndicatorRepository
from app.indicators.schemas import (
    IndicatorCreate,
    IndicatorRead,
    IndicatorUpdate,
    TargetIn,
    TargetRead,
    TargetRevisionRead,
)
from app.measures.vocabulary import TARGET_KINDS, Aggregation, Polarity, ValueType
from app.org.service import OrgService
from app.periods.models import Period
from app.periods.service import PeriodService
from app.settings.schemas import ToleranceRead


def default_aggregation(value_type: ValueType) -> Aggregation:
    return (
        Aggregation.SUM if value_type in {ValueType.COUNT, ValueType.CURRENCY} else Aggregation.MEAN
    )


def to_read(indicator: Indicator) -> IndicatorRead:
    own = indicator.own_tolerance()
    tolerance = (
        ToleranceRead(unit=own.unit, green_within=own.green_within, amber_within=own.amber_within)
        if own
        else None
    )
    return IndicatorRead(
        id=indicator.id,
        code=indicator.code,
        title=indicator.title,
        definition=indicator.definition,
        rationale=indicator.rationale,
        data_source=indicator.data_source,
        value_type=indicator.value_type,
        unit=indicator.unit,
        decimal_places=indicator.decimal_places,
        min_value=indicator.min_value,
        max_value=indicator.max_value,
        polarity=indicator.polarity,
        frequency=indicator.frequency,
        aggregation=indicator.aggregation,
        tolerance=tolerance,
        amber_if_improving=indicator.amber_if_improving,
        org_unit_code=indicator.org_unit.code,
        owner_id=indicator.owner_id,
        collector_ids=sorted(user.id for user in indicator.collectors),
        is_key=indicator.is_key,
        is_public=indicator.is_public,
        is_national=indicator.is_national,
        status=indicator.status,
        created_at=indicator.created_at,
        updated_at=indicator.updated_at,
        retired_at=indicator.retired_at,
    )


def target_read(indicator: Indicator, period: Period, target: Target) -> TargetRead:
    return TargetRead(
        indicator_code=indicator.code,
        period=period.code,
        value=target.value,
        lower=target.lower,
        upper=target.upper,
        floor=target.floor,
        reason=target.reason,
        set_by_id=target.set_by_id,
        set_by_name=target.set_by_name,
        set_at=target.set_at,
    )


def target_events(read: TargetRead, *, created: bool, by: str) -> list[dict[str, Any]]:
    """What setting a target announces, by hand or in bulk: `target.changed`, and
    `status.changed` for the worker to weigh (a new target is a new input to the measure's
    status for the period; it is announced only if the RAG or a direction of travel moves)."""
    where = f"{read.indicator_code} {read.period}"
    return [
        event_row(
            event_type=EventType.TARGET_CHANGED,
            title=f"{where}: target set by {by}",
            data={**read.model_dump(mode="json"), "created": created},
        ),
        event_row(
            event_type=EventType.STATUS_CHANGED,
            title=f"{where}: status recalculated on a changed target",
            data={"indicator_code": read.indicator_code, "period": read.period, "by": by},
        ),
    ]


_SIMPLE_FIELDS = (
    "title",
    "definition",
    "rationale",
    "data_source",
    "unit",
    "amber_if_improving",
    "is_key",
    "is_public",
    "is_national",
    "value_type",
    "decimal_places",
    "polarity",
    "frequency",
    "aggregation",
    "min_value",
    "max_value",
)
# Fields a null clears (for the others a null is the same as leaving the field out).
_NULLABLE_FIELDS = frozenset(
    {"definition", "rationale", "data_source", "unit", "min_value", "max_value"}
)


class IndicatorService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = IndicatorRepository(session)
        self.org = OrgService(session)
        self.periods = PeriodService(session)
        self.audit = AuditService(session)

    async def get(self, *, code: str) -> Indicator:
        indicator = await self.repository.by_code(code=code)
        if indicator is None:
            raise IndicatorNotFound(f"No indicator has the code {code!r}.")
        return indicator

    async def get_active(self, *, code: str) -> Indicator:
        indicator = await self.get(code=code)
        if indicator.status is IndicatorStatus.RETIRED:
            raise IndicatorRetired(f"Indicator {code} is retired; it takes no new data.")
        return indicator

    async def read(self, *, code: str) -> tuple[IndicatorRead, int]:
        """One indicator and its version (the ETag)."""
        indicator = await self.get(code=code)
        return to_read(indicator), indicator.version

    async def list_page(
        self,
        *,
        org_unit_code: str | None,
        filters: IndicatorFilter,
        offset: int,
        limit: int,
    ) -> tuple[list[IndicatorRead], int]:
        if org_unit_code is not None:
            unit = await self.org.get_unit(code=org_unit_code)
            filters.org_unit_ids = (await self.org.tree()).subtree(unit.id)
        rows, total = await self.repository.list(filters=filters, offset=offset, limit=limit)
        return [to_read(row) for row in rows], total

    async def create(
        self, *, principal: Principal, data: IndicatorCreate
    ) -> tuple[IndicatorRead, int]:
        unit = await self.org.resolve_code(code=data.org_unit_code, field="org_unit_code")
        assert unit is not None
        if not principal.can(Permission.INDICATORS_WRITE, unit.id):
            raise PermissionDenied(f"You may not add indicators to {unit.code}.")
        if await self.repository.by_code(code=data.code) is not None:
            raise IndicatorCodeTaken(f"The indicator code {data.code!r} is already used.")
        indicator = Indicator(
            code=data.code,
            title=data.title,
            value_type=data.value_type,
            decimal_places=data.decimal_places,
            polarity=data.polarity,
            frequency=data.frequency,
            aggregation=data.aggregation or default_aggregation(data.value_type),
            org_unit_id=unit.id,
            status=IndicatorStatus.ACTIVE,
        )
        fields = data.model_dump(exclude_unset=True)
        await self._apply(indicator, fields)
        _check_range(indicator)
        await self.repository.add(indicator=indicator)
        indicator = await self._reload(indicator.code)
        read = to_read(indicator)
        await self.audit.record(
            actor=principal,
            action="create",
            entity_type="indicator",
            entity_id=indicator.code,
            after=to_audit(read),
        )
        return read, indicator.version

    async def update(
        self, *, principal: Principal, code: str, data: IndicatorUpdate, if_match: str | None
    ) -> tuple[IndicatorRead, int]:
        indicator = await self.get(code=code)
        if not principal.can(Permission.INDICATORS_WRITE, indicator.org_unit_id):
            raise PermissionDenied(f"You may not change indicator {code}.")
        check_if_match(if_match, indicator.version)
        before = to_read(indicator)
        fields = data.model_dump(exclude_unset=True)
        if "org_unit_code" in fields:
            unit = await self.org.resolve_code(
                code=fields.pop("org_unit_code"), field="org_unit_code"
            )
            if unit is None:
                raise InvalidInput(
                    "org_unit_code cannot be null.",
                    errors=[field_error("org_unit_code", "required", "missing")],
                )
            if not principal.can(Permission.INDICATORS_WRITE, unit.id):
                raise PermissionDenied(f"You may not move indicators to {unit.code}.")
            indicator.org_unit_id = unit.id
        await self._guard_shape_change(indicator, fields)
        if "status" in fields and fields["status"] is not None:
            await self._set_status(indicator, fields.pop("status"))
        await self._apply(indicator, fields)
        _check_range(indicator)
        await self.repository.flush()
        indicator = await self._reload(indicator.code)
        read = to_read(indicator)
        await self.audit.record(
            actor=principal,
            action="update",
            entity_type="indicator",
            entity_id=indicator.code,
            before=to_audit(before),
            after=to_audit(read),
        )
        return read, indicator.version

    async def retire_or_delete(
        self, *, principal: Principal, code: str, if_match: str | None
    ) -> tuple[IndicatorRead, int] | None:
        """Retire an indicator that has values (they are kept); delete one that never had any.

        Returns the retired indicator and its version, or None when it was deleted.
        """
        indicator = await self.get(code=code)
        if not principal.can(Permission.INDICATORS_WRITE, indicator.org_unit_id):
            raise PermissionDenied(f"You may not retire indicator {code}.")
        check_if_match(if_match, indicator.version)
        before = to_read(indicator)
        if await self.repository.has_values(indicator_id=indicator.id):
            await self._set_status(indicator, IndicatorStatus.RETIRED)
            await self.repository.flush()
            indicator = await self._reload(code)
            read = to_read(indicator)
            await self.audit.record(
                actor=principal,
                action="retire",
                entity_type="indicator",
                entity_id=code,
                before=to_audit(before),
                after=to_audit(read),
            )
            return read, indicator.version
        await self.repository.delete(indicator=indicator)
        await self.audit.record(
            actor=principal,
            action="delete",
            entity_type="indicator",
            entity_id=code,
            before=to_audit(before),
        )
        return None

    async def _set_status(self, indicator: Indicator, status: IndicatorStatus) -> None:
        if status is indicator.status:
            return
        indicator.status = status
        indicator.retired_at = utcnow() if status is IndicatorStatus.RETIRED else None

    async def _guard_shape_change(self, indicator: Indicator, fields: dict[str, Any]) -> None:
        """Frequency, polarity, value type and decimal places shape the data already held;
        they change only while there is none."""
        for field in ("frequency", "polarity", "value_type", "decimal_places"):
            new = fields.get(field)
            if new is None or new == getattr(indicator, field):
                continue
            if await self.repository.has_values(
                indicator_id=indicator.id
            ) or await self.repository.has_targets(indicator_id=indicator.id):
                raise IndicatorChangeRefused(
                    f"{indicator.code} already has targets or values; its {field} cannot change. "
                    "Retire it and create a new indicator instead."
                )

    async def _apply(self, indicator: Indicator, fields: dict[str, Any]) -> None:
        for field in _SIMPLE_FIELDS:
            if field in fields and (fields[field] is not None or field in _NULLABLE_FIELDS):
                setattr(indicator, field, fields[field])
        if "tolerance" in fields:
            tolerance = fields["tolerance"]
            indicator.tolerance_unit = tolerance["unit"] if tolerance else None
            indicator.green_within = tolerance["green_within"] if tolerance else None
            indicator.amber_within = tolerance["amber_within"] if tolerance else None
        if "owner_id" in fields:
            owner_id = fields["owner_id"]
            if owner_id is not None:
                await self._require_users([owner_id], field="owner_id")
            indicator.owner_id = owner_id
        if "collector_ids" in fields and fields["collector_ids"] is not None:
            ids = list(dict.fromkeys(fields["collector_ids"]))
            users = await self._require_users(ids, field="collector_ids")
            indicator.collectors = [users[i] for i in ids]
            # Collectors are part of the indicator's representation: a new version (ETag).
            indicator.updated_at = utcnow()
        elif indicator.id is None:
            indicator.collectors = []

    async def _require_users(self, ids: Sequence[uuid.UUID], *, field: str) -> dict[uuid.UUID, Any]:
        users = await self.repository.users(ids=ids)
        missing = [str(i) for i in ids if i not in users]
        if missing:
            raise InvalidInput(
                f"No user has the id {', '.join(missing)}.",
                errors=[field_error(field, "unknown user", "not_found")],
            )
        return users

    async def _reload(self, code: str) -> Indicator:
        indicator = await self.repository.by_code(code=code, reload=True)
        assert indicator is not None
        return indicator

    # Targets

    async def period_for_target(self, *, indicator: Indicator, period_code: str) -> Period:
        period = await self.periods.get(code=period_code)
        allowed = TARGET_KINDS[indicator.frequency]
        if period.kind not in allowed:
            raise WrongPeriodKind(
                f"A {indicator.frequency.value} indicator takes targets for "
                f"{', '.join(kind.value for kind in allowed)} periods, not {period.code}.",
                period=period.code,
            )
        return period

    async def list_targets(self, *, code: str) -> list[TargetRead]:
        indicator = await self.get(code=code)
        return [
            target_read(indicator, period, target)
            for target, period in await self.repository.targets(indicator_id=indicator.id)
        ]

    async def get_target(self, *, code: str, period_code: str) -> tuple[Indicator, Period, Target]:
        indicator = await self.get(code=code)
        period = await self.periods.get(code=period_code)
        target = await self.repository.target(indicator_id=indicator.id, period_id=period.id)
        if target is None:
            raise TargetNotFound(f"{code} has no target for {period_code}.")
        return indicator, period, target

    async def read_target(self, *, code: str, period_code: str) -> tuple[TargetRead, int]:
        """The target in force for one period and its version (the ETag)."""
        indicator, period, target = await self.get_target(code=code, period_code=period_code)
        return target_read(indicator, period, target), target.version

    async def set_target(
        self,
        *,
        principal: Principal,
        code: str,
        period_code: str,
        data: TargetIn,
        if_match: str | None,
    ) -> tuple[TargetRead, int, bool]:
        """Set or change a target; returns it, its version and whether it was created."""
        indicator = await self.get_active(code=code)
        if not principal.can(Permission.TARGETS_WRITE, indicator.org_unit_id):
            raise PermissionDenied(f"You may not set targets for {code}.")
        period = await self.period_for_target(indicator=indicator, period_code=period_code)
        await self.periods.require_not_closed(period=period)
        check_target_shape(indicator, data)
        target = await self.repository.target(indicator_id=indicator.id, period_id=period.id)
        created = target is None
        if target is None:
            target = Target(indicator_id=indicator.id, period_id=period.id, set_by_name="")
            self.session.add(target)
            before = None
        else:
            check_if_match(if_match, target.version)
            before = target_read(indicator, period, target)
        target.value, target.lower, target.upper, target.floor = (
            data.value,
            data.lower,
            data.upper,
            data.floor,
        )
        target.reason = data.reason
        target.set_by_id = principal.id
        target.set_by_name = principal.name
        target.set_at = utcnow()
        await self.repository.flush()
        self.session.add(
            TargetRevision(
                target_id=target.id,
                number=target.version,
                value=target.value,
                lower=target.lower,
                upper=target.upper,
                floor=target.floor,
                reason=target.reason,
                changed_by_id=principal.id,
                changed_by_name=principal.name,
                changed_at=target.set_at,
            )
        )
        await self.repository.flush()
        after = target_read(indicator, period, target)
        await self.audit.record(
            actor=principal,
            action="set_target",
            entity_type="target",
            entity_id=f"{indicator.code}/{period.code}",
            before=to_audit(before),
            after=to_audit(after),
            reason=data.reason,
        )
        await emit_many(self.session, target_events(after, created=created, by=principal.name))
        return after, target.version, created

    async def target_history(self, *, code: str, period_code: str) -> list[TargetRevisionRead]:
        _, _, target = await self.get_target(code=code, period_code=period_code)
        history: list[TargetRevisionRead] = []
        previous: TargetRevisionRead | None = None
        for revision in await self.repository.target_revisions(target_id=target.id):
            read = TargetRevisionRead(
                value=revision.value,
                lower=revision.lower,
                upper=revision.upper,
                floor=revision.floor,
                reason=revision.reason,
                changed_by_id=revision.changed_by_id,
                changed_by_name=revision.changed_by_name,
                changed_at=revision.changed_at,
                previous=previous.model_copy(update={"previous": None}) if previous else None,
            )
            history.append(read)
            previous = read
        return list(reversed(history))


def allowed_range(indicator: Indicator) -> Range:
    """What the indicator's figures may be (its own bounds, else its value type's)."""
    return range_of(
        value_type=indicator.value_type,
        min_value=indicator.min_value,
        max_value=indicator.max_value,
    )


def _check_range(indicator: Indicator) -> None:
    """min_value and max_value (or the value type's defaults) leave some figure possible."""
    problem = empty_range(allowed_range(indicator))
    if problem is not None:
        raise InvalidInput(
            f"{problem.msg}.", errors=[field_error(problem.bound, problem.msg, problem.kind)]
        )


def check_target_shape(indicator: Indicator, data: TargetIn) -> None:
    band = data.value is None
    if indicator.polarity is Polarity.WITHIN_RANGE and not band:
        raise TargetShapeMismatch(
            f"{indicator.code} is within_range: give lower and/or upper, not value.",
            errors=[field_error("value", "band expected", "target_shape")],
        )
    if indicator.polarity is not Polarity.WITHIN_RANGE and band:
        raise TargetShapeMismatch(
            f"{indicator.code} is {indicator.polarity.value}: give value, not a band.",
            errors=[field_error("lower", "point target expected", "target_shape")],
        )
    if data.floor is not None and data.value is not None:
        below = indicator.polarity is Polarity.HIGHER_IS_BETTER and data.floor > data.value
        above = indicator.polarity is Polarity.LOWER_IS_BETTER and data.floor < data.value
        if below or above:
            raise TargetShapeMismatch(
                "A floor is a minimum standard: it cannot be better than the target.",
                errors=[field_error("floor", "floor beyond target", "floor")],
            )
    for field in ("value", "lower", "upper", "floor"):
        number = getattr(data, field)
        if number is not None and not fits_decimal_places(number, indicator.decimal_places):
            raise TargetShapeMismatch(
                f"{field} has more than {indicator.decimal_places} decimal places.",
                errors=[field_error(field, "too many decimal places", "decimal_places")],
            )
    # A target is a figure the measure could take: a percentage target of 110 is a mistake.
    allowed = allowed_range(indicator)
    for field in ("value", "lower", "upper", "floor"):
        number = getattr(data, field)
        problem = None if number is None else breach(number, allowed, what=f"target {field}")
        if problem is not None:
            raise TargetShapeMismatch(
                f"{problem.msg}.", errors=[field_error(field, problem.msg, problem.kind)]
            )


def fits_decimal_places(number: Decimal, places: int) -> bool:
    """Exact to the indicator's decimal places (never silently rounded)."""
    return number == number.quantize(Decimal(1).scaleb(-places))
