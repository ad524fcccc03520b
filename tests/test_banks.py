"""Bank parsing: valid files load whole; every kind of broken file is rejected with named problems."""

from __future__ import annotations

import json
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockprep.core.banks import (
    BankError,
    json_schema,
    load_bank_file,
    load_banks,
    parse_bank,
)
from tests.conftest import FIXTURES, write_bank

GOOD = """
id = "demo"
title = "Demo"
round = "technical"
roles = ["ml-researcher"]

[[questions]]
id = "q1"
topic = "stats"
difficulty = 1
prompt = "P?"
answer = "A."
key_points = ["one", "two"]
"""


def problems(text: str | bytes, source: str = "bank.toml") -> list[str]:
    data = text.encode() if isinstance(text, str) else text
    with pytest.raises(BankError) as info:
        parse_bank(data, source)
    return [str(p) for p in info.value.problems]


def test_example_fixture_loads_with_all_kinds() -> None:
    bank = load_bank_file(FIXTURES / "banks" / "example.toml")
    assert [q.key for q in bank.questions] == [
        "example/bias-variance",
        "example/coin",
        "example/num",
    ]
    assert [q.spec.kind for q in bank.questions] == ["open", "choice", "numeric"]
    first = bank.questions[0]
    assert first.topic == "ml-fundamentals"  # inherited from the bank
    assert first.roles == ("ml-researcher", "ml-engineer")
    assert first.spec.time_limit_seconds == 150


def test_valid_bank_resolves_keys_and_defaults() -> None:
    bank = parse_bank(GOOD.encode(), "good.toml")
    (q,) = bank.questions
    assert (q.key, q.topic, q.round, q.spec.kind, q.spec.follow_ups) == (
        "demo/q1",
        "stats",
        "technical",
        "open",
        [],
    )
    assert len(bank.content_hash) == 64


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("id = \n", "bank.toml: not valid TOML"),
        (
            GOOD.replace('round = "technical"', 'round = "techincal"'),
            "bank.toml: field 'round': must be one of 'technical', 'project' or 'behavioral'",
        ),
        (
            GOOD.replace("difficulty = 1", "dificulty = 1"),
            "bank.toml: question 'q1': field 'dificulty': unknown field (did you mean 'difficulty'?)",
        ),
        (
            GOOD.replace("difficulty = 1", 'difficulty = "1"'),
            "bank.toml: question 'q1': field 'difficulty': must be one of 1, 2 or 3",
        ),
        (
            GOOD.replace("difficulty = 1", "difficulty = 4"),
            "bank.toml: question 'q1': field 'difficulty': must be one of 1, 2 or 3",
        ),
        (GOOD.replace('answer = "A."\n', ""), "bank.toml: question 'q1': field 'answer': missing"),
        (
            GOOD.replace('["one", "two"]', '["one"]'),
            "bank.toml: question 'q1': field 'key_points': needs at least 2 items (has 1)",
        ),
        (
            GOOD.replace('["one", "two"]', '["1", "2", "3", "4", "5", "6", "7"]'),
            "bank.toml: question 'q1': field 'key_points': allows at most 6 items (has 7)",
        ),
        (
            GOOD.replace('id = "q1"', 'id = "Q 1"'),
            "bank.toml: question 'Q 1': field 'id': must be lower-case",
        ),
        (
            GOOD.replace('prompt = "P?"', 'prompt = "  "'),
            "bank.toml: question 'q1': field 'prompt': must not be blank",
        ),
        (
            GOOD.replace('prompt = "P?"', 'prompt = "P\\u001b[2J"'),
            "bank.toml: question 'q1': field 'prompt': contains control character U+001B",
        ),
        (
            GOOD + 'time_limit = "3 parsecs"\n',
            "bank.toml: question 'q1': field 'time_limit': '3 parsecs' is not a duration",
        ),
        (
            GOOD + "time_limit = 1\n",
            "bank.toml: question 'q1': field 'time_limit': must be between 5 seconds and 3 hours",
        ),
        (GOOD.replace('topic = "stats"\n', ""), "bank.toml: question 'q1': field 'topic': missing"),
        (
            GOOD + GOOD[GOOD.index("[[questions]]") :],
            "bank.toml: question 'q1': field 'id': duplicate question id",
        ),
        (
            GOOD + 'kind = "choice"\n',
            "bank.toml: question 'q1': a choice question needs 'choices' and 'correct'",
        ),
        (
            GOOD + 'kind = "choice"\nchoices = ["x", "y"]\ncorrect = "c"\n',
            "bank.toml: question 'q1': 'correct' is 'c' but there are only 2 choices",
        ),
        (
            GOOD + "value = 3.0\n",
            "bank.toml: question 'q1': value only apply to kind = \"numeric\" questions",
        ),
        (GOOD + 'kind = "numeric"\n', "bank.toml: question 'q1': a numeric question needs 'value'"),
        (
            GOOD.replace('round = "technical"', 'round = "behavioral"'),
            "bank.toml: question 'q1': field 'competencies': behavioral questions need at least one",
        ),
        (
            GOOD.replace("[[questions]]", "questions = 3\n[[x]]"),
            "bank.toml: field 'x': unknown field",
        ),
        (
            'id = "a"\ntitle = "t"\nround = "project"\nquestions = []\n',
            "bank.toml: field 'questions': needs at least 1 item (has 0)",
        ),
    ],
)
def test_broken_banks_name_file_question_and_field(text: str, expected: str) -> None:
    found = problems(text)
    assert any(p.startswith(expected) for p in found), found


