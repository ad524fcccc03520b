"""A bank is its id: files renamed, moved, deleted, restored or registered twice never lose questions.

The CLI tests replay what a new user did (issue 11); the stateful test drives random sequences of
renames, moves, deletions, restores, edits and syncs against a plain model of which files are present.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fsrs import Rating
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from mockprep.core.bank_files import RACY_NS, FileStamp, unchanged_since
from mockprep.core.records import ReviewRecord
from mockprep.core.scheduler import make_scheduler, review
from mockprep.db.store import Store
from mockprep.services import bank_sync
from mockprep.services.bank_sync import add_path, sync_banks
from tests.conftest import START, db_rows, write_bank


def active_keys(home: Path, bank: str) -> list[str]:
    rows = db_rows(
        home, f"SELECT key FROM questions WHERE bank_id = '{bank}' AND retired_at IS NULL ORDER BY key"
    )
    return [key for (key,) in rows]


def reviews_of(home: Path, bank: str) -> int:
    rows = db_rows(
        home,
        f"SELECT COUNT(*) FROM reviews r JOIN questions q ON q.id = r.question_id WHERE q.bank_id = '{bank}'",
    )
    return rows[0][0]


def list_row(cli, bank: str) -> list[str]:
    """The questions, new and due-today counts of ``bank`` in ``bank list``."""
    for line in cli("bank", "list").stdout.splitlines():
        cells = line.split()
        if cells and cells[0] == bank:
            return cells[-3:]
    raise AssertionError(f"{bank} not in bank list")


def setup_folder(cli, tmp_path: Path) -> Path:
    folder = tmp_path / "DIR"
    folder.mkdir()
    write_bank(folder / "rl.toml", bank_id="my-rl")
    added = cli("bank", "add", str(folder))
    assert added.exit_code == 0, added.stderr
    answered = cli("session", "--bank", "my-rl", input="my answer\n\n3\nq\n")
    assert answered.exit_code == 0, answered.stderr
    return folder


MY_RL = ["my-rl/q1", "my-rl/q2", "my-rl/q3"]


# -- the repro of issue 11, step by step -------------------------------------------------------------


def test_a_file_renamed_away_and_back_brings_its_questions_and_history_back(cli, home, tmp_path) -> None:
    folder = setup_folder(cli, tmp_path)
    (folder / "rl.toml").rename(folder / "rl.moved")
    assert list_row(cli, "my-rl") == ["0", "0", "0"]  # never "0 questions, 1 new"
    (folder / "rl.moved").rename(folder / "rl.toml")
    synced = cli("bank", "sync")
    assert synced.exit_code == 0 and "my-rl: 3 restored" in synced.stdout, synced.stdout
    assert active_keys(home, "my-rl") == MY_RL and reviews_of(home, "my-rl") == 1
    assert list_row(cli, "my-rl")[:2] == ["3", "2"]  # 3 questions, 2 never answered
    assert cli("bank", "sync").stdout.strip() == "All banks are up to date."


def test_a_file_renamed_inside_its_folder_keeps_the_bank(cli, home, tmp_path) -> None:
    folder = setup_folder(cli, tmp_path)
    (folder / "rl.toml").rename(folder / "reinforcement.toml")
    synced = cli("bank", "sync")
    assert synced.exit_code == 0 and synced.stderr == "", synced.stderr
    assert synced.stdout.strip() == f"my-rl: now read from {folder.resolve() / 'reinforcement.toml'}"
    assert active_keys(home, "my-rl") == MY_RL and reviews_of(home, "my-rl") == 1
    shown = cli("bank", "show", "my-rl")
    assert str(folder / "reinforcement.toml") in shown.stdout
    session = cli("session", "--bank", "my-rl", input="q\n")
    assert session.exit_code == 0 and "unknown bank" not in session.stderr


def test_renamed_away_synced_then_renamed_to_a_new_name_is_found(cli, home, tmp_path) -> None:
    folder = setup_folder(cli, tmp_path)
    (folder / "rl.toml").rename(folder / "rl.moved")
    cli("bank", "sync")
    (folder / "rl.moved").rename(folder / "sub-reinforcement.toml")
    synced = cli("bank", "sync")
    assert "already used by" not in synced.stderr and "my-rl: 3 restored" in synced.stdout
    assert active_keys(home, "my-rl") == MY_RL and reviews_of(home, "my-rl") == 1


def test_remove_then_add_the_folder_again_reports_what_the_bank_holds(cli, home, tmp_path) -> None:
    folder = setup_folder(cli, tmp_path)
    (folder / "rl.toml").rename(folder / "rl.moved")
    cli("bank", "sync")
    (folder / "rl.moved").rename(folder / "reinforcement.toml")
    assert cli("bank", "remove", "my-rl").exit_code == 0
    flagged = cli("question", "flag", "my-rl/q1")  # (a listing shows active questions only)
    assert "Its bank 'my-rl' is removed: it is neither asked nor listed until mockprep bank add my-rl" in (
        " ".join(flagged.stdout.split())
    )
    for command in (("session", "--bank", "my-rl"), ("stats", "--bank", "my-rl")):  # not "unknown bank"
        refused = cli(*command, input="")
        assert refused.exit_code == 2
        assert "bank 'my-rl' was removed; bring it back with: mockprep bank add my-rl" in refused.stderr
    added = cli("bank", "add", str(folder))
    assert added.exit_code == 0, added.stderr
    assert "1 bank with 3 questions: my-rl (brought back: my-rl)" in added.stdout
    assert active_keys(home, "my-rl") == MY_RL and reviews_of(home, "my-rl") == 1
    assert list_row(cli, "my-rl")[0] == "3"


def test_a_file_then_its_folder_is_one_source(cli, home, tmp_path) -> None:
    folder = tmp_path / "DIR"
    folder.mkdir()
    write_bank(folder / "rl.toml", bank_id="my-rl")
    assert cli("bank", "add", str(folder / "rl.toml")).exit_code == 0
    added = cli("bank", "add", str(folder))
    assert added.exit_code == 0 and "1 bank with 3 questions" in added.stdout, added
    assert db_rows(home, "SELECT path FROM bank_sources") == [(str(folder.resolve()),)]
    again = cli("bank", "add", str(folder / "rl.toml"))
    assert again.exit_code == 0 and "already registered" in again.stdout, again
    assert db_rows(home, "SELECT path FROM bank_sources") == [(str(folder.resolve()),)]
    (folder / "rl.toml").rename(folder / "reinforcement.toml")
    synced = cli("bank", "sync")
    assert synced.stderr == "" and active_keys(home, "my-rl") == MY_RL


def test_the_same_folder_added_twice_is_one_source(cli, home, tmp_path) -> None:
    folder = setup_folder(cli, tmp_path)
    again = cli("bank", "add", str(folder))
    assert again.exit_code == 0 and "already registered" in again.stdout
    assert db_rows(home, "SELECT COUNT(*) FROM bank_sources") == [(1,)]
    assert "All banks are up to date." in cli("bank", "sync").stdout


def test_a_registered_file_that_moved_is_taken_over_by_adding_its_new_path(cli, home, tmp_path) -> None:
    path = write_bank(tmp_path / "rl.toml", bank_id="my-rl")
    assert cli("bank", "add", str(path)).exit_code == 0
    cli("session", "--bank", "my-rl", input="my answer\n\n3\nq\n")
    moved = tmp_path / "elsewhere"
    moved.mkdir()
    path.rename(moved / "reinforcement.toml")
    warned = cli("bank", "sync")
    assert "missing" in warned.stderr and "bank add" in warned.stderr  # says how to point at the new place
    added = cli("bank", "add", str(moved / "reinforcement.toml"))
    assert added.exit_code == 0 and "1 bank with 3 questions" in added.stdout, added
    assert db_rows(home, "SELECT path FROM bank_sources") == [
        (str((moved / "reinforcement.toml").resolve()),)
    ]
    assert cli("bank", "sync").stdout.strip() == "All banks are up to date."
    assert reviews_of(home, "my-rl") == 1


def test_a_file_moved_out_and_added_from_anywhere_brings_the_history_back(cli, home, tmp_path) -> None:
    folder = setup_folder(cli, tmp_path)
    attic = tmp_path / "attic"
    attic.mkdir()
    (folder / "rl.toml").rename(attic / "anything.toml")
    cli("bank", "sync")
    assert active_keys(home, "my-rl") == []
    added = cli("bank", "add", str(attic / "anything.toml"))
    assert added.exit_code == 0 and "1 bank with 3 questions" in added.stdout, added
    assert active_keys(home, "my-rl") == MY_RL and reviews_of(home, "my-rl") == 1


def test_a_second_live_file_with_the_same_id_names_the_file_that_has_it(cli, home, tmp_path) -> None:
    folder = setup_folder(cli, tmp_path)
    shutil.copy(folder / "rl.toml", folder / "copy.toml")
    synced = cli("bank", "sync")
    (line,) = synced.stderr.splitlines()
    assert line.startswith(f"warning: {folder / 'copy.toml'}: bank id 'my-rl' is already used by")
    assert str(folder / "rl.toml") in line
    assert active_keys(home, "my-rl") == MY_RL


def test_a_comment_only_edit_changes_nothing(cli, home, tmp_path) -> None:
    folder = setup_folder(cli, tmp_path)
    with (folder / "rl.toml").open("a") as handle:
        handle.write("# a comment\n")
    assert cli("bank", "sync").stdout.strip() == "All banks are up to date."


def test_sync_settles_in_one_run_after_any_change(cli, home, tmp_path) -> None:
    folder = setup_folder(cli, tmp_path)
    write_bank(folder / "rl.toml", bank_id="my-rl", n=2, prompt_prefix="Reworded")
    (folder / "sub").mkdir()
    (folder / "rl.toml").rename(folder / "sub" / "renamed.toml")
    first = cli("bank", "sync")
    assert re.search(r"my-rl: .*2 updated.*1 retired", first.stdout), first.stdout
    assert cli("bank", "sync").stdout.strip() == "All banks are up to date."


def test_restoring_a_removed_bank_by_id_says_how_many_questions_it_has(cli, home, tmp_path) -> None:
    setup_folder(cli, tmp_path)
    cli("bank", "remove", "my-rl")
    restored = cli("bank", "add", "my-rl")
    assert restored.exit_code == 0 and "3 questions" in restored.stdout


# -- the content-hash short cut ------------------------------------------------------------------------


def test_the_hash_short_cut_never_skips_a_bank_whose_questions_were_retired(store: Store, tmp_path) -> None:
    folder = tmp_path / "DIR"
    folder.mkdir()
    path = write_bank(folder / "rl.toml", bank_id="my-rl")
    store.banks.add_source(folder, START)
    sync_banks(store, START)
    data = path.read_bytes()
    path.unlink()
    assert [(r.bank_id, r.retired) for r in sync_banks(store, START).changed] == [("my-rl", 3)]
    path.write_bytes(data)  # the very same bytes, so the same hash
    report = sync_banks(store, START)
    assert len(store.banks.questions_in_bank("my-rl")) == 3
    assert [(r.bank_id, r.restored) for r in report.changed] == [("my-rl", 3)]


# -- the stamps of files read (m024) ----------------------------------------------------------------------


def _counting_reads(monkeypatch) -> list[str]:
    reads: list[str] = []
    real = bank_sync.read_bank_bytes
    monkeypatch.setattr(bank_sync, "read_bank_bytes", lambda path: reads.append(path.name) or real(path))
    return reads


def test_a_sync_reads_again_only_the_files_changed_since_they_were_stamped(
    store: Store, tmp_path, monkeypatch
) -> None:
    folder = tmp_path / "DIR"
    folder.mkdir()
    write_bank(folder / "a.toml", bank_id="bank-a")
    path = write_bank(folder / "b.toml", bank_id="bank-b")
    store.banks.add_source(folder, START)
    later = datetime.now(UTC) + timedelta(seconds=5)  # runs at least RACY_NS after the files were written
    sync_banks(store, later)
    reads = _counting_reads(monkeypatch)
    assert sync_banks(store, later).changed == [] and reads == []
    # An edit of the same size with its modification time put back: its change time still moves.
    before = path.stat()
    path.write_text(path.read_text().replace("Question 2", "Puzzles? 2"), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size and path.stat().st_mtime_ns == before.st_mtime_ns
    report = sync_banks(store, later + timedelta(seconds=5))
    assert reads == ["b.toml"]
    assert [(r.bank_id, r.updated) for r in report.changed] == [("bank-b", 1)]
    assert store.banks.question_by_key("bank-b/q2").question.spec.prompt == "Puzzles? 2 of bank-b?"
    reads.clear()
    path.unlink()  # a file no longer found loses its stamp
    sync_banks(store, later + timedelta(seconds=10))
    assert reads == []
    assert str(folder / "a.toml") in store.banks.file_stamps()
    assert str(path) not in store.banks.file_stamps()


def test_a_file_looked_at_right_after_its_last_change_is_read_again(
    store: Store, tmp_path, monkeypatch
) -> None:
    """Two writes within one tick of the file system's clock can leave the same stamp: a stamp taken
    within RACY_NS of the file's change is not trusted."""
    folder = tmp_path / "DIR"
    folder.mkdir()
    write_bank(folder / "a.toml", bank_id="bank-a")
    store.banks.add_source(folder, START)
    changed = (folder / "a.toml").stat().st_ctime_ns
    just_after = datetime.fromtimestamp(changed / 1e9, UTC) + timedelta(seconds=1)
    sync_banks(store, just_after)
    reads = _counting_reads(monkeypatch)
    sync_banks(store, just_after + timedelta(seconds=60))
    assert reads == ["a.toml"]  # stamped 1 s after its change: read again, and stamped anew
    reads.clear()
    sync_banks(store, just_after + timedelta(seconds=61))
    assert reads == []


