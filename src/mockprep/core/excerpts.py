"""The part of a long quote that matters, for a line of evidence under a key point. Pure.

The evidence a grader quotes may be two sentences, and the words a verdict rests on may sit at the end of
the second: a quote cut at its start would show a person the wrong part ("I first sat down with him ..."
for a point about the agreed metric). :func:`excerpt` keeps the stretch of the quote that holds most of
the key point's words (and the reason's), with an ellipsis where it was cut.
"""

from __future__ import annotations

import re

from mockprep.core.textnorm import content_stems, fold, stem

_WORD = re.compile(r"\S+")


def excerpt(text: str, about: str, limit: int) -> str:
    """``text`` on one line, at most ``limit`` characters: whole when it fits, else the window of whole
    words holding most of ``about``'s content words (of equals, one a sentence starts, then the
    earliest), "…" marking each cut."""
    line = " ".join(text.split())
    if len(line) <= limit:
        return line
    wanted = set(content_stems(about))
    spans = [(m.start(), m.end()) for m in _WORD.finditer(line)]
    hits = [bool(wanted & {stem(w) for w in re.findall(r"[a-z0-9]+", fold(line[a:b]))}) for a, b in spans]
    room = limit - 2  # an ellipsis at each end, at most
    windows = []  # (words matched, a sentence starts it, first word)
    last, score = -1, 0  # the window's last word, and its words matched
    for first in range(len(spans)):
        last = max(last, first - 1)
        while last + 1 < len(spans) and spans[last + 1][1] - spans[first][0] <= room:
            last += 1
            score += hits[last]
        opens = first == 0 or line[spans[first - 1][1] - 1] in ".!?;:"
        windows.append((score, opens, -first))
        score -= hits[first] if last >= first else 0
    # most of the words; then one a sentence starts; then the earliest
    best = -max(windows)[2]
    start = spans[best][0]
    end = max((b for a, b in spans[best:] if b - start <= room), default=start + room)
    if end == start:  # one word longer than the line: cut inside it
        end = start + room
    return ("…" if start else "") + line[start:end] + ("…" if end < len(line) else "")
