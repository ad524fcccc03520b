"""Rich rendering of ``mockprep stats`` from the figures of :func:`mockprep.core.stats.assemble`."""

from __future__ import annotations

from datetime import date
from typing import Any

from rich.console import Console
from rich.text import Text

from mockprep.core.durations import format_duration
from mockprep.core.stats import DRILLED, heatmap_weeks, level, month_labels, sparkline
from mockprep.terminal.console import plain_table, plural, print_table, print_text, safe

HEAT = ("·", "░", "▒", "▓", "█")
HEAT_STYLES = ("dim", "green", "green", "bold green", "bold green")


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}%"


def render_stats(console: Console, data: dict[str, Any], leech_lapses: int) -> None:
    _render_heatmap(console, data)
    console.print()
    _render_retention(console, data)
    console.print()
    _render_trend_and_time(console, data)
    console.print()
    if data.get("delivery", {}).get("answers"):
        _render_delivery(console, data["delivery"])
        console.print()
    _render_due_and_cards(console, data)
    _render_weak(console, data, leech_lapses)
    if data.get("grader", {}).get("answers") or data.get("grader", {}).get("models"):
        console.print()
        _render_grader(console, data["grader"])


def _render_heatmap(console: Console, data: dict[str, Any]) -> None:
    heat = data["heatmap"]
    end = date.fromisoformat(heat["end"])
    days = (end - date.fromisoformat(heat["start"])).days + 1
    counts = {date.fromisoformat(d): n for d, n in heat["days"].items()}
    weeks = heatmap_weeks(counts, end, days)
    # a narrow terminal shows the most recent weeks, with room for a month named in the last column
    width = max(1, console.width - 7)
    if len(weeks) > width:
        weeks = weeks[-width:]
    peak = max(counts.values(), default=0)
    title = Text("Activity", style="bold")
    streak = data["streak"]
    title.append(
        f"  {plural(data['reviews'], 'answer')} · streak {plural(streak['current'], 'day')}"
        f" (longest {plural(streak['longest'], 'day')})"
    )
    print_text(console, title)
    print_text(console, Text(f"{'':<5}{month_labels(weeks)}".rstrip(), style="dim"))
    for weekday, name in enumerate(("Mon", "", "Wed", "", "Fri", "", "Sun")):
        line = Text(f"{name:<4} ")
        for week in weeks:
            cell = week[weekday]
            if cell is None:
                line.append(" ")
            else:
                heat_level = level(cell[1], peak)
                line.append(HEAT[heat_level], style=HEAT_STYLES[heat_level])
        line.rstrip()
        print_text(console, line)
    legend = Text("     less ", style="dim")
    for heat_level in range(5):
        legend.append(HEAT[heat_level], style=HEAT_STYLES[heat_level])
    legend.append(f" more   ({heat['start']} to {heat['end']})")
    print_text(console, legend)


def _render_retention(console: Console, data: dict[str, Any]) -> None:
    retention = data["retention"]
    print_text(console, Text("Retention: review answers passed (hard, good or easy)", style="bold"))
    windows = ("7", "30", "365")
    table = plain_table("", *(f"{w} days>" for w in windows), whole=("",))
    overall = retention["overall"]
    table.add_row("all", *(_cell(overall[f"last_{w}_days"]) for w in windows), style="bold")
    for round_name, figures in retention["by_round"].items():
        table.add_row(safe(round_name), *(_cell(figures[f"last_{w}_days"]) for w in windows))
    print_table(console, table)


def _cell(figure: dict[str, Any]) -> str:
    return "-" if figure["retention"] is None else f"{figure['retention']:.0f}% of {figure['reviews']}"


def _render_trend_and_time(console: Console, data: dict[str, Any]) -> None:
    print_text(console, Text("Scores by week (0-100) and answer times", style="bold"))
    table = plain_table(
        "round", "weekly score", "last>", "answers>", "median time>", "limit>", whole=("round",)
    )
    times = {t["round"]: t for t in data["time"]["by_round"]}
    for round_name in sorted(set(data["score_trend"]) | set(times)):
        weeks = data["score_trend"].get(round_name, [])
        spark = sparkline([w["score"] for w in weeks][-26:])
        last = f"{weeks[-1]['score']:.0f}" if weeks else "-"
        t = times.get(round_name)
        table.add_row(
            safe(round_name),
            Text(spark, style="cyan"),
            last,
            str(t["answers"]) if t else "0",
            format_duration(t["median_seconds"]) if t else "-",
            format_duration(t["limit_seconds"]) if t and t["limit_seconds"] else "-",
        )
    print_table(console, table)
    print_text(console, f"Total practice time: {format_duration(data['time']['total_seconds'])}")


def _render_delivery(console: Console, delivery: dict[str, Any]) -> None:
    """Spoken answers by week: pace, fillers, long pauses and overruns, with the targets."""
    low, high = delivery["target_wpm"]
    weeks = delivery["by_week"][-26:]
    print_text(
        console, Text(f"Delivery: {plural(delivery['answers'], 'spoken answer')}, by week", style="bold")
    )
    table = plain_table("", "by week", "overall>", "target", whole=("",))
    rows = (
        ("words a minute", "wpm", low - 40, high + 40, f"{low:g}-{high:g}"),
        ("fillers a minute", "fillers_per_minute", 0, 6, "under 2"),
        ("long pauses an answer", "pauses_per_answer", 0, 4, f"none over {delivery['pause_seconds']:g}s"),
    )
    for label, key, bottom, top, target in rows:
        overall = delivery[key]
        table.add_row(
            label,
            Text(sparkline([w[key] for w in weeks], bottom, top), style="cyan"),
            "-" if overall is None else f"{overall:g}",
            target,
        )
    table.add_row("over the time limit", "", str(delivery["over_limit"]), "0")
    print_table(console, table)


