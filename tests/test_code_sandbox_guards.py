"""The sandbox's guards against what an exploratory tester got through: writes outside the run's
folder by SQLite, hard links and dir_fd; the harness's names and the hidden tests; signals by pidfd
and ctypes; a torch question's own imports; a child or a folder left when mockprep is killed."""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

from mockprep.core.code_results import TestStatus
from mockprep.services import code_runner
from mockprep.services.code_runner import CodeRunner, RunLimits
from tests.test_code_runner import LIMITS, run, spec


def body(code: str) -> str:
    """``code`` as the body of ``f(x)``, which returns x + 1 after it."""
    return "def f(x):\n" + textwrap.indent(textwrap.dedent(code).strip("\n"), "    ") + "\n    return x + 1\n"


@pytest.mark.parametrize(
    "statement",
    [
        "c.execute(f\"ATTACH DATABASE '{target}' AS m\"); c.execute('CREATE TABLE m.pwned (x)'); c.commit()",
        "c.execute(f\"VACUUM INTO '{target}'\")",
    ],
    ids=["attach", "vacuum-into"],
)
def test_sqlite_cannot_open_a_file_outside_by_sql(tmp_path: Path, statement: str) -> None:
    """ATTACH and VACUUM INTO open a file inside SQLite, after sqlite3.connect was checked (in the
    run's folder they still work)."""
    target = tmp_path / "outside.db"
    code = f"import sqlite3\ntarget = {str(target)!r}\n" + body(
        "c = sqlite3.connect(':memory:')\nc.execute(\"ATTACH DATABASE 'here.db' AS h\")\n"
        f"c.execute('CREATE TABLE h.t (x)')\nc.execute(\"VACUUM INTO 'copy.db'\")\n{statement}"
    )
    outcome = run(code).outcomes[0]
    assert outcome.status is TestStatus.ERROR and "sqlite3.DatabaseError" in outcome.message
    lines = [line for line in (outcome.traceback or "").splitlines() if line.strip(" ^")]
    assert "{target}" in lines[-2]  # the lines before, in the run's folder, went through
    assert not target.exists()


NAME_IN_SQL = "not authorized: write the file name in the SQL"


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        ("c = sqlite3.connect(':memory:')\nc.execute('ATTACH DATABASE ? AS m', (target,))", NAME_IN_SQL),
        (
            "c = sqlite3.connect(':memory:')\nc.cursor().execute(\"ATTACH DATABASE ? || '' AS m\", (target,))",
            NAME_IN_SQL,
        ),
        (
            "c = sqlite3.connect(':memory:')\n"
            'c.execute("ATTACH DATABASE " + repr(folder) + " || \'/outside.db\' AS m")',
            NAME_IN_SQL,
        ),
        (
            "c = sqlite3.Connection(':memory:')\nc.execute(f\"ATTACH DATABASE '{target}' AS m\")",
            "not authorized",
        ),
    ],
    ids=["parameter", "cursor", "expression", "connection-class"],
)
def test_sqlite_cannot_attach_a_file_outside_by_a_name_it_cannot_see(
    tmp_path: Path, statement: str, message: str
) -> None:
    """SQLite tells the authorizer no file name (None) when ATTACH's is not written out; a Connection
    built directly had no authorizer at all."""
    target = tmp_path / "outside.db"
    code = f"import sqlite3\nfolder, target = {str(tmp_path)!r}, {str(target)!r}\n" + body(
        f"{statement}\nc.execute('CREATE TABLE m.pwned (x)')\nc.commit()"
    )
    outcome = run(code).outcomes[0]
    assert outcome.status is TestStatus.ERROR and message in outcome.message
    assert not target.exists()


