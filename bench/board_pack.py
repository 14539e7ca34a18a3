"""How long does the board pack take as PDF for a large council, how much memory does it use,
and is a published pack served from storage?

For each size (500 and 2,000 indicators by default) it builds the same council as
bench/scorecard.py (five financial years) in an SQLite file, then, in a fresh process of its
own (so the memory figures are that size's alone), serves the app in-process over httpx and:

1. downloads ``GET /api/v1/reports/board-pack?period=<last completed quarter>&format=pdf``
   twice (cold status cache, then warm): wall time, CPU time of the process (every thread),
   size and pages;
2. downloads it a third time under tracemalloc: the peak of Python allocations during the
   request; and the process's peak resident memory (VmHWM) over that request, its high-water
   mark reset just before (``/proc/self/clear_refs``), minus the resident memory before it;
3. optionally (``--formats pdf docx``) the same for the Word pack;
4. publishes the pack (``POST /reports/publications``) and downloads the published PDF: wall
   and CPU time, the SQL statements that download ran and the tables they read (a stored
   pack reads its publication row and its bytes; a computed one reads values and targets),
   and that its bytes hash to the stored SHA-256.

    python -m bench.board_pack [--indicators 500 2000] [--years 5] [--formats pdf]
                               [--keep DIR] [--profile FILE]

``--keep DIR`` keeps the generated databases there and reuses them on the next run;
``--profile FILE`` writes a cProfile of the warm PDF download of the largest size to FILE.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import hashlib
import io
import json
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest.mock import patch

import anyio
import httpx
from pypdf import PdfReader
from sqlalchemy import event, select

from app.audit.seal import AuditSeal
from app.bootstrap import app_sessionmaker
from app.core.clock import today
from app.core.config import Environment, Settings
from app.core.db import create_engine
from app.core.security import SubjectKind, create_access_token
from app.main import create_app, tune_garbage_collector
from app.periods import calendar
from app.status.cache import StatusCache
from app.users.models import User
from bench.scorecard import SECRET_KEY, Generator, insert_council, migrate

PACK = "/api/v1/reports/board-pack"
PUBLICATIONS = "/api/v1/reports/publications"
_TABLE = re.compile(r'\bFROM\s+"?(\w+)"?', re.IGNORECASE)


def _kib(field: str) -> int:
    """A memory figure of this process from /proc/self/status, in KiB (0 where there is none)."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return 0
    found = re.search(rf"^{field}:\s+(\d+) kB", status, re.MULTILINE)
    return int(found[1]) if found else 0


def _reset_peak() -> bool:
    """Reset the process's resident high-water mark (Linux); False where it cannot be."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def prepare(folder: Path, *, indicators: int, years: int) -> Path:
    """The council's database in `folder`, built unless it is there already."""
    path = folder / f"council-{indicators}-{years}.db"
    if path.exists():
        return path
    building = path.with_suffix(".building")
    building.unlink(missing_ok=True)
    url = f"sqlite+aiosqlite:///{building}"
    began = time.perf_counter()
    migrate(url)

    async def fill() -> None:
        engine = create_engine(url)
        try:
            council = Generator(indicators=indicators, years=years, today=today()).build()
            await insert_council(engine, council)
        finally:
            await engine.dispose()

    asyncio.run(fill())
    building.rename(path)
    print(
        f"built {indicators:,} indicators x {years} years in {time.perf_counter() - began:.0f} s",
        file=sys.stderr,
        flush=True,
    )
    return path


async def _profiled(request: Awaitable[Any], path: str) -> None:
    """Run the request under cProfile, with the work it sends to threads (the charts, the
    renderer) run on the profiled thread instead, so the profile shows it."""

    async def inline(function: Callable[..., Any], *args: Any, **_: Any) -> Any:
        return function(*args)

    profiler = cProfile.Profile()
    with patch.object(anyio.to_thread, "run_sync", inline):
        profiler.enable()
        await request
        profiler.disable()
    profiler.dump_stats(path)


