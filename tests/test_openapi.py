from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import get_origin

from fastapi.dependencies.models import Dependant
from httpx import AsyncClient
from openapi_spec_validator import validate

from app import __version__ as app_version
from app.clients.scopes import ClientScope
from app.core.query import reject_unknown_query_parameters
from app.main import create_app
from app.openapi import api_routes
from app.reports.rendering import XLSX_MEDIA_TYPE as XLSX

COMMITTED = Path(__file__).resolve().parent.parent / "openapi" / "openapi.json"
# Built once for the module: making the app and its document takes a second or two.
APP = create_app(run_startup=False)
DOCUMENT = APP.openapi()


def test_committed_openapi_document_matches_the_app() -> None:
    committed = json.loads(COMMITTED.read_text())
    assert committed == DOCUMENT, "openapi/openapi.json is stale: run `make openapi`"


def test_operation_ids_are_unique_and_readable() -> None:
    ids = [
        operation["operationId"]
        for path in DOCUMENT["paths"].values()
        for operation in path.values()
    ]
    assert [name for name, count in Counter(ids).items() if count > 1] == []
    assert all(name.isidentifier() and name.islower() for name in ids)


def test_every_operation_has_a_description() -> None:
    for path, operations in DOCUMENT["paths"].items():
        for method, operation in operations.items():
            assert operation.get("description") or operation.get("summary"), (method, path)


async def test_the_document_is_served_under_the_api_prefix(client: AsyncClient) -> None:
    response = await client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Golden Thread"


# The contract client generators rely on (issue #18).

OPERATIONS = [
    (method, path, operation)
    for path, operations in DOCUMENT["paths"].items()
    for method, operation in operations.items()
]


def test_the_committed_document_is_valid_openapi() -> None:
    validate(json.loads(COMMITTED.read_text()))


def test_every_error_an_operation_answers_is_a_problem_in_problem_json() -> None:
    for method, path, operation in OPERATIONS:
        errors = {s: r for s, r in operation["responses"].items() if s[0] in "45"}
        assert {"422", "503"} <= set(errors), (method, path)
        for status, response in errors.items():
            schema = response["content"]["application/problem+json"]["schema"]["$ref"]
            expected = "ValidationProblem" if status in {"400", "422"} else "Problem"
            assert schema == f"#/components/schemas/{expected}", (method, path, status)
            assert set(response["content"]) == {"application/problem+json"}, (method, path)
    assert "HTTPValidationError" not in DOCUMENT["components"]["schemas"]


def test_operations_document_the_statuses_their_requests_can_bring() -> None:
    for method, path, operation in OPERATIONS:
        statuses = set(operation["responses"])
        if operation["security"] and {} not in operation["security"]:
            assert {"401", "403"} <= statuses, (method, path)
        if "{" in path:
            assert "404" in statuses, (method, path)
        if "requestBody" in operation:
            assert {"400", "413", "415"} <= statuses, (method, path)
        if any(p["name"].lower() == "if-match" for p in operation.get("parameters", [])):
            assert "412" in statuses, (method, path)
    assert "429" in DOCUMENT["paths"]["/api/v1/auth/token"]["post"]["responses"]


def test_a_problem_schema_has_the_fields_the_service_sends() -> None:
    schemas = DOCUMENT["components"]["schemas"]
    for name in ("Problem", "ValidationProblem"):
        assert set(schemas[name]["required"]) == {"type", "title", "status", "detail", "instance"}
    assert schemas["ValidationProblem"]["properties"]["errors"]["items"] == {
        "$ref": "#/components/schemas/FieldError"
    }
    assert schemas["FieldError"]["required"] == ["loc", "msg", "type"]


def test_every_list_answers_with_the_paged_envelope() -> None:
    """No operation answers a bare array; every Page takes page and page_size."""
    for method, path, operation in OPERATIONS:
        for status, response in operation["responses"].items():
            for content in response.get("content", {}).values():
                assert content.get("schema", {}).get("type") != "array", (method, path, status)
        ok = operation["responses"].get("200", {}).get("content", {}).get("application/json", {})
        if ok.get("schema", {}).get("$ref", "").startswith("#/components/schemas/Page_"):
            names = {p["name"] for p in operation.get("parameters", [])}
            assert {"page", "page_size"} <= names, (method, path)
    for route in api_routes(APP):
        model = route.response_model
        assert get_origin(model) is not list, route.path_format


