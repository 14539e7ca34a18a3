"""How long does the year-end rollover take for a large council, and in how many statements?

Builds a fresh database (``alembic upgrade head``) with a council of N monthly indicators, each
with twelve targets in 2025-26 (2,000 indicators: 24,000 targets), and P service plans of 20
objectives each linked to indicators, a corporate objective and a risk; then runs
``POST /financial-years/2026-27/rollover``'s service (the dry run, then the real run, which
creates 2026-27's periods, the plans and the 24,000 targets with their history and audit
events), counting the SQL statements each sends. Run at two sizes, the statement counts are
the same: the rollover runs a fixed number of statements whatever the size.

    python -m bench.rollover [--indicators 2000] [--plans 40] [--backend sqlite|postgres]
                             [--postgres-url URL]

See bench/README.md for the figures measured so far.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
from alembic import command
from sqlalchemy import event, insert, make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from app.access.permissions import Role
from app.access.principal import Grant, Principal
from app.audit.seal import AuditSeal
from app.bootstrap import app_sessionmaker
from app.core.config import Settings
from app.core.db import create_engine, unit_of_work
from app.core.security import SubjectKind
from app.indicators.models import Indicator, Target
from app.measures.vocabulary import Aggregation, Frequency, Polarity, ValueType
from app.org.models import OrgUnit, OrgUnitKind
from app.periods.service import PeriodService
from app.plans.models import (
    Objective,
    Plan,
    PlanKind,
    PlanStatus,
    objective_indicator,
    objective_serves,
)
from app.risks.models import Risk, risk_objective
from app.rollover.schemas import RolloverIn, TargetRule
from app.rollover.service import RolloverService
from app.users.models import User
from bench.scorecard import DEFAULT_POSTGRES_URL, SECRET_KEY, alembic_config

OBJECTIVES_PER_PLAN = 20


async def _fill(engine: AsyncEngine, *, indicators: int, plans: int) -> Principal:
    """The council, straight into the tables (the rollover is what is measured)."""
    maker = app_sessionmaker(engine, audit=AuditSeal.from_settings(_settings()))
    council_id, user_id = uuid.uuid4(), uuid.uuid4()
    async with unit_of_work(maker) as session:
        await session.execute(
            insert(OrgUnit),
            [
                {
                    "id": council_id,
                    "code": "BC",
                    "name": "Bench Council",
                    "kind": OrgUnitKind.COUNCIL,
                }
            ],
        )
        await session.execute(
            insert(User),
            [
                {
                    "id": user_id,
                    "email": "perf@bench.gov.uk",
                    "full_name": "Bench Performance",
                    "password_hash": "x",
                }
            ],
        )
        periods = PeriodService(session)
        await periods.create_year(principal=None, start_year=2025)
        months = {
            p.code: p.id
            for p in await periods.repository.in_year(financial_year="2025-26")
            if p.kind.value == "month"
        }
        rows, targets = [], []
        for i in range(indicators):
            indicator_id = uuid.uuid4()
            polarity = Polarity.HIGHER_IS_BETTER if i % 2 else Polarity.LOWER_IS_BETTER
            rows.append(
                {
                    "id": indicator_id,
                    "code": f"B{i:05d}",
                    "title": f"Bench indicator {i}",
                    "value_type": ValueType.COUNT,
                    "decimal_places": 0,
                    "polarity": polarity,
                    "frequency": Frequency.MONTHLY,
                    "aggregation": Aggregation.SUM,
                    "org_unit_id": council_id,
                }
            )
            for code, period_id in months.items():
                targets.append(
                    {
                        "id": uuid.uuid4(),
                        "indicator_id": indicator_id,
                        "period_id": period_id,
                        "value": Decimal(100 + i % 50),
                        "floor": None,
                        "reason": f"Plan {code}",
                        "set_by_name": "Bench",
                    }
                )
        await session.execute(insert(Indicator), rows)
        await session.execute(insert(Target), targets)
        corporate_id, priority_id, risk_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        plan_rows: list[dict[str, Any]] = [
            {
                "id": corporate_id,
                "kind": PlanKind.CORPORATE,
                "title": "Corporate Plan",
                "org_unit_id": council_id,
                "start_year": 2024,
                "end_year": 2028,
                "status": PlanStatus.APPROVED,
                "themes": [],
            }
        ]
        objective_rows: list[dict[str, Any]] = [
            {"id": priority_id, "plan_id": corporate_id, "title": "Priority", "position": 0}
        ]
        links, serves, risks = [], [], []
        for p in range(plans):
            plan_id = uuid.uuid4()
            plan_rows.append(
                {
                    "id": plan_id,
                    "kind": PlanKind.SERVICE,
                    "title": f"Service Plan {p} 2025-26",
                    "org_unit_id": council_id,
                    "start_year": 2025,
                    "end_year": 2025,
                    "financial_year": "2025-26",
                    "status": PlanStatus.ARCHIVED,
                    "themes": [],
                }
            )
            for o in range(OBJECTIVES_PER_PLAN):
                objective_id = uuid.uuid4()
                objective_rows.append(
                    {
                        "id": objective_id,
                        "plan_id": plan_id,
                        "title": f"Objective {o}",
                        "position": o,
                    }
                )
                serves.append({"objective_id": objective_id, "serves_id": priority_id})
                risks.append({"objective_id": objective_id, "risk_id": risk_id})
                links.append(
                    {
                        "objective_id": objective_id,
                        "indicator_id": rows[(p * OBJECTIVES_PER_PLAN + o) % len(rows)]["id"],
                    }
                )
        await session.execute(insert(Plan), plan_rows)
        await session.execute(insert(Objective), objective_rows)
        await session.execute(
            insert(Risk),
            [
                {
                    "id": risk_id,
                    "code": "R1",
                    "title": "Bench risk",
                    "org_unit_id": council_id,
                    "inherent_likelihood": 3,
                    "inherent_impact": 3,
                    "current_likelihood": 3,
                    "current_impact": 3,
                    "target_likelihood": 2,
                    "target_impact": 2,
                }
            ],
        )
        await session.execute(insert(objective_serves), serves)
        await session.execute(insert(objective_indicator), links)
        await session.execute(insert(risk_objective), risks)
    return Principal(
        kind=SubjectKind.USER,
        id=user_id,
        name="Bench Performance",
        grants=(Grant(role=Role.PERFORMANCE_TEAM, org_unit_id=None),),
    )


def _settings() -> Settings:
    return Settings(secret_key=SECRET_KEY)


async def _run(engine: AsyncEngine, principal: Principal, *, dry_run: bool) -> tuple[float, int]:
    maker = app_sessionmaker(engine, audit=AuditSeal.from_settings(_settings()))
    statements = 0

    def count(*_: Any) -> None:
        nonlocal statements
        statements += 1

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    started, cpu = time.perf_counter(), time.process_time()
    try:
        async with unit_of_work(maker) as session:
            result = await RolloverService(session, periods=PeriodService(session)).rollover(
                principal=principal,
                year="2026-27",
                data=RolloverIn(
                    targets=TargetRule.LAST_YEAR_TARGETS, uplift_pct=Decimal(5), dry_run=dry_run
                ),
            )
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        f"  {'dry run' if dry_run else 'applied'}: {elapsed:.2f} s ({cpu:.2f} s of CPU in this "
        f"process), {statements} statements, "
        f"{result.summary.targets_created} targets, {result.summary.plans_created} plans, "
        f"{result.summary.objectives_created} objectives"
    )
    return elapsed, statements


async def _bench(url: str, *, indicators: int, plans: int) -> None:
    engine = create_engine(url)
    try:
        principal = await _fill(engine, indicators=indicators, plans=plans)
        print(f"{indicators} monthly indicators ({indicators * 12} targets), {plans} plans:")
        await _run(engine, principal, dry_run=True)
        await _run(engine, principal, dry_run=False)
    finally:
        await engine.dispose()


async def _postgres_database(server: str) -> str:
    name = f"bench_rollover_{uuid.uuid4().hex[:8]}"
    url = make_url(server)
    connection = await asyncpg.connect(
        host=url.host,
        port=url.port,
        user=url.username,
        password=url.password,
        database=url.database,
    )
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return str(url.set(database=name).render_as_string(hide_password=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--indicators", type=int, default=2000)
    parser.add_argument("--plans", type=int, default=40)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    args = parser.parse_args()
    os.environ.setdefault("GT_SECRET_KEY", SECRET_KEY)
    for indicators, plans in (
        (args.indicators // 10, args.plans // 10),
        (args.indicators, args.plans),
    ):
        if args.backend == "sqlite":
            with tempfile.TemporaryDirectory() as directory:
                url = f"sqlite+aiosqlite:///{Path(directory) / 'bench.db'}"
                command.upgrade(alembic_config(url), "head")
                asyncio.run(_bench(url, indicators=indicators, plans=plans))
        else:
            url = asyncio.run(_postgres_database(args.postgres_url))
            command.upgrade(alembic_config(url), "head")
            asyncio.run(_bench(url, indicators=indicators, plans=plans))


if __name__ == "__main__":
    main()
