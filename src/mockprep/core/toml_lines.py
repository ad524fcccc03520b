"""Where each key of a TOML document is written, so that a problem can name its line.

tomllib gives values, not positions. This scanner reads the text of a document that tomllib already
accepted and records the line of every table header and key, skipping strings, multi-line strings,
comments and values that span lines. A location it cannot place simply has no line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

Location = tuple[str | int, ...]  # ("questions", 2, "difficulty"): the third question's difficulty

_BARE = r"[A-Za-z0-9_-]+"
_QUOTED = r'"(?:[^"\\]|\\.)*"|\'[^\']*\''
_KEY = rf"(?:{_BARE}|{_QUOTED})(?:\s*\.\s*(?:{_BARE}|{_QUOTED}))*"
_ARRAY_HEADER = re.compile(rf"\[\[\s*({_KEY})\s*\]\]")
_TABLE_HEADER = re.compile(rf"\[\s*({_KEY})\s*\]")
_ASSIGNMENT = re.compile(rf"({_KEY})\s*=")
_PART = re.compile(rf"{_BARE}|{_QUOTED}")


def key_lines(text: str) -> dict[Location, int]:
    """The 1-based line of every key, table and array-of-tables entry in ``text``.

    ``("questions", 0)`` is the line of the first ``[[questions]]``; ``("questions", 0, "id")`` the
    line of its ``id``; ``("title",)`` the line of the top-level ``title``.
    """
    lines: dict[Location, int] = {}
    counts: dict[Location, int] = {}
    table: Location = ()
    pending: tuple[str | None, int] = (None, 0)  # an open multi-line string, open brackets
    for number, line in enumerate(text.splitlines(), start=1):
        if pending != (None, 0):
            pending = _scan(line, *pending)
            continue
        stripped = line.lstrip()
        if header := _ARRAY_HEADER.match(stripped):
            name = _within(_parts(header.group(1)), counts)
            index = counts.get(name, 0)
            counts[name] = index + 1
            table = (*name, index)
            lines.setdefault(name, number)
            lines[table] = number
        elif header := _TABLE_HEADER.match(stripped):
            table = _within(_parts(header.group(1)), counts)
            lines.setdefault(table, number)
        elif key := _ASSIGNMENT.match(stripped):
            lines.setdefault((*table, *_parts(key.group(1))), number)
            pending = _scan(stripped[key.end() :], None, 0)
    return lines


def line_of(lines: dict[Location, int], location: Sequence[str | int]) -> int | None:
    """The line of ``location``, or of the nearest enclosing key or table that has one."""
    for end in range(len(location), 0, -1):
        found = lines.get(tuple(location[:end]))
        if found is not None:
            return found
    return None


def line_at_offset(data: bytes, offset: int) -> int:
    """The 1-based line holding byte ``offset``."""
    return data.count(b"\n", 0, offset) + 1


def _within(name: Location, counts: dict[Location, int]) -> Location:
    """A header's location with the index of each enclosing array of tables: ``[[questions.tests]]``
    belongs to the latest ``[[questions]]``, so it is ``("questions", 4, "tests")``."""
    resolved: Location = ()
    for part in name[:-1]:
        resolved = (*resolved, part)
        if resolved in counts:
            resolved = (*resolved, counts[resolved] - 1)
    return (*resolved, *name[-1:])


def _parts(key: str) -> Location:
    return tuple(part.strip("\"'") for part in _PART.findall(key))


def _scan(text: str, open_string: str | None, depth: int) -> tuple[str | None, int]:
    """Follow a value through ``text``: return the multi-line string still open and the bracket depth."""
    i = 0
    while i < len(text):
        if open_string is not None:
            end = _closing(text, i, open_string)
            if end < 0:
                return open_string, depth
            i, open_string = end + 3, None
            continue
        char = text[i]
        if char == "#":
            break
        if text.startswith('"""', i) or text.startswith("'''", i):
            open_string = text[i : i + 3]
            i += 3
            continue
        if char in "\"'":
            i = _end_of_string(text, i)
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth = max(0, depth - 1)
        i += 1
    return open_string, depth


def _closing(text: str, start: int, delimiter: str) -> int:
    """Where ``delimiter`` closes a multi-line string in ``text`` (a basic one honours backslashes)."""
    at = text.find(delimiter, start)
    while at >= 0 and delimiter == '"""' and _escaped(text, at):
        at = text.find(delimiter, at + 1)
    return at


def _end_of_string(text: str, start: int) -> int:
    """The index of the quote closing the one-line string that opens at ``start``."""
    quote = text[start]
    at = text.find(quote, start + 1)
    while at >= 0 and quote == '"' and _escaped(text, at):
        at = text.find(quote, at + 1)
    return len(text) if at < 0 else at


def _escaped(text: str, at: int) -> bool:
    """Whether the character at ``at`` follows an odd run of backslashes."""
    before = at
    while before > 0 and text[before - 1] == "\\":
        before -= 1
    return (at - before) % 2 == 1
