"""Undo the last rating (`mockprep undo`, `u` at the rating prompt) and the echo after a rating."""

from __future__ import annotations

import json
import random
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from fsrs import Rating
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockprep.core.card_actions import CardAction, CardMarks, recorded_text, undo_text
from mockprep.core.durations import format_duration
from mockprep.core.questions import QuestionFilter
from mockprep.core.records import ReviewRecord
from mockprep.core.scheduler import card_state, make_scheduler, review
from mockprep.core.settings import DEFAULT_SETTINGS
from mockprep.db.store import Store
from mockprep.practice.mock import MockOptions, MockRound
from mockprep.practice.session import Session, SessionOptions
from mockprep.services.bank_sync import sync_banks
from tests.conftest import START, FakeClock, ScriptedUI, db_rows

DEMO = QuestionFilter(banks=("demo",))
SCHEDULER = make_scheduler(DEFAULT_SETTINGS.desired_retention)


def run(store: Store, clock: FakeClock, answers, ratings, **options):
    ui = ScriptedUI(list(answers), list(ratings), clock=clock, answer_seconds=options.pop("secs", 30))
    opts = SessionOptions(filter=DEMO, tz=ZoneInfo("UTC"), **options)
    return Session(store, ui, clock, random.Random(1), opts).run(), ui


def cards(store: Store) -> dict[str, dict]:
    rows = store.conn.exec_driver_sql("SELECT id, key FROM questions WHERE bank_id = 'demo'").all()
    return {key: store.cards.card(qid).to_dict() for qid, key in rows}


def rate(store: Store, qid: int, rating: Rating, at, session_id=None) -> None:
    card = store.cards.card(qid)
    store.cards.record_review(
        ReviewRecord(
            qid, session_id, review(SCHEDULER, card, rating, at), at, int(rating), card_state(card), "", 1
        )
    )


def test_undo_restores_the_card_exactly_and_takes_the_rating_out_of_stats(
    demo: Store, clock: FakeClock, cli
) -> None:
    before = cards(demo)
    summary, _ui = run(demo, clock, ["first answer", "second"], [Rating.Good, Rating.Easy], limit=2)
    after_two = cards(demo)
    demo.close()  # what follows runs as a new process would: nothing of the session is in memory
    assert json.loads(cli("stats", "--json").stdout)["reviews"] == 2

    first = cli("undo")
    assert first.exit_code == 0
    assert first.stdout.startswith("Undid easy on demo/") and "new question again" in first.stdout
    assert "second" in first.stdout  # the answer typed then is shown, since it is no longer stored
    assert json.loads(cli("stats", "--json").stdout)["reviews"] == 1
    with Store.open(demo.path.parent) as store:
        now = cards(store)
        (easy_key,) = [k for k in now if now[k] != after_two[k]]
        assert now[easy_key] == before[easy_key]  # identical to before the rating

    second = cli("undo")
    assert second.exit_code == 0 and second.stdout.startswith("Undid good on demo/")
    with Store.open(demo.path.parent) as store:
        assert cards(store) == before
    assert db_rows(demo.path.parent, "SELECT COUNT(*) FROM reviews") == [(0,)]
    # The finished session has nothing left in it, so it leaves history like one quit at once.
    assert db_rows(demo.path.parent, "SELECT COUNT(*) FROM sessions") == [(0,)]
    assert summary.answered == 2

    nothing = cli("undo")
    assert nothing.exit_code == 0 and "Nothing to undo" in nothing.stdout


def test_undo_replays_the_log_for_ratings_stored_without_the_card_before(
    demo: Store, clock: FakeClock
) -> None:
    """Ratings from before undo existed (or imported) have no stored card: the log is replayed."""
    qid = demo.cards.new_question_ids(DEMO)[0]
    states = [demo.cards.card(qid).to_dict()]
    for minutes, rating in ((0, Rating.Good), (15, Rating.Good), (60 * 24 * 3, Rating.Again)):
        clock.advance(minutes=minutes)
        rate(demo, qid, rating, clock.now)
        states.append(demo.cards.card(qid).to_dict())
    demo.q("UPDATE cards SET undo_review_id = NULL, undo_card = NULL")  # (m021: kept on the card)
    for expected in reversed(states[:-1]):
        undone = demo.cards.undo_last()
        assert undone is not None and undone.replayed
        assert demo.cards.card(qid).to_dict() == expected
    assert demo.cards.undo_last() is None


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    steps=st.lists(
        st.tuples(st.integers(0, 60 * 24 * 40), st.sampled_from(list(Rating))), min_size=1, max_size=8
    ),
    stored=st.booleans(),
)
def test_any_history_undoes_to_the_card_before_each_rating(demo: Store, steps, stored: bool) -> None:
    demo.q("DELETE FROM reviews")
    qid = demo.cards.new_question_ids(DEMO)[0]
    fresh = demo.q("SELECT added_at FROM questions WHERE id = :q", q=qid).scalar_one()
    demo.q("UPDATE cards SET state = 1, step = 0, stability = NULL, difficulty = NULL, due = :d,"
           " last_review = NULL WHERE question_id = :q", d=fresh, q=qid)  # fmt: skip
    at = START
    states = []
    for minutes, rating in steps:
        # Each rating at its own instant, as a clock gives them: ratings at the very same microsecond are
        # replayed in the order of their global ids (so two devices agree, issue 20), not as stored.
        at += timedelta(minutes=minutes, milliseconds=1)
        states.append(demo.cards.card(qid).to_dict())
        rate(demo, qid, rating, at)
    if not stored:
        demo.q("UPDATE cards SET undo_review_id = NULL, undo_card = NULL")  # (m021: kept on the card)
    for expected in reversed(states):
        assert demo.cards.undo_last() is not None
        assert demo.cards.card(qid).to_dict() == expected


