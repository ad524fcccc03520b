"""Mock answers in a merge: the line that carries one (a sync line, or an export's record turned into the
same event), the answers a sync writes with a session or a review, and their merge.

A mock answer (also an answer a session kept unrated when it was cut short) is one event, ``mock_answer``,
identified by its global id: the answer, the follow-up asked (and the model that wrote it) with the reply
and its time, and the review that rated it (its id and when it was rated, which is how a review is found).
A device writes a session's answers with the session's line (a session's line is written again when it
ends, when every answer and reply is in) and an answer again with the review that rates it (a rating
after the round, `mock --rate`, on this device or another).

Merging takes what is new, whatever the order: an answer not here is added; one here takes a reply, or a
follow-up a model wrote, that it lacks (a device writes them once, in that order); and an answer rated on
two devices shows the later rating. Answers are applied after the merge's reviews, so the review an answer
names is here when they come together.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from mockprep.core.delivery import Delivery
from mockprep.db import review_codec
from mockprep.db.question_aliases import current_key
from mockprep.db.sql import from_iso, iso, iso_us

if TYPE_CHECKING:
    import sqlite3

    from mockprep.db.merge_summary import MergeSummary

# The columns an answer's line carries as they are stored (the rest: key, session, times, JSON, review).
_PLAIN = (
    "position",
    "answer",
    "follow_up",
    "follow_up_answer",
    "follow_up_model",
    "follow_up_ms",
    "follow_up_limit_ms",
    "duration_ms",
    "time_limit_ms",
    "code_runs",
)


def answers_sent_with(raw: sqlite3.Connection, kind: str, row_id: int | None) -> list[int]:
    """The mock answers a sync writes with a change of ``kind`` (a session's: its answers; a review's: the
    answer it rated, found through the review's session)."""
    if kind == "session":
        query = "SELECT id FROM mock_answers WHERE session_id = ? ORDER BY position, id"
    elif kind == "review":
        query = (
            "SELECT m.id FROM reviews r JOIN mock_answers m ON m.session_id = r.session_id"
            " AND m.review_id = r.id WHERE r.id = ?"
        )
    else:
        return []
    return [answer for (answer,) in raw.execute(query, (row_id,))]


def mock_answer_event(raw: sqlite3.Connection, answer_id: int) -> dict[str, Any] | None:
    """A mock answer's sync line, as it is now."""
    cursor = raw.execute(
        f"SELECT m.uid, s.uid, q.key, m.answered_at, m.coverage, m.delivery, r.uid, r.rated_at, {_m(_PLAIN)}"
        " FROM mock_answers m JOIN sessions s ON s.id = m.session_id JOIN questions q ON q.id = m.question_id"
        " LEFT JOIN reviews r ON r.id = m.review_id WHERE m.id = ?",
        (answer_id,),
    )
    row = cursor.fetchone()
    if row is None:
        return None
    uid, session, key, answered_at, coverage, delivery, review, rated_at, *plain = row
    return {
        "t": "mock_answer",
        "uid": uid,
        "session": session,
        "key": key,
        "answered_at": iso(answered_at),
        "coverage": _load(coverage),
        "delivery": _load(delivery),
        **dict(zip(_PLAIN, plain, strict=True)),
        # the review that rated it (None: not rated), found here by when it was rated, then its id
        "review": review_codec.uid_hex(review),
        "review_rated_at": iso(rated_at),
    }


class MockAnswerMerge:
    """The mock answers of a merge, gathered as they come and applied after its reviews."""

    def __init__(
        self, raw: sqlite3.Connection, summary: MergeSummary, deleted: set[str], skipped: dict[str, Any]
    ) -> None:
        self.raw = raw
        self.summary = summary
        self.deleted = deleted  # tombstoned uids (sessions among them): shared with the merge
        self.skipped = skipped  # sessions whose line was skipped (a wrong value), by uid: shared
        self.gathered: list[dict[str, Any]] = []

    def gather(self, event: dict[str, Any]) -> None:
        self.gathered.append(event)

    def take(self) -> list[dict[str, Any]]:
        """The answers gathered so far, to apply (each on its own: the merge's ``alone``)."""
        batch, self.gathered = self.gathered, []
        return batch

    def apply(self, a: dict[str, Any]) -> None:
        """One answer: added when it is not here, completed when it is; waiting when its session or its
        question is not here (an answer of a session deleted here, or skipped, is left out)."""
        session = self.raw.execute("SELECT id FROM sessions WHERE uid = ?", (a["session"],)).fetchone()
        if session is None:
            if a["session"] not in self.deleted and a["session"] not in self.skipped:
                self.summary.waiting.append(a)
            return
        review = self._review(a)
        question = review[1] if review is not None else self._question(str(a["key"]))
        if question is None:
            self.summary.waiting.append(a)
            self.summary.homeless.append(str(a["key"]))
            return
        here = self.raw.execute(
            "SELECT id, review_id, follow_up_model, follow_up_answer FROM mock_answers WHERE uid = ?",
            (a["uid"],),
        ).fetchone()
        if here is None:
            answer, linked = self._insert(a, session[0], question), None
            self.summary.mock_answers += 1
        else:
            answer, linked = here[0], here[1]
            self._complete(answer, a, here[2], here[3])
        if review is not None and review[0] != linked and self._later(review, linked):
            self.raw.execute("UPDATE mock_answers SET review_id = ? WHERE id = ?", (review[0], answer))
        self.summary.merged.append(a)

    def _insert(self, a: dict[str, Any], session: int, question: int) -> int:
        values = [a.get(column) for column in _PLAIN]
        values[_PLAIN.index("answer")] = a.get("answer") or ""
        cursor = self.raw.execute(
            f"INSERT INTO mock_answers (uid, session_id, question_id, answered_at, coverage, delivery,"
            f" {', '.join(_PLAIN)}) VALUES ({', '.join('?' * (6 + len(_PLAIN)))})",
            (
                a["uid"],
                session,
                question,
                from_iso(a["answered_at"]),
                _dump(a.get("coverage")),
                None if a.get("delivery") is None else _dump(Delivery.from_dict(a["delivery"]).to_dict()),
                *values,
            ),
        )
        return int(cursor.lastrowid or 0)

    def _complete(self, answer: int, a: dict[str, Any], model: str | None, reply: str | None) -> None:
        """What the line has of an answer here that lacks it: the follow-up a model wrote in place of the
        bank's, and the reply with its time (each written once on the answer's device, in that order)."""
        if a.get("follow_up_model") is not None and model is None and a.get("follow_up") is not None:
            self.raw.execute(
                "UPDATE mock_answers SET follow_up = ?, follow_up_model = ? WHERE id = ?",
                (a["follow_up"], a["follow_up_model"], answer),
            )
        if a.get("follow_up_answer") is not None and reply is None:
            self.raw.execute(
                "UPDATE mock_answers SET follow_up_answer = ?, follow_up_ms = ?, follow_up_limit_ms = ?"
                " WHERE id = ?",
                (a["follow_up_answer"], a.get("follow_up_ms"), a.get("follow_up_limit_ms"), answer),
            )

    def _review(self, a: dict[str, Any]) -> tuple[int, int, int, Any] | None:
        """The review here that rated the answer (id, question, time, uid), found by its time, then its id
        (m022); None when the line names none, or it is not here (undone, or not merged)."""
        if a.get("review") is None or a.get("review_rated_at") is None:
            return None
        return self.raw.execute(
            "SELECT id, question_id, rated_us, uid FROM reviews WHERE rated_us = ? AND uid = ?",
            (iso_us(a["review_rated_at"]), review_codec.pack_uid(a["review"])),
        ).fetchone()

    def _question(self, key: str) -> int | None:
        row = self.raw.execute(
            "SELECT id FROM questions WHERE key = ?", (current_key(self.raw, key),)
        ).fetchone()  # (renamed since the line was written: m028)
        return None if row is None else row[0]

    def _later(self, review: tuple[int, int, int, Any], linked: int | None) -> bool:
        """Whether ``review`` is later than the one the answer has (rated on two devices: the later rating
        on both; the same moment: the larger id)."""
        if linked is None:
            return True
        current = self.raw.execute("SELECT rated_us, uid FROM reviews WHERE id = ?", (linked,)).fetchone()
        if current is None:
            return True
        return (review[2], review_codec.uid_hex(review[3])) > (current[0], review_codec.uid_hex(current[1]))


def _m(columns: tuple[str, ...]) -> str:
    return ", ".join(f"m.{column}" for column in columns)


def _load(value: str | None) -> Any:
    return None if value is None else json.loads(value)


def _dump(value: Any) -> str | None:
    return None if value is None else json.dumps(value)  # (as a mock stores its coverage and delivery)
