"""Merging another device's history: events identified by global ids, applied once whatever their order.

An event is a plain dict (the sync folder's JSON lines, or an export turned into events by
:func:`~mockprep.core.export_events.export_events`): a session, a review, a mock answer
(:mod:`~mockprep.db.mock_answer_merge`), a story (its versions, links, removed links and rehearsals), a
question's marks, an interview plan (:mod:`~mockprep.db.plan_sync`) or a deletion.
Applying an event twice changes nothing; an event that refers to something not here yet (a session, a
question) is handed back as waiting. Every card whose log changed is replayed from its whole log in time
order (:data:`~mockprep.db.card_replay.REPLAY_ORDER`), so every device computes the same card.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import fields
from typing import TYPE_CHECKING, Any

from mockprep.db import review_codec, stats_rollup
from mockprep.db.card_replay import KnownParams, store_replayed_card
from mockprep.db.mark_stamps import take_marks
from mockprep.db.merge_rows import batch_row, origin_of
from mockprep.db.merge_summary import MergeSummary
from mockprep.db.mock_answer_merge import MockAnswerMerge
from mockprep.db.plan_sync import take_plan
from mockprep.db.question_aliases import current_key, current_keys
from mockprep.db.question_asides import filed_by_prompt, take_aside
from mockprep.db.review_indexes import SAME_REVIEW, delete_reviews_with_uids
from mockprep.db.session_reviews import of_session_row
from mockprep.db.sql import from_iso, text_us
from mockprep.db.story_merge import StoryMerge

if TYPE_CHECKING:
    from mockprep.db.store import Store


def merge_events(store: Store, events: Iterable[dict[str, Any]], origin: str) -> MergeSummary:
    """Apply ``events`` (from device ``origin``, unless an event names its own) in one transaction;
    return what changed."""
    summary = MergeSummary()
    with store.write() as conn:
        raw: sqlite3.Connection = conn.raw  # type: ignore[assignment]
        first_change = raw.execute("SELECT COALESCE(MAX(seq), 0) FROM sync_changes").fetchone()[0]
        merger = _Merger(raw, origin, summary)
        ordered = sorted(events, key=_apply_order)  # sessions and stories before what refers to them
        for event in ordered:
            if event.get("t") == "review":
                merger.apply(event)  # gathered, then inserted in bulk
            else:
                merger.alone(event, merger.apply)
        merger.flush_reviews()
        for answer in merger.answers.take():  # after the reviews: an answer names the one that rated it
            merger.alone(answer, merger.answers.apply)
        merger.flush_deletions()  # a deletion follows what it deletes
        merger.stories.name_survivors()
        merger.replay_cards()
        # What a merge inserts is the other device's to send, not this one's.
        raw.execute("DELETE FROM sync_changes WHERE seq > ?", (first_change,))
    return summary


def _delete_session_story_or_plan(raw: sqlite3.Connection, uid: str) -> str | None:
    """Delete the session (once it has no reviews or answers left), the story or the plan ``uid`` names;
    which of them it was (None: nothing here)."""
    if raw.execute(
        "DELETE FROM sessions WHERE uid = ?"
        f" AND NOT EXISTS (SELECT 1 FROM reviews r WHERE {of_session_row('sessions')})"
        " AND NOT EXISTS (SELECT 1 FROM mock_answers WHERE session_id = sessions.id)",
        (uid,),
    ).rowcount:
        return "session"
    if raw.execute("DELETE FROM stories WHERE uid = ?", (uid,)).rowcount:
        return "story"
    return "plan" if raw.execute("DELETE FROM plans WHERE uid = ?", (uid,)).rowcount else None


# A session whose line was skipped (a wrong value): its reviews are added without it, as a review made
# outside a session is, rather than wait for it forever (event: uid, file).
SKIPPED_SESSION = "skipped-session"


def _apply_order(event: dict[str, Any]) -> int:
    order = {"alias": -1, "aside": -1, "session": 0, "story": 1, "review": 2, "deleted": 3}
    return order.get(event.get("t", ""), 4)


class _Merger:
    def __init__(self, raw: sqlite3.Connection, origin: str, summary: MergeSummary) -> None:
        self.raw = raw
        self.origin = origin
        self.summary = summary
        self.touched: set[int] = set()  # questions whose log changed
        self.deleted = {row[0] for row in raw.execute("SELECT uid FROM sync_deleted")}
        self.reviews: list[dict[str, Any]] = []  # gathered, then inserted in bulk (flush_reviews)
        self.deletions: list[str] = []  # uids gathered, then deleted together (flush_deletions)
        self.story_deletions: list[dict[str, Any]] = []  # those that name the versions their device knew
        self.stories = StoryMerge(raw, summary, self.deleted)
        self.skipped: dict[str, dict[str, Any]] = {}  # SKIPPED_SESSION events by the session's uid
        self.answers = MockAnswerMerge(raw, summary, self.deleted, self.skipped)
        self.new_sessions: set[str] = set()  # uids of the sessions this merge added
        self.undone: set[str] = set()  # uids of reviews not added, as this merge deletes them too

    def alone(self, event: dict[str, Any], apply: Callable[[dict[str, Any]], Any]) -> None:
        """``apply(event)`` on its own: one that breaks a rule of this database (a story version whose
        uid another story holds) is taken back, summary and all, and handed back as refused (the sync
        names it with its file); the rest of the merge goes on."""
        counts = {f.name: getattr(self.summary, f.name) for f in fields(self.summary)}
        counts = {name: len(value) if isinstance(value, list) else value for name, value in counts.items()}
        told = len(self.stories.revived), len(self.stories.kept)
        self.raw.execute("SAVEPOINT merge_event")
        try:
            apply(event)
        except sqlite3.IntegrityError as exc:
            self.raw.execute("ROLLBACK TO merge_event")
            for name, count in counts.items():
                value = getattr(self.summary, name)
                if isinstance(value, list):
                    del value[count:]
                elif isinstance(count, int):
                    setattr(self.summary, name, count)
            del self.stories.revived[told[0] :], self.stories.kept[told[1] :]
            self.deleted.clear()  # shared with the story merge: as the database has it again
            self.deleted.update(row[0] for row in self.raw.execute("SELECT uid FROM sync_deleted"))
            self.summary.refused.append((event, f"could not be merged here ({exc})"))
        self.raw.execute("RELEASE merge_event")

    def apply(self, event: dict[str, Any]) -> None:
        kind = event.get("t")
        if kind == "session":
            self._session(event)
        elif kind == "review":
            self._review(event)
        elif kind == "story":
            self.stories.story(event)
        elif kind == "deleted" and isinstance(event.get("versions"), list):
            self.story_deletions.append(event)
        elif kind == "deleted":
            self.deletions.append(event["uid"])
        elif kind == "mock_answer":
            self.answers.gather(event)
        elif kind == "marks":
            self._marks(event)
        elif kind == "alias":
            self._alias(event)
        elif kind == "aside":  # (a retired question set aside on its device: m028's keys, by prompt)
            self._aside(event)
        elif kind == "plan":  # (after the deletions are gathered: one removed since is not added)
            if event["uid"] in self.deletions:
                self.summary.undone += 1
            else:
                self.summary.plans += take_plan(self.raw, event, origin_of(event, self.origin))
        elif kind == SKIPPED_SESSION:
            self.skipped[event["uid"]] = event

    def _marks(self, m: dict[str, Any]) -> None:
        """Another device's marks of a question, each taken when newer than this device's
        (:func:`~mockprep.db.mark_stamps.take_marks`)."""
        key = current_key(self.raw, str(m.get("key")))  # (renamed since the line was written: m028)
        row = self.raw.execute("SELECT id FROM questions WHERE key = ?", (key,)).fetchone()
        if row is None:
            self.summary.waiting.append(m)
            self.summary.homeless.append(str(m.get("key")))
            return
        self.summary.marks += take_marks(self.raw, row[0], m)
        self.summary.merged.append(m)

    def _alias(self, a: dict[str, Any]) -> None:
        """A key a renamed question had on the other device (m028), unless a question or an alias here
        holds it already: reviews and marks written under it then find the question."""
        key = str(a.get("key"))
        held = self.raw.execute(
            "SELECT 1 FROM questions WHERE key = ? UNION ALL SELECT 1 FROM question_aliases WHERE key = ?",
            (key, key),
        ).fetchone()
        target = current_key(self.raw, str(a.get("question")))
        row = self.raw.execute("SELECT id FROM questions WHERE key = ?", (target,)).fetchone()
        if held is None and row is not None:
            self.raw.execute("INSERT INTO question_aliases (key, question_id) VALUES (?, ?)", (key, row[0]))
            self.summary.aliases += 1

    def _aside(self, a: dict[str, Any]) -> None:
        touched = take_aside(self.raw, a)
        if touched is None:  # its bank is not here: said with the other records of questions not here
            self.summary.waiting.append(a)
            self.summary.homeless.append(str(a.get("key")))
        else:
            self.touched.update(touched)

    def _session(self, s: dict[str, Any]) -> None:
        if s["uid"] in self.deleted:
            return
        row = self.raw.execute("SELECT id, status FROM sessions WHERE uid = ?", (s["uid"],)).fetchone()
        if row is None:
            self.raw.execute(
                "INSERT INTO sessions (kind, started_at, ended_at, status, filters, pid, round, minutes,"
                " uid, origin) VALUES (?,?,?,?,?,NULL,?,?,?,?)",
                (
                    s["kind"],
                    from_iso(s["started_at"]),
                    from_iso(s.get("ended_at")),
                    s["status"],
                    json.dumps(s.get("filters") or {}),
                    s.get("round"),
                    s.get("minutes"),
                    s["uid"],
                    origin_of(s, self.origin),
                ),
            )
            self.summary.sessions += 1
            self.new_sessions.add(s["uid"])
        elif row[1] == "running" and s["status"] != "running":  # it ended on its device since
            self.raw.execute(
                "UPDATE sessions SET status = ?, ended_at = ? WHERE id = ?",
                (s["status"], from_iso(s.get("ended_at")), row[0]),
            )

    def _review(self, r: dict[str, Any]) -> None:
        self.reviews.append(r)

    def _detached(self) -> set[str]:
        """The uids of skipped sessions that are not here (kept in the summary, to be told of again)."""
        gone = set()
        for uid, event in self.skipped.items():
            if self.raw.execute("SELECT 1 FROM sessions WHERE uid = ?", (uid,)).fetchone() is None:
                gone.add(uid)
                self.summary.skipped_sessions.append(event)
        return gone

    def flush_reviews(self) -> None:
        """Insert the reviews gathered so far in bulk (a year of practice is 50,000 of them): each new
        one once, those whose question or session is not here handed back as waiting."""
        batch, self.reviews = self.reviews, []
        detached = self._detached()
        doomed = set(self.deletions)  # (gathered before: deletions apply last)
        if doomed:  # a review undone on its device since: never added, so neither counted nor replayed
            self.undone.update(r["uid"] for r in batch if r["uid"] in doomed and r["uid"] not in self.deleted)
            batch = [r for r in batch if r["uid"] not in doomed]
        if not batch:
            return
        raw = self.raw
        raw.execute(f"CREATE TEMP TABLE IF NOT EXISTS merge_reviews ({', '.join(_BATCH)})")
        raw.execute("CREATE INDEX IF NOT EXISTS temp.merge_reviews_uid ON merge_reviews(packed_uid, idx)")
        raw.execute("DELETE FROM temp.merge_reviews")
        raw.executemany(
            f"INSERT INTO temp.merge_reviews VALUES ({', '.join('?' * len(_BATCH))})",
            [batch_row(index, r, detached, self.origin) for index, r in enumerate(batch)],
        )
        # A question renamed here since a review was written under its old key takes it (m028).
        renamed = current_keys(raw, {r["key"] for r in batch})
        raw.executemany(
            "UPDATE temp.merge_reviews SET key = ? WHERE key = ?",
            [(now, was) for was, now in renamed.items()],
        )
        # One set aside here since (its id given to another prompt) takes those answered to its prompt.
        asked = {
            (renamed.get(r["key"], r["key"]), r["prompt"]) for r in batch if isinstance(r.get("prompt"), str)
        }
        raw.executemany(
            "UPDATE temp.merge_reviews SET key = ? WHERE key = ? AND prompt = ?",
            [(now, *was) for was, now in filed_by_prompt(raw, asked).items()],
        )
        self._move_misplaced()
        self._take_cram()
        # New: not deleted here, not here yet (found by its time, then its uid: m022), and the first
        # of the batch with its uid.
        here = SAME_REVIEW.format(us=text_us("t.rated_at"), uid="t.packed_uid")
        fresh = (
            f"t.uid NOT IN (SELECT uid FROM sync_deleted) AND NOT EXISTS ({here})"
            " AND t.idx = (SELECT MIN(o.idx) FROM temp.merge_reviews o WHERE o.packed_uid IS t.packed_uid)"
        )
        found = (
            " FROM temp.merge_reviews t LEFT JOIN questions q ON q.key = t.key"
            " LEFT JOIN sessions s ON s.uid = t.session"
        )
        for index, homeless in raw.execute(
            f"SELECT t.idx, q.id IS NULL {found}"
            f" WHERE (q.id IS NULL OR (t.session IS NOT NULL AND s.id IS NULL)) AND {fresh}"
        ).fetchall():
            self.summary.waiting.append(batch[index])
            if homeless:
                self.summary.homeless.append(batch[index]["key"])
        for (index,) in raw.execute(
            f"SELECT t.idx {found} WHERE t.detached AND q.id IS NOT NULL AND {fresh}"
        ):
            file = self.skipped[batch[index]["session"]]["file"]
            self.summary.detached[file] = self.summary.detached.get(file, 0) + 1
        before = raw.execute("SELECT COALESCE(MAX(id), 0) FROM reviews").fetchone()[0]
        # The parameter sets the reviews were scheduled with, recorded here too (by their canonical text).
        raw.execute(
            "INSERT INTO scheduler_params (parameters, created_at) SELECT params, MIN(rated_at)"
            " FROM temp.merge_reviews WHERE params IS NOT NULL"
            " AND params NOT IN (SELECT parameters FROM scheduler_params) GROUP BY params"
        )
        with stats_rollup.bulk(raw, after_id=before):  # the new reviews counted in one grouped pass
            inserted = raw.execute(
                "INSERT INTO reviews (question_id, session_id, rated_us, rating, state_before,"
                " answer, duration_ms, time_limit_ms, coverage, suggested, grader, proposed, checklist, uid,"
                " origin, cram, params_id, code_runs, code_result, delivery, model, model_proposed,"
                " model_suggested, model_errors, model_failure)"
                f" SELECT q.id, s.id, {text_us('t.rated_at')}, t.rating, t.state_before, t.answer,"
                " t.duration_ms,"
                " t.time_limit_ms, t.coverage, t.suggested, t.grader, t.proposed, t.checklist, t.packed_uid,"
                " t.origin, t.cram, (SELECT p.id FROM scheduler_params p WHERE p.parameters = t.params),"
                " t.code_runs, t.code_result, t.delivery, t.model, t.model_proposed, t.model_suggested,"
                " t.model_errors, t.model_failure"
                f" {found} WHERE q.id IS NOT NULL AND (t.session IS NULL OR s.id IS NOT NULL) AND {fresh}"
                " ORDER BY t.idx"
            ).rowcount
        self.summary.reviews += inserted
        if inserted:  # which of the batch they are (a review's uid and time, as inserted)
            self.summary.merged.extend(
                batch[index]
                for (index,) in raw.execute(
                    "SELECT t.idx FROM reviews r JOIN temp.merge_reviews t ON t.packed_uid = r.uid"
                    f" AND r.rated_us = {text_us('t.rated_at')} WHERE r.id > ?",
                    (before,),
                )
            )
            self.touched.update(
                q for (q,) in raw.execute("SELECT DISTINCT question_id FROM reviews WHERE id > ?", (before,))
            )

    def _take_cram(self) -> None:
        """Reviews here that the batch names as cram reviews and this home still counts: an Anki import on
        the other device found them before a reset there (m034). Each becomes one, with that device's
        state before it, and its card is replayed; never the other way, as a cram review is one from its
        start."""
        rows = self.raw.execute(
            "SELECT r.id, r.question_id, t.state_before FROM temp.merge_reviews t"
            f" JOIN reviews r ON r.rated_us = {text_us('t.rated_at')} AND r.uid = t.packed_uid"
            " WHERE t.cram AND NOT r.cram"
        ).fetchall()
        self.raw.executemany(
            "UPDATE reviews SET cram = 1, state_before = ? WHERE id = ?", [(s, r) for r, _, s in rows]
        )
        self.touched.update(question for _, question, _ in rows)

    def _move_misplaced(self) -> None:
        """Reviews here on another question than the one the file names, when that one's prompt here is
        the prompt they were answered to (the file says) and their question's here is not: its id was
        given to a new question after a rename this home did not see (a backup restored from before the
        rename, the bank file read since). Each moves to the question it was answered to."""
        from mockprep.core.renames import prompt_key

        def prompt(data: str) -> str:
            return prompt_key(str(json.loads(data).get("prompt") or ""))

        rows = self.raw.execute(
            "SELECT r.id, r.question_id, q.id, t.prompt, h.data, q.data FROM temp.merge_reviews t"
            " JOIN questions q ON q.key = t.key"
            f" JOIN reviews r ON r.rated_us = {text_us('t.rated_at')} AND r.uid = t.packed_uid"
            " JOIN questions h ON h.id = r.question_id"
            " WHERE t.prompt IS NOT NULL AND r.question_id != q.id"
        ).fetchall()
        for review, here, there, asked, here_data, there_data in rows:
            if prompt_key(asked) == prompt(there_data) != prompt(here_data):
                self.raw.execute("UPDATE reviews SET question_id = ? WHERE id = ?", (there, review))
                self.raw.execute(
                    "UPDATE mock_answers SET question_id = ? WHERE review_id = ?", (there, review)
                )
                self.touched.update((here, there))
                self.summary.moved += 1

    def flush_deletions(self) -> None:
        """Delete what the gathered deletions name: reviews first (found in one read of the log, as no
        index holds their uids: m022), then sessions left without reviews, and stories."""
        stories, self.story_deletions = self.story_deletions, []
        for event in stories:
            self.alone(event, self._story_deletion)
        uids, self.deletions = list(dict.fromkeys(self.deletions)), []
        if not uids:
            return
        for uid in (uid for uid in uids if uid not in self.deleted):
            self.raw.execute("INSERT OR IGNORE INTO sync_deleted (uid, kind) VALUES (?, 'merged')", (uid,))
            self.deleted.add(uid)
        found = delete_reviews_with_uids(self.raw, (review_codec.pack_uid(uid) for uid in uids))
        self.touched.update(question_id for question_id, _ in found)
        reviews = {review_codec.uid_hex(uid) for _, uid in found}
        kinds = {uid: _delete_session_story_or_plan(self.raw, uid) for uid in uids if uid not in reviews}
        gone = [uid for uid, kind in kinds.items() if kind]
        new = sum(uid in self.new_sessions for uid in gone)  # added by this merge, removed on their device
        self.summary.sessions -= new
        self.summary.deleted += len(found) + len(gone) - new
        removed = self.summary.removed
        for kind, count in (("review", len(found)), *((k, 1) for u, k in kinds.items() if k)):
            removed[kind] = removed.get(kind, 0) + count
        removed["session"] = removed.get("session", 0) - new
        self.summary.undone += new + len(self.undone - reviews)  # (a review here already is deleted)

    def _story_deletion(self, event: dict[str, Any]) -> None:
        self.summary.deleted += self.stories.delete(event["uid"], event["versions"], event.get("rehearsals"))

    def replay_cards(self) -> None:
        """Each touched card recomputed from its whole log (cram reviews left out, each review with the
        parameters it was scheduled with); the card before its latest rating no longer holds."""
        known: KnownParams = {None: None}
        for question in sorted(self.touched):
            # Each review's state before it is rewritten as the merged order has it (a device that rated
            # without the other's reviews saw another): lapses are counted from it, the same everywhere.
            store_replayed_card(self.raw, question, known)
        self.summary.cards = len(self.touched)


_BATCH = (
    "idx",
    "uid",  # as events name it (hex), matched against tombstones
    "packed_uid",  # as reviews store it (m015)
    "key",
    "session",
    "detached",  # its session's line was skipped: added without it
    "rated_at",
    "rating",
    "state_before",
    "answer",
    "duration_ms",
    "time_limit_ms",
    "coverage",
    "suggested",
    "grader",
    "proposed",
    "checklist",
    "origin",
    "cram",
    "params",
    "code_runs",
    "code_result",
    "delivery",
    "prompt",  # its question's prompt, when the line says (an export; a sync line since 2026-12)
    # the language model asked, its verdicts, rating, errors named, or why it gave none (an export)
    "model",
    "model_proposed",
    "model_suggested",
    "model_errors",
    "model_failure",
)