def test_u_at_the_rating_prompt_undoes_the_previous_rating(demo: Store, clock: FakeClock) -> None:
    before = cards(demo)
    summary, ui = run(demo, clock, ["one", "two"], [Rating.Good, CardAction.UNDO, Rating.Hard], limit=2)
    rows = demo.q("SELECT q.key, r.rating FROM reviews r JOIN questions q ON q.id = r.question_id").all()
    assert [(k, r) for k, r in rows] == [(ui.shown[1], 2)]
    assert cards(demo)[ui.shown[0]] == before[ui.shown[0]]
    assert any(n.startswith(f"Undid good on {ui.shown[0]}") for n in ui.notices)
    # Its answer is printed, as `mockprep undo` does: the rating's row was its only copy.
    at = ui.notices.index("The answer you gave then (no longer stored):")
    assert ui.notices[at + 1] == "one"
    # The summary agrees with the database: one answer, rated hard.
    assert summary.answered == 1 and +summary.ratings == {2: 1} and summary.score == 50


def test_a_new_question_whose_rating_is_undone_at_the_prompt_is_asked_again(
    demo: Store, clock: FakeClock
) -> None:
    """Found by an exploratory tester: after `u` the undone question was 'a new question again' but the
    session never asked it, and said nothing else was waiting. It comes back in the same session."""
    summary, ui = run(
        demo, clock, ["one", "two", "three"], [Rating.Easy, CardAction.UNDO, Rating.Easy, Rating.Good], new=2
    )
    assert ui.shown[0] != ui.shown[1] and ui.shown[2] == ui.shown[0]  # asked again, after the next one
    rated = dict(
        demo.q("SELECT q.key, r.rating FROM reviews r JOIN questions q ON q.id = r.question_id").all()
    )
    assert rated == {ui.shown[1]: 4, ui.shown[0]: 3}
    assert summary.answered == 2


def test_u_at_a_sessions_first_prompt_does_not_reach_into_an_earlier_session(
    demo: Store, clock: FakeClock
) -> None:
    """A stray u at the first question would have undone yesterday's rating and emptied its session;
    the prompt undoes this session's ratings only, and `mockprep undo` the rest."""
    earlier, _ui = run(demo, clock, ["kept"], [Rating.Good], limit=1)
    clock.advance(minutes=1)
    summary, ui = run(demo, clock, ["next"], [CardAction.UNDO, Rating.Hard], limit=1)
    assert (
        "Nothing to undo here: the last rating was not given in this session"
        " (mockprep undo takes back earlier ratings)." in ui.notices
    )
    assert sorted(demo.q("SELECT rating FROM reviews").scalars().all()) == [2, 3]
    assert demo.sessions.get(earlier.session_id) is not None and summary.answered == 1
    assert demo.cards.undo_last(earlier.session_id + 100) is None  # not that session's: left alone
    assert demo.q("SELECT COUNT(*) FROM reviews").scalar_one() == 2


def test_undo_at_the_prompt_of_the_same_card_rates_the_restored_card(demo: Store, clock: FakeClock) -> None:
    """Again, then the same question comes back: undoing there rates the card as it was before."""
    before = cards(demo)
    _summary, ui = run(demo, clock, ["x", "y"], [Rating.Again, CardAction.UNDO, Rating.Good], new=1, limit=2)
    assert ui.shown[0] == ui.shown[1]
    key = ui.shown[0]
    (row,) = demo.q("SELECT rating, state_before, rated_at FROM reviews").all()
    assert (row.rating, row.state_before) == (3, 0)
    qid = demo.banks.question_by_key(key).id
    from fsrs import Card

    expected = review(
        SCHEDULER, Card.from_dict(before[key]), Rating.Good, demo.sessions.answers(1)[0].rated_at
    )
    assert demo.cards.card(qid).to_dict() == expected.to_dict()


