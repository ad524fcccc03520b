"""The session loop, driven by a scripted UI and a fake clock: order, limits, quitting, interruption."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fsrs import Rating
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from mockprep.core.questions import QuestionFilter
from mockprep.core.scheduler import CardState
from mockprep.core.settings import DEFAULT_SETTINGS
from mockprep.db import review_codec
from mockprep.db.review_codec import verdict_list
from mockprep.db.store import Store
from mockprep.practice.pipeline import Pipeline
from mockprep.practice.session import Session, SessionInterrupted, SessionOptions
from mockprep.services.bank_sync import sync_banks
from tests.conftest import FIXTURES, FakeClock, ScriptedUI, write_bank

DEMO = QuestionFilter(banks=("demo",))


@pytest.fixture
def demo(store: Store, tmp_path: Path, clock: FakeClock) -> Store:
    folder = tmp_path / "mine"
    folder.mkdir()
    write_bank(folder / "demo.toml", n=5)
    store.banks.add_source(folder, clock.now)
    sync_banks(store, clock.now)
    return store


def run(store: Store, clock: FakeClock, answers, ratings, seed: int = 1, **options) -> tuple:
    ui = ScriptedUI(list(answers), list(ratings), clock=clock, answer_seconds=options.pop("secs", 0))
    settings = replace(DEFAULT_SETTINGS, daily_new=options.pop("daily_new", DEFAULT_SETTINGS.daily_new))
    opts = SessionOptions(filter=options.pop("filter", DEMO), tz=ZoneInfo("UTC"), **options)
    summary = Session(store, ui, clock, random.Random(seed), opts, settings).run()
    return summary, ui


def captured():
    """A plain console writing to a string, and the string."""
    import io

    from rich.console import Console

    out = io.StringIO()
    return Console(file=out, width=100, color_system=None, highlight=False, soft_wrap=False), out


def reviews(store: Store):
    return store.conn.exec_driver_sql(
        "SELECT q.key, r.rating, r.state_before, r.answer, r.duration_ms, r.session_id"
        " FROM reviews r JOIN questions q ON q.id = r.question_id ORDER BY r.id"
    ).all()


def test_each_rating_is_stored_with_answer_and_duration(demo: Store, clock: FakeClock) -> None:
    summary, ui = run(demo, clock, ["first answer", "second"], [Rating.Good, Rating.Easy], secs=42, limit=2)
    rows = reviews(demo)
    assert [(r.answer, r.rating, r.state_before, r.duration_ms) for r in rows] == [
        ("first answer", 3, 0, 42_000),
        ("second", 4, 0, 42_000),
    ]
    assert [r.key for r in rows] == ui.shown
    assert summary.answered == 2 and summary.ratings == {3: 1, 4: 1}
    assert summary.stopped_by_limit and summary.status == "completed"
    assert demo.sessions.get(summary.session_id).status == "completed"


def _new_questions_asked(home: Path, clock: FakeClock, seed: int, sessions: list[int]) -> list[str]:
    """The questions of a home with one bank of 8 new ones, asked in sessions of these lengths."""
    store = Store.open(home)
    try:
        write_bank(home / "demo.toml", n=8)
        store.banks.add_source(home / "demo.toml", clock.now)
        sync_banks(store, clock.now)
        shown: list[str] = []
        for count in sessions:
            ui = ScriptedUI(["a"] * count, [Rating.Easy] * count, clock=clock)
            opts = SessionOptions(filter=DEMO, tz=ZoneInfo("UTC"), limit=count)
            Session(store, ui, clock, random.Random(seed), opts, replace(DEFAULT_SETTINGS, daily_new=8)).run()
            shown += ui.shown
        return shown
    finally:
        store.close()


@pytest.mark.parametrize("seed", range(4))
def test_a_restart_offers_the_rest_of_the_days_new_questions_in_the_same_order(
    tmp_path: Path, clock: FakeClock, seed: int
) -> None:
    """Found by an exploratory tester: quitting and starting again drew the day's new questions afresh
    (the CLI seeds the randomness with the day and the home: test_practice_cli's check of --minutes)."""
    whole = _new_questions_asked(tmp_path / "whole", clock, seed, [8])
    assert sorted(whole) == sorted(f"demo/q{i}" for i in range(1, 9))
    assert _new_questions_asked(tmp_path / "restarted", clock, seed, [3, 2, 3]) == whole


def test_new_questions_come_in_an_order_the_seed_draws(tmp_path: Path, clock: FakeClock) -> None:
    orders = {tuple(_new_questions_asked(tmp_path / str(seed), clock, seed, [8])) for seed in range(4)}
    assert len(orders) > 1  # (4 draws of 8! orders: all alike only if the seed were ignored)


def test_again_comes_back_in_the_same_session(demo: Store, clock: FakeClock) -> None:
    # One new question allowed: Again, then it returns (learn-ahead) and is rated Good twice.
    _s, ui = run(demo, clock, ["x", "y", "z"], [Rating.Again, Rating.Good, Rating.Good], new=1)
    assert len(set(ui.shown)) == 1 and len(ui.shown) == 3
    assert [r.state_before for r in reviews(demo)] == [
        CardState.NEW,
        CardState.LEARNING,
        CardState.LEARNING,
    ]


def test_learning_due_comes_before_reviews_and_new(demo: Store, clock: FakeClock) -> None:
    run(demo, clock, ["a", "b"], [Rating.Easy, Rating.Again], new=2)
    learning_key = reviews(demo)[1].key
    clock.advance(minutes=2)
    _s, ui = run(demo, clock, ["c"], [Rating.Good], new=3, limit=1)
    assert ui.shown == [learning_key]


def test_most_overdue_review_first(demo: Store, clock: FakeClock) -> None:
    run(demo, clock, ["a"], [Rating.Easy], new=1)
    clock.advance(hours=1)
    run(demo, clock, ["b"], [Rating.Easy], new=1)
    first, second = [r.key for r in reviews(demo)]
    clock.advance(days=400)
    _s, ui = run(demo, clock, ["c", "d"], [Rating.Good, Rating.Good], new=0)
    assert ui.shown == [first, second]


def test_daily_new_limit_is_per_local_day(demo: Store, clock: FakeClock) -> None:
    run(demo, clock, ["a"] * 3, [Rating.Easy] * 3, daily_new=2)
    assert len(reviews(demo)) == 2
    clock.advance(hours=1)
    summary, ui = run(demo, clock, ["a"], [Rating.Easy], daily_new=2)
    assert summary.status == "empty" and ui.shown == [] and summary.session_id is None
    clock.advance(days=1)
    _s, ui = run(demo, clock, ["a"] * 5, [Rating.Easy] * 5, daily_new=2)
    assert len(ui.shown) == 2


def test_explicit_new_overrides_the_daily_limit(demo: Store, clock: FakeClock) -> None:
    run(demo, clock, ["a"] * 5, [Rating.Easy] * 5, daily_new=1, new=4)
    assert len(reviews(demo)) == 4


def test_quit_at_answer_or_rating_keeps_earlier_ratings(demo: Store, clock: FakeClock) -> None:
    summary, _ = run(demo, clock, ["a", None], [Rating.Good])
    assert summary.answered == 1 and summary.status == "ended_early" and len(reviews(demo)) == 1
    summary, _ = run(demo, clock, ["a", "b"], [Rating.Good], new=5)
    assert summary.answered == 1 and len(reviews(demo)) == 2


@pytest.mark.parametrize("interrupt", [KeyboardInterrupt(), SessionInterrupted(15)])
def test_interrupt_keeps_ratings_and_marks_session(demo: Store, clock: FakeClock, interrupt) -> None:
    summary, ui = run(demo, clock, ["a", "b", interrupt], [Rating.Good, Rating.Hard])
    assert summary.status == "interrupted" and summary.answered == 2
    assert demo.sessions.get(summary.session_id).status == "interrupted"
    assert [r.rating for r in reviews(demo)] == [3, 2]
    assert ui.summaries == [summary]  # the summary is still shown


@pytest.mark.parametrize("interrupt", [KeyboardInterrupt(), SessionInterrupted(1)])
def test_interrupt_at_the_rating_prompt_keeps_the_answer_unrated(
    demo: Store, clock: FakeClock, interrupt
) -> None:
    """Ctrl-C (or a closed terminal) at the rating keeps the answer just typed, as q there does."""
    summary, ui = run(demo, clock, ["a", "my precious answer"], [Rating.Good, interrupt])
    assert summary.status == "interrupted" and [r.rating for r in reviews(demo)] == [3]
    kept = demo.sessions.mock_answers(summary.session_id)
    assert [(m.answer.answer, m.answer.position, m.rating) for m in kept] == [("my precious answer", 2, None)]
    assert any("kept, not rated" in note for note in ui.notices)


def test_ctrl_c_while_the_rating_is_written_keeps_the_rating_and_no_unrated_copy(
    demo: Store, clock: FakeClock
) -> None:
    """A signal during the write waits for its commit (defer_while_writing, as the CLI's handler
    does); it must then find the answer stored, not keep it a second time as unrated."""
    from mockprep.db.write_guard import defer_while_writing

    def interrupt() -> None:
        raise KeyboardInterrupt

    original = demo.cards.record_review

    def record_then_signal(*args, **kwargs):
        stored = original(*args, **kwargs)
        if not defer_while_writing(interrupt):  # the handler: later if a write is in progress
            interrupt()
        return stored

    demo.cards.record_review = record_then_signal  # type: ignore[method-assign]
    summary, _ui = run(demo, clock, ["a"], [Rating.Good])
    assert summary.status == "interrupted" and [r.rating for r in reviews(demo)] == [3]
    assert summary.session_id is not None and demo.sessions.mock_answers(summary.session_id) == []


def test_an_interrupt_after_the_rating_is_stored_keeps_no_second_copy(
    demo: Store, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(store, ui, record, now) -> None:  # Ctrl-C at the question after the rating, say
        raise KeyboardInterrupt

    ui = ScriptedUI(["a"], [Rating.Good], clock=clock)
    session = Session(demo, ui, clock, random.Random(1), SessionOptions(filter=DEMO, tz=ZoneInfo("UTC")))
    monkeypatch.setattr("mockprep.practice.pipeline.offer_stories", interrupted)
    summary = session.run()
    assert summary.status == "interrupted" and [r.rating for r in reviews(demo)] == [3]
    assert summary.session_id is not None and demo.sessions.mock_answers(summary.session_id) == []


def test_nothing_due_reports_next_due(demo: Store, clock: FakeClock) -> None:
    run(demo, clock, ["a"] * 5, [Rating.Good] * 5, new=5)  # all in learning, due in 10 min
    clock.advance(minutes=1)
    run(demo, clock, ["a"] * 5, [Rating.Easy] * 5, new=0)  # graduate them all
    summary, ui = run(demo, clock, [], [], new=0)
    assert summary.status == "empty" and ui.shown == []
    assert summary.next_due is not None and summary.next_due > clock.now + timedelta(days=1)


def test_progress_counts_down(demo: Store, clock: FakeClock) -> None:
    _s, ui = run(demo, clock, ["a"] * 3, [Rating.Easy] * 3, new=3)
    assert [(p.number, p.remaining) for p in ui.progress] == [(1, 2), (2, 1), (3, 0)]


def test_auto_graded_questions_suggest_a_rating(store: Store, clock: FakeClock, tmp_path: Path) -> None:
    store.banks.add_source(FIXTURES / "banks", clock.now)
    sync_banks(store, clock.now)
    flt = QuestionFilter(banks=("example",))
    answers = {"example/coin": "b", "example/num": "35/12", "example/bias-variance": "..."}
    ui = ScriptedUI(clock=clock)
    ui.read_answer = lambda countdown=None: answers[ui.shown[-1]]  # type: ignore[method-assign]
    ui.ratings = [Rating.Good] * 3
    Session(store, ui, clock, random.Random(3), SessionOptions(filter=flt)).run()
    by_key = dict(zip(ui.shown, ui.suggestions, strict=True))
    assert by_key == {
        "example/coin": Rating.Good,
        "example/num": Rating.Good,
        "example/bias-variance": Rating.Again,  # "..." covers none of its key points
    }
    grades = {k: g for k, (_a, g) in zip(ui.shown, ui.reveals, strict=True)}
    assert grades["example/coin"].correct and grades["example/num"].correct


def test_stored_card_equals_replay_of_its_reviews(demo: Store, clock: FakeClock) -> None:
    from mockprep.core.scheduler import make_scheduler, replay
    from mockprep.db.sql import from_db_time

    clock.tick = timedelta(seconds=17)
    for rounds in range(4):
        run(demo, clock, ["a"] * 8, [Rating.Again, Rating.Good, Rating.Hard, Rating.Easy] * 2, new=2)
        clock.advance(days=rounds + 1)
    rows = demo.conn.exec_driver_sql("SELECT question_id, rated_at, rating FROM reviews ORDER BY id").all()
    by_q: dict[int, list] = {}
    for qid, at, rating in rows:
        by_q.setdefault(qid, []).append((from_db_time(at), rating))
    assert by_q
    for qid, log in by_q.items():
        assert replay(make_scheduler(0.9), qid, log[0][0], log).to_dict() == demo.cards.card(qid).to_dict()


# -- timing ---------------------------------------------------------------------------------------


def timing_rows(store: Store):
    return store.conn.exec_driver_sql(
        "SELECT duration_ms, time_limit_ms, coverage, suggested FROM reviews ORDER BY id"
    ).all()


def test_answers_are_timed_against_the_round_limit_and_overtime_kept(demo: Store, clock: FakeClock) -> None:
    summary, ui = run(demo, clock, ["quick", "slow but complete"], [Rating.Good, Rating.Good], secs=0, new=2)
    assert {c.limit for c in ui.countdowns} == {180.0}  # the technical default
    clock.advance(days=1)
    ui2 = ScriptedUI(["over time"], [Rating.Good], clock=clock, answer_seconds=200)
    opts = SessionOptions(filter=DEMO, tz=ZoneInfo("UTC"), new=1)
    summary = Session(demo, ui2, clock, random.Random(1), opts).run()
    timing = ui2.timings[0]
    assert timing.seconds == 200 and timing.limit == 180 and timing.overtime == 20
    assert summary.overtime == 1 and summary.points == [(3, True)] and summary.score == 70
    assert timing_rows(demo)[-1][:2] == (200_000, 180_000)


def test_time_limit_override_and_no_timer(demo: Store, clock: FakeClock) -> None:
    _s, ui = run(demo, clock, ["a"], [Rating.Good], new=1, time_limit=45.0)
    assert ui.countdowns[0].limit == 45.0
    _s, ui = run(demo, clock, ["b"], [Rating.Good], new=1, timer=False, secs=999)
    assert ui.countdowns[0] is None and ui.timings[0].overtime == 0
    assert timing_rows(demo)[-1][1] is None


def test_key_point_coverage_is_stored_and_drives_the_suggestion(demo: Store, clock: FakeClock) -> None:
    # write_bank's key points are "first point" and "second point".
    _s, ui = run(
        demo,
        clock,
        ["the first point, and the secnd point too", "only the first point"],
        [Rating.Good, Rating.Hard],
        new=2,
    )
    assert ui.coverages == [[True, True], [True, False]]
    assert ui.suggestions == [Rating.Easy, Rating.Hard]
    assert [r.coverage for r in timing_rows(demo)] == ["11", "10"]  # one character per key point (m015)
    assert [r.suggested for r in timing_rows(demo)] == [4, 2]


def test_minutes_plan_stops_when_time_is_up(demo: Store, clock: FakeClock) -> None:
    # Limits are 3 minutes and no history yet: a 7-minute session fits two answers of 3 minutes.
    summary, ui = run(demo, clock, ["a"] * 5, [Rating.Easy] * 5, new=5, minutes=7, secs=180)
    assert summary.answered == 2 and summary.stopped_by_time
    assert summary.planned == 2 and "About 2 of the 5 waiting questions fit in 7 minutes" in ui.notices[0]


def test_minutes_plan_uses_median_answer_times_once_there_are_enough(
    demo: Store, clock: FakeClock, tmp_path: Path
) -> None:
    folder = tmp_path / "more"
    folder.mkdir()
    write_bank(folder / "big.toml", bank_id="big", n=20)
    demo.banks.add_source(folder, clock.now)
    sync_banks(demo, clock.now)
    big = QuestionFilter(banks=("big",))
    run(demo, clock, ["a"] * 6, [Rating.Easy] * 6, new=6, secs=60, filter=big)  # median 60s
    clock.advance(days=1)
    summary, ui = run(demo, clock, ["a"] * 10, [Rating.Easy] * 10, new=10, minutes=5, secs=60, filter=big)
    assert "median answer time as a share of each question's time limit" in ui.notices[0]
    assert summary.answered == 5 and summary.stopped_by_time


def test_quitting_before_the_first_answer_leaves_no_session(demo: Store, clock: FakeClock) -> None:
    summary, ui = run(demo, clock, [None], [])
    assert ui.shown and summary.answered == 0
    assert demo.conn.exec_driver_sql("SELECT COUNT(*) FROM sessions").scalar() == 0


def test_a_session_cut_short_by_an_error_is_interrupted_not_completed(demo: Store, clock: FakeClock) -> None:
    """A terminal that closes fails the next prompt with an input/output error: the ratings given stay
    and the session is recorded as interrupted (it used to say completed), its lock released."""
    with pytest.raises(OSError):
        run(demo, clock, ["a", "b"], [Rating.Good, OSError(5, "Input/output error")])
    (session,) = demo.conn.exec_driver_sql("SELECT id, status FROM sessions").all()
    assert session.status == "interrupted" and [r.rating for r in reviews(demo)] == [3]
    assert not list((demo.path.parent / "locks").glob("session-*.lock"))


@pytest.mark.parametrize("at", ["settle", "end", "discard_if_empty"])
def test_a_signal_while_a_quit_session_closes_waits_for_all_of_the_closing(
    demo: Store, clock: FakeClock, monkeypatch, at: str
) -> None:
    """A closed terminal: the prompt reads end of input (a quit), then SIGHUP arrives while the session
    closes. It used to raise between the closing steps, leaving the lock file and an empty session."""
    from mockprep.db.write_guard import defer_while_writing

    def interrupt() -> None:
        raise SessionInterrupted(1)

    owner = demo.sessions if at != "settle" else Pipeline
    step = getattr(owner, at)

    def signalled(*args, **kwargs):
        if not defer_while_writing(interrupt):  # what the CLI's signal handler does
            interrupt()
        return step(*args, **kwargs)

    monkeypatch.setattr(owner, at, signalled)
    with pytest.raises(SessionInterrupted):
        run(demo, clock, [None], [])
    assert demo.conn.exec_driver_sql("SELECT COUNT(*) FROM sessions").scalar() == 0
    assert not list((demo.path.parent / "locks").glob("session-*.lock"))


def test_an_unreadable_answer_at_a_terminal_is_asked_again_and_the_clock_keeps_running(
    store: Store, clock: FakeClock, tmp_path: Path
) -> None:
    folder = tmp_path / "num"
    folder.mkdir()
    (folder / "num.toml").write_text(
        'id = "num"\ntitle = "N"\nround = "technical"\ntopic = "arith"\n\n[[questions]]\nid = "half"\n'
        'kind = "numeric"\nprompt = "1/2?"\nanswer = "0.5"\nvalue = 0.5\ntolerance = 0.001\n'
        'key_points = ["one half", "as a decimal"]\nfollow_ups = ["And 1/4?"]\n',
        encoding="utf-8",
    )
    store.banks.add_source(folder, clock.now)
    sync_banks(store, clock.now)
    ui = ScriptedUI(["0,5", "0.5"], [Rating.Good], clock=clock, answer_seconds=10)
    ui.interactive = True
    Session(store, ui, clock, random.Random(1), SessionOptions(filter=QuestionFilter(banks=("num",)))).run()
    assert any("'0,5' looks like a decimal comma: write it with a point (0.5)" in n for n in ui.notices)
    assert ui.reveals[0][0] == "0.5" and ui.reveals[0][1].correct
    assert ui.timings[0].seconds == 20  # both tries count


def test_piped_answers_are_never_asked_again(store: Store, clock: FakeClock, tmp_path: Path) -> None:
    folder = tmp_path / "num"
    folder.mkdir()
    (folder / "num.toml").write_text(
        'id = "num"\ntitle = "N"\nround = "technical"\ntopic = "arith"\n\n[[questions]]\nid = "half"\n'
        'kind = "numeric"\nprompt = "1/2?"\nanswer = "0.5"\nvalue = 0.5\n'
        'key_points = ["one half", "as a decimal"]\nfollow_ups = ["And 1/4?"]\n',
        encoding="utf-8",
    )
    store.banks.add_source(folder, clock.now)
    sync_banks(store, clock.now)
    ui = ScriptedUI(["0,5"], [Rating.Again], clock=clock)
    Session(store, ui, clock, random.Random(1), SessionOptions(filter=QuestionFilter(banks=("num",)))).run()
    assert not any("Could not read" in n for n in ui.notices) and ui.reveals[0][1].correct is False


# -- issue 11 --------------------------------------------------------------------------------------


@pytest.mark.parametrize("quit_with", [None, "q"])
def test_quitting_says_ended_early_here_and_in_history(cli, quit_with) -> None:
    """q, or the end of input (Ctrl-D), ends a session early: the summary and history say so."""
    script = "an answer\n\n3\n" + ("q\n" if quit_with else "")
    result = cli("session", "--round", "technical", input=script)
    assert result.exit_code == 0, result.stderr
    assert "Session ended early" in result.stdout and "Session complete" not in result.stdout
    listing = cli("history").stdout
    assert "ended early" in listing and "completed" not in listing
    assert "Session 1 · technical · ended early" in cli("history", "1").stdout


def test_a_session_that_runs_out_of_questions_is_complete(demo: Store, clock: FakeClock) -> None:
    summary, _ = run(demo, clock, ["a"] * 5, [Rating.Easy] * 5, new=5)
    assert summary.status == "completed" and summary.answered == 5


def test_a_filtered_session_has_its_own_share_of_new_questions(demo: Store, clock: FakeClock) -> None:
    """The daily limit counts the questions the session selects: right after adding a bank, a
    session on that bank offers its new questions even when today's plain sessions used the limit."""
    summary, _ = run(demo, clock, ["a"] * 3, [Rating.Easy] * 3, daily_new=2, filter=QuestionFilter())
    assert summary.answered == 2  # the whole day's limit, spent on the built-in banks
    summary, ui = run(demo, clock, ["a"] * 3, [Rating.Easy] * 3, daily_new=2)  # --bank demo
    assert summary.answered == 2 and all(key.startswith("demo/") for key in ui.shown)
    summary, ui = run(demo, clock, ["a"], [Rating.Easy], daily_new=2, filter=QuestionFilter())
    assert summary.status == "empty" and ui.shown == []  # a plain session counts every bank's
    assert summary.new_waiting > 0 and summary.daily_new == 2


def test_the_empty_message_says_how_to_get_more_for_the_same_selection(demo: Store, clock: FakeClock) -> None:
    from mockprep.terminal.practice import TerminalUI

    run(demo, clock, ["a"] * 2, [Rating.Easy] * 2, daily_new=2)
    summary, _ = run(demo, clock, [], [], daily_new=2)
    console, out = captured()
    TerminalUI(console, lambda *_: None).show_summary(summary, clock.now)
    text = " ".join(out.getvalue().split())
    assert "today's 2 new questions for this selection are done" in text
    assert "3 new questions wait; to learn more now: mockprep session --bank demo --new 3" in text
    # the command to copy is one line of its own, never broken ("--new" / "3" on two lines, piped)
    assert "mockprep session --bank demo --new 3" in [line.strip() for line in out.getvalue().splitlines()]


def test_a_filtered_sessions_summary_counts_what_is_due_in_all_and_in_its_selection(
    demo: Store, clock: FakeClock
) -> None:
    """Its next-due line is the selection's; the due count was every bank's, without saying so."""
    from mockprep.terminal.practice import TerminalUI

    run(demo, clock, ["a", "b"], [Rating.Again, Rating.Again], limit=2)
    elsewhere = QuestionFilter(rounds=("behavioral",))  # a built-in bank's question
    run(demo, clock, ["c"], [Rating.Again], limit=1, new=1, filter=elsewhere)
    summary, _ = run(demo, clock, [], [], new=0)
    assert (summary.due_tomorrow, summary.due_tomorrow_selected) == (3, 2)
    console, out = captured()
    TerminalUI(console, lambda *_: None).show_summary(summary, clock.now)
    text = " ".join(out.getvalue().split())
    assert "Due by the end of tomorrow: 3 in all, 2 of this selection" in text
    assert "Next question of this selection due" in text  # (not every bank's next one)
    everything, _ = run(demo, clock, [], [], filter=QuestionFilter(), new=0)
    console, out = captured()
    TerminalUI(console, lambda *_: None).show_summary(everything, clock.now)
    assert "of this selection" not in out.getvalue()


def test_the_empty_message_names_the_limit_that_stopped_it(demo: Store, clock: FakeClock) -> None:
    """A bank's own daily limit (or a round's) is the one used up, not daily_new."""
    from mockprep.terminal.practice import TerminalUI

    settings = replace(DEFAULT_SETTINGS, daily_new=20, daily_new_per_bank={"demo": 1})
    options = SessionOptions(filter=DEMO, tz=ZoneInfo("UTC"))
    for answers, ratings in ((["a"], [Rating.Easy]), ([], [])):
        ui = ScriptedUI(answers, ratings, clock=clock)
        summary = Session(demo, ui, clock, random.Random(1), options, settings).run()
    console, out = captured()
    TerminalUI(console, lambda *_: None).show_summary(summary, clock.now)
    text = " ".join(out.getvalue().split())
    assert "today's 1 new question for this selection is done" in text
    assert "4 new questions wait; to learn more now: mockprep session --bank demo --new 4" in text


def test_a_selection_with_no_new_questions_left_does_not_offer_more(demo: Store, clock: FakeClock) -> None:
    from mockprep.terminal.practice import TerminalUI

    run(demo, clock, ["a"] * 5, [Rating.Easy] * 5, new=5)
    summary, _ = run(demo, clock, [], [])
    console, out = captured()
    TerminalUI(console, lambda *_: None).show_summary(summary, clock.now)
    text = " ".join(out.getvalue().split())
    assert "no questions are due and no new questions are left for this selection" in text
    assert "--new" not in text


def test_new_questions_rated_while_the_clock_was_ahead_do_not_block_today(
    demo: Store, clock: FakeClock
) -> None:
    clock.advance(days=300)
    run(demo, clock, ["a"] * 2, [Rating.Easy] * 2, daily_new=2)  # the clock set ahead by mistake
    clock.advance(days=-300)
    summary, ui = run(demo, clock, ["a"] * 2, [Rating.Easy] * 2, daily_new=2)
    assert summary.answered == 2 and len(set(ui.shown)) == 2


@pytest.fixture
def paris():
    """The system zone set to Europe/Paris (sessions with no zone given use the system's)."""
    import os
    import time

    old = os.environ.get("TZ")
    os.environ["TZ"] = "Europe/Paris"
    time.tzset()
    yield ZoneInfo("Europe/Paris")
    os.environ["TZ"] = old if old is not None else "UTC"
    time.tzset()


def test_the_evening_before_the_spring_change_is_not_today(demo: Store, paris) -> None:
    """2026-03-29 is Paris's spring-forward day. Questions introduced at 23:30 the evening before
    (22:30 UTC, still winter time) belong to the 28th, not to the 29th."""
    from datetime import UTC, datetime

    evening = FakeClock(datetime(2026, 3, 28, 22, 30, tzinfo=UTC))
    ui = ScriptedUI(["a"] * 2, [Rating.Easy] * 2, clock=evening)
    settings = replace(DEFAULT_SETTINGS, daily_new=2)
    Session(demo, ui, evening, random.Random(1), SessionOptions(filter=DEMO), settings).run()
    assert len(ui.shown) == 2
    morning = FakeClock(datetime(2026, 3, 29, 10, 0, tzinfo=UTC))  # noon in Paris, summer time
    ui = ScriptedUI(["a"] * 2, [Rating.Easy] * 2, clock=morning)
    Session(demo, ui, morning, random.Random(1), SessionOptions(filter=DEMO), settings).run()
    assert len(ui.shown) == 2  # a new day: two new questions again


@given(st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31)), st.integers(-1, 2))
@hyp_settings(max_examples=200, deadline=None)
def test_local_midnight_in_the_system_zone_agrees_with_the_zone_itself(moment: datetime, days: int) -> None:
    import os
    import time

    from mockprep.core.scheduler import local_midnight

    now = moment.replace(tzinfo=UTC)
    old = os.environ.get("TZ", "UTC")
    for zone in ("UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata"):
        os.environ["TZ"] = zone
        time.tzset()
        try:
            assert local_midnight(now, None, days) == local_midnight(now, ZoneInfo(zone), days)
        finally:
            os.environ["TZ"] = old
            time.tzset()


