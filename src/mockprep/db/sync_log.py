"""``store.sync``: this device's identity and folder, the changes it has not yet written to the sync folder,
and how far it has read every other device's files.

Changes are recorded by triggers (m010) once the device has synced; the first sync queues everything made
here. The changes are only forgotten (:meth:`SyncLog.sent`) after their lines are safely in the folder, so a
sync killed at any point writes them again next time (a repeated line changes nothing when merged).
"""

from __future__ import annotations

import json
import re
import secrets
import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mockprep.db import review_codec
from mockprep.db.mark_stamps import MARKED, marks_event
from mockprep.db.mock_answer_merge import answers_sent_with, mock_answer_event
from mockprep.db.plan_sync import plan_event
from mockprep.db.question_asides import aside_event
from mockprep.db.sql import iso

if TYPE_CHECKING:
    import sqlite3

    from mockprep.db.store import Store


# The kind of a deleted story's version's tombstone, then the story's uid: a story's deletion names the
# versions it knew, so that a version saved meanwhile on another device is not deleted with them.
VERSION_OF = "version of "
TOMBSTONE_VERSIONS = (
    "INSERT OR IGNORE INTO sync_deleted (uid, kind) SELECT v.uid, :of || s.uid FROM story_versions v"
    " JOIN stories s ON s.id = v.story_id WHERE s.id = :s AND s.uid IS NOT NULL AND v.uid IS NOT NULL"
)
# Likewise its rehearsals' tombstones, and one more whose uid is the kind itself: the deletion knew its
# rehearsals (one made before it did not record them), so a rehearsal it did not know of is not lost.
REHEARSAL_OF = "rehearsal of "
TOMBSTONE_REHEARSALS = (
    "INSERT OR IGNORE INTO sync_deleted (uid, kind) SELECT r.uid, :of || s.uid FROM rehearsals r"
    " JOIN stories s ON s.id = r.story_id WHERE s.id = :s AND s.uid IS NOT NULL AND r.uid IS NOT NULL"
    " UNION ALL SELECT :of || s.uid, :of || s.uid FROM stories s WHERE s.id = :s AND s.uid IS NOT NULL"
)


@dataclass(frozen=True)
class Device:
    id: str
    name: str
    folder: str | None
    after_session: bool


class SyncLog:
    def __init__(self, store: Store) -> None:
        self.store = store

    def device(self) -> Device:
        """This device (made on first use: the host name and a random suffix)."""
        with self.store.write() as conn:
            raw = _raw(conn)
            row = raw.execute("SELECT id, name, folder, after_session FROM sync_device").fetchone()
            if row is None:
                name = socket.gethostname() or "device"
                slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:24] or "device"
                row = (f"{slug}-{secrets.token_hex(6)}", name, None, 0)
                raw.execute("INSERT INTO sync_device (id, name) VALUES (?, ?)", row[:2])
        return Device(row[0], row[1], row[2], bool(row[3]))

    def known_device(self) -> Device | None:
        """This device if it has ever synced (nothing is written)."""
        row = self.store.q("SELECT id, name, folder, after_session FROM sync_device").first()
        return None if row is None else Device(row.id, row.name, row.folder, bool(row.after_session))

    def remember(self, folder: str | None = None, after_session: bool | None = None) -> None:
        self.device()
        with self.store.write() as conn:
            if folder is not None:
                _raw(conn).execute("UPDATE sync_device SET folder = ?", (folder,))
            if after_session is not None:
                _raw(conn).execute("UPDATE sync_device SET after_session = ?", (int(after_session),))

    def outgoing(self) -> tuple[list[dict[str, Any]], int]:
        """The events of this device not yet written, oldest change first, and the last change's number."""
        with self.store.write() as conn:
            raw = _raw(conn)
            if not raw.execute("SELECT recording FROM sync_device").fetchone()[0]:
                raw.execute("UPDATE sync_device SET recording = 1")
                _queue_everything(raw)
            changes = raw.execute("SELECT seq, kind, row_id, ref FROM sync_changes ORDER BY seq").fetchall()
            events: dict[tuple[str, Any], dict[str, Any] | None] = {}
            for _, kind, row_id, ref in changes:
                key = (kind, ref if kind == "deleted" else row_id)
                events.pop(key, None)  # a row changed again is written once, in its latest place
                events[key] = _event(raw, kind, row_id, ref)
                # A session's answers (a mock's) go with its line, and an answer with the review rating it.
                for answer in answers_sent_with(raw, kind, row_id):
                    events.pop(("mock_answer", answer), None)
                    events[("mock_answer", answer)] = mock_answer_event(raw, answer)
        return [e for e in events.values() if e is not None], changes[-1][0] if changes else 0

    def resend_everything(self) -> None:
        """Queue every event of this device again, deletions too: the folder lost some of its lines (its
        own file replaced by an older copy, a line cut, another folder chosen). A line written twice
        changes nothing where it was merged already."""
        with self.store.write() as conn:
            raw = _raw(conn)
            raw.execute("UPDATE sync_device SET recording = 1")
            _queue_everything(raw)
            # a story's deletion carries the tombstones of its versions and rehearsals (_deleted)
            raw.execute(
                "INSERT INTO sync_changes (kind, ref) SELECT 'deleted', uid FROM sync_deleted"
                " WHERE kind NOT LIKE ? AND kind NOT LIKE ? ORDER BY rowid",
                (VERSION_OF + "%", REHEARSAL_OF + "%"),
            )

    def sent(self, upto: int) -> None:
        """The changes up to ``upto`` are in the folder."""
        with self.store.write() as conn:
            _raw(conn).execute("DELETE FROM sync_changes WHERE seq <= ?", (upto,))

    def read_marks(self) -> dict[str, tuple[int, str]]:
        return {r.name: (r.offset, r.tail) for r in self.store.q("SELECT name, offset, tail FROM sync_files")}

    def pending(self) -> list[str]:
        return [r.line for r in self.store.q("SELECT line FROM sync_pending ORDER BY rowid")]

    def save_progress(self, marks: dict[str, tuple[int, str]], waiting: list[dict[str, Any]]) -> None:
        """How far each file was read, and the events still waiting (after the merge committed)."""
        with self.store.write() as conn:
            raw = _raw(conn)
            raw.executemany(
                "INSERT OR REPLACE INTO sync_files (name, offset, tail) VALUES (?,?,?)",
                [(name, offset, tail) for name, (offset, tail) in marks.items()],
            )
            raw.execute("DELETE FROM sync_pending")
            raw.executemany(
                "INSERT OR REPLACE INTO sync_pending (uid, line) VALUES (?, ?)",
                [(e["uid"], dump(e)) for e in waiting],
            )


