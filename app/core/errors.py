"""Problem details (RFC 9457): the one error base class and the handlers that render it."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.sql.schema import ColumnCollectionConstraint
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

logger = logging.getLogger("app.errors")

PROBLEM_JSON = "application/problem+json"
# Each problem's `type` links to its entry on the problem types page (app.docs), which says
# what it means and what to do.
PROBLEM_TYPE_PREFIX = "/api/v1/problems/"


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


# Problems answered by the shared handlers rather than an AppError subclass.
_HANDLER_PROBLEMS: tuple[tuple[str, int, str, str], ...] = (
    ("malformed", 400, "Malformed request", "The body is not valid JSON (or CSV): fix it."),
    (
        "invalid-input",
        422,
        "Invalid input",
        "Fields or query parameters are invalid; each is named in `errors` with what is wrong.",
    ),
    ("duplicate", 409, "Conflict", "A resource with the same unique key already exists."),
    (
        "still-referenced",
        409,
        "Conflict",
        "Other records still refer to this one; remove or change them first.",
    ),
    (
        "precondition-failed",
        412,
        "Precondition failed",
        "The resource changed since you read "
        "it (If-Match does not match its ETag): read it again, then retry.",
    ),
    (
        "payload-too-large",
        413,
        "Payload too large",
        "The body is larger than this endpoint takes: send less, or split it.",
    ),
    (
        "busy",
        503,
        "Service busy",
        "More changes are being made at once than this worker takes in turn: nothing was "
        "changed; retry after Retry-After seconds.",
    ),
    (
        "service-unavailable",
        503,
        "Service unavailable",
        "The database cannot be reached just now: retry after Retry-After seconds.",
    ),
)


@dataclass(frozen=True)
class ProblemType:
    slug: str
    status: int
    titles: tuple[str, ...]
    meaning: str


def problem_types() -> list[ProblemType]:
    """Every problem `type` the service answers with, from the AppError subclasses loaded (the
    app's domains) and the shared handlers; one entry a slug."""
    found: dict[str, tuple[int, list[str], list[str]]] = {}

    def add(slug: str, status: int, title: str, meaning: str) -> None:
        entry = found.setdefault(slug, (status, [], []))
        if title not in entry[1]:
            entry[1].append(title)
        if meaning and meaning not in entry[2]:
            entry[2].append(meaning)

    for slug, status, title, meaning in _HANDLER_PROBLEMS:
        add(slug, status, title, meaning)
    pending: list[type[AppError]] = [AppError]
    while pending:
        kind = pending.pop()
        pending.extend(kind.__subclasses__())
        doc = " ".join((kind.__doc__ or "").split()) if "__doc__" in vars(kind) else ""
        add(kind.slug, kind.status, kind.title, doc)
    return [
        ProblemType(slug, status, tuple(titles), " ".join(meanings) or titles[0] + ".")
        for slug, (status, titles, meanings) in sorted(found.items())
    ]


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


class IntegrityKind(StrEnum):
    UNIQUE = "unique"
    FOREIGN_KEY = "foreign_key"
    STILL_REFERENCED = "still_referenced"  # a foreign key refuses to lose its target
    NOT_NULL = "not_null"
    CHECK = "check"


@dataclass(frozen=True)
class IntegrityViolation:
    """What an IntegrityError broke, told apart on both backends: PostgreSQL (asyncpg) names
    it by SQLSTATE and constraint; SQLite only in its message."""

    kind: IntegrityKind
    # The columns concerned, where they can be told: they are the request's fields, mostly.
    columns: tuple[str, ...] = ()


_SQLSTATES = {
    "23505": IntegrityKind.UNIQUE,
    "23503": IntegrityKind.FOREIGN_KEY,
    "23001": IntegrityKind.STILL_REFERENCED,  # restrict_violation
    "23502": IntegrityKind.NOT_NULL,
    "23514": IntegrityKind.CHECK,
}
_PG_KEY = re.compile(r"Key \((?P<columns>[^)]*)\)=")
_SQLITE_NOT_NULL = re.compile(r"NOT NULL constraint failed: \w+\.(?P<column>\w+)")
_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (?P<columns>[\w.]+(?:, [\w.]+)*)")
_SQLITE_CHECK = re.compile(r"CHECK constraint failed: (?P<name>\w+)")
_INSERT = re.compile(r"^\s*INSERT INTO (?P<table>\w+) \((?P<columns>[^)]*)\) VALUES", re.I)
_UPDATE = re.compile(r"^\s*UPDATE (?P<table>\w+) SET (?P<sets>.*?) WHERE ", re.I | re.S)


def classify_integrity_error(exc: IntegrityError) -> IntegrityViolation | None:
    """The kind of constraint an IntegrityError broke, and its columns; None if unknown."""
    for source in (exc.orig, getattr(exc.orig, "__cause__", None)):
        sqlstate = getattr(source, "sqlstate", None) or getattr(source, "pgcode", None)
        if sqlstate in _SQLSTATES:
            return _from_postgres(_SQLSTATES[sqlstate], source, exc)
    return _from_sqlite(str(exc.orig), exc)


def is_unique_violation(exc: IntegrityError) -> bool:
    violation = classify_integrity_error(exc)
    return violation is not None and violation.kind is IntegrityKind.UNIQUE


def _from_postgres(kind: IntegrityKind, source: Any, exc: IntegrityError) -> IntegrityViolation:
    # SQLAlchemy's adapter carries the SQLSTATE; asyncpg's own error (its cause) the names.
    source = getattr(exc.orig, "__cause__", None) or source
    detail = getattr(source, "detail", None) or ""
    if kind is IntegrityKind.FOREIGN_KEY and "still referenced" in detail:
        kind = IntegrityKind.STILL_REFERENCED
    if kind is IntegrityKind.NOT_NULL:
        column = getattr(source, "column_name", None)
        return IntegrityViolation(kind, (column,) if column else ())
    columns: tuple[str, ...] = ()
    if kind is not IntegrityKind.STILL_REFERENCED and (found := _PG_KEY.search(detail)):
        columns = tuple(column.strip() for column in found["columns"].split(","))
    if not columns:
        columns = _constraint_columns(getattr(source, "constraint_name", None))
    return IntegrityViolation(kind, columns)


def _from_sqlite(message: str, exc: IntegrityError) -> IntegrityViolation | None:
    if found := _SQLITE_UNIQUE.search(message):
        columns = tuple(part.split(".")[-1] for part in found["columns"].split(", "))
        return IntegrityViolation(IntegrityKind.UNIQUE, columns)
    if found := _SQLITE_NOT_NULL.search(message):
        return IntegrityViolation(IntegrityKind.NOT_NULL, (found["column"],))
    if found := _SQLITE_CHECK.search(message):
        return IntegrityViolation(IntegrityKind.CHECK, _constraint_columns(found["name"]))
    if "CHECK constraint failed" in message:
        return IntegrityViolation(IntegrityKind.CHECK)
    if "FOREIGN KEY constraint failed" in message:
        # SQLite names neither the constraint nor the column: a delete lost a target still
        # referenced; otherwise the one foreign key the statement set may be told from it.
        statement = exc.statement or ""
        if statement.lstrip().upper().startswith("DELETE"):
            return IntegrityViolation(IntegrityKind.STILL_REFERENCED)
        return IntegrityViolation(IntegrityKind.FOREIGN_KEY, _foreign_keys_set(exc))
    return None


def _constraint_columns(name: str | None) -> tuple[str, ...]:
    """The columns of a named constraint, from the models' metadata (names are stable, by the
    naming convention)."""
    if not name:
        return ()
    from app.core.db import Base  # noqa: PLC0415 - the models' metadata, loaded by now

    for table in Base.metadata.tables.values():
        for constraint in table.constraints:
            if constraint.name == name and isinstance(constraint, ColumnCollectionConstraint):
                return tuple(column.name for column in constraint.columns)
    return ()


def _foreign_keys_set(exc: IntegrityError) -> tuple[str, ...]:
    """The foreign-key column an INSERT or UPDATE gave a value, if there was exactly one."""
    from app.core.db import Base  # noqa: PLC0415 - the models' metadata, loaded by now

    statement, params = exc.statement or "", exc.params
    if found := _INSERT.match(statement):
        columns = [column.strip().strip('"') for column in found["columns"].split(",")]
    elif found := _UPDATE.match(statement):
        columns = [part.split("=")[0].strip().strip('"') for part in found["sets"].split(",")]
    else:
        return ()
    table = Base.metadata.tables.get(found["table"])
    if table is None:
        return ()
    rows = params if isinstance(params, list) else [params]
    values: dict[str, list[Any]] = {column: [] for column in columns}
    for row in rows:
        if isinstance(row, dict):
            for column in columns:
                values[column].append(row.get(column))
        elif isinstance(row, tuple | list) and len(row) >= len(columns):
            # Positional (SQLite's qmark); several rows in one statement follow each other.
            for start in range(0, len(row) - len(columns) + 1, len(columns)):
                for column, value in zip(columns, row[start:], strict=False):
                    values[column].append(value)
    candidates = tuple(
        column
        for column in columns
        if column in table.c
        and table.c[column].foreign_keys
        and any(value is not None for value in values[column])
    )
    return candidates if len(candidates) == 1 else ()


_INTEGRITY_ANSWERS: dict[IntegrityKind, tuple[int, str, str, str]] = {
    IntegrityKind.UNIQUE: (
        409,
        "Conflict",
        "duplicate",
        "A resource with the same unique key already exists.",
    ),
    IntegrityKind.STILL_REFERENCED: (
        409,
        "Conflict",
        "still-referenced",
        "Other records still refer to this one; remove or change them first.",
    ),
    IntegrityKind.FOREIGN_KEY: (
        422,
        "Invalid input",
        "invalid-input",
        "A field refers to a record that does not exist.",
    ),
    IntegrityKind.NOT_NULL: (422, "Invalid input", "invalid-input", "A required field is missing."),
    IntegrityKind.CHECK: (
        422,
        "Invalid input",
        "invalid-input",
        "A field's value is outside what it allows.",
    ),
}
_FIELD_MESSAGES = {
    IntegrityKind.FOREIGN_KEY: ("refers to a record that does not exist", "not_found"),
    IntegrityKind.NOT_NULL: ("is required", "missing"),
    IntegrityKind.CHECK: ("is outside what it allows", "value_error"),
}


async def _integrity_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, IntegrityError)
    violation = classify_integrity_error(exc)
    if violation is None:
        # A constraint of a kind no client input can break: a bug, and shown as one.
        return await _unhandled(request, exc)
    status, title, slug, detail = _INTEGRITY_ANSWERS[violation.kind]
    errors = None
    if violation.kind in _FIELD_MESSAGES:
        msg, kind = _FIELD_MESSAGES[violation.kind]
        errors = [field_error(column, msg, kind) for column in violation.columns] or [
            {"loc": ["body"], "msg": detail, "type": kind}
        ]
        if len(violation.columns) == 1:
            detail = f"{violation.columns[0]} {msg}."
    logger.info("integrity error answered %s", status, extra={"kind": violation.kind.value})
    return problem(
        status=status,
        title=title,
        detail=detail,
        instance=_instance(request),
        slug=slug,
        errors=errors,
    )


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