def _render_grader(console: Console, grader: dict[str, Any]) -> None:
    """How often the grader's checklist and suggestion were what the person confirmed."""
    title = Text("Grader", style="bold")
    title.append(f"  {plural(grader['answers'], 'recent graded answer')}")
    print_text(console, title)
    if grader["answers"]:
        print_text(
            console,
            f"Key points as it proposed: {_pct(grader['points_as_proposed'])} · its ticks you kept:"
            f" {_pct(grader['ticks_kept'])} · your ticks it had made: {_pct(grader['ticks_found'])}",
        )
    if grader["suggestions"]:
        print_text(
            console,
            f"Your rating was its suggestion: {_pct(grader['rating_as_suggested'])}"
            f" · within one step: {_pct(grader['rating_within_one'])}",
        )
    for model in grader.get("models", ()):  # each language model asked, and how often it answered
        line = Text("Model ")
        line.append_text(safe(model["model"]))
        line.append(
            f": a verdict on {model['verdicts']} of {plural(model['asked'], 'answer')} it was asked to grade"
        )
        if model["no_verdict"]:
            line.append_text(safe(f"; none on {model['no_verdict']}, most often: {model['most_often']}"))
        print_text(console, line)


def _render_due_and_cards(console: Console, data: dict[str, Any]) -> None:
    forecast = data["due"]["next_14_days"]
    counts = [d["due"] for d in forecast]
    peak = max(counts, default=0)
    line = Text("Due, next 14 days: ", style="bold")
    line.append(sparkline(counts, 0, peak or 1), style="magenta")
    line.append(f"  today {counts[0] if counts else 0}, 14 days {sum(counts)}")
    if data["due"]["overdue"]:
        line.append(f", overdue {data['due']['overdue']}", style="yellow")
    print_text(console, line)
    table = plain_table("bank", "round", "new>", "learning>", "review>", whole=("bank", "round"))
    for row in data["cards"]:
        table.add_row(
            safe(row["bank"]), safe(row["round"]), str(row["new"]), str(row["learning"]), str(row["review"])
        )
    print_table(console, table)


def _render_weak(console: Console, data: dict[str, Any], leech_lapses: int) -> None:
    weakest = data["weakest_topics"]
    if weakest:
        console.print()
        print_text(console, Text("Weakest topics (most answers rated again, last 365 days)", style="bold"))
        for t in weakest:
            figure = t["last_365_days"]
            line = f"  {t['topic']} ({t['round']}): failed {t['failed']} of {plural(t['answers'], 'answer')}"
            if figure["reviews"]:  # and the retention of what was learned, as above
                line += (
                    f"; {_pct(figure['retention'])} of {plural(figure['reviews'], 'review answer')} passed,"
                    f" {plural(t['lapses'], 'lapse')}"
                )
            print_text(console, line)
        which = "it" if len(weakest) == 1 else "them" if len(weakest) <= DRILLED else f"the {DRILLED} weakest"
        print_text(console, f"  Drill {which}: {data['drill_weakest']}", "dim", wrap=False)
    _render_trends(console, data["topic_trends"])
    if data["leeches"]:
        console.print()
        print_text(
            console, Text(f"Leeches (forgotten {leech_lapses}+ times after being learned)", style="bold")
        )
        for leech in data["leeches"]:
            print_text(console, f"  {leech['key']} — {plural(leech['lapses'], 'lapse')}")


def _render_trends(console: Console, trends: dict[str, Any]) -> None:
    """The topics failed less (more) often in the last days than in as many days before: both figures."""
    days = trends["days"]
    for key in ("improving", "slipping"):
        if trends[key]:
            console.print()
            windows = f"last {days} days against the {days} before"
            heading = f"{key.capitalize()} topics (share rated again, {windows})"
            print_text(console, Text(heading, style="bold"))
        for t in trends[key]:
            before, recent = t["earlier"], t["recent"]
            print_text(
                console,
                f"  {t['topic']} ({t['round']}): failed {_pct(before['failed_share'])} of"
                f" {plural(before['answers'], 'answer')} in the {days} days before,"
                f" {_pct(recent['failed_share'])} of {recent['answers']} in the last {days}",
            )


def render_empty_stats(console: Console, filters: list[str] | None = None) -> None:
    """What ``stats`` says with nothing to chart: no answers at all, or none that match ``filters``."""
    if filters:
        print_text(console, f"No answers match the filters ({' '.join(filters)}).", "bold")
        print_text(console, Text("Run mockprep stats without them to see everything.", style="dim"))
        return
    print_text(console, Text("No answers yet, so there is nothing to chart.", style="bold"))
    print_text(console, "Start with: mockprep session  (or a timed round: mockprep mock --round technical)")
    print_text(
        console,
        Text(
            "Come back after a few sessions for streaks, retention, trends and a due forecast.", style="dim"
        ),
    )
