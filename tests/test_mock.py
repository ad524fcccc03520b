"""Mock rounds: question drawing, timing, answers stored at once, ratings after the round."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from fsrs import Rating
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockprep.core.rounds import Candidate
from mockprep.core.rounds import draw_questions as draw
from mockprep.core.settings import DEFAULT_SETTINGS
from mockprep.core.timer import FIT_SLACK_SECONDS
from mockprep.db.store import Store
from mockprep.practice.mock import MockOptions, MockRound, run_loop
from mockprep.practice.pipeline import SessionInterrupted
from mockprep.services.bank_sync import sync_banks
from tests.conftest import FakeClock, ScriptedUI, write_bank

FOLLOW_UP_SECONDS = DEFAULT_SETTINGS.follow_up_seconds
TRANSITION_SECONDS = DEFAULT_SETTINGS.transition_seconds


def draw_questions(*args, **kwargs):
    return draw(*args, follow_up_seconds=FOLLOW_UP_SECONDS, transition_seconds=TRANSITION_SECONDS, **kwargs)


def cand(qid: int, group: str, limit: float = 180, follow: bool = False, due: bool = False) -> Candidate:
    return Candidate(qid, group, limit, follow, due)


def test_draw_spreads_over_groups_before_repeating() -> None:
    pool = [cand(i, "a") for i in range(5)] + [cand(10 + i, "b") for i in range(5)] + [cand(20, "c")]
    chosen = draw_questions(pool, budget=5 * (180 + TRANSITION_SECONDS), rng=random.Random(1))
    groups = [c.group for c in chosen]
    assert len(chosen) == 5
    assert set(groups[:3]) == {"a", "b", "c"}  # every group once before any repeats


def test_draw_prefers_due_questions_and_an_opening_group() -> None:
    pool = [cand(1, "a"), cand(2, "a", due=True), cand(3, "summary")]
    chosen = draw_questions(pool, budget=10_000, rng=random.Random(5), first_group="summary")
    assert chosen[0].question_id == 3
    assert [c.question_id for c in chosen if c.group == "a"] == [2, 1]


@given(
    st.lists(st.tuples(st.sampled_from("abcde"), st.floats(30, 600), st.booleans()), max_size=40),
    st.floats(0, 7200),
    st.integers(0, 1000),
)
def test_draw_fits_the_budget_and_never_repeats(specs, budget: float, seed: int) -> None:
    pool = [cand(i, g, limit, follow) for i, (g, limit, follow) in enumerate(specs)]
    chosen = draw_questions(pool, budget, random.Random(seed))
    cost = sum(c.limit + TRANSITION_SECONDS + (FOLLOW_UP_SECONDS if c.has_follow_up else 0) for c in chosen)
    assert cost <= budget + FIT_SLACK_SECONDS  # (a plan may run at most a second over: core.timer)
    assert len({c.question_id for c in chosen}) == len(chosen)


@pytest.fixture
def synced(store: Store, clock: FakeClock) -> Store:
    sync_banks(store, clock.now)
    return store


def mock_rows(store: Store, session_id: int):
    return store.sessions.answers(session_id)


def test_behavioral_round_covers_competencies_and_reveals_only_at_the_end(
    synced: Store, clock: FakeClock
) -> None:
    ui = ScriptedUI(
        answers=["my story", "follow-up reply"] * 20,
        ratings=[Rating.Good] * 40,
        clock=clock,
        answer_seconds=60,
    )
    report = MockRound(synced, ui, clock, random.Random(2), "behavioral", MockOptions(minutes=12)).run()
    asked = [e for e in ui.events if e.startswith("ask")]
    reveals = [e for e in ui.events if e.startswith("reveal")]
    assert asked and len(reveals) == len(asked)
    assert ui.events.index(reveals[0]) > ui.events.index(asked[-1])  # no model answer before the end
    competencies = [a.attempt.record.question.spec.competencies[0] for a in report.answers]
    assert len(set(competencies)) == len(competencies)  # all different in a short round
    assert ui.follow_ups  # the bank's follow-ups were asked
    rows = mock_rows(synced, report.session_id)
    assert [r.answer for r in rows] == ["my story"] * len(rows)
    assert all(r.follow_up_answer == "follow-up reply" and r.rating == 3 for r in rows)
    assert report.score == 80 and report.status == "completed"
    assert synced.sessions.get(report.session_id).kind == "mock"
    assert synced.sessions.get(report.session_id).round == "behavioral"


def test_time_is_measured_and_overtime_recorded(synced: Store, clock: FakeClock) -> None:
    ui = ScriptedUI(
        answers=["long answer", "x"] * 5, ratings=[Rating.Good] * 5, clock=clock, answer_seconds=200
    )
    report = MockRound(synced, ui, clock, random.Random(3), "technical", MockOptions(minutes=5)).run()
    first = report.answers[0]
    limit = first.attempt.timing.limit
    assert limit is not None and limit < 200  # every question that fits 5 minutes allows less than 200 s
    assert first.attempt.timing.seconds == 200 and first.attempt.timing.overtime == 200 - limit
    assert mock_rows(synced, report.session_id)[0].duration_ms == 200_000
    assert report.score == 70  # good (80) less the overtime penalty (10)


def test_round_stops_when_its_time_is_up(synced: Store, clock: FakeClock) -> None:
    # Each answer (and follow-up) takes 10 minutes: a 45-minute round cannot ask all it planned.
    ui = ScriptedUI(answers=["a"] * 40, ratings=[Rating.Good] * 40, clock=clock, answer_seconds=600)
    report = MockRound(synced, ui, clock, random.Random(4), "technical").run()
    assert report.stopped_by_time and len(report.answers) < report.planned


def test_ctrl_c_keeps_answers_and_marks_interrupted(synced: Store, clock: FakeClock) -> None:
    ui = ScriptedUI(answers=["first", "f1", "second", "f2", KeyboardInterrupt()], clock=clock)
    report = MockRound(synced, ui, clock, random.Random(5), "project").run()
    assert report.status == "interrupted"
    assert synced.sessions.get(report.session_id).status == "interrupted"
    assert [r.answer for r in mock_rows(synced, report.session_id)] == ["first", "second"]
    assert ui.reports == [report]


def test_interrupt_during_rating_keeps_the_ratings_given(synced: Store, clock: FakeClock) -> None:
    ui = ScriptedUI(answers=["a"] * 6 + [None], ratings=[Rating.Easy, SessionInterrupted(15)], clock=clock)
    report = MockRound(synced, ui, clock, random.Random(6), "technical").run()
    rows = mock_rows(synced, report.session_id)
    assert len(rows) >= 3 and [r.rating for r in rows] == [4] + [None] * (len(rows) - 1)
    assert report.status == "interrupted"


def test_a_round_cut_short_by_an_error_is_interrupted_not_completed(synced: Store, clock: FakeClock) -> None:
    ui = ScriptedUI(answers=["first", OSError(5, "Input/output error")], ratings=[], clock=clock)
    with pytest.raises(OSError):
        MockRound(synced, ui, clock, random.Random(6), "technical").run()
    (session,) = synced.conn.exec_driver_sql("SELECT id, status FROM sessions").all()
    assert session.status == "interrupted"
    assert [r.answer for r in mock_rows(synced, session.id)] == ["first"]


def test_a_round_whose_opening_lines_meet_a_closed_pipe_leaves_no_empty_mock(
    synced: Store, clock: FakeClock
) -> None:
    """`mockprep mock ... | head -3`: the intro's write fails; the round started holds nothing, so it goes."""

    class ClosedPipe(ScriptedUI):
        def show_mock_intro(self, *args) -> None:
            raise BrokenPipeError(32, "Broken pipe")

    with pytest.raises(BrokenPipeError):
        MockRound(synced, ClosedPipe(clock=clock), clock, random.Random(6), "technical").run()
    assert synced.conn.exec_driver_sql("SELECT COUNT(*) FROM sessions").scalar() == 0


