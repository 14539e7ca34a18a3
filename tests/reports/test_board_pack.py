"""GET /reports/board-pack: the printable Performance Board report, as HTML."""

from __future__ import annotations

import re
from typing import Any

from httpx import AsyncClient, Response
from sqlalchemy import event, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from app.access.permissions import Role
from app.core.db import unit_of_work
from app.indicators.models import Indicator, IndicatorValue
from app.status.cache import StatusCache
from tests.factories import Factory
from tests.helpers import API, Headers, assert_invalid, assert_problem, person, seed_approved
from tests.indicators.helpers import create_indicator, set_target

BOARD_PACK = f"{API}/reports/board-pack"
Q1 = "2025-26-Q1"
MONTHS = [f"2024-{m:02d}" for m in range(4, 13)] + [f"2025-{m:02d}" for m in range(1, 7)]


async def pack(client: AsyncClient, headers: Headers, **params: Any) -> str:
    response = await board_pack(client, headers, **params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    return response.text


async def board_pack(client: AsyncClient, headers: Headers | None, **params: Any) -> Response:
    return await client.get(
        BOARD_PACK, params={"period": Q1, "format": "html", **params}, headers=headers
    )


def section(html: str, name: str) -> str:
    """The HTML of one <section id=...>."""
    match = re.search(rf'<section id="{name}".*?</section>', html, flags=re.DOTALL)
    assert match is not None, name
    return match.group(0)


async def council(client: AsyncClient, factory: Factory, perf: Headers) -> None:
    """Green, amber and red measures, one key measure with a long monthly series, one in WST."""
    await create_indicator(
        client,
        perf,
        "KEY1",
        title="Homelessness <prevented> & relieved",
        frequency="monthly",
        value_type="count",
        decimal_places=0,
        aggregation="sum",
        is_key=True,
    )
    await seed_approved(factory, "KEY1", {month: 40 + (i % 3) for i, month in enumerate(MONTHS)})
    await set_target(client, perf, "KEY1", Q1, value=120)
    for code, value, extra in (
        ("GRN", 81, {}),
        ("AMB", 74, {"org_unit_code": "WST"}),
        ("RED", 60, {"is_key": True}),
    ):
        await create_indicator(client, perf, code, **extra)
        await set_target(client, perf, code, Q1, value=80)
        await seed_approved(factory, code, {Q1: value})
    await set_commentary(factory, "RED", "Staff <b>shortages</b> in June")
    response = await client.post(
        f"{API}/actions",
        json={
            "title": "Recruit two & train <agency> staff",
            "org_unit_code": "HOU",
            "start_date": "2025-07-01",
            "due_date": "2025-09-30",
            "indicator_code": "RED",
            "period": Q1,
        },
        headers=perf,
    )
    assert response.status_code == 201, response.text


async def set_commentary(factory: Factory, code: str, commentary: str) -> None:
    """The approved commentary of the code's Q1 value."""
    async with unit_of_work(factory.sessionmaker) as session:
        indicator_id = await session.scalar(select(Indicator.id).where(Indicator.code == code))
        await session.execute(
            update(IndicatorValue)
            .where(IndicatorValue.indicator_id == indicator_id)
            .values(approved_commentary=commentary, commentary=commentary)
        )


async def test_the_board_pack_has_each_section(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await council(client, factory, perf)
    html = await pack(client, perf)

    assert html.startswith("<!DOCTYPE html>")
    assert "<title>Performance Board report: 2025-26-Q1</title>" in html
    assert "Board meeting" in html

    summary = section(html, "summary")
    counts = re.findall(r'<td class="number">(\d+)</td>', summary.split("</table>")[0])
    assert counts == ["2", "1", "1", "0", "0", "4"]  # green, amber, red, data only, missing, all
    measures = section(html, "measures")
    for code in ("KEY1", "GRN", "AMB", "RED"):
        assert f"<td>{code}</td>" in measures

    exceptions = section(html, "exceptions")
    assert "1 red and 1 amber" in exceptions
    assert exceptions.index("RED") < exceptions.index("AMB")  # red first
    assert "Staff &lt;b&gt;shortages&lt;/b&gt; in June" in exceptions
    assert "Recruit two &amp; train &lt;agency&gt; staff" in exceptions
    assert "No corrective action has been recorded." in exceptions  # AMB has none
    assert "GRN" not in exceptions

    key = section(html, "key-indicators")
    assert key.count("<svg") == 2  # KEY1 and RED
    assert "<?xml" not in html
    assert "<!DOCTYPE svg" not in html
    assert "Homelessness &lt;prevented&gt; &amp; relieved" in key
    assert '<title id="chart-0-title">KEY1 Homelessness &lt;prevented&gt; &amp; relieved' in key
    assert '<desc id="chart-0-desc">15 approved values from 2024-04 to 2025-06.' in key
    assert '<title id="chart-1-title">RED ' in key
    assert "<script" not in html
    # The same page twice: charts are drawn deterministically.
    assert await pack(client, perf) == html


async def test_the_board_pack_takes_the_scorecard_filters(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await council(client, factory, perf)
    wst = await pack(client, perf, org_unit="WST")
    assert "<td>AMB</td>" in wst
    assert "<td>RED</td>" not in wst
    assert "No key indicators match this report." in wst

    key = await pack(client, perf, is_key="true")
    measures = section(key, "measures")
    assert "<td>KEY1</td>" in measures
    assert "<td>GRN</td>" not in measures
    assert section(key, "key-indicators").count("<svg") == 2


async def test_the_board_pack_runs_a_fixed_number_of_statements(
    client: AsyncClient,
    factory: Factory,
    perf: Headers,
    engine: AsyncEngine,
    status_cache: StatusCache,
) -> None:
    async def count() -> int:
        status_cache.clear()
        seen: list[str] = []

        def record(*args: Any) -> None:
            seen.append(args[2])

        event.listen(engine.sync_engine, "before_cursor_execute", record)
        try:
            await pack(client, perf)
        finally:
            event.remove(engine.sync_engine, "before_cursor_execute", record)
        return len(seen)

    async def key_measure(code: str, value: int) -> None:
        await create_indicator(client, perf, code, is_key=True)
        await set_target(client, perf, code, Q1, value=80)
        await seed_approved(factory, code, {Q1: value})

    await key_measure("F1", 60)
    few = await count()
    for number, value in enumerate((60, 75, 81, 90), start=2):
        await key_measure(f"F{number}", value)
    assert await count() == few


async def test_an_empty_board_pack(client: AsyncClient, perf: Headers) -> None:
    html = await pack(client, perf)
    assert "No measures match this report." in html
    assert "No measure is red or amber." in html
    assert "No key indicators match this report." in html


async def test_who_may_read_the_board_pack(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await council(client, factory, perf)
    councillor = (await person(factory, Role.COUNCILLOR)).headers
    assert "RED" in await pack(client, councillor)

    anonymous = await board_pack(client, None)
    assert_problem(anonymous, 401)
    assert anonymous.headers["www-authenticate"] == "Bearer"
    nobody = (await person(factory)).headers
    assert_problem(await board_pack(client, nobody), 403)


async def test_bad_board_pack_requests(client: AsyncClient, perf: Headers) -> None:
    assert_invalid(await board_pack(client, perf, format="odt"), "format")
    assert_problem(await board_pack(client, perf, period="2031-32-Q1"), 404)
    assert_problem(await board_pack(client, perf, period="next quarter"), 404)
    assert_problem(await board_pack(client, perf, org_unit="NOPE"), 404)
    assert_invalid(await client.get(BOARD_PACK, headers=perf), "period")
