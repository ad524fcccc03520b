"""Story rehearsal: tell a story aloud against its target time; the telling is timed and recorded.

Told with ``--voice`` (or ``--audio FILE``), the telling is also transcribed: the transcript is kept
with the rehearsal, compared with the draft (which parts it carried) and measured (pace, fillers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mockprep.core.delivery import PartCoverage, story_coverage
from mockprep.core.stories import outline
from mockprep.core.timer import AnswerTiming, Countdown
from mockprep.practice.pipeline import Clock, SessionInterrupted
from mockprep.practice.ui import interrupt_signal

if TYPE_CHECKING:
    from mockprep.core.records import StoryVersion
    from mockprep.core.settings import Settings
    from mockprep.db.store import Store
    from mockprep.practice.ui import RehearsalUI
    from mockprep.practice.voice import SpokenAnswer, Voice


@dataclass(frozen=True)
class Telling:
    """A recorded rehearsal: its timing and, when spoken into mockprep, what was said."""

    timing: AnswerTiming
    spoken: SpokenAnswer | None = None
    parts: list[PartCoverage] = field(default_factory=list)


class TellingInterrupted(Exception):
    """A rehearsal cut short by a signal before anything was stored (``args[0]``: the signal)."""


def rehearse(
    store: Store,
    ui: RehearsalUI,
    clock: Clock,
    story: StoryVersion,
    target: float,
    settings: Settings,
    voice: Voice | None = None,
) -> tuple[bool, Telling | None]:
    """Show the outline, time the telling against ``target`` seconds and record it.

    Returns whether the telling started, and the telling (None when it was cancelled). Ctrl-C (or
    SIGTERM, SIGHUP) before the telling is stored records nothing: :class:`TellingInterrupted`.
    """
    ui.show_outline(outline(story.draft))
    try:
        if (voice is None or voice.source.live) and not ui.ready(target):
            return False, None
        started = clock()
        countdown = Countdown(target, started, settings.warning_seconds)
        if voice is not None:
            spoken = voice.answer(countdown, wait=False)
            done = spoken is not None
        else:
            spoken = None
            done = ui.finished(countdown)
    except (KeyboardInterrupt, SessionInterrupted) as exc:  # (not one held while the telling is stored)
        raise TellingInterrupted(interrupt_signal(exc)) from None
    if not done:
        return True, None
    if spoken is None:
        telling = Telling(AnswerTiming((clock() - started).total_seconds(), target))
    else:
        parts = story_coverage(story.draft, spoken.transcript.text, settings.voice_part_share)
        telling = Telling(AnswerTiming(spoken.transcript.seconds, target), spoken, parts)
    store.stories.add_rehearsal(
        story.story_id,
        story.version,
        clock(),
        telling.timing.duration_ms,
        round(target * 1000),
        None if spoken is None else spoken.transcript.text,
        None if spoken is None else spoken.delivery,
    )
    if voice is not None:
        voice.stored()
    return True, telling
