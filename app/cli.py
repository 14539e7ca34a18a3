"""The management command: ``python -m app.cli <command>`` (or ``golden-thread <command>``).

It calls the same services as the API; nothing here is a second implementation.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import getpass
import json
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from app.access.permissions import Role
from app.access.principal import Principal
from app.auth.service import AuthService
from app.batch.parsing import parse_csv
from app.batch.schemas import (
    REQUIRED_TARGET_CSV_COLUMNS,
    TARGET_CSV_COLUMNS,
    BatchResult,
    TargetBatchResult,
)
from app.batch.service import BatchService
from app.batch.targets import TargetBatchService
from app.bootstrap import app_sessionmaker
from app.core.config import get_settings
from app.core.db import create_engine, unit_of_work
from app.core.errors import AppError
from app.core.logging import configure_logging
from app.demo import seed_demo
from app.indicators.models import IndicatorStatus
from app.indicators.repository import IndicatorFilter
from app.reports.outturn import OutturnService, outturn_csv
from app.users.schemas import RoleGrant, UserCreate
from app.users.service import UserService
from app.worker.worker import Worker


def openapi_document() -> dict[str, Any]:
    from app.main import create_app  # noqa: PLC0415 - importing app.main builds the app

    document: dict[str, Any] = create_app(run_startup=False).openapi()
    return document


def database_refusal() -> str | None:
    """Why the database named by GT_DATABASE_URL cannot be used, in one line; None if it can.

    An SQLite file that does not exist is not created (it would be an empty database the
    command then fails on); a database without the schema is named as such."""
    url = make_url(get_settings().database_url)
    shown = url.render_as_string(hide_password=True)
    file = url.database if url.get_backend_name() == "sqlite" else None
    if file not in (None, "", ":memory:") and not Path(str(file)).exists():
        return f"no database at {shown}: set GT_DATABASE_URL, or create it with `make migrate`"
    return asyncio.run(_probe(url.render_as_string(hide_password=False), shown))


async def _probe(database_url: str, shown: str) -> str | None:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            migrated = await connection.run_sync(
                lambda sync: inspect(sync).has_table("alembic_version")
            )
    except Exception as exc:  # any failure to connect is the one line we print
        return f"cannot reach the database at {shown}: {type(exc).__name__}: {str(exc)[:200]}"
    finally:
        await engine.dispose()
    if not migrated:
        return f"the database at {shown} has no schema: run `make migrate` (alembic upgrade head)"
    return None


def write_openapi(output: Path) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(openapi_document(), indent=2, sort_keys=False) + "\n")


async def _create_admin(email: str, password: str, full_name: str) -> None:
    engine = create_engine(get_settings().database_url)
    try:
        async with unit_of_work(app_sessionmaker(engine)) as session:
            await UserService(session).create(
                principal=None,
                data=UserCreate(
                    email=email,
                    full_name=full_name,
                    password=password,
                    roles=[RoleGrant(role=Role.ADMIN)],
                ),
            )
    finally:
        await engine.dispose()


async def _seed_demo() -> None:
    settings = get_settings()
    engine = create_engine(settings.database_url)
    try:
        async with unit_of_work(app_sessionmaker(engine)) as session:
            await seed_demo(session, settings=settings)
    finally:
        await engine.dispose()


Push = Callable[[AsyncSession, Principal], Awaitable[BatchResult | TargetBatchResult]]


async def _import(email: str, push: Push) -> int:
    """Run a bulk push as the user with that email, as the API would; print the summary and
    each error with its CSV line."""
    settings = get_settings()
    engine = create_engine(settings.database_url)
    try:
        async with unit_of_work(app_sessionmaker(engine)) as session:
            auth = AuthService(session, settings=settings)
            user = await auth.repository.user_by_email(email=email)
            principal = await auth.user_principal(user_id=user.id) if user else None
            if principal is None:
                print(f"no active user {email}", file=sys.stderr)
                return 2
            try:
                result = await push(session, principal)
            except AppError as exc:
                print(json.dumps({"error": exc.detail, **exc.extra}, indent=2, default=str))
                return 1
        print(json.dumps(result.model_dump(mode="json")["summary"]))
        for item in result.results:
            for error in item.errors:
                print(f"line {item.line}: {'.'.join(map(str, error.loc))}: {error.msg}")
        return 0 if not result.summary.error else 1
    finally:
        await engine.dispose()


async def _import_values(body: bytes, *, email: str, submit: bool, atomic: bool) -> int:
    """Push a CSV through the same bulk service as POST /values/batch; print the summary."""

    async def push(session: AsyncSession, principal: Principal) -> BatchResult:
        answer = await BatchService(session).push(
            principal=principal, items=parse_csv(body), submit=submit, atomic=atomic
        )
        return BatchResult.model_validate(answer.as_dict())

    return await _import(email, push)


async def _import_targets(body: bytes, *, email: str, atomic: bool) -> int:
    """Set targets from a CSV through the same service as POST /targets/batch."""

    async def push(session: AsyncSession, principal: Principal) -> TargetBatchResult:
        items = parse_csv(body, columns=TARGET_CSV_COLUMNS, required=REQUIRED_TARGET_CSV_COLUMNS)
        return await TargetBatchService(session).push(
            principal=principal, items=items, atomic=atomic
        )

    return await _import(email, push)


async def _export_outturn(year: str, *, export_format: str, output: Path | None) -> int:
    """The outturn through the same service as GET /reports/outturn, to a file or stdout."""
    settings = get_settings()
    engine = create_engine(settings.database_url)
    sessionmaker = app_sessionmaker(engine)
    try:
        async with unit_of_work(sessionmaker) as session:
            service = OutturnService(session, settings=settings)
            try:
                outturn_year = await service.year(code=year)
            except AppError as exc:
                print(exc.detail, file=sys.stderr)
                return 2
            filters = IndicatorFilter(status=IndicatorStatus.ACTIVE)
            if export_format == "xlsx":
                content = await service.xlsx(year=outturn_year, filters=filters)
            elif export_format == "json":
                report = await service.report(year=outturn_year, filters=filters)
                content = report.model_dump_json(indent=2).encode()
        if export_format == "csv":
            chunks = [
                chunk
                async for chunk in outturn_csv(
                    sessionmaker, settings=settings, year=outturn_year, filters=filters
                )
            ]
            content = b"".join(chunks)
    finally:
        await engine.dispose()
    if output is None:
        sys.stdout.buffer.write(content)
    else:
        await asyncio.to_thread(output.write_bytes, content)
    return 0


async def _worker(*, once: bool) -> int:
    """The outbox worker on its own: passes until interrupted (or one drain with --once)."""
    settings = get_settings()
    configure_logging(level=settings.log_level, json_lines=settings.log_json)
    engine = create_engine(settings.database_url)
    worker = Worker(app_sessionmaker(engine), settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signal_number, stop.set)
    try:
        if once:
            summary = await worker.drain(max_passes=1_000_000)
            await worker.aclose()
            print(json.dumps(dataclasses.asdict(summary)))
        else:
            await worker.run_forever(stop)
    finally:
        await engine.dispose()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="golden-thread", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    openapi = commands.add_parser("openapi", help="write the OpenAPI document")
    openapi.add_argument("--output", type=Path, default=Path("openapi/openapi.json"))

    admin = commands.add_parser("create-admin", help="create an admin user")
    admin.add_argument("--email", required=True)
    admin.add_argument("--full-name", default="Administrator")
    admin.add_argument("--password", help="read from GT_ADMIN_PASSWORD or asked for when not given")

    commands.add_parser("seed-demo", help="create the demo council (idempotent)")

    importer = commands.add_parser(
        "import-values", help="push values from a CSV (the columns of POST /values/batch)"
    )
    importer.add_argument("csv", type=Path)
    importer.add_argument("--as", dest="email", required=True, help="the user who enters them")
    importer.add_argument("--submit", action="store_true", help="also submit them")
    importer.add_argument(
        "--partial", action="store_true", help="store the valid rows even if some are not"
    )

    targets = commands.add_parser(
        "import-targets", help="set targets from a CSV (the columns of POST /targets/batch)"
    )
    targets.add_argument("csv", type=Path)
    targets.add_argument("--as", dest="email", required=True, help="the user who sets them")
    targets.add_argument(
        "--partial", action="store_true", help="store the valid rows even if some are not"
    )

    exporter = commands.add_parser(
        "export-outturn", help="the year's outturn, as GET /reports/outturn gives it"
    )
    exporter.add_argument("year", help="a financial year, e.g. 2025-26")
    exporter.add_argument("--format", choices=("csv", "xlsx", "json"), default="csv")
    exporter.add_argument("--output", type=Path, help="a file (default: standard output)")

    worker = commands.add_parser(
        "worker", help="deliver notifications, emails and webhooks from the outbox"
    )
    worker.add_argument("--once", action="store_true", help="one drain, then exit")

    args = parser.parse_args(argv)
    if args.command != "openapi" and (refusal := database_refusal()):
        print(f"golden-thread: {refusal}", file=sys.stderr)
        return 2
    if args.command == "openapi":
        write_openapi(args.output)
    elif args.command == "create-admin":
        password = args.password or get_settings().admin_password
        if not password:
            password = getpass.getpass("Password: ")
        asyncio.run(_create_admin(args.email, password, args.full_name))
        print(f"created admin {args.email}")
    elif args.command == "seed-demo":
        asyncio.run(_seed_demo())
        print("demo council ready")
    elif args.command == "export-outturn":
        return asyncio.run(
            _export_outturn(args.year, export_format=args.format, output=args.output)
        )
    elif args.command == "import-targets":
        return asyncio.run(
            _import_targets(args.csv.read_bytes(), email=args.email, atomic=not args.partial)
        )
    elif args.command == "worker":
        return asyncio.run(_worker(once=args.once))
    elif args.command == "import-values":
        return asyncio.run(
            _import_values(
                args.csv.read_bytes(), email=args.email, submit=args.submit, atomic=not args.partial
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
