"""A question whose id changed keeps its progress: renames found by a sync, joined by hand, told.

Found by an exploratory tester: renaming `id = "imbalanced"` to `"class-imbalance"` retired the old
question with its review and started the new one from nothing, and neither `bank sync` nor the sync
before a session said so. Here: the detection (pure, and through a real sync of files), the carry-over
(card, reviews, stats, story links, undo), other devices' sync and older exports that still name the old
key, `mockprep question rename`, and what the commands say.
"""

from __future__ import annotations

import io
import shutil
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fsrs import Rating
from hypothesis import given, settings
from hypothesis import strategies as st

from mockprep.core.records import ReviewRecord
from mockprep.core.renames import Arrival, Gone, find_renames, likely_successor, prompt_key, sync_lines
from mockprep.core.scheduler import make_scheduler, replay, review
from mockprep.db import stats_rollup
from mockprep.db.merge import merge_events
from mockprep.db.sql import must_time
from mockprep.db.store import Store
from mockprep.services import bank_sync
from mockprep.services.bank_sync import sync_banks
from mockprep.services.exchange import read_export, write_export
from tests.conftest import START, db_rows, write_bank
from tests.devices import Device

# -- the detection, pure ------------------------------------------------------------------------------


def test_prompts_compare_without_case_width_or_spacing_but_nothing_looser() -> None:
    assert prompt_key("What  is\tBPE?\n") == prompt_key("what is ｂｐｅ?")
    assert prompt_key("What is BPE?") != prompt_key("What is BPE")  # a changed character is a change


PROMPTS = [f"Explain idea {i} and when it fails?" for i in range(8)]


def _respell(draw: st.DrawFn, prompt: str) -> str:
    """The same prompt as a person may retype it: other case, other spacing."""
    words = prompt.split()
    cased = [w.upper() if draw(st.booleans()) else w for w in words]
    return draw(st.sampled_from([" ", "  ", "\n", "\t"])).join(cased) + draw(st.sampled_from(["", " ", "\n"]))


@st.composite
def edits(draw: st.DrawFn) -> tuple[list[Gone], list[Arrival], set[tuple[str, str]]]:
    """Questions with distinct prompts in banks a and b, each kept, renamed (same bank), moved (other
    bank), renamed with its prompt edited, or deleted; some new questions added. What a sync sees, and
    the renames a person made without changing the prompt."""
    gone, arrived, expected = [], [], set()
    for index, prompt in enumerate(PROMPTS):
        bank = draw(st.sampled_from("ab"))
        old = f"{bank}/q{index}"
        fate = draw(st.sampled_from(["keep", "rename", "move", "edit", "delete"]))
        if fate == "keep":
            continue
        gone.append(Gone(index, old, prompt, draw(st.integers(0, 3))))
        if fate == "delete":
            continue
        target = bank if fate != "move" else "b" if bank == "a" else "a"
        new = f"{target}/n{index}"
        text = prompt + " Give an example." if fate == "edit" else _respell(draw, prompt)
        arrived.append(Arrival(new, text))
        if fate != "edit":
            expected.add((old, new))
    for index in range(draw(st.integers(0, 3))):
        arrived.append(Arrival(f"a/fresh{index}", f"A question never asked before, number {index}?"))
    return draw(st.permutations(gone)), draw(st.permutations(arrived)), expected


@settings(max_examples=300)
@given(edits())
def test_every_rename_or_move_with_its_prompt_kept_is_found_and_nothing_else(case) -> None:
    gone, arrived, expected = case
    assert {(old.key, new.key) for old, new in find_renames(gone, arrived)} == expected


@settings(max_examples=200)
@given(st.integers(1, 3), st.integers(1, 3), st.booleans())
def test_a_prompt_two_questions_share_on_either_side_renames_nothing(olds: int, news: int, other_bank: bool):
    prompt = "Why does batch norm help?"
    gone = [Gone(i, f"a/old{i}", prompt, 2) for i in range(olds)]
    arrived = [Arrival(f"{'b' if other_bank else 'a'}/new{i}", prompt.upper()) for i in range(news)]
    found = find_renames(gone, arrived)
    assert len(found) == (1 if olds == news == 1 else 0)


