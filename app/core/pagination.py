"""Paging parameters shared by every list endpoint, and the `Link` header of every page.

Every list answers with the one envelope (`Page`); its next and previous pages are named in a
`Link` header (RFC 8288). The header is set here, once: the `Paging` dependency remembers the
request's URL and response, and building the page's `Page` sets the header, so a list cannot
forget it.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar
from urllib.parse import parse_qsl, urlencode

from fastapi import Depends, Query, Request, Response
from starlette.datastructures import URL

MAX_PAGE_SIZE = 500

T = TypeVar("T")


@dataclass(frozen=True)
class PageParams:
    page: int
    page_size: int
    # Where the page was asked for, to name its neighbours; absent outside a request.
    url: URL | None = field(default=None, compare=False)
    response: Response | None = field(default=None, compare=False, repr=False)
    # The total the Link header was last set for: a page is validated twice on its way out
    # (built, then checked against the route's response model), and the header set once.
    linked: list[int] = field(default_factory=list, compare=False, repr=False)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size

    def window(self, items: Sequence[T]) -> tuple[list[T], int]:
        """This page of a list already in memory (a resource's own sub-list: its values,
        targets, history), and the list's length."""
        return list(items[self.offset : self.offset + self.page_size]), len(items)

    def links(self, total: int) -> str:
        """The `Link` header value for a page of `total` items: next, prev, first, last."""
        if self.url is None:
            return ""
        last = max(1, -(-total // self.page_size))
        rels: list[tuple[str, int]] = [("first", 1)]
        if self.page > 1:
            rels.append(("prev", min(self.page - 1, last)))
        if self.page < last:
            rels.append(("next", self.page + 1))
        rels.append(("last", last))
        # As URL.include_query_params(page=..., page_size=...) gives it (the other parameters
        # in their order, then these two), with the URL parsed once rather than per link.
        base = str(self.url.replace(query="", fragment=""))
        fragment = f"#{self.url.fragment}" if self.url.fragment else ""
        kept = [
            (name, value)
            for name, value in parse_qsl(self.url.query, keep_blank_values=True)
            if name not in ("page", "page_size")
        ]
        size = str(self.page_size)
        return ", ".join(
            f"<{base}?{urlencode([*kept, ('page', str(number)), ('page_size', size)])}{fragment}>; "
            f'rel="{rel}"'
            for rel, number in rels
        )


# The current request's paging, read when its Page is built (app.core.schemas.Page). Each
# request runs in its own context; a stale value only ever names a response already sent.
current_paging: ContextVar[PageParams | None] = ContextVar("current_paging", default=None)


async def page_params(
    request: Request,
    response: Response,
    page: Annotated[int, Query(ge=1, le=1_000_000, description="1-based page number")] = 1,
    page_size: Annotated[
        int, Query(ge=1, le=MAX_PAGE_SIZE, description="Items per page (max 500)")
    ] = 50,
) -> PageParams:
    # async, so that the context variable is set in the request's own context, not a thread's.
    params = PageParams(page=page, page_size=page_size, url=request.url, response=response)
    current_paging.set(params)
    return params


def link_page(page: int, page_size: int, total: int) -> None:
    """Name the neighbours of the page being answered in its `Link` header."""
    params = current_paging.get()
    if params is None or params.response is None:
        return
    if params.page != page or params.page_size != page_size:
        return
    if params.linked == [total]:
        return
    params.linked[:] = [total]
    value = params.links(total)
    if value:
        params.response.headers["Link"] = value


def page_of(items: Sequence[Any], paging: PageParams) -> dict[str, Any]:
    """The envelope's fields for a page of a list already in memory."""
    window, total = paging.window(items)
    return {"items": window, "page": paging.page, "page_size": paging.page_size, "total": total}


Paging = Annotated[PageParams, Depends(page_params)]
