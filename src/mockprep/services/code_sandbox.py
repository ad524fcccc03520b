"""The child process that runs code against a code question's tests.

mockprep starts it as a script (``python -I -B -X utf8 code_sandbox.py RESULTS``, the job on standard
input) in a temporary folder; it imports nothing from mockprep but its neighbours ``code_guards.py``
and ``code_compare.py``.
Before any code runs it arranges to die with mockprep, limits itself (CPU time, memory, file size,
processes) and sets the guards of :mod:`code_guards`: writes outside its folder, new processes,
signals to other processes, ctypes, and imports beyond the standard library and the question's
allowed modules are refused to the person's code.
These guard against accidents, not malice: the code is the person's own and runs with their rights.

The job is JSON: ``{"limits": {...}, "imports": [...], "root": DIR, "parent": PID, "jobs": [{"setup",
"tests", "programs", "start"}]}``. Each program is run as a module named ``solution``; its globals,
after the job's ``setup``, are the namespace each test runs in (a fresh copy per test). RESULTS gets
one JSON line per event, flushed at once, so the parent knows which test was running if the process
ends.
"""

from __future__ import annotations

import ast
import codecs
import importlib.util
import io
import json
import linecache
import os
import signal
import sys
import time
import traceback
import types

SOLUTION = "solution.py"
OUTPUT_CHARS = 4000  # printed text kept per test
MESSAGE_LINES = 6  # of a failure's message (a numpy array's rows), folded into one line
TRACEBACK_CHARS = 3000


def _neighbour(name: str) -> types.ModuleType:
    """``NAME.py`` beside this file (``-I`` keeps this folder off ``sys.path``, as it should)."""
    where = os.path.join(os.path.dirname(os.path.abspath(__file__)), f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"_mockprep_{name}", where)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def _load_guards() -> types.ModuleType:
    return _neighbour("code_guards")


_compare = _neighbour("code_compare")  # comparing values, and showing them
short, difference = _compare.short, _compare.difference


class TestTimeout(BaseException):
    """A test ran past its time (a BaseException: `except Exception` in the code does not catch it)."""


class Mismatch(AssertionError):
    """``assert left == right`` failed: both values kept (see :func:`rewrite_asserts`)."""

    def __init__(self, left: object, right: object, *message: object):
        super().__init__(*message)
        self.left, self.right = left, right


# -- assertions that keep their values -------------------------------------------------------------


class _Asserts(ast.NodeTransformer):
    """``assert left == right, msg`` -> evaluate both sides once, raise Mismatch(left, right, msg)."""

    def visit_Assert(self, node: ast.Assert) -> ast.AST | list[ast.stmt]:
        test = node.test
        if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
            return node
        left, right = ast.Name("_mp_left", ast.Store()), ast.Name("_mp_right", ast.Store())
        load = [ast.Name("_mp_left", ast.Load()), ast.Name("_mp_right", ast.Load())]
        args = [*load, *([node.msg] if node.msg is not None else [])]
        fail = ast.Raise(ast.Call(ast.Name("_mp_Mismatch", ast.Load()), args, []), None)
        check = ast.If(ast.UnaryOp(ast.Not(), ast.Compare(load[0], [ast.Eq()], [load[1]])), [fail], [])
        out = [ast.Assign([left], test.left), ast.Assign([right], test.comparators[0]), check]
        for new in out:
            ast.copy_location(new, node)
            ast.fix_missing_locations(new)
        return out


def rewrite_asserts(source: str) -> ast.Module:
    return ast.fix_missing_locations(_Asserts().visit(ast.parse(source)))


# -- running ---------------------------------------------------------------------------------------


class Capped(io.StringIO):
    """Printed text, kept up to OUTPUT_CHARS; all of it is counted, to say how much was cut."""

    def __init__(self) -> None:
        super().__init__()
        self.chars = self.line_ends = 0
        self.ends_line = True

    def write(self, text: str) -> int:
        room = max(0, OUTPUT_CHARS - self.tell())
        if room:
            super().write(text[:room])
        if text:
            self.chars += len(text)
            self.line_ends += text.count("\n")
            self.ends_line = text.endswith("\n")
        return len(text)

    def text(self) -> str:
        """What was kept; when some was cut, a first line says how much was printed (the terminal
        shows the first lines of the output, so a note at the end would not be seen)."""
        value = self.getvalue()
        if self.chars <= OUTPUT_CHARS:
            return value
        lines = self.line_ends + (not self.ends_line)
        note = f"(printed {lines:,} lines, {self.chars:,} characters: only the first {len(value):,} are kept)"
        return f"{note}\n{value}"


