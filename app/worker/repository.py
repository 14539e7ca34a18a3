"""Every statement the worker runs: claiming events and deliveries (FOR UPDATE SKIP LOCKED on
PostgreSQL, so several workers share the queue without taking the same row), the people and
subscriptions an event reaches, and what reminders are due."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from app.actions.models import Action, ActionStatus
from app.events.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    OutboxEvent,
    StatusAnnouncement,
)
from app.indicators.models import Indicator, IndicatorStatus, IndicatorValue, indicator_collector
from app.measures.vocabulary import VALUE_KIND, ValueStatus
from app.notifications.models import EmailPreference, Notification, NotificationSetting
from app.periods.models import Period, PeriodStatus
from app.recommendations.models import Recommendation, RecommendationStatus
from app.users.models import User

# A figure still to come from its people: none yet, a draft, or sent back.
NOT_IN = (ValueStatus.DRAFT, ValueStatus.REJECTED)
# Keys looked up per statement (SQLite takes a bounded number of parameters).
KEY_CHUNK = 500


class WorkerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @property
    def is_postgres(self) -> bool:
        return self.session.get_bind().dialect.name == "postgresql"

    def _locked(self, query: Select[Any]) -> Select[Any]:
        # SQLite has no row locks; its BEGIN IMMEDIATE (app.core.db) makes a claim exclusive.
        return query.with_for_update(skip_locked=True) if self.is_postgres else query

    async def flush(self) -> None:
        await self.session.flush()

    # Events

    async def claim_events(self, *, limit: int) -> Sequence[OutboxEvent]:
        """Events not dispatched yet, oldest first, locked for this transaction."""
        query = (
            select(OutboxEvent)
            .where(OutboxEvent.dispatched_at.is_(None))
            .order_by(OutboxEvent.occurred_at, OutboxEvent.id)
            .limit(limit)
        )
        return (await self.session.scalars(self._locked(query))).all()

    async def active_people(self, *, ids: Collection[uuid.UUID]) -> Sequence[User]:
        if not ids:
            return []
        rows = await self.session.scalars(
            select(User).where(User.id.in_(list(ids)), User.is_active.is_(True))
        )
        return rows.all()

    async def preferences(self, *, user_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Any]:
        if not user_ids:
            return {}
        rows = await self.session.scalars(
            select(NotificationSetting).where(NotificationSetting.user_id.in_(list(user_ids)))
        )
        return {row.user_id: row for row in rows}

    def add(self, row: Any) -> None:
        self.session.add(row)

    async def announced_status(
        self, *, indicator_code: str, period_code: str
    ) -> tuple[uuid.UUID, uuid.UUID, StatusAnnouncement | None] | None:
        """The measure's and the period's ids, with the status last announced for them (locked
        for this transaction on PostgreSQL); None when either no longer exists."""
        indicator_id = await self.session.scalar(
            select(Indicator.id).where(Indicator.code == indicator_code)
        )
        period_id = await self.session.scalar(select(Period.id).where(Period.code == period_code))
        if indicator_id is None or period_id is None:
            return None
        query = select(StatusAnnouncement).where(
            StatusAnnouncement.indicator_id == indicator_id,
            StatusAnnouncement.period_id == period_id,
        )
        if self.is_postgres:
            query = query.with_for_update()
        return indicator_id, period_id, await self.session.scalar(query)

    # Deliveries

    async def claim_deliveries(
        self, *, now: datetime, limit: int, channels: Collection[Channel]
    ) -> Sequence[Delivery]:
        """Pending deliveries whose next attempt is due, soonest first, locked."""
        if not channels:
            return []
        query = (
            select(Delivery)
            .where(
                Delivery.status == DeliveryStatus.PENDING,
                Delivery.next_attempt_at <= now,
                Delivery.channel.in_(list(channels)),
            )
            .order_by(Delivery.next_attempt_at, Delivery.id)
            .limit(limit)
        )
        return (await self.session.scalars(self._locked(query))).all()

    async def delivery(self, *, delivery_id: uuid.UUID) -> Delivery | None:
        query = select(Delivery).where(Delivery.id == delivery_id)
        if self.is_postgres:
            query = query.with_for_update()  # waits: the outcome must be stored
        found: Delivery | None = await self.session.scalar(query)
        return found

    # Digests

    async def digest_candidates(self, *, limit: int) -> Sequence[uuid.UUID]:
        """People with notifications waiting for a digest."""
        rows = await self.session.scalars(
            select(Notification.user_id)
            .where(Notification.digest_pending.is_(True))
            .distinct()
            .limit(limit)
        )
        return rows.all()

    async def lock_setting(self, *, user_id: uuid.UUID) -> NotificationSetting | None:
        query = select(NotificationSetting).where(NotificationSetting.user_id == user_id)
        if self.is_postgres:
            # Waits for a worker making this digest; what it took is then no longer waiting.
            query = query.with_for_update()
        found: NotificationSetting | None = await self.session.scalar(query)
        return found

    async def waiting_for_digest(self, *, user_id: uuid.UUID) -> Sequence[Notification]:
        rows = await self.session.scalars(
            select(Notification)
            .where(Notification.user_id == user_id, Notification.digest_pending.is_(True))
            .order_by(Notification.created_at, Notification.id)
        )
        return rows.all()

    async def person(self, *, user_id: uuid.UUID) -> User | None:
        return await self.session.get(User, user_id)

    # Reminders

    async def open_periods(self) -> Sequence[Period]:
        rows = await self.session.scalars(
            select(Period).where(Period.status == PeriodStatus.OPEN).order_by(Period.start_date)
        )
        return rows.all()

    async def figures_to_come(
        self, *, period_ids: Collection[uuid.UUID]
    ) -> list[tuple[Indicator, Period]]:
        """Each active indicator and open period of its kind whose figure is not in yet
        (none, a draft or rejected)."""
        if not period_ids:
            return []
        rows = await self.session.execute(
            select(Indicator, Period, IndicatorValue.status)
            .select_from(Indicator)
            .join(Period, Period.id.in_(list(period_ids)))
            .outerjoin(
                IndicatorValue,
                (IndicatorValue.indicator_id == Indicator.id)
                & (IndicatorValue.period_id == Period.id),
            )
            .where(
                Indicator.status == IndicatorStatus.ACTIVE,
                or_(
                    *(
                        (Indicator.frequency == frequency) & (Period.kind == kind)
                        for frequency, kind in VALUE_KIND.items()
                    )
                ),
                or_(IndicatorValue.id.is_(None), IndicatorValue.status.in_(NOT_IN)),
            )
            .order_by(Period.start_date, Indicator.code)
        )
        return [(row[0], row[1]) for row in rows]

    async def collectors(
        self, *, indicator_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, list[uuid.UUID]]:
        if not indicator_ids:
            return {}
        rows = await self.session.execute(
            select(indicator_collector.c.indicator_id, indicator_collector.c.user_id).where(
                indicator_collector.c.indicator_id.in_(list(indicator_ids))
            )
        )
        found: dict[uuid.UUID, list[uuid.UUID]] = {}
        for indicator_id, user_id in rows:
            found.setdefault(indicator_id, []).append(user_id)
        return found

    async def overdue_actions(self, *, today: date) -> Sequence[Action]:
        rows = await self.session.scalars(
            select(Action)
            .where(
                Action.due_date < today,
                Action.status.not_in([ActionStatus.COMPLETED, ActionStatus.CANCELLED]),
            )
            .order_by(Action.due_date, Action.id)
        )
        return rows.all()

    async def recommendations_due(self, *, horizon: date) -> Sequence[Recommendation]:
        """Recommendations with an owner, not implemented or not accepted, due by the horizon
        (overdue ones included)."""
        rows = await self.session.scalars(
            select(Recommendation)
            .where(
                Recommendation.due_date <= horizon,
                Recommendation.owner_id.is_not(None),
                Recommendation.status.in_(
                    [RecommendationStatus.OPEN, RecommendationStatus.IN_PROGRESS]
                ),
            )
            .order_by(Recommendation.due_date, Recommendation.id)
        )
        return rows.all()

    async def existing_keys(self, *, keys: Collection[str]) -> set[str]:
        wanted, found = list(keys), set()
        for start in range(0, len(wanted), KEY_CHUNK):
            rows = await self.session.scalars(
                select(OutboxEvent.dedupe_key).where(
                    OutboxEvent.dedupe_key.in_(wanted[start : start + KEY_CHUNK])
                )
            )
            found |= {key for key in rows if key is not None}
        return found

    async def insert_once(self, *, rows: list[dict[str, Any]]) -> None:
        """Insert events, skipping any whose dedupe key another worker stored meanwhile."""
        if not rows:
            return
        dialect = postgresql if self.is_postgres else sqlite
        statement = dialect.insert(OutboxEvent).on_conflict_do_nothing(
            index_elements=["dedupe_key"]
        )
        await self.session.execute(statement, rows)


def preference_of(setting: NotificationSetting | None) -> EmailPreference:
    return setting.email if setting is not None else EmailPreference.IMMEDIATE
