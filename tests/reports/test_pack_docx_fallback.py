"""The Word pack's PNG fallback of an SVG picture is rasterised from the SVG with its <use>
references copied in (pack/docx.py): the same pixels as CairoSVG draws from the SVG itself."""

from __future__ import annotations

import cairosvg

from app.reports.pack.docx import _inline_references

SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
    'width="120" height="60" viewBox="0 0 120 60">'
    '<defs><path id="glyph" d="M 0 0 L 10 0 L 10 -20 Z" transform="scale(0.8)"/>'
    '<path id="dot" d="M -3 0 A 3 3 0 1 0 3 0 A 3 3 0 1 0 -3 0" style="stroke: #000000"/>'
    '<symbol id="box" viewBox="0 0 10 10"><rect width="10" height="10" fill="#d5281b"/></symbol>'
    "</defs>"
    '<g transform="translate(10 40) scale(1.5)" style="fill: #005eb8">'
    '<use xlink:href="#glyph"/><use xlink:href="#glyph" transform="translate(12 0)"/></g>'
    '<use xlink:href="#dot" x="70" y="20" style="fill: #007f3b; stroke-width: 0.8"/>'
    '<use href="#dot" x="90" y="30" fill="#ffb81c"/>'
    '<use xlink:href="#box" x="95" y="40" width="20" height="15"/>'
    "</svg>"
)


def test_references_copied_in_draw_the_same_pixels() -> None:
    inlined = _inline_references(SVG)
    assert inlined.count(b"use") == 1  # the <symbol>'s, sized by its use, is left
    assert cairosvg.svg2png(bytestring=inlined, output_width=240) == cairosvg.svg2png(
        bytestring=SVG.encode(), output_width=240
    )
