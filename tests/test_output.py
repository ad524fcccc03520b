"""Output people copy, grep and read: ids never cut, no trailing padding, usage lines, help, plurals,
`where`, and escape sequences kept out of CSV, Markdown and stats."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console

from mockprep.core.wording import as_written, plural, shortened
from mockprep.terminal.console import make_console, plain_table, print_table, print_text
from tests.conftest import db_rows

LONG_KEY = "leadership-and-adversity/disagreed-with-senior-researcher"

# -- the table and text helpers -------------------------------------------------------------------

ids = st.text("abcdefghij-/0123456789", min_size=1, max_size=70).filter(lambda s: s.strip("-/"))
words = st.lists(st.text("abcdefghijklmnop", min_size=1, max_size=14), min_size=1, max_size=8).map(" ".join)


def _render(draw, width: int) -> str:
    out = io.StringIO()
    draw(Console(file=out, width=width, color_system=None, highlight=False))
    return out.getvalue()


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(ids, words, st.integers(0, 10**6)), min_size=1, max_size=5),
    st.integers(20, 130),
    st.booleans(),
)
def test_tables_never_cut_ids_or_words_and_leave_no_trailing_spaces(rows, width: int, numbered: bool) -> None:
    # Numbered, the id is not the first column: a row too wide is split over two lines.
    table = plain_table(*(["#>"] if numbered else []), "id", "text", "n>", whole=("id",))
    for index, (key, text, n) in enumerate(rows, start=1):
        table.add_row(*([str(index)] if numbered else []), key, text, str(n))
    out = _render(lambda console: print_table(console, table), width)
    lines = out.splitlines()
    assert all(line == line.rstrip() for line in lines)
    assert "…" not in out
    # Words of the text column fold only when the terminal is too narrow for them.
    longest = max(len(word) for _k, text, _n in rows for word in text.split())
    room = width >= max(len(k) for k, _t, _n in rows) + longest + len("1000000") + 12
    for key, text, n in rows:
        assert any(key in line.split() for line in lines), (key, out)  # whole, on one line
        assert any(str(n) in line.split() for line in lines)  # numbers too
        for word in text.split() if room else ():
            assert any(word in line.split() for line in lines), (word, out)


@given(st.lists(st.one_of(ids, words), min_size=1, max_size=12).map(" ".join), st.integers(10, 100))
def test_text_wraps_only_at_spaces(text: str, width: int) -> None:
    out = _render(lambda console: print_text(console, text), width)
    assert out.split() == text.split()  # every word whole, in order
    for line in out.splitlines():
        assert line == line.rstrip()
        assert len(line) <= width or " " not in line.strip()  # only a single long word overflows


@given(st.lists(words, min_size=1, max_size=12).map(" ".join), st.integers(16, 100), st.integers(0, 8))
def test_indented_text_hangs_under_its_first_line_without_trailing_spaces(
    text: str, width: int, indent: int
) -> None:
    """The evidence under a key point (terminal/reveal.py): each line it wraps to starts as far in."""
    from rich.text import Text

    from mockprep.terminal.console import Indented

    out = _render(lambda console: console.print(Indented(Text(text), indent)), width)
    assert "".join(out.split()) == "".join(text.split())  # nothing lost, in order
    for line in out.splitlines():
        assert line == line.rstrip() and len(line) <= width
    if max(len(word) for word in text.split()) <= width - indent:  # every word fits: none is cut
        assert out.split() == text.split()
        assert all(line.startswith(" " * indent) and line[indent] != " " for line in out.splitlines())


@given(st.lists(words, min_size=1, max_size=12).map(" ".join), st.integers(16, 100), st.integers(1, 12))
def test_a_key_point_wraps_under_its_own_text_not_under_its_number(
    text: str, width: int, number: int
) -> None:
    """``  2 ✓ a long key point …``: the lines it wraps to start where its text starts."""
    from rich.text import Text

    from mockprep.terminal.console import Indented

    lead = Text(f"  {number} ✓ ")
    out = _render(lambda console: console.print(Indented(Text(text), lead=lead)), width)
    lines = out.splitlines()
    assert lines[0].startswith(lead.plain) and "".join(out.split()) == f"{number}✓" + "".join(text.split())
    for line in lines:
        assert line == line.rstrip() and len(line) <= width
    if max(len(word) for word in text.split()) <= width - len(lead.plain):
        assert all(
            line.startswith(" " * len(lead.plain)) and line[len(lead.plain)] != " " for line in lines[1:]
        )


@given(
    st.lists(st.text("ab日本語é", min_size=1, max_size=9), min_size=0, max_size=10).map(" ".join),
    st.integers(12, 60),
)
def test_wide_characters_wrap_by_the_columns_they_take(text: str, width: int) -> None:
    """A CJK character takes two columns: lines are measured in columns, never overflow, never end in
    a space, and every word that fits stays whole (an empty text prints its lead alone)."""
    from rich.cells import cell_len
    from rich.text import Text

    from mockprep.terminal.console import Indented

    out = _render(lambda console: console.print(Indented(Text(text), lead=Text("  1 ✓ "))), width)
    lines = out.splitlines()
    assert all(cell_len(line) <= width and line == line.rstrip() for line in lines), lines
    assert "".join(out.split()) == "1✓" + "".join(text.split())
    if text.split() and max(cell_len(word) for word in text.split()) <= width - 6:
        assert out.split()[2:] == text.split()


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["", "- ", "* ", "1. ", "  - ", "12) "]), st.lists(words, min_size=1, max_size=6)
        ),
        min_size=1,
        max_size=5,
    ),
    st.integers(20, 90),
)
def test_a_model_answers_list_items_hang_under_their_text(items, width: int) -> None:
    """The model answer (terminal/practice.py): every word kept in order, no line wider than the panel
    or ending in a space, and a list item's further lines start where its text starts."""
    from rich.text import Text

    from mockprep.terminal.console import hanging_lines

    text = "\n".join(marker + " ".join(parts) for marker, parts in items)
    lines = [line.plain for line in hanging_lines(Text(text), width)]
    assert " ".join(lines).split() == text.split()
    assert all(len(line) <= width and line == line.rstrip() for line in lines)
    at = 0
    for marker, parts in items:
        body = " ".join(parts)
        taken = [lines[at]]
        while len(" ".join(taken).split()) < len((marker + body).split()):
            at += 1
            taken.append(lines[at])
        at += 1
        fits = max(len(w) for w in body.split()) <= width - len(marker)
        if marker.strip() and fits and len(marker) <= width // 2:
            assert all(line.startswith(" " * len(marker)) for line in taken[1:]), taken


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.lists(st.text("abcdefghijklmnop", min_size=1, max_size=12), min_size=1, max_size=30).map(" ".join),
        min_size=2,
        max_size=5,
    ),
    st.integers(30, 110),
    st.booleans(),
)
def test_a_wrapped_choice_hangs_under_its_text(choices: list[str], width: int, browser: bool) -> None:
    """A multiple-choice option too long for the panel goes on under its own text, not at the panel's
    edge under its letter (found by an exploratory tester in a 100-column tmux session): in a session
    (terminal/practice.py) and in `question show` (terminal/questions.py)."""
    from mockprep.core.banks import parse_question
    from mockprep.core.browser import QuestionDetail
    from mockprep.core.card_actions import CardMarks
    from mockprep.core.choice_answers import choice_letter
    from mockprep.core.questions import Question, QuestionRecord
    from mockprep.core.scheduler import new_card
    from mockprep.practice.ui import Progress
    from mockprep.terminal.practice import TerminalUI
    from mockprep.terminal.questions import render_question
    from tests.conftest import START

    spec = parse_question(
        {"id": "c", "prompt": "Pick one.", "answer": "a", "key_points": ["x", "y"], "kind": "choice"}
        | {"choices": choices, "correct": "a"}
    )
    record = QuestionRecord(1, Question("d/c", "d", "technical", "t", (), spec))

    def draw(console: Console) -> None:
        if browser:
            render_question(console, QuestionDetail(record, new_card(1, START), CardMarks()), START)
        else:
            TerminalUI(console, None).show_question(record, Progress(1, 0))  # type: ignore[arg-type]

    panel = []  # the question panel's lines inside its border and padding
    for line in _render(draw, width).splitlines():
        if line.startswith("│ "):
            panel.append(line[2:-2].rstrip())
        elif panel:
            break
    letters = [f"  {choice_letter(index)}) " for index in range(len(choices))]
    starts = [next(at for at, line in enumerate(panel) if line.startswith(lead)) for lead in letters]
    for index, (choice, lead) in enumerate(zip(choices, letters, strict=True)):
        end = starts[index + 1] if index + 1 < len(starts) else len(panel)
        lines = panel[starts[index] : end]
        while lines and not lines[-1]:
            lines.pop()  # (the panel's own empty line after the last choice)
        assert " ".join(lines)[len(lead) :].split() == choice.split()
        hanging = " " * len(lead)
        assert all(line.startswith(hanging) and line[len(lead)] != " " for line in lines[1:]), lines


