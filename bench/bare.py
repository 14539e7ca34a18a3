"""The floor for the warm scorecard: a bare Starlette app that answers every request with the
bytes in the file ``GT_BENCH_BODY`` names (as JSON). ``bench.warm`` serves it with uvicorn."""

from __future__ import annotations

import os
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

BODY = Path(os.environ.get("GT_BENCH_BODY", "/dev/null")).read_bytes()


async def answer(request: Request) -> Response:
    return Response(BODY, media_type="application/json")


app = Starlette(routes=[Route("/{path:path}", answer)])
