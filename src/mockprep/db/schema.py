"""The tables, as SQLModel classes. Their DDL lives in :mod:`mockprep.migrations`; a test keeps both equal.

Times are stored as UTC without a zone (SQLite has none); :mod:`mockprep.storage` adds it back on read.
JSON columns hold lists of slugs or a question's full text.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel


class BankRow(SQLModel, table=True):
    __tablename__ = "banks"

    id: str = Field(primary_key=True)
    title: str
    round: str
    description: str = ""
    roles: str = "[]"
    source: str
    builtin: bool
    content_hash: str
    removed: bool = False
    synced_at: datetime


class QuestionRow(SQLModel, table=True):
    __tablename__ = "questions"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True)
    bank_id: str = Field(foreign_key="banks.id")
    round: str
    topic: str
    difficulty: int
    kind: str
    roles: str = "[]"
    competencies: str = "[]"
    data: str
    added_at: datetime
    retired_at: datetime | None = None


class CardRow(SQLModel, table=True):
    """The FSRS state of one question; ``last_review`` is NULL while the question is new."""

    __tablename__ = "cards"

    question_id: int = Field(primary_key=True, foreign_key="questions.id")
    state: int
    step: int | None = None
    stability: float | None = None
    difficulty: float | None = None
    due: datetime
    last_review: datetime | None = None
    suspended_at: datetime | None = None  # not asked until unsuspended
    suspended_by: str | None = None  # "you", or "leech" when suspended automatically
    buried_until: datetime | None = None  # not asked before this time (the next local midnight)
    flagged_at: datetime | None = None  # listed by `mockprep question list --flagged`


class SessionRow(SQLModel, table=True):
    __tablename__ = "sessions"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = "drill"
    started_at: datetime
    ended_at: datetime | None = None
    status: str = "running"
    filters: str = "{}"
    pid: int | None = None
    round: str | None = None  # a mock's round
    minutes: float | None = None  # the time budget asked for (--minutes), if any


class ReviewRow(SQLModel, table=True):
    """One rating of one answer. ``state_before`` is 0 for a new question, else the FSRS state."""

    __tablename__ = "reviews"

    id: int | None = Field(default=None, primary_key=True)
    question_id: int = Field(foreign_key="questions.id")
    session_id: int | None = Field(default=None, foreign_key="sessions.id")
    rated_at: datetime
    rating: int
    state_before: int
    answer: str = ""
    duration_ms: int
    time_limit_ms: int | None = None  # None: untimed (--no-timer); overtime = duration beyond it
    coverage: str | None = None  # JSON list of booleans, one per key point
    suggested: int | None = None  # the rating mockprep suggested
    card_before: str | None = None  # JSON of fsrs Card.to_dict() before this rating (for undo)
    grader: str | None = None  # the offline grader
    proposed: str | None = None  # JSON list: its verdict per key point (covered, partly, ...)
    checklist: str | None = None  # JSON list: the verdicts the person confirmed (NULL: not asked)
    model: str | None = None  # the language model whose verdict pre-ticked the checklist (NULL: none)
    model_proposed: str | None = None  # JSON list: the model's verdict per key point
    model_suggested: int | None = None  # the rating the model suggested
    model_errors: str | None = None  # JSON list: the factual errors it named, one line each


class MockAnswerRow(SQLModel, table=True):
    """One answer in a mock round, stored when given; ``review_id`` is set once it is rated."""

    __tablename__ = "mock_answers"

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="sessions.id")
    question_id: int = Field(foreign_key="questions.id")
    position: int
    answered_at: datetime
    answer: str = ""
    follow_up: str | None = None
    follow_up_answer: str | None = None
    duration_ms: int
    time_limit_ms: int | None = None
    coverage: str | None = None
    review_id: int | None = Field(default=None, foreign_key="reviews.id")
    follow_up_model: str | None = None  # the model that wrote the follow-up (NULL: the bank's)


class StoryRow(SQLModel, table=True):
    __tablename__ = "stories"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime


class StoryVersionRow(SQLModel, table=True):
    """One saved draft of a story; the highest version is the current one."""

    __tablename__ = "story_versions"

    id: int | None = Field(default=None, primary_key=True)
    story_id: int = Field(foreign_key="stories.id")
    version: int
    saved_at: datetime
    title: str
    competencies: str = "[]"
    situation: str = ""
    task: str = ""
    action: str = ""
    result: str = ""
    reflection: str = ""


class StoryLinkRow(SQLModel, table=True):
    """A behavioral question (by key) that a story answers."""

    __tablename__ = "story_links"

    story_id: int = Field(primary_key=True, foreign_key="stories.id")
    question_key: str = Field(primary_key=True)
    linked_at: datetime


class RehearsalRow(SQLModel, table=True):
    __tablename__ = "rehearsals"

    id: int | None = Field(default=None, primary_key=True)
    story_id: int = Field(foreign_key="stories.id")
    version: int
    rehearsed_at: datetime
    duration_ms: int
    target_ms: int


class BankSourceRow(SQLModel, table=True):
    """A user's own bank file or folder, registered with ``mockprep bank add``."""

    __tablename__ = "bank_sources"

    path: str = Field(primary_key=True)
    added_at: datetime


class MigrationRow(SQLModel, table=True):
    __tablename__ = "migrations"

    name: str = Field(primary_key=True)
    applied_at: datetime
