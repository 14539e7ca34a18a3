"""Aggregation of periods and of their targets: Aggregation of periods (README, "The rules")."""

from decimal import Decimal, localcontext

import pytest

from app.measures.aggregation import Observation, aggregate, aggregate_targets
from app.measures.measure import ApprovedFigure
from app.measures.vocabulary import Aggregation, ValueStatus

SUM = Aggregation.SUM
MEAN = Aggregation.MEAN
LATEST = Aggregation.LATEST
RATIO = Aggregation.RATIO
MAX = Aggregation.MAX
MIN = Aggregation.MIN


def _values(*texts: str) -> list[Observation]:
    return [Observation(value=Decimal(text)) for text in texts]


def _parts(*triples: tuple[str, str | None, str | None]) -> list[Observation]:
    return [
        Observation(
            value=Decimal(value),
            numerator=None if numerator is None else Decimal(numerator),
            denominator=None if denominator is None else Decimal(denominator),
        )
        for value, numerator, denominator in triples
    ]


def test_aggregation_values_are_the_strings_stored_and_served() -> None:
    assert [member.value for member in Aggregation] == [
        "sum",
        "mean",
        "latest",
        "ratio",
        "max",
        "min",
    ]


@pytest.mark.parametrize("aggregation", list(Aggregation), ids=str)
def test_no_observations_aggregate_to_none(aggregation: Aggregation) -> None:
    assert aggregate([], aggregation) is None
    assert aggregate([], aggregation, scale=Decimal(100)) is None


@pytest.mark.parametrize(
    ("aggregation", "observations", "expected"),
    [
        pytest.param(SUM, _values("10", "20", "12.5"), "42.5", id="sum_counts"),
        pytest.param(SUM, _values("1.10", "2.205"), "3.305", id="sum_keeps_places"),
        pytest.param(SUM, _values("5", "-7"), "-2", id="sum_negative"),
        pytest.param(SUM, _values("0.1", "0.2"), "0.3", id="sum_exact_not_binary"),
        pytest.param(MEAN, _values("10", "20", "12"), "14", id="mean"),
        pytest.param(MEAN, _values("10", "15"), "12.5", id="mean_fractional"),
        pytest.param(MEAN, _values("-3", "3"), "0", id="mean_of_opposites"),
        pytest.param(LATEST, _values("30", "10", "20"), "20", id="latest_is_last_not_largest"),
        pytest.param(LATEST, _values("30", "40", "10"), "10", id="latest_is_last_not_first"),
        pytest.param(MAX, _values("30", "45.5", "10"), "45.5", id="max"),
        pytest.param(MAX, _values("-3", "-1", "-2"), "-1", id="max_negative"),
        pytest.param(MIN, _values("30", "45.5", "10"), "10", id="min"),
        pytest.param(MIN, _values("-3", "-1", "-2"), "-3", id="min_negative"),
    ],
)
def test_aggregate(
    aggregation: Aggregation, observations: list[Observation], expected: str
) -> None:
    assert aggregate(observations, aggregation) == Decimal(expected)


@pytest.mark.parametrize("aggregation", list(Aggregation), ids=str)
def test_a_single_period_aggregates_to_itself(aggregation: Aggregation) -> None:
    observations = _parts(("75", "3", "4"))
    expected = Decimal("0.75") if aggregation is RATIO else Decimal(75)
    assert aggregate(observations, aggregation) == expected


def test_mean_is_not_rounded_to_places() -> None:
    result = aggregate(_values("1", "2", "2"), MEAN)
    assert result is not None
    # 5 / 3: the caller rounds to the indicator's places, so carry well past 28 digits.
    assert Decimal("1." + "6" * 40) < result < Decimal("1." + "6" * 39 + "7")


def test_the_callers_decimal_context_does_not_change_the_result() -> None:
    observations = _values("123456.789", "0.001", "7")
    total = aggregate(observations, SUM)
    mean = aggregate(observations, MEAN)
    with localcontext(prec=3):
        assert aggregate(observations, SUM) == total
        assert aggregate(observations, MEAN) == mean
    assert total == Decimal("123463.790")
    assert mean is not None
    assert Decimal("41154.5966") < mean < Decimal("41154.5967")


