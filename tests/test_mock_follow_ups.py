"""A mock's follow-ups: the reply timed against its own limit and kept (m030), shown on the report card
and in history; q at the follow-up ends the round; which of a question's follow-ups is asked."""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field
from pathlib import Path

from fsrs import Rating
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console

from mockprep.core.durations import format_duration
from mockprep.core.questions import QuestionFilter
from mockprep.core.settings import DEFAULT_SETTINGS
from mockprep.db.store import Store
from mockprep.practice.mock import MockOptions, MockRound
from mockprep.services.bank_sync import sync_banks
from tests.conftest import FakeClock, ScriptedUI

FOLLOW_UP_SECONDS = DEFAULT_SETTINGS.follow_up_seconds
BANK = """id = "fu"
title = "Follow-ups"
round = "technical"
roles = ["ml-engineer"]
topic = "systems"

[[questions]]
id = "cache"
prompt = "How would you cache model predictions?"
answer = "Key by the features' hash; expire on a model change."
key_points = ["key by a hash of the features", "expire on a model change"]
follow_ups = ["What if the features drift?", "How big would the cache get?", "What would you log?"]
time_limit = "2m"
"""


@dataclass
class TimedUI(ScriptedUI):
    """A ScriptedUI whose answers take the seconds listed, one figure a prompt (answer, then reply)."""

    seconds: list[float] = field(default_factory=list)

    def read_answer(self, countdown=None):
        if self.clock is not None and self.seconds:
            self.clock.advance(seconds=self.seconds.pop(0))
        return super().read_answer(countdown)


def fu_home(store: Store, clock: FakeClock, tmp_path: Path) -> Store:
    folder = tmp_path / "fu"
    folder.mkdir(exist_ok=True)
    (folder / "fu.toml").write_text(BANK, encoding="utf-8")
    store.banks.add_source(folder, clock.now)
    sync_banks(store, clock.now)
    return store


def fu_round(store: Store, clock: FakeClock, ui: ScriptedUI, timer: bool = True, seed: int = 1):
    options = MockOptions(minutes=10, timer=timer, filter=QuestionFilter(banks=("fu",)))
    return MockRound(store, ui, clock, random.Random(seed), "technical", options).run()


def card_lines(report) -> list[str]:
    from mockprep.terminal.mock import MockTerminalUI

    out = io.StringIO()
    MockTerminalUI(Console(file=out, width=100, color_system=None), lambda *_: None).show_mock_report(report)
    return out.getvalue().splitlines()


def card_text(report) -> str:
    return " ".join(" ".join(card_lines(report)).split())


def history_text(store: Store, session_id: int) -> str:
    from mockprep.terminal.history import render_history, render_session

    out = io.StringIO()
    console = Console(file=out, width=100, color_system=None)
    render_session(console, store.sessions.get(session_id), store.sessions.answers(session_id))
    render_history(console, store.sessions.history())
    return out.getvalue()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answer=st.integers(1, 200), reply=st.integers(0, 200))
def test_the_reply_to_a_follow_up_is_timed_stored_and_shown(
    store: Store, clock: FakeClock, tmp_path: Path, answer: int, reply: int
) -> None:
    """Found by an exploratory tester: the clock showed '+0:09 over 1:30' at the follow-up, but the report
    card, history ID, the over column and the database kept only the main answer's time."""
    if "fu" not in {b.id for b in store.banks.summaries(clock.now)}:  # (once: examples share the home)
        fu_home(store, clock, tmp_path)
    ui = TimedUI(["my answer", "my reply", None], [Rating.Good], clock=clock, seconds=[answer, reply])
    report = fu_round(store, clock, ui)
    (given_,) = report.answers
    assert given_.follow_up_timing is not None and given_.follow_up_timing.seconds == reply
    assert given_.follow_up_overtime == (reply > FOLLOW_UP_SECONDS)
    (stored,) = store.sessions.answers(report.session_id)
    assert (stored.follow_up_ms, stored.follow_up_limit_ms) == (reply * 1000, FOLLOW_UP_SECONDS * 1000)
    assert stored.follow_up_overtime == (reply > FOLLOW_UP_SECONDS) and stored.duration_ms == answer * 1000
    over = answer > 120 or reply > FOLLOW_UP_SECONDS
    entry = store.sessions.history()[0]
    # the list's "over" counts an answer whose reply ran over
    assert entry.session.id == report.session_id and entry.overtime == int(over)
    # the points stay the answer's: its rating, less 10 only when the answer itself ran over
    assert report.score == (70 if answer > 120 else 80) == entry.score
    shown = history_text(store, report.session_id)
    follow_up_line = next(line for line in shown.splitlines() if line.startswith("Follow-up:"))
    assert f"⏱ {format_duration(reply)} of {format_duration(FOLLOW_UP_SECONDS)}" in follow_up_line
    assert ("1 over time" in shown) == over
    assert f"reply {format_duration(reply)} / {format_duration(FOLLOW_UP_SECONDS)}" in card_text(report)
    clock.advance(days=1)  # (the next example: a round of its own, newest in history)


