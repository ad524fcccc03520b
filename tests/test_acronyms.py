"""Acronyms meet the words they stand for, either way round, and only those words."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockprep.core.acronyms import capitals, expansion
from mockprep.core.keypoints import judge
from mockprep.core.textnorm import STOPWORDS, words


@pytest.mark.parametrize(
    ("letters", "text", "expected"),
    [
        ("iqm", "report the interquartile mean with", "interquartile mean"),
        ("ci", "stratified bootstrap confidence intervals", "confidence intervals"),
        ("auc", "so the area under the curve is", "area under the curve"),
        ("moe", "a mixture of experts layer", "mixture of experts"),
        ("sgd", "plain stochastic gradient descent works", "stochastic gradient descent"),
        ("rlhf", "reinforcement learning from human feedback", "reinforcement learning from human feedback"),
        ("kl", "the Kullback-Leibler divergence", "kullback leibler"),
        ("lstm", "a long short-term memory cell", "long short term memory"),
        ("map", "the maximum a posteriori estimate", "maximum a posteriori"),
        ("ema", "an exponential moving average of g", "exponential moving average"),
    ],
)
def test_an_acronym_finds_the_words_it_stands_for(letters: str, text: str, expected: str) -> None:
    assert " ".join(expansion(letters, words(text)) or []) == expected


@pytest.mark.parametrize(
    ("letters", "text"),
    [
        ("ci", "this can increase the loss"),  # two letters: two words of five letters or more
        ("pr", "the false positive rate"),
        ("ctr", "control and treatment"),  # "and" joins two things; it is not inside a name
        ("ctr", "cluster robust errors"),  # a letter from inside a word only after a compound's prefix
        ("mle", "minimising one is like maximising"),  # "one", "is" are not part of a name
        ("pca", "patients can always recover"),  # nor is "can" (a small word, but not one of a name's)
        ("gan", "a generator"),  # one word is not an expansion
    ],
)
def test_words_that_merely_share_initials_are_not_an_expansion(letters: str, text: str) -> None:
    assert expansion(letters, words(text)) is None


def test_capitals_are_read_with_a_plural_and_nothing_else() -> None:
    assert capitals("Use IQM and bootstrap CIs; a GAN's loss, not gan, Co-Op or X") == [
        ("iqm", "iqm"),
        ("ci", "cis"),
        ("gan", "gan"),
    ]


_word = st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=9)


@given(
    st.lists(st.one_of(_word, st.sampled_from(sorted(STOPWORDS))), max_size=12),
    st.text("abcdegklm", min_size=2, max_size=5),
)
def test_an_expansion_is_a_run_of_the_words_beginning_with_the_first_letter(
    tokens: list[str], letters: str
) -> None:
    found = expansion(letters, tokens)
    if found is None:
        return
    runs = [tokens[i : i + len(found)] for i in range(len(tokens) - len(found) + 1)]
    assert found in runs
    assert found[0][0] == letters[0] and found[0] not in STOPWORDS
    assert sum(w not in STOPWORDS for w in found) >= 2
    assert len(found) <= len(letters) + 3


def test_a_point_written_with_an_acronym_is_covered_by_the_words_and_the_reverse() -> None:
    (spelled,) = judge(["IQM over seeds"], "Report the interquartile mean across seeds.")
    assert spelled.features.words_all == 1.0 and spelled.verdict == "covered"
    (abbreviated,) = judge(["stochastic gradient descent with momentum"], "Use SGD with momentum.")
    assert abbreviated.features.words_all == 1.0 and abbreviated.verdict == "covered"
    (neither,) = judge(["IQM over seeds"], "Report the mean across seeds.")
    assert neither.features.words_all < 1.0


def test_an_answer_s_two_letters_do_not_stand_for_a_short_point_s_words() -> None:
    (without,) = judge(["batch noise acts as a mild regulariser"], "BN is a mild regulariser.")
    (spelled,) = judge(["batch noise acts as a mild regulariser"], "Batch noise is a mild regulariser.")
    assert without.features.words_all < spelled.features.words_all
