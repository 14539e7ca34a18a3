"""People are named by their full names wherever a response says who did something; machine
clients keep their client name."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient

from app.access.permissions import Role
from tests.cycle.helpers import AFTER_Q1_DUE, audit_events, frozen, save, set_target, step
from tests.factories import Factory
from tests.helpers import API, INDICATORS, bearer, create_indicator

Q1 = "2025-26-Q1"


def items(body: Any) -> list[dict[str, Any]]:
    """A list's items, paged or not (sub-lists are moving to the list envelope)."""
    found: list[dict[str, Any]] = body["items"] if isinstance(body, dict) else body
    return found


async def test_who_entered_approved_and_set_a_target_is_shown_by_full_name(
    client: AsyncClient, factory: Factory
) -> None:
    await factory.financial_year(2025)
    perf_id = await factory.user(
        Role.PERFORMANCE_TEAM, email="p.patel@council.gov.uk", full_name="Priya Patel"
    )
    head_id = await factory.user(
        Role.HEAD_OF_SERVICE, "HOU", email="h.hughes@council.gov.uk", full_name="Harriet Hughes"
    )
    admin = await factory.headers(Role.ADMIN)
    perf, head = bearer(factory, perf_id), bearer(factory, head_id)
    await create_indicator(client, perf, "HOU01")

    with frozen(AFTER_Q1_DUE):
        await set_target(client, perf, "HOU01", Q1, 80)
        await save(client, head, "HOU01", Q1, value=75)
        await step(client, head, "HOU01", Q1, "submit")
        approved = await step(client, perf, "HOU01", Q1, "approve")

    assert approved["entered_by_name"] == "Harriet Hughes"
    assert approved["decided_by_name"] == "Priya Patel"
    targets = items((await client.get(f"{INDICATORS}/HOU01/targets", headers=perf)).json())
    assert targets[0]["set_by_name"] == "Priya Patel"
    history = await client.get(f"{INDICATORS}/HOU01/targets/{Q1}/history", headers=perf)
    assert {h["changed_by_name"] for h in items(history.json())} == {"Priya Patel"}
    events = await audit_events(
        client, admin, entity_type="indicator_value", entity_id=f"HOU01/{Q1}"
    )
    assert {e["actor_name"] for e in events} == {"Harriet Hughes", "Priya Patel"}
    me = await client.get(f"{API}/me", headers=head)
    assert (me.json()["name"], me.json()["email"]) == ("Harriet Hughes", "h.hughes@council.gov.uk")
