"""Unknown query parameters are refused (422), as unknown body fields are: a misspelt filter
(`?org_unti=HOU`) must not silently return everything.

One dependency on the API router checks every request against the query parameters its route
declares, its dependencies' included (worked out once per route).
"""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel

from app.core.errors import InvalidInput, field_error

_DECLARED: dict[int, frozenset[str]] = {}


def declared_query_parameters(route: APIRoute) -> frozenset[str]:
    key = id(route)
    names = _DECLARED.get(key)
    if names is None:
        names = _DECLARED[key] = frozenset(_query_names(route.dependant))
    return names


def _query_names(dependant: Dependant) -> Iterator[str]:
    for param in dependant.query_params:
        annotation = param.field_info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            # A model of query parameters: its fields are the parameters.
            yield from (field.alias or name for name, field in annotation.model_fields.items())
        else:
            yield param.alias
    for sub in dependant.dependencies:
        yield from _query_names(sub)


async def reject_unknown_query_parameters(request: Request) -> None:
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    declared = declared_query_parameters(route)
    unknown = sorted({name for name in request.query_params if name not in declared})
    if unknown:
        known = ", ".join(sorted(declared)) or "none"
        raise InvalidInput(
            f"Unknown query parameter{'s' if len(unknown) > 1 else ''}: "
            f"{', '.join(unknown[:20])}. This endpoint takes: {known}.",
            errors=[
                field_error(name[:100], "unknown query parameter", "extra_forbidden", at="query")
                for name in unknown[:20]
            ],
        )
