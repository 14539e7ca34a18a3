"""A fuzzer over every operation of the OpenAPI document: no input makes a 500, and every
answer matches the schema the document gives for it.

Schemathesis makes the cases (valid and invalid, seeded, a few per operation); they are sent
in-process through the tests' client, inside the test's rolled-back transaction, as a
performance-team user, so most operations get past authentication to their own rules.
Cases are drawn first and sent after, because Hypothesis runs its tests synchronously and the
app lives on the tests' event loop.
"""

from __future__ import annotations

import contextlib
import os
import urllib.parse
from datetime import timedelta
from typing import Any

import httpx
import pytest
import schemathesis
from httpx import AsyncClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from app.access.permissions import Role
from app.cli import openapi_document
from tests.factories import Factory
from tests.helpers import Headers, person
from tests.indicators.helpers import create_indicator

SCHEMA = schemathesis.openapi.from_dict(openapi_document())
OPERATIONS = {
    operation.label: operation
    for operation in (result.ok() for result in SCHEMA.get_all_operations())  # type: ignore[union-attr]  # the app's own document is valid
}
# Examples per operation and generation mode: about 2,000 requests per backend.
EXAMPLES = int(os.environ.get("GT_FUZZ_EXAMPLES", "5"))
FuzzCase = Case[Any]
# Every answer is one the document lists for the operation (a 4xx it does not name fails).
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]


def draw(label: str, mode: GenerationMode) -> list[FuzzCase]:
    """The operation's cases for one mode, the same on every run (derandomized)."""
    cases: list[FuzzCase] = []

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=OPERATIONS[label].as_strategy(generation_mode=mode))
    def collect(case: FuzzCase) -> None:
        cases.append(case)

    # No invalid input fits some operations (one whose only parameter is a path string).
    with contextlib.suppress(Unsatisfiable):
        collect()
    return cases


def request_of(case: FuzzCase, headers: Headers) -> dict[str, Any] | None:
    """httpx arguments for the case; None when HTTP cannot carry it (a header outside
    Latin-1)."""
    sent = case.as_transport_kwargs(base_url="http://testserver")
    try:
        header_bytes = {
            str(k).encode("latin-1"): str(v).encode("latin-1")
            for k, v in {**sent["headers"], **headers}.items()
        }
    except UnicodeEncodeError:
        return None
    request: dict[str, Any] = {
        "method": sent["method"],
        "url": sent["url"],
        "headers": header_bytes,
        "params": [
            (str(k), v if isinstance(v, str | int | float) else str(v))
            for k, values in (sent.get("params") or {}).items()
            for v in (values if isinstance(values, list) else [values])
        ],
    }
    if "json" in sent:
        request["json"] = sent["json"]
    elif isinstance(sent.get("data"), dict):
        request["content"] = urllib.parse.urlencode(sent["data"], doseq=True).encode()
    elif "data" in sent and sent["data"] is not None:
        data = sent["data"]
        request["content"] = data if isinstance(data, bytes) else str(data).encode()
    elif "files" in sent:
        request["files"] = sent["files"]
    return request


@pytest.fixture
async def perf(client: AsyncClient, factory: Factory) -> Headers:
    """A council with a year of periods and an indicator, and a performance-team user."""
    await factory.financial_year(2025)
    headers = (await person(factory, Role.PERFORMANCE_TEAM)).headers
    await create_indicator(client, headers, "FZ1")
    return headers


@pytest.mark.parametrize("label", sorted(OPERATIONS))
async def test_no_input_makes_a_server_error_or_breaks_the_schema(
    client: AsyncClient, perf: Headers, label: str
) -> None:
    failures: list[str] = []
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        for case in draw(label, mode):
            request = request_of(case, perf)
            if request is None:
                continue
            response = await client.request(**request)
            try:
                case.validate_response(response, checks=CHECKS)
            except FailureGroup as group:
                failures.append(f"{mode.value}: {group}")
    assert not failures, "\n".join(failures[:3])


@pytest.mark.parametrize(
    ("status", "body"),
    [(500, {"detail": "boom"}), (200, {"code": 5}), (418, {"title": "I'm a teapot"})],
    ids=["500", "schema", "undocumented-status"],
)
def test_the_checks_catch_a_server_error_an_answer_off_the_schema_and_an_unlisted_status(
    status: int, body: dict[str, Any]
) -> None:
    case = draw("GET /api/v1/indicators/{code}", GenerationMode.POSITIVE)[0]
    request = httpx.Request("GET", "http://testserver/api/v1/indicators/FZ1")
    response = httpx.Response(status, json=body, request=request)
    response.elapsed = timedelta(0)  # as a sent response has
    with pytest.raises(FailureGroup):
        case.validate_response(response, checks=CHECKS)
