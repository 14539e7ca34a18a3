"""RAG status: The RAG rule (README, "The rules"), rule by rule, with the boundaries spelt out."""

import dataclasses
from decimal import Decimal, localcontext

import pytest

from app.measures.rules import RagResult, evaluate_rag, shortfall
from app.measures.vocabulary import Direction, Polarity, Rag, Target, Tolerance, ToleranceUnit

HIGHER = Polarity.HIGHER_IS_BETTER
LOWER = Polarity.LOWER_IS_BETTER
RANGE = Polarity.WITHIN_RANGE
NONE = Polarity.NONE


def _d(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _pct(green: str, amber: str) -> Tolerance:
    return Tolerance(
        unit=ToleranceUnit.PERCENT, green_within=Decimal(green), amber_within=Decimal(amber)
    )


def _abs(green: str, amber: str) -> Tolerance:
    return Tolerance(
        unit=ToleranceUnit.ABSOLUTE, green_within=Decimal(green), amber_within=Decimal(amber)
    )


def _point(value: str, *, floor: str | None = None) -> Target:
    return Target(value=Decimal(value), floor=_d(floor))


def _band(lower: str | None, upper: str | None) -> Target:
    return Target(lower=_d(lower), upper=_d(upper))


def _rate(actual: str | None, target: Target | None, polarity: Polarity, tol: Tolerance) -> Rag:
    return evaluate_rag(actual=_d(actual), target=target, polarity=polarity, tolerance=tol).rag


# --- the stored vocabulary ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("enum", "values"),
    [
        pytest.param(
            Polarity, ["higher_is_better", "lower_is_better", "within_range", "none"], id="polarity"
        ),
        pytest.param(Rag, ["green", "amber", "red", "data_only", "missing"], id="rag"),
        pytest.param(ToleranceUnit, ["percent", "absolute"], id="tolerance_unit"),
        pytest.param(
            Direction,
            [
                "improving",
                "worsening",
                "no_change",
                "increasing",
                "decreasing",
                "not_available",
            ],
            id="direction",
        ),
    ],
)
def test_enum_values_are_the_strings_stored_and_served(
    enum: type[Polarity | Rag | ToleranceUnit | Direction], values: list[str]
) -> None:
    assert [member.value for member in enum] == values


# --- Tolerance and Target validation -----------------------------------------------------------


@pytest.mark.parametrize(
    ("green", "amber"),
    [
        pytest.param("0", "0", id="all_or_nothing"),
        pytest.param("0", "10", id="green_only_when_met"),
        pytest.param("5", "5", id="no_amber_band"),
        pytest.param("5", "10", id="five_and_ten"),
        pytest.param("0.5", "2.25", id="fractional"),
    ],
)
def test_tolerance_accepts_ordered_non_negative_thresholds(green: str, amber: str) -> None:
    tolerance = _pct(green, amber)
    assert (tolerance.green_within, tolerance.amber_within) == (Decimal(green), Decimal(amber))


@pytest.mark.parametrize(
    ("green", "amber"),
    [
        pytest.param("-1", "5", id="negative_green"),
        pytest.param("0", "-1", id="negative_amber"),
        pytest.param("10", "5", id="green_wider_than_amber"),
        pytest.param("NaN", "5", id="nan_green"),
        pytest.param("0", "Infinity", id="infinite_amber"),
    ],
)
def test_tolerance_rejects_invalid_thresholds(green: str, amber: str) -> None:
    with pytest.raises(ValueError, match=r"negative|exceed|finite"):
        _abs(green, amber)