def test_an_untimed_reply_keeps_its_time_without_a_limit(
    store: Store, clock: FakeClock, tmp_path: Path
) -> None:
    fu_home(store, clock, tmp_path)
    ui = TimedUI(["my answer", "my reply", None], [Rating.Good], clock=clock, seconds=[30, 400])
    report = fu_round(store, clock, ui, timer=False)
    (stored,) = store.sessions.answers(report.session_id)
    assert (stored.follow_up_ms, stored.follow_up_limit_ms) == (400_000, None)
    assert not stored.follow_up_overtime


def test_a_reply_cut_short_keeps_its_time_so_far(store: Store, clock: FakeClock, tmp_path: Path) -> None:
    fu_home(store, clock, tmp_path)
    ui = TimedUI(["my answer", KeyboardInterrupt()], clock=clock, so_far="half a reply", seconds=[30, 95])
    report = fu_round(store, clock, ui)
    (stored,) = store.sessions.answers(report.session_id)
    assert (stored.follow_up_answer, stored.follow_up_ms) == ("half a reply", 95_000)
    assert report.status == "interrupted"


def test_a_mock_rated_later_shows_the_replys_time(store: Store, clock: FakeClock, tmp_path: Path) -> None:
    from mockprep.practice.mock_rating import rate_later

    fu_home(store, clock, tmp_path)
    ui = TimedUI(["my answer", "my reply", None], [], clock=clock, seconds=[30, 100])
    report = fu_round(store, clock, ui)
    later = rate_later(store, ScriptedUI(ratings=[Rating.Good], clock=clock), clock, report.session_id)
    (answer,) = later.answers
    assert answer.follow_up_timing is not None and answer.follow_up_timing.seconds == 100
    assert answer.follow_up_overtime
    assert f"reply {format_duration(100)} / {format_duration(FOLLOW_UP_SECONDS)}" in card_text(later)


def test_a_card_shown_by_mock_rate_counts_the_checklist_confirmed_in_an_earlier_run(
    store: Store, clock: FakeClock, tmp_path: Path
) -> None:
    """Found by an exploratory tester: after `mock --rate`, the card showed an answer rated in the round
    with the grader's key-point count (2/3) while history said what was confirmed (3/3)."""
    from mockprep.core.grading import Verdict
    from mockprep.practice.mock_rating import rate_later

    fu_home(store, clock, tmp_path)
    two_questions(tmp_path)
    sync_banks(store, clock.now)
    ticked = [Verdict.COVERED, Verdict.COVERED]
    ui = ScriptedUI(["nothing of it", "r", "nothing again", "r2"], [Rating.Good], clock=clock)
    ui.interactive = True
    ui.checklists = [ticked]  # the first answer's: both ticked (the grader ticked none)
    report = fu_round(store, clock, ui)
    assert [a.rating for a in report.answers] == [3, None]
    later = rate_later(store, ScriptedUI(ratings=[Rating.Hard], clock=clock), clock, report.session_id)
    first = later.answers[0]
    assert sum(first.attempt.assessment.coverage or []) < 2  # what the grader would count again
    assert first.covered == [True, True] == store.sessions.answers(report.session_id)[0].coverage
    row = next(line for line in card_lines(later) if first.attempt.record.question.key in line)
    assert "2/2" in row.split()


def two_questions(tmp_path: Path) -> Path:
    """The follow-ups bank with a second question (so a round has one to go on to)."""
    second = BANK[BANK.index("[[questions]]") :].replace('id = "cache"', 'id = "cache2"')
    path = tmp_path / "fu" / "fu.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(BANK + second, encoding="utf-8")
    return path


def test_q_at_a_follow_up_ends_the_mock_keeping_the_answer(
    store: Store, clock: FakeClock, tmp_path: Path
) -> None:
    """Found by an exploratory tester: q at the follow-up prompt was stored as the reply "(no reply)"
    and the next question started, though README says q ends a mock early."""
    fu_home(store, clock, tmp_path)
    two_questions(tmp_path)
    sync_banks(store, clock.now)
    ui = ScriptedUI(["my answer", None, "never asked", "never"], [Rating.Good], clock=clock)
    report = fu_round(store, clock, ui)
    assert len(ui.shown) == 1 and report.status == "ended_early"
    (stored,) = store.sessions.answers(report.session_id)
    assert (stored.answer, stored.follow_up_answer, stored.follow_up_ms) == ("my answer", None, None)
    assert stored.rating == 3  # the answer given is still revealed and rated


