"""The board pack as PDF, with fpdf2: A4, a cover with the council's name and logo, contents
with page numbers, "Page n of N" on every page, sections on landscape pages where their tables
are wide, table headings repeated on each page and rows never split, RAG cells coloured and
worded, the logo drawn as a vector from its SVG and the charts with fpdf2's own lines and text
(pack/pdf_chart.py).

Text is set in DejaVu Sans, which matplotlib ships (so no font is downloaded or installed):
council-entered text may hold any character, and the PDF core fonts cover Latin-1 only.
"""

from __future__ import annotations

import importlib.util
import io
import logging
from functools import cache
from pathlib import Path

from fpdf import FPDF, FontFace, TextStyle
from fpdf.enums import Align, TableCellFillMode, VAlign, WrapMode, XPos, YPos
from fpdf.outline import OutlineSection

from app.reports.pack.content import (
    TONE_COLOURS,
    Block,
    Chart,
    Heading,
    Pack,
    Paragraph,
    Table,
    Tone,
)
from app.reports.pack.pdf_chart import ASPECT, draw_chart

FONT = "dejavu"
# fpdf2 notes every SVG element it does not draw (<title>, <desc>): not news for the logs.
logging.getLogger("fpdf.svg").setLevel(logging.ERROR)
_INK = (33, 43, 50)
_MUTED = (76, 98, 114)
_RULE = (0, 94, 184)
_HEAD_FILL = (240, 244, 245)
# Table rows per fpdf2 table: a long table is several in a row with the same headings, so no
# single table's layout is held for thousands of rows (flat memory, steady speed).
_CHUNK = 200


@cache
def _font_files() -> tuple[str, str]:
    # Found, not imported: importing matplotlib costs a second and memory the PDF has no use for.
    spec = importlib.util.find_spec("matplotlib")
    assert spec is not None
    assert spec.submodule_search_locations, "matplotlib is not installed as a package"
    fonts = Path(next(iter(spec.submodule_search_locations))) / "mpl-data" / "fonts" / "ttf"
    return str(fonts / "DejaVuSans.ttf"), str(fonts / "DejaVuSans-Bold.ttf")


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


class _Document(FPDF):
    def __init__(self, pack: Pack) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.pack = pack
        regular, bold = _font_files()
        self.add_font(FONT, "", regular)
        self.add_font(FONT, "B", bold)
        self.set_font(FONT, size=9)
        self.set_text_color(*_INK)
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(auto=True, margin=18)
        self.alias_nb_pages()
        self.set_title(f"{pack.title}: {pack.period_code}")
        if pack.council_name:
            self.set_author(pack.council_name)
        self.set_creator("Golden Thread")
        self.set_lang("en-GB")
        # The pack's own time, not the clock's: the same pack gives the same bytes.
        self.set_creation_date(pack.produced_at)
        self.set_section_title_styles(
            TextStyle(font_family=FONT, font_style="B", font_size_pt=15, color=_RULE, b_margin=3)
        )

    def footer(self) -> None:
        if self.page_no() == 1:
            return
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.set_text_color(*_MUTED)
        left = self.pack.council_name or ""
        self.cell(0, 5, f"{left}  {self.pack.title} {self.pack.period_code}".strip(), align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="R")
        self.set_text_color(*_INK)


def render_pdf(pack: Pack) -> bytes:
    """The pack as PDF bytes, the same bytes for the same pack."""
    pdf = _Document(pack)
    pdf.add_page()
    _cover(pdf, pack)
    pdf.insert_toc_placeholder(_contents, pages=1, allow_extra_pages=True)
    for section in pack.sections:
        pdf.add_page(orientation="landscape" if section.landscape else "portrait")
        pdf.start_section(section.title)
        for block in section.blocks:
            _block(pdf, block)
        for group in section.groups:
            _group(pdf, group)
    return bytes(pdf.output())


