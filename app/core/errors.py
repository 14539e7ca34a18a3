"""Problem details (RFC 9457): the one error base class and the handlers that render it."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

logger = logging.getLogger("app.errors")

PROBLEM_JSON = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:golden-thread:problem:"


class AppError(Exception):
    """A failure the client can act on; rendered as problem+json with its status."""

    status: int = 400
    title: str = "Bad request"
    slug: str = "bad-request"
    # True where what the service flushed before failing must be committed all the same.
    keeps_changes: bool = False

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        self.detail = detail or self.title
        self.errors = errors
        self.headers = headers or {}
        self.extra = extra
        super().__init__(self.detail)


class NotAuthenticated(AppError):
    status, title, slug = 401, "Not authenticated", "not-authenticated"

    def __init__(self, detail: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("headers", {"WWW-Authenticate": "Bearer"})
        super().__init__(detail, **kwargs)


class Forbidden(AppError):
    status, title, slug = 403, "Forbidden", "forbidden"


class NotFound(AppError):
    status, title, slug = 404, "Not found", "not-found"


class Conflict(AppError):
    status, title, slug = 409, "Conflict", "conflict"


class PreconditionFailed(AppError):
    status, title, slug = 412, "Precondition failed", "precondition-failed"


class PreconditionRequired(AppError):
    status, title, slug = 428, "Precondition required", "precondition-required"


class PayloadTooLarge(AppError):
    status, title, slug = 413, "Payload too large", "payload-too-large"


class InvalidInput(AppError):
    """Field values that parse but break a rule only the service can check (422)."""

    status, title, slug = 422, "Invalid input", "invalid-input"


class TooManyRequests(AppError):
    status, title, slug = 429, "Too many requests", "too-many-requests"


def field_error(
    field: str | Sequence[str | int], msg: str, kind: str = "value_error", *, at: str = "body"
) -> dict[str, Any]:
    """One entry of an error's `errors`, shaped like a validation error: `field` is a name or a
    path inside the request part `at` ("body", "query", "header")."""
    path = [field] if isinstance(field, str) else list(field)
    return {"loc": [at, *path], "msg": msg, "type": kind}


def problem(
    *,
    status: int,
    title: str,
    detail: str,
    instance: str,
    slug: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_PREFIX + slug if slug else "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
    }
    body.update({key: value for key, value in extra.items() if value is not None})
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def _instance(request: Request) -> str:
    return request.url.path


async def _app_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return problem(
        status=exc.status,
        title=exc.title,
        detail=exc.detail,
        instance=_instance(request),
        slug=exc.slug,
        headers=exc.headers,
        errors=exc.errors,
        **exc.extra,
    )


def _clean_errors(raw: Any) -> list[dict[str, Any]]:
    return [
        {"loc": list(error.get("loc", ())), "msg": error.get("msg", ""), "type": error.get("type")}
        for error in raw
    ]


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = _clean_errors(exc.errors())
    if any(error["type"] == "json_invalid" for error in errors):
        return problem(
            status=400,
            title="Malformed request",
            detail="The request body is not valid JSON.",
            instance=_instance(request),
            slug="malformed",
            errors=errors,
        )
    return problem(
        status=422,
        title="Invalid input",
        detail="One or more fields are invalid; see errors.",
        instance=_instance(request),
        slug="invalid-input",
        errors=errors,
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    phrase = HTTPStatus(exc.status_code).phrase
    detail = exc.detail if isinstance(exc.detail, str) else phrase
    if exc.status_code == 404 and detail == phrase:
        detail = f"No resource at {request.url.path}."
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(_allowed_methods(request))
    return problem(
        status=exc.status_code,
        title=phrase,
        detail=detail,
        instance=_instance(request),
        headers=headers,
    )


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at this path (Starlette names only the first route's)."""
    return [
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL
            for route in request.app.router.routes
        )
    ]


async def _stale_data(request: Request, exc: Exception) -> JSONResponse:
    # Two writers read the same version; the database let one through. The other must re-read.
    return problem(
        status=412,
        title="Precondition failed",
        detail="The resource was changed by someone else; fetch it again and retry.",
        instance=_instance(request),
        slug="precondition-failed",
    )


def is_unique_violation(exc: IntegrityError) -> bool:
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None) or getattr(
        getattr(orig, "__cause__", None), "sqlstate", None
    )
    return sqlstate == "23505" or "UNIQUE constraint failed" in str(orig)


async def _integrity_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, IntegrityError)
    if is_unique_violation(exc):
        return problem(
            status=409,
            title="Conflict",
            detail="A resource with the same unique key already exists.",
            instance=_instance(request),
            slug="duplicate",
        )
    return await _unhandled(request, exc)


async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error", exc_info=exc)
    return problem(
        status=500,
        title="Internal server error",
        detail="The server failed to handle the request; it has been logged.",
        instance=_instance(request),
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(StaleDataError, _stale_data)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(Exception, _unhandled)
