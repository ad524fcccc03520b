"""A code answer in the practice pipeline: written, run, fixed and run again; the runs, the final
result and the suggested rating (from the tests and the time) are stored with the review."""

from __future__ import annotations

import json
import random
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fsrs import Rating
from hypothesis import given
from hypothesis import strategies as st

from mockprep.core.code_results import CodeRun, TestOutcome, TestStatus, code_rating
from mockprep.core.grading import LexicalGrader
from mockprep.core.questions import QuestionFilter
from mockprep.core.settings import DEFAULT_SETTINGS
from mockprep.db.store import Store
from mockprep.practice.code_answer import RunStopped
from mockprep.practice.session import Session, SessionOptions
from mockprep.services.bank_sync import sync_banks
from mockprep.services.code_grader import CodeGrader
from mockprep.services.code_runner import CodeRunner, RunLimits
from tests.conftest import FakeClock, ScriptedUI
from tests.test_code_session import BANK

WRONG = "def add_one(x):\n    return x\n"
RIGHT = "def add_one(x):\n    return x + 1\n"


@pytest.fixture
def coding(store: Store, tmp_path: Path, clock: FakeClock) -> Store:
    folder = tmp_path / "coding"
    folder.mkdir()
    (folder / "coding.toml").write_text(BANK, encoding="utf-8")
    store.banks.add_source(folder, clock.now)
    sync_banks(store, clock.now)
    return store


def _session(store: Store, clock: FakeClock, ui: ScriptedUI) -> None:
    grader = CodeGrader(LexicalGrader(), CodeRunner(RunLimits(test_seconds=2.0)))
    options = SessionOptions(filter=QuestionFilter(banks=("coding",)), tz=ZoneInfo("UTC"), limit=1)
    Session(store, ui, clock, random.Random(1), options, DEFAULT_SETTINGS, grader).run()


def _stored(store: Store) -> tuple:
    return store.conn.exec_driver_sql("SELECT rating, suggested, code_runs, code_result FROM reviews").one()


def test_fixed_and_run_again_the_last_run_counts(coding: Store, clock: FakeClock) -> None:
    ui = ScriptedUI(
        [WRONG, RIGHT], [Rating.Good], clock=clock, answer_seconds=30, run_steps=["edit", "submit"]
    )
    _session(coding, clock, ui)
    assert ui.code_drafts == ["def add_one(x):\n    ...\n", WRONG]  # the starter, then the last version
    assert [(run.passed, run.total) for run in ui.runs] == [(0, 2), (2, 2)]
    assert ui.suggestions == [Rating.Good]  # all passed, but not on the first run
    rating, suggested, runs, result = _stored(coding)
    assert (rating, suggested, runs) == (3, 3, 2)
    assert json.loads(result) == {"passed": 2, "total": 2, "failed": []}


def test_right_first_time_and_quick_is_easy(coding: Store, clock: FakeClock) -> None:
    ui = ScriptedUI([RIGHT], [Rating.Easy], clock=clock, answer_seconds=30)
    _session(coding, clock, ui)
    assert ui.suggestions == [Rating.Easy]


def test_over_time_is_hard(coding: Store, clock: FakeClock) -> None:
    ui = ScriptedUI([RIGHT], [Rating.Hard], clock=clock, answer_seconds=400)  # the limit is 5m
    _session(coding, clock, ui)
    assert ui.suggestions == [Rating.Hard]


def test_quitting_after_a_run_keeps_the_code_unrated(coding: Store, clock: FakeClock) -> None:
    """q at "Enter submits it, e edits and runs it again, q quits" threw the code away, while Ctrl-C
    there and q at the rating kept it (found by an exploratory tester): it is kept unrated, with its
    runs, and the session says so."""
    from mockprep.db.review_codec import answer_text

    grader = CodeGrader(LexicalGrader(), CodeRunner(RunLimits(test_seconds=2.0)))
    options = SessionOptions(filter=QuestionFilter(banks=("coding",)), tz=ZoneInfo("UTC"))
    ui = ScriptedUI([WRONG, RIGHT], [], clock=clock, run_steps=["edit", None])
    summary = Session(coding, ui, clock, random.Random(1), options, DEFAULT_SETTINGS, grader).run()
    assert coding.conn.exec_driver_sql("SELECT COUNT(*) FROM reviews").scalar() == 0
    ((answer, runs),) = coding.conn.exec_driver_sql("SELECT answer, code_runs FROM mock_answers").all()
    assert answer_text(answer) == RIGHT and runs == 2  # the version last run, and both runs
    assert summary.kept == 1 and summary.answered == 0
    assert any(n.startswith("Your answer is kept, not rated") for n in ui.notices)


def test_quitting_a_mock_after_a_run_keeps_the_code_for_rating(coding: Store, clock: FakeClock) -> None:
    from mockprep.practice.mock import MockOptions, MockRound

    grader = CodeGrader(LexicalGrader(), CodeRunner(RunLimits(test_seconds=2.0)))
    ui = ScriptedUI([WRONG], [Rating.Hard], clock=clock, answer_seconds=30, run_steps=[None])
    options = MockOptions(minutes=6, filter=QuestionFilter(banks=("coding",)))
    report = MockRound(
        coding, ui, clock, random.Random(1), "technical", options, DEFAULT_SETTINGS, grader
    ).run()
    (answer,) = report.answers  # kept, and rated after the round as every answer given is
    assert answer.attempt.answer == WRONG and answer.rating == 2
    assert _stored(coding)[2:] == (1, json.dumps({"failed": ["test 1", "test 2"], "passed": 0, "total": 2}))


