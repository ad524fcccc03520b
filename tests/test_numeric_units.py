"""A numeric answer's magnitude and unit (found by an exploratory tester: "14.75k" read as 14.75, "1280
MiB" not 1.25 GiB, "14750 ms" accepted for 14,750 users): a magnitude multiplies, a unit of the
question's kind converts, a unit of another kind is told and not marked correct."""

from __future__ import annotations

import math
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockprep.core.autograde import check_numeric, grade_numeric, read_number, readable_number
from mockprep.core.questions import QuestionSpec

MAGNITUDES = {
    "k": 1e3, "K": 1e3, "thousand": 1e3, "M": 1e6, "mn": 1e6, "million": 1e6, "Million": 1e6,
    "bn": 1e9, "billion": 1e9, "B": 1e9, "T": 1e12, "trillion": 1e12, "lakh": 1e5, "crore": 1e7,
}  # fmt: skip
# (name, kind, size in the kind's base unit), independently of the table in core/units.py
UNITS = [
    ("ns", "time", 1e-9), ("µs", "time", 1e-6), ("ms", "time", 1e-3), ("milliseconds", "time", 1e-3),
    ("s", "time", 1), ("seconds", "time", 1), ("min", "time", 60), ("minutes", "time", 60),
    ("h", "time", 3600), ("hours", "time", 3600), ("days", "time", 86400), ("weeks", "time", 604800),
    ("bits", "info", 1), ("nats", "info", 1 / math.log(2)), ("bytes", "info", 8), ("B", "info", 8),
    ("KB", "info", 8e3), ("MB", "info", 8e6), ("GB", "info", 8e9), ("TB", "info", 8e12),
    ("KiB", "info", 8 * 2**10), ("MiB", "info", 8 * 2**20), ("GiB", "info", 8 * 2**30),
    ("%", "percent", 1), ("percentage points", "percent", 1), ("pp", "percent", 1),
]  # fmt: skip
NOUNS = ["users", "users per arm", "tokens", "billion parameters", "replicas", "$"]


def numeric(value: float, unit: str | None, tolerance: float | None = None) -> QuestionSpec:
    return QuestionSpec(
        id="q", prompt="How much?", answer="so much", key_points=["a", "b"], kind="numeric",
        value=value, tolerance=tolerance, unit=unit,
    )  # fmt: skip


amounts = st.decimals(min_value="0.01", max_value="999.99", places=2).map(float)


@given(amounts, st.sampled_from(sorted(MAGNITUDES)), st.sampled_from(["", " "]), st.sampled_from(NOUNS))
def test_a_magnitude_after_the_number_multiplies_it(x: float, word: str, space: str, unit: str) -> None:
    total = x * MAGNITUDES[word]
    expected = total / (1e9 if unit.startswith("billion") else 1)
    spec = numeric(expected, unit, tolerance=abs(expected) * 1e-9)
    for answer in (f"{x}{space}{word}", f"n = 16 * 0.25 / 0.01^2 ≈ {x}{space}{word} {unit}"):
        grade = grade_numeric(spec, answer)
        assert grade.correct and grade.unread is None, (answer, grade)
    if MAGNITUDES[word] != (1e9 if unit.startswith("billion") else 1):  # the magnitude made it right
        assert not grade_numeric(spec, str(x)).correct


@given(
    st.floats(min_value=1e-3, max_value=1e6),
    st.sampled_from(UNITS),
    st.sampled_from(UNITS),
    st.sampled_from(["", " "]),
)
def test_a_unit_of_the_same_kind_converts_and_another_kind_is_told(
    quantity: float, said: tuple[str, str, float], asked: tuple[str, str, float], space: str
) -> None:
    name, kind, size = said
    if name == "B" and asked[1] != "info":
        kind = asked[1]  # "B" is a billion where the question is not about bytes: not a unit of another kind
        size = 1e9 * asked[2]
    in_asked = quantity / asked[2]
    spec = numeric(in_asked, asked[0], tolerance=in_asked * 1e-6)
    answer = f"{quantity / size:.12g}{'' if name.isalpha() and len(name) > 3 else space}{name}"
    grade = grade_numeric(spec, answer)
    if kind == asked[1]:
        assert grade.correct and grade.unread is None, (answer, asked, grade)
        assert check_numeric(spec, answer) is None
    else:
        assert not grade.correct and grade.given is None, (answer, asked, grade)
        assert f"'{unicodedata.normalize('NFKC', name)}'" in grade.unread and asked[0] in grade.unread
        assert check_numeric(spec, answer) == grade.unread  # asked again at a terminal


