"""Issue 11: what a session or a mock says it will ask is what it asks.

--minutes plans and runs by one rule on the same costs; a question too long for the time left is
passed over for one that fits, and a stop says which question and why; the header counts the
learn-ahead repeats; a question just failed is not asked again straight away.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fsrs import Rating
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockprep.core.questions import QuestionFilter
from mockprep.core.settings import DEFAULT_SETTINGS
from mockprep.db.store import Store
from mockprep.practice.mock import MockOptions, MockRound
from mockprep.practice.session import Session, SessionOptions, SessionPlanError
from mockprep.services.bank_sync import sync_banks
from tests.conftest import FakeClock, ScriptedUI, write_bank

NO_MEDIANS = replace(DEFAULT_SETTINGS, min_history_for_median=10**9)  # plan by the limits only


def add_bank(
    store: Store, folder: Path, now, bank_id: str, limits: list[str], round: str = "technical"
) -> None:
    """A bank whose questions q1..qn have the given own time limits ("" for the round's default)."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f'id = "{bank_id}"', f'title = "{bank_id}"', f'round = "{round}"', 'topic = "t"', ""]
    for i, limit in enumerate(limits, start=1):
        lines += [
            "[[questions]]",
            f'id = "q{i}"',
            f'prompt = "Question {i}?"',
            'answer = "A."',
            'key_points = ["first point", "second point"]',
        ]
        if limit:
            lines.append(f'time_limit = "{limit}"')
        if round == "behavioral":
            lines.append('competencies = ["communication"]')
        lines.append("")
    (folder / f"{bank_id}.toml").write_text("\n".join(lines), encoding="utf-8")
    store.banks.add_source(folder, now)
    sync_banks(store, now)


class TimedUI(ScriptedUI):
    """Answers every question in exactly its time limit."""

    def read_answer(self, countdown=None):
        assert self.clock is not None and countdown is not None
        self.clock.advance(seconds=countdown.limit)
        return "an answer"


def session(store: Store, clock: FakeClock, ui, settings=NO_MEDIANS, **options):
    opts = SessionOptions(tz=ZoneInfo("UTC"), **options)
    return Session(store, ui, clock, random.Random(5), opts, settings).run()


# -- item 1: the estimate and the run ----------------------------------------------------------------


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    limits=st.lists(st.sampled_from(["", "30s", "1m", "90s", "2m", "4m", "6m"]), min_size=1, max_size=7),
    minutes=st.integers(1, 12),
)
def test_a_planned_session_asks_what_it_estimated(
    store: Store, clock: FakeClock, tmp_path: Path, limits: list[str], minutes: int
) -> None:
    """Answers that take exactly their expected time: the run asks as many as the plan said."""
    clock.advance(days=3)
    bank = f"b{len(store.banks.known_values()['banks'])}"
    add_bank(store, tmp_path / bank, clock.now, bank, limits)
    ui = TimedUI(ratings=[Rating.Easy] * len(limits), clock=clock)
    flt = QuestionFilter(banks=(bank,))
    before = len(store.sessions.history())
    try:
        summary = session(store, clock, ui, filter=flt, new=len(limits), minutes=minutes)
    except SessionPlanError:
        assert min(SECONDS[limit] for limit in limits) > minutes * 60  # truly nothing fits
        assert not ui.shown and len(store.sessions.history()) == before  # no session stored
        return
    assert summary.answered == summary.planned == len(ui.shown) > 0
    assert summary.seconds <= minutes * 60
    if summary.time_stop is not None:  # it stopped with questions waiting: none of them fit
        assert summary.time_stop.left >= 0 and summary.time_stop.needs > summary.time_stop.left
        assert summary.answered + summary.time_stop.waiting == len(limits)
    else:
        assert summary.answered == len(limits)


SECONDS = {"": 180, "30s": 30, "1m": 60, "90s": 90, "2m": 120, "4m": 240, "6m": 360}


