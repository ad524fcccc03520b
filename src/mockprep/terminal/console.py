"""The console and the rules of output: user text is literal, tables have no borders and no trailing
spaces, and what people copy (ids, keys, commands) is never cut."""

from __future__ import annotations

import re
import sys
from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len
from rich.console import Console
from rich.measure import Measurement
from rich.segment import Segment, Segments
from rich.style import Style
from rich.text import Text

from mockprep.core.sanitize import clean
from mockprep.core.wording import plural
from mockprep.terminal.plain_table import PlainTable

if TYPE_CHECKING:
    from rich.console import ConsoleOptions, RenderableType

__all__ = ["make_console", "plain_table", "plural", "print_text", "print_table", "safe"]


def safe(text: str, style: str = "") -> Text:
    """User or bank text as a literal rich Text: no markup, no escape sequences; a glyph the terminal
    cannot draw and whose stand-in is wider (``±``: ``+/-``) spelled out before it is laid out."""
    text = clean(text)
    if not text.isascii() and not _unicode(sys.stdout) and sys.stdout.isatty():
        from mockprep.terminal.glyphs import spelled  # (a terminal whose locale is not UTF-8)

        text = spelled(text, sys.stdout.encoding)
    return Text(text, style=style)


def plain_table(*columns: str, whole: Collection[str] = (), title: str | None = None) -> PlainTable:
    """A borderless table. A column named with a trailing ``>`` is right-aligned (for numbers); the
    columns named in ``whole`` hold what people copy (ids, keys) and are never cut (see print_table)."""
    table = PlainTable(title=title)
    for column in columns:
        name = column.removesuffix(">")
        table.add_column(
            name,
            justify="right" if column.endswith(">") else "left",
            no_wrap=name in whole,
            overflow="fold",  # a word too long for its column goes on over lines, never "…"
        )
    return table


# The narrowest a column other than a whole one is folded to before a table is drawn wider than the
# terminal.
FOLD_FLOOR = 4


def _measure(console: Console, options: ConsoleOptions, cell: RenderableType) -> Measurement:
    """``Measurement.get`` of a cell; a Text's by rich's own rule (its longest word, its longest line)
    without the general path, which took most of the time of measuring a table of 400 cells."""
    if type(cell) is not Text:
        return Measurement.get(console, options, cell)
    lines = cell.plain.splitlines()
    most = max(map(cell_len, lines)) if lines else 0
    words = cell.plain.split()
    least = max(map(cell_len, words)) if words else most
    most, least = min(most, options.max_width), min(least, options.max_width)
    return Measurement(least, most) if most >= 1 else Measurement(0, 0)


def _column_widths(console: Console, table: PlainTable, available: int, fold: bool = False) -> list[int]:
    """Content widths for ``table``'s columns: no column narrower than its longest word (a whole one
    than its longest line), then what is left of ``available`` shared out evenly among the columns that
    want more. With ``fold``, the widest other columns give way (down to FOLD_FLOOR, folding their
    longest words) to fit ``available``. The sum exceeds ``available`` when even that is too much."""
    options = console.options.update_width(1_000_000)
    least, most, data_least = [], [], []
    for column in table.columns:
        header = [_measure(console, options, column.header)] if table.show_header else []
        data = [_measure(console, options, cell) for cell in column.cells] or [Measurement(1, 1)]
        widest = max(1, *(size.maximum for size in header + data))
        most.append(widest)
        least.append(widest if column.no_wrap else max(1, *(size.minimum for size in header + data)))
        numbers = column.justify == "right"  # a number is never folded, only its header
        data_least.append(max(FOLD_FLOOR, *(size.maximum if numbers else size.minimum for size in data)))
    widths = list(least)
    while fold and sum(widths) > available:
        # Fold a long header word first, then the widest column's words.
        other = [i for i, c in enumerate(table.columns) if not c.no_wrap and widths[i] > FOLD_FLOOR]
        headers = [i for i in other if widths[i] > data_least[i]]
        words = [i for i in other if table.columns[i].justify != "right"]
        if not headers and not words:
            break
        widths[max(headers or words, key=lambda i: widths[i])] -= 1
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


def _gap(table: PlainTable) -> int:
    _top, right, _bottom, left = table.padding
    return right + left


def _gaps(table: PlainTable) -> int:
    return _gap(table) * (len(table.columns) - 1)  # no padding at the edges (pad_edge=False)


