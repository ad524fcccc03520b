"""A seeded generator of a mockprep home at heavy-user scale (or a small preset for the tests).

Banks are real TOML files registered and synced through mockprep's own code; reviews, sessions and
mock answers are bulk-inserted in one transaction with exactly the rows mockprep itself writes;
stories go through the store's own story methods.
"""

from __future__ import annotations

import json
import math
import os
import random
import shutil
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fsrs import Card, State

from mockprep.core.stories import StoryDraft
from mockprep.db import review_codec
from mockprep.db.sql import db_time, db_us
from mockprep.db.store import Store
from mockprep.services.bank_sync import sync_banks

ROUNDS = ("technical", "project", "behavioral")
COMPETENCIES = ("communication", "problem-solving", "collaboration", "leadership", "conflict", "failure")
RATING_MIX = ((1, 0.12), (2, 0.15), (3, 0.60), (4, 0.13))  # again, hard, good, easy
STORED_ANSWER = review_codec.pack_answer("an answer " * 8)
GRADER = "key points and meaning"  # the default grader's name, with its embedding model
STATE_MIX = ((1, 0.10), (2, 0.80), (3, 0.10))  # learning, review, relearning (after the first answer)


@dataclass(frozen=True)
class Preset:
    banks: int
    questions_per_bank: int
    reviews: int
    years: float
    sessions: int
    mock_share: float
    stories: int
    max_versions: int


PRESETS = {
    "heavy": Preset(50, 200, 1_000_000, 5, 5_000, 0.2, 200, 6),
    # The same heavy user over 2 years: more of the log falls inside stats' 365-day window.
    "heavy-2y": Preset(50, 200, 1_000_000, 2, 5_000, 0.2, 200, 6),
    "small": Preset(3, 20, 2_000, 0.5, 40, 0.25, 5, 3),
}


def write_bank_file(path: Path, bank_no: int, questions: int, rng: random.Random) -> None:
    round_name = ROUNDS[bank_no % 3]
    lines = [
        f'id = "bench-{bank_no:03d}"',
        f'title = "Benchmark bank {bank_no}"',
        f'round = "{round_name}"',
        'roles = ["ml-researcher", "ml-engineer"]',
        "",
    ]
    for q in range(questions):
        words = " ".join(
            rng.choice(("model", "data", "loss", "gradient", "metric", "baseline")) for _ in range(12)
        )
        lines += [
            "[[questions]]",
            f'id = "q{q:04d}"',
            f'topic = "topic-{bank_no % 10}-{q % 5}"',
            f"difficulty = {1 + q % 3}",
            f'prompt = "Question {q} of bank {bank_no}: explain the {words}?"',
            f'answer = """A model answer for question {q}: {words}. {words}."""',
            'key_points = ["the first key point", "the second key point", "a third point"]',
            'follow_ups = ["And what would you do next?"]',
        ]
        if round_name == "behavioral":
            lines.append(f'competencies = ["{COMPETENCIES[q % len(COMPETENCIES)]}"]')
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")


def _choose(rng: random.Random, mix: tuple[tuple[int, float], ...]) -> int:
    return rng.choices([v for v, _ in mix], weights=[w for _, w in mix])[0]


def build(home: Path, preset: Preset, seed: int = 2026, now: datetime | None = None) -> dict[str, int]:
    """Create the home; return the row counts written."""
    rng = random.Random(seed)
    now = now or datetime.now(UTC)
    start = now - timedelta(days=365 * preset.years)
    bank_dir = home / "bench-banks"
    bank_dir.mkdir(parents=True, exist_ok=True)
    for bank_no in range(preset.banks):
        write_bank_file(bank_dir / f"bank-{bank_no:03d}.toml", bank_no, preset.questions_per_bank, rng)
    with Store.open(home) as store:
        store.banks.add_source(bank_dir, start)
        sync_banks(store, start)
        question_ids = [r[0] for r in store.conn.exec_driver_sql("SELECT id FROM questions ORDER BY id")]
        raw = store.conn.raw
        counts = _bulk_history(raw, rng, preset, question_ids, start, now)
        _stories(store, rng, preset, start, now)
        counts["stories"] = preset.stories
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return counts


