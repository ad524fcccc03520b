"""Pure helpers: durations, sanitising terminal text, auto-grading."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockprep.core.autograde import parse_number
from mockprep.core.banks import parse_question
from mockprep.core.durations import format_duration, parse_duration
from mockprep.core.grading import LexicalGrader
from mockprep.core.questions import QuestionSpec
from mockprep.core.sanitize import clean


def auto_grade(spec, answer):
    """The auto-grade part of an assessment (what choice and numeric questions are marked by)."""
    return LexicalGrader().assess(spec, answer).auto


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90", 90),
        ("90s", 90),
        ("2m30s", 150),
        ("2m 30s", 150),
        ("1h", 3600),
        ("1d", 86400),  # (a setting's bounds are said up to 1d)
        ("1d2h", 93600),
        ("1.5m", 90),
        (45, 45),
        (2.5, 2.5),
    ],
)
def test_parse_duration(text, seconds) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "abc", "3 parsecs", "1m1m", "-5", "s", "5x", True])
def test_parse_duration_rejects(text) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


@given(st.integers(0, 500), st.integers(0, 59))
def test_minutes_seconds_round_trip(m: int, s: int) -> None:
    assert parse_duration(f"{m}m{s}s") == m * 60 + s


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0s"),
        (59.4, "59s"),
        (59.6, "1m"),
        (150, "2m30s"),
        (3600, "1h"),
        (3900, "1h05m"),
        (8 * 86400, "8d"),
        (90 * 86400, "3.0mo"),
        (800 * 86400, "2.2y"),
    ],
)
def test_format_duration(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("plain [red]markup[/red] stays", "plain [red]markup[/red] stays"),
        ("colour \x1b[31mred\x1b[0m gone", "colour red gone"),
        ("clear \x1b[2J\x1b[H screen", "clear  screen"),
        ("title \x1b]0;pwned\x07 set", "title  set"),
        ("title \x1b]0;pwned\x1b\\ set", "title  set"),
        ("link \x1b]8;;http://x\x1b\\text\x1b]8;;\x1b\\", "link text"),
        ("bell\x07 back\x08space", "bell backspace"),
        ("c1 \x9b31m csi", "c1  csi"),
        ("keeps\ttabs\nand newlines\r\n", "keeps\ttabs\nand newlines\n"),
    ],
)
def test_clean(raw: str, shown: str) -> None:
    assert clean(raw) == shown


@given(st.text())
def test_clean_leaves_no_control_characters(text: str) -> None:
    out = clean(text)
    assert not any((ord(c) < 32 and c not in "\t\n") or 0x7F <= ord(c) <= 0x9F for c in out)


BIDI_OVERRIDES = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


@given(
    st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters=BIDI_OVERRIDES))
)
def test_clean_keeps_printable_text_exactly(text: str) -> None:
    assert clean(text) == text


PRINTABLE = st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")))


@given(PRINTABLE, st.text(alphabet=BIDI_OVERRIDES + "\u200e\u200f", min_size=1), PRINTABLE)
def test_clean_strips_bidi_overrides_and_keeps_the_marks(before: str, bidi: str, after: str) -> None:
    """A right-to-left override in a story's Task reorders what follows it on screen (Trojan Source):
    the embedding, override and isolate characters go; the marks LRM/RLM, which right-to-left text
    uses for its punctuation, stay."""
    out = clean(before + bidi + after)
    assert not any(c in BIDI_OVERRIDES for c in out)
    assert out.replace("\u200e", "").replace("\u200f", "") == "".join(
        c for c in before + after if c not in BIDI_OVERRIDES + "\u200e\u200f"
    )
    assert out.count("\u200e") == (before + bidi + after).count("\u200e")
    assert out.count("\u200f") == (before + bidi + after).count("\u200f")


def test_story_show_strips_an_override_and_keeps_the_stored_text(cli, home, tmp_path) -> None:
    from tests.conftest import db_rows

    task = "Approve \u202eyad 01 ni\u202c the refund"
    draft = tmp_path / "story.md"
    draft.write_text(f"# Refund\n\n## Task\n{task}\n\n## Result\nDone.\n", encoding="utf-8")
    assert cli("story", "new", "--from", str(draft)).exit_code == 0
    shown = cli("story", "show", "1").stdout
    assert "Approve yad 01 ni the refund" in shown
    assert not any(c in BIDI_OVERRIDES for c in shown)
    assert db_rows(home, "SELECT task FROM story_versions") == [(task,)]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0.25", 0.25),
        ("about 2.92 I think", 2.92),
        ("35/12", 35 / 12),
        ("-3e-2", -0.03),
        ("1,000", 1000.0),
        (".5", 0.5),
        ("none", None),
        ("1/0", None),
    ],
)
def test_parse_number(text: str, value: float | None) -> None:
    assert parse_number(text) == (pytest.approx(value) if value is not None else None)


def spec(**fields) -> QuestionSpec:
    base = {"id": "q", "prompt": "p", "answer": "a", "key_points": ["x", "y"]}
    return parse_question({**base, **fields})


def test_auto_grade_choice() -> None:
    q = spec(kind="choice", choices=["one", "two", "three"], correct="b")
    assert auto_grade(q, "b").correct
    assert auto_grade(q, "B) two").correct
    wrong = auto_grade(q, "c")
    assert not wrong.correct and wrong.given == "c" and wrong.expected == "b) two"
    assert not auto_grade(q, "").correct


def test_auto_grade_numeric_tolerance() -> None:
    q = spec(kind="numeric", value=2.9167, tolerance=0.01)
    assert auto_grade(q, "2.92").correct
    assert auto_grade(q, "35/12").correct
    assert not auto_grade(q, "2.95").correct
    assert not auto_grade(q, "no idea").correct
    exact = spec(kind="numeric", value=0.1)
    assert auto_grade(exact, "0.1").correct and not auto_grade(exact, "0.11").correct


def test_open_questions_are_not_auto_graded() -> None:
    assert auto_grade(spec(), "anything") is None


# -- timer ------------------------------------------------------------------------------------------

from datetime import UTC, datetime, timedelta  # noqa: E402

from mockprep.core.settings import DEFAULT_SETTINGS  # noqa: E402
from mockprep.core.timer import (  # noqa: E402
    FIT_SLACK_SECONDS,
    Countdown,
    SessionPlan,
    TimedAnswer,
    fitting,
    median_shares,
    parse_minutes,
    time_limit,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_time_limit_precedence() -> None:
    assert time_limit(DEFAULT_SETTINGS, "technical", None) == 180
    assert time_limit(DEFAULT_SETTINGS, "project", None) == 180
    assert time_limit(DEFAULT_SETTINGS, "behavioral", None) == 150
    assert time_limit(DEFAULT_SETTINGS, "behavioral", 60) == 60
    assert time_limit(DEFAULT_SETTINGS, "behavioral", 60, override=45) == 45


@pytest.mark.parametrize(
    ("seconds", "phase", "label"),
    [
        (0, "ok", "3:00 left of 3:00"),
        (149.5, "ok", "0:31 left of 3:00"),
        (150, "warning", "0:30 left of 3:00"),
        (179.9, "warning", "0:01 left of 3:00"),
        (180, "warning", "0:00 left of 3:00"),
        (192, "overtime", "+0:12 over 3:00"),
    ],
)
def test_countdown_phases_and_labels(seconds: float, phase: str, label: str) -> None:
    countdown = Countdown(180, T0)
    now = T0 + timedelta(seconds=seconds)
    assert countdown.phase(now) == phase
    assert countdown.label(now) == label


def test_median_needs_enough_history() -> None:
    timed = {
        "technical": [TimedAnswer(s, 100) for s in (10, 20, 30, 40)],
        "project": [TimedAnswer(s, 100) for s in (1, 2, 3, 4, 100)],
    }
    assert median_shares(timed, DEFAULT_SETTINGS, 5) == {"project": 0.03}


def test_the_median_is_of_each_answers_share_of_its_own_limit() -> None:
    """Five quick numeric answers (30 s of 60 s) and two design answers (600 s of 900 s): the round's
    median share is a half, so a 15-minute question is planned at 7m30s, not at 30 s."""
    technical = DEFAULT_SETTINGS.time_limit("technical")
    timed = [TimedAnswer(30, 60)] * 5 + [TimedAnswer(600, 900)] * 2 + [TimedAnswer(technical / 4, None)]
    (share,) = median_shares({"technical": timed}, DEFAULT_SETTINGS, 5).values()
    assert share == 0.5
    assert SessionPlan(1200, {"technical": share}).expected_for("technical", 900) == 450
    assert SessionPlan(1200, {}).expected_for("technical", 900) == 900  # no history: the limit
    # answers piped in at 0 s: a question is still expected to take 10 s (or its whole limit, if less)
    assert SessionPlan(60, {"technical": 0.0}).expected_for("technical", 900) == 10
    assert SessionPlan(60, {"technical": 0.0}).expected_for("technical", 4) == 4
    assert SessionPlan(60, {"technical": 0.0}).basis("technical", 900).startswith("the least a question")
    assert SessionPlan(60, {"technical": 0.5}).basis("technical", 900).startswith("50% of its time limit")
    # a session's --time-limit: the share is of the question's own limit; without one, the override
    assert SessionPlan(60, {"technical": 0.5}).expected_for("technical", 180, override=5) == 90
    assert SessionPlan(60, {}).expected_for("technical", 180, override=30) == 30
    # an untimed answer's share is of its round's limit; a limit of 0 counts no share
    untimed = {"technical": [TimedAnswer(technical / 4, None)] * 5 + [TimedAnswer(5, 0)]}
    assert median_shares(untimed, DEFAULT_SETTINGS, 5) == {"technical": 0.25}


@given(st.floats(1, 600), st.lists(st.floats(5, 600), max_size=30))
def test_plan_never_overfills(minutes: float, limits: list[float]) -> None:
    chosen = fitting(limits, minutes * 60)
    assert sum(limits[i] for i in chosen) <= minutes * 60 + FIT_SLACK_SECONDS  # (within a second)
    left = minutes * 60 - sum(limits[i] for i in chosen)
    assert all(limits[i] > left + FIT_SLACK_SECONDS for i in range(len(limits)) if i not in chosen)


@pytest.mark.parametrize("bad", [0, -5, float("nan"), 601])
def test_parse_minutes_rejects(bad: float) -> None:
    with pytest.raises(ValueError):
        parse_minutes(bad)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("√2 ≈ 1.414", 1.414),
        ("z = 5/2.887 = 1.73, so P ≈ 0.042", 0.042),
        ("−0.5", -0.5),
        ("1.2 × 10^-3", 0.0012),
        ("1.2·10⁻³", 0.0012),
        ("answer: 35/12", 35 / 12),
        ("π/4", 0.7853981633974483),
        ("√2/2", 0.7071067811865476),
        ("1,000", 1000.0),
        ("2^10", 1024.0),
        ("≈ 0.37 (1/e)", 0.37),  # a remark in brackets is not a factor
        ("P = 0.04 (4%)", 0.04),
        ("about 0.37, which is 1/e", 0.36787944117144233),  # Euler's number
        ("e^-1", 0.36787944117144233),
        ("e^{-1}", 0.36787944117144233),  # LaTeX braces
        ("1e-3", 0.001),  # still scientific notation
        ("2(3)", 6.0),  # a bracket with no space is still a product
    ],
)
def test_numbers_are_read_from_the_final_answer(text: str, value: float) -> None:
    from mockprep.core.autograde import read_number

    assert read_number(text) == pytest.approx(value)


def test_percentages_read_as_proportions_and_decimal_commas_are_sent_back() -> None:
    from mockprep.core.autograde import Unreadable, read_number

    assert read_number("4.2%", proportion=True) == pytest.approx(0.042)
    assert read_number("4.2%", proportion=False) == pytest.approx(4.2)
    assert read_number("n = 100, so 10 per cent", proportion=True) == pytest.approx(0.1)
    assert read_number("4.2 percent", proportion=True) == pytest.approx(0.042)
    for comma, point in (("0,042", "0.042"), ("3,5", "3.5")):
        with pytest.raises(
            Unreadable, match=f"looks like a decimal comma: write it with a point \\({point}\\)"
        ):
            read_number(comma)
    with pytest.raises(Unreadable, match="ambiguous"):
        read_number("1,5,7")  # (a list, or thousands written wrongly)


@given(
    st.integers(0, 999),
    st.text(alphabet="0123456789", min_size=1, max_size=6).filter(lambda d: len(d) != 3),
)
def test_a_decimal_comma_answer_says_so_at_the_reveal_not_nothing_recognisable(
    whole: int, digits: str
) -> None:
    """Found by an exploratory tester: '3,47' was graded as 'you answered nothing recognisable'."""
    spec = parse_question(
        {"id": "n", "topic": "t", "prompt": "?", "answer": "a", "key_points": ["x", "y"], "kind": "numeric",
         "value": 3.47, "tolerance": 0.02},
        strict=False,
    )  # fmt: skip
    grade = auto_grade(spec, f"{whole},{digits}")
    assert grade.given is None and not grade.correct
    assert (
        grade.unread
        == f"'{whole},{digits}' looks like a decimal comma: write it with a point ({whole}.{digits})"
    )
    assert auto_grade(spec, "3.47").unread is None and auto_grade(spec, "no idea").unread is None


def test_a_choice_is_read_by_letter_in_any_form_or_by_its_text() -> None:
    from mockprep.core.autograde import Unreadable
    from mockprep.core.choice_answers import read_choice

    q = parse_question(
        {"id": "c", "prompt": "?", "answer": "b", "key_points": ["x", "y"], "kind": "choice",
         "choices": ["one", "two", "three"], "correct": "B"},
        strict=False,
    )  # fmt: skip
    assert q.correct == "b"  # a bank may write the letter in upper case
    for answer in ("b", "B", "(b)", "b)", "B. two", "option b", "two", "Two"):
        assert read_choice(q, answer) == "b", answer
    with pytest.raises(Unreadable):
        read_choice(q, "the second-ish one maybe")
    assert auto_grade(q, "two").correct


def _one_two_three() -> QuestionSpec:
    """A choice question: a) one, b) two (correct), c) three."""
    return parse_question(
        {"id": "c", "prompt": "?", "answer": "b", "key_points": ["x", "y"], "kind": "choice",
         "choices": ["one", "two", "three"], "correct": "b"},
    )  # fmt: skip


@pytest.mark.parametrize(
    "answer",
    [
        "B, because the second is right",
        "I'd go with B",
        "I think it's B.",
        "I'd pick b.",
        "It's option b, since the others are off",
        "my answer is (b)",
        "the second one",
        "Second option.",
    ],
)
def test_a_choice_named_in_a_sentence_is_read_as_said_aloud(answer: str) -> None:
    from mockprep.core.choice_answers import read_choice

    q = _one_two_three()
    assert read_choice(q, answer) == "b"
    assert read_choice(q, "the last one") == "c"


@pytest.mark.parametrize(
    "answer",
    [
        "B because the issue with C is overfitting",
        "B: option a needs batch statistics",
        "B. Choice A is wrong.",
        "B. The first option is batch norm.",
        "b; option c is a distractor",
        "I would not pick option a, I would go with B",
        # ... but a sentence that starts with a word ("A dropout", "C is") chooses the letter it names
        "A dropout layer helps, so I'd go with B",
        "C is tempting but the answer is B",
        "It's not A, it's B",
        "Not option a, option b",
        "I wouldn't choose option a; I'd go with B",
    ],
)
def test_a_choice_with_its_reason_reads_the_letter_chosen(answer: str) -> None:
    from mockprep.core.choice_answers import read_choice

    q = _one_two_three()
    assert read_choice(q, answer) == "b"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("= 10 - error margin", 10),  # a word's "e" is not Euler's number
        ("= 12/each group", 12),
        ("= 4 * each", 4),
        ("answer: 100 / e.g. 4 groups", 100),
        ("~ 0.5, one could argue", 0.5),  # words after a typed value do not replace it
        ("0.5. One more thing, I'd double check.", 0.5),
        ("n = 5 so one sample is enough", 5),
        ("= 5, nine times out of ten", 5),
        ("The expected number is 3.5; each one of the six faces", 3.5),
        ("answer: 1/6, one sixth", 1 / 6),
        ("≈ 0.333 (1/3)", 0.333),  # a spaced bracket after a value is a remark
        ("= 3.14 (π)", 3.14),
        ("≈ 0.42 (0.4167)", 0.42),
        ("P = 1/3 (one third)", 1 / 3),
        ("= 3/8 (i.e. 0.375)", 0.375),
    ],
)
def test_typed_answers_read_as_before_the_spoken_forms(text: str, value: float) -> None:
    from mockprep.core.autograde import read_number

    assert read_number(text) == pytest.approx(value)


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        ("option a or option b", "names a and b"),
        ("it's a trick question", "letter"),
        ("the fourth one", "letter"),
    ],
)
def test_a_hedged_or_impossible_choice_is_asked_again(answer: str, said: str) -> None:
    from mockprep.core.autograde import Unreadable
    from mockprep.core.choice_answers import read_choice

    q = _one_two_three()
    with pytest.raises(Unreadable, match=said):
        read_choice(q, answer)


def _named_options() -> QuestionSpec:
    return parse_question(
        {"id": "p", "prompt": "?", "answer": "b", "key_points": ["x", "y"], "kind": "choice",
         "choices": ["Rotary position embedding (RoPE)", "ALiBi (attention with linear biases)",
                     "Sinusoidal absolute encoding", "Learned absolute position embeddings"],
         "correct": "b"},
    )  # fmt: skip


@pytest.mark.parametrize(
    ("answer", "letter"),
    [("ALiBi", "b"), ("alibi", "b"), ("I'd say ALiBi", "b"), ("it's the RoPE one", "a"), ("sinusoidal", "c")],
)
def test_a_choice_named_by_its_own_words_reads_as_that_option(answer: str, letter: str) -> None:
    """A tester typed "ALiBi" for "ALiBi (attention with linear biases)": it was unreadable."""
    from mockprep.core.choice_answers import read_choice

    assert read_choice(_named_options(), answer) == letter


@pytest.mark.parametrize(
    "answer", ["position", "absolute", "not rope, it is alibi", "ALiBi because it extrapolates further"]
)
def test_words_several_options_share_or_more_than_a_name_are_asked_again(answer: str) -> None:
    from mockprep.core.autograde import Unreadable
    from mockprep.core.choice_answers import read_choice

    with pytest.raises(Unreadable):
        read_choice(_named_options(), answer)


def test_an_options_exact_text_is_that_option_though_its_words_are_anothers() -> None:
    """Typing "Θ(n)" chose "Θ(√n)": the two are the same once symbols are dropped."""
    from mockprep.core.choice_answers import read_choice

    q = parse_question(
        {"id": "m", "prompt": "?", "answer": "c", "key_points": ["x", "y"], "kind": "choice",
         "choices": ["Θ(√n)", "Θ(√n log n)", "Θ(n)", "Θ(n log n)", "A = −1, r = 1.3", "A = +1, r = 1.3"],
         "correct": "c"},
    )  # fmt: skip
    for letter, option in zip("abcdef", q.choices or [], strict=True):
        assert read_choice(q, option) == letter, option
        assert read_choice(q, f"  {option.upper()} ") == letter, option
    # ... but a letter is a letter, when an option's text is one too
    blood = parse_question(
        {"id": "o", "prompt": "?", "answer": "b", "key_points": ["x", "y"], "kind": "choice",
         "choices": ["O", "A", "B", "AB"], "correct": "b"},
    )  # fmt: skip
    assert [read_choice(blood, typed) for typed in ("a", "b", "(c)", "option d")] == ["a", "b", "c", "d"]


def test_options_in_any_script_are_read_by_their_words() -> None:
    """Only a-z and 0-9 were words: an answer without them read as the first option without them."""
    from mockprep.core.autograde import Unreadable
    from mockprep.core.choice_answers import read_choice

    q = parse_question(
        {"id": "u", "prompt": "?", "answer": "b", "key_points": ["x", "y"], "kind": "choice",
         "choices": ["Θ(n)", "Θ(√n) — 平方根", "עברית", "é"], "correct": "b"},
    )  # fmt: skip
    assert [read_choice(q, typed) for typed in ("平方根", "עברית", "é", "b")] == ["b", "c", "d", "b"]
    for unknown in ("数学", "🔥", "√n"):
        with pytest.raises(Unreadable):
            read_choice(q, unknown)


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("½", 0.5), ("1⁄2", 0.5), ("1½", 1.5), ("2 ½", 2.5),  # (NFKC alone made "1½" 11⁄2)
        ("0.5 ± 0.001", 0.5), ("0.5 +/- 0.01", 0.5), ("7 ± 1e-3", 7), ("5 ± 10⁻³", 5), ("20 (± 5)", 20),
        ("±5", 5), ("5\u202f000", 5000), ("1\u00a0234.5", 1234.5),  # a thin or no-break space groups digits
    ],
)  # fmt: skip
def test_fractions_tolerances_and_grouped_digits_read_as_their_value(typed: str, value: float) -> None:
    """A tester's "½" read 2, "0.5 ± 0.001" read 0.001 and "5 000" read 0."""
    from mockprep.core.autograde import read_number

    assert read_number(typed) == pytest.approx(value)


