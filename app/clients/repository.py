from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.clients.models import ApiClient


class ClientRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, *, client_uuid: uuid.UUID, reload: bool = False) -> ApiClient | None:
        query = (
            select(ApiClient)
            .where(ApiClient.id == client_uuid)
            .options(selectinload(ApiClient.org_units))
        )
        if reload:
            query = query.execution_options(populate_existing=True)
        return await self.session.scalar(query)

    async def by_client_id(self, *, client_id: str) -> ApiClient | None:
        return await self.session.scalar(
            select(ApiClient)
            .where(ApiClient.client_id == client_id)
            .options(selectinload(ApiClient.org_units))
        )

    async def list(self, *, offset: int, limit: int) -> tuple[Sequence[ApiClient], int]:
        total = await self.session.scalar(select(func.count()).select_from(ApiClient))
        rows = await self.session.scalars(
            select(ApiClient)
            .options(selectinload(ApiClient.org_units))
            .order_by(ApiClient.created_at)
            .offset(offset)
            .limit(limit)
        )
        return rows.all(), total or 0

    async def add(self, *, client: ApiClient) -> ApiClient:
        self.session.add(client)
        await self.session.flush()
        return client

    async def flush(self) -> None:
        await self.session.flush()
