"""Suspend, bury until tomorrow and flag a question (commands and rating-prompt keys); leeches."""

from __future__ import annotations

import random
import shutil
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from fsrs import Rating
from hypothesis import given
from hypothesis import strategies as st

from mockprep.core.card_actions import CardAction, bury_end, leech_reached, parse_card_action
from mockprep.core.questions import QuestionFilter
from mockprep.core.records import ReviewRecord
from mockprep.core.scheduler import card_state, make_scheduler, parse_rating, review
from mockprep.core.settings import DEFAULT_SETTINGS
from mockprep.db.store import Store
from mockprep.paths import DB_NAME
from mockprep.practice.mock import MockOptions, MockRound
from mockprep.practice.session import Session, SessionOptions
from mockprep.services.bank_sync import sync_banks
from tests.conftest import FIXTURES, FakeClock, ScriptedUI, db_rows, write_bank

DEMO = QuestionFilter(banks=("demo",))
PARIS = ZoneInfo("Europe/Paris")
SCHEDULER = make_scheduler(DEFAULT_SETTINGS.desired_retention)


def qid(store: Store, key: str) -> int:
    record = store.banks.question_by_key(key)
    assert record is not None
    return record.id


def run(store: Store, clock: FakeClock, answers, ratings, tz=PARIS, **options):
    ui = ScriptedUI(list(answers), list(ratings), clock=clock)
    opts = SessionOptions(filter=DEMO, tz=tz, **options)
    return Session(store, ui, clock, random.Random(1), opts).run(), ui


def test_action_keys_never_read_as_ratings() -> None:
    for key, action in (("u", "undo"), ("s", "suspend"), ("b", "bury"), ("f", "flag")):
        assert parse_rating(key) is None and parse_card_action(key) == action
        assert parse_card_action(action.upper()) == action
    for rating in ("1", "2", "3", "4", "a", "h", "g", "e", "again", "easy", "q", ""):
        assert parse_card_action(rating) is None


def test_suspended_questions_are_not_asked_until_unsuspended(demo: Store, clock: FakeClock) -> None:
    demo.cards.set_suspended(qid(demo, "demo/q1"), True, clock.now)
    demo.cards.set_buried(qid(demo, "demo/q2"), bury_end(clock.now, PARIS), clock.now)
    _s, ui = run(demo, clock, ["a"] * 5, [Rating.Easy] * 5)
    assert ui.shown == ["demo/q3"]
    demo.cards.set_suspended(qid(demo, "demo/q1"), False, clock.now)
    _s, ui = run(demo, clock, ["a"] * 5, [Rating.Easy] * 5)
    assert ui.shown == ["demo/q1"]


def test_a_buried_question_comes_back_at_the_next_local_midnight(demo: Store, clock: FakeClock) -> None:
    clock.now = datetime(2026, 3, 28, 22, 30, tzinfo=UTC)  # 23:30 in Paris, the eve of the DST change
    until = bury_end(clock.now, PARIS)
    assert until == datetime(2026, 3, 28, 23, 0, tzinfo=UTC)  # midnight in Paris (still UTC+1)
    for key in ("demo/q1", "demo/q2"):
        demo.cards.set_suspended(qid(demo, key), True, clock.now)
    q3 = qid(demo, "demo/q3")
    # Rated again, then buried at the prompt: not asked again tonight, though due in a minute.
    _s, ui = run(demo, clock, ["a", "b"], [CardAction.BURY, Rating.Again, Rating.Good])
    assert ui.shown == ["demo/q3"] and "Buried demo/q3 until tomorrow." in ui.notices
    assert "again — next in 1m, but buried until tomorrow" in ui.notices
    assert demo.cards.marks(q3).buried_until == until
    assert demo.cards.count_due(DEMO, clock.now + timedelta(minutes=20)) == 0
    assert demo.cards.next_due_time(DEMO) == until
    clock.now = until + timedelta(seconds=1)
    _s, ui = run(demo, clock, ["c"], [Rating.Good], limit=1)
    assert ui.shown == ["demo/q3"]


