from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI

from tests.actions.helpers import mount_routers, pinned_clock


@pytest.fixture
def app(app: FastAPI) -> FastAPI:
    """The app with the action, project and risk routers, wherever app/api.py stands."""
    return mount_routers(app)


@pytest.fixture(autouse=True)
def _pinned_today() -> Iterator[None]:
    """Every test runs on helpers.TODAY unless it moves the clock itself."""
    yield from pinned_clock()
