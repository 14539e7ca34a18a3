"""The board pack as a Word document, with python-docx: A4 sections (landscape where the
tables are wide), a cover with the council's name and the version block, contents, "Page n of
N" in the footer, table heading rows repeated on each page and rows never split, RAG cells
shaded and worded, the council's logo on the cover and the charts as vectors.

The logo and charts are the same SVG documents the PDF draws, stored as SVG image parts and
named by the `asvg:svgBlip` extension of each picture's blip, the way Word itself stores an
inserted SVG (MS-ODRAWXML 2.26.1.1): Word 2016 and later, and LibreOffice, draw the vectors.
The main blip names a PNG of the same drawing, which older readers and previews show; it is
rasterised with CairoSVG (the Kozea project's, on the system's cairo library), whose default
mode reads nothing outside the document it is given.
"""

from __future__ import annotations

import copy
import io
from xml.etree.ElementTree import Element, tostring

from defusedxml.ElementTree import fromstring
from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.opc.part import Part
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Length, Mm, Pt, RGBColor
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph as DocxParagraph
from docx.text.run import Run

from app.reports.pack.content import TONE_COLOURS, Block, Chart, Heading, Pack, Paragraph, Table

_A4 = (Mm(210), Mm(297))
_MARGIN = Mm(15)
_LOGO_HEIGHT = Mm(28)
# The extension Word writes for an SVG picture, and its namespace (MS-ODRAWXML 2.26.1.1).
_SVG_EXTENSION = "{96DAC541-7B7A-43D3-8B79-37D633B846F1}"
_ASVG = "http://schemas.microsoft.com/office/drawing/2016/SVG/main"
_SVG = "http://www.w3.org/2000/svg"
_XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
# At most this many elements copied in for <use> references (a chart has about 300).
_MAX_INLINED = 20_000
# Pixels of the PNG fallback per millimetre of the picture: about 150 dpi, sharp on paper
# and a tenth of the time and size of print resolution.
_FALLBACK_PX_PER_MM = 6


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

    if pack.logo_svg:
        _svg_picture(
            document.add_paragraph().add_run(),
            pack.logo_svg,
            height=_LOGO_HEIGHT,
            description=f"{pack.council_name or 'The council'}'s logo",
        )
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
        setattr(section, side, _MARGIN)


def _svg_picture(
    run: Run,
    svg: str,
    *,
    description: str,
    width: Length | None = None,
    height: Length | None = None,
) -> None:
    """An SVG picture at the end of `run`: a PNG of it in the main blip, the SVG itself in
    the blip's svgBlip extension. Give the width or the height; the other follows the
    drawing's proportions."""
    import cairosvg  # noqa: PLC0415 - the cairo library is loaded only where a DOCX is drawn

    size = {"output_width": round(width.mm * _FALLBACK_PX_PER_MM)} if width else {}
    if height:
        size = {"output_height": round(height.mm * _FALLBACK_PX_PER_MM)}
    png = cairosvg.svg2png(bytestring=_inline_references(svg), **size)
    shape = run.add_picture(io.BytesIO(png), width=width, height=height)
    part = run.part
    package = part.package
    assert package is not None
    svg_part = Part(
        package.next_partname("/word/media/image%d.svg"),
        "image/svg+xml",
        svg.encode(),
        package,
    )
    relationship = part.relate_to(svg_part, RELATIONSHIP_TYPE.IMAGE)
    inline = shape._inline
    inline.docPr.set("descr", description)
    blip = inline.graphic.graphicData.pic.blipFill.blip
    extensions = OxmlElement("a:extLst")
    extension = OxmlElement("a:ext")
    extension.set("uri", _SVG_EXTENSION)
    svg_blip = extension.makeelement(f"{{{_ASVG}}}svgBlip", nsmap={"asvg": _ASVG})
    extension.append(svg_blip)
    svg_blip.set(qn("r:embed"), relationship)
    extensions.append(extension)
    blip.append(extensions)


def _inline_references(svg: str) -> bytes:
    """The SVG with each `<use>` of an element of the same document replaced by a group
    holding a copy of that element, for CairoSVG to rasterise: it looks a reference's target
    up by walking the whole document again, at every `<use>`, and a chart drawn with its text
    as outlines has a few hundred (a glyph each), which was most of the Word pack's time. The
    group carries the `<use>`'s transform, its x and y as a translation, and its other
    attributes (inherited by the copy as they are by a use's content), so the drawing is the
    same, pixel for pixel. References to a <symbol> or <svg> (sized by the use), to another
    document, or past `_MAX_INLINED` copies are left for CairoSVG to follow."""
    root = fromstring(svg.encode())
    targets = {element.get("id"): element for element in root.iter() if element.get("id")}
    parents = {child: parent for parent in root.iter() for child in parent}
    budget = _MAX_INLINED
    for use in list(root.iter(f"{{{_SVG}}}use")):
        href = use.get(_XLINK_HREF) or use.get("href") or ""
        target = targets.get(href[1:]) if href.startswith("#") else None
        if target is None or target.tag in (f"{{{_SVG}}}symbol", f"{{{_SVG}}}svg"):
            continue
        size = sum(1 for _ in target.iter())
        if size > budget:
            break
        budget -= size
        group = Element(f"{{{_SVG}}}g")
        x, y = use.get("x"), use.get("y")
        transform = " ".join(
            part
            for part in (use.get("transform"), f"translate({x or 0} {y or 0})" if x or y else None)
            if part
        )
        if transform:
            group.set("transform", transform)
        for name, value in use.attrib.items():
            if name not in ("x", "y", "width", "height", "transform", "href", _XLINK_HREF):
                group.set(name, value)
        inlined = copy.deepcopy(target)
        inlined.attrib.pop("id", None)
        group.append(inlined)
        parent = parents[use]
        parent[list(parent).index(use)] = group
    return bytes(tostring(root))


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
        assert block.svg_paths, "the pack was built without the DOCX's drawing of its charts"
        paragraph = add_paragraph()
        width = _content_width(document)
        _svg_picture(paragraph.add_run(), block.svg_paths, width=width, description=block.title)
    else:
        _table(document, block)


def _content_width(document: object) -> Length:
    section = document.sections[-1]  # type: ignore[attr-defined]
    return Length(section.page_width - section.left_margin - section.right_margin)


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
