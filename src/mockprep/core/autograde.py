"""Reading numeric answers as people write them: a number at the end of some working. Pure. (A choice's
letter or text: :mod:`mockprep.core.choice_answers`.)

The final answer is what follows the last "=", "≈", "so", "answer" or "therefore" that has a
number after it; fractions, √, π and e expressions, scientific notation ("1.2e-3", "1.2 × 10^-3"), a
Unicode minus and a percentage (read as a proportion when the expected value is one) are understood; a
remark in brackets after the value ("0.37 (1/e)") is not read as a factor of it, nor a tolerance ("0.5 ±
0.001"); "½" and "1½" are fractions. A comma that could be a decimal comma ("0,042", "3,5"), and digits
grouped by plain spaces ("5 000": one number or several?), are ambiguous and sent back with a question;
grouped by a thin or no-break space, as typeset numbers are, they are one number. Numbers in words, as a
spoken answer's transcript gives them ("thirty-one", "zero point four two", "three eighths"), read as
their digits (:mod:`mockprep.core.number_words`). A magnitude after the number ("14.75k", "2.5 million")
multiplies it, and a unit converts to the question's or is told when it is of another kind
(:mod:`mockprep.core.units`). A lone "x" between numbers is a product ("1.25x2^30"); a citation's year
("112 GB (Kaplan 2020)") is no value (:mod:`mockprep.core.citations`).
"""

from __future__ import annotations

import ast
import bisect
import math
import operator
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from mockprep.core.citations import without_citations
from mockprep.core.number_words import symbols, with_digits
from mockprep.core.units import (
    KIND_NAMES,
    Unit,
    Written,
    clock_durations,
    expected_unit,
    read_alike,
    starts_with_unit,
    summed_durations,
    written_after,
)

if TYPE_CHECKING:
    from mockprep.core.questions import QuestionSpec

LETTERS = "abcdefgh"


@dataclass(frozen=True)
class AutoGrade:
    """The verdict on an auto-graded answer: what was read from it and what was expected."""

    correct: bool
    given: str | None
    expected: str
    unread: str | None = None  # why the answer could not be read ("'3,47' looks like a decimal comma...")


class Unreadable(ValueError):
    """The answer cannot be read unambiguously; the message says what to type instead."""


_MARKERS = re.compile(r"=|≈|~|\bso\b|\banswer\b|\btherefore\b|\bthus\b|\bhence\b|\bgives\b|:", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
# An expression's characters: an "e" only where no letter follows it (1e-3, e^-1, 1/e), so that a word
# ("10 - error", "12/each") ends the expression instead of lending it Euler's number.
_CHARS = r"(?:[0-9.,+\-*/()√π^\s]|[eE](?![A-Za-z]|\.[A-Za-z]))*"
_EXPRESSION = re.compile(
    rf"[-+(]{{0,8}}\s?(?:\d|\.\d|√|π|pi\b|sqrt|\be(?=\s*\^)){_CHARS}(?:pi|sqrt)?{_CHARS}%?"
)
_OPERATORS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
}


def _normalise(text: str) -> str:
    text = _MIXED.sub(r"\1+\2", text)  # "1½" is one and a half (NFKC would make it "11⁄2")
    text = _THIN_GROUPS.sub("", text)  # "5 000" with a thin or no-break space: one number
    text = _SPACES.sub(" ", text)  # (a long run of spaces is one: no expression search starts in it)
    text = re.sub(r"([⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺]+)", lambda m: "^" + m.group(1).translate(_SUPERSCRIPTS), text)
    text = unicodedata.normalize("NFKC", text)  # ("½" is "1⁄2" then, with a fraction slash)
    for old, new in (
        ("−", "-"), ("–", "-"), ("×", "*"), ("·", "*"), ("÷", "/"), ("⁄", "/"), ("{", "("), ("}", ")")
    ):  # fmt: skip
        text = text.replace(old, new)
    # "1.2 x 10^-3", "1.2*10^-3", "1.2 times 10^-3" (said: "times ten to the minus three") and
    # "1.2 e-3": scientific notation written out, read as the one number it is
    text = _TIMES_TEN.sub(r"e\1", text)
    text = _BY.sub("*", text)  # "1.25x2^30", "4 x 8": a lone x between numbers is a product
    text = _TIMES.sub("*", text)  # "3 times 4" (said: "three times four") is 12, not 3 or 4
    text = _SPACED_E.sub(r"e\1", text)
    return _TOLERANCE.sub("", text)  # "0.5 ± 0.001", "7 ± 1e-3": the value, not its tolerance


