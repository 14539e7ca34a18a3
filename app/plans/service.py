"""Plans and objectives: the line of sight from a Corporate Plan priority to a service objective,
its measures, its projects, its risks and the actions taken when it misses."""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.access.exceptions import PermissionDenied
from app.access.permissions import Permission, Role
from app.access.principal import Principal
from app.audit.service import AuditService, to_audit
from app.core.clock import utcnow
from app.core.errors import field_error
from app.core.etag import check_if_match
from app.indicators.repository import IndicatorFilter
from app.measures.measure import summarise
from app.org.service import OrgService
from app.periods import calendar
from app.plans.exceptions import (
    InvalidLink,
    ObjectiveCycle,
    ObjectiveNotFound,
    PlanFrozen,
    PlanNotFound,
    PlanVersionNotFound,
    PlanWrongStep,
)
from app.plans.models import (
    Objective,
    Plan,
    PlanKind,
    PlanStatus,
    PlanVersion,
    objective_indicator,
    objective_project,
    objective_serves,
)
from app.plans.repository import ObjectiveLinks, PlanRepository, plan_indicator_ids
from app.plans.schemas import (
    ObjectiveCreate,
    ObjectiveNode,
    ObjectiveRead,
    ObjectiveUpdate,
    PersonalObjectiveCounts,
    PlanCreate,
    PlanRead,
    PlanTree,
    PlanUpdate,
    PlanVersionRead,
    PlanVersionSummary,
    ProjectBrief,
    year_start,
)
from app.projects.service import ProjectService
from app.status.service import StatusService
from app.users.repository import UserRepository


def plan_read(plan: Plan) -> PlanRead:
    return PlanRead(
        id=plan.id,
        kind=plan.kind,
        title=plan.title,
        description=plan.description,
        org_unit_code=plan.org_unit.code,
        start_year=plan.start_year,
        end_year=plan.end_year,
        financial_year=plan.financial_year,
        status=plan.status,
        version_number=plan.version_number,
        owner_id=plan.owner_id,
        created_by_id=plan.created_by_id,
        submitted_by_id=plan.submitted_by_id,
        submitted_at=plan.submitted_at,
        approved_by_id=plan.approved_by_id,
        approved_by_name=plan.approved_by_name,
        approved_at=plan.approved_at,
        rolled_from_id=plan.rolled_from_id,
        themes=list(plan.themes),
        created_at=plan.created_at,
        updated_at=plan.updated_at,
    )


def objective_read(objective: Objective, links: ObjectiveLinks) -> ObjectiveRead:
    return ObjectiveRead(
        id=objective.id,
        plan_id=objective.plan_id,
        parent_id=objective.parent_id,
        code=objective.code,
        title=objective.title,
        description=objective.description,
        theme=objective.theme,
        owner_id=objective.owner_id,
        position=objective.position,
        serves_ids=sorted(links.serves.get(objective.id, [])),
        served_by_ids=sorted(links.served_by.get(objective.id, [])),
        indicator_codes=[code for _, code in links.indicators.get(objective.id, [])],
        project_ids=sorted(links.projects.get(objective.id, [])),
        risk_ids=sorted(links.risks.get(objective.id, [])),
        action_ids=sorted(links.actions.get(objective.id, [])),
        personal_objectives=links.personal_objectives.get(
            objective.id, PersonalObjectiveCounts(count=0, reviewed=0)
        ),
        created_at=objective.created_at,
        updated_at=objective.updated_at,
    )


def _invalid(field: str, message: str) -> InvalidLink:
    return InvalidLink(message, errors=[field_error(field, message, "link")])


# Only a plan in these states may change (a submitted one goes back to draft); an approved one
# changes by a new version.
_EDITABLE = {PlanStatus.DRAFT, PlanStatus.SUBMITTED}


def _versions_url(plan: Plan) -> str:
    return f"/api/v1/plans/{plan.id}/versions"


def require_editable(plan: Plan) -> None:
    """An approved (or archived) plan is frozen: 409 pointing at its versions."""
    if plan.status in _EDITABLE:
        return
    raise PlanFrozen(
        f"Version {plan.version_number} of this plan is {plan.status.value} and frozen; "
        f"POST {_versions_url(plan)} starts the next version as a draft.",
        versions=_versions_url(plan),
        plan_status=plan.status.value,
    )


