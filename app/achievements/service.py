"""Key achievements: recorded by anyone who may write in the org unit, approved by someone
else who may approve values there, then shared in reports and, where public, on the public
pages."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.access.exceptions import PermissionDenied
from app.access.permissions import Permission
from app.access.principal import Principal, Scope
from app.achievements.exceptions import (
    AchievementNotFound,
    AlreadyApproved,
    InvalidAchievementField,
    UnknownReference,
)
from app.achievements.models import (
    Achievement,
    AchievementStatus,
    achievement_indicator,
    achievement_objective,
    achievement_project,
)
from app.achievements.repository import (
    AchievementFilter,
    AchievementLinks,
    AchievementRepository,
    AchievementRow,
)
from app.achievements.schemas import (
    AchievementCreate,
    AchievementPatch,
    AchievementRead,
    PublicAchievement,
)
from app.audit.service import AuditService, to_audit
from app.core.clock import utcnow
from app.core.errors import field_error
from app.core.etag import check_if_match
from app.org.service import OrgService
from app.periods.models import Period
from app.plans.models import Objective
from app.projects.models import Project

_REQUIRED = ("title", "period", "org_unit_code", "is_public")
_WRITE = Permission.ACTIONS_WRITE


def drafts_scope(principal: Principal) -> Scope:
    """Where the principal sees draft achievements: where they may write or approve them,
    and everywhere for those who read internal figures (performance team, auditors)."""
    scopes = [
        principal.scope(p)
        for p in (_WRITE, Permission.VALUES_APPROVE, Permission.VALUES_READ_INTERNAL)
    ]
    if any(scope.everywhere for scope in scopes):
        return Scope(everywhere=True)
    return Scope(everywhere=False, unit_ids=frozenset().union(*(s.unit_ids for s in scopes)))


def to_read(row: AchievementRow, links: AchievementLinks) -> AchievementRead:
    achievement = row.achievement
    return AchievementRead(
        id=achievement.id,
        title=achievement.title,
        description=achievement.description,
        period=row.period_code,
        org_unit_code=row.org_unit_code,
        objective_ids=links.objectives.get(achievement.id, []),
        indicator_codes=links.indicators.get(achievement.id, []),
        project_ids=links.projects.get(achievement.id, []),
        is_public=achievement.is_public,
        status=achievement.status,
        author_id=achievement.author_id,
        author_name=achievement.author_name,
        approved_by_id=achievement.approved_by_id,
        approved_by_name=achievement.approved_by_name,
        approved_at=achievement.approved_at,
        created_at=achievement.created_at,
        updated_at=achievement.updated_at,
    )


class AchievementService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = AchievementRepository(session)
        self.org = OrgService(session)
        self.audit = AuditService(session)

    # Reading

    async def _row(
        self, *, principal: Principal | None, achievement_id: uuid.UUID
    ) -> AchievementRow:
        row = await self.repository.row(achievement_id=achievement_id)
        visible = row is not None and (
            row.achievement.status is AchievementStatus.APPROVED
            or (
                principal is not None
                and drafts_scope(principal).covers(row.achievement.org_unit_id)
            )
        )
        if row is None or not visible:
            raise AchievementNotFound(f"No achievement has the id {achievement_id}.")
        return row

    async def _reads(self, rows: Sequence[AchievementRow]) -> list[AchievementRead]:
        links = await self.repository.links(ids=[row.achievement.id for row in rows])
        return [to_read(row, links) for row in rows]

    async def read(
        self, *, principal: Principal, achievement_id: uuid.UUID
    ) -> tuple[AchievementRead, int]:
        """One achievement and its version; a draft is 404 to those who may not see drafts."""
        row = await self._row(principal=principal, achievement_id=achievement_id)
        return (await self._reads([row]))[0], row.achievement.version

    async def _within(self, period_code: str) -> tuple[Any, Any]:
        period = await self.repository.period_by_code(code=period_code)
        if period is None:
            raise InvalidAchievementField(
                f"No period has the code {period_code!r}.",
                errors=[field_error("period", "unknown period", "not_found", at="query")],
            )
        return period.start_date, period.end_date

    async def list_page(
        self,
        *,
        principal: Principal,
        org_unit_code: str | None,
        period_code: str | None,
        filters: AchievementFilter,
        offset: int,
        limit: int,
    ) -> tuple[list[AchievementRead], int]:
        if org_unit_code is not None:
            unit = await self.org.get_unit(code=org_unit_code)
            filters.org_unit_ids = (await self.org.tree()).subtree(unit.id)
        if period_code is not None:
            filters.within = await self._within(period_code)
        filters.drafts_in = drafts_scope(principal)
        rows, total = await self.repository.page(filters=filters, offset=offset, limit=limit)
        return await self._reads(rows), total

    async def for_report(
        self, *, period_code: str, org_unit_ids: Collection[uuid.UUID] | None
    ) -> list[AchievementRead]:
        """The approved achievements of a period (and of the periods within it, such as a
        quarter's months) in these org units (None: the whole council), newest period first:
        what a board pack shows. At most 500."""
        filters = AchievementFilter(
            org_unit_ids=org_unit_ids,
            within=await self._within(period_code),
            status=AchievementStatus.APPROVED,
        )
        rows, _ = await self.repository.page(filters=filters, offset=0, limit=500)
        return await self._reads(rows)

    async def public_page(
        self, *, period_code: str | None, held: Collection[str], offset: int, limit: int
    ) -> tuple[list[PublicAchievement], int]:
        """Approved achievements marked public, except those of the periods ``held`` back from
        the public pages until their board: what the public pages show."""
        filters = AchievementFilter(
            status=AchievementStatus.APPROVED, is_public=True, held_periods=held
        )
        if period_code is not None:
            filters.within = await self._within(period_code)
        rows, total = await self.repository.page(filters=filters, offset=offset, limit=limit)
        return [
            PublicAchievement(
                id=row.achievement.id,
                title=row.achievement.title,
                description=row.achievement.description,
                period=row.period_code,
                org_unit_code=row.org_unit_code,
                approved_at=row.achievement.approved_at,
            )
            for row in rows
        ], total

    # Writing

    def _check_may_write(self, principal: Principal, org_unit_id: uuid.UUID, code: str) -> None:
        if not principal.is_user or not principal.can(_WRITE, org_unit_id):
            raise PermissionDenied(f"You may not record achievements for {code}.")

    async def create(
        self, *, principal: Principal, data: AchievementCreate
    ) -> tuple[AchievementRead, int]:
        unit = await self.org.resolve_code(code=data.org_unit_code, field="org_unit_code")
        assert unit is not None
        self._check_may_write(principal, unit.id, unit.code)
        period = await self._period(data.period)
        achievement = Achievement(
            title=data.title,
            description=data.description,
            period_id=period.id,
            org_unit_id=unit.id,
            is_public=data.is_public,
            status=AchievementStatus.DRAFT,
            author_id=principal.id,
            author_name=principal.name,
        )
        links = await self._links(
            data.model_dump(include={"objective_ids", "indicator_codes", "project_ids"})
        )
        await self.repository.add(achievement=achievement)
        await self._store_links(achievement.id, links)
        created = (
            await self._reads([await self._row(principal=principal, achievement_id=achievement.id)])
        )[0]
        await self.audit.record(
            actor=principal,
            action="create",
            entity_type="achievement",
            entity_id=achievement.id,
            after=to_audit(created),
        )
        return created, achievement.version

    async def update(
        self,
        *,
        principal: Principal,
        achievement_id: uuid.UUID,
        data: AchievementPatch,
        if_match: str | None,
    ) -> tuple[AchievementRead, int]:
        row = await self._row(principal=principal, achievement_id=achievement_id)
        achievement = row.achievement
        self._check_may_write(principal, achievement.org_unit_id, row.org_unit_code)
        check_if_match(if_match, achievement.version)
        before = (await self._reads([row]))[0]
        changes = data.model_dump(exclude_unset=True)
        for field in _REQUIRED:
            if field in changes and changes[field] is None:
                raise InvalidAchievementField(
                    f"{field} cannot be null.", errors=[field_error(field, "cannot be null")]
                )
        if "org_unit_code" in changes:
            unit = await self.org.resolve_code(code=changes["org_unit_code"], field="org_unit_code")
            assert unit is not None
            self._check_may_write(principal, unit.id, unit.code)
            achievement.org_unit_id = unit.id
        if "period" in changes:
            achievement.period_id = (await self._period(changes["period"])).id
        for field in ("title", "description", "is_public"):
            if field in changes:
                setattr(achievement, field, changes[field])
        links = await self._links(changes)
        if changes:
            # What was approved is not what it now says: it is approved again before it shows.
            achievement.status = AchievementStatus.DRAFT
            achievement.approved_by_id = achievement.approved_by_name = None
            achievement.approved_at = None
            achievement.updated_at = utcnow()
        await self.repository.flush()
        await self._store_links(achievement.id, links)
        after = (
            await self._reads([await self._row(principal=principal, achievement_id=achievement.id)])
        )[0]
        await self.audit.record(
            actor=principal,
            action="update",
            entity_type="achievement",
            entity_id=achievement.id,
            before=to_audit(before),
            after=to_audit(after),
        )
        return after, achievement.version

    async def approve(
        self, *, principal: Principal, achievement_id: uuid.UUID, if_match: str | None
    ) -> tuple[AchievementRead, int]:
        row = await self._row(principal=principal, achievement_id=achievement_id)
        achievement = row.achievement
        if not principal.is_user or not principal.can(
            Permission.VALUES_APPROVE, achievement.org_unit_id
        ):
            raise PermissionDenied(f"You may not approve achievements for {row.org_unit_code}.")
        if achievement.author_id == principal.id:
            raise PermissionDenied("You recorded this achievement; someone else must approve it.")
        check_if_match(if_match, achievement.version)
        if achievement.status is AchievementStatus.APPROVED:
            raise AlreadyApproved("This achievement is already approved.")
        before = (await self._reads([row]))[0]
        achievement.status = AchievementStatus.APPROVED
        achievement.approved_by_id, achievement.approved_by_name = principal.id, principal.name
        achievement.approved_at = utcnow()
        await self.repository.flush()
        after = (await self._reads([row]))[0]
        await self.audit.record(
            actor=principal,
            action="approve",
            entity_type="achievement",
            entity_id=achievement.id,
            before=to_audit(before),
            after=to_audit(after),
        )
        return after, achievement.version

    async def delete(
        self, *, principal: Principal, achievement_id: uuid.UUID, if_match: str | None
    ) -> None:
        row = await self._row(principal=principal, achievement_id=achievement_id)
        self._check_may_write(principal, row.achievement.org_unit_id, row.org_unit_code)
        check_if_match(if_match, row.achievement.version)
        before = (await self._reads([row]))[0]
        await self.repository.delete(achievement=row.achievement)
        await self.audit.record(
            actor=principal,
            action="delete",
            entity_type="achievement",
            entity_id=before.id,
            before=to_audit(before),
        )

    async def _period(self, code: str) -> Period:
        period = await self.repository.period_by_code(code=code)
        if period is None:
            raise UnknownReference(
                f"No period has the code {code!r}.",
                errors=[field_error("period", "unknown period", "not_found")],
            )
        return period

    async def _links(self, fields: dict[str, Any]) -> dict[str, list[uuid.UUID]]:
        """The ids each link list sent names, deduplicated; 422 naming any that is unknown."""
        links: dict[str, list[uuid.UUID]] = {}
        if fields.get("indicator_codes") is not None:
            codes = list(dict.fromkeys(fields["indicator_codes"]))
            found = await self.repository.indicators_by_code(codes=codes)
            _refuse_unknown("indicator_codes", "indicator", codes, found)
            links["indicator_codes"] = [found[code] for code in codes]
        for field, model, noun in (
            ("objective_ids", Objective, "objective"),
            ("project_ids", Project, "project"),
        ):
            if fields.get(field) is None:
                continue
            ids = list(dict.fromkeys(fields[field]))
            existing = await self.repository.existing(model=model, ids=ids)
            _refuse_unknown(field, noun, ids, existing)
            links[field] = ids
        return links

    async def _store_links(self, owner: uuid.UUID, links: dict[str, list[uuid.UUID]]) -> None:
        for field, table, column in (
            ("objective_ids", achievement_objective, "objective_id"),
            ("indicator_codes", achievement_indicator, "indicator_id"),
            ("project_ids", achievement_project, "project_id"),
        ):
            if field in links:
                await self.repository.replace_links(
                    table=table, owner=owner, column=column, ids=links[field]
                )


def _refuse_unknown(field: str, noun: str, asked: Sequence[Any], known: Collection[Any]) -> None:
    missing = [(index, item) for index, item in enumerate(asked) if item not in known]
    if missing:
        raise UnknownReference(
            f"No {noun} has the {'code' if noun == 'indicator' else 'id'} "
            f"{', '.join(str(item) for _, item in missing)}.",
            errors=[
                field_error((field, index), f"unknown {noun}", "not_found") for index, _ in missing
            ],
        )
