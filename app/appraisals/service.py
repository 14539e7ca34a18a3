"""Personal objectives and appraisals: the golden thread's last link, from a service plan's
objective to the person doing the work.

Privacy is the point: a person's objectives and reviews are seen by the person, their line
managers up the chain, and admins; for anyone else they do not exist (404, never 403, so that
not even their existence leaks). The rest of the service sees only how many personal objectives
serve an objective (app.plans)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.access.permissions import COUNCIL_WIDE_ROLES, Role
from app.access.principal import EVERYWHERE, NOWHERE, Principal, Scope
from app.appraisals.exceptions import (
    InvalidServes,
    NotTheReviewer,
    PersonalObjectiveNotFound,
    PersonNotFound,
    ReviewExists,
    ReviewNotFound,
)
from app.appraisals.models import AppraisalReview, PersonalObjective, PersonalObjectiveStatus
from app.appraisals.repository import AppraisalRepository
from app.appraisals.schemas import (
    PersonalObjectiveCreate,
    PersonalObjectiveRead,
    PersonalObjectiveUpdate,
    ReviewCreate,
    ReviewRead,
    ReviewUpdate,
)
from app.audit.service import PERSONAL_OBJECTIVE, PERSONAL_REVIEW, AuditService, to_audit
from app.core.clock import utcnow
from app.core.errors import field_error
from app.core.etag import check_if_match
from app.org.service import OrgService
from app.periods.calendar import parse_period
from app.plans.models import PlanKind
from app.users.models import User
from app.users.repository import UserRepository

# Council-wide roles held by staff of the council (a councillor is not on its payroll), whose
# objectives may serve any service plan.
_COUNCIL_WIDE_STAFF = COUNCIL_WIDE_ROLES - {Role.COUNCILLOR}


class Standing(StrEnum):
    """Why the caller may see a person's objectives (no standing: they may not)."""

    SELF = "self"
    MANAGER = "manager"  # a line manager, directly or further up the chain
    ADMIN = "admin"


def review_read(review: AppraisalReview) -> ReviewRead:
    return ReviewRead.model_validate(review)


def _serves_error(message: str) -> InvalidServes:
    return InvalidServes(message, errors=[field_error("serves_ids", message, "serves")])


def _not_yours(field: str, message: str) -> NotTheReviewer:
    return NotTheReviewer(message, errors=[field_error(field, message, "reviewer")])


