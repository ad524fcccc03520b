"""A story's stored rehearsals: the latest few under ``story show``, every one (``story rehearsals
ID``), and one telling in full with its transcript (``story rehearsals ID N``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.console import Console
from rich.text import Text

from mockprep.core.delivery import coverage_line
from mockprep.core.durations import format_duration
from mockprep.core.rehearsal_log import SHOWN, Telling, parts_told
from mockprep.terminal.console import plain_table, print_table, print_text, safe
from mockprep.terminal.stories import telling_verdict
from mockprep.terminal.voice import delivery_panel

if TYPE_CHECKING:
    from mockprep.core.settings import Settings


def _told(telling: Telling) -> str:
    return telling.rehearsed_at.astimezone().strftime("%Y-%m-%d %H:%M")


def _length(telling: Telling) -> str:
    """``1m52s of 2m``: the telling's length against its target."""
    return f"{format_duration(telling.seconds)} of {format_duration(telling.target)}"


def render_tellings(console: Console, story_id: int, tellings: Sequence[Telling], limit: int | None) -> None:
    """The tellings, newest first, one a row; with ``limit``, the first ``limit`` and how many more."""
    if not tellings:
        print_text(console, f"Not rehearsed yet: mockprep story rehearse {story_id}", "dim")
        return
    shown = tellings if limit is None else tellings[:limit]
    table = plain_table("#>", "told", "version>", "length", "wpm>", "fillers>", "parts told", whole=("#",))
    for telling in shown:
        delivery = telling.delivery
        wpm = None if delivery is None else delivery.wpm
        table.add_row(
            str(telling.number),
            _told(telling),
            str(telling.version),
            _length(telling),
            "-" if wpm is None else f"{wpm:.0f}",
            "-" if delivery is None else str(delivery.filler_count),
            parts_told(telling.parts),
        )
    print_table(console, table)
    if len(shown) < len(tellings):
        more = len(tellings) - len(shown)
        print_text(console, f"and {more} more: mockprep story rehearsals {story_id}", "dim")
    if any(t.spoken for t in tellings):
        print_text(console, f"A spoken telling's transcript: mockprep story rehearsals {story_id} N", "dim")


def render_recent_tellings(console: Console, story_id: int, tellings: Sequence[Telling]) -> None:
    """Under ``story show``: a heading and the latest few tellings."""
    console.print()
    heading = "Rehearsals" + (f" ({len(tellings)})" if tellings else "")
    print_text(console, Text(heading, style="bold cyan"))
    render_tellings(console, story_id, tellings, SHOWN)


def render_telling_in_full(console: Console, story_id: int, telling: Telling, settings: Settings) -> None:
    """One telling: when, its length against its target, its delivery, the parts it carried and its
    transcript, printed literally (it is what the person said)."""
    heading = f"Rehearsal {telling.number} of story {story_id} · {_told(telling)} · version {telling.version}"
    print_text(console, Text(heading, style="bold"))
    verdict = telling_verdict(telling.seconds, telling.target)
    if telling.delivery is None:
        print_text(console, f"Length: {_length(telling)}. {verdict}")
    else:
        console.print(delivery_panel(telling.delivery, settings, telling.target))  # (its length too)
        print_text(console, verdict)
    if telling.transcript is None:
        print_text(console, "Told without --voice or --audio: timed only, no transcript.", "dim")
        return
    if telling.parts is not None:
        print_text(console, coverage_line(telling.parts))
    console.print()
    print_text(console, Text("Transcript", style="bold cyan"))
    print_text(console, safe(telling.transcript or "(nothing was heard)"))