def _fit(console: Console, table: PlainTable, available: int, fold: bool = True) -> list[int]:
    """Column widths for ``table`` within ``available``: every word whole; else one space between the
    columns instead of two; else (with ``fold``) long header words, then the widest other column's,
    folded. The sum still exceeds ``available`` when whole columns alone do (or words, unfolded)."""
    widths = _column_widths(console, table, available - _gaps(table))
    if sum(widths) + _gaps(table) <= available:
        return widths
    table.padding = (0, 1, 0, 0)
    widths = _column_widths(console, table, available - _gaps(table))
    if sum(widths) + _gaps(table) <= available or not fold:
        return widths
    return _column_widths(console, table, available - _gaps(table), fold=True)


# A column narrower than this whose cells wrap over more than MAX_CELL_LINES lines reads as a column
# of words ("Missing:" / "Task," / "Result;"): the row's other cells go below its key instead.
MIN_WRAP_WIDTH, MAX_CELL_LINES = 20, 3


def _squeezed(console: Console, table: PlainTable, widths: list[int]) -> bool:
    """Whether a column at ``widths`` is too narrow for its text (MIN_WRAP_WIDTH, MAX_CELL_LINES)."""
    for column, width in zip(table.columns, widths, strict=True):
        if column.no_wrap or width >= MIN_WRAP_WIDTH:
            continue
        for cell in column.cells:
            text = console.render_str(cell, highlight=False) if isinstance(cell, str) else cell
            if isinstance(text, Text) and cell_len(text.plain) > width * MAX_CELL_LINES:
                if len(_at_spaces(text, width)) > MAX_CELL_LINES:
                    return True
    return False


def _subtable(table: PlainTable, columns: list[int], rows: Iterable[int], header: bool) -> PlainTable:
    """Some of ``table``'s columns and rows, as a table of their own."""
    sub = PlainTable(show_header=header, padding=table.padding)
    cells = []
    for i in columns:
        column = table.columns[i]
        sub.add_column(
            column.header,
            justify=column.justify,
            no_wrap=column.no_wrap,
            style=column.style,
            overflow=column.overflow,
        )
        cells.append(list(column.cells))
    for row in rows:
        sub.add_row(*(cells[k][row] for k in range(len(columns))), style=table.rows[row].style)
    return sub


def _print_rows(console: Console, table: PlainTable, widths: list[int], indent: int = 0) -> None:
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    lines = _single_line_rows(console, table, widths)
    if lines is None:
        width = max(console.options.max_width - indent, sum(widths) + _gaps(table))
        lines = console.render_lines(table.to_rich(), console.options.update_width(width), pad=False)
    console.print(Segments(_without_trailing_spaces(lines, indent)), crop=False)


def _single_line_rows(console: Console, table: PlainTable, widths: list[int]) -> list[list[Segment]] | None:
    """The lines rich draws for a borderless ``table`` whose every cell fits its column on one line
    (most tables), composed as rich composes them (its title, cell, column and row styles; padding in
    the cell's style) without its layout engine, which costs ~5x as much (77 rows of ``stats``: 60 ms).
    None when the table needs that engine."""
    if table.box or table.pad_edge or table.expand or table.caption or table.show_footer:
        return None
    if table.show_lines or table.leading or table.collapse_padding or table.padding[0] or table.padding[2]:
        return None
    get_style = console.get_style
    null = Style.null()
    _top, right, _bottom, left = table.padding
    last = len(table.columns) - 1
    rows: list[list[tuple[Style, object]]] = []
    row_styles: list[Style] = []
    if table.show_header:
        head = get_style(table.header_style or "")
        rows.append([(head + get_style(c.header_style or ""), c.header) for c in table.columns])
        row_styles.append(null)
    cells = [list(column.cells) for column in table.columns]
    for index in range(table.row_count):
        rows.append([(get_style(c.style or ""), cells[i][index]) for i, c in enumerate(table.columns)])
        row_styles.append(get_style(table.get_row_style(console, index)))
    out = _title_lines(console, table, sum(widths) + _gaps(table)) if table.title else []
    for row, row_style in zip(rows, row_styles, strict=True):
        line: list[Segment] = []
        for i, ((style, cell), column, width) in enumerate(zip(row, table.columns, widths, strict=True)):
            text = console.render_str(cell, highlight=column.highlight) if isinstance(cell, str) else cell
            if not isinstance(text, Text):
                return None
            content = _plain_cell(console, text, column.justify, width)
            if content is not None:
                line.extend(_padded(content, left if i else 0, right if i < last else 0, style + row_style))
                continue
            wrapped = text.wrap(
                console,
                width,
                justify=text.justify or column.justify or "default",
                overflow=text.overflow or column.overflow or "fold",
                tab_size=(console.tab_size if text.tab_size is None else text.tab_size) or 8,
                no_wrap=text.no_wrap if text.no_wrap is not None else column.no_wrap,
            )
            if len(wrapped) != 1:
                return None
            # joined, as rich joins a cell's lines: the line's own style becomes a span (render drops it)
            content = Segment.adjust_line_length(
                list(Text("\n").join(wrapped).render(console)), width, style=null
            )
            line.extend(_padded(content, left if i else 0, right if i < last else 0, style + row_style))
        out.append(line)
    return out


