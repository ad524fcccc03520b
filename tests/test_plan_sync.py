"""Interview plans travel between devices (m035, db/plan_sync.py): set on one, they reach the other by
sync and by import --merge, a removal follows them, and every interleaving ends with the same plans."""

from __future__ import annotations

import json
import shutil
import sqlite3
import tempfile
from datetime import date, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockprep.core import ids
from mockprep.db.merge import merge_events
from mockprep.db.store import Store
from mockprep.paths import DB_NAME
from mockprep.services import bank_sync
from tests.conftest import FIXTURES, START
from tests.devices import Device, make_banks

DAY = date(2026, 4, 20)


def _plans(device: Device) -> list[tuple]:
    """What two devices must agree on: each plan by its global id, with everything it says."""
    return [
        tuple(r)
        for r in device.store.q("SELECT uid, date, label, role, rounds, created_at FROM plans ORDER BY uid")
    ]


def _add(device: Device, label: str, offset: int = 0) -> int:
    return device.store.plans.add(DAY + timedelta(days=offset), label, "swe", ("technical",), START)


def test_a_plan_set_on_one_device_reaches_the_other_and_steers_it_and_its_removal_follows(
    devices, tmp_path: Path
) -> None:
    """The tester's case: a plan set on the laptop, then both sync. The desk used to have none ('wrote 0
    changes'), so its sessions never introduced the plan's questions first."""
    folder = tmp_path / "Sync"
    folder.mkdir()
    laptop, desk = devices("laptop"), devices("desk")
    for device in (laptop, desk):
        device.sync(folder, START)
    plan_id = _add(laptop, "onsite")
    assert laptop.sync(folder, START).written == 1
    merged = desk.sync(folder, START).merged
    assert merged.plans == 1 and merged.added()
    assert _plans(desk) == _plans(laptop) and len(_plans(desk)) == 1
    (plan,) = desk.store.plans.active(DAY)
    assert (plan.date, plan.label, plan.role, plan.rounds) == (DAY, "onsite", "swe", ("technical",))
    # Nothing goes back, and a second sync adds nothing.
    assert desk.sync(folder, START).written == 0
    assert laptop.sync(folder, START).merged.plans == 0
    # Removed on the laptop: gone on the desk too, and said so.
    assert laptop.store.plans.remove(plan_id)
    laptop.sync(folder, START)
    merged = desk.sync(folder, START).merged
    assert _plans(desk) == [] and merged.deleted == 1 and merged.removed.get("plan") == 1
    # The laptop's plan line, read again (its device resends everything), does not bring it back.
    laptop.store.sync.resend_everything()
    laptop.sync(folder, START)
    assert desk.sync(folder, START).merged.plans == 0 and _plans(desk) == []


def test_a_plan_set_before_the_first_sync_and_one_received_are_sent_by_their_own_device_only(
    devices, tmp_path: Path
) -> None:
    folder = tmp_path / "Sync"
    folder.mkdir()
    laptop, desk = devices("laptop"), devices("desk")
    _add(laptop, "phone screen")  # before this device ever synced
    laptop.sync(folder, START)
    desk.sync(folder, START)
    assert _plans(desk) == _plans(laptop)
    desk.store.sync.resend_everything()
    assert all(e["t"] != "plan" for e in desk.store.sync.outgoing()[0])  # the laptop's to send


def test_import_merge_brings_the_files_plans_once(cli, tmp_path: Path, monkeypatch) -> None:
    """`import --merge` of an export holding a plan said 'nothing new' and added none."""

    def on(device: str, *args: str):
        monkeypatch.setenv("MOCKPREP_HOME", str(tmp_path / device))
        result = cli(*args)
        assert result.exit_code == 0, result.stderr
        return result

    coming = (date.today() + timedelta(days=40)).isoformat()
    on("laptop", "plan", "--date", coming, "--round", "technical", "--label", "onsite")
    export = tmp_path / "laptop.json"
    on("laptop", "export", "-o", str(export))
    first = on("desk", "import", str(export), "--merge").stdout
    assert "1 interview plan" in first
    assert "onsite" in on("desk", "plan").stdout
    assert "nothing new" in on("desk", "import", str(export), "--merge").stdout
    uids = [p["uid"] for p in json.loads(export.read_text())["plans"]]
    desk_db = sqlite3.connect(tmp_path / "desk" / DB_NAME)
    assert [r[0] for r in desk_db.execute("SELECT uid FROM plans")] == uids
    desk_db.close()


