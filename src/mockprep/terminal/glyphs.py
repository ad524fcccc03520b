"""ASCII stand-ins for the glyphs the screens draw, for a terminal whose encoding lacks them.

Under ``LC_ALL=C`` (or a Latin-1 locale) every key-point mark printed as ``?``, so covered and missing
differed by colour alone, and ``difficulty ●●○`` read ``???``. Every write to a terminal goes through
:func:`fitted` (the console's stream, ``console._TrimmedStream``): one decision for every screen, bank
and user text included. Each stand-in takes the glyph's one cell, so tables and panels stay aligned;
a character with none here is left to the stream, which shows ``?``. Piped output is data and is
never changed (a glyph it cannot hold stops the command with one line).

A glyph whose only fair stand-in is wider (``±``: ``+/-``) cannot be swapped in the finished line, where a
panel's border would move: :data:`WIDE` is spelled out in the text itself before it is laid out
(:func:`spelled`, from ``console.safe``, which every bank, user and grader text passes).
"""

from __future__ import annotations

import functools

ASCII = {
    # the marks: key points (covered, partly, missing, stated the other way round), checks, runs
    "✓": "+",
    "✗": "-",
    "◐": "~",
    "≠": "!",
    # difficulty (●●○: **-), the story matrix, the recording light
    "●": "*",
    "○": "-",
    # separators, leads and bullets
    "·": "-",
    "•": "*",
    "→": ">",
    "⏱": " ",  # (the time after it says what it is: "2m of 3m", "2:30 left")
    "†": "#",  # history's mark of a session with an answer kept unrated (explained under the table)
    # stats: the heatmap's shades (after "·", none: "-") and the sparklines' bars, lightest to fullest
    "░": ":",
    "▒": "+",
    "▓": "#",
    "▁": "_",
    "▂": ".",
    "▃": "-",
    "▄": "=",
    "▅": "+",
    "▆": "*",
    "▇": "#",
    "█": "@",
    # typography in sentences and bank text
    "—": "-",
    "–": "-",
    "−": "-",
    # Text cut short (the checklist's key points, evidence, excerpts): one cell, as the line was sized
    # with "…" and a wider "..." would wrap it or a panel's border; ">" as vim marks a line that goes on
    # past the edge. Not ".", which made a cut key point read as a finished sentence ("... in advance and.")
    "…": ">",
    "‘": "'",
    "’": "'",
    "“": '"',
    "”": '"',
    "×": "x",
    "≈": "~",
    "≤": "<",
    "≥": ">",
}


# Stand-ins wider than their glyph, put in before the text is laid out (see the module's docstring): a
# numeric question's tolerance read "expected 3.47 $ (? 0.02)".
WIDE = {"±": "+/-"}


def spelled(text: str, encoding: str) -> str:
    """``text`` with each glyph of :data:`WIDE` that ``encoding`` cannot hold as its stand-in."""
    for glyph, stand_in in _wide(encoding):
        text = text.replace(glyph, stand_in)
    return text


@functools.lru_cache(maxsize=8)
def _wide(encoding: str) -> tuple[tuple[str, str], ...]:
    """The glyphs of :data:`WIDE` that ``encoding`` cannot hold, with their stand-ins."""
    try:
        return tuple((glyph, stand_in) for glyph, stand_in in WIDE.items() if not _holds(encoding, glyph))
    except LookupError:  # an encoding Python does not know: the stream will say so itself
        return ()


def _holds(encoding: str, glyph: str) -> bool:
    try:
        glyph.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


@functools.lru_cache(maxsize=8)
def _table(encoding: str) -> dict[int, str]:
    """The stand-ins for the glyphs ``encoding`` cannot hold (none for UTF-8)."""
    table = {}
    for glyph, stand_in in ASCII.items():
        try:
            glyph.encode(encoding)
        except UnicodeEncodeError:
            table[ord(glyph)] = stand_in
        except LookupError:  # an encoding Python does not know: the stream will say so itself
            return {}
    return table


def fitted(text: str, encoding: str | None) -> str:
    """``text`` with each glyph ``encoding`` cannot hold as its ASCII stand-in."""
    if text.isascii() or not encoding:
        return text
    table = _table(encoding)
    return text.translate(table) if table else text
