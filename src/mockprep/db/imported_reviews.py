"""The writes of `bank import --with-history`, each inside the caller's write transaction: the questions'
ids and their reviews' times (what is already there), the new reviews inserted in bulk, the cards
saved or replayed from their whole log, and Anki's suspensions and buries taken over."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from mockprep.core.card_actions import SUSPENDED_BY_YOU
from mockprep.db import review_codec, stats_rollup
from mockprep.db.card_replay import KnownParams, store_replayed_card
from mockprep.db.cards import card_from_row, save_card
from mockprep.db.driver import text
from mockprep.db.sql import db_time
from mockprep.db.sync_triggers import recorded

if TYPE_CHECKING:
    from fsrs import Card

    from mockprep.db.driver import Connection

_CHUNK = 900  # ids a statement names (SQLite's default limit on variables is 999 before 3.32)


class ImportedReview(NamedTuple):
    """A review an import adds: an answer given elsewhere (no session, no answer text)."""

    question_id: int
    rated_us: int
    rating: int
    state_before: int
    duration_ms: int
    grader: str
    cram: bool
    params_id: int | None
    uid: str


def question_ids(conn: Connection, keys: Sequence[str]) -> dict[str, int]:
    """The id of each question key that exists."""
    found = {}
    for start in range(0, len(keys), _CHUNK):
        stmt = text("SELECT key, id FROM questions WHERE key IN :keys")
        found.update(conn.execute(stmt, {"keys": list(keys[start : start + _CHUNK])}).all())
    return {str(k): int(v) for k, v in found.items()}


class HeldReview(NamedTuple):
    """A review a question holds already: when, its rating, its id, and what decides its place."""

    rated_us: int
    rating: int
    id: int
    cram: bool
    state_before: int


def review_times(conn: Connection, ids: Sequence[int]) -> dict[int, list[HeldReview]]:
    """Each question's reviews (questions without any left out)."""
    found: dict[int, list[HeldReview]] = {}
    for start in range(0, len(ids), _CHUNK):
        stmt = text(
            "SELECT question_id, rated_us, rating, id, cram, state_before FROM reviews"
            " WHERE question_id IN :ids"
        )
        for question_id, at, rating, review_id, cram, state in conn.execute(
            stmt, {"ids": list(ids[start : start + _CHUNK])}
        ):
            found.setdefault(question_id, []).append(HeldReview(at, rating, review_id, bool(cram), state))
    return found


def recount(conn: Connection, changes: Sequence[tuple[bool, int, int]]) -> None:
    """Set reviews' ``(cram, state_before, id)``: whether each still schedules its card, now that Anki
    says otherwise (a reset there since an earlier import). The stats roll-up follows by its triggers,
    and a review turned into a cram review is sent at the next sync (m034)."""
    if changes:
        conn.raw.executemany(
            "UPDATE reviews SET cram = ?, state_before = ? WHERE id = ?",
            [(int(cram), state, review_id) for cram, state, review_id in changes],
        )


def m034_recounted_reviews_sent(cur: Any) -> None:
    """A review :func:`recount` turns into a cram review is sent again at the next sync, so other devices
    take the flag too (:mod:`mockprep.db.merge`: a review held there that a line names as cram becomes
    one). Those turned before are queued once (every cram answer imported from Anki: one that was cram
    from its insertion changes nothing elsewhere), and other devices' files are read again from the start,
    as an older mockprep skipped such lines there. Part of a migration: once released, never edited."""
    cur.execute(recorded("reviews_recounted", "UPDATE OF cram", "reviews", "review", "NEW.id", _TURNED))
    cur.execute(
        "INSERT INTO sync_changes (kind, row_id) SELECT 'review', id FROM reviews"
        " WHERE cram AND grader = 'anki' AND (SELECT recording FROM sync_device) = 1 ORDER BY id"
    )
    cur.execute("DELETE FROM sync_files WHERE name NOT LIKE (SELECT id FROM sync_device) || '.%'")


_TURNED = "NEW.cram AND NOT OLD.cram AND "  # only that way: a cram review is cram from its start


def insert(conn: Connection, reviews: Iterable[ImportedReview]) -> int:
    """Insert the reviews in one statement; the stats roll-up counts them in one grouped pass."""
    raw = conn.raw
    rows = [
        (
            r.question_id,
            r.rated_us,
            r.rating,
            r.state_before,
            r.duration_ms,
            review_codec.pack_grader(r.grader),
            int(r.cram),
            r.params_id,
            review_codec.pack_uid(r.uid),
        )
        for r in reviews
    ]
    if not rows:
        return 0
    before = raw.execute("SELECT COALESCE(MAX(id), 0) FROM reviews").fetchone()[0]
    with stats_rollup.bulk(raw, after_id=before):
        raw.executemany(
            "INSERT INTO reviews (question_id, rated_us, rating, state_before, duration_ms, grader, cram,"
            " params_id, uid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    return len(rows)


def save(conn: Connection, question_id: int, card: Card) -> None:
    """Store the question's card as the import computed it."""
    save_card(conn, question_id, card)


def replay(conn: Connection, question_id: int, known: KnownParams) -> Card:
    """The question's card replayed from its whole log (old reviews and added ones), stored."""
    store_replayed_card(conn.raw, question_id, known)
    row = conn.execute(
        text(
            "SELECT question_id, state, step, stability, difficulty, due, last_review FROM cards"
            " WHERE question_id = :q"
        ),
        {"q": question_id},
    ).one()
    return card_from_row(row)


def suspend(conn: Connection, question_ids: Sequence[int], at: datetime) -> list[int]:
    """Suspend the questions (as the person's own suspension) whose suspension was never set or lifted
    here; those it suspended."""
    done = []
    for question_id in question_ids:
        changed = conn.execute(
            text(
                "UPDATE cards SET suspended_at = :t, suspended_by = :by WHERE question_id = :q"
                " AND suspended_at IS NULL AND suspended_changed_at IS NULL"
            ),
            {"t": db_time(at), "by": SUSPENDED_BY_YOU, "q": question_id},
        ).rowcount
        if changed:
            done.append(question_id)
    return done


def bury(conn: Connection, question_ids: Sequence[int], until: datetime) -> int:
    """Bury the questions until ``until`` (a longer bury left as it is); how many it buried."""
    count = 0
    for question_id in question_ids:
        count += conn.execute(
            text(
                "UPDATE cards SET buried_until = :u WHERE question_id = :q"
                " AND (buried_until IS NULL OR buried_until < :u)"
            ),
            {"u": db_time(until), "q": question_id},
        ).rowcount
    return count


def lapses(conn: Connection, question_ids: Sequence[int], at_least: int) -> dict[int, int]:
    """The questions forgotten ``at_least`` times after being learned, with how many times."""
    found: dict[int, int] = {}
    for start in range(0, len(question_ids), _CHUNK):
        stmt = text(
            "SELECT question_id, COUNT(*) FROM reviews WHERE question_id IN :ids AND rating = 1"
            " AND state_before = 2 AND NOT cram GROUP BY question_id HAVING COUNT(*) >= :n"
        )
        rows: Any = conn.execute(stmt, {"ids": list(question_ids[start : start + _CHUNK]), "n": at_least})
        found.update((int(q), int(n)) for q, n in rows)
    return found
