"""POST /reports/publications: a report published once, frozen with its data snapshot and
SHA-256; its bytes never change, whatever is revised later. Comments and meetings."""

from __future__ import annotations

import hashlib
import io
import uuid
from decimal import Decimal

from httpx import AsyncClient
from pypdf import PdfReader
from sqlalchemy import select, update

from app.access.permissions import Role
from app.core.db import unit_of_work
from app.indicators.models import Indicator, IndicatorValue
from tests.factories import Factory
from tests.helpers import API, Headers, assert_invalid, assert_problem, person
from tests.reports.test_board_pack import Q1, council
from tests.reports.test_board_pack_files import give_the_action_an_owner, name_the_council

PUBLICATIONS = f"{API}/reports/publications"


async def publish(client: AsyncClient, headers: Headers, **body: object) -> dict[str, object]:
    response = await client.post(
        PUBLICATIONS, json={"kind": "board_pack", "period": Q1, **body}, headers=headers
    )
    assert response.status_code == 201, response.text
    published: dict[str, object] = response.json()
    return published


async def content(client: AsyncClient, headers: Headers, publication_id: object, fmt: str) -> bytes:
    response = await client.get(
        f"{PUBLICATIONS}/{publication_id}/content", params={"format": fmt}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response.content


async def revise(factory: Factory, code: str, value: int) -> None:
    async with unit_of_work(factory.sessionmaker) as session:
        indicator_id = await session.scalar(select(Indicator.id).where(Indicator.code == code))
        await session.execute(
            update(IndicatorValue)
            .where(IndicatorValue.indicator_id == indicator_id)
            .values(value=Decimal(value), approved_value=Decimal(value))
        )


async def test_a_published_pack_is_frozen_whatever_is_revised_later(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await council(client, factory, perf)
    await name_the_council(client, factory)
    owner = await give_the_action_an_owner(client, factory, perf)

    published = await publish(client, perf)
    assert set(published) >= {"id", "sha256", "published_at", "published_by", "number"}
    formats = {item["format"] for item in published["contents"]}  # type: ignore[attr-defined]
    assert formats == {"json", "html", "pdf", "docx"}
    pdf = await content(client, perf, published["id"], "pdf")
    json_bytes = await content(client, perf, published["id"], "json")
    assert hashlib.sha256(json_bytes).hexdigest() == published["sha256"]

    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    first = reader.pages[0].mediabox
    assert (round(first.width), round(first.height)) == (595, 842)  # A4
    assert "Borsetshire County Council" in text
    assert f"Page 2 of {len(reader.pages)}" in text
    assert "Recruit two & train <agency> staff" in text
    assert owner in text
    assert str(published["published_by"]) in text

    await revise(factory, "RED", 79)
    live = (await client.get(f"{API}/reports/board-pack", params={"period": Q1}, headers=perf)).text
    assert "79.0%" in live
    again = await client.get(f"{PUBLICATIONS}/{published['id']}", headers=perf)
    assert again.json()["sha256"] == published["sha256"]
    assert again.json()["revised_since_publication"] == ["RED"]
    assert await content(client, perf, published["id"], "pdf") == pdf
    assert await content(client, perf, published["id"], "json") == json_bytes
    assert "79.0%" not in (await content(client, perf, published["id"], "html")).decode()

    second = await publish(client, perf)
    assert second["id"] != published["id"]
    assert second["number"] == int(published["number"]) + 1  # type: ignore[call-overload]
    assert second["sha256"] != published["sha256"]
    listed = (await client.get(PUBLICATIONS, headers=perf)).json()
    assert listed["total"] == 2
    assert [item["id"] for item in listed["items"]] == [second["id"], published["id"]]


async def test_each_kind_is_published_in_its_formats(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await council(client, factory, perf)
    for kind, key, code, formats in (
        ("scorecard", "period", Q1, {"json", "csv"}),
        ("exceptions", "period", Q1, {"json", "csv"}),
        ("outturn", "year", "2025-26", {"json", "csv", "xlsx"}),
    ):
        response = await client.post(
            PUBLICATIONS, json={"kind": kind, key: code, "org_unit": "DBC"}, headers=perf
        )
        assert response.status_code == 201, response.text
        published = response.json()
        assert {item["format"] for item in published["contents"]} == formats
        assert published["org_unit"] == "DBC"
        assert_invalid(
            await client.get(
                f"{PUBLICATIONS}/{published['id']}/content",
                params={"format": "pdf"},
                headers=perf,
            ),
            "format",
        )
    csv = await content(client, perf, published["id"], "csv")
    assert csv.startswith(b"indicator_code,")


async def test_bad_publications(client: AsyncClient, factory: Factory, perf: Headers) -> None:
    assert_invalid(await client.post(PUBLICATIONS, json={"kind": "board_pack"}, headers=perf))
    assert_invalid(
        await client.post(PUBLICATIONS, json={"kind": "outturn", "period": Q1}, headers=perf)
    )
    assert_invalid(
        await client.post(PUBLICATIONS, json={"kind": "memo", "period": Q1}, headers=perf), "kind"
    )
    assert_invalid(
        await client.post(
            PUBLICATIONS, json={"kind": "scorecard", "period": Q1, "extra": 1}, headers=perf
        )
    )
    missing = {"kind": "scorecard", "period": "2031-32-Q1"}
    assert_problem(await client.post(PUBLICATIONS, json=missing, headers=perf), 404)
    unknown = {"kind": "scorecard", "period": Q1, "committee_id": str(uuid.uuid4())}
    assert_problem(await client.post(PUBLICATIONS, json=unknown, headers=perf), 404)
    assert_problem(await client.get(f"{PUBLICATIONS}/{uuid.uuid4()}", headers=perf), 404)
    assert (await client.get(PUBLICATIONS, headers=perf)).json()["total"] == 0

    councillor = (await person(factory, Role.COUNCILLOR)).headers
    body = {"kind": "scorecard", "period": Q1}
    assert_problem(await client.post(PUBLICATIONS, json=body, headers=councillor), 403)
    assert_problem(await client.post(PUBLICATIONS, json=body), 401)


async def test_councillors_ask_and_officers_answer(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await council(client, factory, perf)
    published = await client.post(
        PUBLICATIONS, json={"kind": "exceptions", "period": Q1}, headers=perf
    )
    comments = f"{PUBLICATIONS}/{published.json()['id']}/comments"
    councillor = (await person(factory, Role.COUNCILLOR)).headers
    asked = await client.post(comments, json={"body": "Why is RED red?"}, headers=councillor)
    assert asked.status_code == 201, asked.text
    assert asked.json()["status"] == "open"
    question = asked.json()["id"]

    assert_problem(
        await client.post(
            comments, json={"body": "me", "reply_to_id": question}, headers=councillor
        ),
        403,
    )
    assert_problem(
        await client.post(
            comments, json={"body": "?", "reply_to_id": str(uuid.uuid4())}, headers=perf
        ),
        404,
    )
    answered = await client.post(
        comments, json={"body": "Staff shortages.", "reply_to_id": question}, headers=perf
    )
    assert answered.status_code == 201, answered.text
    thread = (await client.get(comments, headers=councillor)).json()
    assert thread["total"] == 2
    assert [item["status"] for item in thread["items"]] == ["answered", None]
    assert_invalid(await client.post(comments, json={"body": ""}, headers=councillor), "body")


async def test_the_board_calendar_and_the_papers_a_meeting_is_missing(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    committee = await client.post(
        f"{API}/committees", json={"name": "Performance Board"}, headers=perf
    )
    assert committee.status_code == 201, committee.text
    meetings = f"{API}/committees/{committee.json()['id']}/meetings"
    made = await client.post(
        f"{meetings}/calendar", json={"financial_year": "2025-26"}, headers=perf
    )
    assert made.status_code == 200, made.text
    assert [m["period"] for m in made.json()["items"]] == [f"2025-26-Q{q}" for q in range(1, 5)]
    assert made.json()["items"][0]["missing"] == ["board_pack", "exceptions"]
    again = await client.post(
        f"{meetings}/calendar", json={"financial_year": "2025-26"}, headers=perf
    )
    assert again.json()["items"] == []

    pack = await publish(client, perf)
    laid = await client.post(
        meetings,
        json={
            "date": "2025-07-20",
            "title": "Extra",
            "period": Q1,
            "publication_ids": [pack["id"]],
        },
        headers=perf,
    )
    assert laid.status_code == 201, laid.text
    assert laid.json()["missing"] == ["exceptions"]
    listed = (await client.get(meetings, headers=perf)).json()
    assert listed["total"] == 5
    assert_invalid(
        await client.post(
            meetings,
            json={"date": "2025-07-20", "title": "X", "publication_ids": [str(uuid.uuid4())]},
            headers=perf,
        ),
        "publication_ids",
    )
    assert_problem(await client.get(f"{API}/committees/{uuid.uuid4()}/meetings", headers=perf), 404)
