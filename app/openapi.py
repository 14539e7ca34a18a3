"""The OpenAPI document, made to match the wire.

FastAPI's own document is generated from the routes, then finished here, in one place, so that
every route (those to come included) is described alike:

- every error is a problem (RFC 9457) in ``application/problem+json``: one ``Problem`` schema,
  and ``ValidationProblem`` (with ``errors``) for 400 and 422, in place of FastAPI's
  ``HTTPValidationError``, for each status the operation can answer (worked out from what the
  route declares: its security, path parameters, ``If-Match``, body, method);
- the media types other than JSON are declared under their own types: text (CSV, HTML) as
  strings, files (XLSX, PDF, DOCX, SVG) as binary strings;
- one OAuth2 scheme with both flows (password and client credentials) and the client scopes;
  ``security: []`` on public operations, optional security where a token is optional;
- a summary from the first sentence of the route's docstring (not its function name), every
  tag described, servers, licence and contact.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, cast

from fastapi import FastAPI, routing
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from app.access.dependencies import current_principal, optional_principal
from app.batch.schemas import BatchIn, BatchItem, TargetBatchIn, TargetBatchItem
from app.clients.scopes import ClientScope
from app.core.errors import PROBLEM_JSON

SECURITY_SCHEME = "OAuth2"
TOKEN_URL = "/api/v1/auth/token"  # noqa: S105 - a path, not a password
LICENSE = {
    "name": "AGPL-3.0-or-later",
    "identifier": "AGPL-3.0-or-later",
}
CONTACT = {"name": "Golden Thread maintainers"}

SCOPES = {
    ClientScope.VALUES_WRITE.value: "Machine clients: push and save values (drafts)",
    ClientScope.VALUES_SUBMIT.value: "Machine clients: submit saved values for approval",
    ClientScope.REPORTS_READ.value: "Machine clients: read reports and exports",
}

TAGS: dict[str, str] = {
    "auth": "Sign in (OAuth2 password and client-credentials grants) and who the token is.",
    "users": "People, their roles and the org units each role applies to.",
    "org-units": "The council's structure: directorates, services and teams, as a tree.",
    "api-clients": "Machine clients (client credentials) and the scopes they hold.",
    "periods": "Financial years, quarters and months: their status, due and board dates.",
    "reporting-cycle": "The quarterly cycle: what is due, closing a period, your tasks.",
    "settings": "Council-wide settings: RAG tolerances, action rules.",
    "indicators": "Performance indicators, their targets and their values with approval.",
    "values": "Bulk pushes of values (JSON or CSV), all or nothing or item by item.",
    "targets": "Bulk target changes (JSON or CSV), each kept in its history with who and why.",
    "status": "An indicator's RAG status, direction of travel and year to date.",
    "spc": "Statistical process control: control limits, signals and charts.",
    "benchmarks": "Comparator figures (national median, quartiles) per indicator and period.",
    "reports": "Scorecards, exceptions, outturn and the board pack, as JSON or files.",
    "publications": "Reports published for a board, frozen with their SHA-256; comments on them.",
    "achievements": "Key achievements of a period, approved before boards and the public see them.",
    "recommendations": "Audit, inspection and scrutiny recommendations tracked to implementation.",
    "budgets": "Budget lines (budget, forecast, actual) of service plans and projects per year.",
    "public": "What the public may see: public indicators and approved values, no sign-in.",
    "comments": "Scrutiny: members' questions on an indicator and officers' answers.",
    "data-quality": "How complete and trustworthy a period's data is, and auditors' verdicts.",
    "plans": "Corporate and service plans, their objectives and the measures linked to them.",
    "committees": "Committees and the indicators and plans reported to them.",
    "actions": "Action plans: what is being done about a measure or objective, and progress.",
    "projects": "Projects and their milestones.",
    "appraisals": "Personal objectives and mid-year reviews, seen by the person, their line "
    "managers and admins only.",
    "risks": "The risk register: likelihood, impact and the controls in place.",
    "audit": "The audit trail: who changed what, when, sealed against tampering.",
    "notifications": "Who is told what, and how: each person's notification settings.",
    "webhooks": "Subscriptions that receive signed events (Standard Webhooks) as they happen.",
    "outbox": "The event outbox: what has been sent to subscribers and what is still to go.",
    "health": "Liveness and readiness for load balancers and orchestrators.",
    "docs": "This document, its human-readable forms and the problem types it uses.",
}

JSON = "application/json"
BINARY = {"type": "string", "format": "binary"}
TEXT = {"type": "string"}

_FIELD_ERROR = {
    "type": "object",
    "description": "One invalid field: where it is, what is wrong, and a machine-readable kind.",
    "required": ["loc", "msg", "type"],
    "properties": {
        "loc": {
            "type": "array",
            "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
            "description": 'The request part ("body", "query", "header", "path"), then the path',
            "examples": [["body", "value"]],
        },
        "msg": {"type": "string", "examples": ["Input should be a valid number"]},
        "type": {"type": "string", "examples": ["decimal_parsing"]},
    },
}
_PROBLEM_PROPERTIES: dict[str, Any] = {
    "type": {
        "type": "string",
        "description": "What kind of problem: a link to its entry on the problem types page",
        "examples": ["/api/v1/problems/indicator-not-found"],
    },
    "title": {"type": "string", "examples": ["Indicator not found"]},
    "status": {"type": "integer", "examples": [404]},
    "detail": {"type": "string", "examples": ["No indicator HS08."]},
    "instance": {"type": "string", "examples": ["/api/v1/indicators/HS08"]},
}
PROBLEM = {
    "type": "object",
    "title": "Problem",
    "description": "An RFC 9457 problem; some carry more members (e.g. `outstanding`).",
    "required": ["type", "title", "status", "detail", "instance"],
    "properties": {
        **_PROBLEM_PROPERTIES,
        "errors": {
            "type": "array",
            "items": {"$ref": "#/components/schemas/FieldError"},
            "description": "The fields concerned, where there are some",
        },
    },
    "additionalProperties": True,
}
VALIDATION_PROBLEM = {
    "type": "object",
    "title": "ValidationProblem",
    "description": "A problem with the request's fields (400 malformed, 422 invalid), each named.",
    "required": ["type", "title", "status", "detail", "instance"],
    "properties": {
        **_PROBLEM_PROPERTIES,
        "errors": {"type": "array", "items": {"$ref": "#/components/schemas/FieldError"}},
    },
    "additionalProperties": True,
    "examples": [
        {
            "type": "/api/v1/problems/invalid-input",
            "title": "Invalid input",
            "status": 422,
            "detail": "One or more fields are invalid; see errors.",
            "instance": "/api/v1/indicators/HS01/values/2025-26-Q1",
            "errors": [
                {"loc": ["body", "value"], "msg": "Input should be a valid number", "type": "x"}
            ],
        }
    ],
}

_ANSWERS: dict[str, str] = {
    "400": "Malformed request (the body is not valid JSON or CSV)",
    "401": "Not authenticated: sign in and send a bearer token",
    "403": "Not allowed: the permission or the scope is missing",
    "404": "Absent, or not visible to you",
    "409": "A business rule refused it (period closed, duplicate, wrong workflow step)",
    "412": "If-Match does not match the current ETag: read it again",
    "413": "The body is too large",
    "415": "The body's media type is not accepted",
    "422": "Invalid fields or query parameters (each named in `errors`)",
    "429": "Too many requests: wait for Retry-After",
    "503": "The database cannot be reached just now: retry after Retry-After",
}
_VALIDATION_STATUSES = {"400", "422"}
_PAGING = {"page", "page_size"}
_SUCCESS = {"200": "OK", "201": "Created", "202": "Accepted", "204": "No content"}


def api_routes(app: FastAPI) -> Iterator[APIRoute]:
    """Every API route as it is served (included routers' prefixes and dependencies applied)."""
    for context in routing.iter_route_contexts(app.routes):
        if isinstance(context.original_route, APIRoute):
            # A route-like view of the effective route: path_format, dependant, ...
            yield cast(APIRoute, context)


def _dependants(dependant: Dependant) -> list[Dependant]:
    found = [dependant]
    for sub in dependant.dependencies:
        found.extend(_dependants(sub))
    return found


def _auth(route: APIRoute) -> str:
    """'required', 'optional' or 'none': whether the route needs a principal."""
    calls = {d.call for d in _dependants(route.dependant)}
    if current_principal in calls:
        return "required"
    if optional_principal in calls:
        return "optional"
    return "none"


def _summary(route: APIRoute) -> str:
    doc = (route.description or route.endpoint.__doc__ or "").strip()
    if not doc:
        return route.name.replace("_", " ").capitalize()
    first = " ".join(doc.split("\n\n")[0].split())
    # The first clause: up to a sentence end, a colon or a semicolon.
    cut = re.split(r"(?<=[^.])\.(?:\s|$)|: |; ", first, maxsplit=1)[0].rstrip(".")
    return cut if len(cut) <= 90 else cut[:87].rsplit(" ", 1)[0] + "..."


def _statuses(route: APIRoute, method: str, operation: dict[str, Any], auth: str) -> set[str]:
    params = operation.get("parameters", [])
    statuses = {"422", "503"}
    if auth == "required":
        statuses |= {"401", "403"}
    elif auth == "optional":
        statuses.add("401")  # a token that is sent must be valid
    # A path names a resource; so may a query parameter (a period, an org unit): 404 if absent.
    if any(p["in"] == "path" or p["name"] not in _PAGING for p in params if p["in"] != "header"):
        statuses.add("404")
    if method in {"post", "put", "patch", "delete"}:
        statuses.add("409")
    if any(p["in"] == "header" and p["name"].lower() == "if-match" for p in params):
        statuses.add("412")
    if "requestBody" in operation:
        statuses |= {"400", "413", "415"}
    if route.path == TOKEN_URL:
        statuses |= {"400", "401", "429"}
    return statuses


def _problem_response(status: str, description: str | None) -> dict[str, Any]:
    schema = "ValidationProblem" if status in _VALIDATION_STATUSES else "Problem"
    response: dict[str, Any] = {
        "description": description or _ANSWERS.get(status, "A problem"),
        "content": {PROBLEM_JSON: {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }
    if status == "401":
        response["headers"] = {
            "WWW-Authenticate": {"schema": {"type": "string"}, "description": "Bearer"}
        }
    if status in {"429", "503"}:
        response["headers"] = {
            "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait"}
        }
    return response


def _finish_operation(route: APIRoute, method: str, operation: dict[str, Any]) -> None:
    auth = _auth(route)
    operation["summary"] = _summary(route)
    operation.setdefault("description", operation["summary"] + ".")
    if auth == "required":
        operation["security"] = [{SECURITY_SCHEME: []}]
    elif auth == "optional":
        operation["security"] = [{}, {SECURITY_SCHEME: []}]
    else:
        operation["security"] = []
    responses: dict[str, Any] = operation.setdefault("responses", {})
    for status in sorted(_statuses(route, method, operation, auth) | set(responses)):
        if not status.startswith(("4", "5")):
            continue
        declared = responses.get(status, {})
        description = declared.get("description")
        if description == "Validation Error":
            description = None
        responses[status] = _problem_response(status, description)
    for status, response in responses.items():
        if status.startswith("2"):
            _binary_media_types(response)
            if response.get("description") == "Successful Response":
                response["description"] = _SUCCESS.get(status, "Done")
    operation["responses"] = dict(sorted(responses.items()))


def _binary_media_types(response: dict[str, Any]) -> None:
    for media_type, body in response.get("content", {}).items():
        # A route may say only "a string"; on the wire it is text (CSV, HTML: a generated
        # client reads it as a string) or a file of that media type (bytes).
        if media_type != JSON and body.get("schema", {}) in ({}, {"type": "string"}, BINARY):
            body["schema"] = dict(TEXT if media_type.startswith("text/") else BINARY)


def _security_schemes() -> dict[str, Any]:
    return {
        SECURITY_SCHEME: {
            "type": "oauth2",
            "description": (
                "People sign in with the password grant (email and password); machine clients "
                "with the client-credentials grant and the scopes they were given. Either way, "
                "send `Authorization: Bearer <access_token>`."
            ),
            "flows": {
                "password": {"tokenUrl": TOKEN_URL, "scopes": {}},
                "clientCredentials": {"tokenUrl": TOKEN_URL, "scopes": SCOPES},
            },
        }
    }


def _typed_batch_items(schemas: dict[str, Any]) -> None:
    """Bulk items are checked one by one (each may fail on its own), so the body takes them
    as plain objects; the document says what each must be."""
    for body, item in ((BatchIn, BatchItem), (TargetBatchIn, TargetBatchItem)):
        for model in (item, body):
            schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
            for name, definition in schema.pop("$defs", {}).items():
                schemas.setdefault(name, definition)
            schemas[model.__name__] = schema
        schemas[body.__name__]["properties"]["items"]["items"] = {
            "$ref": f"#/components/schemas/{item.__name__}"
        }


def build_openapi(app: FastAPI, *, version: str, summary: str, description: str) -> dict[str, Any]:
    document = get_openapi(
        title=app.title,
        version=version,
        summary=summary,
        description=description,
        routes=app.routes,
        tags=[{"name": name, "description": text} for name, text in TAGS.items()],
        servers=[{"url": "/", "description": "This server"}],
        license_info=LICENSE,
        contact=CONTACT,
    )
    paths: dict[str, Any] = document.get("paths", {})
    for route in api_routes(app):
        if not route.include_in_schema:
            continue
        for method in route.methods or ():
            operation = paths.get(route.path_format, {}).get(method.lower())
            if operation is not None:
                _finish_operation(route, method.lower(), operation)
    components = document.setdefault("components", {})
    schemas: dict[str, Any] = components.setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas["Problem"] = PROBLEM
    schemas["ValidationProblem"] = VALIDATION_PROBLEM
    schemas["FieldError"] = _FIELD_ERROR
    _typed_batch_items(schemas)
    components["schemas"] = dict(sorted(schemas.items()))
    components["securitySchemes"] = _security_schemes()
    used = {
        tag
        for operations in paths.values()
        for op in operations.values()
        for tag in op.get("tags", [])
    }
    document["tags"] = [tag for tag in document["tags"] if tag["name"] in used]
    return document


def install_openapi(app: FastAPI, *, version: str, summary: str, description: str) -> None:
    """Serve the finished document (built once) at the app's openapi_url."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_openapi(
                app, version=version, summary=summary, description=description
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
