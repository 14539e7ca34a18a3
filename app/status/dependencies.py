"""The status read model as a request dependency: the request's session, with this worker's
status cache (made in the app's lifespan)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.core.deps import SessionDep, SettingsDep
from app.status.cache import StatusCache
from app.status.service import StatusService


async def get_status_cache(request: Request) -> StatusCache | None:
    cache: StatusCache | None = getattr(request.app.state, "status_cache", None)
    return cache


async def get_status_service(
    session: SessionDep,
    settings: SettingsDep,
    cache: Annotated[StatusCache | None, Depends(get_status_cache)],
) -> StatusService:
    return StatusService(session, settings=settings, cache=cache)


StatusServiceDep = Annotated[StatusService, Depends(get_status_service)]
