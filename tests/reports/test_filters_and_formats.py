"""The scorecard's rag filter, the exception report as CSV, and the like-for-like fields
(as_at, complete, ytd.as_at, ytd.complete) wherever a report shows a status."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from httpx import AsyncClient
from openpyxl import load_workbook

from app.access.permissions import Role
from app.reports import rendering
from app.reports.schemas import OUTTURN_COLUMNS
from tests.factories import Factory
from tests.helpers import API, Headers, assert_invalid, person, seed_approved
from tests.indicators.helpers import create_indicator, save_value, set_target, step

SCORECARD = f"{API}/reports/scorecard"
EXCEPTIONS = f"{API}/reports/exceptions"
OUTTURN = f"{API}/reports/outturn"
Q1, Q2 = "2025-26-Q1", "2025-26-Q2"


@pytest.fixture
async def perf(factory: Factory) -> Headers:
    await factory.financial_year(2024)
    await factory.financial_year(2025)
    return (await person(factory, Role.PERFORMANCE_TEAM)).headers


async def rated(
    client: AsyncClient, factory: Factory, perf: Headers, code: str, value: float | None
) -> None:
    """A quarterly percentage with a Q1 target of 80 and, unless None, an approved Q1 value
    (81 green, 74 amber, 60 red)."""
    await create_indicator(client, perf, code)
    await set_target(client, perf, code, Q1, value=80)
    if value is not None:
        await seed_approved(factory, code, {Q1: value})


@pytest.fixture
async def card_of_each(client: AsyncClient, factory: Factory, perf: Headers) -> None:
    await rated(client, factory, perf, "G1", 81)
    await rated(client, factory, perf, "A1", 74)
    await rated(client, factory, perf, "R1", 60)
    await rated(client, factory, perf, "R2", 50)
    await rated(client, factory, perf, "M1", None)


async def get_card(client: AsyncClient, headers: Headers, **params: Any) -> dict[str, Any]:
    response = await client.get(SCORECARD, params={"period": Q1, **params}, headers=headers)
    assert response.status_code == 200, response.text
    card: dict[str, Any] = response.json()
    return card


def codes(card: dict[str, Any]) -> list[str]:
    return [row["indicator_code"] for row in card["rows"]]


# The scorecard's rag filter


@pytest.mark.usefixtures("card_of_each")
async def test_the_rag_filter_keeps_only_those_rows_and_the_summary_counts_the_rows_shown(
    client: AsyncClient, perf: Headers
) -> None:
    red = await get_card(client, perf, rag="red")
    assert codes(red) == ["R1", "R2"]
    assert red["summary"] | {"spend": None} == {
        "spend": None,
        "green": 0,
        "amber": 0,
        "red": 2,
        "data_only": 0,
        "missing": 0,
    }

    everything = await get_card(client, perf)
    for row in red["rows"]:
        assert row == next(
            r for r in everything["rows"] if r["indicator_code"] == row["indicator_code"]
        )


@pytest.mark.usefixtures("card_of_each")
async def test_the_rag_filter_may_be_repeated_or_a_comma_list(
    client: AsyncClient, perf: Headers
) -> None:
    repeated = await client.get(
        SCORECARD, params=[("period", Q1), ("rag", "red"), ("rag", "amber")], headers=perf
    )
    assert repeated.status_code == 200, repeated.text
    listed = await get_card(client, perf, rag="red, amber")
    assert codes(repeated.json()) == codes(listed) == ["A1", "R1", "R2"]
    assert listed["summary"] | {"spend": None} == {
        "spend": None,
        "green": 0,
        "amber": 1,
        "red": 2,
        "data_only": 0,
        "missing": 0,
    }
    assert codes(await get_card(client, perf, rag="missing,green")) == ["G1", "M1"]


@pytest.mark.usefixtures("card_of_each")
async def test_the_rag_filter_applies_to_the_csv_too(client: AsyncClient, perf: Headers) -> None:
    response = await client.get(
        SCORECARD, params={"period": Q1, "rag": "green", "format": "csv"}, headers=perf
    )
    assert response.status_code == 200, response.text
    lines = list(csv.DictReader(io.StringIO(response.text)))
    assert [line["indicator_code"] for line in lines] == ["G1"]


@pytest.mark.parametrize("rag", ["purple", "red,purple", "", ","])
async def test_an_unknown_rag_is_422_not_ignored(
    client: AsyncClient, perf: Headers, rag: str
) -> None:
    response = await client.get(SCORECARD, params={"period": Q1, "rag": rag}, headers=perf)
    assert_invalid(response, ["query", "rag"])


# The exception report as CSV


async def part_quarter_exception(client: AsyncClient, factory: Factory, perf: Headers) -> None:
    """MR1: monthly percentage, target 80 a month, April and May approved at 60 (red), June
    submitted at 90 and awaiting approval."""
    await create_indicator(client, perf, "MR1", frequency="monthly")
    for month in ("2025-04", "2025-05", "2025-06"):
        await set_target(client, perf, "MR1", month, value=80)
    await seed_approved(factory, "MR1", {"2025-04": 60, "2025-05": 60})
    head = (await person(factory, Role.HEAD_OF_SERVICE, "HOU")).headers
    assert (await save_value(client, head, "MR1", "2025-06", value=90)).status_code == 201
    assert (await step(client, head, "MR1", "2025-06", "submit")).status_code == 200


@pytest.mark.usefixtures("card_of_each")
async def test_the_exception_report_as_csv_has_the_rows_scalar_fields(
    client: AsyncClient, perf: Headers
) -> None:
    report = (await client.get(EXCEPTIONS, params={"period": Q1}, headers=perf)).json()
    response = await client.get(EXCEPTIONS, params={"period": Q1, "format": "csv"}, headers=perf)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert (
        response.headers["content-disposition"]
        == 'attachment; filename="exceptions-2025-26-Q1.csv"'
    )
    reader = csv.DictReader(io.StringIO(response.text))
    columns = reader.fieldnames or []
    assert columns == rendering.EXCEPTION_COLUMNS
    assert {"as_at", "complete", "previous_rag", "red_two_periods", "has_corrective_action"} <= set(
        columns
    )
    assert {"actions", "ytd_value", "direction_vs_previous", "pending_value"} <= set(columns)
    lines = list(reader)
    assert (
        [line["indicator_code"] for line in lines]
        == [row["indicator_code"] for row in report["rows"]]
        == ["R1", "R2", "A1"]
    )
    assert [line["rag"] for line in lines] == ["red", "red", "amber"]
    assert lines[0]["as_at"] == Q1


@pytest.mark.parametrize("fmt", ["xml", "xlsx", "html", "CSV"])
async def test_a_format_the_exception_report_does_not_offer_is_422(
    client: AsyncClient, perf: Headers, fmt: str
) -> None:
    response = await client.get(EXCEPTIONS, params={"period": Q1, "format": fmt}, headers=perf)
    assert_invalid(response, "format")


async def test_exception_rows_carry_the_like_for_like_fields_and_pending_for_approvers_only(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await part_quarter_exception(client, factory, perf)
    report = (await client.get(EXCEPTIONS, params={"period": Q1}, headers=perf)).json()
    [row] = report["rows"]
    assert (row["indicator_code"], row["rag"], row["value"]) == ("MR1", "red", 60)
    assert (row["as_at"], row["complete"]) == ("2025-05", False)
    assert (row["ytd"]["as_at"], row["ytd"]["complete"]) == ("2025-05", False)
    assert row["pending"] is None  # June is not this row's own period (a quarter)

    month = await client.get(EXCEPTIONS, params={"period": "2025-05"}, headers=perf)
    assert [r["indicator_code"] for r in month.json()["rows"]] == ["MR1"]
    councillor = (await person(factory, Role.COUNCILLOR)).headers
    june = await client.get(EXCEPTIONS, params={"period": "2025-06"}, headers=perf)
    # June has no approved figure: missing, not an exception; its pending figure is not a row.
    assert june.json()["rows"] == []
    for headers in (perf, councillor):
        card = await get_card(client, headers, period="2025-06")
        [mr1] = card["rows"]
        assert (mr1["pending"] is not None) is (headers is perf)

    csv_lines = list(
        csv.DictReader(
            io.StringIO(
                (
                    await client.get(
                        EXCEPTIONS, params={"period": Q1, "format": "csv"}, headers=perf
                    )
                ).text
            )
        )
    )
    assert [(line["as_at"], line["complete"]) for line in csv_lines] == [("2025-05", "false")]


async def test_the_scorecard_csv_carries_as_at_and_complete(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await part_quarter_exception(client, factory, perf)
    assert {"as_at", "complete"} <= set(rendering.SCORECARD_COLUMNS)
    response = await client.get(SCORECARD, params={"period": Q1, "format": "csv"}, headers=perf)
    [line] = list(csv.DictReader(io.StringIO(response.text)))
    assert (line["as_at"], line["complete"], line["rag"]) == ("2025-05", "false", "red")


# The outturn's as_at


async def test_the_outturn_says_as_at_which_period_in_json_csv_and_xlsx(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await create_indicator(client, perf, "PART")
    await set_target(client, perf, "PART", "2025-26", value=80)
    await seed_approved(factory, "PART", {Q1: 70, Q2: 80})
    await create_indicator(client, perf, "FULL", frequency="annual")
    await seed_approved(factory, "FULL", {"2025-26": 50})
    await create_indicator(client, perf, "NONE")

    report = (await client.get(OUTTURN, params={"year": "2025-26"}, headers=perf)).json()
    assert OUTTURN_COLUMNS.index("outturn_as_at") == OUTTURN_COLUMNS.index("outturn") + 1
    rows = {row["indicator_code"]: row for row in report["rows"]}
    assert (rows["PART"]["outturn"], rows["PART"]["outturn_as_at"]) == (75, Q2)
    assert rows["PART"]["outturn_complete"] is False
    assert (rows["FULL"]["outturn_as_at"], rows["FULL"]["outturn_complete"]) == ("2025-26", True)
    assert (rows["NONE"]["outturn"], rows["NONE"]["outturn_as_at"]) == (None, "2025-26")

    response = await client.get(OUTTURN, params={"year": "2025-26", "format": "csv"}, headers=perf)
    lines = {line["indicator_code"]: line for line in csv.DictReader(io.StringIO(response.text))}
    assert (lines["PART"]["outturn_as_at"], lines["PART"]["outturn_complete"]) == (Q2, "false")

    response = await client.get(OUTTURN, params={"year": "2025-26", "format": "xlsx"}, headers=perf)
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    cells = {
        row[0].value: dict(zip(OUTTURN_COLUMNS, row, strict=True))
        for row in sheet.iter_rows(min_row=2)
    }
    assert cells["PART"]["outturn_as_at"].value == Q2
    assert cells["PART"]["outturn_as_at"].data_type == "s"
