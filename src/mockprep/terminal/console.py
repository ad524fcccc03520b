"""The console and the two rules of output: user text is literal, tables have no borders."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from mockprep.core.sanitize import clean


def safe(text: str, style: str = "") -> Text:
    """User or bank text as a literal rich Text: no markup, no escape sequences."""
    return Text(clean(text), style=style)


def plain_table(*columns: str) -> Table:
    """A borderless table; a column named with a trailing ``>`` is right-aligned (for numbers)."""
    table = Table(box=None, pad_edge=False)
    for column in columns:
        table.add_column(column.removesuffix(">"), justify="right" if column.endswith(">") else "left")
    return table


def make_console(stderr: bool = False) -> Console:
    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")