class AppraisalService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = AppraisalRepository(session)
        self.users = UserRepository(session)
        self.audit = AuditService(session)

    # Who may see whose

    async def _standing(self, principal: Principal, person_id: uuid.UUID) -> Standing | None:
        if not principal.is_user:
            return None  # a machine client never reads an appraisal
        if principal.id == person_id:
            return Standing.SELF
        if principal.id in await self.users.manager_chain(user_id=person_id):
            return Standing.MANAGER
        if principal.has_role(Role.ADMIN):
            return Standing.ADMIN
        return None

    async def _person(self, principal: Principal, user_id: uuid.UUID) -> tuple[User, Standing]:
        person = await self.users.get(user_id=user_id)
        standing = await self._standing(principal, user_id) if person else None
        if person is None or standing is None:
            raise PersonNotFound(f"No person with the id {user_id} whose objectives you may see.")
        return person, standing

    async def _objective(
        self, principal: Principal, objective_id: uuid.UUID
    ) -> tuple[PersonalObjective, Standing]:
        objective = await self.repository.get(objective_id=objective_id)
        standing = await self._standing(principal, objective.user_id) if objective else None
        if objective is None or standing is None:
            raise PersonalObjectiveNotFound(f"No personal objective has the id {objective_id}.")
        return objective, standing

    async def _reads(self, objectives: Sequence[PersonalObjective]) -> list[PersonalObjectiveRead]:
        ids = [objective.id for objective in objectives]
        serves = await self.repository.serves(objective_ids=ids)
        reviewed = await self.repository.reviewed(objective_ids=ids)
        return [
            PersonalObjectiveRead(
                id=o.id,
                user_id=o.user_id,
                financial_year=o.financial_year,
                title=o.title,
                description=o.description,
                serves_ids=sorted(serves.get(o.id, [])),
                due_date=o.due_date,
                status=o.status,
                progress=o.progress,
                reviewed=sorted(reviewed.get(o.id, [])),
                created_by_id=o.created_by_id,
                created_at=o.created_at,
                updated_at=o.updated_at,
            )
            for o in objectives
        ]

    async def _read(self, objective: PersonalObjective) -> PersonalObjectiveRead:
        return (await self._reads([objective]))[0]

    # Personal objectives

    async def list_for(
        self,
        *,
        principal: Principal,
        user_id: uuid.UUID,
        financial_year: str | None,
        status: PersonalObjectiveStatus | None,
        offset: int,
        limit: int,
    ) -> tuple[list[PersonalObjectiveRead], int]:
        await self._person(principal, user_id)
        rows, total = await self.repository.objectives_of(
            user_id=user_id,
            financial_year=financial_year,
            status=status,
            offset=offset,
            limit=limit,
        )
        return await self._reads(rows), total

    async def list_mine(
        self,
        *,
        principal: Principal,
        financial_year: str | None,
        status: PersonalObjectiveStatus | None,
        offset: int,
        limit: int,
    ) -> tuple[list[PersonalObjectiveRead], int]:
        if not principal.is_user:
            raise PersonNotFound("A machine client has no personal objectives.")
        return await self.list_for(
            principal=principal,
            user_id=principal.id,
            financial_year=financial_year,
            status=status,
            offset=offset,
            limit=limit,
        )

    async def read(
        self, *, principal: Principal, objective_id: uuid.UUID
    ) -> tuple[PersonalObjectiveRead, int]:
        objective, _ = await self._objective(principal, objective_id)
        return await self._read(objective), objective.version

    async def create(
        self, *, principal: Principal, user_id: uuid.UUID, data: PersonalObjectiveCreate
    ) -> tuple[PersonalObjectiveRead, int]:
        person, _ = await self._person(principal, user_id)
        serves = await self._check_serves(person, data.financial_year, data.serves_ids)
        objective = PersonalObjective(
            user_id=person.id,
            financial_year=data.financial_year,
            title=data.title,
            description=data.description,
            due_date=data.due_date,
            status=data.status,
            progress=data.progress,
            created_by_id=principal.id,
        )
        await self.repository.add(row=objective)
        await self.repository.replace_serves(objective_id=objective.id, ids=serves)
        read = await self._read(objective)
        await self.audit.record(
            actor=principal,
            action="create",
            entity_type=PERSONAL_OBJECTIVE,
            entity_id=objective.id,
            after=to_audit(read),
        )
        return read, objective.version

    async def update(
        self,
        *,
        principal: Principal,
        objective_id: uuid.UUID,
        data: PersonalObjectiveUpdate,
        if_match: str | None,
    ) -> tuple[PersonalObjectiveRead, int]:
        objective, _ = await self._objective(principal, objective_id)
        check_if_match(if_match, objective.version)
        before = await self._read(objective)
        changes: dict[str, Any] = data.model_dump(exclude_unset=True)
        year = changes.get("financial_year") or objective.financial_year
        serves = changes.get("serves_ids")
        if serves is None and year != objective.financial_year:
            serves = before.serves_ids  # what it serves must fit the new year too
        if serves is not None:
            person = await self.users.get(user_id=objective.user_id)
            assert person is not None
            serves = await self._check_serves(person, year, serves)
        for field in ("title", "financial_year", "status", "progress"):
            if changes.get(field) is not None:
                setattr(objective, field, changes[field])
        for field in ("description", "due_date"):
            if field in changes:
                setattr(objective, field, changes[field])
        if serves is not None:
            await self.repository.replace_serves(objective_id=objective.id, ids=serves)
            if serves != before.serves_ids:
                objective.updated_at = utcnow()  # the links are part of it: a new version
        await self.repository.flush()
        after = await self._read(objective)
        await self.audit.record(
            actor=principal,
            action="update",
            entity_type=PERSONAL_OBJECTIVE,
            entity_id=objective.id,
            before=to_audit(before),
            after=to_audit(after),
        )
        return after, objective.version

    async def _check_serves(
        self, person: User, financial_year: str, ids: Sequence[uuid.UUID]
    ) -> list[uuid.UUID]:
        """The objectives, each of a service plan of the person's part of the council that
        covers the year; 422 naming those that are not."""
        ids = sorted(dict.fromkeys(ids))
        if not ids:
            return ids
        found = await self.repository.served_objectives(ids=ids)
        missing = [str(i) for i in ids if i not in found]
        if missing:
            raise _serves_error(f"No objective has the id {', '.join(missing)}.")
        not_service = [str(i) for i in ids if found[i].plan_kind is not PlanKind.SERVICE]
        if not_service:
            raise _serves_error(
                f"A personal objective serves service plan objectives; these are not: "
                f"{', '.join(not_service)}."
            )
        scope = await self._scope_of(person)
        elsewhere = [str(i) for i in ids if not scope.covers(found[i].org_unit_id)]
        if elsewhere:
            raise _serves_error(
                "These objectives belong to service plans outside the person's part of the "
                f"council: {', '.join(elsewhere)}."
            )
        start = parse_period(financial_year).start_year
        other_year = [
            str(i)
            for i in ids
            if not found[i].start_year <= start < max(found[i].end_year, found[i].start_year + 1)
        ]
        if other_year:
            raise _serves_error(
                f"These objectives belong to plans that do not cover {financial_year}: "
                f"{', '.join(other_year)}."
            )
        return ids

    async def _scope_of(self, person: User) -> Scope:
        """The org units whose service plans a person's objectives may serve: those they hold
        a role in, with the units above (a team's service plan is its service's) and below (a
        director's, the services of the directorate)."""
        units: set[uuid.UUID] = set()
        for grant in person.roles:
            if grant.role in _COUNCIL_WIDE_STAFF:
                return EVERYWHERE
            if grant.org_unit_id is not None:
                units.add(grant.org_unit_id)
        if not units:
            return NOWHERE
        tree = await OrgService(self.session).tree()
        covered = set(tree.subtrees(units))
        for unit in units:
            covered.update(tree.ancestors(unit))
        return Scope(everywhere=False, unit_ids=frozenset(covered))

    # Reviews

    async def reviews(
        self, *, principal: Principal, objective_id: uuid.UUID, offset: int, limit: int
    ) -> tuple[list[ReviewRead], int]:
        objective, _ = await self._objective(principal, objective_id)
        rows, total = await self.repository.reviews(
            objective_id=objective.id, offset=offset, limit=limit
        )
        return [review_read(row) for row in rows], total

    async def _review(
        self, principal: Principal, objective_id: uuid.UUID, review_id: uuid.UUID
    ) -> tuple[AppraisalReview, Standing]:
        objective, standing = await self._objective(principal, objective_id)
        review = await self.repository.review(review_id=review_id)
        if review is None or review.personal_objective_id != objective.id:
            raise ReviewNotFound(f"This objective has no review with the id {review_id}.")
        return review, standing

    async def read_review(
        self, *, principal: Principal, objective_id: uuid.UUID, review_id: uuid.UUID
    ) -> tuple[ReviewRead, int]:
        review, _ = await self._review(principal, objective_id, review_id)
        return review_read(review), review.version

    async def add_review(
        self, *, principal: Principal, objective_id: uuid.UUID, data: ReviewCreate
    ) -> tuple[ReviewRead, int]:
        objective, standing = await self._objective(principal, objective_id)
        if standing is Standing.SELF:
            raise _not_yours(
                "rating", "A review is written by the person's line manager, not by the person."
            )
        if await self.repository.review_of_kind(objective_id=objective.id, kind=data.kind):
            raise ReviewExists(
                f"The {data.kind.value} review of this objective is recorded; change it instead."
            )
        review = AppraisalReview(
            personal_objective_id=objective.id,
            kind=data.kind,
            rating=data.rating,
            comments=data.comments,
            reviewer_id=principal.id,
            reviewed_at=utcnow(),
        )
        await self.repository.add(row=review)
        read = review_read(review)
        await self.audit.record(
            actor=principal,
            action="create",
            entity_type=PERSONAL_REVIEW,
            entity_id=review.id,
            after=to_audit(read),
        )
        return read, review.version

    async def update_review(
        self,
        *,
        principal: Principal,
        objective_id: uuid.UUID,
        review_id: uuid.UUID,
        data: ReviewUpdate,
        if_match: str | None,
    ) -> tuple[ReviewRead, int]:
        review, standing = await self._review(principal, objective_id, review_id)
        changes: dict[str, Any] = data.model_dump(exclude_unset=True)
        manager_fields = sorted({"rating", "comments"} & set(changes))
        if standing is Standing.SELF and manager_fields:
            raise _not_yours(
                manager_fields[0], "The rating and comments are the line manager's to write."
            )
        if standing is not Standing.SELF and "own_comments" in changes:
            raise _not_yours("own_comments", "The own comments are the person's to write.")
        check_if_match(if_match, review.version)
        before = review_read(review)
        now = utcnow()
        if changes.get("rating") is not None:
            review.rating = changes["rating"]
        if "comments" in changes:
            review.comments = changes["comments"]
        if manager_fields:
            review.reviewer_id = principal.id
            review.reviewed_at = now
        if "own_comments" in changes:
            review.own_comments = changes["own_comments"]
            review.own_comments_at = now
        await self.repository.flush()
        after = review_read(review)
        await self.audit.record(
            actor=principal,
            action="update",
            entity_type=PERSONAL_REVIEW,
            entity_id=review.id,
            before=to_audit(before),
            after=to_audit(after),
        )
        return after, review.version
