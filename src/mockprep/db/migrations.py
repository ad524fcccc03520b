"""Numbered schema migrations. Each runs in one transaction together with the row that records it.

Never edit a released migration: add ``m00N_...`` at the end of :data:`MIGRATIONS` instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Migration = Callable[[Any], None]  # receives a DB-API cursor inside an open transaction


def _run(cur: Any, script: str) -> None:
    # One statement at a time: sqlite3's executescript() would commit the open transaction first.
    for statement in script.split(";"):
        if statement.strip():
            cur.execute(statement)


def m001_initial(cur: Any) -> None:
    _run(
        cur,
        """
        CREATE TABLE banks (
            id TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            round TEXT NOT NULL,
            description TEXT NOT NULL DEFAULT '',
            roles TEXT NOT NULL DEFAULT '[]',
            source TEXT NOT NULL,
            builtin BOOLEAN NOT NULL,
            content_hash TEXT NOT NULL,
            removed BOOLEAN NOT NULL DEFAULT 0,
            synced_at DATETIME NOT NULL
        );
        CREATE TABLE questions (
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,
            bank_id TEXT NOT NULL REFERENCES banks(id),
            round TEXT NOT NULL,
            topic TEXT NOT NULL,
            difficulty INTEGER NOT NULL,
            kind TEXT NOT NULL,
            roles TEXT NOT NULL DEFAULT '[]',
            competencies TEXT NOT NULL DEFAULT '[]',
            data TEXT NOT NULL,
            added_at DATETIME NOT NULL,
            retired_at DATETIME
        );
        CREATE INDEX questions_bank ON questions(bank_id);
        CREATE TABLE cards (
            question_id INTEGER PRIMARY KEY REFERENCES questions(id),
            state INTEGER NOT NULL,
            step INTEGER,
            stability FLOAT,
            difficulty FLOAT,
            due DATETIME NOT NULL,
            last_review DATETIME
        );
        CREATE INDEX cards_due ON cards(due) WHERE last_review IS NOT NULL;
        CREATE TABLE sessions (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL DEFAULT 'drill',
            started_at DATETIME NOT NULL,
            ended_at DATETIME,
            status TEXT NOT NULL DEFAULT 'running',
            filters TEXT NOT NULL DEFAULT '{}',
            pid INTEGER
        );
        CREATE INDEX sessions_started ON sessions(started_at);
        CREATE TABLE reviews (
            id INTEGER PRIMARY KEY,
            question_id INTEGER NOT NULL REFERENCES questions(id),
            session_id INTEGER REFERENCES sessions(id),
            rated_at DATETIME NOT NULL,
            rating INTEGER NOT NULL,
            state_before INTEGER NOT NULL,
            answer TEXT NOT NULL DEFAULT '',
            duration_ms INTEGER NOT NULL
        );
        CREATE INDEX reviews_question ON reviews(question_id, rated_at);
        CREATE INDEX reviews_rated ON reviews(rated_at);
        CREATE INDEX reviews_session ON reviews(session_id);
        CREATE TABLE bank_sources (
            path TEXT PRIMARY KEY,
            added_at DATETIME NOT NULL
        );
        """,
    )


def m002_timing_and_mocks(cur: Any) -> None:
    """Time limits and key-point coverage on reviews; mock rounds and their answers."""
    _run(
        cur,
        """
        ALTER TABLE reviews ADD COLUMN time_limit_ms INTEGER;
        ALTER TABLE reviews ADD COLUMN coverage TEXT;
        ALTER TABLE reviews ADD COLUMN suggested INTEGER;
        ALTER TABLE sessions ADD COLUMN round TEXT;
        ALTER TABLE sessions ADD COLUMN minutes FLOAT;
        CREATE TABLE mock_answers (
            id INTEGER PRIMARY KEY,
            session_id INTEGER NOT NULL REFERENCES sessions(id),
            question_id INTEGER NOT NULL REFERENCES questions(id),
            position INTEGER NOT NULL,
            answered_at DATETIME NOT NULL,
            answer TEXT NOT NULL DEFAULT '',
            follow_up TEXT,
            follow_up_answer TEXT,
            duration_ms INTEGER NOT NULL,
            time_limit_ms INTEGER,
            coverage TEXT,
            review_id INTEGER REFERENCES reviews(id)
        );
        CREATE INDEX mock_answers_session ON mock_answers(session_id, position)
        """,
    )


def m003_stories(cur: Any) -> None:
    """STAR stories: every save a new version; links to behavioral questions; rehearsals."""
    _run(
        cur,
        """
        CREATE TABLE stories (
            id INTEGER PRIMARY KEY,
            created_at DATETIME NOT NULL
        );
        CREATE TABLE story_versions (
            id INTEGER PRIMARY KEY,
            story_id INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
            version INTEGER NOT NULL,
            saved_at DATETIME NOT NULL,
            title TEXT NOT NULL,
            competencies TEXT NOT NULL DEFAULT '[]',
            situation TEXT NOT NULL DEFAULT '',
            task TEXT NOT NULL DEFAULT '',
            action TEXT NOT NULL DEFAULT '',
            result TEXT NOT NULL DEFAULT '',
            reflection TEXT NOT NULL DEFAULT '',
            UNIQUE (story_id, version)
        );
        CREATE TABLE story_links (
            story_id INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
            question_key TEXT NOT NULL,
            linked_at DATETIME NOT NULL,
            PRIMARY KEY (story_id, question_key)
        );
        CREATE INDEX story_links_question ON story_links(question_key);
        CREATE TABLE rehearsals (
            id INTEGER PRIMARY KEY,
            story_id INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
            version INTEGER NOT NULL,
            rehearsed_at DATETIME NOT NULL,
            duration_ms INTEGER NOT NULL,
            target_ms INTEGER NOT NULL
        );
        CREATE INDEX rehearsals_story ON rehearsals(story_id)
        """,
    )


def m004_stats_indexes(cur: Any) -> None:
    """Indexes for `stats` on long histories: lapses per question, answer times per question."""
    _run(
        cur,
        """
        CREATE INDEX reviews_lapses ON reviews(question_id) WHERE rating = 1 AND state_before = 2;
        CREATE INDEX reviews_question_duration ON reviews(question_id, duration_ms)
        """,
    )


def m005_one_coverage_encoding(cur: Any) -> None:
    """Mock answers stored "no key-point coverage" (auto-graded kinds) as [] where reviews store NULL,
    and mock answers could keep a negative duration where reviews clamp to 0: one encoding for both."""
    _run(
        cur,
        """
        UPDATE mock_answers SET coverage = NULL WHERE coverage = '[]';
        UPDATE mock_answers SET duration_ms = 0 WHERE duration_ms < 0;
        UPDATE reviews SET duration_ms = 0 WHERE duration_ms < 0
        """,
    )


def m006_card_marks_and_undo(cur: Any) -> None:
    """Anki's card actions: suspend, bury until a time, flag; and the card as it was before each
    rating, so that undo restores it exactly (older ratings are undone by replaying the log)."""
    _run(
        cur,
        """
        ALTER TABLE cards ADD COLUMN suspended_at DATETIME;
        ALTER TABLE cards ADD COLUMN suspended_by TEXT;
        ALTER TABLE cards ADD COLUMN buried_until DATETIME;
        ALTER TABLE cards ADD COLUMN flagged_at DATETIME;
        ALTER TABLE reviews ADD COLUMN card_before TEXT
        """,
    )


def m007_key_point_checklist(cur: Any) -> None:
    """What the grader proposed for each key point, what the person confirmed, and which grader it was,
    so that agreement can be measured from real use."""
    _run(
        cur,
        """
        ALTER TABLE reviews ADD COLUMN grader TEXT;
        ALTER TABLE reviews ADD COLUMN proposed TEXT;
        ALTER TABLE reviews ADD COLUMN checklist TEXT
        """,
    )


def m014_stats_rollup(cur: Any) -> None:
    """`stats` reads the log from two covering indexes instead of the table: by time (days, weeks)
    and by question (retention and answer times, summed per question before the questions are
    joined). Each carries the few columns the figures use, so no answer text is read; the index on
    answer time per question is folded into the one by question. A small index of each question's
    round, topic and bank makes looking them up per answer a read of a few hot pages. The roll-up is
    the indexes themselves: SQLite keeps them in step with every rating, undo and import."""
    _run(
        cur,
        """
        DROP INDEX reviews_question_duration;
        DROP INDEX reviews_question;
        CREATE INDEX reviews_question ON reviews(question_id, rated_at, state_before, rating, duration_ms);
        DROP INDEX reviews_rated;
        CREATE INDEX reviews_rated
            ON reviews(rated_at, question_id, rating, duration_ms, time_limit_ms, session_id);
        CREATE INDEX questions_round ON questions(id, round, topic, bank_id)
        """,
    )


MIGRATIONS: list[Migration] = [
    m001_initial,
    m002_timing_and_mocks,
    m003_stories,
    m004_stats_indexes,
    m005_one_coverage_encoding,
    m006_card_marks_and_undo,
    m007_key_point_checklist,
    m014_stats_rollup,
]
