"""Publishing the same report at the same moment on PostgreSQL: every publish succeeds, each
with its own number, never a 409 and never an overwrite.

These tests commit for real, so they run in a scratch database of their own.
"""

from __future__ import annotations

import asyncio
import os
import uuid

import pytest
from httpx import AsyncClient
from sqlalchemy import select, text

from app.access.permissions import Role
from app.core.clock import utcnow
from app.publications.models import Publication, PublicationContent, PublicationKind
from app.publications.repository import PublicationRepository
from tests.factories import Factory
from tests.helpers import API, person
from tests.reports.test_board_pack import Q1, council

pytestmark = pytest.mark.skipif(
    not os.environ.get("GT_TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="concurrent writers are a PostgreSQL matter (SQLite queues them)",
)

PUBLICATIONS = f"{API}/reports/publications"


async def test_simultaneous_publishes_of_the_same_report_each_get_their_own_number(
    committed: tuple[AsyncClient, Factory],
) -> None:
    client, factory = committed
    await factory.financial_year(2024)
    await factory.financial_year(2025)
    perf = (await person(factory, Role.PERFORMANCE_TEAM)).headers
    await council(client, factory, perf)

    async def publish(kind: str) -> tuple[int, dict[str, object]]:
        response = await client.post(PUBLICATIONS, json={"kind": kind, "period": Q1}, headers=perf)
        return response.status_code, response.json()

    kinds = ["board_pack", "board_pack", *["scorecard"] * 6]
    answers = await asyncio.gather(*(publish(kind) for kind in kinds))

    assert [status for status, _ in answers] == [201] * len(kinds), answers
    numbers = sorted(int(str(body["number"])) for _, body in answers)
    assert numbers == list(range(1, len(kinds) + 1))
    listed = (await client.get(PUBLICATIONS, headers=perf)).json()
    assert listed["total"] == len(kinds)
    packs = [body for _, body in answers if body["kind"] == "board_pack"]
    for pack in packs:
        response = await client.get(
            f"{PUBLICATIONS}/{pack['id']}/content", params={"format": "pdf"}, headers=perf
        )
        assert response.status_code == 200, response.text
        assert response.content.startswith(b"%PDF")


def _publication(name: str) -> tuple[Publication, list[PublicationContent]]:
    publication = Publication(
        kind=PublicationKind.SCORECARD,
        title=name,
        period_code=Q1,
        snapshot={"figures": {}},
        sha256="0" * 64,
        data_version=0,
        published_at=utcnow(),
        published_by_name=name,
    )
    publication.id = uuid.uuid4()
    content = PublicationContent(
        publication_id=publication.id,
        format="json",
        media_type="application/json",
        content=b"{}",
        sha256="0" * 64,
        size=2,
    )
    return publication, [content]


async def test_a_publish_that_loses_the_race_for_a_number_takes_the_next(
    committed: tuple[AsyncClient, Factory],
) -> None:
    """The second publish reads the same highest number as the first, still uncommitted, and
    waits on the unique constraint; once the first commits, it takes the next number."""
    _, factory = committed
    first, first_contents = _publication("first")
    second, second_contents = _publication("second")
    async with factory.sessionmaker() as one, factory.sessionmaker() as two:
        await one.begin()
        await PublicationRepository(one).add(publication=first, contents=first_contents)
        await two.begin()
        backend = await two.scalar(text("SELECT pg_backend_pid()"))
        waiting = asyncio.create_task(
            PublicationRepository(two).add(publication=second, contents=second_contents)
        )
        # The second is blocked on the first's row (a lock wait), not merely not started.
        while not await one.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE pid = :pid AND wait_event_type = 'Lock'"
            ),
            {"pid": backend},
        ):
            assert not waiting.done(), waiting
            await asyncio.sleep(0.02)
        await one.commit()
        await waiting
        await two.commit()
    async with factory.sessionmaker() as session:
        numbers = dict((await session.execute(select(Publication.title, Publication.number))).all())
    assert numbers == {"first": 1, "second": 2}
