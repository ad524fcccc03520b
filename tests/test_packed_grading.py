"""A graded review's verdict lists and its card before the rating, stored short (m019, db/review_codec.py):
each reads back exactly, the JSON forms written before still read, and the migration keeps every value."""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fsrs import Card, State
from hypothesis import given
from hypothesis import strategies as st

from mockprep.db import review_codec
from mockprep.db.migrations import MIGRATIONS
from mockprep.db.packed_grading import m019_packed_grading
from mockprep.paths import DB_NAME

SCHEMAS = Path(__file__).parent / "fixtures" / "schemas"
V18 = [m.__name__ for m in MIGRATIONS].index("m019_packed_grading")
VERDICTS = list(review_codec.VERDICT_CODES)
GRADERS = ("key points", "key points and meaning", "my own grader")

verdict_lists = st.lists(st.sampled_from(VERDICTS), max_size=12)
moments = st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC))
cards = st.builds(
    Card,
    card_id=st.just(7),
    state=st.sampled_from(list(State)),
    step=st.one_of(st.none(), st.integers(0, 30_000)),
    stability=st.one_of(st.none(), st.floats(1e-6, 1e6)),
    difficulty=st.one_of(st.none(), st.floats(1, 10)),
    due=moments,
    last_review=st.one_of(st.none(), moments),
)


@given(verdict_lists)
def test_verdicts_read_back_exactly_one_character_each(verdicts: list[str]) -> None:
    stored = review_codec.pack_verdicts(verdicts)
    assert review_codec.verdict_list(stored) == verdicts
    assert stored is not None and len(stored) == len(verdicts)


@given(st.lists(st.one_of(st.sampled_from(VERDICTS), st.text(max_size=8)), min_size=1, max_size=5))
def test_a_list_with_other_values_keeps_its_json_and_reads_back(values: list[str]) -> None:
    assert review_codec.verdict_list(review_codec.pack_verdicts(values)) == values


def test_verdicts_stored_as_json_before_m019_still_read() -> None:
    assert review_codec.verdict_list('["covered", "partly", "missing", "contradicted"]') == VERDICTS
    assert review_codec.verdict_list(None) is None and review_codec.pack_verdicts(None) is None
    assert review_codec.verdict_list("") == [] and review_codec.pack_verdicts([]) == ""


@given(st.one_of(st.none(), st.sampled_from(list(review_codec.GRADER_CODES)), st.text()))
def test_a_graders_name_reads_back_and_only_a_built_in_one_is_a_code(name: str | None) -> None:
    stored = review_codec.pack_grader(name)
    assert review_codec.grader_name(stored) == name
    assert isinstance(stored, bytes) == (name in review_codec.GRADER_CODES)  # any other name stays text
    assert not isinstance(stored, bytes) or len(stored) == 1


@given(cards)
def test_the_card_before_a_rating_reads_back_exactly(card: Card) -> None:
    stored = review_codec.pack_card(card)
    assert len(stored) == 35
    back = review_codec.card_before(stored, 7)
    assert back is not None and back.to_dict() == card.to_dict()


def test_a_card_stored_as_json_before_m019_still_reads() -> None:
    card = Card(card_id=3, state=State.Review, step=None, stability=12.5, difficulty=4.25)
    card.due = datetime(2026, 3, 1, 8, 30, 0, 123456, tzinfo=UTC)
    card.last_review = card.due - timedelta(days=12)
    back = review_codec.card_before(json.dumps(card.to_dict()), 3)
    assert back is not None and back.to_dict() == card.to_dict()
    assert review_codec.card_before(None, 3) is None and review_codec.card_before("", 3) is None


def test_the_migration_packs_every_graded_review_and_keeps_its_values(tmp_path: Path) -> None:
    """Schema 18's fixture with a hundred graded reviews in the JSON forms, and one card-before that
    is not a card (left as it was: undo then replays the log)."""
    shutil.copy(SCHEMAS / f"schema-v{V18}.db", tmp_path / DB_NAME)
    db = sqlite3.connect(tmp_path / DB_NAME)
    (card_json,) = db.execute("SELECT card_before FROM reviews WHERE id = 1").fetchone()
    expected = {}
    for rid in range(100, 200):
        proposed = [VERDICTS[(rid + i) % 4] for i in range(rid % 6)]
        checklist = [VERDICTS[(rid * i) % 4] for i in range(rid % 6)]
        before = card_json.replace('"step": 0', f'"step": {rid % 3}')
        db.execute(
            "INSERT INTO reviews (id, question_id, rated_us, rating, state_before, duration_ms, grader,"
            " proposed, checklist, card_before) VALUES (?, 1, ?, 3, 2, 1000, ?, ?, ?, ?)",
            (
                rid,
                1_770_000_000_000_000 + rid,
                GRADERS[rid % 3],
                json.dumps(proposed),
                json.dumps(checklist),
                before,
            ),
        )
        expected[rid] = (proposed, checklist, json.loads(before), GRADERS[rid % 3])
    db.execute("UPDATE reviews SET card_before = 'not a card' WHERE id = 199")
    db.commit()
    m019_packed_grading(db.cursor())  # alone: m020 then drops all but the question's latest card
    db.commit()
    rows = db.execute(
        "SELECT id, proposed, checklist, card_before, grader FROM reviews WHERE id >= 100"
    ).fetchall()
    db.close()
    assert len(rows) == 100
    for rid, proposed, checklist, before, grader in rows:
        assert review_codec.grader_name(grader) == expected[rid][3]
        assert isinstance(grader, bytes) == (expected[rid][3] != "my own grader")
        assert review_codec.verdict_list(proposed) == expected[rid][0]
        assert review_codec.verdict_list(checklist) == expected[rid][1]
        if rid == 199:
            assert before == "not a card"
            continue
        assert isinstance(before, bytes)
        card = review_codec.card_before(before, 1)
        assert card is not None and card.to_dict() == expected[rid][2]