@pytest.mark.parametrize("at", ["end", "discard_if_empty"])
def test_a_signal_while_a_quit_round_closes_waits_for_all_of_the_closing(
    synced: Store, clock: FakeClock, monkeypatch, at: str
) -> None:
    """Quit before the first answer (a closed terminal reads end of input), then SIGHUP arrives while
    the round closes: the round is still ended and, holding nothing, removed, its lock released."""
    from mockprep.db.write_guard import defer_while_writing

    def interrupt() -> None:
        raise SessionInterrupted(1)

    step = getattr(synced.sessions, at)

    def signalled(*args, **kwargs):
        if not defer_while_writing(interrupt):  # what the CLI's signal handler does
            interrupt()
        return step(*args, **kwargs)

    monkeypatch.setattr(synced.sessions, at, signalled)
    ui = ScriptedUI(answers=[None], ratings=[], clock=clock)
    with pytest.raises(SessionInterrupted):
        MockRound(synced, ui, clock, random.Random(6), "technical").run()
    assert synced.conn.exec_driver_sql("SELECT COUNT(*) FROM sessions").scalar() == 0
    assert not list((synced.path.parent / "locks").glob("session-*.lock"))


@pytest.mark.parametrize("seed", range(8))
def test_project_round_opens_with_the_two_minute_summary(synced: Store, clock: FakeClock, seed: int) -> None:
    """Four other questions shared its topic, so most rounds opened with "Explain the same project..." or
    "Now suppose I work in your subfield...", about a project never introduced."""
    ui = ScriptedUI(answers=["a"], ratings=[], clock=clock)  # quits after the first answer
    report = MockRound(synced, ui, clock, random.Random(seed), "project").run()
    assert report.answers[0].attempt.record.question.key == "project-story/two-minute-summary"


