"""The stretch of a long evidence quote shown under a key point (core/excerpts.py)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mockprep.core.excerpts import excerpt


def test_a_quote_that_fits_is_shown_whole_on_one_line() -> None:
    assert excerpt("Bagging averages\n  trees.", "trees", 110) == "Bagging averages trees."


def test_a_long_quote_shows_the_stretch_with_the_points_words_from_its_sentence_start() -> None:
    quote = (
        "I first sat down with him to understand why he wanted the sequence model, and it was a fair point "
        "about latency. We agreed on the metric and a decision rule before running anything."
    )
    shown = excerpt(quote, "Agreed metric and decision rule before experiments", 110)
    assert shown == "…We agreed on the metric and a decision rule before running anything."
    assert excerpt(quote, "understood the other person's reasoning", 110).startswith("I first sat down")


@given(
    st.lists(st.text(alphabet="abc xyz.,é\n", min_size=1, max_size=12), min_size=1, max_size=40),
    st.text(alphabet="abc xyz", max_size=20),
    st.integers(min_value=5, max_value=120),
)
def test_an_excerpt_is_a_whole_stretch_of_the_quote_within_the_limit(
    parts: list[str], about: str, limit: int
) -> None:
    text = " ".join(parts)
    line = " ".join(text.split())
    shown = excerpt(text, about, limit)
    assert len(shown) <= max(limit, len(line) if len(line) <= limit else limit)
    inner = shown.removeprefix("…").removesuffix("…")
    assert inner in line
    assert (shown == line) is (len(line) <= limit)
