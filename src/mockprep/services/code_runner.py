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
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mockprep.core.code_format import allowed_imports, called_names
from mockprep.core.code_results import CodeRun, TestOutcome, TestStatus

if TYPE_CHECKING:
    from collections.abc import Callable

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

    def run_programs(self, spec: QuestionSpec, programs: list[str]) -> list[CodeRun]:
        """Each program against every test, in order; one process until something ends it."""
        if not programs:
            return []
        started = time.monotonic()
        deadline = started + self.limits.run_seconds * len(programs)
        collect = _Collect(spec, programs, self.limits)
        position: tuple[int, int] | None = (0, 0)
        while position is not None:
            if time.monotonic() >= deadline:
                collect.out_of_time(position)
                break
            events, ended = self._process(spec, programs, position, deadline, collect.timed_out(*position))
            position = collect.absorb(events, ended, position)
        return collect.runs(time.monotonic() - started)

    def _process(
        self, spec: QuestionSpec, programs: list[str], start: tuple[int, int], deadline: float, hung: int = 0
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


_ENDINGS = {
    "test time": (
        TestStatus.TIMEOUT,
        "still running after {seconds:g} s and could not be stopped: the process was ended",
    ),
    "run time": (TestStatus.NOT_RUN, "the run's {run:g} s were up"),
}


@dataclass
class _Program:
    outcomes: dict[int, TestOutcome] = field(default_factory=dict)
    problem: str | None = None
    traceback: str | None = None
    output: str = ""


class _Collect:
    """Events of one or more child processes -> a :class:`CodeRun` per program."""

    def __init__(self, spec: QuestionSpec, programs: list[str], limits: RunLimits):
        self.tests = list(spec.tests or ())
        self.sources = programs
        self.programs = [_Program() for _ in programs]
        self.limits = limits

    def absorb(
        self, events: list[dict[str, Any]], ended: str, start: tuple[int, int]
    ) -> tuple[int, int] | None:
        """Take one process's events; where the next process should start (None: all done)."""
        program, test = start[0], None  # test None: loading the program
        loading = True
        for event in events:
            kind = event.get("event")
            if kind == "done":
                return None
            if kind == "load":
                program, test, loading = event["program"], None, True
            elif kind == "loaded":
                loading = False
                state = self.programs[program]
                state.output = event.get("output", "")
                if not event["ok"]:
                    state.problem = event.get("message") or "the code did not load"
                    state.traceback = event.get("traceback")
            elif kind == "start":
                test = event["test"]
            elif kind == "result":
                outcome = self._outcome(event)
                self.programs[program].outcomes[event["test"]] = outcome
                test = None
                previous = self.programs[program].outcomes.get(outcome.index - 1)
                if (
                    outcome.status is TestStatus.TIMEOUT
                    and previous
                    and previous.status is TestStatus.TIMEOUT
                ):
                    self._skip_rest(program, outcome)  # the child stops a program that hangs twice in a row
        status, message = self._ending(ended)
        if loading:  # the process ended while the code loaded
            self.programs[program].problem = f"loading the code: {message}"
            return self._after(program, len(self.tests))
        if test is not None:
            outcome = self._made(test, status, message)
            self.programs[program].outcomes[test] = outcome
            if status is TestStatus.TIMEOUT and self.timed_out(program, test):
                return self._skip_rest(program, outcome)  # two in a row: the code hangs on anything
            return self._after(program, test + 1)
        done = self.programs[program].outcomes
        return self._after(program, max(done, default=-1) + 1)

    def timed_out(self, program: int, test: int) -> int:
        """1 when the test before ``test`` ran out of time, else 0 (a child starting at ``test``
        counts it: two in a row end the program's tests)."""
        before = self.programs[program].outcomes.get(test - 1) if program < len(self.programs) else None
        return int(before is not None and before.status is TestStatus.TIMEOUT)

    def _skip_rest(self, program: int, timed_out: TestOutcome) -> tuple[int, int] | None:
        """After two tests in a row ran out of time the program's later tests are not run (they would wait
        too); after one, the next test runs (the code may hang on that one input only)."""
        for index in range(timed_out.index + 1, len(self.tests)):
            message = f"not run: {timed_out.name!r} ran out of time first"
            self.programs[program].outcomes.setdefault(index, self._made(index, TestStatus.NOT_RUN, message))
        return self._after(program, len(self.tests))

    def _after(self, program: int, test: int) -> tuple[int, int] | None:
        if test >= len(self.tests) or self.programs[program].problem is not None:
            program, test = program + 1, 0
        return (program, test) if program < len(self.programs) else None

    def _ending(self, ended: str) -> tuple[TestStatus, str]:
        if ended in _ENDINGS:
            status, text = _ENDINGS[ended]
            return status, text.format(seconds=self.limits.test_seconds, run=self.limits.run_seconds)
        if ended.startswith("signal "):
            number = int(ended.split()[1])
            if number == getattr(signal, "SIGXCPU", -1):
                return TestStatus.TIMEOUT, "the process used up its CPU time and was ended"
            name = signal.Signals(number).name if number in signal.Signals._value2member_map_ else ended
            if number == signal.SIGKILL:
                return TestStatus.CRASHED, "the process was killed (SIGKILL; out of memory?)"
            return TestStatus.CRASHED, f"the process was ended by {name}"
        status = ended.removeprefix("exit ")
        if "memory" in status.lower():  # (OpenBLAS gives up so when it finds the address space full)
            limit = (
                f"the code may use at most {self.limits.memory_mb} MB: the code_memory_mb setting raises it"
            )
            return TestStatus.CRASHED, f"the code ended the process (exit status {status}; {limit})"
        return TestStatus.CRASHED, f"the code ended the process (exit status {status}; os._exit?)"

    def out_of_time(self, position: tuple[int, int]) -> None:
        for number in range(position[0], len(self.programs)):
            for index in range(len(self.tests)):
                self.programs[number].outcomes.setdefault(
                    index,
                    self._made(
                        index, TestStatus.NOT_RUN, _ENDINGS["run time"][1].format(run=self.limits.run_seconds)
                    ),
                )

    def _made(self, index: int, status: TestStatus, message: str) -> TestOutcome:
        test = self.tests[index]
        return TestOutcome(index, test.label(index), test.hidden, status, message)

    def _outcome(self, event: dict[str, Any]) -> TestOutcome:
        index = event["test"]
        test = self.tests[index]
        return TestOutcome(
            index,
            test.label(index),
            test.hidden,
            TestStatus(event["status"]),
            event.get("message") or "",
            None if test.hidden else (event.get("source") or test.call),
            event.get("expected"),
            event.get("actual"),
            event.get("traceback"),
            event.get("output") or "",
            float(event.get("seconds") or 0.0),
            self._calls(event),
        )

    def _calls(self, event: dict[str, Any]) -> tuple[str, ...]:
        """A hidden test that did not pass: the person's functions it calls (its source is not shown)."""
        test = self.tests[event["test"]]
        if not test.hidden or event["status"] == TestStatus.PASSED.value:
            return ()
        line = event.get("line") if isinstance(event.get("line"), int) else None
        return called_names(test.code or test.call or "", self.sources[event["program"]], line)

    def runs(self, seconds: float) -> list[CodeRun]:
        out = []
        for state in self.programs:
            outcomes = []
            for index in range(len(self.tests)):
                outcome = state.outcomes.get(index)
                if outcome is None:
                    why = "the code did not load" if state.problem else "not reached"
                    outcome = self._made(index, TestStatus.NOT_RUN, why)
                outcomes.append(outcome)
            out.append(CodeRun(tuple(outcomes), state.problem, state.traceback, state.output, seconds))
        return out
