"""GET /reports/outturn (JSON, CSV, XLSX) and GET /reports/scorecard?format=csv."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from httpx import AsyncClient, Response
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from sqlalchemy.ext.asyncio import AsyncEngine

from app.access.permissions import Role
from app.cli import openapi_document
from app.core import clock
from app.reports import outturn, rendering
from app.reports.schemas import OUTTURN_COLUMNS
from tests.factories import Factory
from tests.helpers import API, INDICATORS, Headers, assert_problem, person, seed_approved
from tests.indicators.helpers import approved_value, create_indicator, save_value, set_target, step
from tests.reports.test_scorecard import add_indicators, statements

OUTTURN = f"{API}/reports/outturn"
SCORECARD = f"{API}/reports/scorecard"
YEAR = "2025-26"
QUARTERS = [f"{YEAR}-Q{q}" for q in range(1, 5)]
LAST_QUARTERS = [f"2024-25-Q{q}" for q in range(1, 5)]
MONTHS = [
    "2025-04",
    "2025-05",
    "2025-06",
    "2025-07",
    "2025-08",
    "2025-09",
    "2025-10",
    "2025-11",
    "2025-12",
    "2026-01",
    "2026-02",
    "2026-03",
]


@pytest.fixture(autouse=True)
def after_year_end() -> Iterator[None]:
    """Mid-2026: the whole of 2025-26 is due, so a missing outturn is `missing`."""
    clock.freeze(datetime(2026, 6, 1, 12, tzinfo=UTC))
    yield
    clock.freeze(None)


@pytest.fixture
async def perf(factory: Factory) -> Headers:
    await factory.financial_year(2024)
    await factory.financial_year(2025)
    return (await person(factory, Role.PERFORMANCE_TEAM)).headers


async def get_outturn(
    client: AsyncClient, headers: Headers, *, fmt: str = "json", **params: Any
) -> Response:
    response = await client.get(
        OUTTURN, params={"year": YEAR, "format": fmt, **params}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response


async def outturn_json(client: AsyncClient, headers: Headers, **params: Any) -> dict[str, Any]:
    body: dict[str, Any] = (await get_outturn(client, headers, **params)).json()
    return body


def by_code(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["indicator_code"]: row for row in report["rows"]}


async def seed_council(client: AsyncClient, factory: Factory, perf: Headers) -> None:
    """A quarterly, a monthly, an annual and a banded measure with a year of approved figures."""
    # Quarterly percentage, higher is better, mean: outturn 81.0 against 80 -> green.
    await create_indicator(client, perf, "QTR", title="Quarterly satisfaction", is_key=True)
    await set_target(client, perf, "QTR", YEAR, value=80)
    await seed_approved(
        factory,
        "QTR",
        {**dict(zip(QUARTERS, (70, 80, 90, 84), strict=True)), **dict.fromkeys(LAST_QUARTERS, 75)},
    )
    # Monthly count, lower is better, sum: quarters 6, 15, 24, 33; outturn 78 against 70 ->
    # 11.4% over -> red; last year 12 x 7 = 84 -> improving.
    await create_indicator(
        client,
        perf,
        "MON",
        title="Missed bin collections",
        frequency="monthly",
        value_type="count",
        decimal_places=0,
        aggregation="sum",
        polarity="lower_is_better",
        org_unit_code="WST",
    )
    await set_target(client, perf, "MON", YEAR, value=70)
    await seed_approved(
        factory,
        "MON",
        {
            **{month: number for number, month in enumerate(MONTHS, start=1)},
            **{f"2024-{m:02d}": 7 for m in range(4, 13)},
            **{f"2025-{m:02d}": 7 for m in range(1, 4)},
        },
    )
    # Annual number: only the year.
    await create_indicator(
        client, perf, "ANN", frequency="annual", value_type="number", decimal_places=2
    )
    await set_target(client, perf, "ANN", YEAR, value=50)
    await seed_approved(factory, "ANN", {YEAR: "47.25", "2024-25": "49.5"})
    # Within a band, quarterly: the annual target is the band.
    await create_indicator(
        client, perf, "BND", polarity="within_range", value_type="number", tolerance=None
    )
    await set_target(client, perf, "BND", YEAR, lower=40, upper=60)
    await seed_approved(factory, "BND", {QUARTERS[0]: 50, QUARTERS[1]: 55})


# JSON


async def test_outturn_rows_for_quarterly_monthly_annual_and_banded_measures(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await seed_council(client, factory, perf)
    report = await outturn_json(client, perf)

    assert report["year"] == YEAR
    assert report["columns"] == OUTTURN_COLUMNS
    assert [row["indicator_code"] for row in report["rows"]] == ["ANN", "BND", "MON", "QTR"]
    assert all(list(row) == OUTTURN_COLUMNS for row in report["rows"])
    rows = by_code(report)
    assert rows["QTR"] == {
        "indicator_code": "QTR",
        "title": "Quarterly satisfaction",
        "org_unit_code": "HOU",
        "is_key": True,
        "frequency": "quarterly",
        "polarity": "higher_is_better",
        "value_type": "percentage",
        "unit": None,
        "decimal_places": 1,
        "q1": 70,
        "q2": 80,
        "q3": 90,
        "q4": 84,
        "outturn": 81,
        "outturn_as_at": YEAR,
        "outturn_complete": True,
        "annual_target": 80,
        "annual_target_lower": None,
        "annual_target_upper": None,
        "rag": "green",
        "last_year_outturn": 75,
        "direction_vs_last_year": "improving",
    }
    monthly = rows["MON"]
    assert [monthly[q] for q in ("q1", "q2", "q3", "q4")] == [6, 15, 24, 33]
    assert (monthly["outturn"], monthly["annual_target"], monthly["rag"]) == (78, 70, "red")
    assert (monthly["last_year_outturn"], monthly["direction_vs_last_year"]) == (84, "improving")
    assert monthly["org_unit_code"] == "WST"
    annual = rows["ANN"]
    assert [annual[q] for q in ("q1", "q2", "q3", "q4")] == [None] * 4
    # 2.75 short of 50 is 5.5%: amber with green within 5%, amber within 10%.
    assert (annual["outturn"], annual["annual_target"], annual["rag"]) == (47.25, 50, "amber")
    assert annual["direction_vs_last_year"] == "worsening"
    band = rows["BND"]
    assert (band["q1"], band["q2"], band["q3"], band["q4"]) == (50, 55, None, None)
    assert (band["outturn"], band["outturn_as_at"], band["outturn_complete"]) == (
        52.5,
        QUARTERS[1],
        False,
    )
    assert (band["annual_target"], band["annual_target_lower"], band["annual_target_upper"]) == (
        None,
        40,
        60,
    )
    assert band["rag"] == "green"


async def test_outturn_status_is_the_scorecards_status_for_the_year(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await seed_council(client, factory, perf)
    await create_indicator(client, perf, "NOV")  # no value at all: missing
    report = by_code(await outturn_json(client, perf))
    card = await client.get(SCORECARD, params={"period": YEAR}, headers=perf)
    for row in card.json()["rows"]:
        mine = report[row["indicator_code"]]
        assert (mine["outturn"], mine["annual_target"], mine["rag"], mine["outturn_as_at"]) == (
            row["value"],
            row["target"],
            row["rag"],
            row["as_at"],
        )
        assert mine["direction_vs_last_year"] == row["direction"]["vs_last_year"]
    assert report["NOV"]["rag"] == "missing"
    assert report["NOV"]["outturn_complete"] is False


async def test_the_quarter_of_a_monthly_measure_combines_its_months(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await create_indicator(
        client, perf, "RAT", frequency="monthly", aggregation="ratio", decimal_places=1
    )
    await seed_approved(
        factory,
        "RAT",
        {"2025-04": (50, 5, 10), "2025-05": (75, 30, 40), "2025-07": (100, 10, 10)},
    )
    row = by_code(await outturn_json(client, perf))["RAT"]
    # Q1: (5 + 30) / (10 + 40) = 70.0%; the year so far: 45 / 60 = 75.0%.
    assert (row["q1"], row["q2"], row["q3"], row["outturn"]) == (70, 100, None, 75)
    assert row["outturn_complete"] is False
    assert row["rag"] == "data_only"  # no target


async def test_drafts_and_unapproved_revisions_never_appear(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    head = (await person(factory, Role.HEAD_OF_SERVICE, "HOU")).headers
    await create_indicator(client, perf, "DRF")
    await approved_value(client, head, perf, "DRF", QUARTERS[0], value=70)
    await save_value(client, head, "DRF", QUARTERS[0], value=99)  # a revision, in draft
    await save_value(client, head, "DRF", QUARTERS[1], value=85)
    assert (await step(client, head, "DRF", QUARTERS[1], "submit")).status_code == 200
    await save_value(client, head, "DRF", QUARTERS[2], value=88)  # a draft

    row = by_code(await outturn_json(client, perf))["DRF"]
    assert (row["q1"], row["q2"], row["q3"], row["q4"], row["outturn"]) == (
        70,
        None,
        None,
        None,
        70,
    )
    text = (await get_outturn(client, perf, fmt="csv")).text
    assert "99" not in text
    assert "85" not in text
    assert "88" not in text


async def test_outturn_takes_the_scorecard_filters_and_leaves_retired_measures_out(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await seed_council(client, factory, perf)
    await create_indicator(client, perf, "OLD")
    await seed_approved(factory, "OLD", {QUARTERS[0]: 60})
    assert (await client.delete(f"{INDICATORS}/OLD", headers=perf)).status_code == 200

    codes = [row["indicator_code"] for row in (await outturn_json(client, perf))["rows"]]
    assert codes == ["ANN", "BND", "MON", "QTR"]
    placed = await outturn_json(client, perf, org_unit="PLA")
    assert [row["indicator_code"] for row in placed["rows"]] == ["MON"]
    key = await outturn_json(client, perf, is_key="true")
    assert [row["indicator_code"] for row in key["rows"]] == ["QTR"]


async def test_an_empty_outturn(client: AsyncClient, perf: Headers) -> None:
    assert await outturn_json(client, perf) == {
        "year": YEAR,
        "columns": OUTTURN_COLUMNS,
        "rows": [],
    }
    text = (await get_outturn(client, perf, fmt="csv")).text
    assert text == ",".join(OUTTURN_COLUMNS) + "\r\n"


async def test_the_year_must_be_a_financial_year_that_exists(
    client: AsyncClient, perf: Headers
) -> None:
    for year in ("2025-26-Q1", "2025-04", "2025-27", "last year", "2010-11"):
        response = await client.get(OUTTURN, params={"year": year}, headers=perf)
        assert_problem(response, 422)
    for fmt in ("csv", "xlsx", "json"):
        response = await client.get(
            OUTTURN, params={"year": "2031-32", "format": fmt}, headers=perf
        )
        assert_problem(response, 404)
    assert_problem(await client.get(OUTTURN, headers=perf), 422)
    bad_format = await client.get(OUTTURN, params={"year": YEAR, "format": "pdf"}, headers=perf)
    assert_problem(bad_format, 422)
    unknown_unit = await client.get(
        OUTTURN, params={"year": YEAR, "format": "csv", "org_unit": "NOPE"}, headers=perf
    )
    assert_problem(unknown_unit, 404)


# CSV


def parse_csv(response: Response) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(response.text))
    assert reader.fieldnames == OUTTURN_COLUMNS
    return list(reader)


def as_csv(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


async def test_csv_rows_parse_back_and_match_the_json(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await seed_council(client, factory, perf)
    response = await get_outturn(client, perf, fmt="csv")
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="outturn-2025-26.csv"'
    rows = parse_csv(response)
    report = await outturn_json(client, perf)
    assert len(rows) == len(report["rows"]) == 4
    for line, row in zip(rows, report["rows"], strict=True):
        for column in OUTTURN_COLUMNS:
            value = row[column]
            if isinstance(value, int | float) and not isinstance(value, bool):
                assert Decimal(line[column]) == Decimal(str(value)), column
            else:
                assert line[column] == as_csv(value), column
    # Exact to the indicator's decimal places, never a binary float.
    assert by_line(rows)["QTR"]["outturn"] == "81.0"
    assert by_line(rows)["ANN"]["outturn"] == "47.25"


def by_line(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {row["indicator_code"]: row for row in rows}


async def test_text_a_spreadsheet_would_run_is_defused(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await create_indicator(client, perf, "INJ", title='=HYPERLINK("http://evil","x")')
    await seed_approved(factory, "INJ", {QUARTERS[0]: 70})
    lines = parse_csv(await get_outturn(client, perf, fmt="csv"))
    assert lines[0]["title"] == '\'=HYPERLINK("http://evil","x")'
    book = load_workbook(io.BytesIO((await get_outturn(client, perf, fmt="xlsx")).content))
    sheet = book.active
    assert sheet is not None
    assert sheet["B2"].value == '=HYPERLINK("http://evil","x")'
    assert sheet["B2"].data_type == "s"


# XLSX


async def test_the_xlsx_outturn_is_ready_for_people(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    """Numbers as numbers in their value type's format (per cent, pounds), headings and codes
    in words, RAG filled and worded, a filter, frozen heading and code, and print setup."""
    await seed_council(client, factory, perf)
    await create_indicator(
        client, perf, "GBP", frequency="annual", value_type="currency", decimal_places=2
    )
    await set_target(client, perf, "GBP", "2025-26", value=1000)
    await seed_approved(factory, "GBP", {"2025-26": 1250})
    response = await get_outturn(client, perf, fmt="xlsx")
    assert response.headers["content-type"] == rendering.XLSX_MEDIA_TYPE
    assert response.headers["content-disposition"] == 'attachment; filename="outturn-2025-26.xlsx"'
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.active
    assert sheet is not None
    assert sheet.title == "Outturn 2025-26"
    assert sheet.freeze_panes == "B2"  # the heading row and the code column
    header = [cell.value for cell in sheet[1]]
    assert header[:3] == ["Code", "Measure", "Org unit"]
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.column_dimensions["B"].width == 48
    assert sheet.auto_filter.ref == f"A1:{get_column_letter(len(OUTTURN_COLUMNS))}{sheet.max_row}"
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.fitToWidth == 1
    fit = sheet.sheet_properties.pageSetUpPr
    assert fit is not None
    assert fit.fitToPage is True
    assert sheet.print_title_rows == "$1:$1"
    rows = {
        row[0].value: dict(zip(OUTTURN_COLUMNS, row, strict=True))
        for row in sheet.iter_rows(min_row=2)
    }
    assert list(rows) == ["ANN", "BND", "GBP", "MON", "QTR"]
    qtr, mon, ann, gbp = rows["QTR"], rows["MON"], rows["ANN"], rows["GBP"]
    # A percentage is a fraction shown as per cent: 81.0% is 0.81.
    assert [qtr[q].value for q in ("q1", "q2", "q3", "q4", "outturn")] == pytest.approx(
        [0.70, 0.80, 0.90, 0.84, 0.81]
    )
    assert qtr["outturn"].number_format == "#,##0.0%"
    assert gbp["outturn"].value == 1250
    assert gbp["outturn"].number_format == '"\u00a3"#,##0.00'
    assert mon["outturn"].value == 78
    assert mon["outturn"].number_format == "#,##0"
    assert ann["outturn"].value == pytest.approx(47.25)
    assert ann["outturn"].number_format == "#,##0.00"
    assert ann["q1"].value is None
    assert (qtr["rag"].value, qtr["direction_vs_last_year"].value) == ("Green", "Improving")
    assert qtr["rag"].fill.fgColor.rgb.endswith("007F3B")
    assert qtr["polarity"].value == "Higher is better"
    assert qtr["is_key"].value == "Yes"


def _same_file(one: bytes, other: bytes) -> bool:
    """The same CSV, or the same workbook: every part of the XLSX alike but the save time
    openpyxl writes into its properties (``docProps/core.xml``)."""
    if not one.startswith(b"PK"):
        return one == other

    def parts(content: bytes) -> dict[str, bytes]:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return {
                name: archive.read(name)
                for name in archive.namelist()
                if name != "docProps/core.xml"
            }

    return parts(one) == parts(other)


async def test_the_csv_and_xlsx_outturns_have_operations_of_their_own(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    """`/reports/outturn.csv` and `.xlsx` answer what `?format=` does, each in one media type
    (a generated client reads one typed answer per operation)."""
    await seed_council(client, factory, perf)
    for fmt in ("csv", "xlsx"):
        chosen = await get_outturn(client, perf, fmt=fmt, org_unit="HOU")
        own = await client.get(
            f"{OUTTURN}.{fmt}", params={"year": YEAR, "org_unit": "HOU"}, headers=perf
        )
        assert own.status_code == 200, own.text
        assert own.headers["content-type"] == chosen.headers["content-type"]
        assert own.headers["content-disposition"] == chosen.headers["content-disposition"]
        assert _same_file(own.content, chosen.content)
        assert_problem(
            await client.get(f"{OUTTURN}.{fmt}", params={"year": "2031-32"}, headers=perf), 404
        )
        assert_problem(
            await client.get(
                f"{OUTTURN}.{fmt}", params={"year": YEAR, "format": fmt}, headers=perf
            ),
            422,
        )
        assert_problem(await client.get(f"{OUTTURN}.{fmt}", params={"year": YEAR}), 401)


async def test_who_may_export_the_outturn(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await seed_council(client, factory, perf)
    for role, unit in ((Role.COUNCILLOR, None), (Role.STAFF, "HOU"), (Role.AUDITOR, None)):
        reader = (await person(factory, role, unit)).headers
        for fmt in ("json", "csv", "xlsx"):
            await get_outturn(client, reader, fmt=fmt)
    admin = await factory.headers(Role.ADMIN)
    registered = await client.post(
        f"{API}/api-clients",
        json={"name": "Reporting tool", "scopes": ["reports:read"], "org_unit_codes": ["HOU"]},
        headers=admin,
    )
    assert registered.status_code == 201, registered.text
    token = await client.post(
        f"{API}/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": registered.json()["client_id"],
            "client_secret": registered.json()["client_secret"],
        },
    )
    machine = {"Authorization": f"Bearer {token.json()['access_token']}"}
    assert len(parse_csv(await get_outturn(client, machine, fmt="csv"))) == 4

    nobody = (await person(factory)).headers
    assert_problem(await client.get(OUTTURN, params={"year": YEAR}, headers=nobody), 403)
    for fmt in ("json", "csv", "xlsx"):
        anonymous = await client.get(OUTTURN, params={"year": YEAR, "format": fmt})
        assert_problem(anonymous, 401)
        assert anonymous.headers["www-authenticate"] == "Bearer"


# A fixed number of statements per chunk, however many indicators


async def test_the_csv_export_runs_a_fixed_number_of_statements_per_chunk(
    client: AsyncClient,
    factory: Factory,
    perf: Headers,
    engine: AsyncEngine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def count(chunk_size: int) -> tuple[int, int]:
        monkeypatch.setattr(outturn, "CHUNK_SIZE", chunk_size)
        with statements(engine) as seen:
            response = await get_outturn(client, perf, fmt="csv")
        return len(seen), len(parse_csv(response))

    await add_indicators(factory, 0, 10)
    few, few_rows = await count(500)
    one_chunk, _ = await count(50)
    two_chunks, _ = await count(5)  # 9 active indicators: 5 + 4
    await add_indicators(factory, 10, 200)
    many, many_rows = await count(500)
    four_chunks, _ = await count(50)  # 172 active: 50 + 50 + 50 + 22

    assert (few_rows, many_rows) == (9, 172)  # every seventh is retired and left out
    assert many == few == one_chunk
    per_chunk = two_chunks - one_chunk
    assert 0 < per_chunk <= 3
    assert four_chunks == one_chunk + 3 * per_chunk


# The scorecard as CSV


async def test_the_scorecard_as_csv_has_the_rows_scalar_fields(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await seed_council(client, factory, perf)
    params = {"period": QUARTERS[0]}
    card = (await client.get(SCORECARD, params=params, headers=perf)).json()
    response = await client.get(SCORECARD, params={**params, "format": "csv"}, headers=perf)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert (
        response.headers["content-disposition"] == 'attachment; filename="scorecard-2025-26-Q1.csv"'
    )
    reader = csv.DictReader(io.StringIO(response.text))
    core = [
        "indicator_code",
        "title",
        "org_unit_code",
        "period",
        "value",
        "target",
        "floor",
        "rag",
        "shortfall",
        "shortfall_pct",
        "value_status",
        "complete",
        "commentary",
        "polarity",
        "value_type",
        "unit",
        "decimal_places",
        "is_key",
    ]
    columns = reader.fieldnames or []
    assert columns == rendering.SCORECARD_COLUMNS
    assert [column for column in columns if column in core] == core
    # Every field: nested objects flattened under their names, lists as JSON.
    assert {
        "target_band_lower",
        "target_band_upper",
        "direction_vs_previous",
        "direction_vs_last_year",
        "ytd_value",
        "ytd_target",
        "ytd_rag",
        "ytd_as_at",
        "forecast_value",
        "forecast_method",
        "benchmark_quartile",
        "comments",
    } <= set(columns)
    scalars = [c for c in columns if c in card["rows"][0] and c != "comments"]
    lines = list(reader)
    assert [line["indicator_code"] for line in lines] == [
        row["indicator_code"] for row in card["rows"]
    ]
    for line, row in zip(lines, card["rows"], strict=True):
        assert line["direction_vs_previous"] == row["direction"]["vs_previous"]
        assert line["ytd_as_at"] == row["ytd"]["as_at"]
        for column in scalars:
            value = row[column]
            if isinstance(value, int | float) and not isinstance(value, bool):
                assert Decimal(line[column]) == Decimal(str(value)), column
            else:
                assert line[column] == as_csv(value), column
    councillor = (await person(factory, Role.COUNCILLOR)).headers
    response = await client.get(SCORECARD, params={**params, "format": "csv"}, headers=councillor)
    assert response.status_code == 200
    assert_problem(await client.get(SCORECARD, params={**params, "format": "csv"}), 401)
    assert_problem(
        await client.get(SCORECARD, params={**params, "format": "xml"}, headers=perf), 422
    )


def test_the_openapi_document_keeps_the_scorecard_json_and_names_the_csv() -> None:
    operation = openapi_document()["paths"]["/api/v1/reports/scorecard"]["get"]
    content = operation["responses"]["200"]["content"]
    assert content["application/json"]["schema"] == {"$ref": "#/components/schemas/Scorecard"}
    assert "text/csv" in content
    formats = [p for p in operation["parameters"] if p["name"] == "format"]
    assert formats
    assert formats[0]["in"] == "query"
    outturn_op = openapi_document()["paths"]["/api/v1/reports/outturn"]["get"]
    outturn_content = outturn_op["responses"]["200"]["content"]
    assert outturn_content["application/json"]["schema"] == {
        "$ref": "#/components/schemas/OutturnReport"
    }
    assert {"text/csv", rendering.XLSX_MEDIA_TYPE} <= set(outturn_content)


async def test_the_year_whose_predecessor_has_no_code_of_its_own_still_exports(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    # 2011-12 also reads as December 2011, so it is never a period code; 2012-13 has no
    # last year to compare with.
    await factory.financial_year(2012)
    await create_indicator(client, perf, "OLD1")
    await seed_approved(factory, "OLD1", {"2012-13-Q1": 50})
    response = await client.get(OUTTURN, params={"year": "2012-13"}, headers=perf)
    assert response.status_code == 200, response.text
    row = response.json()["rows"][0]
    assert (row["q1"], row["last_year_outturn"], row["direction_vs_last_year"]) == (
        50,
        None,
        "not_available",
    )


async def test_the_xlsx_scorecard_is_ready_for_people(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await create_indicator(client, perf, "PCT", value_type="percentage", decimal_places=1)
    await set_target(client, perf, "PCT", "2025-26-Q1", value=80)
    await seed_approved(factory, "PCT", {"2025-26-Q1": "66.4"})
    response = await client.get(
        f"{API}/reports/scorecard", params={"period": "2025-26-Q1", "format": "xlsx"}, headers=perf
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == rendering.XLSX_MEDIA_TYPE
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    header = [cell.value for cell in sheet[1]]
    row = dict(zip(header, sheet[2], strict=True))
    assert row["Code"].value == "PCT"
    assert row["Value"].value == pytest.approx(0.664)
    assert row["Value"].number_format == "#,##0.0%"
    assert row["Short by"].value == pytest.approx(13.6)
    assert row["Short by"].number_format == '#,##0.0" pts"'
    assert row["RAG"].value == "Red"
    assert sheet.freeze_panes == "B2"
    assert sheet.auto_filter.ref == f"A1:{get_column_letter(len(header))}2"
    assert sheet.page_setup.orientation == "landscape"