def test_tolerance_rejects_float_thresholds() -> None:
    with pytest.raises(TypeError, match="Decimal"):
        Tolerance(unit=ToleranceUnit.PERCENT, green_within=5.0, amber_within=Decimal(10))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "target",
    [
        pytest.param(Target(), id="nothing_set"),
        pytest.param(_point("80"), id="point"),
        pytest.param(_point("80", floor="70"), id="point_with_floor"),
        pytest.param(_band("40", "60"), id="band"),
        pytest.param(_band("40", None), id="band_open_above"),
        pytest.param(_band(None, "60"), id="band_open_below"),
        pytest.param(_band("50", "50"), id="band_of_one_value"),
        pytest.param(_point("-3.5"), id="negative_point"),
    ],
)
def test_target_accepts_points_and_bands(target: Target) -> None:
    assert dataclasses.replace(target) == target


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"value": "80", "lower": "70"}, "not both", id="point_and_lower"),
        pytest.param({"value": "80", "upper": "90"}, "not both", id="point_and_upper"),
        pytest.param({"lower": "60", "upper": "40"}, "lower bound", id="lower_above_upper"),
        pytest.param({"floor": "70"}, "floor", id="floor_without_point"),
        pytest.param({"lower": "40", "upper": "60", "floor": "30"}, "floor", id="floor_on_band"),
        pytest.param({"value": "NaN"}, "finite", id="nan_value"),
        pytest.param({"lower": "-Infinity"}, "finite", id="infinite_lower"),
        pytest.param({"value": "80", "floor": "sNaN"}, "finite", id="nan_floor"),
    ],
)
def test_target_rejects_invalid_shapes(kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Target(**{name: Decimal(text) for name, text in kwargs.items()})


def test_target_rejects_a_float() -> None:
    with pytest.raises(TypeError, match="Decimal"):
        Target(value=80.0)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "instance",
    [
        pytest.param(_point("80"), id="target"),
        pytest.param(_pct("5", "10"), id="tolerance"),
        pytest.param(RagResult(rag=Rag.GREEN, shortfall=None, shortfall_pct=None), id="result"),
    ],
)
def test_value_objects_are_immutable(instance: Target | Tolerance | RagResult) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(instance, dataclasses.fields(instance)[0].name, None)


# --- shortfall ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("polarity", "target", "actual", "expected"),
    [
        pytest.param(HIGHER, _point("80"), "78", "2", id="higher_short"),
        pytest.param(HIGHER, _point("80"), "80", "0", id="higher_met"),
        pytest.param(HIGHER, _point("80"), "81", "-1", id="higher_beaten_is_negative"),
        pytest.param(HIGHER, _point("-5"), "-8", "3", id="higher_negative_target"),
        pytest.param(HIGHER, _point("80", floor="70"), "60", "20", id="floor_does_not_change_it"),
        pytest.param(LOWER, _point("50"), "53.6", "3.6", id="lower_short"),
        pytest.param(LOWER, _point("50"), "50", "0", id="lower_met"),
        pytest.param(LOWER, _point("50"), "48", "-2", id="lower_beaten_is_negative"),
        pytest.param(RANGE, _band("10", "20"), "7", "3", id="range_below"),
        pytest.param(RANGE, _band("10", "20"), "23.5", "3.5", id="range_above"),
        pytest.param(RANGE, _band("10", "20"), "15", "0", id="range_inside"),
        pytest.param(RANGE, _band("10", "20"), "10", "0", id="range_on_lower_bound"),
        pytest.param(RANGE, _band("10", "20"), "20", "0", id="range_on_upper_bound"),
        pytest.param(RANGE, _band("10", None), "4", "6", id="open_above_below_lower"),
        pytest.param(RANGE, _band("10", None), "1000", "0", id="open_above_never_crossed"),
        pytest.param(RANGE, _band(None, "20"), "25", "5", id="open_below_above_upper"),
        pytest.param(RANGE, _band(None, "20"), "-1000", "0", id="open_below_never_crossed"),
    ],
)
def test_shortfall_is_positive_when_worse_than_target(
    polarity: Polarity, target: Target, actual: str, expected: str
) -> None:
    assert shortfall(actual=Decimal(actual), target=target, polarity=polarity) == Decimal(expected)


