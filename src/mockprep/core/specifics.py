"""The specifics a key point states, and which of them an answer leaves out. Pure.

A point's specifics are its numbers ("4 points", "1.1", "5x", "2,000") and its names written with a
digit ("BM25", "ResNet50", "fp16"; not a contraction such as "seq2seq"). A synonym or the meaning model
can stand in for a point's other words, but nothing stands in for "BM25" or "lost 4 points" except
themselves: an answer that states another number, or the point's other words, has not given them.

A specific is read for what it means, not how it is spelt. Numbers by value: spoken ones as digits
("four" is 4, "a million"), a leading point (".05" is 0.05), an exponent ("1e-3"), a magnitude ("10k",
"1M", "7B", "1.5 million"), a percentage as either figure ("5%" is 5 or 0.05), and in an answer "twice",
"half", "a dozen", "first" and fractions ("one half" is 0.5); a unit after them aside ("5x", "20 ms").
Names by their letters and digits, however joined ("Llama2", "Llama 2", "Llama-2"; "SHA-256" and
"SHA256"); a number type by its width ("fp16" is "float16", "half precision", "16-bit"; "bf16" is
"bfloat16"). Not counted: a specific the question's prompt already states, even in words (repeating it
shows nothing), a number given as an estimate ("about 14%"), the digits of a formula (a comparison
such as "p < .05" among them), and the year of a citation ("Zhang et al. 2017", "Levy & Goldberg 2014").
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from mockprep.core.number_words import with_digits

# A token holding a digit: a number (".05", "1.1", "2,000", "1e-3", "5x") or a name written with one
# ("BM25", "p99").
_TOKEN = re.compile(r"(?<![\w.])\.\d+|[^\W\d_]*\d+(?:[.,]\d+)*(?:[eE][-+−]?\d+(?![^\W\d_]))?[^\W_]*")
_NUMBER = re.compile(r"(\.\d+|\d+(?:[.,]\d+)*)(?:[eE]([-+−]?\d+))?")
# A name is two letters or more before its digits ("BM25", "ResNet50"); one letter and a digit is a
# symbol ("H0", "β2", "p99", "L2") an answer may well say in words ("the null", "the second moment").
_NAME = re.compile(r"[^\W\d_]{2,}\d")
# Letters just before a number, joined by a space or a hyphen: "Llama 2", "ResNet-50", "SHA-256".
_LETTERS_BEFORE = re.compile(r"(?<![\w.-])([^\W\d_]{2,})[- ]$")
# A number given as an estimate ("about 14%", "~1.5x") illustrates the claim rather than being it: an
# answer may say it in words ("about half again", "well above 5%").
_ESTIMATE = re.compile(
    r"(?:\b(?:about|around|roughly|approximately|approx\.?|nearly|almost|some)\s+|[~≈∼]\s*)\.?\d+(?:[.,]\d+)*\S*",
    re.IGNORECASE,
)
_FUNCTIONS = frozenset({"log", "ln", "exp", "sqrt"})  # "log10", "log2": a formula's, not a name
# A digit standing for a word between two of them ("seq2seq", "word2vec", "i18n", "k8s"): a
# contraction an answer may well spell out ("sequence-to-sequence"), not an identifier like "BM25".
_CONTRACTION = re.compile(r"[^\W\d_]+\d+[^\W\d_]{2,}")
# A formula ("1 − β", "x^2", "O(n log n)", "p < .05"): its digits are exponents, constants and
# thresholds, which an answer may say in words ("squared", "constant time", "positive inputs").
_FORMULA = re.compile(
    r"[=^√∑∏∫·×÷≤≥<>≈∝∈|{}\[\]\\]|[^\W_]\("  # "sqrt(p(1-p)/n)", "O(n log n)"
    r"|[^\W\d_)]\s*(?:[+*/−]|\s-\s)\s*\d|\d\s*(?:[+*/−]|\s-\s)\s*[^\W\d_(]"  # "1 − β", not "top-3"
)
_MAGNITUDES = {"k": 3, "K": 3, "M": 6, "B": 9, "bn": 9, "thousand": 3, "million": 6, "billion": 9}
_MAGNITUDE_AFTER = re.compile(r"\s+(thousand|million|billion|bn)\b")
_PERCENT_AFTER = re.compile(r"\s*(?:%|percent\b|per\s+cent\b|pct\b)", re.IGNORECASE)
# A number type named by its width: "fp16" and "float16" are one, as are "bf16" and "bfloat16".
_NUMBER_TYPE = re.compile(r"(fp|float|bf|bfloat|int|uint)(\d+)")
_TYPE_NAMES = {"fp": "float", "bf": "bfloat"}
# The years of a citation: after "et al." or two authors, in brackets after a name, or inside brackets
# that open with a name ("(Breiman 2001; Ho, 1995)"). A name and a year alone ("Windows 2000") stay.
_YEAR = r"(?:1[6-9]|20)\d\d[a-z]?(?!\d)"
_AUTHOR = r"[A-Z][\w'’-]*[a-z][\w'’-]*"
_CITATION = re.compile(
    rf"\bet\s+al\.?,?\s*\(?{_YEAR}|{_AUTHOR}\s+(?:and|&)\s+{_AUTHOR},?\s*\(?{_YEAR}"
    rf"|{_AUTHOR},?\s*\({_YEAR}\)|\({_AUTHOR}[^()]*?[\s,]{_YEAR}[^()]*\)"
)
_YEAR_RE = re.compile(rf"\b{_YEAR}")
# What an answer may say in words for a number or a number type ("twice as fast", "half precision").
_WORD_VALUES = {
    **dict.fromkeys(["twice", "doubled", "doubles", "twofold", "two-fold"], "n:2"),  # ("double-check")
    **dict.fromkeys(["thrice", "triple", "tripled", "triples", "threefold", "three-fold"], "n:3"),
    **dict.fromkeys(["half", "halved", "halves", "halving"], "n:0.5"),
    "dozen": "n:12",
    **{
        f"{w}{sep}precision": key
        for w, key in [("half", "float16"), ("single", "float32"), ("double", "float64")]
        for sep in (" ", "-")
    },  # fmt: skip
    "brain float": "bfloat16",
    # an ordinal meets only an ordinal ("1st"): "First, ..." or "a second stage" states no 1 or 2
    **{
        word: f"o:{n}"
        for n, word in enumerate(
            "first second third fourth fifth sixth seventh eighth ninth tenth".split(), start=1
        )
    },  # fmt: skip
}
_WORD_VALUE = re.compile(
    r"\b(" + "|".join(sorted(map(re.escape, _WORD_VALUES), key=len, reverse=True)) + r")\b", re.IGNORECASE
)
_BITS = re.compile(r"\b(\d+)[- ]?bits?\b", re.IGNORECASE)  # "8-bit integers" is int8 (or a float8)
_FRACTION = re.compile(r"(?<![\d./])(\d+)\s*/\s*(\d+)(?![\d./])")


def specifics(text: str) -> frozenset[str]:
    """What ``text`` states as written: its numbers (by value, each in every reading: "n:4", "n:0.05",
    "n:10000") and its names written with a digit ("bm25", "llama2", "float16")."""
    return frozenset(key for readings in _read(text) for key in readings)


def stated(answer: str) -> frozenset[str]:
    """The specifics an answer states, its numbers in words read as digits ("four", "two-stage"), and
    what it says in words for a number or a number type ("twice", "one half", "half precision")."""
    spoken = with_digits(answer)  # (digits stay digits: the passes over numbers read this one only)
    out = set(specifics(answer) | specifics(spoken)) if spoken != answer else set(specifics(answer))
    for word in _WORD_VALUE.finditer(answer):
        key = _WORD_VALUES[word.group(1).casefold()]
        out.update((key, "p:" + key[2:]) if key.startswith("n:") else (key,))  # ("half" is 50%)
    for bits in _BITS.finditer(spoken):
        out.update(f"{kind}{int(bits.group(1))}" for kind in ("int", "uint", "float"))
    out.update([f"n:{int(kind.group(2))}" for kind in map(_NUMBER_TYPE.fullmatch, out) if kind])
    for fraction in _FRACTION.finditer(spoken):
        if value := _quotient(fraction.group(1), fraction.group(2)):
            out.add(value)
    return frozenset(out)


def point_specifics(point: str, prompt: str = "") -> frozenset[str]:
    """The specifics of a key point an answer must state itself, each as written ("n:5" for "5%",
    "resnet50" for "ResNet-50"): none for a formula, none the prompt states, no estimate."""
    return frozenset(readings[0] for readings in _wanted(point, stated(prompt)))


def left_out(
    point: str, given: frozenset[str], asked: frozenset[str] = frozenset(), evidence: str | None = None
) -> tuple[int, int]:
    """``(given, left out)``: how many of the point's specifics are among those an answer gives (``given``:
    its :func:`stated`) in any of their readings, and how many not; ``asked``: the prompt's
    :func:`stated`. With ``evidence`` (the passage the point is judged on): none left out unless it
    writes a number or name in figures, as "a coin flip" for 50% or "two thirds" may say a point's
    specific in words; a passage that deals in figures and lacks the point's has given others."""
    if evidence is not None and not specifics(evidence) - asked and not _same_things(point, evidence):
        return 0, 0
    wanted = _wanted(point, asked)
    missing = sum(1 for readings in wanted if given.isdisjoint(readings))
    return len(wanted) - missing, missing


