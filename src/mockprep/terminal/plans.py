"""The `plan` view: each coming interview by round and topic, its pace and whether it is on track."""

from __future__ import annotations

import shlex
from datetime import date
from typing import TYPE_CHECKING

from mockprep.core.wording import plural
from mockprep.terminal.console import plain_table, print_table, print_text, safe

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from rich.console import Console

    from mockprep.core.plan_load import DayLoad, PlanLoad, PlanOutlook
    from mockprep.core.plans import Plan, PlanStatus


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def countdown_line(status: PlanStatus) -> str:
    """``onsite on 2026-12-20 (technical, ml-engineer): 17 days left, 64% ready``."""
    days = status.days_left
    when = "today" if days == 0 else ("tomorrow" if days == 1 else f"{days} days left")
    on = "" if not status.plan.label else f" on {status.plan.date}"  # (an unnamed plan's name has the date)
    return (
        f"{status.plan.name}{on} ({status.plan.scope()}): {when}, "
        f"predicted readiness {_percent(status.readiness)}"
    )


OVERLOAD = 3  # a pace over this many times the daily limit (or last week's pace) is called out


def pace_line(status: PlanStatus) -> str:
    if status.days_left == 0:  # no pace to keep: what is left is going over what is known
        plan = status.plan
        scope = "".join(
            [*(f" --round {r}" for r in plan.rounds), *([f" --role {plan.role}"] if plan.role else [])]
        )
        return (
            "The interview is today: rather than new questions, go over your weakest studied ones"
            f" (mockprep session{scope} --weakest 20)."
        )
    if status.new_left == 0:
        return (
            f"Every question has been introduced; {plural(status.reviews_due, 'review')} due before the day."
        )
    if status.pace == 0:  # the review-only days (plan_review_days)
        return (
            f"{plural(status.new_left, 'new question')} left, but the last days before the interview are for"
            f" review (plan_review_days): the plan asks for no more new ones;"
            f" {plural(status.reviews_due, 'review')} due before the day."
        )
    if status.on_track:
        verdict = "today's are done: on pace"
    else:  # (not "behind" before the day is over: sessions introduce the plan's questions first)
        verdict = (
            f"{status.due_today} more today to keep the pace (after the reviews due, sessions introduce"
            " the plan's questions before other new ones)"
        )
    line = (
        f"{plural(status.new_left, 'new question')} left: {status.pace} new a day needed "
        f"(today {status.introduced_today}, last week {status.recent_pace:.1f} a day, daily limit "
        f"{status.limit}) — {verdict}; {plural(status.reviews_due, 'review')} due before the day."
    )
    if status.pace > OVERLOAD * max(status.limit, status.recent_pace):
        line += f" That is over {OVERLOAD}x what you take in a day, too many to learn well before the day"
        line += _narrowing(status)
    return line


def _narrowing(status: PlanStatus) -> str:
    """How the overloaded plan could be narrowed, from what it does not narrow yet (the recipe keeps what
    it does, and its label); and, with something studied, the other use of the time."""
    plan = status.plan
    options = [
        o for o, unset in (("--role", plan.role is None), ("--rounds", len(plan.rounds) != 1)) if unset
    ]
    studied = status.totals.learning + status.totals.learned > 0
    advice = []
    if options:
        rounds = plan.rounds if len(plan.rounds) == 1 else ()  # (several: the advice is to choose fewer)
        kept = [f" --role {plan.role}" if plan.role else "", *(f" --rounds {r}" for r in rounds)]
        label = "".join(kept) + (f" --label {shlex.quote(plan.label)}" if plan.label else "")
        recipe = (
            f"mockprep plan --remove {plan.id}, then --date {plan.date}{label} with {' or '.join(options)}"
        )
        advice.append(f"narrow the plan ({recipe})")
    if studied:
        advice.append("spend the time on what you have studied")
    return (": " + " or ".join(advice) + ".") if advice else "."