def test_loop_runs_rounds_with_breaks_and_stops_when_declined(synced: Store, clock: FakeClock) -> None:
    ui = ScriptedUI(answers=["a"] * 200, ratings=[Rating.Good] * 200, clock=clock, answer_seconds=30)
    ui.breaks = [True, False]
    reports = run_loop(synced, ui, clock, random.Random(8), options=MockOptions(minutes=6))
    assert [r.round for r in reports] == ["technical", "project"]
    assert all(r.status == "completed" for r in reports)


def test_ratings_feed_the_scheduler(synced: Store, clock: FakeClock) -> None:
    """Each rating given after the round becomes that question's FSRS review, exactly."""
    from mockprep.core.scheduler import make_scheduler, new_card, review

    given = [Rating.Again, Rating.Easy, Rating.Hard, Rating.Good]
    # Answers (and follow-up replies) of 3 minutes: four questions fit in the 20 minutes.
    ui = ScriptedUI(answers=["a", "b"] * 8, ratings=list(given), clock=clock, answer_seconds=180)
    report = MockRound(synced, ui, clock, random.Random(9), "technical", MockOptions(minutes=20)).run()
    assert len(report.answers) >= 3  # how many fit depends on the questions drawn and their limits
    given = given[: len(report.answers)]
    scheduler = make_scheduler(DEFAULT_SETTINGS.desired_retention)
    for answer, rating in zip(report.answers, given, strict=True):
        qid = answer.attempt.record.id
        (stored,) = [
            a
            for a in synced.sessions.answers(report.session_id)
            if a.key == answer.attempt.record.question.key
        ]
        assert stored.rating == int(rating) and answer.rating == int(rating)
        expected = review(scheduler, new_card(qid, clock.now), rating, stored.rated_at)
        assert synced.cards.card(qid).to_dict() == expected.to_dict()


def test_mock_cli_requires_round_or_loop(cli) -> None:
    result = cli("mock")
    assert result.exit_code == 2 and "choose one" in result.stderr


def test_mock_cli_piped(cli, home: Path) -> None:
    # Answered at once, so a second question fits in the 5 minutes: q ends the round there.
    result = cli("mock", "--round", "behavioral", "--minutes", "5", input="my story\n\nreply\n\nq\n3\n")
    assert result.exit_code == 0, result.stderr
    assert "Report card" in result.stdout and "Round score 80/100" in result.stdout
    # The stored mock reads back: answers, the follow-up and its reply, the rating and the score.
    detail = cli("history", "1").stdout
    assert "mock behavioral" in detail and "1 answer · score 80/100" in detail
    assert "my story" in detail and "Follow-up:" in detail and "reply" in detail and "rating good" in detail


def test_a_round_too_short_for_any_question_is_refused(cli) -> None:
    result = cli("mock", "--round", "behavioral", "--minutes", "2")
    assert result.exit_code == 2
    assert "no behavioral question fits in 2 minutes" in result.stderr


def test_ctrl_c_during_a_follow_up_keeps_the_main_answer(synced: Store, clock: FakeClock) -> None:
    # The project round opens with a summary question, which has a follow-up.
    ui = ScriptedUI(answers=["my summary", KeyboardInterrupt()], clock=clock)
    report = MockRound(synced, ui, clock, random.Random(5), "project").run()
    rows = mock_rows(synced, report.session_id)
    assert [(r.answer, r.follow_up_answer) for r in rows] == [("my summary", None)]
    assert rows[0].follow_up is not None and report.status == "interrupted"


