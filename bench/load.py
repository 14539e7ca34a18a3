"""Do reads stay quick while 200 clients write at once?

Builds the scorecard benchmark's council (``bench.scorecard``'s generator: 2,000 indicators,
five years) in a scratch PostgreSQL database, starts ``uvicorn`` with 2 worker processes on a
loopback port, and times one read (``GET /indicators/{code}/values``) on the idle server. Then
200 clients at once, for a fixed time, each in a loop: mostly reads (that read, an indicator, a
page of indicators), and writes on measures of its own (entering a value, submitting it,
approving it as a second user, and now and then a small bulk push of 10 values), with an
exponentially distributed pause between requests (``--think``, mean seconds; 0 for none).
While it runs, it samples ``pg_stat_activity``: the server's connections, and how many wait on
a lock (the advisory lock among them). It prints requests per second, p50 and p95 for reads and
for writes, the errors, the same read's p95 idle and under load and their ratio (issue #20,
goal 5: at most 3x, and no errors), and finally verifies the audit chain.

    python -m bench.load [--clients 200] [--seconds 60] [--think 1.0] [--workers 2]
                         [--indicators 2000] [--years 5] [--postgres-url URL]

See bench/README.md for the method and the figures measured so far.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import statistics
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import asyncpg
import httpx
from sqlalchemy import insert, make_url

from app.access.permissions import Role
from app.core.clock import today as clock_today
from app.core.db import create_engine
from app.core.security import SubjectKind, create_access_token
from app.measures.vocabulary import VALUE_KIND, Aggregation
from app.periods.models import PeriodStatus
from app.users.models import RoleAssignment, User
from bench.ingest import cpu_seconds, server_pids, start_app, stop_server
from bench.scorecard import (
    DEFAULT_POSTGRES_URL,
    SECRET_KEY,
    Generator,
    _admin,
    insert_council,
    migrate,
)

API = "/api/v1"
READS_SHARE = 0.7  # of a client's requests
BULK_EVERY = 4  # every fourth write cycle is a bulk push instead of enter/submit/approve
BULK_ITEMS = 10
IDLE_READS = 200


@dataclass(frozen=True)
class Slot:
    """A measure a client owns, and the open period it writes in."""

    code: str
    period: str
    bulk_period: str


@dataclass
class Tally:
    reads: list[float] = field(default_factory=list)
    the_read: list[float] = field(default_factory=list)
    writes: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    # The first answer of each kind of error, to say what went wrong.
    first_error: dict[str, str] = field(default_factory=dict)

    def error(self, what: str, detail: str = "") -> None:
        self.errors[what] = self.errors.get(what, 0) + 1
        self.first_error.setdefault(what, detail[:300])


def slots_of(generator: Generator) -> list[Slot]:
    """Every measure a plain figure can be entered for (ratios need a numerator and a
    denominator) in two ended and open periods of its kind (annual measures have one)."""
    today = generator.today
    open_codes = {
        period["code"]
        for period in generator.council.periods
        if period["status"] is PeriodStatus.OPEN
    }
    found = []
    for indicator in generator.council.indicators:
        if indicator["aggregation"] is Aggregation.RATIO:
            continue
        ended = [
            spec.code
            for spec in generator.specs[VALUE_KIND[indicator["frequency"]]]
            if spec.end_date < today and spec.code in open_codes
        ]
        if len(ended) >= 2:
            found.append(Slot(code=indicator["code"], period=ended[-1], bulk_period=ended[-2]))
    return found


async def add_approver(url: str) -> uuid.UUID:
    """A second user to approve what the council's performance team enters."""
    approver = uuid.uuid4()
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                insert(User),
                [{"id": approver, "email": "approver@bench.example", "full_name": "Approver"}],
            )
            await connection.execute(
                insert(RoleAssignment),
                [{"user_id": approver, "role": Role.ADMIN, "org_unit_id": None}],
            )
    finally:
        await engine.dispose()
    return approver


def bearer(user_id: uuid.UUID) -> dict[str, str]:
    token, _ = create_access_token(
        subject_kind=SubjectKind.USER,
        subject_id=user_id,
        secret_key=SECRET_KEY,
        lifetime=timedelta(hours=2),
        issuer="golden-thread",
    )
    return {"Authorization": f"Bearer {token}"}


