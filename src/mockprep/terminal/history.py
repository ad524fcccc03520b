"""Rich rendering of ``mockprep history``: the list of sessions and one session in full."""

from __future__ import annotations

from datetime import datetime

from fsrs import Rating
from rich.console import Console
from rich.text import Text

from mockprep.core.delivery import summary_line
from mockprep.core.durations import format_duration
from mockprep.core.records import HistoryEntry, SessionAnswer, SessionInfo
from mockprep.core.sanitize import shorten
from mockprep.core.scheduler import RATING_NAMES
from mockprep.core.scoring import session_score
from mockprep.core.wording import session_kind_name as kind_name
from mockprep.terminal.console import plain_table, plural, print_table, print_text, safe

STATUS_LABELS = {"ended_early": "ended early"}  # how each stored status reads; others read as stored
STATUS_STYLES = {"interrupted": "yellow", "ended_early": "yellow", "running": "cyan"}


def status_label(status: str) -> str:
    """A session's status as people read it: ``completed``, ``ended early``, ``interrupted``..."""
    return STATUS_LABELS.get(status, status)


def status_text(session: SessionInfo, unrated: int) -> Text:
    """The status, and for a mock with answers never rated, how many (``mock --rate ID`` rates them)."""
    text = safe(status_label(session.status), STATUS_STYLES.get(session.status, ""))
    if unrated:
        text.append(f", {unrated} not rated", style="yellow")
    return text


def _local(moment: datetime | None) -> str:
    return "-" if moment is None else moment.astimezone().strftime("%Y-%m-%d %H:%M")


def _kind(session: SessionInfo) -> str:
    """ "mock technical", "cram behavioral", "cram"; a regular session by its rounds alone ("technical",
    which keeps a row within 80 columns) or, practising every round, "session"."""
    if session.kind == "mock":
        return f"mock {session.round}"
    rounds = ",".join(session.filters.get("rounds") or [])
    if session.kind == "cram":
        return f"cram {rounds}".strip()
    return rounds or kind_name(session.kind)


def render_history(console: Console, entries: list[HistoryEntry]) -> None:
    table = plain_table(
        "id>", "date", "kind", "answered>", "score>", "time>", "over>", "status",
        whole=("id",), title="Sessions and mocks, newest first",
    )  # fmt: skip
    unrated: list[str] = []  # mocks whose answers can still be rated
    kept: list[str] = []  # sessions left at a rating prompt: the answer kept, never scheduled
    for entry in entries:
        s = entry.session
        spent = format_duration((s.ended_at - s.started_at).total_seconds()) if s.ended_at else "-"
        score = Text("-" if entry.score is None else f"{entry.score}")
        if entry.unrated:  # marked here, explained under the table (the status column stays narrow)
            score.append("*" if s.kind == "mock" else "†", style="yellow")
            (unrated if s.kind == "mock" else kept).append(str(s.id))
        table.add_row(
            str(s.id),
            _local(s.started_at),
            safe(_kind(s)),  # an imported session's round is data too
            str(entry.answered),
            score,
            spent,
            str(entry.overtime) if entry.overtime else "",
            status_text(s, 0),
        )
    print_table(console, table)
    if kept:
        print_text(
            console,
            Text(
                f"† {'session' if len(kept) == 1 else 'sessions'} {', '.join(kept)}: an answer kept but"
                " not rated (quit at the rating or after running code, or cut short while typed or"
                " spoken); it is not scheduled, and mockprep history ID shows it",
                style="yellow",
            ),
        )
    if unrated:
        mocks = f"mock {unrated[0]}" if len(unrated) == 1 else f"mocks {', '.join(unrated)}"
        print_text(
            console,
            Text(f"* not fully rated: {mocks}; rate the rest with mockprep mock --rate ID", style="yellow"),
        )
    print_text(console, Text("Open one: mockprep history ID", style="dim"))


def _rating_name(rating: int | None) -> str:
    return RATING_NAMES[Rating(rating)] if rating in (1, 2, 3, 4) else "none"


