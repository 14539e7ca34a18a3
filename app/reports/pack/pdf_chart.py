"""An XmR chart drawn on a PDF page with fpdf2's own lines, shapes and text.

The board pack's PDF used to place each chart as matplotlib's SVG, which fpdf2 then parsed:
about a third of a second a chart, most of a large council's pack (hundreds of key
indicators). Here the chart is drawn from its `ChartPlot`, the same description the
matplotlib chart is drawn from (same points, colours, lines, legend and labels, on the same
proportions), in a millisecond or two, and its text is the page's own text: searchable and
read out. Nothing here imports matplotlib.

Where the SVG chart tells the kinds of point apart by colour only, here each special-cause
kind has its own shape too (square for improvement, diamond for concern, triangle for a
neutral special cause), in the points and in the legend, so the chart still reads printed in
greyscale; and the chart's description follows it in words.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from fpdf import FPDF

from app.spc.charts import ChartPlot, LineStyle
from app.spc.engine import PointType

# The matplotlib figure's proportions (7.5 x 3.4 inches) and its axes' margins, so the two
# drawings of a chart look alike.
ASPECT = 3.4 / 7.5
_LEFT, _RIGHT, _TOP, _BOTTOM = 0.09, 0.98, 0.82, 0.22
_PT = 25.4 / 72  # mm in a point
_AXIS = (0, 0, 0)
_MUTED = (76, 98, 114)
_WIDTHS = {LineStyle.SOLID: 1.2, LineStyle.DASHED: 1.0, LineStyle.DOTTED: 1.0}
# matplotlib's dash patterns for a line 1 pt wide, in points.
_DASHES = {LineStyle.DASHED: (3.7, 1.6), LineStyle.DOTTED: (1.0, 1.65)}
# matplotlib's scatter size 22 is the marker's area in points squared, and its edge (1 pt, in
# the fill colour) adds half a point all round.
_POINT_RADIUS = math.sqrt(22) / 2 + 0.5
_LEGEND_RADIUS = 3.0  # its legend markers are 6 pt across
_NICE_STEPS = (1.0, 2.0, 2.5, 5.0, 10.0)


@dataclass(frozen=True)
class _Frame:
    """The axes' box on the page (mm) and the data ranges it shows."""

    left: float
    right: float
    top: float
    bottom: float
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    scale: float  # the figure's size on the page against matplotlib's, for text and lines

    def x(self, value: float) -> float:
        low, high = self.x_range
        return self.left + (value - low) / (high - low) * (self.right - self.left)

    def y(self, value: float) -> float:
        low, high = self.y_range
        return self.bottom - (value - low) / (high - low) * (self.bottom - self.top)


def draw_chart(pdf: FPDF, chart: ChartPlot, *, font: str, width: float) -> None:
    """Draw the chart at the current position, `width` mm wide, and move below it (the
    caller writes the chart's description under it)."""
    height = width * ASPECT
    x0, y0 = pdf.l_margin, pdf.get_y()
    ticks = y_ticks(*_y_extent(chart))
    frame = _Frame(
        left=x0 + _LEFT * width,
        right=x0 + _RIGHT * width,
        top=y0 + (1 - _TOP) * height,
        bottom=y0 + (1 - _BOTTOM) * height,
        x_range=chart.x_range,
        y_range=(ticks.low, ticks.high),
        scale=width / (7.5 * 25.4),
    )
    with pdf.local_context():
        _lines(pdf, chart, frame)
        _points(pdf, chart, frame)
        _axes(pdf, chart, frame, ticks, font=font)
        _heading_and_legend(pdf, chart, frame, font=font)
    pdf.set_xy(x0, y0 + height)


@dataclass(frozen=True)
class Ticks:
    low: float
    high: float
    values: tuple[float, ...]
    labels: tuple[str, ...]


