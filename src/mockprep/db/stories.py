"""STAR stories in the database: every save a version, links to behavioral questions, rehearsals."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mockprep.core.ids import link_uid
from mockprep.core.records import Rehearsal, StoryListing, StoryOption, StoryVersion
from mockprep.core.stories import StoryDraft
from mockprep.db.driver import text
from mockprep.db.sql import db_time, delivery_from, delivery_json, must_time
from mockprep.db.sync_log import REHEARSAL_OF, TOMBSTONE_REHEARSALS, TOMBSTONE_VERSIONS, VERSION_OF

if TYPE_CHECKING:
    from mockprep.core.delivery import Delivery
    from mockprep.db.driver import Connection
    from mockprep.db.store import Store

STORY_FIELDS = ("title", "competencies", "situation", "task", "action", "result", "reflection")


class StoryTable:
    """``store.stories``: ``stories``, ``story_versions``, ``story_links`` and ``rehearsals``."""

    def __init__(self, store: Store):
        self.store = store

    def create(self, draft: StoryDraft, now: datetime) -> int:
        """Store a new story as version 1 (committed at once); return its id."""
        with self.store.write() as conn:
            story_id = conn.execute(
                text("INSERT INTO stories (created_at) VALUES (:t)"), {"t": db_time(now)}
            ).lastrowid
            insert_version(conn, story_id, 1, draft, now)
        return story_id

    def create_many(self, drafts: list[StoryDraft], now: datetime) -> list[int]:
        """Store new stories, each as its version 1, in one transaction (all or none); their ids."""
        ids = []
        with self.store.write() as conn:
            for draft in drafts:
                story_id = conn.execute(
                    text("INSERT INTO stories (created_at) VALUES (:t)"), {"t": db_time(now)}
                ).lastrowid
                insert_version(conn, story_id, 1, draft, now)
                ids.append(story_id)
        return ids

    def save_version(self, story_id: int, draft: StoryDraft, now: datetime) -> int:
        """Store a new version of a story (earlier ones are kept); return its number."""
        with self.store.write() as conn:
            latest = conn.execute(
                text(
                    "SELECT version, uid FROM story_versions WHERE story_id = :s"
                    " ORDER BY version DESC LIMIT 1"
                ),
                {"s": story_id},
            ).first()
            version = 1 if latest is None else latest.version + 1
            insert_version(conn, story_id, version, draft, now, parent=None if latest is None else latest.uid)
        return version

    def version(self, story_id: int, version: int | None = None) -> StoryVersion | None:
        """One version of a story (the latest when ``version`` is None), or None."""
        if version is None:
            row = self.store.q(
                "SELECT * FROM story_versions WHERE story_id = :s ORDER BY version DESC LIMIT 1", s=story_id
            ).first()
        else:
            row = self.store.q(
                "SELECT * FROM story_versions WHERE story_id = :s AND version = :v", s=story_id, v=version
            ).first()
        return None if row is None else _version(row)

    def versions(self, story_id: int) -> list[StoryVersion]:
        rows = self.store.q("SELECT * FROM story_versions WHERE story_id = :s ORDER BY version", s=story_id)
        return [_version(r) for r in rows]

    def listing(self) -> list[StoryListing]:
        """Every story's latest version, with its first-save time, rehearsal and link counts."""
        rows = self.store.q(
            "SELECT v.*, s.created_at, (SELECT COUNT(*) FROM rehearsals r WHERE r.story_id = s.id)"
            " AS rehearsals, (SELECT COUNT(*) FROM story_links l WHERE l.story_id = s.id) AS links"
            " FROM stories s JOIN story_versions v ON v.story_id = s.id AND v.version ="
            " (SELECT MAX(version) FROM story_versions WHERE story_id = s.id) ORDER BY s.id"
        ).all()
        return [StoryListing(_version(r), must_time(r.created_at), r.rehearsals, r.links) for r in rows]

    def delete(self, story_id: int) -> None:
        """Delete a story; its versions and rehearsals are remembered: a sync deletes only them elsewhere."""
        with self.store.write() as conn:
            conn.execute(text(TOMBSTONE_VERSIONS), {"of": VERSION_OF, "s": story_id})
            conn.execute(text(TOMBSTONE_REHEARSALS), {"of": REHEARSAL_OF, "s": story_id})
            conn.execute(text("DELETE FROM stories WHERE id = :s"), {"s": story_id})

    # -- links -------------------------------------------------------------------------------------

    def link(self, story_id: int, question_key: str, now: datetime) -> bool:
        """Link a story to a question; False if it already was."""
        with self.store.write() as conn:
            return insert_link(conn, story_id, question_key, now)

    def unlink(self, story_id: int, question_key: str, now: datetime) -> bool:
        """Remove a link (remembered with its time, so a sync removes it elsewhere); False if none."""
        with self.store.write() as conn:
            removed = conn.execute(
                text("DELETE FROM story_links WHERE story_id = :s AND question_key = :k"),
                {"s": story_id, "k": question_key},
            ).rowcount
            if removed:
                conn.execute(
                    text(
                        "INSERT OR REPLACE INTO story_unlinks (story_id, question_key, removed_at)"
                        " VALUES (:s, :k, :t)"
                    ),
                    {"s": story_id, "k": question_key, "t": db_time(now)},
                )
            return bool(removed)

    def links(self, story_id: int | None = None) -> list[tuple[int, str]]:
        """``(story id, question key)`` of every link, or of one story's."""
        rows = self.store.q(
            "SELECT story_id, question_key FROM story_links"
            + ("" if story_id is None else " WHERE story_id = :s")
            + " ORDER BY story_id, question_key",
            s=story_id,
        )
        return [(r.story_id, r.question_key) for r in rows]

    def options_for_question(self, key: str, competencies: list[str]) -> list[StoryOption]:
        """Every story: those linked to a question, then those sharing most of its competencies, then
        the rest (a story written without competencies may still be the one told)."""
        linked = {story_id for story_id, k in self.links() if k == key}
        options = []
        for listing in self.listing():
            latest = listing.latest
            shared = [c for c in latest.draft.competencies if c in competencies]
            options.append(
                StoryOption(latest.story_id, latest.draft.title, latest.story_id in linked, tuple(shared))
            )
        return sorted(options, key=lambda o: (not o.linked, -len(o.shared_competencies), o.story_id))

    # -- rehearsals --------------------------------------------------------------------------------

    def add_rehearsal(
        self,
        story_id: int,
        version: int,
        now: datetime,
        duration_ms: int,
        target_ms: int,
        transcript: str | None = None,
        delivery: Delivery | None = None,
    ) -> None:
        with self.store.write() as conn:
            conn.execute(
                text(
                    "INSERT INTO rehearsals (story_id, version, rehearsed_at, duration_ms, target_ms,"
                    " transcript, delivery) VALUES (:s, :v, :t, :d, :g, :transcript, :delivery)"
                ),
                {
                    "s": story_id,
                    "v": version,
                    "t": db_time(now),
                    "d": duration_ms,
                    "g": target_ms,
                    "transcript": transcript,
                    "delivery": delivery_json(delivery),
                },
            )

    def rehearsals(self, story_id: int) -> list[Rehearsal]:
        rows = self.store.q(
            "SELECT version, rehearsed_at, duration_ms, target_ms, uid, transcript, delivery FROM rehearsals"
            " WHERE story_id = :s ORDER BY id",
            s=story_id,
        )
        return [
            Rehearsal(
                r.version,
                must_time(r.rehearsed_at),
                r.duration_ms,
                r.target_ms,
                r.uid,
                r.transcript,
                delivery_from(r.delivery),
            )
            for r in rows
        ]


