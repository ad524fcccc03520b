"""`bank import` and `bank export`: Markdown, CSV/TSV, Anki text and packages; bad input; round trips."""

from __future__ import annotations

import sqlite3
import tomllib
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from mockprep.core.bank_import import REVIEW_MARK, SourceError
from mockprep.core.bank_markdown import read_markdown
from mockprep.core.bank_markdown_writer import write_markdown
from mockprep.core.banks import BankSpec, QuestionModel, parse_bank
from mockprep.core.html_text import clozes, html_to_text
from mockprep.core.settings import DEFAULT_SETTINGS
from mockprep.services.bank_import import ImportOptions, import_bank, read_package

SHEET = """---
id: study-group
title: Study group
topic: statistics
---

# Study group notes

## What is a p-value?

The probability, under the null hypothesis, of data at least as extreme as observed. It is not the
probability that the null hypothesis is true.

Tags: stats, hypothesis-testing

## Explain bias and variance {#bias-variance}

```python
# a comment in code is not a heading
model.fit(x, y)
```

Key points:
- bias comes from wrong assumptions
- variance comes from sensitivity to the training data

Follow-ups:
- How does regularisation move them?

Difficulty: 3

## Probability

Q: What is Bayes' rule?
A: P(A|B) = P(B|A) P(A) / P(B). It inverts conditional probabilities.

What does a confidence interval mean?
?
A procedure that covers the true value in 95% of repeated samples. It says nothing certain about one interval.
"""


def _bank(path: Path) -> BankSpec:
    return parse_bank(path.read_bytes(), str(path)).spec


