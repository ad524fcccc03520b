"""What running code against a question's tests found: a verdict per test, the run as a whole, the
rating it suggests and the summary stored with the review. Pure values (the runner is in services)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mockprep.core.code_format import CodeTest


class TestStatus(StrEnum):
    __test__ = False  # not a pytest class

    PASSED = "passed"
    FAILED = "failed"  # an assertion failed, or the value differs from the expected one
    ERROR = "error"  # the code raised
    TIMEOUT = "timeout"  # the test ran past its time
    CRASHED = "crashed"  # the process ended during the test (os._exit, a signal, out of memory)
    NOT_RUN = "not run"  # the code did not load, or the run's time was up


@dataclass(frozen=True)
class TestOutcome:
    """One test's verdict, with what the person needs to fix their code."""

    __test__ = False  # not a pytest class

    index: int
    name: str
    hidden: bool
    status: TestStatus
    message: str = ""  # the exception, the failed assertion's message, or how the values differ
    source: str | None = None  # the call or the failing assertion (visible tests only)
    expected: str | None = None
    actual: str | None = None
    traceback: str | None = None  # the frames of the person's code only
    output: str = ""  # what the code printed during the test
    seconds: float = 0.0
    calls: tuple[str, ...] = ()  # a hidden test that did not pass: the person's functions it calls

    @property
    def passed(self) -> bool:
        return self.status is TestStatus.PASSED


@dataclass(frozen=True)
class CodeRun:
    """One run of some code against every test of a question."""

    outcomes: tuple[TestOutcome, ...]
    problem: str | None = None  # why no test could run: the code does not load (syntax error...)
    traceback: str | None = None  # the person's frames when loading failed
    output: str = ""  # printed while the code loaded
    seconds: float = 0.0

    @classmethod
    def nothing(cls, tests: Sequence[CodeTest], problem: str) -> CodeRun:
        """A run in which no test could run, for ``problem`` (e.g. no code was written)."""
        outcomes = tuple(
            TestOutcome(i, t.label(i), t.hidden, TestStatus.NOT_RUN, problem) for i, t in enumerate(tests)
        )
        return cls(outcomes, problem)

    @property
    def total(self) -> int:
        return len(self.outcomes)

    @property
    def passed(self) -> int:
        return sum(o.passed for o in self.outcomes)

    @property
    def all_passed(self) -> bool:
        return self.problem is None and bool(self.outcomes) and self.passed == self.total

    def failed_names(self) -> list[str]:
        return [o.name for o in self.outcomes if not o.passed]

    def result(self) -> CodeResult:
        return CodeResult(self.passed, self.total, tuple(self.failed_names()))


@dataclass(frozen=True)
class CodeResult:
    """The final run of an answer as stored with its review: tests passed, out of how many, and the
    names of those that did not pass."""

    passed: int
    total: int
    failed: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"passed": self.passed, "total": self.total, "failed": list(self.failed)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CodeResult:
        return cls(int(data["passed"]), int(data["total"]), tuple(str(f) for f in data.get("failed", [])))

    def text(self) -> str:
        return f"{self.passed}/{self.total} tests passed"


def code_result_problem(value: Any) -> str | None:
    """Why ``value`` is not a stored :class:`CodeResult` (for imports), or None."""
    if type(value) is not dict or set(value) - {"passed", "total", "failed"}:
        return "must be an object with passed, total and failed"
    passed, total, failed = value.get("passed"), value.get("total"), value.get("failed", [])
    if not (type(passed) is int and type(total) is int and 0 <= passed <= total <= 10_000):
        return "passed and total must be whole numbers with 0 <= passed <= total"
    if type(failed) is not list or not all(type(f) is str for f in failed) or len(failed) > total:
        return "failed must be a list of test names"
    return None


def first_run_quick(runs: int, seconds: float | None, limit: float | None) -> bool:
    """Whether a code answer earns easy when every test passes: passed on its first run, in at most
    half its time limit (a session's rule, and ``grade --seconds``'s)."""
    return runs == 1 and seconds is not None and limit is not None and seconds <= limit / 2


def code_rating(run: CodeRun, overtime: bool, quick: bool = False) -> int:
    """The rating (1-4) the tests and the time suggest: every test passing is good (easy when it was
    ``quick``: the first run, in under half the time), or hard when over time; at least half passing
    is hard; less is again."""
    if run.all_passed:
        if overtime:
            return 2
        return 4 if quick else 3
    if run.total and run.passed * 2 >= run.total:
        return 2
    return 1
