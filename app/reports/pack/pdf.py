"""The board pack as PDF, with fpdf2: A4, a cover with the council's name and logo, contents
with page numbers, "Page n of N" on every page, sections on landscape pages where their tables
are wide, table headings repeated on each page and rows never split, RAG cells coloured and
worded, the logo drawn as a vector from its SVG and the charts with fpdf2's own lines and text
(pack/pdf_chart.py).

Tables and running text are laid out here, not by fpdf2's `table()` and `multi_cell()`: their
line breaking measures text a character at a time, again at every character of a line and
twice a table cell (to size the row, then to draw it), which was most of a large council's
pack's time. Here a string's width is the sum of its glyphs' widths from the font's own table,
text is broken at spaces (see `wrap`), and each line is placed with fpdf2's `text()`; rows and
lines are drawn as they are laid out, one at a time, so memory stays flat. Text is left
aligned (multi_cell justified it), as accessible writing guidance asks.

Text is set in DejaVu Sans, which matplotlib ships (so no font is downloaded or installed):
council-entered text may hold any character, and the PDF core fonts cover Latin-1 only.
"""

from __future__ import annotations

import importlib.util
import io
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from fpdf import FPDF, FontFace, TextStyle
from fpdf.enums import XPos, YPos
from fpdf.fonts import TTFFont
from fpdf.outline import OutlineSection

from app.reports.pack.content import (
    TONE_COLOURS,
    Block,
    Chart,
    Column,
    Heading,
    Pack,
    Paragraph,
    Table,
    Tone,
)
from app.reports.pack.content import Cell as TableCell
from app.reports.pack.pdf_chart import ASPECT, draw_chart

FONT = "dejavu"
# fpdf2 notes every SVG element it does not draw (<title>, <desc>): not news for the logs.
logging.getLogger("fpdf.svg").setLevel(logging.ERROR)
_INK = (33, 43, 50)
_MUTED = (76, 98, 114)
_RULE = (0, 94, 184)
_HEAD_FILL = (240, 244, 245)


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
        self._measures: dict[tuple[bool, float], Callable[[str], float]] = {}
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

    def measure(self, bold: bool, size: float) -> Callable[[str], float]:
        """A string's width (mm) in the text font at a size: the sum of its glyphs' widths,
        as fpdf2 measures it (no kerning, no shaping), without its per-character line breaking."""
        if (bold, size) not in self._measures:
            font = self.fonts[f"{FONT}B" if bold else FONT]
            assert isinstance(font, TTFFont)
            glyphs = font.cw.__getitem__
            scale = size * 0.001 / self.k

            def width(text: str) -> float:
                return sum(map(glyphs, map(ord, text))) * scale

            self._measures[(bold, size)] = width
        return self._measures[(bold, size)]

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


def _group(pdf: _Document, group: list[Block]) -> None:
    """Blocks kept together where they fit: an exception starts a new page rather than leave
    its heading at the foot of one, and a key indicator's heading goes over with its chart."""
    needed = 40 + sum(pdf.epw * ASPECT + 14 for block in group if isinstance(block, Chart))
    if pdf.will_page_break(min(needed, pdf.eph)):
        pdf.add_page(orientation=pdf.cur_orientation.value)
    for block in group:
        _block(pdf, block)
    pdf.ln(4)


def _block(pdf: _Document, block: Block) -> None:
    if isinstance(block, Heading):
        if pdf.will_page_break(25):
            pdf.add_page(orientation=pdf.cur_orientation.value)
        _write(pdf, block.text, height=6, bold=True, size=11)
        pdf.ln(1)
    elif isinstance(block, Paragraph):
        _paragraph(pdf, block)
    elif isinstance(block, Chart):
        assert block.plot is not None, "the pack was built without the PDF's drawing of its charts"
        # The chart and its description (two or three lines) stay on one page.
        if pdf.will_page_break(pdf.epw * ASPECT + 14):
            pdf.add_page(orientation=pdf.cur_orientation.value)
        draw_chart(pdf, block.plot, font=FONT, width=pdf.epw)
        _write(pdf, block.plot.description, height=3.6, size=7.5, ink=_MUTED)
        pdf.ln(3)
    else:
        _table(pdf, block)


