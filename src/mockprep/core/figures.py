"""A key point's own figures stated otherwise: "it gives 13% where the key point gives 31%". Pure.

A point that states figures ("false positives down 31% at 85% recall", "a 4-week A/B test", "fraud cost
$4M a year") is not covered by a passage that gives figures of the same kind, none of them near the
point's: a project's own facts told with the wrong numbers ticked every point of a bank written for it
(found by an exploratory tester). A figure's kind is its currency and suffix ("$…M", "…%", "…x"), or
else the word after it ("4-week", "3 seeds"); a number that ends a name ("ResNet-50", "GPT-4") is none;
figures the question itself gives are data, not claims,
and are left out on both sides. A share written as a fraction ("about 0.64") is the same as "64%".
Only a kind both sides give is compared: a passage that gives other figures, or none, says nothing here.
"""

from __future__ import annotations

import re

from mockprep.core.number_words import symbols
from mockprep.core.textnorm import STOPWORDS, stem

NEAR = 0.1  # relative difference within which two figures are the same (rounding, "about")
_FIGURE = re.compile(
    r"(?<![\w.^])(?<![a-z]-)([$€£]?)(\d+(?:,\d{3})*(?:\.\d+)?)(?:\s*(%|[x×](?!\w)|[kmb](?![a-z])))?(?:[\s-]+([a-z]+))?",
    re.IGNORECASE,
)
_FRACTION = re.compile(r"(?<![\w.^])(0?\.\d+)(?![\d%])")


def figures(text: str) -> list[tuple[str, float, str]]:
    """Each figure of ``text``: its kind, its value and how it is written."""
    out = []
    for match in _FIGURE.finditer(symbols(text)):
        currency, number, suffix, word = match.groups()
        value = float(number.replace(",", ""))
        if currency or suffix:
            kind, written = (
                currency + (suffix or "").lower().replace("×", "x"),
                currency + number + (suffix or ""),
            )
        elif word and word.lower() not in STOPWORDS and len(word) > 2:
            kind, written = stem(word.lower()), f"{number} {word}"
        else:
            continue
        out.append((kind, value, written))
    return out


def _near(a: float, b: float) -> bool:
    return abs(a - b) <= NEAR * max(abs(b), 1.0)


def other_figures(point: str, passage: str, given: str = "") -> str | None:
    """Why ``passage`` states ``point``'s figures otherwise, if it does (``given``: the question's text)."""
    data = figures(given)

    def claims(text: str) -> list[tuple[str, float, str]]:
        return [f for f in figures(text) if not any(k == f[0] and _near(f[1], v) for k, v, _ in data)]

    ours, theirs = claims(point), claims(passage)
    shares = [100 * float(v) for v in _FRACTION.findall(passage)]
    for kind in dict.fromkeys(k for k, _, _ in ours):
        stated = [(v, text) for k, v, text in theirs if k == kind]
        if not stated:
            continue
        values = [v for v, _ in stated] + (shares if kind == "%" else [])
        if not any(_near(t, o) for t in values for k, o, _ in ours if k == kind):
            said = next(text for k, _, text in ours if k == kind)
            return f"it gives '{stated[0][1]}' where the key point gives '{said}'"
    return None
