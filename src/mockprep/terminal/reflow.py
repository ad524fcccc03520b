"""A model answer's paragraphs reflowed for the screen: a line written with a hard break inside ``'''``
that runs past the width takes the next line of its paragraph after it, so wrapping it leaves no
ragged one-word line. Lines that fit stay as written (a bank's own layout: a step, a result on its
line), and so do list items' own lines, indented lines (code, a formula set apart), fenced code,
headings, tables and blank-line paragraphs."""

from __future__ import annotations

import re

from rich.cells import cell_len

# A list item's marker: "- ", "* ", "• ", "1. ", "2) " (indented or not), as console.hanging_lines reads it
_ITEM = re.compile(r"\s*(?:[-*•]|\d{1,3}[.)])\s+\S")
_FENCES = ("```", "~~~")
_BLOCKS = (*_FENCES, "#", "|", "$$", ">")  # lines that are never part of a paragraph's run


def reflowed(text: str, width: int) -> str:
    """``text`` with each line that runs past ``width`` cells joined by the line after it, when that
    line continues its paragraph (not blank, not indented, not a list item, a fence or a heading); a
    joined line that still runs past the width takes the next one too."""
    out: list[str] = []
    fenced = overflowing = False
    for line in text.split("\n"):
        if line.strip().startswith(_FENCES):
            fenced = not fenced
            out.append(line)
            overflowing = False
            continue
        if overflowing and not fenced and _continues(line):
            out[-1] = f"{out[-1].rstrip()} {line.strip()}"
        else:
            out.append(line)
        # decided from the line as it now stands: a long line that took a short one still overflows, and
        # the tail its wrap leaves would sit alone unless the paragraph's next line joins it too
        overflowing = not fenced and _overflows(out[-1], width)
    return "\n".join(out)


def _continues(line: str) -> bool:
    """Whether a line goes on with the paragraph above it (Markdown's lazy continuation)."""
    stripped = line.strip()
    return (
        bool(stripped)
        and not line[:1].isspace()
        and not _ITEM.match(line)
        and not stripped.startswith(_BLOCKS)
    )


def _overflows(line: str, width: int) -> bool:
    """Whether a paragraph's line (or a list item's) is wider than the screen; an indented line that is
    no list item (code, a formula) and a heading or table row never take the next line."""
    stripped = line.strip()
    if not stripped or stripped.startswith(_BLOCKS) or (line[:1].isspace() and not _ITEM.match(line)):
        return False
    return cell_len(line.expandtabs(8)) > width
