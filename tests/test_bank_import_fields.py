"""Banks in and out as the person sees them, mostly found by testers: which of an imported note's or
sheet's fields is which; what an import says (skips, notes in line order, renamed ids, merged banks,
dropped media, encodings, a CSV's rows, a code question's lines) and keeps (answer times); a bank's own
edits as `bank sync` reports them; and what `bank export` says it wrote."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockprep.core.anki_notes import AnkiNote, note_items
from mockprep.core.anki_notetype import MOCKPREP_FIELDS, note_fields
from mockprep.core.bank_import import BankMeta, Item, Notice, Skip, build_bank
from mockprep.core.bank_markdown import read_markdown
from mockprep.core.banks import BankError, QuestionModel, parse_bank
from mockprep.core.settings import DEFAULT_SETTINGS
from mockprep.services.bank_import import ImportOptions, import_bank
from tests.conftest import db_rows, write_bank


def _note(fields: tuple[str, ...], names: tuple[str, ...]) -> AnkiNote:
    return AnkiNote("note 7", "g7", fields, names, html=False)


def test_an_extra_field_is_never_the_answer_and_a_skip_names_the_field_used() -> None:
    """Found by an exploratory tester: Term/Definition/Extra notes took Extra as the answer, and the
    skip message named the second field whatever field was read."""
    names = ("Term", "Definition", "Extra")
    got = note_items(
        [
            _note(("What is a p-value?", "The probability of data this extreme.", "See ASA 2016"), names),
            _note(("Welford?", "", "see the paper"), names),
            _note(("Only extras", "more"), ("Front", "Extra")),
            _note(("Word", "Meaning here.", "Note"), ("Word", "Meaning", "Extra")),
            _note(("An answer", ""), ("Back", "Front")),
        ]
    ).items
    first = got[0]
    assert isinstance(first, Item) and first.answer == "The probability of data this extreme."
    assert [(s.where, s.reason) for s in got[1:] if isinstance(s, Skip)] == [
        ("note 7", "its 'Definition' field is empty"),
        ("note 7", "it has no answer field: an Extra field is never the answer"),
        ("note 7", "its 'Front' field is empty"),
    ]
    assert isinstance(got[3], Item) and got[3].answer == "Meaning here."


def test_the_answer_is_the_first_field_after_the_prompt_before_any_earlier_one() -> None:
    """Found by an independent reviewer: a field ahead of the prompt was taken as the answer, so a
    Source/Question/Notes note was imported with the answer 'Chapter 3 of ISLR'."""
    names = ("Source", "Question", "Notes")
    values = ("Chapter 3 of ISLR", "What is a p-value?", "The probability of data this extreme.")
    got = note_items([_note(values, names), _note(values[:2], names[:2])]).items
    assert isinstance(got[0], Item) and got[0].prompt == "What is a p-value?"
    assert got[0].answer == "The probability of data this extreme."
    assert isinstance(got[1], Item) and got[1].answer == "Chapter 3 of ISLR"  # none after it: the one before


@pytest.mark.parametrize(
    ("index", "word"),
    [(0, "first"), (2, "third"), (3, "4th"), (10, "11th"), (11, "12th"), (12, "13th"), (20, "21st")]
    + [(21, "22nd"), (22, "23rd"), (23, "24th"), (100, "101st"), (110, "111th"), (111, "112th")],
)
def test_a_fields_ordinal_has_its_english_suffix(index: int, word: str) -> None:
    from mockprep.core.anki_notes import _ordinal

    assert _ordinal(index) == word


_STYLES = {
    "heading": "## {p}\n{a}",
    "q": "Q: {p}\nA: {a}",
    "bold": "**{p}**\n{a}",
    "numbered": "{n}. **{p}**\n   {a}",
    "details": "<details>\n<summary>{p}</summary>\n\n{a}\n</details>",
    "card": "{p}\n?\n{a}",
}


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(sorted(_STYLES)), min_size=1, max_size=8))
def test_no_question_of_a_mixed_style_sheet_is_lost_silently(styles: list[str]) -> None:
    """Found by an exploratory tester: a bold question after a heading question (or a Q:/A: pair) was
    merged into the answer before it with nothing said. Each question asked is now a question, or a
    note names its line and says whose answer it was read into."""
    prompts = [f"What is topic number {n}?" for n in range(1, len(styles) + 1)]
    text = "\n\n".join(
        _STYLES[style].format(p=prompt, a=f"Answer {n} has words. A second sentence on {n}.", n=n)
        for n, (style, prompt) in enumerate(zip(styles, prompts, strict=True), start=1)
    )
    sheet = read_markdown(text)
    asked = {item.prompt for item in sheet.items if isinstance(item, Item)}
    noted = " ".join(notice.message for notice in sheet.notices)
    lines = text.split("\n")
    for prompt in prompts:
        if prompt not in asked:
            assert prompt in noted, (prompt, text)
            line = next(n for n, ln in enumerate(lines, 1) if prompt in ln)
            assert any(notice.where == f"line {line}" for notice in sheet.notices)


def test_import_says_where_a_question_was_read_into_another_answer(cli, tmp_path: Path) -> None:
    source = tmp_path / "mixed.md"
    source.write_text(
        "## What is a p-value?\nThe probability of data this extreme under the null. Not the null's.\n\n"
        "**What is statistical power?**\nThe chance of rejecting a false null. It grows with n.\n"
    )
    result = cli("bank", "import", str(source), "-o", "-")
    assert result.exit_code == 0, result.stderr
    assert (
        f"{source}: line 4: note: '**What is statistical power?**' is read as part of the answer to the "
        "question on line 1" in result.stderr
    )
    assert (
        "read 1, made 1 question, skipped 0; 1 question with proposed key points to review; 1 note above"
        in (result.stderr)
    )


def test_an_imports_notes_are_in_line_order_and_told_when_nothing_is_made(cli, tmp_path: Path) -> None:
    """Found by an independent reviewer: a sheet's 'read as part of the answer' notes came after the
    renames whatever their lines, and an import that made nothing dropped its notes."""
    sheet = tmp_path / "mixed.md"
    sheet.write_text(
        "## First {#dup}\nFirst answer here. It has two sentences.\n\n"
        "**Bold one?**\nRead into the first. Two sentences.\n\n"
        "## Second {#dup}\nSecond answer here. It has two sentences.\n"
    )
    made = cli("bank", "import", str(sheet), "-o", "-")
    notes = [line for line in made.stderr.splitlines() if ": note: " in line]
    assert [n.split(": note: ")[0] for n in notes] == [f"{sheet}: line 4", f"{sheet}: line 7"], made.stderr
    empty = tmp_path / "empty.md"
    empty.write_text("## What is A?\nYes\n\n**What is B?**\n")
    failed = cli("bank", "import", str(empty), "-o", "-")
    assert failed.exit_code != 0 and "nothing to import" in failed.stderr
    assert f"{empty}: line 4: note: '**What is B?**' is read as part of the answer" in failed.stderr


def test_a_renamed_id_is_reported_with_the_question_that_holds_it(cli, tmp_path: Path) -> None:
    """Found by an exploratory tester: two {#dup} headings became dup and dup-2, and two CSV rows with
    the Id 'dupe' became dupe and dupe-2, with nothing said; a question's id keys its reviews."""
    sheet = tmp_path / "dup.md"
    sheet.write_text(
        "## First {#dup}\nFirst answer here. It has two sentences.\n\n"
        "## Second {#dup}\nSecond answer here. It has two sentences.\n"
    )
    table = tmp_path / "dup.csv"
    table.write_text(
        'Id,Question,Answer\ndupe,What is A?,"A is one thing. It has two parts."\n'
        'dupe,What is B?,"B is another. It has parts too."\n'
    )
    md = cli("bank", "import", str(sheet), "-o", "-")
    assert f"{sheet}: line 4: note: id 'dup' is taken by the question at line 1: this one is 'dup-2'" in (
        md.stderr
    )
    csv = cli("bank", "import", str(table), "-o", "-")
    assert f"{table}: row 3: note: id 'dupe' is taken by the question at row 2: this one is 'dupe-2'" in (
        csv.stderr
    )


def test_several_of_mockpreps_banks_in_one_package_are_said_to_become_one() -> None:
    def own(deck: str, qid: str, n: int) -> AnkiNote:
        q = QuestionModel(
            id=qid,
            prompt=f"What is {qid} {n}?",
            answer="An answer. Two parts.",
            key_points=["a one", "b two"],
        )
        return AnkiNote(f"note {n}", f"g{n}", tuple(note_fields(q)), MOCKPREP_FIELDS, deck=deck)

    got = note_items([own("mockprep::ML", "dropout", 1), own("mockprep::Tricky", "dropout", 2)])
    notices = [item for item in got.items if isinstance(item, Notice)]
    assert len(
        notices
    ) == 1 and "2 of mockprep's banks, decks 'mockprep::ML' (1), 'mockprep::Tricky' (1)" in (
        notices[0].message
    )
    made = build_bank(BankMeta("both", "Both"), got.items)
    assert (made.made, [(n.where, n.message) for n in made.notices][1:]) == (
        2,
        [("note 2", "id 'dropout' is taken by the question at note 1: this one is 'dropout-2'")],
    )


def test_banks_of_one_title_exported_together_are_still_said_to_become_one(tmp_path: Path) -> None:
    """Found by an independent reviewer: banks are counted by deck, and a bank's deck was its title's,
    so two banks titled alike became one bank on import without the notice."""
    from mockprep.services.bank_export import anki_text

    specs = []
    for bank_id in ("ml-a", "ml-b"):
        path = write_bank(tmp_path / f"{bank_id}.toml", bank_id=bank_id, n=2)
        path.write_text(path.read_text().replace(f'"Demo {bank_id}"', '"ML"'))
        specs.append(parse_bank(path.read_bytes(), str(path)).spec)
    text = tmp_path / "both.txt"
    text.write_text(anki_text(specs))
    made = import_bank(text, ImportOptions(), DEFAULT_SETTINGS)
    merged = [n.message for n in made.notices if "of mockprep's banks" in n.message]
    assert merged and "decks 'mockprep::ML (ml-a)' (2), 'mockprep::ML (ml-b)' (2)" in merged[0], merged


_BANK = 'id = "bom-bank"\ntitle = "B"\nround = "technical"\ntopic = "t"\n\n[[questions]]\nid = "q"\nprompt = "Why?"\n'
_BANK += 'answer = "Because. It is so."\nkey_points = ["because it is", "so it is"]\n'


def test_a_bank_saved_with_a_byte_order_mark_reads_and_odd_encodings_are_one_line() -> None:
    """Found by an exploratory tester: Notepad's UTF-8 BOM gave 'not valid TOML: Invalid statement',
    UTF-16 gave two lines for one problem, and an empty file four 'field ... missing' lines."""
    assert parse_bank(b"\xef\xbb\xbf" + _BANK.encode(), "bom.toml").spec.id == "bom-bank"
    for data, problem in (
        (b"\xff\xfe" + _BANK.encode("utf-16-le"), "bom.toml:1: saved as UTF-16: save it as UTF-8"),
        (b"", "bom.toml: file is empty (a bank needs id, title, round, questions)"),
        (b"\xef\xbb\xbf \n\n", "bom.toml: file is empty (a bank needs id, title, round, questions)"),
    ):
        with pytest.raises(BankError) as raised:
            parse_bank(data, "bom.toml")
        assert [str(p) for p in raised.value.problems] == [problem]


def test_a_bank_level_edit_is_synced_to_its_questions_and_said(cli, home, tmp_path: Path) -> None:
    """Found by an exploratory tester: a bank's new title and roles were stored, but `bank sync` said
    'All banks are up to date.', and its questions kept their old roles, so `session --role` refused a
    role the bank now declared."""
    path = write_bank(tmp_path / "b.toml", bank_id="my-ml")
    assert cli("bank", "add", str(path)).exit_code == 0
    text = path.read_text().replace('"Demo my-ml"', '"My ML"')
    path.write_text(
        text.replace('roles = ["ml-researcher"]', 'roles = ["ml-researcher", "quant-researcher"]')
    )
    synced = cli("bank", "sync")
    assert synced.stdout.strip() == "my-ml: title and roles changed", synced.stdout
    roles = {r for (r,) in db_rows(home, "SELECT roles FROM questions WHERE bank_id = 'my-ml'")}
    assert roles == {'["ml-researcher", "quant-researcher"]'}
    asked = cli("session", "--role", "quant-researcher", input="q\n")
    assert asked.exit_code == 0 and "of my-ml?" in asked.stdout, asked.stderr


def test_a_bank_topic_edit_is_said(cli, home, tmp_path: Path) -> None:
    """Found by an independent reviewer: a bank's new `topic` reached its questions, but `bank sync`
    said 'All banks are up to date.' (the banks table has no topic column to compare)."""
    path = write_bank(tmp_path / "b.toml", bank_id="b")
    assert cli("bank", "add", str(path)).exit_code == 0
    path.write_text(path.read_text().replace('topic = "demo-topic"', 'topic = "other-topic"'))
    synced = cli("bank", "sync")
    assert synced.stdout.strip() == "b: topic changed", synced.stdout
    assert {t for (t,) in db_rows(home, "SELECT topic FROM questions WHERE bank_id = 'b'")} == {"other-topic"}
    path.write_text(path.read_text().replace('"Demo b"', '"B"').replace('"other-topic"', '"third"'))
    assert cli("bank", "sync").stdout.strip() == "b: title and topic changed"
    assert cli("bank", "sync").stdout.strip() == "All banks are up to date."


def test_csv_rows_are_numbered_as_a_spreadsheet_shows_them_and_every_bad_row_is_named(
    cli, tmp_path: Path
) -> None:
    """Found by an exploratory tester: 'row N' was the file's line, so a quoted cell holding new lines
    moved it (row 6 for the spreadsheet's row 4); and a file whose rows were all bad named only the
    first."""
    rows = tmp_path / "rows.csv"
    rows.write_text(
        'Front,Back\nq one?,answer one is long enough. yes it is.\n"multi\nline q?","a\nb c d. e f g."\n'
        "q three?,\n"
    )
    made = cli("bank", "import", str(rows), "-o", "-")
    assert f"{rows}: row 4 (line 6): skipped: empty answer" in made.stderr, made.stderr
    bad = tmp_path / "bad.csv"
    bad.write_text(
        'Question,Answer,Difficulty\nWhat is A?,"A is one. It has two parts.",hard\n'
        'What is B?,"B is two. It has parts.",4\n'
    )
    refused = cli("bank", "import", str(bad), "-o", "-")
    assert refused.exit_code != 0
    assert refused.stderr.splitlines() == [
        f"{bad}: row 2: skipped: difficulty must be 1, 2 or 3 (got 'hard')",
        f"{bad}: row 3: skipped: difficulty must be 1, 2 or 3 (got '4')",
        f"mockprep: error: {bad}: nothing to import: all 2 items were skipped (each above)",
    ]


def test_a_packages_media_is_counted_once(tmp_path: Path) -> None:
    """Found by an exploratory tester: one <img> and one [sound:] with their two files in the package
    were '4 media files dropped' (each reference and each file counted)."""
    from tests.test_bank_import import _write_collection

    collection = _write_collection(
        tmp_path / "c.anki2",
        [("What is a sigmoid? <img src='s.png'>", "An S-shaped curve. It squashes to (0, 1). [sound:s.mp3]")],
    )
    package = tmp_path / "one.apkg"
    with zipfile.ZipFile(package, "w") as archive:
        archive.write(collection, "collection.anki2")
        archive.writestr("0", b"png")
        archive.writestr("1", b"mp3")
        archive.writestr("media", '{"0": "s.png", "1": "s.mp3"}')
    assert import_bank(package, ImportOptions(), DEFAULT_SETTINGS).media == 2


def test_a_media_file_shared_by_several_notes_is_counted_once(tmp_path: Path) -> None:
    """Found by an independent reviewer: five notes showing one logo.png, its one file in the package,
    were '5 media files dropped' (each reference counted)."""
    from tests.test_bank_import import _write_collection

    notes = [
        (f"Question {i}? <img src='logo.png'>", f"Answer {i} is one part. It has a second.") for i in range(5)
    ]
    notes.append(("What is it? <img src='other.png'><img>", "Nothing much. Really. [sound:logo.png]"))
    collection = _write_collection(tmp_path / "c.anki2", notes)
    package = tmp_path / "logo.apkg"
    with zipfile.ZipFile(package, "w") as archive:
        archive.write(collection, "collection.anki2")
        archive.writestr("0", b"png")
        archive.writestr("1", b"unused")
        archive.writestr("media", '{"0": "logo.png", "1": "unused.png"}')
    # logo.png, other.png (left out of the package), unused.png, and the <img> naming no file
    assert import_bank(package, ImportOptions(), DEFAULT_SETTINGS).media == 4
    text = tmp_path / "notes.txt"
    text.write_text(
        "#separator:tab\n#html:true\n"
        + "".join(f"Q{i}? <img src='logo.png'>\tA{i} is one. It has two.\n" for i in range(5))
    )
    assert import_bank(text, ImportOptions(), DEFAULT_SETTINGS).media == 1


def test_with_history_keeps_the_time_each_anki_answer_took(cli, tmp_path: Path, home: Path) -> None:
    """Found by an exploratory tester: revlog.time (3044 ms in mockprep's own export) was dropped, so an
    imported rating showed 0s and stats 'Total practice time: 0s'."""
    import sqlite3

    from tests.test_bank_import import _write_collection

    collection = _write_collection(
        tmp_path / "c.anki2", [("What is a prior?", "A belief before the data. The likelihood updates it.")]
    )
    con = sqlite3.connect(collection)
    con.execute(
        "CREATE TABLE revlog (id integer primary key, cid integer, usn integer, ease integer, ivl integer,"
        " lastIvl integer, factor integer, time integer, type integer)"
    )
    con.executemany(
        "INSERT INTO revlog VALUES (?, 1, -1, ?, 1, 0, 2500, ?, 0)",
        [(1_780_000_000_000, 3, 3044), (1_780_090_000_000, 4, 1500)],
    )
    con.commit()
    con.close()
    package = tmp_path / "h.apkg"
    with zipfile.ZipFile(package, "w") as archive:
        archive.write(collection, "collection.anki2")
    out = tmp_path / "h.toml"
    result = cli("bank", "import", str(package), "-o", str(out), "--id", "h", "--add", "--with-history")
    assert result.exit_code == 0, result.stderr
    assert db_rows(home, "SELECT duration_ms FROM reviews ORDER BY rated_us") == [(3044,), (1500,)]


def test_a_code_questions_failures_name_their_line(cli, tmp_path: Path) -> None:
    """Found by an exploratory tester: 'the reference solution fails' and 'wrong solution 1 passes every
    test' came without the line every other bank problem carries."""
    path = tmp_path / "cq.toml"
    path.write_text(
        'id = "cq"\ntitle = "C"\nround = "technical"\ntopic = "t"\n\n[[questions]]\nid = "sq"\nkind = "code"\n'
        'prompt = "Write sq(x)."\nanswer = "Multiply. Return it."\n'
        'key_points = ["multiply x by x", "return the product"]\n'
        'solution = "def sq(x):\\n    return x + x\\n"\nwrong_solutions = ["def sq(x):\\n    return x * x\\n"]\n'
        '[[questions.tests]]\ncall = "sq(3)"\nexpected = "9"\n'
    )
    checked = cli("bank", "validate", str(path))
    assert checked.exit_code == 2
    assert f"{path}:12: question 'sq': the reference solution fails: test 1: failed" in checked.stderr
    assert f"{path}:13: question 'sq': field 'wrong_solutions': wrong solution 1 passes" in checked.stderr


def test_bank_export_to_a_file_says_so_and_a_csv_is_pointed_at_bank_import(cli, tmp_path: Path) -> None:
    bank = write_bank(tmp_path / "b.toml", bank_id="my-ml")
    for fmt, what in (("md", "a Markdown sheet"), ("anki-txt", "Anki's plain text")):
        out = tmp_path / f"out.{fmt}"
        done = cli("bank", "export", str(bank), "-f", fmt, "-o", str(out))
        assert done.exit_code == 0 and done.stdout == f"Wrote 3 questions as {what} to {out}\n", done.stderr
    sheet = tmp_path / "some.csv"
    sheet.write_text("Question,Answer\nWhat?,This.\n")
    refused = cli("bank", "export", str(sheet), "-f", "md")
    assert refused.exit_code != 0
    assert f"it is not a bank file: make one of it with mockprep bank import {sheet}" in refused.stderr