def percentile(samples: list[float], share: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def idle_read(
    http: httpx.AsyncClient, enterer: dict[str, str], codes: list[str]
) -> list[float]:
    timings = []
    rng = random.Random(7)
    for _ in range(IDLE_READS):
        began = time.perf_counter()
        response = await http.get(
            f"{API}/indicators/{rng.choice(codes)}/values",
            params={"page_size": 20},
            headers=enterer,
        )
        timings.append(time.perf_counter() - began)
        if response.status_code != 200:
            raise SystemExit(f"the read answered {response.status_code}: {response.text[:300]}")
    return timings


async def client(
    number: int,
    http: httpx.AsyncClient,
    *,
    slots: list[Slot],
    codes: list[str],
    enterer: dict[str, str],
    approver: dict[str, str],
    until: float,
    think: float,
    tally: Tally,
) -> None:
    rng = random.Random(number)
    cycle = 0
    step = 0  # 0 enter, 1 submit, 2 approve
    slot_at = 0
    entered: dict[str, int] = {}
    while time.perf_counter() < until:
        if think:
            await asyncio.sleep(rng.expovariate(1 / think))
        kind = "read" if rng.random() < READS_SHARE else "write"
        began = time.perf_counter()
        try:
            if kind == "read":
                which = rng.random()
                if which < 0.6:
                    what = "values"
                    response = await http.get(
                        f"{API}/indicators/{rng.choice(codes)}/values",
                        params={"page_size": 20},
                        headers=enterer,
                    )
                elif which < 0.8:
                    what = "indicator"
                    response = await http.get(
                        f"{API}/indicators/{rng.choice(codes)}", headers=enterer
                    )
                else:
                    what = "indicators"
                    response = await http.get(
                        f"{API}/indicators", params={"page_size": 20}, headers=enterer
                    )
            elif step == 0 and cycle % BULK_EVERY == BULK_EVERY - 1:
                what = "bulk"
                items = [
                    {
                        "indicator_code": slot.code,
                        "period": slot.bulk_period,
                        "value": rng.randint(10, 90),
                    }
                    for slot in slots[:BULK_ITEMS]
                ]
                response = await http.post(
                    f"{API}/values/batch", json={"items": items}, headers=enterer
                )
                cycle += 1
            else:
                unchanged = False
                slot = slots[slot_at % len(slots)]
                path = f"{API}/indicators/{slot.code}/values/{slot.period}"
                if step == 0:
                    what = "enter"
                    # Never the figure it holds: the same figure again changes nothing, and an
                    # approved value stays approved (the submit after it would be a 409).
                    value = rng.randint(10, 90)
                    while value == entered.get(slot.code):
                        value = rng.randint(10, 90)
                    entered[slot.code] = value
                    response = await http.put(path, json={"value": value}, headers=enterer)
                    unchanged = (
                        response.status_code < 400 and response.json().get("status") == "approved"
                    )
                elif step == 1:
                    what = "submit"
                    response = await http.post(f"{path}/submit", json={}, headers=enterer)
                else:
                    what = "approve"
                    response = await http.post(f"{path}/approve", json={}, headers=approver)
                # The figure it already held (the generator's, by chance): entered again next.
                if not (step == 0 and unchanged):
                    step = (step + 1) % 3
                if step == 0:
                    slot_at += 1
                    cycle += 1
        except httpx.HTTPError as exc:
            tally.error(f"{type(exc).__name__}", str(exc))
            continue
        elapsed = time.perf_counter() - began
        if response.status_code >= 400:
            tally.error(f"{what} {response.status_code}", response.text)
            continue
        if kind == "read":
            tally.reads.append(elapsed)
            if what == "values":
                tally.the_read.append(elapsed)
        else:
            tally.writes.append(elapsed)


async def sample_connections(url: str, database: str, stop: asyncio.Event) -> dict[str, Any]:
    """The most server connections seen at once, and the most in each state and wait (the
    advisory lock among them), sampled every quarter second."""
    parsed = make_url(url)
    connection = await asyncpg.connect(
        host=parsed.host,
        port=parsed.port or 5432,
        user=parsed.username,
        password=parsed.password,
        database="postgres",
    )
    most: dict[str, int] = {"connections": 0, "advisory_lock": 0}
    lock_queries: dict[str, int] = {}
    idle_after: dict[str, int] = {}
    try:
        while not stop.is_set():
            rows = await connection.fetch(
                "SELECT state, wait_event_type, wait_event, left(query, 90) AS query"
                " FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
                database,
            )
            seen: dict[str, int] = {"connections": len(rows), "advisory_lock": 0}
            for row in rows:
                label = (
                    f"{row['state']}: {row['wait_event_type'] or '-'}/{row['wait_event'] or '-'}"
                )
                seen[label] = seen.get(label, 0) + 1
                if row["wait_event"] == "advisory":
                    seen["advisory_lock"] += 1
                if row["wait_event_type"] == "Lock":
                    lock_queries[row["query"]] = lock_queries.get(row["query"], 0) + 1
                elif row["state"] == "idle in transaction":
                    after = f"idle in transaction after: {row['query']}"
                    idle_after[after] = idle_after.get(after, 0) + 1
            for key, count in seen.items():
                most[key] = max(most.get(key, 0), count)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=0.25)
    finally:
        await connection.close()
    return {
        "most_at_once": most,
        "waiting_on_a_lock_in": lock_queries,
        "samples_idle_in_transaction_after": dict(
            sorted(idle_after.items(), key=lambda item: -item[1])[:6]
        ),
    }