def test_new_zero_is_not_reported_as_the_daily_limit(demo: Store, clock: FakeClock) -> None:
    from mockprep.terminal.practice import TerminalUI

    summary, _ = run(demo, clock, [], [], new=0)
    console, out = captured()
    TerminalUI(console, lambda *_: None).show_summary(summary, clock.now)
    text = " ".join(out.getvalue().split())
    assert "no questions are due and --new 0 asked for no new questions" in text
    assert "5 new questions wait; to learn more now: mockprep session --bank demo --new 5" in text


def test_the_confirmed_checklist_drives_the_suggestion_and_is_stored_beside_the_proposal(
    demo: Store, clock: FakeClock, home: Path
) -> None:
    from mockprep.core.grading import Verdict
    from tests.conftest import db_rows

    # write_bank's key points are "first point" and "second point"; the answer covers only the first.
    ui = ScriptedUI(["only the first point"], [Rating.Good], clock=clock)
    ui.interactive = True
    ui.checklists = [[Verdict.COVERED, Verdict.COVERED]]  # the person says they covered both
    Session(demo, ui, clock, random.Random(1), SessionOptions(filter=DEMO, new=1, limit=1)).run()
    assert ui.suggestions == [Rating.Easy]  # follows the confirmed checklist, not the proposal
    ((grader, proposed, checklist, suggested),) = db_rows(
        home, "SELECT grader, proposed, checklist, suggested FROM reviews"
    )
    assert review_codec.grader_name(grader).startswith("key points") and suggested == 4
    assert verdict_list(proposed) == ["covered", "missing"]
    assert verdict_list(checklist) == ["covered", "covered"]