def _title_lines(console: Console, table: PlainTable, width: int) -> list[list[Segment]]:
    """The title's lines, as rich's Table draws them above itself: in the table.title style, wrapped
    to the table's width and justified left (plain_table's titles are the code's own words)."""
    title = table.title
    if not isinstance(title, Text):
        title = console.render_str(title, style="table.title", highlight=False)
    options = console.options.update(width=width, highlight=False, height=None, justify="left")
    return console.render_lines(title, options, pad=False)


def _padded(content: list[Segment], left: int, right: int, style: Style) -> list[Segment]:
    """A cell's line between its padding, all in the cell's style (under the text's own)."""
    padded = [Segment(" " * left), *content, Segment(" " * right)]
    return list(Segment.apply_style([s for s in padded if s.text], style))


def _plain_cell(console: Console, text: Text, justify: str, width: int) -> list[Segment] | None:
    """A one-style cell that fits as it is (most cells: a number, a name), justified as rich's wrap
    does it (left: padded after; right: trailing spaces dropped, padded before), without wrapping it.
    None for anything else."""
    plain = text.plain
    if text.spans or text.justify or "\n" in plain or "\t" in plain or justify not in ("left", "right"):
        return None
    if justify == "right":
        plain = plain.rstrip()
    size = cell_len(plain)
    if size > width:
        return None
    style = console.get_style(text.style) if text.style else None
    pad = " " * (width - size)
    return [Segment(plain + pad if justify == "left" else pad + plain, style)]


def print_table(console: Console, table: PlainTable) -> None:
    """Print a ``plain_table`` with no trailing spaces on its lines and nothing cut off.

    Cells wrap at spaces; a whole (no-wrap) column keeps each line of its cells on one line. A table
    too wide for the terminal puts each row's first and whole cells on a line of their own and its
    other cells below (:mod:`mockprep.terminal.narrow_table`); one whose only key is its first column
    first narrows the gaps between columns, if that keeps every word whole. A table of whole columns
    alone narrows its gaps, then folds header words; if they are still too wide, it is drawn as wide
    as they need and the terminal wraps its lines: what people copy is never shortened.
    """
    available = console.options.max_width
    keys = [i for i, column in enumerate(table.columns) if i == 0 or column.no_wrap]
    rest = [i for i in range(len(table.columns)) if i not in keys]
    widths = _column_widths(console, table, available - _gaps(table))
    if sum(widths) + _gaps(table) <= available and not (rest and _squeezed(console, table, widths)):
        _print_rows(console, table, widths)  # (what _fit would measure again and return)
        return
    if not rest:
        _print_rows(console, table, _fit(console, table, available))
        return
    if len(keys) < 2:  # a first column alone stays beside the others while no word has to fold
        padding = table.padding
        widths = _fit(console, table, available, fold=False)
        if sum(widths) + _gaps(table) <= available and not _squeezed(console, table, widths):
            _print_rows(console, table, widths)
            return
        table.padding = padding
    from mockprep.terminal.narrow_table import print_narrow

    print_narrow(console, table, keys, rest)


class Indented:
    """``text`` set ``indent`` columns in, each line it wraps to too (a hanging indent), broken at spaces
    and without trailing spaces (unlike rich's Padding, which pads every line to its width). A ``lead``
    (``  2 ✓ ``, ``  → ``) stands before the first line instead, and the indent is its width."""

    def __init__(self, text: Text, indent: int = 0, lead: Text | None = None):
        self.text, self.lead = text, lead
        self.indent = cell_len(lead.plain) if lead is not None else indent

    def __rich_console__(self, console: Console, options: Any) -> Iterable[Text]:
        yield from self.lines(options.max_width)

    def lines(self, width: int) -> list[Text]:
        """The lines it takes at ``width`` cells."""
        room = max(1, width - self.indent)
        # a word longer than the room folds, under the text rather than at the lead's spaces
        parts = [part for line in _at_spaces(self.text, room) for part in _folded(line, room)]
        out = []
        for number, line in enumerate(parts):
            lead = self.lead.copy() if number == 0 and self.lead is not None else Text(" " * self.indent)
            if not line.plain:
                lead.rstrip()  # (an empty text or line: no trailing spaces)
            out.append(lead.append_text(line))
        return out


