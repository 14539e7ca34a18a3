"""Hardening at the edge: text without control characters, security headers, and a clean 503
while the database is away."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from app.access.permissions import Role
from app.bootstrap import app_sessionmaker
from app.core.config import Settings
from app.core.db import create_engine
from app.core.outage import OUTAGE
from app.main import create_app
from app.status.cache import StatusCache
from tests.factories import Factory
from tests.helpers import API, INDICATORS, assert_problem, indicator_body, person

# Nothing listens here: every connection is refused.
UNREACHABLE = "postgresql+asyncpg://postgres@127.0.0.1:9/postgres"


# Control characters


@pytest.mark.parametrize(
    "path",
    [
        f"{INDICATORS}?q=%00",
        f"{INDICATORS}?q=bins%0Aand",
        f"{INDICATORS}/HS%0001",
        f"{API}/public/indicators?q=%07",
    ],
)
async def test_a_control_character_in_a_path_or_query_is_refused_before_anything_runs(
    client: AsyncClient, path: str
) -> None:
    # No token either: the text is refused before sign-in is even looked at.
    body = assert_problem(await client.get(path), 422)
    assert body["errors"][0]["type"] == "control_character"


async def test_a_nul_in_the_sign_in_form_is_refused(client: AsyncClient) -> None:
    response = await client.post(
        f"{API}/auth/token",
        data={"grant_type": "password", "username": "a\x00@x.gov.uk", "password": "whatever"},
    )
    body = assert_problem(response, 422)
    assert body["errors"][0]["loc"] == ["body", "username"]


@pytest.mark.parametrize("title", ["Cost per bin\x00", "Bell\x07", "Escape \x1b[31m", "Del\x7f"])
async def test_a_control_character_in_a_body_is_refused_and_nothing_is_stored(
    client: AsyncClient, factory: Factory, title: str
) -> None:
    perf = (await person(factory, Role.PERFORMANCE_TEAM)).headers
    await factory.org_tree()
    response = await client.post(INDICATORS, json=indicator_body("CC1", title=title), headers=perf)
    body = assert_problem(response, 422)
    assert body["errors"][0]["loc"][-1] == "title"
    assert (await client.get(f"{INDICATORS}/CC1", headers=perf)).status_code == 404


async def test_line_breaks_and_tabs_in_text_are_kept(client: AsyncClient, factory: Factory) -> None:
    perf = (await person(factory, Role.PERFORMANCE_TEAM)).headers
    await factory.org_tree()
    definition = "Households prevented from\nbecoming homeless.\tQuarterly."
    response = await client.post(
        INDICATORS, json=indicator_body("CC2", definition=definition), headers=perf
    )
    assert response.status_code == 201, response.text
    assert response.json()["definition"] == definition


# Security headers


async def test_authenticated_answers_are_not_stored_by_caches(
    client: AsyncClient, factory: Factory
) -> None:
    perf = (await person(factory, Role.PERFORMANCE_TEAM)).headers
    response = await client.get(f"{API}/me", headers=perf)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"


async def test_public_answers_keep_their_own_cache_lifetime(client: AsyncClient) -> None:
    response = await client.get(f"{API}/public/indicators")
    assert response.status_code == 200
    assert response.headers["cache-control"] != "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_html_and_svg_answers_may_run_nothing(client: AsyncClient, factory: Factory) -> None:
    await factory.financial_year(2025)
    perf = (await person(factory, Role.PERFORMANCE_TEAM)).headers
    response = await client.get(f"{API}/reports/board-pack?period=2025-26-Q1", headers=perf)
    assert response.status_code == 200, response.text
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy


# The database away


@pytest.fixture
async def cut_off(settings: Settings) -> AsyncIterator[AsyncClient]:
    """The app with a database that refuses every connection."""
    application: FastAPI = create_app(
        settings.model_copy(update={"database_url": UNREACHABLE}), run_startup=False
    )
    engine = create_engine(UNREACHABLE)
    application.state.engine = engine
    application.state.sessionmaker = app_sessionmaker(engine)
    application.state.status_cache = StatusCache()
    transport = ASGITransport(app=application)
    async with AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http
    await engine.dispose()
    OUTAGE.recovered()


async def test_requests_get_503_with_retry_after_while_the_database_is_away(
    cut_off: AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="app.database")
    for _ in range(3):
        response = await cut_off.get(f"{API}/public/indicators")
        body = assert_problem(response, 503)
        assert response.headers["retry-after"] == "5"
        assert body["type"].endswith("service-unavailable")
    signed_in = await cut_off.post(
        f"{API}/auth/token",
        data={"grant_type": "password", "username": "a@x.gov.uk", "password": "whatever"},
    )
    assert_problem(signed_in, 503)
    # One line for the whole outage, and no traceback.
    lines = [r for r in caplog.records if r.name == "app.database"]
    assert len(lines) == 1
    assert lines[0].exc_info is None


async def test_readiness_says_unavailable_while_the_database_is_away(cut_off: AsyncClient) -> None:
    response = await cut_off.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}


# Loose conversions


@pytest.mark.parametrize("until", ["0.5", "0", "1700000000"])
async def test_a_timestamp_in_a_query_must_be_iso_8601(
    client: AsyncClient, factory: Factory, until: str
) -> None:
    auditor = (await person(factory, Role.AUDITOR)).headers
    response = await client.get(f"{API}/audit-events", params={"until": until}, headers=auditor)
    body = assert_problem(response, 422)
    assert body["errors"][0]["loc"] == ["query", "until"]


async def test_a_date_in_a_body_must_be_iso_8601_text(
    client: AsyncClient, factory: Factory
) -> None:
    perf = (await person(factory, Role.PERFORMANCE_TEAM)).headers
    for due in (0, "0", True):
        response = await client.post(
            f"{API}/actions", json={"title": "Recover", "due_date": due}, headers=perf
        )
        body = assert_problem(response, 422)
        assert any(error["loc"][-1] == "due_date" for error in body["errors"]), body
