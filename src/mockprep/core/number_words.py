"""Numbers written in English words, as a transcript of a spoken answer gives them, turned into digits.
Pure.

A numeric answer said aloud comes back from speech-to-text as "thirty-one copies", "zero point four
two" or "three eighths"; :func:`with_digits` rewrites those as "31 copies", "0.42" and "3/8" so that
the numeric reader (:mod:`mockprep.core.autograde`) reads them like typed ones. Cardinals up to the
billions ("one hundred and twenty", "a thousand"), decimals ("point" and the digits after it),
fractions ("a half", "two thirds", "three over eight"), "minus", "percent" and "square root of" are
understood. A lone "one" that reads as a pronoun ("the one I used", "one of them") is left alone.
This is English only, hand-written (a few dozen words): the library that does it in many languages
(text2num) is compiled, and has no wheel for Intel macOS (3.1.0), where it would need Rust.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

_UNITS = {
    "zero": 0, "nought": 0, "naught": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9,
}  # fmt: skip
_TEENS = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90,
}  # fmt: skip
_SCALES = {"thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
# Denominators of spoken fractions ("two thirds", "a quarter"), singular and plural.
_PARTS = {
    "half": 2, "halves": 2, "third": 3, "thirds": 3, "quarter": 4, "quarters": 4, "fourth": 4,
    "fourths": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10,
    "twelfth": 12, "sixteenth": 16, "twentieth": 20, "hundredth": 100, "thousandth": 1000,
}  # fmt: skip
_PARTS |= {word + "s": n for word, n in list(_PARTS.items()) if word.endswith("th")}
# Words before a lone "one" that make it a pronoun or a determiner, and words after it.
_PRONOUN_BEFORE = frozenset("the each any no this that every which another only".split())
_PRONOUN_AFTER = frozenset("of another that who which is was".split())

_TOKEN = re.compile(r"[A-Za-z]+|[^A-Za-z]+")
_GAP = re.compile(r"^[ \t-]+$")  # what may stand between the words of one number


@lru_cache(maxsize=2048)  # the grader reads each sentence of an answer for its words and its meaning
def with_digits(text: str, compounds: bool = True) -> str:
    """``text`` with its numbers in words written in digits, then :func:`symbols` (see the module
    docstring); "one in six", "two and three quarters" and "ten to the minus three" too. Without
    ``compounds``, a number joined by a hyphen to a word that follows ("zero-init", "two-stage") stays a
    word: there it names a kind of thing rather than counting."""
    if _has_number_word(text):
        text = _cardinals_as_digits(text, compounds)
    for pattern, replacement in _SPOKEN:
        text = pattern.sub(replacement, text)
    return symbols(text)


def symbols(text: str) -> str:
    """ "minus", "percent", "over", "square root of" and "to the power of" next to numbers written as
    the symbols they name ("10 per cent" → "10%"), for answers typed in digits too."""
    for pattern, replacement in _SYMBOLS:
        text = pattern.sub(replacement, text)
    return text


def _cardinals_as_digits(text: str, compounds: bool = True) -> str:
    tokens = _TOKEN.findall(text)
    out: list[str] = []
    i = 0
    while i < len(tokens):
        taken = _number_at(tokens, i)
        if taken is not None and not compounds and _modifies(tokens, taken[1]):
            taken = None
        if taken is None:
            out.append(tokens[i])
            i += 1
        else:
            out.append(taken[0])
            i = taken[1]
    return "".join(out)


def _modifies(tokens: list[str], end: int) -> bool:
    """Whether the number that ends before token ``end`` is joined by a hyphen to the word after it."""
    return end + 1 < len(tokens) and tokens[end] == "-" and tokens[end + 1][0].isalpha()


_WORDS = frozenset(_UNITS) | frozenset(_TEENS) | frozenset(_TENS) | frozenset(_PARTS) | {"hundred", *_SCALES}
_JOINING = frozenset({"a", "and", "point", "oh"})  # words inside a number ("a hundred and two point oh five")
LONGEST = 40  # words one number may take: the look-ahead stays bounded on a long answer
_ANY_WORD = re.compile(r"[A-Za-z]+")


def _has_number_word(text: str) -> bool:
    return any(w.lower() in _WORDS for w in _ANY_WORD.findall(text))


def _words(tokens: list[str], i: int) -> list[tuple[str, int]]:
    """The words from token ``i`` on, each with its token index, while only spaces or hyphens (or
    "and" after "hundred" or a scale) separate them."""
    out: list[tuple[str, int]] = []
    j = i
    while j < len(tokens) and len(out) < LONGEST:
        word = tokens[j].lower()
        if word not in _WORDS and word not in _JOINING:
            break
        out.append((word, j))
        if j + 1 < len(tokens) and _GAP.match(tokens[j + 1]):
            j += 2
        else:
            break
    return out


def _number_at(tokens: list[str], i: int) -> tuple[str, int] | None:
    """The number spelled from token ``i`` on, as digits, and the index of the first token after it."""
    words = _words(tokens, i)
    if not words:
        return None
    first = words[0][0]
    if first == "a" and len(words) > 1 and words[1][0] in ("hundred", "thousand", "million", "billion"):
        words[0] = ("one", words[0][1])
    elif first == "a" and len(words) > 1 and words[1][0] in _PARTS and _PARTS[words[1][0]] <= 4:
        return f"1/{_PARTS[words[1][0]]}", words[1][1] + 1  # "a half", "a third", "a quarter"
    elif first == "point" and len(words) > 1 and words[1][0] in _UNITS:
        words.insert(0, ("zero", -1))  # "point five"
    value, used = _cardinal([w for w, _j in words])
    if not used:
        return None
    end = words[used - 1][1] + 1
    digits = str(value)
    rest = [w for w, _j in words[used:]]
    if rest and rest[0] == "point" and len(rest) > 1 and (rest[1] in _UNITS or rest[1] == "oh"):
        decimals = []
        for word in rest[1:]:
            if word not in _UNITS and word != "oh":
                break
            decimals.append(str(_UNITS.get(word, 0)))  # "zero point oh five"
        digits += "." + "".join(decimals)
        end = words[used + len(decimals)][1] + 1
        scale = rest[1 + len(decimals)] if len(rest) > 1 + len(decimals) else ""
        if scale in _SCALES:  # "one point five million"
            digits = format(Decimal(digits) * _SCALES[scale], "f")
            end = words[used + len(decimals) + 1][1] + 1
    elif rest and rest[0] in _PARTS and (used > 1 or value > 1 or first in ("one", "a")):
        plural = rest[0].endswith("s") or rest[0] == "halves"
        if value == 1 or plural:  # "one third", "two thirds"; not "three fifth"
            return f"{value}/{_PARTS[rest[0]]}", words[used][1] + 1
    if digits == "1" and used == 1 and first == "one" and not _counted_one(tokens, i, end):
        return None
    return digits, end


def _cardinal(words: list[str]) -> tuple[int, int]:
    """The whole number the first words spell, and how many words it took (0: none)."""
    total = group = 0
    used = 0
    last = ""  # the kind of the last word taken: unit, teen, tens, hundred, scale
    largest = float("inf")  # scales must fall: "two million three thousand"
    for index, word in enumerate(words):
        if word == "and" and last in ("hundred", "scale") and index + 1 < len(words):
            following = words[index + 1]
            if following in _UNITS or following in _TEENS or following in _TENS:
                used += 1
                continue
            break
        if word in _UNITS and (last in ("", "hundred", "scale") or (last == "tens" and word != "zero")):
            group += _UNITS[word]
            last = "unit"
        elif word in _TEENS and last in ("", "hundred", "scale"):
            group += _TEENS[word]
            last = "teen"
        elif word in _TENS and last in ("", "hundred", "scale"):
            group += _TENS[word]
            last = "tens"
        elif word == "hundred" and last in ("unit", "teen", "tens") and 0 < group < 100:
            group *= 100
            last = "hundred"
        elif word in _SCALES and last in ("unit", "teen", "tens", "hundred") and _SCALES[word] < largest:
            total += group * _SCALES[word]
            largest = _SCALES[word]
            group = 0
            last = "scale"
        else:
            break
        used = index + 1
    return total + group, used


def _counted_one(tokens: list[str], start: int, end: int) -> bool:
    """Whether a lone "one" is the number: where a clause ends after it ("the answer is one.", "one,
    since..."), before a ratio, a sum, a percent or a power of ten ("one in six", "one and a half", "one
    percent", "one e minus four"), or
    after "minus"; not a pronoun or a determiner ("the one I used", "so one sample is enough")."""
    before = tokens[start - 2].lower() if start >= 2 and _GAP.match(tokens[start - 1]) else ""
    after = tokens[end + 1].lower() if end + 1 < len(tokens) and _GAP.match(tokens[end]) else ""
    if before in _PRONOUN_BEFORE or after in _PRONOUN_AFTER:
        return False
    if after == "e":  # "one e minus four", "one e -4"; not "one e-mail", "one e.g."
        return _power_follows(tokens, end + 2)
    if after in _ONE_BEFORE or before in _ONE_AFTER:
        return True
    return end == len(tokens) or tokens[end].lstrip()[:1] in _CLAUSE_ENDS  # "one." "one, since..."


def _power_follows(tokens: list[str], at: int) -> bool:
    """Whether a power of ten's exponent follows the "e" before token ``at``: spaces, then a sign, a digit
    or a number said ("minus", "four")."""
    if at >= len(tokens) or tokens[at].strip(" \t"):
        return at < len(tokens) and re.match(r"\s*[-+]?\d", tokens[at]) is not None
    word = tokens[at + 1].lower() if at + 1 < len(tokens) else ""
    return word in ("minus", "plus", "negative") or word in _WORDS


_CLAUSE_ENDS = frozenset(".,;:!?)")
_ONE_BEFORE = frozenset({"in", "out", "and", "over", "point", "divided", "percent", "per", "times"})
_ONE_AFTER = frozenset({"minus", "negative", "over", "times"})


_DIGITS = r"\d+(?:\.\d+)?"
_NUMBER = rf"(?<![\d.]){_DIGITS}"  # (never from inside a longer number: no search from every digit)
_SYMBOLS = [
    (re.compile(rf"({_NUMBER})\s+(?:over|divided\s+by)\s+(?=\d|e\b)", re.IGNORECASE), r"\1/"),
    (re.compile(r"\b(?:minus|negative)\s+(?=\d)", re.IGNORECASE), "-"),
    (re.compile(rf"({_NUMBER}|\))\s*(?:percent|per\s+cent)\b", re.IGNORECASE), r"\1%"),
    (re.compile(r"\b(?:the\s+)?(?:square\s+)?root\s+(?:of\s+)?(?=\d)", re.IGNORECASE), "√"),
    (
        re.compile(rf"({_NUMBER}|\be)\s+to\s+the\s+(?:power\s+(?:of\s+)?)?(-?{_DIGITS})", re.IGNORECASE),
        r"\1^\2",
    ),  # "ten to the minus three", "two to the power of ten"
]
# Only where the numbers were said: "one in six", "two and three quarters".
_SPOKEN = [
    (re.compile(rf"({_NUMBER})\s+(?:in|out\s+of)\s+(\d+)\b", re.IGNORECASE), r"\1/\2"),
    (re.compile(rf"({_NUMBER})\s+and\s+(\d+/\d+)"), r"(\1+\2)"),
    # "two e four", "one e plus two": a positive power of ten said (a negative one reads by its sign)
    (re.compile(rf"({_NUMBER})\s+[eE]\s+(?:plus\s+)?(\d+)\b(?![.,]\d)"), r"\1e\2"),
]
