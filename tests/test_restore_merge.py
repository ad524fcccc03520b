"""Restoring a backup and merging back what it lacks (found by a verification tester): the merge of the
``before-restore`` file brings back marks, the bank files the backup did not have registered, and
reviews on a question whose id was given to another since; the restore's promise counts what the merge
can bring back and names what it cannot. A database found damaged is said by every later command until
it passes the check; a bank whose file is gone is unregistered by ``bank remove``, and an import does not
register paths that are not on this machine.
"""

from __future__ import annotations

import json
import random
import re
import sqlite3
from pathlib import Path

import pytest

from mockprep.db.backups import make_backup
from mockprep.paths import DB_NAME
from tests.conftest import START, db_rows, write_bank
from tests.test_backup_trust import break_page

ANSWER = "first point\n\n3\nq\n"  # an answer, Enter for the checklist, a rating, then quit


def _bank(folder: Path, bank_id: str) -> Path:
    folder.mkdir(exist_ok=True)
    return write_bank(folder / f"{bank_id}.toml", bank_id=bank_id, n=2, prompt_prefix=f"About {bank_id}")


def _answer(cli, bank_id: str) -> None:
    result = cli("session", "--bank", bank_id, "--no-timer", input=ANSWER)
    assert result.exit_code == 0, result.stderr


def _restore(cli, backup: Path) -> str:
    """Restore ``backup``; the command the restore names to merge back what it lacks."""
    done = cli("backup", "restore", backup.name, "--yes")
    assert done.exit_code == 0, done.stderr
    found = re.search(r"mockprep import (\S+) --merge brings back", done.stdout)
    assert found is not None, done.stdout
    return found.group(1)


def test_merging_back_the_replaced_database_brings_back_its_marks_and_bank_files(
    cli, home: Path, tmp_path: Path
) -> None:
    """The tester's home: a flag set and a bank file added after the backup were not brought back by
    the merge the restore named ('nothing new'; 'add their banks (bank add)')."""
    folder = tmp_path / "banks"
    assert cli("bank", "add", str(_bank(folder, "old"))).exit_code == 0
    _answer(cli, "old")
    backup = make_backup(home / DB_NAME, home, START, "manual")
    assert cli("question", "flag", "old/q1").exit_code == 0
    assert cli("bank", "add", str(_bank(folder, "new"))).exit_code == 0
    _answer(cli, "new")
    everything = db_rows(home, "SELECT uid FROM reviews ORDER BY uid")

    merge = _restore(cli, backup)
    result = cli("import", merge, "--merge")
    assert result.exit_code == 0, result.stderr
    assert "added 1 review" in result.stdout and "marks" in result.stdout, result.stdout
    assert f"registered {folder / 'new.toml'}" in result.stderr
    assert db_rows(home, "SELECT uid FROM reviews ORDER BY uid") == everything
    flagged = (
        "SELECT q.key FROM cards c JOIN questions q ON q.id = c.question_id WHERE c.flagged_at IS NOT NULL"
    )
    assert db_rows(home, flagged) == [("old/q1",)]


def test_restore_names_the_reviews_a_merge_cannot_bring_back(cli, home: Path, tmp_path: Path) -> None:
    """A bank file added after the backup and gone since: the restore promised its reviews back, and
    the merge then said 'add their banks (bank add)'."""
    folder = tmp_path / "banks"
    assert cli("bank", "add", str(_bank(folder, "kept"))).exit_code == 0
    _answer(cli, "kept")
    backup = make_backup(home / DB_NAME, home, START, "manual")
    for bank_id in ("kept", "gone"):
        if bank_id == "gone":
            assert cli("bank", "add", str(_bank(folder, "gone"))).exit_code == 0
        _answer(cli, bank_id)
    (folder / "gone.toml").unlink()

    asked = cli("backup", "restore", backup.name, input="n\n")
    assert "2 reviews in 2 sessions are not in it (of them, 1 review of questions from" in asked.stdout
    assert f"{folder / 'gone.toml'}, which is not on this machine" in asked.stdout
    done = cli("backup", "restore", backup.name, "--yes")
    assert "brings back 1 review, 2 sessions that" in done.stdout, done.stdout
    assert "; 1 review of questions from" in done.stdout
    merge = re.search(r"mockprep import (\S+) --merge", done.stdout)
    assert merge is not None
    result = cli("import", merge.group(1), "--merge")
    assert "added 1 review, 2 sessions" in result.stdout, result.stdout
    assert f"gone's {folder / 'gone.toml'} is not on this machine" in result.stdout


