"""Prometheus metrics: the registry of what the service counts, the middleware that times each
request by its route template, the database pool's use, and the text ``GET /metrics`` serves.

The one module that touches prometheus-client. Several worker processes (``uvicorn --workers``,
gunicorn) each count their own; with ``PROMETHEUS_MULTIPROC_DIR`` set in the environment before
the server starts (an empty directory the workers can write, emptied at each start), every
process writes its values there and a scrape of any worker sums them all (prometheus-client's
multiprocess mode). Without it, a scrape shows the one process that answered it.

Adding a metric: declare it here, beside the others, and give gauges a ``multiprocess_mode``
(``livesum`` for a per-process quantity such as connections in use; ``mostrecent`` for one a
scrape reads from the database). A quantity read from the database at scrape time (the depth of
a queue, say) is a *probe*: an async function of a session that sets its gauge, added to
``app.state.metrics_probes``; ``GET /metrics`` runs the probes, then renders.
"""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Callable
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.db import install_once

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
# Requests that match no route are counted under this one label, so a scan of random paths
# cannot make a label per path.
UNMATCHED_ROUTE = "unmatched"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

# --- requests ------------------------------------------------------------------------------

HTTP_REQUESTS = Counter(
    "gt_http_requests",
    "HTTP requests answered, by method, route template and status",
    ["method", "route", "status"],
)
HTTP_REQUEST_SECONDS = Histogram(
    "gt_http_request_duration_seconds",
    "Time to answer an HTTP request, by method, route template and status",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)

# --- the database pool ---------------------------------------------------------------------

DB_POOL_IN_USE = Gauge(
    "gt_db_pool_connections_in_use",
    "Database connections checked out of the pool now",
    multiprocess_mode="livesum",
)
DB_POOL_SIZE = Gauge(
    "gt_db_pool_size",
    "Connections the pool keeps (its overflow comes on top)",
    multiprocess_mode="livesum",
)
DB_POOL_CHECKOUTS = Counter(
    "gt_db_pool_checkouts", "Connections taken from the database pool by requests and jobs"
)

# --- the status read model (app.status.cache) ----------------------------------------------

STATUS_CACHE_HITS = Counter(
    "gt_status_cache_hits", "Indicator statuses served from the cache, still current"
)
STATUS_CACHE_RECOMPUTATIONS = Counter(
    "gt_status_cache_recomputations",
    "Indicator statuses computed: not cached yet, or their data changed since",
)

# --- events and deliveries (app.events, app.worker) ----------------------------------------

OUTBOX_DEPTH = Gauge(
    "gt_outbox_depth",
    "The outbox at scrape time: events not dispatched yet, and deliveries (email, webhook) by "
    "status (pending, failed)",
    ["kind", "status"],
    multiprocess_mode="mostrecent",
)
OUTBOX_DELIVERY_FAILURES = Counter(
    "gt_outbox_delivery_failures",
    "Delivery attempts that failed (an email or webhook call to be retried, or given up on)",
    ["channel"],
)


def record_delivery_failure(*, channel: str) -> None:
    """Count one failed delivery attempt."""
    OUTBOX_DELIVERY_FAILURES.labels(channel=channel).inc()


def set_outbox_depth(*, kind: str, status: str, count: int) -> None:
    OUTBOX_DEPTH.labels(kind=kind, status=status).set(count)


Probe = Callable[[AsyncSession], Awaitable[None]]


def record_status_cache(*, hits: int, computed: int) -> None:
    """Count statuses a read took from the cache and those it had to compute."""
    if hits:
        STATUS_CACHE_HITS.inc(hits)
    if computed:
        STATUS_CACHE_RECOMPUTATIONS.inc(computed)


def install_pool_metrics(engine: AsyncEngine) -> None:
    """Count the engine's pool checkouts and the connections in use (from the lifespan)."""
    pool = engine.sync_engine.pool
    if not install_once(pool, "pool metrics"):
        return
    size = getattr(pool, "size", None)
    if callable(size):
        DB_POOL_SIZE.inc(size())
    event.listen(pool, "checkout", _checked_out)
    event.listen(pool, "checkin", _checked_in)


def _checked_out(*_: Any) -> None:
    DB_POOL_CHECKOUTS.inc()
    DB_POOL_IN_USE.inc()


def _checked_in(*_: Any) -> None:
    DB_POOL_IN_USE.dec()


def render() -> tuple[bytes, str]:
    """The Prometheus text of every worker's metrics (this process's without multiprocess
    mode), and its content type."""
    if os.environ.get(MULTIPROCESS_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def route_template(scope: Scope) -> str:
    """The template of the route that answered (``/api/v1/indicators/{code}``), or
    UNMATCHED_ROUTE. The route in the scope knows its path below the router that includes it;
    the prefixes above it are the part of the request's path that its pattern leaves over."""
    route = scope.get("route")
    relative = getattr(route, "path", None)
    pattern = getattr(route, "path_regex", None)
    if not isinstance(relative, str) or pattern is None:
        return UNMATCHED_ROUTE
    path: str = scope.get("path", "")
    start = 0
    while start != -1:
        if pattern.match(path[start:]):
            return path[:start] + relative
        start = path.find("/", start + 1)
    return relative


class MetricsMiddleware:
    """Count and time every HTTP request by method, route template (``/api/v1/indicators/
    {code}``, never the path itself) and status; outermost, so it sees every answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            template = route_template(scope)
            method = scope["method"] if scope["method"] in _METHODS else "other"
            labels = (method, template, str(status))
            HTTP_REQUESTS.labels(*labels).inc()
            HTTP_REQUEST_SECONDS.labels(*labels).observe(time.perf_counter() - started)
