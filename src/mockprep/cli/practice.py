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
    BankOption,
    NoTimerOption,
    RoleOption,
    RoundOption,
    TimeLimitOption,
    TopicOption,
    timing_options,
)

if TYPE_CHECKING:
    from mockprep.core.questions import QuestionFilter
    from mockprep.db.store import Store


def question_filter(
    store: Store, rounds: tuple[str, ...], topics: list[str] | None, role: str | None, banks: list[str] | None
) -> QuestionFilter:
    """The --round/--topic/--role/--bank selection, each value checked against the known ones."""
    from mockprep.core.questions import QuestionFilter

    check_filter_values(store, "topics", topics or [])
    check_filter_values(store, "roles", [role] if role else [])
    check_filter_values(store, "banks", banks or [])
    return QuestionFilter(
        rounds=rounds, topics=tuple(topics or ()), roles=(role,) if role else (), banks=tuple(banks or ())
    )


def _at_terminal() -> bool:
    import sys

    return sys.stdin.isatty() and sys.stdout.isatty()


@app.command()
def session(
    round: RoundOption = None,
    topic: TopicOption = None,
    role: RoleOption = None,
    bank: BankOption = None,
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
    llm: LlmOption = None,
    model: ModelOption = None,
) -> None:
    """Practise: answer due and new questions, see the model answer, rate yourself.

    Type an answer over as many lines as you like; an empty line ends it. Then rate it:
    1/again, 2/hard, 3/good, 4/easy (Enter takes the suggested rating). A line with just q
    quits. Ctrl-C stops at once; every rating given so far is already saved.

    Each answer is timed against its limit (technical and project 3m, behavioral 2m30s,
    unless the question sets its own); running over is recorded, never cut off.
    """
    from mockprep.practice.session import Session, SessionOptions, SessionPlanError
    from mockprep.terminal.input import stdin_reader
    from mockprep.terminal.practice import TerminalUI

    minutes_value, limit_seconds = timing_options(minutes, time_limit, no_timer)
    settings, llm = llm_settings(llm, model)
    store = open_store()
    try:
        flt = question_filter(store, (round.value,) if round else (), topic, role, bank)
        grader = with_model(make_grader(), settings, llm)
        console = make_console()
        ui = TerminalUI(console, stdin_reader(console, utc_now), interactive=_at_terminal())
        options = SessionOptions(
            flt, new, limit, timer=not no_timer, time_limit=limit_seconds, minutes=minutes_value
        )
        runner = Session(store, ui, utc_now, session_rng(), options, settings, grader)
        with signals_interrupt():
            try:
                runner.run()
            except SessionPlanError as exc:
                raise UserError(str(exc)) from None
    finally:
        store.close()


@app.command()
def mock(
    round: Annotated[
        Round | None,
        typer.Option(
            "--round",
            "-r",
            metavar="ROUND",
            help="The round to simulate: technical, project or behavioral.",
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
    llm: LlmOption = None,
    model: ModelOption = None,
) -> None:
    """Simulate an interview round: timed questions across topics, follow-ups, no model answers
    until the end, then a report card. Ratings feed the scheduler like any session."""
    if rate is not None:
        if round is not None or loop or topic or role or bank or minutes or time_limit or no_timer:
            raise UserError("--rate ID rates a past mock's answers; it takes no other option")
        _rate_mock(rate, llm, model)
        return
    from mockprep.core.rounds import ROUND_ORDER
    from mockprep.practice.mock import MockOptions, MockPlanError, run_loop
    from mockprep.terminal.input import stdin_reader
    from mockprep.terminal.practice import MockTerminalUI

    if loop == (round is not None):
        raise UserError("choose one: --round technical|project|behavioral, or --loop for all three")
    minutes_value, limit_seconds = timing_options(minutes, time_limit, no_timer)
    settings, llm = llm_settings(llm, model)
    store = open_store()
    try:
        flt = question_filter(store, (), topic, role, bank)
        grader = with_model(make_grader(), settings, llm)
        interviewer = interviewer_for(grader, settings)
        console = make_console()
        ui = MockTerminalUI(console, stdin_reader(console, utc_now), interactive=_at_terminal())
        options = MockOptions(minutes_value, limit_seconds, not no_timer, flt)
        rounds = ROUND_ORDER if loop else (round.value,)  # type: ignore[union-attr]
        with signals_interrupt():
            try:
                run_loop(store, ui, utc_now, session_rng(), rounds, options, settings, grader, interviewer)
            except MockPlanError as exc:
                raise UserError(str(exc)) from None
    finally:
        store.close()


def _rate_mock(session_id: int, llm: bool | None, model: str | None) -> None:
    from mockprep.practice.mock import MockRateError, rate_later
    from mockprep.terminal.input import stdin_reader
    from mockprep.terminal.practice import MockTerminalUI

    settings, llm = llm_settings(llm, model)
    store = open_store()
    try:
        grader = with_model(make_grader(), settings, llm)
        console = make_console()
        ui = MockTerminalUI(console, stdin_reader(console, utc_now))
        with signals_interrupt():
            try:
                rate_later(store, ui, utc_now, session_id, settings, grader)
            except MockRateError as exc:
                raise UserError(str(exc)) from None
    finally:
        store.close()
