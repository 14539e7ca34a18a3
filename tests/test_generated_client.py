"""A Python client generated from the committed document by openapi-python-client, as portal
teams generate theirs, used against the app: sign in, read a paged list and a scorecard, and
get typed problems back (422, 404).

The client is generated once per module (about 10 s); `--dist loadfile` keeps the module on
one xdist worker.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import ASGITransport

from app.access.permissions import Role
from app.reports.rendering import XLSX_MEDIA_TYPE as XLSX
from tests.factories import Factory

COMMITTED = Path(__file__).resolve().parent.parent / "openapi" / "openapi.json"
GENERATOR = Path(sys.executable).parent / "openapi-python-client"
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def gt_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    where = tmp_path_factory.mktemp("generated")
    command = [str(GENERATOR), "generate", "--path", str(COMMITTED), "--meta", "none"]
    subprocess.run(  # noqa: S603 - our own tool, our own document
        [*command, "--output-path", str(where / "gt_client")],
        check=True,
        capture_output=True,
        timeout=300,
    )
    sys.path.insert(0, str(where))
    try:
        yield importlib.import_module("gt_client")
    finally:
        sys.path.remove(str(where))
        for name in [name for name in sys.modules if name.split(".")[0] == "gt_client"]:
            del sys.modules[name]


def _module(name: str) -> Any:
    return importlib.import_module(f"gt_client.{name}")


async def test_a_generated_client_signs_in_reads_lists_and_gets_typed_problems(
    gt_client: ModuleType, app: FastAPI, factory: Factory
) -> None:
    await factory.user(Role.PERFORMANCE_TEAM, email="client-test@council.gov.uk", password=PASSWORD)
    await factory.financial_year(2025)
    transport = ASGITransport(app=app)
    anonymous = gt_client.Client(base_url="http://test", httpx_args={"transport": transport})
    body = _module("models.body_create_token").BodyCreateToken(
        grant_type="password", username="client-test@council.gov.uk", password=PASSWORD
    )
    token = await _module("api.auth.create_token").asyncio(client=anonymous, body=body)
    assert isinstance(token, _module("models.token_response").TokenResponse)

    client = gt_client.AuthenticatedClient(
        base_url="http://test", token=token.access_token, httpx_args={"transport": transport}
    )
    page = await _module("api.org_units.list_org_units").asyncio(client=client, page_size=2)
    assert page.page == 1
    assert page.page_size == 2
    assert page.total >= len(page.items)

    scorecard = await _module("api.reports.get_scorecard").asyncio_detailed(
        client=client, period="2025-26-Q1"
    )
    assert scorecard.status_code == 200, scorecard.content
    assert type(scorecard.parsed).__name__ == "Scorecard"

    invalid = await _module("api.org_units.list_org_units").asyncio(client=client, page_size=501)
    assert isinstance(invalid, _module("models.validation_problem").ValidationProblem)
    assert invalid.status == 422
    assert invalid.errors[0].loc == ["query", "page_size"]

    missing = await _module("api.indicators.get_indicator").asyncio(client=client, code="NOPE")
    assert isinstance(missing, _module("models.problem").Problem)
    assert (missing.status, missing.title) == (404, "Indicator not found")
    assert missing.type_.startswith("/api/v1/problems/")

    # The XLSX outturn: the generated operation parses any 200 as JSON, so the file is fetched
    # through the generated client's own (authenticated) HTTP client.
    xlsx = await client.get_async_httpx_client().get(
        "/api/v1/reports/outturn", params={"year": "2025-26", "format": "xlsx"}
    )
    assert xlsx.status_code == 200, xlsx.text
    assert xlsx.headers["content-type"].startswith(XLSX)
    assert xlsx.content[:2] == b"PK"  # a zip, as an XLSX is
