"""The card before a rating is kept only for each question's latest rating, on its card (m020, m021):
undo recomputes any older one from the log, so taking back one rating after another restores every
card exactly."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from fsrs import Rating

from mockprep.db import review_codec
from mockprep.db.migrations import MIGRATIONS
from mockprep.db.store import Store
from mockprep.paths import DB_NAME
from tests.test_undo import DEMO, rate

SCHEMAS = Path(__file__).parent / "fixtures" / "schemas"
V19 = [m.__name__ for m in MIGRATIONS].index("m020_latest_card_before")


def kept(store: Store) -> dict[int, int]:
    """Review id -> question id of the ratings whose card before is kept (none in the review log)."""
    assert store.q("SELECT COUNT(*) FROM reviews WHERE card_before IS NOT NULL").scalar_one() == 0
    return dict(store.q("SELECT undo_review_id, question_id FROM cards WHERE undo_card IS NOT NULL").all())


def test_only_each_questions_latest_rating_keeps_its_card_and_undo_still_restores_every_card(
    demo: Store, clock
) -> None:
    first, second = demo.cards.new_question_ids(DEMO)[:2]
    history = []  # (question, its card before the rating), in the order rated
    for minutes, qid, rating in [
        (0, first, Rating.Good),
        (5, second, Rating.Again),
        (20, first, Rating.Good),
        (60 * 24 * 2, first, Rating.Hard),
        (1, second, Rating.Good),
    ]:
        clock.advance(minutes=minutes)
        history.append((qid, demo.cards.card(qid).to_dict()))
        rate(demo, qid, rating, clock.now)
        latest = {q: rid for rid, q in demo.q("SELECT id, question_id FROM reviews ORDER BY id").all()}
        assert kept(demo) == {rid: q for q, rid in latest.items()}
    for n, (qid, before) in enumerate(reversed(history)):
        undone = demo.cards.undo_last()
        assert undone is not None and undone.question_id == qid
        assert undone.replayed == (n >= 2)  # the two latest kept theirs; the rest are recomputed
        assert demo.cards.card(qid).to_dict() == before
    assert demo.cards.undo_last() is None


def test_the_migrations_keep_the_card_of_each_questions_latest_review(tmp_path: Path) -> None:
    """Schema 19's fixture, with cards before on every review of two questions: the card of the
    latest of each is kept on the question's card, byte for byte, and the reviews lose only that."""
    shutil.copy(SCHEMAS / f"schema-v{V19}.db", tmp_path / DB_NAME)
    db = sqlite3.connect(tmp_path / DB_NAME)
    (card,) = db.execute("SELECT card_before FROM reviews WHERE card_before IS NOT NULL LIMIT 1").fetchone()
    for table, key in (("questions", "id"), ("cards", "question_id")):  # a second question, as the first
        db.execute(f"CREATE TEMP TABLE copied AS SELECT * FROM {table} WHERE {key} = 1")
        db.execute(f"UPDATE copied SET {key} = 2" + (", key = key || '-2'" if table == "questions" else ""))
        db.execute(f"INSERT INTO {table} SELECT * FROM copied")
        db.execute("DROP TABLE copied")
    questions = [1, 2]
    for rid in range(100, 160):
        db.execute(
            "INSERT INTO reviews (id, question_id, rated_us, rating, state_before, duration_ms, answer,"
            " card_before) VALUES (?, ?, ?, 3, 2, 1000, ?, ?)",
            (rid, questions[rid % 2], 1_770_000_000_000_000 + rid, f"answer {rid}", card),
        )
    before = {r[0]: r[1:] for r in db.execute("SELECT id, rating, answer, rated_us FROM reviews")}
    # (the fixture's adopted fit left out: m032 would recompute these made-up cards under it, rightly
    # dropping the undo copies this test follows through m020 and m021)
    db.execute("UPDATE fitted_parameters SET adopted_at = NULL")
    db.commit()
    db.close()
    with Store.open(tmp_path, backups=False) as store:
        assert kept(store) == {158: questions[0], 159: questions[1]}
        assert store.q("SELECT undo_card FROM cards WHERE question_id = 2").scalar_one() == card
        assert review_codec.card_before(card, questions[1]) is not None
        after = {
            r[0]: tuple(r[1:]) for r in store.q("SELECT id, rating, answer, rated_us FROM reviews").all()
        }
    assert after == before
