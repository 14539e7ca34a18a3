"""How fast is GET /reports/scorecard for a large council?

Builds a fresh database (``alembic upgrade head``), fills it with bulk inserts (a council of
2,000 indicators with five financial years of targets and approved values), serves the app
in-process and times the scorecard for a recent quarter as the performance team sees it.

    python -m bench.scorecard [--indicators 2000] [--years 5] [--requests 30]
                              [--backend sqlite|postgres|both] [--postgres-url URL]

See bench/README.md for what the figures mean and the ones measured so far.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import httpx
from alembic import command
from alembic.config import Config
from sqlalchemy import event, insert, make_url, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.access.permissions import Role
from app.audit.seal import AuditSeal
from app.bootstrap import app_sessionmaker
from app.core.clock import today as clock_today
from app.core.config import Environment, Settings
from app.core.db import create_engine, unit_of_work
from app.core.security import SubjectKind, create_access_token
from app.indicators.models import Indicator, IndicatorStatus, IndicatorValue, Target
from app.main import create_app, tune_garbage_collector
from app.measures.vocabulary import (
    VALUE_KIND,
    Aggregation,
    Frequency,
    Polarity,
    ToleranceUnit,
    ValueStatus,
    ValueType,
)
from app.org.models import OrgUnit, OrgUnitKind
from app.periods import calendar
from app.periods.calendar import PeriodKind, PeriodSpec
from app.periods.models import Period, PeriodStatus
from app.status.cache import StatusCache
from app.status.store import StatusStore
from app.users.models import RoleAssignment, User

T = TypeVar("T")
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
SECRET_KEY = "bench-secret-key-that-is-long-enough-0123456789"
BATCH = 5_000
WARM_UP = 3

# (share of indicators, frequency)
FREQUENCIES = ((0.25, Frequency.MONTHLY), (0.55, Frequency.QUARTERLY), (0.20, Frequency.ANNUAL))
POLARITIES = (
    (0.45, Polarity.HIGHER_IS_BETTER),
    (0.35, Polarity.LOWER_IS_BETTER),
    (0.05, Polarity.WITHIN_RANGE),
    (0.15, Polarity.NONE),
)
# Aggregation -> value type, decimal places
SHAPES = {
    Aggregation.SUM: (ValueType.COUNT, 0),
    Aggregation.MEAN: (ValueType.NUMBER, 1),
    Aggregation.LATEST: (ValueType.PERCENTAGE, 2),
    Aggregation.RATIO: (ValueType.PERCENTAGE, 1),
    Aggregation.MAX: (ValueType.NUMBER, 1),
    Aggregation.MIN: (ValueType.TIME, 1),
}


def alembic_config(url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["url"] = url
    config.attributes["configure_logging"] = False
    return config


def _pick(rng: random.Random, weighted: Sequence[tuple[float, T]]) -> T:
    return rng.choices([item for _, item in weighted], weights=[w for w, _ in weighted])[0]


def _decimal(number: float, places: int) -> Decimal:
    return Decimal(repr(number)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


@dataclass
class Council:
    """The rows of a generated council, table by table."""

    org_units: list[dict[str, Any]] = field(default_factory=list)
    periods: list[dict[str, Any]] = field(default_factory=list)
    indicators: list[dict[str, Any]] = field(default_factory=list)
    targets: list[dict[str, Any]] = field(default_factory=list)
    values: list[dict[str, Any]] = field(default_factory=list)
    user_id: uuid.UUID = field(default_factory=uuid.uuid4)

    def tables(self) -> Iterator[tuple[type[Any], list[dict[str, Any]]]]:
        yield OrgUnit, self.org_units
        yield Period, self.periods
        yield Indicator, self.indicators
        yield Target, self.targets
        yield IndicatorValue, self.values


class Generator:
    """A deterministic council: the same arguments give the same rows."""

    def __init__(self, *, indicators: int, years: int, today: date, seed: int = 2026) -> None:
        self.count = indicators
        self.today = today
        self.current = calendar.financial_year_of(today)
        self.years = list(range(self.current - years + 1, self.current + 1))
        self.rng = random.Random(seed)
        self.now = datetime.now(UTC)
        self.council = Council()

    def build(self) -> Council:
        self._org_units()
        self._periods()
        for number in range(self.count):
            self._indicator(number)
        return self.council

    def _org_units(self) -> None:
        def unit(code: str, kind: OrgUnitKind, parent: uuid.UUID | None) -> uuid.UUID:
            unit_id = uuid.uuid4()
            self.council.org_units.append(
                {
                    "id": unit_id,
                    "code": code,
                    "name": f"{kind.value.title()} {code}",
                    "kind": kind,
                    "parent_id": parent,
                }
            )
            return unit_id

        root = unit("BIG", OrgUnitKind.COUNCIL, None)
        self.unit_ids = [root]
        for d in range(6):
            directorate = unit(f"D{d}", OrgUnitKind.DIRECTORATE, root)
            for s in range(5):
                service = unit(f"D{d}S{s}", OrgUnitKind.SERVICE, directorate)
                self.unit_ids.append(service)
                for t in range(2):
                    self.unit_ids.append(unit(f"D{d}S{s}T{t}", OrgUnitKind.TEAM, service))

    def _periods(self) -> None:
        self.period_ids: dict[str, uuid.UUID] = {}
        self.specs: dict[PeriodKind, list[PeriodSpec]] = {kind: [] for kind in PeriodKind}
        for start_year in self.years:
            for spec in calendar.financial_year_periods(start_year):
                period_id = uuid.uuid4()
                self.period_ids[spec.code] = period_id
                self.specs[spec.kind].append(spec)
                started = spec.start_date <= self.today
                self.council.periods.append(
                    {
                        "id": period_id,
                        "code": spec.code,
                        "kind": spec.kind,
                        "financial_year": spec.financial_year,
                        "start_year": spec.start_year,
                        "start_date": spec.start_date,
                        "end_date": spec.end_date,
                        "status": (
                            PeriodStatus.CLOSED
                            if start_year < self.current - 1
                            else PeriodStatus.OPEN
                            if started
                            else PeriodStatus.FUTURE
                        ),
                        "data_due_date": calendar.data_due_date(spec.end_date),
                        "board_date": (
                            calendar.board_date(spec.end_date)
                            if spec.kind is PeriodKind.QUARTER
                            else None
                        ),
                    }
                )
        for specs in self.specs.values():
            specs.sort(key=lambda spec: spec.start_date)

    def _indicator(self, number: int) -> None:
        rng = self.rng
        frequency = _pick(rng, FREQUENCIES)
        polarity = _pick(rng, POLARITIES)
        aggregation = rng.choice(list(SHAPES))
        value_type, places = SHAPES[aggregation]
        indicator_id = uuid.uuid4()
        tolerance = rng.random() < 0.5
        self.council.indicators.append(
            {
                "id": indicator_id,
                "code": f"PI{number:05d}",
                "title": f"Performance indicator {number}",
                "value_type": value_type,
                "decimal_places": places,
                "polarity": polarity,
                "frequency": frequency,
                "aggregation": aggregation,
                "tolerance_unit": ToleranceUnit.PERCENT if tolerance else None,
                "green_within": Decimal(5) if tolerance else None,
                "amber_within": Decimal(10) if tolerance else None,
                "amber_if_improving": rng.random() < 0.1,
                "org_unit_id": rng.choice(self.unit_ids),
                "is_key": rng.random() < 0.2,
                "is_public": rng.random() < 0.3,
                "is_national": rng.random() < 0.2,
                "status": IndicatorStatus.ACTIVE,
            }
        )
        level = rng.uniform(50, 95) if value_type is ValueType.PERCENTAGE else rng.uniform(20, 900)
        kind = VALUE_KIND[frequency]
        for spec in self.specs[kind]:
            self._target(indicator_id, spec, polarity, level, places)
            if spec.end_date < self.today:
                self._value(indicator_id, spec, aggregation, value_type, level, places)
        if polarity is Polarity.WITHIN_RANGE and kind is not PeriodKind.YEAR:
            for spec in self.specs[PeriodKind.YEAR]:
                self._target(indicator_id, spec, polarity, level, places)

    def _target(
        self,
        indicator_id: uuid.UUID,
        spec: PeriodSpec,
        polarity: Polarity,
        level: float,
        places: int,
    ) -> None:
        if polarity is Polarity.NONE:
            return
        band = polarity is Polarity.WITHIN_RANGE
        self.council.targets.append(
            {
                "id": uuid.uuid4(),
                "indicator_id": indicator_id,
                "period_id": self.period_ids[spec.code],
                "value": None if band else _decimal(level, places),
                "lower": _decimal(level * 0.9, places) if band else None,
                "upper": _decimal(level * 1.1, places) if band else None,
                "floor": None,
                "reason": None,
                "set_by_id": self.council.user_id,
                "set_by_name": "bench",
                "set_at": self.now,
            }
        )

    def _value(
        self,
        indicator_id: uuid.UUID,
        spec: PeriodSpec,
        aggregation: Aggregation,
        value_type: ValueType,
        level: float,
        places: int,
    ) -> None:
        rng = self.rng
        numerator = denominator = None
        if aggregation is Aggregation.RATIO:
            denominator = Decimal(rng.randint(40, 400))
            share = min(1.0, level / 100 * rng.uniform(0.85, 1.12))
            numerator = Decimal(round(float(denominator) * share))
            value = (numerator / denominator * 100).quantize(
                Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP
            )
        else:
            figure = level * rng.uniform(0.85, 1.15)
            if value_type is ValueType.PERCENTAGE:
                figure = min(figure, 100.0)
            value = _decimal(figure, places)
        entered = datetime.combine(spec.end_date + timedelta(days=5), datetime.min.time(), UTC)
        # The most recent figures are sometimes still awaiting approval.
        pending = rng.random() < 0.05 and spec.end_date > self.today - timedelta(days=100)
        self.council.values.append(
            {
                "id": uuid.uuid4(),
                "indicator_id": indicator_id,
                "period_id": self.period_ids[spec.code],
                "value": value,
                "numerator": numerator,
                "denominator": denominator,
                "commentary": None,
                "quality_flags": [],
                "status": ValueStatus.SUBMITTED if pending else ValueStatus.APPROVED,
                "entered_by_id": self.council.user_id,
                "entered_by_name": "bench",
                "entered_at": entered,
                "submitted_by_id": self.council.user_id,
                "submitted_at": entered,
                "first_submitted_at": entered,
                "is_late": False,
                "decided_by_id": None if pending else self.council.user_id,
                "decided_by_name": None if pending else "bench",
                "decided_at": None if pending else entered + timedelta(days=2),
                "rejection_reason": None,
                "approved_value": None if pending else value,
                "approved_numerator": None if pending else numerator,
                "approved_denominator": None if pending else denominator,
                "approved_commentary": None,
                "approved_quality_flags": None if pending else [],
                "approved_at": None if pending else entered + timedelta(days=2),
                "approved_by_id": None if pending else self.council.user_id,
            }
        )


async def insert_council(engine: AsyncEngine, council: Council) -> dict[str, int]:
    """Bulk-insert the council (many rows per statement) and its performance-team user."""
    counts: dict[str, int] = {}
    async with engine.begin() as connection:
        await connection.execute(
            insert(User),
            [
                {
                    "id": council.user_id,
                    "email": "performance@bench.example",
                    "full_name": "Bench Performance Team",
                    "is_active": True,
                }
            ],
        )
        await connection.execute(
            insert(RoleAssignment),
            [{"user_id": council.user_id, "role": Role.PERFORMANCE_TEAM, "org_unit_id": None}],
        )
        for model, rows in council.tables():
            await _insert_many(connection, model, rows)
            counts[model.__tablename__] = len(rows)
    return counts


async def _insert_many(connection: AsyncConnection, model: type[Any], rows: list[Any]) -> None:
    # Parents before children: an org unit's parent comes earlier in the list.
    for start in range(0, len(rows), BATCH):
        await connection.execute(insert(model), rows[start : start + BATCH])


@dataclass
class Result:
    backend: str
    migrate_s: float
    generate_s: float
    insert_s: float
    rows: dict[str, int]
    period: str
    timings_ms: list[float]
    cpu_ms: list[float]
    statements: list[int]
    cold_ms: list[float]
    cold_statements: list[int]
    one_ms: list[float]
    one_statements: list[int]
    summary: dict[str, int]
    row_count: int
    response_kb: float
    # The process's resident memory once the data is in, before the first request, and after
    # the last: the difference is what the app keeps for this council (statuses, caches).
    rss_before_mib: float = 0.0
    rss_after_mib: float = 0.0

    def report(self) -> str:
        timings = sorted(self.timings_ms)
        p95 = timings[math.ceil(0.95 * len(timings)) - 1]  # nearest rank
        return "\n".join(
            [
                f"== {self.backend} ==",
                f"data: {', '.join(f'{n:,} {t}' for t, n in self.rows.items())}",
                f"migrate {self.migrate_s:.1f} s, generate {self.generate_s:.1f} s, "
                f"bulk insert {self.insert_s:.1f} s",
                f"GET /api/v1/reports/scorecard?period={self.period}: {self.row_count:,} rows, "
                f"{self.response_kb:,.0f} kB, summary {self.summary}",
                f"{len(timings)} requests: p50 {statistics.median(timings):.1f} ms, "
                f"p95 {p95:.1f} ms, min {timings[0]:.1f} ms, max {timings[-1]:.1f} ms; "
                f"CPU time per request p50 {statistics.median(self.cpu_ms):.1f} ms",
                f"SQL statements per request: {_span(self.statements)}",
                f"{len(self.one_ms)} requests each just after a change to one indicator (its "
                f"status recomputed): p50 {statistics.median(self.one_ms):.1f} ms, "
                f"max {max(self.one_ms):.1f} ms, {_span(self.one_statements)} statements",
                f"{len(self.cold_ms)} requests each just after a change bearing on every "
                f"indicator (all computed afresh): p50 {statistics.median(self.cold_ms):.1f} ms, "
                f"max {max(self.cold_ms):.1f} ms, {_span(self.cold_statements)} statements",
            ]
        )


def rss_mib() -> float:
    """This process's resident memory now (VmRSS), in MiB; NaN where /proc is not."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _span(numbers: list[int]) -> str:
    low, high = min(numbers), max(numbers)
    return str(low) if low == high else f"{low}-{high}"