def test_a_missing_requirement_is_a_notice_and_nothing_is_suggested(coding: Store) -> None:
    from mockprep.core.banks import parse_question

    record = coding.banks.question_by_key("coding/add-one")
    spec = parse_question({**record.question.spec.to_dict(), "requires": ["no_such_module_w19"]})
    assessment = CodeGrader(LexicalGrader(), CodeRunner()).assess(spec, RIGHT)
    assert assessment.code is None and assessment.suggested is None
    assert "no_such_module_w19" in assessment.note and "pip install" in assessment.note


@given(passed=st.integers(0, 10), failed=st.integers(0, 10), overtime=st.booleans(), quick=st.booleans())
def test_the_suggested_rating_never_rewards_failing_tests(passed, failed, overtime, quick) -> None:
    outcomes = [TestOutcome(i, str(i), False, TestStatus.PASSED) for i in range(passed)]
    outcomes += [TestOutcome(passed + i, "f", False, TestStatus.FAILED) for i in range(failed)]
    rating = code_rating(CodeRun(tuple(outcomes)), overtime, quick)
    if failed or not passed:
        assert rating <= 2
    else:
        assert rating == (2 if overtime else 4 if quick else 3)


def test_an_import_with_a_broken_code_result_names_it() -> None:
    from mockprep.core.code_results import code_result_problem

    assert code_result_problem({"passed": 3, "total": 2, "failed": []}) is not None
    assert code_result_problem({"passed": 1, "total": 2, "failed": ["a"]}) is None


def test_a_code_question_whose_requirement_is_missing_is_asked_and_rated_against_the_reference(
    store: Store, tmp_path: Path, clock: FakeClock
) -> None:
    """A session skipped it ("Skipped ...: it needs numpy"), while README says it is asked, not run, and
    rated against the reference (found by an exploratory tester): it is asked, the notice comes before
    the code is written, once, and the person's own rating is stored with nothing suggested."""
    folder = tmp_path / "coding"
    folder.mkdir()
    needs = BANK.replace('id = "add-one"', 'id = "needs-module"\nrequires = ["no_such_module_w19"]', 1)
    (folder / "coding.toml").write_text(needs, encoding="utf-8")
    store.banks.add_source(folder, clock.now)
    sync_banks(store, clock.now)
    ui = ScriptedUI([RIGHT], [Rating.Good], clock=clock, answer_seconds=30)
    grader = CodeGrader(LexicalGrader(), CodeRunner(RunLimits(test_seconds=2.0)))
    options = SessionOptions(filter=QuestionFilter(banks=("coding",)), tz=ZoneInfo("UTC"), limit=1)
    summary = Session(store, ui, clock, random.Random(1), options, DEFAULT_SETTINGS, grader).run()
    assert summary.answered == 1 and ui.shown == ["coding/needs-module"]
    said = [n for n in ui.notices if "no_such_module_w19" in n]
    assert len(said) == 1 and "not be run" in said[0] and "reference solution" in said[0]
    assert ui.runs == [] and ui.suggestions == [None]  # nothing run, nothing suggested
    row = store.conn.exec_driver_sql("SELECT rating, suggested, grader, code_runs FROM reviews").one()
    assert tuple(row) == (3, None, "not run", None)


def test_a_mock_code_answer_rated_later_keeps_the_runs_of_the_round(coding: Store, clock: FakeClock) -> None:
    from mockprep.practice.mock import MockOptions, MockRound
    from mockprep.practice.mock_rating import rate_later

    grader = CodeGrader(LexicalGrader(), CodeRunner(RunLimits(test_seconds=2.0)))
    ui = ScriptedUI([WRONG, RIGHT], [], clock=clock, answer_seconds=30, run_steps=["edit", "submit"])
    options = MockOptions(minutes=6, filter=QuestionFilter(banks=("coding",)))
    report = MockRound(
        coding, ui, clock, random.Random(1), "technical", options, DEFAULT_SETTINGS, grader
    ).run()
    assert report.unrated == 1  # no rating given in the round
    (stored,) = coding.sessions.mock_answers(report.session_id)
    assert stored.answer.code_runs == 2
    later = ScriptedUI(ratings=[Rating.Good], clock=clock)
    rate_later(coding, later, clock, report.session_id, DEFAULT_SETTINGS, grader)
    rating, _suggested, runs, result = _stored(coding)
    assert (rating, runs) == (3, 2)
    assert json.loads(result) == {"passed": 2, "total": 2, "failed": []}


