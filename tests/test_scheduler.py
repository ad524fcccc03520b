"""Scheduling core: FSRS wrapping, queue order, local days. Time is always passed in."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fsrs import Rating, State
from hypothesis import given, settings
from hypothesis import strategies as st

from mockprep.core.scheduler import (
    CardState,
    DueCard,
    card_state,
    local_midnight,
    make_scheduler,
    new_card,
    parse_rating,
    pick_next,
    preview_intervals,
    replay,
    require_utc,
    review,
)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        require_utc(datetime(2026, 1, 1))


def test_aware_non_utc_is_converted() -> None:
    paris = datetime(2026, 1, 1, 12, tzinfo=ZoneInfo("Europe/Paris"))
    assert require_utc(paris) == datetime(2026, 1, 1, 11, tzinfo=UTC)
    assert require_utc(paris).tzinfo is UTC


def test_new_card_then_again_is_learning_due_in_one_minute() -> None:
    sched = make_scheduler(0.9)
    card = new_card(7, NOW)
    assert card_state(card) == CardState.NEW
    after = review(sched, card, Rating.Again, NOW)
    assert after.state == State.Learning and after.due == NOW + timedelta(minutes=1)
    assert card_state(after) == CardState.LEARNING


def test_preview_matches_what_review_does() -> None:
    sched = make_scheduler(0.9)
    card = new_card(1, NOW)
    intervals = preview_intervals(sched, card, NOW)
    assert intervals[Rating.Again] == timedelta(minutes=1)
    assert intervals[Rating.Good] == timedelta(minutes=10)
    assert intervals[Rating.Easy] > timedelta(days=1)
    for rating, interval in intervals.items():
        assert review(sched, card, rating, NOW).due - NOW == interval


def test_scheduler_is_deterministic_default_fsrs_without_fuzz() -> None:
    sched = make_scheduler(0.9)
    assert sched.desired_retention == 0.9 and sched.enable_fuzzing is False


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", Rating.Again),
        ("again", Rating.Again),
        (" A ", Rating.Again),
        ("2", Rating.Hard),
        ("hard", Rating.Hard),
        ("3", Rating.Good),
        ("g", Rating.Good),
        ("4", Rating.Easy),
        ("EASY", Rating.Easy),
        ("5", None),
        ("", None),
        ("goodish", None),
    ],
)
def test_parse_rating(text: str, expected: Rating | None) -> None:
    assert parse_rating(text) == expected


def due(qid: int, state: CardState, minutes: float) -> DueCard:
    return DueCard(qid, state, NOW + timedelta(minutes=minutes))


AHEAD = timedelta(minutes=20)


def test_pick_next_order() -> None:
    learning_now = due(1, CardState.LEARNING, -1)
    review_now = due(2, CardState.REVIEW, -60)
    new = due(3, CardState.NEW, 0)
    learning_soon = due(4, CardState.LEARNING, 5)
    learning_late = due(5, CardState.RELEARNING, 30)
    assert pick_next(learning_now, review_now, new, NOW, AHEAD) == learning_now
    assert pick_next(learning_soon, review_now, new, NOW, AHEAD) == review_now
    assert pick_next(learning_soon, None, new, NOW, AHEAD) == new
    # Nothing else left: a learning card within the learn-ahead window comes early...
    assert pick_next(learning_soon, None, None, NOW, AHEAD) == learning_soon
    # ...but not one due later than that.
    assert pick_next(learning_late, None, None, NOW, AHEAD) is None
    assert pick_next(None, due(6, CardState.REVIEW, 1), None, NOW, AHEAD) is None


def test_local_midnight_in_a_zone_and_across_dst() -> None:
    ny = ZoneInfo("America/New_York")
    # 2026-03-08 is the US spring-forward day: that local day is 23 hours long.
    moment = datetime(2026, 3, 8, 15, 0, tzinfo=UTC)
    start = local_midnight(moment, ny)
    end = local_midnight(moment, ny, days=1)
    assert start == datetime(2026, 3, 8, 5, 0, tzinfo=UTC)
    assert end - start == timedelta(hours=23)
    # 01:00 UTC on the 9th is still the 8th in New York.
    assert local_midnight(datetime(2026, 3, 9, 1, 0, tzinfo=UTC), ny) == start


ratings = st.lists(st.sampled_from(list(Rating)), min_size=1, max_size=25)
gaps = st.lists(st.integers(min_value=0, max_value=60 * 24 * 90), min_size=25, max_size=25)


@settings(max_examples=100, deadline=None)
@given(ratings, gaps)
def test_due_never_precedes_last_review_and_replay_agrees(rs: list[Rating], minutes: list[int]) -> None:
    sched = make_scheduler(0.9)
    card = new_card(1, NOW)
    moment = NOW
    log = []
    for rating, gap in zip(rs, minutes, strict=False):
        moment += timedelta(minutes=gap)
        card = review(sched, card, rating, moment)
        log.append((moment, int(rating)))
        assert card.last_review == moment
        assert card.due > card.last_review
        if rating == Rating.Again:
            assert card.state in (State.Learning, State.Relearning)
    assert replay(sched, 1, NOW, log).to_dict() == card.to_dict()


@settings(max_examples=60, deadline=None)
@given(
    ratings=st.lists(st.sampled_from(list(Rating)), min_size=1, max_size=6),
    hours=st.lists(st.floats(min_value=0.0, max_value=24 * 400), min_size=2, max_size=2),
)
def test_recall_falls_by_the_second_and_is_fsrs_own_on_whole_days(ratings, hours) -> None:
    """fsrs counts whole days elapsed, so a question failed this morning read 100% tonight and plans and
    --weakest took it for the best known (found by an exploratory tester)."""
    from mockprep.core.scheduler import LEGACY_PARAMS, retrievability

    scheduler, card, at = LEGACY_PARAMS.scheduler(), new_card(1, NOW), NOW
    for rating in ratings:
        at += timedelta(days=1)
        card = review(scheduler, card, rating, at)
    early, late = sorted(at + timedelta(hours=h) for h in hours)
    assert retrievability(LEGACY_PARAMS, card, early) >= retrievability(LEGACY_PARAMS, card, late)
    whole = at + timedelta(days=math.floor(hours[0] / 24))
    assert retrievability(LEGACY_PARAMS, card, whole) == pytest.approx(
        scheduler.get_card_retrievability(card, whole)
    )


def test_a_question_failed_this_morning_is_not_fully_recalled_tonight() -> None:
    from mockprep.core.plans import weakest_first
    from mockprep.core.scheduler import LEGACY_PARAMS, retrievability

    scheduler = LEGACY_PARAMS.scheduler()
    failed = review(scheduler, new_card(1, NOW), Rating.Again, NOW)
    known = review(scheduler, new_card(2, NOW - timedelta(days=3)), Rating.Easy, NOW - timedelta(days=3))
    tonight = NOW + timedelta(hours=12)
    assert retrievability(LEGACY_PARAMS, failed, tonight) < 0.9
    assert weakest_first([(2, known), (1, failed)], LEGACY_PARAMS, tonight) == [1, 2]