def last_completed_quarter(council: Generator) -> str:
    ended = [
        spec.code for spec in council.specs[PeriodKind.QUARTER] if spec.end_date < council.today
    ]
    if not ended:
        raise SystemExit("no quarter of the generated years has ended yet: use more --years")
    return ended[-1]


async def measure(backend: str, url: str, args: argparse.Namespace, migrate_s: float) -> Result:
    today = clock_today()
    started = time.perf_counter()
    generator = Generator(indicators=args.indicators, years=args.years, today=today)
    council = generator.build()
    generated = time.perf_counter()
    engine = create_engine(url)
    try:
        rows = await insert_council(engine, council)
        inserted = time.perf_counter()
        statements = 0

        def count(*_: Any) -> None:
            nonlocal statements
            statements += 1

        event.listen(engine.sync_engine, "before_cursor_execute", count)
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
        # As the served app has it (app/main.py): the stored statuses and SPC fits behind it.
        app.state.status_cache = StatusCache(store=StatusStore(app.state.sessionmaker))
        tune_garbage_collector()  # as the served app's lifespan does
        token, _ = create_access_token(
            subject_kind=SubjectKind.USER,
            subject_id=council.user_id,
            secret_key=SECRET_KEY,
            lifetime=timedelta(minutes=30),
            issuer=settings.jwt_issuer,
        )
        period = last_completed_quarter(generator)
        rss_before = rss_mib()
        timings: list[float] = []
        cpu: list[float] = []
        counts: list[int] = []
        body: dict[str, Any] = {}
        size = 0
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://bench",
            headers={"Authorization": f"Bearer {token}"},
        ) as client:
            for attempt in range(WARM_UP + args.requests):
                before = statements
                tick, cpu_tick = time.perf_counter(), time.process_time()
                response = await client.get("/api/v1/reports/scorecard", params={"period": period})
                elapsed = (time.perf_counter() - tick) * 1000
                cpu_elapsed = (time.process_time() - cpu_tick) * 1000
                if response.status_code != 200:
                    raise SystemExit(f"scorecard answered {response.status_code}: {response.text}")
                if attempt >= WARM_UP:
                    timings.append(elapsed)
                    cpu.append(cpu_elapsed)
                    counts.append(statements - before)
                body, size = response.json(), len(response.content)
            sessionmaker = app.state.sessionmaker

            async def timed(label: str) -> tuple[float, int, dict[str, Any]]:
                before = statements
                tick = time.perf_counter()
                response = await client.get("/api/v1/reports/scorecard", params={"period": period})
                if response.status_code != 200:
                    raise SystemExit(f"{label}: scorecard answered {response.status_code}")
                found: dict[str, Any] = response.json()
                return (time.perf_counter() - tick) * 1000, statements - before, found

            cold: list[float] = []
            cold_counts: list[int] = []
            one: list[float] = []
            one_counts: list[int] = []
            for attempt in range(args.cold):
                # A change that bears on every indicator (here an org unit renamed): every
                # status is computed afresh.
                async with unit_of_work(sessionmaker) as session:
                    unit = await session.scalar(select(OrgUnit).order_by(OrgUnit.code).limit(1))
                    assert unit is not None
                    unit.name = f"{unit.name.split(' #')[0]} #{attempt}"
                elapsed, count_, found = await timed("after a change to every indicator")
                cold.append(elapsed)
                cold_counts.append(count_)
                if found != body:
                    raise SystemExit("the scorecard computed afresh differs from the kept one")
                # A change to one indicator (a target moved): that status alone is recomputed,
                # and the result is what computing everything afresh gives.
                async with unit_of_work(sessionmaker) as session:
                    # By the indicator's code, not the target's (random) id: the same one in
                    # every run, so the summary printed after it is the same too.
                    target = await session.scalar(
                        select(Target)
                        .join(Period, Period.id == Target.period_id)
                        .join(Indicator, Indicator.id == Target.indicator_id)
                        .where(Period.code == period, Target.value.is_not(None))
                        .order_by(Indicator.code)
                        .offset(attempt)
                        .limit(1)
                    )
                    assert target is not None
                    assert target.value is not None
                    target.value += 1
                elapsed, count_, body = await timed("after a change to one indicator")
                one.append(elapsed)
                one_counts.append(count_)
                kept, app.state.status_cache = app.state.status_cache, StatusCache()
                _, _, fresh = await timed("computed afresh")
                app.state.status_cache = kept
                if fresh != body:
                    raise SystemExit("a partly recomputed scorecard differs from a fresh one")
        return Result(
            backend=backend,
            migrate_s=migrate_s,
            generate_s=generated - started,
            insert_s=inserted - generated,
            rows=rows,
            period=period,
            timings_ms=timings,
            cpu_ms=cpu,
            statements=counts,
            cold_ms=cold,
            cold_statements=cold_counts,
            one_ms=one,
            one_statements=one_counts,
            summary=body["summary"],
            row_count=len(body["rows"]),
            response_kb=size / 1024,
            rss_before_mib=rss_before,
            rss_after_mib=rss_mib(),
        )
    finally:
        await engine.dispose()