# A number and what it counts: "3 blocks", "40 percent", "18-layer" ("%" is "percent").
_COUNTING = re.compile(r"\d(?:[\d.,]*\d)?[\s-]*(%|[^\W\d_]+)")


def _things(text: str) -> set[str]:
    """What the numbers of ``text`` count ("block" for "3 blocks"; "percent" for "5%")."""
    out = set()
    for m in _COUNTING.finditer(text):
        word = m.group(1).casefold()
        word = "percent" if word in ("%", "pct", "per") else word
        out.add(word[:-1] if word.endswith("s") and len(word) > 3 else word)
    return out


def _same_things(point: str, evidence: str) -> bool:
    """Whether ``evidence`` says in words a number of what the point's numbers count ("two blocks
    versus four" for "3 blocks vs 4", "forty percent" for "50%"): a figure of its own, given in words,
    where "two rankers against a coin flip" for "50%" is not."""
    spoken = with_digits(evidence)
    return spoken != evidence and bool(_things(spoken) & _things(point))


def _wanted(point: str, asked: frozenset[str]) -> list[tuple[str, ...]]:
    if _FORMULA.search(point):
        return []
    return [readings for readings in _read(_ESTIMATE.sub(" ", point)) if asked.isdisjoint(readings)]


def _read(text: str) -> list[tuple[str, ...]]:
    """Each specific of ``text`` as its readings, the one as written first."""
    if _YEAR_RE.search(text):  # (the citation pattern tries every capital: only where a year is)
        text = _CITATION.sub(lambda m: _YEAR_RE.sub("", m.group()), text)
    out = []
    for token in _TOKEN.finditer(text):
        word = token.group()
        if number := _NUMBER.match(word):
            readings = _number_readings(number, word[number.end() :], text[token.end() :])
            if not readings:
                continue
            start = token.start()
            letters = word.isdigit() and _LETTERS_BEFORE.search(text, max(0, start - 40), start)
            if letters and letters.group(1).casefold() not in _FUNCTIONS:  # "ResNet-50", "Llama 2"
                readings = (*readings, _name(letters.group(1) + word))
            out.append(readings)
        elif (
            (name := _NAME.match(word))
            and name.group()[:-1].casefold() not in _FUNCTIONS
            and not _CONTRACTION.fullmatch(word.removesuffix("s"))
        ):
            out.append((_name(word),))
    return out


