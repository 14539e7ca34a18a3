"""Plans and objectives: the line of sight from a Corporate Plan priority to a service objective,
its measures, its projects, its risks and the actions taken when it misses."""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.access.exceptions import PermissionDenied
from app.access.permissions import Permission
from app.access.principal import Principal
from app.audit.service import AuditService, to_audit
from app.core.errors import field_error
from app.core.etag import check_if_match
from app.indicators.repository import IndicatorFilter
from app.measures.measure import summarise
from app.org.service import OrgService
from app.plans.exceptions import InvalidLink, ObjectiveCycle, ObjectiveNotFound, PlanNotFound
from app.plans.models import (
    Objective,
    Plan,
    PlanKind,
    PlanStatus,
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
    ProjectBrief,
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
        status=plan.status,
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
        plan = Plan(
            kind=data.kind,
            title=data.title,
            description=data.description,
            org_unit_id=unit.id,
            start_year=data.start_year,
            end_year=data.end_year,
            status=data.status or PlanStatus.DRAFT,
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
        before = plan_read(plan)
        changes = data.model_dump(exclude_unset=True)
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
        for field in ("title", "start_year", "end_year", "status", "themes"):
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

    # Objectives

    async def objectives(self, *, plan_id: uuid.UUID) -> list[ObjectiveRead]:
        await self.get(plan_id=plan_id)
        objectives = await self.repository.objectives(plan_id=plan_id)
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
        owner_id = changes.get("owner_id")
        if owner_id is not None and not await UserRepository(self.session).existing_ids(
            ids=[owner_id]
        ):
            raise _invalid("owner_id", f"No user has the id {owner_id}.")
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