def test_a_row_too_wide_puts_its_other_cells_below() -> None:
    table = plain_table("#>", "question", "time / limit>", "rating", whole=("question",))
    table.add_row("1", LONG_KEY, "1m / 2m30s", "good")
    lines = _render(lambda console: print_table(console, table), 60).splitlines()
    assert lines == [
        "#  question",
        "   time / limit  rating",
        f"1  {LONG_KEY}",
        "     1m / 2m30s  good",
    ]


def test_a_row_whose_other_cells_do_not_fit_below_its_key_lists_them_as_pairs() -> None:
    """A table whose only key is its first column put its other cells beside it, folding words
    ("answ/ered", "behav/ioral"); now they go below it, as header-value pairs when one line is too few."""
    table = plain_table("id>", "date", "kind", "answered>", "status", whole=("id",))
    table.add_row("12", "2026-12-05 19:13", "behavioral", "2", "interrupted")
    assert _render(lambda console: print_table(console, table), 40).splitlines() == [
        "id",
        "12",
        "    date 2026-12-05 19:13",
        "    kind behavioral · answered 2",
        "    status interrupted",
    ]
    wider = _render(lambda console: print_table(console, table), 50).splitlines()
    assert wider[0].split() == ["id", "date", "kind", "answered", "status"], wider  # words whole: one row