def test_sqlite_connections_in_the_folder_still_work() -> None:
    code = "import sqlite3\n" + body(
        "c = sqlite3.Connection('a.db')\nc.execute(\"ATTACH DATABASE 'b.db' AS b\")\nc.execute('CREATE TABLE b.t (x)')\n"
        "d = sqlite3.connect('c.db')\nassert isinstance(d, sqlite3.Connection) and isinstance(c, sqlite3.Connection)\n"
        "class Mine(sqlite3.Connection):\n    pass\n"
        "assert type(sqlite3.connect(':memory:', factory=Mine)) is Mine\n"
        "assert isinstance(d.execute('SELECT 1'), sqlite3.Cursor) and isinstance(d.cursor(), sqlite3.Cursor)\n"
        "d.executescript('CREATE TABLE t (x);')\nd.cursor().executemany('INSERT INTO t VALUES (?)', [(1,), (2,)])"
    )
    assert run(code).outcomes[0].passed


@pytest.mark.parametrize("change", ["os.chmod(fd, 0o600)", "os.utime(fd, (0, 0))"])
def test_a_read_only_descriptor_cannot_change_a_file_outside(tmp_path: Path, change: str) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("mine", encoding="utf-8")
    victim.chmod(0o644)
    before = victim.stat()
    code = "import os\n" + body(f"fd = os.open({str(victim)!r}, os.O_RDONLY)\n{change}")
    outcome = run(code).outcomes[0]
    assert outcome.status is TestStatus.ERROR and "outside the run's folder" in outcome.message
    after = victim.stat()
    assert (after.st_mode, after.st_mtime_ns) == (before.st_mode, before.st_mtime_ns)


def test_descriptors_inside_and_pipes_can_still_be_changed() -> None:
    code = "import os\n" + body(
        "open('f', 'w').close()\nfd = os.open('f', os.O_RDONLY)\nos.chmod(fd, 0o600)\nos.utime(fd, (0, 0))\n"
        "assert os.stat('f').st_mtime == 0\nr, w = os.pipe()\nos.chmod(r, 0o600)"
    )
    assert run(code).outcomes[0].passed
    # an in-memory file is no file outside (its link name "/memfd:buf" looked like one; found by a review)
    memory = "import os\n" + body(
        "m = os.memfd_create('buf')\nos.ftruncate(m, 4096)\nassert os.fstat(m).st_size == 4096"
    )
    assert run(memory).outcomes[0].passed


