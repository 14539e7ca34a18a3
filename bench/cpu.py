"""How much CPU does each kind of request cost the server? (issue #20, goals 3 and 5)

Builds the scorecard benchmark's council (``bench.scorecard``'s generator: 2,000 indicators,
five years) in a scratch PostgreSQL database, as ``bench/load.py`` does, and runs the app in
this very process, called through ``httpx.ASGITransport`` (no sockets, no uvicorn), with the
outbox worker off (its work follows the writes, but is no request's). For each kind of request
of ``bench/load.py``'s mix (the values page of an indicator, one indicator, a page of
indicators; entering a figure, submitting it, approving it, a bulk push of 10), for the warm
scorecard, and for two floors under them (``healthz``: the middleware and the routing, no token
and no database; ``me``: the principal and one small read), it sends N requests one at a time
after a few to warm up, and prints the process's CPU per request (``time.process_time``: the
app, the database driver and the client's own share, which the bare ASGI app's line, answering
the scorecard's bytes through the same transport, shows), and its round trips to the database
(socket writes: the app has no socket of its own here).

    python -m bench.cpu [--requests 100] [--profile KIND] [--kinds values,indicator,...]

``--profile KIND`` prints the cProfile of that kind's N requests (the 35 costliest functions by
their own time, then by cumulative time).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import pstats
import random
import sys
import time
import uuid
from asyncio import selector_events
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import httpx
from sqlalchemy import make_url
from starlette.types import Receive, Scope, Send

from app.core.clock import today as clock_today
from app.core.config import Settings
from app.core.db import create_engine
from app.main import create_app
from bench.load import Slot, add_approver, bearer, slots_of
from bench.scorecard import (
    DEFAULT_POSTGRES_URL,
    SECRET_KEY,
    Generator,
    _admin,
    insert_council,
    last_completed_quarter,
    migrate,
)
from bench.workers import SCORECARD

API = "/api/v1"
# healthz (the middleware and the routing: no token, no database) and me (the principal and a
# small read) are the floors under the reads of the mix.
KINDS = (
    "healthz",
    "me",
    "scorecard",
    "bare",
    "values",
    "indicator",
    "indicators",
    "enter",
    "submit",
    "approve",
)
KINDS_ALL = (*KINDS, "bulk")


# Every socket write of this process goes to the database (the app is called through
# ASGITransport, no socket): each is a round trip, or a COPY's chunk.
DB_WRITES = {"n": 0}
# The loop's socket transport (private, so typed loosely).
_Transport: Any = selector_events._SelectorSocketTransport  # type: ignore[attr-defined]
_write = _Transport.write


def _counted_write(self: Any, data: Any) -> None:
    DB_WRITES["n"] += 1
    _write(self, data)


_Transport.write = _counted_write


def bare_app(body: bytes) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    """The floor: the same bytes from a bare ASGI callable."""
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


async def measure(
    url: str,
    args: argparse.Namespace,
    ids: tuple[uuid.UUID, uuid.UUID],
    *,
    slots: list[Slot],
    period: str,
) -> dict[str, Any]:
    settings = Settings(
        database_url=url,
        secret_key=SECRET_KEY,
        environment="production",
        log_level="WARNING",
        worker_in_process=False,
    )
    app = create_app(settings)
    enterer, approver = bearer(ids[0]), bearer(ids[1])
    codes = [slot.code for slot in slots]
    rng = random.Random(11)
    n = args.requests
    kinds = args.kinds.split(",") if args.kinds else list(KINDS_ALL)
    figures: dict[str, Any] = {}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:

            async def check(response: httpx.Response, what: str) -> httpx.Response:
                if response.status_code >= 400:
                    raise SystemExit(
                        f"{what} answered {response.status_code}: {response.text[:300]}"
                    )
                return response

            scorecard = await check(
                await http.get(SCORECARD, params={"period": period}, headers=enterer), "scorecard"
            )
            body = scorecard.content
            bare = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=bare_app(body)), base_url="http://test"
            )
            used: dict[str, int] = {"at": 0}

            def next_slots(count: int) -> list[Slot]:
                start = used["at"]
                used["at"] += count
                if used["at"] > len(slots):
                    raise SystemExit("not enough measures for that many writes")
                return slots[start : start + count]

            async def run_kind(kind: str, count: int) -> None:
                if kind == "scorecard":
                    for _ in range(count):
                        response = await check(
                            await http.get(SCORECARD, params={"period": period}, headers=enterer),
                            kind,
                        )
                        if response.content != body:
                            raise SystemExit("the scorecard changed between requests")
                elif kind == "bare":
                    for _ in range(count):
                        await bare.get(SCORECARD, params={"period": period}, headers=enterer)
                elif kind == "healthz":
                    for _ in range(count):
                        await check(await http.get("/healthz"), kind)
                elif kind == "me":
                    for _ in range(count):
                        await check(await http.get(f"{API}/me", headers=enterer), kind)
                elif kind == "values":
                    for _ in range(count):
                        await check(
                            await http.get(
                                f"{API}/indicators/{rng.choice(codes)}/values",
                                params={"page_size": 20},
                                headers=enterer,
                            ),
                            kind,
                        )
                elif kind == "indicator":
                    for _ in range(count):
                        await check(
                            await http.get(
                                f"{API}/indicators/{rng.choice(codes)}", headers=enterer
                            ),
                            kind,
                        )
                elif kind == "indicators":
                    for _ in range(count):
                        await check(
                            await http.get(
                                f"{API}/indicators", params={"page_size": 20}, headers=enterer
                            ),
                            kind,
                        )
                elif kind == "enter":
                    run_kind.entered = next_slots(count)  # type: ignore[attr-defined]
                    for slot in run_kind.entered:  # type: ignore[attr-defined]
                        await check(
                            await http.put(
                                f"{API}/indicators/{slot.code}/values/{slot.period}",
                                json={"value": rng.randint(10, 90)},
                                headers=enterer,
                            ),
                            kind,
                        )
                elif kind in ("submit", "approve"):
                    who = enterer if kind == "submit" else approver
                    for slot in run_kind.entered[:count]:  # type: ignore[attr-defined]
                        await check(
                            await http.post(
                                f"{API}/indicators/{slot.code}/values/{slot.period}/{kind}",
                                json={},
                                headers=who,
                            ),
                            kind,
                        )
                elif kind == "bulk":
                    for _ in range(count):
                        items = [
                            {
                                "indicator_code": slot.code,
                                "period": slot.bulk_period,
                                "value": rng.randint(10, 90),
                            }
                            for slot in rng.sample(slots, 10)
                        ]
                        await check(
                            await http.post(
                                f"{API}/values/batch", json={"items": items}, headers=enterer
                            ),
                            kind,
                        )
                else:
                    raise SystemExit(f"unknown kind {kind}")

            for kind in kinds:
                # submit and approve act on what the warm-up and the measured enters entered
                await run_kind(kind, 5 if kind not in ("submit", "approve") else 0)
                profiler = cProfile.Profile() if kind == args.profile else None
                writes = DB_WRITES["n"]
                began, wall = time.process_time(), time.perf_counter()
                if profiler is not None:
                    profiler.enable()
                await run_kind(kind, n)
                if profiler is not None:
                    profiler.disable()
                cpu, wall = time.process_time() - began, time.perf_counter() - wall
                figures[kind] = {
                    "cpu_ms_per_request": round(cpu / n * 1000, 2),
                    "wall_ms_per_request": round(wall / n * 1000, 2),
                    "db_round_trips_per_request": round((DB_WRITES["n"] - writes) / n, 2),
                }
                if profiler is not None and args.profile_file:
                    profiler.dump_stats(args.profile_file)
                if profiler is not None:
                    for order in ("tottime", "cumulative"):
                        out = io.StringIO()
                        pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(35)
                        print(out.getvalue(), file=sys.stderr)
            await bare.aclose()
    if "scorecard" in figures and "bare" in figures:
        figures["scorecard_cpu_over_bare"] = round(
            figures["scorecard"]["cpu_ms_per_request"] / figures["bare"]["cpu_ms_per_request"], 2
        )
    return figures


def run(url: str, args: argparse.Namespace) -> dict[str, Any]:
    migrate(url)
    generator = Generator(indicators=args.indicators, years=args.years, today=clock_today())
    council = generator.build()

    async def seed() -> uuid.UUID:
        engine = create_engine(url)
        try:
            await insert_council(engine, council)
        finally:
            await engine.dispose()
        return await add_approver(url)

    approver = asyncio.run(seed())
    slots = slots_of(generator)
    period = last_completed_quarter(generator)
    return asyncio.run(measure(url, args, (council.user_id, approver), slots=slots, period=period))


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.cpu", description=__doc__)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--kinds", default="", help=f"comma-separated, of {','.join(KINDS_ALL)}")
    parser.add_argument("--profile", default="", help="the kind to profile")
    parser.add_argument("--profile-file", default="", help="also write the profile here")
    parser.add_argument("--indicators", type=int, default=2000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    name = f"gt_cpu_{uuid.uuid4().hex[:10]}"
    asyncio.run(_admin(args.postgres_url, f'CREATE DATABASE "{name}"'))
    url = make_url(args.postgres_url).set(database=name).render_as_string(hide_password=False)
    try:
        result = run(url, args)
    finally:
        asyncio.run(_admin(args.postgres_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
