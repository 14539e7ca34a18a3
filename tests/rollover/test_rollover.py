"""Year end: two years of figures rolled into a third. The dry run and the applied result agree,
targets follow the rule and the polarity, nothing set by hand is overwritten, and a second run
creates nothing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from httpx import AsyncClient

from tests.factories import Factory
from tests.helpers import (
    API,
    INDICATORS,
    Council,
    assert_invalid,
    assert_problem,
    audit_total,
    council,
    seed_approved,
)
from tests.indicators.helpers import create_indicator, set_target

ROLLOVER = f"{API}/financial-years/2026-27/rollover"
PLANS = f"{API}/plans"
MONTHS_2025 = [f"2025-{m:02d}" for m in range(4, 13)] + [f"2026-{m:02d}" for m in (1, 2, 3)]


def items(body: Any) -> list[Any]:
    """A list answer, bare or in the paged envelope."""
    return list(body["items"] if isinstance(body, dict) else body)


def without_ids(result: dict[str, Any]) -> dict[str, Any]:
    """The answer with what only the real run knows (the new plans' ids) left out."""
    plans = [
        {**row, "plan_id": None} if row["outcome"] == "created" else row for row in result["plans"]
    ]
    return {**result, "dry_run": None, "plans": plans}


class Framework:
    """Two years of a council's framework: 2024-26 corporate plan, a 2025-26 housing service
    plan, and indicators of every polarity with 2025-26 targets."""

    def __init__(self, people: Council, corporate: dict[str, Any], service: dict[str, Any]):
        self.people = people
        self.corporate = corporate
        self.service = service


@pytest.fixture
async def framework(client: AsyncClient, factory: Factory) -> Framework:
    for year in (2024, 2025, 2026):
        await factory.financial_year(year)
    people = await council(factory)
    perf = people.perf.headers
    # Higher is better, quarterly, with a floor; lower is better, monthly; a band; no data;
    # a retired one.
    await create_indicator(client, perf, "RO-UP", decimal_places=1)
    await create_indicator(
        client,
        perf,
        "RO-DOWN",
        value_type="count",
        decimal_places=0,
        frequency="monthly",
        polarity="lower_is_better",
        aggregation="sum",
    )
    await create_indicator(
        client,
        perf,
        "RO-BAND",
        value_type="number",
        decimal_places=1,
        polarity="within_range",
    )
    await create_indicator(client, perf, "RO-NONE")
    await create_indicator(client, perf, "RO-OLD")
    for quarter, value in zip((1, 2, 3, 4), (80, 81, 82, 83), strict=True):
        await set_target(
            client, perf, "RO-UP", f"2025-26-Q{quarter}", value=value, floor=70, reason="Plan"
        )
        await set_target(
            client, perf, "RO-BAND", f"2025-26-Q{quarter}", lower=10, upper=20, reason="Plan"
        )
    await set_target(client, perf, "RO-UP", "2025-26", value="81.5", reason="Plan")
    for month in MONTHS_2025:
        await set_target(client, perf, "RO-DOWN", month, value=50, reason="Plan")
    await set_target(client, perf, "RO-OLD", "2025-26-Q1", value=50, reason="Plan")
    # Set by hand for the new year before the rollover: never overwritten.
    await set_target(client, perf, "RO-UP", "2026-27-Q1", value=90, reason="Ambition")

    corporate = await _plan(
        client,
        perf,
        kind="corporate",
        title="Corporate Plan",
        org_unit_code="DBC",
        start_year=2024,
        end_year=2027,
    )
    priority = await _objective(client, perf, corporate["id"], title="Homes for all")
    service = await _plan(
        client,
        perf,
        kind="service",
        title="Housing Service Plan 2025-26",
        org_unit_code="HOU",
        financial_year="2025-26",
        owner_id=str(people.hos.id),
    )
    parent = await _objective(
        client,
        perf,
        service["id"],
        code="H1",
        title="Fewer families in B&B",
        serves_ids=[priority["id"]],
        indicator_codes=["RO-UP", "RO-OLD"],
    )
    await _objective(client, perf, service["id"], code="H1.1", title="Hub", parent_id=parent["id"])
    await seed_approved(factory, "RO-OLD", {"2025-26-Q1": 40})  # so it is retired, not deleted
    assert (await client.delete(f"{INDICATORS}/RO-OLD", headers=perf)).status_code in (200, 204)
    return Framework(people, corporate, service)


async def _plan(client: AsyncClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    response = await client.post(PLANS, json=body, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def _objective(
    client: AsyncClient, headers: dict[str, str], plan_id: str, **body: Any
) -> dict[str, Any]:
    response = await client.post(f"{PLANS}/{plan_id}/objectives", json=body, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def _by_key(result: dict[str, Any]) -> dict[tuple[str, str | None], dict[str, Any]]:
    return {(row["indicator_code"], row["period"]): row for row in result["targets"]}


async def test_the_dry_run_and_the_applied_rollover_agree_and_a_second_run_creates_nothing(
    client: AsyncClient, framework: Framework
) -> None:
    perf = framework.people.perf.headers
    body = {"from_year": "2025-26", "targets": "last_year_targets", "uplift_pct": 10}
    audit_before = await audit_total(client, framework.people.admin.headers)

    dry = await client.post(ROLLOVER, json=body, headers=perf)
    assert dry.status_code == 200, dry.text
    assert await audit_total(client, framework.people.admin.headers) == audit_before
    assert (
        await client.get(f"{INDICATORS}/RO-UP/targets/2026-27-Q2", headers=perf)
    ).status_code == 404

    applied = await client.post(ROLLOVER, json={**body, "dry_run": False}, headers=perf)
    assert applied.status_code == 200, applied.text
    assert without_ids(applied.json()) == without_ids(dry.json())
    result = applied.json()
    assert result["summary"] == {
        "periods_created": 0,
        "plans_created": 1,
        "plans_kept": 0,
        "plans_carried_on": 1,
        "plans_skipped": 0,
        "objectives_created": 2,
        # RO-UP: Q2-Q4 and the year (Q1 kept); RO-DOWN: 12 months; RO-BAND: 4 quarters
        "targets_created": 3 + 1 + 12 + 4,
        "targets_kept": 1,
        "targets_skipped": 2,  # RO-NONE has nothing to base it on, RO-OLD is retired
    }

    rows = _by_key(result)
    # Higher is better: up 10%, rounded to its one decimal place; the floor kept.
    assert (rows["RO-UP", "2026-27-Q2"]["value"], rows["RO-UP", "2026-27-Q2"]["floor"]) == (
        89.1,
        70,
    )
    assert rows["RO-UP", "2026-27"]["value"] == 89.7  # 81.5 x 1.1 = 89.65, half up
    # Lower is better: an uplift lowers it.
    assert rows["RO-DOWN", "2026-04"]["value"] == 45
    # A band is shifted by 10% of its midpoint (15), keeping its width.
    assert (rows["RO-BAND", "2026-27-Q3"]["lower"], rows["RO-BAND", "2026-27-Q3"]["upper"]) == (
        11.5,
        21.5,
    )
    # Set by hand: kept as it was.
    assert rows["RO-UP", "2026-27-Q1"]["outcome"] == "kept"
    assert rows["RO-UP", "2026-27-Q1"]["value"] == 90
    assert (rows["RO-NONE", None]["reason"], rows["RO-OLD", None]["reason"]) == (
        "no_data",
        "retired",
    )

    stored = await client.get(f"{INDICATORS}/RO-UP/targets/2026-27-Q2", headers=perf)
    assert stored.status_code == 200, stored.text
    assert Decimal(str(stored.json()["value"])) == Decimal("89.1")
    assert stored.json()["reason"] == "rolled over from 2025-26"
    hand = await client.get(f"{INDICATORS}/RO-UP/targets/2026-27-Q1", headers=perf)
    assert (hand.json()["value"], hand.json()["reason"]) == (90, "Ambition")
    history = await client.get(f"{INDICATORS}/RO-DOWN/targets/2026-05/history", headers=perf)
    [revision] = items(history.json())
    assert revision["reason"] == "rolled over from 2025-26"
    assert revision["changed_by_id"] == str(framework.people.perf.id)

    [copy] = [row for row in result["plans"] if row["outcome"] == "created"]
    plan = (await client.get(f"{PLANS}/{copy['plan_id']}", headers=perf)).json()
    assert (
        plan
        | {
            "title": "Housing Service Plan 2026-27",
            "financial_year": "2026-27",
            "status": "draft",
            "owner_id": str(framework.people.hos.id),
            "rolled_from_id": framework.service["id"],
        }
        == plan
    )
    objectives = items(
        (await client.get(f"{PLANS}/{copy['plan_id']}/objectives", headers=perf)).json()
    )
    by_code = {o["code"]: o for o in objectives}
    assert by_code["H1"]["indicator_codes"] == ["RO-UP"]  # the retired one does not carry on
    assert by_code["H1"]["serves_ids"] == [
        o["id"]
        for o in items(
            (
                await client.get(f"{PLANS}/{framework.corporate['id']}/objectives", headers=perf)
            ).json()
        )
    ]
    assert by_code["H1.1"]["parent_id"] == by_code["H1"]["id"]

    again = await client.post(ROLLOVER, json={**body, "dry_run": False}, headers=perf)
    assert again.status_code == 200, again.text
    summary = again.json()["summary"]
    assert (
        summary["plans_created"],
        summary["objectives_created"],
        summary["targets_created"],
    ) == (0, 0, 0)
    assert (summary["plans_kept"], summary["targets_kept"]) == (1, 21)


async def test_the_outturn_rule_proposes_last_years_figures_per_period_of_the_measure(
    client: AsyncClient, framework: Framework, factory: Factory
) -> None:
    perf = framework.people.perf.headers
    await seed_approved(factory, "RO-UP", {"2025-26-Q1": "78.4", "2025-26-Q2": "79.0"})
    await seed_approved(factory, "RO-DOWN", {"2025-04": 40})

    response = await client.post(
        ROLLOVER,
        json={"targets": "last_year_outturn", "uplift_pct": 5, "plans": False, "dry_run": False},
        headers=perf,
    )

    assert response.status_code == 200, response.text
    rows = _by_key(response.json())
    assert rows["RO-UP", "2026-27-Q1"]["outcome"] == "kept"
    assert (rows["RO-UP", "2026-27-Q2"]["value"], rows["RO-UP", "2026-27-Q2"]["floor"]) == (
        83.0,
        70,
    )
    assert rows["RO-UP", "2026-27-Q3"]["reason"] == "no_data"
    assert rows["RO-DOWN", "2026-04"]["value"] == 38  # 40 less 5%
    assert rows["RO-DOWN", "2026-05"]["outcome"] == "skipped"
    assert ("RO-UP", "2026-27") not in rows  # a quarterly measure's outturn is per quarter


async def test_rolling_over_from_a_year_with_nothing_to_roll_is_refused_and_creates_nothing(
    client: AsyncClient, framework: Framework
) -> None:
    admin = framework.people.admin.headers
    before = await audit_total(client, admin)

    for dry_run in (True, False):
        response = await client.post(
            f"{API}/financial-years/2027-28/rollover",
            json={"from_year": "2024-25", "dry_run": dry_run},
            headers=framework.people.perf.headers,
        )
        problem = assert_problem(response, 409)
        assert "nothing to roll over" in problem["detail"]

    assert await audit_total(client, admin) == before
    assert (await client.get(f"{API}/financial-years/2027-28", headers=admin)).status_code == 404


async def test_rolling_into_a_year_creates_its_periods(
    client: AsyncClient, framework: Framework
) -> None:
    perf = framework.people.perf.headers
    response = await client.post(
        f"{API}/financial-years/2027-28/rollover",
        json={"from_year": "2025-26", "dry_run": False},
        headers=perf,
    )

    assert response.status_code == 200, response.text
    assert response.json()["summary"]["periods_created"] == 17
    assert response.json()["plans"][0]["title"] == "Housing Service Plan 2027-28"
    year = await client.get(f"{API}/financial-years/2027-28", headers=perf)
    assert year.status_code == 200
    target = await client.get(f"{INDICATORS}/RO-DOWN/targets/2027-06", headers=perf)
    assert target.json()["value"] == 50


async def test_only_the_performance_team_or_an_admin_rolls_over(
    client: AsyncClient, framework: Framework
) -> None:
    for who in (framework.people.director, framework.people.hos, framework.people.councillor):
        assert_problem(await client.post(ROLLOVER, json={}, headers=who.headers), 403)
    assert_problem(await client.post(ROLLOVER, json={}), 401)
    response = await client.post(ROLLOVER, json={}, headers=framework.people.admin.headers)
    assert response.status_code == 200, response.text
    assert response.json()["dry_run"] is True


@pytest.mark.parametrize(
    ("url", "body", "loc"),
    [
        (ROLLOVER, {"targets": "best_guess"}, ["body", "targets"]),
        (ROLLOVER, {"uplift_pct": 500}, ["body", "uplift_pct"]),
        (ROLLOVER, {"from_year": "2026-27"}, ["body", "from_year"]),
        (ROLLOVER, {"from_year": "2025-27"}, ["body", "from_year"]),
        (ROLLOVER, {"dryrun": False}, ["body", "dryrun"]),
        (f"{API}/financial-years/2026-Q1/rollover", {}, ["path", "year"]),
    ],
)
async def test_a_bad_rollover_request_is_422_naming_the_field(
    client: AsyncClient, framework: Framework, url: str, body: dict[str, Any], loc: list[str]
) -> None:
    response = await client.post(url, json=body, headers=framework.people.perf.headers)

    assert_invalid(response, loc)