def test_undo_of_a_mock_rating_unrates_its_answer(store: Store, clock: FakeClock, cli) -> None:
    sync_banks(store, clock.now)
    ratings = [Rating.Good, CardAction.UNDO, Rating.Easy] + [Rating.Hard] * 10
    ui = ScriptedUI(answers=["answer"] * 20, ratings=ratings, clock=clock)
    ui.interactive = True  # a checklist confirmed at each rating: the report card counts it
    report = MockRound(store, ui, clock, random.Random(9), "behavioral", MockOptions(minutes=10)).run()
    assert len(report.answers) >= 2
    first, second = report.answers[0], report.answers[1]
    assert first.rating is None and second.rating == 4  # the report agrees with the database
    assert first.covered is None and second.covered is not None  # the undone one's ticks went with it
    linked = dict(store.q("SELECT id, review_id FROM mock_answers ORDER BY position").all())
    assert linked[first.mock_answer_id] is None and linked[second.mock_answer_id] is not None
    assert any("its mock answer is unrated again" in n for n in ui.notices)
    rated = store.q("SELECT COUNT(*) FROM reviews").scalar_one()
    assert rated == len(report.answers) - 1
    # Undoing from the command line unlinks the last one rated; the answers themselves all stay.
    store.close()
    assert "its mock answer is unrated again" in cli("undo").stdout
    home = store.path.parent
    rows = db_rows(home, "SELECT answer, review_id FROM mock_answers ORDER BY position")
    assert len(rows) == len(report.answers) and all(a == "answer" for a, _r in rows)
    assert rows[-1][1] is None and db_rows(home, "SELECT COUNT(*) FROM reviews") == [(rated - 1,)]
    detail = cli("history", str(report.session_id)).stdout
    assert detail.count("rating not rated") == 2


def test_undo_in_a_piped_session_and_the_echo_after_each_rating(cli, home: Path) -> None:
    # 'u' at the second prompt undoes the first rating; the protocol is otherwise unchanged.
    result = cli("session", "--limit", "2", input="a\n\n3\nb\n\nu\n2\n")
    assert result.exit_code == 0, result.stderr
    assert "u undo last rating · s suspend · b bury · f flag" in result.stdout
    assert "Undid good on " in result.stdout
    assert "good — next in 10m" in result.stdout and "hard — next in " in result.stdout
    assert "1 answered" in result.stdout
    assert db_rows(home, "SELECT rating FROM reviews") == [(2,)]


def test_recorded_text() -> None:
    from fsrs import Card

    card = Card(card_id=1, due=START + timedelta(minutes=10))
    assert recorded_text(3, card, START, CardMarks()) == "good — next in 10m"
    suspended = CardMarks(suspended_at=START, suspended_by="you")
    assert "suspended" in recorded_text(1, card, START, suspended)
    buried = CardMarks(buried_until=START + timedelta(hours=15))
    assert recorded_text(1, card, START, buried) == "again — next in 10m, but buried until tomorrow"


def test_undoing_a_cram_rating_says_it_was_one_and_that_the_schedule_never_moved(
    demo: Store, clock: FakeClock
) -> None:
    """Found by an exploratory tester: `u` after a cram rating of a new question said 'it is a new question
    again', as if the rating had made it a studied one, and not that it was a cram rating."""
    run(demo, clock, ["one"], [Rating.Good], limit=1)  # one studied question, due in 10m
    studied = demo.q("SELECT q.key FROM reviews r JOIN questions q ON q.id = r.question_id").one().key
    clock.advance(minutes=1)
    before = cards(demo)
    _summary, ui = run(
        demo, clock, ["a", "b", "c"], [Rating.Again, CardAction.UNDO, Rating.Good] * 3, cram=True
    )
    assert cards(demo) == before
    (said,) = [n for n in ui.notices if n.startswith("Undid")]
    first = ui.shown[0]  # (new ones first: a new question)
    assert said.startswith(f"Undid the cram rating again on {first} (rated ")
    assert said.endswith("ago); it never moved the schedule: it is still a new question.")
    assert "new question again" not in said
    # the drill's last rating: again on the studied question (asked last, its recall the highest)
    clock.advance(minutes=5)
    assert ui.shown[-1] == studied
    undone = demo.cards.undo_last()
    assert undone is not None and undone.cram and undone.key == studied
    text = undo_text(undone, clock.now)
    assert text.startswith(f"Undid the cram rating again on {studied} (rated 5m ago); it never moved the")
    left = format_duration((undone.card.due - clock.now).total_seconds())
    assert text.endswith(f"schedule: it is due in {left}.")  # as before: not 'due again'
    assert cards(demo) == before
