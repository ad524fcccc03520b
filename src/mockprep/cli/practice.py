"""Practice commands: `session` and `mock`."""

from __future__ import annotations

from typing import Annotated

import typer

from mockprep.cli.app import Round, UserError, app
from mockprep.cli.context import (
    check_filter_values,
    load_settings,
    make_console,
    open_store,
    session_rng,
    signals_interrupt,
    utc_now,
)
from mockprep.cli.options import (
    BankOption,
    NoTimerOption,
    RoleOption,
    RoundOption,
    TimeLimitOption,
    TopicOption,
    timing_options,
)


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
            help="New questions to introduce in this session (default: what is left of 10 a day).",
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
) -> None:
    """Practise: answer due and new questions, see the model answer, rate yourself.

    Type an answer over as many lines as you like; an empty line ends it. Then rate it:
    1/again, 2/hard, 3/good, 4/easy (Enter takes the suggested rating). A line with just q
    quits. Ctrl-C stops at once; every rating given so far is already saved.

    Each answer is timed against its limit (technical and project 3m, behavioral 2m30s,
    unless the question sets its own); running over is recorded, never cut off.
    """
    from mockprep.core.questions import QuestionFilter
    from mockprep.practice.session import Session, SessionOptions
    from mockprep.terminal.input import stdin_reader
    from mockprep.terminal.practice import TerminalUI

    minutes_value, limit_seconds = timing_options(minutes, time_limit, no_timer)
    store = open_store()
    try:
        topics, banks = topic or [], bank or []
        check_filter_values(store, "topics", topics)
        check_filter_values(store, "roles", [role] if role else [])
        check_filter_values(store, "banks", banks)
        flt = QuestionFilter(
            rounds=(round.value,) if round else (),
            topics=tuple(topics),
            roles=(role,) if role else (),
            banks=tuple(banks),
        )
        console = make_console()
        ui = TerminalUI(console, stdin_reader(console, utc_now))
        options = SessionOptions(
            flt, new, limit, timer=not no_timer, time_limit=limit_seconds, minutes=minutes_value
        )
        runner = Session(store, ui, utc_now, session_rng(), options, load_settings())
        with signals_interrupt():
            runner.run()
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
) -> None:
    """Simulate an interview round: timed questions across topics, follow-ups, no model answers
    until the end, then a report card. Ratings feed the scheduler like any session."""
    from mockprep.core.rounds import ROUND_ORDER
    from mockprep.practice.mock import MockOptions, MockPlanError, run_loop
    from mockprep.terminal.input import stdin_reader
    from mockprep.terminal.practice import MockTerminalUI

    if loop == (round is not None):
        raise UserError("choose one: --round technical|project|behavioral, or --loop for all three")
    minutes_value, limit_seconds = timing_options(minutes, time_limit, no_timer)
    store = open_store()
    try:
        console = make_console()
        ui = MockTerminalUI(console, stdin_reader(console, utc_now))
        options = MockOptions(minutes_value, limit_seconds, not no_timer)
        rounds = ROUND_ORDER if loop else (round.value,)  # type: ignore[union-attr]
        with signals_interrupt():
            try:
                run_loop(store, ui, utc_now, session_rng(), rounds, options, load_settings())
            except MockPlanError as exc:
                raise UserError(str(exc)) from None
    finally:
        store.close()
