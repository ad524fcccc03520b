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
from mockprep.db.question_aliases import move_links

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
    key, if any): a retired row of another prompt is set aside, and so is a live one when the file gives
    the id back a prompt it had before (a revert: the row set aside from ``key`` with ``prompt`` is that
    question); then that row comes back to it. Any other change of a live row's prompt is a rewording and
    keeps its history. The row the file's question is then (None: a new question) and what was set aside."""
    aside = None
    if stored is not None:
        qid, data, retired_at, _resolved = stored
        was = str(json.loads(data)["prompt"])
        if prompt_key(was) != prompt_key(prompt) and (
            retired_at is not None or aside_of(raw, key, prompt) is not None
        ):
            if retired_at is None:  # (it held the id in between: it keeps its own history, retired)
                raw.execute("UPDATE questions SET retired_at = ? WHERE id = ?", (str(stamp), qid))
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


def _left_key(raw: sqlite3.Connection, kept_as: str, prompt: str) -> str | None:
    """The key question ``kept_as`` was set aside from: its kept id is that id shortened when long, so the
    bank's key (of any row or alias) that makes it is looked for, the id before ``-retired-`` otherwise."""
    if (match := _ASIDE_KEY.fullmatch(kept_as)) is None:
        return None
    bank, _, kept_id = kept_as.partition("/")
    attempt = int(kept_id.rpartition("-")[2]) if re.search(r"-retired-[0-9a-f]{6}-\d+$", kept_id) else 1
    stem = match["key"]
    found = raw.execute(
        "SELECT key FROM questions WHERE key LIKE ? ESCAPE '\\' AND bank_id = ?"
        " UNION SELECT key FROM question_aliases WHERE key LIKE ? ESCAPE '\\'",
        (_like(stem), bank, _like(stem)),
    )
    for (key,) in sorted(found, key=lambda row: (_ASIDE_KEY.fullmatch(row[0]) is not None, len(row[0]))):
        if key != kept_as and aside_id(key.partition("/")[2], prompt, attempt) == kept_id:
            return key
    return stem


def _like(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def aside_event(raw: sqlite3.Connection, qid: int | None) -> dict[str, Any] | None:
    """The sync line of question ``qid`` set aside: the key it left, its prompt, the prompt that key has
    here now (a live question's, else None), its row and the reviews it held (None when it is no longer
    set aside: its id came back with its prompt)."""
    row = raw.execute(f"SELECT key, {', '.join(_ROW)} FROM questions WHERE id = ?", (qid,)).fetchone()
    if row is None or row[-1] is None or _ASIDE_KEY.fullmatch(row[0]) is None:
        return None
    fields = dict(zip(_ROW, row[1:], strict=True))
    prompt = json.loads(fields["data"])["prompt"]
    key = _left_key(raw, row[0], prompt)
    now = raw.execute("SELECT data FROM questions WHERE key = ? AND retired_at IS NULL", (key,)).fetchone()
    reviews = raw.execute("SELECT uid FROM reviews WHERE question_id = ? ORDER BY rated_us", (qid,))
    return {
        "t": "aside",
        "uid": f"aside/{row[0]}",
        "key": key,
        "kept_as": row[0],
        "prompt": prompt,
        "now": None if now is None else json.loads(now[0])["prompt"],
        "row": fields,
        "reviews": [review_codec.uid_hex(uid) for (uid,) in reviews],
    }


def take_aside(raw: sqlite3.Connection, event: dict[str, Any]) -> set[int] | None:
    """Another device's set-aside done here: the retired question with that prompt set aside as it was
    there; or, when the key's question here holds the prompt the key held there when the line was sent
    (this device saw the file change in one step, which keeps a history), the reviews the line names moved
    off it to that question, kept (retired) under the same key. A question here that still has the prompt
    set aside, or has another one than the sender's (reworded, given back), is left alone: a received line
    never leaves a row for a later edit here to act on. The questions whose log changed; None when its
    bank is not here."""
    key, kept_as, prompt, row = event["key"], event["kept_as"], str(event["prompt"]), event["row"]
    here = raw.execute("SELECT id, data, retired_at FROM questions WHERE key = ?", (key,)).fetchone()
    same = here is not None and _prompt(here[1]) == prompt_key(prompt)
    target = raw.execute("SELECT id, data FROM questions WHERE key = ?", (kept_as,)).fetchone()
    if target is None and same and here[2] is not None:
        set_aside(raw, here[0], prompt)
        return set()
    now = event.get("now")
    if here is None or same or not isinstance(now, str) or _prompt(here[1]) != prompt_key(now):
        known = raw.execute("SELECT 1 FROM banks WHERE id = ?", (row["bank_id"],)).fetchone()
        return set() if known else None
    if target is None:
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
    if here[0] == target:
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
