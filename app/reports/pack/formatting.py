"""Figures and codes as a board reads them: units, words for codes, long dates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from app.measures.vocabulary import Rag, ValueType
from app.reports.pack.content import Cell, Tone
from app.status.schemas import StatusRead

DASH = "\u2014"

LABELS = {
    "green": "Green",
    "amber": "Amber",
    "red": "Red",
    "data_only": "Data only",
    "missing": "Missing",
    "improving": "Improving",
    "worsening": "Worsening",
    "no_change": "No change",
    "increasing": "Increasing",
    "decreasing": "Decreasing",
    "not_available": "n/a",
    "common_cause": "Common cause",
    "improvement_high": "Improvement (high)",
    "improvement_low": "Improvement (low)",
    "concern_high": "Concern (high)",
    "concern_low": "Concern (low)",
    "neutral_high": "Special cause (high)",
    "neutral_low": "Special cause (low)",
    "consistent_pass": "Consistently passing",
    "consistent_fail": "Consistently failing",
    "hit_and_miss": "Hit and miss",
    "run_rate": "run rate",
    "linear_trend": "linear trend",
    "target_profile": "target profile",
    "actual": "actual",
    "not_started": "Not started",
    "in_progress": "In progress",
    "completed": "Completed",
    "cancelled": "Cancelled",
    "on_hold": "On hold",
    "open": "Open",
    "closed": "Closed",
}

_TONES = {
    "green": Tone.GREEN,
    "amber": Tone.AMBER,
    "red": Tone.RED,
    "data_only": Tone.GREY,
    "missing": Tone.GREY,
}


def label(value: object) -> str:
    """A code such as `hit_and_miss` as words; an em dash for nothing."""
    if value is None:
        return DASH
    text = str(getattr(value, "value", value))
    return LABELS.get(text, text.replace("_", " ").capitalize())


def rag_cell(rag: object, *, none: str = "Not yet due") -> Cell:
    """A RAG status as a coloured cell that also says it in words."""
    if rag is None:
        return Cell(none, tone=Tone.GREY)
    code = str(getattr(rag, "value", rag))
    return Cell(label(code), tone=_TONES.get(code, Tone.GREY), bold=True)


def number(value: Decimal | None, places: int) -> str:
    if value is None:
        return DASH
    return f"{value:,.{places}f}"


def measure(value: Decimal | None, row: StatusRead) -> str:
    """A figure to the measure's decimal places, with its unit."""
    if value is None:
        return DASH
    text = number(value, row.decimal_places)
    if row.value_type is ValueType.PERCENTAGE:
        return f"{text}%"
    if row.value_type is ValueType.CURRENCY:
        return f"\u00a3{text}"
    return f"{text} {row.unit}" if row.unit else text


def target(row: StatusRead) -> str:
    """The point target, or the band for a within-range measure."""
    if row.target_band is not None and (
        row.target_band.lower is not None or row.target_band.upper is not None
    ):
        lower, upper = row.target_band.lower, row.target_band.upper
        if lower is not None and upper is not None:
            return f"{measure(lower, row)} to {measure(upper, row)}"
        if lower is not None:
            return f"at least {measure(lower, row)}"
        return f"at most {measure(upper, row)}"
    return measure(row.target, row)


def shortfall(row: StatusRead, *, long: bool = False) -> str:
    """How far short of target, in the measure's own terms: percentage points for a
    percentage, pounds for money, the unit otherwise; a dash when on target."""
    if row.shortfall is None or row.shortfall <= 0:
        return DASH
    if row.value_type is ValueType.PERCENTAGE:
        points = number(row.shortfall, row.decimal_places)
        return f"{points} percentage points" if long else f"{points} pts"
    return measure(row.shortfall, row)


def long_date(day: date) -> str:
    """1 April 2025."""
    return f"{day.day} {day:%B %Y}"


def rag_word(rag: Rag | None) -> str:
    return label(rag) if rag is not None else "not yet due"
