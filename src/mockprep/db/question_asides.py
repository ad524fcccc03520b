"""Retired questions set aside: a bank file gave a retired question's id to another prompt, so the id is a
new question's and the retired one keeps its row, card and history, still retired, under a key made
from its id and its own prompt (:func:`mockprep.core.renames.aside_id`).

Found again by that prompt: a file that gives the id back with the prompt restores it (whatever
happened to the id in between), and a review line that names the id with the prompt it was answered to
is filed there. A set-aside travels as a sync line (``aside``), so a device that saw the file change
in one step (the prompt changed in place, which keeps a history) sets the same history aside.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from mockprep.core.renames import SetAside, aside_id, prompt_key
from mockprep.db import review_codec
from mockprep.db.card_replay import store_replayed_card
from mockprep.db.question_aliases import hand_over, move_links

if TYPE_CHECKING:
    import sqlite3

    Stored = tuple[int, str, Any, tuple[Any, Any, Any]]  # id, data, retired_at, (round, topic, roles)

_ASIDE_KEY = re.compile(r"(?P<key>.+)-retired-[0-9a-f]{6}(?:-\d+)?")
_ROW = ("bank_id", "round", "topic", "difficulty", "kind", "roles", "competencies", "data", "added_at",
        "retired_at")  # fmt: skip


def _prompt(data: str) -> str:
    return prompt_key(str(json.loads(data).get("prompt") or ""))


def aside_of(raw: sqlite3.Connection, key: str, prompt: str) -> int | None:
    """The retired question set aside from ``key`` whose prompt is ``prompt`` (its row id), if any."""
    bank, _, question_id = key.partition("/")
    attempt = 1
    while True:
        row = raw.execute(
            "SELECT id, data, retired_at FROM questions WHERE key = ?",
            (f"{bank}/{aside_id(question_id, prompt, attempt)}",),
        ).fetchone()
        if row is None:
            return None
        if row[2] is not None and _prompt(row[1]) == prompt_key(prompt):
            return row[0]
        attempt += 1


def set_aside(raw: sqlite3.Connection, qid: int, prompt_of: str) -> str:
    """Retired question ``qid`` leaves its key to a new question: it keeps its row, card and history under
    a key made from its id and ``prompt_of`` (its own prompt), its story links move with it, and the
    set-aside is sent to other devices. Returns that key."""
    key, data = raw.execute("SELECT key, data FROM questions WHERE id = ?", (qid,)).fetchone()
    bank, _, question_id = key.partition("/")
    attempt = 1
    while raw.execute(
        "SELECT 1 FROM questions WHERE key = ?", (f"{bank}/{aside_id(question_id, prompt_of, attempt)}",)
    ).fetchone():
        attempt += 1
    new_id = aside_id(question_id, prompt_of, attempt)
    spec = json.loads(data)
    spec["id"] = new_id  # (an export names a question BANK/ID: its key and its id agree)
    raw.execute(
        "UPDATE questions SET key = ?, data = ? WHERE id = ?",
        (f"{bank}/{new_id}", json.dumps(spec, sort_keys=True), qid),
    )
    move_links(raw, key, f"{bank}/{new_id}")
    raw.execute(
        "INSERT INTO sync_changes (kind, row_id) SELECT 'aside', ? WHERE (SELECT recording FROM sync_device)",
        (qid,),
    )
    return f"{bank}/{new_id}"


def settle(
    raw: sqlite3.Connection, stored: Stored | None, key: str, prompt: str, stamp: Any
) -> tuple[Stored | None, SetAside | None]:
    """Before a sync writes the file's question ``key`` (``prompt``) over ``stored`` (the row with that
    key, if any): a retired row of another prompt is set aside, and so is a live one whose prompt the file
    changed when its history was set aside on another device (that history joins it there); then a row
    set aside from ``key`` with ``prompt`` comes back to it. The row the file's question is then (None: a
    new question) and what was set aside."""
    aside = None
    if stored is not None:
        qid, data, retired_at, _resolved = stored
        was = str(json.loads(data)["prompt"])
        held = aside_of(raw, key, was) if prompt_key(was) != prompt_key(prompt) else None
        if prompt_key(was) != prompt_key(prompt) and (retired_at is not None or held is not None):
            if held is not None:  # (set aside on another device: see take_aside)
                hand_over(raw, held, qid)
                raw.execute("UPDATE questions SET retired_at = ? WHERE id = ? AND retired_at IS NULL",
                            (str(stamp), qid))  # fmt: skip
                store_replayed_card(raw, qid)
            kept_as = set_aside(raw, qid, was)
            reviews = raw.execute("SELECT count(*) FROM reviews WHERE question_id = ?", (qid,)).fetchone()[0]
            aside, stored = SetAside(key, kept_as, was, prompt, reviews), None
    if stored is None and (back := aside_of(raw, key, prompt)) is not None:
        old, data, retired_at, *resolved = raw.execute(
            "SELECT key, data, retired_at, round, topic, roles FROM questions WHERE id = ?", (back,)
        ).fetchone()
        spec = json.loads(data)
        spec["id"] = key.partition("/")[2]
        raw.execute("UPDATE questions SET key = ?, data = ? WHERE id = ?", (key, json.dumps(spec), back))
        move_links(raw, old, key)
        stored = (back, json.dumps(spec), retired_at, tuple(resolved))
    return stored, aside


def filed_by_prompt(raw: sqlite3.Connection, lines: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """Of review lines' (key, prompt answered to), those whose key here holds another prompt while a
    question set aside from it holds theirs: each with that question's key."""
    found = {}
    for key, prompt in set(lines):
        row = raw.execute("SELECT data FROM questions WHERE key = ?", (key,)).fetchone()
        if row is not None and _prompt(row[0]) == prompt_key(prompt):
            continue
        if (aside := aside_of(raw, key, prompt)) is not None:
            found[(key, prompt)] = raw.execute("SELECT key FROM questions WHERE id = ?", (aside,)).fetchone()[
                0
            ]
    return found