def _y_extent(chart: ChartPlot) -> tuple[float, float]:
    values = list(chart.values)
    for segment in chart.segments:
        values += [segment.lower_limit, segment.upper_limit]
    if chart.target is not None:
        values.append(chart.target)
    if not values:
        return 0.0, 1.0
    low, high = min(values), max(values)
    if high - low <= 1e-12 * max(1.0, abs(high)):
        pad = abs(high) * 0.05 or 0.05
        return low - pad, high + pad
    # matplotlib's 5% margin either side of the data.
    pad = (high - low) * 0.05
    return low - pad, high + pad


def y_ticks(low: float, high: float, *, bins: int = 5) -> Ticks:
    """Round-number ticks inside [low, high], at most about `bins` steps apart, as
    matplotlib's default locator chooses them (steps of 1, 2, 2.5 or 5 times a power of ten);
    labels with as many decimals as the step needs."""
    raw = (high - low) / bins
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(s * magnitude for s in _NICE_STEPS if s * magnitude >= raw * (1 - 1e-9))
    first = math.ceil(low / step - 1e-9)
    last = math.floor(high / step + 1e-9)
    values = tuple(n * step for n in range(first, last + 1))
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    if round(step / 10 ** math.floor(math.log10(step) + 1e-9), 6) == 2.5:
        decimals += 1
    labels = tuple(_tick_label(value, decimals) for value in values)
    return Ticks(low=low, high=high, values=values, labels=labels)


def _tick_label(value: float, decimals: int) -> str:
    text = f"{value:,.{decimals}f}"
    return "0" if text.lstrip("-").strip("0.,") == "" else text.replace("-", "\u2212")


@contextmanager
def _stroke(pdf: FPDF, frame: _Frame, colour: str, style: LineStyle) -> Iterator[None]:
    width = _WIDTHS[style] * _PT * frame.scale
    pdf.set_draw_color(colour)
    pdf.set_line_width(width)
    if style in _DASHES:
        dash, gap = (length * _PT * frame.scale for length in _DASHES[style])
        # fpdf2 strokes with square caps, which lengthen each dash by the line's width.
        pdf.set_dash_pattern(max(dash - width, 0.01), gap + width)
    yield
    pdf.set_dash_pattern()


def _lines(pdf: FPDF, chart: ChartPlot, frame: _Frame) -> None:
    """The target across the axes, each segment's mean and process limits, then the series."""
    legend = {entry.line: entry.colour for entry in chart.legend if entry.line is not None}
    if chart.target is not None:
        with _stroke(pdf, frame, legend[LineStyle.DOTTED], LineStyle.DOTTED):
            pdf.line(frame.left, frame.y(chart.target), frame.right, frame.y(chart.target))
    for segment in chart.segments:
        x1, x2 = frame.x(segment.start), frame.x(segment.end)
        with _stroke(pdf, frame, legend[LineStyle.SOLID], LineStyle.SOLID):
            pdf.line(x1, frame.y(segment.mean), x2, frame.y(segment.mean))
        with _stroke(pdf, frame, legend[LineStyle.DASHED], LineStyle.DASHED):
            for limit in (segment.lower_limit, segment.upper_limit):
                pdf.line(x1, frame.y(limit), x2, frame.y(limit))
    if len(chart.values) > 1:
        pdf.set_draw_color(legend[LineStyle.SOLID])
        pdf.set_line_width(1.0 * _PT * frame.scale)
        pdf.polyline([(frame.x(x), frame.y(v)) for x, v in enumerate(chart.values)])


def _points(pdf: FPDF, chart: ChartPlot, frame: _Frame) -> None:
    colours = {entry.point: entry.colour for entry in chart.legend if entry.point is not None}
    radius = _POINT_RADIUS * _PT * frame.scale
    pdf.set_line_width(0)
    for x, (value, kind) in enumerate(zip(chart.values, chart.kinds, strict=True)):
        pdf.set_fill_color(colours[kind])
        marker(pdf, kind, frame.x(x), frame.y(value), radius)


