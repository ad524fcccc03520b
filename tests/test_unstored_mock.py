"""What the database will not take in a mock round, or on a rating: the answer, the follow-up reply or the
rating is kept where the person gets it back, the report card comes first, and the error says what is true
(found by an independent review of 9a39c6f: a mock's answer typed on a full disk was stored nowhere and the
error said "your data is intact"; a first rating, whose scheduler parameters are a new row, was kept as
"not rated"; a spoken answer's live take was deleted on exit)."""

from __future__ import annotations

import random
import shutil
import sqlite3
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fsrs import Rating
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from mockprep.cli.kept_answer import keep_recording, kept_answer
from mockprep.core.questions import QuestionFilter
from mockprep.core.settings import DEFAULT_SETTINGS
from mockprep.db.cards import CardTable
from mockprep.db.sessions import SessionTable
from mockprep.db.store import Store
from mockprep.practice.mock import MockOptions, MockRound
from mockprep.practice.session import Session, SessionOptions
from mockprep.practice.ui import AnswerNotStored
from mockprep.practice.voice import Voice
from mockprep.services.bank_sync import sync_banks
from mockprep.services.voice import Microphone
from mockprep.terminal.voice import MicrophoneSource
from tests.conftest import START, FakeClock, ScriptedUI, db_rows
from tests.test_unstored_answer import DISK_FULL, fail_writes_once_full
from tests.test_voice_cut_short import TwoSecondStream


class FullFrom:
    """Every write of ``store`` fails as on a full disk once ``full`` is set: by the ``nth`` call (1-based)
    of ``store.<table>.<method>``, when given."""

    def __init__(self, store: Store, table: str | None = None, method: str | None = None, nth: int = 1):
        self.full, self.calls = False, 0
        if table is not None and method is not None:
            target = getattr(store, table)
            real = getattr(target, method)

            def counted(*args, **kwargs):
                self.calls += 1
                if self.calls == nth:
                    self.full = True
                return real(*args, **kwargs)

            setattr(target, method, counted)

        fail_writes_once_full(store, self)


