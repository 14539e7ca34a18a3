"""The outbox worker's pace: at once after a full batch, a moment after a pass that found less
(so that events gather rather than cost a pass each), the poll interval after an idle pass."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import pytest

from app.core.config import Settings
from app.worker.worker import BUSY_PAUSE_SECONDS, PassSummary, Worker


class Scripted(Worker):
    """A worker whose passes report what the script says, then stop."""

    def __init__(self, settings: Settings, script: list[PassSummary], stop: asyncio.Event) -> None:
        super().__init__(sessionmaker=None, settings=settings)  # type: ignore[arg-type]
        self.script = script
        self.stop = stop

    async def run_once(self, *, now: datetime | None = None, scan: bool = True) -> PassSummary:
        summary = self.script.pop(0)
        if not self.script:
            self.stop.set()
        return summary


async def test_a_full_batch_goes_on_at_once_a_partial_one_pauses_briefly_an_idle_one_polls(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings.model_copy(update={"worker_batch_size": 10, "worker_poll_seconds": 5.0})
    pauses: list[float] = []
    real_wait_for = asyncio.wait_for

    async def recording(awaitable: Any, **kwargs: float) -> Any:
        pauses.append(kwargs["timeout"])
        return await real_wait_for(awaitable, 0)

    monkeypatch.setattr(asyncio, "wait_for", recording)
    stop = asyncio.Event()
    worker = Scripted(
        settings,
        [
            PassSummary(events=10),  # a full batch: no pause
            PassSummary(events=3),  # less: a moment
            PassSummary(delivered=10),  # a full batch of deliveries: no pause
            PassSummary(sealed=1),  # busy, not full: a moment
            PassSummary(),  # idle: the poll interval
        ],
        stop,
    )
    await worker.run_forever(stop)
    assert pauses == [BUSY_PAUSE_SECONDS, BUSY_PAUSE_SECONDS, 5.0]
