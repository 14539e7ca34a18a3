"""How fast do values go in through POST /api/v1/values/batch, over real HTTP?

Creates a scratch PostgreSQL database (``alembic upgrade head``), seeds an organisation,
open periods and monthly indicators, starts ``uvicorn`` on a loopback port in a subprocess,
and pushes N values in batches of B items as a machine client would (JSON, atomic). Prints
values per second, per-batch latency, and the server's peak resident memory.

On PostgreSQL it then measures the floor in the same run: the rows the pushes wrote (values,
revisions, audit events), read back, written again with COPY into a twin of the database as it
was before the pushes (``CREATE DATABASE ... TEMPLATE``), one transaction per batch; and prints
the ratio of the two rates (issue #20, goal 4: at least 0.25).

    python -m bench.ingest [--values 100000] [--batch 10000] [--format json|csv]
                           [--workers 1] [--concurrency 1] [--postgres-url URL] [--sqlite]

Figures and their meaning: bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy import insert, make_url

from app.access.permissions import Role
from app.audit.checkpoint import CheckpointFile
from app.audit.seal import AuditSeal
from app.audit.service import AuditService
from app.bootstrap import app_sessionmaker
from app.core.config import Environment, Settings
from app.core.db import create_engine, unit_of_work
from app.core.security import SubjectKind, create_access_token
from app.indicators.models import Indicator, IndicatorStatus
from app.measures.vocabulary import Aggregation, Frequency, Polarity, ValueType
from app.org.models import OrgUnit, OrgUnitKind
from app.periods import calendar
from app.periods.calendar import PeriodKind
from app.periods.models import Period, PeriodStatus
from app.users.models import RoleAssignment, User
from bench.scorecard import DEFAULT_POSTGRES_URL, SECRET_KEY, _admin, migrate

ROOT = Path(__file__).resolve().parent.parent
FIRST_YEAR = 2020
NOT_YET_DUE = date(2099, 12, 31)


def months(count: int) -> list[str]:
    """Month codes from April FIRST_YEAR onwards."""
    codes: list[str] = []
    year = FIRST_YEAR
    while len(codes) < count:
        codes += [
            s.code for s in calendar.financial_year_periods(year) if s.kind is PeriodKind.MONTH
        ]
        year += 1
    return codes[:count]


async def seed(url: str, *, indicators: int, month_codes: list[str]) -> uuid.UUID:
    """The council, open months, monthly count indicators, and a performance-team user."""
    engine = create_engine(url)
    user_id = uuid.uuid4()
    try:
        async with engine.begin() as connection:
            council = uuid.uuid4()
            service = uuid.uuid4()
            directorate = uuid.uuid4()
            await connection.execute(
                insert(OrgUnit),
                [
                    {"id": council, "code": "BENCH", "name": "Bench", "kind": OrgUnitKind.COUNCIL},
                    {
                        "id": directorate,
                        "code": "DIR",
                        "name": "Directorate",
                        "kind": OrgUnitKind.DIRECTORATE,
                        "parent_id": council,
                    },
                    {
                        "id": service,
                        "code": "SVC",
                        "name": "Service",
                        "kind": OrgUnitKind.SERVICE,
                        "parent_id": directorate,
                    },
                ],
            )
            years = sorted({calendar.parse_period(code).start_year for code in month_codes})
            periods = [
                {
                    "code": spec.code,
                    "kind": spec.kind,
                    "financial_year": spec.financial_year,
                    "start_year": spec.start_year,
                    "start_date": spec.start_date,
                    "end_date": spec.end_date,
                    "status": PeriodStatus.OPEN,
                    # Not yet due: with the calendar's due dates, long past, the worker beside
                    # the server would spend the run making and dispatching a reminder for
                    # every one of the indicators' missing figures (72,000 for 50,000 values),
                    # competing with the pushes it is meant to measure.
                    "data_due_date": NOT_YET_DUE,
                }
                for year in years
                for spec in calendar.financial_year_periods(year)
            ]
            await connection.execute(insert(Period), periods)
            await connection.execute(
                insert(Indicator),
                [
                    {
                        "code": f"B{n:05d}",
                        "title": f"Bench measure {n}",
                        "value_type": ValueType.COUNT,
                        "decimal_places": 0,
                        "polarity": Polarity.LOWER_IS_BETTER,
                        "frequency": Frequency.MONTHLY,
                        "aggregation": Aggregation.SUM,
                        "org_unit_id": service,
                        "status": IndicatorStatus.ACTIVE,
                    }
                    for n in range(indicators)
                ],
            )
            await connection.execute(
                insert(User),
                [{"id": user_id, "email": "bench@council.gov.uk", "full_name": "Bench"}],
            )
            await connection.execute(
                insert(RoleAssignment),
                [{"user_id": user_id, "role": Role.PERFORMANCE_TEAM, "org_unit_id": None}],
            )
    finally:
        await engine.dispose()
    return user_id


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def peak_rss_mib(pid: int) -> float:
    """The process's peak resident set size (VmHWM), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def body(items: list[dict[str, Any]], fmt: str) -> tuple[bytes, str]:
    if fmt == "csv":
        lines = ["indicator_code,period,value"] + [
            f"{i['indicator_code']},{i['period']},{i['value']}" for i in items
        ]
        return ("\n".join(lines) + "\n").encode(), "text/csv"
    return json.dumps({"items": items}).encode(), "application/json"


