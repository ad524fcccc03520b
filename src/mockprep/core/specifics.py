"""The specifics a key point states, and which of them an answer leaves out. Pure.

A point's specifics are its numbers ("4 points", "1.1", "5x", "2,000") and its names written with a
digit ("BM25", "ResNet50", "fp16"; not a contraction such as "seq2seq"). A synonym or the meaning model
can stand in for a point's other words, but nothing stands in for "BM25" or "lost 4 points" except
themselves: an answer that states another number, or the point's other words, has not given them.
Numbers are compared by value (spoken ones as digits, "four" is 4; a unit after them aside: "5x", "20
ms"), names as written, case aside. Not counted: a specific the question's prompt already states
(repeating it shows nothing), a number given as an estimate ("about 14%"), and the digits of a formula.
"""

from __future__ import annotations

import re

from mockprep.core.number_words import with_digits

# A token holding a digit: a number ("1.1", "2,000", "5x") or a name written with one ("BM25", "p99").
_TOKEN = re.compile(r"[^\W\d_]*\d+(?:[.,]\d+)*[^\W_]*")
# A name is two letters or more before its digits ("BM25", "ResNet50"); one letter and a digit is a
# symbol ("H0", "β2", "p99", "L2") an answer may well say in words ("the null", "the second moment").
_NAME = re.compile(r"[^\W\d_]{2,}\d")
# A number given as an estimate ("about 14%", "~1.5x") illustrates the claim rather than being it: an
# answer may say it in words ("about half again", "well above 5%").
_ESTIMATE = re.compile(
    r"(?:\b(?:about|around|roughly|approximately|approx\.?|nearly|almost|some)\s+|[~≈∼]\s*)\d+(?:[.,]\d+)*\S*",
    re.IGNORECASE,
)
_FUNCTIONS = frozenset({"log", "ln", "exp", "sqrt"})  # "log10", "log2": a formula's, not a name
# A digit standing for a word between two of them ("seq2seq", "word2vec", "i18n", "k8s"): a
# contraction an answer may well spell out ("sequence-to-sequence"), not an identifier like "BM25".
_CONTRACTION = re.compile(r"[^\W\d_]+\d+[^\W\d_]{2,}")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# A formula ("1 − β", "x^2", "O(n log n)"): its digits are exponents and constants, which an answer
# may say in words ("squared", "constant time"); such a point has no specifics.
_FORMULA = re.compile(
    r"[=^√∑∏∫·×÷≤≥≈∝∈|{}\[\]\\]|[^\W_]\("  # "sqrt(p(1-p)/n)", "O(n log n)"
    r"|[^\W\d_)]\s*(?:[+*/−]|\s-\s)\s*\d|\d\s*(?:[+*/−]|\s-\s)\s*[^\W\d_(]"  # "1 − β", not "top-3"
)


def specifics(text: str) -> frozenset[str]:
    """The numbers (by value: "n:4", "n:1.1", "n:2000") and the names written with a digit ("bm25")
    that ``text`` states as written."""
    out = set()
    for token in _TOKEN.findall(text):
        if number := _NUMBER.match(token):
            out.add("n:" + _value(number.group()))
        elif (
            (name := _NAME.match(token))
            and name.group()[:-1].casefold() not in _FUNCTIONS
            and not _CONTRACTION.fullmatch(token.removesuffix("s"))
        ):
            token = token.casefold()
            out.add(token[:-1] if token.endswith("s") and token[-2].isdigit() else token)  # "GPUs" aside
    return frozenset(out)


def stated(answer: str) -> frozenset[str]:
    """The specifics an answer states, its numbers in words read as digits ("four", "two-stage")."""
    return specifics(answer) | specifics(with_digits(answer))


def _value(number: str) -> str:
    """A number written as its value: thousands separators out ("2,000" is 2000), a decimal's trailing
    zeros too ("0.50" is 0.5); a comma before other than three digits is a decimal comma."""
    number = re.sub(r",(?=\d{3}(?:\D|$))", "", number).replace(",", ".")
    if "." in number:
        number = number.rstrip("0").rstrip(".")
    return number.lstrip("0") or "0"


def point_specifics(point: str, prompt: str = "") -> frozenset[str]:
    """The specifics of a key point an answer must state itself: none for a formula, none the prompt
    states, no estimate."""
    return _wanted(point, specifics(prompt))


def _wanted(point: str, asked: frozenset[str]) -> frozenset[str]:
    if _FORMULA.search(point):
        return frozenset()
    return specifics(_ESTIMATE.sub(" ", point)) - asked


def left_out(point: str, stated: frozenset[str], asked: frozenset[str] = frozenset()) -> tuple[int, int]:
    """``(given, left out)``: how many of the point's specifics are among those an answer ``stated``
    (:func:`stated`), and how many not; ``asked``: the prompt's :func:`specifics`."""
    wanted = _wanted(point, asked)
    missing = len(wanted - stated)
    return len(wanted) - missing, missing
