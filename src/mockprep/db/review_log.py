"""The review log as ``history --csv`` writes it: every review in time order, read in pieces.

A piece is the reviews between two times, about :data:`PIECE` of them. A large log's pieces are made
by worker processes that read the very snapshot this process reads
(:mod:`mockprep.db.snapshot_workers`); a small one's here.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from mockprep.db import review_codec

if TYPE_CHECKING:
    from mockprep.db.store import Store

PIECE = 20_000  # reviews a piece holds: a few megabytes of CSV
WORKERS_FROM = 200_000  # reviews from which workers pay for their start (about 0.3 s of CPU each)
Bound = int | None  # a review's rated_us (m016); None: the log's end
T = TypeVar("T")


def pieces(store: Store, piece: Callable[[sqlite3.Connection, Bound, Bound], T]) -> Iterator[T]:
    """``piece(connection, after, upto)`` for each run of the log in time order, from one snapshot;
    by worker processes for a log of :data:`WORKERS_FROM` reviews or more, on a CPU each."""
    from mockprep.db.snapshot_workers import in_pieces

    with store.snapshot():
        yield from in_pieces(store.conn.raw, store.path, ranges, piece, WORKERS_FROM)


def ranges(raw: sqlite3.Connection) -> list[tuple[Bound, Bound]]:
    """The log's runs of about :data:`PIECE` reviews, as (after, upto] bounds on their time (``rated_us``),
    in order and covering it."""
    from mockprep.db.snapshot_workers import sampled_cuts

    # (a time SQLite could not read has no rated_us: never a cut, which would end the pieces early)
    query = (
        "SELECT rated_us FROM reviews WHERE id IN (SELECT value FROM json_each(?)) AND rated_us IS NOT NULL"
    )
    return list(itertools.pairwise([None, *sampled_cuts(raw, query, PIECE), None]))


def rows(raw: sqlite3.Connection, after: Bound = None, upto: Bound = None) -> Iterator[list[tuple[Any, ...]]]:
    """The reviews in (after, upto], oldest first, in batches of plain tuples: id, time (ISO 8601 UTC),
    question id, rating, state before, duration, limit, suggested, session id, answer. The questions
    and sessions they name are :func:`names`. No join and no object per row."""
    from mockprep.db.snapshot_workers import range_clause

    where, bounds = range_clause("rated_us", after, upto)
    cursor = raw.execute(
        "SELECT id, rated_at, question_id, rating, state_before, duration_ms, time_limit_ms, suggested,"
        " session_id, answer FROM reviews"
        + where
        # the whole key of the index by time (m016: the time as an integer, then the id): read in its
        # order, no sort
        + " ORDER BY rated_us, id",
        bounds,
    )
    unpack = review_codec.answer_text
    try:
        while batch := cursor.fetchmany(2000):
            # The stored time ('2025-01-02 03:04:05.678901', UTC) as isoformat() writes it (no
            # '.000000'), and a deflated answer (m015) unpacked: in Python, which costs less than the
            # same string functions in SQL.
            yield [
                (
                    rid,
                    f"{(at[:19] if at[19:] == '.000000' else at).replace(' ', 'T')}+00:00",
                    qid,
                    rating,
                    state,
                    ms,
                    limit,
                    suggested,
                    sid,
                    answer if type(answer) is str else unpack(answer),
                )  # fmt: skip
                for rid, at, qid, rating, state, ms, limit, suggested, sid, answer in batch
            ]
    finally:
        cursor.close()


def names(raw: sqlite3.Connection) -> tuple[dict[int, tuple[str, str, str, str]], dict[int, str]]:
    """Each question's key, round, topic and bank; each session's kind."""
    found = raw.execute("SELECT id, key, round, topic, bank_id FROM questions")
    questions = {r[0]: (r[1], r[2], r[3], r[4]) for r in found}
    kinds = {r[0]: r[1] for r in raw.execute("SELECT id, kind FROM sessions")}
    return questions, kinds
