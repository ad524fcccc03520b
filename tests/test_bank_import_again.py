"""`bank import --add` of a bank it imported before: says what changed in that bank, not "Added".

Found by an exploratory tester: re-importing a spreadsheet after fixing a typo printed "Added bank
'sheet'", and the retired question (its id made from the prompt's words) was told only by the next
command.
"""

from __future__ import annotations

from pathlib import Path

ROWS = [
    'What is regularisation?,A penalty on the loss.,"penalty; loss"',
    'Explain bootstrapping,Resample with replacement.,"resample; replacement"',
]


def test_a_second_import_updates_the_bank_and_says_what_changed(cli, home: Path, tmp_path: Path) -> None:
    sheet, target = tmp_path / "sheet.csv", tmp_path / "sheet.toml"
    sheet.write_text("Question,Answer,Key points\n" + "\n".join(ROWS) + "\n", encoding="utf-8")
    first = cli("bank", "import", str(sheet), "-o", str(target), "--id", "sheet", "--add")
    assert first.exit_code == 0 and "Added bank 'sheet' with 2 questions" in first.stdout
    again = cli("bank", "import", str(sheet), "-o", str(target), "--id", "sheet", "--add")
    assert again.exit_code == 0 and "Added" not in again.stdout and "unchanged" in again.stdout
    assert cli("session", "--bank", "sheet", "--no-timer", input="x\n\n3\nx\n\n3\nq\n").exit_code == 0
    fixed = [ROWS[0].replace("regularisation", "regularization"), ROWS[1]]
    sheet.write_text("Question,Answer,Key points\n" + "\n".join(fixed) + "\n", encoding="utf-8")
    typo = cli("bank", "import", str(sheet), "-o", str(target), "--id", "sheet", "--add")
    assert typo.exit_code == 0 and "Added" not in typo.stdout
    (line,) = [line for line in typo.stdout.splitlines() if "'sheet'" in line]
    assert line.startswith("Updated bank 'sheet'") and "1 added" in line and "1 retired" in line
    assert "question rename" in typo.stderr  # the retired question's history, told by this command
