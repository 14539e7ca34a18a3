"""The PDF's own table and text layout (pack/pdf.py): what a board relies on in a long table
(headings on every page, no row split across two pages, every cell's text there, RAG in colour
and in words) and the line breaking that lays it out."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from pypdf import PdfReader

from app.reports.pack.content import Cell, Column, Pack, Paragraph, Section, Table, Tone
from app.reports.pack.pdf import render_pdf, wrap

COLUMNS = (
    Column("Code", 1.1),
    Column("Measure", 3.6),
    Column("Value", 1.3, number=True),
    Column("RAG", 1.1),
    Column("Year-end forecast", 1.7),
)
TONES = (Tone.GREEN, Tone.AMBER, Tone.RED, Tone.GREY)
WORDS = {Tone.GREEN: "Green", Tone.AMBER: "Amber", Tone.RED: "Red", Tone.GREY: "Data only"}


def _row(n: int) -> tuple[Cell, ...]:
    # Every seventh measure's name runs to several lines; each row's cells carry its number.
    name = f"M{n}name " + ("a long measure name that has to wrap " * 3 if n % 7 == 0 else "")
    tone = TONES[n % 4]
    return (
        Cell(f"C{n:04d}"),
        Cell(f"{name}M{n}end"),
        Cell(f"{n}.5", number=True),
        Cell(WORDS[tone], tone=tone),
        Cell(f"F{n}cast (target profile), {WORDS[tone]}"),
    )


def _pack(*blocks: Table | Paragraph, landscape: bool = True) -> Pack:
    section = Section(id="measures", title="Measures", blocks=list(blocks), landscape=landscape)
    return Pack(
        title="Performance Board report",
        council_name="Borsetshire County Council",
        logo_svg=None,
        period_code="2025-26-Q1",
        subtitle="April to June 2025",
        version=(("Period", "2025-26-Q1"),),
        sections=[section],
        produced_at=datetime(2025, 7, 1, tzinfo=UTC),
    )


def _pages(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def test_a_long_table_repeats_its_headings_on_every_page_and_never_splits_a_row() -> None:
    rows = [_row(n) for n in range(700)]
    pages = _pages(render_pdf(_pack(Table(columns=COLUMNS, rows=rows))))
    table_pages = [i for i, text in enumerate(pages) if "C0" in text]
    assert len(table_pages) > 10, "the table runs over many pages"
    for i in table_pages:
        for heading in ("Code", "Measure", "Value", "RAG", "Year-end"):
            assert heading in pages[i], (i, heading)
    for n in range(700):
        # Every cell's text is there, and all of a row's on one page.
        holding = [i for i in table_pages if f"C{n:04d}" in pages[i]]
        assert len(holding) == 1, n
        text = pages[holding[0]]
        for token in (f"M{n}name", f"M{n}end", f"{n}.5", f"F{n}cast"):
            assert token in text, (n, token)
    assert all(word in "".join(pages) for word in WORDS.values())
    assert f"Page {len(pages)} of {len(pages)}" in pages[-1]


def test_a_row_taller_than_a_page_goes_on_under_the_headings_rather_than_fail() -> None:
    tall = (Cell("TALL"), Cell(" ".join(f"w{n}" for n in range(2500))), *(Cell("x"),) * 3)
    table = Table(columns=COLUMNS, rows=[_row(1), tall, _row(2)])
    pages = _pages(render_pdf(_pack(table)))
    text = "".join(pages)
    for n in range(2500):
        assert f"w{n} " in text or f"w{n}\n" in text or text.endswith(f"w{n}"), n
    spanned = [page for page in pages if "w1000" in page or "w2499" in page]
    assert all("Measure" in page for page in spanned)
    assert "C0002" in text


def test_an_empty_table_says_so_and_a_long_paragraph_runs_over_pages() -> None:
    words = " ".join(f"p{n}" for n in range(6000))
    table = Table(columns=COLUMNS, rows=[], empty="No measures match this report.")
    pages = _pages(render_pdf(_pack(table, Paragraph(words), landscape=False)))
    text = "\n".join(pages)
    assert "No measures match this report." in text
    assert len([page for page in pages if "p" in page]) > 3
    found = set(text.replace("\n", " ").split(" "))
    assert all(f"p{n}" in found for n in range(6000))


def test_wrap_breaks_at_spaces_and_breaks_a_word_wider_than_a_line() -> None:
    def measure(text: str) -> float:  # one unit a character
        return float(len(text))

    assert wrap("short", 10, measure) == ["short"]
    assert wrap("one two three four", 9, measure) == ["one two", "three", "four"]
    assert wrap("abcdefghijklmnopqrstuvwxyz end", 10, measure) == [
        "abcdefghij",
        "klmnopqrst",
        "uvwxyz end",
    ]
    assert wrap("first\r\nsecond line", 20, measure) == ["first", "second line"]
    assert wrap("", 5, measure) == [""]
    for text in ("one two three four five six", "a bb ccc dddd eeeee ffffff"):
        for width in range(6, 20):
            lines = wrap(text, width, measure)
            assert all(measure(line) <= width for line in lines)
            assert " ".join(lines) == text
