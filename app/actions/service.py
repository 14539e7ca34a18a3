"""Action plans: who may change an action, how its progress is recorded, and its RAG."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.access.exceptions import PermissionDenied
from app.access.permissions import ROLE_PERMISSIONS, Permission, Role
from app.access.principal import Principal
from app.actions.exceptions import (
    ActionClosed,
    ActionNotFound,
    InvalidActionField,
    InvalidDates,
    UnknownReference,
)
from app.actions.models import Action, ActionStatus, ActionUpdate
from app.actions.repository import ActionFilter, ActionRepository, ActionRow
from app.actions.rules import (
    CLOSED,
    DEFAULT_THRESHOLDS,
    RagThresholds,
    action_rag,
    expected_percent,
    is_overdue,
    runs_from,
)
from app.actions.schemas import (
    ActionCreate,
    ActionPatch,
    ActionRead,
    ActionSettingsIn,
    ActionSettingsRead,
    ActionUpdateCreate,
    ActionUpdateRead,
)
from app.audit.service import AuditService, to_audit
from app.core.clock import today
from app.core.errors import field_error
from app.core.etag import check_if_match
from app.measures.vocabulary import TARGET_KINDS
from app.org.service import OrgService
from app.settings.models import CouncilSetting

SETTING_KEY = "action_rag"

# What an action's owner may change without managing actions in its org unit: its progress.
OWNER_FIELDS = frozenset({"description", "status", "percent_complete"})
# Fields that are never null; sending null for one is a 422, not "leave it alone".
_REQUIRED = ("title", "org_unit_code", "due_date", "status", "percent_complete")
# What fits an action's org unit is checked again when one of these changes.
_FIT_FIELDS = frozenset({"org_unit_code", "owner_id", "indicator_code", "period"})


def manages_actions(principal: Principal, org_unit_id: uuid.UUID) -> bool:
    """Holds actions:write over the unit through a role other than staff: may add, assign and
    change any action there. Staff hold actions:write only to update actions they own."""
    if not principal.can(Permission.ACTIONS_WRITE, org_unit_id):
        return False
    if not principal.is_user:
        return True
    for grant in principal.grants:
        if grant.role is Role.STAFF:
            continue
        if Permission.ACTIONS_WRITE not in ROLE_PERMISSIONS[grant.role]:
            continue
        if grant.org_unit_id is None:
            return True
        if principal.tree is not None and org_unit_id in principal.tree.subtree(grant.org_unit_id):
            return True
    return False


def owns(principal: Principal, action: Action) -> bool:
    return principal.is_user and action.owner_id == principal.id


def to_read(
    action: Action,
    *,
    org_unit_code: str,
    indicator_code: str | None,
    period_code: str | None,
    thresholds: RagThresholds,
    today: date,
) -> ActionRead:
    """An action as the API shows it, with its RAG, overdue flag and expected progress today."""
    start = runs_from(start_date=action.start_date, created_at=action.created_at)
    return ActionRead(
        id=action.id,
        title=action.title,
        description=action.description,
        owner_id=action.owner_id,
        org_unit_code=org_unit_code,
        start_date=action.start_date,
        due_date=action.due_date,
        status=action.status,
        percent_complete=action.percent_complete,
        completed_date=action.completed_date,
        indicator_code=indicator_code,
        period=period_code,
        objective_id=action.objective_id,
        risk_id=action.risk_id,
        project_id=action.project_id,
        recommendation_id=action.recommendation_id,
        rag=action_rag(
            status=action.status,
            percent_complete=action.percent_complete,
            start_date=start,
            due_date=action.due_date,
            today=today,
            thresholds=thresholds,
        ),
        overdue=is_overdue(status=action.status, due_date=action.due_date, today=today),
        expected_percent=None
        if action.status in CLOSED
        else expected_percent(start_date=start, due_date=action.due_date, today=today),
        created_at=action.created_at,
        updated_at=action.updated_at,
    )


def update_read(update: ActionUpdate) -> ActionUpdateRead:
    return ActionUpdateRead.model_validate(update)


def _settle(action: Action, *, status_given: bool, on: date) -> None:
    """Keep status, percent complete and completion date telling the same story: reaching
    100% completes the action, so it is never 100% done, in progress and overdue."""
    if action.percent_complete == 100 and action.status not in CLOSED:
        if status_given:
            raise InvalidActionField(
                f"An action 100% complete is completed, not {action.status.value}: send status "
                "completed (or leave it out), or a percent_complete below 100.",
                errors=[field_error("status", "completed when percent_complete is 100")],
            )
        action.status = ActionStatus.COMPLETED
    if action.status is ActionStatus.COMPLETED:
        action.percent_complete = 100
        if action.completed_date is None:
            action.completed_date = on
        return
    action.completed_date = None
    if not status_given and action.status is ActionStatus.NOT_STARTED and action.percent_complete:
        action.status = ActionStatus.IN_PROGRESS


def _check_dates(start_date: date | None, due_date: date) -> None:
    if start_date is not None and due_date < start_date:
        raise InvalidDates(
            f"due_date {due_date} is before start_date {start_date}.",
            errors=[field_error("due_date", "must not be before start_date")],
        )


class ActionService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = ActionRepository(session)
        self.org = OrgService(session)
        self.audit = AuditService(session)

    # Council-wide thresholds

    async def settings(self) -> tuple[ActionSettingsRead, int]:
        """The RAG thresholds and their version (0 while the defaults apply)."""
        row = await self.repository.setting(key=SETTING_KEY)
        value: dict[str, Any] = row.value if row else {}
        read = ActionSettingsRead(
            on_track_at=Decimal(str(value.get("on_track_at", DEFAULT_THRESHOLDS.on_track_at))),
            red_below=Decimal(str(value.get("red_below", DEFAULT_THRESHOLDS.red_below))),
        )
        return read, row.version if row else 0

    async def thresholds(self) -> RagThresholds:
        read, _ = await self.settings()
        return RagThresholds(on_track_at=read.on_track_at, red_below=read.red_below)

    async def update_settings(
        self, *, principal: Principal, data: ActionSettingsIn, if_match: str | None
    ) -> tuple[ActionSettingsRead, int]:
        before, version = await self.settings()
        check_if_match(if_match, version)
        value = {"on_track_at": str(data.on_track_at), "red_below": str(data.red_below)}
        row = await self.repository.setting(key=SETTING_KEY)
        if row is None:
            self.repository.add_setting(
                setting=CouncilSetting(key=SETTING_KEY, value=value, updated_by_id=principal.id)
            )
        else:
            row.value = value
            row.updated_by_id = principal.id
        await self.repository.flush()
        after, version = await self.settings()
        await self.audit.record(
            actor=principal,
            action="update",
            entity_type="setting",
            entity_id=SETTING_KEY,
            before=to_audit(before),
            after=to_audit(after),
        )
        return after, version

    # Reading

    async def get_row(self, *, action_id: uuid.UUID) -> ActionRow:
        row = await self.repository.row(action_id=action_id)
        if row is None:
            raise ActionNotFound(f"No action has the id {action_id}.")
        return row

    def _read(self, row: ActionRow, thresholds: RagThresholds) -> ActionRead:
        return to_read(
            row.action,
            org_unit_code=row.org_unit_code,
            indicator_code=row.indicator_code,
            period_code=row.period_code,
            thresholds=thresholds,
            today=today(),
        )

    async def read(self, *, action_id: uuid.UUID) -> tuple[ActionRead, int]:
        """One action and its version (the ETag)."""
        row = await self.get_row(action_id=action_id)
        return self._read(row, await self.thresholds()), row.action.version

    async def reads(self, *, actions: Sequence[Action]) -> list[ActionRead]:
        """Reads for actions loaded elsewhere (the exception report): four statements, whatever
        the number of actions."""
        if not actions:
            return []
        thresholds = await self.thresholds()
        units = await self.repository.org_unit_codes(ids={a.org_unit_id for a in actions})
        indicators = await self.repository.indicator_codes(
            ids={a.indicator_id for a in actions if a.indicator_id}
        )
        periods = await self.repository.period_codes(
            ids={a.period_id for a in actions if a.period_id}
        )
        on = today()
        return [
            to_read(
                action,
                org_unit_code=units[action.org_unit_id],
                indicator_code=indicators.get(action.indicator_id) if action.indicator_id else None,
                period_code=periods.get(action.period_id) if action.period_id else None,
                thresholds=thresholds,
                today=on,
            )
            for action in actions
        ]

    async def list_page(
        self, *, org_unit_code: str | None, filters: ActionFilter, offset: int, limit: int
    ) -> tuple[list[ActionRead], int]:
        if org_unit_code is not None:
            unit = await self.org.get_unit(code=org_unit_code)
            filters.org_unit_ids = (await self.org.tree()).subtree(unit.id)
        thresholds = await self.thresholds()
        rows, total = await self.repository.page(
            filters=filters, today=today(), offset=offset, limit=limit
        )
        return [self._read(row, thresholds) for row in rows], total

    async def list_updates(self, *, action_id: uuid.UUID) -> list[ActionUpdateRead]:
        row = await self.get_row(action_id=action_id)
        return [
            update_read(update) for update in await self.repository.updates(action_id=row.action.id)
        ]

    # Writing

    async def create(self, *, principal: Principal, data: ActionCreate) -> tuple[ActionRead, int]:
        unit = await self.org.resolve_code(code=data.org_unit_code, field="org_unit_code")
        assert unit is not None
        if not principal.can(Permission.ACTIONS_WRITE, unit.id):
            raise PermissionDenied(f"You may not add actions to {unit.code}.")
        if not manages_actions(principal, unit.id):
            raise PermissionDenied("Staff update the actions they own; a manager adds them.")
        _check_dates(data.start_date, data.due_date)
        action = Action(
            title=data.title,
            description=data.description,
            org_unit_id=unit.id,
            start_date=data.start_date,
            due_date=data.due_date,
            status=data.status,
            percent_complete=data.percent_complete,
        )
        fields = data.model_dump(exclude_unset=True)
        await self._apply_links(action, fields, current=(None, None))
        await self._check_fit(action)
        _settle(action, status_given="status" in data.model_fields_set, on=today())
        await self.repository.add(item=action)
        row = await self.get_row(action_id=action.id)
        created = self._read(row, await self.thresholds())
        await self.audit.record(
            actor=principal,
            action="create",
            entity_type="action",
            entity_id=action.id,
            after=to_audit(created),
        )
        return created, action.version

    async def update(
        self,
        *,
        principal: Principal,
        action_id: uuid.UUID,
        data: ActionPatch,
        if_match: str | None,
    ) -> tuple[ActionRead, int]:
        row = await self.get_row(action_id=action_id)
        action = row.action
        manager = self._check_may_update(principal, action)
        check_if_match(if_match, action.version)
        thresholds = await self.thresholds()
        before = self._read(row, thresholds)
        changes = data.model_dump(exclude_unset=True)
        for field in _REQUIRED:
            if field in changes and changes[field] is None:
                raise InvalidActionField(
                    f"{field} cannot be null.", errors=[field_error(field, "cannot be null")]
                )
        if not manager and set(changes) - OWNER_FIELDS:
            raise PermissionDenied(
                "As the action's owner you may change its description, status and percent "
                f"complete; {', '.join(sorted(set(changes) - OWNER_FIELDS))} need a manager."
            )
        if "org_unit_code" in changes:
            unit = await self.org.resolve_code(code=changes["org_unit_code"], field="org_unit_code")
            assert unit is not None
            if not manages_actions(principal, unit.id):
                raise PermissionDenied(f"You may not move actions to {unit.code}.")
            action.org_unit_id = unit.id
        _check_dates(
            changes.get("start_date", action.start_date), changes.get("due_date", action.due_date)
        )
        for field in ("title", "description", "start_date", "due_date", "status"):
            if field in changes:
                setattr(action, field, changes[field])
        if "percent_complete" in changes:
            action.percent_complete = changes["percent_complete"]
        await self._apply_links(action, changes, current=(row.indicator_code, row.period_code))
        if _FIT_FIELDS & set(changes):
            await self._check_fit(action)
        _settle(action, status_given="status" in changes, on=today())
        await self.repository.flush()
        after_row = await self.get_row(action_id=action.id)
        after = self._read(after_row, thresholds)
        await self.audit.record(
            actor=principal,
            action="update",
            entity_type="action",
            entity_id=action.id,
            before=to_audit(before),
            after=to_audit(after),
        )
        return after, action.version

    async def add_update(
        self,
        *,
        principal: Principal,
        action_id: uuid.UUID,
        data: ActionUpdateCreate,
        if_match: str | None,
    ) -> tuple[ActionUpdateRead, int]:
        """Record dated progress, and bring the action up to date with it."""
        row = await self.get_row(action_id=action_id)
        action = row.action
        self._check_may_update(principal, action)
        check_if_match(if_match, action.version)
        if action.status in CLOSED and data.status is None:
            raise ActionClosed(
                f"The action is {action.status.value}; give a status to reopen it with this update."
            )
        on = data.update_date or today()
        if on > today():
            raise InvalidActionField(
                f"update_date {on} is in the future.",
                errors=[field_error("update_date", "must not be in the future")],
            )
        thresholds = await self.thresholds()
        before = self._read(row, thresholds)
        action.percent_complete = data.percent_complete
        if data.status is not None:
            action.status = data.status
        _settle(action, status_given=data.status is not None, on=on)
        update = ActionUpdate(
            action_id=action.id,
            note=data.note,
            update_date=on,
            percent_complete=action.percent_complete,
            status=action.status,
            by_id=principal.id,
            by_name=principal.name,
        )
        await self.repository.add(item=update)
        created = update_read(update)
        after = self._read(await self.get_row(action_id=action.id), thresholds)
        # Two records of one change: the update itself (its note is unbounded text, so it goes
        # in the snapshot, not the short `reason`), and what it did to the action.
        await self.audit.record(
            actor=principal,
            action="create",
            entity_type="action_update",
            entity_id=update.id,
            after=to_audit(created),
        )
        await self.audit.record(
            actor=principal,
            action="update",
            entity_type="action",
            entity_id=action.id,
            before=to_audit(before),
            after=to_audit(after),
        )
        return created, action.version

    def _check_may_update(self, principal: Principal, action: Action) -> bool:
        """403 unless the principal manages actions in the unit or owns this one; returns
        whether they manage them."""
        if not principal.can(Permission.ACTIONS_WRITE, action.org_unit_id):
            raise PermissionDenied("You may not change actions in this org unit.")
        if manages_actions(principal, action.org_unit_id):
            return True
        if owns(principal, action):
            return False
        raise PermissionDenied("You may update only the actions you own.")

    async def _apply_links(
        self, action: Action, fields: dict[str, Any], *, current: tuple[str | None, str | None]
    ) -> None:
        """Owner, and what the action answers: a measure in a period, an objective, a risk."""
        if fields.get("owner_id") is not None and not await self.repository.user_exists(
            user_id=fields["owner_id"]
        ):
            raise UnknownReference(
                f"No user has the id {fields['owner_id']}.",
                errors=[field_error("owner_id", "unknown user", "not_found")],
            )
        if "owner_id" in fields:
            action.owner_id = fields["owner_id"]
        if "indicator_code" in fields or "period" in fields:
            indicator_code = fields.get("indicator_code", current[0])
            period_code = fields.get("period", current[1])
            action.indicator_id, action.period_id = await self._measure(indicator_code, period_code)
        exists: dict[str, Callable[[uuid.UUID], Awaitable[bool]]] = {
            "objective_id": lambda i: self.repository.objective_exists(objective_id=i),
            "risk_id": lambda i: self.repository.risk_exists(risk_id=i),
            "project_id": lambda i: self.repository.project_exists(project_id=i),
            "recommendation_id": lambda i: self.repository.recommendation_exists(
                recommendation_id=i
            ),
        }
        for field, noun in (
            ("objective_id", "objective"),
            ("risk_id", "risk"),
            ("project_id", "project"),
            ("recommendation_id", "recommendation"),
        ):
            if field not in fields:
                continue
            target = fields[field]
            if target is not None and not await exists[field](target):
                raise UnknownReference(
                    f"No {noun} has the id {target}.",
                    errors=[field_error(field, f"unknown {noun}", "not_found")],
                )
            setattr(action, field, target)

    async def _check_fit(self, action: Action) -> None:
        """422 unless the measure it answers sits on the action's line of the organisation
        (at, above or below its org unit), and its owner may act on actions there (a
        councillor or auditor may not; a team member may not own a service's action)."""
        tree = await self.org.tree()
        unit = action.org_unit_id
        if action.indicator_id is not None:
            measure_unit = await self.repository.indicator_org_unit(
                indicator_id=action.indicator_id
            )
            if measure_unit is not None and not (
                measure_unit in tree.subtree(unit) or unit in tree.subtree(measure_unit)
            ):
                raise InvalidActionField(
                    "The measure belongs to another part of the council than the action.",
                    errors=[
                        field_error("indicator_code", "outside the action's org unit", "scope")
                    ],
                )
        if action.owner_id is not None:
            grants = await self.repository.owner_grants(user_id=action.owner_id)
            if not any(
                Permission.ACTIONS_WRITE in ROLE_PERMISSIONS[role]
                and (grant_unit is None or unit in tree.subtree(grant_unit))
                for role, grant_unit in grants
            ):
                raise InvalidActionField(
                    "The owner cannot act on actions in this org unit: they need a role that "
                    "updates actions here (not a councillor or auditor, not elsewhere).",
                    errors=[field_error("owner_id", "cannot act on actions here", "scope")],
                )

    async def _measure(
        self, indicator_code: str | None, period_code: str | None
    ) -> tuple[uuid.UUID | None, uuid.UUID | None]:
        if indicator_code is None and period_code is None:
            return None, None
        if indicator_code is None or period_code is None:
            missing = "indicator_code" if indicator_code is None else "period"
            raise InvalidActionField(
                "An action answers a measure in a period: give indicator_code and period together.",
                errors=[field_error(missing, "required with the other", "missing")],
            )
        indicator = await self.repository.indicator_by_code(code=indicator_code)
        if indicator is None:
            raise UnknownReference(
                f"No indicator has the code {indicator_code!r}.",
                errors=[field_error("indicator_code", "unknown indicator", "not_found")],
            )
        period = await self.repository.period_by_code(code=period_code)
        if period is None:
            raise UnknownReference(
                f"No period has the code {period_code!r}.",
                errors=[field_error("period", "unknown period", "not_found")],
            )
        if period.kind not in TARGET_KINDS[indicator.frequency]:
            raise InvalidActionField(
                f"{indicator.code} is {indicator.frequency.value}; it has no status for "
                f"{period.code}.",
                errors=[field_error("period", "no status for this indicator in this period")],
            )
        return indicator.id, period.id
