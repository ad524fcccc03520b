"""Ids swapped or passed along keep each question's history with its prompt; bank add sees a move.

Found by a verification tester: swapping two questions' ids in a bank file kept both keys, so the sync
said `sw: 2 updated` and each question's history sat under the other's prompt (a choice question's
rating and answer shown under an open TF-IDF prompt), and `question rename` refused, both questions
being still in the file; a chain (A takes B's id while B takes a new one) went the same way. Moving a
question into a new bank file with `bank add` synced the edited old file first, so the move was a
retirement and an addition. Here: the detection over permutations (pure, and through a real sync),
what is left alone and said, other devices, `bank add`, and `question show OLD`.
"""

from __future__ import annotations

import random
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from fsrs import Rating
from hypothesis import given, settings
from hypothesis import strategies as st

from mockprep.core.records import SyncResult
from mockprep.core.renames import Arrival, Gone, Reworded, find_moves, sync_lines
from mockprep.db import stats_rollup
from mockprep.db.store import Store
from mockprep.services import bank_sync
from mockprep.services.bank_sync import sync_banks
from tests.conftest import START, db_rows
from tests.devices import Device
from tests.test_renames import history, rate, rollup

# -- the detection, pure ------------------------------------------------------------------------------


@st.composite
def permutations(draw: st.DrawFn) -> tuple[list[Gone], list[Arrival], list[Reworded], set[tuple[str, str]]]:
    """Groups of questions whose prompts go round: a cycle among kept keys (a swap when two), or a
    chain from a key that leaves to one that is new through kept ones. A group may be broken (one of
    its prompts also edited on the way), and is then no rename. What a sync sees, and the moves that
    must be found."""
    gone: list[Gone] = []
    arrived: list[Arrival] = []
    reworded: list[Reworded] = []
    expected: set[tuple[str, str]] = set()
    for g in range(draw(st.integers(1, 4))):
        cycle = draw(st.booleans())
        size = draw(st.integers(2, 4)) if cycle else draw(st.integers(1, 4))
        keys = [f"{draw(st.sampled_from('ab'))}/g{g}k{i}" for i in range(size + (0 if cycle else 1))]
        prompts = [f"Group {g} question {i}: why?" for i in range(len(keys))]
        moves = [(keys[i], keys[(i + 1) % len(keys)]) for i in range(size)]
        broken = draw(st.sampled_from([None, *range(size)]))
        arriving = {new: prompts[keys.index(old)] for old, new in moves}  # new key -> the prompt it gets
        if broken is not None:
            arriving[moves[broken][1]] += " Give an example."
        for i, key in enumerate(keys):
            if not cycle and i == 0:  # the chain's first key leaves the file
                gone.append(Gone(100 * g + i, key, prompts[i], draw(st.integers(0, 2))))
            elif not cycle and i == len(keys) - 1:  # its last is new
                arrived.append(Arrival(key, arriving[key].upper()))
            else:
                reworded.append(Reworded(100 * g + i, key, prompts[i], f" {arriving[key]} ", 1))
        if broken is None:
            expected.update(moves)
    # beside them: questions deleted, added and reworded to prompts of their own
    gone.append(Gone(999, "a/deleted", "A question deleted?", 3))
    arrived.append(Arrival("b/fresh", "A question never asked before?"))
    reworded.append(Reworded(998, "a/edited", "What is a prompt?", "What is a prompt, really?", 2))
    order = random.Random(draw(st.integers(0, 1000)))
    for questions in (gone, arrived, reworded):
        order.shuffle(questions)
    return gone, arrived, reworded, expected


@settings(max_examples=400)
@given(permutations())
def test_a_permutation_of_prompts_among_keys_is_renames_and_a_broken_one_is_nothing(case) -> None:
    gone, arrived, reworded, expected = case
    found = find_moves(gone, arrived, reworded)
    assert {(question.key, new) for question, new in found} == expected
    # whatever order a device lists them in, it finds the same
    assert {(q.key, new) for q, new in find_moves(gone[::-1], arrived[::-1], reworded[::-1])} == expected


