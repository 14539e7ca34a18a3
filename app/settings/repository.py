"""Every statement of the council-wide settings."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.settings.models import CouncilSetting


class SettingsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, *, key: str) -> CouncilSetting | None:
        """The setting stored under the key, if an admin has set it."""
        return await self.session.get(CouncilSetting, key)

    async def add(self, *, setting: CouncilSetting) -> CouncilSetting:
        """Store a new setting."""
        self.session.add(setting)
        await self.session.flush()
        return setting

    async def flush(self) -> None:
        """Write pending changes."""
        await self.session.flush()
