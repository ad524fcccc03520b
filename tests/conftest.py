"""Shared fixtures: every test gets its own MOCKPREP_HOME, plain stable output, and a fake clock."""

from __future__ import annotations

import io
import random
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import settings

# Speed is measured in benchmarks/, not in unit tests: hypothesis's 200 ms deadline per example failed
# tests that are right (story checks of 8,000-word drafts) whenever the machine was busy.
settings.register_profile("mockprep", deadline=None)
settings.load_profile("mockprep")

FIXTURES = Path(__file__).parent / "fixtures"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("MOCKPREP_HOME", str(home))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("TERM", "dumb")
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()  # the process's local zone follows TZ only once told to
    monkeypatch.setenv("MOCKPREP_SEED", "20261125")  # CLI sessions ask the same questions every run
    return home


@dataclass(frozen=True)
class Zone:
    """A local time zone to run a test in, and ``start``: 23:30 local time on an evening there — the eve
    of a daylight-saving change where the zone has one — so that the local day ends half an hour later
    while the UTC day (east of UTC) does not, and the next local day is 23 or 25 hours long."""

    name: str
    start: datetime

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.name)

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.tz)


ZONES = [
    pytest.param(Zone("UTC", datetime(2026, 3, 2, 23, 30, tzinfo=UTC)), id="UTC"),
    pytest.param(Zone("Europe/Paris", datetime(2026, 3, 2, 22, 30, tzinfo=UTC)), id="Paris"),
    # New York's clocks go forward at 02:00 on 8 March 2026 and back at 02:00 on 1 November.
    pytest.param(Zone("America/New_York", datetime(2026, 3, 8, 4, 30, tzinfo=UTC)), id="NewYork-spring"),
    pytest.param(Zone("America/New_York", datetime(2026, 11, 1, 3, 30, tzinfo=UTC)), id="NewYork-autumn"),
    pytest.param(Zone("Asia/Kolkata", datetime(2026, 3, 2, 18, 0, tzinfo=UTC)), id="Kolkata"),  # UTC+5:30
]
# Mark a test that does not take `zone` itself to run it in every zone.
in_every_zone = pytest.mark.usefixtures("zone")


@pytest.fixture(params=ZONES)
def zone(request: pytest.FixtureRequest, _isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> Zone:
    """Run the test once per zone of ZONES, with the process's local time zone set to it (TZ)."""
    monkeypatch.setenv("TZ", request.param.name)
    time.tzset()
    return request.param


@pytest.fixture
def cli_clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """Freeze the clock the CLI commands read (``utc_now``); move it with ``advance``."""
    import importlib
    import pkgutil

    import mockprep.cli

    fake = FakeClock()
    # Every module first, then the patches: a module imported after cli.context was patched would
    # copy the fake into its own namespace, and keep it after the test (commands load lazily).
    modules = [
        importlib.import_module(f"mockprep.cli.{i.name}") for i in pkgutil.iter_modules(mockprep.cli.__path__)
    ]
    for module in modules:
        if hasattr(module, "utc_now"):
            monkeypatch.setattr(module, "utc_now", fake)
    return fake


@pytest.fixture
def home(_isolated_home: Path) -> Path:
    return _isolated_home


class FakeClock:
    """A clock that only moves when told to; each call may also step by ``tick``."""

    def __init__(self, start: datetime = START, tick: timedelta = timedelta(0)):
        self.now = start
        self.tick = tick

    def __call__(self) -> datetime:
        current = self.now
        self.now += self.tick
        return current

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def demo(store, tmp_path: Path, clock: FakeClock):
    """A home with one small bank, ``demo`` (three questions), registered and read."""
    from mockprep.services.bank_sync import sync_banks

    folder = tmp_path / "mine"
    folder.mkdir()
    write_bank(folder / "demo.toml", n=3)
    store.banks.add_source(folder, clock.now)
    sync_banks(store, clock.now)
    return store


@pytest.fixture
def rng() -> random.Random:
    return random.Random(1234)


@pytest.fixture
def store(home: Path):
    from mockprep.db.store import Store

    s = Store.open(home)
    yield s
    s.close()


def db_rows(home: Path, sql: str) -> list[tuple]:
    """Read the database as an independent client would (a separate sqlite3 connection); SQL may call
    ``review_answer(answer)`` for an answer as typed."""
    import sqlite3

    from mockprep.db import review_codec
    from mockprep.paths import DB_NAME

    con = sqlite3.connect(home / DB_NAME)
    review_codec.register(con)  # review_answer(answer): a stored answer as typed (m015)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def write_bank(
    path: Path,
    bank_id: str = "demo",
    round: str = "technical",
    n: int = 3,
    extra: str = "",
    prompt_prefix: str = "Question",
) -> Path:
    """Write a small valid bank file with questions q1..qn."""
    lines = [
        f'id = "{bank_id}"',
        f'title = "Demo {bank_id}"',
        f'round = "{round}"',
        'roles = ["ml-researcher"]',
        'topic = "demo-topic"',
        extra,
        "",
    ]
    for i in range(1, n + 1):
        lines += [
            "[[questions]]",
            f'id = "q{i}"',
            f'prompt = "{prompt_prefix} {i} of {bank_id}?"',
            f'answer = "Answer {i}."',
            'key_points = ["first point", "second point"]',
        ]
        if round == "behavioral":
            lines.append('competencies = ["communication"]')
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """Run ``mockprep ARGS`` in-process through the real entry point, with ``input`` on stdin."""
    from mockprep.cli import main

    def run(*args: str, input: str = "") -> CliResult:
        monkeypatch.setattr(sys, "stdin", io.StringIO(input))
        capsys.readouterr()
        code = 0
        try:
            main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        out, err = capsys.readouterr()
        return CliResult(code, out, err)

    return run


