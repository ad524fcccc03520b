"""Running code against a code question's tests: a separate Python process per run, in a temporary
folder, with an isolated interpreter (``-I``), limits on CPU time, memory, file size and processes,
and a clock on every test (see :mod:`mockprep.services.code_sandbox`, the child's side).

A test that runs past its time is stopped inside the child; one that cannot be stopped there (a
long C call, an ``except BaseException`` loop) or that ends the process (``os._exit``, a signal, the
CPU limit) costs only itself: the process is killed if need be and a new one goes on from the next
test. Nothing the code prints reaches the terminal unfiltered: it comes back as data.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mockprep.core.code_format import allowed_imports
from mockprep.services.code_collect import Collect

if TYPE_CHECKING:
    from collections.abc import Callable

    from mockprep.core.code_results import CodeRun
    from mockprep.core.questions import QuestionSpec
    from mockprep.core.settings import Settings

CHILD = Path(__file__).with_name("code_sandbox.py")
POLL_SECONDS = 0.01
GRACE_SECONDS = 2.0  # beyond a test's time before the process itself is killed
START_SECONDS = 10.0  # the interpreter's own start-up, beside the tests' time
RUN_PREFIX = "mockprep-run-"
OWNER, CHILD_PID = "owner.pid", "child.pid"  # in a run folder: whose it is, to sweep it once both are gone


@dataclass(frozen=True)
class RunLimits:
    test_seconds: float = 5.0
    run_seconds: float = 60.0
    memory_mb: int = 1024
    file_mb: int = 16
    processes: int = 64

    @classmethod
    def from_settings(cls, settings: Settings) -> RunLimits:
        return cls(
            settings.code_test_seconds,
            settings.code_run_seconds,
            settings.code_memory_mb,
            settings.code_file_mb,
            settings.code_processes,
        )


class RunnerUnavailable(Exception):
    """Code cannot be run on this system at all (the message says why)."""


class CodeRunner:
    """Runs code against the tests of a question (:meth:`run`), or several programs at once
    (:meth:`run_programs`, as ``bank validate`` does with the reference and the wrong solutions)."""

    def __init__(self, limits: RunLimits = RunLimits(), python: str | None = None):
        self.limits = limits
        self.python = python or sys.executable
        self._installed: dict[str, bool] = {}
        # told, while code runs, the index of the test it is on (None: its interpreter is starting)
        self.watch: Callable[[int | None], None] | None = None

    def missing(self, spec: QuestionSpec) -> list[str]:
        """The question's requirements that are not installed for the interpreter that runs it."""
        return [name for name in spec.requires or () if not self._is_installed(name)]

    def _is_installed(self, name: str) -> bool:
        if name not in self._installed:
            if self.python == sys.executable:
                self._installed[name] = importlib.util.find_spec(name) is not None
            else:
                probe = [
                    self.python,
                    "-I",
                    "-c",
                    f"import importlib.util as u; exit(u.find_spec({name!r}) is None)",
                ]
                self._installed[name] = (
                    subprocess.run(probe, capture_output=True, check=False).returncode == 0
                )
        return self._installed[name]

    def run(self, spec: QuestionSpec, code: str) -> CodeRun:
        return self.run_programs(spec, [code])[0]

    def run_programs(
        self,
        spec: QuestionSpec,
        programs: list[str],
        *,
        within: float | None = None,
        first_must_pass: bool = False,
    ) -> list[CodeRun]:
        """Each program against every test, in order; one process until something ends it. ``within``:
        the seconds the whole run may take at most (beside the limits); ``first_must_pass``: the later
        programs run only if the first passes every test (their tests are "not reached" otherwise)."""
        if not programs:
            return []
        started = time.monotonic()
        deadline = started + self.limits.run_seconds * len(programs)
        if within is not None:
            deadline = min(deadline, started + within)
        collect = Collect(spec, programs, self.limits)
        position: tuple[int, int] | None = (0, 0)
        while position is not None:
            if time.monotonic() >= deadline:
                collect.out_of_time(position)
                break
            sent = programs
            if first_must_pass and collect.failed(0):
                if position[0] > 0:
                    break
                sent = programs[:1]  # (a new process within the first program, after a test it failed)
            hung = collect.timed_out(*position)
            events, ended = self._process(spec, sent, position, deadline, hung, first_must_pass)
            position = collect.absorb(events, ended, position)
        return collect.runs(time.monotonic() - started)

    def _process(
        self,
        spec: QuestionSpec,
        programs: list[str],
        start: tuple[int, int],
        deadline: float,
        hung: int = 0,
        first_must_pass: bool = False,
    ) -> tuple[list[dict[str, Any]], str]:
        """One child process from ``start`` (program, test): its events and how it ended."""
        _sweep_stale_folders()
        folder = Path(tempfile.mkdtemp(prefix=RUN_PREFIX))
        try:
            (folder / OWNER).write_text(str(os.getpid()), "utf-8")
            work = folder / "work"
            work.mkdir()
            results = folder / "results.jsonl"
            results.touch()
            payload = self._payload(spec, programs, start, work, deadline)
            payload["jobs"][0]["hung"] = hung  # the test before the start ran out of time (1) or not
            payload["jobs"][0]["first_must_pass"] = first_must_pass  # the child stops once it fails
            return self._watch(json.dumps(payload).encode("utf-8"), folder, deadline)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def _payload(
        self, spec: QuestionSpec, programs: list[str], start: tuple[int, int], work: Path, deadline: float
    ) -> dict[str, Any]:
        tests = [
            {
                "call": t.call,
                "expected": t.expected,
                "tolerance": t.tolerance,
                "code": t.code,
                "hidden": t.hidden,
            }
            for t in spec.tests or ()
        ]
        limits = {
            "test_seconds": self.limits.test_seconds,
            "cpu_seconds": max(1.0, deadline - time.monotonic()) + 1,
            "memory_bytes": self.limits.memory_mb * 2**20,
            "file_bytes": self.limits.file_mb * 2**20,
            "processes": _process_limit(self.limits.processes),
            # a child whose parent is gone ends itself then, sleeping or not (see _sweep_stale_folders)
            "wall_seconds": max(1.0, deadline - time.monotonic()) + START_SECONDS + GRACE_SECONDS,
        }
        job = {"setup": spec.setup, "tests": tests, "programs": programs, "start": list(start)}
        return {
            "limits": limits,
            "imports": list(allowed_imports(spec)),
            "root": str(work),
            "parent": os.getpid(),
            "jobs": [job],
        }

    def _watch(self, job: bytes, folder: Path, deadline: float) -> tuple[list[dict[str, Any]], str]:
        work = folder / "work"
        env = {
            "PATH": os.defpath,
            "HOME": str(work),
            "TMPDIR": str(work),
            **{name: "1" for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")},
        }
        argv = [self.python, "-I", "-B", "-X", "utf8", str(CHILD), str(folder / "results.jsonl")]
        with (folder / "stderr").open("w+b") as stderr:
            try:
                process = subprocess.Popen(
                    argv,
                    cwd=work,
                    env=env,
                    stdin=subprocess.PIPE,  # the job: no file the code could read the hidden tests from
                    stdout=stderr,  # one file: what the code writes to either is read back per test
                    stderr=stderr,
                    start_new_session=True,  # its own process group: killed whole; Ctrl-C stays ours
                )
            except OSError as exc:
                raise RunnerUnavailable(f"cannot start {self.python}: {exc.strerror}") from None
            (folder / CHILD_PID).write_text(str(process.pid), "utf-8")
            _send(process, job)
            events, ended = self._wait(process, folder / "results.jsonl", deadline)
            stderr.seek(0)
            tail = stderr.read()[-2000:].decode("utf-8", "replace")
        return events, ended or _how_it_ended(process.returncode, tail)

    def _wait(
        self, process: subprocess.Popen[bytes], results: Path, deadline: float
    ) -> tuple[list[dict[str, Any]], str]:
        """Follow the child's events until it ends, a step overruns its time, or the run's time is up."""
        reader = _Events(results)
        step_began = time.monotonic()  # when the current step (a load or a test) began
        ended = ""
        try:
            while True:
                try:
                    process.wait(POLL_SECONDS)
                    break
                except subprocess.TimeoutExpired:
                    pass
                if reader.read():
                    step_began = time.monotonic()
                if self.watch is not None:
                    self.watch(reader.test)
                now = time.monotonic()
                allowed = self.limits.test_seconds + GRACE_SECONDS + (START_SECONDS if reader.fresh else 0)
                if now - step_began > allowed:
                    ended = "test time"
                    break
                if now > deadline:
                    ended = "run time"
                    break
        finally:
            _kill(process)
            reader.read()
            reader.close()
        return reader.events, ended


def _send(process: subprocess.Popen[bytes], job: bytes) -> None:
    """The job on the child's standard input (a child that died at once no longer reads it)."""
    assert process.stdin is not None
    try:
        process.stdin.write(job)
        process.stdin.close()
    except (BrokenPipeError, OSError):
        pass


def _sweep_stale_folders() -> None:
    """Remove the run folders of mockprep processes that were killed outright (no ``finally`` ran),
    once neither that process nor its child is alive."""
    for folder in Path(tempfile.gettempdir()).glob(RUN_PREFIX + "*"):
        try:
            pids = [
                int((folder / name).read_text("utf-8"))
                for name in (OWNER, CHILD_PID)
                if (folder / name).exists()
            ]
            if not pids or folder.stat().st_uid != os.getuid() or any(map(_running, pids)):
                continue
        except (OSError, ValueError):
            continue
        shutil.rmtree(folder, ignore_errors=True)


def _running(pid: int) -> bool:
    """Whether a process runs (a zombie no longer does: nobody may be left to reap an orphan)."""
    from mockprep.liveness import process_alive

    if not process_alive(pid):
        return False
    try:
        return Path(f"/proc/{pid}/stat").read_text("utf-8").rpartition(")")[2].split()[0] != "Z"
    except (OSError, IndexError):
        return True  # no /proc: alive as far as we can tell


def _kill(process: subprocess.Popen[bytes]) -> None:
    """End the child's whole process group (anything it managed to start included), and reap it."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, AttributeError):
        process.kill()
    process.wait()


def _how_it_ended(code: int | None, stderr: str) -> str:
    if code is None or code == 0:
        return "exit 0"
    if code < 0:
        return f"signal {-code}"
    return f"exit {code}" + (f": {stderr.strip().splitlines()[-1]}" if stderr.strip() else "")


def _process_limit(extra: int) -> int | None:
    """RLIMIT_NPROC for the child: the person's tasks now plus ``extra`` (it counts every process and
    thread of the user). None where it cannot be counted, or means nothing (root ignores it)."""
    if not sys.platform.startswith("linux") or os.geteuid() == 0:
        return None
    uid, count = os.getuid(), 0
    try:
        for entry in os.scandir("/proc"):
            if entry.name.isdigit():
                try:
                    if entry.stat().st_uid == uid:
                        count += len(os.listdir(f"/proc/{entry.name}/task"))
                except OSError:
                    continue
    except OSError:
        return None
    return count + extra


class _Events:
    """The child's JSON lines, read as they are written (a partial last line waits)."""

    def __init__(self, path: Path):
        self.handle = path.open("rb")
        self.buffer = b""
        self.events: list[dict[str, Any]] = []
        self.fresh = True  # nothing read yet: the interpreter is still starting
        self.test: int | None = None  # the test the child is on (its last "start")

    def read(self) -> bool:
        """Read what is new; True when a step (a load or a test) began or ended."""
        self.buffer += self.handle.read()
        *lines, self.buffer = self.buffer.split(b"\n")
        for line in lines:
            try:
                self.events.append(json.loads(line))
            except ValueError:
                continue  # the code wrote into the results file: ignore what is not ours
            if isinstance(self.events[-1], dict) and self.events[-1].get("event") == "start":
                self.test = self.events[-1].get("test")
        if lines:
            self.fresh = False
        return bool(lines)

    def close(self) -> None:
        self.handle.close()