def test_piped_answers_store_the_proposal_but_no_checklist(demo: Store, clock: FakeClock, home: Path) -> None:
    from tests.conftest import db_rows

    ui = ScriptedUI(["only the first point"], [Rating.Hard], clock=clock)
    Session(demo, ui, clock, random.Random(1), SessionOptions(filter=DEMO, new=1, limit=1)).run()
    ((proposed, checklist),) = db_rows(home, "SELECT proposed, checklist FROM reviews")
    assert verdict_list(proposed) == ["covered", "missing"] and checklist is None


def test_a_blank_spoken_answer_preselects_no_rating(demo: Store, clock: FakeClock) -> None:
    ui = ScriptedUI([""], [Rating.Good], clock=clock)
    Session(demo, ui, clock, random.Random(1), SessionOptions(filter=DEMO, new=1, limit=1)).run()
    assert ui.suggestions == [None]


def test_at_a_terminal_a_blank_answer_with_nothing_ticked_still_preselects_no_rating(
    demo: Store, clock: FakeClock
) -> None:
    """At a terminal the confirmed checklist (nothing ticked) made the suggestion "again", so Enter
    rated a spoken answer again; ticking a point does propose a rating from the ticks."""

    class AtATerminal(ScriptedUI):
        interactive = True

    ui = AtATerminal([""], [Rating.Good], clock=clock)
    Session(demo, ui, clock, random.Random(1), SessionOptions(filter=DEMO, new=1, limit=1)).run()
    assert ui.suggestions == [None]