def test_markdown_styles_become_a_valid_bank(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sheet.md").write_text(SHEET)
    result = cli("bank", "import", "sheet.md")
    assert result.exit_code == 0, result.stderr
    assert (
        "sheet.md: read 4, made 4 questions, skipped 0; 3 questions with proposed key points" in result.stdout
    )
    out = tmp_path / "study-group.toml"
    bank = _bank(out)
    assert (bank.id, bank.title, bank.topic) == ("study-group", "Study group", "statistics")
    by_prompt = {q.prompt: q for q in bank.questions}
    assert set(by_prompt) == {
        "What is a p-value?",
        "Explain bias and variance",
        "What is Bayes' rule?",
        "What does a confidence interval mean?",
    }
    bias = by_prompt["Explain bias and variance"]
    assert bias.id == "bias-variance" and bias.difficulty == 3
    assert "# a comment in code is not a heading" in bias.answer
    assert bias.key_points == [
        "bias comes from wrong assumptions",
        "variance comes from sensitivity to the training data",
    ]
    assert bias.follow_ups == ["How does regularisation move them?"]
    assert by_prompt["What is a p-value?"].tags == ["stats", "hypothesis-testing"]
    assert by_prompt["What is Bayes' rule?"].topic == "probability"  # the empty heading above it
    assert by_prompt["What is Bayes' rule?"].key_points == [
        "P(A|B) = P(B|A) P(A) / P(B)",
        "It inverts conditional probabilities",
    ]
    text = out.read_text()
    assert text.count(REVIEW_MARK) == 3  # proposed points are marked; given ones are not
    assert cli("bank", "validate", str(out)).exit_code == 0


INTERVIEW_NOTES = """# ML interview prep

## Deep learning

1. **What is batch normalization and why does it help?**

   It normalises each feature over the mini-batch, then applies a learned scale and shift.

       indented code stays indented

2. **Explain dropout**

   Units are zeroed at random while training, so no unit can rely on another.

## Statistics

**Q: What is a p-value?**
**A:** The probability, under the null, of data at least as extreme as observed.

**Question 2:** Why hold out a test set?
**Answer 2:** To estimate performance on data that chose nothing.

Q3. What is a confidence interval?
A3: A procedure covering the true value in 95% of repeated samples.

### Q4. Explain the difference between L1 and L2.
L1 sets weights to exactly zero; L2 shrinks them smoothly.

## Resampling

**Why does the bootstrap work?**
Resampling the sample imitates sampling from the population.

<details>
<summary><b>What is Simpson's paradox?</b></summary>

A trend within every group reverses when the groups are combined.
</details>

**Note:** bold text that is not a question stays in the answer.
"""


def test_common_interview_note_styles_read_as_questions() -> None:
    """Numbered bold questions with indented answers, bold and numbered Q/A markers, numbered headings,
    bold question lines and <details> blocks: each becomes one question, its numbering dropped."""
    items = read_markdown(INTERVIEW_NOTES).items
    got = {item.prompt: (item.answer, item.topic) for item in items}
    assert list(got) == [
        "What is batch normalization and why does it help?",
        "Explain dropout",
        "What is a p-value?",
        "Why hold out a test set?",
        "What is a confidence interval?",
        "Explain the difference between L1 and L2.",
        "Why does the bootstrap work?",
        "What is Simpson's paradox?",
    ]
    batch_norm, _topic = got["What is batch normalization and why does it help?"]
    assert batch_norm.startswith("It normalises") and "\n\n    indented code stays indented" in batch_norm
    assert got["Explain dropout"][1] == "deep-learning" and got["What is a p-value?"][1] == "statistics"
    assert got["What is a p-value?"][0].startswith("The probability, under the null")
    assert got["Why hold out a test set?"][0] == "To estimate performance on data that chose nothing."
    assert got["What is a confidence interval?"][0].startswith("A procedure")
    paradox = got["What is Simpson's paradox?"][0]
    assert paradox.startswith("A trend") and "</details>" not in paradox
    assert paradox.endswith("**Note:** bold text that is not a question stays in the answer.")
    assert got["Why does the bootstrap work?"][1] == "resampling"


def test_bold_and_numbered_lines_inside_an_answer_stay_in_it() -> None:
    """Those styles start questions only where questions are listed (nothing open, the same style, or
    a topic heading): inside a heading question's answer they are its text, as before."""
    notes = (
        "## What are the kinds of regularization?\nThe common ones:\n1. **L1 (lasso)**\n   Adds |w|.\n"
        "2. **L2 (ridge)**\n   Adds w².\n\n**Why does that help?** It shrinks.\n\n**Why does that help?**\n"
        "Less variance.\n<details>\n<summary>Hint</summary>\nThink of priors.\n</details>\n\n"
        "## What did the paper test?\nQuestion 1. in the paper was about scale.\n**Q:** not a new one\n"
        "## Which norm?\n1. **L1** when you want sparsity.\n"
    )
    items = read_markdown(notes).items
    assert [item.prompt for item in items] == [
        "What are the kinds of regularization?",
        "What did the paper test?",
        "Which norm?",  # a heading that asks is a question, whatever its answer starts with
    ]
    first, second, third = (item.answer for item in items)
    assert third == "1. **L1** when you want sparsity."
    assert "1. **L1 (lasso)**" in first and "**Why does that help?**\nLess variance." in first
    assert "<summary>Hint</summary>" in first
    assert second == "Question 1. in the paper was about scale.\n**Q:** not a new one"


def test_reimport_keeps_ids_and_reviewed_key_points(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sheet.md").write_text(SHEET)
    assert cli("bank", "import", "sheet.md", "--add").exit_code == 0
    out = tmp_path / "study-group.toml"
    first = _bank(out)
    # the person reviews one question's proposed points: edits them and deletes the review line
    text = out.read_text()
    block_start = text.index("prompt = 'What is a p-value?'")
    mark = text.index(REVIEW_MARK, block_start)
    points_end = text.index("]\n", mark) + 2
    edited = (
        text[:mark]
        + 'key_points = ["probability of data this extreme", "assuming the null hypothesis"]\n'
        + text[points_end:]
    )
    out.write_text(edited)
    (tmp_path / "sheet.md").write_text(SHEET.replace("It inverts", "It turns around"))
    result = cli("bank", "import", "sheet.md", "--add")
    assert result.exit_code == 0, result.stderr
    second = _bank(out)
    assert [q.id for q in second.questions] == [q.id for q in first.questions]
    p_value = next(q for q in second.questions if q.prompt == "What is a p-value?")
    assert p_value.key_points == ["probability of data this extreme", "assuming the null hypothesis"]
    assert out.read_text().count(REVIEW_MARK) == 2
    from tests.conftest import db_rows

    home = Path(__import__("os").environ["MOCKPREP_HOME"])
    rows = db_rows(home, "SELECT count(*) FROM questions WHERE bank_id = 'study-group'")
    assert rows == [(4,)]  # updated, not duplicated


def test_import_refuses_to_replace_another_file(cli, tmp_path: Path) -> None:
    (tmp_path / "sheet.md").write_text(SHEET)
    other = tmp_path / "mine.toml"
    other.write_text('id = "mine"\n')
    result = cli("bank", "import", str(tmp_path / "sheet.md"), "--out", str(other))
    assert result.exit_code == 2
    assert "is not bank 'study-group'" in result.stderr
    assert other.read_text() == 'id = "mine"\n'


def test_csv_with_a_map_and_a_skipped_row(cli, tmp_path: Path) -> None:
    source = tmp_path / "sheet.csv"
    source.write_text(
        "Question,Model answer,Labels,Points\n"
        '"What is overfitting?","Fitting noise in the training data. It fails on new data.","ml basics",\n'
        '"What is dropout?",,x,\n'
        '"What is a ROC curve?","True positive rate against false positive rate.","eval","TPR vs FPR; every threshold"\n'
    )
    out = tmp_path / "b.toml"
    result = cli(
        "bank",
        "import",
        str(source),
        "--map",
        "answer=Model answer,tags=Labels,key_points=Points",
        "-o",
        str(out),
        "--topic",
        "ml",
    )
    assert result.exit_code == 0, result.stderr
    assert "read 3, made 2 questions, skipped 1" in result.stdout
    assert f"{source}: row 3: skipped: empty answer" in result.stderr
    bank = _bank(out)
    roc = bank.questions[1]
    assert roc.key_points == ["TPR vs FPR", "every threshold"] and roc.tags == ["eval"]
    assert bank.questions[0].tags == ["ml", "basics"] and bank.topic == "ml"


def test_a_csv_misconceptions_column_becomes_the_questions_misconceptions(cli, tmp_path: Path) -> None:
    source = tmp_path / "sheet.csv"
    source.write_text(
        "Question,Answer,Key points,Common mistakes\n"
        '"Why scale the loss under gradient accumulation?","To average over the large batch.",'
        '"divide by k; same gradient as one big batch",'
        '"Scaling is not needed because the optimizer averages micro-batches; Loss scaling changes the LR"\n'
    )
    out = tmp_path / "b.toml"
    result = cli("bank", "import", str(source), "-o", str(out), "--topic", "systems")
    assert result.exit_code == 0, result.stderr
    [question] = _bank(out).questions
    assert question.misconceptions == [
        "Scaling is not needed because the optimizer averages micro-batches",
        "Loss scaling changes the LR",
    ]


def test_a_csv_without_a_header_row_or_split_at_semicolons_still_reads() -> None:
    from mockprep.core.bank_tabular import read_table

    headerless = (
        '"What is overfitting?","Fitting noise in the training data. It fails on new data."\n'
        '"What is a ROC curve?","True positive rate against false positive rate, over thresholds."\n'
    )
    items = read_table(headerless, ",", {})
    assert [(i.where, i.prompt) for i in items] == [
        ("row 1", "What is overfitting?"),
        ("row 2", "What is a ROC curve?"),
    ]
    semicolons = "Term;Definition;Tags\nWhat is dropout?;Zeroing random units while training.;dl\n"
    (item,) = read_table(semicolons, ",", {})
    assert (item.prompt, item.answer, item.tags) == (
        "What is dropout?",
        "Zeroing random units while training.",
        ("dl",),
    )
    with pytest.raises(SourceError, match="no column for prompt"):
        read_table("Card,Text\nx,y\n", ",", {})  # short unknown names: a header, not a question


def test_escape_sequences_and_control_characters_in_a_source_are_dropped(cli, tmp_path: Path) -> None:
    """A colour code pasted into one cell refused the whole file, naming a line of the bank it made."""
    source = tmp_path / "ctl.csv"
    source.write_text(
        'Question,Answer,Tags\n"What is \x1b[1mx\x1b[0m?","A \x1b[31mred\x1b[0m thing.\x07 Really red.","a\x00b"\n'
    )
    out = tmp_path / "ctl.toml"
    result = cli("bank", "import", str(source), "-o", str(out))
    assert result.exit_code == 0, result.stderr
    (question,) = _bank(out).questions
    assert (question.prompt, question.answer, question.tags) == (
        "What is x?",
        "A red thing. Really red.",
        ["ab"],
    )


def test_a_list_number_run_into_the_prose_is_not_proposed_as_a_key_point() -> None:
    """A plain '1. What does dropout...?' line under an answer became a proposed key point '1'."""
    from mockprep.core.bank_import import propose_key_points

    points = propose_key_points(
        "Dropout zeroes units at random.\n1. What does it do at test time? It scales."
    )
    assert "1" not in points and all(any(ch.isalpha() for ch in p) for p in points)


def test_proposed_key_points_are_not_cut_after_an_abbreviation() -> None:
    """'..., e.g. Q-learning.' proposed 'Off-policy ... e.g' and 'Q-learning' as two key points."""
    from mockprep.core.bank_import import propose_key_points

    answer = (
        "Off-policy methods learn from other data, e.g. Q-learning. On-policy ones need fresh samples,"
        " i.e. SARSA and PPO. Both trade bias vs. variance."
    )
    assert propose_key_points(answer) == [
        "Off-policy methods learn from other data, e.g. Q-learning",
        "On-policy ones need fresh samples, i.e. SARSA and PPO",
        "Both trade bias vs. variance",
    ]


def test_csv_missing_column_is_one_line_and_writes_nothing(cli, tmp_path: Path) -> None:
    source = tmp_path / "sheet.tsv"
    source.write_text("Front\tNotes\nWhat?\tThat.\n")
    result = cli("bank", "import", str(source), "-o", str(tmp_path / "b.toml"))
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert (
        "no column for answer (the columns are: Front, Notes; name one with --map answer=COLUMN)"
        in result.stderr
    )
    assert not (tmp_path / "b.toml").exists()


def test_bad_options_are_one_line(cli, tmp_path: Path) -> None:
    source = tmp_path / "s.csv"
    source.write_text("Question,Answer\nA question?,One idea. And another one.\n")
    for args, message in (
        (("--id", "My Bank"), "bank id 'My Bank' must be lower-case letters, digits and '-'"),
        (("--round", "coding"), "round must be one of technical, project, behavioral (got 'coding')"),
        (("--format", "docx"), "unknown format 'docx'"),
        (("--map", "prompt"), "--map: 'prompt' is not FIELD=COLUMN"),
        (("--with-history",), "--with-history needs --add"),
    ):
        result = cli("bank", "import", str(source), "-o", str(tmp_path / "b.toml"), *args)
        assert result.exit_code == 2 and message in result.stderr and result.stderr.count("\n") == 1, args
    assert not (tmp_path / "b.toml").exists()


def test_strict_writes_nothing_when_anything_is_skipped(cli, tmp_path: Path) -> None:
    source = tmp_path / "s.csv"
    source.write_text("Question,Answer\nA question?,One idea. And another one.\nEmpty?,\n")
    result = cli("bank", "import", str(source), "-o", str(tmp_path / "b.toml"), "--strict")
    assert result.exit_code == 2 and "nothing written" in result.stderr
    assert not (tmp_path / "b.toml").exists()


ANKI_TEXT = (
    "#separator:tab\n#html:true\n#guid column:1\n#notetype column:2\n#deck column:3\n#tags column:6\n"
    "g1\tBasic\tML::Statistics\tWhat is <b>variance</b>?\tThe spread of values.<br>It is the mean squared deviation.<script>steal()</script>\tstats core\n"
    "g2\tCloze\tML::Statistics\tThe {{c1::mean}} and the {{c2::median::middle}} differ in skewed data.\t\tstats\n"
    'g3\tBasic\tML\t"A <img src=""a.png""> question"\t\t\n'
)


def test_anki_text_export_with_headers(cli, tmp_path: Path) -> None:
    source = tmp_path / "deck.txt"
    source.write_text(ANKI_TEXT)
    out = tmp_path / "deck.toml"
    result = cli("bank", "import", str(source), "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert (
        "read 4, made 3 questions, skipped 1; 3 questions with proposed key points to review; 1 media file dropped; 1 script removed"
        in result.stdout
    )
    assert f"{source}: line 9: skipped: its second field is empty" in result.stderr
    bank = _bank(out)
    variance, c1, c2 = bank.questions
    assert variance.prompt == "What is variance?"
    assert variance.answer == "The spread of values.\nIt is the mean squared deviation."
    assert "steal" not in out.read_text()
    assert variance.topic == "statistics" and variance.tags == ["stats", "core", "ml"]
    assert c1.prompt == "The [...] and the median differ in skewed data." and c1.key_points[0] == "mean"
    assert c2.prompt == "The mean and the [middle] differ in skewed data." and c2.key_points[0] == "median"
    again = tmp_path / "again.toml"
    assert cli("bank", "import", str(source), "-o", str(again), "--id", "deck").exit_code == 0
    assert [q.id for q in _bank(again).questions] == [q.id for q in bank.questions]  # ids from the GUIDs


def test_html_to_text_keeps_lists_code_and_maths() -> None:
    got = html_to_text(
        "Steps:<ol><li>fit</li><li>score</li></ol><pre>x = 1\n  y = 2</pre>and <code>z</code> \\(x^2\\)&nbsp;ok"
    )
    assert got.text == "Steps:\n\n1. fit\n2. score\n\n```\nx = 1\n  y = 2\n```\nand `z` \\(x^2\\) ok"
    assert [c.prompt for c in clozes("{{c1::a}} {{c2::b::hint}} {{c1::c}}")] == [
        "[...] b [...]",
        "a [hint] c",
    ]


def _write_collection(path: Path, notes: list[tuple[str, str]]) -> Path:
    """A tiny legacy (schema 11) collection, written with plain sqlite3."""
    con = sqlite3.connect(path)
    con.executescript(
        "CREATE TABLE col (id integer primary key, models text, decks text);"
        "CREATE TABLE notes (id integer primary key, guid text, mid integer, tags text, flds text);"
        "CREATE TABLE cards (id integer primary key, nid integer, did integer, ord integer);"
    )
    con.execute(
        "INSERT INTO col VALUES (1, ?, ?)",
        (
            '{"7": {"name": "Basic", "flds": [{"name": "Front", "ord": 0}, {"name": "Back", "ord": 1}]}}',
            '{"1": {"name": "Default"}}',
        ),
    )
    for n, (front, back) in enumerate(notes, start=1):
        con.execute("INSERT INTO notes VALUES (?, ?, 7, '', ?)", (n, f"g{n}", f"{front}\x1f{back}"))
        con.execute("INSERT INTO cards VALUES (?, ?, 1, 0)", (n, n))
    con.commit()
    con.close()
    return path


def test_corrupt_archive_is_one_line_and_writes_nothing(cli, tmp_path: Path) -> None:
    bad = tmp_path / "deck.apkg"
    bad.write_bytes(b"PK\x03\x04 this is not really a zip")
    result = cli("bank", "import", str(bad), "-o", str(tmp_path / "b.toml"))
    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"mockprep: error: {bad}: not an Anki package: the zip archive is damaged"
    )
    assert result.stderr.count("\n") == 1 and not (tmp_path / "b.toml").exists()
    damaged = tmp_path / "damaged.apkg"
    with zipfile.ZipFile(damaged, "w") as archive:
        archive.writestr("collection.anki2", b"SQLite format 3\x00" + b"\x00" * 100)
    result = cli("bank", "import", str(damaged), "-o", str(tmp_path / "b.toml"))
    assert (
        result.exit_code == 2 and "collection.anki2" in result.stderr and not (tmp_path / "b.toml").exists()
    )


def test_zip_bomb_stops_at_the_cap(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.apkg"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("collection.anki2", b"\x00" * (8 * 2**20))  # 8 MB of zeros: a few KB zipped
    assert bomb.stat().st_size < 100_000
    with pytest.raises(SourceError, match="would unpack to more than 1 MB .refused: a zip bomb"):
        read_package(bomb, 2**20, 2**20)
    # a member whose header lies about its size is stopped while it unpacks
    lying = tmp_path / "lying.apkg"
    data = bytearray(bomb.read_bytes())
    for marker in (b"PK\x03\x04", b"PK\x01\x02"):
        start = data.find(marker)
        size_at = start + (22 if marker == b"PK\x03\x04" else 24)
        data[size_at : size_at + 4] = (100).to_bytes(4, "little")
    lying.write_bytes(bytes(data))
    with pytest.raises(SourceError):
        read_package(lying, 2**20, 2**20)


def test_a_file_over_the_size_limit_is_refused_before_reading(cli, tmp_path: Path) -> None:
    big = tmp_path / "big.md"
    with big.open("wb") as handle:
        handle.truncate(100 * 2**20)  # 100 MB, sparse
    result = cli("bank", "import", str(big), "-o", str(tmp_path / "b.toml"))
    assert result.exit_code == 2
    assert result.stderr == f"mockprep: error: {big}: is larger than 64 MB (the import limit)\n"


def test_package_notes_with_empty_fields_are_named(tmp_path: Path) -> None:
    collection = _write_collection(
        tmp_path / "c.anki2",
        [
            ("What is entropy?", "Expected surprise. It is measured in bits."),
            ("", "orphan"),
            ("No answer?", ""),
        ],
    )
    package = tmp_path / "deck.apkg"
    with zipfile.ZipFile(package, "w") as archive:
        archive.write(collection, "collection.anki2")
        archive.writestr("0", b"image bytes")
        archive.writestr("media", '{"0": "a.png"}')
    result = import_bank(package, ImportOptions(), DEFAULT_SETTINGS)
    assert (result.read, result.made, result.media) == (3, 1, 1)
    assert [(s.where, s.reason) for s in result.skipped] == [
        ("note 2", "its 'Front' field is empty"),
        ("note 3", "its 'Back' field is empty"),
    ]
    settings = replace(DEFAULT_SETTINGS, import_unpacked_max_mb=0.001)
    with pytest.raises(SourceError, match="zip bomb"):
        import_bank(package, ImportOptions(), settings)


def test_export_markdown_then_import_gives_the_builtin_banks_back(cli, tmp_path: Path) -> None:
    for bank_id in ("statistics", "algorithms"):
        sheet = tmp_path / f"{bank_id}.md"
        assert cli("bank", "export", bank_id, "--format", "md", "-o", str(sheet)).exit_code == 0
        assert "\nMisconceptions:\n- " in sheet.read_text(encoding="utf-8")  # a list to read, not JSON
        out = tmp_path / f"{bank_id}.toml"
        result = cli("bank", "import", str(sheet), "-o", str(out))
        assert result.exit_code == 0, result.stderr
        assert "proposed" not in result.stdout
        from mockprep.paths import builtin_banks_dir

        original = parse_bank((builtin_banks_dir() / "technical" / f"{bank_id}.toml").read_bytes(), "x").spec
        assert _bank(out) == _normal(original)


@pytest.mark.parametrize("fmt", ["apkg", "anki-txt", "md"])
def test_builtin_choice_numeric_and_code_questions_export_and_import_back(
    cli, tmp_path: Path, fmt: str
) -> None:
    """Every kind the built-in banks hold comes back: choice and numeric questions (statistics,
    algorithms) and code questions with their tests (ml-coding)."""
    from mockprep.paths import builtin_banks_dir

    for bank_id in ("statistics", "algorithms", "ml-coding"):
        export = tmp_path / f"{bank_id}.{'txt' if fmt == 'anki-txt' else fmt}"
        assert cli("bank", "export", bank_id, "--format", fmt, "-o", str(export)).exit_code == 0
        out = tmp_path / f"{bank_id}.toml"
        result = cli("bank", "import", str(export), "-o", str(out))
        assert result.exit_code == 0, result.stderr
        assert "skipped 0" in result.stdout and "proposed" not in result.stdout
        original = parse_bank((builtin_banks_dir() / "technical" / f"{bank_id}.toml").read_bytes(), "x").spec
        assert _bank(out).questions == _normal(original).questions


def _normal(bank: BankSpec) -> BankSpec:
    questions = [
        q.model_copy(
            update={
                "prompt": q.prompt.strip(),
                "answer": q.answer.strip(),
                "follow_ups": [f.strip() for f in q.follow_ups],
                "misconceptions": [m.strip() for m in q.misconceptions],
            }
        )
        for q in bank.questions
    ]
    return bank.model_copy(update={"questions": questions})


MIXED_BANK = """id = "mixed"
title = "Mixed kinds"
round = "technical"
topic = "general"

[[questions]]
id = "topological-order"
kind = "choice"
difficulty = 1
time_limit = "90s"
tags = ["graphs"]
prompt = "Edges A→B, A→C, B→C. Which of these is a valid topological order?"
choices = ["A, B, C", "B, A, C", "C, <B>, A"]
correct = "a"
answer = "A, B, C: every edge u→v has u before v."
key_points = ["every edge u→v needs u before v", "A is the only source"]
misconceptions = ["any order that starts with A will do"]

[[questions]]
id = "false-positive-rate"
kind = "numeric"
topic = "testing"
prompt = "At alpha = 0.05, what share of true nulls is rejected?"
value = 0.05
tolerance = 0.001
unit = "of tests"
answer = "alpha is the false positive rate under the null."
key_points = ["alpha is the type I error rate", "it holds under the null"]
follow_ups = ["What changes with 20 tests?"]

[[questions]]
id = "stable-softmax"
difficulty = 3
roles = ["ml-engineer"]
prompt = "Why subtract the maximum in softmax?"
answer = '''
To avoid overflow:

    exp(x - max(x)) / sum(exp(x - max(x)))

is the same  value, with every exponent at most 0.'''
key_points = ["exp overflows for large inputs", "subtracting a constant does not change softmax"]
"""


def _note_fields(path: Path) -> dict[str, dict[str, str]]:
    """The fields of each note of mockprep's note type in an export (.apkg or Anki text), by prompt."""
    from mockprep.core.anki_notetype import MOCKPREP_FIELDS

    if path.suffix == ".apkg":
        with zipfile.ZipFile(path) as archive:
            archive.extract("collection.anki2", path.parent)
        with sqlite3.connect(path.parent / "collection.anki2") as con:
            rows = [flds.split("\x1f") for (flds,) in con.execute("SELECT flds FROM notes")]
    else:
        import csv

        lines = [line for line in path.read_text(encoding="utf-8").splitlines(True) if line[0] != "#"]
        rows = [row[3:-1] for row in csv.reader(lines, delimiter="\t")]
    notes = [dict(zip(MOCKPREP_FIELDS, row, strict=True)) for row in rows]
    return {note["Prompt"].split(" ")[0]: note for note in notes}


@pytest.mark.parametrize("fmt", ["apkg", "anki-txt"])
def test_anki_exports_show_choices_and_values_and_import_back_the_same_bank(
    cli, tmp_path: Path, fmt: str
) -> None:
    """A choice question's options and a numeric question's value are on the card; the export imports
    back into the same bank: ids, kinds, choices, values, misconceptions, difficulty, time limits."""
    source = tmp_path / "mixed.toml"
    source.write_text(MIXED_BANK, encoding="utf-8")
    export = tmp_path / ("mixed.apkg" if fmt == "apkg" else "mixed.txt")
    assert cli("bank", "export", str(source), "--format", fmt, "-o", str(export)).exit_code == 0
    notes = _note_fields(export)
    choice, numeric, softmax = notes["Edges"], notes["At"], notes["Why"]
    assert choice["Choices"] == "a) A, B, C<br>b) B, A, C<br>c) C, &lt;B&gt;, A"
    assert choice["Correct"] == "a) A, B, C"
    assert choice["Misconceptions"] == "<ul><li>any order that starts with A will do</li></ul>"
    assert numeric["Choices"] == "" and numeric["Correct"] == "0.05 ± 0.001 of tests"
    assert softmax["Choices"] == softmax["Correct"] == ""
    out = tmp_path / "back.toml"
    args = ("--id", "mixed", "--title", "Mixed kinds", "--topic", "general")
    result = cli("bank", "import", str(export), "--format", fmt, "-o", str(out), *args)
    assert result.exit_code == 0, result.stderr
    assert "made 3 questions, skipped 0" in result.stdout and "proposed" not in result.stdout
    assert _bank(out) == _normal(parse_bank(MIXED_BANK.encode(), "mixed").spec)


def test_an_anki_text_row_whose_guid_starts_with_a_hash_is_a_note(cli, tmp_path: Path) -> None:
    """A line starting with '#' is a header line in Anki's text format: such a GUID is quoted."""
    bank = tmp_path / "mixed.toml"
    bank.write_text(MIXED_BANK.replace('id = "stable-softmax"', 'id = "q1406"'), encoding="utf-8")
    text = tmp_path / "mixed.txt"
    assert cli("bank", "export", str(bank), "--format", "anki-txt", "-o", str(text)).exit_code == 0
    assert '\n"#' in text.read_text(encoding="utf-8")  # q1406's GUID in bank "mixed" starts with '#'
    out = tmp_path / "back.toml"
    assert cli("bank", "import", str(text), "-o", str(out), "--topic", "general").exit_code == 0
    assert [q.id for q in _bank(out).questions] == ["topological-order", "false-positive-rate", "q1406"]


def test_a_mockprep_note_edited_or_added_in_anki_reads_as_shown() -> None:
    """A field edited in Anki wins over the exact copy the note carries; a note added in Anki (no bank
    fields) or from an earlier export (four fields) reads as any note; bad bank fields are a skip."""
    from mockprep.core.anki_notes import AnkiNote, note_items
    from mockprep.core.anki_notetype import MOCKPREP_FIELDS, note_fields

    spec = parse_bank(MIXED_BANK.encode(), "mixed").spec
    softmax = note_fields(spec.questions[2])
    assert '"answer": ' in softmax[-1]  # its indentation does not survive HTML: the exact text is carried
    edited = [*softmax]
    edited[1] = "Exponents overflow; subtracting the maximum keeps them at most 0."
    by_hand = ["What is softmax?", "Normalised exponentials.", "<ul><li>exp</li><li>sum to one</li></ul>"]
    notes = [
        AnkiNote("note 1", "g1", tuple(softmax), MOCKPREP_FIELDS, ("x",), "mockprep::Mixed kinds"),
        AnkiNote("note 2", "g2", tuple(edited), MOCKPREP_FIELDS),
        AnkiNote("note 3", "g3", (*by_hand, "", "", "", "", ""), MOCKPREP_FIELDS, (), "ML::Basics"),
        AnkiNote("note 4", "g4", tuple(by_hand), MOCKPREP_FIELDS),
        AnkiNote("note 5", "g5", (*softmax[:-1], "{not json"), MOCKPREP_FIELDS),
        AnkiNote("note 6", "g6", (*softmax[:-1], '{"id": "x", "colour": "red"}'), MOCKPREP_FIELDS),
        AnkiNote("note 7", "g7", (*softmax[:-1], '{"id": "x", "tags": "ml"}'), MOCKPREP_FIELDS),
    ]
    exact, changed, added, earlier, bad, unknown, wrong = note_items(notes).items
    assert exact.answer == spec.questions[2].answer.strip() and exact.source_id == "stable-softmax"
    assert (exact.tags, exact.topic, exact.difficulty, exact.history_key) == ((), None, 3, "g1")
    assert changed.answer == edited[1] and changed.key_points == exact.key_points
    assert (added.prompt, added.key_points, added.topic) == (
        "What is softmax?",
        ("exp", "sum to one"),
        "basics",
    )
    assert (earlier.prompt, earlier.source_id) == ("What is softmax?", "g4")
    assert bad.reason == "its 'Bank fields' field is not a JSON object"
    assert unknown.reason == "its 'Bank fields' field names unknown field 'colour'"
    assert wrong.reason == "its 'Bank fields' field has a wrong 'tags'"


# -- the Markdown round trip, for any text ---------------------------------------------------------

_MARKUP = st.sampled_from(
    [
        "# not a heading in the answer",
        "## Heading",
        "Key points:",
        "Tags: a, b",
        "Q: a question inside an answer",
        "A: and its answer",
        "?",
        "\\# escaped already",
        "\\\\Fields: {}",
        "```python",
        "```",
        "~~~",
        "    indented code",
        "- a bullet",
        "1. a numbered item",
        "$$\\int_0^1 x^2\\,dx = \\tfrac13$$",
        "\\(e^{i\\pi} + 1 = 0\\)",
        "**bold** and `code`",
        "",
        "---",
        "\\",
        "Topic: x",
        "**Q:** a bold marker",
        "**A: all bold**",
        "Q1: numbered",
        "Answer 2. numbered",
        "**Why is this bold line a question?**",
        "1. **a numbered bold item**",
        "3. a numbered line",
        "Q4. numbered like a question",
        "<details>",
        "<summary>a summary</summary>",
        "</details>",
        "  ?",  # a "?" line however it is indented
        " ? ",
        "   ",
    ]
)
# (control and bidi override characters are cleaned out of imported text, as from everything shown)
_BIDI = "".join(map(chr, [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]))
_CHARS = st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"), blacklist_characters="\x85" + _BIDI)
_LINE = st.one_of(_MARKUP, st.text(_CHARS, max_size=30))
_BLOCK = st.lists(_LINE, min_size=1, max_size=8).map("\n".join).map(str.strip).filter(bool)
_ONE_LINE = st.text(_CHARS, min_size=1, max_size=40).map(str.strip).filter(bool)
_POINT = st.one_of(_ONE_LINE, _BLOCK).map(lambda t: f"point {t}")  # (a list item of several lines too)
_SLUG = st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True)


_NUMBER = st.floats(-1e9, 1e9, allow_nan=False)


@st.composite
def _kind_fields(draw: st.DrawFn) -> dict[str, object]:
    """An open question's nothing, a choice question's options and letter, or a numeric one's value."""
    kind = draw(st.sampled_from(["open", "choice", "numeric"]))
    fields: dict[str, object] = {}
    if kind == "choice":
        choices = draw(st.lists(_ONE_LINE, min_size=2, max_size=8))
        fields = {"choices": choices, "correct": draw(st.sampled_from("abcdefgh"[: len(choices)]))}
    elif kind == "numeric":
        fields = {"value": draw(_NUMBER), "tolerance": draw(st.none() | st.floats(0, 1e3))}
        fields["unit"] = draw(st.none() | _ONE_LINE.map(lambda t: t[:40].strip()).filter(bool))
    time_limit = draw(st.none() | st.integers(5, 3 * 3600) | st.sampled_from(["90s", "2m", "1h 30m"]))
    return {"kind": kind, **fields, **({"time_limit": time_limit} if time_limit is not None else {})}


@st.composite
def _banks(draw: st.DrawFn) -> BankSpec:
    ids = draw(st.lists(_SLUG, min_size=1, max_size=4, unique=True))
    questions = [
        QuestionModel(
            id=qid,
            prompt=draw(st.one_of(_ONE_LINE, _BLOCK)),
            answer=draw(_BLOCK),
            key_points=draw(st.lists(_POINT, min_size=2, max_size=6)),
            follow_ups=draw(st.lists(st.one_of(_ONE_LINE, _BLOCK), max_size=2)),
            misconceptions=draw(st.lists(_ONE_LINE, max_size=3)),
            tags=draw(st.lists(_SLUG, max_size=2, unique=True)),
            topic=draw(st.one_of(st.none(), _SLUG)),
            difficulty=draw(st.sampled_from([1, 2, 3])),
            **draw(_kind_fields()),
        )
        for qid in ids
    ]
    return BankSpec(
        id=draw(_SLUG), title=draw(_ONE_LINE), round="technical", topic="general", questions=questions
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bank=_banks())
@example(  # one-line prompts that a heading would read as numbered ("3." dropped): written as Q: lines
    bank=BankSpec(
        id="b",
        title="t",
        round="technical",
        topic="general",
        questions=[
            QuestionModel(id=qid, prompt=prompt, answer="x", key_points=["point a", "point b"])
            for qid, prompt in (("a", "Q1: numbered"), ("b", "3. a numbered line"), ("c", "**Why?**"))
        ],
    )
)
def test_markdown_round_trip(bank: BankSpec, tmp_path: Path) -> None:
    sheet = tmp_path / "sheet.md"
    sheet.write_text(write_markdown(bank), encoding="utf-8")
    result = import_bank(sheet, ImportOptions(), DEFAULT_SETTINGS)
    assert not result.skipped and not result.proposed
    back = parse_bank(result.toml.encode(), "sheet").spec
    assert back == _normal(bank)
    assert tomllib.loads(result.toml)["id"] == bank.id


@pytest.mark.parametrize("fmt", ["apkg", "anki-txt"])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bank=_banks())
def test_anki_round_trip(fmt: str, bank: BankSpec, tmp_path: Path) -> None:
    """An Anki export of any bank imports back into the same bank (the bank's own id, title and topic
    given as options: a note carries its question's fields, not its bank's)."""
    from datetime import UTC, datetime

    from mockprep.services.bank_export import anki_text, write_apkg

    export = tmp_path / ("bank.apkg" if fmt == "apkg" else "bank.txt")
    if fmt == "apkg":
        write_apkg([bank], export, datetime(2026, 1, 1, tzinfo=UTC))
    else:
        export.write_text(anki_text([bank]), encoding="utf-8")
    options = ImportOptions(fmt, bank_id=bank.id, title=bank.title, topic=bank.topic)
    result = import_bank(export, options, DEFAULT_SETTINGS)
    assert not result.skipped and not result.proposed
    assert parse_bank(result.toml.encode(), "bank").spec == _normal(bank)