def marker(pdf: FPDF, kind: PointType, x: float, y: float, radius: float) -> None:
    """A point of a kind, centred on (x, y): a circle for common cause, and a shape of its own
    for each kind of special cause (of about the circle's area), filled in the fill colour."""
    if kind is PointType.COMMON_CAUSE:
        pdf.circle(x, y, radius, style="F")
    elif kind is PointType.IMPROVEMENT:
        side = radius * 1.75
        pdf.rect(x - side / 2, y - side / 2, side, side, style="F")
    elif kind is PointType.CONCERN:
        r = radius * 1.3
        pdf.polygon([(x, y - r), (x + r, y), (x, y + r), (x - r, y)], style="F")
    else:
        r = radius * 1.35
        pdf.polygon([(x, y - r), (x + r * 0.866, y + r / 2), (x - r * 0.866, y + r / 2)], style="F")


def _axes(pdf: FPDF, chart: ChartPlot, frame: _Frame, ticks: Ticks, *, font: str) -> None:
    """The left and bottom spines, their ticks and tick labels, the unit, and a note where
    there is nothing to draw."""
    scale = frame.scale
    tick = 3.5 * _PT * scale
    pad = 3.5 * _PT * scale
    pdf.set_draw_color(*_AXIS)
    pdf.set_text_color(*_AXIS)
    pdf.set_line_width(0.8 * _PT * scale)
    pdf.line(frame.left, frame.top, frame.left, frame.bottom)
    pdf.line(frame.left, frame.bottom, frame.right, frame.bottom)
    size = 9 * scale
    pdf.set_font(font, size=size)
    widest = 0.0
    for value, text in zip(ticks.values, ticks.labels, strict=True):
        y = frame.y(value)
        pdf.line(frame.left - tick, y, frame.left, y)
        width = pdf.get_string_width(text)
        widest = max(widest, width)
        pdf.text(frame.left - tick - pad - width, y + size * _PT * 0.35, text)
    if chart.unit:
        x = frame.left - tick - pad - widest - 4 * _PT * scale
        middle = (frame.top + frame.bottom) / 2
        width = pdf.get_string_width(chart.unit)
        with pdf.rotation(90, x, middle):
            pdf.text(x - width / 2, middle, chart.unit)
    size = 7 * scale
    pdf.set_font(font, size=size)
    for x_value, text in chart.ticks:
        x = frame.x(x_value)
        pdf.line(x, frame.bottom, x, frame.bottom + tick)
        # Rotated 60 degrees, ending under its tick, as matplotlib's rotation=60, ha="right".
        top = frame.bottom + tick + pad
        width = pdf.get_string_width(text)
        with pdf.rotation(60, x, top):
            pdf.text(x - width, top + size * _PT * 0.35, text)
    if not chart.values:
        pdf.set_font(font, size=9 * scale)
        text = "No approved values yet"
        middle = (frame.top + frame.bottom) / 2
        pdf.text((frame.left + frame.right - pdf.get_string_width(text)) / 2, middle, text)


def _heading_and_legend(pdf: FPDF, chart: ChartPlot, frame: _Frame, *, font: str) -> None:
    """The heading left above the axes, and the legend in one row between the two."""
    scale = frame.scale
    pdf.set_text_color(*_AXIS)
    pdf.set_font(font, size=10 * scale)
    pdf.text(frame.left, frame.top - 20 * _PT * scale, chart.heading)
    size = 7 * scale
    pdf.set_font(font, size=size)
    em = size * _PT
    x = frame.left + 0.4 * em
    y = frame.top - 0.2 * em - 0.5 * size * _PT * 1.4
    for entry in chart.legend:
        handle = 2 * em
        if entry.line is not None:
            with _stroke(pdf, frame, entry.colour, entry.line):
                pdf.line(x, y, x + handle, y)
        else:
            assert entry.point is not None
            pdf.set_fill_color(entry.colour)
            marker(pdf, entry.point, x + handle / 2, y, _LEGEND_RADIUS * _PT * scale)
        x += handle + 0.8 * em
        pdf.text(x, y + size * _PT * 0.35, entry.label)
        x += pdf.get_string_width(entry.label) + 2 * em
