"""Numbers an independent review found misread: a full count against a unit that names a magnitude
("7e9" for 7 billion parameters), a citation's year taken for the value ("112 GB (Kaplan 2020)"), "Gb"
read as gigabytes, a clock time ("1:52") read as its seconds, and "1.25x2^30" read as 1.25."""

from __future__ import annotations

from hypothesis import assume, example, given
from hypothesis import strategies as st

from mockprep.core.autograde import grade_numeric, read_number, readable_number
from tests.test_numeric_units import amounts, numeric

# A question's unit that names a magnitude of what it counts, and that magnitude
COUNTED = {
    "billion parameters": 1e9, "B parameters": 1e9, "bn tokens": 1e9, "million users": 1e6,
    "M tokens": 1e6, "k steps": 1e3, "thousand examples": 1e3, "trillion tokens": 1e12,
}  # fmt: skip


@given(amounts, st.sampled_from(sorted(COUNTED)), st.integers(0, 3))
@example(1.051, "billion parameters", 0)
@example(7.0, "B parameters", 1)
def test_a_full_count_is_right_where_the_unit_names_a_magnitude(x: float, unit: str, form: int) -> None:
    """ "7e9", "7,000,000,000" and "7,000,000,000 parameters" for 7 billion parameters are right, and
    the verdict says what they were read as; a full count that is not the value stays wrong."""
    spec = numeric(x, unit, tolerance=x * 1e-9)
    full = x * COUNTED[unit]
    noun = unit.split()[-1]
    written = [
        f"{x:g}e{len(str(int(COUNTED[unit]))) - 1}",
        f"{full:,.0f}",
        f"{full:.0f} {noun}",
        f"{full:,.0f} {noun}",
    ]
    grade = grade_numeric(spec, written[form])
    assert grade.correct and grade.unread is None, (written[form], grade)
    assert f"({readable_number(x)} {unit})" in grade.given, grade
    assert grade_numeric(spec, f"{x:g}").correct  # the value in the unit as before
    assert not grade_numeric(spec, f"{full * 1.5:,.0f} {noun}").correct


NAMES = ["Kaplan", "Simpson", "Ainslie", "Hoffmann", "McCandlish", "OpenAI", "Vaswani"]
CITED = [
    "{v} ({n} {y})",
    "{v} ({n} et al., {y})",
    "{v} ({n} and {m} {y})",
    "{v} (see {n} et al. {y}; {m} {y})",
    "{v}, as {n} et al. {y} showed",
    "{v} per {n} {y}",
    "{v}, following {n} ({y})",
    "{n} et al. ({y}) report {v}",
    "{v} (from {n} {y}",
]


@given(
    st.decimals(min_value="0.1", max_value="9999", places=1).map(float),
    st.sampled_from(["", " GB", " GiB", " s", " users"]),
    st.sampled_from(NAMES),
    st.sampled_from(NAMES),
    st.integers(1850, 2099).map(str) | st.sampled_from(["2020a", "1951"]),
    st.sampled_from(CITED),
)
@example(112.0, " GB", "Kaplan", "Kaplan", "2020", "{v} ({n} {y})")
@example(42.0, "", "Simpson", "Simpson", "1951", "{v} ({n} {y})")
@example(1.25, "GiB", "Ainslie", "Ainslie", "2023", "{v} ({n} {y})")
def test_a_citation_s_year_supplies_no_value(
    x: float, unit: str, name: str, other: str, year: str, form: str
) -> None:
    answer = form.format(v=f"{x:g}{unit}", n=name, m=other, y=year)
    grade = grade_numeric(numeric(x, unit.strip() or None), answer)
    assert grade.correct and grade.unread is None, (answer, grade)


@given(st.integers(1850, 2099), st.sampled_from(["Context", "Vaswani", "Total length", "GPT-3 window"]))
@example(2048, "Context")
def test_a_year_taken_for_a_citation_never_makes_a_right_answer_wrong(value: int, word: str) -> None:
    """A review of c790d7a: "For GPT-3, Context 2048" (2048 tokens) and "8 Google authors, Vaswani
    2017" read no value or the 8, and "GPT-3 (Brown et al. 2020)" counted GPT-3's digit as the other
    number. A right number the citation rule took for a year is still right."""
    for answer in (f"For GPT-3, {word} {value}", f"8 heads, {word} {value}", f"GPT-3 (Brown et al. {value})"):
        grade = grade_numeric(numeric(value, None), answer)
        assert grade.correct and grade.unread is None, (answer, grade)
    assert grade_numeric(numeric(112, "GB", 1), f"112 GB (Kaplan {value})").correct  # (still a citation)