def _graded_line(a: SessionAnswer) -> Text | None:
    """What mockprep (and a language model, when one graded too) proposed, beside the rating given."""
    if a.suggested is None and a.model is None:
        return None
    line = Text(f"   suggested: {_rating_name(a.suggested)}", style="dim")
    if a.model is not None and a.model_failure is not None:
        line.append_text(safe(f" · {a.model} gave no verdict ({a.model_failure})"))
    elif a.model is not None:
        line.append_text(safe(f" · model {a.model}: {_rating_name(a.model_suggested)}"))
        errors = a.model_errors or []
        if errors:
            line.append_text(safe(f" · {plural(len(errors), 'factual error')}: {'; '.join(errors)}"))
    return line


def _timed(duration_ms: int, limit_ms: int | None, over: bool, within: str = "") -> Text:
    """`` ⏱ 1m39s of 1m30s``: red when over the limit, else ``within``'s style."""
    limit = "" if limit_ms is None else f" of {format_duration(limit_ms / 1000)}"
    return Text(f" ⏱ {format_duration(duration_ms / 1000)}{limit}", style="red" if over else within)


def _answer(text: str, session_id: int, full: bool) -> str:
    """An answer as shown: whole with ``full``, else cut as every screen cuts one, naming how to see it."""
    return text if full else shorten(text, rest=full_answers(session_id))


def full_answers(session_id: int) -> str:
    """Where a cut answer of session ``session_id`` can be read whole."""
    return f"all of it: mockprep history {session_id} --full"


def render_session(
    console: Console, session: SessionInfo, answers: list[SessionAnswer], full: bool = False
) -> None:
    unrated = sum(1 for a in answers if not a.rating) if session.kind == "mock" else 0
    kind = _kind(session).removeprefix("session")  # "Session 4 · technical", "Session 5 · cram"
    head = safe(f"Session {session.id} · {kind + ' · ' if kind else ''}", "bold")
    head.append_text(status_text(session, unrated))
    print_text(console, head)
    print_text(console, Text(f"{_local(session.started_at)} to {_local(session.ended_at)}", style="dim"))
    if not answers:
        print_text(console, "No answers in this session.")
        return
    score = session_score((a.rating, a.overtime) for a in answers if a.rating)
    over = sum(a.overtime or a.follow_up_overtime for a in answers)  # (as the list's "over" counts)
    not_rated = sum(1 for a in answers if not a.rating)
    rated = f" ({not_rated} not rated)" if not_rated else ""  # the list's "answered" counts the rated
    summary = Text(f"{plural(len(answers), 'answer')}{rated} · score {'-' if score is None else score}/100")
    if over:
        summary.append(f" · {over} over time", style="red")
    print_text(console, summary)
    for a in answers:
        console.print()
        head = Text(f"{a.position}. ", style="bold")
        head.append_text(safe(a.key, "bold"))
        print_text(console, head)
        # The figures on their own line: a long question key must not push them onto two.
        figures = Text("  ").append_text(_timed(a.duration_ms, a.time_limit_ms, a.overtime, "green"))
        rating = RATING_NAMES.get(a.rating) if a.rating else None  # type: ignore[call-overload]
        figures.append(f" · rating {rating or 'not rated'}")
        if a.coverage:
            figures.append(f" · key points {sum(a.coverage)}/{len(a.coverage)}")
        print_text(console, figures)
        if a.delivery is not None:
            print_text(console, Text(f"   spoken: {summary_line(a.delivery)}", style="dim"))
        graded = _graded_line(a)
        if graded is not None:
            print_text(console, graded)
        print_text(console, safe(_answer(a.answer, session.id, full) or "(nothing typed)"))
        if a.follow_up:
            line = Text("Follow-up: ", style="magenta")
            line.append_text(safe(a.follow_up, "italic"))
            if a.follow_up_ms is not None:  # the reply's time against the follow-up's own limit
                line.append_text(_timed(a.follow_up_ms, a.follow_up_limit_ms, a.follow_up_overtime))
            print_text(console, line)
            print_text(console, safe(_answer(a.follow_up_answer or "", session.id, full) or "(not answered)"))
    if unrated and session.status != "running":
        console.print()
        them = "it" if unrated == 1 else "them"
        command = f"mockprep mock --rate {session.id}"
        print_text(console, Text(f"{plural(unrated, 'answer')} not rated yet; rate {them}: {command}"))