def test_auto_graded_mock_answers_store_no_coverage_as_null_like_reviews(
    synced: Store, clock: FakeClock, tmp_path: Path
) -> None:
    folder = tmp_path / "auto"
    folder.mkdir()
    (folder / "auto.toml").write_text(
        'id = "auto"\ntitle = "Auto"\nround = "technical"\ntopic = "arith"\n\n'
        '[[questions]]\nid = "half"\nkind = "numeric"\nprompt = "1/2?"\nanswer = "0.5"\nvalue = 0.5\n'
        'key_points = ["one half", "as a decimal"]\n',
        encoding="utf-8",
    )
    synced.banks.add_source(folder, clock.now)
    sync_banks(synced, clock.now)
    synced.banks.set_removed("auto", False)
    ui = ScriptedUI(answers=["0.5"], ratings=[Rating.Good], clock=clock)
    for bank in [b.id for b in synced.banks.summaries(clock.now) if b.id != "auto"]:
        synced.banks.set_removed(bank, True)
    report = MockRound(synced, ui, clock, random.Random(1), "technical", MockOptions(minutes=5)).run()
    (answer,) = synced.sessions.answers(report.session_id)
    assert answer.key == "auto/half" and answer.coverage is None and answer.rating == 3


# -- issue 11 --------------------------------------------------------------------------------------


def test_quitting_while_rating_leaves_answers_to_rate_later(synced: Store, clock: FakeClock) -> None:
    from mockprep.practice.mock_rating import rate_later

    ui = ScriptedUI(answers=["a"] * 40, ratings=[Rating.Good], clock=clock, answer_seconds=180)
    report = MockRound(synced, ui, clock, random.Random(6), "technical", MockOptions(minutes=20)).run()
    assert report.status == "ended_early" and report.unrated == len(report.answers) - 1 > 0
    (entry,) = synced.sessions.history()
    assert entry.unrated == report.unrated  # the round is marked as not fully rated
    # Later: the unrated answers are revealed and rated in order; the rated one is not asked again.
    clock.advance(days=1)
    later = ScriptedUI(ratings=[Rating.Easy] * report.unrated, clock=clock)
    again = rate_later(synced, later, clock, report.session_id)
    assert len(later.reveals) == report.unrated and again.unrated == 0
    assert [a.rating for a in synced.sessions.answers(report.session_id)] == [3] + [4] * report.unrated
    assert synced.sessions.history()[0].unrated == 0 and later.reports == [again]
    # Each later rating is that question's review at the time it was given.
    for answer in again.answers[1:]:
        card = synced.cards.card(answer.attempt.record.id)
        assert card.last_review == clock.now


def test_rate_later_refuses_what_it_cannot_rate(synced: Store, clock: FakeClock) -> None:
    from mockprep.practice.mock_rating import MockRateError, rate_later
    from mockprep.practice.session import Session

    Session(synced, ScriptedUI(["a"], [Rating.Good], clock=clock), clock, random.Random(1)).run()
    for session_id, message in [
        (1, "session 1 is a practice session, not a mock"),
        (7, "no session with id 7"),
        (10**30, "no session with id"),
    ]:
        with pytest.raises(MockRateError, match=message):
            rate_later(synced, ScriptedUI(), clock, session_id)


def test_mock_rate_from_the_command_line(cli) -> None:
    # One answer and its follow-up, then q at the next question and q at the rating prompt.
    result = cli("mock", "--round", "behavioral", "--minutes", "5", input="my story\n\nreply\n\nq\nq\n")
    assert result.exit_code == 0, result.stderr
    out = " ".join(result.stdout.split())
    assert "(ended early)" in out and "Round not scored" in out
    assert (
        "1 answer not rated, so the round is not fully scored; rate it later: mockprep mock --rate 1" in out
    )
    listing = cli("history").stdout
    assert (
        "ended early" in listing
        and "* not fully rated: mock 1; rate the rest with mockprep mock --rate ID" in listing
    )
    detail = " ".join(cli("history", "1").stdout.split())
    assert "ended early, 1 not rated" in detail and "rate it: mockprep mock --rate 1" in detail
    rated = cli("mock", "--rate", "1", input="3\n")
    assert rated.exit_code == 0, rated.stderr
    assert "Model answer" in rated.stdout and "Round score 80/100" in rated.stdout
    # the planned count is not kept: the card says what was asked, not "1 of 1 question"
    assert "Round score 80/100 · 1 question in" in " ".join(rated.stdout.split())
    detail = cli("history", "1").stdout
    assert "rating good" in detail and "not rated" not in detail and "1 answer · score 80/100" in detail
    assert "rated already" in cli("mock", "--rate", "1").stdout
    wrong = cli("mock", "--rate", "1", "--round", "technical")
    assert wrong.exit_code == 2 and "--rate ID" in wrong.stderr