def test_a_hard_link_to_a_file_outside_is_refused(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("mine", encoding="utf-8")
    code = "import os\n" + body(f"os.link({str(victim)!r}, 'h')\nopen('h', 'w').write('overwritten')")
    outcome = run(code).outcomes[0]
    assert outcome.status is TestStatus.ERROR and "outside the run's folder" in outcome.message
    assert victim.read_text(encoding="utf-8") == "mine"


@pytest.mark.parametrize(
    "statement",
    [
        "os.open('f', os.O_WRONLY | os.O_CREAT, dir_fd=d)",
        "open('g', 'w').close()\nos.rename('g', 'f', dst_dir_fd=d)",
    ],
    ids=["open", "rename"],
)
def test_a_directory_descriptor_outside_is_refused(tmp_path: Path, statement: str) -> None:
    code = "import os\n" + body(f"d = os.open({str(tmp_path)!r}, os.O_RDONLY)\n{statement}")
    outcome = run(code).outcomes[0]
    assert outcome.status is TestStatus.ERROR and "outside the run's folder" in outcome.message
    assert not (tmp_path / "f").exists()


def test_a_directory_descriptor_inside_works() -> None:
    code = "import os\n" + body(
        "os.mkdir('sub')\nd = os.open('sub', os.O_RDONLY)\nos.close(os.open('f', os.O_WRONLY | os.O_CREAT, dir_fd=d))\n"
        "os.rename('f', 'g', src_dir_fd=d, dst_dir_fd=d)\nassert os.listdir('sub') == ['g']"
    )
    assert run(code).outcomes[0].passed


def test_the_harness_cannot_be_patched_through_main() -> None:
    """A file with no solution patched the comparison and the failure report through __main__ and
    got every test passed."""
    code = (
        "import sys\nm = sys.modules['__main__']\nm.difference = lambda *a, **k: None\n"
        "m.Runner.failure = lambda self, e, t, n: {'status': 'passed'}\n"
    )
    result = run(code)
    assert result.passed == 0


def test_the_job_is_no_file_the_code_can_read() -> None:
    """The hidden tests (and their expected values) came from ``json.load(open(sys.argv[1]))``."""
    question = spec(
        {"call": "f(1)", "expected": "2"}, {"code": "assert f(41) == 42  # hidden-7f3a", "hidden": True}
    )
    code = (
        "import os, sys\nfound = []\n"
        "for name in [*sys.argv[1:], *(os.path.join('..', n) for n in os.listdir('..'))]:\n"
        "    try:\n        found.append('hidden-7f3a' in open(name, errors='replace').read())\n"
        "    except OSError:\n        pass\n"
        "def f(x):\n    assert not any(found)\n    return x + 1\n"
    )
    assert run(code, question).all_passed


def test_signals_by_pidfd_are_refused() -> None:
    code = "import os, signal\n" + body("signal.pidfd_send_signal(os.pidfd_open(os.getppid()), 0)")
    outcome = run(code).outcomes[0]
    assert outcome.status is TestStatus.ERROR and "signalling other processes" in outcome.message


@pytest.mark.skipif(not hasattr(signal, "pidfd_send_signal"), reason="no pidfds here")
def test_signals_by_a_proc_descriptor_are_refused(tmp_path: Path) -> None:
    """``os.open('/proc/<pid>')`` is a pidfd too: it killed another process without pidfd_open."""
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        code = "import os, signal\n" + body(
            f"fd = os.open('/proc/{other.pid}', os.O_RDONLY)\nsignal.pidfd_send_signal(fd, signal.SIGTERM)"
        )
        outcome = run(code).outcomes[0]
        assert outcome.status is TestStatus.ERROR and "signalling other processes" in outcome.message
        assert other.poll() is None
    finally:
        other.kill()
        other.wait()


def test_a_pidfd_of_the_run_itself_still_signals_it() -> None:
    code = "import os, signal\n" + body("signal.pidfd_send_signal(os.pidfd_open(os.getpid()), 0)")
    assert run(code).outcomes[0].passed


@pytest.mark.parametrize(
    "call",
    [
        "os.open.__wrapped__('f', os.O_WRONLY | os.O_CREAT, dir_fd=d)",
        "os.pidfd_open.__wrapped__(os.getppid())",
        "sqlite3.connect.__wrapped__(':memory:')",
    ],
    ids=["open", "pidfd", "sqlite"],
)
def test_the_unchecked_functions_are_not_left_on_the_wrappers(tmp_path: Path, call: str) -> None:
    """functools.wraps keeps the original as ``__wrapped__``: ``os.open.__wrapped__`` wrote outside."""
    code = "import os, signal, sqlite3\n" + body(f"d = os.open({str(tmp_path)!r}, os.O_RDONLY)\n{call}")
    outcome = run(code).outcomes[0]
    assert outcome.status is TestStatus.ERROR and "no attribute '__wrapped__'" in outcome.message
    assert not (tmp_path / "f").exists()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")
def test_the_code_sees_no_thread_of_the_sandbox() -> None:
    """The wall-clock thread was the code's to see (``threading.active_count() == 1`` failed) and to
    join (forever)."""
    code = "import threading\n" + body("assert threading.active_count() == 1, threading.enumerate()")
    assert run(code).outcomes[0].passed


def test_ctypes_is_refused_to_the_code() -> None:
    outcome = run("import ctypes\n" + body("ctypes.CDLL(None).getpid()")).outcomes[0]
    assert outcome.status is TestStatus.ERROR and "ctypes is not allowed" in outcome.message


def test_a_multi_line_failure_message_keeps_its_lines() -> None:
    """A numpy array's second row (where the nan was) was cut off the message."""
    question = spec({"code": "assert False, 'row one\\nrow two with nan'", "hidden": True})
    outcome = run("def f(x):\n    return x\n", question).outcomes[0]
    assert outcome.message.splitlines() == ["row one row two with nan"]


def test_cut_output_says_how_much_was_printed() -> None:
    outcome = run("def f(x):\n    print('\\n'.join(['ab'] * 100_000))\n    return x + 1\n").outcomes[0]
    first = outcome.output.splitlines()[0]
    assert "100,000 lines" in first and "300,000 characters" in first and "first 4,000" in first


torch_missing = importlib.util.find_spec("torch") is None

TORCH_BANK = '''id = "tensors"
title = "Tensors"
round = "technical"
topic = "coding"

[[questions]]
id = "add-one"
kind = "code"
difficulty = 1
requires = ["torch"]
prompt = "Implement add_one(t) for a tensor."
answer = "Return t + 1."
key_points = ["add one", "return the sum"]
solution = """
import torch

def add_one(t):
    return t + 1
"""
wrong_solutions = ["""
import torch

def add_one(t):
    return t
"""]

[[questions.tests]]
call = "add_one(torch.tensor([1.0, 2.0])).tolist()"
expected = "[2.0, 3.0]"
'''


@pytest.mark.skipif(torch_missing, reason="torch is not installed")
def test_a_question_that_requires_torch_runs(cli, tmp_path: Path) -> None:
    """torch imports typing_extensions, sympy... for itself: the guard refused them, so no torch
    question could run, in `bank validate` or `grade`."""
    bank = tmp_path / "tensors.toml"
    bank.write_text(TORCH_BANK, encoding="utf-8")
    result = cli("bank", "validate", str(bank))
    assert result.exit_code == 0, result.stderr
    answer = tmp_path / "answer.py"
    answer.write_text("import torch\n\ndef add_one(t):\n    return t + 1\n", encoding="utf-8")
    assert cli("bank", "add", str(bank)).exit_code == 0
    graded = cli("grade", "tensors/add-one", "--file", str(answer))
    assert graded.exit_code == 0 and "1/1 tests passed" in graded.stdout, graded.stderr


@pytest.mark.skipif(torch_missing, reason="torch is not installed")
def test_torch_does_not_open_other_imports_to_the_code() -> None:
    question = spec({"call": "f(1)", "expected": "2"})
    question = type(question)(**{**question.__dict__, "requires": ("torch",)})
    code = "import torch\n\ndef f(x):\n    import requests\n"
    outcome = CodeRunner(RunLimits()).run(question, code).outcomes[0]  # torch needs its 1 GB
    assert outcome.status is TestStatus.ERROR and "No module named 'requests' allowed here" in outcome.message


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")
def test_a_child_dies_with_mockprep_and_its_folder_is_swept(tmp_path: Path, monkeypatch) -> None:
    """`kill -9` of mockprep left an answer that ignores signals sleeping under PID 1, and its
    /tmp/mockprep-run-* folder behind. The answer outlives its test's timer (it catches what the
    timer raises), so only the parent-death signal can end it."""
    script = (
        "import sys\nfrom tests.test_code_runner import run\n"
        "run('import signal, time\\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\\n"
        "def f(x):\\n    while True:\\n        try:\\n            time.sleep(600)\\n"
        "        except BaseException:\\n            pass\\n')\n"
    )
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    parent = subprocess.Popen([sys.executable, "-c", script], env=env, cwd=Path(__file__).parents[1])
    try:
        deadline = time.monotonic() + 30
        while not list(tmp_path.glob("mockprep-run-*/child.pid")) and time.monotonic() < deadline:
            time.sleep(0.05)
        (pid_file,) = tmp_path.glob("mockprep-run-*/child.pid")
        time.sleep(1.0)  # the child is past its start-up, sleeping in the test
        child = int(pid_file.read_text())
        assert _running(child)
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.wait()
    deadline = time.monotonic() + 10
    while _running(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    if _running(child):  # (not left behind when the test fails)
        os.kill(child, signal.SIGKILL)
        pytest.fail("the child outlived mockprep")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    live = tmp_path / "mockprep-run-live"  # another mockprep's run, going on
    live.mkdir()
    (live / code_runner.OWNER).write_text(str(os.getpid()))
    assert CodeRunner(LIMITS).run(spec(), "def f(x):\n    return x + 1\n").all_passed  # sweeps first
    assert [p.name for p in tmp_path.glob("mockprep-run-*")] == ["mockprep-run-live"]
