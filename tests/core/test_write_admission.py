"""A worker runs at most GT_WRITE_CONCURRENCY writing requests at once: the others wait their
turn in the order they came, reads never wait, and a write that waited too long is a 503 that
changed nothing."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from httpx import ASGITransport, AsyncClient
from starlette.types import Receive, Scope, Send

from app.core.middleware import WriteAdmissionMiddleware


class Held:
    """An ASGI app whose writes stay in progress until let go, recording what ran."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self.go = asyncio.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.started.append(f"{scope['method']} {scope['path']}")
        if scope["method"] not in ("GET", "HEAD"):
            await self.go.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


def client_of(app: Any) -> AsyncClient:
    return AsyncClient(transport=ASGITransport(app=app), base_url="http://t")


async def until(condition: Any) -> None:
    for _ in range(200):
        if condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("never happened")


async def test_writes_past_the_limit_wait_their_turn_in_order_and_reads_go_straight_through() -> (
    None
):
    inner = Held()
    app = WriteAdmissionMiddleware(inner, limit=1, wait_seconds=30)
    async with client_of(app) as http:
        first = asyncio.create_task(http.post("/first"))
        await until(lambda: inner.started == ["POST /first"])
        second = asyncio.create_task(http.put("/second"))
        third = asyncio.create_task(http.delete("/third"))
        await asyncio.sleep(0.05)
        read = await http.get("/read")  # answered while the write is still in progress
        assert read.status_code == 200
        assert inner.started == ["POST /first", "GET /read"]

        inner.go.set()
        answers = await asyncio.gather(first, second, third)
    assert [answer.status_code for answer in answers] == [200, 200, 200]
    assert inner.started == ["POST /first", "GET /read", "PUT /second", "DELETE /third"]


async def test_a_write_that_waited_too_long_is_a_503_with_retry_after_and_never_ran() -> None:
    inner = Held()
    app = WriteAdmissionMiddleware(inner, limit=1, wait_seconds=0.1)
    async with client_of(app) as http:
        first = asyncio.create_task(http.post("/first"))
        await until(lambda: inner.started == ["POST /first"])
        refused = await http.patch("/second")
        inner.go.set()
        assert (await first).status_code == 200
    assert refused.status_code == 503
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.headers["retry-after"] == "5"
    problem = json.loads(refused.content)
    assert problem["type"] == "/api/v1/problems/busy"
    assert "nothing was changed" in problem["detail"]
    assert inner.started == ["POST /first"]


async def test_a_limit_of_zero_lets_every_write_through_at_once() -> None:
    inner = Held()
    app = WriteAdmissionMiddleware(inner, limit=0, wait_seconds=0.1)
    async with client_of(app) as http:
        writes = [asyncio.create_task(http.post(f"/w{n}")) for n in range(5)]
        await until(lambda: len(inner.started) == 5)
        inner.go.set()
        assert [(await write).status_code for write in writes] == [200] * 5


async def test_a_write_that_fails_gives_its_turn_back() -> None:
    calls: list[str] = []

    async def failing(scope: Scope, receive: Receive, send: Send) -> None:
        calls.append(scope["path"])
        if scope["path"] == "/boom":
            raise RuntimeError("boom")
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    app = WriteAdmissionMiddleware(failing, limit=1, wait_seconds=0.5)
    async with AsyncClient(
        transport=ASGITransport(app=app, raise_app_exceptions=False), base_url="http://t"
    ) as http:
        await http.post("/boom")
        after = await http.post("/after")
    assert after.status_code == 204
    assert calls == ["/boom", "/after"]
