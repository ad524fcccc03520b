"""The code runner against hostile and broken solutions: each ends within its limits with a clear
verdict, nothing escapes its folder or reaches the terminal raw, and the runner goes on."""

from __future__ import annotations

from pathlib import Path

import pytest

from mockprep.core.banks import parse_question
from mockprep.core.code_results import TestStatus
from mockprep.core.questions import QuestionSpec
from mockprep.services.code_runner import CodeRunner, RunLimits

LIMITS = RunLimits(test_seconds=1.0, run_seconds=20.0, memory_mb=512, file_mb=1, processes=32)


def spec(*tests: dict, setup: str | None = None) -> QuestionSpec:
    return parse_question(
        {
            "id": "q",
            "kind": "code",
            "difficulty": 1,
            "prompt": "Write f(x).",
            "answer": "Return x + 1.",
            "key_points": ["add one", "return the sum"],
            "solution": "def f(x):\n    return x + 1\n",
            "setup": setup,
            "tests": list(tests) or [{"call": "f(1)", "expected": "2"}, {"call": "f(2)", "expected": "3"}],
        }
    )


def run(code: str, question: QuestionSpec | None = None):
    return CodeRunner(LIMITS).run(question or spec(), code)


def test_a_correct_solution_passes_every_test() -> None:
    result = run("def f(x):\n    return x + 1\n")
    assert result.all_passed and result.passed == 2


def test_a_wrong_value_shows_expected_and_actual() -> None:
    outcome = run("def f(x):\n    return x\n").outcomes[0]
    assert outcome.status is TestStatus.FAILED
    assert (outcome.expected, outcome.actual, outcome.source) == ("2", "1", "f(1)")


def test_numbers_compare_within_the_tolerance_and_lists_element_wise() -> None:
    question = spec(
        {"call": "f(1)", "expected": "[2.0, 3.0]", "tolerance": 0.01},
        {"call": "f(2)", "expected": "[2.0, 3.0]", "tolerance": 0.01},
    )
    result = run("def f(x):\n    return [2.005, 3.0] if x == 1 else [2.0, 3.1]\n", question)
    assert [o.passed for o in result.outcomes] == [True, False]
    assert "at [1]" in result.outcomes[1].message


def test_the_traceback_shows_the_persons_code_only() -> None:
    outcome = run("def helper(x):\n    return x / 0\n\ndef f(x):\n    return helper(x)\n").outcomes[0]
    assert outcome.status is TestStatus.ERROR
    assert "ZeroDivisionError" in outcome.message
    assert 'File "solution.py", line 2, in helper' in outcome.traceback
    assert "mockprep" not in outcome.traceback and "code_sandbox" not in outcome.traceback


def test_an_assertion_test_keeps_both_values() -> None:
    question = spec({"code": "assert f(1) == 2"}, {"code": "assert f(2) == 3, 'two'"})
    result = run("def f(x):\n    return 0\n", question)
    first, second = result.outcomes
    assert (first.status, first.expected, first.actual, first.source) == (
        TestStatus.FAILED,
        "2",
        "0",
        "assert f(1) == 2",
    )
    assert second.message == "two"


def test_an_assertion_inside_a_class_keeps_both_values() -> None:
    """Inside a class, names that start with two underscores are mangled: the rewritten assertion
    failed with NameError: name '_Check__mp_Mismatch' is not defined."""
    test = "class Check:\n    def run(self):\n        assert f(3) == 3\n\nCheck().run()"
    (outcome,) = run("def f(x):\n    return 0\n", spec({"code": test})).outcomes
    assert (outcome.status, outcome.expected, outcome.actual) == (TestStatus.FAILED, "3", "0")


def test_a_syntax_error_is_one_problem_and_no_test_runs() -> None:
    result = run("def f(x)\n    return x\n")
    assert result.problem is not None and "SyntaxError" in result.problem
    assert result.passed == 0 and all(o.status is TestStatus.NOT_RUN for o in result.outcomes)


def test_an_infinite_loop_times_out_twice_and_the_later_tests_are_not_run() -> None:
    question = spec(*({"call": f"f({i})", "expected": f"{i + 1}"} for i in range(4)))
    result = run("def f(x):\n    while True:\n        pass\n", question)
    statuses = [o.status for o in result.outcomes]
    assert statuses == [TestStatus.TIMEOUT, TestStatus.TIMEOUT, TestStatus.NOT_RUN, TestStatus.NOT_RUN]
    assert "1 s" in result.outcomes[0].message


