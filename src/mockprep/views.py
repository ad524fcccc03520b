"""Rich rendering of the read-only views: ``mockprep history`` and ``mockprep stats``."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from mockprep.durations import format_duration
from mockprep.sanitize import shorten
from mockprep.scheduler import RATING_NAMES
from mockprep.scoring import session_score
from mockprep.stats import LEECH_LAPSES, heatmap_weeks, level, month_labels, sparkline
from mockprep.storage import from_db_time
from mockprep.ui import plain_table, safe

HEAT = ("·", "░", "▒", "▓", "█")
HEAT_STYLES = ("dim", "green", "green", "bold green", "bold green")


def _local(value: Any) -> str:
    moment = from_db_time(value)
    return "-" if moment is None else moment.astimezone().strftime("%Y-%m-%d %H:%M")


def _kind(row: Any) -> str:
    if row.kind == "mock":
        return f"mock {row.round}"
    filters = json.loads(row.filters or "{}")
    rounds = filters.get("rounds") or []
    return "drill" + (f" {','.join(rounds)}" if rounds else "")


def render_history(console: Console, rows: list[Any]) -> None:
    table = Table(title="Sessions and mocks, newest first", title_justify="left", box=None, pad_edge=False)
    for column, justify in (
        ("id", "right"),
        ("date", "left"),
        ("kind", "left"),
        ("answered", "right"),
        ("score", "right"),
        ("time", "right"),
        ("over", "right"),
        ("status", "left"),
    ):
        table.add_column(column, justify=justify, no_wrap=column != "kind")  # type: ignore[arg-type]
    for row in rows:
        answered = row.mock_answered if row.kind == "mock" else row.rated
        started, ended = from_db_time(row.started_at), from_db_time(row.ended_at)
        spent = format_duration((ended - started).total_seconds()) if started and ended else "-"
        status = Text(row.status, style={"interrupted": "yellow", "running": "cyan"}.get(row.status, ""))
        table.add_row(
            str(row.id),
            _local(row.started_at),
            _kind(row),
            str(answered),
            "-" if row.score is None else f"{int(row.score)}",
            spent,
            str(row.overtime) if row.overtime else "",
            status,
        )
    console.print(table)
    console.print(Text("Open one: mockprep history ID", style="dim"))


def render_session(console: Console, session: Any, answers: list[Any]) -> None:
    console.print(Text(f"Session {session.id} · {_kind(session)} · {session.status}", style="bold"))
    console.print(Text(f"{_local(session.started_at)} to {_local(session.ended_at)}", style="dim"))
    if not answers:
        console.print("No answers in this session.")
        return
    score = session_score(
        (a.rating, a.time_limit_ms is not None and a.duration_ms > a.time_limit_ms)
        for a in answers
        if a.rating
    )
    over = sum(a.time_limit_ms is not None and a.duration_ms > a.time_limit_ms for a in answers)
    summary = Text(f"{_n(len(answers), 'answer')} · score {'-' if score is None else score}/100")
    if over:
        summary.append(f" · {over} over time", style="red")
    console.print(summary)
    for a in answers:
        console.print()
        head = Text(f"{a.position}. ", style="bold")
        head.append_text(safe(a.key, "bold"))
        console.print(head)
        # The figures on their own line: a long question key must not push them onto two.
        limit = "" if a.time_limit_ms is None else f" of {format_duration(a.time_limit_ms / 1000)}"
        over = a.time_limit_ms is not None and a.duration_ms > a.time_limit_ms
        figures = Text(
            f"   ⏱ {format_duration(a.duration_ms / 1000)}{limit}", style="red" if over else "green"
        )
        rating = RATING_NAMES.get(a.rating) if a.rating else None  # type: ignore[call-overload]
        figures.append(f" · rating {rating or 'not rated'}")
        if a.coverage:
            covered = json.loads(a.coverage)
            if covered:
                figures.append(f" · key points {sum(covered)}/{len(covered)}")
        console.print(figures)
        console.print(safe(shorten(a.answer) or "(nothing typed)"))
        if a.follow_up:
            line = Text("Follow-up: ", style="magenta")
            line.append_text(safe(a.follow_up, "italic"))
            console.print(line)
            console.print(safe(shorten(a.follow_up_answer or "") or "(not answered)"))


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}%"


def render_stats(console: Console, data: dict[str, Any]) -> None:
    _render_heatmap(console, data)
    console.print()
    _render_retention(console, data)
    console.print()
    _render_trend_and_time(console, data)
    console.print()
    _render_due_and_cards(console, data)
    _render_weak(console, data)


def _render_heatmap(console: Console, data: dict[str, Any]) -> None:
    heat = data["heatmap"]
    end = date.fromisoformat(heat["end"])
    days = (end - date.fromisoformat(heat["start"])).days + 1
    counts = {date.fromisoformat(d): n for d, n in heat["days"].items()}
    weeks = heatmap_weeks(counts, end, days)
    width = console.width - 5
    if len(weeks) > width:  # a narrow terminal shows the most recent weeks
        weeks = weeks[-width:]
    peak = max(counts.values(), default=0)
    title = Text("Activity", style="bold")
    streak = data["streak"]
    title.append(
        f"  {_n(data['reviews'], 'answer')} · streak {_n(streak['current'], 'day')}"
        f" (longest {_n(streak['longest'], 'day')})"
    )
    console.print(title)
    console.print(Text(f"{'':<5}{month_labels(weeks)}", style="dim"))
    for weekday, name in enumerate(("Mon", "", "Wed", "", "Fri", "", "Sun")):
        line = Text(f"{name:<4} ")
        for week in weeks:
            cell = week[weekday]
            if cell is None:
                line.append(" ")
            else:
                heat_level = level(cell[1], peak)
                line.append(HEAT[heat_level], style=HEAT_STYLES[heat_level])
        console.print(line)
    legend = Text("     less ")
    for heat_level in range(5):
        legend.append(HEAT[heat_level], style=HEAT_STYLES[heat_level])
    legend.append(f" more   ({heat['start']} to {heat['end']})")
    console.print(legend, style="dim")


def _render_retention(console: Console, data: dict[str, Any]) -> None:
    retention = data["retention"]
    console.print(Text("Retention: review answers passed (hard, good or easy)", style="bold"))
    table = Table(box=None, pad_edge=False)
    table.add_column("")
    for window in ("7 days", "30 days", "365 days"):
        table.add_column(window, justify="right")
    overall = retention["overall"]
    table.add_row("all", *(_cell(overall[f"last_{w}_days"]) for w in ("7", "30", "365")), style="bold")
    for round_name, figures in retention["by_round"].items():
        table.add_row(round_name, *(_cell(figures[f"last_{w}_days"]) for w in ("7", "30", "365")))
    console.print(table)


def _cell(figure: dict[str, Any]) -> str:
    return "-" if figure["retention"] is None else f"{figure['retention']:.0f}% of {figure['reviews']}"


def _render_trend_and_time(console: Console, data: dict[str, Any]) -> None:
    console.print(Text("Scores by week (0-100) and answer times", style="bold"))
    table = plain_table("round", "weekly score", "last>", "answers>", "median time>", "limit>")
    times = {t["round"]: t for t in data["time"]["by_round"]}
    for round_name in sorted(set(data["score_trend"]) | set(times)):
        weeks = data["score_trend"].get(round_name, [])
        spark = sparkline([w["score"] for w in weeks][-26:])
        last = f"{weeks[-1]['score']:.0f}" if weeks else "-"
        t = times.get(round_name)
        table.add_row(
            round_name,
            Text(spark, style="cyan"),
            last,
            str(t["answers"]) if t else "0",
            format_duration(t["median_seconds"]) if t else "-",
            format_duration(t["limit_seconds"]) if t and t["limit_seconds"] else "-",
        )
    console.print(table)
    console.print(f"Total practice time: {format_duration(data['time']['total_seconds'])}")


def _render_due_and_cards(console: Console, data: dict[str, Any]) -> None:
    forecast = data["due"]["next_14_days"]
    counts = [d["due"] for d in forecast]
    peak = max(counts, default=0)
    line = Text("Due, next 14 days: ", style="bold")
    line.append(sparkline(counts, 0, peak or 1), style="magenta")
    line.append(f"  today {counts[0] if counts else 0}, 14 days {sum(counts)}")
    if data["due"]["overdue"]:
        line.append(f", overdue {data['due']['overdue']}", style="yellow")
    console.print(line)
    table = plain_table("bank", "round", "new>", "learning>", "review>")
    for row in data["cards"]:
        table.add_row(
            safe(row["bank"]), row["round"], str(row["new"]), str(row["learning"]), str(row["review"])
        )
    console.print(table)


def _render_weak(console: Console, data: dict[str, Any]) -> None:
    weakest = data["weakest_topics"]
    if weakest:
        console.print()
        console.print(Text("Weakest topics (last 365 days)", style="bold"))
        for t in weakest:
            figure = t["last_365_days"]
            console.print(
                safe(
                    f"  {t['topic']} ({t['round']}): {_pct(figure['retention'])} of {figure['reviews']}"
                    f" passed, {_n(t['lapses'], 'lapse')}"
                )
            )
        console.print(safe(f"  Drill them: {data['drill_weakest']}"), style="dim")
    if data["leeches"]:
        console.print()
        console.print(Text(f"Leeches (forgotten {LEECH_LAPSES}+ times after being learned)", style="bold"))
        for leech in data["leeches"]:
            console.print(safe(f"  {leech['key']} — {leech['lapses']} lapses"))


def render_empty_stats(console: Console) -> None:
    console.print(Text("No answers yet, so there is nothing to chart.", style="bold"))
    console.print("Start with: mockprep session  (or a timed round: mockprep mock --round technical)")
    console.print(
        Text("Come back after a few sessions for streaks, retention, trends and a due forecast.", style="dim")
    )
