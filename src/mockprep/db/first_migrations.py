"""The first fifteen schema migrations, m001-m015, written before each later one moved next to the
aggregate it serves. Released: never edited; :mod:`mockprep.db.migrations` lists them in order.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from mockprep.core.zone_offsets import zone_offsets
from mockprep.db import compact_reviews, stats_rollup
from mockprep.db.driver import run_script as _run
from mockprep.db.sync_triggers import (
    LOCAL,
    MARKS_CHANGED,
    WITH_UID,
    derived_uid,
    random_uid,
    recorded,
    tombstone,
)


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


def m008_plans_cram_parameters(cur: Any) -> None:
    """Interview plans (dates to prepare for); cram reviews, which leave the schedule as it was; and the
    scheduler parameters each review was scheduled with (a review without them used FSRS 6's defaults
    at desired retention 0.9), with the person's own fitted ones and their history."""
    _run(
        cur,
        """
        CREATE TABLE plans (
            id INTEGER PRIMARY KEY,
            date TEXT NOT NULL,
            label TEXT NOT NULL DEFAULT '',
            role TEXT,
            rounds TEXT NOT NULL DEFAULT '[]',
            created_at DATETIME NOT NULL
        );
        CREATE TABLE scheduler_params (
            id INTEGER PRIMARY KEY,
            parameters TEXT NOT NULL UNIQUE,
            created_at DATETIME NOT NULL
        );
        CREATE TABLE fitted_parameters (
            id INTEGER PRIMARY KEY,
            fitted_at DATETIME NOT NULL,
            weights TEXT NOT NULL,
            reviews INTEGER NOT NULL,
            log_loss_before FLOAT NOT NULL,
            log_loss_after FLOAT NOT NULL,
            rmse_before FLOAT NOT NULL,
            rmse_after FLOAT NOT NULL,
            adopted_at DATETIME,
            undone_at DATETIME
        );
        ALTER TABLE reviews ADD COLUMN cram BOOLEAN NOT NULL DEFAULT 0;
        ALTER TABLE reviews ADD COLUMN params_id INTEGER REFERENCES scheduler_params(id)
        """,
    )


def m009_code_runs(cur: Any) -> None:
    """A code answer's runs against its question's tests, and its final result (JSON: passed, total,
    the names of the tests that failed); a mock's code answer keeps its runs until it is rated."""
    _run(
        cur,
        """
        ALTER TABLE reviews ADD COLUMN code_runs INTEGER;
        ALTER TABLE reviews ADD COLUMN code_result TEXT;
        ALTER TABLE mock_answers ADD COLUMN code_runs INTEGER
        """,
    )


def m010_global_ids(cur: Any) -> None:
    """Globally unique ids (``uid``) for reviews, sessions, mock answers, stories, story versions, links
    and rehearsals, so that histories from two devices merge without duplicates; existing rows get ids
    derived from what identifies them (:mod:`mockprep.core.ids`); a card remembers when its marks
    last changed, so the later change wins on every device. Reviews and sessions remember the
    device they came from (``origin``: NULL for this one); a story version, the version it was edited
    from. And what a folder sync needs: this device and its folder, the changes not yet written (recorded
    by triggers once the device has synced), deletions, story links removed (so a removal travels
    too), how far each file was read, waiting events."""
    cur.connection.create_function("mockprep_uid", -1, derived_uid, deterministic=True)
    _run(
        cur,
        """
        ALTER TABLE reviews ADD COLUMN uid TEXT;
        ALTER TABLE reviews ADD COLUMN origin TEXT;
        ALTER TABLE sessions ADD COLUMN uid TEXT;
        ALTER TABLE sessions ADD COLUMN origin TEXT;
        ALTER TABLE mock_answers ADD COLUMN uid TEXT;
        ALTER TABLE stories ADD COLUMN uid TEXT;
        ALTER TABLE story_versions ADD COLUMN uid TEXT;
        ALTER TABLE story_versions ADD COLUMN parent TEXT;
        ALTER TABLE story_links ADD COLUMN uid TEXT;
        ALTER TABLE rehearsals ADD COLUMN uid TEXT;
        ALTER TABLE cards ADD COLUMN marks_changed_at TEXT;
        UPDATE reviews SET uid = mockprep_uid('review', id,
            (SELECT key FROM questions q WHERE q.id = reviews.question_id), rated_at, rating);
        UPDATE sessions SET uid = mockprep_uid('session', id, started_at);
        UPDATE mock_answers SET uid = mockprep_uid('mock-answer', id, session_id, position, answered_at);
        UPDATE stories SET uid = mockprep_uid('story', id, created_at);
        UPDATE story_versions SET uid = mockprep_uid('story-version',
            (SELECT uid FROM stories s WHERE s.id = story_versions.story_id), version, saved_at);
        UPDATE story_versions SET parent = (SELECT p.uid FROM story_versions p
            WHERE p.story_id = story_versions.story_id AND p.version < story_versions.version
            ORDER BY p.version DESC LIMIT 1);
        UPDATE story_links SET uid = mockprep_uid('story-link',
            (SELECT uid FROM stories s WHERE s.id = story_links.story_id), question_key);
        UPDATE rehearsals SET uid = mockprep_uid('rehearsal',
            (SELECT uid FROM stories s WHERE s.id = rehearsals.story_id),
            (SELECT COUNT(*) FROM rehearsals e
                WHERE e.story_id = rehearsals.story_id AND e.id <= rehearsals.id),
            rehearsed_at);
        CREATE TABLE sync_device (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            folder TEXT,
            after_session BOOLEAN NOT NULL DEFAULT 0,
            recording BOOLEAN NOT NULL DEFAULT 0
        );
        CREATE TABLE sync_changes (
            seq INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            row_id INTEGER,
            ref TEXT
        );
        CREATE TABLE sync_deleted (
            uid TEXT PRIMARY KEY,
            kind TEXT NOT NULL
        );
        CREATE TABLE sync_files (
            name TEXT PRIMARY KEY,
            offset INTEGER NOT NULL,
            tail TEXT NOT NULL
        );
        CREATE TABLE sync_pending (
            uid TEXT PRIMARY KEY,
            line TEXT NOT NULL
        );
        CREATE UNIQUE INDEX story_links_uid ON story_links(uid);
        CREATE TABLE story_unlinks (
            story_id INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
            question_key TEXT NOT NULL,
            removed_at DATETIME NOT NULL,
            PRIMARY KEY (story_id, question_key)
        );
        CREATE INDEX reviews_origin ON reviews(origin) WHERE origin IS NOT NULL;
        """
        + "".join(map(random_uid, WITH_UID))
        + tombstone("reviews", "review")
        + tombstone("sessions", "session")
        + tombstone("stories", "story")
        + recorded("reviews_added", "INSERT", "reviews", "review", "NEW.id", LOCAL)
        + recorded("sessions_added", "INSERT", "sessions", "session", "NEW.id", LOCAL)
        + recorded("sessions_changed", "UPDATE OF status, ended_at", "sessions", "session", "NEW.id", LOCAL)
        + recorded("story_versions_added", "INSERT", "story_versions", "story", "NEW.story_id")
        + recorded("rehearsals_added", "INSERT", "rehearsals", "story", "NEW.story_id")
        + recorded("story_links_added", "INSERT", "story_links", "story", "NEW.story_id")
        + recorded("story_links_deleted", "DELETE", "story_links", "story", "OLD.story_id")
        + MARKS_CHANGED,
    )


