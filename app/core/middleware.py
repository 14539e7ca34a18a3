"""Pure ASGI middleware: request ids and the access log, the request body size limit, text that
refuses control characters in paths, queries and forms, the security headers, and the writes
a worker runs at once."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl, unquote

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.context import request_id_var
from app.core.errors import PROBLEM_JSON, PROBLEM_TYPE_PREFIX

access_logger = logging.getLogger("app.access")
_REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
REQUEST_ID_HEADER = "x-request-id"


class RequestIdMiddleware:
    """Take the caller's X-Request-ID (if sane) or make one; echo it and log the request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(REQUEST_ID_HEADER.encode(), b"").decode("latin-1")
        request_id = incoming if _REQUEST_ID_PATTERN.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (REQUEST_ID_HEADER.encode(), request_id.encode()),
                ]
            await send(message)

        started_response = False

        async def send_tracked(message: Message) -> None:
            nonlocal started_response
            if message["type"] == "http.response.start":
                started_response = True
            await send_with_id(message)

        try:
            await self.app(scope, receive, send_tracked)
        except Exception:
            # Answer a bug here, inside the request id's context, so the 500 and its log line
            # carry the id; outer layers would see neither.
            logging.getLogger("app.errors").exception("unhandled error")
            if started_response:
                raise
            await send_problem(
                scope,
                send_with_id,
                status=500,
                title="Internal server error",
                detail="The server failed to handle the request; it has been logged.",
            )
        finally:
            access_logger.info(
                "request",
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            request_id_var.reset(token)


class BodyTooLarge(StarletteHTTPException):
    """Raised while reading a body past the limit; rendered as problem+json 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            status_code=413, detail=f"The request body is larger than the limit of {limit} bytes."
        )


class BodySizeLimitMiddleware:
    """Refuse bodies over the limit with a problem+json 413, before they are read into memory.

    A declared Content-Length over the limit is refused at once; a body streamed without one
    is counted as it arrives. Limits may differ by path (bulk pushes take more).
    """

    def __init__(self, app: ASGIApp, *, limit_for: Callable[[str], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _too_large(scope, send, limit)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, limited_receive, send)


async def _too_large(scope: Scope, send: Send, limit: int) -> None:
    await send_problem(
        scope,
        send,
        status=413,
        title="Payload too large",
        slug="payload-too-large",
        detail=f"The request body is larger than the limit of {limit} bytes.",
        close=True,
    )


# NUL and the other C0 controls but tab, newline and carriage return, and DEL: text no council
# system means to send, that PostgreSQL refuses (NUL) or spreadsheets cannot hold.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# In a path, a query or a form value even tab and newline are out of place.
_LINE_CONTROLS = re.compile("[\x00-\x1f\x7f]")
_FORM = b"application/x-www-form-urlencoded"


class ControlCharacterMiddleware:
    """Refuse control characters in the path, the query string and form fields with 422, before
    any of it reaches a route (JSON bodies are checked by every request schema)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        errors = _path_errors(scope) + _query_errors(scope["query_string"])
        content_type = dict(scope["headers"]).get(b"content-type", b"")
        if not errors and content_type.split(b";")[0].strip().lower() == _FORM:
            try:
                body, receive = await _buffered(receive)
            except BodyTooLarge as exc:
                await send_problem(
                    scope,
                    send,
                    status=413,
                    title="Payload too large",
                    slug="payload-too-large",
                    detail=str(exc.detail),
                    close=True,
                )
                return
            errors = _fields_errors(
                parse_qsl(body.decode("latin-1"), keep_blank_values=True), "body"
            )
        if errors:
            await send_problem(
                scope,
                send,
                status=422,
                title="Invalid input",
                slug="invalid-input",
                detail="Control characters (such as NUL) are not accepted in text.",
                errors=errors,
            )
            return
        await self.app(scope, receive, send)


def _control_error(loc: list[str | int]) -> dict[str, Any]:
    return {"loc": loc, "msg": "control characters are not accepted", "type": "control_character"}


def _path_errors(scope: Scope) -> list[dict[str, Any]]:
    raw = scope.get("raw_path") or scope["path"].encode()
    path = unquote(raw.decode("latin-1"))
    return [_control_error(["path"])] if _LINE_CONTROLS.search(path) else []


def _query_errors(query_string: bytes) -> list[dict[str, Any]]:
    if not query_string:
        return []
    return _fields_errors(
        parse_qsl(query_string.decode("latin-1"), keep_blank_values=True), "query"
    )


def _fields_errors(pairs: Iterable[tuple[str, str]], where: str) -> list[dict[str, Any]]:
    return [
        _control_error([where, name if not _LINE_CONTROLS.search(name) else "?"])
        for name, value in pairs
        if _LINE_CONTROLS.search(name) or _LINE_CONTROLS.search(value)
    ]


async def _buffered(receive: Receive) -> tuple[bytes, Receive]:
    """The whole body (a sign-in form is small, and the size limit runs first), and a receive
    that replays it to the app."""
    chunks, more = [], True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    body = b"".join(chunks)
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


# Headers every answer carries; an answer a browser may render (the HTML board pack, SVG
# charts) also gets a policy that lets it run nothing and load nothing from elsewhere.
_ALWAYS = ((b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"))
_RENDERED = (b"text/html", b"image/svg+xml")
_CONTENT_POLICY = (
    b"default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    b"frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
# The interactive docs run their own scripts, all served from here: nothing from elsewhere.
_DOCS_POLICY = (
    b"default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    b"img-src 'self' data:; worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'none'"
)


class SecurityHeadersMiddleware:
    """``nosniff`` and no framing on every answer; ``Cache-Control: no-store`` on answers to an
    authenticated request (they may hold what only that reader may see), unless the route set
    its own; a strict Content-Security-Policy on HTML and SVG (the interactive docs at
    ``exempt`` run their own scripts, from this server only)."""

    def __init__(self, app: ASGIApp, *, exempt: Iterable[str] = ()) -> None:
        self.app = app
        self.exempt = frozenset(exempt)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        authenticated = any(name == b"authorization" for name, _ in scope["headers"])
        exempt = scope["path"] in self.exempt

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                headers.extend(header for header in _ALWAYS if header[0] not in names)
                if authenticated and b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-store"))
                content_type = dict(headers).get(b"content-type", b"")
                if content_type.split(b";")[0].strip() in _RENDERED:
                    policy = _DOCS_POLICY if exempt else _CONTENT_POLICY
                    headers.append((b"content-security-policy", policy))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def send_problem(
    scope: Scope,
    send: Send,
    *,
    status: int,
    title: str,
    detail: str,
    slug: str | None = None,
    close: bool = False,
    errors: list[dict[str, Any]] | None = None,
    extra_headers: dict[str, str] | None = None,
) -> None:
    """A problem+json answer sent straight from middleware, outside FastAPI's handlers."""
    extra_headers = extra_headers or {}
    problem: dict[str, Any] = {
        "type": PROBLEM_TYPE_PREFIX + slug if slug else "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": scope["path"],
    }
    if errors is not None:
        problem["errors"] = errors
    body = json.dumps(problem).encode()
    headers = [
        (b"content-type", PROBLEM_JSON.encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    if close:
        headers.append((b"connection", b"close"))
    headers.extend((name.lower().encode(), value.encode()) for name, value in extra_headers.items())
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_BUSY_RETRY_AFTER = 5


class WriteAdmissionMiddleware:
    """At most ``limit`` writing requests of this process at once; reads never wait here.

    A write costs about three times a read's CPU and holds a connection across a dozen round
    trips: under a burst of them, every request on the worker's one event loop waited behind
    them. The writes beyond the limit wait their turn here, before they take a connection or
    any time on the loop, in the order they came; the reads go straight through. A write that
    waited ``wait_seconds`` is answered 503 with ``Retry-After``, having changed nothing.
    """

    def __init__(self, app: ASGIApp, *, limit: int, wait_seconds: float) -> None:
        self.app = app
        self.limit = limit
        self.wait_seconds = wait_seconds
        self._turns: asyncio.Semaphore | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.limit or scope["method"] in _READ_METHODS:
            await self.app(scope, receive, send)
            return
        if self._turns is None:  # made on the loop that serves: one per worker process
            self._turns = asyncio.Semaphore(self.limit)
        turns = self._turns
        try:
            await asyncio.wait_for(turns.acquire(), self.wait_seconds)
        except TimeoutError:
            await send_problem(
                scope,
                send,
                status=503,
                title="Service busy",
                slug="busy",
                detail="Too many changes are being made just now: nothing was changed; "
                f"retry after {_BUSY_RETRY_AFTER} seconds.",
                extra_headers={"Retry-After": str(_BUSY_RETRY_AFTER)},
            )
            return
        try:
            await self.app(scope, receive, send)
        finally:
            turns.release()
