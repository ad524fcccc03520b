"""What `bank validate/list/show` read and print: only regular files, only safe text, whole keys."""

from __future__ import annotations

import io
import json
import os
import signal
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from mockprep.core.bank_files import load_bank_file
from mockprep.core.banks import BankError
from mockprep.core.questions import Question, QuestionRecord, QuestionSpec
from mockprep.core.records import BankInfo
from mockprep.paths import DB_NAME
from mockprep.terminal.banks import render_bank
from tests.conftest import write_bank


@pytest.fixture
def deadline() -> Iterator[None]:
    """Fail (instead of hanging the suite) if reading a pipe or device blocks: a guard, not a timer."""

    def _hung(_signum: int, _frame: object) -> None:
        raise TimeoutError("blocked reading a non-regular file")

    old = signal.signal(signal.SIGALRM, _hung)
    signal.setitimer(signal.ITIMER_REAL, 20)
    yield
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, old)


# -- only regular files are read -------------------------------------------------------------------------


def test_validate_refuses_a_device_in_one_line(cli, deadline) -> None:
    result = cli("bank", "validate", "/dev/zero")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "/dev/zero: is a device, not a regular file (a bank is read only from a file)"
    ]


def test_validate_and_add_refuse_a_named_pipe_without_waiting_for_a_writer(
    cli, home, tmp_path, deadline
) -> None:
    fifo = tmp_path / "bank.toml"
    os.mkfifo(fifo)
    result = cli("bank", "validate", str(fifo))
    assert result.exit_code == 2 and result.stderr.splitlines() == [
        f"{fifo}: is a named pipe, not a regular file (a bank is read only from a file)"
    ]
    added = cli("bank", "add", str(fifo))
    assert added.exit_code == 2 and "named pipe" in added.stderr
    assert not (home / DB_NAME).exists() or _rows(home, "SELECT * FROM bank_sources") == []


def test_a_named_pipe_inside_a_bank_folder_is_not_a_bank_file(cli, tmp_path, deadline) -> None:
    folder = tmp_path / "banks"
    folder.mkdir()
    write_bank(folder / "good.toml", bank_id="good")
    os.mkfifo(folder / "pipe.toml")
    result = cli("bank", "validate", str(folder))
    assert result.exit_code == 0 and "bank 'good'" in result.stdout


def test_registered_devices_and_pipes_warn_and_never_block(cli, home, tmp_path, deadline) -> None:
    """A database imported from elsewhere may register anything as a bank source."""
    assert cli("bank", "list").exit_code == 0  # creates the database
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    con = sqlite3.connect(home / DB_NAME)
    with con:
        for path in ("/dev/zero", str(fifo)):
            con.execute(
                "INSERT INTO bank_sources (path, added_at) VALUES (?, '2026-01-01 00:00:00')", (path,)
            )
    con.close()
    result = cli("bank", "sync")
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        "warning: /dev/zero: is a device, not a regular file (a bank is read only from a file)",
        f"warning: {fifo}: is a named pipe, not a regular file (a bank is read only from a file)",
    ]


def test_a_file_over_the_size_cap_is_not_read_whole(tmp_path: Path, monkeypatch) -> None:
    from mockprep.core import bank_files

    monkeypatch.setattr(bank_files, "MAX_BANK_BYTES", 64)
    path = tmp_path / "big.toml"
    path.write_text("#" * 65)
    with pytest.raises(BankError, match="larger than"):
        load_bank_file(path)


def test_a_file_that_grows_after_it_is_measured_is_read_whole_up_to_the_cap(
    tmp_path: Path, monkeypatch
) -> None:
    import os

    from mockprep.core import bank_files

    real_fstat = os.fstat

    def measured_early(fd: int) -> os.stat_result:  # the size as it was before someone appended
        info = list(real_fstat(fd))
        info[6] = 10  # st_size
        return os.stat_result(info)

    monkeypatch.setattr(bank_files.os, "fstat", measured_early)
    path = tmp_path / "grown.toml"
    path.write_bytes(b"x" * 50)
    assert bank_files.read_bank_bytes(path) == b"x" * 50
    monkeypatch.setattr(bank_files, "MAX_BANK_BYTES", 40)
    with pytest.raises(BankError, match="larger than"):
        bank_files.read_bank_bytes(path)


# -- escape sequences from the database never reach the terminal ---------------------------------------

HOSTILE = "\x1b]0;pwned\x07\x1b[2J\x9b31m[red]x[/red]"


def _rows(home: Path, sql: str, *params: object) -> list[tuple]:
    con = sqlite3.connect(home / DB_NAME)
    try:
        with con:
            return con.execute(sql, params).fetchall()
    finally:
        con.close()