def test_quitting_at_the_rating_keeps_the_typed_answer_unrated(cli) -> None:
    result = cli("session", "--round", "technical", input="my precious answer\n\nq\n")
    assert result.exit_code == 0 and "kept, not rated" in result.stdout
    detail = cli("history", "1")
    assert detail.exit_code == 0
    assert "my precious answer" in detail.stdout and "not rated" in detail.stdout
    assert "1 answer (1 not rated) · score -/100" in detail.stdout  # the list says "answered 0"
    # The listing says so without sending the person to `mock --rate`, which rates mocks only.
    listing = " ".join(cli("history").stdout.split())
    assert (
        "† session 1: an answer kept but not rated (quit at the rating or after running code, or cut short"
        " while typed or spoken); it is not scheduled"
        in listing
    )
    assert "mock --rate" not in listing


def test_a_numeric_questions_unit_is_said_before_the_answer(cli) -> None:
    """The prompt said "Type a number", and the unit (users per arm, %, ms) came only at the reveal."""
    result = cli(
        "session", "--bank", "data-science", "--tag", "cuped", "--cram", "-n", "1", input="102000\n\n3\n"
    )
    assert result.exit_code == 0, result.stderr
    assert "Type a number in users per arm (fractions" in " ".join(result.stdout.split())


