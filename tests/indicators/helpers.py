"""Shared steps for the indicator, target, value, status and scorecard tests."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from httpx import AsyncClient, Response
from sqlalchemy import select

from app.auth.permissions import Role
from app.core.clock import utcnow
from app.core.db import unit_of_work
from app.indicators.models import Indicator, IndicatorValue
from app.measures.vocabulary import ValueStatus
from app.periods.models import Period
from tests.factories import Factory

API = "/api/v1"
INDICATORS = f"{API}/indicators"
PROBLEM = "application/problem+json"

Number = int | float | str | Decimal
Headers = dict[str, str]


@dataclass(frozen=True)
class Person:
    """A user of the test council: their id and the headers that sign them in."""

    id: uuid.UUID
    headers: Headers


async def person(factory: Factory, role: Role | None = None, org_unit: str | None = None) -> Person:
    user_id = await factory.user(role, org_unit)
    return Person(user_id, {"Authorization": f"Bearer {factory.token_for(user_id)}"})


def assert_problem(response: Response, status: int) -> dict[str, Any]:
    """A problem+json answer with the given status (never a stack trace)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert set(body) >= {"type", "title", "status", "detail", "instance"}
    assert body["status"] == status
    return body


def assert_invalid(response: Response, *fields: str) -> list[dict[str, Any]]:
    """422 problem+json whose errors are {loc, msg, type}, naming each field (a loc part)."""
    body = assert_problem(response, 422)
    errors: list[dict[str, Any]] = body["errors"]
    assert errors, body
    for error in errors:
        assert set(error) == {"loc", "msg", "type"}
    named = {str(part) for error in errors for part in error["loc"]}
    for field in fields:
        assert field in named, errors
    return errors


def indicator_body(code: str, **overrides: Any) -> dict[str, Any]:
    """A quarterly percentage, higher is better, owned by HOU, tolerance 5% / 10%."""
    return {
        "code": code,
        "title": f"Indicator {code}",
        "value_type": "percentage",
        "decimal_places": 1,
        "polarity": "higher_is_better",
        "frequency": "quarterly",
        "aggregation": "mean",
        "tolerance": {"unit": "percent", "green_within": 5, "amber_within": 10},
        "org_unit_code": "HOU",
        **overrides,
    }


async def create_indicator(
    client: AsyncClient, headers: Headers, code: str, **overrides: Any
) -> dict[str, Any]:
    response = await client.post(
        INDICATORS, json=indicator_body(code, **overrides), headers=headers
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


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


Figure = Number | tuple[Number, Number, Number]


async def seed_approved(factory: Factory, code: str, figures: Mapping[str, Figure]) -> None:
    """Approved values written straight to the database, as the approve step leaves them.

    A figure is a value, or (value, numerator, denominator). Quicker than three requests each,
    for tests that are about what is computed from approved values rather than how they got there.
    """
    async with unit_of_work(factory.sessionmaker) as session:
        indicator = await session.scalar(select(Indicator).where(Indicator.code == code))
        assert indicator is not None, code
        periods = {
            period.code: period
            for period in await session.scalars(select(Period).where(Period.code.in_(figures)))
        }
        for period_code, figure in figures.items():
            session.add(approved_row(indicator.id, periods[period_code].id, figure, utcnow()))


def approved_row(
    indicator_id: uuid.UUID, period_id: uuid.UUID, figure: Figure, at: datetime
) -> IndicatorValue:
    if isinstance(figure, tuple):
        value, numerator, denominator = (Decimal(str(part)) for part in figure)
    else:
        value, numerator, denominator = Decimal(str(figure)), None, None
    return IndicatorValue(
        indicator_id=indicator_id,
        period_id=period_id,
        value=value,
        numerator=numerator,
        denominator=denominator,
        quality_flags=[],
        status=ValueStatus.APPROVED,
        entered_by_name="Seeded",
        entered_at=at,
        submitted_at=at,
        first_submitted_at=at,
        decided_by_name="Seeded",
        decided_at=at,
        approved_value=value,
        approved_numerator=numerator,
        approved_denominator=denominator,
        approved_quality_flags=[],
        approved_at=at,
    )


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
    response = await client.post(f"{API}/periods/{period}/close", headers=headers)
    assert response.status_code == 200, response.text
