"""A question's marks (suspended, buried, flagged) synced between devices: each mark merges on its own,
the later change of that mark winning (m026, db/mark_stamps.py)."""

from __future__ import annotations

import json
import shutil
import sqlite3
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockprep.db.merge import merge_events
from mockprep.db.store import Store
from mockprep.paths import DB_NAME
from mockprep.services import bank_sync
from tests.conftest import FIXTURES, START
from tests.devices import Device, known_to_both, make_banks

LATER = START + timedelta(hours=1)
UNTIL = START + timedelta(days=2)  # a bury's end, after every "now" below


def _known_to_both(devices, tmp_path: Path) -> tuple[Path, Device, Device, int]:
    return known_to_both(devices, tmp_path, 1)


def _change(device: Device, question: int, mark: str, on: bool) -> bool:
    """Set or clear one mark; then wait, so the next change is stamped in a later millisecond."""
    cards = device.store.cards
    if mark == "flagged":
        changed = cards.set_flagged(question, on, LATER)
    elif mark == "suspended":
        changed = cards.set_suspended(question, on, LATER)
    else:
        changed = cards.set_buried(question, UNTIL if on else None, LATER)
    time.sleep(0.003)
    return changed


def _marks(device: Device, question: int) -> dict[str, bool]:
    marks = device.store.cards.marks(question)
    return {"suspended": marks.suspended, "buried": marks.buried(LATER), "flagged": marks.flagged}


def _sync_all(folder: Path, *devices: Device) -> None:
    for _ in range(2):
        for device in devices:
            device.sync(folder, LATER)


@pytest.mark.parametrize("first_syncs", ["laptop", "desk"])
@pytest.mark.parametrize(
    ("laptop_mark", "desk_mark"), [("flagged", "suspended"), ("suspended", "flagged"), ("buried", "flagged")]
)
def test_different_marks_set_on_two_devices_both_stay_on_both(
    devices, tmp_path: Path, laptop_mark: str, desk_mark: str, first_syncs: str
) -> None:
    """The tester's case: a flag on one device and a suspension of the same question on the other, in
    either order. A sync line carries all of a question's marks, and the later line used to replace
    every one of them: the earlier device's mark was lost."""
    folder, laptop, desk, question = _known_to_both(devices, tmp_path)
    _change(laptop, question, laptop_mark, True)
    _change(desk, question, desk_mark, True)  # later than the laptop's
    order = (laptop, desk) if first_syncs == "laptop" else (desk, laptop)
    _sync_all(folder, *order)
    expected = {mark: mark in (laptop_mark, desk_mark) for mark in ("suspended", "buried", "flagged")}
    assert _marks(laptop, question) == _marks(desk, question) == expected
    # Syncing again adds nothing and sends nothing back.
    for device in order:
        again = device.sync(folder, LATER)
        assert again.written == 0 and again.merged.marks == 0


@pytest.mark.parametrize("later", ["laptop", "desk"])
def test_the_same_mark_changed_on_both_devices_takes_the_later_change_and_keeps_the_others(
    devices, tmp_path: Path, later: str
) -> None:
    """Both flag states meet: the later change of the flag wins on both; the suspension made on the
    device whose flag change lost stays."""
    folder, laptop, desk, question = _known_to_both(devices, tmp_path)
    _change(laptop, question, "flagged", True)
    _sync_all(folder, laptop, desk)
    first, second = (desk, laptop) if later == "laptop" else (laptop, desk)
    _change(first, question, "suspended", True)
    _change(first, question, "flagged", False)  # the earlier change of the flag...
    _change(second, question, "flagged", False)
    _change(second, question, "flagged", True)  # ...and the later one
    _sync_all(folder, first, second)
    expected = {"suspended": True, "buried": False, "flagged": True}
    assert _marks(laptop, question) == _marks(desk, question) == expected


def test_a_line_written_before_marks_were_stamped_one_by_one_has_all_its_marks_changed_at_once(
    devices, tmp_path: Path
) -> None:
    """A line of a mockprep before m026 (no ``changed``) still merges: each of its marks counts as
    changed at its ``changed_at``, so a mark changed here since stays and the others are taken."""
    _folder, laptop, _desk, question = _known_to_both(devices, tmp_path)
    key = laptop.store.q("SELECT key FROM questions WHERE id = :q", q=question).scalar_one()
    _change(laptop, question, "suspended", True)
    between = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]  # a stamp as the triggers write it
    time.sleep(0.003)
    _change(laptop, question, "flagged", True)  # after the old line's change
    old_line = {
        "t": "marks",
        "uid": f"marks/{key}/{between}",
        "key": key,
        "changed_at": between,
        "suspended_at": None,
        "suspended_by": None,
        "buried_until": UNTIL.isoformat(),
        "flagged_at": None,
    }
    assert merge_events(laptop.store, [old_line], "old-device").marks == 1
    marks = laptop.store.cards.marks(question)
    assert (marks.suspended, marks.buried(LATER), marks.flagged) == (False, True, True)
    assert merge_events(laptop.store, [old_line], "old-device").marks == 0  # the same line again


