"""An answer the database will not take (a disk that fills during a session): it is kept where the person
gets it back, with the rating chosen for it, the summary says what the session did, and the error says
what is true (found by an exploratory tester: the answer was lost and the error said "your data is
intact")."""

from __future__ import annotations

import random
import shutil
import sqlite3
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fsrs import Rating
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from mockprep.core.questions import QuestionFilter
from mockprep.db.cards import CardTable
from mockprep.db.store import Store
from mockprep.practice.session import Session, SessionOptions
from mockprep.practice.ui import AnswerNotStored
from mockprep.services.bank_sync import sync_banks
from tests.conftest import START, FakeClock, ScriptedUI, write_bank

DISK_FULL = "database or disk is full"


class FillingDisk:
    """Every write of ``store`` fails as on a full disk once ``full`` is set; the rating write number
    ``fill_at`` (1-based) sets it."""

    def __init__(self, store: Store, fill_at: int | None = None):
        self.full = False
        self.fill_at = fill_at
        self.ratings = 0
        record = store.cards.record_review

        def record_review(*args, **kwargs):
            self.ratings += 1
            if self.ratings == self.fill_at:
                self.full = True
            if self.full:
                raise sqlite3.OperationalError(DISK_FULL)
            return record(*args, **kwargs)

        store.cards.record_review = record_review  # type: ignore[method-assign]
        fail_writes_once_full(store, self)


def fail_writes_once_full(store: Store, disk: Any) -> None:
    """``store.write`` fails as on a full disk once ``disk.full`` (FillingDisk's, FullFrom's) is set."""
    write = store.write

    @contextmanager
    def failing_write():
        if disk.full:
            raise sqlite3.OperationalError(DISK_FULL)
        with write() as conn:
            yield conn

    store.write = failing_write  # type: ignore[method-assign]


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home with the five-question bank ``demo``, copied for each example (opening one afresh is slow)."""
    folder = tmp_path_factory.mktemp("unstored")
    (folder / "mine").mkdir()
    write_bank(folder / "mine" / "demo.toml", n=5)
    with Store.open(folder / "home") as store:
        store.banks.add_source(folder / "mine", START)
        sync_banks(store, START)
    return folder / "home"


def _ratings(store: Store) -> list[int]:
    return [row[0] for row in store.conn.exec_driver_sql("SELECT rating FROM reviews ORDER BY id")]


@hyp_settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_the_answer_the_disk_refuses_is_handed_back_with_its_rating_after_the_summary(
    demo_home: Path, data
) -> None:
    answers = data.draw(st.lists(st.text("abcdefgh xyz", min_size=1, max_size=12), min_size=1, max_size=4))
    ratings = data.draw(st.lists(st.sampled_from(list(Rating)), min_size=len(answers), max_size=len(answers)))
    fill_at = data.draw(st.integers(1, len(answers)))
    clock = FakeClock(START)
    with tempfile.TemporaryDirectory() as folder:
        shutil.copytree(demo_home, Path(folder) / "home")
        store = Store.open(Path(folder) / "home")
        try:
            FillingDisk(store, fill_at)
            ui = ScriptedUI(list(answers), list(ratings), clock=clock)
            options = SessionOptions(filter=QuestionFilter(banks=("demo",)), new=5, tz=ZoneInfo("UTC"))
            with pytest.raises(AnswerNotStored) as raised:
                Session(store, ui, clock, random.Random(1), options).run()
            unstored = raised.value
            assert unstored.attempt.answer == answers[fill_at - 1]
            assert unstored.rating == int(ratings[fill_at - 1])
            assert isinstance(unstored.cause, sqlite3.OperationalError)
            (summary,) = ui.summaries  # shown first: what the session did
            assert summary.status == "interrupted" and summary.answered == fill_at - 1
            assert summary.unstored == unstored.attempt.record.question.key == ui.shown[-1]
            assert _ratings(store) == [int(r) for r in ratings[: fill_at - 1]]
        finally:
            store.close()


def test_an_answer_quit_at_the_rating_on_a_full_disk_is_handed_back_unrated(
    store: Store, clock: FakeClock, tmp_path: Path
) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    write_bank(folder / "demo.toml", n=3)
    store.banks.add_source(folder, clock.now)
    sync_banks(store, clock.now)
    disk = FillingDisk(store)
    ui = ScriptedUI(["first", "second, kept"], [Rating.Good, None], clock=clock)
    original = store.cards.record_review

    def then_full(*args, **kwargs):
        stored = original(*args, **kwargs)
        disk.full = True  # the disk fills after the first rating
        return stored

    store.cards.record_review = then_full  # type: ignore[method-assign]
    options = SessionOptions(filter=QuestionFilter(banks=("demo",)), new=3, tz=ZoneInfo("UTC"))
    with pytest.raises(AnswerNotStored) as raised:
        Session(store, ui, clock, random.Random(1), options).run()
    assert raised.value.attempt.answer == "second, kept" and raised.value.rating is None
    assert ui.summaries[0].answered == 1 and _ratings(store) == [3]


_INPUT = "first answer\n\n3\nmy long careful second answer\n\n4\nthird\n\n3\n"


def test_the_session_command_keeps_the_answer_and_its_rating_in_a_private_file(
    cli, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = CardTable.record_review
    full = []

    def record_review(self, *args, **kwargs):
        if full or len(_ratings(self.store)) == 1:  # the second rating meets a full disk
            full.append(True)
            raise sqlite3.OperationalError(DISK_FULL)
        return real(self, *args, **kwargs)

    real_write = Store.write

    @contextmanager
    def write(self):
        if full:
            raise sqlite3.OperationalError(DISK_FULL)
        with real_write(self) as conn:
            yield conn

    monkeypatch.setattr(CardTable, "record_review", record_review)
    monkeypatch.setattr(Store, "write", write)
    result = cli("session", "--limit", "3", input=_INPUT)
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    (kept,) = home.glob("unsaved-answer-*.md")
    assert str(kept) in line and "was not stored: no space left" in line and "rated 4 (easy)" in line
    assert "your data is intact" not in line and "every answer before it is stored" in line
    text = kept.read_text()
    assert "my long careful second answer" in text and "rated 4 (easy)" in text and "## Question" in text
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    summary = result.stdout[result.stdout.index("Session interrupted") :]
    assert "1 answered" in summary and "would not take your answer" in summary
    assert "Traceback" not in result.stderr
    full.clear()
    assert [row[0] for row in _db_ratings(home)] == [3]


def test_when_no_file_can_be_written_the_answer_is_printed_in_full(
    cli, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import mockprep.cli.context as context

    def refuse(*_args, **_kwargs):
        raise sqlite3.OperationalError(DISK_FULL)

    def no_file(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(CardTable, "record_review", refuse)
    monkeypatch.setattr(context, "keep_rescue_file", no_file)
    result = cli("session", "--limit", "1", input="an answer [bold]worth keeping[/bold]\n\n2\n")
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    assert "it is printed above, rated 2 (hard)" in line and "No space left on device" in line
    assert "an answer [bold]worth keeping[/bold]" in result.stdout
    assert list(home.glob("unsaved-answer-*")) == []


def _db_ratings(home: Path) -> list[tuple]:
    from tests.conftest import db_rows

    return db_rows(home, "SELECT rating FROM reviews ORDER BY id")