def test_ctrl_c_while_typing_keeps_what_was_typed_unrated(demo: Store, clock: FakeClock, home: Path) -> None:
    """Three minutes of typing and a Ctrl-C: "0 answered", the text gone. It is kept, unrated, in history."""
    ui = ScriptedUI([KeyboardInterrupt()], [], clock=clock, so_far="the first half of my answer")
    summary = Session(demo, ui, clock, random.Random(1), SessionOptions(filter=DEMO, new=1)).run()
    assert summary.status == "interrupted" and reviews(demo) == []
    assert summary.session_id is not None
    (kept,) = demo.sessions.mock_answers(summary.session_id)
    assert kept.answer.answer == "the first half of my answer" and kept.rating is None
    from mockprep.terminal.practice import TerminalUI

    console, out = captured()
    TerminalUI(console, lambda *_: None).show_summary(summary, clock.now)
    assert "0 answered in 0s, 1 kept not rated" in out.getvalue()  # ("0 answered" alone: text gone?)
    nothing = ScriptedUI([KeyboardInterrupt()], [], clock=clock)  # nothing typed: nothing kept
    empty = Session(demo, nothing, clock, random.Random(1), SessionOptions(filter=DEMO, new=1)).run()
    assert empty.session_id is None or demo.sessions.mock_answers(empty.session_id) == []