@dataclass
class ScriptedUI:
    """A SessionUI that answers from a script and records what was shown."""

    answers: list[str | None] = field(default_factory=list)
    ratings: list[object] = field(default_factory=list)
    clock: FakeClock | None = None
    so_far: str = ""  # what answer_so_far() says was typed when an answer raised (KeyboardInterrupt...)
    answer_seconds: float = 0.0
    shown: list[str] = field(default_factory=list)
    reveals: list[tuple[str, object]] = field(default_factory=list)
    suggestions: list[object] = field(default_factory=list)
    summaries: list[object] = field(default_factory=list)
    progress: list[object] = field(default_factory=list)

    notices: list[str] = field(default_factory=list)
    countdowns: list[object] = field(default_factory=list)
    timings: list[object] = field(default_factory=list)
    coverages: list[object] = field(default_factory=list)

    def notice(self, text: str) -> None:
        self.notices.append(text)

    def show_question(self, record, progress, countdown=None) -> None:
        self.shown.append(record.question.key)
        self.events.append(f"ask {record.question.key}")
        self.progress.append(progress)
        self.countdowns.append(countdown)

    def answer_so_far(self) -> str:
        return self.so_far

    def read_answer(self, countdown=None):
        if not self.answers:
            return None
        answer = self.answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        if self.clock is not None:
            self.clock.advance(seconds=self.answer_seconds)
        return answer

    code_drafts: list[str] = field(default_factory=list)  # what read_code started from, in turn
    runs: list[object] = field(default_factory=list)  # each CodeRun shown
    run_steps: list[str | None] = field(default_factory=list)  # after each run: "submit", "edit", None

    def read_code(self, draft, countdown=None):
        self.code_drafts.append(draft)
        return self.read_answer(countdown)

    def after_run(self, run, runs, countdown=None):
        self.runs.append(run)
        return self.run_steps.pop(0) if self.run_steps else "submit"

    spoken: list[object] = field(default_factory=list)  # spoken answers shown (transcript, delivery)

    def show_spoken(self, spoken, limit, timed=None) -> None:
        self.spoken.append(spoken)
        self.events.append(f"heard {spoken.transcript.text}")

    def show_reveal(self, attempt) -> None:
        self.reveals.append((attempt.answer, attempt.assessment.auto))
        self.events.append(f"reveal {attempt.record.question.key}")
        self.timings.append(attempt.timing)
        self.coverages.append(attempt.assessment.coverage)

    def show_model_answer(self, attempt) -> None:
        self.events.append(f"model answer {attempt.record.question.key}")
        self.timings.append(attempt.timing)

    def show_key_points(self, attempt) -> None:
        self.events.append(f"key points {attempt.record.question.key}")
        self.reveals.append((attempt.answer, attempt.assessment.auto))
        self.coverages.append(attempt.assessment.coverage)
        self.assessments.append(attempt.assessment)

    assessments: list[object] = field(default_factory=list)  # what show_key_points showed
    checklists: list[object] = field(default_factory=list)  # what confirm_checklist returns, in turn

    def confirm_checklist(self, attempt):
        if self.checklists:
            return self.checklists.pop(0)
        return [p.verdict for p in attempt.assessment.points] or None

    def read_rating(self, intervals, suggested):
        self.suggestions.append(suggested)
        if not self.ratings:
            return None
        rating = self.ratings.pop(0)
        if isinstance(rating, BaseException):
            raise rating
        return rating

    def show_summary(self, summary, now) -> None:
        self.summaries.append(summary)

    # mock rounds
    events: list[str] = field(default_factory=list)
    breaks: list[bool] = field(default_factory=list)
    reports: list[object] = field(default_factory=list)
    follow_ups: list[str] = field(default_factory=list)

    def show_mock_intro(self, round, minutes, planned) -> None:
        self.events.append(f"intro {round} {minutes:g} {planned}")

    def show_follow_up(self, text, countdown) -> None:
        self.follow_ups.append(text)

    def show_mock_report(self, report) -> None:
        self.reports.append(report)

    story_choices: list[object] = field(default_factory=list)
    offered: list[object] = field(default_factory=list)

    def offer_stories(self, options):
        self.offered.append(options)
        return self.story_choices.pop(0) if self.story_choices else None

    def ask_break(self, next_round) -> bool:
        return self.breaks.pop(0) if self.breaks else False


@pytest.fixture
def stub_server():
    """An OpenAI-compatible server on 127.0.0.1 replaying recorded responses (tests/llm_stub.py)."""
    from tests.llm_stub import StubServer

    with StubServer() as server:
        yield server


@pytest.fixture
def devices(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """``devices(name)``: a home on another device, all sharing one bank (tests/devices.py)."""
    from mockprep.services import bank_sync
    from tests.devices import Device, make_banks

    monkeypatch.setattr(bank_sync, "builtin_files", lambda: [])
    banks = make_banks(tmp_path)
    made: list[Device] = []

    def make(name: str) -> Device:
        made.append(Device(tmp_path, name, banks))
        return made[-1]

    yield make
    for device in made:
        device.close()