def render_plans(
    console: Console,
    statuses: list[PlanStatus],
    past: Sequence[Plan] = (),
    show_past: bool = False,
    outlooks: Mapping[int, PlanOutlook] | None = None,
) -> None:
    """Each coming interview (with its ``outlooks``, by plan id, when given); the past ones listed
    (``show_past``) or counted, so their ids are found."""
    if show_past and past:
        print_text(console, "Past interviews:", "bold")
        for plan in past:
            on = "" if not plan.label else f" on {plan.date}"
            print_text(console, f"  Plan {plan.id}: {plan.name}{on} ({plan.scope()})")
        console.print()
    elif past:
        them = "it" if len(past) == 1 else "them"
        line = f"{plural(len(past), 'past interview')}: mockprep plan --all lists {them}."
        print_text(console, line, "dim")
    if not statuses:
        print_text(console, f"No {'coming ' if past else ''}interview planned. Add one:")
        print_text(console, "  mockprep plan --date YYYY-MM-DD [--rounds R] [--role R]", wrap=False)
        return
    for status in statuses:
        print_text(console, f"Plan {status.plan.id}: {countdown_line(status)}", "bold")
        table = plain_table("round", "topic", "new>", "learning>", "learned>", "recall>", "ready>")
        for topic in status.topics:
            table.add_row(
                topic.round,
                safe(topic.topic),
                str(topic.new),
                str(topic.learning),
                str(topic.learned),
                _percent(topic.recall),
                _percent(topic.readiness),
            )
        print_table(console, table)
        legend = "recall: predicted recall on the day of the questions studied; ready: over every question"
        print_text(console, legend + " (a new one counts 0)", "dim")
        print_text(console, pace_line(status))
        outlook = (outlooks or {}).get(status.plan.id)
        if outlook is not None:
            render_outlook(console, outlook)
        console.print()


# -- what a plan asks of each day, and what it leaves out ----------------------------------------------

ROWS = 7  # today and six weeks; the days after them share one row
GROWTH = 1.5  # a day this many times the first days' minutes (and GROWTH_MINUTES more) is called out
GROWTH_MINUTES = 15


def render_outlook(console: Console, outlook: PlanOutlook) -> None:
    """The estimated daily load until the interview (a table by week, what it assumes, a warning when a
    day exceeds the minutes the person has or the load grows much beyond the first days'), and the
    plan's suspended questions."""
    load = outlook.load
    if load is not None and load.days:
        print_text(
            console,
            "Each day until the interview, estimated for this plan's questions only (today: what is left):",
        )
        table = plain_table("days", "new>", "answers>", "minutes>")
        for row in load_rows(load.days):
            table.add_row(*row)
        print_table(console, table)
        print_text(console, assumptions(load, outlook.minutes_a_day), "dim")
        warning = load_warning(load.days, outlook.minutes_a_day)
        if warning:
            print_text(console, warning, "yellow")
    line = suspended_line(outlook.suspended)
    if line:
        print_text(console, line)


def load_rows(days: Sequence[DayLoad]) -> list[tuple[str, str, str, str]]:
    """Today, then a row a week (each figure's range over its days), the days after six weeks in one."""
    groups = [days[:1], *(days[i : i + 7] for i in range(1, len(days), 7))]
    if len(groups) > ROWS:
        groups = [*groups[: ROWS - 1], [d for g in groups[ROWS - 1 :] for d in g]]
    rows = []
    for number, group in enumerate(groups):
        label = "today" if number == 0 else _span(group[0].day, group[-1].day)
        rows.append(
            (
                label,
                _range([d.new for d in group]),
                _range([d.answers for d in group]),
                _range([round(d.minutes) for d in group]),
            )
        )
    return rows


def _span(first: date, last: date) -> str:
    """``Dec 15-21``, ``Dec 29-Jan 4``, or one day: ``Dec 27``."""
    start = f"{first:%b} {first.day}"
    if first == last:
        return start
    if (first.year, first.month) == (last.year, last.month):
        return f"{start}-{last.day}"
    return f"{start}-{last:%b} {last.day}"


def _range(values: Sequence[int]) -> str:
    low, high = min(values), max(values)
    return str(low) if low == high else f"{low}-{high}"


