"""Migration m028: the keys a question had before its id was renamed, and the renaming itself.

A renamed question keeps its row (its id, card, reviews and mock answers, so undo, history and the
stats roll-up stay as they were) and takes the new key; the old key stays an alias of it in
``question_aliases``. Other devices' sync lines, and exports made before the rename, name the question
by the old key: a merge reads an alias as the question it names now (:func:`current_keys`), so those
reviews, marks and story links find it. A key that is a question's own always wins over an alias.
:func:`m028_question_aliases` is part of a migration: once released, never edited.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from mockprep.core import ids
from mockprep.db.card_replay import store_replayed_card
from mockprep.db.mark_stamps import marks_event, take_marks

if TYPE_CHECKING:
    import sqlite3


def m028_question_aliases(cur: Any) -> None:
    """A key a question answered to before it was renamed (``mockprep question rename``, or a sync that
    found it under a new id with the same prompt)."""
    cur.execute(
        "CREATE TABLE question_aliases ("
        " key TEXT NOT NULL PRIMARY KEY,"
        " question_id INTEGER NOT NULL REFERENCES questions(id)"
        ")"  # (a rowid table: a package copies rows in rowid order)
    )
    cur.execute("CREATE INDEX question_aliases_question ON question_aliases(question_id)")


_FIELDS = ("bank_id", "round", "topic", "difficulty", "kind", "roles", "competencies", "data", "retired_at")
_COLUMNS = ", ".join(_FIELDS)


def carry_over(raw: sqlite3.Connection, old_id: int, new_key: str) -> int:
    """Question ``old_id`` becomes the question keyed ``new_key``: it takes that question's key, bank and
    fields, its reviews, mock answers and aliases, and each of its marks changed later than its own;
    that question's row goes, and the old key becomes an alias. Returns the reviews taken over (the card
    is then replayed from the whole log, as a merge does)."""
    return carry_moves(raw, [(old_id, new_key)])


def carry_moves(raw: sqlite3.Connection, moves: Sequence[tuple[int, str]]) -> int:
    """Each question of ``moves`` (a row id) takes its new key at once, with the bank and fields the
    question that has that key holds now, as :func:`carry_over` does for one: keys may be taken from
    each other (a swap, a chain of renames). A question whose key is taken and that takes none itself
    (one a sync just added) hands over what it has and goes. Returns the reviews handed over."""
    movers = {qid for qid, _key in moves}
    plans = []
    for qid, new_key in moves:
        old_key = raw.execute("SELECT key FROM questions WHERE id = ?", (qid,)).fetchone()[0]
        new = raw.execute(f"SELECT id, {_COLUMNS} FROM questions WHERE key = ?", (new_key,)).fetchone()
        plans.append((qid, old_key, new_key, new[0], new[1:]))
    for qid, old_key, *_rest in plans:  # every key set aside first: two rows never hold one key
        raw.execute("UPDATE questions SET key = ? WHERE id = ?", (_PARKED.format(qid), qid))
        move_links(raw, old_key, _PARKED.format(qid))
    taken = 0
    for qid, _old, _new, new_id, values in plans:
        # (The stats roll-up's triggers move the counts along: a question's bank, round and topic and a
        # review's question are what they count by.)
        raw.execute(
            f"UPDATE questions SET {', '.join(f'{name} = ?' for name in _FIELDS)} WHERE id = ?",
            (*values, qid),
        )
        if new_id not in movers:
            joined = hand_over(raw, new_id, qid)
            if joined:
                store_replayed_card(raw, qid)
            taken += joined
    raw.executemany("DELETE FROM question_aliases WHERE key = ?", [(plan[2],) for plan in plans])
    for qid, old_key, new_key, _id, _values in plans:
        raw.execute("UPDATE questions SET key = ? WHERE id = ?", (new_key, qid))
        raw.execute(
            "INSERT OR REPLACE INTO question_aliases (key, question_id) VALUES (?, ?)",
            (old_key, qid),
        )
        move_links(raw, _PARKED.format(qid), new_key)
    return taken


_PARKED = " moving/{}"  # a key no bank can write (ids are slugs), held while carry_moves runs


def hand_over(raw: sqlite3.Connection, from_id: int, to_id: int) -> int:
    """Question ``from_id``'s reviews, mock answers, later marks and aliases go to ``to_id``, and its row
    and card go. Returns the reviews handed over."""
    taken = raw.execute("UPDATE reviews SET question_id = ? WHERE question_id = ?", (to_id, from_id)).rowcount
    raw.execute("UPDATE mock_answers SET question_id = ? WHERE question_id = ?", (to_id, from_id))
    marks = marks_event(raw, from_id)
    if marks is not None:
        take_marks(raw, to_id, marks)
    raw.execute("UPDATE question_aliases SET question_id = ? WHERE question_id = ?", (to_id, from_id))
    raw.execute("DELETE FROM cards WHERE question_id = ?", (from_id,))
    raw.execute("DELETE FROM questions WHERE id = ?", (from_id,))
    return taken


def move_links(raw: sqlite3.Connection, old_key: str, new_key: str) -> None:
    """Stories linked to the old key are linked to the new one (each link's uid is made from its key),
    and a link removed from the old key counts as removed from the new one."""
    links = raw.execute(
        "SELECT l.story_id, l.linked_at, s.uid FROM story_links l JOIN stories s ON s.id = l.story_id"
        " WHERE l.question_key = ?",
        (old_key,),
    ).fetchall()
    raw.executemany(
        "INSERT OR IGNORE INTO story_links (story_id, question_key, linked_at, uid) VALUES (?, ?, ?, ?)",
        [(story, new_key, at, ids.link_uid(uid, new_key)) for story, at, uid in links],
    )
    raw.execute("DELETE FROM story_links WHERE question_key = ?", (old_key,))
    raw.execute(
        "INSERT OR IGNORE INTO story_unlinks (story_id, question_key, removed_at)"
        " SELECT story_id, ?, removed_at FROM story_unlinks WHERE question_key = ?"
        " AND story_id NOT IN (SELECT story_id FROM story_links WHERE question_key = ?)",
        (new_key, old_key, new_key),
    )
    raw.execute("DELETE FROM story_unlinks WHERE question_key = ?", (old_key,))


def aliases(raw: sqlite3.Connection) -> dict[str, str]:
    """Every alias no question holds as its own key, with the key of the question it names now.
    (Renames are few: the table is read whole.)"""
    return dict(
        raw.execute(
            "SELECT a.key, q.key FROM question_aliases a JOIN questions q ON q.id = a.question_id"
            " WHERE NOT EXISTS (SELECT 1 FROM questions o WHERE o.key = a.key)"
        ).fetchall()
    )


def current_keys(raw: sqlite3.Connection, keys: Iterable[str]) -> dict[str, str]:
    """Of ``keys``, those no question holds that are aliases of a renamed question: each with the key
    that question has now."""
    known = aliases(raw)
    return {key: known[key] for key in keys if key in known} if known else {}


def current_key(raw: sqlite3.Connection, key: str) -> str:
    """``key``, or the key of the question it is an alias of."""
    return current_keys(raw, (key,)).get(key, key)
