"""What a code answer printed, as the person sees it: control characters written out (not removed),
output written straight to descriptors 1 and 2 caught, printed output shown with passing tests too,
and all of it whole on request and in grade --json."""

from __future__ import annotations

import io
import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from mockprep.core.code_results import CodeRun, TestOutcome, TestStatus
from mockprep.core.sanitize import clean, visible
from mockprep.terminal.code_run import run_lines
from tests.test_code_runner import run

CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
ESCAPE = re.compile(r"\\(r|x[0-9a-f]{2}|u[0-9a-f]{4})")


def _unescaped(text: str) -> str:
    return ESCAPE.sub(lambda m: "\r" if m.group(1) == "r" else chr(int(m.group(1)[1:], 16)), text)


@given(st.text())
def test_visible_leaves_no_control_character_and_loses_nothing(text: str) -> None:
    shown = visible(text)
    assert not CONTROLS.search(shown) and clean(shown) == shown
    if "\\" not in text:  # (a backslash printed before 'x1b' would read the same)
        assert _unescaped(shown) == text
    if not CONTROLS.search(text):
        assert shown == text


def _rendered(run_: CodeRun) -> str:
    out = io.StringIO()
    console = Console(file=out, width=200, color_system=None, force_terminal=True)
    for line in run_lines(run_):
        console.print(line)
    return out.getvalue()


def test_control_characters_printed_are_shown_as_escapes() -> None:
    """\\x1b[31m, \\b, \\x07 and \\x00 vanished and \\r became a new line (found by an exploratory
    tester): a person debugging saw something other than what was printed."""
    printed = "A\x1b[31mB\x1b[0mC|10%\r100%|back\bspace|bell\x07|nul\x00end\n"
    failed = TestOutcome(0, "t", False, TestStatus.FAILED, "bad \x1b[2J", output=printed)
    screen = _rendered(CodeRun((failed,)))
    for written in ("A\\x1b[31mB\\x1b[0mC", "10%\\r100%", "back\\x08space", "bell\\x07", "nul\\x00end"):
        assert written in screen
    assert "bad \\x1b[2J" in screen
    assert not CONTROLS.search(screen.replace("\x1b", ""))  # the console's own styles aside
    assert "\x07" not in screen and "\x1b[2J" not in screen and "\x1b[31m" not in screen


def test_output_written_to_descriptors_1_and_2_is_caught() -> None:
    """os.write(1, ...) and os.write(2, ...) were lost (found by an exploratory tester)."""
    code = (
        "import os, sys\nos.write(2, b'at load\\n')\n\ndef f(x):\n    print('by print')\n"
        "    os.write(1, b'fd one\\n')\n    os.write(2, b'fd two\\n')\n"
        "    print('via __stdout__', file=sys.__stdout__)\n    return x + 1\n"
    )
    result = run(code)
    assert result.all_passed and "at load" in result.output
    first, second = result.outcomes
    for outcome in (first, second):  # each test its own output, none of the other's
        assert outcome.output.count("by print") == 1 and outcome.output.count("fd one") == 1
        assert outcome.output.count("fd two") == 1 and outcome.output.count("via __stdout__") == 1
        assert "at load" not in outcome.output


def _printing(lines: int, status: TestStatus = TestStatus.PASSED) -> CodeRun:
    printed = "".join(f"line {n}\n" for n in range(1, lines + 1))
    return CodeRun((TestOutcome(0, "t", False, status, output=printed),))


def test_what_a_passing_test_printed_is_shown() -> None:
    """What the code printed was hidden whenever its test passed (found by an exploratory tester)."""
    assert "line 3" in _rendered(_printing(3)) and "printed" in _rendered(_printing(3))


@given(lines=st.integers(1, 40), width=st.integers(0, 3000), passed=st.booleans())
def test_output_is_bounded_unless_whole_and_a_cut_says_how_to_see_it(
    lines: int, width: int, passed: bool
) -> None:
    from mockprep.terminal.code_run import OUTPUT_LINES, OUTPUT_SHOWN, was_cut

    printed = "\n".join(f"{n:04d}" + "x" * (width if n == 1 else 0) for n in range(1, lines + 1))
    status = TestStatus.PASSED if passed else TestStatus.FAILED
    run_ = CodeRun((TestOutcome(0, "t", False, status, output=printed),))
    out = io.StringIO()
    console = Console(file=out, width=8000, color_system=None)
    for line in run_lines(run_, hint="; HINT"):
        console.print(line)
    cut = lines > OUTPUT_LINES or len(printed) - (lines - 1) > OUTPUT_SHOWN
    assert was_cut(run_) == cut
    assert ("HINT" in out.getvalue()) == cut
    assert out.getvalue().count("x") <= OUTPUT_SHOWN
    whole = io.StringIO()
    console = Console(file=whole, width=8000, color_system=None)
    for line in run_lines(run_, full=True, hint="; HINT"):
        console.print(line)
    assert all(f"{n:04d}" in whole.getvalue() for n in range(1, lines + 1)) and "HINT" not in whole.getvalue()


def test_o_after_a_run_shows_the_output_whole() -> None:
    from tests.test_answer_input import ScriptedReader, terminal_ui

    reader = ScriptedReader(lines=["o", ""])
    ui, out = terminal_ui(reader)
    assert ui.after_run(_printing(30, TestStatus.FAILED), 1) == "submit"
    assert "o shows the output whole" in reader.prompts[0]
    first, after = reader.screens  # on screen at the first prompt, and after o
    assert "line 12" in first and "line 13" not in first and "18 more lines; o shows them" in first
    assert "line 30" in after[len(first) :]
    short = ScriptedReader(lines=[""])
    ui, out = terminal_ui(short)
    ui.after_run(_printing(3), 1)
    assert "o shows" not in short.prompts[0]  # nothing was cut: no key to offer