def _paragraph(pdf: _Document, block: Paragraph) -> None:
    if block.kind == "label":
        _write(pdf, block.text, height=4.6, bold=True)
    elif block.kind == "meta":
        _write(pdf, block.text, height=4.6, ink=_MUTED)
    elif block.kind == "callout":
        _write(pdf, block.text, height=4.6, bold=True, ink=_rgb(TONE_COLOURS[Tone.RED][0]))
    else:
        _write(pdf, block.text, height=4.6)
    pdf.ln(1.5)


def _write(
    pdf: _Document,
    text: str,
    *,
    height: float,
    bold: bool = False,
    size: float = 9,
    ink: tuple[int, int, int] = _INK,
) -> None:
    """Text across the page, left aligned, broken into lines at spaces (see `wrap`), a line
    that does not fit at the foot of a page going on to the next; then the body text's font
    again. As `multi_cell` sets it (same margins, line height and baseline), without its
    line breaking, which measures each line's width again at every character."""
    pdf.set_font(FONT, "B" if bold else "", size)
    pdf.set_text_color(*ink)
    left = pdf.l_margin + pdf.c_margin
    drop = height / 2 + 0.3 * size / pdf.k  # from a line's top to its baseline
    for line in wrap(text, pdf.epw - 2 * pdf.c_margin, pdf.measure(bold, size)):
        if pdf.will_page_break(height):
            pdf.add_page(same=True)
        if line:
            pdf.text(left, pdf.y + drop, line)
        pdf.set_xy(pdf.l_margin, pdf.y + height)
    pdf.set_font(FONT, "", 9)
    pdf.set_text_color(*_INK)


def _table(pdf: _Document, block: Table) -> None:
    """A table across the page's width, laid out and drawn a row at a time (so memory stays
    flat however long it is): its headings on every page it runs onto, each row on one page,
    RAG cells filled in their colour with the status in words."""
    if block.caption:
        pdf.set_font(FONT, "B", 9)
        pdf.cell(0, 6, block.caption, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FONT, "", 9)
    layout = _TableLayout(pdf, block.columns)
    heading = _CellStyle(bold=True, size=8.5, fill=_HEAD_FILL)
    head = [
        layout.cell(i, column.title, heading, right=column.number)
        for i, column in enumerate(block.columns)
    ]
    rows: Iterable[list[_Laid]] = (
        [layout.cell(i, cell.text, _style(cell), right=cell.number) for i, cell in enumerate(cells)]
        for cells in block.rows
    )
    if not block.rows:
        rows = [[layout.cell(0, block.empty, _BODY, span=len(block.columns))]]
    first = True
    for row in rows:
        height = _row_height(row)
        # The headings never stand alone at the foot of a page: they go over with the first row.
        needed = _row_height(head) + height if first else height
        if pdf.will_page_break(needed) or first:
            if pdf.will_page_break(needed):
                pdf.add_page(same=True)
            _draw_row(pdf, head)
            first = False
        while not _draw_row(pdf, row):
            # Taller than a whole page (nothing else is ever split): what did not fit goes on
            # the next page, under the headings.
            row = [cell.rest() for cell in row]
            pdf.add_page(same=True)
            _draw_row(pdf, head)
    pdf.set_font(FONT, "", 9)
    pdf.set_text_color(*_INK)
    pdf.set_xy(pdf.l_margin, pdf.y + 2)


_LINE = 4.4  # a table line's height, mm
_PAD = 1.2  # a table cell's padding, mm


@dataclass(frozen=True)
class _CellStyle:
    bold: bool = False
    size: float = 9
    ink: tuple[int, int, int] = _INK
    fill: tuple[int, int, int] | None = None


_BODY = _CellStyle()
_BOLD = _CellStyle(bold=True)
_TONES = {
    tone: _CellStyle(bold=True, ink=_rgb(ink), fill=_rgb(fill))
    for tone, (fill, ink) in TONE_COLOURS.items()
}