def test_the_reported_case_no_time_up_after_zero_seconds(
    store: Store, clock: FakeClock, tmp_path: Path
) -> None:
    """The issue's case: technical answers of 30 s made the estimate say 1, but the one question
    waiting was a behavioral one of 2m30s; the run asked nothing and said "Time is up" after 0 s."""
    add_bank(store, tmp_path / "t", clock.now, "tech", [""] * 6)
    ui = ScriptedUI(["a"] * 6, [Rating.Easy] * 6, clock=clock, answer_seconds=30)
    session(store, clock, ui, DEFAULT_SETTINGS, filter=QuestionFilter(banks=("tech",)), new=6)
    add_bank(store, tmp_path / "b", clock.now, "beh", [""], round="behavioral")
    clock.advance(hours=1)
    ui = ScriptedUI(["a"], [Rating.Good], clock=clock)
    with pytest.raises(SessionPlanError) as raised:
        session(store, clock, ui, DEFAULT_SETTINGS, minutes=2, filter=QuestionFilter(banks=("tech", "beh")))
    assert str(raised.value) == (
        "no waiting question fits in 2 minutes: the shortest, beh/q1, is expected to take 2m30s "
        "(its time limit); use more --minutes, or a shorter --time-limit"
    )
    assert not ui.shown and not ui.summaries and len(store.sessions.history()) == 1  # the first one


def test_a_long_question_is_planned_at_its_share_of_its_limit_not_at_quick_answers_times(
    store: Store, clock: FakeClock, tmp_path: Path
) -> None:
    """Five quick technical answers (30 s of a 1-minute limit) made a 15-minute design question of the
    same round look like 30 s: `--minutes 5` planned it, and the person ran 10 minutes over. It is
    planned at the same share of its own limit: 7m30s."""
    add_bank(store, tmp_path / "t", clock.now, "quick", ["1m"] * 5)
    ui = ScriptedUI(["a"] * 5, [Rating.Easy] * 5, clock=clock, answer_seconds=30)
    session(store, clock, ui, DEFAULT_SETTINGS, filter=QuestionFilter(banks=("quick",)), new=5)
    add_bank(store, tmp_path / "d", clock.now, "design", ["15m"])
    clock.advance(hours=1)
    flt = QuestionFilter(banks=("design",))
    with pytest.raises(SessionPlanError) as raised:
        session(
            store,
            clock,
            ScriptedUI(["a"], [Rating.Good], clock=clock),
            DEFAULT_SETTINGS,
            minutes=5,
            filter=flt,
        )
    assert str(raised.value) == (
        "no waiting question fits in 5 minutes: the shortest, design/q1, is expected to take 7m30s "
        "(50% of its time limit, your median technical answer); use more --minutes, or a shorter --time-limit"
    )
    ui = ScriptedUI(["a"], [Rating.Good], clock=clock, answer_seconds=400)
    summary = session(store, clock, ui, DEFAULT_SETTINGS, minutes=8, filter=flt)
    assert summary.planned == summary.answered == 1
    assert any(
        "judging by your median answer time as a share of each question's time limit" in n for n in ui.notices
    )


def test_a_time_limit_given_to_a_session_counts_neither_in_the_share_nor_in_the_estimate(
    store: Store, clock: FakeClock, tmp_path: Path
) -> None:
    """Found by an independent review: answers of a 5 s speed drill (--time-limit 5s) that took a minute
    each were measured as twelve times their limit, so `--minutes 30` on 3-minute questions was refused
    ("expected to take 36m"). The share is of each question's own limit, a third here, whatever limit a
    session gave it; and a session's --time-limit does not shrink what the person's answers take."""
    add_bank(store, tmp_path / "t", clock.now, "tech", [""] * 20)
    drill = ScriptedUI(["a"] * 5, [Rating.Again] * 5, clock=clock, answer_seconds=60)
    session(
        store, clock, drill, DEFAULT_SETTINGS, filter=QuestionFilter(banks=("tech",)), new=5, time_limit=5
    )
    clock.advance(hours=1)
    ui = ScriptedUI(["a"] * 20, [Rating.Easy] * 20, clock=clock, answer_seconds=60)
    flt = QuestionFilter(banks=("tech",))
    summary = session(store, clock, ui, DEFAULT_SETTINGS, minutes=10, filter=flt, new=20, time_limit=30)
    assert summary.planned == 10  # a minute each: a third of the 3-minute limit, not 30 s