@pytest.mark.parametrize(
    ("observations", "scale", "expected"),
    [
        pytest.param(
            _parts(("50", "1", "2"), ("75", "6", "8")),
            Decimal(1),
            "0.7",
            id="pooled_not_mean_of_ratios",
        ),
        pytest.param(
            _parts(("50", "1", "2"), ("75", "49", "98")),
            Decimal(100),
            "50",
            id="percentage_scale",
        ),
        pytest.param(
            _parts(("90", "45", "50"), ("80", "40", "50"), ("100", "25", "25")),
            Decimal(100),
            "88",
            id="three_months_into_a_quarter",
        ),
        pytest.param(
            _parts(("0", "0", "10"), ("0", "0", "5")), Decimal(100), "0", id="zero_numerators"
        ),
        pytest.param(
            _parts(("0", "0", "0"), ("80", "4", "5")),
            Decimal(100),
            "80",
            id="one_zero_denominator_among_others",
        ),
        pytest.param(
            _parts(("10", "1", "10"), ("20", "2", "10")),
            Decimal(1000),
            "150",
            id="per_thousand",
        ),
    ],
)
def test_ratio_pools_numerators_and_denominators(
    observations: list[Observation], scale: Decimal, expected: str
) -> None:
    assert aggregate(observations, RATIO, scale=scale) == Decimal(expected)


def test_ratio_is_not_the_mean_of_the_period_ratios() -> None:
    # 7 of 10 in all is 70%, though the months' own rates (50% and 75%) average 62.5%.
    observations = _parts(("50", "1", "2"), ("75", "6", "8"))
    assert aggregate(observations, RATIO, scale=Decimal(100)) == Decimal(70)
    assert aggregate(observations, MEAN) == Decimal("62.5")


@pytest.mark.parametrize(
    ("observations", "expected"),
    [
        pytest.param(_parts(("50", None, None), ("70", None, None)), "60", id="no_parts_at_all"),
        pytest.param(
            _parts(("50", "1", "2"), ("70", None, "10")), "60", id="one_numerator_lacking"
        ),
        pytest.param(
            _parts(("50", "1", "2"), ("70", "7", None)), "60", id="one_denominator_lacking"
        ),
        pytest.param(
            _parts(("50", "0", "0"), ("70", None, None)), "60", id="fallback_before_zero_check"
        ),
    ],
)
def test_ratio_without_every_part_falls_back_to_the_mean_of_values(
    observations: list[Observation], expected: str
) -> None:
    # The values are already in the indicator's unit, so the scale is not applied again.
    assert aggregate(observations, RATIO, scale=Decimal(100)) == Decimal(expected)


@pytest.mark.parametrize(
    "observations",
    [
        pytest.param(_parts(("0", "0", "0")), id="single_zero"),
        pytest.param(_parts(("0", "0", "0"), ("0", "3", "0")), id="all_zero"),
        pytest.param(_parts(("50", "1", "2"), ("50", "-1", "-2")), id="cancelling_denominators"),
    ],
)
def test_ratio_over_a_zero_denominator_sum_is_none(observations: list[Observation]) -> None:
    assert aggregate(observations, RATIO, scale=Decimal(100)) is None


@pytest.mark.parametrize("aggregation", [SUM, MEAN, LATEST, MAX, MIN], ids=str)
def test_scale_applies_only_to_ratio(aggregation: Aggregation) -> None:
    observations = _parts(("4", "1", "2"))
    assert aggregate(observations, aggregation, scale=Decimal(100)) == Decimal(4)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        pytest.param({"value": Decimal("NaN")}, ValueError, id="nan_value"),
        pytest.param(
            {"value": Decimal(1), "numerator": Decimal("Infinity")}, ValueError, id="inf_numerator"
        ),
        pytest.param(
            {"value": Decimal(1), "denominator": Decimal("sNaN")}, ValueError, id="nan_denominator"
        ),
        pytest.param({"value": 1.5}, TypeError, id="float_value"),
    ],
)
def test_observation_rejects_anything_but_finite_decimals(
    kwargs: dict[str, object], error: type[Exception]
) -> None:
    with pytest.raises(error, match=r"finite|Decimal"):
        Observation(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "figures",
    [
        pytest.param((Decimal("NaN"), None, None), id="nan_value"),
        pytest.param((Decimal(1), Decimal("Infinity"), Decimal(2)), id="inf_numerator"),
        pytest.param((Decimal(1), Decimal(1), Decimal("sNaN")), id="nan_denominator"),
        pytest.param((1.5, None, None), id="float_value"),
    ],
)
def test_an_approved_figure_read_or_made_is_refused_unless_finite_decimals(
    figures: tuple[object, object, object],
) -> None:
    """The arithmetic combines approved figures as they are: each is checked when made, the
    ones read back from the database (``known``) included."""
    approved = ValueStatus.APPROVED
    with pytest.raises((TypeError, ValueError), match=r"finite|Decimal"):
        ApprovedFigure(*figures, None, approved)  # type: ignore[arg-type]
    with pytest.raises((TypeError, ValueError), match=r"finite|Decimal"):
        ApprovedFigure.known(*figures, None, approved)  # type: ignore[arg-type]


