"""The board pack as a Word document, with python-docx: A4 sections (landscape where the
tables are wide), a cover with the council's name and the version block, contents, "Page n of
N" in the footer, table heading rows repeated on each page and rows never split, RAG cells
shaded and worded.

Word cannot draw SVG without a bitmap fallback, so the charts and logo are left to the PDF and
HTML packs; the DOCX says where to find them and gives each chart's reading in words.
"""

from __future__ import annotations

import io

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph as DocxParagraph

from app.reports.pack.content import TONE_COLOURS, Block, Chart, Heading, Pack, Paragraph, Table

_A4 = (Mm(210), Mm(297))


def render_docx(pack: Pack) -> bytes:
    """The pack as a .docx file."""
    document = Document()
    core = document.core_properties
    core.title = f"{pack.title}: {pack.period_code}"
    core.author = pack.council_name or ""
    core.comments = "Produced by Golden Thread"
    core.created = core.modified = pack.produced_at
    style = document.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(9.5)
    first = document.sections[0]
    _page(first, landscape=False)
    _footer(first, pack)

    if pack.council_name:
        council = document.add_paragraph()
        council.add_run(pack.council_name).bold = True
        council.runs[0].font.size = Pt(16)
    document.add_heading(pack.title, level=0)
    document.add_paragraph(f"{pack.period_code}: {pack.subtitle}.")
    document.add_heading("Version", level=2)
    version = document.add_table(rows=0, cols=2)
    version.style = "Table Grid"
    for name, value in pack.version:
        cells = version.add_row().cells
        cells[0].paragraphs[0].add_run(name).bold = True
        cells[1].text = value
    document.add_heading("Contents", level=2)
    for section in pack.sections:
        document.add_paragraph(section.title, style="List Number")
    if pack.logo_svg:
        document.add_paragraph(
            "The council's logo and the charts are drawn in the PDF and HTML editions.",
            style="Intense Quote",
        )

    landscape = False
    for section in pack.sections:
        if section.landscape != landscape:
            new = document.add_section(WD_SECTION.NEW_PAGE)
            _page(new, landscape=section.landscape)
            landscape = section.landscape
        else:
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        document.add_heading(section.title, level=1)
        for block in section.all_blocks():
            _block(document, block)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _page(section: object, *, landscape: bool) -> None:
    width, height = _A4
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT  # type: ignore[attr-defined]
    section.page_width, section.page_height = (height, width) if landscape else (width, height)  # type: ignore[attr-defined]
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(15))


def _field(paragraph: DocxParagraph, instruction: str) -> None:
    simple = OxmlElement("w:fldSimple")
    simple.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    simple.append(run)
    paragraph._p.append(simple)


def _footer(section: object, pack: Pack) -> None:
    footer = section.footer  # type: ignore[attr-defined]
    paragraph = footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    label = f"{pack.council_name or ''}  {pack.title} {pack.period_code}".strip()
    paragraph.add_run(f"{label}    Page ")
    _field(paragraph, "PAGE")
    paragraph.add_run(" of ")
    _field(paragraph, "NUMPAGES")


def _block(document: object, block: Block) -> None:
    add_paragraph = document.add_paragraph  # type: ignore[attr-defined]
    if isinstance(block, Heading):
        document.add_heading(block.text, level=2)  # type: ignore[attr-defined]
    elif isinstance(block, Paragraph):
        paragraph = add_paragraph()
        run = paragraph.add_run(block.text)
        if block.kind in ("label", "callout"):
            run.bold = True
        if block.kind == "meta":
            run.font.color.rgb = RGBColor(0x4C, 0x62, 0x72)
    elif isinstance(block, Chart):
        add_paragraph(f"Chart: {block.title} (drawn in the PDF and HTML editions).")
    else:
        _table(document, block)


def _table(document: object, block: Table) -> None:
    if block.caption:
        document.add_paragraph().add_run(block.caption).bold = True  # type: ignore[attr-defined]
    table: DocxTable = document.add_table(rows=1, cols=len(block.columns))  # type: ignore[attr-defined]
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    head = table.rows[0]
    _row_properties(head._tr, header=True)
    for cell, column in zip(head.cells, block.columns, strict=True):
        run = cell.paragraphs[0].add_run(column.title)
        run.bold = True
        _shade(cell._tc, "f0f4f5")
    if not block.rows:
        row = table.add_row()  # type: ignore[no-untyped-call]
        merged = row.cells[0].merge(row.cells[-1])
        merged.text = block.empty
        return
    for cells in block.rows:
        row = table.add_row()  # type: ignore[no-untyped-call]
        _row_properties(row._tr, header=False)
        for slot, content in zip(row.cells, cells, strict=True):
            paragraph = slot.paragraphs[0]
            run = paragraph.add_run(content.text)
            if content.number:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            if content.bold or content.tone is not None:
                run.bold = True
            if content.tone is not None:
                fill, ink = TONE_COLOURS[content.tone]
                _shade(slot._tc, fill.removeprefix("#"))
                run.font.color.rgb = RGBColor.from_string(ink.removeprefix("#").upper())


def _row_properties(tr: object, *, header: bool) -> None:
    properties = tr.get_or_add_trPr()  # type: ignore[attr-defined]
    properties.append(OxmlElement("w:cantSplit"))
    if header:
        properties.append(OxmlElement("w:tblHeader"))


def _shade(tc: object, fill: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    tc.get_or_add_tcPr().append(shading)  # type: ignore[attr-defined]
