"""Liveness and readiness, for load balancers and orchestrators (no auth)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from app.core.db import PROBE_TIMEOUT_SECONDS

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