# A list item's marker and the spaces after it: "- ", "* ", "• ", "1. ", "2) " (indented or not)
_LIST_ITEM = re.compile(r"(\s*(?:[-*•]|\d{1,3}[.)])\s+)\S")


def hanging_lines(text: Text, width: int) -> list[Text]:
    """``text`` wrapped at spaces to ``width`` cells, a list item's lines under its text rather than
    under its marker ("- Situation: ..." / "  customer-support data")."""
    lines: list[Text] = []
    text = text.copy()
    text.expand_tabs(8)  # (a tab takes the columns a terminal gives it, not none)
    for paragraph in text.split("\n", allow_blank=True):
        item = _LIST_ITEM.match(paragraph.plain)
        lead = cell_len(item.group(1)) if item else 0
        if lead and lead <= width // 2:
            lines.extend(
                Indented(paragraph[len(item.group(1)) :], lead=paragraph[: len(item.group(1))]).lines(width)
            )
        else:
            lines.extend(part for line in _at_spaces(paragraph, width) for part in _folded(line, width))
    return lines


def model_answer_lines(answer: str, width: int) -> list[Text]:
    """A model answer as shown: its paragraphs reflowed where a written line would wrap ragged
    (terminal/reflow.py), then :func:`hanging_lines`. Bank text: escape sequences stripped, no markup."""
    from mockprep.terminal.reflow import reflowed

    return hanging_lines(safe(reflowed(answer, width)), width)


def _folded(line: Text, room: int) -> list[Text]:
    """``line`` cut into pieces of at most ``room`` cells (a single word longer than the room)."""
    if cell_len(line.plain) <= room:
        return [line]
    cuts, used = [], 0
    for index, character in enumerate(line.plain):
        width = cell_len(character)
        if used + width > room and used:
            cuts.append(index)
            used = 0
        used += width
    pieces = list(line.divide(cuts))
    for piece in pieces:
        piece.rstrip()
    return pieces


def _at_spaces(text: Text, width: int) -> list[Text]:
    """``text`` broken at spaces into lines of ``width`` or less; a longer word keeps a line to itself."""
    lines: list[Text] = []
    for paragraph in text.split("\n", allow_blank=True):
        offsets: list[int] = []
        line_start = words_on_line = 0
        plain = paragraph.plain
        for word in re.finditer(r"\S+", plain):  # (measured in cells: a wide character takes two)
            if words_on_line and cell_len(plain[line_start : word.end()]) > width:
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
    """The console every command prints on: no highlighting of numbers or paths, no soft wrapping, and
    no ``:name:`` codes turned into emoji (what is printed is what was written). Piped, no line ends in
    a space (see :class:`_TrimmedStream`)."""
    return Console(file=_TrimmedStream(stderr), highlight=False, soft_wrap=False, emoji=False)


_LINE_END_SPACES = re.compile(r" +(?=\n)")


def _unicode(stream: Any) -> bool:
    return (getattr(stream, "encoding", None) or "utf").lower().startswith("utf")


class _TrimmedStream:
    """Standard output (or error), looked up at each write as rich itself does, without the spaces
    that rich's wrapping leaves at the end of a wrapped line ("... today's 0 new questions ") when
    it is not a terminal: piped output is grepped and diffed. A terminal gets the text unchanged, but
    for the glyphs its encoding cannot hold, drawn as ASCII stand-ins (see :mod:`.glyphs`)."""

    def __init__(self, stderr: bool):
        self.stderr = stderr

    @property
    def stream(self) -> Any:
        return sys.stderr if self.stderr else sys.stdout

    def write(self, text: str) -> int:
        stream = self.stream
        if "\n" in text and not stream.isatty():
            text = _LINE_END_SPACES.sub("", text)
        elif not text.isascii() and not _unicode(stream) and stream.isatty():
            from mockprep.terminal.glyphs import fitted  # (a terminal whose locale is not UTF-8)

            text = fitted(text, stream.encoding)
        return stream.write(text)

    def __getattr__(self, name: str) -> Any:  # isatty, flush, fileno, encoding: the stream's own
        return getattr(self.stream, name)
