"""Digits inside a name never supply a numeric answer's value, and a time in parts is one time (found by
an exploratory tester: "844.8 kg CO2e" read 2, the digit of the question's own unit; "2 h 30 min" read
one of its parts)."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from mockprep.core.autograde import grade_numeric, read_quantity, readable_number
from mockprep.core.questions import QuestionSpec

# Names with digits, as answers mention them: units, formats, architectures, models, chemicals.
NAMED = [
    "CO2e",
    "CO2",
    "H2O",
    "fp16",
    "bf16",
    "x86",
    "x86-64",
    "GPT-4",
    "ResNet-50",
    "Llama-2",
    "int8",
    "A100",
]
names = st.sampled_from(NAMED) | st.from_regex(r"[A-Za-z]{1,5}-?[0-9]{1,3}[a-z]?", fullmatch=True)
amounts = st.decimals(min_value="0.01", max_value="99999.99", places=2).map(float)


def numeric(value: float, unit: str | None, tolerance: float = 0.0) -> QuestionSpec:
    return QuestionSpec(
        id="q", prompt="How much?", answer="so much", key_points=["a", "b"], kind="numeric",
        value=value, tolerance=tolerance, unit=unit,
    )  # fmt: skip


@given(amounts, names, st.sampled_from(["kg", "tokens/s", "GB", "users", ""]), st.integers(0, 3))
def test_digits_written_onto_a_name_are_not_the_value(x: float, name: str, noun: str, form: int) -> None:
    unit = f"{noun} {name}".strip()  # the question's own unit holds the name ("kg CO2e")
    answer = [
        f"{x} {unit}",
        f"{x} {noun} with {name}",
        f"{name}: {x} {noun}",  # (a marker before the value, the name before that)
        f"so for {name} it is {x} {noun}, on {name}",
    ][form]
    for asked in (unit, noun or None):
        reading = read_quantity(numeric(x, asked), answer)
        assert reading is not None and reading[0] == x, (answer, asked, reading)
    assert read_quantity(numeric(x, unit), name) is None  # a name alone holds no value


def test_the_tester_s_answer() -> None:
    spec = numeric(844.8, "kg CO2e", 5)
    assert grade_numeric(spec, "844.8 kg CO2e").correct
    assert grade_numeric(spec, "so CO2e comes to 845 kg").correct


TIMES = {"h": 3600, "hr": 3600, "hour": 3600, "hours": 3600, "min": 60, "m": 60, "minutes": 60,
         "s": 1, "sec": 1, "seconds": 1, "ms": 1e-3}  # fmt: skip
SIZES = sorted(set(TIMES.values()), reverse=True)


@given(
    st.lists(st.integers(1, 59), min_size=2, max_size=4),
    st.data(),
    st.sampled_from(["", " ", ", ", " and ", ", and "]),
    st.sampled_from(["", " "]),
    st.sampled_from([("s", 1), ("min", 60), ("h", 3600), ("ms", 1e-3), ("days", 86400)]),
)
def test_a_time_in_parts_is_their_sum(
    amounts: list[int], data: st.DataObject, joint: str, space: str, asked: tuple[str, float]
) -> None:
    sizes = sorted(data.draw(st.sets(st.sampled_from(SIZES), min_size=len(amounts), max_size=len(amounts))))
    sizes.reverse()  # each part in a smaller unit than the one before: "2 h 30 min", "1m30s"
    parts = []
    for amount, size in zip(amounts, sizes, strict=False):
        word = data.draw(st.sampled_from([w for w, s in TIMES.items() if s == size]))
        parts.append(f"{amount}{space if len(word) < 3 else ' '}{word}")
    answer = joint.join(parts) if joint.strip() or space else "".join(parts)
    seconds = sum(amount * size for amount, size in zip(amounts, sizes, strict=False))
    spec = numeric(seconds / asked[1], asked[0], tolerance=seconds / asked[1] * 1e-9)
    for said in (answer, f"it took {answer} in all"):
        assert grade_numeric(spec, said).correct, (said, asked, grade_numeric(spec, said))
    assert not grade_numeric(numeric(seconds / asked[1], asked[0]), parts[0]).correct  # one part alone


def test_every_builtin_numeric_question_reads_its_own_value_and_model_answer() -> None:
    """Its value followed by its unit reads as correct, and so does the sentence of its model answer
    that states the value (a model answer goes on past its value, so it is read a sentence at a time)."""
    from mockprep.core.bank_files import load_banks
    from mockprep.paths import builtin_banks_dir

    banks, _problems = load_banks([builtin_banks_dir()])
    specs = [q.spec for bank in banks for q in bank.questions if q.spec.kind == "numeric"]
    assert len(specs) > 50
    wrong = []
    for spec in specs:
        assert spec.value is not None
        for answer in (
            f"{readable_number(spec.value)} {spec.unit or ''}",
            f"{spec.value!r}{spec.unit or ''}",
        ):
            if not grade_numeric(spec, answer).correct:
                wrong.append((spec.id, answer, grade_numeric(spec, answer).given))
        sentences = re.split(r"\n+|(?<=[.!?;:])\s+(?=[A-Z(])", spec.answer)
        if not any(grade_numeric(spec, s).correct for s in sentences if s.strip()):
            wrong.append((spec.id, "model answer", [grade_numeric(spec, s).given for s in sentences]))
    assert not wrong