@pytest.mark.parametrize(
    ("polarity", "target"),
    [
        pytest.param(NONE, _point("80"), id="polarity_none_point"),
        pytest.param(NONE, _band("1", "2"), id="polarity_none_band"),
        pytest.param(HIGHER, Target(), id="higher_nothing_set"),
        pytest.param(LOWER, Target(), id="lower_nothing_set"),
        pytest.param(RANGE, Target(), id="range_nothing_set"),
    ],
)
def test_shortfall_is_none_with_nothing_to_rate(polarity: Polarity, target: Target) -> None:
    assert shortfall(actual=Decimal(5), target=target, polarity=polarity) is None


MISFITS = [
    pytest.param(HIGHER, _band("40", "60"), id="band_on_higher"),
    pytest.param(LOWER, _band(None, "60"), id="band_on_lower"),
    pytest.param(RANGE, _point("50"), id="point_on_range"),
]


@pytest.mark.parametrize(("polarity", "target"), MISFITS)
def test_shortfall_rejects_a_target_that_does_not_fit_the_polarity(
    polarity: Polarity, target: Target
) -> None:
    with pytest.raises(ValueError, match="needs a"):
        shortfall(actual=Decimal(5), target=target, polarity=polarity)


# --- the worked example and the status table -----------------------------------------------------


@pytest.mark.parametrize(
    ("actual", "rag", "gap", "pct"),
    [
        pytest.param("78", Rag.GREEN, "2", "2.5", id="78_is_2.5pct_short_green"),
        pytest.param("74", Rag.AMBER, "6", "7.5", id="74_is_7.5pct_short_amber"),
        pytest.param("70", Rag.RED, "10", "12.5", id="70_is_12.5pct_short_red"),
        pytest.param("81", Rag.GREEN, "-1", "-1.25", id="81_beats_target_green"),
    ],
)
def test_domain_worked_example(actual: str, rag: Rag, gap: str, pct: str) -> None:
    result = evaluate_rag(
        actual=Decimal(actual), target=_point("80"), polarity=HIGHER, tolerance=_pct("5", "10")
    )
    assert result == RagResult(rag=rag, shortfall=Decimal(gap), shortfall_pct=Decimal(pct))


P5_10 = _pct("5", "10")
P0_10 = _pct("0", "10")
P1_5 = _pct("1", "5")
A1_3 = _abs("1", "3")
A2_5 = _abs("2", "5")
G, A, R = Rag.GREEN, Rag.AMBER, Rag.RED