@settings(max_examples=300, deadline=None)
@given(text=st.text(st.characters(blacklist_categories=("Cs",))))
def test_toml_strings_read_back_exactly(text: str) -> None:
    from mockprep.core.bank_import import toml_list, toml_string

    assert tomllib.loads(f"x = {toml_string(text)}")["x"] == text
    assert tomllib.loads(f"x = {toml_list([text, text + 'x'])}")["x"] == [text, text + "x"]


@settings(max_examples=300, deadline=None)
@given(
    items=st.lists(
        st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="<"))
        | st.sampled_from(
            ["a &amp; b", "&lt;tag&gt;", "x &am", "&#x41;&#66;", " lead\tand\ntrail ", "&nbsp;"]
        ),
        min_size=1,
        max_size=5,
    )
)
@example(items=["[sound:]"])  # once found at random: the sound goes the parser's way
def test_a_flat_list_reads_as_the_parser_reads_it(items: list[str]) -> None:
    """The quick path for a list as `bank export apkg` writes it gives what the HTML parser gives (an item
    with an Anki sound tag, "[sound:x]", goes the parser's way, which drops and counts the sound)."""
    from mockprep.core.html_text import _flat_list, _tidy, _ToText

    field = "<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>"
    parser = _ToText()
    parser.feed(field)
    parser.close()
    quick = _flat_list(field)
    assert quick is not None
    assert _tidy(quick, 0, 0) == _tidy("".join(parser.parts), parser.media, parser.scripts)
    if "[sound:" not in field:
        assert html_to_text(field) == _tidy(quick, 0, 0)