def _queue_everything(raw: sqlite3.Connection) -> None:
    """Queue this device's sessions, reviews and plans, every story, and every question's marks."""
    raw.execute(
        "INSERT INTO sync_changes (kind, row_id) SELECT 'session', id FROM sessions"
        " WHERE origin IS NULL ORDER BY id"
    )
    raw.execute("INSERT INTO sync_changes (kind, row_id) SELECT 'story', id FROM stories ORDER BY id")
    raw.execute(
        "INSERT INTO sync_changes (kind, row_id) SELECT 'review', id FROM reviews"
        " WHERE origin IS NULL ORDER BY rated_us, id"
    )
    raw.execute(
        "INSERT INTO sync_changes (kind, row_id) SELECT 'marks', question_id FROM cards"
        f" WHERE {MARKED} ORDER BY question_id"
    )
    raw.execute(
        "INSERT INTO sync_changes (kind, row_id) SELECT 'plan', id FROM plans"
        " WHERE origin IS NULL ORDER BY id"
    )
    raw.execute(  # (retired questions set aside: aside_event sends only those that still are)
        "INSERT INTO sync_changes (kind, row_id) SELECT 'aside', id FROM questions"
        " WHERE retired_at IS NOT NULL AND key GLOB '*-retired-*' ORDER BY id"
    )