def insert_version(
    conn: Connection,
    story_id: int,
    version: int,
    draft: StoryDraft,
    now: datetime,
    uid: str | None = None,
    parent: str | None = None,
) -> None:
    """Store one version; without ``uid`` the database gives it a new random one."""
    conn.execute(
        text(
            "INSERT INTO story_versions (story_id, version, saved_at, title, competencies, situation,"
            " task, action, result, reflection, uid, parent) VALUES (:s, :v, :t, :title, :competencies,"
            " :situation, :task, :action, :result, :reflection, :uid, :parent)"
        ),
        {
            **draft.to_dict(),
            "competencies": json.dumps(list(draft.competencies)),
            "s": story_id,
            "v": version,
            "t": db_time(now),
            "uid": uid,
            "parent": parent,
        },
    )


def insert_link(conn: Connection, story_id: int, question_key: str, now: datetime) -> bool:
    """Link a story to a question (the link's uid is derived from the story's and the key); False if it
    already was."""
    story = conn.execute(text("SELECT uid FROM stories WHERE id = :s"), {"s": story_id}).scalar_one()
    conn.execute(
        text("DELETE FROM story_unlinks WHERE story_id = :s AND question_key = :k"),
        {"s": story_id, "k": question_key},
    )
    return bool(
        conn.execute(
            text(
                "INSERT OR IGNORE INTO story_links (story_id, question_key, linked_at, uid)"
                " VALUES (:s, :k, :t, :uid)"
            ),
            {"s": story_id, "k": question_key, "t": db_time(now), "uid": link_uid(story, question_key)},
        ).rowcount
    )


def _version(row: Any) -> StoryVersion:
    draft = StoryDraft(
        row.title,
        tuple(json.loads(row.competencies)),
        row.situation,
        row.task,
        row.action,
        row.result,
        row.reflection,
    )
    return StoryVersion(row.story_id, row.version, must_time(row.saved_at), draft, row.uid, row.parent)