def _cover(pdf: _Document, pack: Pack) -> None:
    if pack.logo_svg:
        pdf.image(io.BytesIO(pack.logo_svg.encode()), x=pdf.l_margin, y=20, h=28)
        pdf.set_y(55)
    else:
        pdf.set_y(40)
    if pack.council_name:
        pdf.set_font(FONT, "B", 16)
        pdf.multi_cell(0, 8, pack.council_name, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "B", 24)
    pdf.set_text_color(*_RULE)
    pdf.multi_cell(0, 12, pack.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*_INK)
    pdf.set_font(FONT, "", 12)
    pdf.multi_cell(
        0, 6, f"{pack.period_code}: {pack.subtitle}.", new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    pdf.ln(10)
    pdf.set_font(FONT, "B", 11)
    pdf.cell(0, 7, "Version", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    with pdf.table(
        col_widths=(1, 3),
        first_row_as_headings=False,
        text_align="LEFT",
        line_height=6,
        padding=1.5,
    ) as table:
        for name, value in pack.version:
            row = table.row()
            row.cell(name, style=FontFace(family=FONT, emphasis="BOLD", size_pt=10))
            row.cell(value, style=FontFace(family=FONT, size_pt=10))
    pdf.set_font(FONT, "", 9)


def _contents(pdf: FPDF, sections: list[OutlineSection]) -> None:
    pdf.set_font(FONT, "B", 15)
    pdf.set_text_color(*_RULE)
    pdf.cell(0, 10, "Contents", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*_INK)
    pdf.set_font(FONT, "", 11)
    for section in sections:
        link = pdf.add_link(page=section.page_number)
        width = pdf.epw - 20
        pdf.cell(width, 8, section.name, link=link)
        pdf.cell(20, 8, str(section.page_number), align="R", link=link,
                 new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip


def _group(pdf: FPDF, group: list[Block]) -> None:
    """Blocks kept together where they fit: an exception starts a new page rather than leave
    its heading at the foot of one, and a key indicator's heading goes over with its chart."""
    needed = 40 + sum(pdf.epw * ASPECT + 14 for block in group if isinstance(block, Chart))
    if pdf.will_page_break(min(needed, pdf.eph)):
        pdf.add_page(orientation=pdf.cur_orientation.value)
    for block in group:
        _block(pdf, block)
    pdf.ln(4)


def _block(pdf: FPDF, block: Block) -> None:
    if isinstance(block, Heading):
        if pdf.will_page_break(25):
            pdf.add_page(orientation=pdf.cur_orientation.value)
        pdf.set_font(FONT, "B", 11)
        pdf.multi_cell(0, 6, block.text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1)
        pdf.set_font(FONT, "", 9)
    elif isinstance(block, Paragraph):
        _paragraph(pdf, block)
    elif isinstance(block, Chart):
        assert block.plot is not None, "the pack was built without the PDF's drawing of its charts"
        # The chart and its description (two or three lines) stay on one page.
        if pdf.will_page_break(pdf.epw * ASPECT + 14):
            pdf.add_page(orientation=pdf.cur_orientation.value)
        draw_chart(pdf, block.plot, font=FONT, width=pdf.epw)
        pdf.set_text_color(*_INK)
        pdf.set_font(FONT, "", 9)
        pdf.ln(3)
    else:
        _table(pdf, block)


def _paragraph(pdf: FPDF, block: Paragraph) -> None:
    if block.kind == "label":
        pdf.set_font(FONT, "B", 9)
    elif block.kind == "meta":
        pdf.set_text_color(*_MUTED)
    elif block.kind == "callout":
        pdf.set_font(FONT, "B", 9)
        pdf.set_text_color(*_rgb(TONE_COLOURS[Tone.RED][0]))
    pdf.multi_cell(0, 4.6, block.text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*_INK)
    pdf.set_font(FONT, "", 9)
    pdf.ln(1.5)


def _table(pdf: FPDF, block: Table) -> None:
    if block.caption:
        pdf.set_font(FONT, "B", 9)
        pdf.cell(0, 6, block.caption, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FONT, "", 9)
    rows = block.rows or []
    chunks = [rows[i : i + _CHUNK] for i in range(0, len(rows), _CHUNK)] or [[]]
    widths = tuple(column.width for column in block.columns)
    heading = FontFace(family=FONT, emphasis="BOLD", fill_color=_HEAD_FILL, size_pt=8.5)
    for chunk in chunks:
        with pdf.table(
            col_widths=widths,
            headings_style=heading,
            text_align="LEFT",
            v_align=VAlign.T,
            line_height=4.4,
            padding=1.2,
            repeat_headings=1,
            wrapmode=WrapMode.WORD,
            cell_fill_mode=TableCellFillMode.NONE,
        ) as table:
            head = table.row()
            for column in block.columns:
                head.cell(column.title, align=Align.R if column.number else Align.L)
            if not chunk:
                row = table.row()
                row.cell(block.empty, colspan=len(block.columns))
            for cells in chunk:
                row = table.row()
                for cell in cells:
                    style = None
                    if cell.tone is not None:
                        fill, ink = TONE_COLOURS[cell.tone]
                        style = FontFace(
                            family=FONT, emphasis="BOLD", color=_rgb(ink), fill_color=_rgb(fill)
                        )
                    elif cell.bold:
                        style = FontFace(family=FONT, emphasis="BOLD")
                    row.cell(cell.text, style=style, align=Align.R if cell.number else Align.L)
    pdf.ln(2)
