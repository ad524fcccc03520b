"""Practice commands: `session` and `mock`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from mockprep.cli.app import Round, UserError, app
from mockprep.cli.context import (
    check_filter_values,
    make_console,
    make_grader,
    open_store,
    session_rng,
    signals_interrupt,
    utc_now,
)
from mockprep.cli.models import LlmOption, ModelOption, interviewer_for, llm_settings, with_model
from mockprep.cli.options import (
    AudioOption,
    BankOption,
    CramOption,
    FailedSinceOption,
    FlaggedOption,
    NoTimerOption,
    RoleOption,
    RoundOption,
    TagOption,
    TimeLimitOption,
    TopicOption,
    VoiceOption,
    WeakestOption,
    timing_options,
)
from mockprep.cli.sync import sync_after_session
from mockprep.cli.voice import make_voice

if TYPE_CHECKING:
    from mockprep.core.questions import QuestionFilter
    from mockprep.core.settings import Settings
    from mockprep.db.store import Store
    from mockprep.practice.voice import Voice


def question_filter(
    store: Store,
    rounds: tuple[str, ...],
    topics: list[str] | None,
    role: str | None,
    banks: list[str] | None,
    tags: list[str] | None = None,
) -> QuestionFilter:
    """The --round/--topic/--role/--bank/--tag selection, each value checked against the known ones."""
    from mockprep.core.questions import QuestionFilter

    by_setting = not role and bool(store.settings.default_role)
    role = role or store.settings.default_role or None  # the default_role setting
    check_filter_values(store, "topics", topics or [])
    try:
        check_filter_values(store, "roles", [role] if role else [])
    except UserError as exc:
        if not by_setting:
            raise
        raise UserError(
            f"the default_role setting: {exc}; change it with mockprep config set default_role ROLE,"
            " or mockprep config unset default_role for every role"
        ) from None
    check_filter_values(store, "banks", banks or [])
    check_filter_values(store, "tags", tags or [])
    return QuestionFilter(
        rounds=rounds,
        topics=tuple(topics or ()),
        roles=(role,) if role else (),
        banks=tuple(banks or ()),
        tags=tuple(tags or ()),
    )


def _at_terminal() -> bool:
    import sys

    return sys.stdin.isatty() and sys.stdout.isatty()


def _local_date(text: str | None, option: str):  # noqa: ANN202 (datetime, imported lazily)
    """The UTC start of the local day ``text`` names (YYYY-MM-DD), today's or earlier; None when not
    given."""
    from datetime import UTC, date, datetime

    if text is None:
        return None
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise UserError(f"{option} {text!r}: not a date; write YYYY-MM-DD, e.g. 2026-12-01") from None
    start = datetime(day.year, day.month, day.day).astimezone(UTC)  # a naive time is read as local
    if start > utc_now():
        raise UserError(f"{option} {day}: that day is still to come; give a past day, or today's")
    return start


def _check_drill(cram: bool, weakest: bool, failed_since: bool, flagged: bool, new: int | None) -> None:
    """Refuse drill options that contradict one another: --cram asks all the selection holds, the other
    drills narrow one another; none counts new questions as --new does."""
    narrowed = [
        name
        for name, given in (("--weakest", weakest), ("--failed-since", failed_since), ("--flagged", flagged))
        if given
    ]
    if cram and narrowed:
        raise UserError(
            f"--cram drills every question selected, {' and '.join(narrowed)} only some: give"
            f" {' '.join(narrowed)} without --cram (every drill asks the lowest recall first)"
        )
    if (cram or narrowed) and new is not None:
        raise UserError(
            "--new counts new questions of a session; a drill (--cram, --weakest, --failed-since,"
            " --flagged) asks whatever it selects, so leave --new out"
        )


@app.command()
def session(
    round: RoundOption = None,
    topic: TopicOption = None,
    role: RoleOption = None,
    bank: BankOption = None,
    tag: TagOption = None,
    new: Annotated[
        int | None,
        typer.Option(
            "--new",
            metavar="N",
            min=0,
            max=1000,
            help="New questions to introduce in this session (default: what is left of today's 10 for "
            "the questions this session selects).",
        ),
    ] = None,
    limit: Annotated[
        int | None,
        typer.Option("--limit", "-n", metavar="N", min=1, max=10000, help="Stop after this many answers."),
    ] = None,
    minutes: Annotated[
        float | None,
        typer.Option("--minutes", "-m", metavar="MINUTES", help="Plan the session to fit this many minutes."),
    ] = None,
    time_limit: TimeLimitOption = None,
    no_timer: NoTimerOption = False,
    cram: CramOption = False,
    weakest: WeakestOption = None,
    failed_since: FailedSinceOption = None,
    flagged: FlaggedOption = False,
    voice: VoiceOption = False,
    audio: AudioOption = None,
    llm: LlmOption = None,
    model: ModelOption = None,
) -> None:
    """Practise: answer due and new questions, see the model answer, rate yourself.

    Type an answer over as many lines as you like; an empty line ends it. Then rate it:
    1/again, 2/hard, 3/good, 4/easy (Enter takes the suggested rating). A line with just q
    quits. Ctrl-C stops at once; every rating given so far is already saved.

    Each answer is timed against its limit (technical and project 3m, behavioral 2m30s,
    unless the question sets its own); running over is recorded, never cut off.

    With --voice, answer aloud; with --audio FILE, from a recording (one file per answer,
    the session stops when they are used up).
    """
    from mockprep.cli.kept_answer import keep_recording
    from mockprep.practice.session import Session, SessionOptions, SessionPlanError
    from mockprep.practice.ui import AnswerNotStored
    from mockprep.terminal.input import stdin_reader
    from mockprep.terminal.practice import TerminalUI

    minutes_value, limit_seconds = timing_options(minutes, time_limit, no_timer)
    _check_drill(cram, weakest is not None, failed_since is not None, flagged, new)
    settings, llm = llm_settings(llm, model)
    console = make_console()
    reader = stdin_reader(console, utc_now)
    spoken = make_voice(voice, audio, settings, console, reader)  # checked before anything changes
    by_recordings = bool(audio) and (limit is None or len(audio) < limit)
    if audio:
        limit = min(limit or len(audio), len(audio))
    store = open_store()
    try:
        flt = question_filter(store, (round.value,) if round else (), topic, role, bank, tag)
        grader = with_model(make_grader(settings), settings, llm)
        ui = TerminalUI(
            console, reader, interactive=_at_terminal(), settings=settings, spoken=spoken is not None
        )
        ui.recordings_limit = by_recordings
        options = SessionOptions(
            flt,
            new,
            limit,
            timer=not no_timer,
            time_limit=limit_seconds,
            minutes=minutes_value,
            cram=cram,
            weakest=weakest,
            failed_since=_local_date(failed_since, "--failed-since"),
            flagged=flagged,
        )
        runner = Session(
            store, ui, utc_now, session_rng(_day_of(store, settings)), options, settings, grader, spoken
        )
        with signals_interrupt():
            try:
                summary = runner.run()
            except SessionPlanError as exc:
                raise UserError(str(exc)) from None
            except AnswerNotStored as exc:  # (its recording kept before the rest are let go)
                keep_recording(exc, spoken)
                raise
        sync_after_session(store)
        _exit_if_interrupted(summary.signal, spoken)
    finally:
        store.close()
        if spoken is not None:
            spoken.close()


def _day_of(store: Store, settings: Settings) -> str:
    """What draws a session's new questions: the home and the person's day, so that each run of a day
    (after quitting, or a --minutes refused) offers the same ones, and the next day others."""
    from mockprep.core.plans import today

    return f"{store.path} {today(utc_now(), None, settings.day_start_hour).isoformat()}"


@app.command()
def mock(
    round: Annotated[
        Round | None,
        typer.Option(
            "--round",
            "-r",
            metavar="ROUND",
            help="The round to simulate: technical, project or behavioral (with --bank: its banks' round).",
            case_sensitive=False,
        ),
    ] = None,
    loop: Annotated[
        bool, typer.Option("--loop", help="All three rounds in a row, with a break between them.")
    ] = False,
    topic: TopicOption = None,
    role: RoleOption = None,
    bank: BankOption = None,
    minutes: Annotated[
        float | None,
        typer.Option(
            "--minutes",
            "-m",
            metavar="MINUTES",
            help="Length of each round (default technical 45, others 30).",
        ),
    ] = None,
    time_limit: Annotated[
        str | None,
        typer.Option("--time-limit", metavar="DURATION", help="Time for every question, e.g. 2m30s."),
    ] = None,
    no_timer: NoTimerOption = False,
    rate: Annotated[
        int | None,
        typer.Option(
            "--rate", metavar="MOCK-ID", min=1, help="Rate the answers a mock left unrated (see history)."
        ),
    ] = None,
    voice: VoiceOption = False,
    audio: AudioOption = None,
    llm: LlmOption = None,
    model: ModelOption = None,
) -> None:
    """Simulate an interview round: timed questions across topics, follow-ups, no model answers
    until the end, then a report card. Ratings feed the scheduler like any session.

    With --voice, answer aloud (follow-ups too); with --audio FILE, from recordings, one per
    answer and follow-up in turn (the round ends when they are used up)."""
    if rate is not None:
        if any((round, loop, topic, role, bank, minutes, time_limit, no_timer, voice, audio)):
            raise UserError("--rate ID rates a past mock's answers; it takes no other option")
        _rate_mock(rate, llm, model)
        return
    from mockprep.cli.kept_answer import keep_recording
    from mockprep.core.rounds import ROUND_ORDER
    from mockprep.practice.mock import MockOptions, MockPlanError, run_loop
    from mockprep.practice.ui import AnswerNotStored
    from mockprep.terminal.input import stdin_reader
    from mockprep.terminal.mock import MockTerminalUI

    if loop and round is not None or not (loop or round or bank):
        raise UserError("choose one: --round technical|project|behavioral, or --loop for all three")
    minutes_value, limit_seconds = timing_options(minutes, time_limit, no_timer)
    settings, llm = llm_settings(llm, model)
    console = make_console()
    reader = stdin_reader(console, utc_now)
    spoken = make_voice(voice, audio, settings, console, reader)  # checked before anything changes
    store = open_store()
    try:
        flt = question_filter(store, (), topic, role, bank)
        grader = with_model(make_grader(settings), settings, llm)
        interviewer = interviewer_for(grader, settings)
        ui = MockTerminalUI(
            console, reader, interactive=_at_terminal(), settings=settings, spoken=spoken is not None
        )
        options = MockOptions(minutes_value, limit_seconds, not no_timer, flt)
        rounds = ROUND_ORDER if loop else (round.value,) if round else _round_of(store, flt.banks)
        loop_args = (store, ui, utc_now, session_rng(), rounds, options, settings, grader)
        with signals_interrupt():
            try:
                reports = run_loop(*loop_args, voice=spoken, interviewer=interviewer)
            except MockPlanError as exc:
                raise UserError(str(exc)) from None
            except AnswerNotStored as exc:  # (its recording kept before the rest are let go)
                keep_recording(exc, spoken)
                raise
        sync_after_session(store)
        _exit_if_interrupted(reports[-1].signal if reports else None, spoken)
    finally:
        store.close()
        if spoken is not None:
            spoken.close()


def _round_of(store: Store, banks: tuple[str, ...]) -> tuple[str]:
    """The one round the --bank banks are in: a mock of a bank needs no --round."""
    rounds = sorted({info.round for b in banks if (info := store.banks.get(b)) is not None})
    if len(rounds) != 1:
        raise UserError(f"those banks are in {' and '.join(rounds)} rounds: add --round to choose one")
    return (rounds[0],)


def _rate_mock(session_id: int, llm: bool | None, model: str | None) -> None:
    from mockprep.practice.mock_rating import MockRateError, rate_later
    from mockprep.terminal.input import stdin_reader
    from mockprep.terminal.mock import MockTerminalUI

    settings, llm = llm_settings(llm, model)
    store = open_store()
    try:
        grader = with_model(make_grader(settings), settings, llm)  # (the grader setting, as a live mock)
        console = make_console()
        # at a terminal the checklist the person confirms is stored, as in the round itself
        ui = MockTerminalUI(
            console, stdin_reader(console, utc_now), interactive=_at_terminal(), settings=settings
        )
        with signals_interrupt():
            try:
                report = rate_later(store, ui, utc_now, session_id, settings, grader)
            except MockRateError as exc:
                raise UserError(str(exc)) from None
        _exit_if_interrupted(report.signal)
    finally:
        store.close()


def _exit_if_interrupted(signal: int | None, spoken: Voice | None = None) -> None:
    """A session, drill or mock cut short by Ctrl-C (or SIGTERM, SIGHUP) ends, after its summary, with
    the shell's code for it (130 for Ctrl-C), so a script can tell it from one that finished; one ended
    by an --audio file with no words in it, with 2 (bad input, as ``grade`` says of the same file)."""
    if signal is not None:
        raise typer.Exit(128 + signal)
    if spoken is not None and spoken.bad_file is not None:
        raise typer.Exit(2)
