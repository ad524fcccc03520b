"""print_table draws a table whose cells each fit on one line without rich's layout engine: what a
person sees (every character and its style) must be what rich draws."""

from __future__ import annotations

import copy
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from mockprep.terminal import console as output
from mockprep.terminal.console import plain_table, print_table, safe

WORDS = st.sampled_from(
    ["x", "bank-42", "[red]not markup[/red]", "", "  padded  ", "数据", "é", "a b c", "12%", "—", "\x1b[31m"]
)
CELL = st.lists(WORDS, min_size=1, max_size=4).map(" ".join)
STYLES = st.sampled_from(["", "bold", "dim", "green", "bold red", "italic on blue"])


@st.composite
def tables(draw) -> Table:
    names = draw(
        st.lists(st.sampled_from(["id", "bank", "due>", "new>", "topic", "a b"]), min_size=1, max_size=5)
    )
    table = plain_table(*names, whole=draw(st.sets(st.sampled_from(["id", "bank"]))))
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


def _seen(table: Table, width: int, engine: bool, monkeypatch) -> list[tuple[str, str]]:
    """Every character printed, with the style it is shown in."""
    console = Console(file=io.StringIO(), width=width, force_terminal=True, color_system="truecolor")
    if engine:
        monkeypatch.setattr(output, "_single_line_rows", lambda *_args: None)
    segments: list[Segment] = []
    monkeypatch.setattr(console, "print", lambda renderable, **_kw: segments.extend(renderable.segments))
    print_table(console, table)
    monkeypatch.undo()
    return [(char, str(segment.style or "")) for segment in segments for char in segment.text]


@settings(max_examples=150, deadline=None)
@given(table=tables(), width=st.integers(8, 120))
def test_one_line_rows_look_exactly_as_rich_draws_them(table: Table, width: int) -> None:
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
    assert output._single_line_rows(console, titled, [4]) is None


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