@pytest.mark.parametrize("typed", ["5 000", "64 128 256", "batch sizes 64 128 256"])
def test_digits_grouped_by_plain_spaces_are_asked_again(typed: str) -> None:
    """One number ("5 000") or several ("64 128 256")? A plain space cannot say: asked again."""
    from mockprep.core.autograde import Unreadable, read_number

    with pytest.raises(Unreadable, match="one number or several"):
        read_number(typed)


def test_every_builtin_options_own_text_reads_as_that_option() -> None:
    from mockprep.core.bank_files import load_banks
    from mockprep.core.choice_answers import read_choice
    from mockprep.paths import builtin_banks_dir

    banks, _ = load_banks([builtin_banks_dir()])
    choices = [q for b in banks for q in b.questions if q.spec.kind == "choice"]
    assert len(choices) > 50
    wrong = [
        (q.key, option)
        for q in choices
        for letter, option in zip("abcdefgh", q.spec.choices or [], strict=False)
        if read_choice(q.spec, option) != letter
    ]
    assert wrong == []


# -- key-point matching on long answers -------------------------------------------------------------

import difflib  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402

from mockprep.core import matching  # noqa: E402
from mockprep.core.matching import FUZZY_VOCABULARY, match_key_points  # noqa: E402


def reference_match(key_points: list[str], answer: str) -> list[tuple[bool, float, str | None]]:
    """The matcher as first written, comparing with every distinct word: the meaning to keep."""
    words = set(matching.content_words(answer))
    if not words:
        return [(False, 0.0, None) for _ in key_points]
    pool = sorted(words)
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n+", answer) if s.strip()]
    sentence_words = [set(matching.content_words(s)) for s in sentences]
    result = []
    for point in key_points:
        point_words = matching.content_words(point)
        hits = []
        for w in point_words:
            close = [w] if w in words else difflib.get_close_matches(w, pool, n=1, cutoff=0.8)
            hits += close[:1]
        share = len(hits) / len(point_words) if point_words else 0.0
        evidence = None
        if hits:
            scores = [len(set(hits) & ws) for ws in sentence_words]
            best = max(range(len(sentences)), key=lambda i: scores[i])
            evidence = sentences[best] if scores[best] else None
        result.append((bool(point_words) and share >= 0.6, share, evidence))
    return result


