from __future__ import annotations

import uuid
from collections.abc import Collection, Hashable, Sequence
from copy import copy
from typing import Any, TypeVar

from sqlalchemy import ScalarSelect, Select, bindparam, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from app.core.bulk import one_of
from app.core.search import contains
from app.indicators.models import (
    Indicator,
    IndicatorStatus,
    IndicatorValue,
    Target,
    TargetRevision,
    ValueRevision,
)
from app.measures.vocabulary import Frequency, Polarity
from app.org.models import OrgUnit
from app.periods.models import Period
from app.users.models import User

SelectT = TypeVar("SelectT", bound=Select[*tuple[Any, ...]])


class IndicatorFilter:
    """The list filters, shared by the indicator list, the scorecard and the exports."""

    def __init__(
        self,
        *,
        org_unit_ids: Collection[uuid.UUID] | None = None,
        polarity: Polarity | None = None,
        frequency: Frequency | None = None,
        is_key: bool | None = None,
        is_public: bool | None = None,
        is_national: bool | None = None,
        status: IndicatorStatus | None = None,
        q: str | None = None,
        codes: Collection[str] | None = None,
        ids: Collection[uuid.UUID] | None = None,
        ids_in: Sequence[Select[Any]] = (),
    ) -> None:
        self.org_unit_ids = org_unit_ids
        self.polarity = polarity
        self.frequency = frequency
        self.is_key = is_key
        self.is_public = is_public
        self.is_national = is_national
        self.status = status
        self.q = q
        self.codes = codes
        self.ids = ids
        # Each a SELECT of indicator ids (a plan's, an objective's, a committee's): all must hold.
        self.ids_in = list(ids_in)

    def apply(self, query: SelectT) -> SelectT:
        if self.org_unit_ids is not None:
            query = query.where(Indicator.org_unit_id.in_(self.org_unit_ids))
        if self.polarity is not None:
            query = query.where(Indicator.polarity == self.polarity)
        if self.frequency is not None:
            query = query.where(Indicator.frequency == self.frequency)
        if self.is_key is not None:
            query = query.where(Indicator.is_key == self.is_key)
        if self.is_public is not None:
            query = query.where(Indicator.is_public == self.is_public)
        if self.is_national is not None:
            query = query.where(Indicator.is_national == self.is_national)
        if self.status is not None:
            query = query.where(Indicator.status == self.status)
        if self.codes is not None:
            query = query.where(Indicator.code.in_(self.codes))
        if self.ids is not None:
            query = query.where(Indicator.id.in_(self.ids))
        for ids in self.ids_in:
            query = query.where(Indicator.id.in_(ids))
        if self.q:
            query = query.where(contains(self.q, Indicator.code, Indicator.title))
        return query

    def cache_key(self) -> Hashable | None:
        """What these filters select, as a key that names the same indicators whenever the
        data version is the same: every filter is a column of ``indicator``, which the version
        tracks. None when one is not (a plan's, an objective's or a committee's measures)."""
        if self.ids_in:
            return None
        return (
            None if self.org_unit_ids is None else frozenset(self.org_unit_ids),
            self.polarity,
            self.frequency,
            self.is_key,
            self.is_public,
            self.is_national,
            self.status,
            self.q or None,
            None if self.codes is None else frozenset(self.codes),
            None if self.ids is None else frozenset(self.ids),
        )

    def id_query(self) -> Select[tuple[uuid.UUID]]:
        """A SELECT of the matching indicators' ids, for statements that take them as a set."""
        return self.apply(select(Indicator.id))

    def narrowed(self, ids: Collection[uuid.UUID]) -> IndicatorFilter:
        """These filters, keeping only the indicators with these ids as well."""
        narrowed = copy(self)
        narrowed.ids = set(ids) if self.ids is None else set(ids) & set(self.ids)
        return narrowed


_FULL = (
    selectinload(Indicator.org_unit),
    selectinload(Indicator.collectors),
)


# Most requests about a measure start here: built once, the code bound at each execution, the
# org unit and the collectors joined in (one round trip, not three; a measure has few collectors).
_BY_CODE = (
    select(Indicator)
    .where(Indicator.code == bindparam("code"))
    .options(joinedload(Indicator.org_unit), joinedload(Indicator.collectors))
)
_BY_CODE_RELOADED = _BY_CODE.execution_options(populate_existing=True)


class IndicatorRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_code(self, *, code: str, reload: bool = False) -> Indicator | None:
        query = _BY_CODE_RELOADED if reload else _BY_CODE
        result = await self.session.execute(query, {"code": code})
        return result.unique().scalar_one_or_none()

    async def by_codes(self, *, codes: Collection[str]) -> dict[str, Indicator]:
        """Indicators with their org unit and collectors, in a fixed number of statements."""
        if not codes:
            return {}
        rows = await self.session.scalars(
            select(Indicator).where(one_of(self.session, Indicator.code, codes)).options(*_FULL)
        )
        return {indicator.code: indicator for indicator in rows}

    async def list(
        self, *, filters: IndicatorFilter, offset: int, limit: int
    ) -> tuple[Sequence[Indicator], int]:
        query = filters.apply(select(Indicator))
        total = await self.session.scalar(select(func.count()).select_from(query.subquery()))
        rows = await self.session.scalars(
            query.options(*_FULL).order_by(Indicator.code).offset(offset).limit(limit)
        )
        return rows.all(), total or 0

    async def all_matching(self, *, filters: IndicatorFilter) -> Sequence[Indicator]:
        """Every matching indicator with its org unit, in code order (one statement each)."""
        rows = await self.session.scalars(
            filters.apply(select(Indicator))
            .options(selectinload(Indicator.org_unit))
            .order_by(Indicator.code)
        )
        return rows.all()

    async def users(self, *, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, User]:
        if not ids:
            return {}
        rows = await self.session.scalars(select(User).where(User.id.in_(ids)))
        return {user.id: user for user in rows}

    async def has_values(self, *, indicator_id: uuid.UUID) -> bool:
        return bool(
            await self.session.scalar(
                select(exists().where(IndicatorValue.indicator_id == indicator_id))
            )
        )

    async def has_targets(self, *, indicator_id: uuid.UUID) -> bool:
        return bool(
            await self.session.scalar(select(exists().where(Target.indicator_id == indicator_id)))
        )

    async def add(self, *, indicator: Indicator) -> Indicator:
        self.session.add(indicator)
        await self.session.flush()
        return indicator

    async def delete(self, *, indicator: Indicator) -> None:
        await self.session.delete(indicator)
        await self.session.flush()

    async def flush(self) -> None:
        await self.session.flush()

    # Targets

    async def target(self, *, indicator_id: uuid.UUID, period_id: uuid.UUID) -> Target | None:
        return await self.session.scalar(
            select(Target).where(Target.indicator_id == indicator_id, Target.period_id == period_id)
        )

    async def targets(self, *, indicator_id: uuid.UUID) -> Sequence[tuple[Target, Period]]:
        rows = await self.session.execute(
            select(Target, Period)
            .join(Period, Period.id == Target.period_id)
            .where(Target.indicator_id == indicator_id)
            .order_by(Period.start_date, Period.end_date.desc())
        )
        return [(row[0], row[1]) for row in rows]

    async def target_revisions(self, *, target_id: uuid.UUID) -> Sequence[TargetRevision]:
        rows = await self.session.scalars(
            select(TargetRevision)
            .where(TargetRevision.target_id == target_id)
            .order_by(TargetRevision.number)
        )
        return rows.all()

    # Values

    async def value(
        self, *, indicator_id: uuid.UUID, period_id: uuid.UUID, for_update: bool = False
    ) -> IndicatorValue | None:
        query = select(IndicatorValue).where(
            IndicatorValue.indicator_id == indicator_id, IndicatorValue.period_id == period_id
        )
        if for_update:
            query = query.with_for_update()
        return await self.session.scalar(query)

    async def values(
        self, *, indicator_id: uuid.UUID, financial_year: str | None
    ) -> Sequence[tuple[IndicatorValue, Period]]:
        query = (
            select(IndicatorValue, Period)
            .join(Period, Period.id == IndicatorValue.period_id)
            .where(IndicatorValue.indicator_id == indicator_id)
        )
        if financial_year is not None:
            query = query.where(Period.financial_year == financial_year)
        rows = await self.session.execute(query.order_by(Period.start_date))
        return [(row[0], row[1]) for row in rows]

    async def value_revisions(self, *, value_id: uuid.UUID) -> Sequence[ValueRevision]:
        rows = await self.session.scalars(
            select(ValueRevision)
            .where(ValueRevision.value_id == value_id)
            .order_by(ValueRevision.number)
        )
        return rows.all()

    @staticmethod
    def next_revision_number(value_id: uuid.UUID) -> ScalarSelect[int]:
        """The value's next revision number as SQL, for its revision's INSERT to work out in
        the same statement (no round trip of its own). The value's row is locked by then
        (``for_update``), so no other transaction numbers one of its revisions meanwhile."""
        return (
            select(func.coalesce(func.max(ValueRevision.number), 0) + 1)
            .where(ValueRevision.value_id == value_id)
            .scalar_subquery()
        )

    async def org_unit(self, *, org_unit_id: uuid.UUID) -> OrgUnit | None:
        return await self.session.get(OrgUnit, org_unit_id)