def test_ctrl_c_after_a_run_keeps_the_code_not_the_key_typed(coding: Store, clock: FakeClock) -> None:
    """Ctrl-C at "Enter submits it, e edits..." after a run: the text of that prompt ('e') would have
    been kept as the code answer; the code last read is kept instead, unrated."""

    class CutAfterTheRun(ScriptedUI):
        def after_run(self, run, runs, countdown=None):
            super().after_run(run, runs, countdown)
            raise KeyboardInterrupt

    ui = CutAfterTheRun([WRONG], [], clock=clock, so_far="")
    _session(coding, clock, ui)  # (the session ends interrupted)
    (kept,) = coding.conn.exec_driver_sql("SELECT answer FROM mock_answers").scalars().all()
    from mockprep.db.review_codec import answer_text

    assert answer_text(kept) == WRONG


def test_what_the_code_printed_as_it_loaded_is_shown_when_it_loads_fine() -> None:
    """A print at the top of a file that loaded was never shown, only when loading failed (README:
    "what your code printed"; found by an exploratory tester)."""
    import io

    from rich.console import Console

    from mockprep.core.code_results import CodeRun, TestOutcome, TestStatus
    from mockprep.terminal.code_run import run_lines

    run = CodeRun((TestOutcome(0, "first", False, TestStatus.PASSED),), output="MODULE-LEVEL PRINT\n")
    out = io.StringIO()
    console = Console(file=out, width=80, color_system=None)
    for line in run_lines(run):
        console.print(line)
    assert "MODULE-LEVEL PRINT" in out.getvalue() and "printed" in out.getvalue()


def test_fenced_code_is_stored_as_it_ran_without_the_fence(coding: Store, clock: FakeClock) -> None:
    """Piped code with empty lines comes between ``` fences; the review kept the fence lines, while the
    code that ran had none (found by an exploratory tester)."""
    from mockprep.db.review_codec import answer_text

    fenced = f"```python\n{RIGHT.rstrip()}\n```"
    ui = ScriptedUI([fenced], [Rating.Good], clock=clock, answer_seconds=30)
    _session(coding, clock, ui)
    (answer,) = coding.conn.exec_driver_sql("SELECT answer FROM reviews").scalars().all()
    assert answer_text(answer).strip() == RIGHT.strip() and "```" not in answer_text(answer)


def test_quitting_the_buffer_after_a_run_and_e_keeps_the_code_last_run(
    coding: Store, clock: FakeClock
) -> None:
    """q (or Ctrl-D) in the code buffer opened by e after a run threw the code and its run away (found by
    an independent review); the README says the code last run is kept, unrated, as q after a run does."""
    from mockprep.db.review_codec import answer_text

    grader = CodeGrader(LexicalGrader(), CodeRunner(RunLimits(test_seconds=2.0)))
    options = SessionOptions(filter=QuestionFilter(banks=("coding",)), tz=ZoneInfo("UTC"))
    ui = ScriptedUI([WRONG], [], clock=clock, run_steps=["edit"])  # the buffer then ends: None
    summary = Session(coding, ui, clock, random.Random(1), options, DEFAULT_SETTINGS, grader).run()
    assert ui.code_drafts[-1] == WRONG  # the buffer reopened on the code run
    assert coding.conn.exec_driver_sql("SELECT COUNT(*) FROM reviews").scalar() == 0
    ((answer, runs),) = coding.conn.exec_driver_sql("SELECT answer, code_runs FROM mock_answers").all()
    assert answer_text(answer) == WRONG and runs == 1
    assert summary.kept == 1 and summary.answered == 0


LOOPS = "def add_one(x):\n    while True:\n        pass\n"


@dataclass
class WatchingUI(ScriptedUI):
    """A person at a terminal who sees which test runs, and presses Ctrl-C as the first run's first test
    starts (the command's handler then raises RunStopped: see test_ctrl_c_while_code_runs_stops_it)."""

    interactive: bool = True
    seen: list[tuple[int, int | None]] = field(default_factory=list)  # (tests, the test under way) shown
    started: int = 0  # runs started

    @contextmanager
    def running_tests(self, tests, countdown=None):
        self.started += 1
        first = self.started == 1

        def show(test):
            self.seen.append((tests, test))
            if first and test == 0:
                raise RunStopped

        yield show


def test_ctrl_c_while_the_code_runs_stops_the_run_and_goes_back_to_the_code(
    coding: Store, clock: FakeClock
) -> None:
    """Found by an exploratory tester: a looping solution froze the screen for 10 s with no sign of
    life, and Ctrl-C then ended the whole session. The run shows which test is under way, and Ctrl-C
    stops the run only: the code is read again from where it was, and the next run counts."""
    ui = WatchingUI([LOOPS, RIGHT], [Rating.Good], clock=clock, answer_seconds=30)
    _session(coding, clock, ui)
    assert any("Run stopped (Ctrl-C)" in notice for notice in ui.notices)
    assert ui.code_drafts == ["def add_one(x):\n    ...\n", LOOPS]  # back at the code as it was
    assert [(run.passed, run.total) for run in ui.runs] == [(2, 2)]  # the stopped run is no run
    assert ui.seen[0] == (2, None) and (2, 0) in ui.seen  # Python starting, then test 1 of 2 under way
    _rating, _suggested, runs, _result = _stored(coding)
    assert runs == 1