def m011_delivery_metrics(cur: Any) -> None:
    """Spoken answers: how each was delivered (JSON: seconds, words, fillers, long pauses) beside its
    transcript, on reviews, mock answers and story rehearsals; an index for the stats trend."""
    _run(
        cur,
        """
        ALTER TABLE reviews ADD COLUMN delivery TEXT;
        ALTER TABLE mock_answers ADD COLUMN delivery TEXT;
        ALTER TABLE rehearsals ADD COLUMN transcript TEXT;
        ALTER TABLE rehearsals ADD COLUMN delivery TEXT;
        CREATE INDEX reviews_spoken ON reviews(rated_at) WHERE delivery IS NOT NULL
        """,
    )


def m012_llm_grading(cur: Any) -> None:
    """A language model's verdict beside the offline grader's (which model, its verdict per key point,
    its rating, the factual errors it named), and the model that wrote a mock's follow-up question."""
    _run(
        cur,
        """
        ALTER TABLE reviews ADD COLUMN model TEXT;
        ALTER TABLE reviews ADD COLUMN model_proposed TEXT;
        ALTER TABLE reviews ADD COLUMN model_suggested INTEGER;
        ALTER TABLE reviews ADD COLUMN model_errors TEXT;
        ALTER TABLE mock_answers ADD COLUMN follow_up_model TEXT
        """,
    )


def m013_stats_rollup(cur: Any) -> None:
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
        CREATE INDEX reviews_question
            ON reviews(question_id, rated_at, state_before, rating, duration_ms, cram);
        DROP INDEX reviews_rated;
        CREATE INDEX reviews_rated
            ON reviews(rated_at, question_id, rating, duration_ms, time_limit_ms, session_id);
        CREATE INDEX questions_round ON questions(id, round, topic, bank_id)
        """,
    )


def m014_stats_rollup(cur: Any) -> None:
    """`stats` reads a roll-up kept in step by triggers (db/stats_rollup.py) instead of the log, so
    m013's covering indexes narrow to what the other queries use: the log by time (days, history,
    recent answers) and by question in time order (a card's history, replay, export). Lapses outside
    cram get their own partial index (the leech rule and the leech list); the index of questions'
    round, topic and bank, used per answer by m013's weekly scores, goes. The roll-up counts days in
    the system's zone now; `stats` recounts it once if the person's zone differs."""
    _run(
        cur,
        """
        DROP INDEX reviews_question;
        CREATE INDEX reviews_question ON reviews(question_id, rated_at);
        DROP INDEX reviews_rated;
        CREATE INDEX reviews_rated ON reviews(rated_at);
        DROP INDEX reviews_lapses;
        CREATE INDEX reviews_lapses ON reviews(question_id)
            WHERE rating = 1 AND state_before = 2 AND NOT cram;
        DROP INDEX questions_round
        """,
    )
    # The migration's one look at the clock and the zone: where the zone's offsets are read around.
    stats_rollup.create(cur, zone_offsets(None, datetime.now(UTC)))


def m015_compact_reviews(cur: Any) -> None:
    """Reviews take less room (db/review_codec.py): an answer deflated when that makes it shorter (a
    BLOB; short answers stay text), key-point coverage as one '0'/'1' character per key point instead
    of a JSON list, and the global id as its 16 bytes instead of 32 hex digits (in the table and its
    unique index). Values read back exactly as before; new ids are random bytes, and a deleted review's
    tombstone keeps the hex form sync files and exports use. The SQL is in db/compact_reviews.py."""
    compact_reviews.compact(cur)
