"""Shared steps for the reporting-cycle, data-quality and scrutiny-comment tests."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from httpx import AsyncClient, Response
from sqlalchemy import select

from app.auth.permissions import Role
from app.core import clock
from app.core.db import unit_of_work
from app.indicators.models import Indicator, IndicatorValue
from app.measures.vocabulary import ValueStatus
from app.periods.models import Period
from tests.factories import Factory

API = "/api/v1"
INDICATORS = f"{API}/indicators"
PROBLEM = "application/problem+json"
ONE_MIB = 1024 * 1024

Headers = dict[str, str]

# 2025-26-Q1 ends 2025-06-30 and its data is due 2025-07-14 (ten working days later).
BEFORE_Q1_DUE = datetime(2025, 7, 10, 9, 0, tzinfo=UTC)
AFTER_Q1_DUE = datetime(2025, 7, 20, 9, 0, tzinfo=UTC)


@contextmanager
def frozen(moment: datetime) -> Iterator[None]:
    """Pin the business clock for the block, and unpin it whatever happens."""
    clock.freeze(moment)
    try:
        yield
    finally:
        clock.freeze(None)


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
    """422 problem+json whose errors name each field (as a part of a loc)."""
    body = assert_problem(response, 422)
    errors: list[dict[str, Any]] = body["errors"]
    named = {str(part) for error in errors for part in error["loc"]}
    for field in fields:
        assert field in named, errors
    return errors


def assert_unauthenticated(response: Response) -> None:
    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


async def create_indicator(
    client: AsyncClient, headers: Headers, code: str, **overrides: Any
) -> dict[str, Any]:
    """A quarterly percentage, higher is better, in HOU, unless overridden."""
    body = {
        "code": code,
        "title": f"Indicator {code}",
        "value_type": "percentage",
        "decimal_places": 1,
        "polarity": "higher_is_better",
        "frequency": "quarterly",
        "org_unit_code": "HOU",
        **overrides,
    }
    response = await client.post(INDICATORS, json=body, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def set_target(
    client: AsyncClient, headers: Headers, code: str, period: str, value: float
) -> None:
    response = await client.put(
        f"{INDICATORS}/{code}/targets/{period}", json={"value": value}, headers=headers
    )
    assert response.status_code in (200, 201), response.text


async def save(
    client: AsyncClient, headers: Headers, code: str, period: str, **body: Any
) -> dict[str, Any]:
    """Save a draft value; it must succeed."""
    response = await client.put(f"{INDICATORS}/{code}/values/{period}", json=body, headers=headers)
    assert response.status_code in (200, 201), response.text
    saved: dict[str, Any] = response.json()
    return saved


async def step(
    client: AsyncClient, headers: Headers, code: str, period: str, action: str, **body: Any
) -> dict[str, Any]:
    """POST submit / approve / reject for one value; it must succeed."""
    response = await client.post(
        f"{INDICATORS}/{code}/values/{period}/{action}", json=body or None, headers=headers
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def approve(
    client: AsyncClient, enterer: Headers, approver: Headers, code: str, period: str, **body: Any
) -> None:
    """Save, submit and approve one value over HTTP."""
    await save(client, enterer, code, period, **body)
    await step(client, enterer, code, period, "submit")
    await step(client, approver, code, period, "approve")


async def seed_approved(
    factory: Factory,
    code: str,
    figures: Sequence[tuple[str, float | str]],
    *,
    numerator: str | None = None,
    denominator: str | None = None,
) -> None:
    """Approved values written straight to the database, as the approve step leaves them.

    For figures the API would refuse (a value that disagrees with its numerator), or for long
    series where three requests per value would only slow the test down.
    """
    async with unit_of_work(factory.sessionmaker) as session:
        indicator = await session.scalar(select(Indicator).where(Indicator.code == code))
        assert indicator is not None, code
        codes = [period for period, _ in figures]
        periods = {
            period.code: period.id
            for period in await session.scalars(select(Period).where(Period.code.in_(codes)))
        }
        at = clock.utcnow()
        for period_code, figure in figures:
            value = Decimal(str(figure))
            top = Decimal(numerator) if numerator is not None else None
            bottom = Decimal(denominator) if denominator is not None else None
            session.add(
                IndicatorValue(
                    indicator_id=indicator.id,
                    period_id=periods[period_code],
                    value=value,
                    numerator=top,
                    denominator=bottom,
                    quality_flags=[],
                    status=ValueStatus.APPROVED,
                    entered_by_name="Seeded",
                    entered_at=at,
                    submitted_at=at,
                    first_submitted_at=at,
                    decided_by_name="Seeded",
                    decided_at=at,
                    approved_value=value,
                    approved_numerator=top,
                    approved_denominator=bottom,
                    approved_quality_flags=[],
                    approved_at=at,
                )
            )


async def audit_events(
    client: AsyncClient, headers: Headers, *, entity_type: str, entity_id: str
) -> list[dict[str, Any]]:
    response = await client.get(
        f"{API}/audit-events",
        params={"entity_type": entity_type, "entity_id": entity_id},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items
