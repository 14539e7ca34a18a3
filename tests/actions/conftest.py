from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.actions.helpers import pinned_clock


@pytest.fixture(autouse=True)
def _pinned_today() -> Iterator[None]:
    """Every test runs on helpers.TODAY unless it moves the clock itself."""
    yield from pinned_clock()