def test_the_console_prints_emoji_codes_as_typed(capsys) -> None:
    """A ``:name:`` in a string printed as it is (not through :func:`safe`, which makes a Text that
    rich never scans) stays as typed: the console turns no codes into emoji (nor loads rich's table of
    them, 1.9 ms of every command that prints)."""
    make_console().print("keys :thumbs_up: and :smile:")
    assert capsys.readouterr().out == "keys :thumbs_up: and :smile:\n"


def test_plural() -> None:
    assert [plural(n, "question") for n in (0, 1, 2)] == ["0 questions", "1 question", "2 questions"]
    assert (
        plural(1, "story") == "1 story" and plural(3, "story") == "3 stories" and plural(2, "day") == "2 days"
    )
    assert plural(1.0, "minute") == "1 minute" and plural(1.5, "minute") == "1.5 minutes"


@given(st.text(max_size=80), st.integers(min_value=4, max_value=60))
def test_shortened_keeps_a_prefix_within_the_limit(text: str, limit: int) -> None:
    cut = shortened(text, limit)
    assert len(cut) <= limit
    assert cut == text if len(text) <= limit else (cut.endswith("...") and text.startswith(cut[:-3]))


def test_as_written_quotes_as_toml_writes() -> None:
    assert [as_written(v) for v in (True, False, 3, "a b")] == ["true", "false", "3", "'a b'"]
    assert as_written("x" * 50) == repr("x" * 50)[:37] + "..."


# -- the commands, narrow or piped ----------------------------------------------------------------