def test_q_at_a_follow_up_from_the_command_line(cli, tmp_path: Path) -> None:
    from mockprep.terminal.mock import FOLLOW_UP_HINT

    assert cli("bank", "add", str(two_questions(tmp_path))).exit_code == 0
    result = cli("mock", "--bank", "fu", input="Latency budget of 20 ms.\n\nq\nq\n")
    assert result.exit_code == 0, result.stderr
    out = " ".join(result.stdout.split())
    assert " ".join(FOLLOW_UP_HINT.split()) in out  # the prompt says what q does there
    assert out.count("Question 1") == 1 and "Question 2" not in out and "(ended early)" in out


@given(
    follow_ups=st.lists(st.text(min_size=1, max_size=5), max_size=4, unique=True),
    last=st.none() | st.text(min_size=1, max_size=5),
    seed=st.integers(0, 2**32),
)
def test_a_follow_up_is_drawn_from_the_questions_own_avoiding_the_last_asked(follow_ups, last, seed) -> None:
    from mockprep.core.rounds import choose_follow_up

    chosen = choose_follow_up(follow_ups, last, random.Random(seed))
    if not follow_ups:
        assert chosen is None
    else:
        assert chosen in follow_ups
        assert chosen != last or follow_ups == [last]
    assert chosen == choose_follow_up(follow_ups, last, random.Random(seed))  # the injected rng decides


def test_repeated_mocks_ask_different_follow_ups(store: Store, clock: FakeClock, tmp_path: Path) -> None:
    """Found by an exploratory tester: a round always asked a question's first follow-up, so every
    mock of the same bank asked the same ones."""
    fu_home(store, clock, tmp_path)
    asked = []
    for seed in range(6):
        ui = ScriptedUI(["my answer", "my reply", None], [Rating.Good], clock=clock)
        fu_round(store, clock, ui, seed=seed)
        asked += ui.follow_ups
        clock.advance(days=1)
    assert len(asked) == 6 and len(set(asked)) > 1
    assert all(a != b for a, b in zip(asked, asked[1:], strict=False))  # never the last one again


@dataclass
class ThinkingInterviewer:
    """A model interviewer that takes ``seconds`` of the injected clock to write each follow-up."""

    clock: FakeClock
    seconds: float
    model: str = "thinker"

    def start(self, spec, answer):
        interviewer = self

        class Pending:
            model, note = interviewer.model, None

            def done(self) -> bool:
                return interviewer.seconds == 0

            def left(self) -> float:
                return interviewer.seconds

            def result(self):
                from mockprep.core.llm_interviewer import FollowUp

                interviewer.clock.advance(seconds=interviewer.seconds)
                return FollowUp("Why would the cache key hold up under drift?", "gap")

        return Pending()


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(thinking=st.integers(0, 120), answer=st.integers(1, 100), reply=st.integers(0, 80))
def test_the_round_clock_waits_while_the_model_writes_its_follow_up(
    store: Store, clock: FakeClock, tmp_path: Path, thinking: int, answer: int, reply: int
) -> None:
    """Found by an exploratory tester: 30 s of a slow model's thinking came off the candidate's round."""
    if "fu" not in {b.id for b in store.banks.summaries(clock.now)}:
        fu_home(store, clock, tmp_path)
        second = BANK.split("[[questions]]")[1].replace('"cache"', '"cache2"').replace("model", "feature")
        (tmp_path / "fu" / "fu.toml").write_text(f"{BANK}\n[[questions]]{second}", encoding="utf-8")
        sync_banks(store, clock.now)
    ui = TimedUI(["a", "r", "b", "r2", None], [], clock=clock, seconds=[answer, reply, 1, 1])
    options = MockOptions(minutes=10, filter=QuestionFilter(banks=("fu",)))
    interviewer = ThinkingInterviewer(clock, thinking)
    report = MockRound(
        store, ui, clock, random.Random(1), "technical", options, interviewer=interviewer
    ).run()
    assert ui.follow_ups[0] == "Why would the cache key hold up under drift?"
    first, second = ui.progress[:2]
    assert first.round_left - second.round_left == answer + reply  # the model's seconds not among them
    assert report.seconds >= answer + reply + thinking  # the card's total is still the wall clock's
    clock.advance(days=1)
