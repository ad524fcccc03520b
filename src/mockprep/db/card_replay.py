"""A question's card recomputed from its whole review log, and each review's state before it rewritten as
that order has it.

Every device replays a question's log in the same order (:data:`REPLAY_ORDER`: by time, ties by the
review's global id), so every device computes the same card. The state each review found the card in
(``state_before``: what lapses and leeches are counted from) is rewritten from the same replay: a device
that rated without another's reviews saw another state, and one whose clock was ahead dated its review
after ratings made later. A merge and a rating dated before the card's last review both replay through
:func:`replay_log`, so both count the same lapses.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from mockprep.core.scheduler import (
    FSRS6_WEIGHTS,
    SchedulerParams,
    memory_under,
    states_before,
    weights_problem,
)
from mockprep.db.sql import from_iso, must_time

if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Iterator
    from datetime import datetime

    from fsrs import Card

# A question's log in the order it is replayed: by time, ties (the same microsecond on two devices)
# broken by the review's global id, so that every device computes the same card.
REPLAY_ORDER = "rated_us, uid"  # (rated_us orders as the text rated_at does: m018)

# Scheduler parameter sets by their stored text (None: before they were recorded), read once.
KnownParams = dict[str | None, SchedulerParams | None]
ReplayStep = tuple["datetime", int, SchedulerParams | None]  # (rated at, rating, parameters)


def replay_log(
    raw: sqlite3.Connection, question_id: int, known: KnownParams | None = None, leave_out: int = 0
) -> Card:
    """The card of ``question_id`` recomputed from its reviews other than review id ``leave_out`` (cram
    ones left out: they never changed it), each with the parameters it was scheduled with, its memory
    state under the weights in use (:func:`~mockprep.core.scheduler.states_before`'s rule); each review's
    ``state_before`` rewritten where the replayed order gives another."""
    known = {None: None} if known is None else known
    added = raw.execute("SELECT added_at FROM questions WHERE id = ?", (question_id,)).fetchone()[0]
    log, recorded = [], []
    for review_id, at, rating, stored, state_before in raw.execute(
        "SELECT r.id, r.rated_at, r.rating, p.parameters, r.state_before FROM reviews r"
        " LEFT JOIN scheduler_params p ON p.id = r.params_id"
        f" WHERE r.question_id = ? AND r.id != ? AND NOT r.cram ORDER BY {REPLAY_ORDER}",
        (question_id, leave_out),
    ):
        if stored not in known:
            known[stored] = SchedulerParams.from_dict(json.loads(stored))
        log.append((must_time(at), rating, known[stored]))
        recorded.append((review_id, state_before))
    card, before = states_before(question_id, must_time(added), log, weights_in_use(raw))
    raw.executemany(
        "UPDATE reviews SET state_before = ? WHERE id = ?",
        [(state, rid) for (rid, was), state in zip(recorded, before, strict=True) if state != was],
    )
    return card


def store_replayed_card(raw: sqlite3.Connection, question_id: int, known: KnownParams | None = None) -> None:
    """Replace the card of ``question_id`` with the one its whole log gives (:func:`replay_log`); the card
    before its latest rating, which undo would restore, no longer holds (undo replays instead)."""
    card = replay_log(raw, question_id, known)
    raw.execute(
        "UPDATE cards SET state = ?, step = ?, stability = ?, difficulty = ?, due = ?,"
        " last_review = ?, undo_review_id = NULL, undo_card = NULL WHERE question_id = ?",
        (
            card.state.value,
            card.step,
            card.stability,
            card.difficulty,
            from_iso(card.due.isoformat()),
            from_iso(card.last_review.isoformat()) if card.last_review else None,
            question_id,
        ),
    )
    raw.execute("UPDATE reviews SET card_before = NULL WHERE question_id = ?", (question_id,))


# The fit whose weights are in use first: the last adopted that was not undone.
IN_USE = "adopted_at IS NOT NULL AND undone_at IS NULL ORDER BY adopted_at DESC, id DESC"


def weights_in_use(raw: sqlite3.Connection) -> tuple[float, ...]:
    """The FSRS weights in use on this device: the fit adopted last and not undone, else FSRS 6's (also
    when py-fsrs refuses the fit's weights, as an older mockprep's import could store them)."""
    weights = adopted_weights(raw)
    return FSRS6_WEIGHTS if weights is None or weights_problem(weights) else weights


def adopted_weights(raw: sqlite3.Connection) -> tuple[float, ...] | None:
    """The weights of the fit adopted last and not undone, as stored (None: no fit is in use)."""
    row = raw.execute(f"SELECT weights FROM fitted_parameters WHERE {IN_USE} LIMIT 1").fetchone()
    return None if row is None else tuple(float(w) for w in json.loads(row[0]))


def logs(raw: sqlite3.Connection) -> Iterator[tuple[int, datetime, list[ReplayStep]]]:
    """Every reviewed question's scheduling log (cram reviews left out), in :data:`REPLAY_ORDER`:
    ``(question id, added at, [(rated at, rating, parameters)])``, one pass over the log."""
    known: KnownParams = {None: None}
    current, created, log = None, "", []
    for question_id, added, at, rating, stored in raw.execute(
        "SELECT r.question_id, q.added_at, r.rated_at, r.rating, p.parameters FROM reviews r"
        " JOIN questions q ON q.id = r.question_id LEFT JOIN scheduler_params p ON p.id = r.params_id"
        f" WHERE NOT r.cram ORDER BY r.question_id, {REPLAY_ORDER}"
    ):
        if question_id != current:
            if current is not None:
                yield current, must_time(created), log
            current, created, log = question_id, added, []
        if stored not in known:
            known[stored] = SchedulerParams.from_dict(json.loads(stored))
        log.append((must_time(at), rating, known[stored]))
    if current is not None:
        yield current, must_time(created), log


def recompute_memory(raw: sqlite3.Connection) -> int:
    """Every card's memory state (stability, difficulty) recomputed from its log under the weights in
    use, its due date kept (what adopting or undoing weights does, as Anki does when its FSRS parameters
    change); the number of cards that changed. One pass over the log in question order; a changed card's
    kept state for undo is dropped (undo replays instead)."""
    weights = weights_in_use(raw)
    stored = {
        qid: (stability, difficulty)
        for qid, stability, difficulty in raw.execute("SELECT question_id, stability, difficulty FROM cards")
    }
    changed = []
    for question_id, created, log in logs(raw):
        card = memory_under(question_id, created, log, weights)  # (one pass: the due date is kept)
        if stored.get(question_id, (card.stability, card.difficulty)) != (card.stability, card.difficulty):
            changed.append((card.stability, card.difficulty, question_id))
    raw.executemany(
        "UPDATE cards SET stability = ?, difficulty = ?, undo_review_id = NULL, undo_card = NULL"
        " WHERE question_id = ?",
        changed,
    )
    return len(changed)


# Whether a home adopted a fit at some time (undone or not): only then can a card hold stale memory.
ADOPTED_ANY = "SELECT 1 FROM fitted_parameters WHERE adopted_at IS NOT NULL LIMIT 1"


def m032_memory_under_adopted_weights(cur: Any) -> None:
    """A home that adopted (or undid) a fit with a mockprep before 2026-12 kept the memory states the earlier
    weights computed, and sessions went on scheduling from them: recompute every card's memory under the
    weights in use once (:func:`recompute_memory`, due dates kept), as adopting does now.

    Weights in use that py-fsrs refuses (outside its bounds: an import before exports were checked for
    them) leave memory as it is: an upgrade never fails on data it can skip, since every later command,
    export included, would fail with it.

    This old migration calls live code (recompute_memory, logs, memory_under, weights_in_use): a change
    to any of them changes what it does to a home not yet upgraded. tests/test_m032.py pins its result on
    the schema-v31 fixture; a change that moves it must copy the old logic here instead."""
    if cur.execute(ADOPTED_ANY).fetchone() is None:
        return
    try:  # (recompute_memory writes only once the whole log is replayed)
        if weights_problem(adopted_weights(cur.connection) or FSRS6_WEIGHTS) is None:
            recompute_memory(cur.connection)
    except (TypeError, ValueError):  # stored weights or parameters not a usable set: kept as they are
        return