def descriptor_end() -> int | None:
    """Where the file behind descriptors 1 and 2 ends: mockprep gives both one file (the process's
    standard output and error), so what the code writes there directly (``os.write(1, ...)``, C code's
    printf, ``sys.__stdout__``) is found after it. None when they are not a file that can be read."""
    for stream in (sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()  # type: ignore[union-attr]
        except (AttributeError, OSError, ValueError):
            pass
    try:
        return os.lseek(1, 0, os.SEEK_END)
    except OSError:
        return None


def written_since(start: int | None, capture: Capped) -> None:
    """What was written to descriptors 1 and 2 since ``start``, after what ``print`` wrote (all of it
    counted, the first OUTPUT_CHARS kept, as ``capture`` does)."""
    end = descriptor_end() if start is not None else None
    if start is None or end is None or end <= start:
        return
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    try:
        while start < end:
            chunk = os.pread(1, min(2**20, end - start), start)
            if not chunk:
                break
            capture.write(decoder.decode(chunk))
            start += len(chunk)
    except OSError:
        pass
    capture.write(decoder.decode(b"", final=True))


def one_line(text: str) -> str:
    """A message of several lines (a numpy array's rows) as one line, its first MESSAGE_LINES kept: the
    run shows a failure's message on one line."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if len(lines) <= 1:
        return text
    more = f" … ({len(lines) - MESSAGE_LINES} more lines)" if len(lines) > MESSAGE_LINES else ""
    return " ".join(lines[:MESSAGE_LINES]) + more


def _expire(_signum: int, _frame: object) -> None:
    raise TestTimeout


def register(filename: str, source: str) -> None:
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)


def person_traceback(exc: BaseException, keep_tests: bool) -> str:
    """The traceback through the person's code only (and the test's line when ``keep_tests``)."""
    frames = [
        f
        for f in traceback.extract_tb(exc.__traceback__)
        if f.filename == SOLUTION or (keep_tests and f.filename.startswith("<test"))
    ]
    lines = ["Traceback (most recent call last):\n", *traceback.format_list(frames)] if frames else []
    if isinstance(exc, ImportError) and short_of_memory(exc):  # (NumPy's is 20 lines of advice)
        lines.append(f"{type(exc).__name__}: {last_line(exc)}")
    else:
        lines += traceback.format_exception_only(type(exc), exc)
    text = "".join(lines).rstrip()
    return text if len(text) <= TRACEBACK_CHARS else "…" + text[-TRACEBACK_CHARS:]


MEMORY_SETTING = "the code_memory_mb setting raises it"
NO_MEMORY = ("failed to map segment", "cannot allocate memory")  # what the loader says at the limit


def short_of_memory(exc: BaseException) -> bool:
    """Whether ``exc`` or what led to it is the memory limit's doing: an extension module that could not
    be mapped into the address space left raises an ImportError that names no limit."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, MemoryError) or any(sign in str(cause).lower() for sign in NO_MEMORY):
            return True
        cause = cause.__cause__ or cause.__context__
    return False


def last_line(exc: BaseException) -> str:
    return "".join(traceback.format_exception_only(type(exc), exc)).strip().splitlines()[-1]


