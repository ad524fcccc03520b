"""The terminal side of spoken answers: Enter starts and stops the microphone while the countdown
runs, and after an answer what was heard and how it was delivered."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from rich.console import Console, Group
from rich.panel import Panel
from rich.text import Text

from mockprep.core.delivery import Delivery, PartCoverage, coverage_line, delivery_lines, summary_line
from mockprep.core.speech import Clip
from mockprep.core.stories import REQUIRED_PARTS
from mockprep.terminal.console import safe
from mockprep.terminal.input import QUIT, ReadLine

if TYPE_CHECKING:
    from mockprep.core.settings import Settings
    from mockprep.core.timer import Countdown
    from mockprep.practice.voice import SpokenAnswer


class Recorder(Protocol):
    """A microphone (:class:`mockprep.services.voice.Microphone`)."""

    def start(self) -> None: ...

    def stop(self, now: datetime | None = None) -> Path: ...

    def cancel(self) -> None: ...

    def discard(self, path: Path) -> None: ...

    def keep(self, path: Path, key: str, told: bool) -> Any: ...

    def keep_on_purpose(self, path: Path) -> Path: ...


class MicrophoneSource:
    """:class:`mockprep.practice.voice.AudioSource` from the microphone: Enter starts, Enter stops."""

    live = True

    def __init__(
        self, console: Console, read_line: ReadLine, recorder: Recorder, clock: Callable[[], datetime]
    ):
        self.console = console
        self.read_line = read_line
        self.recorder = recorder
        self.clock = clock
        self.cut_short: Clip | None = None  # the take an interruption stopped, to keep

    def keep(self, clip: Clip, key: str, told: bool) -> Any:
        """Keep the take of an answer (to ``key``) cut short: see ``Microphone.keep``."""
        return self.recorder.keep(clip.path, key, told) if clip.temporary else None

    def next_clip(self, countdown: Countdown | None, wait: bool = True) -> Clip | None:
        if wait:
            line = self.read_line("Press Enter to start recording your answer (q quits): ", countdown)
            if line is None or line.strip().lower() == QUIT:
                return None
        self.cut_short = None
        self.recorder.start()
        try:
            line = self.read_line("● Recording — press Enter to stop (q discards and quits): ", countdown)
        except BaseException:  # Ctrl-C, a signal, a closed terminal: what was said so far is kept
            stopped = self.clock()
            try:
                self.cut_short = Clip(
                    self.recorder.stop(stopped), live=True, temporary=True, stopped_at=stopped
                )
            except Exception:  # (a disk that cannot take it)
                self.recorder.cancel()
            raise
        if line is None or line.strip().lower() == QUIT:
            self.recorder.cancel()
            return None
        stopped = self.clock()
        return Clip(self.recorder.stop(stopped), live=True, temporary=True, stopped_at=stopped)

    def release(self, clip: Clip) -> None:
        if clip.temporary:
            self.recorder.discard(clip.path)

    def keep_on_purpose(self, clip: Clip) -> None:
        """A transcribed take kept by ``voice_keep_recordings``: see ``Microphone.keep_on_purpose``."""
        if clip.temporary:
            self.recorder.keep_on_purpose(clip.path)


def delivery_panel(
    delivery: Delivery, settings: Settings, limit: float | None, timed: float | None = None
) -> Group:
    band, pause = settings.voice_wpm_band, settings.voice_pause_seconds
    lines = delivery_lines(delivery, band, pause, limit, timed)
    return Group(*(Text(line.text, style="green" if line.good else "yellow") for line in lines))


def render_spoken(
    console: Console,
    spoken: SpokenAnswer,
    settings: Settings,
    limit: float | None,
    timed: float | None = None,
) -> list[Panel]:
    """What was heard (fillers kept) and the delivery report, as panels to print; ``timed``: the seconds
    from the question to the stop of a live answer, held against the limit (see ``delivery_lines``)."""
    heard = Panel(
        safe(spoken.transcript.text),
        title="What mockprep heard",
        title_align="left",
        border_style="blue",
        padding=(0, 1),
    )
    report = Panel(
        delivery_panel(spoken.delivery, settings, limit, timed),
        title="Delivery",
        title_align="left",
        border_style="cyan",
        padding=(0, 1),
    )
    return [heard, report]


def delivery_summary(delivery: Delivery) -> Text:
    """One dim line for a reveal or a report: pace, fillers, pauses."""
    return Text(f"Delivery: {summary_line(delivery)}", style="dim")


def render_parts(parts: list[PartCoverage]) -> Text:
    missing = any(not p.covered and p.part in REQUIRED_PARTS for p in parts)  # (Reflection is optional)
    return Text(coverage_line(parts), style="yellow" if missing else "green")
