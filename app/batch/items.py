"""One item of a bulk push, as both kinds of push (values and targets) check it: as it
arrived, parsed, matched to its indicator and period, and what it came to.

The checks the two pushes share are here, so an item is refused in the same words whichever
it is in: an unknown or retired indicator, an unknown period, the same indicator and period
twice in a batch, and an item's own validation errors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import TypeAdapter, ValidationError

from app.batch.schemas import ItemError, Outcome
from app.core.errors import AppError
from app.indicators.models import Indicator, IndicatorStatus
from app.periods.models import Period

ItemT = TypeVar("ItemT")
WorkT = TypeVar("WorkT", bound="Work[Any]")


@dataclass
class RawItem:
    """One item as it arrived: its position, its CSV line, and its fields."""

    index: int
    data: Any
    line: int | None = None


@dataclass
class Work(Generic[ItemT]):
    """One item on its way through a push: parsed (``item``), matched (``indicator`` and
    ``period``), its errors and what it came to."""

    raw: RawItem
    item: ItemT | None = None
    indicator: Indicator | None = None
    period: Period | None = None
    errors: list[ItemError] = field(default_factory=list)
    forbidden: bool = False
    outcome: Outcome = Outcome.ERROR

    def fail(self, loc: str, msg: str, kind: str) -> None:
        self.errors.append(ItemError(loc=[loc], msg=msg, type=kind))

    def fail_with(self, exc: AppError) -> None:
        """The errors of a check the single-item endpoint makes (its fields, or its detail)."""
        for error in exc.errors or [{"loc": ["value"], "msg": exc.detail, "type": "invalid"}]:
            self.fail(str(error["loc"][-1]), error["msg"], error["type"])


def parse_items(
    items: list[RawItem],
    many: TypeAdapter[list[ItemT]],
    one: TypeAdapter[ItemT],
    work: Callable[[RawItem], WorkT],
) -> list[WorkT]:
    """Every item validated in one call; item by item only when some are invalid."""
    try:
        valid = many.validate_python([raw.data for raw in items])
    except ValidationError:
        return [_parse(raw, one, work) for raw in items]
    parsed = [work(raw) for raw in items]
    for w, item in zip(parsed, valid, strict=True):
        w.item = item
    return parsed


def _parse(raw: RawItem, one: TypeAdapter[ItemT], work: Callable[[RawItem], WorkT]) -> WorkT:
    w = work(raw)
    try:
        w.item = one.validate_python(raw.data)
    except ValidationError as exc:
        w.errors = item_errors(exc)
    return w


def locate(
    w: Work[Any],
    indicators: dict[str, Indicator],
    periods: dict[str, Period],
    *,
    indicator_code: str,
    period_code: str,
) -> tuple[Indicator, Period] | None:
    """The item's indicator (known, not retired) and period (known), also set on ``w``; None,
    with the item's errors, where either is wanting."""
    indicator = indicators.get(indicator_code)
    period = periods.get(period_code)
    if indicator is None:
        w.fail("indicator_code", f"no indicator has the code {indicator_code!r}", "not_found")
    elif indicator.status is IndicatorStatus.RETIRED:
        w.fail("indicator_code", f"{indicator.code} is retired", "retired")
    if period is None:
        w.fail("period", f"no period has the code {period_code!r}", "not_found")
    if w.errors or indicator is None or period is None:
        return None
    w.indicator, w.period = indicator, period
    return indicator, period


def note_repeat(
    w: Work[Any], indicator: Indicator, period: Period, seen: set[tuple[str, str]]
) -> None:
    """An error where the batch named this indicator and period before."""
    key = (indicator.code, period.code)
    if key in seen:
        w.fail("period", f"{key[0]} {key[1]} appears twice in the batch", "duplicate")
    seen.add(key)


def item_errors(exc: ValidationError) -> list[ItemError]:
    """One item's validation errors, as its result lists them."""
    return [
        ItemError(loc=[str(p) for p in e["loc"]], msg=e["msg"], type=e["type"])
        for e in exc.errors()
    ]


def text_field(data: Any, key: str) -> str | None:
    """A text field of an item that did not parse, to name it in its result."""
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, str) else None
