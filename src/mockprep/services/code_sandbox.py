"""The child process that runs code against a code question's tests.

mockprep starts it as a script (``python -I -B -X utf8 code_sandbox.py JOB RESULTS``) in a temporary
folder; it imports nothing from mockprep. Before any code runs it limits itself (CPU time, memory,
file size, processes), refuses writes outside its folder (files, SQLite databases, socket files), new
processes and signals to other processes (an audit hook), and imports beyond the standard library and
the question's allowed modules.
These guard against accidents, not malice: the code is the person's own and runs with their rights.

JOB is a JSON file: ``{"limits": {...}, "imports": [...], "root": DIR, "jobs": [{"setup", "tests",
"programs", "start"}]}``. Each program is run as a module named ``solution``; its globals, after the
job's ``setup``, are the namespace each test runs in (a fresh copy per test). RESULTS gets one JSON
line per event, flushed at once, so the parent knows which test was running if the process ends.
"""

from __future__ import annotations

import ast
import io
import json
import linecache
import math
import numbers
import os
import signal
import sys
import time
import traceback
import types

SOLUTION = "solution.py"
OUTPUT_CHARS = 4000  # printed text kept per test
REPR_CHARS = 600
TRACEBACK_CHARS = 3000
PROCESS_EVENTS = frozenset(
    {"os.fork", "os.forkpty", "os.exec", "os.posix_spawn", "os.spawn", "os.system", "subprocess.Popen"}
)
# Audit events that change the file system, and which of their arguments are paths
PATH_EVENTS = {
    name: (0,)
    for name in (
        "os.remove os.rmdir os.mkdir os.chmod os.chown os.truncate os.utime os.chflags os.lchflags"
        " os.setxattr os.removexattr os.mkfifo os.mknod shutil.rmtree"
    ).split()
} | {"os.rename": (0, 1), "os.link": (1,), "os.symlink": (1,)}
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC


class TestTimeout(BaseException):
    """A test ran past its time (a BaseException: `except Exception` in the code does not catch it)."""


class Mismatch(AssertionError):
    """``assert left == right`` failed: both values kept (see :func:`rewrite_asserts`)."""

    def __init__(self, left: object, right: object, *message: object):
        super().__init__(*message)
        self.left, self.right = left, right


# -- limits and guards ------------------------------------------------------------------------------


def limit_self(limits: dict) -> None:
    """Lower this process's own limits; each that the system does not support is skipped."""
    try:
        import resource
    except ImportError:  # not a POSIX system: only the parent's timeout applies
        return
    cpu = max(1, math.ceil(limits["cpu_seconds"]))
    wanted = [
        ("RLIMIT_CPU", cpu, cpu + 1),
        ("RLIMIT_AS", limits["memory_bytes"], limits["memory_bytes"]),
        ("RLIMIT_FSIZE", limits["file_bytes"], limits["file_bytes"]),
        ("RLIMIT_CORE", 0, 0),
    ]
    if limits.get("processes") is not None:
        wanted.append(("RLIMIT_NPROC", limits["processes"], limits["processes"]))
    for name, soft, hard in wanted:
        which = getattr(resource, name, None)
        if which is None:
            continue
        try:
            _, old_hard = resource.getrlimit(which)
            if old_hard != resource.RLIM_INFINITY:
                soft, hard = min(soft, old_hard), min(hard, old_hard)
            resource.setrlimit(which, (soft, hard))
        except (ValueError, OSError):
            pass
    if hasattr(signal, "SIGXFSZ"):
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails instead of killing


def guard(root: str) -> None:
    """Refuse writes outside ``root``, new processes and signals to other processes (audit hook)."""
    root = os.path.realpath(root)
    me = os.getpid()
    busy = [False]

    def inside(path: object, dir_fd: object = None) -> bool:
        if isinstance(path, int):
            return True  # an open descriptor: what it refers to was checked when it was opened
        name = os.fsdecode(path)  # type: ignore[arg-type]
        if name == os.devnull:
            return True
        if dir_fd is not None and not os.path.isabs(name):
            try:
                name = os.path.join(os.readlink(f"/proc/self/fd/{dir_fd}"), name)
            except OSError:
                return False
        real = os.path.realpath(name)
        return real == root or real.startswith(root + os.sep)

    def hook(event: str, args: tuple) -> None:
        if busy[0]:
            return
        busy[0] = True
        try:
            if event == "open":
                path, _mode, flags = args
                if flags is not None and flags & WRITE_FLAGS and path is not None and not inside(path):
                    raise PermissionError(
                        f"writing outside the run's folder is not allowed: {os.fsdecode(path)}"
                    )
            elif event in PATH_EVENTS:
                dir_fd = args[-1] if event in ("os.remove", "os.rmdir", "os.mkdir") else None
                for position in PATH_EVENTS[event]:
                    if not inside(args[position], dir_fd):
                        where = os.fsdecode(args[position])
                        raise PermissionError(
                            f"changing files outside the run's folder is not allowed: {where}"
                        )
            elif event == "sqlite3.connect":  # SQLite writes its file in C, not through open()
                name = os.fsdecode(args[0]) if isinstance(args[0], str | bytes | os.PathLike) else ":memory:"
                if name != ":memory:" and (name.startswith("file:") or not inside(name)):
                    raise PermissionError(f"a database outside the run's folder is not allowed: {name}")
            elif event == "socket.bind" and isinstance(args[1], str | bytes | bytearray):  # AF_UNIX: a file
                path = bytes(args[1]) if isinstance(args[1], bytearray) else args[1]
                if path[:1] not in ("\0", b"\0") and not inside(path):  # (an abstract one names none)
                    raise PermissionError(f"a socket file outside the folder is not allowed: {path!r}")
            elif event in PROCESS_EVENTS:
                raise PermissionError("starting processes is not allowed in a code question")
            elif event in ("os.kill", "os.killpg") and args[0] not in (me, 0):
                raise PermissionError("signalling other processes is not allowed in a code question")
        finally:
            busy[0] = False

    sys.addaudithook(hook)


