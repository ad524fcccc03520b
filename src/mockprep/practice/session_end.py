"""The end of a session: how it ended recorded, and the figures its summary shows after the last answer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from mockprep.core.questions import QuestionFilter
from mockprep.core.scheduler import day_start

if TYPE_CHECKING:
    from mockprep.db.store import Store
    from mockprep.practice.pipeline import Clock
    from mockprep.practice.ui import SessionSummary


def close_session(
    store: Store,
    settle: Callable[[SessionSummary], None],
    clock: Clock,
    summary: SessionSummary,
    start: datetime,
    tz: tzinfo | None,
    day_start_hour: int,
    failing: bool = False,
) -> datetime:
    """Record how the session of ``summary`` ended (its ratings undone at the prompt ``settle``d first)
    and fill in the summary's time and what is due; the end.

    ``failing``: the database has just refused an answer (a full disk, say) and may refuse these writes
    too; the session then stays open until a later command finds its process gone and marks it
    interrupted, and the summary shows what this process knows.
    """
    assert summary.session_id is not None
    # All of the closing happens: a closed terminal's SIGHUP that arrives meanwhile (after a quit,
    # say) waits for it instead of leaving the session's lock or an empty session behind.
    with store.uninterrupted():
        settle(summary)  # ratings undone at the prompt are no longer answers
        end = clock()
        try:
            store.sessions.end(summary.session_id, summary.status, end)
            if summary.answered == 0:
                store.sessions.discard_if_empty(summary.session_id)  # nothing to keep in history
        except Exception:
            if not failing:
                raise
    summary.seconds = (end - start).total_seconds()
    try:
        tomorrow_end = day_start(end, tz, 2, day_start_hour)
        summary.due_tomorrow = store.cards.count_due(QuestionFilter(), tomorrow_end)
        if summary.filter != QuestionFilter():
            summary.due_tomorrow_selected = store.cards.count_due(summary.filter, tomorrow_end)
        summary.next_due = store.cards.next_due_time(summary.filter)
    except Exception:
        if not failing:
            raise
    return end
