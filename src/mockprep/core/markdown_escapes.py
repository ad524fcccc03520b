"""Backslash escapes in Markdown text, read as CommonMark reads them, and written back. Pure.

A backslash before ASCII punctuation is an escape: ``\\[recall\\]`` reads as ``[recall]``, ``SS\\_res``
as ``SS_res`` and ``\\\\`` as one backslash. What a bank holds as written is left whole: code (fenced
blocks, `code spans`) and maths, whose backslashes are LaTeX's: ``\\(...\\)``, ``$...$`` (opened before a
non-space, closed after one, not before a digit: "$5 and $10" is no maths), ``$$...$$``, and
``\\[...\\]`` around what reads as maths (a command, a sub- or superscript, braces, an operator), not
around a word.

:func:`escape` is the inverse of :func:`unescape`: a backslash before punctuation outside code and maths
is doubled, so ``unescape(escape(text)) == text`` for any text.
"""

from __future__ import annotations

import re

PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_BACKTICKS = re.compile(r"`+")
_INLINE_DOLLAR = re.compile(r"\$(?=\S)[^$\n]+?(?<=\S)\$(?!\d)")
_MATHS = re.compile(r"[\\^_={}+<>|/]")  # what a \[...\] around maths holds and a word does not


def unescape(text: str) -> str:
    """``text`` as Markdown reads it: each backslash escape outside code and maths is its character."""
    return _convert(text, reading=True)


def escape(text: str) -> str:
    """``text`` written so that :func:`unescape` gives it back: a backslash before punctuation outside
    code and maths is doubled."""
    return _convert(text, reading=False)


def _convert(text: str, reading: bool) -> str:
    """Fenced blocks as they are (a fence that never closes is no fence), the rest scanned."""
    lines = text.split("\n")
    out: list[str] = []
    prose: list[str] = []
    fence: str | None = None
    for index, line in enumerate(lines):
        opener = _FENCE.match(line)
        if fence is None and opener and _closes(lines[index + 1 :], opener.group(1)):
            out += _scan("\n".join(prose), reading).split("\n") if prose else []
            prose, fence = [], opener.group(1)
            out.append(line)
        elif fence is not None:
            out.append(line)
            if opener and _is_closer(line, opener.group(1), fence):
                fence = None
        else:
            prose.append(line)
    if prose:
        out += _scan("\n".join(prose), reading).split("\n")
    return "\n".join(out)


def _is_closer(line: str, found: str, fence: str) -> bool:
    return found[0] == fence[0] and len(found) >= len(fence) and not line.strip().strip(fence[0])


def _closes(rest: list[str], fence: str) -> bool:
    return any((found := _FENCE.match(line)) and _is_closer(line, found.group(1), fence) for line in rest)


def _scan(text: str, reading: bool) -> str:
    out: list[str] = []
    i, end = 0, len(text)
    while i < end:
        span = _span_end(text, i)
        if span:
            out.append(text[i:span])
            i = span
        elif text[i] == "\\" and i + 1 < end and text[i + 1] in PUNCTUATION:
            if reading:
                out.append(text[i + 1])
                i += 2
            else:  # (the punctuation after it is scanned next, as the reader sees it after "\\")
                out.append("\\\\")
                i += 1
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _span_end(text: str, i: int) -> int | None:
    """Where the code or maths span that starts at ``i`` ends, if one does."""
    char = text[i]
    if char == "`":  # (a run that nothing closes is text, all of it: none of its backticks opens one)
        run = _BACKTICKS.match(text, i).group()  # type: ignore[union-attr]
        closer = next((c for c in _BACKTICKS.finditer(text, i + len(run)) if c.group() == run), None)
        return closer.end() if closer else i + len(run)
    if char == "$":
        if text.startswith("$$", i):
            close = text.find("$$", i + 2)
            return close + 2 if close > i + 2 else None
        found = _INLINE_DOLLAR.match(text, i)
        return found.end() if found else None
    if char == "\\" and text.startswith(("\\(", "\\["), i):
        close = text.find("\\)" if text[i + 1] == "(" else "\\]", i + 2)
        if close < 0 or (text[i + 1] == "[" and not _MATHS.search(text, i + 2, close)):
            return None
        return close + 2
    return None
