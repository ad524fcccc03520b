"""A retired question set aside (its id given to another prompt): its history found again by its prompt,
and set aside alike on every device, whichever versions of the bank file each saw.

Found by an independent reviewer of b5c4d09: a retired id given back its own prompt after another
question had it made a new question (the history stayed set aside); a review of the old prompt merged
later under the id (import --merge of an older export, another device's line) went to the new question;
and a device that saw the file change in one step kept the old history on the id under the new prompt
while one that saw each version set it aside.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from mockprep.db.store import Store
from mockprep.services import bank_sync
from mockprep.services.bank_sync import sync_banks
from mockprep.services.folder_sync import sync_folder
from tests.conftest import START
from tests.test_reused_ids import PROMPTS, answer, bank_text, misfiled


def _reviews(store: Store) -> dict[str, str]:
    """Each review (by its global id) with the key of the question it is on."""
    return dict(
        store.q("SELECT hex(r.uid), q.key FROM reviews r JOIN questions q ON q.id = r.question_id").all()
    )


def test_a_retired_id_given_its_own_prompt_back_after_another_had_it_restores_its_history(
    store: Store, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setattr(bank_sync, "builtin_files", lambda: [])
    path = tmp_path / "renum.toml"
    versions = [
        {"q1": PROMPTS["over"], "q2": PROMPTS["under"]},
        {"q1": PROMPTS["over"]},
        {"q1": PROMPTS["over"], "q2": PROMPTS["cv"]},
        {"q1": PROMPTS["over"]},
        {"q1": PROMPTS["over"], "q2": PROMPTS["under"]},
    ]
    path.write_text(bank_text(versions[0]), encoding="utf-8")
    store.banks.add_source(path, START)
    sync_banks(store, START)
    answer(store, "renum/q2", START + timedelta(minutes=1))
    for minute, version in enumerate(versions[1:], start=2):
        path.write_text(bank_text(version), encoding="utf-8")
        report = sync_banks(store, START + timedelta(minutes=minute))
    (result,) = report.changed
    assert (result.restored, result.added) == (1, 0)
    record = store.banks.question_by_key("renum/q2")
    assert record is not None and record.question.spec.prompt == PROMPTS["under"]
    assert store.questions.review_count(record.id) == 1 and misfiled(store) == []


def _two_homes(tmp_path: Path, first: dict[str, str]) -> tuple[Store, Store, Path]:
    folder = tmp_path / "folder"
    folder.mkdir()
    homes = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "renum.toml").write_text(bank_text(first), encoding="utf-8")
        homes.append(Store.open(tmp_path / f"home-{name}", backups=False))
        homes[-1].banks.add_source(tmp_path / name / "renum.toml", START)
        sync_banks(homes[-1], START)
    return homes[0], homes[1], folder


def test_a_review_merged_later_under_the_id_goes_to_the_question_it_was_answered_to(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setattr(bank_sync, "builtin_files", lambda: [])
    a, b, folder = _two_homes(tmp_path, {"q1": PROMPTS["over"], "q2": PROMPTS["under"], "q3": PROMPTS["cv"]})
    try:
        for store in (a, b):
            sync_folder(store, folder, START)
        answer(b, "renum/q2", START + timedelta(minutes=1))  # answered to underfitting on b ...
        for version, minute in (({"q1": PROMPTS["over"], "q3": PROMPTS["cv"]}, 2), ({"q1": PROMPTS["over"],
                                "q2": PROMPTS["cv"]}, 3)):  # fmt: skip
            (tmp_path / "a" / "renum.toml").write_text(bank_text(version), encoding="utf-8")
            sync_banks(a, START + timedelta(minutes=minute))
        sync_folder(b, folder, START + timedelta(minutes=4))
        sync_folder(a, folder, START + timedelta(minutes=4))  # ... read on a after q2 was renumbered
        assert misfiled(a) == []
        (kept,) = _reviews(a).values()
        assert kept.startswith("renum/q2-retired-")
    finally:
        a.close()
        b.close()


def test_a_device_that_saw_the_id_change_prompt_in_one_step_sets_the_same_history_aside(
    tmp_path: Path, monkeypatch
) -> None:
    """a reads each version (q2 deleted, then q3 renumbered to q2), b only the last (q2's prompt changed in
    place, which keeps a history): a's set-aside line takes underfitting's reviews off b's q2 too. (Not
    yet the same everywhere: cross-validation's, which a's rename carried to q2 and b keeps on q3.)"""
    monkeypatch.setattr(bank_sync, "builtin_files", lambda: [])
    last = {"q1": PROMPTS["over"], "q2": PROMPTS["cv"]}
    a, b, folder = _two_homes(tmp_path, {"q1": PROMPTS["over"], "q2": PROMPTS["under"], "q3": PROMPTS["cv"]})
    try:
        for minute, key in enumerate(("renum/q1", "renum/q2", "renum/q3"), start=1):
            answer(b, key, START + timedelta(minutes=minute))
        for store in (b, a):
            sync_folder(store, folder, START + timedelta(minutes=5))
        (tmp_path / "a" / "renum.toml").write_text(
            bank_text({"q1": PROMPTS["over"], "q3": PROMPTS["cv"]}), encoding="utf-8"
        )
        sync_banks(a, START + timedelta(minutes=6))
        for store, minute in ((a, 7), (b, 8)):
            (tmp_path / store.path.parent.name[-1] / "renum.toml").write_text(
                bank_text(last), encoding="utf-8"
            )
            sync_banks(store, START + timedelta(minutes=minute))
        for store in (a, b, a):
            sync_folder(store, folder, START + timedelta(minutes=9))
        assert [misfiled(store) for store in (a, b)] == [[], []]
        under = "SELECT hex(r.uid), q.key FROM reviews r JOIN questions q ON q.id = r.question_id WHERE r.answer = :p"
        assert a.q(under, p=PROMPTS["under"]).all() == b.q(under, p=PROMPTS["under"]).all() != []
    finally:
        a.close()
        b.close()


# Found by an independent review of 31afc7c: a received set-aside left a retired row behind that a later
# rewording here acted on; a file reverted to the id's own prompt in one edit relabelled what the id held
# in between; a long id sent the wrong key. Every sequence ends with an ordinary rewording of q2.
REWORDED = "What is underfitting, and how do you spot it?"


def _edit(store: Store, version: dict[str, str], minute: int) -> None:
    path = store.path.parent.parent / store.path.parent.name[-1] / "renum.toml"
    path.write_text(bank_text(version), encoding="utf-8")
    sync_banks(store, START + timedelta(minutes=minute))


def _live_reviews(store: Store, key: str) -> int:
    record = store.banks.question_by_key(key)
    assert record is not None and not record.retired
    return store.questions.review_count(record.id)


@pytest.mark.parametrize("deleted_again", [True, False], ids=["restored-after-delete", "reverted"])
def test_a_rewording_after_another_device_gave_the_id_away_and_back_moves_no_history(
    tmp_path: Path, monkeypatch, deleted_again: bool
) -> None:
    """b answers underfitting twice; a deletes q2, gives it to cross-validation (both sync), then gives
    underfitting back (deleted first, or the file reverted in one edit); both sync; both then reword q2."""
    monkeypatch.setattr(bank_sync, "builtin_files", lambda: [])
    first = {"q1": PROMPTS["over"], "q2": PROMPTS["under"]}
    a, b, folder = _two_homes(tmp_path, first)
    try:
        for minute in (1, 2):
            answer(b, "renum/q2", START + timedelta(minutes=minute))
        for store in (b, a):
            sync_folder(store, folder, START + timedelta(minutes=3))
        _edit(a, {"q1": PROMPTS["over"]}, 4)
        _edit(a, {"q1": PROMPTS["over"], "q2": PROMPTS["cv"]}, 5)
        for store in (a, b):
            sync_folder(store, folder, START + timedelta(minutes=6))
        for minute, version in enumerate([{"q1": PROMPTS["over"]}] * deleted_again + [first], start=7):
            _edit(a, version, minute)
        for store in (a, b):
            sync_folder(store, folder, START + timedelta(minutes=10))
        assert [_live_reviews(store, "renum/q2") for store in (a, b)] == [2, 2]
        for store, minute in ((a, 11), (b, 12)):
            _edit(store, {"q1": PROMPTS["over"], "q2": REWORDED}, minute)
        for store in (b, a, b):
            sync_folder(store, folder, START + timedelta(minutes=13))
        assert [_live_reviews(store, "renum/q2") for store in (a, b)] == [2, 2]
    finally:
        a.close()
        b.close()


def test_a_file_reverted_to_the_ids_own_prompt_restores_it_and_sets_aside_what_it_held_in_between(
    store: Store, tmp_path: Path, monkeypatch
) -> None:
    """q2 underfitting (answered), deleted, q2 cross-validation (answered), then the file reverted to q2
    underfitting in one edit (a git revert): underfitting comes back with its review, cross-validation's
    is kept aside; a rewording of q2 after that keeps q2's history where it is."""
    monkeypatch.setattr(bank_sync, "builtin_files", lambda: [])
    path = tmp_path / "renum.toml"
    first = {"q1": PROMPTS["over"], "q2": PROMPTS["under"]}
    path.write_text(bank_text(first), encoding="utf-8")
    store.banks.add_source(path, START)
    sync_banks(store, START)
    answer(store, "renum/q2", START + timedelta(minutes=1))
    for minute, version in ((2, {"q1": PROMPTS["over"]}), (3, {"q1": PROMPTS["over"], "q2": PROMPTS["cv"]})):
        path.write_text(bank_text(version), encoding="utf-8")
        sync_banks(store, START + timedelta(minutes=minute))
    answer(store, "renum/q2", START + timedelta(minutes=4))
    path.write_text(bank_text(first), encoding="utf-8")
    (result,) = sync_banks(store, START + timedelta(minutes=5)).changed
    assert result.restored == 1 and [q.prompt for q in result.set_aside] == [PROMPTS["cv"]]
    assert misfiled(store) == [] and _live_reviews(store, "renum/q2") == 1
    path.write_text(bank_text({"q1": PROMPTS["over"], "q2": REWORDED}), encoding="utf-8")
    (result,) = sync_banks(store, START + timedelta(minutes=6)).changed
    assert not result.set_aside and _live_reviews(store, "renum/q2") == 1
    assert sorted(_reviews(store).values()) == sorted(["renum/q2", aside_key(store, PROMPTS["cv"])])