def test_flag_suspend_and_bury_at_the_prompt_still_take_the_rating(demo: Store, clock: FakeClock) -> None:
    _s, ui = run(
        demo,
        clock,
        ["a", "b"],
        [CardAction.FLAG, CardAction.SUSPEND, CardAction.SUSPEND, CardAction.SUSPEND, Rating.Good],
        limit=1,
    )
    (key,) = ui.shown
    marks = demo.cards.marks(qid(demo, key))
    assert marks.flagged and marks.suspended and marks.suspended_by == "you"
    assert demo.q("SELECT rating FROM reviews").scalars().all() == [3]  # the answer was still rated
    assert [n.split(":")[0].split(" (")[0] for n in ui.notices[:4]] == [
        f"Flagged {key}",
        f"Suspended {key}",
        f"Unsuspended {key}",
        f"Suspended {key}",
    ]
    assert ui.notices[4] == "good — recorded; suspended, so not asked until you unsuspend it"


def test_mock_rounds_skip_suspended_questions(store: Store, clock: FakeClock) -> None:
    sync_banks(store, clock.now)
    keep = store.q("SELECT id FROM questions WHERE round = 'technical' ORDER BY id LIMIT 3").scalars().all()
    store.q("UPDATE cards SET suspended_at = '2026-01-01 00:00:00.000000', suspended_by = 'you'"
            " WHERE question_id IN (SELECT id FROM questions WHERE round = 'technical')"
            f" AND question_id NOT IN ({', '.join(map(str, keep))})")  # fmt: skip
    ui = ScriptedUI(answers=["x"] * 20, ratings=[Rating.Good] * 10, clock=clock)
    report = MockRound(store, ui, clock, random.Random(3), "technical", MockOptions(minutes=45)).run()
    assert {a.attempt.record.id for a in report.answers} <= set(keep)


def _lapse_history(store: Store, question_id: int, lapses: int, clock: FakeClock) -> list[str]:
    """Learn the card, then forget it ``lapses`` times (relearning in between); the leech notices."""
    notices = []
    for rating in [Rating.Good, Rating.Good] + [Rating.Again, Rating.Good] * lapses:
        card = store.cards.card(question_id)
        clock.now = max(clock.now, card.due) + timedelta(minutes=1)
        before = store.cards.marks(question_id).suspended
        store.cards.record_review(
            ReviewRecord(question_id, None, review(SCHEDULER, card, rating, clock.now), clock.now,
                         int(rating), card_state(card), "", 1000)
        )  # fmt: skip
        if store.cards.marks(question_id).suspended and not before:
            notices.append(f"suspended at lapse {store.cards.lapses(question_id)}")
    return notices


def test_a_leech_is_suspended_after_eight_lapses(demo: Store, clock: FakeClock) -> None:
    q1 = qid(demo, "demo/q1")
    assert _lapse_history(demo, q1, 7, clock) == []
    assert _lapse_history(demo, q1, 1, clock) == ["suspended at lapse 8"]
    marks = demo.cards.marks(q1)
    assert marks.suspended_by == "leech"
    # Unsuspended, it gets four more tries before it is suspended again (as Anki does).
    demo.cards.set_suspended(q1, False, clock.now)
    assert _lapse_history(demo, q1, 3, clock) == []
    assert _lapse_history(demo, q1, 1, clock) == ["suspended at lapse 12"]
    # Undoing the rating that made it a leech lifts that suspension.
    demo.cards.undo_last()  # the good after the lapse
    undone = demo.cards.undo_last()  # the lapse itself
    assert undone is not None and undone.unsuspended and not demo.cards.marks(q1).suspended


def test_the_leech_notice_in_a_session(demo: Store, clock: FakeClock) -> None:
    settings = replace(DEFAULT_SETTINGS, leech_lapses=1)
    q1 = qid(demo, "demo/q1")
    for key in ("demo/q2", "demo/q3"):
        demo.cards.set_suspended(qid(demo, key), True, clock.now)
    _lapse_history(demo, q1, 0, clock)  # learned: a review card
    clock.now = demo.cards.card(q1).due + timedelta(hours=1)
    ui = ScriptedUI(["forgot"], [Rating.Again], clock=clock)
    Session(demo, ui, clock, random.Random(1), SessionOptions(filter=DEMO), settings).run()
    assert any(n.startswith("demo/q1 is a leech: forgotten 1 time") for n in ui.notices)
    assert demo.cards.marks(q1).suspended