def _style(cell: TableCell) -> _CellStyle:
    if cell.tone is not None:
        return _TONES[cell.tone]
    return _BOLD if cell.bold else _BODY


@dataclass
class _Laid:
    """A cell laid out: its box's left edge and width, and its text as lines."""

    x: float
    width: float
    lines: list[str]
    style: _CellStyle
    right: bool
    drawn: int = 0  # lines already drawn, for a row taller than a page

    def rest(self) -> _Laid:
        return _Laid(self.x, self.width, self.lines[self.drawn :], self.style, self.right)


class _TableLayout:
    """Columns across the page's width in proportion to their widths, and the line breaking
    of a cell's text by words, measured from the font's own glyph widths (a string's width is
    the sum of its characters'): fpdf2's own table measures each cell character by character
    twice (once to size the row, once to draw it), most of a large council's pack's time."""

    def __init__(self, pdf: _Document, columns: tuple[Column, ...]) -> None:
        self.pdf = pdf
        total = sum(column.width for column in columns)
        self.edges = [pdf.l_margin]
        for column in columns:
            self.edges.append(self.edges[-1] + pdf.epw * column.width / total)

    def cell(
        self, index: int, text: str, style: _CellStyle, *, right: bool = False, span: int = 1
    ) -> _Laid:
        x, width = self.edges[index], self.edges[index + span] - self.edges[index]
        lines = wrap(text, width - 2 * _PAD, self.pdf.measure(style.bold, style.size))
        return _Laid(x, width, lines, style, right)


def wrap(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """`text` broken into lines no wider than `width` at spaces (and at line breaks), a word
    wider than a line broken between its characters; as fpdf2's word wrapping breaks it."""
    lines: list[str] = []
    for paragraph in text.replace("\r", "").split("\n"):
        if measure(paragraph) <= width:
            lines.append(paragraph)
            continue
        space = measure(" ")
        line, used = "", 0.0
        for word in paragraph.split(" "):
            size = measure(word)
            if line and used + space + size <= width:
                line, used = f"{line} {word}", used + space + size
                continue
            if line:
                lines.append(line)
            while size > width and len(word) > 1:
                fits, taken = 1, measure(word[0])
                while fits < len(word) and taken + measure(word[fits]) <= width:
                    taken += measure(word[fits])
                    fits += 1
                lines.append(word[:fits])
                word = word[fits:]
                size = measure(word)
            line, used = word, size
        lines.append(line)
    return lines


def _row_height(row: list[_Laid]) -> float:
    return max(len(cell.lines) for cell in row) * _LINE + 2 * _PAD


def _draw_row(pdf: _Document, row: list[_Laid]) -> bool:
    """Draw the row at the current position and move below it; False where only part of it
    fitted on the page (the cells' `drawn` say how much)."""
    top = pdf.y
    room = int((pdf.page_break_trigger - top - 2 * _PAD) // _LINE)
    lines = max(len(cell.lines) for cell in row)
    whole = lines <= room or room < 1
    shown = lines if whole else room
    height = shown * _LINE + 2 * _PAD
    for cell in row:
        style = cell.style
        if style.fill is not None:
            pdf.set_fill_color(*style.fill)
            pdf.rect(cell.x, top, cell.width, height, style="DF")
        else:
            pdf.rect(cell.x, top, cell.width, height, style="D")
        pdf.set_font(FONT, "B" if style.bold else "", style.size)
        pdf.set_text_color(*style.ink)
        measure = pdf.measure(style.bold, style.size)
        # fpdf2's baseline in a line: half the line down, then 0.3 of the font's size.
        baseline = top + _PAD + _LINE / 2 + 0.3 * style.size / pdf.k
        for line in cell.lines[:shown]:
            if line:
                x = cell.x + cell.width - _PAD - measure(line) if cell.right else cell.x + _PAD
                pdf.text(x, baseline, line)
            baseline += _LINE
        cell.drawn = shown
    pdf.set_xy(pdf.l_margin, top + height)
    return whole
