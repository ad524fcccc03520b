"""Migration m030: how long a mock's follow-up reply took, against the follow-up's limit.

Until m030 a mock answer kept the main answer's time alone: the reply to the interviewer's follow-up was
timed on screen (its own 90 seconds) but neither the report card, ``history ID``, the ``over`` column nor
the database kept how long it took, so a reply that ran over was never counted. Now
``mock_answers.follow_up_ms`` holds the reply's duration and ``follow_up_limit_ms`` its limit (NULL: no
clock, ``--no-timer``); both NULL for an answer without a follow-up, or one stored before m030.
:func:`m030_follow_up_times` is part of a migration: once released, never edited.
"""

from __future__ import annotations

from typing import Any


def m030_follow_up_times(cur: Any) -> None:
    """Add the two columns at the end of ``mock_answers`` (no table rebuilt, nothing rewritten)."""
    cur.execute("ALTER TABLE mock_answers ADD COLUMN follow_up_ms INTEGER")
    cur.execute("ALTER TABLE mock_answers ADD COLUMN follow_up_limit_ms INTEGER")
