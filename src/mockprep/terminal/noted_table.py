"""A table with a line of text under each row (``question show``'s answers under its ratings).

Text that long in a column of its own pushed the whole table into the narrow layout of
:mod:`mockprep.terminal.narrow_table` (``rating again · … · session session 5``) whenever one answer
was long; under its row, set in and wrapped at spaces, it never changes how the table is drawn.
"""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from mockprep.terminal.console import (
    Indented,
    _column_widths,
    _gaps,
    _print_rows,
    _squeezed,
    _subtable,
    print_table,
)
from mockprep.terminal.plain_table import PlainTable

NOTE_INDENT = 4  # where the line under a row starts


def print_noted_table(console: Console, table: PlainTable, notes: list[Text], header: str) -> None:
    """``table`` with ``notes[i]`` under row ``i``. A table too wide for the terminal even without them
    is drawn as :func:`~mockprep.terminal.console.print_table` draws any, the notes its last column
    (named ``header``)."""
    available = console.options.max_width
    widths = _column_widths(console, table, available - _gaps(table))
    if sum(widths) + _gaps(table) > available or _squeezed(console, table, widths):
        table.add_column(header)
        table.columns[-1].cells = list(notes)
        print_table(console, table)
        return
    columns = list(range(len(table.columns)))
    head = _subtable(table, columns, [], table.show_header)
    head.title = table.title
    if head.title or head.show_header:
        _print_rows(console, head, widths)
    for row, note in enumerate(notes):
        _print_rows(console, _subtable(table, columns, [row], False), widths)
        if note.plain.strip():
            console.print(Indented(note, NOTE_INDENT), crop=False)