def test_a_merge_moves_a_review_to_the_question_it_was_answered_to(cli, home: Path, tmp_path: Path) -> None:
    """A review here on a question whose id was given to another question after a rename this home
    did not see (a backup restored from before it): the file places it on the question with the prompt
    it was answered to, and the merge moved nothing ('nothing new'), the rating staying on the wrong
    question."""
    assert cli("bank", "add", str(write_bank(tmp_path / "b.toml", "rb", n=2))).exit_code == 0
    _answer(cli, "rb")
    asked = db_rows(home, "SELECT q.key FROM reviews r JOIN questions q ON q.id = r.question_id")[0][0]
    other = "rb/q2" if asked == "rb/q1" else "rb/q1"
    prompt = "Question 1 of rb?" if asked == "rb/q1" else "Question 2 of rb?"
    assert cli("export", "-o", str(tmp_path / "all.json")).exit_code == 0
    doc = json.loads((tmp_path / "all.json").read_text())
    entries = {q["key"]: q for q in doc["questions"]}
    # the file: the review on `other`, which has the prompt it was answered to
    entries[other]["reviews"], entries[asked]["reviews"] = entries[asked]["reviews"], []
    entries[other]["question"]["prompt"], entries[asked]["question"]["prompt"] = prompt, "Greedy?"
    (tmp_path / "all.json").write_text(json.dumps(doc))
    # here: `asked` has taken another prompt, `other` has the prompt the review was answered to
    con = sqlite3.connect(home / DB_NAME)
    for key, text in ((asked, "Greedy?"), (other, prompt)):
        con.execute("UPDATE questions SET data = json_set(data, '$.prompt', ?) WHERE key = ?", (text, key))
    con.commit()
    con.close()

    result = cli("import", str(tmp_path / "all.json"), "--merge")
    assert result.exit_code == 0, result.stderr
    assert "Moved 1 review back to the question answered" in result.stdout, result.stdout
    on = db_rows(home, "SELECT q.key FROM reviews r JOIN questions q ON q.id = r.question_id")
    assert on == [(other,)]
    reviewed = (
        "SELECT q.key, c.last_review IS NOT NULL FROM cards c JOIN questions q ON q.id = c.question_id"
        " WHERE q.bank_id = 'rb'"
    )
    assert dict(db_rows(home, reviewed)) == {asked: 0, other: 1}  # (both cards recomputed)
    assert "nothing new" in cli("import", str(tmp_path / "all.json"), "--merge").stdout  # (once)


def test_an_export_carries_marks_with_when_they_changed(cli, home: Path, tmp_path: Path, monkeypatch) -> None:
    """A merge took no marks from an export (only a sync line carried them): a flag removed after a
    backup came back, and one set was lost. Each mark now travels with its stamp; the later one wins."""
    assert cli("bank", "add", str(write_bank(tmp_path / "b.toml", "mk", n=1))).exit_code == 0
    _answer(cli, "mk")
    assert cli("question", "flag", "mk/q1").exit_code == 0
    assert cli("export", "-o", str(tmp_path / "flagged.json")).exit_code == 0
    assert cli("question", "unflag", "mk/q1").exit_code == 0
    assert cli("export", "-o", str(tmp_path / "unflagged.json")).exit_code == 0
    marks = json.loads((tmp_path / "unflagged.json").read_text())["questions"]
    assert [q["marks"]["changed"]["flagged"] for q in marks if q["key"] == "mk/q1"]

    monkeypatch.setenv("MOCKPREP_HOME", str(tmp_path / "other"))
    assert cli("import", str(tmp_path / "flagged.json")).exit_code == 0
    flagged = "SELECT count(*) FROM cards WHERE flagged_at IS NOT NULL"
    assert db_rows(tmp_path / "other", flagged) == [(1,)]
    result = cli("import", str(tmp_path / "unflagged.json"), "--merge")
    assert "the marks (suspended, buried, flagged) of 1 question" in result.stdout, result.stdout
    assert db_rows(tmp_path / "other", flagged) == [(0,)]
    assert "nothing new" in cli("import", str(tmp_path / "flagged.json"), "--merge").stdout  # older


