"""Reminders the worker derives from the calendar: a figure due within N working days (bank
holidays and weekends not counted), overdue, an action overdue, a recommendation due soon or
overdue; each made once."""

from __future__ import annotations

from datetime import UTC, date, datetime

from httpx import AsyncClient
from sqlalchemy import select

from app.actions.models import Action
from app.core.db import unit_of_work
from app.events.models import OutboxEvent
from app.notifications.models import EmailPreference, NotificationSetting
from app.recommendations.models import (
    Recommendation,
    RecommendationPriority,
    RecommendationSource,
    RecommendationStatus,
)
from app.worker.worker import Worker
from tests.factories import Factory
from tests.helpers import API
from tests.notifications.conftest import Desk
from tests.outbox_servers import Mailbox

NOTIFICATIONS = f"{API}/me/notifications"


async def reminders(worker: Worker) -> list[tuple[str, str]]:
    async with unit_of_work(worker.sessionmaker) as session:
        rows = await session.scalars(select(OutboxEvent).where(OutboxEvent.dedupe_key.is_not(None)))
        return sorted(
            (row.event_type, str(row.payload["data"].get("period", row.payload["title"])))
            for row in rows
        )


async def test_a_figure_due_soon_then_overdue_is_reminded_once_each(
    client: AsyncClient, desk: Desk, worker: Worker, mailbox: Mailbox
) -> None:
    # 2025-26-Q1 ends on 30 June 2025; its data is due 10 working days later, 14 July.
    friday = datetime(2025, 7, 11, 9, tzinfo=UTC)  # 3 working days ahead is 16 July
    await worker.drain(now=friday)
    await worker.drain(now=friday)
    assert await reminders(worker) == [("figure.due", "2025-26-Q1")]

    tuesday = datetime(2025, 7, 15, 9, tzinfo=UTC)
    await worker.drain(now=tuesday)
    await worker.drain(now=tuesday)
    assert await reminders(worker) == [
        ("figure.due", "2025-26-Q1"),
        ("figure.overdue", "2025-26-Q1"),
    ]
    # Both the collector and the owner are told, in-app and by email.
    for who, email in ((desk.collector, desk.collector_email), (desk.owner, desk.owner_email)):
        page = (await client.get(NOTIFICATIONS, headers=who.headers)).json()
        assert sorted(n["event_type"] for n in page["items"]) == ["figure.due", "figure.overdue"]
        assert len(mailbox.to(email)) == 2


async def test_a_figure_already_submitted_is_not_chased(
    client: AsyncClient, desk: Desk, worker: Worker
) -> None:
    saved = await client.put(
        f"{API}/indicators/NT1/values/2025-26-Q1",
        json={"value": 50},
        headers=desk.collector.headers,
    )
    assert saved.status_code in (200, 201)
    submitted = await client.post(
        f"{API}/indicators/NT1/values/2025-26-Q1/submit", headers=desk.collector.headers
    )
    assert submitted.status_code == 200
    await worker.drain(now=datetime(2025, 7, 15, 9, tzinfo=UTC))
    assert await reminders(worker) == []


async def test_an_overdue_action_is_told_to_its_owner_once(
    client: AsyncClient, desk: Desk, worker: Worker, factory: Factory
) -> None:
    units = await factory.org_tree()
    async with unit_of_work(worker.sessionmaker) as session:
        session.add(
            Action(
                title="Recruit two caseworkers",
                owner_id=desk.owner.id,
                org_unit_id=units["HOU"].id,
                start_date=date(2025, 4, 1),
                due_date=date(2025, 6, 30),
            )
        )
    now = datetime(2025, 5, 1, 9, tzinfo=UTC)
    await worker.drain(now=now)
    assert await reminders(worker) == []
    later = datetime(2025, 7, 2, 9, tzinfo=UTC)
    await worker.drain(now=later)
    await worker.drain(now=later)
    assert [kind for kind, _ in await reminders(worker)] == ["action.overdue"]
    page = (await client.get(NOTIFICATIONS, headers=desk.owner.headers)).json()
    assert [n["title"] for n in page["items"] if n["event_type"] == "action.overdue"] == [
        "Action overdue: Recruit two caseworkers (due 2025-06-30)"
    ]


async def test_a_recommendation_due_soon_then_overdue_is_told_to_its_owner_once_each(
    client: AsyncClient, desk: Desk, worker: Worker, factory: Factory, mailbox: Mailbox
) -> None:
    units = await factory.org_tree()
    async with unit_of_work(worker.sessionmaker) as session:
        for reference, status, owner in (
            ("IA-01", RecommendationStatus.IN_PROGRESS, desk.owner.id),
            ("IA-02", RecommendationStatus.IMPLEMENTED, desk.owner.id),
            ("IA-03", RecommendationStatus.NOT_ACCEPTED, desk.owner.id),
            ("IA-04", RecommendationStatus.OPEN, desk.collector.id),
        ):
            session.add(
                Recommendation(
                    source=RecommendationSource.INTERNAL_AUDIT,
                    reference=reference,
                    title="Reconcile the rent ledger monthly",
                    priority=RecommendationPriority.HIGH,
                    org_unit_id=units["HOU"].id,
                    owner_id=owner,
                    due_date=date(2025, 7, 16),
                    status=status,
                )
            )
        # The collector wants no email: told in-app only.
        session.add(NotificationSetting(user_id=desk.collector.id, email=EmailPreference.OFF))

    async def told() -> list[tuple[str, str]]:
        return [row for row in await reminders(worker) if row[0].startswith("recommendation.")]

    await worker.drain(now=datetime(2025, 7, 10, 9, tzinfo=UTC))  # 16 July is 4 working days on
    assert await told() == []
    friday = datetime(2025, 7, 11, 9, tzinfo=UTC)  # 3 working days ahead is 16 July
    await worker.drain(now=friday)
    await worker.drain(now=friday)
    thursday = datetime(2025, 7, 17, 9, tzinfo=UTC)
    await worker.drain(now=thursday)
    await worker.drain(now=thursday)
    what = " Reconcile the rent ledger monthly (due 2025-07-16)"
    assert await told() == [
        ("recommendation.due", "Recommendation due: IA-01" + what),
        ("recommendation.due", "Recommendation due: IA-04" + what),
        ("recommendation.overdue", "Recommendation overdue: IA-01" + what),
        ("recommendation.overdue", "Recommendation overdue: IA-04" + what),
    ]
    for who, email, mails in (
        (desk.owner, desk.owner_email, 2),
        (desk.collector, desk.collector_email, 0),
    ):
        page = (await client.get(NOTIFICATIONS, headers=who.headers)).json()
        mine = sorted(
            n["event_type"] for n in page["items"] if n["event_type"].startswith("recommendation.")
        )
        assert mine == ["recommendation.due", "recommendation.overdue"]
        assert len([m for m in mailbox.to(email) if "Recommendation" in m["Subject"]]) == mails