@given(amounts, st.sampled_from([u for u in UNITS if u[1] != "percent"]), st.sampled_from(NOUNS[:-1]))
def test_a_unit_where_the_question_counts_things_is_not_accepted(
    x: float, said: tuple[str, str, float], noun: str
) -> None:
    spec = numeric(x, noun)
    grade = grade_numeric(spec, f"{x} {said[0]}")
    name = unicodedata.normalize("NFKC", said[0])  # (the micro sign µ is read as the Greek μ)
    if said[0] == "B":
        return  # a billion here (see test_a_magnitude_after_the_number_multiplies_it)
    assert not grade.correct and f"'{name}'" in grade.unread and noun in grade.unread
    assert grade_numeric(spec, f"{x} {noun}").correct and grade_numeric(spec, str(x)).correct


@given(st.decimals(min_value="0.01", max_value="1", places=2).map(float))
def test_percentage_points_under_one_are_not_read_as_a_proportion(x: float) -> None:
    assert grade_numeric(numeric(x, "percentage points"), f"{x}%").correct
    assert grade_numeric(numeric(x / 100, None), f"{x}%").correct  # no unit: a proportion, as before


def test_the_tester_s_answers_by_grade(cli, tmp_path: Path) -> None:
    bank = tmp_path / "n.toml"
    bank.write_text(
        'id = "n"\ntitle = "N"\nround = "technical"\ntopic = "stats"\n\n[[questions]]\nid = "arm"\n'
        'kind = "numeric"\nprompt = "How many users per arm?"\nvalue = 14750\ntolerance = 100\n'
        'unit = "users"\nanswer = "16 * 0.25 / 0.01^2 * 0.0922 = 14,750."\nkey_points = ["a", "b"]\n',
        encoding="utf-8",
    )
    assert cli("bank", "add", str(bank)).exit_code == 0
    for answer in ("14.75k", "14.75 thousand", "fourteen thousand seven hundred fifty", "14750"):
        out = " ".join(cli("grade", "n/arm", "--answer", answer).stdout.split())
        assert "✓ Correct" in out and f"read {readable_number(14750)}" in out, (answer, out)
        assert "Suggested rating: 3" in out
    out = " ".join(cli("grade", "n/arm", "--answer", "14750 ms").stdout.split())
    assert "✗ Not correct" in out and "'ms' is a time, not users" in out and "Suggested rating: 1" in out


@pytest.mark.parametrize(
    ("answer", "correct"), [("1280 MiB", True), ("1.3 GB", False), ("1.25", True), ("1.25 GB", True)]
)
def test_a_size_in_another_scale_converts(answer: str, correct: bool) -> None:
    grade = grade_numeric(numeric(1.25, "GiB", 0.01), answer)  # ("1.25 GB": GB taken as GiB, see below)
    assert grade.correct is correct and (grade.given == "1.25" or "GiB)" in grade.given)


# (found by an independent review of the above: "7 billion" was wrong for unit = "B parameters", "112
# GiB" for 112 GB and "1.25 GB" for 1.25 GiB were wrong, and "50 pct" of a proportion read 50)
COUNTED = {"B": 1e9, "b": 1e9, "bn": 1e9, "m": 1e6, "M": 1e6, "mn": 1e6, "k": 1e3, "K": 1e3, "T": 1e12}


