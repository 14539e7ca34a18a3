"""The outbox worker: turns events into in-app notifications, emails and webhook calls, and
delivers them at least once, retried with exponential backoff.

One pass (``run_once``) does everything that is due, without sleeping, so tests drive it
directly; ``run_forever`` repeats it. Each step is its own short transaction: a worker killed
at any point loses nothing. An event is dispatched (its notifications and deliveries written)
in one transaction with marking it dispatched, so it is done exactly once. A delivery is
claimed (its attempt counted and its next attempt pushed out by a lease) and committed before
the network call, then its outcome stored: a worker that dies mid-batch leaves the rest of its
claim to be retried when the lease runs out, by itself after a restart or by another worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aiosmtplib
import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.audit.sealer import AuditSealer
from app.core import metrics
from app.core.clock import utcnow
from app.core.config import Settings
from app.core.db import unit_of_work
from app.core.errors import AppError
from app.events.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    EventType,
    OutboxEvent,
    StatusAnnouncement,
)
from app.notifications.models import EmailPreference, Notification, NotificationSetting
from app.status.service import StatusService
from app.webhooks.models import Webhook
from app.webhooks.repository import WebhookRepository
from app.worker import mail, reminders, sender
from app.worker.repository import WorkerRepository, preference_of

logger = logging.getLogger("app.worker")

BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 60 * 60
# A claimed delivery is retried after this long if its worker never reports back.
LEASE = timedelta(minutes=5)
REMINDER_SCAN_EVERY = timedelta(minutes=10)
# The pause after a pass that found work but less than a batch of it (see run_forever).
BUSY_PAUSE_SECONDS = 0.25
ERROR_TEXT_LIMIT = 2000


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min, ... up to an hour between tries."""
    seconds = BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, BACKOFF_MAX_SECONDS))


@dataclass(frozen=True)
class Attempt:
    """How one delivery attempt went; `final` gives up at once (nothing left to deliver to)."""

    ok: bool
    status: int | None = None
    error: str | None = None
    final: bool = False


@dataclass
class PassSummary:
    """What one pass did, for logs and tests."""

    reminders: int = 0
    events: int = 0
    digests: int = 0
    delivered: int = 0
    failed: int = 0
    sealed: int = 0

    def filled(self, batch_size: int) -> bool:
        """Whether a step took a whole batch, so that more may be waiting behind it."""
        return self.events >= batch_size or self.delivered + self.failed >= batch_size

    @property
    def busy(self) -> bool:
        return bool(
            self.reminders
            or self.events
            or self.digests
            or self.delivered
            or self.failed
            or self.sealed
        )


def _email_body(title: str, body: str) -> str:
    text = body if body.startswith(title) else f"{title}\n\n{body}"
    return (
        f"{text}\n\n-- \nGolden Thread. Choose how you are emailed: PUT /me/notification-settings\n"
    )