def may_approve(principal: Principal, plan: Plan) -> bool:
    """A director approves a service plan in their scope; the performance team (or an admin)
    the corporate plan. An admin may approve either."""
    if principal.has_role(Role.ADMIN):
        return True
    if plan.kind is PlanKind.CORPORATE:
        return principal.has_role(Role.PERFORMANCE_TEAM)
    for grant in principal.grants:
        if grant.role is not Role.DIRECTOR:
            continue
        if grant.org_unit_id is None:
            return True
        if principal.tree is not None and plan.org_unit_id in principal.tree.subtree(
            grant.org_unit_id
        ):
            return True
    return False


def authors(plan: Plan) -> set[uuid.UUID]:
    """Who wrote this version: its creator, its owner and whoever put it forward."""
    return {i for i in (plan.created_by_id, plan.owner_id, plan.submitted_by_id) if i}


class PlanService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = PlanRepository(session)
        self.org = OrgService(session)
        self.audit = AuditService(session)

    async def get(self, *, plan_id: uuid.UUID) -> Plan:
        plan = await self.repository.get(plan_id=plan_id)
        if plan is None:
            raise PlanNotFound(f"No plan has the id {plan_id}.")
        return plan

    async def read(self, *, plan_id: uuid.UUID) -> tuple[PlanRead, int]:
        """One plan and its version (the ETag)."""
        plan = await self.get(plan_id=plan_id)
        return plan_read(plan), plan.version

    async def get_objective(self, *, objective_id: uuid.UUID) -> Objective:
        objective = await self.repository.objective(objective_id=objective_id)
        if objective is None:
            raise ObjectiveNotFound(f"No objective has the id {objective_id}.")
        return objective

    async def list_plans(
        self,
        *,
        kind: PlanKind | None,
        status: PlanStatus | None,
        org_unit_code: str | None,
        offset: int,
        limit: int,
    ) -> tuple[list[PlanRead], int]:
        unit_ids = None
        if org_unit_code is not None:
            unit = await self.org.get_unit(code=org_unit_code)
            unit_ids = (await self.org.tree()).subtree(unit.id)
        plans, total = await self.repository.list(
            kind=kind, status=status, org_unit_ids=unit_ids, offset=offset, limit=limit
        )
        return [plan_read(plan) for plan in plans], total

    def _require_write(self, principal: Principal, org_unit_id: uuid.UUID, what: str) -> None:
        if not principal.can(Permission.PLANS_WRITE, org_unit_id):
            raise PermissionDenied(f"You may not change {what}.")

    async def create(self, *, principal: Principal, data: PlanCreate) -> tuple[PlanRead, int]:
        unit = await self.org.resolve_code(code=data.org_unit_code, field="org_unit_code")
        assert unit is not None
        self._require_write(principal, unit.id, f"plans of {unit.code}")
        await self._check_owner(data.owner_id)
        assert data.start_year is not None
        assert data.end_year is not None
        plan = Plan(
            kind=data.kind,
            title=data.title,
            description=data.description,
            org_unit_id=unit.id,
            start_year=data.start_year,
            end_year=data.end_year,
            financial_year=(
                data.financial_year or calendar.financial_year_code(data.start_year)
                if data.kind is PlanKind.SERVICE
                else None
            ),
            owner_id=data.owner_id,
            created_by_id=principal.id if principal.is_user else None,
            status=PlanStatus.DRAFT,
            version_number=1,
            themes=list(data.themes or []),
        )
        await self.repository.add(row=plan)
        plan = await self.get(plan_id=plan.id)
        read = plan_read(plan)
        await self.audit.record(
            actor=principal,
            action="create",
            entity_type="plan",
            entity_id=plan.id,
            after=to_audit(read),
        )
        return read, plan.version

    async def update(
        self, *, principal: Principal, plan_id: uuid.UUID, data: PlanUpdate, if_match: str | None
    ) -> tuple[PlanRead, int]:
        plan = await self.get(plan_id=plan_id)
        self._require_write(principal, plan.org_unit_id, "this plan")
        check_if_match(if_match, plan.version)
        require_editable(plan)
        await self._reopen(principal, plan)
        before = plan_read(plan)
        changes = data.model_dump(exclude_unset=True)
        if changes.get("financial_year") is not None:
            if plan.kind is not PlanKind.SERVICE:
                raise _invalid("financial_year", "A corporate plan spans years: no financial_year.")
            plan.financial_year = changes["financial_year"]
            changes["start_year"] = year_start(changes["financial_year"])
            changes["end_year"] = max(changes.get("end_year") or 0, changes["start_year"])
        if "owner_id" in changes:
            await self._check_owner(changes["owner_id"])
            plan.owner_id = changes["owner_id"]
        if changes.get("org_unit_code"):
            unit = await self.org.resolve_code(
                code=changes.pop("org_unit_code"), field="org_unit_code"
            )
            assert unit is not None
            self._require_write(principal, unit.id, f"plans of {unit.code}")
            plan.org_unit_id = unit.id
        start = changes.get("start_year") or plan.start_year
        end = changes.get("end_year") or plan.end_year
        if end < start:
            raise _invalid("end_year", "end_year must not be before start_year")
        if plan.kind is PlanKind.SERVICE and "financial_year" not in changes and start:
            plan.financial_year = calendar.financial_year_code(start)
        for field in ("title", "start_year", "end_year", "themes"):
            if changes.get(field) is not None:
                setattr(plan, field, changes[field])
        if "description" in changes:
            plan.description = changes["description"]
        await self.repository.flush()
        plan = await self.get(plan_id=plan.id)
        await self.session.refresh(plan, attribute_names=["org_unit"])
        after = plan_read(plan)
        await self.audit.record(
            actor=principal,
            action="update",
            entity_type="plan",
            entity_id=plan.id,
            before=to_audit(before),
            after=to_audit(after),
        )
        return after, plan.version

    async def _check_owner(self, owner_id: uuid.UUID | None) -> None:
        if owner_id is not None and not await UserRepository(self.session).existing_ids(
            ids=[owner_id]
        ):
            raise _invalid("owner_id", f"No user has the id {owner_id}.")

    # The lifecycle: draft -> submitted -> approved -> archived, and versions

    async def _step(
        self,
        *,
        principal: Principal,
        plan_id: uuid.UUID,
        action: str,
        allowed_from: set[PlanStatus],
        if_match: str | None,
    ) -> tuple[Plan, PlanRead]:
        plan = await self.get(plan_id=plan_id)
        self._require_write(principal, plan.org_unit_id, "this plan")
        check_if_match(if_match, plan.version)
        if plan.status not in allowed_from:
            raise PlanWrongStep(
                f"This plan is {plan.status.value}; it can be {action} only when "
                f"{' or '.join(sorted(s.value for s in allowed_from))}.",
                plan_status=plan.status.value,
            )
        return plan, plan_read(plan)

    async def _finish_step(
        self, *, principal: Principal, plan: Plan, action: str, before: PlanRead
    ) -> tuple[PlanRead, int]:
        await self.repository.flush()
        plan = await self.get(plan_id=plan.id)
        await self.session.refresh(plan, attribute_names=["org_unit"])
        after = plan_read(plan)
        await self.audit.record(
            actor=principal,
            action=action,
            entity_type="plan",
            entity_id=plan.id,
            before=to_audit(before),
            after=to_audit(after),
        )
        return after, plan.version

    async def _reopen(self, principal: Principal, plan: Plan) -> None:
        """A change to a submitted plan (or to its objectives) takes it back to draft, so that
        what is approved is what was put forward: it is submitted again when ready."""
        if plan.status is not PlanStatus.SUBMITTED:
            return
        before = plan_read(plan)
        plan.status = PlanStatus.DRAFT
        plan.submitted_by_id = plan.submitted_at = None
        await self.repository.flush()
        plan = await self.get(plan_id=plan.id)
        await self.session.refresh(plan, attribute_names=["org_unit"])
        await self.audit.record(
            actor=principal,
            action="return_to_draft",
            entity_type="plan",
            entity_id=plan.id,
            before=to_audit(before),
            after=to_audit(plan_read(plan)),
        )

    async def submit(
        self, *, principal: Principal, plan_id: uuid.UUID, if_match: str | None
    ) -> tuple[PlanRead, int]:
        """Put a draft forward for approval."""
        plan, before = await self._step(
            principal=principal,
            plan_id=plan_id,
            action="submitted",
            allowed_from={PlanStatus.DRAFT},
            if_match=if_match,
        )
        plan.status = PlanStatus.SUBMITTED
        plan.submitted_by_id = principal.id if principal.is_user else None
        plan.submitted_at = utcnow()
        return await self._finish_step(
            principal=principal, plan=plan, action="submit", before=before
        )

    async def approve(
        self, *, principal: Principal, plan_id: uuid.UUID, if_match: str | None
    ) -> tuple[PlanRead, int]:
        """Approve a submitted plan (never its author), keeping this version as approved."""
        plan = await self.get(plan_id=plan_id)
        if not may_approve(principal, plan):
            who = (
                "a director over its service (or an admin)"
                if plan.kind is PlanKind.SERVICE
                else "the performance team (or an admin)"
            )
            raise PermissionDenied(f"A {plan.kind.value} plan is approved by {who}.")
        if principal.id in authors(plan):
            raise PermissionDenied(
                "You wrote, own or submitted this plan; someone else must approve it."
            )
        plan, before = await self._step(
            principal=principal,
            plan_id=plan_id,
            action="approved",
            allowed_from={PlanStatus.SUBMITTED},
            if_match=if_match,
        )
        plan.status = PlanStatus.APPROVED
        plan.approved_by_id = principal.id
        plan.approved_by_name = principal.name
        plan.approved_at = utcnow()
        await self.repository.flush()
        await self._keep_version(plan)
        return await self._finish_step(
            principal=principal, plan=plan, action="approve", before=before
        )

    async def archive(
        self, *, principal: Principal, plan_id: uuid.UUID, if_match: str | None
    ) -> tuple[PlanRead, int]:
        """Archive an approved plan (its year is over); it stays readable, frozen."""
        plan, before = await self._step(
            principal=principal,
            plan_id=plan_id,
            action="archived",
            allowed_from={PlanStatus.APPROVED},
            if_match=if_match,
        )
        plan.status = PlanStatus.ARCHIVED
        return await self._finish_step(
            principal=principal, plan=plan, action="archive", before=before
        )

    async def new_version(
        self, *, principal: Principal, plan_id: uuid.UUID, if_match: str | None
    ) -> tuple[PlanVersionRead, int]:
        """Start the next version of an approved plan as a draft; the approved one is kept."""
        plan, before = await self._step(
            principal=principal,
            plan_id=plan_id,
            action="given a new version",
            allowed_from={PlanStatus.APPROVED},
            if_match=if_match,
        )
        await self._keep_version(plan)  # an approved plan from before versions were kept
        plan.version_number += 1
        plan.status = PlanStatus.DRAFT
        plan.submitted_by_id = plan.submitted_at = None
        plan.approved_by_id = plan.approved_by_name = plan.approved_at = None
        _read, version = await self._finish_step(
            principal=principal, plan=plan, action="new_version", before=before
        )
        return await self._live_version(plan), version

    async def _snapshot(self, plan: Plan) -> dict[str, Any]:
        await self.session.refresh(plan, attribute_names=["org_unit"])
        return {
            "plan": plan_read(plan).model_dump(mode="json"),
            "objectives": [o.model_dump(mode="json") for o in await self._objective_reads(plan)],
        }

    async def _keep_version(self, plan: Plan) -> None:
        """Keep the plan's current version as approved, once."""
        if await self.repository.version(plan_id=plan.id, number=plan.version_number):
            return
        await self.repository.add_version(
            row=PlanVersion(
                plan_id=plan.id,
                number=plan.version_number,
                snapshot=await self._snapshot(plan),
                approved_by_id=plan.approved_by_id,
                approved_by_name=plan.approved_by_name,
                approved_at=plan.approved_at,
            )
        )

    async def _live_version(self, plan: Plan) -> PlanVersionRead:
        return PlanVersionRead(
            number=plan.version_number,
            status=plan.status,
            current=True,
            approved_by_id=plan.approved_by_id,
            approved_by_name=plan.approved_by_name,
            approved_at=plan.approved_at,
            plan=plan_read(plan),
            objectives=await self._objective_reads(plan),
        )

    async def versions(
        self, *, plan_id: uuid.UUID, offset: int, limit: int
    ) -> tuple[list[PlanVersionSummary], int]:
        """Every version, newest first: the kept (approved) ones and the one being worked on."""
        plan = await self.get(plan_id=plan_id)
        kept = {row.number: row for row in await self.repository.versions(plan_id=plan.id)}
        summaries = [
            PlanVersionSummary(
                number=number,
                status=plan.status if number == plan.version_number else PlanStatus.APPROVED,
                current=number == plan.version_number,
                approved_by_id=row.approved_by_id,
                approved_by_name=row.approved_by_name,
                approved_at=row.approved_at,
            )
            for number, row in kept.items()
        ]
        if plan.version_number not in kept:
            summaries.append(
                PlanVersionSummary(
                    number=plan.version_number,
                    status=plan.status,
                    current=True,
                    approved_by_id=plan.approved_by_id,
                    approved_by_name=plan.approved_by_name,
                    approved_at=plan.approved_at,
                )
            )
        summaries.sort(key=lambda s: s.number, reverse=True)
        return summaries[offset : offset + limit], len(summaries)

    async def version(self, *, plan_id: uuid.UUID, number: int) -> PlanVersionRead:
        """A kept version exactly as approved, or the version being worked on as it stands."""
        plan = await self.get(plan_id=plan_id)
        row = await self.repository.version(plan_id=plan.id, number=number)
        if row is not None:
            current = number == plan.version_number
            return PlanVersionRead(
                number=row.number,
                status=plan.status if current else PlanStatus.APPROVED,
                current=current,
                approved_by_id=row.approved_by_id,
                approved_by_name=row.approved_by_name,
                approved_at=row.approved_at,
                **row.snapshot,
            )
        if number == plan.version_number:
            return await self._live_version(plan)
        raise PlanVersionNotFound(
            f"This plan has versions 1 to {plan.version_number}; {number} is not one of them"
            + (" (only approved versions are kept)." if number < plan.version_number else ".")
        )

    # Objectives

    async def objectives(self, *, plan_id: uuid.UUID) -> list[ObjectiveRead]:
        return await self._objective_reads(await self.get(plan_id=plan_id))

    async def _objective_reads(self, plan: Plan) -> list[ObjectiveRead]:
        objectives = await self.repository.objectives(plan_id=plan.id)
        links = await self.repository.links(objective_ids=[o.id for o in objectives])
        return [objective_read(o, links) for o in objectives]

    async def read_objective(self, *, objective_id: uuid.UUID) -> tuple[ObjectiveRead, int]:
        """One objective with its links, and its version (the ETag)."""
        objective = await self.get_objective(objective_id=objective_id)
        return await self._read_objective(objective), objective.version

    async def _read_objective(self, objective: Objective) -> ObjectiveRead:
        return objective_read(objective, await self.repository.links(objective_ids=[objective.id]))

    async def create_objective(
        self, *, principal: Principal, plan_id: uuid.UUID, data: ObjectiveCreate
    ) -> tuple[ObjectiveRead, int]:
        plan = await self.get(plan_id=plan_id)
        self._require_write(principal, plan.org_unit_id, "this plan")
        require_editable(plan)
        await self._reopen(principal, plan)
        objective = Objective(plan_id=plan.id, title=data.title, position=0)
        await self._apply(plan, objective, data.model_dump(exclude_unset=True), creating=True)
        read = await self._read_objective(objective)
        await self.audit.record(
            actor=principal,
            action="create",
            entity_type="objective",
            entity_id=objective.id,
            after=to_audit(read),
        )
        return read, objective.version

    async def update_objective(
        self,
        *,
        principal: Principal,
        objective_id: uuid.UUID,
        data: ObjectiveUpdate,
        if_match: str | None,
    ) -> tuple[ObjectiveRead, int]:
        objective = await self.get_objective(objective_id=objective_id)
        plan = await self.get(plan_id=objective.plan_id)
        self._require_write(principal, plan.org_unit_id, "this plan")
        check_if_match(if_match, objective.version)
        require_editable(plan)
        await self._reopen(principal, plan)
        before = await self._read_objective(objective)
        await self._apply(plan, objective, data.model_dump(exclude_unset=True), creating=False)
        read = await self._read_objective(objective)
        await self.audit.record(
            actor=principal,
            action="update",
            entity_type="objective",
            entity_id=objective.id,
            before=to_audit(before),
            after=to_audit(read),
        )
        return read, objective.version

    async def _apply(
        self, plan: Plan, objective: Objective, changes: dict[str, Any], *, creating: bool
    ) -> None:
        theme = changes.get("theme")
        if theme is not None and plan.themes and theme not in plan.themes:
            raise _invalid("theme", f"{theme!r} is not one of the plan's themes: {plan.themes}")
        if "parent_id" in changes:
            await self._check_parent(plan, objective, changes["parent_id"], creating=creating)
        await self._check_owner(changes.get("owner_id"))
        for field in ("code", "title", "description", "theme", "parent_id", "owner_id", "position"):
            if field in changes and (
                changes[field] is not None or field not in {"title", "position"}
            ):
                setattr(objective, field, changes[field])
        if creating:
            await self.repository.add(row=objective)
        else:
            await self.repository.flush()
        if changes.get("serves_ids") is not None:
            await self._link_serves(plan, objective, changes["serves_ids"])
        if changes.get("indicator_codes") is not None:
            codes = list(dict.fromkeys(changes["indicator_codes"]))
            found = await self.repository.indicators_by_code(codes=codes)
            missing = [code for code in codes if code not in found]
            if missing:
                raise _invalid(
                    "indicator_codes", f"No indicator has the code {', '.join(missing)}."
                )
            await self.repository.replace_links(
                table=objective_indicator,
                key="objective_id",
                owner=objective.id,
                column="indicator_id",
                ids=[found[code] for code in codes],
            )
        if changes.get("project_ids") is not None:
            ids = list(dict.fromkeys(changes["project_ids"]))
            existing = await self.repository.existing_projects(ids=ids)
            missing_ids = [str(i) for i in ids if i not in existing]
            if missing_ids:
                raise _invalid("project_ids", f"No project has the id {', '.join(missing_ids)}.")
            await self.repository.replace_links(
                table=objective_project,
                key="objective_id",
                owner=objective.id,
                column="project_id",
                ids=ids,
            )

    async def _check_parent(
        self, plan: Plan, objective: Objective, parent_id: uuid.UUID | None, *, creating: bool
    ) -> None:
        if parent_id is None:
            return
        objectives = {o.id: o for o in await self.repository.objectives(plan_id=plan.id)}
        if parent_id not in objectives:
            raise _invalid("parent_id", "The parent must be an objective of the same plan.")
        if creating:
            return
        ancestor: uuid.UUID | None = parent_id
        while ancestor is not None:
            if ancestor == objective.id:
                raise ObjectiveCycle("An objective cannot sit below itself or its own children.")
            ancestor = objectives[ancestor].parent_id

    async def _link_serves(self, plan: Plan, objective: Objective, ids: list[uuid.UUID]) -> None:
        ids = list(dict.fromkeys(ids))
        if ids and plan.kind is not PlanKind.SERVICE:
            raise _invalid("serves_ids", "Only a service plan's objectives serve other objectives.")
        kinds = await self.repository.plan_kinds(objective_ids=ids)
        wrong = [str(i) for i in ids if kinds.get(i) is not PlanKind.CORPORATE]
        if wrong:
            raise _invalid(
                "serves_ids", f"These are not corporate plan objectives: {', '.join(wrong)}."
            )
        await self.repository.replace_links(
            table=objective_serves,
            key="objective_id",
            owner=objective.id,
            column="serves_id",
            ids=ids,
        )

    # The tree

    async def tree(
        self,
        *,
        principal: Principal,
        plan_id: uuid.UUID,
        period_code: str,
        statuses: StatusService,
    ) -> PlanTree:
        plan = await self.get(plan_id=plan_id)
        objectives = await self.repository.objectives(plan_id=plan.id)
        links = await self.repository.links(objective_ids=[o.id for o in objectives])
        rows = await statuses.statuses(
            principal=principal,
            period_code=period_code,
            filters=IndicatorFilter(ids_in=[plan_indicator_ids(plan.id)]),
        )
        by_code = {status.indicator_code: status for status in rows}
        rolled_up = await self.repository.rolled_up_codes(plan_id=plan.id)
        project_ids = {pid for ids in links.projects.values() for pid in ids}
        projects = await ProjectService(self.session).summaries(project_ids=project_ids)
        children: dict[uuid.UUID | None, list[Objective]] = defaultdict(list)
        for objective in objectives:
            children[objective.parent_id].append(objective)

        def node(objective: Objective) -> ObjectiveNode:
            return ObjectiveNode(
                **objective_read(objective, links).model_dump(),
                indicators=[
                    by_code[code]
                    for _, code in links.indicators.get(objective.id, [])
                    if code in by_code
                ],
                projects=[
                    ProjectBrief.model_validate(projects[pid], from_attributes=True)
                    for pid in sorted(links.projects.get(objective.id, []))
                    if pid in projects
                ],
                rollup=summarise(
                    by_code[code]
                    for code in sorted(rolled_up.get(objective.id, ()))
                    if code in by_code
                ),
                children=[node(child) for child in children.get(objective.id, [])],
            )

        roots = [node(objective) for objective in children.get(None, [])]
        return PlanTree(
            plan=plan_read(plan), period=period_code, summary=summarise(rows), objectives=roots
        )
