"""Code questions end to end: `bank validate` runs the solutions, a piped session answers one, the
result is stored with the review and carried by export/import, and `grade --file` runs a file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import db_rows

BANK = '''id = "coding"
title = "Coding"
round = "technical"
topic = "coding"

[[questions]]
id = "add-one"
kind = "code"
difficulty = 1
time_limit = "5m"
prompt = "Implement add_one(x)."
answer = "Return x + 1."
key_points = ["add one", "return the sum"]
starter = """
def add_one(x):
    ...
"""
solution = """
def add_one(x):
    return x + 1
"""
wrong_solutions = ["""
def add_one(x):
    return x
"""]

[[questions.tests]]
call = "add_one(1)"
expected = "2"

[[questions.tests]]
code = "assert add_one(-1) == 0"
hidden = true
'''


@pytest.fixture
def coding(cli, tmp_path: Path) -> Path:
    folder = tmp_path / "coding"
    folder.mkdir()
    (folder / "coding.toml").write_text(BANK, encoding="utf-8")
    assert cli("bank", "add", str(folder)).exit_code == 0
    return folder / "coding.toml"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / f"bank-{len(list(tmp_path.glob('bank-*.toml')))}.toml"  # a new file each time
    path.write_text(text, encoding="utf-8")
    return path


def test_validate_runs_the_reference_and_the_wrong_solutions(cli, tmp_path: Path) -> None:
    ok = cli("bank", "validate", str(_write(tmp_path, BANK)))
    assert ok.exit_code == 0, ok.stderr
    broken = BANK.replace("    return x + 1\n", "    return x + 2\n", 1)
    result = cli("bank", "validate", str(_write(tmp_path, broken)))
    assert result.exit_code == 2
    assert "question 'add-one': the reference solution fails: test 1: failed: 3 instead of 2" in result.stderr
    assert "(also fails test 2)" in result.stderr  # every failing test is named at once, not one a run
    # a wrong solution right for positive numbers, and tests that only try positive numbers
    lenient = BANK.replace("    return x\n", "    return x + 1 if x > 0 else x\n").replace(
        "(-1) == 0", "(5) == 6"
    )
    result = cli("bank", "validate", str(_write(tmp_path, lenient)))
    assert result.exit_code == 2 and "wrong solution 1 passes every test" in result.stderr


BROKEN_QUESTION = """
[[questions]]
id = "no-tests"
kind = "code"
prompt = "Return x."
answer = "x"
key_points = ["identity", "return it"]
solution = "def ident(x):\\n    return x\\n"
"""


@pytest.mark.parametrize(
    ("edit", "other"),
    [
        (lambda text: text + BROKEN_QUESTION, "question 'no-tests': a code question needs 'solution'"),
        (lambda text: text.replace('title = "Coding"\n', ""), "field 'title': missing"),
    ],
    ids=["another question", "the bank's own field"],
)
def test_validate_runs_the_valid_code_questions_of_a_file_with_other_problems(
    cli, tmp_path: Path, edit, other: str
) -> None:
    """Found by an exploratory tester: a file with a schema problem showed only that, and its failing
    reference solution only once the schema was fixed, though validate says every problem in one run."""
    broken = edit(BANK.replace("    return x + 1\n", "    return x + 2\n", 1))
    result = cli("bank", "validate", str(_write(tmp_path, broken)))
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    failing = [i for i, line in enumerate(lines) if "'add-one': the reference solution fails" in line]
    others = [i for i, line in enumerate(lines) if other in line]
    assert len(failing) == 1 and len(others) == 1, result.stderr
    numbers = [int(n) for line in lines if (n := line.split(":")[1]).isdigit()]
    assert numbers == sorted(numbers)  # one file's problems in the order of its lines


def test_validate_skips_a_question_whose_requirement_is_missing(cli, tmp_path: Path) -> None:
    needs = BANK.replace("difficulty = 1\n", 'difficulty = 1\nrequires = ["no_such_module_w19"]\n', 1)
    result = cli("bank", "validate", str(_write(tmp_path, needs)))
    assert result.exit_code == 0
    assert "not run: it needs no_such_module_w19, which is not installed" in result.stderr


def test_validate_names_the_line_of_a_solution_that_is_not_python(cli, tmp_path: Path) -> None:
    result = cli("bank", "validate", str(_write(tmp_path, BANK.replace("return x + 1", "return x +", 1))))
    assert result.exit_code == 2
    assert "question 'add-one': field 'solution'" in result.stderr and "not valid Python" in result.stderr


def test_a_piped_session_runs_the_code_and_stores_the_result(cli, home: Path, coding: Path) -> None:
    script = (
        "```python\ndef add_one(x):\n\n    return x\n```\n\n\n"  # wrong: fails both tests; Enter takes it
    )
    result = cli("session", "--bank", "coding", "--limit", "1", input=script)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "add_one(1)  →  2" in out and "and 1 hidden test" in out  # the examples with the question
    assert "Run 1: 0/2 tests passed" in out
    assert "expected 2" in out and "got      1" in out
    assert "Reference solution" in out and "return x + 1" in out
    rows = db_rows(home, "SELECT rating, suggested, grader, code_runs, code_result FROM reviews")
    assert len(rows) == 1
    rating, suggested, grader, runs, stored = rows[0]
    assert (rating, suggested, grader, runs) == (1, 1, "tests", 1)  # Enter took the suggestion
    assert json.loads(stored) == {"passed": 0, "total": 2, "failed": ["test 1", "test 2"]}


def test_a_passing_answer_is_suggested_good_or_better(cli, home: Path, coding: Path) -> None:
    script = "def add_one(x):\n    return x + 1\n\n\n"
    result = cli("session", "--bank", "coding", "--limit", "1", input=script)
    assert result.exit_code == 0, result.stderr
    assert "Run 1: 2/2 tests passed" in result.stdout
    ((rating, result_json),) = db_rows(home, "SELECT rating, code_result FROM reviews")
    assert rating >= 3 and json.loads(result_json)["passed"] == 2


def test_the_code_result_survives_export_and_import(cli, home: Path, coding: Path, tmp_path: Path) -> None:
    cli("session", "--bank", "coding", "--limit", "1", input="def add_one(x):\n    return x\n\n3\n")
    exported = tmp_path / "out.json"
    assert cli("export", "-o", str(exported)).exit_code == 0, "export"
    review = json.loads(exported.read_text())["questions"]
    (entry,) = [q for q in review if q["key"] == "coding/add-one"]
    assert entry["reviews"][0]["code_runs"] == 1
    assert entry["reviews"][0]["code_result"]["total"] == 2


def test_grade_runs_a_solution_file(cli, coding: Path, tmp_path: Path) -> None:
    solution = tmp_path / "solution.py"
    solution.write_text("def add_one(x):\n    return x + 1\n", encoding="utf-8")
    result = cli("grade", "coding/add-one", "--file", str(solution), "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["grader"] == "tests" and data["tests"]["passed"] == 2 and data["suggested"] >= 3
    solution.write_text("def add_one(x):\n    print('\\x1b[31mred')\n    return x\n", encoding="utf-8")
    shown = cli("grade", "coding/add-one", "--file", str(solution))
    assert shown.exit_code == 0 and "0/2 tests passed" in shown.stdout
    assert "\x1b" not in shown.stdout  # what the code printed is shown as text, never as escapes


def test_a_mock_technical_round_asks_at_most_one_coding_question(cli, home: Path, coding: Path) -> None:
    second = BANK.replace('id = "coding"', 'id = "coding-two"').replace('title = "Coding"', 'title = "Two"')
    folder = coding.parent.parent / "two"
    folder.mkdir()
    (folder / "two.toml").write_text(second, encoding="utf-8")
    assert cli("bank", "add", str(folder)).exit_code == 0
    script = "def add_one(x):\n    return x + 1\n\n" + "an answer\n\n" * 40
    result = cli(
        "mock",
        "--round",
        "technical",
        "--bank",
        "coding",
        "--bank",
        "coding-two",
        "--minutes",
        "30",
        input=script,
    )
    assert result.stdout.count("Run 1:") == 1, result.stdout[-2000:]


def test_question_show_gives_a_code_questions_starter_examples_and_solution(cli, coding: Path) -> None:
    out = cli("question", "show", "coding/add-one").stdout
    question, rest = out.split("Model answer", 1)
    assert "Starter code" in question and "def add_one(x):" in question
    assert "add_one(1)  →  2" in question  # the visible test, as a session's example
    assert "and 1 hidden test" in question and "add_one(-1)" not in out  # a hidden test stays hidden
    assert "Reference solution" in rest and "return x + 1" in rest


def test_a_multi_line_example_keeps_its_own_indentation(cli, tmp_path: Path) -> None:
    """The first line of each example sat 2 columns in and the rest 4, which reads as different Python."""
    bank = BANK.replace(
        'code = "assert add_one(-1) == 0"\nhidden = true',
        "code = '''\nfor x in (1, 2):\n    assert add_one(x) == x + 1\nassert add_one(-1) == 0\n'''",
    )
    (tmp_path / "coding.toml").write_text(bank, encoding="utf-8")
    assert cli("bank", "add", str(tmp_path / "coding.toml")).exit_code == 0
    lines = cli("question", "show", "coding/add-one").stdout.splitlines()
    body = [line.strip("│").rstrip() for line in lines]
    loop = next(i for i, line in enumerate(body) if line.strip().startswith("for x in (1, 2):"))
    indent = len(body[loop]) - len(body[loop].lstrip())
    assert body[loop + 1] == " " * (indent + 4) + "assert add_one(x) == x + 1"
    assert body[loop + 2] == " " * indent + "assert add_one(-1) == 0"
    assert body[loop - 1].strip() == ""  # apart from the one-line example before it


def test_grade_says_why_code_was_not_run_and_exits_1(cli, tmp_path: Path) -> None:
    """grade on a code question whose requirement is missing said "graded by not run" and "Suggested
    rating: none (a blank answer: tick what you said)" (found by an exploratory tester without numpy)."""
    needs = BANK.replace("difficulty = 1\n", 'difficulty = 1\nrequires = ["no_such_module_w19"]\n', 1)
    assert cli("bank", "add", str(_write(tmp_path, needs))).exit_code == 0
    solution = tmp_path / "solution.py"
    solution.write_text("def add_one(x):\n    return x + 1\n", encoding="utf-8")
    shown = cli("grade", "coding/add-one", "--file", str(solution))
    assert shown.exit_code == 1
    assert "blank answer" not in shown.stdout and "graded by" not in shown.stdout
    last = " ".join(shown.stdout.split()[-30:])  # the suggestion says why and what to do
    assert "not run" in last and "no_such_module_w19" in last and "pip install" in last
    data = cli("grade", "coding/add-one", "--file", str(solution), "--json")
    assert data.exit_code == 1 and json.loads(data.stdout)["grader"] == "not run"