@pytest.mark.parametrize(
    ("polarity", "target", "tolerance", "actual", "expected"),
    [
        # higher is better, percent 5 / 10, target 80
        pytest.param(HIGHER, _point("80"), P5_10, "80", G, id="higher_pct_met_exactly"),
        pytest.param(HIGHER, _point("80"), P5_10, "76", G, id="higher_pct_on_green_boundary"),
        pytest.param(HIGHER, _point("80"), P5_10, "75.99", A, id="higher_pct_just_past_green"),
        pytest.param(HIGHER, _point("80"), P5_10, "72", A, id="higher_pct_on_amber_boundary"),
        pytest.param(HIGHER, _point("80"), P5_10, "71.99", R, id="higher_pct_just_past_amber"),
        pytest.param(HIGHER, _point("80"), P5_10, "0", R, id="higher_pct_nothing_achieved"),
        # green only when met, amber within 10%
        pytest.param(HIGHER, _point("80"), P0_10, "80", G, id="met_only_on_target"),
        pytest.param(HIGHER, _point("80"), P0_10, "81", G, id="met_only_beaten"),
        pytest.param(HIGHER, _point("80"), P0_10, "79.99", A, id="met_only_a_hair_short"),
        pytest.param(HIGHER, _point("80"), P0_10, "72", A, id="met_only_on_amber_boundary"),
        pytest.param(HIGHER, _point("80"), P0_10, "71.9", R, id="met_only_past_amber"),
        # green within 1%, amber within 5%
        pytest.param(HIGHER, _point("80"), P1_5, "79.2", G, id="one_five_on_green_boundary"),
        pytest.param(HIGHER, _point("80"), P1_5, "79.1", A, id="one_five_past_green"),
        pytest.param(HIGHER, _point("80"), P1_5, "76", A, id="one_five_on_amber_boundary"),
        pytest.param(HIGHER, _point("80"), P1_5, "75.9", R, id="one_five_past_amber"),
        # lower is better, percent 5 / 10, target 50
        pytest.param(LOWER, _point("50"), P5_10, "50", G, id="lower_pct_met_exactly"),
        pytest.param(LOWER, _point("50"), P5_10, "45", G, id="lower_pct_beaten"),
        pytest.param(LOWER, _point("50"), P5_10, "52.5", G, id="lower_pct_on_green_boundary"),
        pytest.param(LOWER, _point("50"), P5_10, "52.51", A, id="lower_pct_just_past_green"),
        pytest.param(LOWER, _point("50"), P5_10, "55", A, id="lower_pct_on_amber_boundary"),
        pytest.param(LOWER, _point("50"), P5_10, "55.01", R, id="lower_pct_just_past_amber"),
        # absolute tolerance on a percentage indicator: percentage points
        pytest.param(HIGHER, _point("95.0"), A1_3, "94", G, id="higher_pp_on_green_boundary"),
        pytest.param(HIGHER, _point("95.0"), A1_3, "93.9", A, id="higher_pp_past_green"),
        pytest.param(HIGHER, _point("95.0"), A1_3, "92", A, id="higher_pp_on_amber_boundary"),
        pytest.param(HIGHER, _point("95.0"), A1_3, "91.9", R, id="higher_pp_past_amber"),
        pytest.param(HIGHER, _point("95.0"), _pct("1", "3"), "94", A, id="same_miss_as_percent"),
        # absolute tolerance in the indicator's unit (days), lower is better
        pytest.param(LOWER, _point("10"), A2_5, "8", G, id="lower_abs_beaten"),
        pytest.param(LOWER, _point("10"), A2_5, "12", G, id="lower_abs_on_green_boundary"),
        pytest.param(LOWER, _point("10"), A2_5, "12.5", A, id="lower_abs_past_green"),
        pytest.param(LOWER, _point("10"), A2_5, "15", A, id="lower_abs_on_amber_boundary"),
        pytest.param(LOWER, _point("10"), A2_5, "15.5", R, id="lower_abs_past_amber"),
        # a target of 0
        pytest.param(HIGHER, _point("0"), P5_10, "0", G, id="zero_target_met"),
        pytest.param(HIGHER, _point("0"), P5_10, "1", G, id="zero_target_beaten"),
        pytest.param(HIGHER, _point("0"), P5_10, "-0.01", R, id="zero_target_pct_any_miss_red"),
        pytest.param(LOWER, _point("0"), P5_10, "0.01", R, id="zero_target_lower_pct_red"),
        pytest.param(LOWER, _point("0.00"), P5_10, "5", R, id="zero_target_with_places_red"),
        pytest.param(LOWER, _point("0"), A1_3, "1", G, id="zero_target_abs_green"),
        pytest.param(LOWER, _point("0"), A1_3, "3", A, id="zero_target_abs_amber"),
        pytest.param(LOWER, _point("0"), A1_3, "3.01", R, id="zero_target_abs_red"),
        # negative targets: percent is of |target|
        pytest.param(HIGHER, _point("-10"), P5_10, "-10.5", G, id="negative_target_green"),
        pytest.param(HIGHER, _point("-10"), P5_10, "-11", A, id="negative_target_amber"),
        pytest.param(HIGHER, _point("-10"), P5_10, "-11.01", R, id="negative_target_red"),
        pytest.param(LOWER, _point("-10"), P5_10, "-9.5", G, id="negative_lower_green"),
        # a recurring percentage: 1 short of 30 is 3.333...%
        pytest.param(HIGHER, _point("30"), _pct("3.33", "5"), "29", A, id="recurring_past"),
        pytest.param(HIGHER, _point("30"), _pct("3.34", "5"), "29", G, id="recurring_within"),
        # within range, band 40-60, percent 5 / 10 of the bound crossed
        pytest.param(RANGE, _band("40", "60"), P5_10, "50", G, id="band_inside"),
        pytest.param(RANGE, _band("40", "60"), P5_10, "40", G, id="band_on_lower_bound"),
        pytest.param(RANGE, _band("40", "60"), P5_10, "60", G, id="band_on_upper_bound"),
        pytest.param(RANGE, _band("40", "60"), P5_10, "38", G, id="below_band_on_green_boundary"),
        pytest.param(RANGE, _band("40", "60"), P5_10, "37", A, id="below_band_amber"),
        pytest.param(RANGE, _band("40", "60"), P5_10, "36", A, id="below_band_on_amber_boundary"),
        pytest.param(RANGE, _band("40", "60"), P5_10, "35.99", R, id="below_band_past_amber"),
        pytest.param(RANGE, _band("40", "60"), P5_10, "63", G, id="above_band_on_green_boundary"),
        pytest.param(RANGE, _band("40", "60"), P5_10, "63.01", A, id="above_band_past_green"),
        pytest.param(RANGE, _band("40", "60"), P5_10, "66", A, id="above_band_on_amber_boundary"),
        pytest.param(RANGE, _band("40", "60"), P5_10, "66.01", R, id="above_band_past_amber"),
        # one open side
        pytest.param(RANGE, _band("40", None), P5_10, "1000", G, id="open_above_high_value"),
        pytest.param(RANGE, _band("40", None), P5_10, "37", A, id="open_above_below_lower"),
        pytest.param(RANGE, _band(None, "60"), P5_10, "-1000", G, id="open_below_low_value"),
        pytest.param(RANGE, _band(None, "60"), P5_10, "66.01", R, id="open_below_above_upper"),
        # a band bound of 0 with a percent tolerance: crossing it is red
        pytest.param(RANGE, _band("0", "10"), P5_10, "-0.5", R, id="band_zero_bound_crossed"),
        pytest.param(RANGE, _band("0", "10"), P5_10, "10.5", G, id="band_other_bound_crossed"),
        pytest.param(RANGE, _band("0", "10"), P5_10, "0", G, id="band_zero_bound_touched"),
        # band with an absolute tolerance
        pytest.param(RANGE, _band("40", "60"), A2_5, "38", G, id="band_abs_on_green_boundary"),
        pytest.param(RANGE, _band("40", "60"), A2_5, "37.9", A, id="band_abs_past_green"),
        pytest.param(RANGE, _band("40", "60"), A2_5, "65", A, id="band_abs_on_amber_boundary"),
        pytest.param(RANGE, _band("40", "60"), A2_5, "65.1", R, id="band_abs_past_amber"),
        # zero tolerance: anything short is red
        pytest.param(HIGHER, _point("80"), _pct("0", "0"), "80", G, id="zero_tolerance_met"),
        pytest.param(HIGHER, _point("80"), _pct("0", "0"), "79.999", R, id="zero_tolerance_short"),
    ],
)
def test_rag_status(
    polarity: Polarity, target: Target, tolerance: Tolerance, actual: str, expected: Rag
) -> None:
    assert _rate(actual, target, polarity, tolerance) is expected