def test_two_questions_with_one_prompt_take_part_in_no_swap() -> None:
    # a and b swapped, but c now shares the prompt a had: whose history is it?
    reworded = [
        Reworded(1, "n/a", "Prompt A?", "Prompt B?", 1),
        Reworded(2, "n/b", "Prompt B?", "Prompt A?", 1),
        Reworded(3, "n/c", "Prompt C?", "prompt a?", 1),
    ]
    assert find_moves([], [], reworded) == []
    notes, warnings = sync_lines([SyncResult("n", 0, 3, 0, reworded=tuple(reworded))])
    (line,) = warnings
    assert "n/a now" not in line and "3 questions now have the prompt another had" in line
    assert "n/b (had by n/a)" in line and "if you swapped ids" in line and not notes


def test_a_prompt_taken_with_no_history_on_either_side_is_not_told() -> None:
    reworded = (
        Reworded(1, "n/a", "Prompt A?", "Prompt C?", 0),
        Reworded(2, "n/b", "Prompt B?", "Prompt A?", 0),
    )
    assert sync_lines([SyncResult("n", 0, 2, 0, reworded=reworded)]) == ([], [])
    with_history = (reworded[0], Reworded(2, "n/b", "Prompt B?", "Prompt A?", 2))
    (line,) = sync_lines([SyncResult("n", 0, 2, 0, reworded=with_history)])[1]
    assert line.startswith("n: n/b now has the prompt n/a had, and each kept its own history")


# -- a sync of real files -----------------------------------------------------------------------------


def _bank(bank: str, questions: list[tuple[str, str, str]]) -> str:
    """A bank file; each question (id, prompt, kind), a choice question with its choices."""
    lines = [f'id = "{bank}"', f'title = "{bank}"', 'round = "technical"', 'topic = "t"', ""]
    for qid, prompt, kind in questions:
        lines += ["[[questions]]", f'id = "{qid}"', f'prompt = "{prompt}"', 'answer = "A."']
        if kind == "choice":
            lines += ['kind = "choice"', 'choices = ["one", "two"]', 'correct = "b"']
        lines += ['key_points = ["first point", "second point"]', ""]
    return "\n".join(lines)


def _write(root: Path, files: dict[str, list[tuple[str, str, str]]]) -> None:
    for bank, questions in files.items():
        (root / f"{bank}.toml").write_text(_bank(bank, questions), encoding="utf-8")


