"""Is a full status computation close to reading its rows? (issue #20, goal 2)

Builds the scorecard benchmark's council (``bench.scorecard``'s generator: 2,000 indicators,
five years) in a scratch PostgreSQL database and, alternating, N times each:

- **the floor**: every row a full computation of the scorecard's statuses needs, read with raw
  asyncpg on a connection of its own (indicators, org units, periods, every approved value and
  the period's working copies, every target), each row decoded to Python objects as asyncpg
  does (``UUID``, ``Decimal``, ``date``);
- **the full computation**: ``StatusService`` with no statuses kept computing every status of
  the period, as after a change that bears on every indicator but not on its figures (a
  tolerance, an org unit renamed, the data falling due: ``_compute``: the statements, the
  ratings, the SPC icons, the models), in a session of the app's own, with one cache for
  every round as a worker keeps one: what the rounds before it worked out of each
  indicator's unchanged rows (its figures combined, the forecast) is taken as it is, as the
  stored SPC fits are.

It prints the median wall time and this process's CPU of each, their ratio (the goal: at
most 1.5x), the statements a computation runs, and the rows the floor reads per table.
``--profile`` also prints a cProfile of one computation; ``--refit`` measures the computation
after every indicator's series has changed (every stored SPC fit stale); ``--fresh`` with a new
cache each round (nothing of the arithmetic kept: a worker's first computation, or after every
indicator's figures changed). ``--check FILE`` first computes every status of several periods
(months, quarters and years, ended and in progress), fresh and then twice with the stored fits
and the kept arithmetic, stops if they differ, and writes them to FILE, or, if FILE exists,
stops unless they equal what it holds (a computation before a change against one after).

    python -m bench.cold [--indicators 2000] [--years 5] [--rounds 7] [--profile] [--refit]
                         [--fresh] [--check FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import pstats
import statistics
import sys
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import event, make_url, text

from app.audit.seal import AuditSeal
from app.bootstrap import app_sessionmaker
from app.core.clock import today as clock_today
from app.core.config import Environment, Settings
from app.core.db import create_engine
from app.indicators.repository import IndicatorFilter
from app.main import tune_garbage_collector
from app.periods.calendar import PeriodKind
from app.status.cache import StatusCache
from app.status.service import StatusService
from app.status.store import StatusStore
from bench.scorecard import (
    DEFAULT_POSTGRES_URL,
    SECRET_KEY,
    Generator,
    _admin,
    insert_council,
    last_completed_quarter,
    migrate,
)

# What a full computation reads, table by table, as plain rows.
FLOOR = {
    "indicator": "SELECT * FROM indicator",
    "org_unit": "SELECT * FROM org_unit",
    "period": "SELECT * FROM period",
    "indicator_value": (
        "SELECT v.indicator_id, v.period_id, v.approved_value, v.approved_numerator,"
        " v.approved_denominator, v.approved_commentary, v.status, v.value, v.numerator,"
        " v.denominator FROM indicator_value v"
        " WHERE v.approved_value IS NOT NULL OR v.period_id = $1"
    ),
    "target": 'SELECT indicator_id, period_id, value, lower, upper, "floor" FROM target',
}


async def floor(url: str, period: str) -> dict[str, int]:
    """Every row the computation needs, read with asyncpg; the rows per table."""
    parts = make_url(url)
    connection = await asyncpg.connect(
        host=parts.host,
        port=parts.port or 5432,
        user=parts.username,
        password=parts.password,
        database=parts.database,
    )
    try:
        period_id = await connection.fetchval("SELECT id FROM period WHERE code = $1", period)
        counts = {}
        for table, query in FLOOR.items():
            args = (period_id,) if "$1" in query else ()
            counts[table] = len(await connection.fetch(query, *args))
        return counts
    finally:
        await connection.close()


def compare_with(path: Path, answers: dict[str, Any]) -> None:
    """Write the statuses to `path`, or stop unless they equal those it holds."""
    if path.exists():
        before = json.loads(path.read_text())
        if before != answers:
            differing = [
                f"{code} {indicator}"
                for code in answers
                for indicator in answers[code]["statuses"]
                if before.get(code, {}).get("statuses", {}).get(indicator)
                != answers[code]["statuses"][indicator]
            ]
            path.with_suffix(".differing.json").write_text(json.dumps(answers, sort_keys=True))
            raise SystemExit(f"statuses differ from {path}: {differing[:20]}")
        print(f"every status of {', '.join(answers)} equals {path}", file=sys.stderr)
    else:
        path.write_text(json.dumps(answers, sort_keys=True))
        print(f"statuses of {', '.join(answers)} written to {path}", file=sys.stderr)


def _median(numbers: list[float]) -> float:
    return round(statistics.median(numbers) * 1000, 1)


async def measure(
    url: str, args: argparse.Namespace, period: str, check_periods: Sequence[str] = ()
) -> dict[str, Any]:
    settings = Settings(
        environment=Environment.TEST,
        database_url=url,
        secret_key=SECRET_KEY,
        log_json=False,
        log_level="WARNING",
    )
    engine = create_engine(url)
    statements = 0

    def count(*_: Any) -> None:
        nonlocal statements
        statements += 1

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    # Each statement of the last computation: its start, its text and how long until done
    # (by connection: the SPC fits' inputs are read on one of their own meanwhile).
    timings: list[list[Any]] = []

    def started(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        conn.info["bench_timing"] = entry = [time.perf_counter(), " ".join(statement.split())[:90]]
        timings.append([*entry, 0.0, -1])
        entry.append(len(timings) - 1)

    def finished(conn: Any, cursor: Any, *_: Any) -> None:
        start, _, index = conn.info.pop("bench_timing")
        timings[index][2] = round((time.perf_counter() - start) * 1000, 1)
        timings[index][3] = cursor.rowcount

    event.listen(engine.sync_engine, "before_cursor_execute", started)
    event.listen(engine.sync_engine, "after_cursor_execute", finished)
    maker = app_sessionmaker(engine, audit=AuditSeal(key=b"bench", checkpoint=None))

    # One cache and the shared store behind it, as a worker keeps for its life: its
    # computations read and store the SPC fits and keep each indicator's arithmetic beside
    # its rows (never the statuses: ``_compute``). ``--fresh``: a cache of its own each time,
    # as the first computation of a worker, or after every indicator's figures changed.
    kept = StatusCache(store=StatusStore(maker))

    async def compute() -> int:
        async with maker() as session:
            cache = StatusCache(store=StatusStore(maker)) if args.fresh else kept
            service = StatusService(session, settings=settings, cache=cache)
            statuses, _ = await service._compute(period, IndicatorFilter())
            await session.commit()
            return len(statuses)

    async def stale_every_fit() -> None:
        # As after a change to every series: each stored fit names other inputs.
        async with engine.begin() as connection:
            await connection.execute(text("UPDATE spc_fit SET digest = 'stale'"))

    async def every_status(code: str, *, cache: StatusCache) -> dict[str, Any]:
        """Each status of the period by indicator code, as JSON, with what decides its variant."""
        async with maker() as session:
            service = StatusService(session, settings=settings, cache=cache)
            statuses, due_date = await service._compute(code, IndicatorFilter())
            await session.commit()
        return {
            "due_date": due_date.isoformat(),
            "statuses": {
                # Not the ids: each run's council has ids of its own.
                status.internal.indicator_code: [
                    status.approved,
                    status.internal.model_dump(mode="json"),
                ]
                for status in statuses
            },
        }

    async def check(path: Path) -> None:
        answers: dict[str, Any] = {}
        for code in check_periods:
            fresh = await every_status(code, cache=StatusCache())
            # The first fits, stores the fits and keeps the arithmetic; the second reads the
            # stored fits and takes the kept arithmetic.
            cache = StatusCache(store=StatusStore(maker))
            for _ in range(2):
                if await every_status(code, cache=cache) != fresh:
                    raise SystemExit(
                        f"{code}: statuses with stored fits and kept arithmetic differ from "
                        "fresh ones"
                    )
            answers[code] = fresh
        compare_with(path, answers)

    try:
        tune_garbage_collector()
        if args.check:
            await check(Path(args.check))
        rows = await floor(url, period)  # both warm: connections, imports, caches
        computed = await compute()
        walls: dict[str, list[float]] = {"floor": [], "full": []}
        cpus: dict[str, list[float]] = {"floor": [], "full": []}
        per_computation = 0
        for _ in range(args.rounds):
            tick, cpu = time.perf_counter(), time.process_time()
            await floor(url, period)
            walls["floor"].append(time.perf_counter() - tick)
            cpus["floor"].append(time.process_time() - cpu)
            if args.refit:
                await stale_every_fit()
            before = statements
            timings.clear()
            tick, cpu = time.perf_counter(), time.process_time()
            await compute()
            walls["full"].append(time.perf_counter() - tick)
            cpus["full"].append(time.process_time() - cpu)
            per_computation = statements - before
        profile = ""
        if args.profile:
            if args.refit:
                await stale_every_fit()
            profiler = cProfile.Profile()
            profiler.enable()
            await compute()
            profiler.disable()
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out)
            stats.sort_stats("cumulative").print_stats(35)
            stats.sort_stats("tottime").print_stats(25)
            profile = out.getvalue()
    finally:
        await engine.dispose()
    floor_ms, full_ms = _median(walls["floor"]), _median(walls["full"])
    return {
        "indicators": args.indicators,
        "period": period,
        "statuses": computed,
        "floor_rows": rows,
        "rounds": args.rounds,
        "refit": args.refit,
        "fresh": args.fresh,
        "floor_ms": floor_ms,
        "floor_cpu_ms": _median(cpus["floor"]),
        "full_ms": full_ms,
        "full_cpu_ms": _median(cpus["full"]),
        "full_statements": per_computation,
        "ratio": round(full_ms / floor_ms, 2),
        # (ms until the statement returned, rows, its text) for the last computation
        "full_statement_ms": [[ms, rows, sql] for _, sql, ms, rows in timings],
        "profile": profile,
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
    return asyncio.run(
        measure(url, args, last_completed_quarter(generator), periods_to_check(generator))
    )


def periods_to_check(generator: Generator) -> list[str]:
    """Months, quarters and years of the generated council, the last two ended and the one in
    progress of each kind (if any), and one ended a year before: what a check compares."""
    today = generator.today
    codes: list[str] = []
    for kind in (PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.YEAR):
        specs = generator.specs[kind]
        ended = [spec for spec in specs if spec.end_date < today]
        going = [spec for spec in specs if spec.start_date <= today <= spec.end_date]
        chosen = ended[-2:] + going[:1]
        if len(ended) > 4 and kind is not PeriodKind.YEAR:
            chosen.insert(0, ended[-5])
        codes += [spec.code for spec in chosen]
    return codes


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.cold", description=__doc__)
    parser.add_argument("--indicators", type=int, default=2000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one")
    parser.add_argument("--refit", action="store_true", help="every stored SPC fit stale")
    parser.add_argument("--check", metavar="FILE", help="compare every status with FILE's")
    parser.add_argument(
        "--fresh", action="store_true", help="no arithmetic kept from one computation to the next"
    )
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
    profile = result.pop("profile")
    print(json.dumps(result, indent=2))
    if profile:
        print(profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