def test_a_merge_adds_the_old_ids_of_renamed_questions(cli, home: Path, tmp_path: Path, monkeypatch) -> None:
    """An export's question_aliases were read by a full import only: a merge left them out, so sync
    lines and exports written under the old id found no question."""
    bank = write_bank(tmp_path / "b.toml", "al", n=1)
    assert cli("bank", "add", str(bank)).exit_code == 0
    _answer(cli, "al")
    assert cli("export", "-o", str(tmp_path / "before.json")).exit_code == 0
    bank.write_text(bank.read_text().replace('id = "q1"', 'id = "renamed"'))
    assert cli("bank", "sync").exit_code == 0
    assert cli("export", "-o", str(tmp_path / "after.json")).exit_code == 0
    assert json.loads((tmp_path / "after.json").read_text())["question_aliases"]

    monkeypatch.setenv("MOCKPREP_HOME", str(tmp_path / "other"))
    other = tmp_path / "other-banks"
    other.mkdir()
    write_bank(other / "b.toml", "al", n=1)
    (other / "b.toml").write_text((other / "b.toml").read_text().replace('id = "q1"', 'id = "renamed"'))
    assert cli("bank", "add", str(other / "b.toml")).exit_code == 0
    result = cli("import", str(tmp_path / "after.json"), "--merge")
    assert "1 old id of renamed questions" in result.stdout, result.stdout
    assert db_rows(tmp_path / "other", "SELECT key FROM question_aliases") == [("al/q1",)]
    assert "nothing new" in cli("import", str(tmp_path / "before.json"), "--merge").stdout


def test_a_damaged_database_is_said_by_every_command_until_it_passes_the_check(
    cli, home: Path, tmp_path: Path
) -> None:
    """After stats had found the damage, history and backup list said nothing (exit 0) that day."""
    assert cli("session", "--limit", "2", input="a\n\n3\nb\n\n2\n").exit_code == 0  # (and today's backup)
    assert cli("history").stderr == ""
    break_page(home / DB_NAME, "questions")
    assert cli("question", "list").exit_code == 1  # it reads every question: the damage is found

    later = cli("history")
    assert later.exit_code == 0 and "has not passed the check since" in later.stderr
    advised = re.search(r"mockprep backup restore (\S+)", later.stderr)
    assert advised is not None, later.stderr
    listed = cli("backup", "list")
    assert "has not passed the check since" in listed.stderr
    assert re.search(rf"{re.escape(advised.group(1))} .* passes the check", listed.stdout), listed.stdout
    assert cli("backup", "restore", advised.group(1), "--yes").exit_code == 0
    assert "damaged" not in cli("history").stderr


def test_bank_remove_unregisters_a_missing_file(cli, home: Path, tmp_path: Path) -> None:
    """Its path stayed registered: every command warned that it is missing."""
    bank = write_bank(tmp_path / "gone.toml", "gone", n=1)
    assert cli("bank", "add", str(bank)).exit_code == 0
    bank.unlink()
    assert "registered bank file or folder is missing" in cli("bank", "list").stderr
    result = cli("bank", "remove", "gone")
    assert result.exit_code == 0 and f"{bank} is missing, so it is no longer registered" in result.stdout
    assert "missing" not in cli("bank", "list").stderr
    assert db_rows(home, "SELECT path FROM bank_sources") == []


@pytest.mark.parametrize("name", ["all.json", "all.mockprep"])
def test_an_import_does_not_register_paths_not_on_this_machine(
    cli, home: Path, tmp_path: Path, monkeypatch, name: str
) -> None:
    """The path travelled in exports: a fresh home warned of it at every command after the import."""
    kept, gone = (
        write_bank(tmp_path / "kept.toml", "kept", n=1),
        write_bank(tmp_path / "gone.toml", "gone", n=1),
    )
    for bank in (kept, gone):
        assert cli("bank", "add", str(bank)).exit_code == 0
    _answer(cli, "kept")
    gone.unlink()
    assert cli("export", "-o", str(tmp_path / name)).exit_code == 0
    monkeypatch.setenv("MOCKPREP_HOME", str(tmp_path / "new"))
    result = cli("import", str(tmp_path / name))
    assert result.exit_code == 0, result.stderr
    assert f"{gone}, a bank file or folder the imported home had registered, is not on this machine" in (
        result.stderr
    )
    assert db_rows(tmp_path / "new", "SELECT path FROM bank_sources") == [(str(kept),)]
    assert "missing" not in cli("bank", "list").stderr


def test_a_note_of_damage_is_dropped_when_the_file_it_names_passes_the_check(tmp_path: Path) -> None:
    """An inode is reused: a new database made where the damaged one was moved away can carry its
    device and inode, and every command then called it damaged (found by a second review)."""
    from mockprep.db.damage_note import damage_noted, note_damage, note_path

    db = tmp_path / "mockprep.db"
    db.write_bytes(random.Random(7).randbytes(8192))
    note_damage(db, "file is not a database")
    assert damage_noted(db) is not None  # random bytes fail the check: the note stands
    db.unlink()
    with sqlite3.connect(db) as conn:  # a new database, given (as a reused inode) the note's identity
        conn.execute("CREATE TABLE t (x)")
    conn.close()
    note_damage(db, "file is not a database")
    assert damage_noted(db) is None and not note_path(db).exists()