def test_a_closed_terminals_error_while_typing_keeps_what_was_typed(demo: Store, clock: FakeClock) -> None:
    """The terminal's input/output error can reach the prompt before its SIGHUP: that path lost the text
    (no session at all in history)."""
    ui = ScriptedUI([OSError(5, "Input/output error")], [], clock=clock, so_far="two lines\nof an answer")
    with pytest.raises(OSError):
        Session(demo, ui, clock, random.Random(1), SessionOptions(filter=DEMO, new=1)).run()
    (session_id,) = demo.conn.exec_driver_sql("SELECT id FROM sessions").scalars().all()
    (kept,) = demo.sessions.mock_answers(session_id)
    assert kept.answer.answer == "two lines\nof an answer" and kept.rating is None


def test_a_closed_terminals_error_at_the_rating_keeps_the_answer(demo: Store, clock: FakeClock) -> None:
    ui = ScriptedUI(["a whole answer"], [OSError(5, "Input/output error")], clock=clock)
    with pytest.raises(OSError):
        Session(demo, ui, clock, random.Random(1), SessionOptions(filter=DEMO, new=1)).run()
    (session_id,) = demo.conn.exec_driver_sql("SELECT id FROM sessions").scalars().all()
    (kept,) = demo.sessions.mock_answers(session_id)
    assert kept.answer.answer == "a whole answer" and kept.rating is None