def test_the_editor_message_names_the_file_to_save(tmp_path, monkeypatch) -> None:
    """With $EDITOR set it said "Opening /path/editor.sh: save and close it", naming the editor program
    and not the file (found by an exploratory tester)."""
    import sys

    from mockprep.terminal.practice import TerminalUI
    from tests.test_answer_input import ScriptedReader

    seen = tmp_path / "seen.txt"
    editor = tmp_path / "my-editor.py"
    editor.write_text(
        f"import sys, pathlib\npathlib.Path({str(seen)!r}).write_text(sys.argv[1])\n"
        "pathlib.Path(sys.argv[1]).write_text('def f(x):\\n    return x\\n')\n",
        encoding="utf-8",
    )
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", f"{sys.executable} {editor}")
    out = io.StringIO()
    ui = TerminalUI(Console(file=out, width=500, color_system=None), ScriptedReader())
    assert ui.read_code("def f(x):\n    ...\n") == "def f(x):\n    return x\n"
    (said,) = [line for line in out.getvalue().splitlines() if line.startswith("Opening")]
    assert said.startswith(f"Opening {seen.read_text()} in {Path(sys.executable).name}:")
    assert str(editor) not in said and "save it" in said


def test_a_hidden_test_that_fails_names_the_functions_it_calls() -> None:
    """A hidden test that failed said only 'failed' or 'expected ValueError for 0', without naming the
    function it tests (found by an exploratory tester)."""
    from mockprep.core.banks import parse_question

    tests = [
        {"call": "f(1)", "expected": "2", "hidden": True},
        {"code": "assert g(1) == 1\nassert f(2) == 3\n", "hidden": True},
        {
            "code": "try:\n    g(0)\nexcept ValueError:\n    pass\nelse:\n    raise AssertionError('no error')\n"
        },
        {"code": "assert f(5) == 6", "hidden": True},
    ]
    question = parse_question(
        {
            "id": "q",
            "kind": "code",
            "difficulty": 1,
            "prompt": "Write f and g.",
            "answer": "f adds one; g is the identity and refuses 0.",
            "key_points": ["add one", "refuse zero"],
            "solution": "def f(x):\n    return x + 1\n\ndef g(x):\n    if not x:\n        raise ValueError\n    return x",
            "tests": tests,
        }
    )
    outcomes = run("def f(x):\n    return x\n\ndef g(x):\n    return x\n", question).outcomes
    assert outcomes[0].calls == ("f",)  # a call/expected pair
    assert outcomes[1].calls == ("f",)  # the assertion that failed, not g's before it
    assert outcomes[2].calls == ()  # a visible test shows its own source
    assert outcomes[3].calls == ("f",)
    screen = _rendered(CodeRun(outcomes))
    assert "test 2 (hidden, calls f)" in screen and "test 1 (hidden, calls f)" in screen


@given(st.lists(st.sampled_from(["f", "g", "h", "len", "x"]), max_size=6), st.integers(1, 8))
def test_called_names_are_the_codes_own_named_by_the_test(names: list[str], line: int) -> None:
    from mockprep.core.code_format import called_names

    test = "\n".join(f"assert {name}(1) is not None" for name in names) or "pass"
    found = called_names(test, "def f(x):\n    return x\n\nclass g:\n    pass\n", line)
    assert set(found) <= {"f", "g"} & set(names) and len(found) == len(set(found))
    if 1 <= line <= len(names) and names[line - 1] in ("f", "g"):
        assert found == (names[line - 1],)  # the line it failed at names one of them: that one


WORDS = st.text(st.characters(codec="ascii", categories=["L", "N", "P"]), min_size=1, max_size=30)


@given(
    st.lists(WORDS, min_size=1, max_size=12).map(" ".join),
    st.lists(WORDS, min_size=1, max_size=12).map(", ".join),
    st.integers(30, 120),
)
def test_what_a_failed_test_shows_wraps_under_itself(message: str, value: str, width: int) -> None:
    """A verdict line's path wrapped onto a new line at the left edge in grade's output, as if it were
    something else ("PermissionError: writing outside the run's folder is not allowed:" then the path
    unindented; found by an exploratory tester). Source, values and message wrap under themselves."""
    failed = TestOutcome(
        0, "t", False, TestStatus.FAILED, message, source=f"f({value})", expected=value, actual=value
    )
    out = io.StringIO()
    console = Console(file=out, width=width, color_system=None, force_terminal=False)
    for line in run_lines(CodeRun((failed,))):
        console.print(line)
    rows = out.getvalue().splitlines()[2:]  # below the summary and the test's own line
    assert rows and all(row.startswith("      ") and row.strip() for row in rows), rows
    assert all(len(row) <= width for row in rows)
    got = next(i for i, row in enumerate(rows) if row.startswith("      got      "))
    expected = next(i for i, row in enumerate(rows) if row.startswith("      expected "))
    assert all(row.startswith(" " * 15) for row in rows[expected + 1 : got])  # wrapped after its label


def test_a_refused_write_names_its_path_indented(tmp_path: Path) -> None:
    target = tmp_path / ("a-folder-with-a-long-name-" * 2) / "written.txt"
    code = f"def f(x):\n    open({str(target)!r}, 'w').write('x')\n    return x + 1\n"
    out = io.StringIO()
    console = Console(file=out, width=80, color_system=None, force_terminal=False)
    for line in run_lines(run(code)):
        console.print(line)
    screen = out.getvalue().splitlines()
    at = next(i for i, row in enumerate(screen) if "outside the run's folder" in row)
    assert screen[at].startswith("      PermissionError") and screen[at + 1].startswith("      /")
