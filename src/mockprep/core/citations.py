"""Years in citations, which supply no value to a numeric answer: "112 GB (Kaplan 2020)", "42 (Simpson
1951)", "as Hoffmann et al. 2022 found", "Kaplan et al. (2020)". Pure.

A year (1800-2099, perhaps "2020a") is a citation's when it follows a name: in brackets that hold a
capitalised name before it, in brackets straight after a name or "et al.", after "et al.", or after a
name within a sentence ("per Kaplan 2020"; a capitalised word that starts the answer or a sentence is
not taken for a name: "Total 2000"). A year with a unit or a magnitude after it ("Kaplan 2020 GB")
is a value.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_YEAR = r"(?:1[89]\d\d|20\d\d)[a-z]?"
# A name as cited: "Kaplan", "McCandlish", "OpenAI", "van der Maaten" (its last word capitalised),
# "Kaplan and McCandlish", "Kaplan & Co", "Kaplan et al."
_NAME = r"\b[A-Z](?=[\w'’-]*?[a-z])[\w'’-]*"
_AUTHORS = rf"{_NAME}(?:\s+(?:and|&)\s+{_NAME})*(?:\s+et\s+al\.?)?"
_BRACKET = re.compile(r"\(([^()]*)\)?")
_NAMED_YEAR = re.compile(
    rf"(?:(?<=[^\s.!?:=]\s)|(?<=[,;]))\s*{_AUTHORS}\s+\(?(?P<year>{_YEAR})\)?(?![\w.,]?\d)"
)
_ET_AL = re.compile(rf"\bet\s+al\.?,?\s+\(?(?P<year>{_YEAR})\)?(?![\w.,]?\d)")
_NAME_BEFORE = re.compile(_NAME)
_YEAR_RE = re.compile(rf"\b{_YEAR}(?![\w.,]?\d)")


def without_citations(text: str, is_unit: Callable[[str], bool] | None = None) -> str:
    """``text`` with the year of each citation blanked (its digits replaced by a word), so that no
    number is read from it. ``is_unit(rest)``, when given, says whether ``rest`` (the text after a
    year) starts with a unit or magnitude: such a year is a value, left alone."""

    def valued(end: int) -> bool:
        return is_unit is not None and is_unit(text[end : end + 40])

    spans: list[tuple[int, int]] = []
    for bracket in _BRACKET.finditer(text):  # "(Kaplan 2020)", "(see Kaplan et al., 2020; Hoffmann 2022)"
        inside = bracket.group(1)
        for year in _YEAR_RE.finditer(inside):
            if _NAME_BEFORE.search(inside, 0, year.start()):
                start = bracket.start(1) + year.start()
                spans.append((start, start + len(year.group())))
    for pattern in (_NAMED_YEAR, _ET_AL):
        spans += [(m.start("year"), m.end("year")) for m in pattern.finditer(text)]
    blanked = text
    for start, end in sorted(set(spans), reverse=True):
        if not valued(end):
            blanked = blanked[:start] + "year" + blanked[end:]
    return blanked
