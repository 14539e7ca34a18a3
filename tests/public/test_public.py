"""The public transparency endpoints: no login, published indicators, approved figures only."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient, Response

from app.access.permissions import Role
from tests.factories import Factory
from tests.helpers import API, INDICATORS, Headers, assert_problem, person, seed_approved
from tests.indicators.helpers import (
    approved_value,
    create_indicator,
    save_value,
    set_target,
    status_of,
    step,
)

PUBLIC = f"{API}/public"
Q1, Q2, Q3, Q4 = (f"2025-26-Q{q}" for q in range(1, 5))

INDICATOR_KEYS = {
    "code",
    "title",
    "definition",
    "rationale",
    "data_source",
    "value_type",
    "unit",
    "decimal_places",
    "polarity",
    "frequency",
    "org_unit_code",
    "is_national",
}
POINT_KEYS = {"period", "value", "target", "target_band", "rag"}
ROW_KEYS = {
    "indicator_code",
    "title",
    "org_unit_code",
    "period",
    "value",
    "target",
    "target_band",
    "rag",
    "direction",
    "ytd",
    "complete",
    "as_at",
    "polarity",
    "value_type",
    "unit",
    "decimal_places",
}
INTERNAL = {
    "pending",
    "owner_id",
    "collector_ids",
    "commentary",
    "value_status",
    "comments",
    "tolerance",
    "status",
    "id",
    "benchmark",
}


@pytest.fixture
async def perf(factory: Factory) -> Headers:
    await factory.financial_year(2024)
    await factory.financial_year(2025)
    return (await person(factory, Role.PERFORMANCE_TEAM)).headers


@pytest.fixture
async def council(client: AsyncClient, factory: Factory, perf: Headers) -> Headers:
    """PUB1 public (approved Q1, Q2 last year; a revision in draft, a submitted Q2, a draft
    Q3), PUB2 public and monthly, SECRET not public, GONE public but retired."""
    head = (await person(factory, Role.HEAD_OF_SERVICE, "HOU")).headers
    await create_indicator(
        client,
        perf,
        "PUB1",
        is_public=True,
        definition="Share of cases closed within 20 days",
        owner_id=str(await factory.user(Role.STAFF, "HOU")),
    )
    await set_target(client, perf, "PUB1", Q1, value=80)
    await set_target(client, perf, "PUB1", Q2, value=80)
    await seed_approved(factory, "PUB1", {"2024-25-Q2": 70})
    await approved_value(client, head, perf, "PUB1", Q1, value=74, commentary="Staff shortages")
    await save_value(client, head, "PUB1", Q1, value=99, commentary="Draft revision")
    await save_value(client, head, "PUB1", Q2, value=85)
    assert (await step(client, head, "PUB1", Q2, "submit")).status_code == 200
    await save_value(client, head, "PUB1", Q3, value=88)
    commented = await client.post(
        f"{INDICATORS}/PUB1/comments",
        json={"body": "Why so low?", "period": Q1},
        headers=(await person(factory, Role.COUNCILLOR)).headers,
    )
    assert commented.status_code == 201, commented.text

    await create_indicator(
        client,
        perf,
        "PUB2",
        is_public=True,
        frequency="monthly",
        value_type="count",
        decimal_places=0,
        aggregation="sum",
        polarity="lower_is_better",
        org_unit_code="WST",
    )
    await seed_approved(factory, "PUB2", {"2025-04": 3, "2025-05": 4})

    await create_indicator(client, perf, "SECRET")
    await seed_approved(factory, "SECRET", {Q1: 60})

    await create_indicator(client, perf, "GONE", is_public=True)
    await seed_approved(factory, "GONE", {Q1: 60})
    assert (await client.delete(f"{INDICATORS}/GONE", headers=perf)).status_code == 200
    return perf


def fresh(response: Response) -> Any:
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "public, max-age=300"
    assert response.headers["etag"].startswith('"')
    return response.json()


async def test_the_list_needs_no_login_and_shows_only_public_active_indicators(
    client: AsyncClient, council: Headers
) -> None:
    page = fresh(await client.get(f"{PUBLIC}/indicators"))
    assert set(page) == {"items", "page", "page_size", "total"}
    assert [item["code"] for item in page["items"]] == ["PUB1", "PUB2"]
    assert page["total"] == 2
    first = page["items"][0]
    assert set(first) == INDICATOR_KEYS
    assert first["definition"] == "Share of cases closed within 20 days"
    assert first["org_unit_code"] == "HOU"
    second = fresh(await client.get(f"{PUBLIC}/indicators", params={"page": 2, "page_size": 1}))
    assert ([item["code"] for item in second["items"]], second["total"]) == (["PUB2"], 2)
    searched = fresh(await client.get(f"{PUBLIC}/indicators", params={"q": "pub2"}))
    assert [item["code"] for item in searched["items"]] == ["PUB2"]
    assert_problem(await client.get(f"{PUBLIC}/indicators", params={"page_size": 501}), 422)


async def test_one_indicator_with_its_approved_series(
    client: AsyncClient, council: Headers
) -> None:
    detail = fresh(await client.get(f"{PUBLIC}/indicators/PUB1"))
    assert set(detail) == INDICATOR_KEYS | {"series"}
    assert detail["series"] == [
        {
            "period": "2024-25-Q2",
            "value": 70,
            "target": None,
            "target_band": None,
            "rag": "data_only",
        },
        # The approved 74, not the draft revision of 99; Q2 (submitted) and Q3 (draft) absent.
        {"period": Q1, "value": 74, "target": 80, "target_band": None, "rag": "amber"},
    ]
    assert all(set(point) == POINT_KEYS for point in detail["series"])
    # The same rating the internal status gives.
    internal = await status_of(client, council, "PUB1", Q1)
    assert (internal["value"], internal["rag"]) == (74, "amber")
    this_year = fresh(
        await client.get(f"{PUBLIC}/indicators/PUB1", params={"financial_year": "2025-26"})
    )
    assert [point["period"] for point in this_year["series"]] == [Q1]
    monthly = fresh(await client.get(f"{PUBLIC}/indicators/PUB2"))
    assert [(p["period"], p["value"]) for p in monthly["series"]] == [
        ("2025-04", 3),
        ("2025-05", 4),
    ]


async def test_a_band_target_is_shown_as_a_band(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await create_indicator(client, perf, "BAND", is_public=True, polarity="within_range")
    await set_target(client, perf, "BAND", Q1, lower=40, upper=60)
    await seed_approved(factory, "BAND", {Q1: 65})
    detail = fresh(await client.get(f"{PUBLIC}/indicators/BAND"))
    assert detail["series"] == [
        {
            "period": Q1,
            "value": 65,
            "target": None,
            "target_band": {"lower": 40, "upper": 60},
            "rag": (await status_of(client, perf, "BAND", Q1))["rag"],
        }
    ]


@pytest.mark.parametrize("code", ["SECRET", "GONE", "NOPE"])
async def test_an_unpublished_retired_or_unknown_indicator_is_404(
    client: AsyncClient, council: Headers, code: str
) -> None:
    body = assert_problem(await client.get(f"{PUBLIC}/indicators/{code}"), 404)
    assert body["detail"] == f"No public indicator has the code {code!r}."


async def test_the_public_scorecard_has_approved_figures_and_no_internal_fields(
    client: AsyncClient, council: Headers
) -> None:
    card = fresh(await client.get(f"{PUBLIC}/scorecard", params={"period": Q1}))
    assert set(card) == {"period", "summary", "rows"}
    assert [row["indicator_code"] for row in card["rows"]] == ["PUB1", "PUB2"]
    for row in card["rows"]:
        assert set(row) == ROW_KEYS
        assert not INTERNAL & set(row)
    pub1, pub2 = card["rows"]
    assert (pub1["value"], pub1["target"], pub1["rag"]) == (74, 80, "amber")
    assert pub1["direction"] == {"vs_previous": "not_available", "vs_last_year": "not_available"}
    assert (pub2["value"], pub2["complete"]) == (7, False)
    assert card["summary"] == {"green": 0, "amber": 1, "red": 0, "data_only": 1, "missing": 0}

    q2 = fresh(await client.get(f"{PUBLIC}/scorecard", params={"period": Q2}))
    # PUB1's Q2 is only submitted: no value for the public.
    assert [(row["indicator_code"], row["value"]) for row in q2["rows"]] == [
        ("PUB1", None),
        ("PUB2", None),
    ]
    assert_problem(await client.get(f"{PUBLIC}/scorecard", params={"period": "2031-32-Q1"}), 404)
    assert_problem(await client.get(f"{PUBLIC}/scorecard"), 422)


async def test_no_internal_text_reaches_the_public(client: AsyncClient, council: Headers) -> None:
    for path, params in (
        ("indicators", {}),
        ("indicators/PUB1", {}),
        ("scorecard", {"period": Q1}),
    ):
        text = (await client.get(f"{PUBLIC}/{path}", params=params)).text
        for secret in ("Staff shortages", "Draft revision", "Why so low", "SECRET", "GONE", "99"):
            assert secret not in text, (path, secret)


async def test_a_token_is_neither_needed_nor_checked(client: AsyncClient, council: Headers) -> None:
    anonymous = await client.get(f"{PUBLIC}/indicators")
    garbage = await client.get(f"{PUBLIC}/indicators", headers={"Authorization": "Bearer nonsense"})
    signed_in = await client.get(f"{PUBLIC}/indicators", headers=council)
    assert anonymous.json() == garbage.json() == signed_in.json()


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("indicators", {}),
        ("indicators/PUB1", {}),
        ("scorecard", {"period": Q1}),
    ],
)
async def test_a_current_etag_gets_304_and_a_change_a_new_etag(
    client: AsyncClient,
    factory: Factory,
    council: Headers,
    path: str,
    params: dict[str, str],
) -> None:
    first = await client.get(f"{PUBLIC}/{path}", params=params)
    tag = first.headers["etag"]
    assert (await client.get(f"{PUBLIC}/{path}", params=params)).headers["etag"] == tag
    for if_none_match in (tag, f"W/{tag}", f'"other", {tag}', "*"):
        again = await client.get(
            f"{PUBLIC}/{path}", params=params, headers={"If-None-Match": if_none_match}
        )
        assert again.status_code == 304, if_none_match
        assert again.content == b""
        assert again.headers["etag"] == tag
        assert again.headers["cache-control"] == "public, max-age=300"
    stale = await client.get(f"{PUBLIC}/{path}", params=params, headers={"If-None-Match": '"x"'})
    assert stale.status_code == 200
    assert stale.json() == first.json()

    # A change to what is published changes the ETag.
    await client.patch(
        f"{INDICATORS}/PUB1", json={"title": "Cases closed within 20 days"}, headers=council
    )
    changed = await client.get(f"{PUBLIC}/{path}", params=params, headers={"If-None-Match": tag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != tag


async def test_public_scorecard_rows_say_as_at_which_part_and_never_show_a_pending_figure(
    client: AsyncClient, council: Headers
) -> None:
    card = fresh(await client.get(f"{PUBLIC}/scorecard", params={"period": Q1}))
    rows = {row["indicator_code"]: row for row in card["rows"]}
    # PUB2 is monthly with April and May approved: Q1 is read as at May.
    assert (rows["PUB2"]["as_at"], rows["PUB2"]["complete"]) == ("2025-05", False)
    assert (rows["PUB2"]["ytd"]["as_at"], rows["PUB2"]["ytd"]["complete"]) == ("2025-05", False)
    assert (rows["PUB1"]["as_at"], rows["PUB1"]["complete"]) == (Q1, True)

    # PUB1's Q2 is submitted, awaiting approval: those who may approve it see it pending, the
    # public sees neither the figure nor that it is pending.
    internal = await client.get(f"{API}/reports/scorecard", params={"period": Q2}, headers=council)
    assert internal.json()["rows"][0]["pending"]["value"] == 85
    q2 = fresh(await client.get(f"{PUBLIC}/scorecard", params={"period": Q2}))
    for row in q2["rows"]:
        assert "pending" not in row
        assert row["as_at"] == Q2
    assert "85" not in str(q2)