@settings(max_examples=15, deadline=None)
@given(st.integers(2, 6), st.data())
def test_ids_permuted_in_one_sync_keep_every_history_with_its_prompt_on_every_device(size: int, data) -> None:
    """Questions in banks a and b, each taking another's id, a new one or its own (one id given to one
    question): every prompt's reviews, card and kind sit at its new key; the roll-up equals a rebuild;
    a second device with other reviews (or none) decides the same."""
    root = Path(tempfile.mkdtemp(prefix="mockprep-swaps-"))
    saved = bank_sync.builtin_files
    bank_sync.builtin_files = lambda: []
    homes: list[Store] = []
    try:
        old = [(data.draw(st.sampled_from("ab")), f"q{i}") for i in range(size)]
        pool = old + [(b, f"new{i}") for i, b in enumerate("abab"[: data.draw(st.integers(0, 3))])]
        new = data.draw(st.permutations(pool))[:size]  # prompt i goes to new[i]
        kinds = [data.draw(st.sampled_from(["open", "choice"])) for _ in range(size)]
        prompts = [f"Question {i}, the one about topic {i}?" for i in range(size)]

        def files(keys: list[tuple[str, str]]) -> dict[str, list[tuple[str, str, str]]]:
            out: dict[str, list[tuple[str, str, str]]] = {
                b: [("stays", f"Stays in {b}?", "open")] for b in "ab"
            }
            for (bank, qid), prompt, kind in zip(keys, prompts, kinds, strict=True):
                out[bank].append((qid, prompt, kind))
            return out

        for device, reviewed in (("laptop", True), ("desk", False)):
            folder = root / device
            folder.mkdir()
            _write(folder, files(old))
            store = Store.open(root / f"{device}-home", backups=False)
            homes.append(store)
            store.banks.add_source(folder, START)
            sync_banks(store, START)
            for i, (bank, qid) in enumerate(old):
                for n in range(i % 3 if reviewed else 0):
                    rate(store, f"{bank}/{qid}", Rating.Good, START + timedelta(days=n))
            before = {f"{b}/{q}": (history(store, f"{b}/{q}"), _card(store, f"{b}/{q}")) for b, q in old}
            _write(folder, files(new))
            report = sync_banks(store, START + timedelta(days=5))
            moved = sum(o != n for o, n in zip(old, new, strict=True))
            assert sum(len(r.renamed) for r in report.changed) == moved
            assert not any(r.gone or r.arrived or r.updated for r in report.changed)
            for (ob, oq), (nb, nq), kind in zip(old, new, kinds, strict=True):
                assert (history(store, f"{nb}/{nq}"), _card(store, f"{nb}/{nq}")) == before[f"{ob}/{oq}"]
                record = store.banks.question_by_key(f"{nb}/{nq}")
                assert record is not None and record.question.spec.kind == kind and not record.retired
            counted = rollup(store)
            with store.write() as conn:
                stats_rollup.rebuild(conn.raw)
            assert rollup(store) == counted
            assert not sync_banks(store, START + timedelta(days=5)).changed  # settled in one run
        laptop, desk = (_identities(store) for store in homes)
        assert laptop == desk
    finally:
        bank_sync.builtin_files = saved
        for store in homes:
            store.close()
        shutil.rmtree(root, ignore_errors=True)


def _card(store: Store, key: str) -> tuple:
    return tuple(
        store.q(
            "SELECT c.state, c.stability, c.due FROM cards c JOIN questions q ON q.id = c.question_id"
            " WHERE q.key = :k",
            k=key,
        ).one()
    )


def _identities(store: Store) -> list[tuple]:
    """Each key with the order its row was made in and the aliases it answers to: equal on two devices
    that read the same files in the same order."""
    rows = store.q("SELECT id, key FROM questions ORDER BY id").all()
    order = {row.id: index for index, row in enumerate(rows)}
    aliases = store.q("SELECT key, question_id FROM question_aliases ORDER BY key").all()
    return [(row.key, order[row.id]) for row in rows] + [(a.key, order[a.question_id]) for a in aliases]