_TIMES_TEN = re.compile(r"(?<=\d)\s*(?:[x*]|\btimes\b)\s*10\s*\^\s*\(?\s*([-+]?\d+)\s*\)?", re.IGNORECASE)
# An x after a number (not 0x, hex's prefix) and before one, written onto both or spaced from both:
# "1.25x2^30", "4 x 8" (not "2 x86", a name; nor "3x faster")
_BY = re.compile(r"(?<=[\d)])(?<!\b0)(?:x|\s+x\s+)(?=[-+]?[\d(√π])", re.IGNORECASE)
_TIMES = re.compile(r"(?<=[\d)])\s+times\s+(?=[-+]?[\d(√π])", re.IGNORECASE)
# "1.2 e-3", "2 e +5" (a transcript's "e minus three"): the exponent's sign against its digits, so that
# "2 e - 1" is not taken for 2·10^-1
_SPACED_E = re.compile(r"(?<=\d)\s+[eE]\s?([-+]\d+)(?![\d.])")
_SCIENTIFIC = re.compile(r"\de[-+]?\d")
# A tolerance after a value: "± 0.001", "+/- 1e-3", "± 10^-3", "± 5%" (after the value only: "±5" alone
# is the value)
_TOLERANCE = re.compile(r"(?<=[\d%)(])\s*(?:±|\+/-|\+-)\s*[\d.]+(?:e[-+]?\d+|\^[-+]?\d+)?\s*%?")
_MIXED = re.compile(r"(\d)\s*([¼½¾⅐⅑⅒⅓⅔⅕⅖⅗⅘⅙⅚⅛⅜⅝⅞])")
# Digits grouped in threes by a thin or no-break space, as typeset numbers are ("5 000"); with a plain
# space, "5 000" or "64 128 256" may be one number or several: asked again (see read_number).
_THIN_GROUPS = re.compile(r"(?<=\d)[\u00a0\u2009\u202f](?=\d{3}(?!\d))")
_SPACED_GROUPS = re.compile(r"\d{1,3}(?: \d{3})+(?:\.\d+)?")
_CONSTANTS = {"pi": math.pi, "e": math.e}  # "1/e" and "e^-1" too; "1e-3" is a literal to Python
# A remark in brackets after a value ("0.37 (1/e)", "0.5 (half of them)"): not a factor of it.
_REMARK = re.compile(r"(?<=[\d.%])\s+\([^()]*\)?\s*$")  # (the closing bracket may be cut off)


def _evaluate(expression: str) -> float:
    """Value of an arithmetic expression with √, π, ^ (a restricted ``ast`` walk, no ``eval``)."""
    source = expression.replace("^", "**").replace("π", " pi ")
    source = re.sub(r"√\s*\(", "sqrt(", source)
    source = re.sub(r"√\s*([0-9.]+|pi)", r"sqrt(\1)", source)
    source = re.sub(r"(\d|\))\s*(pi|sqrt|\()", r"\1*\2", source)  # 2π, 2√3, 2(3): implicit product
    tree = ast.parse(source.strip(), mode="eval")

    def walk(node: ast.AST) -> float:
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return float(node.value)
        if isinstance(node, ast.Name) and node.id in _CONSTANTS:
            return _CONSTANTS[node.id]
        if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
            left, right = walk(node.left), walk(node.right)
            if isinstance(node.op, ast.Pow) and abs(right) > 64:
                raise ValueError("exponent too large")
            return _OPERATORS[type(node.op)](left, right)
        if isinstance(node, ast.UnaryOp) and type(node.op) in _OPERATORS:
            return _OPERATORS[type(node.op)](walk(node.operand))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "sqrt":
            (argument,) = node.args
            return math.sqrt(walk(argument))
        raise ValueError("not arithmetic")

    return walk(tree)


def _commas(number: str) -> str:
    """Thousands separators removed; a comma that could be a decimal comma is ambiguous."""
    if "," not in number:
        return number
    for match in re.finditer(r"(?<!\d)\d+(?:,\d+)+", number):  # (from a run's start: linear on long runs)
        integer, *groups = match.group().split(",")
        if integer.lstrip("-+") in ("", "0") or any(len(g) != 3 for g in groups):
            if len(groups) == 1:  # "3,47", "0,042": one comma, not before three digits of a thousand
                written, point = match.group(), match.group().replace(",", ".")
                raise Unreadable(f"{written!r} looks like a decimal comma: write it with a point ({point})")
            raise Unreadable(
                f"{match.group()!r} is ambiguous: write decimals with a point (0.042) and no commas"
            )
    return number.replace(",", "")