@pytest.fixture
def narrow(monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")


def _no_trailing_spaces(text: str) -> bool:
    return all(line == line.rstrip() for line in text.splitlines())


def test_mock_report_and_history_keep_question_keys_whole(cli, narrow) -> None:
    report = cli("mock", "--round", "behavioral", "--minutes", "5", input="my answer\n\nmy reply\n\nq\n3\n")
    assert report.exit_code == 0, report.stderr
    (key,) = re.findall(r"\b[a-z-]+/[a-z-]+\b", report.stdout.split("Report card")[1])
    assert key in report.stdout.split("Report card")[1].split()  # on one line, not cut or folded
    assert "…" not in report.stdout.split("Report card")[1]
    detail = cli("history", "1").stdout
    assert key in detail.split() and _no_trailing_spaces(detail)
    listing = cli("history").stdout
    assert "…" not in listing and _no_trailing_spaces(listing)


def test_story_list_and_matrix_keep_competencies_and_keys_whole(cli, narrow, tmp_path, monkeypatch) -> None:
    draft = tmp_path / "draft.md"
    draft.write_text(
        "# A title long enough to wrap several times in a narrow terminal\n"
        "Competencies: problem-solving, learning-agility, business-acumen\n\n## Action\nI did it.\n"
    )
    editor = tmp_path / "editor.py"
    editor.write_text(
        f"import pathlib, sys\npathlib.Path(sys.argv[1]).write_text(open({str(draft)!r}).read())\n"
    )
    monkeypatch.setenv("EDITOR", f"{sys.executable} {editor}")
    assert cli("story", "new").exit_code == 0
    listing = cli("story", "list").stdout
    for competency in ("problem-solving", "learning-agility", "business-acumen"):
        assert competency in listing.split()
    assert "…" not in listing and _no_trailing_spaces(listing)
    matrix = cli("story", "matrix", "--all").stdout
    assert LONG_KEY in matrix.splitlines()[-20:] or LONG_KEY in matrix.split()
    assert _no_trailing_spaces(matrix)
    history = cli("story", "history", "1").stdout
    assert "…" not in history and _no_trailing_spaces(history)


def test_stats_keep_bank_ids_whole_and_no_trailing_spaces(cli, narrow) -> None:
    cli("session", "--limit", "2", input="a\n\n3\nb\n\n1\n")
    out = cli("stats").stdout
    assert "leadership-and-adversity" in out.split() and "modern-architectures" in out.split()
    assert "…" not in out and _no_trailing_spaces(out)


def _whole_words(out: str, words: list[str]) -> None:
    for word in words:
        assert word in out.split(), (word, out)


def test_history_stats_and_story_check_break_no_word_at_40_or_20_columns(
    cli, narrow, monkeypatch, tmp_path
) -> None:
    """Found by an exploratory tester: at 40 columns history showed "answ/ered", "behav/ioral",
    "2026-/12-05", stats "weekl/y", "lear/ning", and story check's advice was 12 columns wide."""
    cli("session", "--round", "behavioral", "--limit", "2", input="a\n\n3\nb\n\n1\n")
    cli("session", "--round", "technical", "--limit", "1", input="an answer\n\n3\n")
    for columns in ("40", "20"):
        monkeypatch.setenv("COLUMNS", columns)
        history = cli("history").stdout
        _whole_words(history, ["answered", "score", "status", "behavioral", "technical", "completed"])
        assert len(re.findall(r"(?m)\b\d{4}-\d\d-\d\d\b", history)) == 2, history
        assert _no_trailing_spaces(history)
    monkeypatch.setenv("COLUMNS", "40")
    stats = cli("stats").stdout
    _whole_words(stats, ["weekly", "answers", "learning", "review", "behavioral", "technical"])
    draft = tmp_path / "draft.md"
    draft.write_text("# A title\nCompetencies: problem-solving\n\n## Situation\nWe had a problem.\n")
    assert cli("story", "new", "--from", str(draft)).exit_code == 0
    check = cli("story", "check", "1").stdout
    (advice,) = [line for line in check.splitlines() if "Task, Action and Result are empty" in line]
    assert len(advice) > 30 and "Task," in advice.split(), check  # not a 12-column strip of words


def test_piped_tables_have_no_trailing_padding(cli) -> None:
    cli("session", "--limit", "2", input="a\n\n3\nb\n\n1\n")
    for args in (["history"], ["history", "1"], ["stats"], ["story", "list"]):
        out = cli(*args).stdout
        assert out and _no_trailing_spaces(out), args


def test_narrow_output_of_plans_questions_grades_and_banks_has_no_trailing_spaces(cli, narrow) -> None:
    """Lines too long for 40 columns wrap at spaces without leaving one at the end (they were printed
    by rich's own wrapping, which keeps it), and a command to copy stays on one line."""
    cli("session", "--limit", "1", input="a long enough answer to wrap in the table\n\n3\n")
    label = "A long interview label for a narrow terminal"
    ahead = str(date.today() + timedelta(days=200))  # (decades ahead, the load estimate takes 20 s)
    assert cli("plan", "--date", ahead, "--label", label).exit_code == 0
    outputs = {
        "plan": cli("plan").stdout,
        "no plan": cli("plan", "--remove", "1").stdout + cli("plan").stdout,
        "bank list": cli("bank", "list").stdout,
        "grade": cli(
            "grade", "ml-fundamentals/bias-variance-derivation", "--answer", "bias and variance"
        ).stdout,
    }
    for name, out in outputs.items():
        assert out and _no_trailing_spaces(out), (name, out)
    assert "mockprep session --topic statistics" in outputs["bank list"]  # one line, to copy


def test_a_question_shows_its_ratings_in_a_plain_table_naming_the_session(cli, narrow) -> None:
    cli("session", "--limit", "1", input="a long enough answer to wrap in the narrow table\n\n3\n")
    detail = cli("history", "1").stdout
    key = re.search(r"\b[a-z-]+/[a-z0-9-]+\b", detail)[0]
    out = cli("question", "show", key).stdout
    assert _no_trailing_spaces(out), out
    ratings = out.split("Ratings, oldest first")[1]
    assert "session" in ratings.split() and "drill" not in out  # (its cell wraps at 40 columns)


def test_a_long_answer_leaves_a_questions_ratings_in_their_table(cli, home, monkeypatch) -> None:
    """One long answer pushed the whole ratings table of `question show` into the narrow layout, which
    printed 'session session 5' (found by an exploratory tester): each answer is on the line under its
    rating, and the table keeps its columns (at 72, where the answer's column had 16)."""
    monkeypatch.setenv("COLUMNS", "72")
    long = "early stopping limits the effective parameter norm like L2 ridge with a lambda of 1/(eta t)"
    assert cli("session", "--limit", "1", input=f"{long}\n\n3\nq\n").exit_code == 0
    (key,) = db_rows(home, "SELECT q.key FROM reviews r JOIN questions q ON q.id = r.question_id")[0]
    out = cli("question", "show", key).stdout.split("Ratings, oldest first\n")[1]
    lines = out.splitlines()
    assert lines[0].split() == ["date", "rating", "time", "/", "limit", "was", "session"]
    (row,) = [line for line in lines[1:] if not line.startswith(" ")]
    assert re.search(r"^\d{4}-\d\d-\d\d \d\d:\d\d +good .* session 1$", row)  # the whole row, once
    assert "session session" not in out
    assert " ".join(line.strip() for line in lines[2:]) == long  # under it


@settings(max_examples=40, deadline=None)
@given(st.lists(words, min_size=1, max_size=4), st.integers(60, 130), st.integers(0, 3))
def test_a_noted_tables_rows_are_drawn_the_same_whatever_its_notes(notes, width: int, longer: int) -> None:
    from rich.text import Text

    from mockprep.terminal.noted_table import print_noted_table

    def drawn(texts: list[str]) -> list[str]:
        table = plain_table("date", "rating", "session", title="Ratings")
        for index in range(len(texts)):
            table.add_row(f"2026-12-0{index + 1} 09:00", "good", f"session {index + 1}")
        out = _render(lambda c: print_noted_table(c, table, [Text(t) for t in texts], "answer"), width)
        return out.splitlines()

    plain = drawn(["x"] * len(notes))
    noted = drawn([" ".join([note] * (1 + longer * 5)) for note in notes])
    assert [line for line in noted if not line.startswith("    ")] == [
        line for line in plain if not line.startswith("    ")
    ]
    assert all(len(line) <= width and line == line.rstrip() for line in noted)


def test_a_narrow_rows_value_that_starts_with_its_header_is_not_headed_again() -> None:
    table = plain_table("date", "rating", "session", "answer")
    table.add_row("2026-12-01 09:00", "again", "session 5", "a long answer " * 6)
    out = _render(lambda console: print_table(console, table), 40)
    assert "session 5" in out and "session session" not in out and "rating again" in out


def test_a_piped_session_and_mock_leave_no_line_ending_in_a_space(cli, narrow) -> None:
    """Rich's own wrapping leaves a space at the end of a wrapped line; piped output has it removed
    (terminal/console.py, _TrimmedStream), whatever printed it. An empty answer line's echoed prompt
    ("> ", ". ") is the prompt itself, written before the line is read."""
    session = cli("session", "--limit", "2", input="a long answer that wraps\n\n3\nanother\n\n1\n")
    mock = cli("mock", "--round", "behavioral", "--minutes", "5", input="an answer\n\nreply\n\nq\n3\n")
    for out in (session.stdout, mock.stdout):
        ends = [line for line in out.splitlines() if line != line.rstrip() and line not in ("> ", ". ")]
        assert out and ends == [], ends


LISTED = (
    "- Situation: a long first item about the situation that wraps over more than one line here\n"
    "- Action:\tI did the work myself, step by step, and it also wraps over more than one line"
)


def _hangs(out: str, marker: str) -> None:
    """The line after the one holding ``marker`` continues its item two columns further in."""
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if marker in line)
    start = lines[at].index(marker)
    follow = lines[at + 1]
    assert follow[start : start + 2] == "  " and follow[start + 2] != " ", (lines[at], follow)


