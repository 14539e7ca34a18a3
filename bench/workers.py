"""Are statuses computed once for every worker?

Builds the scorecard benchmark's council (``bench.scorecard``'s generator) in a scratch
PostgreSQL database, starts N ``uvicorn`` servers of one process each on loopback ports (N
workers, as on several machines), and after a change that bears on every indicator (an org unit
renamed) sends one scorecard request to each worker at once. It prints the CPU the N server
processes spent on them (from /proc) against one full computation of the same scorecard in this
process with a cache of its own and no stored statuses, from nothing (every SPC chart fitted)
and as one worker alone would (the stored SPC fits read), checks that every worker answered the
same bytes as that computation, then restarts one worker and measures what its first scorecard
costs.

    python -m bench.workers [--indicators 2000] [--years 5] [--workers 4] [--rounds 2]

See bench/README.md for the method and the figures measured so far.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import delete, make_url, select

from app.audit.seal import AuditSeal
from app.bootstrap import app_sessionmaker
from app.core.clock import today as clock_today
from app.core.config import Environment, Settings
from app.core.db import create_engine, unit_of_work
from app.core.security import SubjectKind, create_access_token
from app.main import create_app, tune_garbage_collector
from app.org.models import OrgUnit
from app.status.cache import StatusCache
from app.status.models import StatusSnapshot, StoredStatus
from app.status.store import StatusStore
from bench.ingest import cpu_seconds, server_pids, start_app, stop_server
from bench.scorecard import (
    DEFAULT_POSTGRES_URL,
    SECRET_KEY,
    Generator,
    _admin,
    insert_council,
    last_completed_quarter,
    migrate,
)

SCORECARD = "/api/v1/reports/scorecard"
# As several workers are deployed (README): the outbox worker in a process of its own, not in
# each server, whose passes (a quarter second apart) would otherwise fall into the CPU measured.
AS_DEPLOYED = {"GT_WORKER_IN_PROCESS": "0"}


async def rename_an_org_unit(settings: Settings, attempt: int) -> None:
    """A change that bears on every indicator, through the app's own sessions."""
    engine = create_engine(settings.database_url)
    try:
        maker = app_sessionmaker(engine, audit=AuditSeal(key=b"bench", checkpoint=None))
        async with unit_of_work(maker) as session:
            unit = await session.scalar(select(OrgUnit).order_by(OrgUnit.code).limit(1))
            assert unit is not None
            unit.name = f"{unit.name.split(' #')[0]} #{attempt}"
    finally:
        await engine.dispose()


async def one_full_computation(
    settings: Settings, token: str, period: str, *, stored_fits: bool = False
) -> tuple[float, bytes]:
    """The CPU seconds of one scorecard computed in this process with a cache of its own and no
    stored statuses, and its body: from nothing (every SPC chart fitted), or, with
    ``stored_fits``, as one worker alone would compute it after the change (the stored SPC fits
    read; the period's stored statuses removed first, so that it computes them). The second of
    two such computations in one app: the first bears the app's first-use costs (its engine's
    connections and compiled statements), which a worker has long paid."""
    engine = create_engine(settings.database_url)
    try:
        app = create_app(settings, run_startup=False)
        app.state.engine = engine
        app.state.sessionmaker = maker = app_sessionmaker(
            engine, audit=AuditSeal(key=b"b", checkpoint=None)
        )
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://bench", headers={"Authorization": token}
        ) as client:
            await client.get("/readyz")  # imports and first-use costs out of the way
            for _ in range(2):
                app.state.status_cache = StatusCache(
                    store=StatusStore(maker) if stored_fits else None
                )
                if stored_fits:
                    # Outputs, not inputs: no data version moves (the next change moves it).
                    async with engine.begin() as connection:
                        for table in (StoredStatus, StatusSnapshot):
                            await connection.execute(delete(table).where(table.period == period))
                tick = time.process_time()
                response = await client.get(SCORECARD, params={"period": period})
                spent = time.process_time() - tick
                if response.status_code != 200:
                    raise SystemExit(f"scorecard answered {response.status_code}: {response.text}")
        return spent, response.content
    finally:
        await engine.dispose()


async def each_worker(ports: list[int], token: str, period: str) -> list[tuple[float, bytes]]:
    """One scorecard request to every worker at once: wall seconds and body of each."""
    async with httpx.AsyncClient(headers={"Authorization": token}, timeout=120) as client:

        async def ask(port: int) -> tuple[float, bytes]:
            tick = time.perf_counter()
            response = await client.get(
                f"http://127.0.0.1:{port}{SCORECARD}", params={"period": period}
            )
            if response.status_code != 200:
                raise SystemExit(f"worker on {port} answered {response.status_code}")
            return time.perf_counter() - tick, response.content

        return list(await asyncio.gather(*(ask(port) for port in ports)))


