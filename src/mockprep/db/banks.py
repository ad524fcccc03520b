"""Banks and their questions in the database: sources, syncing a parsed bank, lookups and summaries.

``json`` is imported by the methods that read or write a bank's JSON columns: a ``bank sync`` that
finds nothing new uses none of them, and spares its import (about 1.4 ms).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from mockprep.db.card_conditions import NOT_SUSPENDED
from mockprep.db.driver import text
from mockprep.db.sql import db_time

if TYPE_CHECKING:
    from collections.abc import Iterable

    from mockprep.core.bank_files import FileStamp
    from mockprep.core.bank_records import Bank
    from mockprep.core.questions import Question, QuestionRecord, QuestionSpec
    from mockprep.core.records import BankInfo, BankSummary, SyncResult
    from mockprep.core.renames import Arrival, Gone, Reworded, SetAside
    from mockprep.db.store import Store

_QUESTION_COLUMNS = "id, key, bank_id, round, topic, roles, data, retired_at"


class BankState(NamedTuple):
    """What syncing needs to know of a stored bank."""

    id: str
    source: str  # the file it was last read from ("builtin:..." for a shipped one)
    content_hash: str  # of that file's bytes then
    removed: bool  # the person removed it (`bank remove`)
    active: bool  # it has questions that are not retired


class BankTable:
    """``store.banks``: the ``banks``, ``questions`` and ``bank_sources`` tables."""

    def __init__(self, store: Store):
        self.store = store

    # -- sources -----------------------------------------------------------------------------------

    def sources(self) -> list[Path]:
        """The bank files and folders the person registered, oldest first."""
        return [Path(r.path) for r in self.store.q("SELECT path FROM bank_sources ORDER BY added_at")]

    def add_source(self, path: Path, now: datetime) -> None:
        with self.store.write() as conn:
            conn.execute(
                text("INSERT OR IGNORE INTO bank_sources (path, added_at) VALUES (:p, :t)"),
                {"p": str(path), "t": db_time(now)},
            )

    def remove_source(self, path: Path) -> None:
        with self.store.write() as conn:
            conn.execute(text("DELETE FROM bank_sources WHERE path = :p"), {"p": str(path)})

    def states(self) -> dict[str, BankState]:
        """Every bank ever synced: where it was read from, that file's hash, and whether it is live."""
        rows = self.store.q(
            "SELECT b.id, b.source, b.content_hash, b.removed,"
            " EXISTS (SELECT 1 FROM questions q WHERE q.bank_id = b.id AND q.retired_at IS NULL) AS active"
            " FROM banks b"
        )
        return {
            r.id: BankState(r.id, r.source, r.content_hash, bool(r.removed), bool(r.active)) for r in rows
        }

    def file_stamps(self) -> dict[str, tuple[FileStamp, str, int]]:
        """Each bank file's stamp, hash and the time it was looked at (ns), as last read (m024)."""
        from mockprep.core.bank_files import FileStamp

        rows = self.store.q("SELECT * FROM bank_file_stamps")
        stamp = FileStamp._make
        return {
            r.source: (stamp((r.size, r.mtime_ns, r.ctime_ns, r.inode, r.device)), r.content_hash, r.seen_ns)
            for r in rows
        }

    def record_file_stamps(
        self, read: Iterable[tuple[str, FileStamp, str]], seen_ns: int, gone: Iterable[str] = ()
    ) -> None:
        """Record the files a sync read (looked at ``seen_ns``), and forget those it no longer found."""
        with self.store.write() as conn:
            rows = [{"source": s, **stamp._asdict(), "hash": h, "seen": seen_ns} for s, stamp, h in read]
            if rows:
                conn.execute(
                    text(
                        "INSERT OR REPLACE INTO bank_file_stamps (source, size, mtime_ns, ctime_ns, inode,"
                        " device, content_hash, seen_ns) VALUES (:source, :size, :mtime_ns, :ctime_ns,"
                        " :inode, :device, :hash, :seen)"
                    ),
                    rows,
                )
            if gone := list(gone):
                conn.execute(text("DELETE FROM bank_file_stamps WHERE source IN :gone"), {"gone": gone})

    def active_questions(self, bank_id: str) -> int:
        return self.store.q(
            "SELECT COUNT(*) FROM questions WHERE bank_id = :b AND retired_at IS NULL", b=bank_id
        ).scalar_one()

    # -- syncing -----------------------------------------------------------------------------------

    def sync(self, bank: Bank, builtin: bool, now: datetime) -> SyncResult:
        """Bring one bank's rows in line with its file, in one transaction.

        Questions keep their identity (and review progress) by key; a question the file no longer
        has is retired, never deleted, so its history stays, and one that comes back is restored.
        """

        from mockprep.core.kinds import kind_of
        from mockprep.core.questions import code_differs
        from mockprep.core.records import SyncResult
        from mockprep.db.question_asides import settle

        stamp = db_time(now)
        added = updated = restored = 0
        with self.store.write() as conn:
            before, edited = _upsert_bank(conn, bank, builtin, stamp)
            existing = {  # (a question's round, topic and roles may come from its bank's: compared too)
                r.key: (r.id, r.data, r.retired_at, (r.round, r.topic, r.roles))
                for r in conn.execute(
                    text(
                        "SELECT id, key, data, retired_at, round, topic, roles"
                        " FROM questions WHERE bank_id = :b"
                    ),
                    {"b": bank.id},
                )
            }
            seen = set()
            fresh = []
            reworded: list[Reworded] = []
            rechoiced: list[tuple[int, str]] = []
            topic_moved = False
            set_aside: list[SetAside] = []
            code_changed: list[str] = []
            for question in bank.questions:
                seen.add(question.key)
                values = _question_values(question)
                prompt = question.spec.prompt
                stored, aside = settle(conn.raw, existing.get(question.key), question.key, prompt, stamp)
                set_aside += [aside] if aside is not None else []
                if kind_of(question.spec).runs_code and code_differs(stored and stored[1], values["data"]):
                    code_changed.append(question.key)
                if stored is None:
                    fresh.append(values)  # (a new question; a retired one its id had keeps its history)
                else:
                    qid, data, retired_at, resolved = stored
                    now_resolved = (values["round"], values["topic"], values["roles"])
                    if data == values["data"] and retired_at is None and resolved[1] != values["topic"]:
                        topic_moved = True  # the bank's topic (it has no column of its own)
                    if data != values["data"] or retired_at is not None or resolved != now_resolved:
                        conn.execute(
                            text(
                                "UPDATE questions SET round = :round, topic = :topic,"
                                " difficulty = :difficulty, kind = :kind, roles = :roles,"
                                " competencies = :competencies, data = :data, retired_at = NULL"
                                " WHERE id = :id"
                            ),
                            {**values, "id": qid},
                        )
                        if retired_at is not None:
                            restored += 1
                        elif data != values["data"]:
                            updated += 1  # (one that only takes its bank's new roles is the bank's edit)
                            reworded += _reworded(qid, question.key, data, question.spec.prompt)
                            if _options_changed(data, question.spec):
                                rechoiced.append((qid, question.key))
            if fresh:
                added = _insert_new(conn.raw, bank.id, fresh, stamp)
            leaving = [(qid, key, data) for key, (qid, data, at, _r) in existing.items()
                       if key not in seen and at is None]  # fmt: skip
            for qid, _key, _data in leaving:
                conn.execute(
                    text("UPDATE questions SET retired_at = :now WHERE id = :id"), {"now": stamp, "id": qid}
                )
            retired = len(leaving)
            gone = _gone(conn, leaving)
            if reworded:
                reworded = _with_reviews(conn, reworded)
            counts = _review_counts(conn, [qid for qid, _key in rechoiced]) if rechoiced else {}
        moved_to = bank.source if before is not None and before.source != bank.source else None
        if topic_moved:
            edited = (*edited, "topic")
        arrived = _arrivals(bank, {v["key"] for v in fresh}) if fresh else ()
        return SyncResult(
            bank.id, added, updated, retired, restored, moved_to, edited, gone or (), arrived,
            reworded=tuple(reworded), set_aside=tuple(set_aside),
            rechoiced=tuple((key, counts[qid]) for qid, key in rechoiced if counts.get(qid)),
            code_changed=tuple(code_changed),
        )  # fmt: skip

    def retire_questions(self, bank_id: str, now: datetime) -> SyncResult:
        """Retire every active question of a bank whose file is gone."""
        from mockprep.core.records import SyncResult

        with self.store.write() as conn:
            rows = conn.execute(
                text("SELECT id, key, data FROM questions WHERE bank_id = :b AND retired_at IS NULL"),
                {"b": bank_id},
            ).all()
            conn.execute(
                text("UPDATE questions SET retired_at = :t WHERE bank_id = :b AND retired_at IS NULL"),
                {"t": db_time(now), "b": bank_id},
            )
            return SyncResult(bank_id, 0, 0, len(rows), gone=_gone(conn, rows) or ())

    def carry_over(self, old_id: int, new_key: str) -> int:
        """Question ``old_id`` becomes the question ``new_key`` with its card and history (and takes
        over that one's reviews): :func:`mockprep.db.question_aliases.carry_over`."""
        from mockprep.db.question_aliases import carry_over

        with self.store.write() as conn:
            return carry_over(conn.raw, old_id, new_key)

    def carry_moves(self, moves: list[tuple[int, str]]) -> int:
        """Questions (row ids) take new keys at once, some each other's (a swap, a chain of renames):
        :func:`mockprep.db.question_aliases.carry_moves`."""
        from mockprep.db.question_aliases import carry_moves

        with self.store.write() as conn:
            return carry_moves(conn.raw, moves)

    def renamed_to(self, ref: str) -> str | None:
        """The key the question once keyed ``ref`` (or, without a ``/``, the one question once with that
        id) has now, if it was renamed and no question has that key since."""
        from mockprep.db.question_aliases import aliases

        found = {old: now for old, now in aliases(self.store.conn.raw).items()
                 if old == ref or "/" not in ref and old.partition("/")[2] == ref}  # fmt: skip
        return next(iter(found.values())) if len(found) == 1 else None

    def set_removed(self, bank_id: str, removed: bool) -> None:
        with self.store.write() as conn:
            conn.execute(text("UPDATE banks SET removed = :r WHERE id = :id"), {"r": removed, "id": bank_id})

    # -- reading -----------------------------------------------------------------------------------

    def get(self, bank_id: str) -> BankInfo | None:
        import json

        from mockprep.core.records import BankInfo

        r = self.store.q(
            "SELECT id, title, round, description, roles, source, builtin, removed FROM banks WHERE id = :id",
            id=bank_id,
        ).first()
        if r is None:
            return None
        return BankInfo(
            r.id, r.title, r.round, r.description, tuple(json.loads(r.roles)), r.source, bool(r.builtin),
            bool(r.removed),
        )  # fmt: skip

    def summaries(self, day_end: datetime) -> list[BankSummary]:
        """Every bank with its active questions, new ones, and those due before ``day_end`` (as a session
        asks them: not suspended, nor buried past it)."""
        from mockprep.core.records import BankSummary

        rows = self.store.q(
            "SELECT b.id, b.title, b.round, b.source, b.builtin, b.removed,"
            " COUNT(q.id) AS questions,"
            " SUM(c.question_id IS NOT NULL AND c.last_review IS NULL) AS new,"
            f" SUM(c.last_review IS NOT NULL AND c.due < :end AND {NOT_SUSPENDED}"
            " AND (c.buried_until IS NULL OR c.buried_until < :end)) AS due_today"
            " FROM banks b"
            " LEFT JOIN questions q ON q.bank_id = b.id AND q.retired_at IS NULL"
            " LEFT JOIN cards c ON c.question_id = q.id"
            " GROUP BY b.id ORDER BY b.round, b.id",
            end=db_time(day_end),
        ).all()
        topics: dict[str, dict[str, int]] = {}
        for r in self.store.q(
            "SELECT bank_id, topic, COUNT(*) AS n FROM questions WHERE retired_at IS NULL"
            " GROUP BY bank_id, topic ORDER BY n DESC, topic"
        ):
            topics.setdefault(r.bank_id, {})[r.topic] = r.n
        return [
            BankSummary(
                r.id,
                r.title,
                r.round,
                r.source,
                bool(r.builtin),
                bool(r.removed),
                r.questions,
                r.new or 0,
                r.due_today or 0,
                topics.get(r.id, {}),
            )
            for r in rows
        ]

    def known_values(self) -> dict[str, set[str]]:
        """Rounds, topics, roles, banks and tags that active questions have, to check filters against."""
        import json

        found: dict[str, set[str]] = {"rounds": set(), "topics": set(), "roles": set(), "banks": set()}
        for r in self.store.q(
            "SELECT DISTINCT q.round, q.topic, q.bank_id, q.roles FROM questions q"
            " JOIN banks b ON b.id = q.bank_id WHERE q.retired_at IS NULL AND b.removed = 0"
        ):
            found["rounds"].add(r.round)
            found["topics"].add(r.topic)
            found["banks"].add(r.bank_id)
            found["roles"].update(json.loads(r.roles))
        tags = self.store.q(
            "SELECT DISTINCT t.value AS tag FROM questions q JOIN banks b ON b.id = q.bank_id,"
            " json_each(q.data, '$.tags') t WHERE q.retired_at IS NULL AND b.removed = 0"
        )
        found["tags"] = {r.tag for r in tags}
        return found

    def question(self, question_id: int) -> QuestionRecord:
        row = self.store.q(f"SELECT {_QUESTION_COLUMNS} FROM questions WHERE id = :id", id=question_id).one()
        return question_record(row)

    def question_by_key(self, key: str) -> QuestionRecord | None:
        row = self.store.q(f"SELECT {_QUESTION_COLUMNS} FROM questions WHERE key = :k", k=key).first()
        return None if row is None else question_record(row)

    def questions_in_bank(self, bank_id: str) -> list[QuestionRecord]:
        rows = self.store.q(
            f"SELECT {_QUESTION_COLUMNS} FROM questions"
            " WHERE bank_id = :b AND retired_at IS NULL ORDER BY id",
            b=bank_id,
        )
        return [question_record(r) for r in rows]

    def behavioral_questions(self) -> list[tuple[str, list[str]]]:
        """``(key, competencies)`` of every active behavioral question."""
        import json

        rows = self.store.q(
            "SELECT q.key, q.competencies FROM questions q JOIN banks b ON b.id = q.bank_id"
            " WHERE q.round = 'behavioral' AND q.retired_at IS NULL AND b.removed = 0 ORDER BY q.key"
        )
        return [(r.key, json.loads(r.competencies)) for r in rows]