def test_grade_seconds_suggests_as_a_session_does(cli, coding: Path, tmp_path: Path) -> None:
    """grade --seconds never suggested easy for a passing code answer (only overtime was passed on),
    while a session suggests easy on a first run in at most half the time (found by an exploratory
    tester). The limit here is 5 minutes."""
    solution = tmp_path / "solution.py"
    solution.write_text("def add_one(x):\n    return x + 1\n", encoding="utf-8")

    def suggested(*seconds: str) -> int:
        result = cli("grade", "coding/add-one", "--file", str(solution), "--json", *seconds)
        assert result.exit_code == 0, result.stderr
        return json.loads(result.stdout)["suggested"]

    assert suggested("--seconds", "10") == 4 and suggested("--seconds", "150") == 4
    assert suggested("--seconds", "151") == 3 and suggested() == 3  # (no time given: not known quick)
    assert suggested("--seconds", "301") == 2


def test_grade_gives_what_the_code_printed_whole_with_full_and_in_json(
    cli, coding: Path, tmp_path: Path
) -> None:
    """--json had no printed output or traceback, and output was cut to "… (N more lines)" with no way
    to see the rest (found by an exploratory tester)."""
    solution = tmp_path / "solution.py"
    body = "    for n in range(30):\n        print('line', n)\n    return helper(x)\n"
    solution.write_text(f"def helper(x):\n    return x + 1\n\ndef add_one(x):\n{body}", encoding="utf-8")
    cut = cli("grade", "coding/add-one", "--file", str(solution))
    assert "line 11" in cut.stdout and "line 29" not in cut.stdout and "--full shows them" in cut.stdout
    whole = cli("grade", "coding/add-one", "--file", str(solution), "--full")
    assert whole.exit_code == 0 and "line 29" in whole.stdout and "--full shows" not in whole.stdout
    data = json.loads(cli("grade", "coding/add-one", "--file", str(solution), "--json").stdout)
    (first, second) = data["tests"]["results"]
    assert first["status"] == "passed" and first["output"].splitlines()[-1] == "line 29"
    solution.write_text(
        "def add_one(x):\n    print('\\x1b[31mred')\n    return 1 // (x - x)\n", encoding="utf-8"
    )
    data = json.loads(cli("grade", "coding/add-one", "--file", str(solution), "--json").stdout)
    (first, _) = data["tests"]["results"]
    assert first["output"] == "\x1b[31mred\n"  # exactly as printed (JSON escapes it)
    assert "ZeroDivisionError" in first["traceback"] and 'File "solution.py"' in first["traceback"]