def _plant_hostile_bank(home: Path) -> None:
    data = json.dumps({"id": "q1", "prompt": "P?", "answer": "A.", "key_points": ["a", "b"]}, sort_keys=True)
    _rows(
        home,
        "INSERT INTO banks (id, title, round, description, roles, source, builtin, content_hash, removed,"
        " synced_at) VALUES ('evil', ?, ?, ?, ?, ?, 0, 'x', 0, '2026-01-01 00:00:00')",
        "Title" + HOSTILE,
        "technical" + HOSTILE,
        "About" + HOSTILE,
        json.dumps(["role" + HOSTILE]),
        "/nowhere/evil" + HOSTILE + ".toml",
    )
    qid = _rows(
        home,
        "INSERT INTO questions (key, bank_id, round, topic, difficulty, kind, data, added_at)"
        " VALUES ('evil/q1', 'evil', ?, ?, 2, 'open', ?, '2026-01-01 00:00:00') RETURNING id",
        "technical" + HOSTILE,
        "topic" + HOSTILE,
        data,
    )[0][0]
    _rows(
        home, "INSERT INTO cards (question_id, state, step, due) VALUES (?, 1, 0, '2026-01-01 00:00:00')", qid
    )


def test_imported_names_with_escapes_are_printed_inert(cli, home) -> None:
    assert cli("bank", "list").exit_code == 0
    _plant_hostile_bank(home)
    for args in (("bank", "list"), ("bank", "show", "evil")):
        result = cli(*args)
        assert result.exit_code == 0, result.stderr
        out = result.stdout + result.stderr
        assert "\x1b" not in out and "\x9b" not in out and "\x07" not in out, args
        assert "[red]x[/red]" in result.stdout, args  # markup shown as typed, not applied
    assert "technical]0;pwned" not in cli("bank", "list").stdout


# -- keys people copy are never cut ----------------------------------------------------------------------

LONG = "a-rather-long-question-id-that-people-copy-into-story-link"


def _long_bank(tmp_path: Path) -> Path:
    path = write_bank(tmp_path / "long.toml", bank_id="a-long-bank-id", n=2)
    path.write_text(path.read_text().replace('id = "q1"', f'id = "{LONG}"'))
    return path


@pytest.mark.parametrize("columns", ["30", "80"])
def test_bank_show_piped_prints_whole_keys_and_no_trailing_spaces(
    cli, tmp_path, monkeypatch, columns
) -> None:
    assert cli("bank", "add", str(_long_bank(tmp_path))).exit_code == 0
    monkeypatch.setenv("COLUMNS", columns)
    out = cli("bank", "show", "a-long-bank-id").stdout
    lines = out.splitlines()
    assert any(line.split()[0] == f"a-long-bank-id/{LONG}" for line in lines if line.strip()), out
    assert str(tmp_path / "long.toml") in out  # the source path is whole too
    assert all(line == line.rstrip() for line in lines), out


def _record(
    key: str, topic: str = "topic", prompt: str = "What is it, in a long sentence of prose?"
) -> QuestionRecord:
    bank, qid = key.split("/")
    spec = QuestionSpec(id=qid, prompt=prompt, answer="A.", key_points=["a", "b"])
    return QuestionRecord(1, Question(key, bank, "technical", topic, (), spec))


@settings(max_examples=40)
@given(
    width=st.integers(20, 160),
    ids=st.lists(
        st.from_regex(r"[a-z0-9][a-z0-9-]{0,63}", fullmatch=True), min_size=1, max_size=4, unique=True
    ),
)
def test_bank_show_on_a_terminal_of_any_width_never_cuts_a_key(width: int, ids: list[str]) -> None:
    buffer = io.StringIO()
    # Rich's own tests pass the environment this way; TERM=dumb (the suite's) would pin 80 columns.
    console = Console(
        file=buffer, width=width, force_terminal=True, color_system=None, _environ={"TERM": "xterm"}
    )
    info = BankInfo("bank-id", "Title", "technical", "", (), "/x/bank.toml", False, False)
    records = [_record(f"bank-id/{qid}", topic="a-topic-name-" * 2) for qid in ids]
    render_bank(console, info, records)
    lines = buffer.getvalue().splitlines()
    for record in records:
        # The whole key on one line, or (on a terminal narrower than the key) soft-wrapped by the
        # terminal itself: rich printed it in one piece.
        assert any(record.question.key in line for line in lines), (width, buffer.getvalue())
    assert all(len(line.rstrip()) <= width for line in lines if "bank-id/" not in line)


@settings(max_examples=30)
@given(width=st.integers(25, 160))  # (from the width the longest topic and its indent need)
def test_bank_list_on_a_terminal_of_any_width_never_cuts_a_topic(width: int) -> None:
    """At 40 columns the round lines cut competencies to 'problem-solv…' (README: never shortened)."""
    from mockprep.core.records import BankSummary
    from mockprep.terminal.banks import render_bank_list

    topics = {"problem-solving": 3, "research-to-production": 2, "ethics": 1, "communication": 4}
    summaries = [BankSummary("core", "Core", "behavioral", "/x/core.toml", True, False, 10, 10, 0, topics)]
    buffer = io.StringIO()
    console = Console(
        file=buffer, width=width, force_terminal=True, color_system=None, _environ={"TERM": "xterm"}
    )
    render_bank_list(console, summaries)
    words = buffer.getvalue().replace(",", " ").split()
    assert all(topic in words for topic in topics), (width, buffer.getvalue())
    assert "…" not in buffer.getvalue()