@pytest.fixture
def swaps(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(bank_sync, "builtin_files", lambda: [])
    folder = tmp_path / "sw"
    folder.mkdir()
    _write(folder, {"sw": [("perplexity", "Perplexity of a uniform model?", "choice"),
                           ("tfidf", "What does TF-IDF weight?", "open"),
                           ("bleu", "What does BLEU measure?", "open")]})  # fmt: skip
    store.banks.add_source(folder, START)
    sync_banks(store, START)
    rate(store, "sw/perplexity", Rating.Good, START)
    rate(store, "sw/tfidf", Rating.Hard, START)
    return folder


def test_a_swap_with_a_prompt_edited_on_the_way_is_left_by_id_and_said(store: Store, swaps: Path) -> None:
    _write(swaps, {"sw": [("tfidf", "Perplexity of a uniform model?", "choice"),
                          ("perplexity", "What does TF-IDF weight, and why?", "open"),
                          ("bleu", "What does BLEU measure?", "open")]})  # fmt: skip
    report = sync_banks(store, START + timedelta(hours=1))
    (result,) = report.changed
    assert (result.updated, result.renamed) == (2, ())
    assert history(store, "sw/tfidf")[0][1] == Rating.Hard  # as before: by id
    notes, warnings = sync_lines(report.changed)
    (line,) = warnings
    assert line.startswith("sw: sw/tfidf now has the prompt sw/perplexity had") and not notes


def test_the_stats_of_a_question_moved_by_a_chain_follow_it_to_its_bank(store: Store, swaps: Path) -> None:
    # sw/perplexity takes tfidf's id, and tfidf moves to another bank under a new id
    _write(swaps, {"sw": [("tfidf", "Perplexity of a uniform model?", "choice"),
                          ("bleu", "What does BLEU measure?", "open")],
                   "other": [("weights", "What does TF-IDF weight?", "open")]})  # fmt: skip
    report = sync_banks(store, START + timedelta(hours=1))
    renamed = {r.bank_id: sorted((x.old, x.new) for x in r.renamed) for r in report.changed if r.renamed}
    assert renamed == {"sw": [("sw/perplexity", "sw/tfidf")], "other": [("sw/tfidf", "other/weights")]}
    assert history(store, "other/weights")[0][1] == Rating.Hard
    assert store.banks.renamed_to("sw/perplexity") == "sw/tfidf"
    counted = rollup(store)
    assert {row[2] for row in counted["stats_days"]} == {"sw", "other"}  # each answer in its bank now
    with store.write() as conn:
        stats_rollup.rebuild(conn.raw)
    assert rollup(store) == counted


def _two_devices(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, list[tuple[str, str, str]]]
) -> tuple[Path, tuple[Device, Device]]:
    """A shared sync folder and two devices, each with its own copy of the bank ``files``."""
    monkeypatch.setattr(bank_sync, "builtin_files", lambda: [])
    folder = tmp_path / "Dropbox"
    folder.mkdir()
    made = []
    for name in ("laptop", "desk"):
        banks = tmp_path / f"{name}-banks"
        banks.mkdir()
        _write(banks, files)
        made.append(Device(tmp_path, name, banks))
    return folder, (made[0], made[1])