def dump(event: dict[str, Any]) -> str:
    """One event as one line: sorted keys, so the same event is the same text (git diffs stay small)."""
    return json.dumps(event, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _raw(conn: Any) -> sqlite3.Connection:
    return conn.raw


def _event(raw: sqlite3.Connection, kind: str, row_id: int | None, ref: str | None) -> dict[str, Any] | None:
    if kind == "deleted":
        return _deleted(raw, str(ref))
    if kind == "review":
        return _review(raw, row_id)
    if kind == "session":
        return _session(raw, row_id)
    if kind == "story":
        return _story(raw, row_id)
    if kind == "marks":
        return marks_event(raw, row_id)
    if kind == "plan":
        return plan_event(raw, row_id)
    if kind == "aside":
        return aside_event(raw, row_id)
    return None


def _deleted(raw: sqlite3.Connection, uid: str) -> dict[str, Any]:
    """A deletion; a story's names the versions this device knew (its tombstone's kind says a story)."""
    kind = raw.execute("SELECT kind FROM sync_deleted WHERE uid = ?", (uid,)).fetchone()
    if kind is None or kind[0] != "story":
        return {"t": "deleted", "uid": uid}
    versions = [
        r[0]
        for r in raw.execute("SELECT uid FROM sync_deleted WHERE kind = ? ORDER BY uid", (VERSION_OF + uid,))
    ]
    known = [
        r[0]
        for r in raw.execute(
            "SELECT uid FROM sync_deleted WHERE kind = ? ORDER BY uid", (REHEARSAL_OF + uid,)
        )
    ]
    rehearsals = [r for r in known if r != REHEARSAL_OF + uid]
    return {
        "t": "deleted",
        "uid": uid,
        **({"versions": versions} if versions else {}),
        **({"rehearsals": rehearsals} if versions and known else {}),
    }


def _review(raw: sqlite3.Connection, row_id: int | None) -> dict[str, Any] | None:
    r = raw.execute(
        "SELECT r.*, q.key, json_extract(q.data, '$.prompt') AS prompt, s.uid AS session_uid,"
        " p.parameters AS params_json FROM reviews r"
        " JOIN questions q ON q.id = r.question_id LEFT JOIN sessions s ON s.id = r.session_id"
        " LEFT JOIN scheduler_params p ON p.id = r.params_id WHERE r.id = ?",
        (row_id,),
    )
    names = [d[0] for d in r.description]
    row = r.fetchone()
    if row is None:
        return None  # undone since: its deletion follows
    v = dict(zip(names, row, strict=True))
    return {
        "t": "review",
        "uid": review_codec.uid_hex(v["uid"]),
        "key": v["key"],
        "prompt": v["prompt"],  # (a device with the key on another question files it by this: merge)
        "session": v["session_uid"],
        "rated_at": iso(v["rated_at"]),
        "rating": v["rating"],
        "state_before": v["state_before"],
        "answer": review_codec.answer_text(v["answer"]),
        "duration_ms": v["duration_ms"],
        "time_limit_ms": v["time_limit_ms"],
        "coverage": review_codec.coverage_list(v["coverage"]),
        "suggested": v["suggested"],
        "grader": review_codec.grader_name(v["grader"]),
        "proposed": review_codec.verdict_list(v["proposed"]),
        "checklist": review_codec.verdict_list(v["checklist"]),
        "cram": bool(v["cram"]),
        "parameters": _load(v["params_json"]),
        "code_runs": v["code_runs"],
        "code_result": _load(v["code_result"]),
        "delivery": _load(v["delivery"]),
        # the language model asked, its verdicts and rating, errors named, or why it gave none (m029)
        "model": v["model"],
        "model_proposed": review_codec.verdict_list(v["model_proposed"]),
        "model_suggested": v["model_suggested"],
        "model_errors": _load(v["model_errors"]),
        "model_failure": v["model_failure"],
    }


def _session(raw: sqlite3.Connection, row_id: int | None) -> dict[str, Any] | None:
    row = raw.execute(
        "SELECT uid, kind, started_at, ended_at, status, filters, round, minutes FROM sessions WHERE id = ?",
        (row_id,),
    ).fetchone()
    if row is None:
        return None
    uid, kind, started, ended, status, filters, round_, minutes = row
    return {
        "t": "session",
        "uid": uid,
        "kind": kind,
        "started_at": iso(started),
        "ended_at": iso(ended),
        "status": status,
        "filters": json.loads(filters),
        "round": round_,
        "minutes": minutes,
    }


def _story(raw: sqlite3.Connection, row_id: int | None) -> dict[str, Any] | None:
    """The whole story: merging it adds only the versions, links and rehearsals not there yet."""
    row = raw.execute("SELECT uid, created_at FROM stories WHERE id = ?", (row_id,)).fetchone()
    if row is None:
        return None
    parts = ("title", "situation", "task", "action", "result", "reflection")
    versions, uids = [], {}
    for v in raw.execute(
        f"SELECT version, uid, parent, saved_at, competencies, {', '.join(parts)} FROM story_versions"
        " WHERE story_id = ? ORDER BY version",
        (row_id,),
    ):
        uids[v[0]] = v[1]
        versions.append(
            {
                "uid": v[1],
                "parent": v[2],
                "saved_at": iso(v[3]),
                "competencies": json.loads(v[4]),
                **dict(zip(parts, v[5:], strict=True)),
            }
        )
    linked = dict(
        raw.execute(
            "SELECT question_key, linked_at FROM story_links WHERE story_id = ? ORDER BY 1", (row_id,)
        )
    )
    links = list(linked)
    unlinked = dict(
        raw.execute(
            "SELECT question_key, removed_at FROM story_unlinks WHERE story_id = ? ORDER BY 1", (row_id,)
        )
    )
    rehearsals = [
        {
            "uid": r[0],
            "version": uids.get(r[1]),
            "rehearsed_at": iso(r[2]),
            "duration_ms": r[3],
            "target_ms": r[4],
            "transcript": r[5],
            "delivery": _load(r[6]),
        }
        for r in raw.execute(
            "SELECT uid, version, rehearsed_at, duration_ms, target_ms, transcript, delivery FROM rehearsals"
            " WHERE story_id = ? ORDER BY id",
            (row_id,),
        )
    ]
    return {
        "t": "story",
        "uid": row[0],
        "created_at": iso(row[1]),
        "versions": versions,
        "links": links,
        "linked_at": {k: iso(at) for k, at in linked.items()},
        "unlinked": {k: iso(at) for k, at in unlinked.items()},
        "rehearsals": rehearsals,
    }


def _load(value: str | None) -> Any:
    return None if value is None else json.loads(value)
