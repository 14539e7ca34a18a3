"""XmR charts as SVG, drawn with matplotlib's SVG backend (no display, no pyplot state).

The output is stable byte for byte for the same chart: a fixed hash salt for the ids matplotlib
generates, no metadata (so no creation date), and text kept as text (which also keeps it
readable by screen readers and searchable when the chart is inlined in a board pack).

matplotlib is imported with the first chart, not with this module: it adds about a second to
the start of every process (workers, the command line, tests), and most never draw.
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape, quoteattr

from app.spc.engine import (
    AssuranceIcon,
    ImprovementDirection,
    PointType,
    SpcPoint,
    VariationIcon,
)
from app.spc.series import IndicatorChart

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.typing import LineStyleType, RcKeyType

# After the NHS England "Making Data Count" palette (concern a darker orange, for contrast).
COLOURS = {
    PointType.COMMON_CAUSE: "#7b7d7d",
    PointType.IMPROVEMENT: "#289de0",
    PointType.CONCERN: "#e0810d",
    PointType.NEUTRAL: "#361475",
}
_LINE = "#7b7d7d"
_MAX_LABELS = 24
_TARGET = "#de1b1b"

_RC: dict[RcKeyType, Any] = {
    "svg.hashsalt": "golden-thread-spc",
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "path.simplify": False,
    # Titles, units and labels are people's text: a "$" is a dollar, never mathtext or TeX.
    "text.parse_math": False,
    "text.usetex": False,
}

_VARIATION_TEXT = {
    VariationIcon.COMMON_CAUSE: "common cause variation only",
    VariationIcon.IMPROVEMENT_HIGH: "special cause variation of an improving nature (high)",
    VariationIcon.IMPROVEMENT_LOW: "special cause variation of an improving nature (low)",
    VariationIcon.CONCERN_HIGH: "special cause variation of a concerning nature (high)",
    VariationIcon.CONCERN_LOW: "special cause variation of a concerning nature (low)",
    VariationIcon.NEUTRAL_HIGH: "special cause variation, neither improving nor concerning (high)",
    VariationIcon.NEUTRAL_LOW: "special cause variation, neither improving nor concerning (low)",
}
_ASSURANCE_TEXT = {
    AssuranceIcon.CONSISTENT_PASS: "the process will consistently meet the target",
    AssuranceIcon.CONSISTENT_FAIL: "the process will consistently miss the target",
    AssuranceIcon.HIT_AND_MISS: "the process will sometimes meet and sometimes miss the target",
}
_SVG_OPEN = re.compile(r"<svg\b[^>]*>")
# No creation date (it would change every render) and no RDF block naming the library version:
# the <title> and <desc> below say what the chart is.
_NO_METADATA: dict[str, Any] = {"Date": None, "Creator": None, "Format": None, "Type": None}
# rcParams are process-wide: one chart at a time, so no render sees another's settings.
_RENDER_LOCK = threading.Lock()


@cache
def _matplotlib() -> ModuleType:
    import matplotlib  # noqa: PLC0415 - on first use, see the module's docstring

    matplotlib.use("Agg")
    return matplotlib


def render_svg(
    chart: IndicatorChart, *, element_id: str | None = None, text_as_paths: bool = False
) -> str:
    """The chart as an SVG document with an accessible <title> and <desc>.

    `element_id` prefixes the title and description ids, so several charts can be inlined in
    one HTML page without clashing; it defaults to one made from the indicator's code.
    `text_as_paths` draws the text as outlines, for renderers (the PDF pack) that do not lay
    out SVG text in the chart's own font.
    """
    rc = {**_RC, "svg.fonttype": "path"} if text_as_paths else _RC
    with _RENDER_LOCK, _matplotlib().rc_context(rc):
        figure = _draw(chart)
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata=_NO_METADATA)
    prefix = element_id or "spc-" + re.sub(r"[^A-Za-z0-9_-]", "-", chart.indicator.code)
    return _with_title(buffer.getvalue(), title=title(chart), desc=description(chart), id=prefix)


def inline_svg(document: str) -> str:
    """An SVG document without its XML prolog and doctype, for embedding in HTML."""
    return document[document.index("<svg") :]


def title(chart: IndicatorChart) -> str:
    indicator = chart.indicator
    return f"{indicator.code} {indicator.title}: XmR chart"


def description(chart: IndicatorChart) -> str:
    """A sentence or two saying what the chart shows, for those who cannot see it."""
    points = chart.result.points
    if not points:
        return "No approved values yet."
    first, last = chart.points[0].period, chart.points[-1].period
    parts = [f"{len(points)} approved values from {first} to {last}."]
    latest = points[-1]
    if latest.mean is None or latest.lower_limit is None or latest.upper_limit is None:
        parts.append("Fewer than 13 values: no process limits are drawn.")
    else:
        parts.append(
            f"Latest value {_number(latest.value)}; mean {_number(latest.mean)}, process limits "
            f"{_number(latest.lower_limit)} to {_number(latest.upper_limit)}."
        )
    special = [chart.points[point.index].period for point in points if point.special_cause]
    if special:
        parts.append(f"Special cause points: {', '.join(special)}.")
    if chart.result.variation_icon is not None:
        parts.append(f"Variation: {_VARIATION_TEXT[chart.result.variation_icon]}.")
    if chart.target is not None:
        parts.append(f"Target {_number(float(chart.target))}.")
    if chart.result.assurance_icon is not None:
        parts.append(f"Assurance: {_ASSURANCE_TEXT[chart.result.assurance_icon]}.")
    if chart.recalculated_at:
        parts.append(f"Limits recalculated from {', '.join(chart.recalculated_at)}.")
    return " ".join(parts)


def _number(value: float) -> str:
    return f"{value:.4g}" if abs(value) < 1e6 else f"{value:,.0f}"


@dataclass(frozen=True)
class PlotSegment:
    """The centre line and process limits of one run of points (one per recalculation), from
    the x of its first point less 0.4 to that of its last plus 0.4."""

    start: float
    end: float
    mean: float
    lower_limit: float
    upper_limit: float


class LineStyle(StrEnum):
    SOLID = "solid"
    DASHED = "dashed"
    DOTTED = "dotted"


@dataclass(frozen=True)
class LegendEntry:
    """A line (mean, process limits, target) or a kind of point, in the legend's order."""

    label: str
    colour: str
    line: LineStyle | None = None
    point: PointType | None = None