_FIELD_TEXT = st.text(st.characters(blacklist_categories=("Cs",))) | st.lists(
    st.sampled_from([" ", "\n", "a", "<br>", "&amp;", "[sound:x]", "```", "- ", "\xa0", "\t", "é", "\u2028"])
).map("".join)


@settings(max_examples=300, deadline=None)
@given(text=_FIELD_TEXT, items=st.lists(_FIELD_TEXT.filter(str.strip), min_size=1, max_size=4))
def test_text_an_anki_export_does_not_copy_reads_back_as_it_is(text: str, items: list[str]) -> None:
    """The exporter's quick test for text whose HTML field reads back unchanged (it carries an exact copy
    of any other) never passes text that reads back otherwise."""
    from mockprep.core.anki_notetype import _may_change, _reads, html_field, html_list

    if not _may_change(text, False):
        assert html_to_text(html_field(text)).text == text.strip()
    if not _may_change(items, True):
        assert _reads(html_list(items), True, "key_points") == [i.strip() for i in items]


def test_a_flat_list_with_a_sound_drops_and_counts_it() -> None:
    read = html_to_text("<ul><li>[sound:]</li><li>a [sound:q.mp3] b</li></ul>")
    assert read.text == "-\n- a b" and read.media == 2


BEHAVIORAL_SHEET = """---
round: behavioral
topic: stories
---

## Tell me about a time you disagreed with a colleague about an experiment.

I proposed an offline evaluation first; we agreed on a small A/B test and it settled the question.

## Describe a project that failed, and what you learned.

A pipeline I owned missed its deadline; I replanned it and we shipped two weeks later.
"""


