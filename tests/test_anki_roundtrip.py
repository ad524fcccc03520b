"""Against Anki's own library: a collection's notes into mockprep and back into that same collection
(filtered decks, the notes' own GUIDs, suspended and flagged cards, code)."""

from __future__ import annotations

from pathlib import Path

from anki.collection import (
    Collection,
    ExportAnkiPackageOptions,
    ImportAnkiPackageOptions,
    ImportAnkiPackageRequest,
)

from mockprep.core.banks import parse_bank


def _export(col: Collection, package: Path) -> None:
    options = ExportAnkiPackageOptions(
        with_scheduling=True, with_deck_configs=False, with_media=False, legacy=False
    )
    col.export_anki_package(out_path=str(package), options=options, limit=None)


def _import(col: Collection, package: Path):
    options = ImportAnkiPackageOptions(with_scheduling=True)
    return col.import_anki_package(ImportAnkiPackageRequest(package_path=str(package), options=options)).log


def _add(col: Collection, deck: str, front: str, back: str, tags: tuple[str, ...] = ()) -> int:
    note = col.new_note(col.models.by_name("Basic"))
    note["Front"], note["Back"] = front, back
    note.tags = list(tags)
    col.add_note(note, col.decks.id(deck))
    return note.id


def test_a_card_in_a_filtered_deck_takes_its_own_deck(cli, tmp_path: Path) -> None:
    """A card Anki has moved into a filtered deck (did: the filtered deck, odid: its own) is read in
    its own deck: topic and parent tags from it, not from the filtered deck's name."""
    col = Collection(str(tmp_path / "filtered.anki2"))
    try:
        _add(col, "ML::Statistics", "What is a p-value?", "The chance of data this extreme. Under the null.")
        _add(col, "ML::Statistics", "What is power?", "The chance to reject a false null. One minus beta.")
        cram = col.decks.new_filtered("Exam Cram")
        deck = col.decks.get(cram)
        deck["terms"] = [['"Front:What is a p-value?"', 10, 0]]
        col.decks.save(deck)
        col.sched.rebuild_filtered_deck(cram)
        assert col.db.scalar("SELECT count() FROM cards WHERE odid != 0") == 1
        package = tmp_path / "filtered.apkg"
        _export(col, package)
    finally:
        col.close()
    out = tmp_path / "f.toml"
    result = cli("bank", "import", str(package), "-o", str(out), "--id", "f")
    assert result.exit_code == 0, result.stderr
    bank = parse_bank(out.read_bytes(), str(out)).spec
    assert {(q.topic, tuple(q.tags)) for q in bank.questions} == {("statistics", ("ml",))}
