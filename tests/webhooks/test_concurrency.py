"""Several workers on one PostgreSQL outbox: each event is dispatched once and each call made
once, because every claim skips the rows another worker holds (FOR UPDATE SKIP LOCKED).

These tests commit for real, so they run in a scratch database of their own.
"""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime

import pytest
from httpx import AsyncClient

from app.core.db import unit_of_work
from app.events.models import EventType
from app.events.outbox import emit
from app.webhooks.models import Webhook
from app.webhooks.service import new_secret
from app.worker.worker import Worker
from tests.factories import Factory
from tests.outbox_servers import http_receiver

pytestmark = pytest.mark.skipif(
    not os.environ.get("GT_TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="several workers sharing the outbox is a PostgreSQL matter (SQLite has one writer)",
)

EVENTS = 24


async def test_three_workers_deliver_each_event_exactly_once(
    committed: tuple[AsyncClient, Factory],
) -> None:
    _client, factory = committed
    settings = factory.settings.model_copy(
        update={"webhooks_allow_private": True, "worker_batch_size": 5}
    )
    with http_receiver() as (receiver, url):
        async with unit_of_work(factory.sessionmaker) as session:
            session.add(
                Webhook(url=url, events=[EventType.VALUE_APPROVED.value], secret=new_secret())
            )
            for n in range(EVENTS):
                emit(
                    session,
                    event_type=EventType.VALUE_APPROVED,
                    title=f"event {n}",
                    data={"n": n},
                )
        workers = [Worker(factory.sessionmaker, settings) for _ in range(3)]
        now = datetime.now(UTC)
        await asyncio.gather(*(worker.drain(now=now, scan=False) for worker in workers))
        for worker in workers:
            await worker.aclose()
    ids = [headers["webhook-id"] for headers, _, _ in receiver.calls]
    assert len(ids) == EVENTS
    assert len(set(ids)) == EVENTS