def _number_readings(number: re.Match[str], rest: str, after: str) -> tuple[str, ...]:
    value = _value(number.group(1), number.group(2))
    if value is None:
        return ()
    readings = [value]
    magnitude = _MAGNITUDES.get(rest) if rest else None
    if magnitude is None and not rest and (word := _MAGNITUDE_AFTER.match(after)):
        magnitude = _MAGNITUDES[word.group(1)]
    if magnitude is not None:
        readings.append(value.scaleb(magnitude))
    if rest.casefold() in ("st", "nd", "rd", "th"):  # "1st", "4th": an ordinal only, as "first" is
        return ("o:" + _plain(value),)
    keys = ["n:" + _plain(r) for r in readings]
    # as a proportion: "5%" is 0.05 and "0.05" is itself, so that "50%" meets "0.5" but not "0.5%"
    percent = not rest and _PERCENT_AFTER.match(after)
    keys.append("p:" + _plain(value.scaleb(-2) if percent else value))
    return tuple(dict.fromkeys(keys))


def _value(number: str, exponent: str | None) -> Decimal | None:
    """A number's value: thousands separators out ("2,000" is 2000); a comma before other than three
    digits is a decimal comma."""
    number = re.sub(r",(?=\d{3}(?:\D|$))", "", number).replace(",", ".")
    try:
        value = Decimal(number)
        return value.scaleb(int(exponent.replace("−", "-"))) if exponent else value
    except (InvalidOperation, ValueError):
        return None


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _quotient(numerator: str, denominator: str) -> str | None:
    if int(denominator) == 0 or len(numerator) + len(denominator) > 8:
        return None
    return "n:" + _plain((Decimal(numerator) / Decimal(denominator)).quantize(Decimal("1e-6")))


def _name(word: str) -> str:
    """A name by its letters and digits, case aside ("ResNet-50" is "resnet50", "GPUs" is "gpu"); a number
    type by its kind and width ("fp16" is "float16")."""
    word = word.replace("-", "").replace(" ", "").casefold()
    word = word[:-1] if word.endswith("s") and word[-2].isdigit() else word
    if kind := _NUMBER_TYPE.fullmatch(word):
        return _TYPE_NAMES.get(kind.group(1), kind.group(1)) + kind.group(2)
    return word