async def load(
    port: int,
    url: str,
    args: argparse.Namespace,
    slots: list[Slot],
    pids: list[int],
    ids: tuple[uuid.UUID, uuid.UUID],
) -> dict[str, Any]:
    enterer, approver = bearer(ids[0]), bearer(ids[1])
    codes = [slot.code for slot in slots]
    limits = httpx.Limits(max_connections=args.clients + 10, max_keepalive_connections=args.clients)
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", timeout=120, limits=limits
    ) as http:
        await idle_read(http, enterer, codes)  # warm: imports, caches, connections
        idle = await idle_read(http, enterer, codes)
        share = len(slots) // args.clients
        tally = Tally()
        stop = asyncio.Event()
        sampler = asyncio.create_task(sample_connections(url, make_url(url).database or "", stop))
        # Each client a connection of its own, as 200 browsers or scripts would have: one
        # httpx pool shared by 200 tasks scans its connections at every request, and the
        # generator, not the server, became the bottleneck (a core of its own at 70 requests/s).
        async with contextlib.AsyncExitStack() as own:
            clients = [
                await own.enter_async_context(
                    httpx.AsyncClient(
                        base_url=f"http://127.0.0.1:{port}",
                        timeout=120,
                        limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
                    )
                )
                for _ in range(args.clients)
            ]
            cpu_before = cpu_seconds(pids)
            own_cpu_before = time.process_time()
            began = time.perf_counter()
            until = began + args.seconds
            await asyncio.gather(
                *(
                    client(
                        n,
                        clients[n],
                        slots=slots[n * share : (n + 1) * share],
                        codes=codes,
                        enterer=enterer,
                        approver=approver,
                        until=until,
                        think=args.think,
                        tally=tally,
                    )
                    for n in range(args.clients)
                )
            )
            own_cpu = time.process_time() - own_cpu_before
        elapsed = time.perf_counter() - began
        server_cpu = cpu_seconds(pids) - cpu_before
        stop.set()
        connections = await sampler
        verify = (await http.get(f"{API}/audit-events/verify", headers=approver)).json()
    requests = len(tally.reads) + len(tally.writes) + sum(tally.errors.values())
    idle_p95 = percentile(idle, 0.95)
    load_p95 = percentile(tally.the_read, 0.95)
    return {
        "clients": args.clients,
        "workers": args.workers,
        "think_s": args.think,
        "seconds": round(elapsed, 1),
        "requests": requests,
        "requests_per_second": round(requests / elapsed, 1),
        "server_cpu_s_per_s": round(server_cpu / elapsed, 2),
        # Near 1.0, the generator (one process, one loop) is what limits the run, not the server.
        "load_generator_cpu_s_per_s": round(own_cpu / elapsed, 2),
        "reads": {
            "count": len(tally.reads),
            "p50_ms": round(statistics.median(tally.reads) * 1000, 1),
            "p95_ms": round(percentile(tally.reads, 0.95) * 1000, 1),
        },
        "writes": {
            "count": len(tally.writes),
            "p50_ms": round(statistics.median(tally.writes) * 1000, 1),
            "p95_ms": round(percentile(tally.writes, 0.95) * 1000, 1),
        },
        "errors": tally.errors,
        "first_error": tally.first_error,
        "the_read": {
            "what": "GET /indicators/{code}/values?page_size=20",
            "idle_p50_ms": round(statistics.median(idle) * 1000, 1),
            "idle_p95_ms": round(idle_p95 * 1000, 1),
            "load_p50_ms": round(statistics.median(tally.the_read) * 1000, 1),
            "load_p95_ms": round(load_p95 * 1000, 1),
            "ratio": round(load_p95 / idle_p95, 2),
        },
        **connections,
        "audit_verify": verify,
    }


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
    server, port = start_app(
        url,
        workers=args.workers,
        # Longer than any pause between a client's requests: a kept-alive connection the
        # server closes as the client reuses it is a ReadError, not the server's doing.
        options=("--timeout-keep-alive", "75"),
        ready_seconds=300,
    )
    try:
        time.sleep(2)  # every worker up, not only the first to answer
        pids = server_pids(server)
        return asyncio.run(load(port, url, args, slots, pids, (council.user_id, approver)))
    finally:
        stop_server(server)


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument(
        "--think", type=float, default=1.0, help="mean pause between a client's requests, s"
    )
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--indicators", type=int, default=2000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    server = args.postgres_url
    name = f"gt_load_{uuid.uuid4().hex[:10]}"
    asyncio.run(_admin(server, f'CREATE DATABASE "{name}"'))
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    try:
        result = run(url, args)
    finally:
        asyncio.run(_admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    print(json.dumps(result, indent=2))
    read = result["the_read"]
    print(
        f"{result['clients']} clients on {result['workers']} workers: "
        f"{result['requests_per_second']} requests/s; reads p50 {result['reads']['p50_ms']} ms "
        f"p95 {result['reads']['p95_ms']} ms; writes p50 {result['writes']['p50_ms']} ms "
        f"p95 {result['writes']['p95_ms']} ms; errors {sum(result['errors'].values())}; "
        f"the read p95 {read['load_p95_ms']} ms under load against {read['idle_p95_ms']} ms "
        f"idle = {read['ratio']}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
