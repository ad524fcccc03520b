"""The console and the rules of output: user text is literal, tables have no borders and no trailing
spaces, and what people copy (ids, keys, commands) is never cut."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable

from rich.console import Console
from rich.measure import Measurement
from rich.segment import Segment, Segments
from rich.table import Table
from rich.text import Text

from mockprep.core.sanitize import clean
from mockprep.core.wording import plural

__all__ = ["make_console", "plain_table", "plural", "print_text", "print_table", "safe"]


def safe(text: str, style: str = "") -> Text:
    """User or bank text as a literal rich Text: no markup, no escape sequences."""
    return Text(clean(text), style=style)


def plain_table(*columns: str, whole: Collection[str] = (), title: str | None = None) -> Table:
    """A borderless table. A column named with a trailing ``>`` is right-aligned (for numbers); the
    columns named in ``whole`` hold what people copy (ids, keys) and are never cut (see print_table)."""
    table = Table(box=None, pad_edge=False, title=title, title_justify="left")
    for column in columns:
        name = column.removesuffix(">")
        table.add_column(name, justify="right" if column.endswith(">") else "left", no_wrap=name in whole)
    return table


def _column_widths(console: Console, table: Table, available: int) -> list[int]:
    """Content widths for ``table``'s columns: no column narrower than its longest word (a no-wrap
    column than its longest line), then what is left of ``available`` shared out evenly among the
    columns that want more. The sum may exceed ``available`` when the longest words alone do."""
    options = console.options.update_width(1_000_000)
    least, most = [], []
    for column in table.columns:
        cells = [column.header, *column.cells] if table.show_header else list(column.cells)
        sizes = [Measurement.get(console, options, cell) for cell in cells] or [Measurement(1, 1)]
        widest = max(1, max(size.maximum for size in sizes))
        most.append(widest)
        least.append(widest if column.no_wrap else max(1, max(size.minimum for size in sizes)))
    widths = list(least)
    spare = available - sum(widths)
    while spare > 0:
        growing = [i for i, width in enumerate(widths) if width < most[i]]
        if not growing:
            break
        share = max(1, spare // len(growing))
        for i in growing:
            step = min(share, most[i] - widths[i], spare)
            widths[i] += step
            spare -= step
    return widths


def _without_trailing_spaces(lines: Iterable[list[Segment]], indent: int) -> Iterable[Segment]:
    for line in lines:
        kept = list(line)
        while kept and not kept[-1].control and not kept[-1].text.rstrip():
            kept.pop()
        if kept and not kept[-1].control:
            last = kept[-1]
            kept[-1] = Segment(last.text.rstrip(), last.style)
        if kept and indent:
            yield Segment(" " * indent)
        yield from kept
        yield Segment.line()


def _gaps(table: Table) -> int:
    return 2 * (len(table.columns) - 1)  # plain_table's padding: one space either side of a gap


def _subtable(table: Table, columns: list[int], rows: Iterable[int], header: bool) -> Table:
    """Some of ``table``'s columns and rows, as a table of their own."""
    sub = Table(box=None, pad_edge=False, show_header=header)
    cells = []
    for i in columns:
        column = table.columns[i]
        sub.add_column(column.header, justify=column.justify, no_wrap=column.no_wrap, style=column.style)
        cells.append(list(column.cells))
    for row in rows:
        sub.add_row(*(cells[k][row] for k in range(len(columns))), style=table.rows[row].style)
    return sub


def _print_rows(console: Console, table: Table, widths: list[int], indent: int = 0) -> None:
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    width = max(console.options.max_width - indent, sum(widths) + _gaps(table))
    lines = console.render_lines(table, console.options.update_width(width), pad=False)
    console.print(Segments(_without_trailing_spaces(lines, indent)), crop=False)


def print_table(console: Console, table: Table) -> None:
    """Print a ``plain_table`` with no trailing spaces on its lines and no word ever cut.

    Cells wrap at spaces; a whole (no-wrap) column keeps each line of its cells on one line. A table
    whose longest words do not fit the terminal puts each row's first and whole cells on a line of
    their own and its other cells on the line below; if even that does not fit, the table is drawn as
    wide as it needs and the terminal wraps its lines: what people copy is never shortened.
    """
    available = console.options.max_width
    widths = _column_widths(console, table, available - _gaps(table))
    keys = [i for i, column in enumerate(table.columns) if i == 0 or column.no_wrap]
    rest = [i for i in range(len(table.columns)) if i not in keys]
    if sum(widths) + _gaps(table) <= available or not rest or len(keys) < 2:
        _print_rows(console, table, widths)
        return
    if table.title:
        print_text(console, safe(str(table.title)))
    rows = range(table.row_count)
    top, bottom = _subtable(table, keys, rows, True), _subtable(table, rest, rows, True)
    indent = widths[0] + 2  # the other cells line up under the second column
    top_widths = _column_widths(console, top, available - _gaps(top))
    bottom_widths = _column_widths(console, bottom, available - indent - _gaps(bottom))
    for row in [None, *rows] if table.show_header else rows:
        for columns, part_widths, part_indent in ((keys, top_widths, 0), (rest, bottom_widths, indent)):
            piece = _subtable(table, columns, [] if row is None else [row], header=row is None)
            _print_rows(console, piece, part_widths, part_indent)


def _at_spaces(text: Text, width: int) -> list[Text]:
    """``text`` broken at spaces into lines of ``width`` or less; a longer word keeps a line to itself."""
    lines: list[Text] = []
    for paragraph in text.split("\n", allow_blank=True):
        offsets: list[int] = []
        line_start = words_on_line = 0
        for word in re.finditer(r"\S+", paragraph.plain):
            if words_on_line and word.end() - line_start > width:
                offsets.append(word.start())
                line_start, words_on_line = word.start(), 0
            words_on_line += 1
        lines.extend(paragraph.divide(offsets))
    for line in lines:
        line.rstrip()
    return lines


def print_text(console: Console, text: Text | str, style: str = "", *, wrap: bool = True) -> None:
    """Print user text or something to copy (a key, an id, a command) without ever cutting a word.

    With ``wrap`` lines break only at spaces, carry no trailing spaces, and a word longer than the
    terminal is printed whole for the terminal to wrap; without it (a command to paste) the text is
    printed as one line. A ``str`` is shown literally (see :func:`safe`) in ``style``.
    """
    line = text if isinstance(text, Text) else safe(text, style)
    for part in _at_spaces(line, console.width) if wrap else [line]:
        console.print(part, crop=False, overflow="ignore", no_wrap=True)


def make_console(stderr: bool = False) -> Console:
    return Console(stderr=stderr, highlight=False, soft_wrap=False)