def aside_key(store: Store, prompt: str) -> str:
    return store.q(
        "SELECT key FROM questions WHERE retired_at IS NOT NULL AND json_extract(data, '$.prompt') = :p",
        p=prompt,
    ).scalar_one()


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", max_size=64), st.integers(50, 64))
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_a_long_id_set_aside_on_one_device_is_set_aside_on_another_that_saw_one_step(
    tmp_path_factory, chars: str, length: int
) -> None:
    """a gives a long id (shortened in the key it is kept under) to another prompt in two edits, b sees one:
    b sets aside the same reviews under the same key, and a rewording after that moves none."""
    base = ("q" + re.sub("-+", "-", chars) + "z" * 64)[: length - 1].rstrip("-")
    qid = base + "z" * (length - len(base))  # (a valid id of ``length`` characters, too long to keep whole)
    saved = bank_sync.builtin_files
    bank_sync.builtin_files = lambda: []
    tmp_path = tmp_path_factory.mktemp("long")
    a, b, folder = _two_homes(tmp_path, {"q1": PROMPTS["over"], qid: PROMPTS["under"]})
    try:
        answer(b, f"renum/{qid}", START + timedelta(minutes=1))
        for store in (b, a):
            sync_folder(store, folder, START + timedelta(minutes=2))
        _edit(a, {"q1": PROMPTS["over"]}, 3)
        for store in (a, b):
            _edit(store, {"q1": PROMPTS["over"], qid: PROMPTS["cv"]}, 4)
        for store in (a, b, a):
            sync_folder(store, folder, START + timedelta(minutes=5))
        assert [misfiled(store) for store in (a, b)] == [[], []]
        assert _reviews(a) == _reviews(b) and set(_reviews(a).values()) == {aside_key(a, PROMPTS["under"])}
        for store, minute in ((a, 6), (b, 7)):
            _edit(store, {"q1": PROMPTS["over"], qid: PROMPTS["cv"] + " (k-fold)"}, minute)
        for store in (a, b, a):
            sync_folder(store, folder, START + timedelta(minutes=8))
        assert _reviews(a) == _reviews(b) and set(_reviews(a).values()) == {aside_key(a, PROMPTS["under"])}
    finally:
        bank_sync.builtin_files = saved
        a.close()
        b.close()


