"""What every request runs before its handler: its dependencies stay on the event loop."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import iter_route_contexts


def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    for sub in dependant.dependencies:
        yield sub
        yield from _dependants(sub)


def _runs_on_the_loop(call: Any) -> bool:
    # As FastAPI decides: a coroutine function (or an object whose __call__ is one) is awaited,
    # anything else is sent to a worker thread.
    return (
        inspect.iscoroutinefunction(call)
        or inspect.isasyncgenfunction(call)
        or inspect.iscoroutinefunction(getattr(call, "__call__", None))  # noqa: B004
    )


def test_no_dependency_of_any_route_takes_a_worker_thread(app: FastAPI) -> None:
    # A plain `def` dependency costs a hop to a worker thread and back on every request that
    # uses it (about 0.1 ms each, several per request): none of ours blocks, so all are async.
    sync = sorted(
        {
            f"{route.path}: {getattr(sub.call, '__qualname__', sub.call)}"
            for route in iter_route_contexts(app.routes)
            if isinstance(getattr(route, "dependant", None), Dependant)
            for sub in _dependants(route.dependant)
            if sub.call is not None and not _runs_on_the_loop(sub.call)
        }
    )
    routes = [route for route in iter_route_contexts(app.routes) if hasattr(route, "dependant")]
    assert len(routes) > 100  # every operation was looked at
    assert sync == []