def _upsert_bank(conn: Any, bank: Bank, builtin: bool, stamp: str) -> tuple[Any, tuple[str, ...]]:
    """Write the bank's own row: the row it had before (None: a new bank) and which of its own fields
    (title, round, description, roles) the file changed."""
    import json

    spec = bank.spec
    fields = {"title": spec.title, "round": spec.round, "description": spec.description}
    fields["roles"] = json.dumps(list(spec.roles))
    before = conn.execute(
        text("SELECT source, title, round, description, roles FROM banks WHERE id = :id"), {"id": bank.id}
    ).first()
    edited = tuple(k for k, v in fields.items() if before is not None and getattr(before, k) != v)
    conn.execute(
        text(
            "INSERT INTO banks (id, title, round, description, roles, source, builtin,"
            " content_hash, removed, synced_at)"
            " VALUES (:id, :title, :round, :description, :roles, :source, :builtin, :hash, 0, :now)"
            " ON CONFLICT(id) DO UPDATE SET title = excluded.title, round = excluded.round,"
            " description = excluded.description, roles = excluded.roles,"
            " source = excluded.source, builtin = excluded.builtin,"
            " content_hash = excluded.content_hash, removed = 0, synced_at = excluded.synced_at"
        ),
        {**fields, "id": bank.id, "source": bank.source, "builtin": builtin, "hash": bank.content_hash,
         "now": stamp},
    )  # fmt: skip
    return before, edited