@given(
    amounts,
    st.sampled_from(sorted(COUNTED)),
    st.sampled_from(["parameters", "tokens", "users", "rows per shard"]),
    st.sampled_from(sorted(MAGNITUDES)),
)
def test_a_magnitude_letter_before_a_noun_in_the_question_s_unit_is_a_magnitude(
    x: float, letter: str, noun: str, said: str
) -> None:
    spec = numeric(x, f"{letter} {noun}", tolerance=x * 1e-9)
    in_said = x * COUNTED[letter] / MAGNITUDES[said]
    for answer in (f"{x}", f"{x}{letter}", f"{x} {letter} {noun}", f"{in_said:.12g} {said}"):
        grade = grade_numeric(spec, answer)
        assert grade.correct and grade.unread is None, (answer, spec.unit, grade)
    assert not grade_numeric(spec, f"{x} GB").correct  # bytes are not what is counted


@given(amounts, st.sampled_from(["B", "b", "m"]), st.sampled_from(["", " per token", " of memory", "/s"]))
def test_a_letter_alone_or_of_or_per_something_in_the_question_s_unit_is_a_unit(
    x: float, letter: str, rest: str
) -> None:
    kind = {"B": ("bits", 8), "b": ("bits", 1), "m": ("s", 60)}[letter]
    spec = numeric(x, f"{letter}{rest}", tolerance=x * 1e-9)
    assert grade_numeric(spec, f"{x * kind[1]:.12g} {kind[0]}{rest}").correct


PREFIXES = "KMGTP"


@given(
    amounts,
    st.integers(1, 5),
    st.integers(-1, 1),
    st.booleans(),
    st.sampled_from(["B", "bit"]),
)
def test_decimal_and_binary_prefixes_read_alike_where_only_that_makes_the_value_right(
    x: float, power: int, step: int, binary: bool, of: str
) -> None:
    """ "112 GiB" for 112 GB and "1.25 GB" (or "1280 MB") for 1.25 GiB are marked correct, and the
    verdict says which unit was taken for which; a value right in neither reading stays wrong."""

    def name(p: int, binary: bool) -> str:
        return f"{PREFIXES[p - 1]}{'i' if binary else ''}{of}" if p else of

    said_power = min(max(power + step, 0), 5)
    asked, said = name(power, binary), name(said_power, not binary and said_power > 0)
    spec = numeric(x, asked, tolerance=x * 1e-6)
    face = x * (1000 if binary else 1024) ** (power - said_power)  # both read in the answer's base
    grade = grade_numeric(spec, f"{face:.12g} {said}")
    assert grade.correct and grade.unread is None, (face, said, asked, grade)
    assert " taken as " in grade.given and grade.given.startswith(readable_number(face))
    for wrong in (face * 1.5, face / 1.5):
        assert not grade_numeric(spec, f"{wrong:.12g} {said}").correct
    exact = x * ((1024 if binary else 1000) ** power) / ((1000 if binary else 1024) ** said_power)
    grade = grade_numeric(spec, f"{exact:.12g} {said}")  # converted as written: no note
    assert grade.correct and " taken as " not in grade.given, grade


def test_the_built_in_sizes_accept_the_other_prefix() -> None:
    from mockprep.core.bank_files import load_banks
    from mockprep.paths import builtin_banks_dir

    banks, _problems = load_banks([builtin_banks_dir()])
    specs = {q.spec.id: q.spec for bank in banks for q in bank.questions}
    for qid, answer in (("adam-memory-mixed", "112 GiB"), ("kv-cache-gqa-size", "1.25 GB")):
        grade = grade_numeric(specs[qid], answer)
        assert grade.correct and "taken as" in grade.given, (qid, grade)


PERCENT_WORDS = ["%", " %", "pct", " pct", " percent", " per cent", " pp", " percentage points"]


@given(st.decimals(min_value="0.01", max_value="1", places=4).map(float), st.sampled_from(PERCENT_WORDS))
def test_every_way_of_writing_percent_is_a_proportion_where_the_value_is_one(p: float, word: str) -> None:
    answer = f"{p * 100:.12g}{word}"
    grade = grade_numeric(numeric(p, None, tolerance=1e-9), answer)
    assert grade.correct and grade.unread is None, (answer, grade)
    assert read_number(answer, proportion=True) == pytest.approx(p)
    assert grade_numeric(numeric(p * 100, "percentage points", tolerance=1e-9), answer).correct