def test_behavioral_questions_import_with_proposed_competencies_marked_for_review(
    cli, tmp_path: Path
) -> None:
    (tmp_path / "stories.md").write_text(BEHAVIORAL_SHEET, encoding="utf-8")
    out = tmp_path / "stories.toml"
    result = cli("bank", "import", str(tmp_path / "stories.md"), "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert "2 questions with proposed competencies to review" in result.stdout
    bank = _bank(out)
    by_prompt = {q.prompt: q for q in bank.questions}
    assert by_prompt[next(p for p in by_prompt if "disagreed" in p)].competencies == ["conflict"]
    assert "failure" in by_prompt[next(p for p in by_prompt if "failed" in p)].competencies
    assert out.read_text(encoding="utf-8").count("# review: competencies proposed") == 2
    assert cli("bank", "add", str(out)).exit_code == 0


def test_an_anki_export_keeps_the_topic_its_questions_take_from_their_bank(cli, tmp_path: Path) -> None:
    """A question that takes its bank's topic came back with the file name's ('tech' for tech.apkg)."""
    source = tmp_path / "mine.toml"
    source.write_text(
        'id = "mine"\ntitle = "Mine"\nround = "technical"\ntopic = "unicode-stress"\n[[questions]]\n'
        'id = "q1"\nprompt = "P?"\nanswer = "Alpha and beta."\nkey_points = ["alpha", "beta"]\n',
        encoding="utf-8",
    )
    assert cli("bank", "add", str(source)).exit_code == 0
    exported = tmp_path / "tech.apkg"
    assert cli("bank", "export", "mine", "-o", str(exported)).exit_code == 0
    out = tmp_path / "back.toml"
    assert cli("bank", "import", str(exported), "--out", str(out), "--id", "back").exit_code == 0
    bank = _bank(out)
    assert [q.topic or bank.topic for q in bank.questions] == ["unicode-stress"]


def test_out_dash_writes_the_bank_to_stdout(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`-o -` made a file named '-' ('Wrote -'); like every other -o, it is standard output."""
    monkeypatch.chdir(tmp_path)
    source = tmp_path / "notes.md"
    source.write_text(
        "# Stats\n\n## What is a p-value?\n\nThe chance of data this extreme if H0 holds. "
        "It is not the chance that H0 is true.\n",
        encoding="utf-8",
    )
    result = cli("bank", "import", str(source), "-o", "-")
    assert result.exit_code == 0, result.stderr
    assert not (tmp_path / "-").exists() and not (tmp_path / "notes.toml").exists()
    assert result.stdout.startswith("id = 'notes'") and "What is a p-value?" in result.stdout
    assert "made 1 question" in result.stderr and "Wrote" not in result.stdout + result.stderr
    (tmp_path / "got.toml").write_text(result.stdout, encoding="utf-8")
    assert cli("bank", "validate", str(tmp_path / "got.toml")).exit_code == 0
    refused = cli("bank", "import", str(source), "-o", "-", "--add")
    assert refused.exit_code == 2 and "--add needs the bank in a file" in refused.stderr