def test_an_export_from_before_plans_had_ids_merges_with_its_plain_import_once(home: Path) -> None:
    """A plan with no uid (an export before m035) gets the id its home derived on upgrade, so a home that
    holds a plain import of it does not get it twice."""
    plan = {"id": 3, "date": "2026-05-01", "label": "onsite", "role": None, "rounds": [],
            "created_at": "2026-03-01T09:00:00+00:00"}  # fmt: skip
    home.mkdir(mode=0o700, parents=True)
    shutil.copy(FIXTURES / "schemas" / "schema-v34.db", home / DB_NAME)
    db = sqlite3.connect(home / DB_NAME)
    db.execute(
        "INSERT INTO plans (id, date, label, role, rounds, created_at)"
        " VALUES (3, '2026-05-01', 'onsite', NULL, '[]', '2026-03-01 09:00:00.000000')"
    )
    db.commit()
    db.close()
    with Store.open(home, backups=False) as store:
        uids = store.q("SELECT uid FROM plans").scalars().all()
        assert store.q("SELECT uid FROM plans WHERE id = 3").scalar_one() == ids.plan_uid(
            3, plan["created_at"]
        )
        assert None not in uids and len(set(uids)) == len(uids)
        event = {"t": "plan", **{k: v for k, v in plan.items() if k != "id"}}
        event["uid"] = ids.plan_uid(plan["id"], plan["created_at"])
        assert merge_events(store, [event], "old-export").plans == 0
        store.plans.add(DAY, "new", None, (), START)  # a random id
        assert len(set(store.q("SELECT uid FROM plans").scalars().all())) == len(uids) + 1


# -- any interleaving converges (hypothesis) -----------------------------------------------------------

_steps = st.lists(
    st.tuples(
        st.integers(0, 1),  # which device
        st.sampled_from(["add", "remove", "sync"]),
        st.integers(0, 5),  # which plan (of those the device has) to remove
    ),
    max_size=14,
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_steps)
def test_any_interleaving_of_plans_set_and_removed_on_two_devices_ends_with_the_same_plans(steps) -> None:
    """The model: a plan is kept once set until either device removes it; after both sync twice, both
    devices hold exactly the plans set and not removed anywhere."""
    saved = bank_sync.builtin_files
    bank_sync.builtin_files = lambda: []
    root = Path(tempfile.mkdtemp(prefix="mockprep-plans-"))
    pair: list[Device] = []
    try:
        banks = make_banks(root)
        folder = root / "folder"
        folder.mkdir()
        pair = [Device(root, name, banks) for name in ("laptop", "desk")]
        pair[0].sync(folder, START)
        alive: set[str] = set()
        for n, (who, action, pick) in enumerate(steps):
            device = pair[who]
            if action == "sync":
                device.sync(folder, START)
            elif action == "add":
                plan_id = _add(device, f"plan {n}", n)
                alive.add(device.store.q("SELECT uid FROM plans WHERE id = :i", i=plan_id).scalar_one())
            else:
                held = sorted(device.store.q("SELECT id, uid FROM plans").all())
                if held:
                    plan_id, uid = held[pick % len(held)]
                    assert device.store.plans.remove(plan_id)
                    alive.discard(uid)
        for _ in range(2):
            for device in pair:
                device.sync(folder, START)
        assert {p[0] for p in _plans(pair[0])} == alive
        assert _plans(pair[0]) == _plans(pair[1])
    finally:
        for device in pair:
            device.close()
        bank_sync.builtin_files = saved
        shutil.rmtree(root, ignore_errors=True)
