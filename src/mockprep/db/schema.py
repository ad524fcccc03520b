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


class QuestionAliasRow(SQLModel, table=True):
    """A key a question had before its id was renamed (m028): a merge reads it as the question."""

    __tablename__ = "question_aliases"

    key: str = Field(primary_key=True)
    question_id: int = Field(foreign_key="questions.id", index=True)


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
    marks_changed_at: str | None = None  # when any mark last changed (m010; no longer written since m026)
    suspended_changed_at: str | None = None  # when each mark last changed, by the clock of the device
    buried_changed_at: str | None = None  # that changed it (m026): a sync merges each mark on its own,
    flagged_changed_at: str | None = None  # the later change of it winning
    undo_review_id: int | None = None  # the question's latest rating (m021), whose card before is:
    undo_card: bytes | None = None  # the card before it (review_codec.pack_card), for undo


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
    uid: str | None = Field(default=None, unique=True)  # the same session on every device (m010)
    origin: str | None = None  # NULL: run on this device; else the device (or "import") it came from
    reviews_from_us: int | None = None  # the span of its reviews' rated_us (m023: how they are found)
    reviews_to_us: int | None = None


class ReviewRow(SQLModel, table=True):
    """One rating of one answer. ``state_before`` is 0 for a new question, else the FSRS state."""

    __tablename__ = "reviews"

    id: int | None = Field(default=None, primary_key=True)
    question_id: int = Field(foreign_key="questions.id")
    session_id: int | None = Field(default=None, foreign_key="sessions.id")
    # m018: microseconds since 1970, UTC; ``rated_at``, its text, is a generated column (not listed)
    rated_us: int
    rating: int
    state_before: int
    answer: str = ""  # m015: deflated (a BLOB) when that is shorter; db/review_codec.py reads both
    duration_ms: int
    time_limit_ms: int | None = None  # None: untimed (--no-timer); overtime = duration beyond it
    coverage: str | None = None  # '1' or '0' per key point (m015; a JSON list of booleans before)
    suggested: int | None = None  # the rating mockprep suggested
    card_before: str | None = None  # the card before the rating, for undo (until m021: now on cards)
    grader: str | None = None  # the offline grader
    proposed: str | None = None  # JSON list: its verdict per key point (covered, partly, ...)
    checklist: str | None = None  # JSON list: the verdicts the person confirmed (NULL: not asked)
    cram: bool = False  # a cram drill's rating: recorded, but the card was left as it was
    params_id: int | None = Field(default=None, foreign_key="scheduler_params.id")  # NULL: FSRS 6 at 0.9
    code_runs: int | None = None  # a code answer: how many times it was run against the tests
    code_result: str | None = None  # JSON: its final run (passed, total, failed test names)
    # The same review on every device (m010); m015: its 16 bytes (a BLOB in this TEXT column); m022:
    # unique as imports check it, with no index (a review is looked up by its time, then its uid).
    uid: str | None = None
    origin: str | None = None  # NULL: rated on this device; else the device (or "import") it came from
    delivery: str | None = None  # JSON of a spoken answer's Delivery (NULL: typed)
    model: str | None = None  # the language model asked to grade the answer (NULL: none)
    model_proposed: str | None = None  # JSON list: the model's verdict per key point (pre-ticked)
    model_suggested: int | None = None  # its rating, within a step of its verdicts
    model_errors: str | None = None  # JSON list: the factual errors it named, one line each
    model_failure: str | None = None  # m029: why it gave no verdict (NULL: it gave one, or none asked)


class PlanRow(SQLModel, table=True):
    """An interview to prepare for: its local date and the questions it covers (rounds, role)."""

    __tablename__ = "plans"

    id: int | None = Field(default=None, primary_key=True)
    date: str  # YYYY-MM-DD, the interview's local day
    label: str = ""  # e.g. "onsite", "phone screen"
    role: str | None = None
    rounds: str = "[]"  # JSON list; empty: every round
    created_at: datetime
    uid: str | None = Field(default=None, unique=True)  # the same plan on every device (m035)
    origin: str | None = None  # NULL: set on this device; else the device (or "import") it came from


class SchedulerParamsRow(SQLModel, table=True):
    """One set of scheduler parameters some review was scheduled with (fsrs Scheduler.to_dict form)."""

    __tablename__ = "scheduler_params"

    id: int | None = Field(default=None, primary_key=True)
    parameters: str = Field(unique=True)  # canonical JSON
    created_at: datetime


class FittedParametersRow(SQLModel, table=True):
    """FSRS weights fitted to the person's log by `mockprep optimize`, with how well they fit."""

    __tablename__ = "fitted_parameters"

    id: int | None = Field(default=None, primary_key=True)
    fitted_at: datetime
    weights: str  # JSON list of the FSRS weights
    reviews: int  # reviews the fit and the losses were computed on
    log_loss_before: float
    log_loss_after: float
    rmse_before: float
    rmse_after: float
    adopted_at: datetime | None = None  # in use from then (NULL: declined)
    undone_at: datetime | None = None  # `optimize --undo`: no longer in use
    log_uid: str | None = None  # the latest review of the log it was fitted to (m033)


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
    uid: str | None = Field(default=None, unique=True)
    delivery: str | None = None  # JSON of a spoken answer's Delivery (NULL: typed)
    follow_up_model: str | None = None  # the model that wrote the follow-up (NULL: the bank's)
    code_runs: int | None = None  # a code answer: how many times it was run (m009)
    follow_up_ms: int | None = None  # how long the follow-up reply took (m030; NULL: none, or before)
    follow_up_limit_ms: int | None = None  # ... against this limit (NULL: no clock)


