"""Notifications, nothing lost: an event is written with the change that causes it, the worker
delivers it in-app and by email (at once or in a daily digest), retries a refusing mail server,
and a worker killed mid-batch leaves the rest for its restart."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from httpx import AsyncClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from app.access.permissions import Role
from app.core.db import unit_of_work
from app.events.models import Delivery, DeliveryStatus, OutboxEvent
from app.worker.worker import LEASE, Worker
from tests.factories import Factory
from tests.helpers import API, Headers, assert_invalid, assert_problem, create_indicator, person
from tests.indicators.helpers import save_value, step
from tests.notifications.conftest import Q1, Desk, soon
from tests.outbox_servers import Mailbox

NOTIFICATIONS = f"{API}/me/notifications"
SETTINGS = f"{API}/me/notification-settings"


async def submitted(client: AsyncClient, desk: Desk, code: str = "NT1", period: str = Q1) -> None:
    saved = await save_value(client, desk.collector.headers, code, period, value=71.5)
    assert saved.status_code in (200, 201), saved.text
    answer = await step(client, desk.collector.headers, code, period, "submit")
    assert answer.status_code == 200, answer.text


async def rejected(client: AsyncClient, desk: Desk, code: str = "NT1", period: str = Q1) -> None:
    await submitted(client, desk, code, period)
    answer = await step(
        client, desk.approver.headers, code, period, "reject", reason="Check the denominator"
    )
    assert answer.status_code == 200, answer.text


async def my_notifications(client: AsyncClient, headers: Headers, **params: Any) -> dict[str, Any]:
    response = await client.get(NOTIFICATIONS, headers=headers, params=params)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


async def deliveries(worker: Worker) -> list[Delivery]:
    async with unit_of_work(worker.sessionmaker) as session:
        return list(await session.scalars(select(Delivery).order_by(Delivery.created_at)))


async def test_a_rejected_value_reaches_the_enterers_mailbox_and_notifications(
    client: AsyncClient, desk: Desk, worker: Worker, mailbox: Mailbox
) -> None:
    await rejected(client, desk)

    await worker.drain(now=soon(), scan=False)

    [mail] = mailbox.to(desk.collector_email)
    assert "NT1 2025-26-Q1 rejected" in mail["Subject"]
    assert "Check the denominator" in mail.get_payload()
    page = await my_notifications(client, desk.collector.headers)
    assert page["total"] == 1
    [item] = page["items"]
    assert item["event_type"] == "value.rejected"
    assert item["data"]["rejection_reason"] == "Check the denominator"
    assert item["is_read"] is False
    # The approver, who made the change, is not told of it; the owner heard of the submission.
    assert (await my_notifications(client, desk.approver.headers))["total"] == 0
    assert [
        n["event_type"] for n in (await my_notifications(client, desk.owner.headers))["items"]
    ] == ["value.submitted"]


async def test_the_event_is_written_in_the_transaction_of_the_change(
    client: AsyncClient, desk: Desk, worker: Worker
) -> None:
    await submitted(client, desk)
    before = await _events(worker)
    # A refused step writes nothing: its transaction rolls back, and its event with it.
    refused = await step(client, desk.collector.headers, "NT1", Q1, "approve")
    assert_problem(refused, 403)
    assert await _events(worker) == before
    answer = await step(client, desk.approver.headers, "NT1", Q1, "approve")
    assert answer.status_code == 200
    assert await _events(worker) == before + 2  # value.approved and status.changed


async def test_a_bulk_push_that_submits_announces_each_figure_as_a_single_submission_does(
    client: AsyncClient, desk: Desk, worker: Worker
) -> None:
    await submitted(client, desk)
    await worker.drain(now=soon(), scan=False)
    [single] = (await my_notifications(client, desk.owner.headers))["items"]
    await create_indicator(
        client, desk.perf.headers, "NT2", owner_id=str(desk.owner.id), collector_ids=[]
    )
    items = [
        {"indicator_code": "NT2", "period": Q1, "value": 64},
        {"indicator_code": "NT2", "period": "2025-26-Q2", "value": 65.5},
    ]
    pushed = await client.post(
        f"{API}/values/batch",
        json={"items": items, "submit": True, "atomic": True},
        headers=desk.perf.headers,
    )
    assert pushed.status_code == 200, pushed.text
    # Saved again without submitting: nothing more to announce.
    again = await client.post(
        f"{API}/values/batch",
        json={"items": items, "submit": False, "atomic": True},
        headers=desk.perf.headers,
    )
    assert again.status_code == 200, again.text
    await worker.drain(now=soon(), scan=False)

    page = await my_notifications(client, desk.owner.headers)
    bulk = [n for n in page["items"] if n["data"]["indicator_code"] == "NT2"]
    assert sorted((n["event_type"], n["data"]["period"], n["data"]["value"]) for n in bulk) == [
        ("value.submitted", "2025-26-Q1", 64),
        ("value.submitted", "2025-26-Q2", 65.5),
    ]
    # The same shape as a figure submitted on its own.
    assert all(set(n["data"]) == set(single["data"]) for n in bulk)
    assert {n["data"]["value_status"] for n in bulk} == {"submitted"}
    # Who pushed them is not told of their own submissions.
    assert (await my_notifications(client, desk.perf.headers))["total"] == 0


async def _events(worker: Worker) -> int:
    async with unit_of_work(worker.sessionmaker) as session:
        return int(await session.scalar(select(func.count()).select_from(OutboxEvent)) or 0)


async def test_a_refusing_mail_server_is_retried_visible_and_nothing_is_lost(
    client: AsyncClient, desk: Desk, worker: Worker, mailbox: Mailbox, factory: Factory
) -> None:
    mailbox.mode = "refuse"
    await rejected(client, desk)  # the approver's request succeeds whatever the mail server says

    start = soon()
    failures_before = await _metric(client, "gt_outbox_delivery_failures_total", channel="email")
    await worker.drain(now=start, scan=False)

    assert mailbox.to(desk.collector_email) == []
    # GET /metrics shows the waiting emails and the failed attempts.
    assert await _metric(client, "gt_outbox_depth", kind="email", status="pending") == 2
    failures = await _metric(client, "gt_outbox_delivery_failures_total", channel="email")
    assert failures - failures_before == 2  # the collector's and the owner's
    admin = await person(factory, Role.ADMIN)
    response = await client.get(
        f"{API}/outbox/deliveries", headers=admin.headers, params={"status": "pending"}
    )
    assert response.status_code == 200, response.text
    [waiting] = [d for d in response.json()["items"] if d["user_id"] == str(desk.collector.id)]
    assert waiting["attempts"] == 1
    assert "451" in waiting["last_error"]
    retry_at = datetime.fromisoformat(waiting["next_attempt_at"])
    assert retry_at > start
    # Not before the backoff says; then, once the server accepts again, it goes.
    await worker.drain(now=start + timedelta(seconds=1), scan=False)
    assert mailbox.to(desk.collector_email) == []
    mailbox.mode = "accept"
    await worker.drain(now=retry_at + timedelta(seconds=1), scan=False)
    assert len(mailbox.to(desk.collector_email)) == 1
    statuses = {d.user_id: (d.status, d.attempts) for d in await deliveries(worker)}
    assert statuses[desk.collector.id] == (DeliveryStatus.DELIVERED, 2)


async def test_a_worker_killed_mid_batch_delivers_the_rest_after_restart(
    client: AsyncClient, desk: Desk, worker: Worker, mailbox: Mailbox, factory: Factory
) -> None:
    # Three figures rejected: three emails to the collector in one batch.
    await create_more(client, desk, "NT2", "NT3")
    for code in ("NT1", "NT2", "NT3"):
        await rejected(client, desk, code)
    mailbox.mode, mailbox.hang_after = "hang", 1
    start = soon()

    task = asyncio.create_task(worker.run_once(now=start, scan=False))
    assert await asyncio.to_thread(mailbox.hanging.wait, 10)
    task.cancel()  # killed while sending the second message
    await asyncio.gather(task, return_exceptions=True)
    mailbox.release.set()
    assert len(mailbox.messages) == 1

    mailbox.mode = "accept"
    restarted = Worker(worker.sessionmaker, worker.settings)
    # Straight after the restart the claim still holds; when its lease is out, all goes.
    await restarted.drain(now=start + LEASE + timedelta(seconds=1), scan=False)
    subjects = sorted(m["Subject"] for m in mailbox.to(desk.collector_email))
    assert {code for code in ("NT1", "NT2", "NT3") if any(code in s for s in subjects)} == {
        "NT1",
        "NT2",
        "NT3",
    }
    assert all(d.status is DeliveryStatus.DELIVERED for d in await deliveries(restarted))


async def create_more(client: AsyncClient, desk: Desk, *codes: str) -> None:
    for code in codes:
        await create_indicator(
            client,
            desk.perf.headers,
            code,
            owner_id=str(desk.owner.id),
            collector_ids=[str(desk.collector.id)],
        )


async def test_daily_digest_sends_one_email_a_day_with_everything_since(
    client: AsyncClient, desk: Desk, worker: Worker, mailbox: Mailbox
) -> None:
    chosen = await client.put(SETTINGS, json={"email": "daily"}, headers=desk.collector.headers)
    assert chosen.status_code == 200, chosen.text
    assert chosen.json() == {"email": "daily"}
    await create_more(client, desk, "NT2")
    await rejected(client, desk, "NT1")
    await rejected(client, desk, "NT2")
    early = datetime.now(UTC).replace(hour=5, minute=0) + timedelta(days=1)

    await worker.drain(now=early, scan=False)  # before the digest hour: in-app only
    assert mailbox.to(desk.collector_email) == []
    assert (await my_notifications(client, desk.collector.headers))["total"] == 2

    await worker.drain(now=early.replace(hour=8), scan=False)
    [digest] = mailbox.to(desk.collector_email)
    assert "2 notifications" in digest["Subject"]
    body = digest.get_payload()
    assert "NT1 2025-26-Q1 rejected" in body
    assert "NT2 2025-26-Q1 rejected" in body
    # Later the same day: nothing more, even with news; the next day, the news.
    await submitted_and_rejected_again(client, desk)
    await worker.drain(now=early.replace(hour=20), scan=False)
    assert len(mailbox.to(desk.collector_email)) == 1
    await worker.drain(now=early.replace(hour=8) + timedelta(days=1), scan=False)
    assert len(mailbox.to(desk.collector_email)) == 2


async def submitted_and_rejected_again(client: AsyncClient, desk: Desk) -> None:
    answer = await step(client, desk.collector.headers, "NT1", Q1, "submit")
    assert answer.status_code == 200, answer.text
    answer = await step(client, desk.approver.headers, "NT1", Q1, "reject", reason="Again")
    assert answer.status_code == 200, answer.text


async def test_email_off_still_notifies_in_app(
    client: AsyncClient, desk: Desk, worker: Worker, mailbox: Mailbox
) -> None:
    chosen = await client.put(SETTINGS, json={"email": "off"}, headers=desk.collector.headers)
    assert chosen.status_code == 200
    await rejected(client, desk)
    await worker.drain(now=soon(), scan=False)
    assert mailbox.to(desk.collector_email) == []
    assert (await my_notifications(client, desk.collector.headers))["total"] == 1


async def test_notification_settings_default_and_bad_input(client: AsyncClient, desk: Desk) -> None:
    headers = desk.collector.headers
    assert (await client.get(SETTINGS, headers=headers)).json() == {"email": "immediate"}
    assert_invalid(await client.put(SETTINGS, json={"email": "hourly"}, headers=headers), "email")
    assert_invalid(
        await client.put(SETTINGS, json={"email": "off", "sms": True}, headers=headers), "sms"
    )
    assert (await client.get(SETTINGS, headers=headers)).json() == {"email": "immediate"}
    assert_problem(await client.get(SETTINGS), 401)
    assert_problem(await client.get(NOTIFICATIONS), 401)


async def test_notifications_are_paged_and_marked_read_by_their_owner_only(
    client: AsyncClient, desk: Desk, worker: Worker
) -> None:
    await create_more(client, desk, "NT2", "NT3")
    for code in ("NT1", "NT2", "NT3"):
        await rejected(client, desk, code)
    await worker.drain(now=soon(), scan=False)

    page = await my_notifications(client, desk.collector.headers, page_size=2)
    assert (page["total"], len(page["items"]), page["page_size"]) == (3, 2, 2)
    first = page["items"][0]["id"]
    # Someone else's notification is as good as absent.
    assert_problem(
        await client.post(f"{NOTIFICATIONS}/{first}/read", headers=desk.owner.headers), 404
    )
    marked = await client.post(f"{NOTIFICATIONS}/{first}/read", headers=desk.collector.headers)
    assert marked.status_code == 200, marked.text
    assert marked.json()["is_read"] is True
    assert (await my_notifications(client, desk.collector.headers, unread="true"))["total"] == 2
    everything = await client.post(f"{NOTIFICATIONS}/read", headers=desk.collector.headers)
    assert everything.json() == {"marked": 2}
    assert (await my_notifications(client, desk.collector.headers, unread="true"))["total"] == 0
    assert_invalid(
        await client.get(NOTIFICATIONS, headers=desk.collector.headers, params={"colour": "red"}),
        "colour",
    )


async def test_a_query_by_an_auditor_and_a_reply_to_a_comment_notify(
    client: AsyncClient, desk: Desk, worker: Worker, mailbox: Mailbox, factory: Factory
) -> None:
    await submitted(client, desk)
    verdict = await client.post(
        f"{API}/indicators/NT1/values/{Q1}/verification",
        json={"verdict": "queried", "note": "Source spreadsheet?"},
        headers=desk.auditor.headers,
    )
    assert verdict.status_code == 201, verdict.text
    councillor = await person(factory, Role.COUNCILLOR)
    question = await client.post(
        f"{API}/indicators/NT1/comments",
        json={"body": "Why did this fall?", "period": Q1},
        headers=councillor.headers,
    )
    assert question.status_code == 201, question.text
    answer = await client.post(
        f"{API}/indicators/NT1/comments",
        json={"body": "Staff shortages.", "reply_to_id": question.json()["id"]},
        headers=desk.owner.headers,
    )
    assert answer.status_code == 201, answer.text

    await worker.drain(now=soon(), scan=False)

    collector_events = {
        n["event_type"] for n in (await my_notifications(client, desk.collector.headers))["items"]
    }
    assert "value.queried" in collector_events
    [reply] = (await my_notifications(client, councillor.headers))["items"]
    assert reply["event_type"] == "comment.replied"
    assert reply["body"] == "Staff shortages."


async def _metric(client: AsyncClient, name: str, **labels: str) -> float:
    response = await client.get("/metrics")
    assert response.status_code == 200, response.text
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return float(sample.value)
    return 0.0
