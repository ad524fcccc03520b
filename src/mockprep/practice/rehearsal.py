"""Story rehearsal: tell a story aloud against its target time; the telling is timed and recorded."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mockprep.core.stories import outline
from mockprep.core.timer import AnswerTiming, Countdown
from mockprep.practice.pipeline import Clock, SessionInterrupted

if TYPE_CHECKING:
    from mockprep.core.records import StoryVersion
    from mockprep.core.settings import Settings
    from mockprep.db.store import Store
    from mockprep.practice.ui import RehearsalUI


def rehearse(
    store: Store, ui: RehearsalUI, clock: Clock, story: StoryVersion, target: float, settings: Settings
) -> tuple[bool, AnswerTiming | None]:
    """Show the outline, time the telling against ``target`` seconds and record it.

    Returns whether the telling started, and its timing (None when it was cancelled).
    """
    ui.show_outline(outline(story.draft))
    if not ui.ready(target):
        return False, None
    started = clock()
    try:
        done = ui.finished(Countdown(target, started, settings.warning_seconds))
    except (KeyboardInterrupt, SessionInterrupted):
        done = False
    if not done:
        return True, None
    timing = AnswerTiming((clock() - started).total_seconds(), target)
    store.stories.add_rehearsal(
        story.story_id, story.version, clock(), timing.duration_ms, round(target * 1000)
    )
    return True, timing