def thread_limit(limits: dict) -> str:
    """Which limit refused a new thread: the address space, in which each thread reserves its stack
    (and glibc an arena for its allocations), or the number of processes and threads."""
    memory = (
        f"each thread reserves memory, and the code may use at most {limits['memory_bytes'] // 2**20} MB"
        f" of address space: {MEMORY_SETTING}"
    )
    try:
        import resource
        import threading

        stack = threading.stack_size() or resource.getrlimit(resource.RLIMIT_STACK)[0]
        with open("/proc/self/status", encoding="ascii") as status:
            kb = next(int(line.split()[1]) for line in status if line.startswith("VmSize:"))
    except (ImportError, OSError, StopIteration, ValueError, IndexError):
        return memory  # (no /proc: the memory limit is by far the likelier)
    if stack <= 0:
        stack = 8 * 2**20
    if kb * 1024 + stack > limits["memory_bytes"]:
        return memory
    return "the code may run only so many processes and threads at once: the code_processes setting raises it"


def explain(exc: BaseException, limits: dict) -> str:
    """The exception in one line, with what the runner knows about it."""
    if isinstance(exc, TestTimeout):
        return f"still running after {limits['test_seconds']:g} s: stopped"
    if isinstance(exc, SystemExit):
        return f"the code called sys.exit({short(exc.code) if exc.code is not None else ''})"
    line = last_line(exc)
    if isinstance(exc, (RuntimeError, MemoryError)) and "new thread" in str(exc):
        return f"{line} ({thread_limit(limits)})"
    if isinstance(exc, ImportError) and short_of_memory(exc):
        module = f"{exc.name} " if exc.name else ""
        line = line if line.startswith(type(exc).__name__) else f"{type(exc).__name__}: {line}"
        return (
            f"{line} (a module {module}could not be loaded in the {limits['memory_bytes'] // 2**20} MB the"
            f" code may use: {MEMORY_SETTING})"
        )
    if isinstance(exc, MemoryError):
        return f"{line} (the code may use at most {limits['memory_bytes'] // 2**20} MB: {MEMORY_SETTING})"
    if isinstance(exc, EOFError):
        return f"{line}: there is no input to read; the tests call your functions"
    return line


