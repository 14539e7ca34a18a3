"""Shared steps for the indicator, target, value, status and scorecard tests."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient, Response

from tests import helpers as shared
from tests.helpers import API, INDICATORS, Headers

# The indicator tests' indicators carry a tolerance of their own and say how they aggregate.
OWN_TOLERANCE: dict[str, Any] = {
    "aggregation": "mean",
    "tolerance": {"unit": "percent", "green_within": 5, "amber_within": 10},
}


def indicator_body(code: str, **overrides: Any) -> dict[str, Any]:
    """A quarterly percentage, higher is better, owned by HOU, tolerance 5% / 10%."""
    return shared.indicator_body(code, **{**OWN_TOLERANCE, **overrides})


async def create_indicator(
    client: AsyncClient, headers: Headers, code: str, **overrides: Any
) -> dict[str, Any]:
    """Create `indicator_body(code, **overrides)` over HTTP; it must succeed."""
    return await shared.create_indicator(client, headers, code, **{**OWN_TOLERANCE, **overrides})


async def set_target(
    client: AsyncClient, headers: Headers, code: str, period: str, **body: Any
) -> dict[str, Any]:
    response = await client.put(f"{INDICATORS}/{code}/targets/{period}", json=body, headers=headers)
    assert response.status_code in (200, 201), response.text
    target: dict[str, Any] = response.json()
    return target


async def save_value(
    client: AsyncClient, headers: Headers, code: str, period: str, **body: Any
) -> Response:
    return await client.put(f"{INDICATORS}/{code}/values/{period}", json=body, headers=headers)


async def step(
    client: AsyncClient, headers: Headers, code: str, period: str, action: str, **body: Any
) -> Response:
    """POST submit / approve / reject for one value."""
    return await client.post(
        f"{INDICATORS}/{code}/values/{period}/{action}", json=body or None, headers=headers
    )


async def approved_value(
    client: AsyncClient,
    enterer: Headers,
    approver: Headers,
    code: str,
    period: str,
    **body: Any,
) -> dict[str, Any]:
    """Save, submit and approve one value over HTTP."""
    saved = await save_value(client, enterer, code, period, **body)
    assert saved.status_code in (200, 201), saved.text
    submitted = await step(client, enterer, code, period, "submit")
    assert submitted.status_code == 200, submitted.text
    approved = await step(client, approver, code, period, "approve")
    assert approved.status_code == 200, approved.text
    result: dict[str, Any] = approved.json()
    return result


async def status_of(
    client: AsyncClient, headers: Headers, code: str, period: str
) -> dict[str, Any]:
    response = await client.get(
        f"{INDICATORS}/{code}/status", params={"period": period}, headers=headers
    )
    assert response.status_code == 200, response.text
    status: dict[str, Any] = response.json()
    return status


async def close_period(client: AsyncClient, headers: Headers, period: str) -> None:
    """Close the period whatever is outstanding (forced, with a reason)."""
    response = await client.post(
        f"{API}/periods/{period}/close",
        json={"force": True, "reason": "Closed for the test"},
        headers=headers,
    )
    assert response.status_code == 200, response.text