def _gone(conn: Any, rows: Iterable[Any]) -> tuple[Gone, ...] | None:
    """The questions of ``rows`` (id, key, data) just retired, each with its prompt and review count;
    None when there are none."""
    rows = list(rows)
    if not rows:
        return None
    import json

    from mockprep.core.renames import Gone

    reviews = _review_counts(conn, [row[0] for row in rows])
    return tuple(Gone(qid, key, json.loads(data)["prompt"], reviews.get(qid, 0)) for qid, key, data in rows)


def _review_counts(conn: Any, ids: list[int]) -> dict[int, int]:
    return dict(
        conn.raw.execute(
            f"SELECT question_id, COUNT(*) FROM reviews WHERE question_id IN ({','.join('?' * len(ids))})"
            " GROUP BY question_id",
            ids,
        ).fetchall()
    )


def _reworded(qid: int, key: str, data: str, prompt: str) -> list[Reworded]:
    """The question, if the file changed its prompt (as renames compare prompts): its reviews counted
    later, for all at once."""
    import json

    from mockprep.core.renames import Reworded, prompt_key

    was = json.loads(data)["prompt"]
    return [Reworded(qid, key, was, prompt, 0)] if prompt_key(was) != prompt_key(prompt) else []


def _options_changed(data: str, spec: QuestionSpec) -> bool:
    """Whether a question that was and is a choice question (its answers letters) has other options or
    another correct letter than those stored (``data``)."""
    import json

    was = json.loads(data)
    if spec.kind != "choice" or was.get("choices") is None:
        return False
    return (was["choices"], was.get("correct")) != (spec.choices, spec.correct)