def migrate(url: str) -> float:
    started = time.perf_counter()
    command.upgrade(alembic_config(url), "head")
    return time.perf_counter() - started


def run_sqlite(args: argparse.Namespace) -> Result:
    with tempfile.TemporaryDirectory(prefix="gt-bench-") as folder:
        url = f"sqlite+aiosqlite:///{folder}/bench.db"
        migrate_s = migrate(url)
        return asyncio.run(measure("SQLite", url, args, migrate_s))


async def _admin(server_url: str, statement: str) -> None:
    url = make_url(server_url)
    connection = await asyncpg.connect(
        host=url.host,
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        database=url.database or "postgres",
        timeout=5,
    )
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def run_postgres(args: argparse.Namespace) -> Result | None:
    server = args.postgres_url
    name = f"gt_bench_{uuid.uuid4().hex[:10]}"
    try:
        asyncio.run(_admin(server, f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        print(f"== PostgreSQL ==\nnot reachable at {server} ({exc}): skipped")
        return None
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    try:
        migrate_s = migrate(url)
        return asyncio.run(measure("PostgreSQL", url, args, migrate_s))
    finally:
        asyncio.run(_admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.scorecard", description=__doc__)
    parser.add_argument("--indicators", type=int, default=2000)
    parser.add_argument("--years", type=int, default=5, help="financial years of data")
    parser.add_argument("--requests", type=int, default=30, help="timed requests")
    parser.add_argument(
        "--cold", type=int, default=3, help="requests each after a change to the data"
    )
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    args = parser.parse_args(argv)
    if args.indicators < 1 or args.years < 1 or args.requests < 1:
        parser.error("--indicators, --years and --requests must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    print(
        f"scorecard benchmark: {args.indicators:,} indicators, {args.years} financial years, "
        f"{args.requests} requests after {WARM_UP} warm-up; Python {platform.python_version()}, "
        f"{platform.machine()}, {_cpus()} CPUs"
    )
    results: list[Result] = []
    if args.backend in {"sqlite", "both"}:
        results.append(run_sqlite(args))
        print(results[-1].report())
    if args.backend in {"postgres", "both"}:
        result = run_postgres(args)
        if result is not None:
            results.append(result)
            print(result.report())
    if args.json:
        print(json.dumps([result.__dict__ for result in results], default=str))
    return 0


def _cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


if __name__ == "__main__":
    sys.exit(main())