def test_a_model_answers_list_items_hang_in_the_reveal_and_in_question_show(
    cli, narrow, tmp_path: Path
) -> None:
    from tests.conftest import write_bank

    bank = write_bank(tmp_path / "listed.toml", "listed", n=1)
    answer = "answer = " + json.dumps(LISTED)  # (a TOML basic string: JSON's escapes are TOML's)
    bank.write_text(bank.read_text().replace('answer = "Answer 1."', answer), encoding="utf-8")
    assert cli("bank", "add", str(bank)).exit_code == 0
    reveal = cli("session", "--bank", "listed", "--limit", "1", input="an answer\n\n3\n").stdout
    _hangs(reveal, "- Situation:")
    shown = cli("question", "show", "listed/q1").stdout
    _hangs(shown, "- Situation:")
    _hangs(shown, "- Action:")  # (a tab takes its columns: the item still wraps under its text)
    assert all(cell_len(line) <= 40 for line in shown.splitlines())


def test_history_rows_fit_80_columns_and_name_a_regular_session_by_its_round(cli, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    cli("session", "--round", "technical", "--limit", "1", input="an answer\n\n3\n")
    cli("session", "--limit", "1", input="an answer\n\n3\n")
    rows = cli("history").stdout.splitlines()[2:4]  # (newest first)
    assert rows[1].split()[3:5] == ["technical", "1"] and rows[1].split()[-1] == "completed", rows
    assert rows[0].split()[3:5] == ["session", "1"] and "drill" not in " ".join(rows), rows
    assert all(len(row) <= 80 for row in rows)


# -- usage, help, plurals, where ------------------------------------------------------------------


def _commands(cli) -> list[list[str]]:
    found = []
    for group in ("", "bank", "story", "backup"):
        args = [group] if group else []
        section = cli(*args, "--help").stdout.split("Commands:")[-1]
        for name in re.findall(r"(?m)^  ([a-z]+)  ", section):
            if group or name not in ("bank", "story", "backup"):
                found.append([*args, name])
    return found


def test_usage_lines_read_normally(cli) -> None:
    assert (
        cli("story", "diff", "--help").stdout.splitlines()[0]
        == "Usage: mockprep story diff [OPTIONS] ID [V1] [V2]"
    )
    assert cli("history", "--help").stdout.splitlines()[0] == "Usage: mockprep history [OPTIONS] [SESSION-ID]"
    assert cli("bank", "validate", "--help").stdout.splitlines()[0].endswith("[OPTIONS] PATH...")
    commands = _commands(cli)
    assert len(commands) > 20
    for command in commands:
        usage = cli(*command, "--help").stdout.splitlines()[0]
        assert usage.startswith(f"Usage: mockprep {' '.join(command)}"), usage
        assert "{" not in usage and "[[" not in usage and "]]" not in usage, usage


def test_help_lists_the_daily_commands_first_and_in_full(cli, monkeypatch) -> None:
    for columns in ("80", "40"):
        monkeypatch.setenv("COLUMNS", columns)
        out = cli("--help").stdout
        daily = out.split("Daily commands:")[1].split("Other commands:")[0]
        assert re.findall(r"(?m)^  ([a-z]+)  ", daily) == ["session", "mock", "story", "stats", "history"]
        assert "..." not in out.split("Daily commands:")[1]
        assert "practice time, and how often the grader agreed with you." in " ".join(out.split())
        for other in ("bank", "export", "import", "where", "backup"):
            assert re.search(rf"(?m)^  {other}  ", out.split("Other commands:")[1])


def test_help_is_laid_out_at_the_terminals_width_however_narrow(cli, monkeypatch) -> None:
    """Found by an exploratory tester: click lays help out at least 50 columns wide, so at 40 the
    terminal wrapped every line ("Show the version" / ".")."""
    monkeypatch.setenv("COLUMNS", "40")
    for args in (["--help"], ["session", "-h"], ["story", "check", "-h"]):
        out = cli(*args).stdout
        assert all(cell_len(line) <= 40 for line in out.splitlines()), out
        assert _no_trailing_spaces(out), out
    assert "      Show the version." in cli("--help").stdout.splitlines()  # below its option, whole


def test_where_is_aligned(cli, home: Path) -> None:
    lines = cli("where").stdout.splitlines()
    assert [line.split("  ")[0].strip() for line in lines] == [
        "home",
        "database",
        "backups",
        "built-in banks",
    ]
    starts = {len(line) - len(line.split()[-1]) for line in lines}
    assert len(starts) == 1  # every path starts in the same column
    assert str(home) in lines[0]


def test_counts_read_normally(cli, tmp_path, monkeypatch) -> None:
    too_short = cli("mock", "--round", "technical", "--minutes", "1")
    assert too_short.exit_code != 0 and "fits in 1 minute:" in too_short.stderr
    editor = tmp_path / "editor.py"
    editor.write_text(
        "import pathlib, sys\n"
        "pathlib.Path(sys.argv[1]).write_text('# T\\n\\n## Action\\nI did.\\n\\n## Result\\nWon.\\n')\n"
    )
    monkeypatch.setenv("EDITOR", f"{sys.executable} {editor}")
    cli("story", "new")
    assert "its only version?" in cli("story", "delete", "1", input="n\n").stdout
    assert "(it has only version 1)" in cli("story", "diff", "1", "1", "3").stderr
    out = tmp_path / "stories.md"
    assert "Wrote 1 story to" in cli("story", "export", "-o", str(out)).stderr
    check = " ".join(cli("story", "check", "1").stdout.split())
    assert "Result (1 word)" in check and "Action (2 words)" in check
    assert not re.search(r"\b1 words\b", check)
    spoken = re.findall(r"[Aa]bout (\S+) spoken", check)
    assert spoken == ["1s", "1s"]  # one format in the advice and in the summary line


# -- stats with nothing to show -------------------------------------------------------------------


def test_stats_with_filters_that_match_nothing_says_so(cli) -> None:
    cli("session", "--round", "technical", "--limit", "1", input="a\n\n3\n")
    future = cli("stats", "--since", "2099-01-01")
    assert future.exit_code == 0
    assert "No answers match the filters (--since 2099-01-01)." in future.stdout
    assert "No answers yet" not in future.stdout
    assert "No answers match the filters (--round project)" in cli("stats", "--round", "project").stdout
    assert "No answers yet" in cli("stats").stdout or "Activity" in cli("stats").stdout


# -- escape sequences -----------------------------------------------------------------------------

HOSTILE = "\x1b]0;pwned\x07\x1b[31mred\x9b2J[bold]x[/bold]"


def test_csv_log_has_no_escape_sequences(cli, tmp_path: Path) -> None:
    cli("session", "--limit", "1", input=f"{HOSTILE}\nsecond line\n\n3\n")
    out = tmp_path / "log.csv"
    written = cli("history", "--csv", "-o", str(out))
    assert written.exit_code == 0 and f"Wrote 1 review to {out}" in written.stderr  # (it said nothing)
    text = out.read_text()
    assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text
    (row,) = csv.DictReader(io.StringIO(text))
    assert row["answer"] == "red[bold]x[/bold]\nsecond line"  # the text, newline kept
    piped = cli("history", "--csv").stdout
    assert "\x1b" not in piped and "red[bold]x[/bold]" in piped


def test_story_markdown_export_has_no_escape_sequences_wherever_it_goes(cli, tmp_path, monkeypatch) -> None:
    """story export -o FILE kept escape sequences, so `cat stories.md` ran them, while the README's
    Reliability section said it strips them, as history --csv does (found by an exploratory tester).
    A file, a pipe and a terminal get the text without them; the JSON export keeps it exactly, and
    story new --from the document still knows the story as one this home holds."""
    editor = tmp_path / "editor.py"
    editor.write_text(
        "import pathlib, sys\n"
        f"pathlib.Path(sys.argv[1]).write_text('# Title {HOSTILE}\\n\\n## Action\\nI did {HOSTILE}.\\n')\n"
    )
    monkeypatch.setenv("EDITOR", f"{sys.executable} {editor}")
    assert cli("story", "new").exit_code == 0
    file = tmp_path / "stories.md"
    assert cli("story", "export", "-o", str(file)).exit_code == 0
    piped, dashed = cli("story", "export").stdout, cli("story", "export", "-o", "-").stdout
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    on_screen = cli("story", "export").stdout
    monkeypatch.setattr(sys.stdout, "isatty", lambda: False)
    assert piped == dashed == on_screen == file.read_text(encoding="utf-8")
    assert "\x1b" not in piped and "\x9b" not in piped and "\x07" not in piped
    assert "## Title red[bold]x[/bold]" in piped and "I did red[bold]x[/bold]." in piped
    # The JSON export keeps the text exactly (the import must restore it).
    import json

    out = tmp_path / "all.json"
    cli("export", "-o", str(out))
    (story,) = json.loads(out.read_text())["stories"]
    assert story["versions"][0]["title"] == f"Title {HOSTILE}"
    assert "\x1b" not in out.read_text()  # JSON writes control characters as \u escapes
    # the document read back here is the story this home holds; elsewhere, the story as exported
    again = cli("story", "new", "--from", str(file))
    assert again.exit_code == 0 and "Story 1 holds this text already; nothing was saved" in again.stdout
    monkeypatch.setenv("MOCKPREP_HOME", str(tmp_path / "other"))
    assert cli("story", "new", "--from", str(file)).exit_code == 0
    assert cli("story", "export").stdout == piped


def test_stats_show_imported_round_and_topic_names_literally(cli, home: Path) -> None:
    cli("session", "--limit", "1", input="a\n\n1\n")
    import sqlite3

    con = sqlite3.connect(home / "mockprep.db")
    con.execute("UPDATE questions SET round = ?, topic = ?", (f"r{HOSTILE}", f"t{HOSTILE}"))
    con.execute("UPDATE reviews SET state_before = 2")
    con.commit()
    con.close()
    out = cli("stats").stdout
    assert "\x1b" not in out and "\x9b" not in out and "\x07" not in out
    assert "rred[bold]x[/bold]" in out  # markup shown literally, not interpreted
    assert db_rows(home, "SELECT COUNT(*) FROM reviews") == [(1,)]


def test_history_shows_imported_session_rounds_literally(cli, home: Path) -> None:
    cli("mock", "--round", "behavioral", "--minutes", "5", input="a\n\nb\n\n\n")
    import sqlite3

    con = sqlite3.connect(home / "mockprep.db")
    con.execute("UPDATE sessions SET round = ?, status = ?", (f"r{HOSTILE}", f"s{HOSTILE}"))
    con.commit()
    con.close()
    for args in (["history"], ["history", "1"]):
        out = cli(*args).stdout
        assert "\x1b" not in out and "\x9b" not in out and "\x07" not in out, args
        assert "rred[bold]x[/bold]" in out and "sred[bold]x[/bold]" in out, args


def test_a_long_answer_cut_in_history_names_the_option_that_shows_it_whole(cli) -> None:
    """Found by an exploratory tester: a 69 KB answer ended "(65,074 more characters; the full text is
    kept)" and no command but export showed the rest. The line now names history ID --full."""
    answer = "word " * 1000 + "the last words"
    assert cli("session", "--limit", "1", input=f"{answer}\n\n3\n").exit_code == 0
    cut = cli("history", "1").stdout
    assert "the last words" not in cut
    assert f"… ({len(answer) - 4000:,} more characters; all of it: mockprep history 1 --full)" in cut
    whole = cli("history", "1", "--full").stdout
    assert "word word the last words" in whole and "more characters" not in whole
    refused = cli("history", "--full")
    assert refused.exit_code == 2 and "give its id" in refused.stderr
    # Its help says what --full shows and that the cut is what happens without it (it read "every
    # answer in full (over 4,000 characters, cut)", as if --full cut them; found by an exploratory tester)
    helped = " ".join(cli("history", "--help").stdout.split())
    option = helped[helped.index("--full") : helped.index("--csv")]
    assert "cut" in option and "without --full" in option.split("cut")[0]


def test_history_refuses_options_it_would_ignore(cli, tmp_path: Path) -> None:
    """-o without --csv printed the table and wrote nothing; each such mix is one line, exit 2."""
    target = tmp_path / "history.txt"
    for args, says in (
        (["-o", str(target)], "add --csv"),
        (["--force"], "give one"),
        (["3", "--csv"], "leave out the session id"),
    ):
        result = cli("history", *args)
        assert result.exit_code == 2 and says in result.stderr, (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1
    assert not target.exists()


def test_output_under_a_locale_that_is_not_utf8_is_written_not_a_traceback(tmp_path: Path) -> None:
    """`LC_ALL=C PYTHONUTF8=0`: stdout is ASCII, and '·' in every header raised UnicodeEncodeError. At a
    terminal a glyph is shown as its ASCII stand-in ('·' as '-', terminal/glyphs.py); piped (data: an
    export, a CSV) it is never changed silently, the command stops with one line."""
    import pty
    import subprocess

    env = {**os.environ, "MOCKPREP_HOME": str(tmp_path / "home"), "LC_ALL": "C", "PYTHONUTF8": "0"}
    env.pop("PYTHONIOENCODING", None)
    command = [sys.executable, "-m", "mockprep", "question", "show", "bias-variance-derivation"]
    main, sub = pty.openpty()
    try:
        shown = subprocess.run(command, stdout=sub, stderr=subprocess.PIPE, env=env, timeout=120)
        os.close(sub)
        screen = b""
        while True:
            try:
                chunk = os.read(main, 65536)
            except OSError:
                break
            if not chunk:
                break
            screen += chunk
    finally:
        os.close(main)
    assert shown.returncode == 0, shown.stderr.decode("ascii", "replace")
    assert b"technical - ml-fundamentals - difficulty" in screen and b"Traceback" not in shown.stderr
    piped = subprocess.run(command, capture_output=True, env=env, timeout=120)
    assert piped.returncode == 1 and b"Traceback" not in piped.stderr
    assert b"the output's encoding (ascii) cannot hold" in piped.stderr


def test_a_questions_list_items_wrap_under_their_text(cli, narrow) -> None:
    """A wrapped '- logsumexp(...)' bullet of a question went on at the panel's edge; the model answer's
    bullets already hung under their text."""
    out = cli("question", "show", "ml-coding/softmax-logsumexp-axis").stdout
    lines = [line.strip("│ ") for line in out.split("Model answer")[0].splitlines()]
    start = next(i for i, line in enumerate(lines) if line.startswith("- logsumexp(x, axis=-1)"))
    body = out.split("Model answer")[0].splitlines()
    assert body[start + 1].startswith("│   ") and not body[start + 1].startswith("│   -")


def test_a_closed_stdout_is_not_a_traceback(tmp_path: Path) -> None:
    """`mockprep stats >&-` raised AttributeError on the missing stream."""
    import shlex
    import subprocess

    env = {**os.environ, "MOCKPREP_HOME": str(tmp_path / "home")}
    command = f"{shlex.quote(sys.executable)} -m mockprep stats >&-"
    run = subprocess.run(["sh", "-c", command], capture_output=True, env=env, timeout=120)
    assert run.returncode == 0 and b"Traceback" not in run.stderr, run.stderr
