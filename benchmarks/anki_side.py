"""The same collection in Anki, for ``python -m benchmarks --anki``: its notes, cards and review log.

Anki (PyPI ``anki``, not a dependency of mockprep: ``pip install anki``) gets one Basic note per question
(front: the prompt, back: the model answer), each card's FSRS state, due date and counts, and one
``revlog`` row per review with its time, rating, kind and answer time; FSRS is switched on. Anki keeps
no typed answers, so the answers, coverage and checklists mockprep stores have no counterpart there.

Run as a child process by the harness: ``python -m benchmarks.anki_side first|graphs COLLECTION``
prints a marker when the first card is rendered, or the figures once its graphs call returns;
``apkg-export COLLECTION OUT`` and ``apkg-import PACKAGE NEW-COLLECTION`` time its package export
and import (with scheduling), what ``mockprep export`` and ``import`` are compared with.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

FIRST_MARKER = "Anki card 1"
STATE_TO_REVLOG = {0: 0, 1: 0, 2: 1, 3: 2}  # mockprep state before -> revlog type (learn, review, relearn)


def available() -> bool:
    try:
        import anki.collection  # noqa: F401
    except ImportError:
        return False
    return True


def _epoch(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def build(db_path: Path, target: Path) -> dict[str, int]:
    """Write ``target`` (an Anki collection) from the mockprep database at ``db_path``."""
    from anki.collection import AddNoteRequest, Collection

    target.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    source = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    col = Collection(str(target))
    try:
        col.set_config("fsrs", True)
        deck_id = col.decks.id("mockprep")
        col.decks.select(deck_id)  # the deck Anki opens on, as after a person studied it
        basic = col.models.by_name("Basic")
        questions = source.execute("SELECT id, data FROM questions ORDER BY id").fetchall()
        requests = []
        for _qid, data in questions:
            spec = json.loads(data)
            note = col.new_note(basic)
            note["Front"] = spec.get("prompt", "")
            note["Back"] = spec.get("answer", "")
            requests.append(AddNoteRequest(note, deck_id))
        col.add_notes(requests)
        note_ids = [r.note.id for r in requests]
        card_of = {}
        for (qid, _data), nid in zip(questions, note_ids, strict=True):
            card_of[qid] = col.db.scalar("SELECT id FROM cards WHERE nid = ?", nid)
        reviews = _revlog(source, card_of)
        cards = _cards(source, card_of, col)
    finally:
        col.close(downgrade=False)
        source.close()
    # The log goes in with sqlite3, in one transaction: through Anki's DB proxy every row was its own
    # write, and a million of them wrote gigabytes. The collection is a plain SQLite file when closed.
    raw = sqlite3.connect(target, isolation_level=None)
    try:
        raw.execute("BEGIN")
        raw.executemany(
            "INSERT INTO revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type)"
            " VALUES (?, ?, -1, ?, ?, ?, ?, ?, ?)",
            reviews,
        )
        raw.executemany(
            "UPDATE cards SET type = ?, queue = ?, due = ?, ivl = ?, reps = ?, lapses = ?, data = ?"
            " WHERE id = ?",
            cards,
        )
        raw.execute("COMMIT")
    finally:
        raw.close()
    return {"notes": len(questions), "revlog": len(reviews)}


def _revlog(source: sqlite3.Connection, card_of: dict[int, int]) -> list[tuple]:
    rows = source.execute(
        "SELECT question_id, rated_at, rating, state_before, duration_ms FROM reviews"
        " ORDER BY question_id, rated_at"
    )
    out: list[tuple] = []
    used: set[int] = set()
    previous: tuple | None = None
    last_ivl = 0
    for qid, rated_at, rating, state, duration in rows:
        stamp = int(_epoch(rated_at) * 1000)
        while stamp in used:  # revlog ids are unique milliseconds
            stamp += 1
        used.add(stamp)
        if previous is not None and previous[0] == qid:
            gap = (stamp - previous[1]) / 1000
            ivl = int(gap // 86400) if gap >= 86400 else -int(gap)
            out[-1] = (*out[-1][:3], ivl, *out[-1][4:])
        elif previous is not None:
            last_ivl = 0
        out.append((stamp, card_of[qid], rating, 0, last_ivl, 2500, duration, STATE_TO_REVLOG[state]))
        last_ivl = out[-1][3]
        previous = (qid, stamp)
    return out


def _cards(source: sqlite3.Connection, card_of: dict[int, int], col) -> list[tuple]:
    today = col.sched.today
    now = time.time()
    counts = dict(
        (
            (qid, (n, lapses))
            for qid, n, lapses in source.execute(
                "SELECT question_id, COUNT(*), SUM(rating = 1 AND state_before = 2) FROM reviews"
                " GROUP BY question_id"
            )
        )
    )
    out = []
    for qid, state, stability, difficulty, due, last in source.execute(
        "SELECT question_id, state, stability, difficulty, due, last_review FROM cards"
    ):
        if last is None:
            continue
        reps, lapses = counts.get(qid, (0, 0))
        memory = json.dumps({"s": stability, "d": difficulty}) if stability else ""
        due_at = _epoch(due)
        if state == 2:
            ivl = max(1, int((due_at - _epoch(last)) // 86400))
            out.append((2, 2, today + int((due_at - now) // 86400), ivl, reps, lapses, memory, card_of[qid]))
        else:
            kind = 1 if state == 1 else 3
            out.append((kind, 1, int(due_at), 0, reps, lapses, memory, card_of[qid]))
    return out


def first_card(path: Path) -> None:
    """Open the collection and render the first queued card's question (what a review starts with)."""
    from anki.collection import Collection

    col = Collection(str(path))
    try:
        queued = col.sched.get_queued_cards()
        card = col.get_card(queued.cards[0].card.id)
        card.question()
        print(FIRST_MARKER, flush=True)
    finally:
        col.close(downgrade=False)


def graphs(path: Path, days: int = 365) -> None:
    """Open the collection and run the backend call behind Anki's statistics screen."""
    from anki.collection import Collection

    col = Collection(str(path))
    try:
        started = time.perf_counter()
        col._backend.graphs(search="", days=days)
        print(f"graphs {1000 * (time.perf_counter() - started):.0f} ms", flush=True)
    finally:
        col.close(downgrade=False)


def export_package(path: Path, out: Path) -> None:
    """Write the whole collection as an ``.apkg`` with its scheduling (what mockprep's export matches)."""
    from anki.collection import Collection, ExportAnkiPackageOptions

    col = Collection(str(path))
    try:
        options = ExportAnkiPackageOptions(with_scheduling=True, with_deck_configs=True, with_media=False)
        col.export_anki_package(out_path=str(out), options=options, limit=None)
    finally:
        col.close(downgrade=False)


def import_package(package: Path, target: Path) -> None:
    """Import an ``.apkg`` with its scheduling into a new, empty collection at ``target``."""
    from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

    for suffix in ("", "-wal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    col = Collection(str(target))
    try:
        options = ImportAnkiPackageOptions(with_scheduling=True, with_deck_configs=True)
        col.import_anki_package(ImportAnkiPackageRequest(package_path=str(package), options=options))
    finally:
        col.close(downgrade=False)


if __name__ == "__main__":
    operation, collection = sys.argv[1], Path(sys.argv[2])
    if operation in ("apkg-export", "apkg-import"):
        other = Path(sys.argv[3])
        (export_package if operation == "apkg-export" else import_package)(collection, other)
    else:
        {"first": first_card, "graphs": graphs}[operation](collection)
