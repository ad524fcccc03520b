"""Question bank files: the TOML format, its validation, and loading from disk.

Pure core: no typer, rich or sqlmodel here. A bank file either loads whole or is rejected with a
list of :class:`BankProblem`, one per problem, each naming the file, the question and the field.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from mockprep.core.durations import parse_duration
from mockprep.core.kinds import KINDS, check_kind_fields
from mockprep.core.questions import Question
from mockprep.core.wording import plural

KNOWN_ROLES = ("ml-researcher", "research-scientist", "ml-engineer", "data-scientist")
COMPETENCIES = (
    "communication",
    "problem-solving",
    "collaboration",
    "learning-agility",
    "business-acumen",
    "leadership",
    "conflict",
    "failure",
    "ambiguity",
    "ownership",
)
MAX_BANK_BYTES = 20 * 1024 * 1024
MAX_TEXT_CHARS = 20_000
SLUG = r"^[a-z0-9][a-z0-9-]{0,63}$"
# Control characters (other than tab, newline, carriage return) could restyle or retitle a terminal.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

Slug = Annotated[str, Field(pattern=SLUG)]
KindName = Literal[tuple(KINDS)]  # type: ignore[valid-type]
Text = Annotated[str, Field(min_length=1, max_length=MAX_TEXT_CHARS)]
ShortText = Annotated[str, Field(min_length=1, max_length=2_000)]


def _check_text(value: Any) -> Any:
    """Refuse blank text and control characters in any string (or list of strings)."""
    items = value if isinstance(value, list) else [value]
    for item in items:
        if isinstance(item, str):
            if not item.strip():
                raise ValueError("must not be blank")
            bad = _CONTROL.search(item)
            if bad:
                raise ValueError(f"contains control character U+{ord(bad.group()):04X}")
    return value


class QuestionSpec(BaseModel):
    """One question as written in a bank file."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    id: Slug
    prompt: Text
    answer: Text
    key_points: Annotated[list[ShortText], Field(min_length=2, max_length=6)]
    topic: Slug | None = None
    difficulty: Literal[1, 2, 3] = 2
    kind: KindName = "open"
    tags: list[Slug] = []
    follow_ups: Annotated[list[ShortText], Field(max_length=10)] = []
    time_limit: int | float | str | None = None
    competencies: list[Slug] = []
    roles: list[Slug] | None = None
    choices: Annotated[list[ShortText], Field(min_length=2, max_length=8)] | None = None
    correct: Annotated[str, Field(pattern=r"^[a-h]$")] | None = None
    value: float | None = None
    tolerance: Annotated[float, Field(ge=0)] | None = None
    unit: Annotated[str, Field(max_length=40)] | None = None

    _text_fields = field_validator(
        "prompt", "answer", "key_points", "follow_ups", "choices", "unit", mode="after"
    )(_check_text)

    @field_validator("difficulty", mode="before")
    @classmethod
    def _difficulty_is_1_2_3(cls, value: Any) -> Any:
        # Checked by hand: a Literal would let TOML's `true` through as 1.
        if isinstance(value, bool) or value not in (1, 2, 3) or not isinstance(value, int):
            raise ValueError(f"must be one of 1, 2 or 3 (got {_short(value)})")
        return value

    @field_validator("time_limit")
    @classmethod
    def _time_limit_parses(cls, value: int | float | str | None) -> int | float | str | None:
        if value is not None:
            seconds = parse_duration(value)
            if not 5 <= seconds <= 3 * 3600:
                raise ValueError("must be between 5 seconds and 3 hours")
        return value

    @model_validator(mode="after")
    def _kind_fields(self) -> QuestionSpec:
        check_kind_fields(self)
        return self

    @property
    def time_limit_seconds(self) -> float | None:
        return None if self.time_limit is None else parse_duration(self.time_limit)