def test_aggregate_rejects_a_non_finite_scale() -> None:
    with pytest.raises(ValueError, match="finite"):
        aggregate(_parts(("1", "1", "1")), RATIO, scale=Decimal("NaN"))


# --- targets -----------------------------------------------------------------------------------


def _ds(*texts: str) -> list[Decimal]:
    return [Decimal(text) for text in texts]


@pytest.mark.parametrize("aggregation", list(Aggregation), ids=str)
def test_no_targets_aggregate_to_none(aggregation: Aggregation) -> None:
    assert aggregate_targets([], aggregation) is None
    assert aggregate_targets([], aggregation, weights=[]) is None


@pytest.mark.parametrize(
    ("aggregation", "targets", "weights", "expected"),
    [
        pytest.param(SUM, _ds("100", "120", "80"), None, "300", id="sum"),
        pytest.param(MEAN, _ds("90", "80", "85"), None, "85", id="mean"),
        pytest.param(RATIO, _ds("90", "80"), None, "85", id="ratio_unweighted_is_mean"),
        pytest.param(LATEST, _ds("300", "310", "305"), None, "305", id="latest"),
        pytest.param(MAX, _ds("5", "7", "6"), None, "7", id="max"),
        pytest.param(MIN, _ds("5", "7", "6"), None, "5", id="min"),
        pytest.param(
            RATIO, _ds("90", "80"), _ds("300", "100"), "87.5", id="ratio_weighted_by_denominators"
        ),
        pytest.param(MEAN, _ds("90", "80"), _ds("1", "3"), "82.5", id="mean_weighted"),
        pytest.param(MEAN, _ds("90", "80"), _ds("0", "0"), "85", id="zero_weights_unweighted"),
        pytest.param(
            RATIO, _ds("90", "80"), _ds("2", "-2"), "85", id="cancelling_weights_unweighted"
        ),
        pytest.param(RATIO, _ds("90", "80"), _ds("0", "5"), "80", id="zero_weight_period_ignored"),
        pytest.param(SUM, _ds("100", "120"), _ds("1", "9"), "220", id="sum_ignores_weights"),
        pytest.param(LATEST, _ds("100", "120"), _ds("9", "1"), "120", id="latest_ignores_weights"),
        pytest.param(MAX, _ds("100", "120"), _ds("9", "1"), "120", id="max_ignores_weights"),
        pytest.param(MIN, _ds("100", "120"), _ds("1", "9"), "100", id="min_ignores_weights"),
    ],
)
def test_aggregate_targets(
    aggregation: Aggregation,
    targets: list[Decimal],
    weights: list[Decimal] | None,
    expected: str,
) -> None:
    assert aggregate_targets(targets, aggregation, weights=weights) == Decimal(expected)


def test_weighted_target_mean_is_not_rounded_to_places() -> None:
    result = aggregate_targets(_ds("1", "2"), MEAN, weights=_ds("2", "1"))
    assert result is not None
    assert Decimal("1." + "3" * 40) < result < Decimal("1." + "3" * 39 + "4")


def test_aggregate_targets_rejects_weights_of_another_length() -> None:
    with pytest.raises(ValueError, match="one entry per target"):
        aggregate_targets(_ds("1", "2"), MEAN, weights=_ds("1"))


@pytest.mark.parametrize(
    ("targets", "weights"),
    [
        pytest.param(_ds("1", "NaN"), None, id="nan_target"),
        pytest.param(_ds("1", "2"), _ds("1", "Infinity"), id="infinite_weight"),
    ],
)
def test_aggregate_targets_rejects_non_finite_values(
    targets: list[Decimal], weights: list[Decimal] | None
) -> None:
    with pytest.raises(ValueError, match="finite"):
        aggregate_targets(targets, MEAN, weights=weights)
