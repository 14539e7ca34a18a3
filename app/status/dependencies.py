"""The status read model as a request dependency: the request's session, with this worker's
status cache (made in the app's lifespan)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.core.config import Settings
from app.core.deps import SessionDep
from app.status.cache import StatusCache
from app.status.service import StatusService


async def get_status_service(request: Request, session: SessionDep) -> StatusService:
    # The settings and the cache from the app's state, not as dependencies of their own (each
    # costs a request tens of microseconds to solve).
    state = request.app.state
    settings: Settings = state.settings
    cache: StatusCache | None = getattr(state, "status_cache", None)
    return StatusService(session, settings=settings, cache=cache)


StatusServiceDep = Annotated[StatusService, Depends(get_status_service)]
