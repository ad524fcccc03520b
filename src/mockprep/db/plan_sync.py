"""Migration m035: interview plans travel between devices (sync and ``import --merge``) as marks and
stories do; the sync line of a plan, and its merge.

Before m035 a plan stayed on the device it was set on: no global id, no trigger recorded it, and neither a
sync line nor an export's merge carried it, so the other device never steered its sessions by it. A plan
now has a global id (random when set; derived from its id and creation time for a plan set before, so a
copy made by a plain import has the same one), is sent when set and, once removed, as a deletion (its
tombstone keeps a merge from bringing it back). ``plan`` sets and removes plans and edits none, so a plan
line is the whole plan and merging one already here changes nothing.
:func:`m035_plan_uids` is part of a migration: once released, never edited (a change is a new one).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from mockprep.core import ids
from mockprep.db.driver import run_script
from mockprep.db.sql import from_iso, iso
from mockprep.db.sync_triggers import LOCAL, random_uid, recorded, tombstone

if TYPE_CHECKING:
    import sqlite3


def m035_plan_uids(cur: Any) -> None:
    """``plans.uid`` and ``plans.origin``; a derived uid for each plan there; a random one for each plan
    set from now on; a tombstone when one is removed; a change to send when one is set here. A device
    that syncs already queues its plans once, and reads other devices' files again from the start (an
    older mockprep skipped their plan lines)."""
    cur.execute("ALTER TABLE plans ADD COLUMN uid TEXT")
    cur.execute("ALTER TABLE plans ADD COLUMN origin TEXT")
    rows = cur.execute("SELECT id, created_at FROM plans").fetchall()
    cur.executemany(
        "UPDATE plans SET uid = ? WHERE id = ?", [(ids.plan_uid(pid, created), pid) for pid, created in rows]
    )
    run_script(
        cur,
        random_uid("plans")
        + tombstone("plans", "plan")
        + recorded("plans_set", "INSERT", "plans", "plan", "NEW.id", LOCAL),
    )
    cur.execute(
        "INSERT INTO sync_changes (kind, row_id) SELECT 'plan', id FROM plans"
        " WHERE (SELECT recording FROM sync_device) = 1 ORDER BY id"
    )
    cur.execute("DELETE FROM sync_files WHERE name NOT LIKE (SELECT id FROM sync_device) || '.%'")


def plan_event(raw: sqlite3.Connection, row_id: int | None) -> dict[str, Any] | None:
    """A plan as its sync line (None: removed since, and its deletion follows)."""
    row = raw.execute(
        "SELECT uid, date, label, role, rounds, created_at FROM plans WHERE id = ?", (row_id,)
    ).fetchone()
    if row is None:
        return None
    uid, day, label, role, rounds, created = row
    return {
        "t": "plan",
        "uid": uid,
        "date": day,
        "label": label,
        "role": role,
        "rounds": json.loads(rounds),
        "created_at": iso(created),
    }


def take_plan(raw: sqlite3.Connection, event: dict[str, Any], origin: str | None) -> int:
    """Add another device's plan unless it is here or was removed here (its tombstone); 1 when added."""
    uid = event["uid"]
    if raw.execute(
        "SELECT 1 FROM plans WHERE uid = ? UNION ALL SELECT 1 FROM sync_deleted WHERE uid = ?", (uid, uid)
    ).fetchone():
        return 0
    raw.execute(
        "INSERT INTO plans (date, label, role, rounds, created_at, uid, origin) VALUES (?,?,?,?,?,?,?)",
        (
            event["date"],
            event.get("label") or "",
            event.get("role"),
            json.dumps(list(event.get("rounds") or [])),
            from_iso(event["created_at"]),
            uid,
            origin,
        ),
    )
    return 1
