"""`status.changed` tells a subscriber that a measure's status for a period moved: sent when an
approved figure or a new target changes its RAG or a direction of travel, and not when it
rates as it did (a revision within the band, a target moved within the same rating)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.access.permissions import Role
from app.core.config import Settings
from app.worker.worker import Worker
from tests.factories import Factory
from tests.helpers import Headers, create_indicator, person
from tests.indicators.helpers import save_value, set_target, step
from tests.outbox_servers import Receiver, http_receiver
from tests.webhooks.test_webhooks import subscribe

Q1, Q2 = "2025-26-Q1", "2025-26-Q2"


async def _approve(
    client: AsyncClient, perf: Headers, approver: Headers, code: str, period: str, value: float
) -> None:
    assert (await save_value(client, perf, code, period, value=value)).status_code in (200, 201)
    assert (await step(client, perf, code, period, "submit")).status_code == 200
    assert (await step(client, approver, code, period, "approve")).status_code == 200


async def _announced(worker: Worker, calls: Receiver) -> list[tuple[str, str | None, str]]:
    """Every status.changed received so far: (period, RAG, direction against the previous)."""
    await worker.drain(now=datetime.now(UTC), scan=False)
    messages = [json.loads(body) for _, body, status in calls.calls if status == 204]
    return [
        (
            message["data"]["period"],
            message["data"]["status"]["rag"],
            message["data"]["status"]["direction"]["vs_previous"],
        )
        for message in messages
        if message["type"] == "status.changed"
    ]


async def test_status_changed_is_sent_only_when_the_rag_or_direction_of_travel_moves(
    app: FastAPI,
    client: AsyncClient,
    factory: Factory,
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    allowed = settings.model_copy(update={"webhooks_allow_private": True})
    app.state.settings = allowed
    await factory.financial_year(2025)
    admin = (await person(factory, Role.ADMIN)).headers
    perf = (await person(factory, Role.PERFORMANCE_TEAM)).headers
    approver = (await person(factory, Role.HEAD_OF_SERVICE, "HOU")).headers
    await create_indicator(client, perf, "SC1")
    worker = Worker(sessionmaker, allowed)
    with http_receiver() as (calls, url):
        await subscribe(client, admin, url, ["status.changed"])

        await _approve(client, perf, approver, "SC1", Q1, 64.2)
        assert await _announced(worker, calls) == [(Q1, "data_only", "not_available")]

        # Revised and approved again: no target, no earlier figure, so it rates the same.
        await _approve(client, perf, approver, "SC1", Q1, 64.3)
        assert len(await _announced(worker, calls)) == 1

        # A target far above: red. Raised further: still red, nothing to tell.
        await set_target(client, perf, "SC1", Q1, value=90)
        assert (await _announced(worker, calls))[1:] == [(Q1, "red", "not_available")]
        await set_target(client, perf, "SC1", Q1, value=95)
        assert len(await _announced(worker, calls)) == 2

        # Lowered below the figure: green.
        await set_target(client, perf, "SC1", Q1, value=60)
        assert (await _announced(worker, calls))[2:] == [(Q1, "green", "not_available")]

        # The next quarter, overdue with no figure: missing; then its figure, a status of its
        # own, improving on the first.
        await set_target(client, perf, "SC1", Q2, value=60)
        assert (await _announced(worker, calls))[3:] == [(Q2, "missing", "not_available")]
        await _approve(client, perf, approver, "SC1", Q2, 70)
        assert (await _announced(worker, calls))[4:] == [(Q2, "green", "improving")]

        # A target raised above the figure and a revised figure above it, dispatched in one
        # pass: each is rated as the two leave the status together (green, improving, as
        # announced), so the moment between them is not announced.
        await set_target(client, perf, "SC1", Q2, value=80)
        await _approve(client, perf, approver, "SC1", Q2, 85)
        assert len(await _announced(worker, calls)) == 5
    await worker.aclose()