def _bulk_history(raw, rng, preset, question_ids, start, now) -> dict[str, int]:
    span = (now - start).total_seconds()
    session_starts = sorted(start + timedelta(seconds=rng.random() * span) for _ in range(preset.sessions))
    per_session = preset.reviews // preset.sessions
    sessions, reviews, mock_answers = [], [], []
    undo: dict[int, tuple[int, bytes]] = {}  # question -> its latest review and the card before it
    seen: set[int] = set()
    last_review: dict[int, datetime] = {}
    review_id = 0
    # A heavy user's questions are not equally popular: weight them.
    weights = [1.0 / (1 + (i % 97)) ** 0.5 for i in range(len(question_ids))]
    for session_id, started in enumerate(session_starts, start=1):
        mock = rng.random() < preset.mock_share
        count = per_session + (preset.reviews - per_session * preset.sessions if session_id == 1 else 0)
        moment = started
        picks = rng.choices(question_ids, weights=weights, k=count)
        for position, qid in enumerate(picks, start=1):
            duration = int(min(900_000, max(3_000, rng.lognormvariate(math.log(90_000), 0.5))))
            moment += timedelta(milliseconds=duration + rng.randrange(5_000, 30_000))
            review_id += 1
            state = 0 if qid not in seen else _choose(rng, STATE_MIX)
            seen.add(qid)
            last_review[qid] = moment
            limit = 180_000 if rng.random() < 0.9 else None
            covered = [rng.random() < 0.6 for _ in range(3)]
            coverage = json.dumps(covered)
            rating = _choose(rng, RATING_MIX)
            # what a session stores with each rating: the grader, its verdicts, the checklist the
            # person confirmed (now and then with a point ticked or unticked) and the card before
            proposed = [("covered" if c else "partly" if rng.random() < 0.2 else "missing") for c in covered]
            checklist = list(proposed)
            if rng.random() < 0.2:
                checklist[rng.randrange(3)] = "covered" if rng.random() < 0.5 else "missing"
            before = Card(
                card_id=qid,
                state=State(1 if state == 0 else state),
                step=0 if state != 2 else None,
                stability=None if state == 0 else rng.uniform(0.5, 300),
                difficulty=None if state == 0 else rng.uniform(1, 10),
                due=moment - timedelta(days=rng.uniform(0, 30)),
                last_review=None if state == 0 else moment - timedelta(days=rng.uniform(1, 60)),
            )
            reviews.append(
                (
                    review_id,
                    qid,
                    session_id,
                    db_us(moment),
                    rating,
                    state,
                    STORED_ANSWER,  # as mockprep stores it (m015: deflated; it repeats, so 80 -> 15 bytes)
                    duration,
                    limit,
                    review_codec.pack_coverage(covered),
                    rating,
                    review_codec.pack_grader(GRADER),
                    review_codec.pack_verdicts(proposed),
                    review_codec.pack_verdicts(checklist),
                )
            )
            undo[qid] = (review_id, review_codec.pack_card(before))  # kept for its latest rating (m021)
            if mock and position <= 12:
                mock_answers.append(
                    (
                        session_id,
                        qid,
                        position,
                        db_time(moment),
                        "an answer " * 8,
                        "And next?",
                        "a reply",
                        duration,
                        limit,
                        coverage,
                        review_id,
                    )
                )
        status = "interrupted" if rng.random() < 0.05 else "completed"
        sessions.append(
            (
                session_id,
                "mock" if mock else "drill",
                db_time(started),
                db_time(moment),
                status,
                json.dumps({"rounds": [ROUNDS[session_id % 3]]} if not mock else {}),
                ROUNDS[session_id % 3] if mock else None,
            )
        )
    cards = []
    for qid, last in last_review.items():
        state = _choose(rng, STATE_MIX)
        due = now + timedelta(days=rng.uniform(-20, 120)) if state == 2 else last + timedelta(minutes=10)
        cards.append(
            (
                state,
                0 if state != 2 else None,
                rng.uniform(1, 300),
                rng.uniform(1, 10),
                db_time(due),
                db_time(last),
                qid,
            )
        )
    raw.execute("BEGIN IMMEDIATE")
    raw.executemany(
        "INSERT INTO sessions (id, kind, started_at, ended_at, status, filters, round) VALUES (?,?,?,?,?,?,?)",
        sessions,
    )
    raw.executemany(
        "INSERT INTO reviews (id, question_id, session_id, rated_us, rating, state_before, answer, duration_ms,"
        " time_limit_ms, coverage, suggested, grader, proposed, checklist)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        reviews,
    )
    raw.executemany(
        "UPDATE cards SET undo_review_id = ?, undo_card = ? WHERE question_id = ?",
        [(rid, card, qid) for qid, (rid, card) in undo.items()],
    )
    raw.executemany(
        "INSERT INTO mock_answers (session_id, question_id, position, answered_at, answer, follow_up,"
        " follow_up_answer, duration_ms, time_limit_ms, coverage, review_id) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        mock_answers,
    )
    raw.executemany(
        "UPDATE cards SET state = ?, step = ?, stability = ?, difficulty = ?, due = ?, last_review = ?"
        " WHERE question_id = ?",
        cards,
    )
    raw.execute("COMMIT")
    return {
        "sessions": len(sessions),
        "reviews": len(reviews),
        "mock_answers": len(mock_answers),
        "questions": len(question_ids),
    }