def test_code_the_clock_cannot_interrupt_on_one_input_is_still_tested_on_the_others() -> None:
    """A loop in C (no bytecode for the alarm to interrupt) is killed by the parent: a new process then
    takes the next test (it marked all the later ones not run, the reviewer found)."""
    question = spec(*({"call": f"f({i})", "expected": f"{i + 1}"} for i in range(4)))
    result = run("def f(x):\n    if x == 1:\n        sum(range(10**12))\n    return x + 1\n", question)
    statuses = [o.status for o in result.outcomes]
    assert statuses == [TestStatus.PASSED, TestStatus.TIMEOUT, TestStatus.PASSED, TestStatus.PASSED]


def test_code_that_hangs_on_one_input_is_still_tested_on_the_others() -> None:
    """A tester's solution looped for one input only: every later test was 'not run' (0/4, again)."""
    question = spec(*({"call": f"f({i})", "expected": f"{i + 1}"} for i in range(4)))
    result = run("def f(x):\n    while x == 1:\n        pass\n    return x + 1\n", question)
    statuses = [o.status for o in result.outcomes]
    assert statuses == [TestStatus.PASSED, TestStatus.TIMEOUT, TestStatus.PASSED, TestStatus.PASSED]


def test_a_loop_that_swallows_the_timeout_is_killed() -> None:
    code = "def f(x):\n    while True:\n        try:\n            while True: pass\n        except BaseException:\n            pass\n"
    result = run(code)
    assert result.outcomes[0].status is TestStatus.TIMEOUT
    assert not result.all_passed


def test_a_fork_bomb_is_refused() -> None:
    code = "import os\n\ndef f(x):\n    while True:\n        os.fork()\n"
    outcome = run(code).outcomes[0]
    assert outcome.status is TestStatus.ERROR
    assert "starting processes is not allowed" in outcome.message


def test_subprocess_is_refused() -> None:
    outcome = run("import subprocess\n\ndef f(x):\n    return subprocess.run(['true'])\n").outcomes[0]
    assert outcome.status is TestStatus.ERROR and "not allowed" in outcome.message


def test_a_huge_allocation_fails_with_a_memory_error() -> None:
    outcome = run("def f(x):\n    return len(bytearray(50 * 2**30))\n").outcomes[0]
    assert outcome.status is TestStatus.ERROR
    assert "MemoryError" in outcome.message and "512 MB" in outcome.message


def test_threads_refused_by_the_memory_limit_say_so() -> None:
    """About 20 threads fill the 1 GB of address space (each reserves its stack, and glibc an arena);
    "can't start new thread" did not say why (found by an exploratory tester)."""
    code = (
        "import threading\n\nstop = threading.Event()\n\ndef f(x):\n"
        "    for _ in range(2000):\n        threading.Thread(target=stop.wait, daemon=True).start()\n"
    )
    outcome = run(code).outcomes[0]
    assert outcome.status is TestStatus.ERROR and "new thread" in outcome.message
    assert "512 MB" in outcome.message and "code_memory_mb" in outcome.message


@pytest.mark.parametrize("memory_mb", [40, 64])
def test_numpy_that_cannot_load_in_the_memory_limit_names_the_setting(memory_mb: int) -> None:
    """Under a small code_memory_mb, `import numpy` failed with NumPy's 20-line ImportError ("IMPORTANT:
    PLEASE READ THIS...") or OpenBLAS's exit, and nothing named the limit (found by an exploratory
    tester). The loader's failure and OpenBLAS's both say the limit and the setting now."""
    pytest.importorskip("numpy")
    limits = RunLimits(test_seconds=5.0, run_seconds=20.0, memory_mb=memory_mb, file_mb=1, processes=32)
    result = CodeRunner(limits).run(spec(), "import numpy as np\n\ndef f(x):\n    return x + 1\n")
    assert not result.passed and result.problem is not None
    assert f"{memory_mb} MB" in result.problem and "code_memory_mb setting" in result.problem
    assert "\n" not in result.problem and "PLEASE READ" not in (result.traceback or "")
    assert len((result.traceback or "").splitlines()) <= 4  # the import's line and one of NumPy's


def test_writing_outside_its_folder_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "escaped.txt"
    code = f"def f(x):\n    open({str(target)!r}, 'w').write('x')\n    return x + 1\n"
    outcome = run(code).outcomes[0]
    assert outcome.status is TestStatus.ERROR and "outside the run's folder" in outcome.message
    assert not target.exists()


