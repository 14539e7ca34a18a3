"""The board pack as PDF and Word, from the same content as the HTML page: A4, the council's
name and logo on the cover, page numbers, exceptions with their owned actions."""

from __future__ import annotations

import io
import zipfile

from httpx import AsyncClient
from pypdf import PdfReader

from app.access.permissions import Role
from tests.factories import Factory
from tests.helpers import API, Headers, person
from tests.indicators.helpers import create_indicator, set_target
from tests.reports.test_board_pack import BOARD_PACK, Q1, council

LOGO = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 40" width="100" height="40">'
    '<rect x="0" y="0" width="100" height="40" fill="#005eb8"/>'
    '<circle cx="20" cy="20" r="12" fill="#ffffff"/></svg>'
)
A4 = (595, 842)


async def name_the_council(client: AsyncClient, factory: Factory) -> None:
    admin = (await person(factory, Role.ADMIN)).headers
    response = await client.put(
        f"{API}/settings/council",
        json={"name": "Borsetshire County Council", "logo_svg": LOGO},
        headers=admin,
    )
    assert response.status_code == 200, response.text


async def give_the_action_an_owner(client: AsyncClient, factory: Factory, perf: Headers) -> str:
    owner = await person(factory, Role.STAFF, "HOU")
    name = (await client.get(f"{API}/users/{owner.id}", headers=perf)).json()["full_name"]
    actions = (await client.get(f"{API}/actions", headers=perf)).json()["items"]
    response = await client.patch(
        f"{API}/actions/{actions[0]['id']}", json={"owner_id": str(owner.id)}, headers=perf
    )
    assert response.status_code == 200, response.text
    return str(name)


def pdf_text(content: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(content))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


async def test_the_pdf_pack_is_a4_with_the_council_page_numbers_and_owned_exceptions(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await council(client, factory, perf)
    await name_the_council(client, factory)
    owner = await give_the_action_an_owner(client, factory, perf)

    response = await client.get(BOARD_PACK, params={"period": Q1, "format": "pdf"}, headers=perf)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert 'filename="board-pack-2025-26-Q1.pdf"' in response.headers["content-disposition"]
    reader, text = pdf_text(response.content)

    portrait = [page for page in reader.pages if page.mediabox.width < page.mediabox.height]
    assert portrait, "the cover is portrait"
    for page in reader.pages:
        size = sorted((round(page.mediabox.width), round(page.mediabox.height)))
        assert size == list(A4)
    landscape = [page for page in reader.pages if page.mediabox.width > page.mediabox.height]
    assert landscape, "the wide measures table is on landscape pages"

    assert "Borsetshire County Council" in text
    assert "Contents" in text
    pages = len(reader.pages)
    assert f"Page 2 of {pages}" in text
    assert f"Page {pages} of {pages}" in text
    assert "Data as at" in text
    exceptions = text[
        text.index("Exceptions: red and amber measures", text.index("Contents") + 200) :
    ]
    assert "RED" in exceptions
    assert "AMB" in exceptions
    assert "Recruit two & train <agency> staff" in exceptions
    assert owner in exceptions
    assert "short by 20 " in exceptions or "short by 20.0" in exceptions
    for word in ("Red", "Amber", "Green"):  # RAG in words as well as colour
        assert word in text


async def test_the_word_pack_has_the_same_content(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await council(client, factory, perf)
    await name_the_council(client, factory)
    owner = await give_the_action_an_owner(client, factory, perf)
    response = await client.get(BOARD_PACK, params={"period": Q1, "format": "docx"}, headers=perf)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    with zipfile.ZipFile(io.BytesIO(response.content)) as package:
        body = package.read("word/document.xml").decode()
        footers = "".join(
            package.read(name).decode()
            for name in package.namelist()
            if name.startswith("word/footer")
        )
    assert "Borsetshire County Council" in body
    assert "Recruit two &amp; train &lt;agency&gt; staff" in body
    assert owner in body
    assert "<w:tblHeader/>" in body
    assert "<w:cantSplit/>" in body
    assert 'w:orient="landscape"' in body
    assert 'w:w="11906"' in body  # A4 width in twentieths of a point
    assert 'w:instr="PAGE"' in footers
    assert 'w:instr="NUMPAGES"' in footers


async def test_a_percentage_falls_short_in_percentage_points_and_bands_show(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    from tests.helpers import seed_approved  # noqa: PLC0415

    await create_indicator(client, perf, "PCT", value_type="percentage", decimal_places=1)
    await set_target(client, perf, "PCT", Q1, value=80)
    await seed_approved(factory, "PCT", {Q1: "66.4"})
    await create_indicator(client, perf, "BAND", polarity="within_range")
    await set_target(client, perf, "BAND", Q1, lower=10, upper=20)
    await seed_approved(factory, "BAND", {Q1: 15})
    html = (
        await client.get(BOARD_PACK, params={"period": Q1, "format": "html"}, headers=perf)
    ).text
    assert "13.6 pts" in html
    assert "short by 13.6 percentage points" in html
    assert "10.0% to 20.0%" in html
