"""The board pack's content, built once and rendered three ways (HTML, PDF, DOCX).

A pack is a cover (council, title, version block) and sections; a section is headings,
paragraphs, tables and charts. Renderers know nothing of measures or risks: they lay out these
blocks, so the three formats always say the same thing. A cell carries its RAG as a `tone`, and
its text always names the status in words too, so a pack printed in greyscale still reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from app.spc.charts import ChartPlot


class Tone(StrEnum):
    """A cell's colour: the RAG palette, and grey for data only, missing or not rated."""

    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    GREY = "grey"


# Fill and text colours (NHS palette: white on green and red, dark on amber and grey).
TONE_COLOURS: dict[Tone, tuple[str, str]] = {
    Tone.GREEN: ("#007f3b", "#ffffff"),
    Tone.AMBER: ("#ffb81c", "#212b32"),
    Tone.RED: ("#d5281b", "#ffffff"),
    Tone.GREY: ("#d8dde0", "#212b32"),
}


@dataclass(frozen=True)
class Cell:
    text: str
    tone: Tone | None = None
    number: bool = False
    bold: bool = False


@dataclass(frozen=True)
class Column:
    title: str
    width: float = 1.0
    number: bool = False


@dataclass(frozen=True)
class Table:
    columns: tuple[Column, ...]
    rows: Sequence[tuple[Cell, ...]]
    caption: str | None = None
    empty: str = "Nothing to show."


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Paragraph:
    text: str
    kind: str = "body"  # body | meta | callout


@dataclass(frozen=True)
class Chart:
    """A vector chart, in the drawing each format shows: `svg` keeps its text as text (HTML);
    `svg_paths` draws text as outlines (DOCX, which then needs no font of the chart's own);
    `plot` is what the chart shows, which the PDF draws itself (see pack/pdf_chart.py). Each is
    made only when a format that shows it is to be rendered (empty otherwise): an SVG costs a
    tenth of a second or more to draw and is ~60 KB of text, and a large council's pack has
    hundreds of charts."""

    title: str
    svg: str = ""
    svg_paths: str = ""
    plot: ChartPlot | None = None


Block = Heading | Paragraph | Table | Chart


@dataclass
class Section:
    id: str
    title: str
    blocks: list[Block] = field(default_factory=list)
    landscape: bool = False
    # Blocks that belong together (an exception and its actions) are kept on one page where
    # they fit: each group starts a new block list.
    groups: list[list[Block]] = field(default_factory=list)

    def all_blocks(self) -> list[Block]:
        return [*self.blocks, *(block for group in self.groups for block in group)]


@dataclass(frozen=True)
class Pack:
    title: str
    council_name: str | None
    logo_svg: str | None
    period_code: str
    subtitle: str
    version: tuple[tuple[str, str], ...]
    sections: list[Section]
    produced_at: datetime
