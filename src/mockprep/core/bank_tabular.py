"""CSV/TSV files with a header row, and Anki's plain-text export, as import items. Pure.

A CSV column is mapped to a bank field by name (``--map prompt=Question,answer=Answer``) or, without a
map, by the usual names (Question/Front/Prompt/Term, Answer/Back/Definition, Tags, Key points,
Follow-ups, Misconceptions, Topic, Id, Difficulty). A ``.csv`` whose first row is one cell when split
at commas is split at the semicolons, tabs or bars it has instead (a spreadsheet's export in some
locales). A first row that names no usual column but reads as a question and its answer (a cell
ending in "?" or of four words or more) is taken for the first question, the file having no header.
Anki's text export carries its own layout in ``#key:value`` header lines; a ``.txt`` without them whose
first row names the usual columns is a table (:func:`table_delimiter`: Excel's "Unicode Text").
"""

from __future__ import annotations

import csv
import re

from mockprep.core.anki_notes import AnkiNote, NoteItems, note_items
from mockprep.core.anki_notetype import MOCKPREP_FIELDS, MOCKPREP_NOTETYPE
from mockprep.core.bank_import import Item, Skip, SourceError, split_tags

FIELDS = (
    "prompt",
    "answer",
    "key_points",
    "follow_ups",
    "misconceptions",
    "tags",
    "topic",
    "id",
    "difficulty",
)
_USUAL = {
    "prompt": ("prompt", "question", "front", "q", "term"),
    "answer": ("answer", "back", "a", "definition"),
    "key_points": ("key_points", "key points", "keypoints", "points"),
    "follow_ups": ("follow_ups", "follow-ups", "follow ups", "followups"),
    "misconceptions": ("misconceptions", "common misconceptions", "mistakes", "common mistakes"),
    "tags": ("tags", "tag"),
    "topic": ("topic", "deck"),
    "id": ("id", "guid"),
    "difficulty": ("difficulty",),
}
_SEPARATORS = {"tab": "\t", "comma": ",", "semicolon": ";", "space": " ", "pipe": "|", "colon": ":"}
csv.field_size_limit(1 << 24)


def parse_map(text: str | None) -> dict[str, str]:
    """``prompt=Question,answer=Answer`` as ``{"prompt": "Question", ...}``; unknown fields refused."""
    mapping: dict[str, str] = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        name, sep, column = part.partition("=")
        name = name.strip().replace("-", "_")
        if not sep or not column.strip():
            raise SourceError(f"--map: {part.strip()!r} is not FIELD=COLUMN")
        if name not in FIELDS:
            raise SourceError(f"--map: unknown field {name!r} (one of {', '.join(FIELDS)})")
        mapping[name] = column.strip()
    return mapping


def read_table(text: str, delimiter: str, mapping: dict[str, str]) -> list[Item | Skip]:
    """Rows of a CSV/TSV text with a header row, each an :class:`Item` or a :class:`Skip`."""
    lines = text.splitlines(keepends=True)
    reader = csv.reader(lines, delimiter=delimiter)
    try:
        header = next(reader)
        if delimiter == "," and len(header) == 1:
            delimiter = _other_delimiter(lines[0]) or delimiter
            reader = csv.reader(lines, delimiter=delimiter)
            header = next(reader)
    except StopIteration:
        raise SourceError("empty file (a header row is needed)") from None
    except csv.Error as exc:
        raise SourceError(f"row 1: {exc}") from None
    items: list[Item | Skip] = []
    if not mapping and _reads_as_a_question(header):
        columns = {"prompt": 0, "answer": 1}  # no header row: the first row is a question
        items.append(_row_item(header, columns, len(header), "row 1"))
    else:
        columns = _columns([h.strip() for h in header], mapping)
    # "row N" is the record's number, as a spreadsheet shows it (the header is row 1); where quoted
    # cells hold new lines, the line the record starts on is named too.
    record, line = 1, reader.line_num + 1
    try:
        for row in reader:
            record += 1
            where = f"row {record}" + (f" (line {line})" if line != record else "")
            line = reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            items.append(_row_item(row, columns, len(header), where))
    except csv.Error as exc:
        raise SourceError(f"row {record + 1} (line {line}): {exc}") from None
    return items


def table_delimiter(text: str) -> str | None:
    """The delimiter (tab, comma, semicolon) of a text whose first line is a header row naming a
    prompt and an answer column in the usual names ("Question<TAB>Answer<TAB>Key points"), as a
    spreadsheet's "Unicode Text" or CSV saved as .txt has; None for anything else, Anki's text export
    among them (its ``#`` header lines, or a first note that names no two columns)."""
    first = text.lstrip("\ufeff").split("\n", 1)[0].rstrip("\r")
    if first.startswith("#"):
        return None
    for delimiter in ("\t", ",", ";"):
        cells = [cell.strip().lower() for cell in next(csv.reader([first], delimiter=delimiter), [])]
        if len(cells) > 1 and all(any(u in cells for u in _USUAL[f]) for f in ("prompt", "answer")):
            return delimiter
    return None


