"""A story's rehearsals as the person reads them back: each telling numbered, its length against its
target, its delivery and the parts of the draft it carried. Pure.

Rehearsals are numbered from the first (1) in the order they were told, so that a number shown by
``story show`` or ``story rehearsals ID`` opens the same telling with ``story rehearsals ID N``. Which
parts a spoken telling carried is worked out again from its transcript and the version of the draft
it was told from (it is not stored), as it was when it was told.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from mockprep.core.delivery import Delivery, PartCoverage, story_coverage
from mockprep.core.records import Rehearsal
from mockprep.core.stories import REQUIRED_PARTS, StoryDraft

SHOWN = 5  # tellings `story show` lists before "and N more"


@dataclass(frozen=True)
class Telling:
    """One stored rehearsal, numbered, with the parts its transcript carried (None when typed)."""

    number: int
    version: int
    rehearsed_at: datetime
    seconds: float
    target: float
    transcript: str | None
    delivery: Delivery | None
    parts: tuple[PartCoverage, ...] | None

    @property
    def spoken(self) -> bool:
        return self.transcript is not None


def tellings(
    rehearsals: Sequence[Rehearsal], drafts: Mapping[int, StoryDraft], part_share: float
) -> list[Telling]:
    """``rehearsals`` numbered in the order told, newest first; ``drafts`` by version number (a
    telling of a version no longer found has no parts)."""
    ordered = sorted(enumerate(rehearsals), key=lambda item: (item[1].rehearsed_at, item[0]))
    out = []
    for number, (_index, rehearsal) in enumerate(ordered, start=1):
        draft = drafts.get(rehearsal.version)
        parts = None
        if rehearsal.transcript is not None and draft is not None:
            parts = tuple(story_coverage(draft, rehearsal.transcript, part_share))
        out.append(
            Telling(
                number,
                rehearsal.version,
                rehearsal.rehearsed_at,
                rehearsal.duration_ms / 1000,
                rehearsal.target_ms / 1000,
                rehearsal.transcript,
                rehearsal.delivery,
                parts,
            )
        )
    return out[::-1]


def parts_told(parts: Sequence[PartCoverage] | None) -> str:
    """``"all 4"``, ``"3 of 4: no result"``, ``"all 4; reflection told"``; ``"-"`` for a typed telling
    (nothing to compare). The four STAR parts are counted; the optional Reflection is only ever
    mentioned as told, never as missing."""
    if parts is None:
        return "-"
    required = [p for p in parts if p.part in REQUIRED_PARTS]
    reflection = "; reflection told" if any(p.covered for p in parts if p.part not in REQUIRED_PARTS) else ""
    if not required:
        return "no draft parts" + reflection
    told = sum(p.covered for p in required)
    if told == len(required):
        return f"all {told}{reflection}"
    missing = ", ".join(p.part for p in required if not p.covered)
    return f"{told} of {len(required)}: no {missing}{reflection}"
