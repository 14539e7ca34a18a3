"""Steps the status tests share: an indicator with targets and approved figures."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from httpx import AsyncClient

from tests.factories import Factory
from tests.helpers import Figure, Headers, Number, seed_approved
from tests.indicators.helpers import create_indicator, set_target


async def measure(
    client: AsyncClient,
    factory: Factory,
    perf: Headers,
    code: str,
    *,
    values: Mapping[str, Figure],
    targets: Mapping[str, Mapping[str, Any] | Number] | None = None,
    **indicator: Any,
) -> None:
    """An indicator with targets set over HTTP (a body, or a point target's value) and
    approved values seeded."""
    await create_indicator(client, perf, code, **indicator)
    for period, target in (targets or {}).items():
        body = target if isinstance(target, Mapping) else {"value": target}
        await set_target(client, perf, code, period, **body)
    await seed_approved(factory, code, values)


def monthly(aggregation: str, **overrides: Any) -> dict[str, Any]:
    return {
        "frequency": "monthly",
        "value_type": "number",
        "aggregation": aggregation,
        "decimal_places": 1,
        **overrides,
    }