@given(
    field=st.sampled_from(FileStamp._fields),
    delta=st.integers(min_value=1, max_value=10**12),
    age=st.integers(min_value=0, max_value=10**11),
)
def test_a_stamp_is_trusted_only_when_nothing_moved_and_it_is_not_racy(
    field: str, delta: int, age: int
) -> None:
    info = os.stat(__file__)
    stamp = FileStamp.of(info)
    last_change = max(stamp.mtime_ns, stamp.ctime_ns)
    assert unchanged_since(info, stamp, last_change + age) == (age >= RACY_NS)
    moved = stamp._replace(**{field: getattr(stamp, field) + delta})
    assert not unchanged_since(info, moved, last_change + RACY_NS + age)


def test_a_file_that_now_holds_another_bank_retires_the_old_one(store: Store, tmp_path) -> None:
    folder = tmp_path / "DIR"
    folder.mkdir()
    path = write_bank(folder / "rl.toml", bank_id="old-id")
    store.banks.add_source(folder, START)
    sync_banks(store, START)
    write_bank(path, bank_id="new-id")
    report = sync_banks(store, START)
    assert sorted((r.bank_id, r.added, r.retired) for r in report.changed) == [
        ("new-id", 3, 0),
        ("old-id", 0, 3),
    ]
    assert store.banks.questions_in_bank("old-id") == []
    write_bank(path, bank_id="old-id")  # and back: the old questions, not new ones
    sync_banks(store, START)
    assert [r.question.key for r in store.banks.questions_in_bank("old-id")] == [
        "old-id/q1",
        "old-id/q2",
        "old-id/q3",
    ]


