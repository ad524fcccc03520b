"""The end of a session on the terminal: the summary, and why a time-boxed session or round stopped."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from fsrs import Rating
from rich.console import Console
from rich.text import Text

from mockprep.core.durations import format_duration
from mockprep.core.scheduler import RATING_NAMES
from mockprep.practice.ui import filter_options
from mockprep.terminal.console import plural, print_text, safe
from mockprep.terminal.practice import RATING_STYLES, heading

if TYPE_CHECKING:
    from mockprep.core.timer import TimeStop
    from mockprep.practice.ui import SessionSummary


def render_summary(console: Console, summary: SessionSummary, now: datetime, recordings_limit: bool) -> None:
    """The end of a session: how many were answered and rated, the score, why it stopped, what is due."""
    console.print()
    if summary.status == "empty":
        why = _new_done(summary) if summary.new_waiting else f"no new questions are left{_scope(summary)}"
        why = f"Nothing to practise right now: no questions are due and {why}."
        if summary.nothing is not None:
            why = f"Nothing to practise: {summary.nothing}."
        console.print(Text(why, style="bold"))
        if summary.next_due is not None:
            console.print(Text(f"The next question is due {_when(summary.next_due, now)}."))
        _more_new(console, summary)
        return
    title = {"interrupted": "Session interrupted", "ended_early": "Session ended early"}
    console.print(
        heading(Text(title.get(summary.status, "Session complete"), style="bold"), console.width, "dim")
    )
    line = Text(f"{summary.answered} answered in {format_duration(summary.seconds)}")
    if summary.kept:  # (history lists them; "0 answered" alone read as if the text were gone)
        line.append(f", {summary.kept} kept not rated", style="yellow")
    if summary.answered:
        line.append("  ·  ")
        for rating in Rating:
            line.append(
                f"{RATING_NAMES[rating]} {summary.ratings.get(int(rating), 0)}  ",
                style=RATING_STYLES[rating],
            )
    console.print(line)
    if summary.score is not None:
        score = Text(f"Score {summary.score}/100", style="bold")
        if summary.overtime:
            score.append(f"  ·  {summary.overtime} over time", style="red")
        console.print(score)
    if summary.unstored is not None:  # (the line after the summary says where it is kept)
        said = f"The database would not take your answer to {summary.unstored}; every answer before it"
        console.print(safe(f"{said} was saved.", "yellow"))
    elif summary.status != "completed":
        console.print(Text("Every rated answer was saved.", style="dim"))
    if summary.stopped_by_limit:
        said = "The recordings given with --audio are used up." if recordings_limit else None
        console.print(Text(said or "Stopped at the --limit you set.", style="dim"))
    if summary.time_stop is not None:
        console.print(time_stop_text(summary.time_stop))
    due = f"Due by the end of tomorrow: {summary.due_tomorrow}"
    if filter_options(summary.filter):  # (the next-due line below is the selection's)
        due = f"{due} in all, {summary.due_tomorrow_selected} of this selection"
    console.print(Text(due))
    if summary.next_due is not None:
        which = "of this selection " if filter_options(summary.filter) else ""
        console.print(Text(f"Next question {which}due {_when(summary.next_due, now)}.", style="dim"))
    if summary.new_waiting:
        done = _new_done(summary)
        console.print(Text(f"{done[0].upper()}{done[1:]}.", style="dim"))
        _more_new(console, summary)


def _more_new(console: Console, summary: SessionSummary) -> None:
    """How to get more new questions today, for the same selection."""
    if not summary.new_waiting:
        return
    options = filter_options(summary.filter)
    more = f"--new {min(5, summary.new_waiting)}"
    command = f"mockprep session {options} {more}" if options else f"mockprep session {more}"
    waits = "waits" if summary.new_waiting == 1 else "wait"
    more = f"{plural(summary.new_waiting, 'new question')} {waits}; to learn more now:"
    console.print(safe(more, "dim"))
    print_text(console, f"  {command}", "dim", wrap=False)  # a command to copy: never broken


def _new_done(summary: SessionSummary) -> str:
    """Why no more new questions come: today's limit for the selection, or --new."""
    if summary.new_option == 0:
        return "--new 0 asked for no new questions"
    if summary.new_option is not None:
        return f"the {plural(summary.new_option, 'new question')} asked for with --new are done"
    done = "is done" if summary.daily_new == 1 else "are done"
    why = " (your interview plan's pace, beyond the daily limit)" if summary.new_by_plan else ""
    return f"today's {plural(summary.daily_new, 'new question')}{_scope(summary)} {done}{why}"


def _scope(summary: SessionSummary) -> str:
    return " for this selection" if filter_options(summary.filter) else ""


def plural_minutes(minutes: float) -> str:
    return f"{minutes:g} {'minute' if minutes == 1 else 'minutes'}"


def time_stop_text(stop: TimeStop, mock: bool = False) -> Text:
    """Why a time-boxed session or round stopped with questions left: which one is next and why."""
    if stop.left <= 0:
        if mock:
            return Text("The round's time is up.", style="yellow")
        waits = "waits" if stop.waiting == 1 else "wait"
        left = f"{plural(stop.waiting, 'question')} {waits} for next time"
        return Text(f"Time is up for the minutes you planned; {left}.", style="yellow")
    what = "the round stopped" if mock else "Stopped"
    text = (
        f"{what[0].upper()}{what[1:]} with {format_duration(stop.left)} left: no "
        f"{'question left' if mock else 'waiting question'} fits in it. The shortest, {stop.key}, "
        f"takes {format_duration(stop.needs)} ({stop.basis})."
    )
    if not mock:
        waits = "waits" if stop.waiting == 1 else "wait"
        text += f" {plural(stop.waiting, 'question')} {waits} for next time."
    return safe(text, "yellow")


def _when(moment: datetime, now: datetime) -> str:
    local = moment.astimezone()
    if moment <= now:
        return "now"
    stamp = (
        local.strftime("%H:%M") if moment - now < timedelta(hours=20) else local.strftime("%a %d %b %H:%M")
    )
    return f"in {format_duration((moment - now).total_seconds())} (at {stamp})"