@given(lapses=st.integers(0, 60), threshold=st.integers(1, 20))
def test_leech_rule_matches_anki(lapses: int, threshold: int) -> None:
    expected = lapses >= threshold and (lapses - threshold) % max(threshold // 2, 1) == 0
    assert leech_reached(lapses, threshold) == expected
    assert not leech_reached(threshold - 1, threshold)


def test_question_commands_suspend_bury_flag_and_list(cli, home: Path) -> None:
    key = "ml-fundamentals/bias-variance-derivation"
    assert cli("question", "flag", "bias-variance-derivation").stdout.startswith(f"Flagged {key}")
    assert cli("question", "flag", key).stdout == f"{key} was already flagged.\n"
    assert cli("question", "suspend", key, "statistics/count-model-choice").exit_code == 0
    assert cli("question", "bury", "statistics/mle-gaussian-variance-bias").exit_code == 0
    listing = cli("question", "list").stdout
    assert f"{key}  technical · ml-fundamentals · new, suspended, flagged" in listing
    assert "statistics/mle-gaussian-variance-bias  technical · statistics · new, buried" in listing
    assert "3 questions" in listing
    flagged = cli("question", "list", "--flagged").stdout
    assert key in flagged and "statistics/" not in flagged and "1 question." in flagged
    assert cli("question", "unflag", key).exit_code == 0
    assert "No flagged questions." in cli("question", "list", "--flagged").stdout
    assert cli("question", "unsuspend", key).stdout.startswith(f"Unsuspended {key}")
    assert cli("question", "unbury", "mle-gaussian-variance-bias").stdout.startswith("Unburied statistics/")
    assert "count-model-choice" in cli("question", "list", "--suspended").stdout
    # A bad key in the list changes nothing.
    bad = cli("question", "suspend", key, "no-such-question")
    assert bad.exit_code == 2 and "no question with id 'no-such-question'" in bad.stderr
    assert db_rows(home, "SELECT COUNT(*) FROM cards WHERE suspended_at IS NOT NULL") == [(1,)]


def test_suspended_questions_are_skipped_by_a_piped_session(cli, home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    write_bank(folder / "demo.toml", n=2)
    assert cli("bank", "add", str(folder)).exit_code == 0
    cli("question", "suspend", "demo/q1")
    result = cli("session", "--bank", "demo", input="a\n\nf\n\nb\n\n")
    assert result.exit_code == 0, result.stderr
    assert "demo/q1" not in result.stdout and "Flagged demo/q2" in result.stdout
    assert db_rows(home, "SELECT q.key FROM reviews r JOIN questions q ON q.id = r.question_id") == [
        ("demo/q2",)
    ]


def test_schema_v5_upgrades_to_marks_and_v6_keeps_them(home: Path) -> None:
    home.mkdir(mode=0o700, parents=True)
    shutil.copy(FIXTURES / "schemas" / "schema-v5.db", home / DB_NAME)
    with Store.open(home, backups=False) as store:
        marks = store.cards.marks(1)
        assert not marks.suspended and not marks.flagged and marks.buried_until is None
        assert store.q("SELECT card_before FROM reviews").scalar_one() is None
    (home / DB_NAME).unlink()
    shutil.copy(FIXTURES / "schemas" / "schema-v6.db", home / DB_NAME)
    with Store.open(home, backups=False) as store:
        marks = store.cards.marks(1)
        assert marks.suspended and marks.suspended_by == "you" and marks.flagged
        undone = store.cards.undo_last()
        assert undone is not None and not undone.replayed and undone.card.last_review is None
        assert store.cards.card(1).stability is None


def test_bank_list_and_the_stats_forecast_count_as_due_only_what_a_session_asks(
    demo: Store, clock: FakeClock
) -> None:
    """A suspended question is never asked and a buried one not before tomorrow: neither is due today
    in `bank list` or in `stats`, which said 2 while the session said nothing was due."""
    from mockprep.core.stats import StatsFilter
    from mockprep.core.zone_offsets import utc_offsets

    run(demo, clock, ["a", "b", "c"], [Rating.Again] * 3, new=3)
    clock.advance(minutes=30)
    end = clock.now + timedelta(hours=1)

    def due_today() -> int:
        (bank,) = [b for b in demo.banks.summaries(end) if b.id == "demo"]
        return bank.due_today

    def forecast() -> dict:
        until = clock.now + timedelta(days=3)
        days = demo.stats.due_forecast(StatsFilter(), until, utc_offsets(UTC, clock.now, until))
        return {d.day: d.n for d in days}

    assert due_today() == 3 and sum(forecast().values()) == 3
    demo.cards.set_suspended(qid(demo, "demo/q1"), True, clock.now)
    buried_until = bury_end(clock.now, UTC)
    demo.cards.set_buried(qid(demo, "demo/q2"), buried_until, clock.now)
    assert due_today() == 1
    assert forecast() == {clock.now.date(): 1, buried_until.date(): 1}  # the buried one when it returns
    assert demo.cards.count_due(DEMO, end) == 1  # what the session's own count says
