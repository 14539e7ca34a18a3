"""The demo council `make run` serves: it seeds once, every published login works, and its
scorecard shows a newcomer every RAG status and every direction of travel."""

from __future__ import annotations

import ipaddress
import re
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from app.audit.models import AuditEvent
from app.audit.service import AuditService
from app.core import clock
from app.core.config import Settings
from app.core.db import unit_of_work
from app.demo import demo_logins, seed_demo
from app.demo.indicators import INDICATORS
from app.indicators.models import Indicator, IndicatorValue, Target, TargetRevision, ValueRevision
from app.measures.vocabulary import ValueStatus
from app.org.models import OrgUnit
from app.periods.models import Period
from app.users.models import User
from app.webhooks import addresses
from app.worker.worker import Worker
from tests.helpers import sessionmaker_for
from tests.readme import README, Shell, curl_blocks

# A fixed "today": the last completed quarter is 2026-27-Q2, and its data is due.
TODAY = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
LAST_QUARTER = "2026-27-Q2"
COUNTED = (OrgUnit, User, Period, Indicator, Target, TargetRevision, IndicatorValue, ValueRevision)


@pytest.fixture
def frozen() -> Iterator[None]:
    clock.freeze(TODAY)
    yield
    clock.freeze(None)


@pytest.fixture(scope="module")
async def demo_connection(
    engine: AsyncEngine, settings: Settings
) -> AsyncIterator[AsyncConnection]:
    """One transaction for the module, with the demo council seeded once (it takes seconds);
    rolled back at the end like any test's."""
    async with engine.connect() as connection:
        transaction = await connection.begin()
        try:
            clock.freeze(TODAY)
            try:
                await _seed(sessionmaker_for(connection, settings), settings)
            finally:
                clock.freeze(None)
            yield connection
        finally:
            await transaction.rollback()


@pytest.fixture
async def connection(demo_connection: AsyncConnection) -> AsyncIterator[AsyncConnection]:
    """The tests here share the seeded council (conftest's client and sessionmaker use it),
    each inside a SAVEPOINT rolled back after it, so what one test writes no other sees."""
    savepoint = await demo_connection.begin_nested()
    try:
        yield demo_connection
    finally:
        if savepoint.is_active:
            await savepoint.rollback()


async def _seed(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings) -> None:
    async with unit_of_work(sessionmaker) as session:
        await seed_demo(session, settings=settings)


