"""The SQL behind migration m015: every review's answer, coverage and uid rewritten in the stored forms of
:mod:`mockprep.db.review_codec`, and the two triggers that write review uids made to write (and
remember) them in those forms. Part of a migration: once released, never edited (a change is a new
migration)."""

from __future__ import annotations

import functools
import json
from typing import Any

from mockprep.db import review_codec


def compact(cur: Any) -> None:
    """Rewrite the reviews in place in one pass. The unique index of uids is dropped for the pass and
    built again after it: changing a million random keys one by one is minutes, a sorted build seconds."""
    con = cur.connection
    con.create_function("m015_answer", 1, review_codec.pack_answer, deterministic=True)
    con.create_function("m015_coverage", 1, _coverage, deterministic=True)
    con.create_function("m015_uid", 1, review_codec.pack_uid, deterministic=True)
    uid = review_codec.SQL_UID.format("OLD.uid")
    for statement in (
        "DROP INDEX reviews_uid",
        "UPDATE reviews SET"
        " answer = CASE WHEN length(answer) >= 16 THEN m015_answer(answer) ELSE answer END,"
        " coverage = m015_coverage(coverage), uid = m015_uid(uid)",
        "CREATE UNIQUE INDEX reviews_uid ON reviews(uid)",
        "DROP TRIGGER reviews_new_uid",
        # a new review's id: 16 random bytes (m010 wrote their hex)
        "CREATE TRIGGER reviews_new_uid AFTER INSERT ON reviews WHEN NEW.uid IS NULL"
        " BEGIN UPDATE reviews SET uid = randomblob(16) WHERE id = NEW.id; END",
        "DROP TRIGGER reviews_deleted",
        # a deleted review's tombstone and the deletion a sync sends: the hex form, as before
        f"""CREATE TRIGGER reviews_deleted AFTER DELETE ON reviews WHEN OLD.uid IS NOT NULL
        BEGIN
            INSERT OR IGNORE INTO sync_deleted (uid, kind) VALUES ({uid}, 'review');
            INSERT INTO sync_changes (kind, ref)
                SELECT 'deleted', {uid} WHERE (SELECT recording FROM sync_device) = 1;
        END""",
    ):
        cur.execute(statement)


@functools.lru_cache(maxsize=4096)  # a handful of distinct lists among a million reviews
def _coverage(stored: str | None) -> str | None:
    """A JSON list of booleans in m015's form; anything else (never written by mockprep) as it was."""
    if stored is None or not stored.startswith("["):
        return stored
    try:
        coverage = json.loads(stored)
    except ValueError:
        return stored
    if type(coverage) is not list or any(type(c) is not bool for c in coverage):
        return stored
    return review_codec.pack_coverage(coverage)
