"""What a drill says of the questions it leaves out as buried: a bury is "not today", for drills too, as
Anki's filtered decks leave buried cards out; the drill names those it would have asked."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from mockprep.core.plans import weakest_first
from mockprep.core.wording import listed

if TYPE_CHECKING:
    from fsrs import Card

    from mockprep.core.scheduler import SchedulerParams


def buried_text(keys: list[str], left_out: bool = True) -> str:
    """What a drill says of the questions it leaves out as buried (a bury is "not today", drills too),
    naming them: "Left out: ..." before it asks, or why it asks nothing (``left_out`` False)."""
    if len(keys) == 1:
        key, hint = keys[0], f"(mockprep question unbury {keys[0]} asks it today)"
        if left_out:
            return f"Left out: {key}, buried until tomorrow {hint}."
        return f"the one question this drill would ask, {key}, is buried until tomorrow {hint}"
    names = listed(keys, shown=3, sep=", ")
    lists = "; mockprep question list --buried lists them" if len(keys) > 4 else ""
    hint = f"(mockprep question unbury KEY asks one today{lists})"
    if left_out:
        return f"Left out: {len(keys)} questions buried until tomorrow, {names} {hint}."
    return f"the {len(keys)} questions this drill would ask are buried until tomorrow, {names} {hint}"


def buried_keys(
    buried: list[tuple[int, str, Card | None]],
    found: list[tuple[int, Card | None]],
    weakest: int | None,
    params: SchedulerParams,
    now: datetime,
) -> list[str]:
    """The keys of the ``buried`` questions a drill would have asked, weakest first: for --weakest N
    (``found``: the studied ones it may ask), only those among the N weakest of both, burying ignored."""
    if weakest is not None:
        every = sorted(found + [(q, c) for q, _k, c in buried if c is not None], key=lambda row: row[0])
        chosen = set(weakest_first(every, params, now)[:weakest])  # by id as cards() gives: the same ties
        buried = [row for row in buried if row[0] in chosen]
    keys = {qid: key for qid, key, _card in buried}
    return [keys[qid] for qid in weakest_first([(q, c) for q, _k, c in buried], params, now)]