def read_number(answer: str, proportion: bool = False) -> float | None:
    """The final number in ``answer`` (see the module docstring), times a magnitude written after it
    ("14.75k", "2.5 million", "10B"); None when there is none.

    ``proportion``: the expected value is a proportion, so "4.2%" reads as 0.042.
    Raises :class:`Unreadable` for an ambiguous decimal comma.
    """
    reading = _read(answer)
    if reading is None:
        return None
    value, percent, after = reading
    written = written_after(after)
    if percent or (written.unit is not None and written.unit.kind == "percent"):  # "%", "pct", "percent"
        return value / 100 if proportion else value
    return value * written.magnitude


# Digits written onto letters belong to a name, not a value: "CO2e", "H2O", "fp16", "x86", "GPT-4",
# "ResNet-50", "log2(8)" (a letter just before the expression, or before its sign or bracket).
_IN_NAME = re.compile(r"[^\W\d_]$")


def _read(answer: str, citations: bool = True) -> tuple[float, bool, str] | None:
    """The final number in ``answer``, whether a "%" ends it, and the text after it (a magnitude, a
    unit); None when there is none. With ``citations``, a citation's year is no number ("112 GB
    (Kaplan 2020)"), unless without it no number can be read ("GPT-3 (Brown et al. 2020)")."""
    if citations:
        cited = without_citations(answer, starts_with_unit)
        if cited != answer and (reading := _read(cited, citations=False)) is not None:
            return reading
    text = _normalise(symbols(answer))
    cuts = [m.end() for m in _MARKERS.finditer(text)]
    worded = _normalise(with_digits(answer))
    if not re.search(r"\d", text[cuts[-1] if cuts else 0 :]) or (  # the final answer is not in digits:
        len(_SCIENTIFIC.findall(worded)) > len(_SCIENTIFIC.findall(text))  # or its power of ten is not
    ):  # perhaps in words ("so the answer is thirty-one", "2.1 times ten to the minus one")
        text = worded
        cuts = [m.end() for m in _MARKERS.finditer(text)]
    # Every expression once (a marker never falls inside one), then the first after the last marker
    # that has one: linear however many markers a long answer holds.
    found = [
        (m.start(), m.end(), m.group().strip())
        for m in _EXPRESSION.finditer(text)
        if re.search(r"\d|π|pi", m.group())
        and not _IN_NAME.search(text, 0, m.start() + len(m.group()) - len(m.group().lstrip()))
    ]
    starts = [at for at, _end, _expression in found]
    for start in [*reversed(cuts), 0]:
        first = bisect.bisect_left(starts, start)
        if first == len(found):
            continue
        _at, end, expression = found[first] if start else found[-1]
        # a spaced bracket after the value is a remark ("= 3.14 (π)", "1/3 (one third)"); "2(3)" is 6
        token = _REMARK.sub("", expression)
        percent = token.endswith("%")
        token = _commas(token.rstrip("%").strip().rstrip(".,;"))
        if _SPACED_GROUPS.fullmatch(token):
            raise Unreadable(f"{token!r} is ambiguous: one number or several? Type one, without spaces")
        try:
            value = _evaluate(token)
        except ZeroDivisionError:
            return None
        except (ValueError, SyntaxError, OverflowError, TypeError, RecursionError):
            numbers = re.findall(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?", token)
            if not numbers:
                continue
            value = float(numbers[-1])
        return value, percent, text[end : end + 40]
    return None


def read_quantity(spec: QuestionSpec, answer: str, citations: bool = True) -> tuple[float, str] | None:
    """The final number in ``answer`` in the question's unit, and how it was read ("1,280 MiB"): a
    magnitude after it multiplies it, a unit of the same kind as the question's converts (MiB to
    GiB, ms to s, "%" for percentage points; where only reading both prefixes as powers of 1000, or
    both of 1024, gives the question's value, so: "112 GiB (GiB taken as GB)"), a bare number is in
    the question's unit, and a percentage ("%", "pct", "percent") is a proportion where the question
    has no unit and its value is one. None when there is no number.

    Raises :class:`Unreadable` for an ambiguous number, and for a unit of another kind than the
    question's ("ms" where the answer is in users), which would otherwise pass unnoticed.
    """
    assert spec.value is not None
    scale, unit = expected_unit(spec.unit)
    if unit is not None and unit.kind == "time":  # "2 h 30 min" and "2:30:00" are one time: 9000 s
        answer = summed_durations(clock_durations(answer, unit.scale))
    reading = _read(answer, citations)
    if reading is None:
        return None
    number, percent, after = reading
    written = written_after(after, unit.kind if unit else None)
    if percent:
        written = Written(1.0, Unit("%", "percent", 1.0))
    number *= written.magnitude
    taken = ""
    if written.unit is None:  # a bare number is in the question's unit; "14.75k users", "10B" (billion)
        value = number if written.magnitude == 1.0 else number / scale
        if not _near(spec, value) and _near(spec, number / scale):  # "7e9" for 7 billion: a full count
            value = number / scale
    elif unit is not None and written.unit.kind == unit.kind:
        value = number * written.unit.scale / unit.scale / scale
        if not _near(spec, value):  # "112 GiB" for 112 GB: right with both prefixes read alike
            for factor, alike in read_alike(written.unit, unit):
                if _near(spec, number * factor / scale):
                    value, taken = number * factor / scale, alike
                    break
    elif spec.unit:
        kind, wanted = KIND_NAMES[written.unit.kind], spec.unit.strip()
        raise Unreadable(f"'{written.unit.name}' is {kind}, not {wanted}: type the value in {wanted}")
    else:  # no unit to check against; "4.2%", "4.2 pct", "4.2 percent" of a proportion is 0.042
        proportion = written.unit.kind == "percent" and 0 < abs(spec.value) <= 1
        value = number / 100 if proportion else number
    shown = readable_number(number) + (
        "" if written.unit is None else ("%" if percent else f" {written.unit.name}")
    )
    notes = [taken] if taken else []
    if readable_number(value) != readable_number(number):  # converted: "1,280 MiB (1.25 GiB)"
        converted = readable_number(float(f"{value:.6g}"))  # (to six digits: 1.24797 GiB)
        notes.insert(0, f"{converted}{f' {spec.unit.strip()}' if spec.unit else ''}")
    return value, shown + (f" ({', '.join(notes)})" if notes else "")


def _near(spec: QuestionSpec, value: float) -> bool:
    """Whether ``value`` is the question's value within its tolerance."""
    assert spec.value is not None
    tolerance = spec.tolerance if spec.tolerance is not None else 0.0
    # A hair of slack so that "0.1" matches 0.1 despite binary floating point.
    return abs(value - spec.value) <= tolerance + 1e-9 * max(1.0, abs(spec.value))


def parse_number(text: str) -> float | None:
    """The final number in ``text``; None when there is none or it is ambiguous."""
    try:
        return read_number(text)
    except Unreadable:
        return None


def grade_numeric(spec: QuestionSpec, answer: str) -> AutoGrade:
    assert spec.value is not None
    unread = given = None
    try:
        reading = read_quantity(spec, answer)
    except Unreadable as exc:
        reading, unread = None, str(exc)
    if reading is None or not _near(spec, reading[0]):  # a year taken for a citation's never makes a
        try:  # right answer wrong: "Context 2048" for 2048 tokens
            uncited = read_quantity(spec, answer, citations=False)
        except Unreadable:
            uncited = None
        if uncited is not None and _near(spec, uncited[0]):
            reading, unread = uncited, None
    tolerance = spec.tolerance if spec.tolerance is not None else 0.0
    correct = reading is not None and _near(spec, reading[0])
    if reading is not None:
        given = reading[1]
    unit = f" {spec.unit}" if spec.unit else ""
    expected = f"{readable_number(spec.value)}{unit}" + (
        f" (± {readable_number(tolerance)})" if tolerance else ""
    )
    return AutoGrade(correct, given, expected, unread)


def readable_number(value: float) -> str:
    """A value as people read it: a whole number in full with separators (4,194,304, not 4.1943e+06),
    others to 12 significant digits without an exponent (0.375, 1,234.5); a magnitude under 1e-4 or
    from 1e15 in scientific notation (1.5e-05)."""
    if not math.isfinite(value) or (value and not 1e-4 <= abs(value) < 1e15):
        return f"{value:.6g}"
    if value == int(value):
        return f"{int(value):,}"
    return format(Decimal(f"{value:.12g}"), ",f")


def check_numeric(spec: QuestionSpec, answer: str) -> str | None:
    if not answer.strip():
        return None
    try:
        found = read_quantity(spec, answer)
    except Unreadable as exc:
        return str(exc)
    return (
        None if found is not None else "no number found: type the value (3/8, 0.375, √2/2 and 1e-3 all work)"
    )
