"""Against Anki's own library: a collection's notes into mockprep and back into that same collection
(filtered decks, the notes' own GUIDs, suspended and flagged cards, code)."""

from __future__ import annotations

import time
from pathlib import Path

from anki.collection import (
    Collection,
    ExportAnkiPackageOptions,
    ImportAnkiPackageOptions,
    ImportAnkiPackageRequest,
)
from hypothesis import given
from hypothesis import strategies as st

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


CODE_BANK = """id = "code"
title = "Code"
round = "technical"
topic = "python"

[[questions]]
id = "relu"
prompt = "Implement ReLU in Python; what does `max(0, x)` return for x < 0?"
answer = '''
```python
def relu(x):
    return max(0, x)
```
Zero for negatives, identity otherwise; its gradient is 0 or 1.'''
key_points = ["zero for negatives", "identity otherwise"]
"""


def test_code_is_exported_as_code_anki_shows_and_reads_back_the_same(cli, tmp_path: Path) -> None:
    """A fenced block is <pre><code> (indentation kept, no literal back-quotes) and a code span <code>
    in the card Anki renders; `bank import` of the export reads the same Markdown from that HTML."""
    import json

    bank = tmp_path / "code.toml"
    bank.write_text(CODE_BANK, encoding="utf-8")
    package = tmp_path / "code.apkg"
    assert cli("bank", "export", str(bank), "-o", str(package)).exit_code == 0
    col = Collection(str(tmp_path / "fresh.anki2"))
    try:
        _import(col, package)
        card = col.get_card(col.db.scalar("SELECT id FROM cards"))
        shown = card.answer()
        fields = card.note()
    finally:
        col.close()
    assert "<pre><code" in shown and "    return max(0, x)" in shown.replace("<br>", "\n")
    assert "```" not in shown and "<code>max(0, x)</code>" in shown
    assert "white-space: pre" in shown or "white-space: pre" in card.note_type()["css"]
    assert "answer" not in json.loads(fields["Bank fields"])  # the HTML itself reads back: no copy needed
    out = tmp_path / "back.toml"
    assert cli("bank", "import", str(package), "-o", str(out), "--id", "code").exit_code == 0
    original, back = (parse_bank(p.read_bytes(), str(p)).spec.questions[0] for p in (bank, out))
    assert (back.prompt, back.answer) == (original.prompt, original.answer.strip())


def _studied_collection(path: Path) -> Collection:
    """Three Basic notes, each answered twice in Anki."""
    col = Collection(str(path))
    for front, back in (
        ("What is a prior?", "A belief before the data. The likelihood updates it."),
        ("What is dropout?", "Zeroes random units in training. It reduces co-adaptation."),
        ("What is a p-value?", "The chance of data this extreme. It assumes the null."),
    ):
        _add(col, "Interview::ML", front, back)
    col.decks.select(col.decks.id("Interview::ML"))
    col.set_config("rollover", (time.localtime().tm_hour + 12) % 24)  # (every step due today)
    for _ in range(6):
        card = col.sched.getCard()
        if card is None:
            break
        card.start_timer()
        col.sched.answerCard(card, 3)
    return col


def test_an_export_sent_back_to_the_anki_collection_it_came_from_duplicates_nothing(
    cli, tmp_path: Path
) -> None:
    """A question imported from an Anki note is exported with that note's GUID and its Anki answers with
    their revlog ids: importing the export into the collection it came from adds no note, card or
    review; without 'Merge note types' Anki leaves those notes as they are (their note type differs),
    with it Anki updates them (or, no newer, counts them as duplicates)."""
    import shutil

    source = tmp_path / "mine.anki2"
    col = _studied_collection(source)
    try:
        guids = set(col.db.list("SELECT guid FROM notes"))
        package = tmp_path / "mine.apkg"
        _export(col, package)
        before = (col.note_count(), col.card_count(), col.db.scalar("SELECT count() FROM revlog"))
    finally:
        col.close()
    assert before[2] > 0
    out = tmp_path / "mine.toml"
    result = cli("bank", "import", str(package), "-o", str(out), "--id", "mine", "--add", "--with-history")
    assert result.exit_code == 0, result.stderr
    assert {q.anki_guid for q in parse_bank(out.read_bytes(), str(out)).spec.questions} == guids
    back = tmp_path / "back.apkg"
    assert cli("bank", "export", "mine", "-o", str(back), "--with-history").exit_code == 0
    for merge in (False, True):
        copy = tmp_path / f"copy-{merge}.anki2"
        shutil.copy(source, copy)
        col = Collection(str(copy))
        try:
            options = ImportAnkiPackageOptions(with_scheduling=True, merge_notetypes=merge)
            request = ImportAnkiPackageRequest(package_path=str(back), options=options)
            log = col.import_anki_package(request).log
            assert len(log.new) == 0
            # (with Merge note types, a note whose export is no newer than it, as within the same second
            # of its making, counts as a duplicate rather than updated: either way it is the same note)
            kept = len(log.updated) + len(log.duplicate) if merge else len(log.conflicting)
            assert kept == len(guids)
            assert col.note_count() == before[0]
            assert col.db.scalar("SELECT count() FROM revlog") == before[2]
            assert set(col.db.list("SELECT guid FROM notes")) == guids
        finally:
            col.close()


