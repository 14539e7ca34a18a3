"""Indicators over HTTP: defining, finding, changing and retiring measures, and who may."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from httpx import AsyncClient

from app.access.permissions import Role
from tests.factories import Factory
from tests.helpers import INDICATORS, Headers, Person, assert_invalid, assert_problem, person
from tests.indicators.helpers import approved_value, create_indicator, indicator_body, set_target


@pytest.fixture
async def perf(factory: Factory) -> Headers:
    await factory.financial_year(2025)
    return (await person(factory, Role.PERFORMANCE_TEAM)).headers


async def codes(client: AsyncClient, headers: Headers, **params: Any) -> list[str]:
    response = await client.get(INDICATORS, params={"page_size": 500, **params}, headers=headers)
    assert response.status_code == 200, response.text
    return [item["code"] for item in response.json()["items"]]


# Create, read, list, update, retire


async def test_created_indicator_reads_back_with_its_location_and_etag(
    client: AsyncClient, perf: Headers
) -> None:
    response = await client.post(
        INDICATORS,
        json=indicator_body(
            "HS08",
            title="Homeless households helped",
            definition="Households prevented from becoming homeless",
            unit="%",
            is_key=True,
            is_public=True,
            amber_if_improving=True,
        ),
        headers=perf,
    )
    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"{INDICATORS}/HS08"
    assert response.headers["etag"] == '"1"'
    created = response.json()
    assert created == {
        **created,
        "code": "HS08",
        "title": "Homeless households helped",
        "definition": "Households prevented from becoming homeless",
        "value_type": "percentage",
        "unit": "%",
        "decimal_places": 1,
        "polarity": "higher_is_better",
        "frequency": "quarterly",
        "aggregation": "mean",
        "tolerance": {"unit": "percent", "green_within": 5, "amber_within": 10},
        "amber_if_improving": True,
        "org_unit_code": "HOU",
        "owner_id": None,
        "collector_ids": [],
        "is_key": True,
        "is_public": True,
        "status": "active",
        "retired_at": None,
    }

    read = await client.get(f"{INDICATORS}/HS08", headers=perf)
    assert read.status_code == 200
    assert read.headers["etag"] == '"1"'
    assert read.json() == created


async def test_unknown_indicator_is_404(client: AsyncClient, perf: Headers) -> None:
    assert_problem(await client.get(f"{INDICATORS}/NOPE", headers=perf), 404)


@pytest.mark.parametrize(
    ("value_type", "aggregation"),
    [("count", "sum"), ("currency", "sum"), ("percentage", "mean"), ("number", "mean")],
)
async def test_aggregation_defaults_to_sum_for_counts_and_money_else_mean(
    client: AsyncClient, perf: Headers, value_type: str, aggregation: str
) -> None:
    body = indicator_body("AG1", value_type=value_type, decimal_places=0)
    del body["aggregation"]
    response = await client.post(INDICATORS, json=body, headers=perf)
    assert response.status_code == 201, response.text
    assert response.json()["aggregation"] == aggregation


async def test_no_tolerance_means_the_council_default(client: AsyncClient, perf: Headers) -> None:
    created = await create_indicator(client, perf, "DF1", tolerance=None)
    assert created["tolerance"] is None


async def test_list_pages_in_code_order_with_the_total(client: AsyncClient, perf: Headers) -> None:
    for code in ("C03", "C01", "C05", "C02", "C04"):
        await create_indicator(client, perf, code)

    first = await client.get(INDICATORS, params={"page_size": 2}, headers=perf)
    assert first.status_code == 200
    assert {k: v for k, v in first.json().items() if k != "items"} == {
        "page": 1,
        "page_size": 2,
        "total": 5,
    }
    assert [i["code"] for i in first.json()["items"]] == ["C01", "C02"]
    third = (await client.get(INDICATORS, params={"page": 3, "page_size": 2}, headers=perf)).json()
    assert [i["code"] for i in third["items"]] == ["C05"]
    beyond = (await client.get(INDICATORS, params={"page": 4, "page_size": 2}, headers=perf)).json()
    assert (beyond["items"], beyond["total"]) == ([], 5)


@pytest.mark.parametrize("params", [{"page": 0}, {"page_size": 0}, {"page_size": 501}])
async def test_list_refuses_paging_out_of_range(
    client: AsyncClient, perf: Headers, params: dict[str, int]
) -> None:
    assert_invalid(await client.get(INDICATORS, params=params, headers=perf), *params)


async def test_list_by_org_unit_includes_the_units_below_it(
    client: AsyncClient, perf: Headers
) -> None:
    for code, unit in (
        ("U1", "HOU"),
        ("U2", "HOU-OPT"),
        ("U3", "ASC"),
        ("U4", "WST"),
        ("U5", "PEO"),
    ):
        await create_indicator(client, perf, code, org_unit_code=unit)

    assert await codes(client, perf, org_unit="PEO") == ["U1", "U2", "U3", "U5"]
    assert await codes(client, perf, org_unit="HOU") == ["U1", "U2"]
    assert await codes(client, perf, org_unit="HOU-OPT") == ["U2"]
    assert await codes(client, perf, org_unit="PLA") == ["U4"]
    assert await codes(client, perf, org_unit="DBC") == ["U1", "U2", "U3", "U4", "U5"]
    assert_problem(await client.get(INDICATORS, params={"org_unit": "NOPE"}, headers=perf), 404)


async def test_list_filters_by_polarity_frequency_key_public_and_status(
    client: AsyncClient, perf: Headers
) -> None:
    await create_indicator(client, perf, "F1", polarity="lower_is_better", is_key=True)
    await create_indicator(client, perf, "F2", frequency="monthly", is_public=True)
    await create_indicator(client, perf, "F3", polarity="none", frequency="annual", tolerance=None)
    await create_indicator(client, perf, "F4", is_key=True, is_public=True)
    retired = await client.patch(f"{INDICATORS}/F4", json={"status": "retired"}, headers=perf)
    assert retired.status_code == 200, retired.text

    assert await codes(client, perf, polarity="lower_is_better") == ["F1"]
    assert await codes(client, perf, polarity="higher_is_better") == ["F2", "F4"]
    assert await codes(client, perf, frequency="monthly") == ["F2"]
    assert await codes(client, perf, frequency="quarterly") == ["F1", "F4"]
    assert await codes(client, perf, is_key="true") == ["F1", "F4"]
    assert await codes(client, perf, is_key="false") == ["F2", "F3"]
    assert await codes(client, perf, is_public="true") == ["F2", "F4"]
    assert await codes(client, perf, status="retired") == ["F4"]
    assert await codes(client, perf, status="active") == ["F1", "F2", "F3"]
    assert await codes(client, perf, is_key="true", status="active") == ["F1"]
    assert_invalid(
        await client.get(INDICATORS, params={"polarity": "sideways"}, headers=perf), "polarity"
    )


async def test_search_matches_code_or_title_ignoring_case(
    client: AsyncClient, perf: Headers
) -> None:
    await create_indicator(client, perf, "HS08", title="Households in temporary accommodation")
    await create_indicator(client, perf, "WS01", title="Missed bin collections")
    await create_indicator(client, perf, "ASC2", title="Care home admissions (households)")

    assert await codes(client, perf, q="hs0") == ["HS08"]
    assert await codes(client, perf, q="HOUSEHOLD") == ["ASC2", "HS08"]
    assert await codes(client, perf, q="bin coll") == ["WS01"]
    assert await codes(client, perf, q="nothing like it") == []


async def test_search_takes_underscore_and_percent_literally(
    client: AsyncClient, perf: Headers
) -> None:
    await create_indicator(client, perf, "A_1", title="Underscored")
    await create_indicator(client, perf, "AB1", title="Plain")
    await create_indicator(client, perf, "P1", title="Satisfied 100% of the time")
    await create_indicator(client, perf, "P2", title="Satisfied 1000 times")

    assert await codes(client, perf, q="a_1") == ["A_1"]
    assert await codes(client, perf, q="100%") == ["P1"]


async def test_update_changes_only_the_fields_sent_and_moves_the_etag(
    client: AsyncClient, perf: Headers
) -> None:
    await create_indicator(client, perf, "UP1", definition="Old definition", is_key=True)
    response = await client.patch(
        f"{INDICATORS}/UP1",
        json={
            "title": "New title",
            "tolerance": {"unit": "absolute", "green_within": 1, "amber_within": 2.5},
            "org_unit_code": "ASC",
        },
        headers={**perf, "If-Match": '"1"'},
    )
    assert response.status_code == 200, response.text
    assert response.headers["etag"] == '"2"'
    updated = response.json()
    assert updated["title"] == "New title"
    assert updated["tolerance"] == {"unit": "absolute", "green_within": 1, "amber_within": 2.5}
    assert updated["org_unit_code"] == "ASC"
    assert (updated["definition"], updated["is_key"]) == ("Old definition", True)

    cleared = await client.patch(
        f"{INDICATORS}/UP1", json={"definition": None, "tolerance": None}, headers=perf
    )
    assert cleared.status_code == 200, cleared.text
    assert (cleared.json()["definition"], cleared.json()["tolerance"]) == (None, None)
    assert (await client.get(f"{INDICATORS}/UP1", headers=perf)).json() == cleared.json()


async def test_stale_if_match_on_update_is_412_and_changes_nothing(
    client: AsyncClient, perf: Headers
) -> None:
    await create_indicator(client, perf, "ET1")
    etag = (await client.get(f"{INDICATORS}/ET1", headers=perf)).headers["etag"]
    first = await client.patch(
        f"{INDICATORS}/ET1", json={"title": "First"}, headers={**perf, "If-Match": etag}
    )
    assert first.status_code == 200, first.text
    assert first.headers["etag"] != etag

    stale = await client.patch(
        f"{INDICATORS}/ET1", json={"title": "Second"}, headers={**perf, "If-Match": etag}
    )
    assert_problem(stale, 412)
    assert (await client.get(f"{INDICATORS}/ET1", headers=perf)).json()["title"] == "First"
    stale_delete = await client.delete(f"{INDICATORS}/ET1", headers={**perf, "If-Match": etag})
    assert_problem(stale_delete, 412)


async def test_changing_only_the_collectors_moves_the_etag(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    collector = await factory.user(Role.STAFF, "HOU")
    await create_indicator(client, perf, "ET2")
    response = await client.patch(
        f"{INDICATORS}/ET2",
        json={"collector_ids": [str(collector)]},
        headers={**perf, "If-Match": '"1"'},
    )
    assert response.status_code == 200, response.text
    assert response.json()["collector_ids"] == [str(collector)]
    assert response.headers["etag"] != '"1"'


async def test_owner_and_collectors_are_kept(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    owner = await factory.user(Role.HEAD_OF_SERVICE, "HOU")
    first, second = await factory.user(Role.STAFF, "HOU"), await factory.user(Role.STAFF, "HOU")
    created = await create_indicator(
        client,
        perf,
        "OW1",
        owner_id=str(owner),
        collector_ids=[str(first), str(second), str(first)],
    )
    assert created["owner_id"] == str(owner)
    assert sorted(created["collector_ids"]) == sorted([str(first), str(second)])

    response = await client.patch(
        f"{INDICATORS}/OW1", json={"owner_id": None, "collector_ids": []}, headers=perf
    )
    assert response.status_code == 200, response.text
    assert (response.json()["owner_id"], response.json()["collector_ids"]) == (None, [])


@pytest.mark.parametrize("field", ["owner_id", "collector_ids"])
async def test_owner_and_collectors_must_be_existing_users(
    client: AsyncClient, perf: Headers, field: str
) -> None:
    stranger = str(uuid.uuid4())
    value: Any = [stranger] if field == "collector_ids" else stranger
    response = await client.post(
        INDICATORS, json=indicator_body("US1", **{field: value}), headers=perf
    )
    assert_invalid(response, field)
    assert_problem(await client.get(f"{INDICATORS}/US1", headers=perf), 404)

    await create_indicator(client, perf, "US2")
    assert_invalid(
        await client.patch(f"{INDICATORS}/US2", json={field: value}, headers=perf), field
    )


async def test_indicator_with_values_is_retired_and_its_values_kept(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    head = (await person(factory, Role.HEAD_OF_SERVICE, "HOU")).headers
    await create_indicator(client, perf, "RT1")
    await approved_value(client, head, perf, "RT1", "2025-26-Q1", value=71.5)

    response = await client.delete(f"{INDICATORS}/RT1", headers=perf)
    assert response.status_code == 200, response.text
    retired = response.json()
    assert retired["status"] == "retired"
    assert retired["retired_at"] is not None

    assert (await client.get(f"{INDICATORS}/RT1", headers=perf)).json()["status"] == "retired"
    values = await client.get(f"{INDICATORS}/RT1/values", headers=perf)
    assert values.status_code == 200
    assert [(v["period"], v["value"]) for v in values.json()["items"]] == [("2025-26-Q1", 71.5)]


async def test_indicator_that_never_had_a_value_is_deleted(
    client: AsyncClient, perf: Headers
) -> None:
    await create_indicator(client, perf, "DL1")
    await set_target(client, perf, "DL1", "2025-26-Q1", value=80)

    response = await client.delete(f"{INDICATORS}/DL1", headers=perf)
    assert response.status_code == 204, response.text
    assert response.content == b""
    assert_problem(await client.get(f"{INDICATORS}/DL1", headers=perf), 404)
    assert_problem(await client.delete(f"{INDICATORS}/DL1", headers=perf), 404)
    # The code is free again.
    await create_indicator(client, perf, "DL1")


async def test_retired_indicator_can_be_made_active_again(
    client: AsyncClient, perf: Headers
) -> None:
    await create_indicator(client, perf, "RA1")
    retired = await client.patch(f"{INDICATORS}/RA1", json={"status": "retired"}, headers=perf)
    assert (retired.json()["status"], retired.json()["retired_at"] is not None) == (
        "retired",
        True,
    )
    active = await client.patch(f"{INDICATORS}/RA1", json={"status": "active"}, headers=perf)
    assert (active.json()["status"], active.json()["retired_at"]) == ("active", None)


@pytest.mark.parametrize(
    ("change", "value"), [("frequency", "monthly"), ("polarity", "lower_is_better")]
)
async def test_frequency_and_polarity_change_while_the_indicator_is_empty(
    client: AsyncClient, perf: Headers, change: str, value: str
) -> None:
    await create_indicator(client, perf, "SH0")
    response = await client.patch(f"{INDICATORS}/SH0", json={change: value}, headers=perf)
    assert response.status_code == 200, response.text
    assert response.json()[change] == value


@pytest.mark.parametrize(
    ("change", "value"), [("frequency", "monthly"), ("polarity", "lower_is_better")]
)
@pytest.mark.parametrize("holding", ["target", "value"])
async def test_frequency_and_polarity_change_refused_once_targets_or_values_exist(
    client: AsyncClient, factory: Factory, perf: Headers, change: str, value: str, holding: str
) -> None:
    await create_indicator(client, perf, "SH1")
    if holding == "target":
        await set_target(client, perf, "SH1", "2025-26-Q1", value=80)
    else:
        head = (await person(factory, Role.HEAD_OF_SERVICE, "HOU")).headers
        saved = await client.put(
            f"{INDICATORS}/SH1/values/2025-26-Q1", json={"value": 70}, headers=head
        )
        assert saved.status_code == 201, saved.text

    response = await client.patch(f"{INDICATORS}/SH1", json={change: value}, headers=perf)
    assert_problem(response, 409)
    read = (await client.get(f"{INDICATORS}/SH1", headers=perf)).json()
    assert (read["frequency"], read["polarity"]) == ("quarterly", "higher_is_better")
    # Sending the same value again is no change, and other fields still change.
    same = {"frequency": "quarterly", "polarity": "higher_is_better", "title": "Renamed"}
    unchanged = await client.patch(f"{INDICATORS}/SH1", json=same, headers=perf)
    assert unchanged.status_code == 200, unchanged.text


async def test_duplicate_code_is_409(client: AsyncClient, perf: Headers) -> None:
    await create_indicator(client, perf, "DUP1")
    response = await client.post(INDICATORS, json=indicator_body("DUP1"), headers=perf)
    assert_problem(response, 409)


# Bad input: 422 problem+json naming the field, never a 500


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("code", "-HS08"),
        ("code", "HS 08"),
        ("code", "HS/08"),
        ("code", ""),
        ("code", "X" * 33),
        ("code", 8),
        ("title", ""),
        ("decimal_places", 7),
        ("decimal_places", -1),
        ("decimal_places", 1.5),
        ("decimal_places", "two"),
        ("value_type", "furlongs"),
        ("polarity", "sideways"),
        ("frequency", "weekly"),
        ("aggregation", "median"),
        ("is_key", "perhaps"),
        ("owner_id", "not-a-uuid"),
        ("tolerance", {"unit": "percent", "green_within": 10, "amber_within": 5}),
        ("tolerance", {"unit": "percent", "green_within": -1, "amber_within": 5}),
        ("tolerance", {"unit": "percent", "green_within": "five", "amber_within": 10}),
        ("tolerance", {"unit": "percent", "green_within": "NaN", "amber_within": 10}),
        ("tolerance", {"unit": "percent", "green_within": "Infinity", "amber_within": 10}),
        ("tolerance", {"unit": "furlongs", "green_within": 5, "amber_within": 10}),
        ("tolerance", {"unit": "percent", "green_within": 5}),
        ("colour", "red"),
    ],
)
async def test_invalid_indicator_fields_are_422(
    client: AsyncClient, perf: Headers, field: str, value: Any
) -> None:
    body = {**indicator_body("BAD1"), field: value}
    response = await client.post(INDICATORS, json=body, headers=perf)
    assert_invalid(response, field)
    assert (await client.get(INDICATORS, headers=perf)).json()["total"] == 0


@pytest.mark.parametrize("missing", ["code", "title", "value_type", "polarity", "org_unit_code"])
async def test_required_indicator_fields_are_422(
    client: AsyncClient, perf: Headers, missing: str
) -> None:
    body = indicator_body("REQ1")
    del body[missing]
    assert_invalid(await client.post(INDICATORS, json=body, headers=perf), missing)


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
async def test_nan_and_infinity_literals_are_422(
    client: AsyncClient, perf: Headers, literal: str
) -> None:
    text = json.dumps(indicator_body("NAN1")).replace(
        '"green_within": 5', f'"green_within": {literal}'
    )
    assert literal in text
    response = await client.post(
        INDICATORS, content=text, headers={**perf, "Content-Type": "application/json"}
    )
    assert_invalid(response, "green_within")


async def test_malformed_json_is_400(client: AsyncClient, perf: Headers) -> None:
    response = await client.post(
        INDICATORS, content=b'{"code": ', headers={**perf, "Content-Type": "application/json"}
    )
    assert_problem(response, 400)


async def test_unknown_org_unit_is_422(client: AsyncClient, perf: Headers) -> None:
    response = await client.post(
        INDICATORS, json=indicator_body("OU1", org_unit_code="NOPE"), headers=perf
    )
    assert_invalid(response, "org_unit_code")
    await create_indicator(client, perf, "OU2")
    for code in ("NOPE", None):
        assert_invalid(
            await client.patch(f"{INDICATORS}/OU2", json={"org_unit_code": code}, headers=perf),
            "org_unit_code",
        )


async def test_invalid_update_fields_are_422(client: AsyncClient, perf: Headers) -> None:
    await create_indicator(client, perf, "UPB")
    for body in (
        {"colour": "red"},
        {"code": "NEW"},
        {"decimal_places": 9},
        {"status": "deleted"},
        {"tolerance": {"unit": "absolute", "green_within": 3, "amber_within": 2}},
    ):
        response = await client.patch(f"{INDICATORS}/UPB", json=body, headers=perf)
        assert_invalid(response, next(iter(body)))


# Who may


async def test_head_of_service_defines_indicators_in_their_service_and_below_only(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    head = (await person(factory, Role.HEAD_OF_SERVICE, "HOU")).headers
    await create_indicator(client, head, "HD1", org_unit_code="HOU")
    await create_indicator(client, head, "HD2", org_unit_code="HOU-OPT")
    for unit in ("WST", "PEO", "ASC"):
        refused = await client.post(
            INDICATORS, json=indicator_body("HD3", org_unit_code=unit), headers=head
        )
        assert_problem(refused, 403)

    # Nor may they change, move or retire one outside their scope.
    await create_indicator(client, perf, "WS1", org_unit_code="WST")
    assert_problem(await client.patch(f"{INDICATORS}/WS1", json={"title": "x"}, headers=head), 403)
    assert_problem(await client.delete(f"{INDICATORS}/WS1", headers=head), 403)
    moved = await client.patch(f"{INDICATORS}/HD1", json={"org_unit_code": "WST"}, headers=head)
    assert_problem(moved, 403)
    assert (await client.get(f"{INDICATORS}/HD1", headers=head)).json()["org_unit_code"] == "HOU"
    moved_down = await client.patch(
        f"{INDICATORS}/HD1", json={"org_unit_code": "HOU-OPT"}, headers=head
    )
    assert moved_down.status_code == 200, moved_down.text


async def test_staff_cannot_define_or_change_indicators(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    staff = (await person(factory, Role.STAFF, "HOU")).headers
    assert_problem(await client.post(INDICATORS, json=indicator_body("ST1"), headers=staff), 403)
    await create_indicator(client, perf, "ST2")
    assert_problem(await client.patch(f"{INDICATORS}/ST2", json={"title": "x"}, headers=staff), 403)
    assert_problem(await client.delete(f"{INDICATORS}/ST2", headers=staff), 403)
    assert (await client.get(f"{INDICATORS}/ST2", headers=staff)).status_code == 200


async def test_councillor_reads_indicators_but_cannot_define_them(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    councillor = (await person(factory, Role.COUNCILLOR)).headers
    await create_indicator(client, perf, "CL1")
    assert (await client.get(f"{INDICATORS}/CL1", headers=councillor)).status_code == 200
    assert await codes(client, councillor) == ["CL1"]
    assert_problem(
        await client.post(INDICATORS, json=indicator_body("CL2"), headers=councillor), 403
    )


async def test_anonymous_gets_401_everywhere(client: AsyncClient, perf: Headers) -> None:
    await create_indicator(client, perf, "AN1")
    for method, url, body in (
        ("GET", INDICATORS, None),
        ("POST", INDICATORS, indicator_body("AN2")),
        ("GET", f"{INDICATORS}/AN1", None),
        ("PATCH", f"{INDICATORS}/AN1", {"title": "x"}),
        ("DELETE", f"{INDICATORS}/AN1", None),
    ):
        response = await client.request(method, url, json=body)
        assert_problem(response, 401)
        assert response.headers["www-authenticate"] == "Bearer"


async def test_every_role_that_reads_sees_the_same_indicator(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await create_indicator(client, perf, "RD1", org_unit_code="WST")
    expected = (await client.get(f"{INDICATORS}/RD1", headers=perf)).json()
    readers: list[Person] = [
        await person(factory, Role.ADMIN),
        await person(factory, Role.DIRECTOR, "PEO"),
        await person(factory, Role.HEAD_OF_SERVICE, "HOU"),
        await person(factory, Role.STAFF, "ASC"),
        await person(factory, Role.AUDITOR),
        await person(factory, Role.COUNCILLOR),
    ]
    for reader in readers:
        response = await client.get(f"{INDICATORS}/RD1", headers=reader.headers)
        assert response.status_code == 200, response.text
        assert response.json() == expected
    nobody = await person(factory)
    assert_problem(await client.get(f"{INDICATORS}/RD1", headers=nobody.headers), 403)