@given(st.integers(1850, 2099))
def test_a_year_that_is_the_answer_is_still_read(year: int) -> None:
    for answer in (f"{year}", f"It was published in {year}", f"Kaplan {year}", f"Total {year}"):
        assert grade_numeric(numeric(year, None), answer).correct, answer
    assert read_number(f"Total {year}, so 3") == 3


PREFIXES = "KMGTP"


@given(amounts, st.integers(1, 5), st.booleans())
@example(112.0, 3, False)
def test_a_small_b_after_a_capital_prefix_is_bits(x: float, power: int, lower: bool) -> None:
    """ "112 Gb" is 112 gigabits, 14 GB: wrong for 112 GB; 896 Gb is right (as "Gbit" and "b" alone
    are bits)."""
    letter = PREFIXES[power - 1]
    spec = numeric(x, f"{PREFIXES[power - 1]}B", tolerance=x * 1e-9)
    grade = grade_numeric(spec, f"{x:g} {letter}b")
    assert not grade.correct and grade.given is not None, grade
    assert f"({readable_number(float(f'{x / 8:.6g}'))} " in grade.given  # it says how it was read
    assert grade_numeric(spec, f"{x * 8:.12g} {letter}b").correct
    bit = f"{letter.lower() if lower else letter}bit"
    assert grade_numeric(spec, f"{x * 8:.12g} {bit}").correct
    assert grade_numeric(spec, f"{x:g} {PREFIXES[power - 1]}B").correct


@given(amounts, st.integers(1, 5), st.booleans())
@example(16.0, 3, False)
def test_a_size_typed_in_small_letters_is_bytes(x: float, power: int, binary: bool) -> None:
    """ "16gb", "512mb", "2gib": all in small letters is how people type bytes (a review of c790d7a:
    they were read as bits, so a right answer was marked wrong)."""
    prefix = PREFIXES[power - 1]
    assume(not (binary and prefix == "P"))  # ("pib" reads as pi b: a constant times a bit)
    unit = f"{prefix}iB" if binary else f"{prefix}B"
    spec = numeric(x, unit, tolerance=x * 1e-9)
    assert grade_numeric(spec, f"{x:g} {unit.lower()}").correct
    assert grade_numeric(spec, f"{x:g}{unit.lower()}").correct


TIME_UNITS = {"s": 1, "seconds": 1, "ms": 1e-3, "min": 60, "minutes": 60}


@given(st.integers(0, 9 * 3600), st.sampled_from(sorted(TIME_UNITS)), st.booleans())
@example(112, "s", False)
def test_a_time_with_colons_is_a_duration(seconds: int, unit: str, hms: bool) -> None:
    """ "1:52" is 1 min 52 s, "0:01:52" the same as h:mm:ss, where the question's unit is a time."""
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    written = f"{h}:{m:02d}:{s:02d}" if hms or h else f"{m}:{s:02d}"
    value = seconds / TIME_UNITS[unit]
    spec = numeric(value, unit, tolerance=value * 1e-9)
    for answer in (written, f"it takes about {written}", f"{written} in total"):
        grade = grade_numeric(spec, answer)
        assert grade.correct and grade.unread is None, (answer, grade)


@given(st.integers(0, 23), st.integers(0, 59), st.sampled_from(["h", "hours"]))
def test_two_parts_are_hours_and_minutes_where_the_question_counts_hours(h: int, m: int, unit: str) -> None:
    value = h + m / 60
    spec = numeric(value, unit, tolerance=1e-9)
    assert grade_numeric(spec, f"{h}:{m:02d}").correct
    assert grade_numeric(spec, f"{h}:{m:02d}:00").correct
    assert grade_numeric(numeric(h * 60 + m, "min", 1e-9), f"{h}:{m:02d} h").correct


@given(
    st.decimals(min_value="0.01", max_value="99.99", places=2).map(float),
    st.integers(2, 9),
    st.integers(1, 40),
    st.sampled_from(["x", "X", " x ", "×", " × ", "*"]),
)
@example(1.25, 2, 30, "x")
def test_a_lone_x_between_numbers_is_a_product(x: float, base: int, power: int, by: str) -> None:
    assert read_number(f"{x:g}{by}{base}^{power}") == x * base**power
    assert read_number(f"{x:g}{by}{base}^{power} bytes") == x * base**power
    assert read_number(f"{x:g}{by}{base}") == x * base


def test_an_x_that_starts_a_name_or_follows_a_number_alone_is_no_product() -> None:
    assert read_number("8 nodes of 2 x86 chips") == 2  # "x86" is a name
    assert read_number("it is 3x faster") == 3