def test_band_percentage_is_of_the_bound_crossed() -> None:
    # The same distance (3) outside each side of 40-60 is 7.5% of 40 but only 5% of 60.
    below = evaluate_rag(
        actual=Decimal(37), target=_band("40", "60"), polarity=RANGE, tolerance=P5_10
    )
    above = evaluate_rag(
        actual=Decimal(63), target=_band("40", "60"), polarity=RANGE, tolerance=P5_10
    )
    assert below == RagResult(rag=A, shortfall=Decimal(3), shortfall_pct=Decimal("7.5"))
    assert above == RagResult(rag=G, shortfall=Decimal(3), shortfall_pct=Decimal(5))


# --- floors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("polarity", "target", "tolerance", "actual", "expected"),
    [
        pytest.param(HIGHER, _point("80", floor="70"), P5_10, "80", G, id="higher_met"),
        pytest.param(HIGHER, _point("80", floor="70"), P5_10, "85", G, id="higher_beaten"),
        pytest.param(
            HIGHER, _point("80", floor="70"), P5_10, "79", A, id="higher_small_miss_amber_not_green"
        ),
        pytest.param(HIGHER, _point("80", floor="70"), P5_10, "70", A, id="higher_on_floor"),
        pytest.param(HIGHER, _point("80", floor="70"), P5_10, "69.99", R, id="higher_below_floor"),
        pytest.param(
            HIGHER, _point("80", floor="79"), P5_10, "78", R, id="higher_red_despite_tolerance"
        ),
        pytest.param(LOWER, _point("10", floor="15"), P5_10, "10", G, id="lower_met"),
        pytest.param(LOWER, _point("10", floor="15"), P5_10, "12", A, id="lower_missed"),
        pytest.param(LOWER, _point("10", floor="15"), P5_10, "15", A, id="lower_on_floor"),
        pytest.param(LOWER, _point("10", floor="15"), P5_10, "15.01", R, id="lower_past_floor"),
        pytest.param(HIGHER, _point("80", floor="70"), A1_3, "72", A, id="absolute_unused"),
        pytest.param(HIGHER, _point("5", floor="0"), P5_10, "0", A, id="floor_of_zero_met"),
        pytest.param(HIGHER, _point("5", floor="0"), P5_10, "-1", R, id="floor_of_zero_missed"),
        pytest.param(
            LOWER, _point("0", floor="2"), P5_10, "1", A, id="zero_target_floor_beats_pct_rule"
        ),
    ],
)
def test_floor_replaces_the_thresholds(
    polarity: Polarity, target: Target, tolerance: Tolerance, actual: str, expected: Rag
) -> None:
    assert _rate(actual, target, polarity, tolerance) is expected


