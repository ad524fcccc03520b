"""Plain values the database layer hands out and takes in: typed, with aware UTC datetimes.

They live in the core so that the practice pipeline and the terminal can use them without importing
the database layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fsrs import Card

    from mockprep.core.delivery import Delivery
    from mockprep.core.renames import Arrival, Gone, Rename, Reworded, SetAside
    from mockprep.core.stories import StoryDraft


@dataclass(frozen=True)
class BankInfo:
    id: str
    title: str
    round: str
    description: str
    roles: tuple[str, ...]
    source: str
    builtin: bool
    removed: bool


@dataclass(frozen=True)
class BankSummary:
    id: str
    title: str
    round: str
    source: str
    builtin: bool
    removed: bool
    questions: int
    new: int
    due_today: int
    topics: dict[str, int]


@dataclass(frozen=True)
class SyncResult:
    """What syncing one bank file changed."""

    bank_id: str
    added: int
    updated: int
    retired: int
    restored: int = 0  # retired questions that are back in the file
    moved_to: str | None = None  # the file it is read from now, when that changed
    edited: tuple[str, ...] = ()  # the bank's own fields that changed (title, round, roles, ...)
    # The questions retired (not counting those renamed) and added (ditto), and those renamed: a
    # retired question and an added one with the same prompt (core/renames.py), in this bank or another.
    gone: tuple[Gone, ...] = ()
    arrived: tuple[Arrival, ...] = ()
    renamed: tuple[Rename, ...] = ()
    # Updated questions whose prompt changed (not counting those whose history moved: a swap, a chain).
    reworded: tuple[Reworded, ...] = ()
    # Retired questions whose id the file gave to another prompt: kept apart (their ids counted as added).
    set_aside: tuple[SetAside, ...] = ()
    # Choice questions with reviews whose options or correct letter changed: (key, reviews). Their past
    # answers were to the old options.
    rechoiced: tuple[tuple[str, int], ...] = ()
    # Code questions new or changed in this sync (their keys): their solutions are run once, after it.
    code_changed: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(
            self.added or self.updated or self.retired or self.restored or self.moved_to or self.edited
        ) or bool(self.renamed)

    def counted(self) -> list[str]:
        """What changed, counted: "2 added", "1 renamed" (the counts that are not 0, in this order)."""
        counts = (
            (self.added, "added"),
            (self.restored, "restored"),
            (self.updated, "updated"),
            (len(self.renamed), "renamed"),
            (self.retired, "retired"),
        )
        return [f"{n} {what}" for n, what in counts if n]


@dataclass(frozen=True)
class ReviewRecord:
    """One rating to store, with the card it produced."""

    question_id: int
    session_id: int | None
    card: Card  # the card after the review
    rated_at: datetime
    rating: int
    state_before: int
    answer: str
    duration_ms: int
    time_limit_ms: int | None = None
    coverage: list[bool] | None = None
    suggested: int | None = None
    mock_answer_id: int | None = None
    grader: str | None = None  # the offline grader
    proposed: list[str] | None = None  # its verdict per key point
    checklist: list[str] | None = None  # the verdicts the person confirmed (None: not asked)
    cram: bool = False  # a cram drill's rating: recorded, but the card is left as it was
    params_id: int | None = None  # the scheduler parameters it was scheduled with (store.scheduling)
    code_runs: int | None = None  # a code answer: how many times it was run against the tests
    code_result: dict[str, Any] | None = None  # its final run (CodeResult.to_dict())
    delivery: Delivery | None = None  # how a spoken answer was delivered (its transcript is the answer)
    # a language model asked to grade the answer: its verdict, when it made one (it then pre-ticked the
    # checklist), or why it gave none
    model: str | None = None  # the model's id
    model_proposed: list[str] | None = None  # its verdict per key point
    model_suggested: int | None = None  # its rating, kept within a step of its verdicts
    model_errors: list[str] | None = None  # the factual errors it named, one line each
    model_failure: str | None = None  # why it gave no verdict ("it did not answer within 30s")


@dataclass(frozen=True)
class MockAnswerRecord:
    """A mock answer to store the moment it is given (it is rated after the round)."""

    session_id: int
    question_id: int
    position: int
    answered_at: datetime
    answer: str
    duration_ms: int
    time_limit_ms: int | None
    coverage: list[bool] | None
    follow_up: str | None = None
    delivery: Delivery | None = None  # a spoken answer's delivery
    follow_up_model: str | None = None  # the model that wrote the follow-up (None: the bank's)
    code_runs: int | None = None  # a code answer: how many times it was run against the tests


@dataclass(frozen=True)
class StoredMockAnswer:
    """A mock answer as stored, with its rating once it has one (after the round, or later)."""

    id: int
    answer: MockAnswerRecord
    follow_up_answer: str | None
    rating: int | None
    follow_up_ms: int | None = None  # how long the reply to the follow-up took (None: none, or before m030)
    follow_up_limit_ms: int | None = None  # ... against this limit (None: no clock)
    # a rated answer's key points as its rating rests on them: the checklist the person confirmed, else
    # the coverage stored with the review (a model's, when one graded); None while unrated
    covered: list[bool] | None = None


@dataclass(frozen=True)
class SessionInfo:
    id: int
    kind: str  # drill | mock
    round: str | None
    started_at: datetime
    ended_at: datetime | None
    status: str  # running | completed | ended_early | interrupted (see mockprep.db.sessions)
    filters: dict[str, Any] = field(default_factory=dict)
    minutes: float | None = None


@dataclass(frozen=True)
class HistoryEntry:
    """A session or mock in the history list, with its figures."""

    session: SessionInfo
    answered: int  # reviews of a session; answers (rated or not) of a mock
    score: int | None
    overtime: int
    answer_ms: int
    unrated: int = 0  # a mock's answers not rated yet (`mockprep mock --rate ID` rates them)


@dataclass(frozen=True)
class SessionAnswer:
    """What was asked in one session: a review, or a mock answer (rated or not)."""

    position: int
    key: str
    topic: str
    answer: str
    duration_ms: int
    time_limit_ms: int | None
    coverage: list[bool] | None  # the key points confirmed covered (else as the grader proposed)
    rating: int | None
    rated_at: datetime | None
    follow_up: str | None = None
    follow_up_answer: str | None = None
    delivery: Delivery | None = None  # a spoken answer's delivery
    suggested: int | None = None  # the rating mockprep proposed (from the confirmed checklist and time)
    model: str | None = None  # a language model asked to grade it too
    model_suggested: int | None = None  # its rating, within a step of its verdicts
    model_errors: list[str] | None = None  # the factual errors it named
    model_failure: str | None = None  # why it gave no verdict
    follow_up_ms: int | None = None  # a mock's: how long the reply to the follow-up took (m030)
    follow_up_limit_ms: int | None = None  # ... against this limit (None: no clock)

    @property
    def overtime(self) -> bool:
        """The answer ran past its limit (what its points lose 10 for)."""
        return ms_over(self.duration_ms, self.time_limit_ms)

    @property
    def follow_up_overtime(self) -> bool:
        """A mock's reply to its follow-up ran past the follow-up's limit (over time too, as the answer's
        points are not: its rating is the answer's)."""
        return ms_over(self.follow_up_ms, self.follow_up_limit_ms)


def ms_over(duration_ms: int | None, limit_ms: int | None) -> bool:
    """Whether a duration ran past its limit (either unknown: it did not)."""
    return duration_ms is not None and limit_ms is not None and duration_ms > limit_ms


@dataclass(frozen=True)
class StoryVersion:
    story_id: int
    version: int
    saved_at: datetime
    draft: StoryDraft
    uid: str | None = None  # the same version on every device
    parent: str | None = None  # the uid of the version it was edited from


@dataclass(frozen=True)
class StoryListing:
    """A story's latest version with what the list shows about it."""

    latest: StoryVersion
    created_at: datetime
    rehearsals: int
    links: int


@dataclass(frozen=True)
class StoryOption:
    """A story offered as a reminder after a behavioral question."""

    story_id: int
    title: str
    linked: bool
    shared_competencies: tuple[str, ...]


@dataclass(frozen=True)
class Rehearsal:
    version: int
    rehearsed_at: datetime
    duration_ms: int
    target_ms: int
    uid: str | None = None
    transcript: str | None = None  # a telling recorded with --voice / --audio
    delivery: Delivery | None = None