def aside_event(raw: sqlite3.Connection, qid: int | None) -> dict[str, Any] | None:
    """The sync line of question ``qid`` set aside: the key it left, its prompt, its row and the reviews
    it held (None when it is no longer set aside: its id came back with its prompt)."""
    row = raw.execute(f"SELECT key, {', '.join(_ROW)} FROM questions WHERE id = ?", (qid,)).fetchone()
    if row is None or row[-1] is None or (match := _ASIDE_KEY.fullmatch(row[0])) is None:
        return None
    fields = dict(zip(_ROW, row[1:], strict=True))
    reviews = raw.execute("SELECT uid FROM reviews WHERE question_id = ? ORDER BY rated_us", (qid,))
    return {
        "t": "aside",
        "uid": f"aside/{row[0]}",
        "key": match["key"],
        "kept_as": row[0],
        "prompt": json.loads(fields["data"])["prompt"],
        "row": fields,
        "reviews": [review_codec.uid_hex(uid) for (uid,) in reviews],
    }


def take_aside(raw: sqlite3.Connection, event: dict[str, Any]) -> set[int] | None:
    """Another device's set-aside done here: the retired question with that prompt set aside as it was
    there, or kept (retired, with the history that device sent) for this device's file to reach, and
    the reviews it held moved to it from the key's question here when that holds another prompt now (the
    prompt changed here in one step). The questions whose log changed; None when its bank is not here."""
    key, kept_as, prompt, row = event["key"], event["kept_as"], str(event["prompt"]), event["row"]
    here = raw.execute("SELECT id, data, retired_at FROM questions WHERE key = ?", (key,)).fetchone()
    same = here is not None and _prompt(here[1]) == prompt_key(prompt)
    target = raw.execute("SELECT id, data FROM questions WHERE key = ?", (kept_as,)).fetchone()
    if target is None and same and here[2] is not None:
        set_aside(raw, here[0], prompt)
        return set()
    if target is None:
        if raw.execute("SELECT 1 FROM banks WHERE id = ?", (row["bank_id"],)).fetchone() is None:
            return None
        target = raw.execute(
            f"INSERT INTO questions (key, {', '.join(_ROW)}) VALUES (?{', ?' * len(_ROW)})",
            (kept_as, *(row[name] for name in _ROW)),
        ).lastrowid
        from fsrs import State

        raw.execute(
            "INSERT INTO cards (question_id, state, step, due) VALUES (?, ?, 0, ?)",
            (target, State.Learning.value, row["added_at"]),
        )
    elif _prompt(target[1]) != prompt_key(prompt):
        return set()  # (another question holds that key here)
    else:
        target = target[0]
    if here is None or same or here[0] == target:
        return set()
    uids = [review_codec.pack_uid(uid) for uid in event.get("reviews") or []]
    moved = 0
    for uid in uids:
        found = raw.execute(
            "SELECT id FROM reviews WHERE question_id = ? AND uid = ?", (here[0], uid)
        ).fetchone()
        if found is not None:
            raw.execute("UPDATE reviews SET question_id = ? WHERE id = ?", (target, found[0]))
            raw.execute("UPDATE mock_answers SET question_id = ? WHERE review_id = ?", (target, found[0]))
            moved += 1
    return {here[0], target} if moved else {target}
