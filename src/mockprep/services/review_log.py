"""``history --csv``: the whole review log as CSV, a million rows in seconds (a large log in pieces made
on every CPU, :mod:`mockprep.db.review_log`).

Text is cleaned like everything printed (escape sequences and control characters but newline and tab
removed): people open CSV files in terminals too. The output is exactly what :mod:`csv`'s default
writer makes of the cleaned fields; a row whose answer needs quoting or cleaning goes through that
writer, every other row is one f-string around the question's and session's columns, made once; a batch
whose answers need neither is written in one go.
"""

from __future__ import annotations

import csv
import functools
import itertools
import re
from contextlib import closing
from typing import TYPE_CHECKING, TextIO

from mockprep.core.sanitize import clean
from mockprep.core.wording import session_kind_name
from mockprep.services.exchange import write_utf8

if TYPE_CHECKING:
    import sqlite3

    from mockprep.db.review_log import Bound
    from mockprep.db.store import Store

HEADER = (
    "review_id", "rated_at", "question", "round", "topic", "bank", "rating", "state_before",
    "duration_ms", "time_limit_ms", "suggested", "session_id", "session_kind", "answer",
)  # fmt: skip
# What the csv module quotes (delimiter, quote, line ends) and what cleaning removes (control characters).
_SPECIAL = re.compile(r'[,"\n\x00-\x08\x0b-\x1f\x7f-\x9f]')


def _plain(text: str) -> bool:
    """``text`` has nothing the csv module quotes or cleaning removes. ASCII text (most answers) is
    checked by str methods, several times faster than the regular expression; a tab, which neither
    touches, sends ASCII text the slow way, which is still right."""
    if text.isascii():
        return text.isprintable() and "," not in text and '"' not in text
    return not _SPECIAL.search(text)


def _csv_line(fields: list[object]) -> str:
    """``fields`` as the csv module writes them, without the line end."""
    out: list[str] = []
    csv.writer(_Collect(out), lineterminator="").writerow(fields)
    return out[0]


class _Collect:
    def __init__(self, out: list[str]):
        self.write = out.append


def write_review_log(store: Store, handle: TextIO) -> int:
    """Write the log to ``handle``; return the number of reviews written."""
    from mockprep.db import review_log

    csv.writer(handle).writerow(HEADER)
    count = 0
    run = next(_RUNS)
    # closed at once if writing fails, so its workers end then
    try:
        with closing(review_log.pieces(store, functools.partial(log_piece, run))) as pieces:
            for text, written in pieces:
                write_utf8(handle, text)
                count += written
    finally:
        _names.cache_clear()  # (this process's names, when it made pieces itself)
    return count


_RUNS = itertools.count()  # one per log written: what a worker's names are kept for


def log_piece(run: int, raw: sqlite3.Connection, after: Bound, upto: Bound) -> tuple[bytes, int]:
    """The CSV text of the reviews in (after, upto], as UTF-8 (made in a worker, perhaps: the writing
    process then only copies it), and how many there are."""
    from mockprep.db import review_log

    names, middles, tails, session_kinds = _names(run, raw)

    def lines(rows: list[tuple]) -> str:
        """Rows whose answers need neither quoting nor cleaning, as CSV text."""
        return "".join(
            [
                f"{rid},{at},{middles[qid]},{rating},{state},{ms},{'' if limit is None else limit},"
                f"{'' if suggested is None else suggested},{tails[sid]},{answer}\r\n"
                for rid, at, qid, rating, state, ms, limit, suggested, sid, answer in rows
            ]
        )

    out: list[str] = []
    writer = csv.writer(_Collect(out))
    count = 0
    for batch in review_log.rows(raw, after, upto):
        count += len(batch)
        # one check over the batch's answers: most batches need neither quoting nor cleaning
        if _plain("".join([row[9] for row in batch])):
            out.append(lines(batch))
            continue
        for row in batch:
            rid, at, qid, rating, state, ms, limit, suggested, sid, answer = row
            if not _plain(answer):
                kind = session_kinds.get(sid, "")
                writer.writerow(
                    [rid, at, *names[qid], rating, state, ms, limit, suggested, sid, kind, clean(answer)]
                )
            else:
                out.append(lines([row]))
    return "".join(out).encode("utf-8"), count


@functools.lru_cache(maxsize=2)
def _names(run: int, raw: sqlite3.Connection) -> tuple[dict, dict, dict, dict]:
    """The cleaned names of the questions and sessions, and their CSV text: once per log and reader."""
    from mockprep.db import review_log

    questions, kinds = review_log.names(raw)
    names = {qid: [clean(v) for v in values] for qid, values in questions.items()}
    middles = {qid: _csv_line(values) for qid, values in names.items()}
    session_kinds = {sid: clean(session_kind_name(kind)) for sid, kind in kinds.items()}  # (not "drill")
    tails: dict[int | None, str] = {None: ","}
    tails.update((sid, _csv_line([sid, kind])) for sid, kind in session_kinds.items())
    return names, middles, tails, session_kinds