# --- shortfall percentage ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("polarity", "target", "actual", "expected"),
    [
        pytest.param(HIGHER, _point("80"), "78", "2.5", id="higher_short"),
        pytest.param(HIGHER, _point("80"), "81", "-1.25", id="higher_beaten_is_negative"),
        pytest.param(HIGHER, _point("80"), "80", "0", id="higher_met"),
        pytest.param(LOWER, _point("50"), "55", "10", id="lower_short"),
        pytest.param(LOWER, _point("50"), "45", "-10", id="lower_beaten_is_negative"),
        pytest.param(HIGHER, _point("-10"), "-11", "10", id="negative_target_uses_magnitude"),
        pytest.param(RANGE, _band("40", "60"), "37", "7.5", id="band_below_of_lower"),
        pytest.param(RANGE, _band("40", "60"), "63", "5", id="band_above_of_upper"),
        pytest.param(RANGE, _band("40", "60"), "50", "0", id="band_inside_is_zero"),
        pytest.param(RANGE, _band("40", "60"), "40", "0", id="band_on_bound_is_zero"),
        pytest.param(RANGE, _band("0", "10"), "5", "0", id="inside_band_with_zero_bound"),
        pytest.param(RANGE, _band("0", "10"), "-1", None, id="crossed_zero_bound_is_none"),
        pytest.param(HIGHER, _point("0"), "-1", None, id="zero_target_missed_is_none"),
        pytest.param(HIGHER, _point("0"), "1", None, id="zero_target_beaten_is_none"),
        pytest.param(HIGHER, _point("0"), "0", None, id="zero_target_met_is_none"),
    ],
)
def test_shortfall_pct(
    polarity: Polarity, target: Target, actual: str, expected: str | None
) -> None:
    result = evaluate_rag(actual=Decimal(actual), target=target, polarity=polarity, tolerance=A1_3)
    assert result.shortfall_pct == _d(expected)


