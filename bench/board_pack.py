"""How long does the board pack take as PDF (and DOCX) for a large council, and how much
memory does it use?

Builds the same council as bench/scorecard.py (2,000 indicators, five years) in a temporary
SQLite file, serves the app in-process and downloads
``GET /api/v1/reports/board-pack?period=<last completed quarter>&format=pdf`` (and docx).
Prints, per format, the wall time of a first (cold status cache) and a second download, the
size and page count, and the peak Python memory allocated during a third download traced with
tracemalloc (kept apart from the timed ones, which tracing would slow).

    python -m bench.board_pack [--indicators 2000] [--years 5]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Sequence
from datetime import timedelta

import httpx
from pypdf import PdfReader

from app.audit.seal import AuditSeal
from app.bootstrap import app_sessionmaker
from app.core.clock import today
from app.core.config import Environment, Settings
from app.core.db import create_engine
from app.core.security import SubjectKind, create_access_token
from app.main import create_app, tune_garbage_collector
from app.periods import calendar
from app.status.cache import StatusCache
from bench.scorecard import SECRET_KEY, Generator, insert_council, migrate


async def measure(url: str, *, indicators: int, years: int) -> dict[str, object]:
    generator = Generator(indicators=indicators, years=years, today=today())
    council = generator.build()
    engine = create_engine(url)
    try:
        await insert_council(engine, council)
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
        token, _ = create_access_token(
            subject_kind=SubjectKind.USER,
            subject_id=council.user_id,
            secret_key=SECRET_KEY,
            lifetime=timedelta(hours=6),
            issuer=settings.jwt_issuer,
        )
        quarter = calendar.period_containing(
            today() - timedelta(days=95), kind=calendar.PeriodKind.QUARTER
        ).code
        figures: dict[str, object] = {}
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://bench",
            headers={"Authorization": f"Bearer {token}"},
            timeout=600,
        ) as client:

            async def download(fmt: str) -> tuple[float, bytes]:
                began = time.perf_counter()
                response = await client.get(
                    "/api/v1/reports/board-pack", params={"period": quarter, "format": fmt}
                )
                if response.status_code != 200:
                    raise SystemExit(f"board pack answered {response.status_code}")
                return time.perf_counter() - began, response.content

            for fmt in ("pdf", "docx"):
                first, _ = await download(fmt)
                second, content = await download(fmt)
                tracemalloc.start()
                await download(fmt)
                _, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
                figures[fmt] = {
                    "first_seconds": round(first, 2),
                    "second_seconds": round(second, 2),
                    "bytes": len(content),
                    "pages": len(PdfReader(io.BytesIO(content)).pages) if fmt == "pdf" else None,
                    "peak_python_memory_mib": round(peak / 2**20, 1),
                }
                print(json.dumps({fmt: figures[fmt]}), file=sys.stderr, flush=True)
    finally:
        await engine.dispose()
    return {"period": quarter, "indicators": indicators, **figures}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--indicators", type=int, default=2000)
    parser.add_argument("--years", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/board_pack.db"
        migrate(url)
        result = asyncio.run(measure(url, indicators=args.indicators, years=args.years))
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
