"""Question bank files: the TOML format and its validation (reading them from disk: bank_files.py).

Pure core: no typer, rich or sqlmodel here. A bank file either loads whole or is rejected with a
list of :class:`BankProblem`, one per problem, each naming the file, its line, the question and the field.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic.json_schema import GenerateJsonSchema

from mockprep.core.bank_messages import shown, validation_message
from mockprep.core.bank_records import (  # noqa: F401 (the format's names, importable from here too)
    COMPETENCIES,
    KNOWN_ROLES,
    MAX_BANK_BYTES,
    MAX_TEXT_CHARS,
    ROUNDS,
    SLUG,
    Bank,
    BankError,
    BankProblem,
    content_hash,
    not_utf8,
)
from mockprep.core.code_format import MAX_CODE_CHARS, MODULE, CodeTest, code_test_problem, syntax_problem
from mockprep.core.durations import parse_duration
from mockprep.core.kinds import KINDS, KindFieldError, check_kind_fields
from mockprep.core.questions import Question, QuestionSpec
from mockprep.core.toml_lines import key_lines, line_at_offset, line_of

try:  # tomli is the standard library's tomllib, released as a compiled wheel: it parses twice as fast
    import tomli as tomllib
except ImportError:  # pragma: no cover - a platform without the wheel falls back to the same parser
    import tomllib

# Control characters (other than tab, newline, carriage return) could restyle or retitle a terminal.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

Slug = Annotated[str, Field(pattern=SLUG)]
KindName = Literal[tuple(KINDS)]  # type: ignore[valid-type]
Text = Annotated[str, Field(min_length=1, max_length=MAX_TEXT_CHARS)]
ShortText = Annotated[str, Field(min_length=1, max_length=2_000)]
Code = Annotated[str, Field(min_length=1, max_length=MAX_CODE_CHARS)]
ModuleName = Annotated[str, Field(pattern=MODULE)]


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


class CodeTestModel(BaseModel):
    """One test of a code question: ``call`` == ``expected`` (within ``tolerance``), or ``code``."""

    # (the docstrings are the JSON Schema's descriptions; record() gives the plain CodeTest)

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, title="CodeTest")

    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    call: Code | None = None
    expected: Code | None = None
    tolerance: Annotated[float, Field(ge=0, allow_inf_nan=False)] | None = None
    code: Code | None = None
    hidden: bool = False

    @model_validator(mode="after")
    def _one_form(self) -> CodeTestModel:
        problem = code_test_problem(self.call, self.expected, self.code, self.tolerance)
        if problem:
            raise ValueError(problem)
        return self

    def record(self) -> CodeTest:
        return CodeTest(**{name: getattr(self, name) for name in type(self).model_fields})


class QuestionModel(BaseModel):
    """One question as written in a bank file."""

    # Validation only: record() gives the plain QuestionSpec the rest of mockprep uses.

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, title="QuestionSpec")

    id: Slug
    prompt: Text
    answer: Text
    key_points: Annotated[list[ShortText], Field(min_length=2, max_length=6)]
    topic: Slug | None = None
    difficulty: Literal[1, 2, 3] = 2
    kind: KindName = "open"
    tags: list[Slug] = []
    follow_ups: Annotated[list[ShortText], Field(max_length=10)] = []
    misconceptions: Annotated[list[ShortText], Field(max_length=12)] = []
    time_limit: int | float | str | None = None
    competencies: list[Slug] = []
    roles: list[Slug] | None = None
    choices: Annotated[list[ShortText], Field(min_length=2, max_length=8)] | None = None
    correct: Annotated[str, Field(pattern=r"^[a-hA-H]$")] | None = None
    value: Annotated[float, Field(allow_inf_nan=False)] | None = None  # (NaN: no JSON, no answer)
    tolerance: Annotated[float, Field(ge=0, allow_inf_nan=False)] | None = None
    unit: Annotated[str, Field(max_length=40)] | None = None
    # kind = "code" (see core/code_format.py)
    starter: Code | None = None
    solution: Code | None = None
    setup: Code | None = None
    wrong_solutions: Annotated[list[Code], Field(max_length=20)] | None = None
    tests: Annotated[list[CodeTestModel], Field(min_length=1, max_length=100)] | None = None
    requires: Annotated[list[ModuleName], Field(max_length=10)] | None = None
    imports: Annotated[list[ModuleName], Field(max_length=50)] | None = None
    # the GUID of the Anki note it was imported from: `bank export` gives its note that GUID
    anki_guid: Annotated[str, Field(min_length=1, max_length=100)] | None = None

    _text_fields = field_validator(
        "prompt",
        "answer",
        "key_points",
        "follow_ups",
        "misconceptions",
        "choices",
        "unit",
        "starter",
        "solution",
        "setup",
        "wrong_solutions",
        "anki_guid",
        mode="after",
    )(_check_text)

    @field_validator("starter", "solution", "setup", "wrong_solutions", mode="after")
    @classmethod
    def _python(cls, value: str | list[str] | None) -> str | list[str] | None:
        for number, source in enumerate([value] if isinstance(value, str) else value or [], start=1):
            problem = syntax_problem(source)
            if problem:
                raise ValueError(f"{'' if isinstance(value, str) else f'entry {number} '}{problem}")
        return value

    @field_validator("difficulty", mode="before")
    @classmethod
    def _difficulty_is_1_2_3(cls, value: Any) -> Any:
        # Checked by hand: a Literal would let TOML's `true` through as 1.
        if isinstance(value, bool) or value not in (1, 2, 3) or not isinstance(value, int):
            raise ValueError(f"must be one of 1, 2 or 3 (got {shown(value)})")
        return value

    @field_validator("correct")
    @classmethod
    def _correct_in_lower_case(cls, value: str | None) -> str | None:
        return None if value is None else value.lower()  # a bank may write "B"

    @field_validator("time_limit")
    @classmethod
    def _time_limit_parses(cls, value: int | float | str | None) -> int | float | str | None:
        if value is not None:
            seconds = parse_duration(value)
            if not 5 <= seconds <= 3 * 3600:
                raise ValueError("must be between 5 seconds and 3 hours")
        return value

    @model_validator(mode="after")
    def _kind_fields(self) -> QuestionModel:
        check_kind_fields(self)  # type: ignore[arg-type] (the same fields as a QuestionSpec)
        return self

    def record(self) -> QuestionSpec:
        values = dict(self.__dict__)  # the fields' values (extra fields are refused)
        if self.tests is not None:
            values["tests"] = [test.record() for test in self.tests]
        return QuestionSpec(**values)


def parse_question(data: Any, *, strict: bool = True) -> QuestionSpec:
    """One question's fields checked as a bank file's are (pydantic's ValidationError if not)."""
    return QuestionModel.model_validate(data, strict=strict).record()


def valid_questions(data: bytes) -> list[tuple[int, QuestionSpec]]:
    """The questions of a bank file that are valid on their own, each with its place in the file: of a
    file refused as a whole, ``bank validate`` still runs these (a code question's solutions), so that
    one run says every problem. None when the file is not TOML."""
    try:
        raw = tomllib.loads(data.decode("utf-8", errors="replace").removeprefix("\ufeff"))
    except (tomllib.TOMLDecodeError, RecursionError):
        return []
    items = raw.get("questions")
    found = []
    for index, item in enumerate(items if isinstance(items, list) else []):
        try:
            found.append((index, parse_question(item)))
        except (ValueError, RecursionError):  # (pydantic's ValidationError is a ValueError)
            continue
    return found


class BankSpec(BaseModel):
    """A whole bank file: metadata and its questions."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    id: Slug
    title: Annotated[str, Field(min_length=1, max_length=200)]
    round: Literal[ROUNDS]  # type: ignore[valid-type]
    description: Annotated[str, Field(max_length=MAX_TEXT_CHARS)] = ""
    roles: list[Slug] = []
    topic: Slug | None = None
    questions: Annotated[list[QuestionModel], Field(min_length=1)]

    _text_fields = field_validator("title", mode="after")(_check_text)


_PARSED: dict[tuple[str, str], Bank] = {}  # (content hash, source) -> bank: the same bytes parse the same
_PARSED_KEEP = 64


def parse_bank(data: bytes, source: str) -> Bank:
    """Validate the bytes of one bank file. Raise :class:`BankError` listing every problem at once.

    Only a TOML syntax error stops the search (nothing after it can be read); otherwise a bad byte,
    every field of every question and the checks across questions are all reported in one go.
    A file already parsed in this process is not parsed again (its bytes decide the result).
    """
    key = (content_hash(data), source)
    if key in _PARSED:
        return _PARSED[key]
    bank = _parse_bank(data, source)
    if len(_PARSED) >= _PARSED_KEEP:
        _PARSED.pop(next(iter(_PARSED)))
    _PARSED[key] = bank
    return bank


def _parse_bank(data: bytes, source: str) -> Bank:
    if len(data) > MAX_BANK_BYTES:
        raise BankError([BankProblem(source, f"file is larger than {MAX_BANK_BYTES // 2**20} MB")])
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # one line, not a bad byte and a TOML error after it
        raise BankError([BankProblem(source, "saved as UTF-16: save it as UTF-8", line=1)])
    early: list[BankProblem] = []
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        early.append(_not_utf8(data, exc, source))
        text = data.decode("utf-8", errors="replace")
    text = text.removeprefix("\ufeff")  # a UTF-8 byte-order mark, as Notepad saves one
    if not text.strip():
        empty = BankProblem(source, "file is empty (a bank needs id, title, round, questions)")
        raise BankError([*early, empty])
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BankError([*early, _toml_problem(exc, text, source)]) from None
    except RecursionError:
        raise BankError([*early, BankProblem(source, "not valid TOML: nested too deeply")]) from None
    try:
        spec: BankSpec | None = BankSpec.model_validate(raw)
        errors: list[Any] = []
    except ValidationError as exc:
        spec, errors = None, exc.errors(include_url=False)
    except RecursionError:
        raise BankError([*early, BankProblem(source, "nested too deeply")]) from None
    findings = _findings(errors, raw)
    if spec is None or early or findings:
        lines = key_lines(text)
        located = early + [
            BankProblem(source, f.said(lines), f.question, f.field, line_of(lines, f.location))
            for f in findings
        ]
        raise BankError(sorted(located, key=lambda p: p.line or 0))
    return _resolve(spec, content_hash(data), source)


def _not_utf8(data: bytes, exc: UnicodeDecodeError, source: str) -> BankProblem:
    return BankProblem(source, not_utf8(data, exc.start), line=line_at_offset(data, exc.start))


def _toml_problem(exc: tomllib.TOMLDecodeError, text: str, source: str) -> BankProblem:
    """tomllib's message with its position as the problem's line ("at end of document": the last)."""
    message = str(exc)
    if message.endswith(" (at end of document)"):
        last_line = len(text.rstrip("\n").splitlines()) or 1
        return BankProblem(
            source, f"not valid TOML: {message.removesuffix(' (at end of document)')}", line=last_line
        )
    where = re.search(r" \(at line (\d+), column (\d+)\)$", message)
    if where is None:
        return BankProblem(source, f"not valid TOML: {message}")
    what = message[: where.start()]
    return BankProblem(source, f"not valid TOML: {what} (column {where[2]})", line=int(where[1]))


@dataclass(frozen=True)
class _Finding:
    """A problem before it has a line: where it is in the document, and what it says."""

    location: tuple[str | int, ...]
    message: str
    question: str | None = None
    field: str | None = None
    also: tuple[str | int, ...] | None = None  # where the same thing is first (a duplicate id)

    def said(self, lines: dict[tuple[str | int, ...], int]) -> str:
        """The message, with the line of the first place when there is one."""
        first = line_of(lines, self.also) if self.also else None
        return f"{self.message} (first at line {first})" if first else self.message


def _findings(errors: list[Any], raw: Any) -> list[_Finding]:
    """Every problem: pydantic's, the kind checks it skipped, and those across questions.

    One line per (question, field): unions report each failed member separately.
    """
    found: dict[tuple[Any, str | None], _Finding] = {}
    # questions whose own fields failed (pydantic skipped their kind check), and those fields
    broken: dict[int, set[str]] = {}
    for error in errors:
        finding = _from_validation(error, raw)
        loc = error["loc"]
        if len(loc) > 2 and loc[0] == "questions" and isinstance(loc[1], int):
            broken.setdefault(loc[1], set()).add(str(loc[2]))
        found.setdefault((finding.location[:2], finding.field), finding)
    for finding in _kind_findings(raw, broken) + _cross_findings(raw):
        found.setdefault((finding.location[:2], finding.field), finding)
    return list(found.values())


def _from_validation(error: dict[str, Any], raw: Any) -> _Finding:
    loc = list(error["loc"])
    question = None
    location: tuple[str | int, ...] = tuple(loc)
    in_question = len(loc) >= 2 and loc[0] == "questions" and isinstance(loc[1], int)
    if in_question:
        question = _question_label(raw, loc[1])
        loc = loc[2:]
        if not loc:  # the question's own checks (its kind): point at the field they name, or the kind
            location = (*location, _kind_field(error.get("ctx", {}).get("error")))
    field = ".".join(str(part) for part in loc if not isinstance(part, int)) or None
    # pydantic names union members in the location ("time_limit.int"); the field is enough.
    if field and error["type"] != "extra_forbidden":
        field = field.split(".")[0]
    item = _raw_question(raw, error["loc"][1]) if in_question else None
    return _Finding(location, _message(error, field, item, in_question), question, field)


def _kind_findings(raw: Any, broken: dict[int, set[str]]) -> list[_Finding]:
    """The kind check of questions whose other fields failed (pydantic runs it only on valid ones);
    not of one whose kind's own fields failed: pydantic has said what is wrong with them ('correct' that
    is no letter was told twice, the second time on the kind's line)."""
    findings = []
    for index, failed in sorted(broken.items()):
        item = _raw_question(raw, index)
        kind = None if item is None else _kind_name(item)
        if item is None or kind is None or failed & {"kind", *KINDS[kind].fields}:
            continue
        known = {k: v for k, v in item.items() if k in QuestionModel.model_fields}
        try:
            check_kind_fields(QuestionModel.model_construct(**known))  # type: ignore[arg-type]
        except ValueError as exc:
            where = ("questions", index, _kind_field(exc))
            findings.append(_Finding(where, str(exc), _question_label(raw, index)))
        except (TypeError, AttributeError):
            continue  # a kind field of the wrong type (a list for 'correct'...): pydantic has reported it
    return findings


def _kind_field(exc: object) -> str:
    """The field a kind's check names (``'correct'`` out of range), else the question's ``kind``."""
    return exc.field if isinstance(exc, KindFieldError) else "kind"


def _cross_findings(raw: Any) -> list[_Finding]:
    """The checks that need the whole bank: unique ids, topics, competencies, kinds per round."""
    if not isinstance(raw, dict) or not isinstance(raw.get("questions"), list):
        return []
    round_name = raw.get("round") if raw.get("round") in ROUNDS else None
    findings = []
    seen: dict[str, int] = {}  # question id -> the index of the first question with it
    for index, item in enumerate(raw["questions"]):
        if not isinstance(item, dict):
            continue
        label = _question_label(raw, index)
        here = ("questions", index)
        qid = item.get("id")
        if isinstance(qid, str):
            if qid in seen:
                first = ("questions", seen[qid], "id")
                findings.append(_Finding((*here, "id"), "duplicate question id", label, "id", first))
            seen.setdefault(qid, index)
        if item.get("topic") is None and raw.get("topic") is None:
            message = "missing (set it here or as the bank's 'topic')"
            findings.append(_Finding((*here, "topic"), message, label, "topic"))
        if round_name == "behavioral" and not item.get("competencies"):
            message = "behavioral questions need at least one"
            findings.append(_Finding((*here, "competencies"), message, label, "competencies"))
        kind = _kind_name(item)
        allowed = KINDS[kind].rounds if kind is not None else None
        if round_name is not None and allowed is not None and round_name not in allowed:
            message = f"only {' and '.join(allowed)} questions can be {kind!r}"
            findings.append(_Finding((*here, "kind"), message, label, "kind"))
    return findings


def _resolve(spec: BankSpec, digest: str, source: str) -> Bank:
    """The bank's questions with their keys, topics and roles filled in (the spec is known valid)."""
    questions = tuple(
        Question(
            f"{spec.id}/{q.id}",
            spec.id,
            spec.round,
            q.topic or spec.topic or "",
            tuple(q.roles if q.roles is not None else spec.roles),
            q.record(),
        )
        for q in spec.questions
    )
    return Bank(spec, questions, digest, source)


def _raw_question(raw: Any, index: int) -> dict[str, Any] | None:
    try:
        item = raw["questions"][index]
    except (KeyError, IndexError, TypeError):
        return None
    return item if isinstance(item, dict) else None


def _kind_name(item: dict[str, Any]) -> str | None:
    """The question's kind, when it names a known one."""
    kind = item.get("kind", "open")
    return kind if isinstance(kind, str) and kind in KINDS else None


def _question_label(raw: Any, index: int) -> str:
    qid = (_raw_question(raw, index) or {}).get("id")
    return qid if isinstance(qid, str) and qid else f"#{index + 1}"


def _message(
    error: dict[str, Any], field: str | None, question: dict[str, Any] | None, in_question: bool
) -> str:
    if error["type"] != "extra_forbidden":
        return validation_message(error, field, question)
    name = (field or "").rsplit(".", 1)[-1]
    if not in_question and name in QuestionModel.model_fields:
        return "unknown field for a bank (it belongs in each [[questions]] table)"
    allowed = list(QuestionModel.model_fields if in_question else BankSpec.model_fields)
    hint = difflib.get_close_matches(name, allowed, n=1, cutoff=0.7) if "." not in (field or "") else []
    return "unknown field" + (f" (did you mean {hint[0]!r}?)" if hint else "")


def json_schema() -> dict[str, Any]:
    """JSON Schema of the bank format, for editors (TOML language servers read it)."""
    schema = BankSpec.model_json_schema(schema_generator=_SchemaNames)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "mockprep question bank"
    return schema


class _SchemaNames(GenerateJsonSchema):
    """The schema's definitions named as the format calls them (QuestionSpec, CodeTest)."""

    def normalize_name(self, name: str) -> str:
        return super().normalize_name(_TITLES.get(name, name))


_TITLES = {"QuestionModel": "QuestionSpec", "CodeTestModel": "CodeTest"}