class Runner:
    def __init__(self, payload: dict, out: io.TextIOBase):
        self.limits = payload["limits"]
        self.out = out

    def emit(self, **event: object) -> None:
        self.out.write(json.dumps(event) + "\n")
        self.out.flush()

    def timed(self, run, capture: Capped):
        """Run ``run()`` with the test timer armed and prints captured; return the exception, if any."""
        saved = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = capture
        start = descriptor_end()
        signal.setitimer(signal.ITIMER_REAL, self.limits["test_seconds"])
        try:
            run()
            return None
        except BaseException as exc:  # noqa: BLE001 - everything the code raises is a verdict
            return exc
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            sys.stdout, sys.stderr = saved
            written_since(start, capture)

    def program(self, job: int, number: int, source: str, spec: dict, first_test: int) -> bool:
        """Run one program's tests from ``first_test``; whether it loaded and passed every one of them."""
        register(SOLUTION, source)
        module = types.ModuleType("solution")  # a real module: dataclasses and pickle look it up
        module.__file__ = SOLUTION
        sys.modules["solution"] = module
        namespace = module.__dict__
        capture = Capped()
        self.emit(event="load", job=job, program=number)

        def load() -> None:
            exec(compile(source, SOLUTION, "exec", dont_inherit=True), namespace)
            if spec.get("setup"):
                register("<setup>", spec["setup"])
                exec(compile(spec["setup"], "<setup>", "exec", dont_inherit=True), namespace)

        exc = self.timed(load, capture)
        if exc is not None:
            message = explain(exc, self.limits)
            trace = None if isinstance(exc, TestTimeout) else person_traceback(exc, False)
            self.emit(
                event="loaded",
                job=job,
                program=number,
                ok=False,
                message=message,
                traceback=trace,
                output=capture.text(),
            )
            return False
        self.emit(event="loaded", job=job, program=number, ok=True, output=capture.text())
        tests, hung = spec["tests"], spec.get("hung", 0) if first_test else 0  # in a row out of time
        passed = True
        for index in range(first_test, len(tests)):
            status = self.test(job, number, index, tests[index], namespace)
            passed = passed and status == "passed"
            hung = hung + 1 if status == "timeout" else 0
            if hung == 2:
                return False  # the code loops or hangs: the later tests would only wait as long
        return passed

    def test(self, job: int, number: int, index: int, test: dict, namespace: dict) -> str:
        env = dict(namespace, _mp_Mismatch=Mismatch)
        capture = Capped()
        values: dict = {}
        name = f"<test {index + 1}>"
        self.emit(event="start", job=job, program=number, test=index)

        def run() -> None:
            if test.get("code") is not None:
                register(name, test["code"])
                exec(compile(rewrite_asserts(test["code"]), name, "exec", dont_inherit=True), env)
            else:
                register(name, test["call"])
                values["actual"] = eval(compile(test["call"], name, "eval", dont_inherit=True), env)
                expected = compile(test["expected"], "<expected>", "eval", dont_inherit=True)
                values["expected"] = eval(expected, env)

        started = time.perf_counter()
        exc = self.timed(run, capture)
        result: dict = {
            "event": "result",
            "job": job,
            "program": number,
            "test": index,
            "seconds": time.perf_counter() - started,
            "output": capture.text(),
        }
        if exc is None and "expected" in values:
            tol = test.get("tolerance")
            found = difference(values["actual"], values["expected"], 1e-6 if tol is None else tol)
            if found:
                result.update(
                    status="failed",
                    message=one_line(found),
                    expected=short(values["expected"]),
                    actual=short(values["actual"]),
                )
            else:
                result.update(status="passed")
        elif exc is None:
            result.update(status="passed")
        else:
            result.update(self.failure(exc, test, name))
        self.emit(**result)
        return result["status"]

    def failure(self, exc: BaseException, test: dict, name: str) -> dict:
        if isinstance(exc, TestTimeout):
            return {"status": "timeout", "message": explain(exc, self.limits)}
        hidden = bool(test.get("hidden"))
        out: dict = {"message": explain(exc, self.limits), "traceback": person_traceback(exc, not hidden)}
        line = next(
            (f for f in reversed(traceback.extract_tb(exc.__traceback__)) if f.filename == name), None
        )
        if line is not None:
            out["line"] = line.lineno  # the test's line it failed at (a hidden test is said to call what)
        if isinstance(exc, AssertionError) and test.get("code") is not None:
            out["status"] = "failed"
            if line is not None and line.line and not hidden:
                out["source"] = line.line.strip()
            out["message"] = one_line(str(exc)) if str(exc) else "the assertion is false"
            if isinstance(exc, Mismatch):
                out.update(expected=short(exc.right), actual=short(exc.left))
                if not exc.args:
                    out["message"] = one_line(_compare.why_unequal(exc.left, exc.right))
            if not any(f.filename == SOLUTION for f in traceback.extract_tb(exc.__traceback__)):
                out["traceback"] = None  # the assertion is the test's own: the source line says it
        else:
            out["status"] = "error"
        return out


def main(argv: list[str]) -> int:
    payload = json.load(sys.stdin)  # not a file the code could read back for the hidden tests
    sys.stdin.close()
    sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115 - input() finds nothing
    os.dup2(sys.stdin.fileno(), 0)
    out = open(argv[1], "a", encoding="utf-8")  # noqa: SIM115 - open for the whole process
    guards = _load_guards()
    guards.end_with_parent(payload.get("parent"), payload["limits"].get("wall_seconds", 3600.0))
    guards.limit_self(payload["limits"])
    signal.signal(signal.SIGALRM, _expire)
    guards.guard(payload["root"])
    if payload.get("imports") is not None:
        sys.meta_path.insert(0, guards.ImportGuard(payload["imports"], payload["root"]))
    runner = Runner(payload, out)
    jobs = payload.pop("jobs")
    del payload
    # The harness's names are not the code's to change by accident (``__main__.Runner = ...``)
    sys.modules["__main__"] = types.ModuleType("__main__")
    for job_number, job in enumerate(jobs):
        program_start, test_start = job.get("start", [0, 0])
        for number in range(program_start, len(job["programs"])):
            first = test_start if number == program_start else 0
            passed = runner.program(job_number, number, job["programs"][number], job, first)
            sys.modules.pop("solution", None)
            if number == 0 and not passed and job.get("first_must_pass"):
                break  # (a sync's check: the wrong solutions say nothing once the reference fails)
    runner.emit(event="done")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
