"""Liveness and readiness, for load balancers and orchestrators (no auth), and the metrics for
Prometheus (a token of their own when GT_METRICS_TOKEN is set)."""

from __future__ import annotations

import asyncio
import hmac

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import text

from app.core import metrics
from app.core.db import PROBE_TIMEOUT_SECONDS, unit_of_work
from app.core.errors import NotAuthenticated

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "The database is not reachable"}})
async def readyz(request: Request) -> JSONResponse:
    """The database answers (on a connection of its own, within a few seconds)."""
    engine = getattr(request.app.state, "probe_engine", None) or request.app.state.engine
    try:
        async with asyncio.timeout(PROBE_TIMEOUT_SECONDS + 1), engine.connect() as connection:
            connection = await connection.execution_options(read_only=True)
            await connection.execute(text("SELECT 1"))
    except Exception:  # any failure to answer means not ready; nothing to report but that
        return JSONResponse(
            {"status": "unavailable"}, status_code=503, headers={"Retry-After": "5"}
        )
    return JSONResponse({"status": "ok"})


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {"content": {"text/plain": {}}, "description": "Prometheus text exposition"},
        401: {"description": "GT_METRICS_TOKEN is set and the bearer token is not it"},
    },
)
async def get_metrics(request: Request) -> Response:
    """Request counts and latency by route template and status, database pool use, status cache
    hits and recomputations, outbox depth and delivery failures, in Prometheus text (summed
    over every worker process in multiprocess mode)."""
    expected = request.app.state.settings.metrics_token
    if expected:
        scheme, _, sent = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(sent.encode(), expected.encode()):
            raise NotAuthenticated("The metrics need the bearer token GT_METRICS_TOKEN.")
    probes: list[metrics.Probe] = getattr(request.app.state, "metrics_probes", [])
    if probes:
        async with unit_of_work(request.app.state.sessionmaker) as session:
            for probe in probes:
                await probe(session)
    body, content_type = metrics.render()
    return Response(body, media_type=content_type)
