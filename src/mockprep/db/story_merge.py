"""Merging another device's stories: new versions, links, removed links and rehearsals, and deletions.

A story deleted on one device while another saved a version of it is not lost: the deletion names the
versions its device knew (``versions``), and takes only those. A version it did not know of keeps the
story (on the device that saved it) or brings it back (on the device that deleted it), and the merge
summary names it (``kept``, ``revived``) if it is still there once the batch's deletions are applied.
A deletion without ``versions`` (from a device before this) takes the whole story, as it always did.
"""

from __future__ import annotations

import heapq
import json
from typing import TYPE_CHECKING, Any

from mockprep.core import ids
from mockprep.core.field_checks import STORY_PARTS
from mockprep.db.question_aliases import current_keys
from mockprep.db.sql import from_iso
from mockprep.db.sync_log import REHEARSAL_OF, VERSION_OF

if TYPE_CHECKING:
    import sqlite3

    from mockprep.db.merge import MergeSummary


class StoryMerge:
    def __init__(self, raw: sqlite3.Connection, summary: MergeSummary, deleted: set[str]) -> None:
        self.raw = raw
        self.summary = summary
        self.deleted = deleted  # tombstoned uids (stories, their versions, reviews, sessions): shared
        # Stories brought back, or kept, by a version a deletion did not know of: named once the batch's
        # deletions are applied (one of them may take the story after all), by name_survivors.
        self.revived: list[str] = []
        self.kept: list[str] = []

    def story(self, s: dict[str, Any]) -> None:
        """A story as another device has it: what is not here yet is added."""
        # A version its story's deletion knew is left out, unless it holds a rehearsal the deletion did
        # not know of (that deletion recorded the rehearsals it knew): it comes back with it.
        rehearsed = (
            {r.get("version") for r in s.get("rehearsals") or [] if r["uid"] not in self.deleted}
            if REHEARSAL_OF + s["uid"] in self.deleted
            else set()
        )
        versions = [
            v
            for v in s["versions"]
            if (v["uid"] not in self.deleted or v["uid"] in rehearsed) and self._own(s, v)
        ]
        revived = False
        if s["uid"] in self.deleted:
            if not versions or not self._deleted_knowing_versions(s["uid"]):
                return
            # Deleted here, but saved there in a version the delete did not know of: it comes back.
            self.raw.execute("DELETE FROM sync_deleted WHERE uid = ?", (s["uid"],))
            self.deleted.discard(s["uid"])
            revived = True
        row = self.raw.execute("SELECT id FROM stories WHERE uid = ?", (s["uid"],)).fetchone()
        if row is None and not versions:
            return  # nothing of it can be added: never a story without a version
        self._untombstone([v["uid"] for v in versions if v["uid"] in self.deleted])
        if row is None:
            story = self.raw.execute(
                "INSERT INTO stories (created_at, uid) VALUES (?, ?)", (from_iso(s["created_at"]), s["uid"])
            ).lastrowid
            self.summary.stories += 1
        else:
            story = row[0]
        known = {
            v[0] for v in self.raw.execute("SELECT uid FROM story_versions WHERE story_id = ?", (story,))
        }
        new = []  # (a version listed twice is one version: only a real conflict is refused)
        for v in versions:
            if v["uid"] not in known:
                known.add(v["uid"])
                new.append(v)
        for v in new:
            self.raw.execute(
                "INSERT INTO story_versions (story_id, version, saved_at, title, competencies, situation,"
                " task, action, result, reflection, uid, parent) VALUES (?, -1 - (SELECT COUNT(*)"
                " FROM story_versions WHERE story_id = ?), ?,?,?,?,?,?,?,?,?,?)",
                (
                    story,
                    story,
                    from_iso(v["saved_at"]),
                    v["title"],
                    json.dumps(v.get("competencies") or []),
                    *(v.get(part) or "" for part in STORY_PARTS),
                    v["uid"],
                    v.get("parent"),
                ),
            )
        self.summary.versions += len(new) if row is not None else 0
        if new:
            self.renumber(story, {v["uid"] for v in new})
        if revived:
            self.revived.append(s["uid"])
        self.links_and_rehearsals(story, s)

    def _own(self, s: dict[str, Any], v: dict[str, Any]) -> bool:
        """Whether version ``v`` of story event ``s`` is not a version of another story here (a version's
        uid is its own: a line that gives another story's is refused, and the rest of the story merged)."""
        other = self.raw.execute(
            "SELECT 1 FROM story_versions v JOIN stories s ON s.id = v.story_id"
            " WHERE v.uid = ? AND s.uid != ?",
            (v["uid"], s["uid"]),
        ).fetchone()
        if other is not None:
            self.summary.refused.append((s, f"version {v['uid']}: already a version of another story here"))
        return other is None

    def delete(self, uid: str, versions: list[str], rehearsals: list[str] | None = None) -> int:
        """Story ``uid`` deleted on another device that knew ``versions`` (and ``rehearsals``; None: a
        deletion that did not record them): those go; the story goes too unless a version, or a rehearsal
        of a version, the delete did not know of is left (it keeps its version). The number of records
        removed."""
        tombstones = [(version, VERSION_OF + uid) for version in versions]
        if rehearsals is not None:
            tombstones += [(r, REHEARSAL_OF + uid) for r in [*rehearsals, REHEARSAL_OF + uid]]
        self.raw.executemany("INSERT OR IGNORE INTO sync_deleted (uid, kind) VALUES (?, ?)", tombstones)
        self.deleted.update(uid for uid, _ in tombstones)
        row = self.raw.execute("SELECT id FROM stories WHERE uid = ?", (uid,)).fetchone()
        if row is None:  # not here (yet): a later event of it brings back only what the delete did not know
            self.raw.execute("INSERT OR IGNORE INTO sync_deleted (uid, kind) VALUES (?, 'merged')", (uid,))
            self.deleted.add(uid)
            return 0
        story = row[0]
        rows = self.raw.execute(
            "SELECT id, version, uid FROM story_versions WHERE story_id = ?", (story,)
        ).fetchall()
        gone = [r for r in rows if r[2] in self.deleted]
        spared = self._rehearsed(story, uid, {r[1] for r in gone})
        removed = 0
        if spared:  # a rehearsal the delete did not know of keeps its version; those it knew go
            self._untombstone([r[2] for r in gone if r[1] in spared])
            gone = [r for r in gone if r[1] not in spared]
            self.kept.append(uid)
            removed = sum(
                self.raw.execute("DELETE FROM rehearsals WHERE story_id = ? AND uid = ?", (story, r)).rowcount
                for r in rehearsals or []
            )
        if len(gone) == len(rows):
            self.raw.execute("DELETE FROM stories WHERE id = ?", (story,))  # its trigger tombstones it
            self.deleted.add(uid)
            return 1
        if not gone:
            return removed  # what is left is what the delete did not know
        self.raw.executemany(
            "DELETE FROM rehearsals WHERE story_id = ? AND version = ?", [(story, r[1]) for r in gone]
        )
        self.raw.executemany("DELETE FROM story_versions WHERE id = ?", [(r[0],) for r in gone])
        self.renumber(story, set())
        self.kept.append(uid)
        return removed + len(gone)

    def _rehearsed(self, story: int, uid: str, numbers: set[int]) -> set[int]:
        """Which of the versions numbered ``numbers`` of story ``uid`` (here ``story``) have a rehearsal
        its deletion did not know of (none when the deletion did not record its rehearsals)."""
        if not numbers or REHEARSAL_OF + uid not in self.deleted:
            return set()
        return {
            version
            for version, rehearsal in self.raw.execute(
                "SELECT version, uid FROM rehearsals WHERE story_id = ?", (story,)
            )
            if version in numbers and rehearsal not in self.deleted
        }

    def _untombstone(self, uids: list[str]) -> None:
        self.raw.executemany("DELETE FROM sync_deleted WHERE uid = ?", [(u,) for u in uids])
        self.deleted.difference_update(uids)

    def name_survivors(self) -> None:
        """Name in the summary the stories brought back or kept that still exist after the deletions."""
        for uids, named in ((self.revived, self.summary.revived), (self.kept, self.summary.kept)):
            for uid in dict.fromkeys(uids):
                row = self.raw.execute("SELECT id FROM stories WHERE uid = ?", (uid,)).fetchone()
                if row is not None and (uids is self.revived or uid not in self.revived):
                    named.append(self._title(row[0]))

    def _deleted_knowing_versions(self, uid: str) -> bool:
        """Whether the deletion of story ``uid`` recorded the versions it knew (one before did not)."""
        return (
            self.raw.execute(
                "SELECT 1 FROM sync_deleted WHERE kind = ? LIMIT 1", (VERSION_OF + uid,)
            ).fetchone()
            is not None
        )

    def _title(self, story: int) -> str:
        return self.raw.execute(
            "SELECT title FROM story_versions WHERE story_id = ? ORDER BY version DESC LIMIT 1", (story,)
        ).fetchone()[0]

    def renumber(self, story: int, new: set[str]) -> None:
        """Versions numbered so that each comes after the one it was edited from, otherwise by when they
        were saved (ties by uid): the same on every device, and what the device that saved them in a line
        already has. A version edited from one that already has a child is a conflict; both are kept, and
        the conflict is reported when one of the ``new`` versions (uids) makes it."""
        rows = self.raw.execute(
            "SELECT id, version, uid, parent, saved_at FROM story_versions WHERE story_id = ?", (story,)
        ).fetchall()
        uids = {row[2] for row in rows}
        children: dict[str | None, list[tuple]] = {}
        for row in rows:
            children.setdefault(row[3] if row[3] in uids else None, []).append(row)
        ready = [(row[4], row[2], row) for row in children.get(None, [])]
        heapq.heapify(ready)
        order = []
        while ready:
            _, _, row = heapq.heappop(ready)
            order.append(row)
            for child in children.get(row[2], []):
                heapq.heappush(ready, (child[4], child[2], child))
        placed = {row[0] for row in order}  # a parent cycle (a hand-edited file) must not lose versions
        order += sorted((row for row in rows if row[0] not in placed), key=lambda row: (row[4], row[2]))
        numbers = {row[1]: number for number, row in enumerate(order, start=1)}
        self.raw.execute(
            "UPDATE story_versions SET version = -1000000 - version WHERE story_id = ?", (story,)
        )
        for number, row in enumerate(order, start=1):
            self.raw.execute("UPDATE story_versions SET version = ? WHERE id = ?", (number, row[0]))
        for rehearsal, version in self.raw.execute(
            "SELECT id, version FROM rehearsals WHERE story_id = ?", (story,)
        ).fetchall():
            if version in numbers:
                self.raw.execute(
                    "UPDATE rehearsals SET version = ? WHERE id = ?", (numbers[version], rehearsal)
                )
        forks = {
            parent
            for (parent,) in self.raw.execute(
                "SELECT parent FROM story_versions WHERE story_id = ? AND parent IS NOT NULL"
                " GROUP BY parent HAVING COUNT(*) > 1",
                (story,),
            )
        }
        # Only a parallel edit that arrives now is news: a later edit of either side is not.
        if any(row[3] in forks for row in rows if row[2] in new):
            self.summary.conflicts.append(self._title(story))

    def links_and_rehearsals(self, story: int, s: dict[str, Any]) -> None:
        story_uid = s["uid"]
        linked_at = s.get("linked_at") or {}
        links = s.get("links") or []
        unlinked = s.get("unlinked") or {}
        renamed = current_keys(self.raw, [*links, *unlinked])  # linked under a key renamed since (m028)
        for written in links:
            at = from_iso(linked_at.get(written)) or from_iso(s["created_at"])
            key = renamed.get(written, written)
            gone = self.raw.execute(
                "SELECT removed_at FROM story_unlinks WHERE story_id = ? AND question_key = ?", (story, key)
            ).fetchone()
            if gone is not None and gone[0] >= at:
                continue  # removed here after it was made there
            self.raw.execute(
                "DELETE FROM story_unlinks WHERE story_id = ? AND question_key = ?", (story, key)
            )
            added = self.raw.execute(
                "INSERT OR IGNORE INTO story_links (story_id, question_key, linked_at, uid) VALUES (?,?,?,?)",
                (story, key, at, ids.link_uid(story_uid, key)),
            ).rowcount
            self.summary.links += added
            if not added:  # linked on both: the later time, so an unlink between the two loses on both
                self.raw.execute(
                    "UPDATE story_links SET linked_at = ? WHERE story_id = ? AND question_key = ?"
                    " AND linked_at < ?",
                    (at, story, key, at),
                )
        for key, removed in unlinked.items():
            self.unlink(story, renamed.get(key, key), from_iso(removed))
        numbers = dict(
            self.raw.execute("SELECT uid, version FROM story_versions WHERE story_id = ?", (story,))
        )
        for r in s.get("rehearsals") or []:
            if r.get("version") not in numbers or r["uid"] in self.deleted:
                continue
            self.summary.rehearsals += self.raw.execute(
                "INSERT OR IGNORE INTO rehearsals (story_id, version, rehearsed_at, duration_ms, target_ms,"
                " uid, transcript, delivery) VALUES (?,?,?,?,?,?,?,?)",
                (
                    story,
                    numbers[r["version"]],
                    from_iso(r["rehearsed_at"]),
                    r["duration_ms"],
                    r["target_ms"],
                    r["uid"],
                    r.get("transcript"),
                    None if r.get("delivery") is None else json.dumps(r["delivery"]),
                ),
            ).rowcount

    def unlink(self, story: int, key: str, removed_at: str | None) -> None:
        """A link removed on another device goes here too, unless it was made here after that."""
        if removed_at is None:
            return
        link = self.raw.execute(
            "SELECT linked_at FROM story_links WHERE story_id = ? AND question_key = ?", (story, key)
        ).fetchone()
        if link is not None and link[0] > removed_at:
            return
        if link is not None:
            self.raw.execute("DELETE FROM story_links WHERE story_id = ? AND question_key = ?", (story, key))
            self.summary.deleted += 1
        self.raw.execute(
            "INSERT INTO story_unlinks (story_id, question_key, removed_at) VALUES (?, ?, ?)"
            " ON CONFLICT (story_id, question_key)"
            " DO UPDATE SET removed_at = MAX(removed_at, excluded.removed_at)",
            (story, key, removed_at),
        )
