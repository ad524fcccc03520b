"""A table too wide for the terminal (:func:`mockprep.terminal.console.print_table`'s fallback).

Each row's key cells (its first column and its whole ones) keep a line of their own. Its other cells
go on the line below, lined up under the second column, when they fit there on one line; otherwise
they follow as ``header value`` pairs joined by `` · `` and wrapped at spaces, a pair moving to the
next line whole rather than parting from its header. No word is broken to fit a column.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from mockprep.terminal.console import (
    _at_spaces,
    _column_widths,
    _fit,
    _gaps,
    _print_rows,
    _subtable,
    print_text,
    safe,
)
from mockprep.terminal.plain_table import PlainTable

# How far the cells below a row's keys start at most (less when the first column is narrower).
BLOCK_INDENT = 4


def print_narrow(console: Console, table: PlainTable, keys: list[int], rest: list[int]) -> None:
    """``table`` split into each row's ``keys`` on a line and its ``rest`` below (see the module)."""
    available = console.options.max_width
    if table.title:
        print_text(console, safe(str(table.title)))
    rows = range(table.row_count)
    top = _subtable(table, keys, rows, True)
    top_widths = _fit(console, top, available)
    indent = top_widths[0] + (top.padding[1] + top.padding[3])  # under the second column
    bottom = _subtable(table, rest, rows, True)
    bottom_widths = _one_line(console, bottom, available - indent)
    blocks = bottom_widths is None
    if blocks and not all(isinstance(cell, (str, Text)) for i in rest for cell in table.columns[i].cells):
        bottom_widths = _fit(console, bottom, available - indent)  # (cells only rich can lay out)
        blocks = False
    key_columns = list(range(len(keys)))
    if table.show_header:
        _print_rows(console, _subtable(top, key_columns, [], True), top_widths)
        if not blocks:
            _print_rows(console, _subtable(bottom, list(range(len(rest))), [], True), bottom_widths, indent)
    for row in rows:
        _print_rows(console, _subtable(top, key_columns, [row], False), top_widths)
        if blocks:
            _print_pairs(console, table, rest, row, min(indent, BLOCK_INDENT))
        else:
            _print_rows(
                console, _subtable(bottom, list(range(len(rest))), [row], False), bottom_widths, indent
            )


def _one_line(console: Console, table: PlainTable, available: int) -> list[int] | None:
    """Widths at which every cell of ``table`` fits on one line within ``available`` (one space between
    columns if two are too many), or None."""
    padding = table.padding
    for table.padding in (padding, (0, 1, 0, 0)):
        widths = _column_widths(console, table, 1_000_000)
        if sum(widths) + _gaps(table) <= available:
            return widths
    table.padding = padding
    return None


def _print_pairs(console: Console, table: PlainTable, rest: list[int], row: int, indent: int) -> None:
    """Row ``row``'s ``rest`` cells, ``indent`` columns in: ``header value`` pairs joined by `` · ``
    (the values alone in a table without headers), empty cells left out."""
    base = table.get_row_style(console, row)
    pairs: list[Text] = []
    for i in rest:
        column = table.columns[i]
        cell = column.cells[row]
        text = console.render_str(cell, highlight=False) if isinstance(cell, str) else cell
        assert isinstance(text, Text)
        if not text.plain.strip():
            continue
        pair = Text(style=column.style or "")
        header = str(column.header) if table.show_header else ""
        if header and text.plain.startswith(f"{header} "):  # "session 5", not "session session 5"
            header = ""
        if header:
            pair.append(f"{header} ", style="dim")
        pair.append_text(Text(" ").join(part for part in text.split("\n") if part.plain.strip()))
        pairs.append(pair)
    room = max(1, console.options.max_width - indent)
    lines: list[Text] = []
    for pair in pairs:
        if lines and cell_len(lines[-1].plain) + 3 + cell_len(pair.plain) <= room:
            lines[-1].append(" · ", style="dim")
            lines[-1].append_text(pair)
        else:
            lines.append(Text(style=base))
            lines[-1].append_text(pair)
    hang = 2 if table.show_header else 0  # a value's later lines under the value, not its header
    for line in lines:
        first, *_later = _at_spaces(line, room) or [line]
        _print_line(console, first, indent)
        start = len(first.plain)
        while start < len(line.plain) and line.plain[start] == " ":
            start += 1
        if start < len(line.plain):
            for part in _at_spaces(line[start:], max(1, room - hang)):
                _print_line(console, part, indent + hang)


def _print_line(console: Console, text: Text, indent: int) -> None:
    line = Text(" " * indent)
    line.append_text(text)
    console.print(line, crop=False, overflow="ignore", no_wrap=True)