def test_not_utf8_is_rejected_with_offset() -> None:
    data = GOOD.encode().replace(b"P?", b"P\xff?")
    (line,) = problems(data)
    assert line.startswith("bank.toml: not UTF-8 (byte 0xff at offset")


def test_every_problem_is_reported_not_just_the_first() -> None:
    text = GOOD.replace("difficulty = 1", "difficulty = 9").replace('["one", "two"]', '["one"]')
    found = problems(text)
    assert len(found) == 2


def test_load_banks_reports_duplicate_bank_ids_across_files(tmp_path: Path) -> None:
    write_bank(tmp_path / "a.toml", "same")
    write_bank(tmp_path / "b.toml", "same")
    banks, found = load_banks([tmp_path])
    assert [b.id for b in banks] == ["same"]
    assert len(found) == 1 and "bank id 'same' is also used by" in str(found[0])


def test_load_banks_missing_path_and_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    _banks, found = load_banks([tmp_path / "nope.toml", tmp_path / "empty"])
    assert [p.message for p in found] == [
        "no such file or folder",
        "folder holds no .toml bank files",
    ]


def test_json_schema_describes_fields() -> None:
    schema = json_schema()
    question = schema["$defs"]["QuestionSpec"]
    assert {"prompt", "answer", "key_points", "kind"} <= set(question["properties"])
    assert schema["additionalProperties"] is False


# -- properties -----------------------------------------------------------------------------------


def toml_str(value: str) -> str:
    # JSON string escapes are valid TOML basic-string escapes; DEL must be escaped too.
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


slugs = st.from_regex(r"[a-z0-9][a-z0-9-]{0,20}", fullmatch=True)
texts = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\n\t[]/\\\"'"),
    min_size=1,
    max_size=80,
).filter(lambda s: s.strip())


@st.composite
def banks(draw: st.DrawFn) -> dict:
    ids = draw(st.lists(slugs, min_size=1, max_size=5, unique=True))
    questions = [
        {
            "id": qid,
            "topic": draw(slugs),
            "difficulty": draw(st.sampled_from([1, 2, 3])),
            "prompt": draw(texts),
            "answer": draw(texts),
            "key_points": draw(st.lists(texts, min_size=2, max_size=6)),
            "follow_ups": draw(st.lists(texts, max_size=3)),
        }
        for qid in ids
    ]
    return {
        "id": draw(slugs),
        "title": draw(texts).strip() or "t",
        "round": "technical",
        "questions": questions,
    }


def to_toml(bank: dict) -> str:
    out = [
        f"id = {toml_str(bank['id'])}",
        f"title = {toml_str(bank['title'])}",
        f"round = {toml_str(bank['round'])}",
        "",
    ]
    for q in bank["questions"]:
        out.append("[[questions]]")
        for key, value in q.items():
            if isinstance(value, list):
                out.append(f"{key} = [{', '.join(toml_str(v) for v in value)}]")
            elif isinstance(value, int):
                out.append(f"{key} = {value}")
            else:
                out.append(f"{key} = {toml_str(value)}")
        out.append("")
    return "\n".join(out)


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(banks())
def test_generated_valid_banks_load_with_exact_text(bank: dict) -> None:
    parsed = parse_bank(to_toml(bank).encode(), "gen.toml")
    assert [q.id for q in parsed.questions] == [q["id"] for q in bank["questions"]]
    for q, raw in zip(parsed.questions, bank["questions"], strict=True):
        assert q.spec.prompt == raw["prompt"]
        assert q.spec.key_points == raw["key_points"]
        assert q.key == f"{bank['id']}/{raw['id']}"


@settings(max_examples=150)
@given(st.binary(max_size=300) | st.text(alphabet=string.printable, max_size=300).map(str.encode))
def test_arbitrary_bytes_either_load_or_raise_bank_error(data: bytes) -> None:
    try:
        parse_bank(data, "fuzz.toml")
    except BankError as exc:
        assert exc.problems and all(str(p).startswith("fuzz.toml") for p in exc.problems)


@settings(max_examples=80)
@given(
    banks(),
    st.sampled_from(["difficulty", "prompt", "key_points", "id"]),
    st.one_of(st.none(), st.integers(), st.booleans(), st.lists(st.integers(), max_size=2)),
)
def test_wrong_types_are_problems_naming_the_field(bank: dict, field: str, value: object) -> None:
    question = bank["questions"][0]
    del question[field]
    text = to_toml(bank)
    if value is not None:
        # Insert the wrong-typed value right after the question's table header.
        text = text.replace("[[questions]]", f"[[questions]]\n{field} = {json.dumps(value)}", 1)
    if field == "difficulty" and (value is None or value in (1, 2, 3)) and not isinstance(value, bool):
        parse_bank(text.encode(), "t.toml")  # missing difficulty defaults to 2; 1-3 are valid
        return
    with pytest.raises(BankError) as info:
        parse_bank(text.encode(), "t.toml")
    assert any(p.field == field for p in info.value.problems), info.value.problems