def _with_reviews(conn: Any, reworded: list[Reworded]) -> list[Reworded]:
    from dataclasses import replace

    counts = _review_counts(conn, [q.question_id for q in reworded])
    return [replace(q, reviews=counts.get(q.question_id, 0)) for q in reworded]


def _insert_new(raw: Any, bank_id: str, fresh: list[dict[str, Any]], stamp: str) -> int:
    """Insert a sync's new questions of one bank, each with a new card; how many."""
    # A new bank of thousands of questions: one executemany per table, not a query per row.
    raw.executemany(
        "INSERT INTO questions (key, bank_id, round, topic, difficulty, kind, roles,"
        " competencies, data, added_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
        [
            (v["key"], v["bank_id"], v["round"], v["topic"], v["difficulty"], v["kind"],
             v["roles"], v["competencies"], v["data"], stamp)
            for v in fresh
        ],
    )  # fmt: skip
    from fsrs import State  # here: a sync that finds nothing new loads no scheduler

    raw.execute(
        "INSERT INTO cards (question_id, state, step, due) SELECT id, ?, 0, ? FROM questions"
        " WHERE bank_id = ? AND id NOT IN (SELECT question_id FROM cards)",
        (State.Learning.value, stamp, bank_id),
    )
    return len(fresh)


def _arrivals(bank: Bank, keys: set[str]) -> tuple[Arrival, ...]:
    from mockprep.core.renames import Arrival

    return tuple(Arrival(q.key, q.spec.prompt) for q in bank.questions if q.key in keys)


def _question_values(question: Question) -> dict[str, Any]:
    import json

    spec = question.spec
    return {
        "key": question.key,
        "bank_id": question.bank_id,
        "round": question.round,
        "topic": question.topic,
        "difficulty": spec.difficulty,
        "kind": spec.kind,
        "roles": json.dumps(list(question.roles)),
        "competencies": json.dumps(list(spec.competencies)),
        "data": json.dumps(spec.to_dict(), sort_keys=True),
    }


def question_record(row: Any) -> QuestionRecord:
    """A question from a row holding id, key, bank_id, round, topic, roles, data and retired_at."""
    import json

    from mockprep.core.questions import Question, QuestionRecord, QuestionSpec

    spec = QuestionSpec.from_dict(json.loads(row.data))  # checked when its bank was read
    question = Question(row.key, row.bank_id, row.round, row.topic, tuple(json.loads(row.roles)), spec)
    return QuestionRecord(row.id, question, row.retired_at is not None)
