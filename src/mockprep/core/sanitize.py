"""Make text safe to print: user and bank text is data, never terminal control or markup.

Escape sequences (CSI, OSC, and other ESC forms) and control characters are removed; tab and newline
stay. So are the bidirectional embedding, override and isolate characters (U+202A-U+202E,
U+2066-U+2069): one of them reorders what follows it on the line ("Trojan Source"), so the screen would
not read as the stored text does. The marks U+200E/U+200F (and U+061C) stay: they move only the neutral
characters beside them, and right-to-left text needs them to place its punctuation. Rich markup is not
handled here: the renderer wraps text in ``rich.text.Text``, which never interprets ``[brackets]``.
What a program printed is shown instead with those characters written out as escapes (:func:`visible`).
"""

from __future__ import annotations

import re

# ESC-initiated sequences: CSI (ESC [ ... final), OSC (ESC ] ... BEL or ST), and two-byte escapes;
# then 8-bit C1 forms of CSI/OSC; then any remaining C0/C1 control character except \t and \n.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"
    r"|\x1b[ -/]*[0-~]?"
    r"|\x9b[0-?]*[ -/]*[@-~]"
    r"|\x9d[^\x07\x9c]*[\x07\x9c]?"
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean(text: str) -> str:
    """``text`` without escape sequences, control characters or bidirectional overrides (tab and newline
    are kept)."""
    if not _CONTROLS.search(text):  # every escape starts with a control character: most text has none
        return text
    text = text.replace("\r\n", "\n")
    return _CONTROLS.sub("", _ESCAPES.sub("", text))


def visible(text: str) -> str:
    """``text`` with each control character (but tab and newline) and bidirectional override written as
    Python writes it in a string (``\\x1b``, ``\\r``, ``\\x00``, ``\\u202e``): what a program printed,
    shown as it was without acting on the terminal. Escape sequences stay readable (``\\x1b[31m``)."""
    if not _CONTROLS.search(text):
        return text
    return _CONTROLS.sub(_escaped, text)


def _escaped(found: re.Match[str]) -> str:
    code = ord(found.group())
    return "\\r" if code == 13 else f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def shorten(text: str, limit: int = 4000, rest: str = "the full text is kept") -> str:
    """``text`` cut to ``limit`` characters for the screen, saying how much was left out and, in
    ``rest``, where the rest is (a command that shows it, where there is one)."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit:,} more characters; {rest})"
