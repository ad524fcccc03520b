"""Numbers said aloud: a transcript's number words read as digits by numeric auto-grading."""

from __future__ import annotations

import math

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from mockprep.core.autograde import grade_numeric, read_number
from mockprep.core.banks import parse_question
from mockprep.core.grading import default_grader
from mockprep.core.number_words import with_digits

_SMALL = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen"
).split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def spelled(n: int, joiner: str = "-", with_and: bool = False) -> str:
    """``n`` (0 to 999,999,999) in English words: an implementation of its own, to check against."""
    if n < 20:
        return _SMALL[n]
    if n < 100:
        tens, unit = divmod(n, 10)
        return _TENS[tens] + (joiner + _SMALL[unit] if unit else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        head = _SMALL[hundreds] + " hundred"
        return head + ((" and " if with_and else " ") + spelled(rest, joiner) if rest else "")
    for scale, name in ((1_000_000, "million"), (1_000, "thousand")):
        if n >= scale:
            high, rest = divmod(n, scale)
            head = spelled(high, joiner, with_and) + " " + name
            return head + (" " + spelled(rest, joiner, with_and) if rest else "")
    raise AssertionError(n)


@given(
    st.integers(min_value=0, max_value=999_999_999),
    st.sampled_from(["-", " "]),
    st.booleans(),
)
def test_every_spelled_whole_number_reads_as_its_digits(n: int, joiner: str, with_and: bool) -> None:
    words = spelled(n, joiner, with_and)
    assert with_digits(f"the answer is {words} in total") == f"the answer is {n} in total"
    assert read_number(words) == n


@pytest.mark.parametrize(
    ("said", "value"),
    [
        ("thirty-one copies", 31),
        ("so the answer is thirty one", 31),
        ("zero point four two", 0.42),
        ("nought point five", 0.5),
        ("point five", 0.5),
        ("one point four one four", 1.414),
        ("three eighths", 0.375),
        ("two thirds", 2 / 3),
        ("a half", 0.5),
        ("one and a half", 1.5),
        ("one over eight", 0.125),
        ("minus three", -3),
        ("a hundred and twenty", 120),
        ("twelve hundred", 1200),
        ("a thousand", 1000),
        ("square root of two over two", 2**0.5 / 2),
        ("seventeen appends make thirty-one copies", 31),  # the final number, as with digits
        ("it comes to 1 + 2 + 4 + 8 + 16, so thirty one", 31),  # working in digits, answer in words
        ("zero point oh five", 0.05),
        ("two and three quarters", 2.75),
        ("one point five million", 1_500_000),
        ("root two", 2**0.5),
        ("one over e", 0.36787944117144233),
        ("ten to the minus three", 0.001),
        ("two to the power of ten", 1024),
        ("e to the minus one", 0.36787944117144233),
        ("one in six", 1 / 6),
        ("P = 0.042, so about one in twenty-four", 1 / 24),
        ("it takes one point five seconds", 1.5),  # a "one" that starts a decimal is a number
        ("one point two, I think", 1.2),
        ("the answer is one, since the die has six faces", 1),  # a clause ends after it
    ],
)
def test_a_spoken_answer_reads_as_the_number_said(said: str, value: float) -> None:
    assert read_number(said) == pytest.approx(value)


def test_a_spoken_percentage_is_a_proportion_where_one_is_expected() -> None:
    assert read_number("about four point two percent", proportion=True) == pytest.approx(0.042)
    assert read_number("seventy-five per cent", proportion=False) == pytest.approx(75)
    assert read_number("twelve and a half percent", proportion=True) == pytest.approx(0.125)


@pytest.mark.parametrize(
    "text",
    [
        "the one I computed",
        "one of them",
        "each one",
        "the fifth append",  # an ordinal is no fraction on its own
        "someone said it is oneself",
        "a cat and a dog",
        "no numbers at all",
    ],
)
def test_words_that_are_not_numbers_stay_words(text: str) -> None:
    assert with_digits(text) == text


@pytest.mark.parametrize(
    ("text", "compounds", "kept"),
    [
        ("zero-init the last layer", "0-init the last layer", "zero-init the last layer"),
        (
            "a three-layer net with twenty-one heads",
            "a 3-layer net with 21 heads",
            "a three-layer net with 21 heads",
        ),
        ("up to four epochs", "up to 4 epochs", "up to 4 epochs"),
    ],
)
def test_a_number_joined_to_a_word_can_be_left_a_word(text: str, compounds: str, kept: str) -> None:
    """The key-point matcher reads "four epochs" as "4 epochs" but leaves "zero-init" a word (there
    it names a kind of thing), so that two key points do not seem to share a number they do not."""
    assert with_digits(text) == compounds
    assert with_digits(text, compounds=False) == kept


def test_a_pronoun_one_does_not_hide_the_number_said() -> None:
    assert read_number("the one I worked out is thirty-one") == 31
    assert read_number("the answer is one") == 1


def test_a_spoken_numeric_answer_is_graded_and_suggested_like_a_typed_one() -> None:
    spec = parse_question(
        {
            "id": "sets",
            "kind": "numeric",
            "prompt": "Sets left?",
            "answer": "4",
            "key_points": ["count", "merge"],
            "value": 4,
        }
    )
    grade = grade_numeric(spec, "There are four sets left.")
    assert grade.correct and grade.given == "4"
    wrong = grade_numeric(spec, "I think five.")
    assert not wrong.correct and wrong.given == "5"
    # the transcript goes through the grader the session calls, as a typed answer does
    assert default_grader().assess(spec, "so there are four sets").suggested == 3
    assert default_grader().assess(spec, "so there are 4 sets").suggested == 3


@given(st.text(alphabet="onetwhdrsaip -,.", max_size=200))
def test_any_text_of_number_like_words_is_read_without_error(text: str) -> None:
    rewritten = with_digits(text)
    assert isinstance(rewritten, str)
    read_number(text)  # may find no number; never raises on words


_DIGIT_WORDS = "zero one two three four five six seven eight nine".split()


def _said_decimal(whole: int, decimals: str, oh: bool) -> str:
    """``whole.decimals`` as said aloud: "two point oh seven five"."""
    digits = [("oh" if oh and d == "0" else _DIGIT_WORDS[int(d)]) for d in decimals]
    return spelled(whole, " ") + (" point " + " ".join(digits) if decimals else "")


def _powers_of_ten(typed: str, said: str, n: int) -> list[str]:
    """Every way the same value ``typed`` × 10^n is written or said (``said``: its mantissa in words)."""
    sign, power = ("minus ", -n) if n < 0 else ("", n)
    to_the = "to the minus" if n < 0 else "to the power of"  # (a positive power is said "to the power of")
    exponent = f"{n:+d}" if n else "0"
    return [
        f"{typed} × 10^{n}",  # (read right before spoken forms were)
        f"{typed} x 10^{n}",
        f"{typed} X 10^({n})",
        f"{typed}*10^{n}",
        f"{typed}e{n}",
        f"{typed} e{exponent}" if n else f"{typed}e0",
        f"{typed} times 10^{n}",
        f"{typed} times 10 to the {sign}{power}",
        f"roughly {typed} times ten to the power of {sign}{spelled(power)}",
        f"{said} times ten {to_the} {spelled(power)}",
        f"so it is {said} times ten to the power of {sign}{spelled(power)}",
        f"{said} e minus {spelled(power)}" if n < 0 else f"{typed}E+{n}",
        f"{said} e {spelled(power)}" if n > 0 else f"{typed}e{n}",  # "two e four" read 4 (a review)
    ]


@given(
    st.integers(min_value=0, max_value=99),
    st.text(alphabet="0123456789", max_size=4),
    st.integers(min_value=-12, max_value=12),
    st.booleans(),
)
@example(whole=1, decimals="", n=-1, oh=False)  # "one e minus one" read -1: a lone "one" before "e"
def test_scientific_notation_reads_the_same_however_it_is_written_or_said(
    whole: int, decimals: str, n: int, oh: bool
) -> None:
    """A spoken "2.075 times 10 to the minus 1" was read as 0.1 (the power of ten alone), "three times
    ten to the minus one" too: every spelling of A·10^n is the one number."""
    typed = f"{whole}.{decimals}" if decimals else str(whole)
    expected = float(f"{typed}e{n}")
    for spelling in _powers_of_ten(typed, _said_decimal(whole, decimals, oh), n):
        value = read_number(spelling)
        assert value is not None and math.isclose(value, expected, rel_tol=1e-9, abs_tol=1e-300), spelling


def test_a_lone_one_before_an_e_that_starts_no_power_is_no_number() -> None:
    """Found by an independent review of 14340a4: with "one" counted before "e", "one e-mail" and "one
    e.g." read as 1; only an exponent after the "e" makes it a power of ten."""
    assert read_number("I sent one e-mail to the team") is None
    assert read_number("pick one e.g. the cheapest") is None
    assert read_number("one e minus four") == pytest.approx(1e-4)
    assert read_number("one e -4") == pytest.approx(1e-4)


def test_a_transcribed_power_of_ten_is_graded_at_its_value() -> None:
    """Whisper writes "two point oh eight times ten to the minus one" as "2.8 times 10 to the minus 1"
    (it drops the "oh"), and "2.08 times 10 to the minus 1" when it keeps it."""
    spec = parse_question(
        {
            "id": "kl",
            "kind": "numeric",
            "prompt": "KL(P || Q) in bits?",
            "answer": "0.2075",
            "key_points": ["sum over outcomes", "log base 2"],
            "value": 0.2075,
            "tolerance": 0.003,
        }
    )
    assert grade_numeric(spec, "2.075 times 10 to the minus 1").correct
    assert grade_numeric(spec, "2.08 times 10 to the minus 1").correct
    assert grade_numeric(spec, "two point oh eight times ten to the minus one").correct
    wrong = grade_numeric(spec, "2.8 times 10 to the minus 1")
    assert not wrong.correct and wrong.given == "0.28"
    # a power of ten alone, and a product that is not one, read as before
    assert read_number("ten to the minus three") == pytest.approx(0.001)
    assert read_number("2 e - 1") != pytest.approx(0.2)


@given(
    st.integers(1, 999),
    st.sampled_from(["0.5", "2", "1.25", "(1 + 2)", "√4", "-3"]),
    st.sampled_from(["{a} times {b}", "the answer is {a} times {b}", "so {a} Times {b}, final"]),
)
def test_a_product_said_with_times_is_read_as_the_product(a: int, b: str, form: str) -> None:
    """Found by a tester reading numbers aloud: "one times two" read 1 (and "3 times 4" 3): "times"
    between two values is a product; "3 times larger: 12" and "I tried 3 times" are left alone."""
    value = {"0.5": 0.5, "2": 2, "1.25": 1.25, "(1 + 2)": 3, "√4": 2, "-3": -3}[b]
    assert read_number(form.format(a=a, b=b)) == pytest.approx(a * value)
    assert read_number("it is 3 times larger: 12") == 12
    assert read_number("I tried it 3 times. The answer is 7") == 7
    assert read_number("one times two") == 2
