"""A Python client generated from the committed document by openapi-python-client, as portal
teams generate theirs (with openapi/openapi-python-client.yaml, which has it read the files'
media types as bytes), used against the app: sign in, read a paged list and a scorecard, get
typed problems back (422, 404), download the XLSX outturn and an SVG chart; and the generated
package type-checks under mypy --strict.

The client is generated once per module (about 5 s); `--dist loadfile` keeps the module on
one xdist worker.
"""

from __future__ import annotations

import importlib
import io
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from openpyxl import load_workbook

from app.access.permissions import Role
from app.reports.rendering import LABELS
from app.reports.rendering import XLSX_MEDIA_TYPE as XLSX
from tests.factories import Factory
from tests.helpers import create_indicator

COMMITTED = Path(__file__).resolve().parent.parent / "openapi" / "openapi.json"
CONFIG = COMMITTED.with_name("openapi-python-client.yaml")
GENERATOR = Path(sys.executable).parent / "openapi-python-client"
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def gt_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    where = tmp_path_factory.mktemp("generated")
    command = [str(GENERATOR), "generate", "--path", str(COMMITTED), "--meta", "none"]
    command += ["--config", str(CONFIG)]
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


def test_the_generated_client_type_checks(gt_client: ModuleType) -> None:
    where = Path(str(gt_client.__file__)).parent
    checked = subprocess.run(  # noqa: S603 - our own tool, on the package just generated
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(where)],
        cwd=where.parent,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout[-3000:]


async def test_a_generated_client_signs_in_reads_lists_and_gets_typed_problems(
    gt_client: ModuleType, app: FastAPI, factory: Factory, client: AsyncClient
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

    api = gt_client.AuthenticatedClient(
        base_url="http://test", token=token.access_token, httpx_args={"transport": transport}
    )
    page = await _module("api.org_units.list_org_units").asyncio(client=api, page_size=2)
    assert page.page == 1
    assert page.page_size == 2
    assert page.total >= len(page.items)

    scorecard = await _module("api.reports.get_scorecard").asyncio_detailed(
        client=api, period="2025-26-Q1"
    )
    assert scorecard.status_code == 200, scorecard.content
    assert type(scorecard.parsed).__name__ == "Scorecard"

    invalid = await _module("api.org_units.list_org_units").asyncio(client=api, page_size=501)
    assert isinstance(invalid, _module("models.validation_problem").ValidationProblem)
    assert invalid.status == 422
    assert invalid.errors[0].loc == ["query", "page_size"]

    missing = await _module("api.indicators.get_indicator").asyncio(client=api, code="NOPE")
    assert isinstance(missing, _module("models.problem").Problem)
    assert (missing.status, missing.title) == (404, "Indicator not found")
    assert missing.type_.startswith("/api/v1/problems/")

    # The files: the XLSX outturn (its own operation) and an SVG chart, as bytes.
    await create_indicator(client, {"Authorization": f"Bearer {token.access_token}"}, "GC1")
    outturn = await _module("api.reports.get_outturn_xlsx").asyncio_detailed(
        client=api, year="2025-26"
    )
    assert outturn.status_code == 200, outturn.content
    assert outturn.headers["content-type"].startswith(XLSX)
    workbook = load_workbook(io.BytesIO(outturn.parsed.payload.read()), read_only=True)
    header, row = workbook.worksheets[0].iter_rows(max_row=2, values_only=True)
    assert (header[0], row[0]) == (LABELS["indicator_code"], "GC1")

    chart = await _module("api.spc.get_indicator_chart").asyncio(client=api, code="GC1")
    assert isinstance(chart, _module("types").File)
    svg = chart.payload.read()
    assert svg.startswith(b"<?xml")
    assert b"<svg" in svg
    assert b"No approved values yet." in svg
