"""The ASGI application: ``app.main:app``."""

from __future__ import annotations

import asyncio
import gc
import logging
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute

from app import __version__
from app.api import API_PREFIX, include_api
from app.audit.seal import AuditSeal
from app.auth.service import make_authenticate
from app.bootstrap import app_sessionmaker, run_startup_tasks
from app.core.config import Settings, get_settings
from app.core.db import create_engine, create_probe_engine
from app.core.errors import install_error_handlers
from app.core.logging import configure_logging
from app.core.metrics import MetricsMiddleware, install_pool_metrics
from app.core.middleware import (
    BodySizeLimitMiddleware,
    ControlCharacterMiddleware,
    RequestIdMiddleware,
    SecurityHeadersMiddleware,
    WriteAdmissionMiddleware,
)
from app.core.outage import install_outage_handler
from app.core.query import reject_unknown_query_parameters
from app.docs import install_docs
from app.events.service import outbox_probe
from app.health import router as health_router
from app.openapi import install_openapi
from app.status.cache import StatusCache
from app.status.store import StatusStore
from app.worker.worker import Worker

logger = logging.getLogger("app")

SUMMARY = "Performance management for UK councils"
DESCRIPTION = """
Golden Thread runs a council's performance management framework: plans and objectives,
performance indicators with targets, RAG status and direction of travel, action plans, risks,
and the quarterly reporting cycle, with role-based access.

Errors are RFC 9457 problem details (`application/problem+json`). Sign in at
`POST /api/v1/auth/token` and send `Authorization: Bearer <token>`.
"""


def operation_id(route: APIRoute) -> str:
    """Operation ids are the route functions' names: list_indicators, approve_value, ..."""
    return route.name


# Bulk pushes carry up to 10,000 rows; everything else takes the general limit.
BULK_PATHS = {f"{API_PREFIX}/values/batch"}


def body_limit_for(settings: Settings) -> Callable[[str], int]:
    def limit(path: str) -> int:
        return settings.max_bulk_body_bytes if path in BULK_PATHS else settings.max_body_bytes

    return limit


def tune_garbage_collector() -> None:
    """Tuned for a server process: called when it starts serving, not on import."""
    # What is loaded by now (modules, schemas, mappers) lives as long as the process. Frozen,
    # the cyclic collector no longer walks it on every full pass, which a request that
    # allocates a lot (a 10,000-item bulk push, a 2,000-row scorecard) otherwise triggers
    # several times.
    gc.freeze()
    # Almost everything a request allocates is freed by reference counting; the cyclic
    # collector at its default pace (every 700 allocations) took a fifth of a full status
    # computation (about 900 passes for 2,000 indicators, 0.5 s) and, by walking the kept
    # statuses, gave scorecards read from memory an occasional 100 ms pause. Every 50,000 it
    # costs 0.06 s there, and cyclic garbage still goes within a few tens of thousands of
    # allocations.
    gc.set_threshold(50_000, 20, 10)


def create_app(settings: Settings | None = None, *, run_startup: bool = True) -> FastAPI:
    settings = settings or get_settings()
    ephemeral_key = not settings.secret_key
    if ephemeral_key:
        # Only reachable in development (the settings refuse it elsewhere): tokens are
        # signed with a key that lasts as long as this process.
        settings = settings.model_copy(update={"secret_key": secrets.token_urlsafe(48)})

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(level=settings.log_level, json_lines=settings.log_json)
        if ephemeral_key:
            logger.warning("GT_SECRET_KEY is not set; tokens last only as long as this process")
        engine = create_engine(
            settings.database_url,
            echo=settings.database_echo,
            pool_size=settings.database_pool_size,
        )
        app.state.engine = engine
        install_pool_metrics(engine)
        app.state.probe_engine = create_probe_engine(settings.database_url)
        app.state.sessionmaker = app_sessionmaker(engine, audit=AuditSeal.from_settings(settings))
        # This worker's computed statuses, kept per data version (app.status.cache), in front
        # of those stored in the database for every worker (app.status.store).
        app.state.status_cache = StatusCache(store=StatusStore(app.state.sessionmaker))
        worker_task: asyncio.Task[None] | None = None
        stop = asyncio.Event()
        if run_startup:
            await run_startup_tasks(app.state.sessionmaker, settings)
            tune_garbage_collector()
            if settings.worker_in_process:
                # The outbox worker beside the server (GT_WORKER_IN_PROCESS=0 to run
                # `python -m app.cli worker` on its own instead).
                worker = Worker(app.state.sessionmaker, settings)
                worker_task = asyncio.create_task(worker.run_forever(stop), name="outbox-worker")
        try:
            yield
        finally:
            stop.set()
            if worker_task is not None:
                await worker_task
            await app.state.probe_engine.dispose()
            await engine.dispose()

    app = FastAPI(
        title="Golden Thread",
        version=__version__,
        summary=SUMMARY,
        description=DESCRIPTION,
        openapi_url=f"{API_PREFIX}/openapi.json",
        # Served from assets shipped with the app, not a CDN (app.docs).
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
    )
    app.state.settings = settings
    install_openapi(app, version=__version__, summary=SUMMARY, description=DESCRIPTION)
    # How a bearer token becomes a principal, for app.access.dependencies.
    # The service's own tokens, and the OpenID Connect provider's when one is configured.
    app.state.authenticate = make_authenticate(settings)
    install_error_handlers(app)
    install_outage_handler(app)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=[
                "Authorization",
                "Content-Type",
                "If-Match",
                "Idempotency-Key",
                "X-Request-ID",
            ],
            expose_headers=["ETag", "Link", "Location", "X-Request-ID", "Retry-After"],
        )
    # Outermost last: metrics, request id, security headers, body size limit, control characters,
    # the writes' turns (innermost: a refused request never waits for a turn).
    app.add_middleware(
        WriteAdmissionMiddleware,
        limit=settings.write_concurrency,
        wait_seconds=settings.write_wait_seconds,
    )
    app.add_middleware(ControlCharacterMiddleware)
    app.add_middleware(BodySizeLimitMiddleware, limit_for=body_limit_for(settings))
    app.add_middleware(
        SecurityHeadersMiddleware,
        exempt={f"{API_PREFIX}/docs", f"{API_PREFIX}/docs/oauth2-redirect", f"{API_PREFIX}/redoc"},
    )
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(MetricsMiddleware)
    # Scrape-time readings from the database (app.core.metrics): domains append theirs.
    app.state.metrics_probes = [outbox_probe]
    # Every route refuses query parameters it does not declare (app.core.query).
    app.include_router(health_router, dependencies=[Depends(reject_unknown_query_parameters)])
    include_api(app)
    install_docs(app, prefix=API_PREFIX)
    return app


app = create_app()