# Two devices (the model of tests/test_reused_ids.py): versions of the bank file, each an edit of the one
# before (delete, add a free prompt, renumber).
_VERSIONS = st.lists(
    st.tuples(st.sampled_from(["delete", "add", "renumber"]), st.integers(0, 9), st.integers(0, 9)),
    min_size=1,
    max_size=6,
)


def _edited(file: dict[str, str], op: str, a: int, b: int) -> dict[str, str]:
    file = dict(file)
    ids = sorted(file)
    new = f"q{b % 5 + 1}"
    if op == "delete" and len(file) > 1:
        del file[ids[a % len(ids)]]
    elif op == "add" and new not in file:
        free = [p for p in PROMPTS.values() if p not in file.values()]
        if free:
            file[new] = free[a % len(free)]
    elif op == "renumber" and new not in file:
        file[new] = file.pop(ids[a % len(ids)])
    return file


@pytest.mark.xfail(
    reason="not converged yet: a rename (q3 -> q2) is not sent to other devices, and a device that reads a"
    " set-aside before its file changes keeps those reviews on the id (a received line leaves nothing"
    " for a later edit to act on: see take_aside)",
    strict=False,
)
# (no shrinking: it is expected to fail, and shrinking a failing two-device run took two minutes of CI)
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(_VERSIONS, st.lists(st.booleans(), min_size=6, max_size=6))
def test_two_devices_seeing_different_versions_of_the_file_keep_every_review_with_its_prompt(
    edits, b_sees
) -> None:
    _two_devices(edits, b_sees)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_VERSIONS, st.sampled_from(["", REWORDED]))
