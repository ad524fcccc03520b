"""m022: no standing index of review uids; a merge finds a review by its time, then its uid."""

from __future__ import annotations

import io
import json
import re
import shutil
from datetime import timedelta
from pathlib import Path

from fsrs import Rating

from mockprep.db.merge import merge_events
from mockprep.db.review_indexes import SAME_REVIEW
from mockprep.db.sql import text_us
from mockprep.db.store import Store
from mockprep.paths import DB_NAME
from mockprep.services.exchange import read_export, write_export
from tests.conftest import START
from tests.devices import Device

SCHEMAS = Path(__file__).parent / "fixtures" / "schemas"


def _export(device: Device) -> dict:
    out = io.StringIO()
    write_export(device.store, out, START + timedelta(days=999), "test")
    return json.loads(out.getvalue())


def _merge(device: Device, doc: dict, tmp_path: Path):
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    head, questions = read_export(path)
    return device.store.bulk.merge_data(head, questions, START + timedelta(days=999))


def _indexes(store: Store) -> dict[str, list[str]]:
    raw = store.conn.raw
    names = raw.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'reviews'")
    return {n: [r[2] for r in raw.execute(f"PRAGMA index_info({n})")] for (n,) in names.fetchall()}


def test_an_upgraded_home_has_no_index_of_uids_and_keeps_every_review(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(SCHEMAS / "schema-v21.db", home / DB_NAME)
    with Store.open(home, backups=False) as store:
        before = store.conn.raw.execute("SELECT id, uid, rated_us FROM reviews ORDER BY id").fetchall()
    assert before  # (the fixture holds reviews, so the upgrade has something to keep)
    with Store.open(home, backups=False) as store:
        indexes = _indexes(store)
        assert "reviews_uid" not in indexes
        assert indexes["reviews_question"] == ["question_id"]
        assert indexes["reviews_rated"] == ["rated_us"]
        after = store.conn.raw.execute("SELECT id, uid, rated_us FROM reviews ORDER BY id").fetchall()
    assert after == before


def test_a_merge_looks_a_review_up_by_its_time_not_by_reading_the_log(devices) -> None:
    desk = devices("desk")
    raw = desk.store.conn.raw
    raw.execute("CREATE TEMP TABLE incoming (rated_at TEXT, packed_uid BLOB)")
    here = SAME_REVIEW.format(us=text_us("t.rated_at"), uid="t.packed_uid")
    plan = " ".join(
        row[3]
        for row in raw.execute(f"EXPLAIN QUERY PLAN SELECT 1 FROM temp.incoming t WHERE EXISTS ({here})")
    )
    assert "reviews_rated" in plan
    assert not re.search(r"\bSCAN r\b(?! USING)", plan)


def test_the_same_review_twice_in_one_file_is_added_once(devices, tmp_path: Path) -> None:
    laptop, desk = devices("laptop"), devices("desk")
    laptop.practise(0, Rating.Good, START)
    laptop.practise(1, Rating.Hard, START + timedelta(minutes=5))
    doc = _export(laptop)
    reviewed = [q for q in doc["questions"] if q["reviews"]]
    reviewed[0]["reviews"].append(dict(reviewed[0]["reviews"][0]))  # the same event, repeated
    summary = _merge(desk, doc, tmp_path)
    assert summary.reviews == 2
    assert len(desk.reviews()) == 2
    again = _merge(desk, doc, tmp_path)  # and nothing the second time: each is found by its time
    assert again.reviews == 0 and len(desk.reviews()) == 2
    assert desk.stored_cards() == desk.replayed_cards()


def test_a_review_at_the_same_time_with_another_uid_is_another_review(devices, tmp_path: Path) -> None:
    """Two devices can rate at the same microsecond: the time finds candidates, the uid decides."""
    laptop, desk = devices("laptop"), devices("desk")
    laptop.practise(0, Rating.Good, START)
    desk.practise(1, Rating.Hard, START)
    assert _merge(desk, _export(laptop), tmp_path).reviews == 1
    assert len(desk.reviews()) == 2


def test_many_deletions_are_applied_together_whatever_their_order(devices, tmp_path: Path) -> None:
    """Undone reviews and a deleted session, its deletion listed before its reviews': all gone."""
    folder = tmp_path / "f"
    folder.mkdir()
    laptop, desk = devices("laptop"), devices("desk")
    for minute in range(4):
        laptop.practise(minute, Rating.Good, START + timedelta(minutes=minute))
    laptop.sync(folder, START)
    desk.sync(folder, START)
    assert len(desk.reviews()) == 4
    session_uid, review_uids = _latest_two(laptop)
    lines = [{"t": "deleted", "uid": session_uid}] + [{"t": "deleted", "uid": u} for u in review_uids]
    summary = merge_events(desk.store, lines, origin="sync")
    assert summary.deleted == 3
    assert len(desk.reviews()) == 2
    assert session_uid not in {row[-1] for row in _session_uids(desk)}
    assert desk.stored_cards() == desk.replayed_cards()
    tombstones = {r[0] for r in desk.store.conn.raw.execute("SELECT uid FROM sync_deleted")}
    assert {session_uid, *review_uids} <= tombstones


def _latest_two(device: Device) -> tuple[str, list[str]]:
    """The uids of the latest review's session and of the latest two reviews (as an undo on the other
    device and a deleted session would name them)."""
    raw = device.store.conn.raw
    rows = raw.execute(
        "SELECT lower(hex(r.uid)), s.uid FROM reviews r JOIN sessions s ON s.id = r.session_id"
        " ORDER BY r.rated_us DESC LIMIT 2"
    ).fetchall()
    return rows[0][1], [uid for uid, _ in rows]


def _session_uids(device: Device) -> list[tuple]:
    return device.store.conn.raw.execute("SELECT id, uid FROM sessions").fetchall()