def test_mock_takes_bank_topic_and_role_like_session(cli, tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    write_bank(folder / "mine.toml", bank_id="mine", n=3)
    assert cli("bank", "add", str(folder)).exit_code == 0
    result = cli("mock", "--round", "technical", "--bank", "mine", "--minutes", "10", input="q\n")
    assert result.exit_code == 0, result.stderr
    asked = [line for line in result.stdout.splitlines() if "difficulty" in line]
    assert asked and all("mine/" in line or "demo-topic" in line for line in asked)
    result = cli(
        "mock", "--round", "technical", "--topic", "demo-topic", "--role", "ml-researcher", input="q\n"
    )
    assert result.exit_code == 0 and "demo-topic" in result.stdout
    unknown = cli("mock", "--round", "technical", "--bank", "nope")
    assert unknown.exit_code == 2 and "unknown bank 'nope'" in unknown.stderr
    other_round = cli("mock", "--round", "project", "--bank", "mine")
    assert other_round.exit_code == 2 and "no project question matches --bank mine" in other_round.stderr


def test_a_filtered_loop_skips_the_rounds_the_filter_leaves_empty(
    synced: Store, clock: FakeClock, tmp_path: Path
) -> None:
    from mockprep.core.questions import QuestionFilter

    folder = tmp_path / "mine"
    folder.mkdir()
    write_bank(folder / "mine.toml", bank_id="mine", n=3)
    synced.banks.add_source(folder, clock.now)
    sync_banks(synced, clock.now)
    ui = ScriptedUI(answers=["a"] * 10, ratings=[Rating.Good] * 10, clock=clock, answer_seconds=180)
    options = MockOptions(minutes=10, filter=QuestionFilter(banks=("mine",)))
    reports = run_loop(synced, ui, clock, random.Random(3), options=options)
    assert [r.round for r in reports] == ["technical"]
    assert all(a.attempt.record.question.bank_id == "mine" for a in reports[0].answers)
    assert ui.notices[0] == "No project question matches --bank mine: that round is skipped."
    assert synced.sessions.get(reports[0].session_id).filters == {"banks": ["mine"]}


def test_the_report_card_counts_the_key_points_the_person_confirmed(synced: Store, clock: FakeClock) -> None:
    """Ticking every key point at the rating: the report card says so, as history does, not the
    grader's first count (a tester saw 0/4 on the card and 4/4 in history)."""
    from mockprep.core.grading import Verdict
    from mockprep.terminal.mock import MockTerminalUI

    ui = ScriptedUI(
        answers=["nothing of it"] * 20, ratings=[Rating.Easy] * 20, clock=clock, answer_seconds=60
    )
    ui.interactive = True
    ui.confirm_checklist = lambda attempt: [Verdict.COVERED] * len(attempt.assessment.points)  # type: ignore[method-assign]
    report = MockRound(synced, ui, clock, random.Random(2), "behavioral", MockOptions(minutes=5)).run()
    first = report.answers[0]
    assert first.covered is not None and sum(first.covered) == len(first.covered) > 0
    assert sum(first.attempt.assessment.coverage or []) < len(first.covered)  # the grader's own count
    (stored,) = [a for a in synced.sessions.answers(report.session_id) if a.position == 1]
    assert stored.coverage == first.covered  # history's figure
    console, text = _captured()
    MockTerminalUI(console, lambda *_: None).show_mock_report(report)
    row = next(line for line in text.getvalue().splitlines() if first.attempt.record.question.key in line)
    assert f"{len(first.covered)}/{len(first.covered)}" in row


def _captured():
    import io

    from rich.console import Console

    text = io.StringIO()
    return Console(file=text, width=120, color_system=None), text


def test_weakest_topics_come_from_rated_answers_only(synced: Store, clock: FakeClock) -> None:
    """A round quit before any rating named every topic 'weakest' (each counted as 0 points)."""
    ui = ScriptedUI(answers=["a", "b"] * 8, ratings=[Rating.Again], clock=clock, answer_seconds=180)
    report = MockRound(synced, ui, clock, random.Random(9), "technical", MockOptions(minutes=20)).run()
    assert len(report.answers) >= 2 and [a.rating for a in report.answers][:2] == [1, None]
    assert report.weakest_topics() == [report.answers[0].attempt.record.question.topic]
    for answer in report.answers:
        answer.rating = None
    assert report.weakest_topics() == []


def test_mock_rate_at_a_terminal_stores_the_checklist_the_person_confirms(
    cli, home: Path, monkeypatch
) -> None:
    """`mock --rate` built its UI as if piped: the ticks typed at checklist> were shown but not stored
    (stats then counted the grader's proposal as accepted)."""
    from tests.conftest import db_rows

    result = cli("mock", "--round", "behavioral", "--minutes", "5", input="my story\n\nreply\n\nq\nq\n")
    assert result.exit_code == 0, result.stderr
    monkeypatch.setattr("mockprep.cli.practice._at_terminal", lambda: True)
    rated = cli("mock", "--rate", "1", input="n\n1\n")  # none of the points ticked, then "again"
    assert rated.exit_code == 0, rated.stderr
    ((checklist, rating),) = db_rows(home, "SELECT checklist, rating FROM reviews")
    assert checklist is not None and rating == 1


def test_ctrl_c_while_typing_an_answer_or_a_follow_up_reply_keeps_the_text(
    synced: Store, clock: FakeClock
) -> None:
    """A behavioral round cut during its first answer said 'No questions were answered' and kept nothing;
    a reply cut short showed '(not answered)'."""
    ui = ScriptedUI(answers=[KeyboardInterrupt()], ratings=[], clock=clock, so_far="When my co-author and I")
    report = MockRound(synced, ui, clock, random.Random(6), "behavioral").run()
    assert report.status == "interrupted" and [a.attempt.answer for a in report.answers] == [
        "When my co-author and I"
    ]
    (stored,) = mock_rows(synced, report.session_id)
    assert stored.answer == "When my co-author and I" and stored.rating is None
    ui = ScriptedUI(answers=["my story", KeyboardInterrupt()], ratings=[], clock=clock, so_far="half a reply")
    report = MockRound(synced, ui, clock, random.Random(6), "behavioral").run()
    (stored,) = mock_rows(synced, report.session_id)
    assert (stored.answer, stored.follow_up_answer) == ("my story", "half a reply")


def test_the_reveal_of_a_long_answer_and_reply_names_how_to_read_them_whole(cli) -> None:
    """Found by an independent review: they ended '(N more characters; the full text is kept)', naming no
    way to see it; history ID --full shows a mock's answers whole."""
    answer, reply = "word " * 900, "reply " * 800
    result = cli("mock", "--round", "behavioral", "--minutes", "5", input=f"{answer}\n\n{reply}\n\n3\n")
    assert result.exit_code == 0, result.stderr
    reveal = " ".join(result.stdout.split("The round is over.")[1].split())
    session = re.search(r"mockprep history (\d+) --full", reveal)
    assert session and session.group(1)
    told = f"more characters; all of it: mockprep history {session.group(1)} --full)"
    assert reveal.count(told) == 2 and "the full text is kept" not in reveal


def test_instant_answers_do_not_make_an_endless_round(synced: Store, clock: FakeClock) -> None:
    """Answers given in no time left the whole budget free: 201 questions of an 8-question round."""
    ui = ScriptedUI(answers=["a"] * 400, ratings=[], clock=clock)
    report = MockRound(synced, ui, clock, random.Random(3), "technical").run()
    assert report.planned and report.planned < len(report.answers) <= 2 * report.planned + 2


def test_the_reveal_shows_the_follow_up_asked_and_the_reply_and_does_not_offer_it_again(cli) -> None:
    """The reply was shown nowhere but `history ID`, and the follow-up asked was listed again under
    "An interviewer might ask next"."""
    result = cli(
        "mock", "--round", "behavioral", "--minutes", "5", input="my story\n\nmy careful reply\n\n3\n"
    )
    assert result.exit_code == 0, result.stderr
    reveal = result.stdout.split("The round is over.")[1]
    asked = " ".join(reveal.split("Interviewer: ")[1].split("Your reply:")[0].split())
    assert "Your reply: my careful reply" in reveal
    offered = (
        " ".join(reveal.split("An interviewer might ask next")[-1].split())
        if "might ask next" in reveal
        else ""
    )
    assert asked and asked not in offered


def test_each_question_of_a_round_shows_the_round_time_left(synced: Store, clock: FakeClock) -> None:
    """Only the question's clock was shown: a 20-minute overrun passed the round's 45 minutes unseen."""
    ui = ScriptedUI(answers=["a", "b"] * 3, ratings=[], clock=clock, answer_seconds=100)
    MockRound(synced, ui, clock, random.Random(2), "technical", MockOptions(minutes=20)).run()
    lefts = [p.round_left for p in ui.progress]
    assert lefts[0] == 20 * 60 and all(
        later < earlier for earlier, later in zip(lefts, lefts[1:], strict=False)
    )
    from mockprep.practice.ui import Progress
    from mockprep.terminal.practice import TerminalUI
    from tests.test_session import captured

    console, out = captured()
    TerminalUI(console, lambda *_: None).show_question(ui_record(synced), Progress(1, 3, round_left=1234.4))
    assert "Question 1 · 3 more fit · round: 20m34s left" in out.getvalue()
    # Found by an independent review: "the last that fits" was followed by another question whenever
    # the answers came quicker than their limits; it is a forecast
    TerminalUI(console, lambda *_: None).show_question(ui_record(synced), Progress(2, 0, round_left=400))
    assert "Question 2 · the last that fits for now · round: 6m40s left" in out.getvalue()


def ui_record(store: Store):
    (qid,) = store.conn.exec_driver_sql("SELECT id FROM questions LIMIT 1").scalars().all()
    return store.banks.question(qid)


def test_a_round_draws_its_topics_in_proportion_to_what_the_selection_holds() -> None:
    """With --role data-scientist, reinforcement learning (3 questions) came up as often as statistics
    (28): each topic had the same chance of a place. A topic's turn now follows its size."""
    from mockprep.core.rounds import spread_order

    big = [Candidate(i, "statistics", 180, True, False) for i in range(28)]
    small = [Candidate(100 + i, "reinforcement-learning", 180, True, False) for i in range(3)]
    firsts = [spread_order(big + small, random.Random(seed))[0].group for seed in range(400)]
    share = firsts.count("statistics") / len(firsts)
    assert 0.85 < share < 0.97  # 28/31 in expectation
    order = spread_order(big + small, random.Random(1))
    assert sorted(c.question_id for c in order) == sorted(c.question_id for c in big + small)


def test_a_closed_terminals_error_during_a_reply_keeps_the_reply(synced: Store, clock: FakeClock) -> None:
    ui = ScriptedUI(
        answers=["my story", OSError(5, "Input/output error")], ratings=[], clock=clock, so_far="half"
    )
    with pytest.raises(OSError):
        MockRound(synced, ui, clock, random.Random(6), "behavioral").run()
    (session_id,) = synced.conn.exec_driver_sql("SELECT id FROM sessions").scalars().all()
    (stored,) = mock_rows(synced, session_id)
    assert (stored.answer, stored.follow_up_answer) == ("my story", "half")


def test_the_drill_a_mock_suggests_keeps_its_role(cli) -> None:
    """'Drill them: mockprep session --topic X' dropped the round's --role (and round: topics recur
    across rounds), so the drill asked other roles' questions (found by an exploratory tester). One
    topic is "it" ("Weakest here: X. Drill them" said another tester)."""
    args = ("mock", "--round", "behavioral", "--role", "data-scientist", "--minutes", "5")
    result = cli(*args, input="no idea\n\nnone\n\nq\nq\n")
    assert result.exit_code == 0, result.stderr
    rated = " ".join(cli("mock", "--rate", "1", input="1\n").stdout.split())
    assert re.search(r"Weakest here: [\w-]+\. Drill it: ", rated), rated
    drill = "Drill it: mockprep session --round behavioral --role data-scientist --topic "
    assert drill in rated
    again = " ".join(cli(*args, input="no idea\n\nnone\n\nq\n1\n").stdout.split())
    assert drill in again


def test_a_mock_of_one_rounds_banks_needs_no_round(cli) -> None:
    """README's `mockprep mock --bank ml-coding` failed: 'choose one: --round ... or --loop'
    (found by an exploratory tester)."""
    result = cli("mock", "--bank", "core-skills", "--minutes", "5", input="q\n")
    assert result.exit_code == 0, result.stderr
    assert "Mock behavioral round" in result.stdout
    mixed = cli("mock", "--bank", "core-skills", "--bank", "ml-coding")
    assert mixed.exit_code == 2 and "behavioral and technical rounds: add --round" in mixed.stderr
    assert cli("mock").exit_code == 2


def _quick_behavioral(folder: Path) -> None:
    """A behavioral bank whose one question takes 1m15s in a mock (no follow-up): 4 minutes hold it."""
    (folder / "quick.toml").write_text(
        'id = "quick"\ntitle = "Quick"\nround = "behavioral"\ntopic = "quick"\n\n[[questions]]\n'
        'id = "one"\nprompt = "Tell me about a quick win."\nanswer = "A story."\ntime_limit = "1m"\n'
        'key_points = ["the win", "what I did"]\ncompetencies = ["impact"]\n',
        encoding="utf-8",
    )


def test_a_loop_leaves_out_a_round_its_minutes_cannot_hold_and_runs_the_next(
    synced: Store, clock: FakeClock, tmp_path: Path
) -> None:
    """mock --loop --minutes 4: the project round's shortest question takes 4m15s. It used to be found
    only once the technical round was done and the break taken, ending the loop with exit 2 and never
    offering the behavioral round (found by an exploratory tester)."""
    folder = tmp_path / "mine"
    folder.mkdir()
    _quick_behavioral(folder)
    synced.banks.add_source(folder, clock.now)
    sync_banks(synced, clock.now)
    ui = ScriptedUI(answers=["a"] * 100, ratings=[Rating.Good] * 100, clock=clock, answer_seconds=30)
    ui.breaks = [True, True]
    reports = run_loop(synced, ui, clock, random.Random(8), options=MockOptions(minutes=4))
    assert [r.round for r in reports] == ["technical", "behavioral"]
    assert all(r.status == "completed" and r.answers for r in reports)
    assert ui.notices[0].startswith("No project question fits in 4 minutes: the shortest, project-story/")
    assert ui.notices[0].endswith(": that round is skipped (more --minutes would hold it).")


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(minutes=st.floats(0.5, 6))
def test_a_loop_never_stops_on_its_minutes_once_a_round_is_done(
    synced: Store, clock: FakeClock, minutes: float
) -> None:
    """Whatever the minutes: each round of the loop runs or is said to be skipped before any starts, in
    order; or, when none can hold a question, the loop is refused before anything is stored."""
    from mockprep.practice.mock import MockPlanError

    ui = ScriptedUI(answers=["a"] * 100, ratings=[Rating.Good] * 100, clock=clock, answer_seconds=20)
    ui.breaks = [True, True]
    sessions = synced.conn.exec_driver_sql("SELECT COUNT(*) FROM sessions").scalar()
    try:
        reports = run_loop(synced, ui, clock, random.Random(8), options=MockOptions(minutes=minutes))
    except MockPlanError as exc:
        assert "nor does one of any other round; use more --minutes" in str(exc)
        assert synced.conn.exec_driver_sql("SELECT COUNT(*) FROM sessions").scalar() == sessions
        return
    ran = [r.round for r in reports]
    skipped = [
        n.split()[1]
        for n in ui.notices
        if n.endswith("that round is skipped (more --minutes would hold it).")
    ]
    assert ran and sorted(ran + skipped, key=["technical", "project", "behavioral"].index) == [
        "technical",
        "project",
        "behavioral",
    ]
    assert all(r.status == "completed" for r in reports)


def test_the_mock_loop_command_skips_the_round_and_exits_0(cli, tmp_path: Path) -> None:
    _quick_behavioral(tmp_path)
    assert cli("bank", "add", str(tmp_path / "quick.toml")).exit_code == 0
    answers = "an answer\n\nreply\n\n" * 12 + "\n" * 40
    result = cli("mock", "--loop", "--minutes", "4", input=answers)
    assert result.exit_code == 0, result.stderr
    assert "No project question fits in 4 minutes" in result.stdout
    assert "Report card · behavioral round" in result.stdout