def test_two_devices_seeing_every_version_keep_every_review_with_its_prompt(edits, reword) -> None:
    """Both devices read every version (and, after the last, one rewording of q2 when it is there)."""
    _two_devices(edits, [True] * len(edits), reword)


def _two_devices(edits, b_sees, reword: str = "") -> None:
    """Device a reads every version of the file, device b only some (a sync tool skipping the ones in
    between); both answer every question of the version they have and exchange their lines before the
    next edit. In the end both hold every review on the question whose prompt it was answered to, and on
    the same key; a rewording of q2 then moves none."""
    saved = bank_sync.builtin_files
    bank_sync.builtin_files = lambda: []
    root = Path(tempfile.mkdtemp(prefix="mockprep-aside-"))
    stores: list[Store] = []
    try:
        folder = root / "folder"
        folder.mkdir()
        file = {"q1": PROMPTS["over"], "q2": PROMPTS["under"], "q3": PROMPTS["cv"]}
        paths = []
        for name in ("a", "b"):
            (root / name).mkdir()
            paths.append(root / name / "renum.toml")
            paths[-1].write_text(bank_text(file), encoding="utf-8")
            stores.append(Store.open(root / f"home-{name}", backups=False))
            stores[-1].banks.add_source(paths[-1], START)
            sync_banks(stores[-1], START)
        at = START

        def exchange() -> None:
            for store in (*stores, stores[0]):
                sync_folder(store, folder, at)

        exchange()
        for step, (op, x, y) in enumerate(edits):
            for store in stores:
                live = store.q("SELECT key FROM questions WHERE retired_at IS NULL AND bank_id = 'renum'")
                for (key,) in live.all():
                    at += timedelta(minutes=1)
                    answer(store, key, at)
            exchange()
            file = _edited(file, op, x, y)
            for store, path, sees in zip(stores, paths, (True, b_sees[step]), strict=True):
                if sees:
                    at += timedelta(minutes=1)
                    path.write_text(bank_text(file), encoding="utf-8")
                    sync_banks(store, at)

        def catch_up() -> None:
            nonlocal at
            exchange()
            for store, path in zip(stores, paths, strict=True):
                at += timedelta(minutes=1)
                path.write_text(bank_text(file), encoding="utf-8")
                sync_banks(store, at)
            exchange()
            exchange()

        catch_up()
        assert [misfiled(store) for store in stores] == [[], []]
        assert _reviews(stores[0]) == _reviews(stores[1])
        if reword and "q2" in file:  # (a rewording moves no history, on either device)
            before = _reviews(stores[0])
            file["q2"] = reword
            catch_up()
            assert [_reviews(store) for store in stores] == [before, before]
    finally:
        bank_sync.builtin_files = saved
        for store in stores:
            store.close()
        shutil.rmtree(root, ignore_errors=True)


def test_a_set_aside_whose_bank_is_not_here_is_told_as_a_record_of_a_question_not_here(
    tmp_path: Path, monkeypatch
) -> None:
    """Found by an exploratory tester: a second device without the bank said '1 review waits for its
    session, not here yet (a file still arriving)' for a set-aside line, which is no review and waits
    for no session: it is told with the other records of that bank's questions."""
    from mockprep.cli.merge_report import merge_report

    monkeypatch.setattr(bank_sync, "builtin_files", lambda: [])
    folder = tmp_path / "folder"
    folder.mkdir()
    path = tmp_path / "renum.toml"
    path.write_text(bank_text({"q1": PROMPTS["over"], "q2": PROMPTS["under"]}), encoding="utf-8")
    with Store.open(tmp_path / "home-a", backups=False) as a:
        a.banks.add_source(path, START)
        sync_banks(a, START)
        answer(a, "renum/q2", START + timedelta(minutes=1))
        for minute, version in (
            (2, {"q1": PROMPTS["over"]}),
            (3, {"q1": PROMPTS["over"], "q2": PROMPTS["cv"]}),
        ):
            path.write_text(bank_text(version), encoding="utf-8")
            sync_banks(a, START + timedelta(minutes=minute))
        sync_folder(a, folder, START + timedelta(minutes=4))
    with Store.open(tmp_path / "home-b", backups=False) as b:
        merged = sync_folder(b, folder, START + timedelta(minutes=5)).merged
        assert any(e.get("t") == "aside" for e in merged.waiting)
        assert len(merged.waiting) == len(merged.homeless)  # every record waits for its bank
        assert "waits for its session" not in merge_report(merged, "Synced", kept=True)
