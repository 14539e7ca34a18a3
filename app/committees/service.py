"""Committees and boards: which measures, plans and risks are reported to each."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.access.exceptions import PermissionDenied
from app.access.permissions import Permission
from app.access.principal import Principal
from app.audit.service import AuditService, to_audit
from app.committees.exceptions import CommitteeNameTaken, CommitteeNotFound, UnknownReference
from app.committees.models import Committee, committee_indicator, committee_plan, committee_risk
from app.committees.repository import CommitteeRepository
from app.committees.schemas import CommitteeCreate, CommitteeRead, CommitteeUpdate
from app.core.errors import field_error
from app.core.etag import check_if_match
from app.plans.models import Plan
from app.risks.models import Risk


class CommitteeService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = CommitteeRepository(session)
        self.audit = AuditService(session)

    async def get(self, *, committee_id: uuid.UUID) -> Committee:
        committee = await self.repository.get(committee_id=committee_id)
        if committee is None:
            raise CommitteeNotFound(f"No committee has the id {committee_id}.")
        return committee

    async def _read_many(self, committees: list[Committee]) -> list[CommitteeRead]:
        indicators, plans, risks = await self.repository.links(ids=[c.id for c in committees])
        return [
            CommitteeRead(
                id=c.id,
                name=c.name,
                description=c.description,
                indicator_codes=indicators.get(c.id, []),
                plan_ids=sorted(plans.get(c.id, [])),
                risk_ids=sorted(risks.get(c.id, [])),
                created_at=c.created_at,
                updated_at=c.updated_at,
            )
            for c in committees
        ]

    async def read(self, *, committee_id: uuid.UUID) -> tuple[CommitteeRead, int]:
        """One committee and its version (the ETag)."""
        committee = await self.get(committee_id=committee_id)
        return await self._read(committee), committee.version

    async def _read(self, committee: Committee) -> CommitteeRead:
        return (await self._read_many([committee]))[0]

    async def list_committees(self, *, offset: int, limit: int) -> tuple[list[CommitteeRead], int]:
        rows, total = await self.repository.list_page(offset=offset, limit=limit)
        return await self._read_many(list(rows)), total

    @staticmethod
    def _require_write(principal: Principal) -> None:
        # Committees report on the whole council, so only council-wide plan writers set them up.
        if not principal.scope(Permission.PLANS_WRITE).everywhere:
            raise PermissionDenied("Only the performance team or an admin manages committees.")

    async def create(
        self, *, principal: Principal, data: CommitteeCreate
    ) -> tuple[CommitteeRead, int]:
        self._require_write(principal)
        if await self.repository.by_name(name=data.name) is not None:
            raise CommitteeNameTaken(f"A committee called {data.name!r} exists already.")
        committee = Committee(name=data.name, description=data.description)
        await self.repository.add(committee=committee)
        await self._links(committee, data.model_dump(exclude_unset=True))
        read = await self._read(committee)
        await self.audit.record(
            actor=principal,
            action="create",
            entity_type="committee",
            entity_id=committee.id,
            after=to_audit(read),
        )
        return read, committee.version

    async def update(
        self,
        *,
        principal: Principal,
        committee_id: uuid.UUID,
        data: CommitteeUpdate,
        if_match: str | None,
    ) -> tuple[CommitteeRead, int]:
        self._require_write(principal)
        committee = await self.get(committee_id=committee_id)
        check_if_match(if_match, committee.version)
        before = await self._read(committee)
        changes = data.model_dump(exclude_unset=True)
        if changes.get("name") and changes["name"] != committee.name:
            if await self.repository.by_name(name=changes["name"]) is not None:
                raise CommitteeNameTaken(f"A committee called {changes['name']!r} exists already.")
            committee.name = changes["name"]
        if "description" in changes:
            committee.description = changes["description"]
        await self.repository.flush()
        await self._links(committee, changes)
        after = await self._read(committee)
        await self.audit.record(
            actor=principal,
            action="update",
            entity_type="committee",
            entity_id=committee.id,
            before=to_audit(before),
            after=to_audit(after),
        )
        return after, committee.version

    async def _links(self, committee: Committee, changes: dict[str, Any]) -> None:
        if changes.get("indicator_codes") is not None:
            codes = list(dict.fromkeys(changes["indicator_codes"]))
            found = await self.repository.indicator_ids(codes=codes)
            _require_all("indicator_codes", codes, found.keys())
            await self.repository.replace_links(
                table=committee_indicator,
                committee_id=committee.id,
                column="indicator_id",
                ids=[found[code] for code in codes],
            )
        for field, model, table, column in (
            ("plan_ids", Plan, committee_plan, "plan_id"),
            ("risk_ids", Risk, committee_risk, "risk_id"),
        ):
            if changes.get(field) is not None:
                ids = list(dict.fromkeys(changes[field]))
                _require_all(field, ids, await self.repository.existing(model=model, ids=ids))
                await self.repository.replace_links(
                    table=table, committee_id=committee.id, column=column, ids=ids
                )


def _require_all(field: str, wanted: list[Any], found: Any) -> None:
    missing = [str(item) for item in wanted if item not in found]
    if missing:
        raise UnknownReference(
            f"Unknown {field.removesuffix('s').replace('_', ' ')}: {', '.join(missing)}.",
            errors=[field_error(field, "unknown reference", "not_found")],
        )
