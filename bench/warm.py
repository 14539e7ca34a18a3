"""Is the warm scorecard close to serving the same bytes? (issue #20, goal 3)

Builds the scorecard benchmark's council in a scratch PostgreSQL database, starts the app on
``uvicorn`` (one process) and, beside it, a bare Starlette app on ``uvicorn`` that answers with
the very bytes of the app's scorecard (``bench/bare.py``). After warming both, it sends N
scorecard requests to each, one at a time and alternating between the two, over real HTTP on
loopback, and prints the p50 latency and the server CPU per request (from /proc) of each and
their ratios (the goal: at most 2x).

    python -m bench.warm [--indicators 2000] [--years 5] [--requests 40]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import make_url

from app.core.clock import today as clock_today
from app.core.db import create_engine
from app.core.security import SubjectKind, create_access_token
from bench.ingest import cpu_seconds, free_port, server_pids, start_app, stop_server, wait_ready
from bench.scorecard import (
    DEFAULT_POSTGRES_URL,
    ROOT,
    SECRET_KEY,
    Generator,
    _admin,
    insert_council,
    last_completed_quarter,
    migrate,
)
from bench.workers import SCORECARD


def start_bare(body: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    server = subprocess.Popen(  # noqa: S603 - our own server, on loopback
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bench.bare:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ, "GT_BENCH_BODY": str(body)},
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
            return server, port
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit("the bare app did not start in 60 s")


async def timed(
    targets: list[tuple[str, int, list[int]]], token: str, period: str, requests: int
) -> dict[str, dict[str, float]]:
    """``requests`` requests to each target, alternating; wall times and server CPU."""
    walls: dict[str, list[float]] = {name: [] for name, _, _ in targets}
    cpu: dict[str, float] = dict.fromkeys(walls, 0.0)
    bodies: dict[str, bytes] = {}
    async with httpx.AsyncClient(headers={"Authorization": token}, timeout=120) as client:
        for _ in range(requests):
            for name, port, pids in targets:
                before = cpu_seconds(pids)
                tick = time.perf_counter()
                response = await client.get(
                    f"http://127.0.0.1:{port}{SCORECARD}", params={"period": period}
                )
                walls[name].append(time.perf_counter() - tick)
                cpu[name] += cpu_seconds(pids) - before
                if response.status_code != 200:
                    raise SystemExit(f"{name} answered {response.status_code}")
                bodies[name] = response.content
    if len(set(bodies.values())) != 1:
        raise SystemExit("the two servers answered different bytes")
    return {
        name: {
            "p50_ms": round(statistics.median(walls[name]) * 1000, 1),
            "min_ms": round(min(walls[name]) * 1000, 1),
            "cpu_ms_per_request": round(cpu[name] / requests * 1000, 1),
        }
        for name in walls
    }


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
    bearer, _ = create_access_token(
        subject_kind=SubjectKind.USER,
        subject_id=council.user_id,
        secret_key=SECRET_KEY,
        lifetime=timedelta(hours=1),
        issuer="golden-thread",
    )
    token = f"Bearer {bearer}"
    app, app_port = start_app(url)
    bare: subprocess.Popen[bytes] | None = None
    try:
        warm = httpx.get(
            f"http://127.0.0.1:{app_port}{SCORECARD}",
            params={"period": period},
            headers={"Authorization": token},
            timeout=300,
        )
        if warm.status_code != 200:
            raise SystemExit(f"the scorecard answered {warm.status_code}: {warm.text[:300]}")
        with tempfile.NamedTemporaryFile(suffix=".json") as body:
            body.write(warm.content)
            body.flush()
            bare, bare_port = start_bare(Path(body.name))
            wait_ready(app_port, app)
            targets = [
                ("app", app_port, server_pids(app)),
                ("bare", bare_port, server_pids(bare)),
            ]
            asyncio.run(timed(targets, token, period, 3))  # both warm
            figures = asyncio.run(timed(targets, token, period, args.requests))
    finally:
        stop_server(app)
        if bare is not None:
            stop_server(bare)
    return {
        "indicators": args.indicators,
        "period": period,
        "bytes": len(warm.content),
        "requests": args.requests,
        **figures,
        "ratio_p50": round(figures["app"]["p50_ms"] / figures["bare"]["p50_ms"], 2),
        "ratio_cpu": round(
            figures["app"]["cpu_ms_per_request"] / figures["bare"]["cpu_ms_per_request"], 2
        ),
    }


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.warm", description=__doc__)
    parser.add_argument("--indicators", type=int, default=2000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    name = f"gt_bench_{uuid.uuid4().hex[:10]}"
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