def test_a_close_prompt_is_suggested_only_when_it_is_the_one_close_prompt() -> None:
    old = Gone(1, "n/imbalanced", "How do you handle class imbalance?", 3)
    close = Arrival("n/class-imbalance", "How do you handle a class imbalance?")
    far = Arrival("n/bpe", "How does byte-pair encoding work?")
    assert likely_successor(old, [far, close]) == close
    assert likely_successor(old, [far]) is None
    assert likely_successor(old, [close, Arrival("m/imb", "How would you handle class imbalance?")]) is None


# -- a sync of real files -----------------------------------------------------------------------------


def rate(store: Store, key: str, rating: Rating, now: datetime) -> None:
    record = store.banks.question_by_key(key)
    assert record is not None
    card = store.cards.card(record.id)
    state = 0 if card.last_review is None else card.state.value
    after = review(make_scheduler(0.9), card, rating, now)
    store.cards.record_review(
        ReviewRecord(record.id, None, after, now, int(rating), state, f"answer at {now}", 1000)
    )


def history(store: Store, key: str) -> list[tuple]:
    return [
        tuple(r)
        for r in store.q(
            "SELECT r.rated_at, r.rating FROM reviews r JOIN questions q ON q.id = r.question_id"
            " WHERE q.key = :k ORDER BY r.rated_us",
            k=key,
        )
    ]


def card_row(store: Store, key: str) -> tuple:
    return tuple(
        store.q(
            "SELECT c.state, c.step, c.stability, c.difficulty, c.due, c.last_review FROM cards c"
            " JOIN questions q ON q.id = c.question_id WHERE q.key = :k",
            k=key,
        ).one()
    )


def replayed(store: Store, key: str) -> tuple:
    """The card the question's whole log gives (what a carried-over card must be)."""
    q = store.q("SELECT id, added_at FROM questions WHERE key = :k", k=key).one()
    log = [(must_time(at), rating) for at, rating in history(store, key)]
    card = replay(make_scheduler(0.9), q.id, must_time(q.added_at), log)
    return card.state.value, card.step, round(card.stability, 9), round(card.difficulty, 9)


def rollup(store: Store) -> dict[str, list[tuple]]:
    return {
        t: [tuple(r) for r in store.conn.exec_driver_sql(f"SELECT * FROM {t} ORDER BY 1, 2, 3").all()]
        for t in stats_rollup.ROLLUP_TABLES
    }


def rename_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert f'id = "{old}"' in text
    path.write_text(text.replace(f'id = "{old}"', f'id = "{new}"'), encoding="utf-8")


