"""Human-readable forms of the contract, served by the app itself: Swagger UI, ReDoc and the
problem types page.

The Swagger UI and ReDoc assets come from the fastapi-offline package (its `static` folder:
swagger-ui-dist and redoc's standalone bundle, pinned by uv.lock), not from a CDN, because
council networks often block CDNs; the pages name no external URL (ReDoc without Google Fonts).
"""

from __future__ import annotations

import html
from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from app.core.errors import PROBLEM_TYPE_PREFIX, NotFound, problem_types
from app.core.query import reject_unknown_query_parameters

ASSETS = Path(fastapi_offline.__file__).parent / "static"


def install_docs(app: FastAPI, *, prefix: str) -> None:
    docs = f"{prefix}/docs"
    static = f"{docs}/assets"
    redirect = f"{docs}/oauth2-redirect"
    openapi_url = app.openapi_url or f"{prefix}/openapi.json"
    # The pages' endpoints hold plain strings, never the app: FastAPI keeps the endpoints it
    # has inspected in caches of its own, so one holding the app would keep every app made in
    # this process (each test's) alive.
    title = f"{app.title}: API"
    router = APIRouter(
        include_in_schema=False, dependencies=[Depends(reject_unknown_query_parameters)]
    )

    @router.get(docs)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=title,
            swagger_js_url=f"{static}/swagger-ui-bundle.js",
            swagger_css_url=f"{static}/swagger-ui.css",
            swagger_favicon_url=f"{static}/favicon.png",
            oauth2_redirect_url=redirect,
            init_oauth={"usePkceWithAuthorizationCodeGrant": False, "scopes": ""},
        )

    # The authorisation server's answer comes back here with its own query parameters.
    @app.get(redirect, include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @router.get(f"{prefix}/redoc")
    async def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=openapi_url,
            title=title,
            redoc_js_url=f"{static}/redoc.standalone.js",
            redoc_favicon_url=f"{static}/favicon.png",
            with_google_fonts=False,
        )

    @router.get(PROBLEM_TYPE_PREFIX.rstrip("/"))
    async def list_problem_types() -> HTMLResponse:
        return HTMLResponse(problem_types_page())

    @router.get(PROBLEM_TYPE_PREFIX + "{slug}")
    async def get_problem_type(slug: str, request: Request) -> HTMLResponse:
        if slug not in {kind.slug for kind in problem_types()}:
            raise NotFound(f"No problem type {slug[:100]}.")
        return HTMLResponse(problem_types_page(highlight=slug))

    app.include_router(router)
    app.mount(static, StaticFiles(directory=ASSETS), name="docs-assets")


def problem_types_page(*, highlight: str | None = None) -> str:
    """Every problem `type`, its status and what it means; each an anchor its URI points at."""
    rows = "\n".join(
        f'<tr id="{html.escape(kind.slug)}"{" class=here" if kind.slug == highlight else ""}>'
        f"<td><code>{html.escape(PROBLEM_TYPE_PREFIX + kind.slug)}</code></td>"
        f"<td>{kind.status}</td><td>{html.escape(' / '.join(kind.titles))}</td>"
        f"<td>{html.escape(kind.meaning)}</td></tr>"
        for kind in problem_types()
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Golden Thread: problem types</title>
<style>body{{font-family:sans-serif;margin:2em}}td,th{{padding:.3em .6em;text-align:left;
vertical-align:top;border-bottom:1px solid #ddd}}tr.here{{background:#fff3c4}}</style></head>
<body><h1>Problem types</h1>
<p>Every error is an RFC 9457 problem (<code>application/problem+json</code>) whose
<code>type</code> is one of these. <code>about:blank</code> is a plain HTTP error (an unknown
path or method): its <code>title</code> is the status's name.</p>
<table><thead><tr><th>type</th><th>status</th><th>title</th><th>meaning</th></tr></thead>
<tbody>
{rows}
</tbody></table></body></html>
"""