async def _counts(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    async with sessionmaker() as session:
        return {
            model.__name__: await session.scalar(select(func.count()).select_from(model)) or 0
            for model in (*COUNTED, AuditEvent)
        }


async def _sign_in(client: AsyncClient, email: str, password: str) -> dict[str, str]:
    response = await client.post(
        "/api/v1/auth/token",
        data={"grant_type": "password", "username": email, "password": password},
    )
    assert response.status_code == 200, (email, response.text)
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.mark.usefixtures("frozen")
async def test_seeding_again_adds_nothing(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    assert clock.today() == TODAY.date()
    first = await _counts(sessionmaker)
    await _seed(sessionmaker, settings)
    assert await _counts(sessionmaker) == first

    assert first["Indicator"] == len(INDICATORS)
    assert first["IndicatorValue"] > 300
    assert first["Target"] > 300
    # The target revised mid-year keeps its history.
    assert first["TargetRevision"] > first["Target"]
    async with sessionmaker() as session:
        statuses = Counter((await session.scalars(select(IndicatorValue.status))).all())
        approved = (
            await session.scalars(
                select(IndicatorValue).where(IndicatorValue.status == ValueStatus.APPROVED)
            )
        ).all()
        late = await session.scalar(
            select(func.count()).select_from(IndicatorValue).where(IndicatorValue.is_late)
        )
    assert statuses[ValueStatus.DRAFT] >= 1
    assert statuses[ValueStatus.SUBMITTED] >= 2
    assert statuses[ValueStatus.REJECTED] == 1
    # Figures are entered by staff or a head of service and approved by someone else.
    assert all(row.approved_by_id not in {row.entered_by_id, None} for row in approved)
    # Most figures arrive on time; the NHS-fed measure is always late.
    assert 0 < (late or 0) < len(approved) / 4
    # The history is replayed at past moments, and the audit chain still verifies.
    async with sessionmaker() as session:
        assert (await AuditService(session).verify()).ok


@pytest.mark.usefixtures("frozen")
async def test_every_demo_login_signs_in(client: AsyncClient) -> None:
    for email, password, role in demo_logins():
        headers = await _sign_in(client, email, password)
        me = await client.get("/api/v1/me", headers=headers)
        assert me.status_code == 200, me.text
        assert role in {grant["role"] for grant in me.json()["roles"]}


@pytest.mark.usefixtures("frozen")
async def test_the_last_quarters_scorecard_shows_every_status_and_direction(
    client: AsyncClient,
) -> None:
    assert clock.today() == TODAY.date()
    email, password, _ = next(login for login in demo_logins() if "performance@" in login[0])
    headers = await _sign_in(client, email, password)

    response = await client.get(
        "/api/v1/reports/scorecard", params={"period": LAST_QUARTER}, headers=headers
    )

    assert response.status_code == 200, response.text
    card: dict[str, Any] = response.json()
    summary = card["summary"]
    assert all(summary[rag] >= 1 for rag in ("green", "amber", "red", "data_only", "missing"))
    rows = card["rows"]
    assert 38 <= len(rows) <= 45
    # Each measure tells the story its table row says it does.
    expected = {demo.code: demo.expected_rag.value for demo in INDICATORS}
    assert {row["indicator_code"]: row["rag"] for row in rows} == {
        row["indicator_code"]: expected[row["indicator_code"]] for row in rows
    }
    directions = {row["direction"][key] for row in rows for key in ("vs_previous", "vs_last_year")}
    assert directions >= {
        "improving",
        "worsening",
        "no_change",
        "increasing",
        "decreasing",
        "not_available",
    }
    assert {row["org_unit_code"] for row in rows} >= {"ASC", "HOU", "HOU-OPT", "WST", "PLN", "REV"}


@pytest.mark.usefixtures("frozen")
async def test_the_past_years_are_closed_and_the_current_periods_open(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker() as session:
        status = {p.code: p.status.value for p in await session.scalars(select(Period))}

    # Everything whose data is due and whose board has met, up to 2026-27-Q2 (board 2026-10-21).
    for code in ("2024-25", "2024-25-Q4", "2025-26", "2025-03", "2026-27-Q1", "2026-27-Q2"):
        assert status[code] == "closed", code
    for month in ("2026-07", "2026-08", "2026-09"):
        assert status[month] == "closed", month
    # October's data is due, but its quarter's board has not met; the rest is running or ahead.
    for code in ("2026-10", "2026-11", "2026-27-Q3", "2026-27"):
        assert status[code] == "open", code
    assert status["2026-12"] == status["2027-01"] == "future"


@pytest.mark.usefixtures("frozen")
async def test_a_newcomers_task_list_holds_only_todays_periods(client: AsyncClient) -> None:
    email, password, _ = next(login for login in demo_logins() if login[0].startswith("staff@"))
    headers = await _sign_in(client, email, password)

    response = await client.get("/api/v1/me/tasks", params={"page_size": 500}, headers=headers)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == len(body["items"]) > 0
    assert {task["period"] for task in body["items"]} <= {
        "2026-10",
        "2026-11",
        "2026-27-Q3",
        "2026-27",
    }


@pytest.mark.usefixtures("frozen")
async def test_the_demo_names_people_by_their_full_names(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker() as session:
        entered = set(await session.scalars(select(IndicatorValue.entered_by_name)))
        actors = set(await session.scalars(select(AuditEvent.actor_name)))

    assert entered
    assert not any("@" in name for name in entered | actors)
    assert "Priya Patel" in actors


@pytest.mark.usefixtures("frozen")
async def test_the_demo_celebrates_tracks_recommendations_and_shows_spend(
    client: AsyncClient,
) -> None:
    email, password, _ = next(login for login in demo_logins() if "director@" in login[0])
    headers = await _sign_in(client, email, password)

    pack = await client.get(
        "/api/v1/reports/board-pack", params={"period": LAST_QUARTER}, headers=headers
    )
    public = (await client.get("/api/v1/public/achievements")).json()
    exceptions = (
        await client.get(
            "/api/v1/reports/exceptions", params={"period": LAST_QUARTER}, headers=headers
        )
    ).json()
    register = (
        await client.get("/api/v1/recommendations", params={"page_size": 50}, headers=headers)
    ).json()
    card = (
        await client.get(
            "/api/v1/reports/scorecard", params={"period": LAST_QUARTER}, headers=headers
        )
    ).json()

    assert "Temporary accommodation hub site bought" in pack.text
    assert "Every care home inspected rated good or better" in pack.text
    # Public only when approved and marked public: not the care homes, not the draft.
    assert [item["title"] for item in public["items"]] == [
        "Temporary accommodation hub site bought"
    ]
    assert [r["reference"] for r in exceptions["overdue_recommendations"]] == ["IA-DQ-2025-01"]
    sources = {r["source"] for r in register["items"]}
    assert sources >= {"internal_audit", "external_inspection"}
    assert all(r["action_ids"] for r in register["items"] if r["source"] != "scrutiny")
    spend = card["summary"]["spend"]
    assert spend["org_unit_codes"] == ["PEO"]
    assert spend["service_plans"]["lines"] == 4
    assert spend["projects"]["budget"] == 3500000


@pytest.mark.usefixtures("frozen")
async def test_the_planning_years_show_the_whole_cycle(
    client: AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    email, password, _ = next(login for login in demo_logins() if "performance@" in login[0])
    headers = await _sign_in(client, email, password)

    response = await client.get(
        "/api/v1/plans", params={"kind": "service", "page_size": 50}, headers=headers
    )

    assert response.status_code == 200, response.text
    by_year: dict[str, set[str]] = {}
    for plan in response.json()["items"]:
        by_year.setdefault(plan["financial_year"], set()).add(plan["status"])
    # Last year's closed, this year's approved, next year's rolled over in draft.
    assert by_year == {"2025-26": {"archived"}, "2026-27": {"approved"}, "2027-28": {"draft"}}
    rolled = next(p for p in response.json()["items"] if p["financial_year"] == "2027-28")
    assert rolled["title"].endswith("2027-28")
    assert rolled["rolled_from_id"] is not None
    async with sessionmaker() as session:
        proposed = await session.scalar(
            select(func.count())
            .select_from(Target)
            .join(Period, Period.id == Target.period_id)
            .where(Period.financial_year == "2027-28", Target.reason == "rolled over from 2026-27")
        )
    assert proposed


@pytest.mark.usefixtures("frozen")
async def test_demo_staff_see_their_objectives_and_reviews_and_colleagues_only_counts(
    client: AsyncClient,
) -> None:
    logins = {email.split("@")[0]: (email, password) for email, password, _ in demo_logins()}
    staff = await _sign_in(client, *logins["staff"])
    director = await _sign_in(client, *logins["director"])
    colleague = await _sign_in(client, *logins["asc.officer"])
    me = (await client.get("/api/v1/me", headers=staff)).json()

    mine = await client.get("/api/v1/me/objectives", headers=staff)
    reviews = await client.get(
        f"/api/v1/personal-objectives/{mine.json()['items'][0]['id']}/reviews", headers=director
    )
    hidden = await client.get(f"/api/v1/users/{me['id']}/objectives", headers=colleague)
    served = await client.get(
        f"/api/v1/objectives/{mine.json()['items'][0]['serves_ids'][0]}", headers=colleague
    )

    assert mine.json()["total"] == 2
    assert reviews.json()["total"] == 1  # the director is the head of housing's manager
    assert hidden.status_code == 404
    assert served.json()["personal_objectives"] == {"count": 3, "reviewed": 3}


# The README's webhook receiver (example.com) as the public DNS resolves it, and as a receiver
# answers: the test runs offline, and the app still checks the address it is given.
README_RECEIVER = "example.com"
README_TEXT = README.read_text()
README_RECEIVER_ADDRESS = ipaddress.ip_address("93.184.215.14")


@pytest.mark.usefixtures("frozen")
async def test_every_curl_example_in_the_readme_runs_as_written_against_the_demo(
    client: AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every shell block with curl in README.md (and every inline `curl ...`), parsed from the
    file, run in order in one session as a newcomer pastes them after `make run`: each request
    answers 2xx, and every variable is defined by the README before it is used. Between
    blocks the outbox worker runs, as it does inside `make run`'s server."""
    real_resolve = addresses.resolve

    async def resolve(host: str, port: int) -> list[addresses.IpAddress]:
        if host == README_RECEIVER:
            return [README_RECEIVER_ADDRESS]
        return await real_resolve(host, port)

    monkeypatch.setattr(addresses, "resolve", resolve)
    receiver = httpx.AsyncClient(transport=httpx.MockTransport(lambda _: httpx.Response(204)))
    worker = Worker(sessionmaker, settings, http=receiver)
    blocks = curl_blocks()
    assert len(blocks) >= 8, [block.line for block in blocks]
    shell = Shell(client)
    try:
        for block in blocks:
            await worker.drain(scan=False)
            for command in block.commands:
                asked = len(shell.answers)
                await shell.run(command)
                for answer in shell.answers[asked:]:
                    assert 200 <= answer.status < 300, (f"README.md:{block.line}", answer)
    finally:
        await worker.aclose()
        await receiver.aclose()

    answered = {(answer.method, answer.path) for answer in shell.answers}
    # Every curl the README shows was run: none skipped by the parser, none left unrun.
    shown = sum(block.count("curl ") for block in re.findall(r"```sh\n.*?```", README_TEXT, re.S))
    shown += README_TEXT.count("`curl ")
    assert len(shell.answers) == shown >= 50
    # What the examples are there to show did happen.
    assert ("POST", "/api/v1/values/batch") in answered
    assert shell.files["pack.pdf"].startswith(b"%PDF")
    assert shell.files["outturn.xlsx"][:2] == b"PK"
    assert shell.files["HOU01.svg"].startswith(b"<?xml")
    assert shell.variables["NOTIFICATION_ID"] != "null"
    subscription = await client.get(
        f"/api/v1/webhooks/{shell.variables['WEBHOOK_ID']}",
        headers={"Authorization": f"Bearer {shell.variables['ADMIN']}"},
    )
    assert subscription.json()["url"] == f"https://{README_RECEIVER}/golden-thread"
