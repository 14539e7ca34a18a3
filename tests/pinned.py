"""Fixtures for the packages whose tests run on one pinned day (``tests.actions.helpers.TODAY``):
each package's conftest imports those it uses, so pytest finds them there."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.actions.helpers import pinned_clock
from tests.factories import Factory
from tests.helpers import Council, council


@pytest.fixture(autouse=True)
def pinned_today() -> Iterator[None]:
    """Every test runs on ``tests.actions.helpers.TODAY`` unless it moves the clock itself."""
    yield from pinned_clock()


@pytest.fixture
async def people(factory: Factory) -> Council:
    """The council's people (``tests.helpers.council``), in financial year 2025."""
    await factory.financial_year(2025)
    return await council(factory)