def test_recurring_percentage_is_not_rounded_to_places() -> None:
    result = evaluate_rag(actual=Decimal(2), target=_point("3"), polarity=HIGHER, tolerance=P5_10)
    assert result.shortfall_pct is not None
    # The caller rounds to the indicator's places; here it must carry well beyond 28 digits.
    assert Decimal("33." + "3" * 40) < result.shortfall_pct < Decimal("33." + "3" * 39 + "4")


def test_the_callers_decimal_context_does_not_change_the_result() -> None:
    def rate() -> RagResult:
        return evaluate_rag(
            actual=Decimal("76.000001"),
            target=_point("80.123456"),
            polarity=HIGHER,
            tolerance=P5_10,
        )

    expected = rate()
    with localcontext(prec=3):
        assert rate() == expected
    assert expected.shortfall == Decimal("4.123455")


# --- missing, data only, misconfiguration -------------------------------------------------------


@pytest.mark.parametrize(
    ("polarity", "target"),
    [
        pytest.param(HIGHER, _point("80"), id="higher"),
        pytest.param(LOWER, _point("80"), id="lower"),
        pytest.param(RANGE, _band("1", "2"), id="range"),
        pytest.param(NONE, None, id="data_only_indicator"),
        pytest.param(HIGHER, None, id="no_target"),
    ],
)
def test_no_value_is_missing(polarity: Polarity, target: Target | None) -> None:
    result = evaluate_rag(actual=None, target=target, polarity=polarity, tolerance=P5_10)
    assert result == RagResult(rag=Rag.MISSING, shortfall=None, shortfall_pct=None)


@pytest.mark.parametrize(
    ("polarity", "target"),
    [
        pytest.param(NONE, _point("80"), id="polarity_none_with_point"),
        pytest.param(NONE, _band("40", "60"), id="polarity_none_with_band"),
        pytest.param(NONE, None, id="polarity_none_without_target"),
        pytest.param(HIGHER, None, id="higher_no_target"),
        pytest.param(LOWER, Target(), id="lower_empty_target"),
        pytest.param(RANGE, None, id="range_no_band"),
        pytest.param(RANGE, Target(), id="range_empty_target"),
    ],
)
def test_nothing_to_rate_against_is_data_only(polarity: Polarity, target: Target | None) -> None:
    result = evaluate_rag(actual=Decimal("12.5"), target=target, polarity=polarity, tolerance=P5_10)
    assert result == RagResult(rag=Rag.DATA_ONLY, shortfall=None, shortfall_pct=None)


@pytest.mark.parametrize(
    "actual", [pytest.param("5", id="with_value"), pytest.param(None, id="missing")]
)
@pytest.mark.parametrize(("polarity", "target"), MISFITS)
def test_evaluate_rejects_a_target_that_does_not_fit_the_polarity(
    polarity: Polarity, target: Target, actual: str | None
) -> None:
    with pytest.raises(ValueError, match="needs a"):
        evaluate_rag(actual=_d(actual), target=target, polarity=polarity, tolerance=P5_10)


@pytest.mark.parametrize(
    ("actual", "last_year"),
    [
        pytest.param("NaN", None, id="nan_actual"),
        pytest.param("Infinity", None, id="infinite_actual"),
        pytest.param("1", "-Infinity", id="infinite_last_year"),
        pytest.param("1", "sNaN", id="signalling_nan_last_year"),
    ],
)
def test_evaluate_rejects_non_finite_values(actual: str, last_year: str | None) -> None:
    with pytest.raises(ValueError, match="finite"):
        evaluate_rag(
            actual=Decimal(actual),
            target=_point("80"),
            polarity=HIGHER,
            tolerance=P5_10,
            amber_if_improving=True,
            last_year=_d(last_year),
        )


