"""The `plan` view: each coming interview by round and topic, its pace and whether it is on track."""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING

from mockprep.core.wording import plural
from mockprep.terminal.console import plain_table, print_table, print_text, safe

if TYPE_CHECKING:
    from collections.abc import Sequence

    from rich.console import Console

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
    console: Console, statuses: list[PlanStatus], past: Sequence[Plan] = (), show_past: bool = False
) -> None:
    """Each coming interview; the past ones listed (``show_past``) or counted, so their ids are found."""
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
        console.print()
