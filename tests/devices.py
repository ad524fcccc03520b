"""Devices for the merge and sync tests: a home each, the same bank, practice at injected times."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from fsrs import Rating

from mockprep.core.questions import QuestionFilter
from mockprep.core.records import MockAnswerRecord, ReviewRecord
from mockprep.core.scheduler import make_scheduler, replay, review
from mockprep.core.stories import StoryDraft
from mockprep.db.sql import must_time
from mockprep.db.store import Store
from mockprep.services.bank_sync import sync_banks
from mockprep.services.folder_sync import sync_folder
from tests.conftest import START, write_bank


class Device:
    """One home with the shared bank; practice and story edits at the times given."""

    def __init__(self, root: Path, name: str, banks: Path) -> None:
        self.store = Store.open(root / name, backups=False)
        self.store.banks.add_source(banks, START)
        sync_banks(self.store, START)
        self.question_ids = self.store.cards.new_question_ids(QuestionFilter())

    def close(self) -> None:
        self.store.close()

    def practise(self, pick: int, rating: Rating, now: datetime, **grading: Any) -> None:
        """A rating of the ``pick``-th question (``grading``: more fields of its ReviewRecord)."""
        qid = sorted(self.question_ids)[pick % len(self.question_ids)]
        session = self.store.sessions.start("drill", {}, now, 1)
        card = self.store.cards.card(qid)
        self.store.cards.record_review(
            ReviewRecord(
                qid,
                session,
                review(make_scheduler(0.9), card, rating, now),
                now,
                int(rating),
                0 if card.last_review is None else card.state.value,
                f"answer at {now:%H:%M}",
                1000,
                None,
                None,
                int(rating),
                **grading,
            )
        )
        self.store.sessions.end(session, "completed", now + timedelta(seconds=1))

    def mock(self, picks: list[int], now: datetime, rated: int = 0, model: str | None = None) -> int:
        """A mock round answering the ``picks``-th questions, each with a follow-up (written by ``model``,
        else the bank's) and its timed reply; the first ``rated`` answers rated Good after the round, the
        rest left unrated. The session's id."""
        session = self.store.sessions.start("mock", {}, now, 1, round="behavioral", minutes=5.0)
        answers = []
        for position, pick in enumerate(picks, start=1):
            at = now + timedelta(minutes=position)
            qid = sorted(self.question_ids)[pick % len(self.question_ids)]
            text, follow_up = f"answer {position} at {at:%H:%M}", f"Bank follow-up {position}?"
            record = MockAnswerRecord(
                session, qid, position, at, text, 60_000, 90_000, [True, False], follow_up
            )
            answers.append((self.store.sessions.add_mock_answer(record), qid, at))
            if model is not None:
                self.store.sessions.set_follow_up(answers[-1][0], f"Why {position}?", model)
            self.store.sessions.set_follow_up_answer(answers[-1][0], f"reply {position}", 30_000, 90_000)
        for answer, qid, at in answers[:rated]:
            self.rate_mock_answer(answer, qid, session, at + timedelta(minutes=10))
        self.store.sessions.end(session, "completed", now + timedelta(minutes=30))
        return session

    def rate_mock_answer(self, answer: int, qid: int, session: int, now: datetime) -> None:
        card = self.store.cards.card(qid)
        self.store.cards.record_review(
            ReviewRecord(
                qid,
                session,
                review(make_scheduler(0.9), card, Rating.Good, now),
                now,
                int(Rating.Good),
                0 if card.last_review is None else card.state.value,
                "answer",
                60_000,
                mock_answer_id=answer,
            )
        )

    def mock_answers(self) -> list[tuple]:
        """Every mock answer with its session's and its review's global ids: what two devices must agree on."""
        return [
            tuple(r)
            for r in self.store.q(
                "SELECT m.uid, s.uid, q.key, m.position, m.answered_at, m.answer, m.follow_up,"
                " m.follow_up_answer, m.follow_up_model, m.follow_up_ms, m.follow_up_limit_ms, m.duration_ms,"
                " m.time_limit_ms, m.coverage, m.delivery, m.code_runs, r.uid FROM mock_answers m"
                " JOIN sessions s ON s.id = m.session_id JOIN questions q ON q.id = m.question_id"
                " LEFT JOIN reviews r ON r.id = m.review_id ORDER BY m.uid"
            )
        ]

    def write_story(self, title: str, action: str, now: datetime) -> None:
        """A new story, or a new version of the one with this title."""
        draft = StoryDraft.from_dict(
            {
                "title": title,
                "competencies": ["ownership"],
                "situation": "S",
                "task": "T",
                "action": action,
                "result": "R",
                "reflection": "",
            }
        )
        found = self.store.q("SELECT story_id FROM story_versions WHERE title = :t LIMIT 1", t=title).first()
        if found is None:
            self.store.stories.create(draft, now)
        else:
            self.store.stories.save_version(found.story_id, draft, now)

    def sync(self, folder: Path, now: datetime) -> Any:
        return sync_folder(self.store, folder, now)

    # -- what two devices must agree on --------------------------------------------------------------

    def reviews(self) -> list[tuple]:
        return [
            tuple(r)
            for r in self.store.q(
                "SELECT r.uid, q.key, r.rated_at, r.rating, r.answer, s.uid FROM reviews r"
                " JOIN questions q ON q.id = r.question_id LEFT JOIN sessions s ON s.id = r.session_id"
                " ORDER BY r.uid"
            )
        ]

    def sessions(self) -> list[tuple]:
        return [
            tuple(r)
            for r in self.store.q("SELECT uid, status, started_at, ended_at FROM sessions ORDER BY uid")
        ]

    def cards(self) -> list[tuple]:
        return [
            tuple(r)
            for r in self.store.q(
                "SELECT q.key, c.state, c.step, round(c.stability, 9), round(c.difficulty, 9), c.due, c.last_review"
                " FROM cards c JOIN questions q ON q.id = c.question_id ORDER BY q.key"
            )
        ]

    def stories(self) -> list[tuple]:
        return [
            tuple(r)
            for r in self.store.q(
                "SELECT s.uid, v.version, v.uid, v.parent, v.title, v.action, v.saved_at FROM stories s"
                " JOIN story_versions v ON v.story_id = s.id ORDER BY s.uid, v.version"
            )
        ]

    def state(self) -> tuple:
        return self.reviews(), self.sessions(), self.cards(), self.stories()

    def replayed_cards(self) -> list[tuple]:
        """Every card recomputed from its log in time order (cram reviews leave the schedule alone): what
        a merged card must equal."""
        out = []
        for q in self.store.q("SELECT id, key, added_at FROM questions ORDER BY key"):
            log = [
                (must_time(r.rated_at), r.rating)
                for r in self.store.q(
                    "SELECT rated_at, rating FROM reviews WHERE question_id = :q AND NOT cram"
                    " ORDER BY rated_at, uid",
                    q=q.id,
                )
            ]
            card = replay(make_scheduler(0.9), q.id, must_time(q.added_at), log)
            out.append((q.key, card.state.value, card.step, round(card.stability or 0, 9) if log else None))
        return out

    def stored_cards(self) -> list[tuple]:
        return [
            (k, s, st, None if last is None else round(stab, 9))
            for k, s, st, stab, _, _, last in self.cards()
        ]


def make_banks(root: Path) -> Path:
    banks = root / "banks"
    banks.mkdir(parents=True, exist_ok=True)
    write_bank(banks / "b.toml", "gen", n=4)
    return banks


def known_to_both(devices: Any, tmp_path: Path, index: int) -> tuple[Path, Device, Device, int]:
    """A sync folder, two devices (``devices`` makes them) that both know the home, and a question both
    have, the ``index``-th by id (the same id on both)."""
    folder = tmp_path / "Dropbox"
    folder.mkdir()
    laptop, desk = devices("laptop"), devices("desk")
    laptop.practise(0, Rating.Again, START)
    for device in (laptop, desk, laptop):
        device.sync(folder, START)
    question = sorted(laptop.question_ids)[index]
    assert question == sorted(desk.question_ids)[index]
    return folder, laptop, desk, question
