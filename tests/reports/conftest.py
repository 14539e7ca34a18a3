from __future__ import annotations

import pytest

from app.access.permissions import Role
from tests.factories import Factory
from tests.helpers import Headers, person


@pytest.fixture
async def perf(factory: Factory) -> Headers:
    """A performance officer, in a council with the years 2024-25 and 2025-26."""
    await factory.financial_year(2024)
    await factory.financial_year(2025)
    return (await person(factory, Role.PERFORMANCE_TEAM)).headers
