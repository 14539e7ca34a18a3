"""The recommendations register: recommendations of audits, inspections, reviews, scrutiny
and peer challenge, the actions answering them, and who may call one implemented."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.access.exceptions import PermissionDenied
from app.access.permissions import Permission, Role
from app.access.principal import Principal
from app.actions.models import Action, ActionStatus
from app.audit.service import AuditService, to_audit
from app.core.clock import today
from app.core.errors import field_error
from app.core.etag import check_if_match
from app.org.service import OrgService
from app.recommendations.exceptions import (
    InvalidRecommendationField,
    OpenActions,
    RecommendationNotFound,
    ReferenceTaken,
    UnknownReference,
)
from app.recommendations.models import (
    Recommendation,
    RecommendationPriority,
    RecommendationStatus,
)
from app.recommendations.repository import (
    OUTSTANDING,
    RecommendationFilter,
    RecommendationRepository,
    RecommendationRow,
)
from app.recommendations.schemas import (
    RecommendationCreate,
    RecommendationPatch,
    RecommendationRead,
)
from app.users.repository import UserRepository

_REQUIRED = ("source", "reference", "title", "priority", "org_unit_code", "due_date", "status")
_FIELDS = ("source", "reference", "title", "detail", "received_date", "priority", "due_date")
# An action no longer pending: done, or dropped with a reason of its own.
_DONE = frozenset({ActionStatus.COMPLETED, ActionStatus.CANCELLED})


def may_implement(
    principal: Principal, org_unit_id: uuid.UUID, *, owner_managers: Collection[uuid.UUID] = ()
) -> bool:
    """Calls a recommendation implemented (or takes that back): its owner's line manager (or
    a manager above them), the performance team, an admin, or a director over its org unit."""
    if not principal.is_user:
        return False
    if principal.id in owner_managers:
        return True
    for grant in principal.grants:
        if grant.role in (Role.ADMIN, Role.PERFORMANCE_TEAM):
            return True
        if grant.role is Role.DIRECTOR and (
            grant.org_unit_id is None
            or (
                principal.tree is not None
                and org_unit_id in principal.tree.subtree(grant.org_unit_id)
            )
        ):
            return True
    return False


def is_overdue(recommendation: Recommendation, *, on: date) -> bool:
    return recommendation.status in OUTSTANDING and recommendation.due_date < on


def to_read(row: RecommendationRow, actions: Sequence[Action], *, on: date) -> RecommendationRead:
    rec = row.recommendation
    return RecommendationRead(
        id=rec.id,
        source=rec.source,
        reference=rec.reference,
        title=rec.title,
        detail=rec.detail,
        received_date=rec.received_date,
        priority=rec.priority,
        org_unit_code=row.org_unit_code,
        owner_id=rec.owner_id,
        due_date=rec.due_date,
        status=rec.status,
        overdue=is_overdue(rec, on=on),
        implemented_date=rec.implemented_date,
        implemented_by_id=rec.implemented_by_id,
        implemented_by_name=rec.implemented_by_name,
        action_ids=[action.id for action in actions],
        actions_open=sum(action.status not in _DONE for action in actions),
        created_at=rec.created_at,
        updated_at=rec.updated_at,
    )


class RecommendationService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = RecommendationRepository(session)
        self.org = OrgService(session)
        self.audit = AuditService(session)

    # Reading

    async def _row(self, recommendation_id: uuid.UUID) -> RecommendationRow:
        row = await self.repository.row(recommendation_id=recommendation_id)
        if row is None:
            raise RecommendationNotFound(f"No recommendation has the id {recommendation_id}.")
        return row

    async def _reads(self, rows: Sequence[RecommendationRow]) -> list[RecommendationRead]:
        actions = await self.repository.actions(
            recommendation_ids=[row.recommendation.id for row in rows]
        )
        on = today()
        return [to_read(row, actions.get(row.recommendation.id, []), on=on) for row in rows]

    async def read(self, *, recommendation_id: uuid.UUID) -> tuple[RecommendationRead, int]:
        row = await self._row(recommendation_id)
        return (await self._reads([row]))[0], row.recommendation.version

    async def list_page(
        self,
        *,
        org_unit_code: str | None,
        filters: RecommendationFilter,
        offset: int,
        limit: int,
    ) -> tuple[list[RecommendationRead], int]:
        if org_unit_code is not None:
            unit = await self.org.get_unit(code=org_unit_code)
            filters.org_unit_ids = (await self.org.tree()).subtree(unit.id)
        rows, total = await self.repository.page(
            filters=filters, today=today(), offset=offset, limit=limit
        )
        return await self._reads(rows), total

    async def overdue_high_priority(
        self, *, org_unit_ids: Collection[uuid.UUID] | None
    ) -> list[RecommendationRead]:
        """High-priority recommendations past their due date and not yet implemented, in
        these org units (None: the whole council), by due date: what the exception report and
        the data-quality view call out. At most 500."""
        filters = RecommendationFilter(
            org_unit_ids=org_unit_ids, priority=RecommendationPriority.HIGH, overdue=True
        )
        rows, _ = await self.repository.page(filters=filters, today=today(), offset=0, limit=500)
        return await self._reads(rows)

    # Writing

    def _check_may_write(self, principal: Principal, org_unit_id: uuid.UUID, code: str) -> None:
        if not principal.can(Permission.PLANS_WRITE, org_unit_id):
            raise PermissionDenied(f"You may not change recommendations for {code}.")

    async def create(
        self, *, principal: Principal, data: RecommendationCreate
    ) -> tuple[RecommendationRead, int]:
        unit = await self.org.resolve_code(code=data.org_unit_code, field="org_unit_code")
        assert unit is not None
        self._check_may_write(principal, unit.id, unit.code)
        if data.status is RecommendationStatus.IMPLEMENTED:
            raise InvalidRecommendationField(
                "A recommendation is recorded first and implemented through its actions.",
                errors=[field_error("status", "open, in_progress or not_accepted when recorded")],
            )
        if await self.repository.by_reference(reference=data.reference) is not None:
            raise ReferenceTaken(f"The reference {data.reference!r} is already used.")
        await self._check_owner(data.owner_id)
        recommendation = Recommendation(
            **data.model_dump(include=set(_FIELDS)),
            org_unit_id=unit.id,
            owner_id=data.owner_id,
            status=data.status,
        )
        await self.repository.add(recommendation=recommendation)
        created = (await self._reads([await self._row(recommendation.id)]))[0]
        await self.audit.record(
            actor=principal,
            action="create",
            entity_type="recommendation",
            entity_id=recommendation.id,
            after=to_audit(created),
        )
        return created, recommendation.version

    async def update(
        self,
        *,
        principal: Principal,
        recommendation_id: uuid.UUID,
        data: RecommendationPatch,
        if_match: str | None,
    ) -> tuple[RecommendationRead, int]:
        row = await self._row(recommendation_id)
        rec = row.recommendation
        self._check_may_write(principal, rec.org_unit_id, row.org_unit_code)
        check_if_match(if_match, rec.version)
        before = (await self._reads([row]))[0]
        changes: dict[str, Any] = data.model_dump(exclude_unset=True)
        for field in _REQUIRED:
            if field in changes and changes[field] is None:
                raise InvalidRecommendationField(
                    f"{field} cannot be null.", errors=[field_error(field, "cannot be null")]
                )
        if (
            "reference" in changes
            and changes["reference"] != rec.reference
            and await self.repository.by_reference(reference=changes["reference"]) is not None
        ):
            raise ReferenceTaken(f"The reference {changes['reference']!r} is already used.")
        if "org_unit_code" in changes:
            unit = await self.org.resolve_code(code=changes["org_unit_code"], field="org_unit_code")
            assert unit is not None
            self._check_may_write(principal, unit.id, unit.code)
            rec.org_unit_id = unit.id
        if "owner_id" in changes:
            await self._check_owner(changes["owner_id"])
            rec.owner_id = changes["owner_id"]
        if "status" in changes and changes["status"] is not rec.status:
            actions = await self.repository.actions(recommendation_ids=[rec.id])
            managers = (
                await UserRepository(self.session).manager_chain(user_id=rec.owner_id)
                if rec.owner_id
                else ()
            )
            self._change_status(
                principal, row, actions.get(rec.id, []), changes["status"], managers
            )
        for field in _FIELDS:
            if field in changes:
                setattr(rec, field, changes[field])
        await self.repository.flush()
        after = (await self._reads([await self._row(rec.id)]))[0]
        await self.audit.record(
            actor=principal,
            action="update",
            entity_type="recommendation",
            entity_id=rec.id,
            before=to_audit(before),
            after=to_audit(after),
        )
        return after, rec.version

    def _change_status(
        self,
        principal: Principal,
        row: RecommendationRow,
        actions: Sequence[Action],
        status: RecommendationStatus,
        owner_managers: Collection[uuid.UUID],
    ) -> None:
        rec = row.recommendation
        implemented = RecommendationStatus.IMPLEMENTED
        if implemented in (status, rec.status) and not may_implement(
            principal, rec.org_unit_id, owner_managers=owner_managers
        ):
            raise PermissionDenied(
                "Only the owner's line manager, the performance team, an admin or a director "
                f"over {row.org_unit_code} may say whether a recommendation is implemented."
            )
        if status is implemented:
            pending = [action for action in actions if action.status not in _DONE]
            if pending:
                raise OpenActions(
                    f"{len(pending)} of the {len(actions)} actions answering {rec.reference} "
                    "are still open; complete or cancel them first.",
                    open_actions=[
                        {
                            "id": str(action.id),
                            "title": action.title,
                            "status": action.status.value,
                            "percent_complete": action.percent_complete,
                        }
                        for action in pending
                    ],
                )
            rec.implemented_date = today()
            rec.implemented_by_id, rec.implemented_by_name = principal.id, principal.name
        else:
            rec.implemented_date = rec.implemented_by_id = rec.implemented_by_name = None
        rec.status = status

    async def _check_owner(self, owner_id: uuid.UUID | None) -> None:
        if owner_id is not None and not await self.repository.user_exists(user_id=owner_id):
            raise UnknownReference(
                f"No user has the id {owner_id}.",
                errors=[field_error("owner_id", "unknown user", "not_found")],
            )
