"""Steps and checks every test folder shares: problem+json answers, people with a role and the
headers that sign them in, indicators, and approved values seeded straight into the database.

Folder helpers (tests/indicators/helpers.py, tests/cycle/helpers.py, tests/actions/helpers.py)
keep only what is particular to their domain, and build on these.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from httpx import AsyncClient, Response
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from app.access.permissions import Role
from app.audit.seal import AuditSeal
from app.bootstrap import app_sessionmaker
from app.core import clock
from app.core.config import Settings
from app.core.db import unit_of_work
from app.indicators.models import Indicator, IndicatorValue
from app.measures.vocabulary import ValueStatus
from app.periods.models import Period
from tests.factories import Factory

API = "/api/v1"
INDICATORS = f"{API}/indicators"
PROBLEM = "application/problem+json"
PROBLEM_FIELDS = frozenset({"type", "title", "status", "detail", "instance"})
ONE_MIB = 1024 * 1024
# One byte over the 1 MiB body limit.
HUGE = "x" * (ONE_MIB + 1)

Headers = dict[str, str]
Number = int | float | str | Decimal
# A value, or (value, numerator, denominator).
Figure = Number | tuple[Number, Number, Number]


# --- answers -------------------------------------------------------------------------------


def assert_problem(response: Response, status: int) -> dict[str, Any]:
    """A problem+json answer with the given status (never a stack trace)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert set(body) >= PROBLEM_FIELDS
    assert body["status"] == status
    return body


def assert_unauthenticated(response: Response) -> dict[str, Any]:
    """401 problem+json that tells the client how to sign in."""
    body = assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"
    return body


def assert_invalid(response: Response, *expected: str | list[Any]) -> list[dict[str, Any]]:
    """422 problem+json whose errors are {loc, msg, type}, naming what is expected.

    Each expected is a field name, found as a part of some error's loc, or a whole loc (a list,
    such as ["body", "email"]), found as some error's loc exactly.
    """
    body = assert_problem(response, 422)
    errors: list[dict[str, Any]] = body["errors"]
    assert errors, body
    for error in errors:
        assert set(error) == {"loc", "msg", "type"}
        assert isinstance(error["loc"], list)
        assert error["msg"]
        assert error["type"]
    locs = [error["loc"] for error in errors]
    named = {str(part) for loc in locs for part in loc}
    for item in expected:
        if isinstance(item, list):
            assert item in locs, locs
        else:
            assert item in named, errors
    return errors


# --- people --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """A user of the test council: their id and the headers that sign them in."""

    id: uuid.UUID
    headers: Headers


def bearer(factory: Factory, user_id: uuid.UUID) -> Headers:
    """The headers that sign the user in."""
    return {"Authorization": f"Bearer {factory.token_for(user_id)}"}


async def person(factory: Factory, role: Role | None = None, org_unit: str | None = None) -> Person:
    """A new user holding the role (over the org unit, or council-wide), signed in."""
    user_id = await factory.user(role, org_unit)
    return Person(user_id, bearer(factory, user_id))


@dataclass(frozen=True)
class Council:
    """One person per role that the permission matrix tells apart."""

    admin: Person
    perf: Person
    director: Person  # PEO, over HOU and ASC
    hos: Person  # head of housing (HOU, with HOU-OPT below it)
    hos_wst: Person  # head of waste
    staff: Person  # housing staff
    councillor: Person
    auditor: Person
    nobody: Person  # signed in, no role


async def council(factory: Factory) -> Council:
    """The people of `Council`, each a new user of the test council."""
    return Council(
        admin=await person(factory, Role.ADMIN),
        perf=await person(factory, Role.PERFORMANCE_TEAM),
        director=await person(factory, Role.DIRECTOR, "PEO"),
        hos=await person(factory, Role.HEAD_OF_SERVICE, "HOU"),
        hos_wst=await person(factory, Role.HEAD_OF_SERVICE, "WST"),
        staff=await person(factory, Role.STAFF, "HOU"),
        councillor=await person(factory, Role.COUNCILLOR),
        auditor=await person(factory, Role.AUDITOR),
        nobody=await person(factory),
    )


