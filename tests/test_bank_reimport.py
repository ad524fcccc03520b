"""Importing a source again into the bank file an earlier import wrote: the bank keeps what the new file's
name would otherwise give it."""

from __future__ import annotations

from pathlib import Path

import tomli
from hypothesis import given, settings
from hypothesis import strategies as st

ROWS = "Question,Answer\nWhat is bias?,Error from wrong assumptions. It underfits.\n"


def _header(path: Path) -> dict:
    raw = tomli.loads(path.read_text(encoding="utf-8"))
    return {key: raw.get(key) for key in ("id", "title", "topic", "round", "roles", "description")}


def test_a_reimport_of_a_differently_named_file_keeps_the_banks_title_and_topic(cli, tmp_path: Path) -> None:
    first, second, out = tmp_path / "A.csv", tmp_path / "A2.csv", tmp_path / "a.toml"
    first.write_text(ROWS, encoding="utf-8")
    second.write_text(ROWS + "What is variance?,Sensitivity to the sample. It overfits.\n", encoding="utf-8")
    assert cli("bank", "import", str(first), "--id", "a", "-o", str(out)).exit_code == 0
    assert _header(out)["title"] == "A" and _header(out)["topic"] == "a"
    # what the person added to the bank file since is kept too
    text = out.read_text(encoding="utf-8").replace(
        "round = 'technical'\n", "round = 'technical'\nroles = ['mle']\n"
    )
    out.write_text(text, encoding="utf-8")
    before = _header(out)
    result = cli("bank", "import", str(second), "--id", "a", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert _header(out) == before
    # options still change them
    result = cli(
        "bank", "import", str(second), "--id", "a", "-o", str(out), "--title", "Basics", "--topic", "ml"
    )
    assert result.exit_code == 0, result.stderr
    assert _header(out) == before | {"title": "Basics", "topic": "ml"}


@settings(max_examples=20, deadline=None)
@given(title=st.text(st.characters(codec="utf-8", categories=("L", "N", "Zs")), min_size=1, max_size=20))
def test_a_reimport_keeps_any_title_the_bank_was_given(tmp_path_factory, title: str) -> None:
    from mockprep.core.settings import Settings
    from mockprep.services.bank_import import ImportOptions, import_bank, write_atomically

    folder = tmp_path_factory.mktemp("reimport")
    source, out = folder / "renamed-export.csv", folder / "b.toml"
    source.write_text(ROWS, encoding="utf-8")
    if not title.strip():
        return
    made = import_bank(source, ImportOptions(bank_id="b", title=title), Settings(), lambda _id: out)
    write_atomically(out, made.toml)
    again = import_bank(source, ImportOptions(bank_id="b"), Settings(), lambda _id: out)
    assert tomli.loads(again.toml)["title"] == tomli.loads(made.toml)["title"]


def test_a_sheets_own_front_matter_still_decides(cli, tmp_path: Path) -> None:
    sheet, out = tmp_path / "notes.md", tmp_path / "n.toml"
    sheet.write_text("## What is bias?\n\nError from wrong assumptions. It underfits.\n", encoding="utf-8")
    assert cli("bank", "import", str(sheet), "--id", "n", "-o", str(out), "--topic", "ml").exit_code == 0
    sheet.write_text(
        "---\ntitle: Sheet\ntopic: stats\n---\n" + sheet.read_text(encoding="utf-8"), encoding="utf-8"
    )
    assert cli("bank", "import", str(sheet), "--id", "n", "-o", str(out)).exit_code == 0
    assert _header(out)["title"] == "Sheet" and _header(out)["topic"] == "stats"