class Worker:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: Settings,
        *,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.settings = settings
        self.smtp = mail.SmtpTarget.from_url(settings.smtp_url) if settings.smtp_url else None
        self._http = http
        self._last_scan: datetime | None = None

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = httpx.AsyncClient(
                timeout=self.settings.webhook_timeout_seconds, follow_redirects=False
            )
        return self._http

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    # One pass

    async def run_once(self, *, now: datetime | None = None, scan: bool = True) -> PassSummary:
        """Everything due at `now`: reminders (when `scan`), dispatching events, digests,
        one batch of deliveries, and sealing audit events a crash left pending."""
        now = now or utcnow()
        summary = PassSummary()
        async with self.sessionmaker() as session:
            summary.sealed = await AuditSealer(session).seal_pending()
        if scan:
            async with unit_of_work(self.sessionmaker) as session:
                summary.reminders = await reminders.scan(
                    WorkerRepository(session),
                    now=now,
                    working_days=self.settings.reminder_working_days,
                )
        summary.events = await self.dispatch(now=now)
        summary.digests = await self.digests(now=now)
        delivered, failed = await self.deliver(now=now)
        summary.delivered, summary.failed = delivered, failed
        return summary

    async def drain(
        self, *, now: datetime | None = None, scan: bool = True, max_passes: int = 20
    ) -> PassSummary:
        """Passes at `now` until one finds nothing to do (reminders scanned in the first, when
        `scan`); the sum of what they did."""
        total = PassSummary()
        for index in range(max_passes):
            step = await self.run_once(now=now, scan=scan and index == 0)
            total.reminders += step.reminders
            total.events += step.events
            total.digests += step.digests
            total.delivered += step.delivered
            total.failed += step.failed
            total.sealed += step.sealed
            if not step.busy:
                break
        return total

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Passes until `stop` is set; a pass that fails (the database away) is logged and
        tried again after the poll interval."""
        try:
            while not stop.is_set():
                now = utcnow()
                scan = self._last_scan is None or now - self._last_scan >= REMINDER_SCAN_EVERY
                try:
                    summary = await self.run_once(now=now, scan=scan)
                    if scan:
                        self._last_scan = now
                except Exception:
                    logger.exception("worker pass failed; trying again")
                    summary = PassSummary()
                if summary.busy and summary.filled(self.settings.worker_batch_size):
                    continue  # a full batch: more are waiting, no pause
                # After a pass that found less than a batch, a moment for the next events to
                # gather: a pass costs a dozen round trips whatever it finds, and under a
                # stream of writes one every few milliseconds found one or two, taking the
                # event loop from the requests beside it.
                pause = BUSY_PAUSE_SECONDS if summary.busy else self.settings.worker_poll_seconds
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=pause)
        finally:
            await self.aclose()

    # Dispatch: events -> notifications and deliveries

    async def dispatch(self, *, now: datetime) -> int:
        async with unit_of_work(self.sessionmaker) as session:
            repository = WorkerRepository(session)
            events = await repository.claim_events(limit=self.settings.worker_batch_size)
            for event in events:
                await self._fan_out(session, repository, event, now=now)
                event.dispatched_at = now
            await repository.flush()
            return len(events)

    async def _fan_out(
        self,
        session: AsyncSession,
        repository: WorkerRepository,
        event: OutboxEvent,
        *,
        now: datetime,
    ) -> None:
        payload = event.payload
        title, body = str(payload.get("title", event.event_type)), str(payload.get("body", ""))
        data: dict[str, Any] = payload.get("data") or {}
        if event.event_type == EventType.STATUS_CHANGED.value:
            status = await self._status(session, data)
            if not await self._status_moved(repository, data, status, now=now):
                return  # rated as last announced: nobody is told of a change that is not one
            data = {**data, "status": status}
        ids = {uuid.UUID(text) for text in event.recipient_ids}
        people = await repository.active_people(ids=ids)
        settings = await repository.preferences(user_ids=[person.id for person in people])
        for person in people:
            preference = preference_of(settings.get(person.id))
            repository.add(
                Notification(
                    user_id=person.id,
                    event_id=event.id,
                    event_type=event.event_type,
                    title=title[:500],
                    body=body,
                    data=data,
                    created_at=event.occurred_at,
                    digest_pending=preference is EmailPreference.DAILY,
                )
            )
            if preference is EmailPreference.IMMEDIATE:
                repository.add(
                    Delivery(
                        channel=Channel.EMAIL,
                        event_id=event.id,
                        user_id=person.id,
                        event_type=event.event_type,
                        payload={
                            "to": person.email,
                            "subject": title[:200],
                            "body": _email_body(title, body),
                        },
                        max_attempts=None,
                        next_attempt_at=now,
                        created_at=now,
                    )
                )
        for webhook in await WebhookRepository(session).subscribed(event_type=event.event_type):
            repository.add(
                Delivery(
                    channel=Channel.WEBHOOK,
                    event_id=event.id,
                    webhook_id=webhook.id,
                    event_type=event.event_type,
                    payload={
                        "type": event.event_type,
                        "timestamp": event.occurred_at.isoformat().replace("+00:00", "Z"),
                        "data": data,
                    },
                    max_attempts=self.settings.webhook_max_attempts,
                    next_attempt_at=now,
                    created_at=now,
                )
            )

    async def _status(self, session: AsyncSession, data: dict[str, Any]) -> dict[str, Any] | None:
        """The measure's status for the period as approved figures give it now (no drafts:
        a subscriber is not someone who may act on them); None when it has none."""
        try:
            status = await StatusService(session, settings=self.settings).status(
                principal=None, code=str(data["indicator_code"]), period_code=str(data["period"])
            )
        except (AppError, KeyError):
            return None
        dumped: dict[str, Any] = status.model_dump(mode="json")
        return dumped

    async def _status_moved(
        self,
        repository: WorkerRepository,
        data: dict[str, Any],
        status: dict[str, Any] | None,
        *,
        now: datetime,
    ) -> bool:
        """Whether the status differs, in its RAG or a direction of travel, from the one last
        announced for the measure and period; if so it becomes the one last announced."""
        found = await repository.announced_status(
            indicator_code=str(data.get("indicator_code")), period_code=str(data.get("period"))
        )
        if found is None:
            return False  # the measure or the period is gone: there is no status to announce
        indicator_id, period_id, last = found
        direction = (status or {}).get("direction") or {}
        rated = (
            (status or {}).get("rag"),
            direction.get("vs_previous"),
            direction.get("vs_last_year"),
        )
        if last is None:
            if rated[0] is None:
                return False  # nothing was rated and nothing is: no change
            repository.add(
                StatusAnnouncement(
                    indicator_id=indicator_id,
                    period_id=period_id,
                    rag=rated[0],
                    vs_previous=rated[1],
                    vs_last_year=rated[2],
                    announced_at=now,
                )
            )
            await repository.flush()  # the batch's next event for it must find it
            return True
        if (last.rag, last.vs_previous, last.vs_last_year) == rated:
            return False
        last.rag, last.vs_previous, last.vs_last_year = rated
        last.announced_at = now
        return True

    # Digests

    async def digests(self, *, now: datetime) -> int:
        """One email a day for those who chose the digest, with what came since the last;
        someone who has since chosen immediate gets what was waiting now, off: nothing."""
        made = 0
        async with unit_of_work(self.sessionmaker) as session:
            repository = WorkerRepository(session)
            for user_id in await repository.digest_candidates(
                limit=self.settings.worker_batch_size
            ):
                setting = await repository.lock_setting(user_id=user_id)
                preference = preference_of(setting)
                if preference is EmailPreference.DAILY and not self._digest_time(setting, now):
                    continue
                waiting = await repository.waiting_for_digest(user_id=user_id)
                if not waiting:
                    continue  # another worker sent it meanwhile
                for notification in waiting:
                    notification.digest_pending = False
                person = await repository.person(user_id=user_id)
                if preference is EmailPreference.OFF or person is None or not person.is_active:
                    continue
                if setting is not None:
                    setting.last_digest_on = now.date()
                repository.add(self._digest(person.id, person.email, waiting, now=now))
                made += 1
            await repository.flush()
        return made

    def _digest_time(self, setting: NotificationSetting | None, now: datetime) -> bool:
        if now.hour < self.settings.digest_hour:
            return False
        return (
            setting is None
            or setting.last_digest_on is None
            or (setting.last_digest_on < now.date())
        )

    def _digest(
        self, user_id: uuid.UUID, email: str, items: list[Notification] | Any, *, now: datetime
    ) -> Delivery:
        lines = [
            f"- {item.created_at:%Y-%m-%d %H:%M} {item.title}"
            + (f"\n  {item.body}" if item.body and item.body != item.title else "")
            for item in items
        ]
        subject = f"Golden Thread: {len(lines)} notification{'s' if len(lines) != 1 else ''}"
        return Delivery(
            channel=Channel.EMAIL,
            user_id=user_id,
            event_type="digest",
            payload={
                "to": email,
                "subject": subject,
                "body": _email_body(subject, subject + "\n\n" + "\n".join(lines)),
            },
            max_attempts=None,
            next_attempt_at=now,
            created_at=now,
        )

    # Delivery

    async def deliver(self, *, now: datetime) -> tuple[int, int]:
        """Claim one batch of due deliveries, then make each; (delivered, failed) counts."""
        channels = [Channel.WEBHOOK] + ([Channel.EMAIL] if self.smtp is not None else [])
        async with unit_of_work(self.sessionmaker) as session:
            repository = WorkerRepository(session)
            claimed = await repository.claim_deliveries(
                now=now, limit=self.settings.worker_batch_size, channels=channels
            )
            webhooks = {}
            for delivery in claimed:
                delivery.attempts += 1
                delivery.next_attempt_at = now + LEASE
                if delivery.webhook_id is not None and delivery.webhook_id not in webhooks:
                    webhooks[delivery.webhook_id] = await session.get(Webhook, delivery.webhook_id)
            await repository.flush()
            work = [
                (
                    delivery.id,
                    delivery.channel,
                    delivery.attempts,
                    dict(delivery.payload),
                    webhooks.get(delivery.webhook_id) if delivery.webhook_id else None,
                )
                for delivery in claimed
            ]
        delivered = failed = 0
        for delivery_id, channel, attempts, payload, webhook in work:
            if channel is Channel.EMAIL:
                attempt = await self._send_email(delivery_id, payload)
            else:
                attempt = await self._call_webhook(delivery_id, payload, webhook)
            if await self._record(delivery_id, attempts, attempt, now=now):
                failed += 1
            delivered += attempt.ok
        return delivered, failed

    async def _send_email(self, delivery_id: uuid.UUID, payload: dict[str, Any]) -> Attempt:
        assert self.smtp is not None
        message = mail.message(
            sender=self.settings.mail_from,
            to=str(payload["to"]),
            subject=str(payload["subject"]),
            body=str(payload["body"]),
            message_id=str(delivery_id),
        )
        try:
            await mail.send(self.smtp, message, seconds=self.settings.smtp_timeout_seconds)
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            return Attempt(False, getattr(exc, "code", None), f"{type(exc).__name__}: {exc}")
        return Attempt(True)

    async def _call_webhook(
        self, delivery_id: uuid.UUID, payload: dict[str, Any], webhook: Webhook | None
    ) -> Attempt:
        if webhook is None or webhook.deleted_at is not None or not webhook.is_active:
            return Attempt(False, error="the subscription was deleted or paused", final=True)
        result = await sender.call(
            self._client(),
            url=webhook.url,
            secret=webhook.secret,
            message_id=str(delivery_id),
            payload=payload,
            allow_private=self.settings.webhooks_allow_private,
        )
        return Attempt(result.ok, result.status, result.error)

    async def _record(
        self,
        delivery_id: uuid.UUID,
        attempts: int,
        attempt: Attempt,
        *,
        now: datetime,
    ) -> bool:
        """Store an attempt's outcome; True when the delivery is now given up on."""
        # The pass's time, unless the attempt took the clock past it.
        now = max(now, utcnow())
        async with unit_of_work(self.sessionmaker) as session:
            delivery = await WorkerRepository(session).delivery(delivery_id=delivery_id)
            if delivery is None or delivery.status is not DeliveryStatus.PENDING:
                return False
            delivery.response_status = attempt.status
            if attempt.ok:
                delivery.status = DeliveryStatus.DELIVERED
                delivery.delivered_at = now
                delivery.last_error = None
                return False
            delivery.last_error = (attempt.error or "failed")[:ERROR_TEXT_LIMIT]
            metrics.record_delivery_failure(channel=delivery.channel.value)
            gone = delivery.max_attempts is not None and attempts >= delivery.max_attempts
            if gone or attempt.final:
                delivery.status = DeliveryStatus.FAILED
                logger.warning(
                    "delivery failed for good",
                    extra={"delivery_id": str(delivery_id), "error": delivery.last_error},
                )
                return True
            delivery.next_attempt_at = now + backoff(attempts)
            logger.info(
                "delivery attempt failed; will retry",
                extra={"delivery_id": str(delivery_id), "attempts": attempts},
            )
            return False


__all__ = ["EventType", "PassSummary", "Worker", "backoff"]