def run(url: str, args: argparse.Namespace) -> dict[str, Any]:
    migrate(url)
    generator = Generator(indicators=args.indicators, years=args.years, today=clock_today())
    council = generator.build()

    async def seed() -> None:
        engine = create_engine(url)
        try:
            await insert_council(engine, council)
        finally:
            await engine.dispose()

    asyncio.run(seed())
    period = last_completed_quarter(generator)
    settings = Settings(
        environment=Environment.TEST,
        database_url=url,
        secret_key=SECRET_KEY,
        log_json=False,
        log_level="WARNING",
    )
    bearer, _ = create_access_token(
        subject_kind=SubjectKind.USER,
        subject_id=council.user_id,
        secret_key=SECRET_KEY,
        lifetime=timedelta(hours=1),
        issuer=settings.jwt_issuer,
    )
    token = f"Bearer {bearer}"
    tune_garbage_collector()
    servers = [start_app(url, environment=AS_DEPLOYED) for _ in range(args.workers)]
    rounds: list[dict[str, Any]] = []
    try:
        ports = [port for _, port in servers]
        each = [server_pids(server) for server, _ in servers]
        asyncio.run(each_worker(ports, token, period))  # every worker warm
        for attempt in range(args.rounds):
            asyncio.run(rename_an_org_unit(settings, attempt))
            started = [cpu_seconds(pids) for pids in each]
            answers = asyncio.run(each_worker(ports, token, period))
            per_worker = [cpu_seconds(pids) - was for pids, was in zip(each, started, strict=True)]
            spent = sum(per_worker)
            full, body = asyncio.run(one_full_computation(settings, token, period))
            alone, alone_body = asyncio.run(
                one_full_computation(settings, token, period, stored_fits=True)
            )
            if any(answer != body for _, answer in answers) or alone_body != body:
                raise SystemExit("a worker answered other rows than a fresh computation")
            rounds.append(
                {
                    "workers_cpu_s": round(spent, 2),
                    # Most first: the one that computed, then those that read what it stored.
                    "each_worker_cpu_s": sorted((round(c, 2) for c in per_worker), reverse=True),
                    "one_computation_cpu_s": round(full, 2),
                    "ratio": round(spent / full, 2),
                    "one_worker_alone_cpu_s": round(alone, 2),
                    "ratio_to_one_worker_alone": round(spent / alone, 2),
                    "slowest_s": round(max(wall for wall, _ in answers), 2),
                    "fastest_s": round(min(wall for wall, _ in answers), 2),
                }
            )
        # A restart: the new process computes nothing it can read.
        server, _ = servers[-1]
        stop_server(server)
        servers[-1] = start_app(url, environment=AS_DEPLOYED)
        restarted = servers[-1][0]
        before = cpu_seconds(server_pids(restarted))
        [(wall, answer)] = asyncio.run(each_worker([servers[-1][1]], token, period))
        restart_cpu = cpu_seconds(server_pids(restarted)) - before
        if answer != body:
            raise SystemExit("the restarted worker answered other rows")
    finally:
        for server, _ in servers:
            stop_server(server)
    return {
        "indicators": args.indicators,
        "workers": args.workers,
        "period": period,
        "rounds": rounds,
        "restarted_first_request_cpu_s": round(restart_cpu, 2),
        "restarted_first_request_s": round(wall, 2),
        "bytes": len(body),
    }


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.workers", description=__doc__)
    parser.add_argument("--indicators", type=int, default=2000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=2, help="changes to every indicator")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    server = args.postgres_url
    name = f"gt_bench_{uuid.uuid4().hex[:10]}"
    asyncio.run(_admin(server, f'CREATE DATABASE "{name}"'))
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    try:
        result = run(url, args)
    finally:
        asyncio.run(_admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    print(f"{result['workers']} workers, {result['indicators']:,} indicators, {result['period']}")
    for number, found in enumerate(result["rounds"], start=1):
        print(
            f"after change {number} to every indicator: the workers' CPU "
            f"{found['workers_cpu_s']} s ({' + '.join(map(str, found['each_worker_cpu_s']))}) "
            "against one full computation "
            f"{found['one_computation_cpu_s']} s from nothing = {found['ratio']}x, "
            f"{found['one_worker_alone_cpu_s']} s as one worker alone (stored fits) = "
            f"{found['ratio_to_one_worker_alone']}x; answers in "
            f"{found['fastest_s']}-{found['slowest_s']} s"
        )
    print(
        f"a restarted worker's first scorecard: {result['restarted_first_request_cpu_s']} s CPU, "
        f"{result['restarted_first_request_s']} s; {result['bytes']:,} bytes, every answer the same"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