def test_a_question_born_in_mockprep_keeps_the_guid_of_its_key(tmp_path: Path) -> None:
    from mockprep.services.bank_export import note_guid, note_guids

    bank = tmp_path / "code.toml"
    bank.write_text(CODE_BANK, encoding="utf-8")
    spec = parse_bank(bank.read_bytes(), str(bank)).spec
    assert note_guids([spec]) == {("code", "relu"): note_guid("code", "relu")}


def _guid_bank(bank_id: str, claims: list[str | None]) -> str:
    """A bank whose question i gives anki_guid claims[i] (None: none)."""
    head = f'id = "{bank_id}"\ntitle = "{bank_id}"\nround = "technical"\ntopic = "ml"\n'
    return head + "".join(
        f'\n[[questions]]\nid = "q{i}"\nprompt = "What is {bank_id} {i}?"\nanswer = "It is {i}. It counts."\n'
        f'key_points = ["it is {i}", "it counts"]\n' + (f'anki_guid = "{guid}"\n' if guid else "")
        for i, guid in enumerate(claims)
    )


GUID_CLAIMS = st.lists(st.sampled_from([None, "G1", "G2", "G3"]), min_size=1, max_size=5)


@given(GUID_CLAIMS, GUID_CLAIMS)
def test_a_guid_two_questions_give_goes_to_the_first_by_key_whatever_the_order(first, second) -> None:
    """Found by a reviewer: which question kept a GUID two claimed depended on the order of the banks
    exported (export A B vs B A gave note G to different questions, so Anki overwrote one note with the
    other's). It goes to the first by key, each note has its own GUID, and none is claimed in vain."""
    from mockprep.services.bank_export import note_guid, note_guids

    banks = [
        parse_bank(_guid_bank(b, c).encode(), f"{b}.toml").spec for b, c in (("a", first), ("b", second))
    ]
    guids = note_guids(banks)
    assert guids == note_guids(banks[::-1])
    assert len(set(guids.values())) == len(guids)
    claimants: dict[str, list[str]] = {}
    for bank in banks:
        for q in bank.questions:
            claimants.setdefault(q.anki_guid or "", []).append(f"{bank.id}/{q.id}")
            if not q.anki_guid:
                assert guids[bank.id, q.id] == note_guid(bank.id, q.id)
    for guid, keys in claimants.items():
        if guid:
            winner, *others = sorted(keys)
            assert guids[tuple(winner.split("/"))] == guid  # type: ignore[index]
            assert all(guids[tuple(key.split("/"))] == note_guid(*key.split("/")) for key in others)  # type: ignore[index]


def test_validate_warns_of_a_guid_two_questions_give(cli, tmp_path: Path) -> None:
    bank = tmp_path / "shared.toml"
    bank.write_text(_guid_bank("shared", ["G1", None, "G1", "G1"]), encoding="utf-8")
    result = cli("bank", "validate", str(bank))
    assert result.exit_code == 0, result.stderr
    warned = [line for line in result.stderr.splitlines() if "anki_guid 'G1'" in line]
    assert len(warned) == 2 and all("'q0'" in line and "shared.toml" in line for line in warned)
    assert {("q2" in line, "q3" in line) for line in warned} == {(True, False), (False, True)}
    bank.write_text(_guid_bank("shared", ["G1", "G2"]), encoding="utf-8")
    assert "anki_guid" not in cli("bank", "validate", str(bank)).stderr


MARKED_BANK = """id = "marked"
title = "Marked"
round = "technical"
topic = "ml"
""" + "".join(
    f"""
[[questions]]
id = "{name}"
prompt = "What is {name}?"
answer = "It is {name}. It matters."
key_points = ["it is {name}", "it matters"]
"""
    for name in ("kept", "suspended", "buried", "flagged")
)


def test_marks_go_to_anki_with_the_history(cli, tmp_path: Path) -> None:
    """With --with-history a question suspended in mockprep is a suspended card in Anki, a buried one
    buried, a flagged one red-flagged (mockprep's one flag is Anki's first); the others are as they were."""
    bank = tmp_path / "marked.toml"
    bank.write_text(MARKED_BANK, encoding="utf-8")
    assert cli("bank", "add", str(bank)).exit_code == 0
    for action in ("suspend", "bury", "flag"):
        name = {"suspend": "suspended", "bury": "buried", "flag": "flagged"}[action]
        assert cli("question", action, f"marked/{name}").exit_code == 0
    package = tmp_path / "marked.apkg"
    assert cli("bank", "export", "marked", "-o", str(package), "--with-history").exit_code == 0
    col = Collection(str(tmp_path / "fresh.anki2"))
    try:
        _import(col, package)
        rows = col.db.all(
            "SELECT substr(n.flds, 1, instr(n.flds, char(31)) - 1), c.queue, c.flags"
            " FROM cards c JOIN notes n ON n.id = c.nid"
        )
    finally:
        col.close()
    assert {prompt: (queue, flags) for prompt, queue, flags in rows} == {
        "What is kept?": (0, 0),
        "What is suspended?": (-1, 0),
        "What is buried?": (-3, 0),
        "What is flagged?": (0, 1),
    }
