"""The board pack as PDF and Word, from the same content as the HTML page: A4, the council's
name and logo on the cover, page numbers, exceptions with their owned actions."""

from __future__ import annotations

import io
import re
import zipfile
from types import ModuleType

import pytest
from httpx import AsyncClient
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from app.access.permissions import Role
from app.spc import charts
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


def _pictures(package: zipfile.ZipFile, body: str) -> list[tuple[str, str, str]]:
    """Each picture of the document as (description, PNG part, SVG part), in order."""
    rels = package.read("word/_rels/document.xml.rels").decode()
    targets = dict(re.findall(r'Id="(rId\d+)"[^>]*Target="([^"]+)"', rels))
    targets |= {k: v for v, k in re.findall(r'Target="([^"]+)"[^>]*Id="(rId\d+)"', rels)}
    pictures = []
    for drawing in re.findall(r"<w:drawing>.*?</w:drawing>", body, flags=re.S):
        description = re.search(r'<wp:docPr [^>]*descr="([^"]*)"', drawing)
        png = re.search(r'<a:blip r:embed="(rId\d+)"', drawing)
        svg = re.search(r'<asvg:svgBlip [^>]*r:embed="(rId\d+)"', drawing)
        assert description, drawing
        assert png, drawing
        assert svg, drawing
        pictures.append((description[1], targets[png[1]], targets[svg[1]]))
    return pictures


async def test_the_word_pack_has_the_logo_on_its_cover_and_the_charts_as_vectors(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await council(client, factory, perf)
    await name_the_council(client, factory)
    response = await client.get(BOARD_PACK, params={"period": Q1, "format": "docx"}, headers=perf)
    assert response.status_code == 200, response.text
    with zipfile.ZipFile(io.BytesIO(response.content)) as package:
        body = package.read("word/document.xml").decode()
        pictures = _pictures(package, body)
        types = package.read("[Content_Types].xml").decode()
        parts = {name: package.read(name) for name in package.namelist()}

    logo, *charts = pictures
    # The logo comes first, before the council's name: it is on the cover.
    assert logo[0] == "Borsetshire County Council's logo"
    assert body.index("svgBlip") < body.index(">Borsetshire County Council</w:t>")
    assert parts[f"word/{logo[2]}"].decode() == LOGO
    assert [chart[0] for chart in charts] == [
        "KEY1 Homelessness &lt;prevented&gt; &amp; relieved: XmR chart",
        charts[1][0],
    ]
    assert charts[1][0].startswith("RED ")
    assert charts[1][0].endswith(": XmR chart")
    assert body.index(">Key indicators</w:t>") < body.index(charts[0][0])
    for _, png, svg in pictures:
        assert parts[f"word/{png}"].startswith(b"\x89PNG\r\n\x1a\n")  # the fallback
        assert b"<svg" in parts[f"word/{svg}"]  # the vectors
        assert svg.endswith(".svg")
    for _, _, svg in charts:
        assert b"<path" in parts[f"word/{svg}"]  # the chart as drawn for the PDF
    assert "image/svg+xml" in types
    assert "{96DAC541-7B7A-43D3-8B79-37D633B846F1}" in body


async def test_the_word_pack_of_a_council_without_a_logo_has_only_its_charts(
    client: AsyncClient, factory: Factory, perf: Headers
) -> None:
    await council(client, factory, perf)
    response = await client.get(BOARD_PACK, params={"period": Q1, "format": "docx"}, headers=perf)
    assert response.status_code == 200, response.text
    with zipfile.ZipFile(io.BytesIO(response.content)) as package:
        body = package.read("word/document.xml").decode()
        pictures = _pictures(package, body)
    assert [description.split(" ")[0] for description, _, _ in pictures] == ["KEY1", "RED"]
    assert "logo" not in body


async def test_a_key_indicators_chart_is_drawn_in_the_pdf_as_text_without_matplotlib(
    client: AsyncClient, factory: Factory, perf: Headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The PDF draws its charts itself from the chart's plot: no matplotlib, no SVG, no image
    on the page, and the chart's heading, legend, period labels and description are text."""
    await council(client, factory, perf)

    loaded = charts._matplotlib
    calls: list[str] = []

    def counted() -> ModuleType:
        calls.append("matplotlib")
        return loaded()

    monkeypatch.setattr(charts, "_matplotlib", counted)
    response = await client.get(BOARD_PACK, params={"period": Q1, "format": "pdf"}, headers=perf)
    assert response.status_code == 200, response.text
    reader, _ = pdf_text(response.content)

    pages = [page.extract_text() for page in reader.pages]
    drawn = [
        i for i, text in enumerate(pages) if "15 approved values from 2024-04 to 2025-06" in text
    ]
    assert drawn, "KEY1's chart and its description are on a page"
    page, text = reader.pages[drawn[0]], pages[drawn[0]]
    assert text.count("KEY1 Homelessness <prevented> & relieved") == 2  # heading, chart title
    for label in ("mean", "process limits", "common cause", "2024-04", "2025-06"):
        assert label in text, label
    resources = page["/Resources"].get_object()
    assert isinstance(resources, DictionaryObject)
    assert "/XObject" not in resources or not resources["/XObject"], "the chart is no image"
    # The other key indicator (one value, no limits) is drawn too.
    assert any("RED " in text and "1 approved values" in text for text in pages)

    assert calls == [], "the PDF pack drew no chart with matplotlib"
    # The HTML pack does: the spy sees it.
    response = await client.get(BOARD_PACK, params={"period": Q1, "format": "html"}, headers=perf)
    assert response.status_code == 200, response.text
    assert calls
