from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.actions.helpers import pinned_clock
from tests.factories import Factory
from tests.helpers import Council, council


@pytest.fixture(autouse=True)
def _pinned_today() -> Iterator[None]:
    """Every test runs on 2025-07-01 (tests.actions.helpers.TODAY)."""
    yield from pinned_clock()


@pytest.fixture
async def people(factory: Factory) -> Council:
    await factory.financial_year(2025)
    return await council(factory)
