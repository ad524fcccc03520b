"""`mockprep plan`: record an interview date (several allowed) and show how ready each one is."""

from __future__ import annotations

from typing import Annotated

import typer

from mockprep.cli.app import Round, UserError, app
from mockprep.cli.context import check_filter_values, make_console, open_store, plain, utc_now
from mockprep.cli.options import RoleOption


@app.command()
def plan(
    date: Annotated[
        str | None,
        typer.Option("--date", metavar="YYYY-MM-DD", help="Add an interview on this date (local day)."),
    ] = None,
    role: RoleOption = None,
    rounds: Annotated[
        list[Round] | None,
        typer.Option(
            "--rounds", "--round", "-r", help="The rounds it covers (repeatable; default: every round)."
        ),
    ] = None,
    label: Annotated[
        str, typer.Option("--label", metavar="TEXT", help='A name for it, e.g. "onsite" or "phone screen".')
    ] = "",
    remove: Annotated[
        int | None, typer.Option("--remove", metavar="ID", help="Remove the plan with this id.")
    ] = None,
    all_: Annotated[
        bool, typer.Option("--all", help="Also list past interviews, with their ids (for --remove).")
    ] = False,
) -> None:
    """Prepare for a dated interview: record its date, or see how ready you are for each one.

    With --date, record an interview (several are allowed); without, show each coming interview by
    round and topic — new, learning and learned questions, their predicted recall on the day, the new
    questions a day needed and whether today's are done, an estimate of each day's answers and minutes
    until the interview (over plan_minutes_a_day, if set, is called out) and the suspended questions it
    leaves out; --all lists past interviews too (their ids for --remove).

    While a plan runs, sessions introduce its new questions in time (all of them before the last
    plan_review_days days, which are for review) and raise the desired retention so that reviews land
    before the date. From the day before, it steers no more; after the date, normal scheduling
    resumes."""
    from datetime import date as Date

    from mockprep.core.plans import today
    from mockprep.practice.plans import plan_outlook, plan_statuses
    from mockprep.terminal.plans import render_plans

    given = [name for name, value in (("--label", label), ("--role", role), ("--rounds", rounds)) if value]
    if date is None and given:
        verb = "describes" if len(given) == 1 else "describe"
        raise UserError(f"{', '.join(given)} {verb} a new plan: give its --date too")
    if remove is not None and all_:
        raise UserError("--all lists plans and --remove removes one: give them in two commands")
    if remove is not None and (date is not None or given):
        raise UserError("--remove takes only the plan's id; add a plan in a command of its own")
    now = utc_now()
    store = open_store()
    try:
        settings = store.settings
        if remove is not None:
            if not store.plans.remove(remove):
                raise UserError(f"--remove {remove}: no plan with that id (`mockprep plan --all` lists them)")
            typer.echo(f"Removed plan {remove}.")
            return
        if date is not None:
            try:
                day = Date.fromisoformat(date.strip())
            except ValueError:
                raise UserError(f"--date {date!r}: not a date; write YYYY-MM-DD, e.g. 2026-12-20") from None
            if day < today(now, None, settings.day_start_hour):
                raise UserError(f"--date {day}: that day is past; give the interview's coming date")
            check_filter_values(store, "roles", [role] if role else [])
            chosen = tuple(dict.fromkeys(r.value for r in rounds or ()))
            plan_id = store.plans.add(day, label.strip(), role, chosen, now)
            typer.echo(plain(f"Plan {plan_id}: {label.strip() or 'interview'} on {day}."))
        statuses = plan_statuses(store, now, None, settings)
        outlooks = {s.plan.id: plan_outlook(store, s, now, None, settings) for s in statuses}
        on = today(now, None, settings.day_start_hour)
        past = [p for p in store.plans.all() if p.date < on]
    finally:
        store.close()
    render_plans(make_console(), statuses, past, all_, outlooks)
