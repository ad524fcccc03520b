"""Every command that writes a file takes it as -o/--output (also spelt --out), and none creates a
missing folder: each refuses it the same way, in one line naming it, exit 1."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import write_bank

# Each writer, its arguments before the file (the bank demo exists: see `bank` below).
WRITERS = {
    "export": ("export",),
    "export --package": ("export", "--package"),
    "history --csv": ("history", "--csv"),
    "story export": ("story", "export"),
    "bank export": ("bank", "export", "demo"),
    "bank export -f md": ("bank", "export", "demo", "-f", "md"),
    "bank export -f anki-txt": ("bank", "export", "demo", "-f", "anki-txt"),
    "bank import": ("bank", "import", "notes.md"),
}
SUFFIX = {"export --package": ".mockprep", "bank import": ".toml", "bank export": ".apkg"}


@pytest.fixture
def bank(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    write_bank(tmp_path / "demo.toml")
    (tmp_path / "notes.md").write_text(
        "## What is a ROC curve?\n\n- TPR against FPR\n- at every threshold\n", encoding="utf-8"
    )
    assert cli("bank", "add", str(tmp_path / "demo.toml")).exit_code == 0
    return tmp_path


@pytest.mark.parametrize("writer", WRITERS)
def test_no_writer_creates_a_missing_folder(cli, bank: Path, writer: str) -> None:
    """Found by an exploratory tester: bank export -o and bank import -o made missing folders
    silently while export -o and bank export -f md -o refused them."""
    for parent, why in (("new/dirs", "no such folder new/dirs"), ("afile", "afile is a file, not a folder")):
        (bank / "afile").write_text("a file")
        target = f"{parent}/out{SUFFIX.get(writer, '.txt')}"
        result = cli(*WRITERS[writer], "-o", target)
        assert result.exit_code == 1, result.stderr
        assert result.stderr.strip().splitlines()[-1] == f"mockprep: error: cannot write {target}: {why}"
        assert not (bank / "new").exists()


@pytest.mark.parametrize("writer", WRITERS)
@pytest.mark.parametrize("spelling", ["-o", "--output", "--out"])
def test_every_writer_takes_each_spelling_of_its_output(cli, bank: Path, writer: str, spelling: str) -> None:
    """export and history took only --output, bank export and bank import only --out."""
    target = bank / f"out{SUFFIX.get(writer, '.txt')}"
    result = cli(*WRITERS[writer], spelling, str(target))
    assert result.exit_code == 0, result.stderr
    assert target.is_file() and target.stat().st_size > 0


@pytest.mark.parametrize("writer", WRITERS)
def test_the_help_shows_one_spelling_and_two_different_files_are_refused(
    cli, bank: Path, writer: str
) -> None:
    command = WRITERS[writer][: 2 if WRITERS[writer][0] in ("bank", "story") else 1]
    help_text = cli(*command, "--help").stdout
    assert "--output" in help_text and "--out " not in help_text
    result = cli(*WRITERS[writer], "-o", "a.txt", "--out", "b.txt")
    assert result.exit_code == 2 and "give one file" in result.stderr
    assert not (bank / "a.txt").exists() and not (bank / "b.txt").exists()