async def measure(path: Path, *, formats: Sequence[str], profile: str | None) -> dict[str, Any]:
    """Every figure of one council, in this process."""
    url = f"sqlite+aiosqlite:///{path}"
    engine = create_engine(url)
    statements: list[str] = []

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def count(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    settings = Settings(
        environment=Environment.TEST,
        database_url=url,
        secret_key=SECRET_KEY,
        log_json=False,
        log_level="WARNING",
    )
    app = create_app(settings, run_startup=False)
    app.state.engine = engine
    app.state.sessionmaker = app_sessionmaker(engine, audit=AuditSeal.from_settings(settings))
    app.state.status_cache = StatusCache()
    tune_garbage_collector()  # as the served app's lifespan does
    async with app.state.sessionmaker() as session:
        user_id = await session.scalar(select(User.id))
    token, _ = create_access_token(
        subject_kind=SubjectKind.USER,
        subject_id=user_id,
        secret_key=SECRET_KEY,
        lifetime=timedelta(hours=6),
        issuer=settings.jwt_issuer,
    )
    quarter = calendar.period_containing(
        today() - timedelta(days=95), kind=calendar.PeriodKind.QUARTER
    ).code
    figures: dict[str, Any] = {"period": quarter}
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://bench",
            headers={"Authorization": f"Bearer {token}"},
            timeout=1800,
        ) as client:

            async def timed(method: str, target: str, **kwargs: Any) -> dict[str, Any]:
                statements.clear()
                wall, cpu = time.perf_counter(), time.process_time()
                response = await client.request(method, target, **kwargs)
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                if response.status_code not in (200, 201):
                    raise SystemExit(f"{method} {target} answered {response.status_code}")
                return {
                    "wall_s": round(wall, 2),
                    "cpu_s": round(cpu, 2),
                    "response": response,
                    "statements": len(statements),
                }

            for fmt in formats:
                params = {"period": quarter, "format": fmt}
                cold = await timed("GET", PACK, params=params)
                warm = await timed("GET", PACK, params=params)
                if profile and fmt == "pdf":
                    await _profiled(timed("GET", PACK, params=params), profile)
                content = warm["response"].content
                before = _kib("VmRSS")
                resettable = _reset_peak()
                tracemalloc.start()
                await timed("GET", PACK, params=params)
                _, traced = tracemalloc.get_traced_memory()
                tracemalloc.stop()
                peak = (
                    _kib("VmHWM")
                    if resettable
                    else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                )
                figures[fmt] = {
                    "cold": {k: cold[k] for k in ("wall_s", "cpu_s", "statements")},
                    "warm": {k: warm[k] for k in ("wall_s", "cpu_s", "statements")},
                    "bytes": len(content),
                    "pages": len(PdfReader(io.BytesIO(content)).pages) if fmt == "pdf" else None,
                    "traced_peak_mib": round(traced / 2**20, 1),
                    "rss_before_mib": round(before / 1024, 1),
                    "rss_peak_mib": round(peak / 1024, 1),
                    "rss_growth_mib": round((peak - before) / 1024, 1),
                }
                print(json.dumps({fmt: figures[fmt]}), file=sys.stderr, flush=True)

            published = await timed(
                "POST", PUBLICATIONS, json={"kind": "board_pack", "period": quarter}
            )
            body = published["response"].json()
            stored = {item["format"]: item["sha256"] for item in body["contents"]}
            target = f"{PUBLICATIONS}/{body['id']}/content"
            download = await timed("GET", target, params={"format": "pdf"})
            tables = Counter(
                table for statement in statements for table in _TABLE.findall(statement)
            )
            content = download["response"].content
            figures["publish"] = {k: published[k] for k in ("wall_s", "cpu_s", "statements")}
            figures["published_pdf"] = {
                **{k: download[k] for k in ("wall_s", "cpu_s", "statements")},
                "tables_read": dict(sorted(tables.items())),
                "bytes": len(content),
                "sha256_matches": hashlib.sha256(content).hexdigest() == stored["pdf"],
            }
            print(json.dumps({"published": figures["published_pdf"]}), file=sys.stderr)
    finally:
        await engine.dispose()
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--indicators", type=int, nargs="+", default=[500, 2000])
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--formats", nargs="+", choices=["pdf", "docx"], default=["pdf"])
    parser.add_argument("--keep", type=Path, help="keep (and reuse) the databases here")
    parser.add_argument("--profile", help="write a cProfile of the largest warm PDF here")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # the child's part
    args = parser.parse_args(argv)
    if args.measure:
        result = asyncio.run(measure(args.measure, formats=args.formats, profile=args.profile))
        print(json.dumps(result))
        return 0

    with tempfile.TemporaryDirectory(prefix="gt-board-pack-") as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        results: dict[int, dict[str, Any]] = {}
        sizes = sorted(args.indicators)
        for size in sizes:
            path = prepare(folder, indicators=size, years=args.years)
            command = [sys.executable, "-m", "bench.board_pack", "--measure", str(path)]
            command += ["--formats", *args.formats]
            if args.profile and size == sizes[-1]:
                command += ["--profile", args.profile]
            child = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)  # noqa: S603 - this module, our arguments
            results[size] = json.loads(child.stdout.strip().splitlines()[-1])
    load = os.getloadavg()
    print(
        f"board pack benchmark: {', '.join(f'{n:,}' for n in sizes)} indicators, "
        f"{args.years} years; Python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"load average {load[0]:.1f} at the end"
    )
    for size, figures in results.items():
        print(f"== {size:,} indicators, {figures['period']} ==")
        for fmt in args.formats:
            f = figures[fmt]
            print(
                f"  {fmt}: cold {f['cold']['wall_s']} s wall / {f['cold']['cpu_s']} s CPU, "
                f"warm {f['warm']['wall_s']} s wall / {f['warm']['cpu_s']} s CPU, "
                f"{f['bytes']:,} bytes, {f['pages']} pages; Python peak "
                f"{f['traced_peak_mib']} MiB, resident {f['rss_before_mib']} -> "
                f"{f['rss_peak_mib']} MiB (+{f['rss_growth_mib']})"
            )
        p, d = figures["publish"], figures["published_pdf"]
        print(
            f"  publish (json, html, pdf, docx): {p['wall_s']} s wall / {p['cpu_s']} s CPU; "
            f"published PDF: {d['wall_s']} s wall / {d['cpu_s']} s CPU, {d['statements']} "
            f"statements reading {d['tables_read']}, SHA-256 matches: {d['sha256_matches']}"
        )
    if len(sizes) > 1 and "pdf" in args.formats:
        small, large = results[sizes[0]]["pdf"], results[sizes[-1]]["pdf"]
        extra = sizes[-1] - sizes[0]
        print(
            f"memory per extra indicator ({sizes[0]:,} -> {sizes[-1]:,}): Python peak "
            f"{(large['traced_peak_mib'] - small['traced_peak_mib']) * 1024 / extra:.1f} KiB, "
            f"resident growth "
            f"{(large['rss_growth_mib'] - small['rss_growth_mib']) * 1024 / extra:.1f} KiB"
        )
    print(json.dumps({str(size): figures for size, figures in results.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
