"""What an import accepts: every record of an export file, checked before it is written.

Pure: the checks take parsed JSON values and raise :class:`RecordProblem`, one line naming the record
and the field as a jq path (``questions[12].reviews[3].rating: must be 1-4 (got 7)``). They cover what
the database would refuse (a wrong type, a duplicate id, an unknown session or bank) and what it would
take but a later `session`, `history` or `stats` could not use (a rating of 7, a card the scheduler
cannot review, a question its bank format refuses, a time that is not a time).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fsrs import Card, State
from pydantic import ValidationError

from mockprep.core.banks import parse_question
from mockprep.core.code_results import code_result_problem
from mockprep.core.field_checks import (
    COUNT,
    ID,
    ROUND,
    STORY_PARTS,
    Fields,
    RecordProblem,
    boolean,
    booleans,
    delivery,
    filled,
    filters,
    got,
    listing,
    mapping,
    number,
    one_of,
    optional,
    text,
    texts,
    time,
    uid,
    verdicts,
    whole,
)
from mockprep.core.kinds import KINDS
from mockprep.core.plain_reviews import plain_review
from mockprep.core.scheduler import SchedulerParams, make_scheduler, preview_intervals, weights_problem

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
# A key a question had before its id was renamed, and the question's key now (what it refers to is
# checked once the questions are in: bulk_import's _aliases).
ALIAS: Fields = {"key": (filled, True), "question": (filled, True)}
SESSION: Fields = {
    "id": (ID, True),
    "kind": (filled, True),
    "started_at": (time, True),
    "ended_at": (optional(time), True),
    "status": (filled, True),
    "filters": (filters, True),
    "round": (optional(ROUND), False),
    "minutes": (optional(number(0)), False),
    "uid": (uid, False),
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
    "uid": (uid, False),
    "delivery": (optional(delivery), False),
    "follow_up_model": (optional(filled), False),
    "code_runs": (optional(whole(1, 10_000)), False),
    "follow_up_ms": (optional(COUNT), False),  # how long the follow-up's reply took (m030)
    "follow_up_limit_ms": (optional(COUNT), False),
}
STORY: Fields = {
    "id": (ID, True),
    "created_at": (time, True),
    "versions": (listing, True),
    "links": (texts, False),
    # when each link was made, and the links removed with when (a merge takes the later change of each)
    "linked_at": (mapping, False),
    "unlinked": (mapping, False),
    "rehearsals": (listing, False),
    "uid": (uid, False),
}
VERSION: Fields = {
    "version": (ID, True),
    "saved_at": (time, True),
    "title": (text, True),
    "competencies": (texts, False),
    **{part: (text, False) for part in STORY_PARTS},
    "uid": (uid, False),
    "parent": (optional(uid), False),
}
REHEARSAL: Fields = {
    "version": (ID, True),
    "rehearsed_at": (time, True),
    "duration_ms": (COUNT, True),
    "target_ms": (COUNT, True),
    "uid": (uid, False),
    "transcript": (optional(text), False),
    "delivery": (optional(delivery), False),
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
    "marks": (mapping, False),
    "reviews": (listing, True),
}
MARKS: Fields = {
    "suspended_at": (optional(time), True),
    "suspended_by": (optional(one_of("you", "leech")), True),
    "buried_until": (optional(time), True),
    "flagged_at": (optional(time), True),
    "changed": (mapping, False),  # when each mark last changed, on the device that changed it
}
# The stamps of ``marks.changed``, as the database keeps them (compared as text by a merge).
MARK_STAMPS: Fields = {mark: (text, False) for mark in ("suspended", "buried", "flagged")}
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
    "cram": (optional(boolean), False),
    "params": (optional(ID), False),
    "code_runs": (optional(whole(1, 10_000)), False),
    "code_result": (optional(code_result_problem), False),
    "uid": (uid, False),
    "delivery": (optional(delivery), False),
    "model": (optional(filled), False),
    "model_proposed": (optional(verdicts), False),
    "model_suggested": (optional(whole(1, 4)), False),
    "model_errors": (optional(texts), False),
    "model_failure": (optional(filled), False),
}


PARAMS: Fields = {"id": (ID, True), "parameters": (mapping, True), "created_at": (time, True)}
PLAN: Fields = {
    "id": (ID, True),
    "uid": (uid, False),
    "date": (filled, True),
    "label": (text, True),
    "role": (optional(text), True),
    "rounds": (texts, True),
    "created_at": (time, True),
}


def fsrs_weights(value: Any) -> str | None:
    """A list of weights py-fsrs takes: a fit outside its bounds, once adopted, fails every rating."""
    return listing(value) or weights_problem(value)


FIT: Fields = {
    "id": (ID, True),
    "fitted_at": (time, True),
    "weights": (fsrs_weights, True),
    "reviews": (COUNT, True),
    **{f"{name}_{when}": (number(0), True) for name in ("log_loss", "rmse") for when in ("before", "after")},
    "adopted_at": (optional(time), True),
    "undone_at": (optional(time), True),
    "log_uid": (optional(uid), False),
}


def check_fields(record: Any, fields: Fields, where: str) -> None:
    """Raise RecordProblem for the first field of ``record`` that is missing or wrong."""
    if type(record) is not dict:
        raise RecordProblem(where, f"must be an object (got {got(record)})")
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
        raise RecordProblem(where, f"{what} {got(value)} is used twice")
    seen.add(value)


class ExportChecker:
    """Checks the records of one export in the order an import writes them, remembering the ids that
    later records refer to (banks, sessions, question keys)."""

    def __init__(self, now: datetime):
        self.now = now.astimezone(UTC)
        self.scheduler = make_scheduler(0.9)
        self.banks: set[str] = set()
        self.sessions: set[int] = set()
        self.params: set[int] = set()  # ids of the scheduler parameter sets
        self.keys: set[str] = set()
        self.card_ids: set[int] = set()
        self.uids: set[str] = set()  # of every record but the reviews (the database names a repeated one)
        # The last question's reviews as plain_review gives them, or None when one of them is not plain.
        self.plain: list[tuple[Any, ...]] | None = []

    def context(self) -> tuple[datetime, set[str], set[int], set[int]]:
        """What checking a question needs of the head (for a checker in another process)."""
        return self.now, self.banks, self.sessions, self.params

    @classmethod
    def for_questions(cls, context: tuple[datetime, set[str], set[int], set[int]]) -> ExportChecker:
        """A checker of questions alone, from another checker's :meth:`context`; it knows no other
        question, so :meth:`claim` is left to the first."""
        checker = cls(context[0])
        checker.banks, checker.sessions, checker.params = context[1], context[2], context[3]
        return checker

    def claim(self, question: dict[str, Any], card_id: int, index: int) -> None:
        """For a question that passed :meth:`check_question` in a checker without the others: its key
        and card id, checked against the others' in check_question's order."""
        where = f"questions[{index}]"
        _unique(self.keys, question["key"], f"{where}.key", "key")
        _unique(self.card_ids, card_id, f"{where}.card.card_id", "card id")

    def check_head(self, doc: dict[str, Any]) -> None:
        """The small sections: banks, bank sources, sessions, stories, and the mock answers' own fields
        (what they refer to is checked by :meth:`check_mock_answers`, after the questions)."""
        for section, required in (
            ("banks", True),
            ("bank_sources", True),
            ("sessions", True),
            ("mock_answers", False),
            ("stories", False),
            ("question_aliases", False),
        ):
            if section not in doc:
                if required:
                    raise RecordProblem(section, "missing")
                continue
            problem = listing(doc[section])
            if problem:
                raise RecordProblem(section, problem)
        self._check_scheduling(doc)
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
            self._unique_uid(session, f"sessions[{index}]")
        for index, answer in enumerate(doc.get("mock_answers", [])):
            check_fields(answer, MOCK_ANSWER, f"mock_answers[{index}]")
            self._unique_uid(answer, f"mock_answers[{index}]")
        aliases: set[str] = set()
        for index, alias in enumerate(doc.get("question_aliases", [])):
            check_fields(alias, ALIAS, f"question_aliases[{index}]")
            _unique(aliases, alias["key"], f"question_aliases[{index}].key", "key")
        story_ids: set[int] = set()
        for index, story in enumerate(doc.get("stories", [])):
            self._check_story(story, f"stories[{index}]")
            _unique(story_ids, story["id"], f"stories[{index}].id", "story id")

    def _unique_uid(self, record: dict[str, Any], where: str) -> None:
        if "uid" in record:
            _unique(self.uids, record["uid"], f"{where}.uid", "id")

    def _check_story(self, story: Any, where: str) -> None:
        check_fields(story, STORY, where)
        self._unique_uid(story, where)
        if not story["versions"]:
            raise RecordProblem(f"{where}.versions", "must hold at least one version")
        versions: set[int] = set()
        for index, version in enumerate(story["versions"]):
            check_fields(version, VERSION, f"{where}.versions[{index}]")
            _unique(versions, version["version"], f"{where}.versions[{index}].version", "version")
            self._unique_uid(version, f"{where}.versions[{index}]")
        links: set[str] = set()
        for index, key in enumerate(story.get("links", [])):
            _unique(links, key, f"{where}.links[{index}]", "link")
        for field, linked, wrong in (
            ("linked_at", True, "not one of the story's links"),
            ("unlinked", False, "also one of the story's links"),
        ):
            for key, at in story.get(field, {}).items():
                problem = time(at) or (None if (key in links) == linked else wrong)
                if problem:
                    raise RecordProblem(f"{where}.{field}.{key}", problem)
        for index, rehearsal in enumerate(story.get("rehearsals", [])):
            check_fields(rehearsal, REHEARSAL, f"{where}.rehearsals[{index}]")
            self._unique_uid(rehearsal, f"{where}.rehearsals[{index}]")
            if rehearsal["version"] not in versions:
                raise RecordProblem(
                    f"{where}.rehearsals[{index}].version", f"the story has no version {rehearsal['version']}"
                )

    def _check_scheduling(self, doc: dict[str, Any]) -> None:
        """The scheduler parameter sets reviews refer to, the plans and the fitted weights (m008)."""
        for section in ("scheduler_params", "plans", "fitted_parameters"):
            problem = listing(doc.get(section, []))
            if problem:
                raise RecordProblem(section, problem)
        for index, raw in enumerate(doc.get("scheduler_params", [])):
            where = f"scheduler_params[{index}]"
            check_fields(raw, PARAMS, where)
            try:
                SchedulerParams.from_dict(raw["parameters"])
            except ValueError as exc:
                raise RecordProblem(f"{where}.parameters", str(exc)) from None
            _unique(self.params, raw["id"], f"{where}.id", "parameter set id")
        for index, raw in enumerate(doc.get("plans", [])):
            check_fields(raw, PLAN, f"plans[{index}]")
        for index, raw in enumerate(doc.get("fitted_parameters", [])):
            check_fields(raw, FIT, f"fitted_parameters[{index}]")

    def check_question(self, question: Any, index: int) -> Card:
        """One question with its card and reviews; returns its card."""
        where = f"questions[{index}]"
        check_fields(question, QUESTION, where)
        if question["bank"] not in self.banks:
            raise RecordProblem(f"{where}.bank", f"no bank {got(question['bank'])} in banks")
        _unique(self.keys, question["key"], f"{where}.key", "key")
        self._check_spec(question, where)
        card = self._check_card(question["card"], f"{where}.card")
        if "marks" in question:
            check_fields(question["marks"], MARKS, f"{where}.marks")
            check_fields(question["marks"].get("changed", {}), MARK_STAMPS, f"{where}.marks.changed")
        sessions, params_known = self.sessions, self.params
        plain: list[tuple[Any, ...]] | None = []
        for number_, review in enumerate(question["reviews"]):
            values = plain_review(review, sessions, params_known)  # the fast test; the full one says what
            if values is not None:
                if plain is not None:
                    plain.append(values)
            else:
                plain = None
                at = f"{where}.reviews[{number_}]"
                check_fields(review, REVIEW, at)
                params = review.get("params")
                if params is not None and params not in self.params:
                    raise RecordProblem(f"{at}.params", f"no set {params} in scheduler_params")
                session = review.get("session")
                if session is not None and not (type(session) is int and session in sessions):
                    raise RecordProblem(f"{at}.session", f"no session {session} in sessions")
        self.plain = plain
        return card

    def _check_spec(self, question: dict[str, Any], where: str) -> None:
        try:
            spec = parse_question(question["question"], strict=False)
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
                    f"mock_answers[{index}].key", f"no question {got(answer['key'])} in questions"
                )