def assumptions(load: PlanLoad, minutes_a_day: int) -> str:
    """What the estimate assumes, said with it: it is an estimate, not a promise."""
    from mockprep.core.plan_load import KINDS, MIN_ANSWERS, MIN_RATE, RATE_DAYS
    from mockprep.core.timer import MIN_EXPECTED_SECONDS

    names = {"first": "first answers", "step": "learning steps", "review": "reviews"}
    rates = load.rates
    own = [f"{names[k]} {rates.of(k):.0%}" for k in KINDS if k in rates.own]
    floor = [names[k] for k in KINDS if k in rates.floored]
    below = (
        f" ({_and(floor)} less often, taken as {MIN_RATE:.0%}: the least the estimate assumes)"
        if floor
        else ""
    )
    passes = [f"{_and(own)} of the time, as in your last {RATE_DAYS} days{below}"] if own else []
    guessed = [k for k in KINDS if k not in rates.own]
    if guessed:
        passes.append(
            f"{_and([names[k] for k in guessed])} {rates.of(guessed[0]):.0%} of the time (desired_retention,"
            f" until you have {MIN_ANSWERS} answers of the kind in {RATE_DAYS} days)"
        )
    times = []
    if load.shares:
        shares = ", ".join(f"{r} {s:.0%}" for r, s in sorted(load.shares.items()))
        times.append(
            f"the share of its time limit your answers in its round take (median: {shares}; at least"
            f" {MIN_EXPECTED_SECONDS:g} s)"
        )
    if load.limited:  # (rounds with too few answers timed)
        times.append("its question's time limit" + (f" in {_and(load.limited)}" if load.shares else ""))
    budget = f" You said you have {plural(minutes_a_day, 'minute')} a day." if minutes_a_day else ""
    return (
        "An estimate: it assumes you answer each question on the day it falls due, sessions introduce new"
        f" ones as above, you pass (rate good, else again) {'; '.join(passes)}; and an answer takes"
        f" {' or '.join(times)}.{budget}"
    )


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def load_warning(days: Sequence[DayLoad], minutes_a_day: int) -> str | None:
    """One line when a day's estimate exceeds the minutes the person has, or (minutes not said) when a
    later day asks much more than the first full days did."""
    if minutes_a_day:
        over = [d for d in days if d.minutes > minutes_a_day]
        if not over:
            return None
        worst = max(over, key=lambda d: d.minutes)
        return (
            f"{_count(len(over), len(days))} over your {plural(minutes_a_day, 'minute')} a day"
            f" (plan_minutes_a_day) with this plan's questions only: the most, {worst.day:%a %b}"
            f" {worst.day.day}, about"
            f" {round(worst.minutes)} minutes for {plural(worst.answers, 'answer')}."
        )
    full = list(days[1:]) or list(days)  # (what is left of today is no measure)
    first, later = full[:3], full[3:]
    if not later:
        return None
    base = sum(d.minutes for d in first) / len(first)
    peak = max(later, key=lambda d: d.minutes)
    if peak.minutes < GROWTH * base or peak.minutes - base < GROWTH_MINUTES:
        return None
    return (
        f"The load grows: about {round(peak.minutes)} minutes ({plural(peak.answers, 'answer')}) on"
        f" {peak.day:%a %b} {peak.day.day}, against {round(base)} a day at first, as the questions"
        " introduced come back for review. Say how long you have (mockprep config set plan_minutes_a_day 60)"
        " to be told which days exceed it."
    )


def _leeches(count: int) -> str:
    return "a leech" if count == 1 else "leeches"


def _count(over: int, days: int) -> str:
    if over == days:
        return {1: "The one day left is", 2: "Both days are"}.get(days, f"All {days} days are")
    return f"{over} of the {days} days {'is' if over == 1 else 'are'}"


def suspended_line(suspended: Sequence[tuple[str, bool]]) -> str | None:
    """The plan's suspended questions: how many, the leeches among them, and how to ask them again
    (they are in none of the figures above)."""
    if not suspended:
        return None
    keys = [key for key, _leech in suspended]
    leeches = sum(1 for _key, leech in suspended if leech)
    if leeches == 0:
        which = ""
    elif len(keys) == 1:
        which = " (a leech)"
    else:
        which = " (all leeches)" if leeches == len(keys) else f" ({leeches} of them {_leeches(leeches)})"
    if len(keys) <= 3:
        command = f"mockprep question unsuspend {' '.join(keys)}"
    else:
        command = "mockprep question unsuspend KEY... (mockprep question list --suspended lists them)"
    one = len(keys) == 1
    return (
        f"{plural(len(keys), 'question')} of this plan {'is' if one else 'are'} suspended{which}: never"
        " asked, and in none of the figures above (readiness included). To practise"
        f" {'it' if one else 'them'}: {command}"
    )