async def push(
    port: int,
    token: str,
    *,
    bodies: list[tuple[bytes, str, int]],
    concurrency: int,
) -> list[float]:
    """Send the prepared batches, ``concurrency`` at a time; the time of each."""
    timings: list[float] = []
    queue = list(reversed(bodies))

    async def sender(http: httpx.AsyncClient) -> None:
        while queue:
            content, media_type, count = queue.pop()
            began = time.perf_counter()
            response = await http.post(
                "/api/v1/values/batch",
                content=content,
                headers={"Authorization": f"Bearer {token}", "Content-Type": media_type},
            )
            timings.append(time.perf_counter() - began)
            if response.status_code != 200:
                raise SystemExit(f"a batch failed: {response.status_code} {response.text[:500]}")
            created = response.json()["summary"]["created"]
            if created != count:
                raise SystemExit(f"a batch stored {created} of {count}")

    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", timeout=300, limits=limits
    ) as http:
        await asyncio.gather(*(sender(http) for _ in range(concurrency)))
    return timings


def bodies(
    *, total: int, batch: int, month_codes: list[str], indicators: int, fmt: str
) -> list[tuple[bytes, str, int]]:
    """Every request body, encoded before the clock starts: the service is measured, not the
    client's JSON encoder."""
    items = [
        {
            "indicator_code": f"B{n % indicators:05d}",
            "period": month_codes[n // indicators],
            "value": n % 997,
        }
        for n in range(total)
    ]
    prepared = []
    for start in range(0, total, batch):
        chunk = items[start : start + batch]
        content, media_type = body(chunk, fmt)
        prepared.append((content, media_type, len(chunk)))
    return prepared


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes have used so far (from /proc/<pid>/stat)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / ticks


def server_pids(server: subprocess.Popen[bytes]) -> list[int]:
    """The uvicorn process and, with --workers, its worker processes."""
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
    found = [int(pid) for pid in children.read_text().split()] if children.exists() else []
    return [server.pid, *found]


def wait_idle(pids: list[int], *, seconds: float = 120, window: float = 1.0) -> None:
    """Until the server uses almost no CPU (its start-up work and the worker's first pass
    done), so that the clock measures the pushes alone; at most ``seconds``."""
    deadline = time.monotonic() + seconds
    used = cpu_seconds(pids)
    while time.monotonic() < deadline:
        time.sleep(window)
        now = cpu_seconds(pids)
        if now - used < 0.05 * window:
            return
        used = now


def wait_ready(port: int, process: subprocess.Popen[bytes], *, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("the server exited before it was ready")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the server did not become ready in {seconds:.0f} s")


# What a push writes, in the order COPY must write it (revisions and audit events after values).
COPIED = ("indicator_value", "value_revision", "audit_event")


def start_app(
    url: str,
    *,
    workers: int = 1,
    options: Sequence[str] = (),
    ready_seconds: float = 60,
    environment: Mapping[str, str] | None = None,
) -> tuple[subprocess.Popen[bytes], int]:
    """The app under uvicorn on a free loopback port, on the database ``url``, answering
    (``environment``: settings of its own beside the benchmark's)."""
    port = free_port()
    env = {
        **os.environ,
        "GT_DATABASE_URL": url,
        "GT_SECRET_KEY": SECRET_KEY,
        "GT_ENVIRONMENT": "production",
        "GT_LOG_LEVEL": "WARNING",
        **(environment or {}),
    }
    server = subprocess.Popen(  # noqa: S603 - our own server, on loopback
        [
            sys.executable,
            "-m",
            "uvicorn",
            "app.main:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
            "--workers",
            str(workers),
            *options,
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_ready(port, server, seconds=ready_seconds)
    except BaseException:
        stop_server(server)
        raise
    return server, port


def stop_server(server: subprocess.Popen[bytes]) -> None:
    server.send_signal(signal.SIGINT)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()


async def _connect(url: str) -> asyncpg.Connection:
    parsed = make_url(url)
    return await asyncpg.connect(
        host=parsed.host,
        port=parsed.port or 5432,
        user=parsed.username,
        password=parsed.password,
        database=parsed.database,
    )


async def copy_floor(source_url: str, twin_url: str, *, batches: int) -> dict[str, Any]:
    """Write the rows the pushes wrote again, with COPY, into the twin: ``batches``
    transactions, each a share of every table's rows (the values of one batch, their revisions
    and their audit events). Reading them back is not timed; COPY encodes each record from
    Python objects as the app's own COPY does."""
    source = await _connect(source_url)
    try:
        tables: dict[str, tuple[list[str], list[tuple[Any, ...]]]] = {}
        for table in COPIED:
            columns = [
                r["column_name"]
                for r in await source.fetch(
                    "SELECT column_name FROM information_schema.columns"
                    " WHERE table_name = $1 ORDER BY ordinal_position",
                    table,
                )
            ]
            # Revisions in their values' order, so each share's revisions follow its values.
            order = "value_id, number" if table == "value_revision" else "id"
            rows = await source.fetch(f"SELECT * FROM {table} ORDER BY {order}")  # noqa: S608
            tables[table] = (columns, [tuple(r) for r in rows])
    finally:
        await source.close()
    twin = await _connect(twin_url)
    try:
        began = time.perf_counter()
        for n in range(batches):
            async with twin.transaction():
                for table in COPIED:
                    columns, rows = tables[table]
                    share = len(rows) * n // batches, len(rows) * (n + 1) // batches
                    await twin.copy_records_to_table(
                        table, records=rows[share[0] : share[1]], columns=columns
                    )
        elapsed = time.perf_counter() - began
    finally:
        await twin.close()
    return {
        "rows": {table: len(tables[table][1]) for table in COPIED},
        "seconds": round(elapsed, 3),
    }


async def verify_chain(url: str) -> dict[str, Any]:
    """The audit chain after the pushes, verified as the server's auditors would (its key,
    derived from the secret key, and its checkpoint file under the server's ./var)."""
    settings = Settings(
        environment=Environment.TEST,
        database_url=url,
        secret_key=SECRET_KEY,
        log_json=False,
    )
    seal = AuditSeal.from_settings(settings)
    assert seal.checkpoint is not None
    seal = AuditSeal(
        key=seal.key, checkpoint=CheckpointFile(ROOT / seal.checkpoint.path, key=seal.key)
    )
    engine = create_engine(url)
    try:
        async with unit_of_work(app_sessionmaker(engine, audit=seal)) as session:
            result = await AuditService(session).verify()
    finally:
        await engine.dispose()
    return result.model_dump(mode="json")


def run(url: str, args: argparse.Namespace) -> dict[str, Any]:
    indicators = args.indicators
    month_codes = months(-(-args.values // indicators))
    migrate(url)
    user_id = asyncio.run(seed(url, indicators=indicators, month_codes=month_codes))
    postgres = make_url(url).get_backend_name() == "postgresql"
    twin_url = make_url(url).set(database=f"{make_url(url).database}_twin")
    admin = make_url(url).set(database="postgres").render_as_string(hide_password=False)
    if postgres:  # the database as it is before the pushes, for the COPY floor
        asyncio.run(
            _admin(
                admin,
                f'CREATE DATABASE "{twin_url.database}" TEMPLATE "{make_url(url).database}"',
            )
        )
    server, port = start_app(url, workers=args.workers)
    try:
        token, _ = create_access_token(
            subject_kind=SubjectKind.USER,
            subject_id=user_id,
            secret_key=SECRET_KEY,
            lifetime=timedelta(hours=1),
            issuer="golden-thread",
        )
        prepared = bodies(
            total=args.values,
            batch=args.batch,
            month_codes=month_codes,
            indicators=indicators,
            fmt=args.format,
        )
        pids = server_pids(server)
        wait_idle(pids)
        cpu_before = cpu_seconds(pids)
        began = time.perf_counter()
        timings = asyncio.run(push(port, token, bodies=prepared, concurrency=args.concurrency))
        elapsed = time.perf_counter() - began
        server_cpu = cpu_seconds(pids) - cpu_before
        verified = asyncio.run(verify_chain(url))
        result: dict[str, Any] = {
            "backend": make_url(url).get_backend_name(),
            "values": args.values,
            "batch": args.batch,
            "format": args.format,
            "workers": args.workers,
            "concurrency": args.concurrency,
            "seconds": round(elapsed, 2),
            "values_per_second": round(args.values / elapsed),
            "batch_p50_s": round(statistics.median(timings), 2),
            "batch_max_s": round(max(timings), 2),
            "server_cpu_s_per_batch": round(server_cpu / len(prepared), 2),
            "server_peak_rss_mib": round(max(peak_rss_mib(pid) for pid in pids), 1),
            "audit_verify": verified,
        }
    finally:
        stop_server(server)
    if postgres:
        try:
            floor = asyncio.run(
                copy_floor(
                    url, twin_url.render_as_string(hide_password=False), batches=len(prepared)
                )
            )
        finally:
            asyncio.run(
                _admin(admin, f'DROP DATABASE IF EXISTS "{twin_url.database}" WITH (FORCE)')
            )
        copy_rate = args.values / floor["seconds"]
        result["copy"] = {**floor, "values_per_second": round(copy_rate)}
        result["batch_to_copy"] = round(result["values_per_second"] / copy_rate, 3)
    return result


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--values", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--indicators", type=int, default=2_000)
    parser.add_argument("--format", choices=("json", "csv"), default="json")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument(
        "--concurrency", type=int, default=1, help="batches in flight at once (default 1)"
    )
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    parser.add_argument("--sqlite", action="store_true", help="use a temporary SQLite file")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    if args.sqlite:
        with tempfile.TemporaryDirectory() as folder:
            result = run(f"sqlite+aiosqlite:///{folder}/ingest.db", args)
    else:
        name = f"gt_ingest_{uuid.uuid4().hex[:10]}"
        asyncio.run(_admin(args.postgres_url, f'CREATE DATABASE "{name}"'))
        try:
            result = run(
                make_url(args.postgres_url)
                .set(database=name)
                .render_as_string(hide_password=False),
                args,
            )
        finally:
            asyncio.run(_admin(args.postgres_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
