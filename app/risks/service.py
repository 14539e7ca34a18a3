"""The risk register: scores on the 5 x 5 matrix, controls, mitigating actions, reviews."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import flag_modified

from app.access.exceptions import PermissionDenied
from app.access.permissions import Permission
from app.access.principal import Principal
from app.audit.service import AuditService, to_audit
from app.core.clock import today, utcnow
from app.core.errors import field_error
from app.core.etag import check_if_match
from app.org.service import OrgService
from app.risks.exceptions import (
    InvalidRiskField,
    RiskCodeTaken,
    RiskNotFound,
    UnknownReference,
)
from app.risks.models import Risk, RiskStatus
from app.risks.repository import RiskFilter, RiskRepository, RiskRow
from app.risks.schemas import (
    MatrixCell,
    RiskCreate,
    RiskMatrixRead,
    RiskPatch,
    RiskRead,
    ScoreRead,
)

SCALE = range(1, 6)
SCORES = ("inherent", "current", "target")
_TEXT_FIELDS = ("title", "cause", "effect", "category", "controls", "review_date", "status")
# Fields that are never null; sending null for one is a 422, not "leave it alone".
_REQUIRED = ("title", "org_unit_code", "status", "objective_ids", *SCORES)


def score(likelihood: int, impact: int) -> ScoreRead:
    return ScoreRead(likelihood=likelihood, impact=impact, score=likelihood * impact)


def review_overdue(*, status: RiskStatus, review_date: date | None, today: date) -> bool:
    """An open risk whose review date has passed."""
    return status is RiskStatus.OPEN and review_date is not None and review_date < today


def to_read(
    risk: Risk,
    *,
    org_unit_code: str,
    objective_ids: Sequence[uuid.UUID],
    action_ids: Sequence[uuid.UUID],
    today: date,
) -> RiskRead:
    return RiskRead(
        id=risk.id,
        code=risk.code,
        title=risk.title,
        cause=risk.cause,
        effect=risk.effect,
        owner_id=risk.owner_id,
        org_unit_code=org_unit_code,
        category=risk.category,
        inherent=score(risk.inherent_likelihood, risk.inherent_impact),
        current=score(risk.current_likelihood, risk.current_impact),
        target=score(risk.target_likelihood, risk.target_impact),
        controls=risk.controls,
        review_date=risk.review_date,
        review_overdue=review_overdue(
            status=risk.status, review_date=risk.review_date, today=today
        ),
        status=risk.status,
        objective_ids=list(objective_ids),
        action_ids=list(action_ids),
        created_at=risk.created_at,
        updated_at=risk.updated_at,
    )


def matrix_read(counts: dict[tuple[int, int], int]) -> RiskMatrixRead:
    """All 25 cells, likelihood then impact ascending, zeros included."""
    cells = [
        MatrixCell(
            likelihood=likelihood,
            impact=impact,
            score=likelihood * impact,
            count=counts.get((likelihood, impact), 0),
        )
        for likelihood in SCALE
        for impact in SCALE
    ]
    return RiskMatrixRead(cells=cells, total=sum(cell.count for cell in cells))


class RiskService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = RiskRepository(session)
        self.org = OrgService(session)
        self.audit = AuditService(session)

    # Reading

    async def get_row(self, *, risk_id: uuid.UUID) -> RiskRow:
        row = await self.repository.row(risk_id=risk_id)
        if row is None:
            raise RiskNotFound(f"No risk has the id {risk_id}.")
        return row

    async def _reads(self, rows: Sequence[RiskRow]) -> list[RiskRead]:
        """Reads with their objectives and actions: two statements, whatever the number."""
        ids = [row.risk.id for row in rows]
        objectives = await self.repository.objective_ids(risk_ids=ids)
        actions = await self.repository.action_ids(risk_ids=ids)
        on = today()
        return [
            to_read(
                row.risk,
                org_unit_code=row.org_unit_code,
                objective_ids=objectives.get(row.risk.id, []),
                action_ids=actions.get(row.risk.id, []),
                today=on,
            )
            for row in rows
        ]

    async def read(self, *, risk_id: uuid.UUID) -> tuple[RiskRead, int]:
        """One risk and its version (the ETag)."""
        row = await self.get_row(risk_id=risk_id)
        return (await self._reads([row]))[0], row.risk.version

    async def _scope(self, org_unit_code: str | None, filters: RiskFilter) -> None:
        if org_unit_code is not None:
            unit = await self.org.get_unit(code=org_unit_code)
            filters.org_unit_ids = (await self.org.tree()).subtree(unit.id)

    async def list_page(
        self, *, org_unit_code: str | None, filters: RiskFilter, offset: int, limit: int
    ) -> tuple[list[RiskRead], int]:
        await self._scope(org_unit_code, filters)
        rows, total = await self.repository.page(
            filters=filters, today=today(), offset=offset, limit=limit
        )
        return await self._reads(rows), total

    async def matrix(self, *, org_unit_code: str | None, filters: RiskFilter) -> RiskMatrixRead:
        await self._scope(org_unit_code, filters)
        return matrix_read(await self.repository.matrix(filters=filters, today=today()))

    # Writing

    async def create(self, *, principal: Principal, data: RiskCreate) -> tuple[RiskRead, int]:
        unit = await self.org.resolve_code(code=data.org_unit_code, field="org_unit_code")
        assert unit is not None
        if not principal.can(Permission.RISKS_WRITE, unit.id):
            raise PermissionDenied(f"You may not add risks to {unit.code}.")
        if await self.repository.by_code(code=data.code) is not None:
            raise RiskCodeTaken(f"The risk code {data.code!r} is already used.")
        risk = Risk(code=data.code, org_unit_id=unit.id)
        fields = data.model_dump(exclude_unset=True)
        fields.setdefault("status", data.status)
        objective_ids = await self._apply(risk, fields)
        await self.repository.add(risk=risk)
        if objective_ids is not None:
            await self.repository.set_objectives(risk_id=risk.id, objective_ids=objective_ids)
        created = (await self._reads([RiskRow(risk, unit.code)]))[0]
        await self.audit.record(
            actor=principal,
            action="create",
            entity_type="risk",
            entity_id=risk.id,
            after=to_audit(created),
        )
        return created, risk.version

    async def update(
        self, *, principal: Principal, risk_id: uuid.UUID, data: RiskPatch, if_match: str | None
    ) -> tuple[RiskRead, int]:
        row = await self.get_row(risk_id=risk_id)
        risk = row.risk
        if not principal.can(Permission.RISKS_WRITE, risk.org_unit_id):
            raise PermissionDenied(f"You may not change risk {risk.code}.")
        check_if_match(if_match, risk.version)
        before = (await self._reads([row]))[0]
        changes = data.model_dump(exclude_unset=True)
        for field in _REQUIRED:
            if field in changes and changes[field] is None:
                raise InvalidRiskField(
                    f"{field} cannot be null.", errors=[field_error(field, "cannot be null")]
                )
        if "org_unit_code" in changes:
            unit = await self.org.resolve_code(code=changes["org_unit_code"], field="org_unit_code")
            assert unit is not None
            if not principal.can(Permission.RISKS_WRITE, unit.id):
                raise PermissionDenied(f"You may not move risks to {unit.code}.")
            risk.org_unit_id = unit.id
        objective_ids = await self._apply(risk, changes)
        if objective_ids is not None and sorted(objective_ids) != sorted(before.objective_ids):
            await self.repository.set_objectives(risk_id=risk.id, objective_ids=objective_ids)
            # The links live in their own table; changing them changes the risk (and its ETag).
            risk.updated_at = utcnow()
            flag_modified(risk, "updated_at")  # an UPDATE even when the clock has not moved
        await self.repository.flush()
        after = (await self._reads([await self.get_row(risk_id=risk.id)]))[0]
        await self.audit.record(
            actor=principal,
            action="update",
            entity_type="risk",
            entity_id=risk.id,
            before=to_audit(before),
            after=to_audit(after),
        )
        return after, risk.version

    async def _apply(self, risk: Risk, fields: dict[str, Any]) -> list[uuid.UUID] | None:
        """Set the risk's own fields; returns the objective ids to link, when given."""
        for field in _TEXT_FIELDS:
            if field in fields:
                setattr(risk, field, fields[field])
        for part in SCORES:
            if part in fields:
                setattr(risk, f"{part}_likelihood", fields[part]["likelihood"])
                setattr(risk, f"{part}_impact", fields[part]["impact"])
        if "owner_id" in fields:
            owner_id = fields["owner_id"]
            if owner_id is not None and not await self.repository.user_exists(user_id=owner_id):
                raise UnknownReference(
                    f"No user has the id {owner_id}.",
                    errors=[field_error("owner_id", "unknown user", "not_found")],
                )
            risk.owner_id = owner_id
        if fields.get("objective_ids") is None:
            return None
        ids = list(dict.fromkeys(fields["objective_ids"]))
        existing = await self.repository.existing_objectives(ids=ids)
        missing = [str(i) for i in ids if i not in existing]
        if missing:
            raise UnknownReference(
                f"No objective has the id {', '.join(missing)}.",
                errors=[field_error("objective_ids", "unknown objective", "not_found")],
            )
        return ids