def test_every_route_refuses_unknown_query_parameters() -> None:
    """One dependency, on every route: none can forget it."""
    for route in api_routes(APP):
        if route.path_format == "/api/v1/docs/oauth2-redirect":
            continue  # the authorisation server's parameters, not ours
        calls = {dependant.call for dependant in _all(route.dependant)}
        assert reject_unknown_query_parameters in calls, route.path_format


def _all(dependant: Dependant) -> list[Dependant]:
    return [dependant, *(d for sub in dependant.dependencies for d in _all(sub))]


def test_other_media_types_are_declared_as_text_or_files_of_their_own() -> None:
    """Text (CSV, HTML) is a string, a generated client reads it as text; a file (XLSX, PDF,
    DOCX, SVG) is a binary string, read as bytes."""
    outturn = DOCUMENT["paths"]["/api/v1/reports/outturn"]["get"]["responses"]["200"]["content"]
    assert outturn["application/json"]["schema"] == {"$ref": "#/components/schemas/OutturnReport"}
    assert outturn["text/csv"]["schema"] == {"type": "string"}
    assert outturn[XLSX]["schema"] == {"type": "string", "format": "binary"}
    chart = DOCUMENT["paths"]["/api/v1/indicators/{code}/chart.svg"]["get"]["responses"]["200"]
    assert chart["content"]["image/svg+xml"]["schema"] == {"type": "string", "format": "binary"}
    for _, path, operation in OPERATIONS:
        for media_type, content in operation["responses"].get("200", {}).get("content", {}).items():
            if media_type.startswith("text/"):
                assert content["schema"] == {"type": "string"}, (path, media_type)
            elif media_type != "application/json":
                assert content["schema"] == {"type": "string", "format": "binary"}, path


def test_each_file_format_of_the_outturn_has_an_operation_of_its_own() -> None:
    for suffix, media_type in (("csv", "text/csv"), ("xlsx", XLSX)):
        ok = DOCUMENT["paths"][f"/api/v1/reports/outturn.{suffix}"]["get"]["responses"]["200"]
        assert [kind.split(";")[0] for kind in ok["content"]] == [media_type]


def test_schema_names_are_unique_without_module_prefixes() -> None:
    """Two models of one name become `app__x__schemas__Name` in FastAPI's document, and
    generators drop one of them (and the operations using it)."""
    assert [name for name in DOCUMENT["components"]["schemas"] if "__" in name] == []


def test_batch_items_are_typed() -> None:
    schemas = DOCUMENT["components"]["schemas"]
    body = DOCUMENT["paths"]["/api/v1/values/batch"]["post"]["requestBody"]["content"]
    assert body["application/json"]["schema"] == {"$ref": "#/components/schemas/BatchIn"}
    assert schemas["BatchIn"]["properties"]["items"]["items"] == {
        "$ref": "#/components/schemas/BatchItem"
    }
    assert "indicator_code" in schemas["BatchItem"]["required"]


def test_both_oauth2_flows_are_declared_with_the_client_scopes() -> None:
    [(name, scheme)] = DOCUMENT["components"]["securitySchemes"].items()
    flows = scheme["flows"]
    assert flows["password"]["tokenUrl"] == flows["clientCredentials"]["tokenUrl"]
    assert set(flows["clientCredentials"]["scopes"]) == {scope.value for scope in ClientScope}
    paths = DOCUMENT["paths"]
    assert paths["/api/v1/indicators"]["get"]["security"] == [{name: []}]
    for public in ("/healthz", "/readyz", "/api/v1/auth/token", "/api/v1/public/scorecard"):
        assert paths[public]["get" if "token" not in public else "post"]["security"] == [], public


def test_every_operation_has_a_human_summary_and_every_tag_a_description() -> None:
    described = {tag["name"] for tag in DOCUMENT["tags"] if tag.get("description")}
    for method, path, operation in OPERATIONS:
        words = operation["operationId"].replace("_", " ")
        assert operation["summary"].lower() != words, (method, path)
        assert operation["description"], (method, path)
        assert set(operation["tags"]) <= described, (method, path)


def test_the_document_names_its_server_licence_contact_and_version() -> None:
    info = DOCUMENT["info"]
    assert info["license"]["identifier"] == "AGPL-3.0-or-later"
    assert info["contact"]["name"]
    assert info["version"] == app_version
    assert DOCUMENT["servers"]


def test_the_main_bodies_carry_examples() -> None:
    schemas = DOCUMENT["components"]["schemas"]
    for name in ("IndicatorCreate", "ValueIn", "TokenResponse", "ValidationProblem"):
        assert schemas[name].get("examples"), name
    assert DOCUMENT["paths"]["/api/v1/values/batch"]["post"]["requestBody"]["content"][
        "application/json"
    ]["example"]