@dataclass(frozen=True)
class ChartPlot:
    """What an XmR chart draws, in data coordinates, for any renderer: the matplotlib SVG
    (HTML, Word) and the PDF pack's own vector drawing are made from this one description, so
    they show the same points, colours, lines and labels. Point i is at x = i. A few numbers
    and short strings a chart, not a drawing: a large council's pack holds hundreds."""

    heading: str
    unit: str
    values: tuple[float, ...]
    kinds: tuple[PointType, ...]
    segments: tuple[PlotSegment, ...]
    target: float | None
    ticks: tuple[tuple[int, str], ...]
    x_range: tuple[float, float]
    legend: tuple[LegendEntry, ...]
    title: str
    description: str


def plot(chart: IndicatorChart) -> ChartPlot:
    """The chart's elements, from its SPC result (nothing is fitted again here)."""
    points = chart.result.points
    segments = []
    for segment in _segments(points):
        first, last = segment[0], segment[-1]
        assert first.mean is not None
        assert first.lower_limit is not None
        assert first.upper_limit is not None
        segments.append(
            PlotSegment(
                start=first.index - 0.4,
                end=last.index + 0.4,
                mean=first.mean,
                lower_limit=first.lower_limit,
                upper_limit=first.upper_limit,
            )
        )
    # At most about 24 period labels, so a long monthly series stays legible.
    xs = list(range(len(points)))
    step = max(1, -(-len(points) // _MAX_LABELS))
    shown = xs[::-1][::step][::-1]
    return ChartPlot(
        heading=_shorten(f"{chart.indicator.code} {chart.indicator.title}"),
        unit=chart.indicator.unit or "",
        values=tuple(point.value for point in points),
        kinds=tuple(point.type for point in points),
        segments=tuple(segments),
        target=None if chart.target is None else float(chart.target),
        ticks=tuple((x, chart.points[x].period) for x in shown),
        x_range=(-0.6, max(len(points) - 0.4, 0.6)),
        legend=_legend(chart),
        title=title(chart),
        description=description(chart),
    )


_MATPLOTLIB_STYLE: dict[LineStyle, LineStyleType] = {
    LineStyle.SOLID: "-",
    LineStyle.DASHED: "--",
    LineStyle.DOTTED: ":",
}
_WIDTH = {LineStyle.SOLID: 1.2, LineStyle.DASHED: 1.0, LineStyle.DOTTED: 1.0}


def _draw(chart: IndicatorChart) -> Figure:
    from matplotlib.figure import Figure  # noqa: PLC0415 - after _matplotlib(), in render_svg
    from matplotlib.lines import Line2D  # noqa: PLC0415

    drawn = plot(chart)
    # Fixed margins rather than a layout engine, which would draw the figure twice.
    figure = Figure(figsize=(7.5, 3.4), dpi=100)
    figure.subplots_adjust(left=0.09, right=0.98, top=0.82, bottom=0.22)
    axes = figure.add_subplot()
    xs = list(range(len(drawn.values)))
    axes.plot(xs, drawn.values, color=_LINE, linewidth=1, zorder=2)
    for kind in PointType:
        chosen = [x for x in xs if drawn.kinds[x] is kind]
        if chosen:
            axes.scatter(
                chosen, [drawn.values[x] for x in chosen], s=22, color=COLOURS[kind], zorder=3
            )
    for segment in drawn.segments:
        span = [segment.start, segment.end]
        axes.plot(span, [segment.mean] * 2, color=_LINE, linewidth=1.2)
        for limit in (segment.lower_limit, segment.upper_limit):
            axes.plot(span, [limit] * 2, color=_LINE, linewidth=1, linestyle="--")
    if drawn.target is not None:
        axes.axhline(drawn.target, color=_TARGET, linewidth=1, linestyle=":")
    axes.set_xticks(
        [x for x, _ in drawn.ticks], [text for _, text in drawn.ticks], rotation=60, ha="right"
    )
    axes.tick_params(axis="x", labelsize=7)
    axes.set_xlim(*drawn.x_range)
    if not drawn.values:
        axes.text(0.5, 0.5, "No approved values yet", ha="center", transform=axes.transAxes)
    if drawn.unit:
        axes.set_ylabel(drawn.unit)
    axes.set_title(drawn.heading, loc="left", fontsize=10, pad=20)
    axes.spines[["top", "right"]].set_visible(False)
    handles = [
        Line2D([], [], color=entry.colour, marker="o", linestyle="", label=entry.label)
        if entry.line is None
        else Line2D(
            [],
            [],
            color=entry.colour,
            linewidth=_WIDTH[entry.line],
            linestyle=_MATPLOTLIB_STYLE[entry.line],
            label=entry.label,
        )
        for entry in drawn.legend
    ]
    axes.legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(0, 1),
        fontsize=7,
        frameon=False,
        ncols=7,
        borderaxespad=0.2,
    )
    return figure


def _shorten(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def _legend(chart: IndicatorChart) -> tuple[LegendEntry, ...]:
    entries = [
        LegendEntry("mean", _LINE, line=LineStyle.SOLID),
        LegendEntry("process limits", _LINE, line=LineStyle.DASHED),
    ]
    if chart.target is not None:
        entries.append(LegendEntry("target", _TARGET, line=LineStyle.DOTTED))
    good = "improvement" if chart.direction is not ImprovementDirection.NEUTRAL else "special cause"
    kinds = {point.type for point in chart.result.points}
    for kind in PointType:
        if kind in kinds:
            label = good if kind is PointType.NEUTRAL else kind.value.replace("_", " ")
            entries.append(LegendEntry(label, COLOURS[kind], point=kind))
    return tuple(entries)


def _segments(points: Sequence[SpcPoint]) -> list[list[SpcPoint]]:
    """Runs of points that share their lines (one per recalculation); none without lines."""
    segments: list[list[SpcPoint]] = []
    for point in points:
        if point.mean is None:
            continue
        if segments and (segments[-1][-1].mean, segments[-1][-1].upper_limit) == (
            point.mean,
            point.upper_limit,
        ):
            segments[-1].append(point)
        else:
            segments.append([point])
    return segments


def _with_title(document: str, *, title: str, desc: str, id: str) -> str:
    """Add role="img", <title> and <desc> (named by aria-labelledby) to the root element."""
    match = _SVG_OPEN.search(document)
    assert match is not None, "matplotlib wrote no <svg> element"
    opening = match.group(0)
    labelled = f"{id}-title {id}-desc"
    tagged = (
        opening[:-1] + f' role="img" aria-labelledby={quoteattr(labelled)}>'
        f"\n <title id={quoteattr(id + '-title')}>{escape(title)}</title>"
        f"\n <desc id={quoteattr(id + '-desc')}>{escape(desc)}</desc>"
    )
    return document[: match.start()] + tagged + document[match.end() :]
