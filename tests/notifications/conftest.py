from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.access.permissions import Role
from app.core.config import Settings
from app.worker.worker import Worker
from tests.factories import Factory
from tests.helpers import Person, bearer, create_indicator, person
from tests.outbox_servers import Mailbox, smtp_server

Q1 = "2025-26-Q1"


@dataclass(frozen=True)
class Desk:
    """A figure's people: who collects it, who owns it, who approves it, and an auditor."""

    perf: Person
    approver: Person
    collector: Person
    owner: Person
    auditor: Person
    collector_email: str
    owner_email: str


@pytest.fixture
async def desk(factory: Factory, client: AsyncClient) -> Desk:
    await factory.financial_year(2025)
    collector_email, owner_email = "collector@council.gov.uk", "owner@council.gov.uk"
    found = Desk(
        perf=await person(factory, Role.PERFORMANCE_TEAM),
        approver=await person(factory, Role.HEAD_OF_SERVICE, "HOU"),
        collector=await _person(factory, Role.STAFF, "HOU", collector_email),
        owner=await _person(factory, Role.STAFF, "HOU", owner_email),
        auditor=await person(factory, Role.AUDITOR),
        collector_email=collector_email,
        owner_email=owner_email,
    )
    await create_indicator(
        client,
        found.perf.headers,
        "NT1",
        owner_id=str(found.owner.id),
        collector_ids=[str(found.collector.id)],
    )
    return found


async def _person(factory: Factory, role: Role, unit: str, email: str) -> Person:
    user_id = await factory.user(role, unit, email=email)
    return Person(user_id, bearer(factory, user_id))


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    with smtp_server() as server:
        yield server


@pytest.fixture
def worker_settings(settings: Settings, smtp: tuple[Mailbox, int]) -> Settings:
    return settings.model_copy(
        update={"smtp_url": f"smtp://127.0.0.1:{smtp[1]}?starttls=off", "smtp_timeout_seconds": 5}
    )


@pytest.fixture
def worker(sessionmaker: async_sessionmaker[AsyncSession], worker_settings: Settings) -> Worker:
    return Worker(sessionmaker, worker_settings)


@pytest.fixture
def mailbox(smtp: tuple[Mailbox, int]) -> Mailbox:
    return smtp[0]


def soon(minutes: float = 0) -> datetime:
    """Now, or a little later (the worker's clock, given explicitly)."""
    return datetime.now(UTC) + timedelta(minutes=minutes)