async def audit_total(client: AsyncClient, admin: Headers) -> int:
    """How many audit events there are: unchanged means nothing was written."""
    response = await client.get(f"{API}/audit-events", params={"page_size": 1}, headers=admin)
    assert response.status_code == 200, response.text
    total: int = response.json()["total"]
    return total


async def answer_and_audit(
    client: AsyncClient,
    *,
    method: str,
    url: str,
    body: Any,
    who: Headers | None,
    admin: Headers,
) -> tuple[int, int]:
    """Call as `who` (anonymous when None): the status, and how many audit events the call
    added. A refusal must be problem+json."""
    before = await audit_total(client, admin)
    response = await client.request(method, url, json=body, headers=who)
    if response.status_code >= 400:
        assert_problem(response, response.status_code)
    return response.status_code, await audit_total(client, admin) - before


# --- indicators and their values -----------------------------------------------------------


def indicator_body(code: str, **overrides: Any) -> dict[str, Any]:
    """A quarterly percentage, higher is better, in HOU, on the council-wide tolerance."""
    return {
        "code": code,
        "title": f"Indicator {code}",
        "value_type": "percentage",
        "decimal_places": 1,
        "polarity": "higher_is_better",
        "frequency": "quarterly",
        "org_unit_code": "HOU",
        **overrides,
    }


async def create_indicator(
    client: AsyncClient, headers: Headers, code: str, **overrides: Any
) -> dict[str, Any]:
    """Create `indicator_body(code, **overrides)` over HTTP; it must succeed."""
    response = await client.post(
        INDICATORS, json=indicator_body(code, **overrides), headers=headers
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def seed_approved(
    factory: Factory,
    code: str,
    figures: Mapping[str, Figure] | Sequence[tuple[str, Figure]],
    *,
    numerator: Number | None = None,
    denominator: Number | None = None,
) -> None:
    """Approved values written straight to the database, as the approve step leaves them.

    figures maps period codes to figures (a mapping, or pairs when the order matters). A plain
    figure takes `numerator` and `denominator`, if given. Quicker than three requests per value,
    for tests about what is computed from approved values rather than how they got there, and
    the way to store figures the API would refuse (a value that disagrees with its numerator).
    """
    pairs = list(figures.items()) if isinstance(figures, Mapping) else list(figures)
    async with unit_of_work(factory.sessionmaker) as session:
        indicator = await session.scalar(select(Indicator).where(Indicator.code == code))
        assert indicator is not None, code
        codes = [period for period, _ in pairs]
        periods = {
            period.code: period.id
            for period in await session.scalars(select(Period).where(Period.code.in_(codes)))
        }
        for period_code, figure in pairs:
            if not isinstance(figure, tuple) and numerator is not None and denominator is not None:
                figure = (figure, numerator, denominator)
            session.add(approved_row(indicator.id, periods[period_code], figure, clock.utcnow()))


def approved_row(
    indicator_id: uuid.UUID, period_id: uuid.UUID, figure: Figure, at: datetime
) -> IndicatorValue:
    """One approved value, decided at `at`, for a test to add to its session."""
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


# --- statements ----------------------------------------------------------------------------


@contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every SQL statement sent while the block runs (the test's connection is the engine's)."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


def sessionmaker_for(
    connection: AsyncConnection, settings: Settings
) -> async_sessionmaker[AsyncSession]:
    """The app's own sessionmaker, change tracking and all, sealing the audit chain with the
    test settings' key; each commit releases a SAVEPOINT inside the test's transaction. No
    audit checkpoint: what it would record is rolled back with the test (tests/audit gives
    each test a checkpoint file of its own)."""
    return app_sessionmaker(
        connection,
        audit=AuditSeal(key=settings.audit_key.encode(), checkpoint=None),
        join_transaction_mode="create_savepoint",
    )
