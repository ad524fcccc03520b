"""print_table draws a table whose cells each fit on one line without rich's layout engine: what a
person sees (every character and its style) must be what rich draws."""

from __future__ import annotations

import copy
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.segment import Segment, Segments
from rich.text import Text

from mockprep.terminal import console as output
from mockprep.terminal.console import plain_table, print_table, safe
from mockprep.terminal.plain_table import PlainTable

WORDS = st.sampled_from(
    ["x", "bank-42", "[red]not markup[/red]", "", "  padded  ", "数据", "é", "a b c", "12%", "—", "\x1b[31m"]
)
CELL = st.lists(WORDS, min_size=1, max_size=4).map(" ".join)
STYLES = st.sampled_from(["", "bold", "dim", "green", "bold red", "italic on blue"])


@st.composite
def tables(draw) -> PlainTable:
    names = draw(
        st.lists(st.sampled_from(["id", "bank", "due>", "new>", "topic", "a b"]), min_size=1, max_size=5)
    )
    title = draw(st.sampled_from([None, None, "Banks", "Sessions and mocks, newest first", "[b]x[/b] y"]))
    table = plain_table(*names, whole=draw(st.sets(st.sampled_from(["id", "bank"]))), title=title)
    if draw(st.booleans()):
        table.padding = (0, 1, 0, 0)
    if draw(st.booleans()):
        table.row_styles = [draw(STYLES), draw(STYLES)]
    if draw(st.booleans()):
        table.columns[0].style = draw(STYLES)
    table.show_header = draw(st.booleans())
    for _ in range(draw(st.integers(0, 6))):
        cells = []
        for _name in names:
            kind = draw(st.sampled_from(["text", "styled", "one style", "str"]))
            words = draw(CELL)
            if kind == "text":
                cells.append(safe(words))
            elif kind == "one style":
                cells.append(Text(words, style=draw(STYLES)))
            elif kind == "styled":
                cell = Text(words, style=draw(STYLES))
                cell.stylize(draw(STYLES), 0, 2)
                cells.append(cell)
            else:
                cells.append(words.replace("[", "(").replace("\x1b", ""))  # plain strings are the code's own
        table.add_row(*cells, style=draw(STYLES) or None)
    return table


def _seen(table: PlainTable, width: int, engine: bool, monkeypatch) -> list[tuple[str, str]]:
    """Every character printed, with the style it is shown in."""
    console = Console(file=io.StringIO(), width=width, force_terminal=True, color_system="truecolor")
    if engine:
        monkeypatch.setattr(output, "_single_line_rows", lambda *_args: None)
    segments: list[Segment] = []
    render = console.render  # a title printed on its own line (print_text) is rendered as rich would

    def printed(renderable, **_kw) -> None:
        segments.extend(renderable.segments if isinstance(renderable, Segments) else render(renderable))

    monkeypatch.setattr(console, "print", printed)
    print_table(console, table)
    monkeypatch.undo()
    return [(char, str(segment.style or "")) for segment in segments for char in segment.text]


@settings(max_examples=150, deadline=None)
@given(table=tables(), width=st.integers(8, 120))
def test_one_line_rows_look_exactly_as_rich_draws_them(table: PlainTable, width: int) -> None:
    with pytest.MonkeyPatch.context() as mp:
        fast = _seen(copy.deepcopy(table), width, False, mp)
    with pytest.MonkeyPatch.context() as mp:
        engine = _seen(copy.deepcopy(table), width, True, mp)
    assert fast == engine


def test_the_fast_path_is_taken_for_cells_that_fit_and_not_for_wrapped_ones() -> None:
    console = Console(file=io.StringIO(), width=40)
    table = plain_table("bank", "due>")
    table.add_row("ml-basics", "12")
    assert output._single_line_rows(console, table, [9, 3]) is not None
    table.add_row(safe("a cell much wider than its column"), "1")
    assert output._single_line_rows(console, table, [9, 3]) is None
    titled = plain_table("bank", title="Banks")
    titled.add_row("ml")
    drawn = output._single_line_rows(console, titled, [4])  # the title wrapped to the table's width
    assert drawn is not None and ["".join(s.text for s in line) for line in drawn] == [
        "Bank",
        "s   ",
        "bank",
        "ml  ",
    ]


@given(
    text=st.text(st.sampled_from(list("ab 数据é\n\t\u200b—")), max_size=20),
    style=STYLES,
    width=st.sampled_from([1, 8, 1_000_000]),
)
def test_a_text_cell_is_measured_as_rich_measures_it(text: str, style: str, width: int) -> None:
    """Columns are sized by the shortcut's measurement of each Text cell: rich's own, to the cell."""
    from rich.measure import Measurement

    console = Console(file=io.StringIO(), width=80)
    options = console.options.update_width(width)
    cell = Text(text, style=style)
    assert output._measure(console, options, cell) == Measurement.get(console, options, cell)


def _as_rich_built_it(table: PlainTable):
    """The rich Table plain_table made before it made its own: built call by call, as it was."""
    from rich.table import Table

    built = Table(box=None, pad_edge=False, title=table.title, title_justify="left")
    for column in table.columns:
        built.add_column(column.header, justify=column.justify, no_wrap=column.no_wrap, overflow="fold")
        built.columns[-1].style = column.style
    built.padding = table.padding
    built.row_styles = table.row_styles
    built.show_header = table.show_header
    for index, row in enumerate(table.rows):
        built.add_row(*(column.cells[index] for column in table.columns), style=row.style)
    return built


@settings(max_examples=100, deadline=None)
@given(table=tables(), width=st.integers(8, 120), title=st.sampled_from([None, "Banks", "[b]x[/b] y"]))
def test_rich_draws_a_plain_table_as_it_drew_its_own_table(table: PlainTable, width: int, title) -> None:
    """What print_table hands rich's layout engine (to_rich) is drawn exactly as the rich Table that
    plain_table used to build, title and all."""
    table.title = title

    def drawn(renderable) -> str:
        console = Console(file=io.StringIO(), width=width, force_terminal=True, color_system="truecolor")
        console.print(renderable)
        return console.file.getvalue()

    assert drawn(table.to_rich()) == drawn(_as_rich_built_it(table))