def test_the_cli_keeps_a_flag_and_a_suspension_made_on_two_devices(cli, tmp_path: Path, monkeypatch) -> None:
    """The tester's commands, as run."""
    key = "ml-fundamentals/bias-variance-derivation"
    shared = tmp_path / "shared"
    shared.mkdir()

    def on(device: str, *args: str):
        monkeypatch.setenv("MOCKPREP_HOME", str(tmp_path / device))
        result = cli(*args)
        assert result.exit_code == 0, result.stderr
        return result

    for device in ("a", "b"):
        on(device, "sync", "--folder", str(shared))
    on("a", "question", "flag", key)
    time.sleep(0.003)
    on("b", "question", "suspend", key)
    for device in ("a", "b", "a", "b"):
        on(device, "sync")
    for device in ("a", "b"):
        assert key in on(device, "question", "list", "--flagged").stdout
        assert key in on(device, "question", "list", "--suspended").stdout


def test_upgrading_stamps_each_mark_as_the_marks_were_stamped_and_then_one_by_one(home: Path) -> None:
    home.mkdir(mode=0o700, parents=True)
    shutil.copy(FIXTURES / "schemas" / "schema-v25.db", home / DB_NAME)
    db = sqlite3.connect(home / DB_NAME)
    db.execute("UPDATE cards SET marks_changed_at = '2026-01-05 10:00:00.000'")
    db.commit()
    db.close()
    with Store.open(home, backups=False) as store:
        stamps = "SELECT suspended_changed_at, buried_changed_at, flagged_changed_at FROM cards"
        (question,) = store.q("SELECT question_id FROM cards").scalars().all()
        assert tuple(store.q(stamps).one()) == ("2026-01-05 10:00:00.000",) * 3
        assert store.cards.set_flagged(question, False, datetime.now().astimezone())
        suspended, buried, flagged = store.q(stamps).one()
        assert suspended == buried == "2026-01-05 10:00:00.000" < flagged  # only the flag's stamp moved


# -- any interleaving converges (hypothesis) -----------------------------------------------------------

_steps = st.lists(
    st.tuples(
        st.integers(0, 1),  # which device
        st.sampled_from(["suspended", "buried", "flagged", "sync"]),
        st.booleans(),  # set or clear the mark
    ),
    max_size=14,
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_steps)
def test_any_interleaving_of_mark_changes_on_two_devices_converges_to_each_marks_latest_change(plan) -> None:
    saved = bank_sync.builtin_files
    bank_sync.builtin_files = lambda: []
    root = Path(tempfile.mkdtemp(prefix="mockprep-marks-"))
    pair: list[Device] = []
    try:
        banks = make_banks(root)
        folder = root / "folder"
        folder.mkdir()
        pair = [Device(root, name, banks) for name in ("laptop", "desk")]
        question = sorted(pair[0].question_ids)[0]
        for device in pair:
            device.sync(folder, START)
        latest = {"suspended": False, "buried": False, "flagged": False}  # each mark's latest change
        for who, action, on in plan:
            device = pair[who]
            if action == "sync":
                device.sync(folder, LATER)
            elif _change(device, question, action, on):
                latest[action] = on
        _sync_all(folder, *pair)
        assert _marks(pair[0], question) == _marks(pair[1], question) == latest
        lines = [json.loads(line) for f in folder.iterdir() for line in f.read_text().splitlines()]
        assert all(set(e["changed"]) == set(latest) for e in lines if e["t"] == "marks")
    finally:
        for device in pair:
            device.close()
        bank_sync.builtin_files = saved
        shutil.rmtree(root, ignore_errors=True)


def test_a_marks_lines_uid_tells_apart_lines_whose_latest_stamp_is_the_same(devices, tmp_path: Path) -> None:
    """Two lines with the same latest change but different other marks must not share a uid (a uid
    is what a device keeps one line of: one would replace the other)."""
    from mockprep.db.mark_stamps import marks_event

    _folder, laptop, _desk, question = _known_to_both(devices, tmp_path)
    _change(laptop, question, "flagged", True)
    first = marks_event(laptop.store.conn.raw, question)
    stamp = first["changed"]["flagged"]
    laptop.store.q(
        "UPDATE cards SET suspended_changed_at = :s WHERE question_id = :q",
        s="2000-01-01 00:00:00.000",
        q=question,
    )
    second = marks_event(laptop.store.conn.raw, question)
    assert second["changed_at"] == first["changed_at"] == stamp
    assert second["uid"] != first["uid"]
