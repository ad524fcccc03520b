"""The table every listing builds (:func:`mockprep.terminal.console.plain_table`): the parts of rich's
Table that mockprep uses, under the same names, without rich's table module.

:func:`~mockprep.terminal.console.print_table` composes most tables itself (every cell on one line);
only a table that needs rich's layout engine is turned into a rich Table (:meth:`PlainTable.to_rich`).
Importing ``rich.table`` costs 8-15 ms here (it loads ``fractions`` and ``decimal``), a twentieth of
``stats``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from rich.style import Style

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.table import Table


class Column:
    """A column, with the attributes of rich's Column that print_table reads; ``cells`` in row order."""

    def __init__(
        self,
        header: RenderableType = "",
        justify: str = "left",
        no_wrap: bool = False,
        style: str = "",
        overflow: str = "fold",
    ):
        self.header = header
        self.justify = justify
        self.no_wrap = no_wrap
        self.style = style
        self.overflow = overflow
        self.header_style = ""
        self.highlight = False
        self.width: int | None = None
        self.cells: list[RenderableType] = []


class Row(NamedTuple):
    style: str | Style | None = None


class PlainTable:
    """A borderless table without padding at its edges (rich's ``box=None, pad_edge=False``)."""

    box = None
    pad_edge = False
    expand = False
    caption = None
    show_footer = False
    show_lines = False
    leading = 0
    collapse_padding = False
    header_style = "table.header"

    def __init__(self, title: str | None = None, show_header: bool = True, padding: Any = (0, 1, 0, 1)):
        self.title = title
        self.show_header = show_header
        self.padding: tuple[int, int, int, int] = tuple(padding)  # type: ignore[assignment]
        self.columns: list[Column] = []
        self.rows: list[Row] = []
        self.row_styles: list[str | Style] = []

    @property
    def row_count(self) -> int:
        return len(self.rows)

    def add_column(self, header: RenderableType = "", **options: Any) -> None:
        self.columns.append(Column(header, **options))

    def add_row(self, *cells: RenderableType | None, style: str | Style | None = None) -> None:
        """A row; missing cells are empty, as in rich (a cell beyond the last column is refused)."""
        if len(cells) > len(self.columns):
            raise ValueError(f"{len(cells)} cells for {len(self.columns)} columns")
        padded = [*cells, *[None] * (len(self.columns) - len(cells))]
        for column, cell in zip(self.columns, padded, strict=True):
            column.cells.append("" if cell is None else cell)
        self.rows.append(Row(style))

    def get_row_style(self, console: Console, index: int) -> Style:
        """The style of row ``index``, as rich's Table gives it: the cycling row style, then the row's own."""
        style = Style.null()
        if self.row_styles:
            style += console.get_style(self.row_styles[index % len(self.row_styles)])
        if self.rows[index].style is not None:
            style += console.get_style(self.rows[index].style)
        return style

    def to_rich(self) -> Table:
        """The same table as rich's, for its layout engine."""
        from rich.table import Table

        table = Table(
            box=None,
            pad_edge=False,
            title=self.title,
            title_justify="left",
            show_header=self.show_header,
            padding=self.padding,
            header_style=self.header_style,
        )
        table.row_styles = list(self.row_styles)
        for column in self.columns:
            table.add_column(
                column.header,
                justify=column.justify,  # type: ignore[arg-type]
                no_wrap=column.no_wrap,
                style=column.style,
                overflow=column.overflow,  # type: ignore[arg-type]
                header_style=column.header_style,
                width=column.width,
                highlight=column.highlight,
            )
        for index, row in enumerate(self.rows):
            table.add_row(*(column.cells[index] for column in self.columns), style=row.style)
        return table
