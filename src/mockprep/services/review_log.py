"""``history --csv``: the whole review log as CSV, a million rows in seconds.

Text is cleaned like everything printed (escape sequences and control characters but newline and tab
removed): people open CSV files in terminals too. The output is exactly what :mod:`csv`'s default
writer makes of the cleaned fields; a row whose answer needs quoting or cleaning goes through that
writer, every other row is one f-string around the question's and session's columns, made once; a batch
whose answers need neither is written in one go.
"""

from __future__ import annotations

import csv
import re
from typing import TYPE_CHECKING, TextIO

from mockprep.core.sanitize import clean

if TYPE_CHECKING:
    from mockprep.db.store import Store

HEADER = (
    "review_id", "rated_at", "question", "round", "topic", "bank", "rating", "state_before",
    "duration_ms", "time_limit_ms", "suggested", "session_id", "session_kind", "answer",
)  # fmt: skip
# What the csv module quotes (delimiter, quote, line ends) and what cleaning removes (control characters).
_SPECIAL = re.compile(r'[,"\n\x00-\x08\x0b-\x1f\x7f-\x9f]')


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
    writer = csv.writer(handle)
    writer.writerow(HEADER)
    questions, kinds = store.sessions.review_log_names()
    names = {qid: [clean(v) for v in values] for qid, values in questions.items()}
    middles = {qid: _csv_line(values) for qid, values in names.items()}
    session_kinds = {sid: clean(kind or "") for sid, kind in kinds.items()}
    tails: dict[int | None, str] = {None: ","}
    tails.update((sid, _csv_line([sid, kind])) for sid, kind in session_kinds.items())

    def lines(rows: list[tuple]) -> str:
        """Rows whose answers need neither quoting nor cleaning, as CSV text."""
        return "".join(
            [
                f"{rid},{at},{middles[qid]},{rating},{state},{ms},{'' if limit is None else limit},"
                f"{'' if suggested is None else suggested},{tails[sid]},{answer}\r\n"
                for rid, at, qid, rating, state, ms, limit, suggested, sid, answer in rows
            ]
        )

    count = 0
    for batch in store.sessions.review_log():
        count += len(batch)
        # one search over the batch's answers: most batches need neither quoting nor cleaning
        if not _SPECIAL.search("".join([row[9] for row in batch])):
            handle.write(lines(batch))
            continue
        for row in batch:
            rid, at, qid, rating, state, ms, limit, suggested, sid, answer = row
            if _SPECIAL.search(answer):
                kind = session_kinds.get(sid, "")
                writer.writerow(
                    [rid, at, *names[qid], rating, state, ms, limit, suggested, sid, kind, clean(answer)]
                )
            else:
                handle.write(lines([row]))
    return count