WORDS = "bias variance varaince noise model models complexity expected error training sets the of a".split()
texts = st.lists(st.sampled_from([*WORDS, ".", "!", "\n", "Bias.", "q"]), max_size=40).map(" ".join)


@given(st.lists(texts, max_size=4), texts)
def test_matching_means_what_it_meant(key_points: list[str], answer: str) -> None:
    found = [(m.covered, m.share, m.evidence) for m in match_key_points(key_points, answer)]
    assert found == reference_match(key_points, answer)


def test_a_huge_answer_is_graded_right_with_bounded_work(monkeypatch: pytest.MonkeyPatch) -> None:
    # 40,000 distinct filler words, then typos early and exact words late: what a long paste looks like.
    rng = random.Random(7)
    filler = [f"w{n}x{rng.randrange(10**6)}" for n in range(40_000)]
    answer = (
        "The varaince of the modle grows. "
        + " ".join(f"{word}." if n % 12 == 11 else word for n, word in enumerate(filler))
        + ". Finally: irreducible noise stays.\n"
    ) * 3
    compared = []
    real = difflib.get_close_matches

    def counting(word, possibilities, n=3, cutoff=0.6):
        compared.append(len(possibilities))
        return real(word, possibilities, n, cutoff)

    monkeypatch.setattr(difflib, "get_close_matches", counting)
    variance, noise, absent = match_key_points(
        ["variance of the model", "irreducible noise", "gradient clipping"], answer
    )
    assert variance.covered and variance.share == 1.0
    assert variance.evidence == "The varaince of the modle grows."
    assert noise.covered and noise.evidence == "Finally: irreducible noise stays."
    assert not absent.covered and absent.share == 0.0 and absent.evidence is None
    # Fuzzy matching looks at no more than the capped vocabulary per word, not at every filler word.
    assert compared and max(compared) <= FUZZY_VOCABULARY