class ImportGuard:
    """A meta-path finder refusing top-level modules beyond the standard library and ``allowed``."""

    def __init__(self, allowed: list[str]):
        self.allowed = set(allowed) | set(sys.stdlib_module_names) | {"solution"}
        self.extra = allowed

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        top = name.partition(".")[0]
        if top in self.allowed or top in sys.modules:
            return None
        also = "".join(f", {m}" for m in self.extra)
        raise ModuleNotFoundError(
            f"No module named {top!r} allowed here: this question may import the standard library{also}",
            name=name,
        )


# -- comparing values ------------------------------------------------------------------------------


def short(value: object) -> str:
    try:
        text = repr(value)
    except Exception as exc:  # noqa: BLE001 - a broken __repr__ is the code's, not ours
        text = f"<unprintable {type(value).__name__}: {exc}>"
    return text if len(text) <= REPR_CHARS else text[:REPR_CHARS] + "…"


def _numpy():
    return sys.modules.get("numpy")


def _is_bool(x: object) -> bool:
    np = _numpy()
    return isinstance(x, bool) or (np is not None and isinstance(x, np.bool_))


def _is_number(x: object) -> bool:
    return isinstance(x, numbers.Number) and not _is_bool(x)


def difference(actual: object, expected: object, tol: float, at: str = "") -> str | None:
    """How ``actual`` differs from ``expected`` (None: equal). Numbers within ``tol`` (absolute);
    lists, tuples and arrays element by element with the same length or shape; dicts by keys, then
    values; bools exactly; anything else with ``==``."""
    where = f" at {at}" if at else ""
    np = _numpy()
    if _is_bool(actual) or _is_bool(expected):
        ok = _is_bool(actual) and _is_bool(expected) and bool(actual) == bool(expected)
        return None if ok else f"{short(actual)} instead of {short(expected)}{where}"
    if np is not None and (isinstance(actual, np.ndarray) or isinstance(expected, np.ndarray)):
        return _array_difference(np, actual, expected, tol, where)
    if _is_number(actual) and _is_number(expected):
        try:
            a, e = complex(actual), complex(expected)  # type: ignore[arg-type]
        except (TypeError, ValueError, OverflowError):
            return None if actual == expected else f"{short(actual)} instead of {short(expected)}{where}"
        if a == e or (not (math.isnan(abs(a)) or math.isnan(abs(e))) and abs(a - e) <= tol):
            return None
        return f"{short(actual)} instead of {short(expected)}{where} (tolerance {tol:g})"
    if isinstance(actual, (list, tuple)) and isinstance(expected, (list, tuple)):
        if len(actual) != len(expected):
            return f"length {len(actual)} instead of {len(expected)}{where}"
        for index, (a, e) in enumerate(zip(actual, expected, strict=True)):
            found = difference(a, e, tol, f"{at}[{index}]")
            if found:
                return found
        return None
    if isinstance(actual, dict) and isinstance(expected, dict):
        if set(actual) != set(expected):
            extra, missing = set(actual) - set(expected), set(expected) - set(actual)
            parts = [f"missing keys {short(sorted(missing, key=repr))}"] if missing else []
            parts += [f"unexpected keys {short(sorted(extra, key=repr))}"] if extra else []
            return ", ".join(parts) + where
        for key in expected:
            found = difference(actual[key], expected[key], tol, f"{at}[{key!r}]")
            if found:
                return found
        return None
    try:
        equal = bool(actual == expected)
    except Exception:  # noqa: BLE001 - comparing the code's objects may raise
        equal = False
    return None if equal else f"{short(actual)} instead of {short(expected)}{where}"