def _stories(store: Store, rng: random.Random, preset: Preset, start: datetime, now: datetime) -> None:
    span = (now - start).total_seconds()
    for number in range(preset.stories):
        created = start + timedelta(seconds=rng.random() * span)
        draft = {
            "title": f"Story {number}",
            "competencies": [COMPETENCIES[number % len(COMPETENCIES)]],
            "situation": "Our team had a model in production that was drifting. " * 3,
            "task": "I had to find out why within two weeks. " * 2,
            "action": "I built a monitoring job, compared feature distributions and retrained. " * 8,
            "result": "Accuracy recovered from 0.71 to 0.78 and alerts dropped by 40%. ",
            "reflection": "",
        }
        story_id = store.stories.create(StoryDraft.from_dict(draft), created)
        for version in range(2, rng.randint(2, preset.max_versions) + 1):
            draft = {**draft, "action": draft["action"] + f"Revision {version}. "}
            store.stories.save_version(
                story_id, StoryDraft.from_dict(draft), created + timedelta(days=version)
            )


def huge_answer(size: int, rng: random.Random) -> str:
    """A pasted answer of about ``size`` characters: prose that names the key points, many distinct
    made-up words (the worst case for fuzzy matching), repeated lines and one very long line."""
    prose = (
        "The expected error splits into bias squared, variance and irreducible noise. "
        "Variance grows with model complexity! We average over training sets.\n"
    )
    letters = "abcdefghijklmnopqrstuvwxyz"
    parts: list[str] = []
    length = 0
    while length < size:
        kind = rng.random()
        if kind < 0.2:
            part = prose
        elif kind < 0.25:
            part = " ".join("token" for _ in range(2000)) + "\n"
        else:
            words = ("".join(rng.choices(letters, k=rng.randint(2, 11))) for _ in range(rng.randint(5, 20)))
            part = " ".join(words) + rng.choice([". ", "! ", "\n"])
        parts.append(part)
        length += len(part)
    return "".join(parts)


def command_env(home: Path) -> dict[str, str]:
    """The environment each timed mockprep runs in: the workload's home, fixed width, no colour, and
    bytecode written (a warm-up leaves .pyc files, as an installed mockprep has)."""
    env = {**os.environ, "MOCKPREP_HOME": str(home), "COLUMNS": "100", "NO_COLOR": "1"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def workload_home(preset: str, home: Path | None, rebuild: bool = False) -> Path:
    """The preset's home (``home`` or the cache's), its workload built when missing or ``rebuild``."""
    home = home or Path(__file__).resolve().parent / ".cache" / preset
    if rebuild and home.exists():
        shutil.rmtree(home)
    if not (home / "mockprep.db").exists():
        print(f"building the {preset} workload in {home} ...", file=sys.stderr)
        started = time.perf_counter()
        counts = build(home, PRESETS[preset], now=datetime.now(UTC) - timedelta(minutes=1))
        print(f"built in {time.perf_counter() - started:.0f}s: {counts}", file=sys.stderr)
    return home
