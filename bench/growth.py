"""Does the cost grow linearly with the council, and memory per indicator stay flat?

Issue #20, goal 6: the scorecard (warm and after a change bearing on every indicator), the
outturn CSV and ingest through ``POST /values/batch``, each measured at 500, 2,000 and 8,000
indicators (five years) on PostgreSQL, in one table. Each size runs in a process of its own
(so one size's memory does not flatter or burden the next), on scratch databases created and
dropped on the server, with the generators of ``bench/scorecard.py`` and ``bench/ingest.py``:

- scorecard: ``bench.scorecard`` (warm p50 over N requests; the p50 of the requests just after
  an org unit is renamed, when every status is computed afresh), and the process's resident
  memory the app holds after them beyond what it held once the data was in;
- outturn: ``bench.outturn`` (the last complete year's CSV, streamed; peak Python memory traced
  over a second download);
- ingest: ``bench.ingest`` (ten monthly figures per indicator in batches of up to 10,000, over
  real HTTP to one uvicorn worker; values per second, the server's peak RSS, and the ratio to
  COPY of the same rows).

    python -m bench.growth [--sizes 500,2000,8000] [--years 5] [--requests 10]
                           [--postgres-url URL] [--json]

Figures and their meaning: bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import make_url

from bench import ingest, outturn
from bench.scorecard import DEFAULT_POSTGRES_URL, _admin, migrate, run_postgres

ROOT = Path(__file__).resolve().parent.parent


async def _reachable(server: str) -> bool:
    try:
        await _admin(server, "SELECT 1")
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return False
    return True


def _scratch(server: str) -> tuple[str, str]:
    name = f"gt_growth_{uuid.uuid4().hex[:10]}"
    asyncio.run(_admin(server, f'CREATE DATABASE "{name}"'))
    return name, make_url(server).set(database=name).render_as_string(hide_password=False)


def _drop(server: str, name: str) -> None:
    asyncio.run(_admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def one_size(indicators: int, args: argparse.Namespace) -> dict[str, Any]:
    """Every figure for one size of council (run in a process of its own)."""
    card = run_postgres(
        argparse.Namespace(
            indicators=indicators,
            years=args.years,
            requests=args.requests,
            cold=args.cold,
            postgres_url=args.postgres_url,
        )
    )
    assert card is not None  # reachability is checked before any size runs
    name, url = _scratch(args.postgres_url)
    try:
        migrate(url)
        csv = asyncio.run(outturn.measure(url, indicators=indicators, years=args.years))
    finally:
        _drop(args.postgres_url, name)
    values = indicators * 10
    name, url = _scratch(args.postgres_url)
    try:
        pushed = ingest.run(
            url,
            ingest.parse(
                [
                    "--values",
                    str(values),
                    "--batch",
                    str(min(10_000, values)),
                    "--indicators",
                    str(indicators),
                    "--postgres-url",
                    args.postgres_url,
                ]
            ),
        )
    finally:
        _drop(args.postgres_url, name)
    kept_mib = card.rss_after_mib - card.rss_before_mib
    return {
        "indicators": indicators,
        "scorecard_rows": card.row_count,
        "warm_ms": round(sorted(card.timings_ms)[len(card.timings_ms) // 2], 1),
        "cold_ms": round(sorted(card.cold_ms)[len(card.cold_ms) // 2], 1),
        "kept_mib": round(kept_mib, 1),
        "outturn_s": csv["seconds"],
        "outturn_rows": csv["rows"],
        "outturn_peak_mib": csv["peak_python_memory_mib"],
        "ingest_values": values,
        "ingest_per_s": pushed["values_per_second"],
        "ingest_rss_mib": pushed["server_peak_rss_mib"],
        "ingest_to_copy": pushed.get("batch_to_copy"),
    }


def table(rows: list[dict[str, Any]]) -> str:
    """The figures, and each per indicator relative to the smallest size (1.00: linear)."""
    base = rows[0]

    def per(row: dict[str, Any], key: str) -> str:
        ratio = (row[key] / row["indicators"]) / (base[key] / base["indicators"])
        return f"{ratio:.2f}"

    lines = [
        "| indicators | scorecard warm | scorecard cold | kept by the app | outturn CSV "
        "| outturn peak memory | ingest | ingest server RSS | ingest / COPY |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        lines.append(
            f"| {row['indicators']:,} | {row['warm_ms']:,.1f} ms | {row['cold_ms']:,.0f} ms "
            f"| {row['kept_mib']:,.1f} MiB | {row['outturn_s']:,.2f} s "
            f"| {row['outturn_peak_mib']:,.1f} MiB | {row['ingest_per_s']:,} values/s "
            f"| {row['ingest_rss_mib']:,.0f} MiB | {row['ingest_to_copy']} |"
        )
    lines += [
        "",
        "Per indicator, against the smallest size (1.00 is linear growth, flat memory):",
        "",
        "| indicators | warm | cold | kept memory | outturn | outturn memory "
        "| ingest time per value |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        # Ingest is per value: its time per value relative to the smallest size.
        ingest_ratio = base["ingest_per_s"] / row["ingest_per_s"]
        lines.append(
            f"| {row['indicators']:,} | {per(row, 'warm_ms')} | {per(row, 'cold_ms')} "
            f"| {per(row, 'kept_mib')} | {per(row, 'outturn_s')} "
            f"| {per(row, 'outturn_peak_mib')} | {ingest_ratio:.2f} |"
        )
    return "\n".join(lines)


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.growth", description=__doc__)
    parser.add_argument("--sizes", default="500,2000,8000", help="indicator counts, ascending")
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--requests", type=int, default=10, help="warm scorecard requests")
    parser.add_argument("--cold", type=int, default=2, help="scorecards after a change to all")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # a size, in its process
    args = parser.parse_args(argv)
    args.size_list = [int(size) for size in args.sizes.split(",")]
    if sorted(args.size_list) != args.size_list or min(args.size_list) < 1:
        parser.error("--sizes: ascending indicator counts, e.g. 500,2000,8000")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    if args.one is not None:
        print(json.dumps(one_size(args.one, args)))
        return 0
    if not asyncio.run(_reachable(args.postgres_url)):
        print(f"PostgreSQL does not answer at {args.postgres_url}: nothing measured")
        return 1
    rows = []
    for size in args.size_list:
        print(f"== {size:,} indicators ==", flush=True)
        done = subprocess.run(  # noqa: S603 - this benchmark, in a process of its own
            [
                sys.executable,
                "-m",
                "bench.growth",
                "--one",
                str(size),
                "--years",
                str(args.years),
                "--requests",
                str(args.requests),
                "--cold",
                str(args.cold),
                "--postgres-url",
                args.postgres_url,
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            print(done.stdout, done.stderr, sep="\n")
            return done.returncode
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(json.dumps(rows[-1]), flush=True)
    print(table(rows))
    if args.json:
        print(json.dumps(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
