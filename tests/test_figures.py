"""A key point's own figures stated otherwise (core/figures.py): an exploratory tester's own project bank
ticked every point of a pitch told with the wrong numbers."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mockprep.core.figures import figures, other_figures
from mockprep.core.keypoints import judge

POINT = "false positives down 31% at 85% recall vs the rule engine"


def test_figures_have_a_kind_and_names_are_none() -> None:
    found = figures(
        "a 4-week test, 3 seeds, 31% at 85% recall, $4M a year, 3x faster; ResNet-50 at ResNet-34 cost"
    )
    assert [(kind, value) for kind, value, _ in found] == [
        ("week", 4.0), ("seed", 3.0), ("%", 31.0), ("%", 85.0), ("$m", 4.0), ("x", 3.0)
    ]  # fmt: skip


def test_other_figures_of_the_same_kind_are_named_and_the_same_ones_are_not() -> None:
    said = "We cut false positives by 13 percent at 58% recall against the rule engine."
    assert other_figures(POINT, said) == "it gives '13%' where the key point gives '31%'"
    assert other_figures(POINT, "We cut false positives by 31 percent at 85% recall.") is None
    assert other_figures(POINT, "We cut false positives by about 30% at the same recall.") is None  # rounding
    assert (
        other_figures("a 4-week A/B test", "a 2 week A/B test")
        == "it gives '2 week' where the key point gives '4 week'"
    )
    assert other_figures(POINT, "We cut false positives a lot, in 2 weeks.") is None  # no figure of the kind


def test_the_questions_own_figures_are_data_and_a_fraction_is_a_share() -> None:
    point = "1 - 0.95^20 ≈ 64% chance of a false positive"
    right = "With 20 metrics each tested at 5%, the chance of a false positive is 1 - 0.95^20, about 0.64."
    assert other_figures(point, right) is None
    assert (
        other_figures(point, "Each has a 5% false positive rate, so 0.95^20 ≈ 36% is the chance.") is not None
    )
    assert other_figures("accuracy rose to 90%", "it was 80% before we began", given="It was 80%.") is None
    assert other_figures("accuracy rose to 90%", "it was 80% before we began") is not None


@given(
    st.floats(min_value=0.1, max_value=1e6, allow_nan=False), st.sampled_from(["%", "x", " weeks", " seeds"])
)
def test_a_figure_told_as_the_point_gives_it_is_never_otherwise(value: float, unit: str) -> None:
    figure = f"{value:.2f}{unit}"
    assert other_figures(f"it took {figure} in all", f"In all it took {figure}.") is None


def test_a_point_told_with_other_figures_is_partly_covered_with_the_reason() -> None:
    points = [POINT, "4-week A/B test; shipped in March"]
    right = (
        "False positives went down 31% at 85% recall vs the rule engine. A 4-week A/B test; shipped in March."
    )
    wrong = (
        "False positives went down 13% at 58% recall vs the rule engine. A 2-week A/B test; shipped in March."
    )
    assert [v.verdict for v in judge(points, right)] == ["covered", "covered"]
    told = judge(points, wrong)
    assert [v.verdict for v in told] == ["partly", "partly"]
    assert told[0].reason == "it gives '13%' where the key point gives '31%'"
