from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, exists, func, not_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.access.permissions import Role
from app.actions.models import Action, ActionStatus, ActionUpdate
from app.actions.rules import CLOSED
from app.indicators.models import Indicator
from app.org.models import OrgUnit
from app.periods.models import Period
from app.plans.models import Objective
from app.projects.models import Project
from app.recommendations.models import Recommendation
from app.risks.models import Risk
from app.settings.models import CouncilSetting
from app.users.models import RoleAssignment, User

SelectT = TypeVar("SelectT", bound=Select[*tuple[Any, ...]])


@dataclass(frozen=True)
class ActionRow:
    """An action with the natural keys its read shows."""

    action: Action
    org_unit_code: str
    indicator_code: str | None
    period_code: str | None


def overdue_clause(today: date) -> ColumnElement[bool]:
    return and_(Action.due_date < today, Action.status.not_in(CLOSED))


@dataclass
class ActionFilter:
    org_unit_ids: Collection[uuid.UUID] | None = None
    owner_id: uuid.UUID | None = None
    status: ActionStatus | None = None
    overdue: bool | None = None
    indicator_code: str | None = None
    period_code: str | None = None
    objective_id: uuid.UUID | None = None
    risk_id: uuid.UUID | None = None
    project_id: uuid.UUID | None = None
    recommendation_id: uuid.UUID | None = None

    def apply(self, query: SelectT, *, today: date) -> SelectT:
        """Filter a query that selects from action joined to indicator and period."""
        if self.org_unit_ids is not None:
            query = query.where(Action.org_unit_id.in_(self.org_unit_ids))
        if self.owner_id is not None:
            query = query.where(Action.owner_id == self.owner_id)
        if self.status is not None:
            query = query.where(Action.status == self.status)
        if self.overdue is not None:
            clause = overdue_clause(today)
            query = query.where(clause if self.overdue else not_(clause))
        if self.indicator_code is not None:
            query = query.where(Indicator.code == self.indicator_code)
        if self.period_code is not None:
            query = query.where(Period.code == self.period_code)
        if self.objective_id is not None:
            query = query.where(Action.objective_id == self.objective_id)
        if self.risk_id is not None:
            query = query.where(Action.risk_id == self.risk_id)
        if self.project_id is not None:
            query = query.where(Action.project_id == self.project_id)
        if self.recommendation_id is not None:
            query = query.where(Action.recommendation_id == self.recommendation_id)
        return query


def _rows() -> Select[Action, str, str | None, str | None]:
    return (
        select(Action, OrgUnit.code, Indicator.code, Period.code)
        .join(OrgUnit, OrgUnit.id == Action.org_unit_id)
        .outerjoin(Indicator, Indicator.id == Action.indicator_id)
        .outerjoin(Period, Period.id == Action.period_id)
    )


class ActionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def row(self, *, action_id: uuid.UUID) -> ActionRow | None:
        found = (await self.session.execute(_rows().where(Action.id == action_id))).first()
        return ActionRow(*found) if found else None

    async def page(
        self, *, filters: ActionFilter, today: date, offset: int, limit: int
    ) -> tuple[list[ActionRow], int]:
        query = filters.apply(_rows(), today=today)
        total = await self.session.scalar(select(func.count()).select_from(query.subquery()))
        rows = await self.session.execute(
            query.order_by(Action.due_date, Action.title, Action.id).offset(offset).limit(limit)
        )
        return [ActionRow(*row) for row in rows], total or 0

    async def corrective_actions(
        self,
        *,
        indicator_ids: Select[Any] | Collection[uuid.UUID],
        period_codes: Collection[str],
    ) -> dict[uuid.UUID, list[tuple[Action, str]]]:
        """The actions answering these indicators in these periods, with the period code, keyed
        by indicator id, in due-date order (one statement; cancelled ones included)."""
        if not period_codes or (not isinstance(indicator_ids, Select) and not indicator_ids):
            return {}
        rows = await self.session.execute(
            select(Action, Period.code)
            .join(Period, Period.id == Action.period_id)
            .where(Action.indicator_id.in_(indicator_ids), Period.code.in_(period_codes))
            .order_by(Action.due_date, Action.title, Action.id)
        )
        found: dict[uuid.UUID, list[tuple[Action, str]]] = {}
        for action, period_code in rows:
            assert action.indicator_id is not None
            found.setdefault(action.indicator_id, []).append((action, period_code))
        return found

    async def updates(self, *, action_id: uuid.UUID) -> Sequence[ActionUpdate]:
        rows = await self.session.scalars(
            select(ActionUpdate)
            .where(ActionUpdate.action_id == action_id)
            .order_by(ActionUpdate.update_date, ActionUpdate.at, ActionUpdate.id)
        )
        return rows.all()

    async def add(self, *, item: Action | ActionUpdate) -> None:
        self.session.add(item)
        await self.session.flush()

    async def flush(self) -> None:
        await self.session.flush()

    # What an action may point at

    async def indicator_by_code(self, *, code: str) -> Indicator | None:
        return await self.session.scalar(select(Indicator).where(Indicator.code == code))

    async def period_by_code(self, *, code: str) -> Period | None:
        return await self.session.scalar(select(Period).where(Period.code == code))

    async def objective_exists(self, *, objective_id: uuid.UUID) -> bool:
        return bool(await self.session.scalar(select(exists().where(Objective.id == objective_id))))

    async def risk_exists(self, *, risk_id: uuid.UUID) -> bool:
        return bool(await self.session.scalar(select(exists().where(Risk.id == risk_id))))

    async def user_exists(self, *, user_id: uuid.UUID) -> bool:
        return bool(await self.session.scalar(select(exists().where(User.id == user_id))))

    async def project_exists(self, *, project_id: uuid.UUID) -> bool:
        return bool(await self.session.scalar(select(exists().where(Project.id == project_id))))

    async def recommendation_exists(self, *, recommendation_id: uuid.UUID) -> bool:
        return bool(
            await self.session.scalar(
                select(exists().where(Recommendation.id == recommendation_id))
            )
        )

    async def indicator_org_unit(self, *, indicator_id: uuid.UUID) -> uuid.UUID | None:
        return await self.session.scalar(
            select(Indicator.org_unit_id).where(Indicator.id == indicator_id)
        )

    async def owner_grants(self, *, user_id: uuid.UUID) -> list[tuple[Role, uuid.UUID | None]]:
        """The roles of an active user, with where they hold them (none for an inactive one)."""
        rows = await self.session.execute(
            select(RoleAssignment.role, RoleAssignment.org_unit_id)
            .join(User, User.id == RoleAssignment.user_id)
            .where(RoleAssignment.user_id == user_id, User.is_active.is_(True))
        )
        return [(role, unit) for role, unit in rows]

    # Natural keys for actions loaded elsewhere (one statement each, whatever the number)

    async def org_unit_codes(self, *, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, str]:
        if not ids:
            return {}
        rows = await self.session.execute(
            select(OrgUnit.id, OrgUnit.code).where(OrgUnit.id.in_(ids))
        )
        return dict(rows.all())

    async def indicator_codes(self, *, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, str]:
        if not ids:
            return {}
        rows = await self.session.execute(
            select(Indicator.id, Indicator.code).where(Indicator.id.in_(ids))
        )
        return dict(rows.all())

    async def period_codes(self, *, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, str]:
        if not ids:
            return {}
        rows = await self.session.execute(select(Period.id, Period.code).where(Period.id.in_(ids)))
        return dict(rows.all())

    async def setting(self, *, key: str) -> CouncilSetting | None:
        return await self.session.get(CouncilSetting, key)

    def add_setting(self, *, setting: CouncilSetting) -> None:
        self.session.add(setting)