@pytest.fixture
def mine(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder of two banks, `nlp` and `stats` (three questions each), registered and read."""
    monkeypatch.setattr(bank_sync, "builtin_files", lambda: [])
    folder = tmp_path / "mine"
    folder.mkdir()
    write_bank(folder / "nlp.toml", "nlp", n=3)
    write_bank(folder / "stats.toml", "stats", n=3)
    store.banks.add_source(folder, START)
    sync_banks(store, START)
    return folder


def test_a_renamed_id_takes_over_the_card_and_reviews(store: Store, mine: Path) -> None:
    rate(store, "nlp/q2", Rating.Good, START)
    rate(store, "nlp/q2", Rating.Hard, START + timedelta(days=1))
    before, card_before, stats_before = history(store, "nlp/q2"), card_row(store, "nlp/q2"), rollup(store)
    rename_in(mine / "nlp.toml", "q2", "tokenisers")
    report = sync_banks(store, START + timedelta(days=2))
    (result,) = report.changed
    assert (result.added, result.retired, [(r.old, r.new, r.reviews) for r in result.renamed]) == (
        0,
        0,
        [("nlp/q2", "nlp/tokenisers", 2)],
    )
    assert history(store, "nlp/tokenisers") == before and card_row(store, "nlp/tokenisers") == card_before
    assert rollup(store) == stats_before
    assert store.banks.question_by_key("nlp/q2") is None  # one question, not a retired copy
    assert store.banks.renamed_to("nlp/q2") == "nlp/tokenisers"
    assert not sync_banks(store, START + timedelta(days=2)).changed  # settled in one run
    # undo still takes back the last rating, made under the old id
    undone = store.cards.undo_last()
    assert undone is not None and len(history(store, "nlp/tokenisers")) == 1


def test_a_question_moved_to_another_bank_keeps_its_history_and_its_stats_follow(
    store: Store, mine: Path
) -> None:
    rate(store, "nlp/q1", Rating.Again, START)
    text = (mine / "nlp.toml").read_text(encoding="utf-8")
    block = text[text.index('[[questions]]\nid = "q1"') : text.index('[[questions]]\nid = "q2"')]
    (mine / "nlp.toml").write_text(text.replace(block, ""), encoding="utf-8")
    stats = (mine / "stats.toml").read_text(encoding="utf-8")
    moved = block.replace('id = "q1"', 'id = "from-nlp"').replace('prompt = "Q', 'prompt = "  q')
    (mine / "stats.toml").write_text(stats + "\n" + moved, encoding="utf-8")
    report = sync_banks(store, START + timedelta(hours=1))
    renamed = {r.bank_id: [(x.old, x.new) for x in r.renamed] for r in report.changed}
    assert renamed == {"stats": [("nlp/q1", "stats/from-nlp")]}  # nlp's only change was the move
    record = store.banks.question_by_key("stats/from-nlp")
    assert record is not None and record.question.bank_id == "stats" and not record.retired
    assert len(history(store, "stats/from-nlp")) == 1
    counted = rollup(store)
    assert {row[2] for row in counted["stats_days"]} == {"stats"}  # the answer counts in its bank now
    with store.write() as conn:
        stats_rollup.rebuild(conn.raw)
    assert rollup(store) == counted


def test_an_edited_prompt_or_an_ambiguous_one_is_not_a_rename_and_is_told(store: Store, mine: Path) -> None:
    rate(store, "nlp/q1", Rating.Good, START)
    rate(store, "nlp/q3", Rating.Good, START)
    text = (mine / "nlp.toml").read_text(encoding="utf-8")
    text = text.replace('id = "q1"', 'id = "first"').replace(
        "Question 1 of nlp?", "Question 1 of nlp, again?"
    )
    (mine / "nlp.toml").write_text(text.replace('id = "q3"', 'id = "third"'), encoding="utf-8")
    # ... and a second file adds a question with q3's prompt too: which one is q3 now?
    write_bank(mine / "copy.toml", "copy", n=3, prompt_prefix="Question")
    (mine / "copy.toml").write_text(
        (mine / "copy.toml").read_text().replace("Question 3 of copy?", "Question 3 of nlp?")
    )
    report = sync_banks(store, START + timedelta(hours=1))
    nlp = next(r for r in report.changed if r.bank_id == "nlp")
    assert not nlp.renamed and nlp.retired == 2 and {q.key for q in nlp.gone} == {"nlp/q1", "nlp/q3"}
    assert len(history(store, "nlp/q1")) == 1 and store.banks.question_by_key("nlp/first") is not None
    notes, warnings = sync_lines(report.changed)
    (line,) = warnings
    assert "nlp/q1" in line and "nlp/q3" in line and "question rename" in line and not notes


def test_many_retired_questions_are_named_a_few_then_counted(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "big"
    folder.mkdir()
    write_bank(folder / "big.toml", "big", n=6)
    store.banks.add_source(folder, START)
    sync_banks(store, START)
    for i in range(1, 6):
        rate(store, f"big/q{i}", Rating.Good, START)
    write_bank(folder / "big.toml", "big", n=6, prompt_prefix="Reworded")  # new prompts, new ids
    text = (folder / "big.toml").read_text(encoding="utf-8")
    (folder / "big.toml").write_text(text.replace('id = "q', 'id = "new-q'), encoding="utf-8")
    report = sync_banks(store, START + timedelta(hours=1))
    _notes, warnings = sync_lines(report.changed)
    (line,) = [w for w in warnings if w.startswith("big:")]
    named = [f"big/q{i}" for i in range(1, 6) if f"big/q{i} " in line]
    assert len(named) == 3 and "and 2 more" in line and "big/q6" not in line  # q6 had no reviews


def _bank_text(bank: str, questions: list[tuple[str, str]]) -> str:
    lines = [f'id = "{bank}"', f'title = "{bank}"', 'round = "technical"', 'topic = "t"', ""]
    for qid, prompt in questions:
        lines += ["[[questions]]", f'id = "{qid}"', f"prompt = {prompt!r}", 'answer = "A."']
        lines += ['key_points = ["first point", "second point"]', ""]
    return "\n".join(lines).replace("'", '"')


FATES = st.sampled_from(["keep", "rename", "move", "edit", "delete"])


@settings(max_examples=20, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("ab"), FATES, st.integers(0, 2)), min_size=1, max_size=6))
def test_one_sync_of_any_renames_moves_edits_and_deletions_keeps_every_review_where_it_belongs(plan) -> None:
    root = Path(tempfile.mkdtemp(prefix="mockprep-renames-"))
    saved = bank_sync.builtin_files
    bank_sync.builtin_files = lambda: []
    try:
        # (a bank holds a question that stays, so that no file is left without questions: invalid)
        files: dict[str, list[tuple[str, str]]] = {b: [("stays", f"Stays in {b}?")] for b in "ab"}
        for index, (bank, _fate, _reviews) in enumerate(plan):
            files[bank].append((f"q{index}", f"Question number {index} about topic {bank}?"))
        for bank, questions in files.items():
            (root / f"{bank}.toml").write_text(_bank_text(bank, questions), encoding="utf-8")
        with Store.open(root / "home", backups=False) as store:
            store.banks.add_source(root, START)
            sync_banks(store, START)
            after: dict[str, list[tuple[str, str]]] = {b: [("stays", f"Stays in {b}?")] for b in "ab"}
            expect = {"a/stays": 0, "b/stays": 0}  # key -> reviews it must hold after the sync
            for index, (bank, fate, reviews) in enumerate(plan):
                for minute in range(reviews):
                    rate(store, f"{bank}/q{index}", Rating.Good, START + timedelta(days=minute))
                prompt = f"Question number {index} about topic {bank}?"
                target = "b" if fate == "move" and bank == "a" else "a" if fate == "move" else bank
                new = f"q{index}" if fate == "keep" else f"n{index}"
                if fate != "delete":
                    text = (
                        prompt + " Why?" if fate == "edit" else prompt.upper() if fate == "move" else prompt
                    )
                    after[target].append((new, text))
                kept = fate in ("keep", "rename", "move")
                if fate != "delete":
                    expect[f"{target}/{new}"] = reviews if kept else 0
                if not kept:
                    expect[f"{bank}/q{index}"] = reviews  # retired, with its history
            for bank, questions in after.items():
                (root / f"{bank}.toml").write_text(_bank_text(bank, questions), encoding="utf-8")
            report = sync_banks(store, START + timedelta(days=5))
            got = {k: n for k, n in db_rows_of(store, "SELECT q.key, COUNT(r.id) FROM questions q"
                                               " LEFT JOIN reviews r ON r.question_id = q.id GROUP BY q.id")}  # fmt: skip
            assert got == expect
            renamed = sum(len(r.renamed) for r in report.changed)
            assert renamed == sum(fate in ("rename", "move") for _b, fate, _n in plan)
            counted = rollup(store)
            with store.write() as conn:
                stats_rollup.rebuild(conn.raw)
            assert rollup(store) == counted
    finally:
        bank_sync.builtin_files = saved
        shutil.rmtree(root, ignore_errors=True)


def db_rows_of(store: Store, sql: str) -> list[tuple]:
    return [tuple(r) for r in store.q(sql)]


# -- other devices, older exports ---------------------------------------------------------------------


def _device(root: Path, name: str) -> Device:
    banks = root / f"{name}-banks"
    banks.mkdir()
    write_bank(banks / "b.toml", "gen", n=3)
    return Device(root, name, banks)


def test_devices_that_rename_at_different_times_converge_and_lose_no_review(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bank_sync, "builtin_files", lambda: [])
    folder = tmp_path / "Dropbox"
    folder.mkdir()
    laptop, desk = _device(tmp_path, "laptop"), _device(tmp_path, "desk")
    try:
        clock = START
        for device in (laptop, desk, laptop):
            rate(device.store, "gen/q1", Rating.Good, clock := clock + timedelta(minutes=5))
            device.sync(folder, clock)
        rename_in(tmp_path / "laptop-banks" / "b.toml", "q1", "warm-up")  # the laptop's copy first
        sync_banks(laptop.store, clock)
        rate(laptop.store, "gen/warm-up", Rating.Hard, clock := clock + timedelta(days=1))
        # the desk still has the old key: a review, a flag and a story link made under it
        rate(desk.store, "gen/q1", Rating.Easy, clock := clock + timedelta(minutes=1))
        desk.store.cards.set_flagged(desk.store.banks.question_by_key("gen/q1").id, True, clock)
        desk.write_story("Warm-ups", "I warmed up", clock)
        desk.store.stories.link(desk.store.q("SELECT id FROM stories").scalar_one(), "gen/q1", clock)
        for device in (laptop, desk, laptop):
            device.sync(folder, clock)
        assert len(history(laptop.store, "gen/warm-up")) == 5  # the desk's review under the old key too
        assert [key for _s, key in laptop.store.stories.links()] == ["gen/warm-up"]
        assert [h.record.question.key for h in laptop.store.questions.marked(("flagged",), clock)] == [
            "gen/warm-up"
        ]
        rename_in(tmp_path / "desk-banks" / "b.toml", "q1", "warm-up")  # the desk's copy catches up
        sync_banks(desk.store, clock)
        for device in (desk, laptop, desk):
            report = device.sync(folder, clock)
            assert not report.merged.waiting
        assert laptop.state() == desk.state()
        assert len(history(desk.store, "gen/warm-up")) == 5
        assert desk.store.stories.links() == laptop.store.stories.links()
        assert [h.record.question.key for h in desk.store.questions.marked(("flagged",), clock)] == [
            "gen/warm-up"
        ]
        assert laptop.stored_cards() == laptop.replayed_cards()
    finally:
        laptop.close()
        desk.close()


def test_an_export_made_before_the_rename_merges_into_the_renamed_question(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bank_sync, "builtin_files", lambda: [])
    laptop, desk = _device(tmp_path, "laptop"), _device(tmp_path, "desk")
    try:
        rate(laptop.store, "gen/q2", Rating.Good, START)
        rate(laptop.store, "gen/q2", Rating.Good, START + timedelta(days=1))
        out = io.StringIO()
        write_export(laptop.store, out, START + timedelta(days=1), "test")
        (tmp_path / "laptop.json").write_text(out.getvalue(), encoding="utf-8")
        rate(desk.store, "gen/q2", Rating.Hard, START + timedelta(hours=1))
        rename_in(tmp_path / "desk-banks" / "b.toml", "q2", "tokenisers")
        sync_banks(desk.store, START + timedelta(days=2))
        head, questions = read_export(tmp_path / "laptop.json")
        summary = desk.store.bulk.merge_data(head, questions, START + timedelta(days=2))
        assert summary.reviews == 2 and not summary.waiting
        assert len(history(desk.store, "gen/tokenisers")) == 3
        assert desk.stored_cards() == desk.replayed_cards()
    finally:
        laptop.close()
        desk.close()


def test_a_restore_into_a_home_whose_question_was_renamed_keeps_no_alias_of_the_replaced_rows(
    store: Store, mine: Path, tmp_path: Path
) -> None:
    rename_in(mine / "nlp.toml", "q2", "tokenisers")  # (no reviews: a rename all the same)
    sync_banks(store, START)
    assert store.banks.renamed_to("nlp/q2") == "nlp/tokenisers"
    other = tmp_path / "other"
    other.mkdir()
    write_bank(other / "gen.toml", "gen", n=3)
    with Store.open(tmp_path / "other-home", backups=False) as source:
        source.banks.add_source(other, START)
        sync_banks(source, START)
        rate(source, "gen/q2", Rating.Good, START)
        out = io.StringIO()
        write_export(source, out, START, "test")
    (tmp_path / "other.json").write_text(out.getvalue(), encoding="utf-8")
    head, questions = read_export(tmp_path / "other.json")
    store.bulk.import_data(head, questions, START)
    with Store.open(store.path.parent, backups=False) as restored:
        assert restored.banks.renamed_to("nlp/q2") is None  # not some question of the export


def restore_export(store: Store, tmp_path: Path, now: datetime) -> None:
    """Export ``store`` as JSON and import it into a fresh home at ``tmp_path / "restored"``."""
    out = io.StringIO()
    write_export(store, out, now, "test")
    (tmp_path / "export.json").write_text(out.getvalue(), encoding="utf-8")
    with Store.open(tmp_path / "restored", backups=False) as restored:
        head, questions = read_export(tmp_path / "export.json")
        restored.bulk.import_data(head, questions, now)


def test_a_restored_export_still_knows_the_old_keys(store: Store, mine: Path, tmp_path: Path) -> None:
    rate(store, "nlp/q2", Rating.Good, START)
    rename_in(mine / "nlp.toml", "q2", "tokenisers")
    sync_banks(store, START + timedelta(hours=1))
    restore_export(store, tmp_path, START + timedelta(hours=1))
    with Store.open(tmp_path / "restored", backups=False) as restored:
        assert restored.banks.renamed_to("nlp/q2") == "nlp/tokenisers"
        event = {"t": "marks", "uid": "m", "key": "nlp/q2", "changed_at": "2026-03-03 10:00:00.000",
                 "flagged_at": "2026-03-03T10:00:00+00:00"}  # fmt: skip
        assert merge_events(restored, [event], origin="laptop").marks == 1  # a line under the old key


def test_an_old_key_a_question_has_taken_since_is_not_exported_as_an_alias(
    store: Store, mine: Path, tmp_path: Path
) -> None:
    """A renamed question's old id given to another question made an export its own import refused
    ("'nlp/q2' is a question's own key; nothing imported"; found by an independent review)."""
    rename_in(mine / "nlp.toml", "q2", "tokenisers")
    sync_banks(store, START + timedelta(hours=1))
    text = (mine / "nlp.toml").read_text(encoding="utf-8")
    added = '[[questions]]\nid = "q2"\nprompt = "Another question?"\nanswer = "Another."\n'
    (mine / "nlp.toml").write_text(text + added + 'key_points = ["one point", "two points"]\n', "utf-8")
    sync_banks(store, START + timedelta(hours=2))
    restore_export(store, tmp_path, START + timedelta(hours=2))
    with Store.open(tmp_path / "restored", backups=False) as restored:
        assert restored.banks.question_by_key("nlp/q2") is not None
        assert restored.banks.question_by_key("nlp/tokenisers") is not None


@pytest.mark.parametrize(
    ("alias", "named"),
    [
        ({"key": "nlp/q2", "question": "nlp/none"}, "question_aliases[0].question"),
        ({"key": "nlp/q1", "question": "nlp/tokenisers"}, "question_aliases[0].key"),
        ({"key": "nlp/q2"}, "question_aliases[0].question"),
    ],
)
def test_a_wrong_alias_in_an_export_is_named_and_nothing_is_imported(
    store: Store, mine: Path, tmp_path: Path, alias: dict, named: str
) -> None:
    import json

    from mockprep.core.export_checks import RecordProblem

    rename_in(mine / "nlp.toml", "q2", "tokenisers")
    sync_banks(store, START)
    out = io.StringIO()
    write_export(store, out, START, "test")
    doc = {k: v for k, v in json.loads(out.getvalue()).items() if k != "question_aliases"}
    bulk = doc.pop("questions")
    doc |= {"question_aliases": [alias], "questions": bulk}  # (the small sections come first)
    (tmp_path / "wrong.json").write_text(json.dumps(doc), encoding="utf-8")
    with Store.open(tmp_path / "target", backups=False) as target:
        head, questions = read_export(tmp_path / "wrong.json")
        with pytest.raises(RecordProblem, match=named.replace("[", r"\[").replace("]", r"\]")):
            target.bulk.import_data(head, questions, START)
        assert target.q("SELECT COUNT(*) FROM questions").scalar() == 0


def test_a_story_linked_to_the_old_key_is_linked_to_the_new_one(store: Store, tmp_path: Path) -> None:
    from mockprep.core.stories import StoryDraft

    folder = tmp_path / "beh"
    folder.mkdir()
    write_bank(folder / "b.toml", "beh", round="behavioral", n=2)
    store.banks.add_source(folder, START)
    sync_banks(store, START)
    draft = StoryDraft.from_dict(
        {"title": "Outage", "competencies": ["communication"], "situation": "S", "task": "T",
         "action": "A", "result": "R", "reflection": ""}
    )  # fmt: skip
    story = store.stories.create(draft, START)
    store.stories.link(story, "beh/q1", START)
    rate(store, "beh/q1", Rating.Good, START)
    rename_in(folder / "b.toml", "q1", "told-bad-news")
    sync_banks(store, START + timedelta(hours=1))
    assert [key for _s, key in store.stories.links(story)] == ["beh/told-bad-news"]


# -- by hand: mockprep question rename ----------------------------------------------------------------


def test_rename_by_hand_joins_both_histories_and_the_card_is_their_replay(store: Store, mine: Path) -> None:
    rate(store, "nlp/q1", Rating.Good, START)
    rate(store, "nlp/q1", Rating.Good, START + timedelta(days=1))
    text = (mine / "nlp.toml").read_text(encoding="utf-8")
    block = text[text.index('[[questions]]\nid = "q1"') : text.index('[[questions]]\nid = "q2"')]
    (mine / "nlp.toml").write_text(text.replace(block, ""), encoding="utf-8")
    moved = block.replace('id = "q1"', 'id = "bpe"').replace("Question 1 of nlp?", "How does BPE work?")
    (mine / "stats.toml").write_text((mine / "stats.toml").read_text() + "\n" + moved, encoding="utf-8")
    sync_banks(store, START + timedelta(days=2))  # not the same prompt: retired, and stats/bpe is new
    rate(store, "stats/bpe", Rating.Again, START + timedelta(days=3))
    store.cards.set_flagged(store.banks.question_by_key("stats/bpe").id, True, START + timedelta(days=3))
    joined = store.banks.carry_over(store.banks.question_by_key("nlp/q1").id, "stats/bpe")
    assert joined == 1
    assert len(history(store, "stats/bpe")) == 3 and store.banks.question_by_key("nlp/q1") is None
    state, step, stability, difficulty, _due, _last = card_row(store, "stats/bpe")
    assert (state, step, round(stability, 9), round(difficulty, 9)) == replayed(store, "stats/bpe")
    flagged = store.questions.marked(("flagged",), START)
    assert [hit.record.question.key for hit in flagged] == ["stats/bpe"]
    counted = rollup(store)
    assert {row[2] for row in counted["stats_days"]} == {"stats"}
    with store.write() as conn:
        stats_rollup.rebuild(conn.raw)
    assert rollup(store) == counted


def one_answered(cli, home: Path, tmp_path: Path) -> tuple[Path, str]:
    """A folder with the bank `ds` (three questions) added, one of them answered in a session: the
    folder and the key answered."""
    folder = tmp_path / "notes"
    folder.mkdir()
    write_bank(folder / "ds.toml", "ds", n=3)
    assert cli("bank", "add", str(folder)).exit_code == 0
    assert cli("session", "--bank", "ds", "--new", "1", input="my answer\n\n3\nq\n").exit_code == 0
    ((answered,),) = db_rows(home, "SELECT q.key FROM reviews r JOIN questions q ON q.id = r.question_id")
    return folder, answered


def test_question_rename_on_the_command_line(cli, home: Path, tmp_path: Path) -> None:
    folder, answered = one_answered(cli, home, tmp_path)
    old_id = answered.split("/")[1]
    text = (folder / "ds.toml").read_text(encoding="utf-8").replace(f'id = "{old_id}"', 'id = "renamed"')
    (folder / "ds.toml").write_text(text.replace("Question", "Reworded"), encoding="utf-8")
    told = cli("bank", "sync")
    assert told.exit_code == 0 and answered in told.stderr and "question rename" in told.stderr
    other = next(k for k in ("ds/q1", "ds/q2", "ds/q3") if k != answered)
    refused = {
        "active old": cli("question", "rename", "ds/renamed", other),
        "no reviews": cli("question", "rename", other, "ds/renamed"),
        "unknown": cli("question", "rename", "ds/nothing", "ds/renamed"),
    }
    for what, result in refused.items():
        assert result.exit_code != 0 and result.stderr.count("\n") == 1, what
        assert "Traceback" not in result.stderr, what
    done = cli("question", "rename", old_id, "renamed")  # ids alone do
    assert done.exit_code == 0 and answered in done.stdout and "ds/renamed" in done.stdout
    assert db_rows(
        home, "SELECT q.key, COUNT(*) FROM reviews r JOIN questions q ON q.id = r.question_id"
    ) == [("ds/renamed", 1)]
    again = cli("question", "rename", answered, "ds/renamed")
    assert again.exit_code == 0 and "nothing to do" in again.stdout
    shown = cli("question", "show", answered)  # the old key still finds it
    assert shown.exit_code == 0 and "ds/renamed" in shown.stdout


# -- what the commands say ----------------------------------------------------------------------------


def test_the_sync_before_a_session_tells_of_a_rename_once(cli, home: Path, tmp_path: Path) -> None:
    folder, answered = one_answered(cli, home, tmp_path)
    rename_in(folder / "ds.toml", answered.split("/")[1], "class-imbalance")
    session = cli("session", "--bank", "ds", input="q\n")
    assert session.exit_code == 0
    (line,) = [line for line in session.stderr.splitlines() if "renamed" in line]
    assert answered in line and "ds/class-imbalance" in line and "progress kept" in line
    assert db_rows(
        home, "SELECT q.key, COUNT(*) FROM reviews r JOIN questions q ON q.id = r.question_id"
    ) == [("ds/class-imbalance", 1)]
    assert "renamed" not in cli("session", "--bank", "ds", input="q\n").stderr  # told once
    rename_in(folder / "ds.toml", "class-imbalance", "imbalance")  # and back again (another name)
    synced = cli("bank", "sync")
    assert "ds: 1 renamed" in synced.stdout and "ds/class-imbalance → ds/imbalance" in synced.stdout
    assert cli("bank", "sync").stdout.strip() == "All banks are up to date."
    text = (folder / "ds.toml").read_text(encoding="utf-8")  # the question deleted: retired, and told
    start = text.index('[[questions]]\nid = "imbalance"')
    end = text.find("[[questions]]", start + 1)
    (folder / "ds.toml").write_text(text[:start] + (text[end:] if end > 0 else ""), encoding="utf-8")
    session = cli("session", "--bank", "ds", input="q\n")
    (line,) = [line for line in session.stderr.splitlines() if "ds/imbalance" in line]
    assert line.startswith("warning:") and "1 review" in line and "question rename ds/imbalance" in line