@pytest.fixture(scope="module")
def builtin_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home with the built-in banks, copied for each example (opening one afresh is slow)."""
    folder = tmp_path_factory.mktemp("unstored-mock")
    with Store.open(folder / "home") as store:
        sync_banks(store, START)
    return folder / "home"


WHERE = {
    "answer": ("sessions", "add_mock_answer"),
    "reply": ("sessions", "set_follow_up_answer"),
    "rating": ("cards", "record_review"),
}


@hyp_settings(max_examples=12, deadline=None)
@given(part=st.sampled_from(list(WHERE)), nth=st.integers(1, 2), rating=st.sampled_from(list(Rating)))
def test_what_a_mock_round_could_not_store_is_handed_back_after_its_report_card(
    builtin_home: Path, part: str, nth: int, rating: Rating
) -> None:
    clock = FakeClock(START)
    answers = [text for i in range(1, 9) for text in (f"my answer {i}", f"my reply {i}")]
    with tempfile.TemporaryDirectory() as folder:
        shutil.copytree(builtin_home, Path(folder) / "home")
        store = Store.open(Path(folder) / "home")
        try:
            disk = FullFrom(store, *WHERE[part], nth=nth)
            ui = ScriptedUI(list(answers), [rating] * 8, clock=clock, answer_seconds=30)
            with pytest.raises(AnswerNotStored) as raised:
                MockRound(store, ui, clock, random.Random(2), "behavioral", MockOptions(minutes=12)).run()
            unstored = raised.value
            assert unstored.part == part and isinstance(unstored.cause, sqlite3.OperationalError)
            assert unstored.attempt.answer == f"my answer {nth}"
            if part == "reply":
                assert unstored.attempt.follow_up is not None
                assert unstored.attempt.follow_up[1] == f"my reply {nth}"
            assert unstored.rating == (int(rating) if part == "rating" else None)
            (report,) = ui.reports  # the card first, saying what was refused
            assert report.unstored is unstored and report.status == "interrupted"
            if part == "reply":  # a refused reply is no row of the card, as history has it (a review)
                assert report.answers[-1].follow_up_answer is None
            disk.full = False
            stored = store.sessions.answers(report.session_id)
            assert [a.answer for a in stored] == [f"my answer {i}" for i in range(1, len(stored) + 1)]
            assert len(stored) == (nth - 1 if part == "answer" else len(stored))
            if part == "rating":
                assert [a.rating for a in stored][:nth] == [int(rating)] * (nth - 1) + [None]
        finally:
            store.close()


def test_a_first_rating_on_a_full_disk_is_handed_back_with_its_rating(
    store: Store, clock: FakeClock, home: Path
) -> None:
    """The first rating of a home records its scheduler parameters (a new row) before the review."""
    sync_banks(store, clock.now)
    assert store.q("SELECT count(*) AS n FROM scheduler_params").one().n == 0
    disk = FullFrom(store)
    ui = ScriptedUI(["an answer worth keeping"], [Rating.Easy], clock=clock)
    read_rating = ui.read_rating

    def fills_then_rates(*args, **kwargs):
        disk.full = True  # the disk fills while the person reads the model answer
        return read_rating(*args, **kwargs)

    ui.read_rating = fills_then_rates  # type: ignore[method-assign]
    options = SessionOptions(filter=QuestionFilter(rounds=("technical",)), limit=1, tz=ZoneInfo("UTC"))
    with pytest.raises(AnswerNotStored) as raised:
        Session(store, ui, clock, random.Random(1), options).run()
    assert raised.value.rating == 4 and raised.value.part == "answer"
    assert raised.value.attempt.answer == "an answer worth keeping"
    line = str(kept_answer(raised.value))
    assert "rated 4 (easy), is kept in" in line
    (kept,) = home.glob("unsaved-answer-*.md")
    assert "rated 4 (easy)" in kept.read_text() and "an answer worth keeping" in kept.read_text()


def test_a_bug_at_the_rating_is_not_said_to_be_a_refused_answer(demo: Store, clock: FakeClock) -> None:
    def bug(*_args, **_kwargs):
        raise ZeroDivisionError("a bug")

    demo.cards.record_review = bug  # type: ignore[method-assign]
    ui = ScriptedUI(["an answer"], [Rating.Good], clock=clock)
    options = SessionOptions(filter=QuestionFilter(banks=("demo",)), limit=1, tz=ZoneInfo("UTC"))
    with pytest.raises(ZeroDivisionError):
        Session(demo, ui, clock, random.Random(1), options).run()


class Heard:
    name = "fake"

    def transcribe(self, audio: Path, progress=None):
        from mockprep.core.speech import Transcript, Word

        words = tuple(Word(w, i * 0.4, i * 0.4 + 0.3) for i, w in enumerate("I led the migration".split()))
        return Transcript(words, 2.0)


def test_a_refused_spoken_answer_keeps_its_recording_and_names_it(
    demo: Store, clock: FakeClock, home: Path
) -> None:
    folder = home / "recordings"

    def read_line(prompt, countdown=None):  # Enter to start a take, Enter to stop it
        clock.advance(seconds=5)
        return ""

    source = MicrophoneSource(None, read_line, Microphone(folder, TwoSecondStream), clock)  # type: ignore[arg-type]
    voice = Voice(source, Heard(), DEFAULT_SETTINGS)
    disk = FullFrom(demo, "cards", "record_review")
    ui = ScriptedUI([], [Rating.Good], clock=clock)
    options = SessionOptions(filter=QuestionFilter(banks=("demo",)), limit=1, tz=ZoneInfo("UTC"))
    with pytest.raises(AnswerNotStored) as raised:
        Session(demo, ui, clock, random.Random(1), options, DEFAULT_SETTINGS, voice=voice).run()
    keep_recording(raised.value, voice)  # as the command does before it lets go of its recordings
    voice.close()
    take = raised.value.recording
    assert take is not None and take.exists() and take.stat().st_size > 32_000
    assert raised.value.attempt.record.question.key.replace("/", "+") in take.name
    line = str(kept_answer(raised.value))
    assert f"Its recording is kept as {take}" in line and disk.full
    (kept,) = home.glob("unsaved-answer-*.md")
    assert str(take) in kept.read_text() and "I led the migration" in kept.read_text()


def test_ctrl_c_on_a_full_disk_keeps_the_signals_exit_code(demo: Store, clock: FakeClock, home: Path) -> None:
    disk = FullFrom(demo)
    ui = ScriptedUI([KeyboardInterrupt()], [], clock=clock, so_far="half an answer")
    show_question = ui.show_question

    def fills_then_shows(*args, **kwargs):
        disk.full = True  # the disk fills as the question is shown; Ctrl-C mid-answer
        show_question(*args, **kwargs)

    ui.show_question = fills_then_shows  # type: ignore[method-assign]
    options = SessionOptions(filter=QuestionFilter(banks=("demo",)), limit=1, tz=ZoneInfo("UTC"))
    with pytest.raises(AnswerNotStored) as raised:
        Session(demo, ui, clock, random.Random(1), options).run()
    assert raised.value.attempt.answer == "half an answer"
    assert kept_answer(raised.value).exit_code == 130


def test_the_mock_command_keeps_an_answer_a_full_disk_refused(cli, home: Path, monkeypatch) -> None:
    import mockprep.db.store as store_module

    assert cli("bank", "list").exit_code == 0  # the database made
    real = store_module._configure  # (every connection of a store is configured here)

    def full_disk(raw):  # SQLite reports SQLITE_FULL once the file may not grow
        raw = real(raw)
        raw.execute(f"PRAGMA max_page_count = {raw.execute('PRAGMA page_count').fetchone()[0]}")
        return raw

    monkeypatch.setattr(store_module, "_configure", full_disk)
    typed = "My careful mock answer, three minutes of typing. " * 2000
    result = cli("mock", "--round", "behavioral", "--minutes", "10", input=f"{typed}\n\n")
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    (kept,) = home.glob("unsaved-answer-*.md")
    assert line.startswith("mockprep: error: your answer to ") and "was not stored: no space left" in line
    assert "every answer before it is stored" in line and f"not rated, is kept in {kept}" in line
    assert "your data is intact" not in line and "Traceback" not in result.stderr
    assert typed.strip() in kept.read_text()
    card = result.stdout[result.stdout.index("Report card") :]
    assert "would not take your answer to" in card
    assert "No answer of this round was stored." in card and "No questions were answered" not in card


def test_a_rating_after_the_round_refused_says_how_to_rate_it_again(cli, home: Path, monkeypatch) -> None:
    real = CardTable.record_review
    real_reply = SessionTable.set_follow_up_answer
    full = []

    def record_review(self, *args, **kwargs):
        full.append(True)  # the disk fills before the first rating
        raise sqlite3.OperationalError(DISK_FULL)

    monkeypatch.setattr(CardTable, "record_review", record_review)
    script = "first answer\n\nfirst reply\n\nq\n4\n"  # one answer, q at the next, then its rating
    result = cli("mock", "--round", "behavioral", "--minutes", "6", input=script)
    assert result.exit_code == 1 and full
    (line,) = result.stderr.strip().splitlines()
    (kept,) = home.glob("unsaved-answer-*.md")
    assert (
        line.startswith("mockprep: error: your rating of your answer to ") and "your answer is stored" in line
    )
    assert (
        f"The rating you gave, 4 (easy), is kept in {kept}; rate the answer again with: mockprep mock" in line
    )
    assert "your data is intact" not in line
    monkeypatch.setattr(CardTable, "record_review", real)
    assert real_reply is SessionTable.set_follow_up_answer
    rows = db_rows(home, "SELECT answer, follow_up_answer FROM mock_answers")
    assert rows and rows[0] == ("first answer", "first reply")
