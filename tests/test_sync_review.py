"""Folder sync after an independent review of the sync changes: a rating dated before a far-future review,
reviews of a skipped session line, a bad story line, story notices, a rehearsal against a delete, the read
back after an upgrade, a conflict copy of this device's own file."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta
from pathlib import Path

from fsrs import Rating

from tests.conftest import START
from tests.devices import Device


def _states(device: Device) -> list[tuple]:
    return [tuple(r) for r in device.store.q("SELECT uid, state_before FROM reviews ORDER BY rated_us, uid")]


def test_a_rating_dated_before_a_far_future_review_counts_lapses_as_the_merge_does(devices, tmp_path) -> None:
    folder = tmp_path / "Sync"
    folder.mkdir()
    laptop, desk = devices("laptop"), devices("desk")
    # A leech at two lapses: the laptop must not count one the merged order does not have.
    laptop.store.settings = dataclasses.replace(laptop.store.settings, leech_lapses=2)
    laptop.practise(0, Rating.Good, START)
    laptop.practise(0, Rating.Good, START + timedelta(minutes=10))
    for device in (laptop, desk):
        device.sync(folder, START)
    desk.practise(0, Rating.Good, START + timedelta(days=90))  # the desk's clock is 90 days ahead
    desk.sync(folder, START)
    laptop.sync(folder, START)
    laptop.practise(0, Rating.Again, START + timedelta(days=5))  # before the desk's review: replayed
    laptop.practise(0, Rating.Again, START + timedelta(days=5, hours=1))  # relearning by then
    for device in (laptop, desk, laptop, desk):
        device.sync(folder, START + timedelta(days=5))
    question = sorted(laptop.question_ids)[0]
    assert laptop.store.cards.lapses(question) == 1 == desk.store.cards.lapses(question)
    assert _states(laptop) == _states(desk)
    assert [state for _, state in _states(laptop)] == [0, 1, 2, 3, 3]
    assert laptop.store.cards.marks(question).suspended_at is None  # one lapse: no leech
    assert laptop.cards() == desk.cards()