def test_evaluate_rejects_a_float_actual() -> None:
    with pytest.raises(TypeError, match="Decimal"):
        evaluate_rag(actual=78.0, target=_point("80"), polarity=HIGHER, tolerance=P5_10)  # type: ignore[arg-type]


# --- amber if improving ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("polarity", "target", "actual", "last_year", "enabled", "expected"),
    [
        pytest.param(HIGHER, _point("80"), "70", "65", True, A, id="higher_red_improved_amber"),
        pytest.param(HIGHER, _point("80"), "70", "70", True, A, id="higher_red_matched_amber"),
        pytest.param(HIGHER, _point("80"), "70", "71", True, R, id="higher_red_declined_stays"),
        pytest.param(HIGHER, _point("80"), "70", None, True, R, id="no_last_year_stays_red"),
        pytest.param(HIGHER, _point("80"), "70", "60", False, R, id="not_enabled_stays_red"),
        pytest.param(HIGHER, _point("80"), "74", "60", True, A, id="amber_unchanged"),
        pytest.param(HIGHER, _point("80"), "78", "90", True, G, id="green_unchanged"),
        pytest.param(HIGHER, _point("80"), "74", "90", True, A, id="amber_not_made_red"),
        pytest.param(LOWER, _point("50"), "60", "62", True, A, id="lower_red_improved_amber"),
        pytest.param(LOWER, _point("50"), "60", "59", True, R, id="lower_red_declined_stays"),
        pytest.param(LOWER, _point("0"), "3", "4", True, A, id="zero_target_red_improved"),
        pytest.param(
            HIGHER, _point("80", floor="70"), "65", "60", True, A, id="below_floor_improved"
        ),
        pytest.param(
            HIGHER, _point("80", floor="70"), "65", "66", True, R, id="below_floor_declined"
        ),
        pytest.param(
            RANGE, _band("40", "60"), "70", "28", True, A, id="band_closer_than_last_year"
        ),
        pytest.param(
            RANGE, _band("40", "60"), "70", "30", True, A, id="band_as_far_other_side_amber"
        ),
        pytest.param(
            RANGE, _band("40", "60"), "70", "31", True, R, id="band_further_than_last_year"
        ),
        pytest.param(RANGE, _band("40", "60"), "70", "50", True, R, id="band_was_inside_stays"),
        pytest.param(RANGE, _band(None, "60"), "70", "75", True, A, id="open_band_improved"),
    ],
)
def test_amber_if_improving(
    polarity: Polarity,
    target: Target,
    actual: str,
    last_year: str | None,
    enabled: bool,
    expected: Rag,
) -> None:
    result = evaluate_rag(
        actual=Decimal(actual),
        target=target,
        polarity=polarity,
        tolerance=P5_10,
        amber_if_improving=enabled,
        last_year=_d(last_year),
    )
    assert result.rag is expected


def test_amber_if_improving_keeps_the_shortfall() -> None:
    result = evaluate_rag(
        actual=Decimal(70),
        target=_point("80"),
        polarity=HIGHER,
        tolerance=P5_10,
        amber_if_improving=True,
        last_year=Decimal(60),
    )
    assert result == RagResult(rag=A, shortfall=Decimal(10), shortfall_pct=Decimal("12.5"))


@pytest.mark.parametrize(
    ("polarity", "target"),
    [
        pytest.param(NONE, None, id="data_only"),
        pytest.param(HIGHER, None, id="no_target"),
    ],
)
def test_amber_if_improving_leaves_unrated_values_alone(
    polarity: Polarity, target: Target | None
) -> None:
    result = evaluate_rag(
        actual=Decimal(1),
        target=target,
        polarity=polarity,
        tolerance=P5_10,
        amber_if_improving=True,
        last_year=Decimal(0),
    )
    assert result.rag is Rag.DATA_ONLY
