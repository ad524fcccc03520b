"""Looking back: `history` and `stats`."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from mockprep.cli.app import UserError, app
from mockprep.cli.context import (
    STDOUT,
    check_filter_values,
    make_console,
    open_store,
    output_stream,
    utc_now,
)
from mockprep.cli.options import BankOption, Force, Output, OutSpelling, RoundOption, output_file


@app.command()
def history(
    session_id: Annotated[
        int | None, typer.Argument(metavar="[SESSION-ID]", help="Open one session or mock.")
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", "-n", metavar="N", min=1, help="How many sessions to list.")
    ] = 30,
    all_: Annotated[bool, typer.Option("--all", help="List every session.")] = False,
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="With a session id: every answer whole (without --full, one over 4,000 characters is cut).",
        ),
    ] = False,
    csv_: Annotated[bool, typer.Option("--csv", help="Write the whole review log as CSV instead.")] = False,
    output: Output = None,
    out: OutSpelling = None,
    force: Force = False,
) -> None:
    """Past sessions and mock rounds, newest first; or one of them in full; or the review log as CSV."""
    output = output_file(output, out)
    if output is not None and not csv_:
        raise UserError("-o/--output writes the review log as CSV: add --csv")
    if force and output is None:
        raise UserError("--force overwrites the file given with -o; give one (with --csv)")
    if full and session_id is None:
        raise UserError(
            "--full shows one session's answers in full: give its id (mockprep history ID --full)"
        )
    if csv_ and session_id is not None:
        raise UserError("--csv writes the whole review log; leave out the session id")
    if csv_:
        _write_csv(output, force)
        return
    from mockprep.terminal.history import render_history, render_session

    store = open_store(sync=False)
    try:
        console = make_console()
        if session_id is not None:
            # An id beyond SQLite's integers (or below 1) names no session; asking would overflow.
            info = store.sessions.get(session_id) if 1 <= session_id < 2**63 else None
            if info is None:
                raise UserError(f"no session with id {session_id} (see mockprep history)")
            render_session(console, info, store.sessions.answers(session_id), full=full)
            return
        rows = store.sessions.history(None if all_ else limit)
        if not rows:
            console.print("No sessions yet. Start one with: mockprep session")
            return
        render_history(console, rows)
    finally:
        store.close()


def _write_csv(output: Path | None, force: bool) -> None:
    """The review log as CSV (see :mod:`mockprep.services.review_log`)."""
    from mockprep.services.review_log import write_review_log

    store = open_store(sync=False)
    try:
        with output_stream(output, force) as handle:
            written = write_review_log(store, handle)
    finally:
        store.close()
    if output is not None and output != STDOUT:  # (to a file: say so, as export does)
        from mockprep.core.wording import plural

        typer.echo(f"Wrote {plural(written, 'review')} to {output}", err=True)


# From how many answers recounting the stats roll-up's days (after a change of zone) takes long enough
# to say so: about a second on a 2-core machine.
RECOUNT_NOTICE_AT = 100_000


def _recounting(answers: int) -> None:
    """Say why this `stats` takes longer: the zone changed, so the roll-up's days are recounted."""
    if answers >= RECOUNT_NOTICE_AT:
        counted = f"{answers:,} {'answer' if answers == 1 else 'answers'}"
        typer.echo(f"Your time zone changed: recounting {counted} by local day (once)...", err=True)


@app.command()
def stats(
    round_: RoundOption = None,
    bank: BankOption = None,
    since: Annotated[
        str | None,
        typer.Option("--since", metavar="DATE", help="Only answers from this date on (YYYY-MM-DD)."),
    ] = None,
    days: Annotated[
        int,
        typer.Option("--days", metavar="N", min=7, max=3660, help="Days shown by the heatmap and trends."),
    ] = 182,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """Progress at a glance: activity heatmap and streaks, retention, score trends, due forecast,
    weakest topics and leeches, practice time, and how often the grader agreed with you."""
    from mockprep.core.stats import StatsFilter
    from mockprep.services.reports import collect

    since_at = None
    if since is not None:
        try:
            since_at = datetime.fromisoformat(since)
            since_at = since_at.astimezone() if since_at.tzinfo is None else since_at  # local midnight
        except ValueError:
            raise UserError(f"--since {since!r}: not a date; write YYYY-MM-DD, e.g. 2026-12-01") from None
    store = open_store(sync=False)
    try:
        check_filter_values(store, "banks", bank or [])
        now = utc_now()
        flt = StatsFilter((round_.value,) if round_ else (), tuple(bank or ()), since_at)
        data = collect(store, now, None, flt, days, _recounting)  # days in the system's zone
        leech_lapses = store.settings.leech_lapses
        plans = []
        latest = store.plans.latest_day()
        # A plan is active until its local day has passed; three days spans any zone and day start.
        if latest is not None and latest >= now.date() - timedelta(days=3):
            from mockprep.practice.plans import plan_statuses

            plans = plan_statuses(store, now, None, store.settings)
    finally:
        store.close()
    if as_json:
        data["plans"] = [
            {
                "id": p.plan.id,
                "date": p.plan.date.isoformat(),
                "label": p.plan.label,
                "days_left": p.days_left,
                "readiness": round(p.readiness, 4),
                "new_left": p.new_left,
                "pace": p.pace,
                "on_track": p.on_track,
            }
            for p in plans
        ]
        typer.echo(json.dumps(data, indent=2))
        return
    from mockprep.terminal.stats import render_empty_stats, render_stats

    console = make_console()
    if plans:  # the countdown to each interview comes first
        from mockprep.terminal.console import print_text
        from mockprep.terminal.plans import countdown_line

        for status in plans:
            print_text(console, f"Interview: {countdown_line(status)}", "bold")
    if data["reviews"] == 0:
        filters = [f"--round {round_.value}"] if round_ else []
        filters += [f"--bank {b}" for b in bank or ()]
        filters += [f"--since {since}"] if since else []
        render_empty_stats(console, filters)
        return
    render_stats(console, data, leech_lapses)