# -- any sequence of file operations -------------------------------------------------------------------

NAMES = st.sampled_from(["a.toml", "b.toml", "sub/c.toml", "sub/deeper/d.toml", "a.toml.bak", "notes.txt"])


class FilesVersusBank(RuleBasedStateMachine):
    """Two banks, their files pushed around a registered folder (and out of it); the database follows.

    The model: where each bank's file is (a path under the folder, or in the attic outside it), which
    questions the file holds, and every review given. After each sync a bank's active questions equal
    those of its file when that file is in the folder under a .toml name, else none; no review is lost.
    """

    def __init__(self) -> None:
        super().__init__()
        self._builtin_files = bank_sync.builtin_files
        bank_sync.builtin_files = lambda: []
        self.root = Path(tempfile.mkdtemp(prefix="mockprep-files-"))
        self.folder = self.root / "DIR"
        self.attic = self.root / "attic"
        self.folder.mkdir()
        self.attic.mkdir()
        self.store = Store.open(self.root / "home", backups=False)
        self.now = START
        self.questions = {"x": [1, 2, 3], "y": [1, 2]}
        self.wording = {"x": 0, "y": 0}
        self.where: dict[str, Path] = {}
        self.reviews: dict[str, int] = {}
        for bank, name in (("x", "a.toml"), ("y", "b.toml")):
            self.where[bank] = self.folder / name
            self._write(bank)
        report = add_path(self.store, self.folder, self.now)
        assert report.problems == []

    def teardown(self) -> None:
        bank_sync.builtin_files = self._builtin_files
        self.store.close()
        shutil.rmtree(self.root, ignore_errors=True)

    def _write(self, bank: str) -> None:
        lines = [f'id = "{bank}"', 'title = "T"', 'round = "technical"', 'topic = "t"', ""]
        for n in self.questions[bank]:
            lines += [
                "[[questions]]",
                f'id = "q{n}"',
                f'prompt = "Question {n}, wording {self.wording[bank]}?"',
                'answer = "A."',
                'key_points = ["x", "y"]',
                "",
            ]
        path = self.where[bank]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines))

    def _present(self, bank: str) -> bool:
        path = self.where[bank]
        return path.is_relative_to(self.folder) and path.suffix == ".toml"

    def _free(self, path: Path) -> bool:
        return all(p != path for p in self.where.values())

    @rule(bank=st.sampled_from(["x", "y"]), name=NAMES, to_attic=st.booleans())
    def move(self, bank: str, name: str, to_attic: bool) -> None:
        target = (self.attic if to_attic else self.folder) / name
        if not self._free(target):
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        self.where[bank].rename(target)
        self.where[bank] = target

    @rule(bank=st.sampled_from(["x", "y"]), drop=st.integers(1, 4), add=st.booleans(), reword=st.booleans())
    def edit(self, bank: str, drop: int, add: bool, reword: bool) -> None:
        kept = [n for n in self.questions[bank] if n != drop] or [drop]
        if add:
            kept.append(max(self.questions[bank]) + 1)
        self.questions[bank] = kept
        self.wording[bank] += reword
        self._write(bank)

    @rule(bank=st.sampled_from(["x", "y"]))
    def comment(self, bank: str) -> None:
        with self.where[bank].open("a") as handle:
            handle.write("# only a comment\n")

    @rule()
    def sync(self) -> None:
        report = sync_banks(self.store, self.now)
        assert report.problems == [], report.problems
        again = sync_banks(self.store, self.now)
        assert again.changed == [] and again.problems == []  # settled in one run

    @rule(bank=st.sampled_from(["x", "y"]))
    def add_the_file_too(self, bank: str) -> None:
        if self._present(bank):
            add_path(self.store, self.where[bank], self.now)
            assert [str(p) for p in self.store.banks.sources()] == [str(self.folder.resolve())]

    @precondition(
        lambda self: self.store.banks.questions_in_bank("x") or self.store.banks.questions_in_bank("y")
    )
    @rule(pick=st.integers(0, 100))
    def answer(self, pick: int) -> None:
        records = self.store.banks.questions_in_bank("x") + self.store.banks.questions_in_bank("y")
        record = records[pick % len(records)]
        card = self.store.cards.card(record.id)
        self.now += timedelta(minutes=10)
        card = review(make_scheduler(0.9), card, Rating.Good, self.now)
        self.store.cards.record_review(ReviewRecord(record.id, None, card, self.now, 3, 0, "a", 1000))
        self.reviews[record.question.key] = self.reviews.get(record.question.key, 0) + 1

    @invariant()
    def questions_follow_the_files_after_a_sync(self) -> None:
        sync_banks(self.store, self.now)
        for bank in ("x", "y"):
            expected = [f"{bank}/q{n}" for n in sorted(self.questions[bank])] if self._present(bank) else []
            found = sorted(r.question.key for r in self.store.banks.questions_in_bank(bank))
            assert found == sorted(expected)

    @invariant()
    def no_review_is_lost(self) -> None:
        """Every review stays with its question's id: under it, or, where the id came back with another
        prompt after its question was retired, under the key that question was set aside as (b5c4d09:
        ``q2-retired-...``, which tests/test_reused_ids.py holds to the prompts)."""
        rows = self.store.q(
            "SELECT q.key, COUNT(*) AS n FROM reviews r JOIN questions q ON q.id = r.question_id GROUP BY q.key"
        )
        by_id: dict[str, int] = {}
        for r in rows:
            key = re.sub(r"-retired-[0-9a-f]{6}(?:-\d+)?$", "", r.key)
            by_id[key] = by_id.get(key, 0) + r.n
        assert by_id == self.reviews


FilesVersusBank.TestCase.settings = settings(
    max_examples=40,
    stateful_step_count=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_files_versus_bank = FilesVersusBank.TestCase


def test_a_sync_that_could_not_read_a_file_does_not_say_all_banks_are_up_to_date(cli, tmp_path) -> None:
    path = write_bank(tmp_path / "rl.toml", bank_id="my-rl")
    assert cli("bank", "add", str(path)).exit_code == 0
    path.write_text('id = "my-rl"\ntitle = \n')
    synced = cli("bank", "sync")
    assert "not valid TOML" in synced.stderr and "its last good version is used" in synced.stderr
    assert synced.stdout.strip() == "Nothing changed in the banks read; 1 file could not be read (above)."