def test_the_cli_refuses_a_plan_nothing_fits_in_one_line(cli, tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    write_bank(folder / "beh.toml", bank_id="beh", round="behavioral", n=2)
    assert cli("bank", "add", str(folder)).exit_code == 0
    result = cli("session", "--bank", "beh", "--minutes", "2", input="an answer\n\n3\n")
    assert result.exit_code == 2
    assert "Time is up" not in result.stdout and "Question 1" not in result.stdout
    (line,) = result.stderr.strip().splitlines()
    assert "no waiting question fits in 2 minutes" in line and "2m30s (its time limit)" in line
    assert cli("history").stdout.startswith("No sessions yet")


def test_a_refused_plan_names_the_same_shortest_question_on_every_run_of_a_day(
    cli, cli_clock: FakeClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by an exploratory tester: `session --minutes 1` named another "shortest" question on each
    run (and ran on some), as the day's new questions were drawn afresh; README promises the same
    explanation. Without MOCKPREP_SEED the day and the home draw them: the same all day."""
    monkeypatch.delenv("MOCKPREP_SEED")
    lines = ['id = "timed"', 'title = "Timed"', 'round = "technical"', 'topic = "t"', ""]
    for i in range(40):  # 40 new questions (10 a day), each over two minutes, no two alike
        lines += ["[[questions]]", f'id = "q{i}"', f'prompt = "Question {i}?"', 'answer = "A."']
        lines += ['key_points = ["first point", "second point"]', f"time_limit = {125 + 7 * i}", ""]
    (tmp_path / "timed.toml").write_text("\n".join(lines), encoding="utf-8")
    assert cli("bank", "add", str(tmp_path / "timed.toml")).exit_code == 0
    for _day in range(2):
        said = set()
        for _run in range(4):
            result = cli("session", "--bank", "timed", "--minutes", "1")
            assert result.exit_code == 2 and "no waiting question fits in 1 minute" in result.stderr
            said.add(result.stderr)
            cli_clock.advance(minutes=30)
        assert len(said) == 1, said
        cli_clock.advance(days=1)


def test_a_question_too_long_for_the_time_left_is_passed_over(
    store: Store, clock: FakeClock, tmp_path: Path
) -> None:
    add_bank(store, tmp_path / "m", clock.now, "mixed", ["4m", "1m"])
    ui = TimedUI(ratings=[Rating.Easy] * 2, clock=clock)
    summary = session(store, clock, ui, filter=QuestionFilter(banks=("mixed",)), new=2, minutes=2)
    assert ui.shown == ["mixed/q2"] and summary.planned == 1 and summary.answered == 1
    stop = summary.time_stop
    assert stop is not None and (stop.key, stop.needs, stop.left) == ("mixed/q1", 240, 60)
    assert stop.basis == "its time limit" and stop.waiting == 1
    assert "About 1 of the 2 waiting questions fits in 2 minutes" in ui.notices[0]


def test_the_stop_is_explained_on_the_terminal(store: Store, clock: FakeClock, tmp_path: Path) -> None:
    from mockprep.practice.ui import SessionSummary
    from mockprep.terminal.practice import TerminalUI
    from tests.test_session import captured

    add_bank(store, tmp_path / "m", clock.now, "mixed", ["4m", "1m"])
    ui = TimedUI(ratings=[Rating.Easy] * 2, clock=clock)
    summary: SessionSummary = session(
        store, clock, ui, filter=QuestionFilter(banks=("mixed",)), new=2, minutes=2
    )
    console, out = captured()
    TerminalUI(console, lambda *_: None).show_summary(summary, clock.now)
    text = " ".join(out.getvalue().split())
    assert "Session complete" in text and "Time is up" not in text
    assert (
        "Stopped with 1m left: no waiting question fits in it. The shortest, mixed/q1, takes 4m "
        "(its time limit). 1 question waits for next time." in text
    )


def test_a_time_box_used_up_says_time_is_up(store: Store, clock: FakeClock, tmp_path: Path) -> None:
    add_bank(store, tmp_path / "m", clock.now, "even", ["1m", "1m", "1m"])
    ui = TimedUI(ratings=[Rating.Easy] * 3, clock=clock)
    summary = session(store, clock, ui, filter=QuestionFilter(banks=("even",)), new=3, minutes=2)
    assert summary.answered == 2 and summary.time_stop is not None and summary.time_stop.left == 0


def test_the_header_counts_only_what_fits_in_a_time_box(
    store: Store, clock: FakeClock, tmp_path: Path
) -> None:
    add_bank(store, tmp_path / "m", clock.now, "five", ["1m"] * 5)
    ui = TimedUI(ratings=[Rating.Easy] * 5, clock=clock)
    session(store, clock, ui, filter=QuestionFilter(banks=("five",)), new=5, minutes=3)
    assert [(p.number, p.remaining) for p in ui.progress] == [(1, 2), (2, 1), (3, 0)]


@pytest.mark.parametrize(("options", "held"), [({"minutes": 3}, "time"), ({"limit": 2}, "limit"), ({}, None)])
def test_the_last_question_of_a_time_box_or_a_limit_does_not_say_nothing_else_waits(
    store: Store, clock: FakeClock, tmp_path: Path, options: dict, held: str | None
) -> None:
    """Found by an exploratory tester: a timed session's last question said "nothing else waiting"
    and its summary then "12 questions wait for next time"."""
    from mockprep.terminal.practice import LAST, TerminalUI
    from tests.test_session import captured

    add_bank(store, tmp_path / "m", clock.now, "five", ["1m"] * 5)
    ui = TimedUI(ratings=[Rating.Easy] * 5, clock=clock)
    summary = session(store, clock, ui, filter=QuestionFilter(banks=("five",)), new=5, **options)
    last = ui.progress[-1]
    assert last.remaining == 0 and last.held_back == held
    assert (summary.answered < 5) == (held is not None)  # questions do wait when something held them
    console, out = captured()
    record = store.banks.questions_in_bank("five")[0]
    TerminalUI(console, lambda *_: None).show_question(record, last)
    header = out.getvalue().splitlines()[1]
    assert LAST[held] in header and (held is None or "nothing else waiting" not in header)


def test_a_quick_mock_uses_the_time_left_and_says_why_it_stops(store: Store, clock: FakeClock) -> None:
    """A 5-minute behavioral round plans one question (2m30s + 1m30s follow-up + 15s); answered in 20 s,
    there is room for another, and then the report says why no third one fits."""
    sync_banks(store, clock.now)
    ui = ScriptedUI(answers=["short"] * 10, ratings=[Rating.Good] * 10, clock=clock, answer_seconds=20)
    report = MockRound(store, ui, clock, random.Random(1), "behavioral", MockOptions(minutes=5)).run()
    assert report.planned == 1 and len(report.answers) == 2
    stop = report.time_stop
    assert stop is not None and stop.left == 300 - 4 * 20 and stop.needs == 255 > stop.left
    assert [a.rating for a in report.answers] == [3, 3] and report.status == "completed"


def test_the_mock_report_explains_the_stop(store: Store, clock: FakeClock) -> None:
    from mockprep.terminal.mock import MockTerminalUI
    from tests.test_session import captured

    sync_banks(store, clock.now)
    ui = ScriptedUI(answers=["short"] * 10, ratings=[Rating.Good] * 10, clock=clock, answer_seconds=20)
    report = MockRound(store, ui, clock, random.Random(1), "behavioral", MockOptions(minutes=5)).run()
    console, out = captured()
    MockTerminalUI(console, lambda *_: None).show_mock_report(report)
    text = " ".join(out.getvalue().split())
    assert "2 questions (1 planned)" in text
    assert "The round stopped with 3m40s left: no question left fits in it. The shortest," in text
    assert "takes 4m15s (its time limit, its follow-up and the pause between questions)" in text


# -- item 2: the header and the learn-ahead repeats -------------------------------------------------


def test_the_header_counts_a_learn_ahead_repeat(store: Store, clock: FakeClock, tmp_path: Path) -> None:
    add_bank(store, tmp_path / "d", clock.now, "demo", [""] * 3)
    flt = QuestionFilter(banks=("demo",))
    failed = ScriptedUI(["a", None], [Rating.Again], clock=clock)
    session(store, clock, failed, filter=flt, new=1)  # due again in 1 minute: a learn-ahead repeat
    ui = ScriptedUI(["b", "c"], [Rating.Easy, Rating.Easy], clock=clock)
    session(store, clock, ui, filter=flt, new=1)
    assert ui.shown[1] == failed.shown[0]  # the repeat was asked second...
    assert [(p.number, p.remaining) for p in ui.progress] == [(1, 1), (2, 0)]  # ...and announced


def test_the_last_question_does_not_claim_to_be_the_last(store: Store, clock: FakeClock) -> None:
    from mockprep.practice.ui import Progress
    from mockprep.terminal.practice import TerminalUI
    from tests.test_session import captured

    sync_banks(store, clock.now)
    record = store.banks.question(store.cards.new_question_ids(QuestionFilter())[0])
    console, out = captured()
    TerminalUI(console, lambda *_: None).show_question(record, Progress(1, 0))
    # Rated below easy, it comes back in this session (learn-ahead): "last one" would be untrue.
    assert "Question 1 · nothing else waiting" in out.getvalue() and "last one" not in out.getvalue()


def test_a_question_just_failed_is_not_asked_again_straight_away(
    store: Store, clock: FakeClock, tmp_path: Path
) -> None:
    add_bank(store, tmp_path / "d", clock.now, "demo", [""] * 3)
    ui = ScriptedUI(["a"] * 4, [Rating.Good, Rating.Again, Rating.Good, Rating.Good], clock=clock)
    session(store, clock, ui, filter=QuestionFilter(banks=("demo",)), new=2, limit=4)
    first, failed = ui.shown[:2]
    # Both now wait in learning (the failed one sooner): the other one comes first.
    assert ui.shown[2:] == [first, failed]


def test_a_failed_question_alone_is_asked_again(store: Store, clock: FakeClock, tmp_path: Path) -> None:
    add_bank(store, tmp_path / "d", clock.now, "demo", [""])
    ui = ScriptedUI(["a", "b"], [Rating.Again, Rating.Good], clock=clock)
    session(store, clock, ui, filter=QuestionFilter(banks=("demo",)), new=1, limit=2)
    assert ui.shown == ["demo/q1", "demo/q1"]


NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
due_cards = st.lists(st.integers(-60, 60), max_size=6, unique=True)


@given(due_cards, due_cards, st.integers(0, 4), st.integers(0, 30) | st.none())
def test_the_queue_head_needs_only_two_of_each_kind(learning, reviews, new, just_asked) -> None:
    """A session without a time plan reads only the first two of each kind: the head is the same."""
    from mockprep.core.scheduler import CardState, DueCard, queue_order

    def cards(minutes, state, base):
        return [DueCard(base + i, state, NOW + timedelta(minutes=m)) for i, m in enumerate(sorted(minutes))]

    lists = (
        cards(learning, CardState.LEARNING, 0),
        cards([m for m in reviews if m <= 0], CardState.REVIEW, 10),
        [DueCard(20 + i, CardState.NEW, NOW) for i in range(new)],
    )
    ahead = timedelta(minutes=20)
    full = queue_order(*lists, NOW, ahead, just_asked)
    head = queue_order(*(c[:2] for c in lists), NOW, ahead, just_asked)
    assert head[:2] == full[:2]
    if len(full) > 1 and just_asked is not None:
        assert full[0].question_id != just_asked


def test_a_question_as_long_as_the_time_box_is_asked_when_the_clock_moves_between_steps(
    store: Store, tmp_path: Path
) -> None:
    """The estimate said it fits; the run, some milliseconds later, must not find it a hair too long."""
    ticking = FakeClock(tick=timedelta(milliseconds=40))
    add_bank(store, tmp_path / "m", ticking.now, "exact", ["2m", "1m"])
    ui = TimedUI(ratings=[Rating.Good] * 2, clock=ticking)
    summary = session(store, ticking, ui, filter=QuestionFilter(banks=("exact",)), new=2, minutes=3)
    # (in either order, the second question asked fills exactly what the first left)
    assert summary.planned == 2 and sorted(ui.shown) == ["exact/q1", "exact/q2"]
    assert [(p.number, p.remaining) for p in ui.progress][:1] == [(1, 1)]  # the header as the estimate


def test_a_mock_as_long_as_its_shortest_question_asks_it(store: Store) -> None:
    """A behavioral question costs 4m15s (2m30s, a 1m30s follow-up, 15 s between): --minutes 4.25."""
    ticking = FakeClock(tick=timedelta(milliseconds=40))
    sync_banks(store, ticking.now)
    ui = ScriptedUI(answers=["short"] * 3, ratings=[Rating.Good] * 3, clock=ticking, answer_seconds=20)
    options = MockOptions(minutes=4.25)
    report = MockRound(store, ui, ticking, random.Random(1), "behavioral", options).run()
    assert report.planned == 1 and len(report.answers) >= 1