def _array_difference(np, actual: object, expected: object, tol: float, where: str) -> str | None:
    try:
        a, e = np.asarray(actual), np.asarray(expected)
    except Exception:  # noqa: BLE001
        return f"{short(actual)} is not an array like {short(expected)}{where}"
    if a.shape != e.shape:
        return f"shape {a.shape} instead of {e.shape}{where}"
    if a.dtype.kind in "biufc" and e.dtype.kind in "biufc":
        a, e = a.astype(complex), e.astype(complex)
        with np.errstate(invalid="ignore"):
            bad = ~((a == e) | (np.abs(a - e) <= tol))
        if not bad.any():
            return None
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        got, want = np.asarray(actual)[first], np.asarray(expected)[first]
        spot = "[" + ", ".join(map(str, first)) + "]"
        return (
            f"{short(got)} instead of {short(want)} at {where.removeprefix(' at ')}{spot} (tolerance {tol:g})"
        )
    return difference(a.tolist(), e.tolist(), tol, where.removeprefix(" at "))


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
    """Printed text, kept up to OUTPUT_CHARS."""

    def write(self, text: str) -> int:
        room = OUTPUT_CHARS + 1 - self.tell()
        if room > 0:
            super().write(text[:room])
        return len(text)

    def text(self) -> str:
        value = self.getvalue()
        return value if len(value) <= OUTPUT_CHARS else value[:OUTPUT_CHARS] + "\n… (more output cut)"


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
    lines += traceback.format_exception_only(type(exc), exc)
    text = "".join(lines).rstrip()
    return text if len(text) <= TRACEBACK_CHARS else "…" + text[-TRACEBACK_CHARS:]


def explain(exc: BaseException, limits: dict) -> str:
    """The exception in one line, with what the runner knows about it."""
    if isinstance(exc, TestTimeout):
        return f"still running after {limits['test_seconds']:g} s: stopped"
    if isinstance(exc, SystemExit):
        return f"the code called sys.exit({short(exc.code) if exc.code is not None else ''})"
    line = "".join(traceback.format_exception_only(type(exc), exc)).strip().splitlines()[-1]
    if isinstance(exc, MemoryError):
        return f"{line} (the code may use at most {limits['memory_bytes'] // 2**20} MB)"
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
        signal.setitimer(signal.ITIMER_REAL, self.limits["test_seconds"])
        try:
            run()
            return None
        except BaseException as exc:  # noqa: BLE001 - everything the code raises is a verdict
            return exc
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            sys.stdout, sys.stderr = saved

    def program(self, job: int, number: int, source: str, spec: dict, first_test: int) -> None:
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
            return
        self.emit(event="loaded", job=job, program=number, ok=True, output=capture.text())
        tests, hung = spec["tests"], spec.get("hung", 0) if first_test else 0  # in a row out of time
        for index in range(first_test, len(tests)):
            hung = hung + 1 if self.test(job, number, index, tests[index], namespace) == "timeout" else 0
            if hung == 2:
                return  # the code loops or hangs: the later tests would only wait as long

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
                    message=found,
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
        if isinstance(exc, AssertionError) and test.get("code") is not None:
            out["status"] = "failed"
            line = next(
                (f for f in reversed(traceback.extract_tb(exc.__traceback__)) if f.filename == name), None
            )
            if line is not None and line.line and not hidden:
                out["source"] = line.line.strip()
            out["message"] = str(exc) if str(exc) else "the assertion is false"
            if isinstance(exc, Mismatch):
                out.update(expected=short(exc.right), actual=short(exc.left))
                if not exc.args:
                    out["message"] = difference(exc.left, exc.right, 0.0) or "the values differ"
            if not any(f.filename == SOLUTION for f in traceback.extract_tb(exc.__traceback__)):
                out["traceback"] = None  # the assertion is the test's own: the source line says it
        else:
            out["status"] = "error"
        return out


def main(argv: list[str]) -> int:
    with open(argv[1], encoding="utf-8") as handle:
        payload = json.load(handle)
    out = open(argv[2], "a", encoding="utf-8")  # noqa: SIM115 - open for the whole process
    limit_self(payload["limits"])
    signal.signal(signal.SIGALRM, _expire)
    guard(payload["root"])
    if payload.get("imports") is not None:
        sys.meta_path.insert(0, ImportGuard(payload["imports"]))
    runner = Runner(payload, out)
    for job_number, job in enumerate(payload["jobs"]):
        program_start, test_start = job.get("start", [0, 0])
        for number in range(program_start, len(job["programs"])):
            first = test_start if number == program_start else 0
            runner.program(job_number, number, job["programs"][number], job, first)
            sys.modules.pop("solution", None)
    runner.emit(event="done")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
