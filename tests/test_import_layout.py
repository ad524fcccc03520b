"""The quick reading of a question line in the export's own layout (mockprep.db.import_rows.quick_prepare)
takes what an export writes, and of any line gives exactly the rows the long way gives, or declines it."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any, get_args, get_type_hints

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockprep.core.export_checks import ExportChecker
from mockprep.core.field_checks import VERDICTS
from mockprep.core.ids import is_uid
from mockprep.db import import_rows
from mockprep.db.import_rows import STAGE_PLAIN, prepare, quick_prepare
from mockprep.db.store import Store
from mockprep.services.exchange import read_export, write_export
from tests.conftest import START
from tests.test_import_checks import review_values, valid_export  # noqa: F401 - the fixture
from tests.test_import_workers import _laid_out


@pytest.fixture(autouse=True)
def _only_the_generated_bank(monkeypatch: pytest.MonkeyPatch) -> None:
    from mockprep.services import bank_sync

    monkeypatch.setattr(bank_sync, "builtin_files", lambda: [])


def _checker(doc: dict[str, Any]) -> ExportChecker:
    checker = ExportChecker(START)
    checker.check_head(doc)
    return checker


def _long_way(line: bytes, checker: ExportChecker) -> Any:
    """What prepare makes of the line (its reviews left out of the question, as a worker sends it back,
    since they are the rows), or the exception it raises (a line that is not JSON: ValueError)."""
    checker.keys.clear()
    checker.card_ids.clear()
    try:
        done = prepare(json.loads(line), 0, checker)
    except Exception as exc:  # noqa: BLE001 - compared, not hidden
        return exc
    del done.question["reviews"]
    return done


def _quick_way(line: bytes, checker: ExportChecker) -> Any:
    checker.keys.clear()
    checker.card_ids.clear()
    try:
        done = quick_prepare(line, 0, checker)
    except Exception as exc:  # noqa: BLE001
        return exc
    if done is not None:
        assert done.question.pop("reviews") == []
    return done


def _answered(doc: dict[str, Any]) -> dict[str, Any]:
    """An answered question of the export, given three reviews (copies of its first with other ids)."""
    question = copy.deepcopy(next(q for q in doc["questions"] if q["reviews"]))
    first = question["reviews"][0]
    question["reviews"] = [
        {**first, "id": first["id"] + 100 * n, "uid": f"{n:032x}", "answer": f"{first['answer']} {n}"}
        for n in range(3)
    ]
    return question


def test_every_line_an_export_writes_is_read_the_quick_way(tmp_path: Path, valid_export) -> None:  # noqa: F811
    """Written by write_export itself (not re-laid out), from a home with answers of every common kind."""
    home = tmp_path / "home"
    source = _laid_out(valid_export, tmp_path / "export.json")
    head, questions = read_export(source)
    with Store.open(home, backups=False) as store:
        store.bulk.import_data(head, questions, START)
        path = tmp_path / "again.json"
        with path.open("w", encoding="utf-8") as handle:
            write_export(store, handle, START, "test")
    head, lines = read_export(path, raw=True)
    checker = _checker(head)
    answered = 0
    for line in lines:
        assert isinstance(line, bytes)
        quick, slow = _quick_way(line, checker), _long_way(line, checker)
        assert quick is not None, line[:200]
        assert quick == slow
        answered += bool(quick.rows)
    assert answered >= 3


def test_the_quick_rows_are_the_long_ways_rows(tmp_path: Path, valid_export) -> None:  # noqa: F811
    checker = _checker(valid_export)
    question = _answered(valid_export)
    line = json.dumps(question, ensure_ascii=False).encode()
    quick = _quick_way(line, checker)
    assert quick is not None and quick.statement == STAGE_PLAIN
    assert quick == _long_way(line, checker)
    assert len(quick.rows) == len(question["reviews"])


# Values a hand-edited or foreign file may hold where the export writes a review's common fields, beyond
# those the quick review test is held to (tests/test_import_checks.py): each list's own values.
def _values(strategy: Any) -> list[Any]:
    return list(
        strategy.wrapped_strategy.elements if hasattr(strategy, "wrapped_strategy") else strategy.elements
    )


LAYOUT_VALUES: dict[str, list[Any]] = {
    **{name: _values(values) for name, values in review_values.items()},
    "answer": [
        "",
        "text",
        "é",
        'a"b\\c\nd\te',
        "\x00",
        "\x7f",
        "tab\tand\u2028",
        "[red]x[/red]",
        "\\ud83d",
        None,
        3,
    ],
    "grader": [None, "key points and meaning", "mine ✓", "", 'a"b', "\n", "words", 3, ["x"]],
    "uid": ["0" * 32, "A" * 32, "0" * 31, None, 5, "g" * 32],
    "cram": [True, False, None, 1, "yes"],
    "params": [None, 1, 2, 0, True, 1.0],
}
CHANGES = [(name, value) for name, values in LAYOUT_VALUES.items() for value in values]


_EXPORT_ORDER = (
    "id rated_at rating state_before duration_ms session answer time_limit_ms coverage suggested grader"
    " proposed checklist cram params uid"
).split()


def _line(question: dict[str, Any], ascii_only: bool = False) -> bytes:
    """The question's JSON, each review's fields in the export's order."""
    question = dict(question)
    question["reviews"] = [
        dict(sorted(r.items(), key=lambda item: _EXPORT_ORDER.index(item[0]))) for r in question["reviews"]
    ]
    return json.dumps(question, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")


def _agrees(quick: Any, slow: Any) -> None:
    """The quick way declined the line, made exactly the long way's rows, or (a problem in the question's
    own fields) raised what the long way raises."""
    if isinstance(quick, Exception):
        assert type(quick) is type(slow) and str(quick) == str(slow)
    elif quick is not None:
        assert quick == slow


@pytest.mark.parametrize("ascii_only", [False, True])
@pytest.mark.parametrize(("name", "value"), CHANGES, ids=[f"{n}={v!r}"[:40] for n, v in CHANGES])
def test_each_field_of_a_review_otherwise_is_read_as_the_long_way_reads_it(
    valid_export,  # noqa: F811 - the fixture
    name: str,
    value: Any,
    ascii_only: bool,
) -> None:
    checker = _checker(valid_export)
    question = copy.deepcopy(_answered(valid_export))
    question["reviews"][-1][name] = value
    line = _line(question, ascii_only)
    quick, slow = _quick_way(line, checker), _long_way(line, checker)
    _agrees(quick, slow)
    del question["reviews"][-1][name]
    line = _line(question, ascii_only)
    _agrees(_quick_way(line, checker), _long_way(line, checker))


def test_the_quick_way_takes_what_it_can_and_declines_the_rest(valid_export) -> None:  # noqa: F811
    """Held to the long way alone, declining every line would pass: it takes the values it is for."""
    checker = _checker(valid_export)
    taken = set()
    for name, value in CHANGES:
        question = copy.deepcopy(_answered(valid_export))
        question["reviews"][-1][name] = value
        quick = _quick_way(_line(question), checker)
        if quick is not None and not isinstance(quick, Exception):
            taken.add((name, repr(value)))
    assert {
        ("answer", repr('a"b\\c\nd\te')),
        ("answer", repr("é")),
        ("session", "None"),
        ("cram", "True"),
    } <= taken
    assert ("grader", repr("mine ✓")) in taken
    assert not {("rating", "5"), ("id", "0"), ("uid", repr("A" * 32)), ("session", "99")} & taken


def test_reviews_in_another_order_or_with_fields_left_out_are_read_the_quick_way(valid_export) -> None:  # noqa: F811
    """Not only the export's own layout: keys in any order, optional fields absent or given their
    defaults, still give exactly the long way's rows."""
    checker = _checker(valid_export)
    question = copy.deepcopy(_answered(valid_export))
    reversed_keys = [dict(reversed(list(r.items()))) for r in question["reviews"]]
    sparse = [
        {**{k: v for k, v in r.items() if k not in ("session", "time_limit_ms", "coverage")}, "cram": False}
        for r in question["reviews"]
    ]
    for reviews in (reversed_keys, sparse):
        line = json.dumps({**question, "reviews": reviews}).encode()
        quick = _quick_way(line, checker)
        assert quick is not None and quick.statement == STAGE_PLAIN
        assert quick == _long_way(line, checker)


def test_the_quick_ways_verdicts_and_uid_form_are_the_long_ways() -> None:
    """The struct's copies of field_checks.VERDICTS and of ids.is_uid's form: were either to drift, the
    quick way could take what the long way refuses."""
    assert set(get_args(import_rows._VERDICT)) == VERDICTS
    (uid_form,) = get_args(get_type_hints(import_rows._Review, include_extras=True)["uid"])[1:]
    for text in [
        "0" * 32,
        "a" * 32,
        "A" * 32,
        "0" * 31,
        "0" * 33,
        "0" * 32 + "\n",
        "g" * 32,
        "",
        "0" * 16 + " ",
    ]:
        assert bool(re.search(uid_form.pattern, text)) == is_uid(text), text


# Edits of the line's text itself, not expressible as values: JSON's other spellings and damage.
_EDITS = [
    ('"rating": ', '"rating": 0'),  # a leading zero: not JSON
    ('"rating": ', '"rating":'),  # other spacing, same JSON
    ('"rating": ', '"rating" : '),
    ('"duration_ms": ', '"duration_ms": -'),
    ('"state_before": ', '"state_before": 1e1, "x": '),
    ('+00:00"', 'Z"'),
    ('"uid": "', '"uid": "\\u0030'),  # an escape in a uid: the same text, spelt otherwise
    ('"answer": "', '"answer": "\\u00e9\\ud800'),
    ('"answer": "', '"answer": "\\x'),
    ("}, {", "},{"),
    ("}, {", "}, {}, {"),
    ("}, {", "}; {"),
    ("]}$", '], "reviews": []}'),  # "$": the line's end
    ("]}$", "]} "),
    ("]}$", "]}]"),
    ("]}$", "]]"),
    ('"reviews": [', '"reviews": [{"id": 1}, '),
    ("true", "True"),
    ("null", "NaN"),
    ('"coverage": [', '"coverage": [true, '),
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(_EDITS), min_size=1, max_size=2), st.booleans())
def test_a_line_edited_is_read_as_the_long_way_reads_it_or_declined(
    valid_export,  # noqa: F811
    edits: list[tuple[str, str]],
    ascii_only: bool,
) -> None:
    checker = _checker(valid_export)
    line = json.dumps(_answered(valid_export), ensure_ascii=ascii_only)
    for old, new in edits:
        if old.endswith("$"):
            line = line.removesuffix(old[:-1]) + new if line.endswith(old[:-1]) else line
        else:
            line = line.replace(old, new, 1)
    encoded = line.encode("utf-8", "surrogatepass")
    _agrees(_quick_way(encoded, checker), _long_way(encoded, checker))


def test_a_problem_in_the_questions_own_fields_is_named_as_the_long_way_names_it(valid_export) -> None:  # noqa: F811
    checker = _checker(valid_export)
    question = copy.deepcopy(_answered(valid_export))
    question["difficulty"] = 9
    line = json.dumps(question).encode()
    quick, slow = _quick_way(line, checker), _long_way(line, checker)
    assert isinstance(quick, Exception) and type(quick) is type(slow) and str(quick) == str(slow)
    assert "difficulty" in str(quick)