def _other_delimiter(first_line: str) -> str | None:
    """The delimiter among ``; \t |`` that splits a header line into the most cells (None: none does)."""
    counts = {d: len(next(csv.reader([first_line], delimiter=d))) for d in (";", "\t", "|")}
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] > 1 else None


def _reads_as_a_question(row: list[str]) -> bool:
    """A first row that names no usual column and holds a question and its answer, not column names."""
    cells = [cell.strip() for cell in row]
    if len(cells) < 2 or not cells[0] or not cells[1]:
        return False
    known = {name for names in _USUAL.values() for name in names}
    if any(cell.lower() in known for cell in cells):
        return False
    return cells[0].endswith("?") or any(len(cell.split()) >= 4 for cell in cells[:2])


def _columns(header: list[str], mapping: dict[str, str]) -> dict[str, int]:
    lowered = [h.lower() for h in header]
    columns: dict[str, int] = {}
    for name, column in mapping.items():
        if column.lower() not in lowered:
            raise SourceError(f"no column {column!r} for {name} (the columns are: {', '.join(header)})")
        columns[name] = lowered.index(column.lower())
    for name, usual in _USUAL.items():
        if name not in columns:
            found = next((lowered.index(u) for u in usual if u in lowered), None)
            if found is not None:
                columns[name] = found
    for needed in ("prompt", "answer"):
        if needed not in columns:
            raise SourceError(
                f"no column for {needed} (the columns are: {', '.join(header)}; "
                f"name one with --map {needed}=COLUMN)"
            )
    return columns


def _row_item(row: list[str], columns: dict[str, int], width: int, where: str) -> Item | Skip:
    if len(row) < width and max(columns.values()) >= len(row):
        return Skip(where, f"has {len(row)} cells, the header has {width}")

    def cell(name: str) -> str:
        index = columns.get(name)
        return row[index].strip() if index is not None and index < len(row) else ""

    difficulty = cell("difficulty")
    if difficulty and difficulty not in ("1", "2", "3"):
        return Skip(where, f"difficulty must be 1, 2 or 3 (got {difficulty!r})")
    return Item(
        where,
        cell("prompt"),
        cell("answer"),
        source_id=cell("id") or None,
        key_points=_split_list(cell("key_points")),
        follow_ups=tuple(line.strip() for line in cell("follow_ups").splitlines() if line.strip()),
        tags=split_tags(cell("tags")),
        topic=cell("topic") or None,
        difficulty=int(difficulty) if difficulty else None,
        fields=(("misconceptions", list(wrong)),) if (wrong := _split_list(cell("misconceptions"))) else (),
    )


def _split_list(text: str) -> tuple[str, ...]:
    parts = text.splitlines() if "\n" in text else text.split(";")
    return tuple(re.sub(r"^([-*]|\d+[.)])\s+", "", p.strip()) for p in parts if p.strip())


def read_anki_text(text: str) -> NoteItems:
    """Anki's "Notes in Plain Text" export: ``#separator:``, ``#html:``, ``#tags column:`` and the other
    ``#`` headers, then one note a line (fields may be quoted and span lines)."""
    lines = text.splitlines(keepends=True)
    headers: dict[str, str] = {}
    start = 0
    while start < len(lines) and lines[start].startswith("#"):
        key, _sep, value = lines[start][1:].partition(":")
        headers[key.strip().lower()] = value.strip()
        start += 1
    separator = headers.get("separator", "tab")
    delimiter = _SEPARATORS.get(separator.lower(), separator)
    if len(delimiter) != 1:
        raise SourceError(f"line 1: unknown #separator {separator!r}")
    html = headers.get("html", "false").lower() == "true"
    special = {}
    for name in ("guid", "notetype", "deck", "tags"):
        value = headers.get(f"{name} column")
        if value is not None:
            if not value.isdigit() or int(value) < 1:
                raise SourceError(f"#{name} column must be a column number (got {value!r})")
            special[name] = int(value) - 1
    reader = csv.reader(lines[start:], delimiter=delimiter)
    notes: list[AnkiNote] = []
    try:
        for row in reader:
            if not row:
                continue
            line = start + reader.line_num
            fields = tuple(c for i, c in enumerate(row) if i not in special.values())

            def pick(name: str, row: list[str] = row) -> str | None:
                index = special.get(name)
                return row[index] if index is not None and index < len(row) else None

            tags = tuple((pick("tags") or "").split())
            names = MOCKPREP_FIELDS if pick("notetype") == MOCKPREP_NOTETYPE else ()
            notes.append(AnkiNote(f"line {line}", pick("guid"), fields, names, tags, pick("deck"), html))
    except csv.Error as exc:
        raise SourceError(f"line {start + reader.line_num}: {exc}") from None
    return note_items(notes)
