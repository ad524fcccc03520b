"""The events of the child processes of one run (services/code_sandbox.py writes them) made into a
:class:`~mockprep.core.code_results.CodeRun` per program: which tests passed, failed or were not run,
and why a process that ended early ended (a test's time, the run's time, a signal, the memory limit)."""

from __future__ import annotations

import signal
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mockprep.core.code_format import called_names
from mockprep.core.code_results import CodeRun, TestOutcome, TestStatus

if TYPE_CHECKING:
    from mockprep.core.questions import QuestionSpec
    from mockprep.services.code_runner import RunLimits

ENDINGS = {
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


class Collect:
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

    def failed(self, program: int) -> bool:
        """Whether the program has failed a test, or did not load, so far."""
        state = self.programs[program]
        passed = all(o.status is TestStatus.PASSED for o in state.outcomes.values())
        return state.problem is not None or not passed

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
        if ended in ENDINGS:
            status, text = ENDINGS[ended]
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
                        index, TestStatus.NOT_RUN, ENDINGS["run time"][1].format(run=self.limits.run_seconds)
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
