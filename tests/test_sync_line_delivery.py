"""A sync line's spoken delivery is checked as history reads it: a review or a rehearsal merged with a
delivery that is not one (any JSON was taken) made `history ID` end in a traceback (found while adding
mock answers to sync lines, whose delivery is checked so)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fsrs import Rating

from mockprep.core.delivery import Delivery
from tests.conftest import START

SPOKEN = Delivery(61.5, 58.25, 140, (("um", 2),), (2.5,))


@pytest.mark.parametrize("kind", ["review", "story", "mock_answer"])
def test_a_line_whose_delivery_is_not_one_is_skipped_and_named_and_history_still_reads(
    devices, tmp_path: Path, kind: str
) -> None:
    from mockprep.cli.sync import run_sync

    folder = tmp_path / "Sync"
    folder.mkdir()
    laptop, desk = devices("laptop"), devices("desk")
    laptop.practise(0, Rating.Good, START, delivery=SPOKEN)
    laptop.write_story("Outage", "I rolled back", START)
    story = laptop.store.q("SELECT id FROM stories").scalar_one()
    laptop.store.stories.add_rehearsal(story, 1, START, 61_500, 120_000, "um I rolled back", SPOKEN)
    laptop.mock([1], START)
    laptop.sync(folder, START)
    (written,) = list(folder.iterdir())
    lines = [json.loads(line) for line in written.read_text().splitlines()]
    for event in lines:
        if event["t"] == kind:
            place = event["rehearsals"][0] if kind == "story" else event
            assert kind == "mock_answer" or place["delivery"] == SPOKEN.to_dict()  # (a valid one merges)
            place["delivery"] = {"bogus": 1}
    written.write_text("".join(json.dumps(event) + "\n" for event in lines))
    text = run_sync(desk.store, folder)
    where = "rehearsals[0].delivery" if kind == "story" else "delivery"
    assert (
        f"Skipped 1 event in {written.name} ({where}: {{'bogus': 1}} is not a spoken answer's delivery"
        in text
    )
    for (session,) in desk.store.q("SELECT id FROM sessions").all():
        desk.store.sessions.answers(session)  # what history ID reads: no ValueError
    for (story,) in desk.store.q("SELECT id FROM stories").all():
        desk.store.stories.rehearsals(story)
