"""core.anki_revlog: which of an Anki card's answers still schedule it, and which a question lacks."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from mockprep.core.anki_revlog import AnkiAnswer, RevlogEntry, answers, missing

START = 1_780_000_000_000  # ms


def _entries(kinds: list[tuple[int, int]], start: int) -> list[RevlogEntry]:
    """Rated entries ``(ease, type)`` an hour apart from ``start``."""
    factor = {0: 0, 1: 2500, 2: 2500}
    return [
        RevlogEntry(start + i * 3_600_000, ease, kind, factor[kind]) for i, (ease, kind) in enumerate(kinds)
    ]


_EASE = st.integers(1, 4)
_LEARNING = st.lists(st.tuples(_EASE, st.just(0)), min_size=1, max_size=4)
_LATER = st.lists(st.tuples(_EASE, st.sampled_from([1, 2])), max_size=6)


@given(
    before=st.lists(st.tuples(_EASE, st.sampled_from([0, 1, 2])), max_size=8),
    learning=_LEARNING,
    later=_LATER,
)
def test_only_the_answers_after_the_last_reset_count(before, learning, later) -> None:
    """Whatever came before a reset ("Forget"), the card is what the answers after it make."""
    old = _entries(before, START)
    reset = RevlogEntry(START + 100 * 3_600_000, 0, 4, 0)
    new = _entries(learning + later, START + 101 * 3_600_000)
    log = answers([*new, reset, *old])  # (any order: the log is read by id)
    assert [a.counts for a in log] == [False] * len(old) + [True] * len(new)
    assert [a.at for a in log] == sorted(a.at for a in log)


@given(learning=_LEARNING, later=_LATER)
def test_a_log_without_reset_counts_whole(learning, later) -> None:
    assert all(a.counts for a in answers(_entries(learning + later, START)))


def test_a_reset_with_no_answer_after_it_leaves_the_card_new() -> None:
    log = answers([*_entries([(3, 0), (3, 1)], START), RevlogEntry(START + 9 * 3_600_000, 0, 4, 0)])
    assert [a.counts for a in log] == [False, False]


@given(
    log=st.lists(st.tuples(st.integers(0, 10**6), _EASE), min_size=1, max_size=12, unique_by=lambda t: t[0]),
    held=st.data(),
)
def test_missing_answers_are_those_no_review_stands_for(log, held) -> None:
    """Answers at least 2 s apart; the question holds some of them (at the same millisecond, as an export
    to Anki and back gives: anywhere within it) and reviews of its own: missing() gives the others."""
    times = sorted(START + t * 2_001 for t, _ in log)
    log = [
        AnkiAnswer(datetime.fromtimestamp(ms / 1000, UTC), ease, 0)
        for ms, (_, ease) in zip(times, log, strict=True)
    ]
    there = held.draw(st.sets(st.integers(0, len(log) - 1)))
    existing = [(log[i].us + held.draw(st.integers(0, 999)), log[i].ease) for i in there]
    existing += [(log[-1].us + 5_000_000, 3)]  # mockprep's own review, later
    assert missing(log, existing) == [i for i in range(len(log)) if i not in there]
    assert missing(log, [(a.us, a.ease) for a in log]) == []
