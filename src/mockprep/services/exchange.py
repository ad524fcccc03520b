"""The export file: one JSON document, written and read as a stream so memory stays flat.

Writing emits the small sections first and the questions (each with its card and reviews, the bulk
of a long history) last, one per line. Reading takes the small sections with an event parser, then
streams the questions with ijson's C parser, so a million reviews never sit in memory at once.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mockprep.db.store import Store

BULK = "questions"
# What this version writes before the bulk; a file missing any of them there (an older export, or one
# reformatted by another tool) is read the slow way, through every event.
HEAD_KEYS = frozenset({"format", "version", "banks", "bank_sources", "sessions", "mock_answers", "stories"})


def write_export(store: Store, out: IO[str], now: datetime, version: str) -> dict[str, int]:
    """Write the whole export to ``out``; return counts of what was written."""
    counts = {"questions": 0, "reviews": 0}
    with store.snapshot():
        sections = store.bulk.export_sections(now, version)
        out.write("{\n")
        for index, (key, value) in enumerate(sections):
            out.write(f" {json.dumps(key)}: ")
            if isinstance(value, list | str | int | float) or value is None:
                out.write(json.dumps(value, ensure_ascii=False))
                if isinstance(value, list):
                    counts[key] = len(value)
            else:  # a lazy iterator: one item per line
                out.write("[")
                for number, item in enumerate(value):
                    out.write(",\n  " if number else "\n  ")
                    out.write(json.dumps(item, ensure_ascii=False))
                    counts["questions"] += 1
                    counts["reviews"] += len(item.get("reviews", ()))
                out.write("\n ]")
            out.write(",\n" if index < len(sections) - 1 else "\n")
        out.write("}\n")
    return counts


def read_export(path: Path) -> tuple[dict[str, Any], Iterator[dict[str, Any]]]:
    """The export's fields except the questions, and an iterator over the questions.

    Raises ValueError for a file that is not JSON, or not a JSON object.
    """
    import ijson

    head: dict[str, Any] = {}
    with path.open("rb") as handle:
        try:
            events = ijson.parse(handle, use_float=True)
            first = next(events, None)
            if first is None or first[1] != "start_map":
                raise ValueError("not a JSON object")
            _read_head(events, head)
        except ijson.JSONError as exc:
            raise ValueError(f"not JSON ({exc})") from None
    return head, _questions(path)


def _read_head(events: Iterator[tuple[str, str, Any]], head: dict[str, Any]) -> None:
    """Build every top-level value up to the bulk section (or the end) from parser events."""
    from ijson.common import ObjectBuilder

    key: str | None = None
    builder: ObjectBuilder | None = None
    for prefix, event, value in events:
        if prefix == "" and event == "map_key":
            if key is not None and builder is not None:
                head[key] = builder.value
            key, builder = value, None
            if key == BULK:
                head[BULK] = None  # streamed separately
                if HEAD_KEYS <= head.keys():
                    return
                _skip_value(events)
                key = None
            continue
        if prefix == "" and event == "end_map":
            if key is not None and builder is not None:
                head[key] = builder.value
            return
        if builder is None:
            builder = ObjectBuilder()
        builder.event(event, value)


def _skip_value(events: Iterator[tuple[str, str, Any]]) -> None:
    """Consume the events of one value (the bulk section when it is not last)."""
    depth = 0
    for _prefix, event, _value in events:
        if event in ("start_map", "start_array"):
            depth += 1
        elif event in ("end_map", "end_array"):
            depth -= 1
        if depth == 0:
            return


def _questions(path: Path) -> Iterator[dict[str, Any]]:
    import ijson

    with path.open("rb") as handle:
        # use_float: plain floats (not Decimal) so values round-trip exactly as json.loads reads them.
        yield from ijson.items(handle, f"{BULK}.item", use_float=True)