def test_devices_that_swap_at_different_times_converge(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, (laptop, desk) = _two_devices(
        tmp_path, monkeypatch, {"g": [("a", "Prompt of a?", "open"), ("b", "Prompt of b?", "choice")]}
    )
    devices = [laptop, desk]
    try:
        clock = START
        rate(laptop.store, "g/a", Rating.Good, clock := clock + timedelta(minutes=5))
        rate(desk.store, "g/b", Rating.Again, clock := clock + timedelta(minutes=5))
        for device in (laptop, desk, laptop):
            device.sync(folder, clock)
        swapped = {"g": [("b", "Prompt of a?", "open"), ("a", "Prompt of b?", "choice")]}
        for device, name in ((laptop, "laptop"), (desk, "desk")):
            _write(tmp_path / f"{name}-banks", swapped)
            sync_banks(device.store, clock := clock + timedelta(hours=1))
            rate(device.store, "g/b", Rating.Easy, clock := clock + timedelta(minutes=1))  # (prompt a now)
        for device in (laptop, desk, laptop):
            device.sync(folder, clock)
        assert laptop.state() == desk.state()
        for device in devices:
            ratings = [rating for _at, rating in history(device.store, "g/b")]
            assert ratings == [Rating.Good, Rating.Easy, Rating.Easy]  # prompt a's, from both devices
            assert [rating for _at, rating in history(device.store, "g/a")] == [Rating.Again]
            assert device.stored_cards() == device.replayed_cards()
    finally:
        laptop.close()
        desk.close()


def test_a_review_stays_with_its_id_when_another_question_now_has_its_prompt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An independent review found a rule of adf9ef6 (a review filed under the one question here with
    the prompt it was answered to) filing reviews under the wrong question for good: a file that
    rewords q1 and adds q5 with q1's old prompt took the other device's review of q1 to q5. Reviews
    go by id (swapped ids on two devices stay the README's documented exception)."""
    folder, (laptop, desk) = _two_devices(tmp_path, monkeypatch, {"g": [("q1", "Prompt of one?", "open")]})
    try:
        clock = START
        _write(tmp_path / "laptop-banks", {"g": [("q1", "Prompt of one, reworded?", "open"),
                                                 ("q5", "Prompt of one?", "open")]})  # fmt: skip
        sync_banks(laptop.store, clock := clock + timedelta(minutes=1))
        rate(desk.store, "g/q1", Rating.Hard, clock := clock + timedelta(minutes=1))
        for device in (desk, laptop):
            device.sync(folder, clock)
        assert [r for _at, r in history(laptop.store, "g/q1")] == [Rating.Hard]
        assert history(laptop.store, "g/q5") == []
    finally:
        laptop.close()
        desk.close()


# -- the commands -------------------------------------------------------------------------------------


def test_bank_sync_of_a_swap_says_renamed_and_question_show_shows_each_history_under_its_prompt(
    cli, home: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    _write(folder, {"sw": [("perplexity", "Perplexity of a uniform model?", "choice"),
                           ("tfidf", "What does TF-IDF weight?", "open")]})  # fmt: skip
    assert cli("bank", "add", str(folder)).exit_code == 0
    _rate_each(home, ["sw/perplexity", "sw/tfidf"])
    before = dict(
        db_rows(home, "SELECT q.key, r.answer FROM reviews r JOIN questions q ON q.id = r.question_id")
    )
    _write(folder, {"sw": [("tfidf", "Perplexity of a uniform model?", "choice"),
                           ("perplexity", "What does TF-IDF weight?", "open")]})  # fmt: skip
    synced = cli("bank", "sync")
    assert synced.exit_code == 0 and "sw: 2 renamed" in synced.stdout and "updated" not in synced.stdout
    assert "sw/perplexity → sw/tfidf (progress kept)" in synced.stdout
    after = dict(
        db_rows(home, "SELECT q.key, r.answer FROM reviews r JOIN questions q ON q.id = r.question_id")
    )
    assert after == {"sw/tfidf": before["sw/perplexity"], "sw/perplexity": before["sw/tfidf"]}
    shown = cli("question", "show", "sw/tfidf")
    assert "Perplexity of a uniform model?" in shown.stdout and "renamed from" not in shown.stdout


def _rate_each(home: Path, keys: list[str]) -> None:
    with Store.open(home, backups=False) as store:
        for minute, key in enumerate(keys):
            rate(store, key, Rating.Good, START + timedelta(minutes=minute))


def test_bank_add_of_a_file_a_question_moved_into_is_a_rename(cli, home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "mbank"
    folder.mkdir()
    _write(folder, {"ma": [("w2v", "How does skip-gram train word vectors?", "open"),
                           ("bleu", "What does BLEU measure?", "open")]})  # fmt: skip
    assert cli("bank", "add", str(folder / "ma.toml")).exit_code == 0
    _rate_each(home, ["ma/w2v", "ma/bleu"])
    _write(folder, {"ma": [("bleu", "What does BLEU measure?", "open")],
                    "mb": [("sgns", "How does skip-gram train word vectors?", "open")]})  # fmt: skip
    added = cli("bank", "add", str(folder / "mb.toml"))
    assert added.exit_code == 0 and "NEW-KEY" not in added.stderr and "retired" not in added.stderr
    assert "mb: renamed ma/w2v → mb/sgns (progress kept)" in added.stdout
    keys = db_rows(home, "SELECT q.key FROM reviews r JOIN questions q ON q.id = r.question_id ORDER BY 1")
    assert keys == [("ma/bleu",), ("mb/sgns",)]
    shown = cli("question", "show", "ma/w2v")
    assert shown.exit_code == 0 and shown.stdout.splitlines()[0] == "mb/sgns  (renamed from ma/w2v)"
    assert cli("question", "show", "sgns").stdout.splitlines()[0] == "mb/sgns"


def test_bank_sync_lines_keep_a_bank_id_as_written(cli, tmp_path: Path) -> None:
    folder = tmp_path / "n"
    folder.mkdir()
    _write(folder, {"my-nlp": [("a", "Prompt of a?", "open")]})
    assert cli("bank", "add", str(folder)).exit_code == 0
    _write(folder, {"my-nlp": [("a", "Prompt of a?", "open"), ("b", "Prompt of b?", "open")]})
    assert cli("bank", "sync").stdout.splitlines()[0] == "my-nlp: 1 added"