@pytest.mark.parametrize(
    "opening",
    [
        "import sqlite3\n    sqlite3.connect({target!r}).execute('create table t (x)')",  # a database, in C
        "import sqlite3\n    sqlite3.connect('file:' + {target!r} + '?mode=rwc', uri=True)",
        "import socket\n    socket.socket(socket.AF_UNIX).bind({target!r})",  # a socket file
        "import socket\n    socket.socket(socket.AF_UNIX).bind(bytearray({target!r}, 'utf-8'))",
    ],
    ids=["sqlite", "sqlite-uri", "unix-socket", "socket-bytearray"],
)
def test_files_written_by_c_code_outside_its_folder_are_refused(tmp_path: Path, opening: str) -> None:
    """A tester's solution created a table in the person's own mockprep.db through sqlite3.connect,
    and a socket file with bind: neither goes through open()."""
    target = str(tmp_path / "escaped")
    code = "def f(x):\n    " + opening.format(target=target) + "\n    return x + 1\n"
    outcome = run(code).outcomes[0]
    assert outcome.status is TestStatus.ERROR and "not allowed" in outcome.message
    assert not (tmp_path / "escaped").exists()


def test_a_database_in_memory_or_in_its_folder_works() -> None:
    code = (
        "import socket, sqlite3\n\ndef f(x):\n    sqlite3.connect(':memory:').execute('select 1')\n"
        "    sqlite3.connect('here.db').execute('create table t (x)')\n"
        "    socket.socket(socket.AF_UNIX).bind('\\0abstract-' + str(x))\n    return x + 1\n"
    )
    assert run(code).outcomes[0].status is TestStatus.PASSED


def test_writing_inside_its_folder_works_up_to_the_file_limit() -> None:
    code = "def f(x):\n    open('small.txt', 'w').write('ok')\n    open('big.bin', 'wb').write(b'0' * 2 * 2**20)\n"
    outcome = run(code).outcomes[0]
    assert outcome.status is TestStatus.ERROR and "File too large" in outcome.message


def test_escape_sequences_come_back_as_data() -> None:
    outcome = run("def f(x):\n    print('\\x1b[2J\\x1b]0;owned\\x07')\n    return x\n").outcomes[0]
    assert "\x1b[2J" in outcome.output  # kept as data; the terminal writes it out (test_code_output)


def test_sys_exit_is_a_verdict_not_the_end() -> None:
    result = run("import sys\n\ndef f(x):\n    sys.exit(3)\n")
    assert result.outcomes[0].status is TestStatus.ERROR
    assert "sys.exit(3)" in result.outcomes[0].message
    assert result.outcomes[1].status is TestStatus.ERROR  # the run went on


def test_os_exit_crashes_one_test_and_the_next_still_runs() -> None:
    code = "import os\n\ndef f(x):\n    if x == 1:\n        os._exit(0)\n    return x + 1\n"
    result = run(code)
    assert result.outcomes[0].status is TestStatus.CRASHED
    assert "ended the process" in result.outcomes[0].message
    assert result.outcomes[1].passed


def test_reading_stdin_finds_nothing() -> None:
    outcome = run("def f(x):\n    return int(input())\n").outcomes[0]
    assert outcome.status is TestStatus.ERROR
    assert "EOFError" in outcome.message and "no input" in outcome.message


def test_imports_beyond_the_allowed_ones_are_refused() -> None:
    outcome = run("def f(x):\n    import requests\n    return x + 1\n").outcomes[0]
    assert outcome.status is TestStatus.ERROR and "allowed here" in outcome.message


def test_a_run_out_of_time_marks_what_did_not_run() -> None:
    limits = RunLimits(test_seconds=1.0, run_seconds=1.5, memory_mb=512, file_mb=1, processes=32)
    question = spec(*({"call": f"f({i})", "expected": f"{i}"} for i in range(4)))
    result = CodeRunner(limits).run(question, "import time\n\ndef f(x):\n    time.sleep(0.9)\n    return x\n")
    statuses = [o.status for o in result.outcomes]
    assert statuses[0] is TestStatus.PASSED and TestStatus.NOT_RUN in statuses


@pytest.mark.parametrize("code", ["", "   \n"])
def test_blank_code_runs_nothing(code: str) -> None:
    from mockprep.core.grading import LexicalGrader
    from mockprep.services.code_grader import CodeGrader

    assessment = CodeGrader(LexicalGrader(), CodeRunner(LIMITS)).assess(spec(), code)
    assert assessment.code is not None and assessment.code.passed == 0 and assessment.suggested == 1