class StoryRow(SQLModel, table=True):
    __tablename__ = "stories"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime
    uid: str | None = Field(default=None, unique=True)


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
    uid: str | None = Field(default=None, unique=True)
    parent: str | None = None  # the uid of the version this one was edited from (two children: a conflict)


class StoryLinkRow(SQLModel, table=True):
    """A behavioral question (by key) that a story answers."""

    __tablename__ = "story_links"

    story_id: int = Field(primary_key=True, foreign_key="stories.id")
    question_key: str = Field(primary_key=True)
    linked_at: datetime
    uid: str | None = Field(default=None, unique=True)  # derived from the story's uid and the key


class StoryUnlinkRow(SQLModel, table=True):
    """A story link the person removed, and when: a sync removes it on the other devices too (m010)."""

    __tablename__ = "story_unlinks"

    story_id: int = Field(primary_key=True, foreign_key="stories.id")
    question_key: str = Field(primary_key=True)
    removed_at: datetime


class RehearsalRow(SQLModel, table=True):
    __tablename__ = "rehearsals"

    id: int | None = Field(default=None, primary_key=True)
    story_id: int = Field(foreign_key="stories.id")
    version: int
    rehearsed_at: datetime
    duration_ms: int
    target_ms: int
    uid: str | None = Field(default=None, unique=True)
    transcript: str | None = None  # what was said, when told with --voice or --audio
    delivery: str | None = None  # JSON of its Delivery


class BankSourceRow(SQLModel, table=True):
    """A user's own bank file or folder, registered with ``mockprep bank add``."""

    __tablename__ = "bank_sources"

    path: str = Field(primary_key=True)
    added_at: datetime


class BankFileStampRow(SQLModel, table=True):
    """A bank file as it looked when last read, and its hash (m024): a sync reads only changed files."""

    __tablename__ = "bank_file_stamps"

    source: str = Field(primary_key=True)
    size: int
    mtime_ns: int
    ctime_ns: int
    inode: int
    device: int
    content_hash: str
    seen_ns: int


class SyncDeviceRow(SQLModel, table=True):
    """This device, as the sync folder knows it (one row, made by the first folder sync)."""

    __tablename__ = "sync_device"

    id: str = Field(primary_key=True)  # the id in its event files' names
    name: str  # the host name, for people
    folder: str | None = None  # the folder `sync` uses when none is given
    after_session: bool = False  # sync after each session and mock
    recording: bool = False  # changes are recorded (sync_changes) for the next sync


class SyncChangeRow(SQLModel, table=True):
    """A change not yet written to the sync folder, recorded by triggers: a row (kind, row_id: a review,
    a session, a story) or a deletion (kind "deleted", the uid in ref)."""

    __tablename__ = "sync_changes"

    seq: int | None = Field(default=None, primary_key=True)
    kind: str
    row_id: int | None = None
    ref: str | None = None


class SyncDeletedRow(SQLModel, table=True):
    """A deleted row's uid (a tombstone): an undone review, a deleted story; never merged back."""

    __tablename__ = "sync_deleted"

    uid: str = Field(primary_key=True)
    kind: str


class SyncFileRow(SQLModel, table=True):
    """How far a file of the sync folder has been read (whole lines only)."""

    __tablename__ = "sync_files"

    name: str = Field(primary_key=True)
    offset: int
    tail: str  # the last bytes read, hex: a file replaced by another version is read again


class SyncPendingRow(SQLModel, table=True):
    """An event that refers to something not here yet (a session, a question); tried at each sync."""

    __tablename__ = "sync_pending"

    uid: str = Field(primary_key=True)
    line: str


class MigrationRow(SQLModel, table=True):
    __tablename__ = "migrations"

    name: str = Field(primary_key=True)
    applied_at: datetime


# The stats roll-up (m014, db/stats_rollup.py): sums of the review log kept in step by triggers.


class StatsZoneRow(SQLModel, table=True):
    """An offset from UTC the roll-up dated answers with, from ``since`` (the first from '')."""

    __tablename__ = "stats_zone"

    since: str = Field(primary_key=True)
    minutes: int


class StatsDayRow(SQLModel, table=True):
    """Answers of one local day, round and bank: count, time, those in sessions and their points."""

    __tablename__ = "stats_days"

    day: str = Field(primary_key=True)  # local, YYYY-MM-DD
    round: str = Field(primary_key=True)
    bank_id: str = Field(primary_key=True)
    answers: int
    answer_ms: int
    scored: int  # answers in sessions and mocks
    points: int  # their points


class StatsTopicDayRow(SQLModel, table=True):
    """Review-state answers outside cram of one local day, round, topic and bank: passed, lapses; and
    every answer outside cram, and those failed (the weakest topics)."""

    __tablename__ = "stats_topic_days"

    day: str = Field(primary_key=True)
    round: str = Field(primary_key=True)
    topic: str = Field(primary_key=True)
    bank_id: str = Field(primary_key=True)
    reviewed: int
    passed: int
    lapses: int
    answered: int  # every answer outside cram (m027)
    failed: int  # those rated again


class StatsTopicMonthRow(SQLModel, table=True):
    """The same per local month (YYYY-MM)."""

    __tablename__ = "stats_topic_months"

    month: str = Field(primary_key=True)
    round: str = Field(primary_key=True)
    topic: str = Field(primary_key=True)
    bank_id: str = Field(primary_key=True)
    reviewed: int
    passed: int
    lapses: int
    answered: int  # every answer outside cram (m027)
    failed: int  # those rated again


class StatsTimeRow(SQLModel, table=True):
    """Answers of one round and bank that took ``second`` whole seconds, and their time (medians)."""

    __tablename__ = "stats_times"

    round: str = Field(primary_key=True)
    bank_id: str = Field(primary_key=True)
    second: int = Field(primary_key=True)
    answers: int
    answer_ms: int