class BankSpec(BaseModel):
    """A whole bank file: metadata and its questions."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    id: Slug
    title: Annotated[str, Field(min_length=1, max_length=200)]
    round: Literal["technical", "project", "behavioral"]
    description: Annotated[str, Field(max_length=MAX_TEXT_CHARS)] = ""
    roles: list[Slug] = []
    topic: Slug | None = None
    questions: Annotated[list[QuestionSpec], Field(min_length=1)]

    _text_fields = field_validator("title", mode="after")(_check_text)


@dataclass(frozen=True)
class Bank:
    """A validated bank with the hash of the bytes it was read from."""

    spec: BankSpec
    questions: tuple[Question, ...]
    content_hash: str
    source: str

    @property
    def id(self) -> str:
        return self.spec.id


@dataclass(frozen=True)
class BankProblem:
    """One problem with a bank file, printable as a single line."""

    source: str
    message: str
    question: str | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = self.source
        if self.question:
            where += f": question {self.question!r}"
        if self.field:
            where += f": field {self.field!r}"
        return f"{where}: {self.message}"


class BankError(Exception):
    """A bank file was rejected; ``problems`` lists every reason."""

    def __init__(self, problems: list[BankProblem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parse_bank(data: bytes, source: str) -> Bank:
    """Validate the bytes of one bank file. Raise :class:`BankError` listing every problem."""
    if len(data) > MAX_BANK_BYTES:
        raise BankError([BankProblem(source, f"file is larger than {MAX_BANK_BYTES // 2**20} MB")])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BankError(
            [BankProblem(source, f"not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})")]
        ) from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BankError([BankProblem(source, f"not valid TOML: {exc}")]) from None
    except RecursionError:
        raise BankError([BankProblem(source, "not valid TOML: nested too deeply")]) from None
    try:
        spec = BankSpec.model_validate(raw)
    except ValidationError as exc:
        raise BankError(_problems_from_validation(exc, raw, source)) from None
    except RecursionError:
        raise BankError([BankProblem(source, "nested too deeply")]) from None
    return _resolve(spec, content_hash(data), source)


def _resolve(spec: BankSpec, digest: str, source: str) -> Bank:
    problems: list[BankProblem] = []
    seen: set[str] = set()
    questions = []
    for q in spec.questions:
        if q.id in seen:
            problems.append(BankProblem(source, "duplicate question id", q.id, "id"))
        seen.add(q.id)
        topic = q.topic or spec.topic
        if topic is None:
            problems.append(
                BankProblem(source, "missing (set it here or as the bank's 'topic')", q.id, "topic")
            )
        if spec.round == "behavioral" and not q.competencies:
            problems.append(
                BankProblem(source, "behavioral questions need at least one", q.id, "competencies")
            )
        allowed = KINDS[q.kind].rounds
        if allowed is not None and spec.round not in allowed:
            rounds = " and ".join(allowed)
            problems.append(BankProblem(source, f"only {rounds} questions can be {q.kind!r}", q.id, "kind"))
        roles = tuple(q.roles if q.roles is not None else spec.roles)
        questions.append(Question(f"{spec.id}/{q.id}", spec.id, spec.round, topic or "", roles, q))
    if problems:
        raise BankError(problems)
    return Bank(spec, tuple(questions), digest, source)


def _problems_from_validation(exc: ValidationError, raw: Any, source: str) -> list[BankProblem]:
    problems = []
    for error in exc.errors(include_url=False):
        loc = list(error["loc"])
        question = None
        if len(loc) >= 2 and loc[0] == "questions" and isinstance(loc[1], int):
            question = _question_label(raw, loc[1])
            loc = loc[2:]
        field = ".".join(str(part) for part in loc if not isinstance(part, int)) or None
        # pydantic names union members in the location ("time_limit.int"); the field is enough.
        if field and error["type"] != "extra_forbidden":
            field = field.split(".")[0]
        problems.append(BankProblem(source, _message(error, field), question, field))
    # One line per (question, field): unions report each failed member separately.
    unique: dict[tuple[str | None, str | None], BankProblem] = {}
    for problem in problems:
        unique.setdefault((problem.question, problem.field), problem)
    return list(unique.values())


def _question_label(raw: Any, index: int) -> str:
    try:
        qid = raw["questions"][index]["id"]
        if isinstance(qid, str) and qid:
            return qid
    except (KeyError, IndexError, TypeError):
        pass
    return f"#{index + 1}"


def _message(error: dict[str, Any], field: str | None) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        name = (field or "").rsplit(".", 1)[-1]
        allowed = QuestionSpec.model_fields if "." not in (field or "") else {}
        hint = difflib.get_close_matches(name, list(allowed) + list(BankSpec.model_fields), n=1, cutoff=0.7)
        return "unknown field" + (f" (did you mean {hint[0]!r}?)" if hint else "")
    if kind == "missing":
        return "missing"
    if kind == "string_pattern_mismatch":
        if field in ("correct",):
            return "must be one letter a-h naming a choice"
        return "must be lower-case letters, digits and '-' (at most 64), e.g. 'bias-variance'"
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return f"must be one of {expected} (got {error.get('input')!r})"
    if kind in ("too_short", "too_long", "string_too_short", "string_too_long"):
        ctx = error.get("ctx", {})
        if kind == "string_too_short":
            return "must not be empty"
        if kind == "string_too_long":
            return f"is too long (at most {ctx.get('max_length')} characters)"
        actual = ctx.get("actual_length")
        if kind == "too_short":
            return f"needs at least {plural(ctx.get('min_length', 0), 'item')} (has {actual})"
        return f"allows at most {plural(ctx.get('max_length', 0), 'item')} (has {actual})"
    msg = error["msg"]
    msg = msg.removeprefix("Value error, ")
    return f"{msg} (got {_short(error.get('input'))})" if kind.endswith("_type") else msg


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def bank_files(path: Path) -> list[Path]:
    """The ``.toml`` files at ``path``: the file itself, or every one under a folder, sorted."""
    if path.is_dir():
        return sorted(p for p in path.rglob("*.toml") if p.is_file())
    return [path]


def load_bank_file(path: Path) -> Bank:
    """Read and validate one bank file from disk."""
    source = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_BANK_BYTES:
            raise BankError([BankProblem(source, f"file is larger than {MAX_BANK_BYTES // 2**20} MB")])
        data = path.read_bytes()
    except FileNotFoundError:
        raise BankError([BankProblem(source, "no such file")]) from None
    except IsADirectoryError:
        raise BankError([BankProblem(source, "is a folder, not a bank file")]) from None
    except OSError as exc:
        raise BankError([BankProblem(source, f"cannot be read: {exc.strerror}")]) from None
    return parse_bank(data, source)


def load_banks(paths: list[Path]) -> tuple[list[Bank], list[BankProblem]]:
    """Load every bank under ``paths``; return the good banks and every problem found.

    Bank ids must be unique across the files: a second file with the same id is a problem.
    """
    banks: list[Bank] = []
    problems: list[BankProblem] = []
    owner: dict[str, str] = {}
    for root in paths:
        if not root.exists():
            problems.append(BankProblem(str(root), "no such file or folder"))
            continue
        files = bank_files(root)
        if root.is_dir() and not files:
            problems.append(BankProblem(str(root), "folder holds no .toml bank files"))
        for file in files:
            try:
                bank = load_bank_file(file)
            except BankError as exc:
                problems.extend(exc.problems)
                continue
            if bank.id in owner and owner[bank.id] != bank.source:
                problems.append(
                    BankProblem(bank.source, f"bank id {bank.id!r} is also used by {owner[bank.id]}")
                )
                continue
            owner[bank.id] = bank.source
            banks.append(bank)
    return banks, problems


def json_schema() -> dict[str, Any]:
    """JSON Schema of the bank format, for editors (TOML language servers read it)."""
    schema = BankSpec.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "mockprep question bank"
    return schema
