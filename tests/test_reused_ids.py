"""A retired question's id given to another question: each history stays with the question it was
answered to.

Found by an exploratory tester: deleting q2 (underfitting) and, in a later edit, renumbering q3
(cross-validation) to q2 said "1 restored" and gave the cross-validation question the underfitting
question's review and schedule, while cross-validation's own history stayed retired under q3; and
after deleting q2 and renumbering q3 -> q2 in one edit, ``question rename renum/q3 renum/q2`` joined the
underfitting review to cross-validation's. Here: the sync (a history follows its prompt, through any
deletions, additions and renumberings), what it says, and ``question rename``'s refusal.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from fsrs import Rating
from hypothesis import given, settings
from hypothesis import strategies as st

from mockprep.core.bank_records import SLUG
from mockprep.core.records import ReviewRecord, SyncResult
from mockprep.core.renames import Rename, SetAside, aside_id, sync_lines
from mockprep.core.scheduler import make_scheduler, review
from mockprep.db.store import Store
from mockprep.services import bank_sync
from mockprep.services.bank_sync import sync_banks
from tests.conftest import START, db_rows

PROMPTS = {
    "over": "What is overfitting?",
    "under": "What is underfitting?",
    "cv": "What is cross-validation?",
    "bias": "What is the bias-variance trade-off?",
    "reg": "What does L2 regularisation do?",
}


def bank_text(questions: dict[str, str]) -> str:
    lines = ['id = "renum"', 'title = "R"', 'round = "technical"', 'topic = "ml"', ""]
    for qid, prompt in questions.items():
        lines += ["[[questions]]", f'id = "{qid}"', f'prompt = "{prompt}"', 'answer = "An answer."']
        lines += ['key_points = ["one", "two"]', ""]
    return "\n".join(lines)


def answer(store: Store, key: str, at) -> None:
    """Rate the question ``key`` has now, the answer being the prompt it was asked with."""
    record = store.banks.question_by_key(key)
    assert record is not None and not record.retired
    card = store.cards.card(record.id)
    state = 0 if card.last_review is None else card.state.value
    after = review(make_scheduler(0.9), card, Rating.Good, at)
    prompt = record.question.spec.prompt
    store.cards.record_review(ReviewRecord(record.id, None, after, at, int(Rating.Good), state, prompt, 1000))


def misfiled(store: Store) -> list[tuple[str, str, str]]:
    """Reviews on a question whose prompt is not the one they were answered to."""
    rows = store.q(
        "SELECT q.key, json_extract(q.data, '$.prompt') AS prompt, r.answer FROM reviews r"
        " JOIN questions q ON q.id = r.question_id"
    )
    return [(r.key, r.prompt, r.answer) for r in rows if r.prompt != r.answer]


# An edit of the file: delete a question, add one (a prompt it does not hold, under an id that may have
# been another question's), or give a question another id (free, or a retired question's).
EDITS = st.lists(
    st.tuples(st.sampled_from(["delete", "add", "renumber"]), st.integers(0, 9), st.integers(0, 9)),
    min_size=1,
    max_size=8,
)


@settings(max_examples=25, deadline=None)
@given(EDITS)
def test_every_history_stays_with_the_prompt_it_was_answered_to(edits) -> None:
    root = Path(tempfile.mkdtemp(prefix="mockprep-reused-"))
    saved = bank_sync.builtin_files
    bank_sync.builtin_files = lambda: []
    try:
        file = {"q1": PROMPTS["over"], "q2": PROMPTS["under"], "q3": PROMPTS["cv"]}
        path = root / "banks" / "renum.toml"
        path.parent.mkdir()
        path.write_text(bank_text(file), encoding="utf-8")
        with Store.open(root / "home", backups=False) as store:
            store.banks.add_source(path.parent, START)
            sync_banks(store, START)
            at = START
            for op, a, b in edits:
                for qid in file:
                    at += timedelta(minutes=1)
                    answer(store, f"renum/{qid}", at)
                ids = sorted(file)
                if op == "delete" and len(file) > 1:
                    del file[ids[a % len(ids)]]
                elif op == "add":
                    free = [p for p in PROMPTS.values() if p not in file.values()]
                    new = f"q{b % 6 + 1}"
                    if free and new not in file:
                        file[new] = free[a % len(free)]
                elif op == "renumber":
                    new = f"q{b % 6 + 1}"
                    if new not in file:
                        file[new] = file.pop(ids[a % len(ids)])
                path.write_text(bank_text(file), encoding="utf-8")
                at += timedelta(minutes=1)
                sync_banks(store, at)
                assert misfiled(store) == []
                live = dict(
                    store.q(
                        "SELECT key, json_extract(data, '$.prompt') FROM questions WHERE retired_at IS NULL"
                    ).all()
                )
                assert live == {f"renum/{qid}": prompt for qid, prompt in file.items()}
            every = store.q("SELECT key, json_extract(data, '$.id'), bank_id FROM questions").all()
            assert all(key == f"{bank}/{qid}" and re.fullmatch(SLUG, qid) for key, qid, bank in every)
    finally:
        bank_sync.builtin_files = saved
        shutil.rmtree(root, ignore_errors=True)


@given(st.from_regex(SLUG, fullmatch=True), st.text(min_size=1, max_size=200))
def test_a_set_aside_id_is_a_valid_id_made_from_the_id_and_prompt_alone(qid: str, prompt: str) -> None:
    made = aside_id(qid, prompt)
    assert re.fullmatch(SLUG, made) and made == aside_id(qid, prompt.upper().replace(" ", "  "))
    assert made != aside_id(qid, prompt, 2) and re.fullmatch(SLUG, aside_id(qid, prompt, 2))


def test_a_retired_id_given_to_another_prompt_is_a_new_question_and_is_told(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bank_sync, "builtin_files", lambda: [])
    path = tmp_path / "renum.toml"
    path.write_text(bank_text({"q1": PROMPTS["over"], "q2": PROMPTS["under"]}), encoding="utf-8")
    store.banks.add_source(path, START)
    sync_banks(store, START)
    answer(store, "renum/q2", START + timedelta(minutes=1))
    path.write_text(bank_text({"q1": PROMPTS["over"]}), encoding="utf-8")
    sync_banks(store, START + timedelta(minutes=2))
    path.write_text(bank_text({"q1": PROMPTS["over"], "q2": PROMPTS["reg"]}), encoding="utf-8")
    report = sync_banks(store, START + timedelta(minutes=3))
    (result,) = report.changed
    assert (result.added, result.restored) == (1, 0)
    (aside,) = result.set_aside
    record = store.banks.question_by_key("renum/q2")
    assert record is not None and store.questions.review_count(record.id) == 0
    assert store.cards.card(record.id).last_review is None  # a new question's schedule
    kept = store.banks.question_by_key(aside.kept_as)
    assert kept is not None and kept.retired and kept.question.spec.prompt == PROMPTS["under"]
    assert store.questions.review_count(kept.id) == 1
    _notes, warnings = sync_lines(report.changed)
    (line,) = warnings
    assert "renum/q2" in line and aside.kept_as in line and "underfitting" in line and "L2" in line
    # the question's own prompt (case and spacing aside) brings the retired question back
    path.write_text(bank_text({"q1": PROMPTS["over"]}), encoding="utf-8")
    sync_banks(store, START + timedelta(minutes=4))
    path.write_text(bank_text({"q1": PROMPTS["over"], "q2": PROMPTS["reg"].upper()}), encoding="utf-8")
    (back,) = sync_banks(store, START + timedelta(minutes=5)).changed
    assert (back.restored, back.added, back.set_aside) == (1, 0, ())


def _aside(reviews: int, new_prompt: str) -> SyncResult:
    aside = SetAside("b/q2", "b/q2-retired-abc123", "What is underfitting?", new_prompt, reviews)
    return SyncResult("b", 1, 0, 0, set_aside=(aside,))


def test_the_set_aside_line_offers_the_rename_only_for_a_likely_rewording_into_a_fresh_question() -> None:
    assert sync_lines([_aside(0, "What is cross-validation?")]) == ([], [])  # no history: nothing to tell
    (unlike,) = sync_lines([_aside(2, "What is cross-validation?")])[1]
    (reworded,) = sync_lines([_aside(2, "What is under-fitting?")])[1]
    assert "question rename" not in unlike and "2 reviews" in unlike
    assert "question rename b/q2-retired-abc123 b/q2" in reworded
    took = _aside(2, "What is under-fitting?")
    took = SyncResult("b", 0, 0, 0, set_aside=took.set_aside, renamed=(Rename("b/q3", "b/q2", 1),))
    assert "question rename" not in sync_lines([took])[1][0]  # b/q2 holds another history now


def test_question_rename_does_not_join_a_question_that_was_another_one_alongside(
    cli, home: Path, tmp_path: Path
) -> None:
    path = tmp_path / "renum.toml"
    path.write_text(bank_text({"q2": PROMPTS["under"], "q3": PROMPTS["cv"]}), encoding="utf-8")
    assert cli("bank", "add", str(path)).exit_code == 0
    assert cli("session", "--bank", "renum", "--no-timer", input="a\n\n3\nb\n\n3\nq\n").exit_code == 0
    path.write_text(bank_text({"q2": PROMPTS["cv"]}), encoding="utf-8")  # q2 deleted, q3 -> q2: one edit
    told = cli("bank", "sync")
    assert "deleted a question and gave its id to another" in told.stderr
    count = "SELECT q.key, COUNT(*) FROM reviews r JOIN questions q ON q.id = r.question_id GROUP BY q.id"
    before = db_rows(home, count)
    refused = cli("question", "rename", "renum/q3", "renum/q2")
    assert refused.exit_code != 0 and refused.stderr.count("\n") == 1 and "Traceback" not in refused.stderr
    assert "renum/q2" in refused.stderr and "renum/q3" in refused.stderr and "--join" in refused.stderr
    assert db_rows(home, count) == before
    joined = cli("question", "rename", "renum/q3", "renum/q2", "--join")
    assert joined.exit_code == 0 and db_rows(home, count) == [("renum/q2", 2)]
