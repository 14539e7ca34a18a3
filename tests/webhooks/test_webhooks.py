"""Webhooks (admin): subscriptions, addresses that are refused, and signed deliveries to a real
HTTP receiver on a loopback port, retried until it accepts, exactly once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from standardwebhooks import Webhook as Verifier
from standardwebhooks.webhooks import WebhookVerificationError

from app.access.permissions import Role
from app.core.config import Settings
from app.worker.worker import Worker, backoff
from tests.factories import Factory
from tests.helpers import (
    API,
    Headers,
    assert_invalid,
    assert_problem,
    create_indicator,
    person,
)
from tests.indicators.helpers import save_value, step
from tests.outbox_servers import Receiver, http_receiver

WEBHOOKS = f"{API}/webhooks"
Q1 = "2025-26-Q1"


@pytest.fixture
def private_ok(app: FastAPI, settings: Settings) -> Settings:
    """GT_WEBHOOKS_ALLOW_PRIVATE=1, as for an internal network (and this loopback receiver)."""
    allowed = settings.model_copy(update={"webhooks_allow_private": True})
    app.state.settings = allowed
    return allowed


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    with http_receiver(failures=2) as found:
        yield found


@pytest.fixture
async def admin(factory: Factory) -> Headers:
    return (await person(factory, Role.ADMIN)).headers


async def subscribe(
    client: AsyncClient, admin: Headers, url: str, events: list[str]
) -> dict[str, Any]:
    response = await client.post(WEBHOOKS, json={"url": url, "events": events}, headers=admin)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def approve_one(client: AsyncClient, factory: Factory) -> None:
    await factory.financial_year(2025)
    perf = (await person(factory, Role.PERFORMANCE_TEAM)).headers
    enterer = (await person(factory, Role.STAFF, "HOU")).headers
    await create_indicator(client, perf, "WH1")
    assert (await save_value(client, perf, "WH1", Q1, value=64.2)).status_code in (200, 201)
    assert (await step(client, perf, "WH1", Q1, "submit")).status_code == 200
    approver = (await person(factory, Role.HEAD_OF_SERVICE, "HOU")).headers
    assert (await step(client, approver, "WH1", Q1, "approve")).status_code == 200
    del enterer


async def test_an_approval_reaches_the_receiver_signed_once_after_two_failures(
    client: AsyncClient,
    factory: Factory,
    admin: Headers,
    private_ok: Settings,
    receiver: tuple[Receiver, str],
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    calls, url = receiver
    hook = await subscribe(client, admin, url, ["value.approved"])
    assert hook["secret"].startswith("whsec_")
    await approve_one(client, factory)
    worker = Worker(sessionmaker, private_ok)
    start = datetime.now(UTC)

    await worker.drain(now=start, scan=False)
    await worker.drain(now=start + backoff(1) + timedelta(seconds=1), scan=False)
    log = (await client.get(f"{WEBHOOKS}/{hook['id']}/deliveries", headers=admin)).json()
    [waiting] = log["items"]
    assert (waiting["status"], waiting["attempts"], waiting["last_error"]) == (
        "pending",
        2,
        "HTTP 500",
    )
    assert waiting["next_attempt_at"] is not None
    later = start + timedelta(hours=1)
    await worker.drain(now=later, scan=False)
    await worker.drain(now=later + timedelta(hours=1), scan=False)
    await worker.aclose()

    assert len(calls.calls) == 3
    [(headers, body, _status)] = calls.accepted()
    # The receiver checks the signature with the Standard Webhooks library and the secret.
    message = Verifier(hook["secret"]).verify(body, headers)
    assert message["type"] == "value.approved"
    assert message["data"]["indicator_code"] == "WH1"
    assert message["data"]["value"] == 64.2
    # One message: the same id on every try, so a receiver can tell a retry from news.
    assert {call[0]["webhook-id"] for call in calls.calls} == {headers["webhook-id"]}
    with pytest.raises(WebhookVerificationError):
        Verifier(hook["secret"]).verify(body.replace(b"64.2", b"99.9"), headers)
    [done] = (await client.get(f"{WEBHOOKS}/{hook['id']}/deliveries", headers=admin)).json()[
        "items"
    ]
    assert (done["status"], done["attempts"], done["response_status"]) == ("delivered", 3, 204)


async def test_a_receiver_that_never_accepts_is_marked_failed_after_the_last_try(
    client: AsyncClient,
    factory: Factory,
    admin: Headers,
    private_ok: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    with http_receiver(failures=100) as (calls, url):
        hook = await subscribe(client, admin, url, ["value.approved", "status.changed"])
        await approve_one(client, factory)
        worker = Worker(sessionmaker, private_ok.model_copy(update={"webhook_max_attempts": 2}))
        now = datetime.now(UTC)
        for hours in range(4):
            await worker.drain(now=now + timedelta(hours=hours), scan=False)
        await worker.aclose()
    log = (await client.get(f"{WEBHOOKS}/{hook['id']}/deliveries", headers=admin)).json()
    assert log["total"] == 2
    assert {(d["event_type"], d["status"], d["attempts"]) for d in log["items"]} == {
        ("value.approved", "failed", 2),
        ("status.changed", "failed", 2),
    }
    assert len(calls.calls) == 4
    status_call = next(json.loads(body) for _, body, _ in calls.calls if b"status.changed" in body)
    assert status_call["data"]["status"]["rag"] in {"green", "amber", "red", "data_only"}
    assert status_call["data"]["status"]["value"] == 64.2
    failed = await client.get(
        f"{API}/outbox/deliveries", headers=admin, params={"status": "failed", "channel": "webhook"}
    )
    assert failed.json()["total"] == 2


async def test_the_address_is_checked_again_at_delivery(
    client: AsyncClient,
    factory: Factory,
    admin: Headers,
    private_ok: Settings,
    receiver: tuple[Receiver, str],
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    calls, url = receiver
    hook = await subscribe(client, admin, url, ["value.approved"])
    await approve_one(client, factory)
    # The setting withdrawn (as a name that now resolves to a private address would be):
    # nothing is sent there.
    strict = Worker(sessionmaker, private_ok.model_copy(update={"webhooks_allow_private": False}))
    await strict.drain(now=datetime.now(UTC), scan=False)
    await strict.aclose()
    assert calls.calls == []
    [refused] = (await client.get(f"{WEBHOOKS}/{hook['id']}/deliveries", headers=admin)).json()[
        "items"
    ]
    assert refused["last_error"].startswith("refused: the URL must be https")


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://example.com/hook", "https"),
        ("https://127.0.0.1/hook", "loopback"),
        ("https://[::1]/hook", "loopback"),
        ("https://169.254.169.254/latest/meta-data", "link-local"),
        ("https://10.1.2.3/hook", "private"),
        ("https://192.168.0.10/hook", "private"),
        ("https://100.100.100.200/hook", "non-public"),
        ("https://[::ffff:127.0.0.1]/hook", "loopback"),
        ("https://localhost/hook", "loopback"),
        ("https://user:pw@example.com/hook", "credentials"),
        ("ftp://example.com/hook", "https"),
    ],
)
async def test_a_url_into_the_councils_network_is_refused(
    client: AsyncClient, admin: Headers, url: str, why: str
) -> None:
    response = await client.post(
        WEBHOOKS, json={"url": url, "events": ["value.approved"]}, headers=admin
    )
    [error] = assert_invalid(response, "url")
    assert why in error["msg"]
    assert (await client.get(WEBHOOKS, headers=admin)).json()["total"] == 0


async def test_subscriptions_are_for_admins_and_show_the_secret_once(
    client: AsyncClient, factory: Factory, admin: Headers, private_ok: Settings
) -> None:
    body: dict[str, Any] = {"url": "http://127.0.0.1:9/hook", "events": ["period.closed"]}
    assert_problem(await client.post(WEBHOOKS, json=body), 401)
    perf = (await person(factory, Role.PERFORMANCE_TEAM)).headers
    assert_problem(await client.post(WEBHOOKS, json=body, headers=perf), 403)
    assert_problem(await client.get(WEBHOOKS, headers=perf), 403)
    assert_invalid(
        await client.post(WEBHOOKS, json={**body, "events": ["value.deleted"]}, headers=admin),
        "events",
    )
    assert_invalid(
        await client.post(WEBHOOKS, json={**body, "events": []}, headers=admin), "events"
    )
    assert_invalid(
        await client.post(WEBHOOKS, json={**body, "secret": "x"}, headers=admin), "secret"
    )

    created = await subscribe(client, admin, "http://127.0.0.1:9/hook", ["period.closed"])
    one = await client.get(f"{WEBHOOKS}/{created['id']}", headers=admin)
    assert one.status_code == 200
    assert "secret" not in one.json()
    assert "secret" not in json.dumps((await client.get(WEBHOOKS, headers=admin)).json())

    stale = await client.patch(
        f"{WEBHOOKS}/{created['id']}",
        json={"is_active": False},
        headers={**admin, "If-Match": '"9"'},
    )
    assert_problem(stale, 412)
    paused = await client.patch(
        f"{WEBHOOKS}/{created['id']}",
        json={"is_active": False, "events": ["period.opened", "period.closed"]},
        headers={**admin, "If-Match": one.headers["ETag"]},
    )
    assert paused.status_code == 200, paused.text
    assert paused.json()["events"] == ["period.closed", "period.opened"]
    assert_invalid(
        await client.patch(
            f"{WEBHOOKS}/{created['id']}", json={"url": "ftp://x.example/"}, headers=admin
        ),
        "url",
    )
    deleted = await client.delete(f"{WEBHOOKS}/{created['id']}", headers=admin)
    assert deleted.status_code == 204
    assert_problem(await client.get(f"{WEBHOOKS}/{created['id']}", headers=admin), 404)
    assert_problem(await client.get(f"{WEBHOOKS}/{created['id']}/deliveries", headers=admin), 404)


async def test_period_and_target_events_reach_their_subscribers(
    client: AsyncClient,
    factory: Factory,
    admin: Headers,
    private_ok: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    await factory.financial_year(2026, open_all=False)
    perf = (await person(factory, Role.PERFORMANCE_TEAM)).headers
    await create_indicator(client, perf, "WH2")
    with http_receiver() as (calls, url):
        hook = await subscribe(client, admin, url, ["period.opened", "target.changed"])
        opened = await client.post(f"{API}/periods/2026-27-Q1/open", json={}, headers=perf)
        assert opened.status_code == 200, opened.text
        target = await client.put(
            f"{API}/indicators/WH2/targets/2026-27-Q1", json={"value": 80}, headers=perf
        )
        assert target.status_code in (200, 201), target.text
        worker = Worker(sessionmaker, private_ok)
        await worker.drain(now=datetime.now(UTC), scan=False)
        await worker.aclose()
    received = sorted(
        (message["type"], message["data"].get("code") or message["data"].get("indicator_code"))
        for message in (
            Verifier(hook["secret"]).verify(body, headers) for headers, body, _ in calls.calls
        )
    )
    assert received == [("period.opened", "2026-27-Q1"), ("target.changed", "WH2")]
