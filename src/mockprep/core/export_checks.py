"""What an import accepts: every record of an export file, checked before it is written.

Pure: the checks take parsed JSON values and raise :class:`RecordProblem`, one line naming the record
and the field as a jq path (``questions[12].reviews[3].rating: must be 1-4 (got 7)``). They cover what
the database would refuse (a wrong type, a duplicate id, an unknown session or bank) and what it would
take but a later `session`, `history` or `stats` could not use (a rating of 7, a card the scheduler
cannot review, a question its bank format refuses, a time that is not a time).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fsrs import Card, State
from pydantic import ValidationError

from mockprep.core.banks import QuestionSpec
from mockprep.core.kinds import KINDS
from mockprep.core.rounds import ROUND_ORDER
from mockprep.core.scheduler import make_scheduler, preview_intervals

MAX_INT = 2**63 - 1  # SQLite's largest integer
FIRST_YEAR, LAST_YEAR = 1970, 2999
STORY_PARTS = ("situation", "task", "action", "result", "reflection")

Check = Callable[[Any], str | None]  # None when the value is fine, else what is wrong with it
Fields = dict[str, tuple[Check, bool]]  # field -> (check, required)


class RecordProblem(ValueError):
    """A record that cannot be imported; ``str()`` is one line: ``where: what is wrong``."""

    def __init__(self, where: str, message: str):
        super().__init__(f"{where}: {message}")
        self.where = where


def _got(value: Any) -> str:
    text = "null" if value is None else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def whole(low: int, high: int = MAX_INT) -> Check:
    expected = f"a whole number from {low}" if high == MAX_INT else f"{low}-{high}"

    def check(value: Any) -> str | None:
        if type(value) is int and low <= value <= high:
            return None
        return f"must be {expected} (got {_got(value)})"

    return check


def number(low: float, high: float = math.inf) -> Check:
    def check(value: Any) -> str | None:
        if type(value) in (int, float) and math.isfinite(value) and low <= value <= high:
            return None
        bounds = f"at least {low:g}" if high == math.inf else f"from {low:g} to {high:g}"
        return f"must be a number {bounds} (got {_got(value)})"

    return check


def text(value: Any) -> str | None:
    if type(value) is not str:
        return f"must be text (got {_got(value)})"
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "must be valid Unicode text (it holds a lone surrogate escape)"
    return None


def filled(value: Any) -> str | None:
    return text(value) or (None if value.strip() else "must not be empty")


def one_of(*allowed: str) -> Check:
    def check(value: Any) -> str | None:
        return None if value in allowed and type(value) is str else f"must be one of {', '.join(allowed)}"

    return check


def boolean(value: Any) -> str | None:
    return None if type(value) is bool else f"must be true or false (got {_got(value)})"


def texts(value: Any) -> str | None:
    if type(value) is not list:
        return f"must be a list of text (got {_got(value)})"
    for item in value:
        if text(item):
            return f"must be a list of text (holds {_got(item)})"
    return None


def booleans(value: Any) -> str | None:
    if type(value) is list and all(type(item) is bool for item in value):
        return None
    return f"must be a list of true/false (got {_got(value)})"


VERDICTS = frozenset({"covered", "partly", "missing", "contradicted"})


def verdicts(value: Any) -> str | None:
    if type(value) is list and all(type(item) is str and item in VERDICTS for item in value):
        return None
    return f"must be a list of covered/partly/missing/contradicted (got {_got(value)})"


def time(value: Any) -> str | None:
    expected = "an ISO 8601 time with its zone, e.g. 2026-03-02T09:00:00+00:00"
    if type(value) is not str:
        return f"must be {expected} (got {_got(value)})"
    try:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            return f"must be {expected}, with its zone (got {_got(value)})"
        year = moment.astimezone(UTC).year
    except (ValueError, OverflowError):
        return f"must be {expected} (got {_got(value)})"
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return f"must be a time between {FIRST_YEAR} and {LAST_YEAR} (got {_got(value)})"
    return None


def optional(check: Check) -> Check:
    def maybe(value: Any) -> str | None:
        return None if value is None else check(value)

    return maybe


def filters(value: Any) -> str | None:
    if type(value) is dict and all(type(k) is str and not texts(v) for k, v in value.items()):
        return None
    return f'must be an object of lists of text, e.g. {{"rounds": ["technical"]}} (got {_got(value)})'


def listing(value: Any) -> str | None:
    return None if type(value) is list else f"must be a list (got {_got(value)})"


def mapping(value: Any) -> str | None:
    return None if type(value) is dict else f"must be an object (got {_got(value)})"


ID = whole(1)
COUNT = whole(0)
ROUND = one_of(*ROUND_ORDER)

BANK: Fields = {
    "id": (filled, True),
    "title": (text, True),
    "round": (ROUND, True),
    "description": (text, True),
    "roles": (texts, True),
    "source": (text, True),
    "builtin": (boolean, True),
    "content_hash": (text, True),
    "removed": (boolean, True),
    "synced_at": (time, True),
}
SOURCE: Fields = {"path": (filled, True), "added_at": (time, True)}
SESSION: Fields = {
    "id": (ID, True),
    "kind": (filled, True),
    "started_at": (time, True),
    "ended_at": (optional(time), True),
    "status": (filled, True),
    "filters": (filters, True),
    "round": (optional(ROUND), False),
    "minutes": (optional(number(0)), False),
}
MOCK_ANSWER: Fields = {
    "id": (ID, True),
    "session": (ID, True),
    "key": (filled, True),
    "position": (COUNT, True),
    "answered_at": (time, True),
    "answer": (text, True),
    "follow_up": (optional(text), False),
    "follow_up_answer": (optional(text), False),
    "duration_ms": (COUNT, True),
    "time_limit_ms": (optional(COUNT), False),
    "coverage": (optional(booleans), False),
    "review": (optional(ID), False),
    "follow_up_model": (optional(filled), False),
}
STORY: Fields = {
    "id": (ID, True),
    "created_at": (time, True),
    "versions": (listing, True),
    "links": (texts, False),
    "rehearsals": (listing, False),
}
VERSION: Fields = {
    "version": (ID, True),
    "saved_at": (time, True),
    "title": (text, True),
    "competencies": (texts, False),
    **{part: (text, False) for part in STORY_PARTS},
}
REHEARSAL: Fields = {
    "version": (ID, True),
    "rehearsed_at": (time, True),
    "duration_ms": (COUNT, True),
    "target_ms": (COUNT, True),
}
QUESTION: Fields = {
    "key": (filled, True),
    "bank": (filled, True),
    "round": (ROUND, True),
    "topic": (text, True),
    "difficulty": (whole(1, 3), True),
    "kind": (one_of(*KINDS), True),
    "roles": (texts, True),
    "competencies": (texts, True),
    "question": (mapping, True),
    "added_at": (time, True),
    "retired_at": (optional(time), False),
    "card": (mapping, True),
    "reviews": (listing, True),
}
CARD: Fields = {
    "card_id": (ID, True),
    "state": (whole(1, 3), True),
    "step": (optional(COUNT), True),
    "stability": (optional(number(0.001)), True),
    "difficulty": (optional(number(1, 10)), True),
    "due": (time, True),
    "last_review": (optional(time), True),
}
REVIEW: Fields = {
    "id": (ID, True),
    "rated_at": (time, True),
    "rating": (whole(1, 4), True),
    "state_before": (whole(0, 3), True),
    "duration_ms": (COUNT, True),
    "session": (optional(ID), False),
    "answer": (text, False),
    "time_limit_ms": (optional(COUNT), False),
    "coverage": (optional(booleans), False),
    "suggested": (optional(whole(1, 4)), False),
    "grader": (optional(text), False),
    "proposed": (optional(verdicts), False),
    "checklist": (optional(verdicts), False),
    "model": (optional(filled), False),
    "model_proposed": (optional(verdicts), False),
    "model_suggested": (optional(whole(1, 4)), False),
    "model_errors": (optional(texts), False),
}


_BOOL = {bool}
_GRADING_FIELDS = (
    "grader",
    "proposed",
    "checklist",
    "model",
    "model_proposed",
    "model_suggested",
    "model_errors",
)


def _plain_review(r: Any, sessions: set[int]) -> bool:
    """True for a review that :data:`REVIEW` accepts and whose session is known: the same rules as
    :func:`check_fields` inlined, since an export holds a million reviews."""
    if type(r) is not dict:
        return False
    rid, rating, state, duration = r.get("id"), r.get("rating"), r.get("state_before"), r.get("duration_ms")
    if not (
        type(rid) is int
        and 1 <= rid <= MAX_INT
        and type(rating) is int
        and 1 <= rating <= 4
        and type(state) is int
        and 0 <= state <= 3
        and type(duration) is int
        and 0 <= duration <= MAX_INT
    ):
        return False
    session, limit, suggested = r.get("session"), r.get("time_limit_ms"), r.get("suggested")
    if session is not None and not (type(session) is int and session in sessions):
        return False
    if limit is not None and not (type(limit) is int and 0 <= limit <= MAX_INT):
        return False
    if suggested is not None and not (type(suggested) is int and 1 <= suggested <= 4):
        return False
    coverage = r.get("coverage")
    if coverage is not None and not (type(coverage) is list and set(map(type, coverage)) <= _BOOL):
        return False
    if any(r.get(f) is not None for f in _GRADING_FIELDS):
        return False  # checked field by field
    answer = r.get("answer", "")
    return (type(answer) is str and answer.isascii() or text(answer) is None) and _plain_time(
        r.get("rated_at")
    )


def _plain_time(value: Any) -> bool:
    """:func:`time` for the form exports write (``2026-03-02T09:00:00.123456+00:00``), quicker."""
    if type(value) is str and len(value) == 32 and value.endswith("+00:00"):
        try:
            datetime.fromisoformat(value)
        except ValueError:
            return False
        return FIRST_YEAR <= int(value[:4]) <= LAST_YEAR
    return time(value) is None


def check_fields(record: Any, fields: Fields, where: str) -> None:
    """Raise RecordProblem for the first field of ``record`` that is missing or wrong."""
    if type(record) is not dict:
        raise RecordProblem(where, f"must be an object (got {_got(record)})")
    for name, (check, required) in fields.items():
        if name not in record:
            if required:
                raise RecordProblem(f"{where}.{name}", "missing")
            continue
        problem = check(record[name])
        if problem is not None:
            raise RecordProblem(f"{where}.{name}", problem)


def _unique(seen: set[Any], value: Any, where: str, what: str) -> None:
    if value in seen:
        raise RecordProblem(where, f"{what} {_got(value)} is used twice")
    seen.add(value)


class ExportChecker:
    """Checks the records of one export in the order an import writes them, remembering the ids that
    later records refer to (banks, sessions, question keys)."""

    def __init__(self, now: datetime):
        self.now = now.astimezone(UTC)
        self.scheduler = make_scheduler(0.9)
        self.banks: set[str] = set()
        self.sessions: set[int] = set()
        self.keys: set[str] = set()
        self.card_ids: set[int] = set()

    def check_head(self, doc: dict[str, Any]) -> None:
        """The small sections: banks, bank sources, sessions, stories, and the mock answers' own fields
        (what they refer to is checked by :meth:`check_mock_answers`, after the questions)."""
        for section, required in (
            ("banks", True),
            ("bank_sources", True),
            ("sessions", True),
            ("mock_answers", False),
            ("stories", False),
        ):
            if section not in doc:
                if required:
                    raise RecordProblem(section, "missing")
                continue
            problem = listing(doc[section])
            if problem:
                raise RecordProblem(section, problem)
        paths: set[str] = set()
        for index, bank in enumerate(doc["banks"]):
            check_fields(bank, BANK, f"banks[{index}]")
            _unique(self.banks, bank["id"], f"banks[{index}].id", "bank id")
        for index, source in enumerate(doc["bank_sources"]):
            check_fields(source, SOURCE, f"bank_sources[{index}]")
            _unique(paths, source["path"], f"bank_sources[{index}].path", "path")
        for index, session in enumerate(doc["sessions"]):
            check_fields(session, SESSION, f"sessions[{index}]")
            _unique(self.sessions, session["id"], f"sessions[{index}].id", "session id")
        for index, answer in enumerate(doc.get("mock_answers", [])):
            check_fields(answer, MOCK_ANSWER, f"mock_answers[{index}]")
        story_ids: set[int] = set()
        for index, story in enumerate(doc.get("stories", [])):
            self._check_story(story, f"stories[{index}]")
            _unique(story_ids, story["id"], f"stories[{index}].id", "story id")

    def _check_story(self, story: Any, where: str) -> None:
        check_fields(story, STORY, where)
        if not story["versions"]:
            raise RecordProblem(f"{where}.versions", "must hold at least one version")
        versions: set[int] = set()
        for index, version in enumerate(story["versions"]):
            check_fields(version, VERSION, f"{where}.versions[{index}]")
            _unique(versions, version["version"], f"{where}.versions[{index}].version", "version")
        links: set[str] = set()
        for index, key in enumerate(story.get("links", [])):
            _unique(links, key, f"{where}.links[{index}]", "link")
        for index, rehearsal in enumerate(story.get("rehearsals", [])):
            check_fields(rehearsal, REHEARSAL, f"{where}.rehearsals[{index}]")
            if rehearsal["version"] not in versions:
                raise RecordProblem(
                    f"{where}.rehearsals[{index}].version", f"the story has no version {rehearsal['version']}"
                )

    def check_question(self, question: Any, index: int) -> Card:
        """One question with its card and reviews; returns its card."""
        where = f"questions[{index}]"
        check_fields(question, QUESTION, where)
        if question["bank"] not in self.banks:
            raise RecordProblem(f"{where}.bank", f"no bank {_got(question['bank'])} in banks")
        _unique(self.keys, question["key"], f"{where}.key", "key")
        self._check_spec(question, where)
        card = self._check_card(question["card"], f"{where}.card")
        sessions = self.sessions
        for number_, review in enumerate(question["reviews"]):
            if not _plain_review(review, sessions):  # the fast test; the full one says what is wrong
                at = f"{where}.reviews[{number_}]"
                check_fields(review, REVIEW, at)
                session = review.get("session")
                if session is not None and not (type(session) is int and session in sessions):
                    raise RecordProblem(f"{at}.session", f"no session {session} in sessions")
        return card

    def _check_spec(self, question: dict[str, Any], where: str) -> None:
        try:
            spec = QuestionSpec.model_validate(question["question"], strict=False)
        except ValidationError as exc:
            error = exc.errors(include_url=False)[0]
            field = ".".join(str(part) for part in error["loc"])
            raise RecordProblem(
                f"{where}.question" + (f".{field}" if field else ""),
                error["msg"].removeprefix("Value error, "),
            ) from None
        expected = f"{question['bank']}/{spec.id}"
        if question["key"] != expected:
            raise RecordProblem(f"{where}.key", f"must be BANK/QUESTION-ID, here {expected!r}")

    def _check_card(self, raw: dict[str, Any], where: str) -> Card:
        check_fields(raw, CARD, where)
        _unique(self.card_ids, raw["card_id"], f"{where}.card_id", "card id")
        state = State(raw["state"])
        if state in (State.Learning, State.Relearning) and raw["step"] is None:
            raise RecordProblem(f"{where}.step", f"must be a whole number in state {state.value}")
        if state in (State.Review, State.Relearning) and None in (raw["stability"], raw["difficulty"]):
            raise RecordProblem(where, f"a card in state {state.value} needs its stability and difficulty")
        card = Card.from_dict(raw)  # type: ignore[arg-type]
        try:
            preview_intervals(self.scheduler, card, self.now)  # what the next session will do with it
        except (ArithmeticError, AssertionError, TypeError, ValueError) as exc:
            raise RecordProblem(where, f"cannot be scheduled ({exc or type(exc).__name__})") from None
        return card

    def check_mock_answers(self, doc: dict[str, Any]) -> None:
        """What the mock answers refer to: their session and question (after the questions)."""
        for index, answer in enumerate(doc.get("mock_answers", [])):
            if answer["session"] not in self.sessions:
                raise RecordProblem(
                    f"mock_answers[{index}].session", f"no session {answer['session']} in sessions"
                )
            if answer["key"] not in self.keys:
                raise RecordProblem(
                    f"mock_answers[{index}].key", f"no question {_got(answer['key'])} in questions"
                )
