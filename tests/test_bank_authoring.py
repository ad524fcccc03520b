"""What a person writing their own bank is told, found by an exploratory tester: how a CSV's or a
sheet's tags are split, what a file that is not UTF-8 is told, how `bank validate` words a mistake, which
key points `bank import` proposes, and how a Markdown escape reads."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockprep.core.bank_files import review_marks
from mockprep.core.bank_import import REVIEW_MARK, SourceError, has_word, propose_key_points, toml_value
from mockprep.core.bank_markdown import read_markdown
from mockprep.core.bank_markdown_writer import write_markdown
from mockprep.core.bank_tabular import read_table
from mockprep.core.banks import BankError, BankSpec, QuestionModel, parse_bank
from mockprep.core.markdown_escapes import PUNCTUATION, escape, unescape
from mockprep.core.settings import DEFAULT_SETTINGS
from mockprep.services.bank_import import ImportOptions, import_bank

_TAG = st.from_regex(r"[a-z][a-z0-9]{0,8}(-[a-z0-9]{1,6})?", fullmatch=True)
_TAG_SEPARATORS = st.sampled_from([",", ";", ", ", "; ", " ,", " ; ", ",  "])


@given(tags=st.lists(_TAG, min_size=1, max_size=4, unique=True), separators=st.data())
def test_tags_are_split_at_commas_and_semicolons_alike_in_a_csv_and_a_sheet(tags, separators) -> None:
    """'regression;diagnostics' was the one tag 'regression-diagnostics' while 'regression; diagnostics'
    and 'a,b' were split: ';' separates a cell's key points, so people use it for tags too."""
    cell = tags[0]
    for tag in tags[1:]:
        cell += separators.draw(_TAG_SEPARATORS) + tag
    (row,) = read_table(f'Question,Answer,Tags\n"Why?","Because.","{cell}"\n', ",", {})
    (item,) = read_markdown(f"## Why?\n\nBecause.\n\nTags: {cell}\n").items
    assert list(row.tags) == list(item.tags) == tags


def test_tags_of_several_words_are_one_tag_and_spaces_alone_separate_as_anki_writes_them() -> None:
    def tags(cell: str) -> list[str]:
        (row,) = read_table(f'Question\tAnswer\tTags\nWhy?\tBecause.\t"{cell}"\n', "\t", {})
        return list(row.tags)

    assert tags("time series; Stats::Tests") == ["time series", "Stats::Tests"]
    assert tags("ml basics") == ["ml", "basics"]
    assert tags("#ml #stats") == ["ml", "stats"]


def test_a_csv_tags_cell_reaches_the_bank_as_separate_tags(cli, tmp_path: Path) -> None:
    source = tmp_path / "tags.csv"
    source.write_text(
        "Question,Answer,Tags\n"
        '"What is a p-value?","The probability of data this extreme under the null. Not P(H0).",'
        '"regression;diagnostics"\n'
        '"What is lift?","A ratio of response rates. It compares with random targeting.","time series; ml"\n',
        encoding="utf-8",
    )
    result = cli("bank", "import", str(source), "--out", str(tmp_path / "tags.toml"))
    assert result.exit_code == 0, result.stderr
    bank = parse_bank((tmp_path / "tags.toml").read_bytes(), "tags.toml").spec
    assert [q.tags for q in bank.questions] == [["regression", "diagnostics"], ["time-series", "ml"]]


_LATIN = st.sampled_from("éèàçñöüßÉ€’")  # letters Excel on Windows writes in Windows-1252
_ASCII_LINE = st.from_regex(r"[A-Za-z][A-Za-z ]{0,30}", fullmatch=True)


@given(lines=st.lists(_ASCII_LINE, min_size=1, max_size=8), at=st.data(), letter=_LATIN)
def test_a_windows_1252_csv_is_refused_naming_its_line_and_how_to_save_it(
    tmp_path_factory, lines: list[str], at: st.DataObject, letter: str
) -> None:
    """'line 13: not UTF-8 (byte 0xe9)' was the right place but, unlike UTF-16's, no advice."""
    index = at.draw(st.integers(0, len(lines) - 1))
    lines[index] += letter
    source = tmp_path_factory.mktemp("cp1252") / "excel.csv"
    rows = "".join(f'"Question {n}?","{line}. And more. Still more."\n' for n, line in enumerate(lines))
    source.write_bytes(("Question,Answer\n" + rows).encode("cp1252"))
    with pytest.raises(SourceError) as refused:
        import_bank(source, ImportOptions(), DEFAULT_SETTINGS)
    message = str(refused.value)
    assert message.startswith(f"line {index + 2}: not UTF-8") and f"{letter!r} in Windows-1252" in message
    assert message.endswith("save it as UTF-8 (in Excel: Save As, 'CSV UTF-8')")


def test_a_windows_1252_csv_is_one_line_and_writes_nothing(cli, tmp_path: Path) -> None:
    source, out = tmp_path / "excel.csv", tmp_path / "excel.toml"
    source.write_bytes("Question;Answer\nLatin café?;Résumé. Naïve Bayes.\n".encode("cp1252"))
    result = cli("bank", "import", str(source), "--out", str(out))
    assert result.exit_code != 0 and not out.exists() and len(result.stderr.strip().splitlines()) == 1


def test_every_bank_reader_words_a_bad_byte_alike(cli, tmp_path: Path) -> None:
    bank = 'id = "cafe"\ntitle = "Café notes"\nround = "technical"\ntopic = "t"\n'.encode("latin-1")
    sheet = "## What is a café?\n\nA place. It serves coffee.\n".encode("latin-1")
    (tmp_path / "latin1.toml").write_bytes(bank)
    (tmp_path / "notes.md").write_bytes(sheet)
    validated = cli("bank", "validate", str(tmp_path / "latin1.toml"))
    imported = cli("bank", "import", str(tmp_path / "notes.md"), "--out", str(tmp_path / "out.toml"))

    def advice(data: bytes) -> str:
        return f"not UTF-8 (byte 0xe9 at offset {data.index(0xE9)}, 'é' in Windows-1252): save it as UTF-8"

    assert f"{tmp_path / 'latin1.toml'}:2: {advice(bank)}" in validated.stderr.splitlines()
    assert imported.stderr.strip().endswith(f"notes.md: line 1: {advice(sheet)}")
    assert "Excel" not in imported.stderr  # (a spreadsheet's advice is for a CSV)


def test_a_utf16_csv_with_its_byte_order_mark_imports_as_its_utf8_copy(cli, tmp_path: Path) -> None:
    """Excel's 'Unicode Text' is UTF-16 with a byte-order mark: certain, so read, not refused."""
    text = "Question\tAnswer\tTags\nQu'est-ce qu'un modèle naïf?\tIl suppose l'indépendance. Et ça marche.\tstats\n"
    (tmp_path / "utf8.tsv").write_text(text, encoding="utf-8")
    (tmp_path / "utf16.tsv").write_text(text, encoding="utf-16")
    for name in ("utf8", "utf16"):
        result = cli("bank", "import", str(tmp_path / f"{name}.tsv"), "--out", str(tmp_path / f"{name}.toml"))
        assert result.exit_code == 0, result.stderr
    made = [parse_bank((tmp_path / f"{n}.toml").read_bytes(), "b").spec.questions for n in ("utf8", "utf16")]
    assert made[0] == made[1] and made[0][0].prompt == "Qu'est-ce qu'un modèle naïf?"


# -- bank validate's wording ----------------------------------------------------------------------

_HEAD = 'id = "mine"\ntitle = "Mine"\nround = "technical"\ntopic = "t"\n'


def _question(qid: str, **fields: object) -> str:
    body = {"prompt": "Why?", "answer": "Because it is.", "key_points": ["because", "it is"], **fields}
    return f'\n[[questions]]\nid = "{qid}"\n' + "".join(f"{k} = {toml_value(v)}\n" for k, v in body.items())


def _problems(text: str) -> list[str]:
    with pytest.raises(BankError) as raised:
        parse_bank(text.encode(), "bank.toml")
    return [str(problem) for problem in raised.value.problems]


_WRONG_VALUES = st.one_of(
    st.integers(-5, 5),
    st.floats(-2, 2, allow_nan=False),
    st.booleans(),
    st.text("ab ;", min_size=1, max_size=6).filter(str.strip),
    st.lists(st.integers(0, 3), min_size=1, max_size=2),
    st.fixed_dictionaries({"x": st.integers(0, 3)}),
)
_FIELDS = ("prompt", "answer", "key_points", "tags", "follow_ups", "misconceptions", "value", "tolerance")
_FIELDS += ("time_limit", "unit", "choices", "correct", "difficulty", "competencies", "roles")


@given(
    field=st.sampled_from(_FIELDS), value=_WRONG_VALUES, kind=st.sampled_from(["open", "choice", "numeric"])
)
def test_no_problem_a_bank_author_can_make_is_in_pydantics_words(
    field: str, value: object, kind: str
) -> None:
    """'field 'tolerance': Input should be greater than or equal to 0' was pydantic's wording."""
    extra = {"choice": {"choices": ["x", "y"], "correct": "a"}, "numeric": {"value": 1.0}}.get(kind, {})
    text = _HEAD + _question("q", kind=kind, **{**extra, field: value})
    try:
        found = _problems(text)
    except pytest.fail.Exception:
        return  # a value that is right for the field
    for line in found:
        assert "Input should" not in line and "Value error" not in line and "valid " not in line, line
        assert line.startswith("bank.toml:"), line


def test_a_negative_tolerance_reads_as_the_other_messages_do() -> None:
    (line,) = _problems(_HEAD + _question("q", kind="numeric", value=1.5, tolerance=-0.1))
    assert line.endswith("field 'tolerance': must be 0 or more (got -0.1)")


@given(points=st.lists(st.from_regex(r"[a-z]{2,8}( [a-z]{2,8})?", fullmatch=True), min_size=1, max_size=6))
def test_a_list_written_as_one_string_is_shown_as_the_list_it_should_be(points: list[str]) -> None:
    (line,) = _problems(_HEAD + _question("q", key_points="; ".join(points)))
    example = line.split("e.g. ", 1)[1].rsplit(" (got", 1)[0]
    if len(points) == 1:  # a list of one would fail again: the form, and how many it needs
        assert "at least 2" in line and example == 'key_points = ["...", "..."]'
    elif example == 'key_points = ["...", "..."]':  # (a long one is shown by its form, not copied out)
        assert len("; ".join(points)) > 60
    else:
        assert tomllib.loads(example) == {"key_points": points}


@given(points=st.lists(st.from_regex(r"[a-z]{2,8}( [a-z]{2,8})?", fullmatch=True), min_size=2, max_size=4))
def test_key_points_written_with_commas_are_shown_split_at_them(points: list[str]) -> None:
    """'key_points = "one, two"' was answered 'e.g. key_points = ["one, two"]', a list of one, which
    fails again (found by an exploratory tester): the example now splits at the commas."""
    (line,) = _problems(_HEAD + _question("q", key_points=", ".join(points)))
    example = line.split("e.g. ", 1)[1].rsplit(" (got", 1)[0]
    assert tomllib.loads(example) == {"key_points": points}
    parse_bank((_HEAD + _question("q", key_points=points)).encode(), "bank.toml")  # (and it is right)


@given(ids=st.lists(st.sampled_from(["a", "b", "c"]), min_size=2, max_size=6))
def test_a_duplicate_id_names_the_line_of_the_first_question_with_it(ids: list[str]) -> None:
    text = _HEAD + "".join(_question(qid) for qid in ids)
    lines = text.splitlines()
    id_lines = [n for n, line in enumerate(lines, start=1) if line.startswith("id = ") and n > 1]
    expected = [
        f"bank.toml:{id_lines[i]}: question '{qid}': field 'id': duplicate question id "
        f"(first at line {id_lines[ids.index(qid)]})"
        for i, qid in enumerate(ids)
        if ids.index(qid) != i
    ]
    if not expected:
        parse_bank(text.encode(), "bank.toml")
        return
    assert _problems(text) == expected


@given(
    choices=st.lists(
        st.from_regex(r"[A-Za-z][a-z]{1,9}", fullmatch=True), min_size=2, max_size=8, unique_by=str.lower
    ),
    data=st.data(),
)
def test_correct_given_as_a_choices_text_is_told_its_letter(choices: list[str], data: st.DataObject) -> None:
    """'correct = "median"' said only 'must be one letter a-h'."""
    index = data.draw(st.integers(0, len(choices) - 1))
    written = data.draw(
        st.sampled_from([choices[index], choices[index].upper(), f" {choices[index].lower()} "])
    )
    (line,) = _problems(_HEAD + _question("q", kind="choice", choices=choices, correct=written))
    assert f"did you mean {'abcdefgh'[index]!r} ({choices[index]})?" in line


# -- key points proposed on import ----------------------------------------------------------------

_SENTENCE = st.from_regex(r"[A-Z][a-z]{2,8}( [a-z]{2,8}){2,6}", fullmatch=True).filter(has_word)
_NOT_POINTS = st.sampled_from(
    [
        "| | pred + | pred − |\n|---|---|---|\n| actual + | TP | FN |",
        "alpha | power\n----- | -----\n0.05 | 0.8",
        "```sql\nSELECT a, COUNT(*)\nFROM t\nGROUP BY a;\n```",
        "~~~\n- not a bullet. Nor a sentence.\n~~~",
        "$$\nn = \\frac{2(z_a + z_b)^2}{d^2}\n$$",
        "\\[ x = \\frac{a, b}{c} \\]",
        "\\(t = \\frac{\\bar x - \\mu_0}{s/\\sqrt{n}}\\).",
        "Why does it matter?",
        "### A heading inside the answer",
        "<details>\n<summary>What is leakage?</summary>\n</details>",
    ]
)


@given(
    sentences=st.lists(_SENTENCE, min_size=2, max_size=5, unique=True),
    noise=st.lists(_NOT_POINTS, max_size=4),
    order=st.randoms(use_true_random=False),
)
def test_tables_code_formulas_headings_and_questions_are_never_proposed(sentences, noise, order) -> None:
    """A Markdown table, a SQL snippet and MathJax '\\(t = \\frac...\\)' became key points."""
    blocks = [f"{s}." for s in sentences] + noise
    order.shuffle(blocks)
    in_order = [block.rstrip(".") for block in blocks if block.rstrip(".") in sentences]
    assert propose_key_points("\n\n".join(blocks)) == in_order[:6]


def test_maths_and_code_stay_whole_inside_a_point_and_a_formula_alone_is_none() -> None:
    t_test = (
        "\\(t = \\frac{\\bar x - \\mu_0}{s/\\sqrt{n}}\\). Use when σ is unknown; heavier tails for small n."
    )
    assert propose_key_points(t_test) == ["Use when σ is unknown", "heavier tails for small n"]
    inline = "The SE is \\(\\sigma/\\sqrt{n}, roughly\\). It uses `COUNT(*), SUM(x)` twice."
    assert propose_key_points(inline) == [
        "The SE is \\(\\sigma/\\sqrt{n}, roughly\\)",
        "It uses `COUNT(*), SUM(x)` twice",
    ]


def _one_clause(text: str) -> bool:
    return has_word(text) and not {"and", "but", "because", "while", "whereas"} & set(text.split())


@given(
    subject=st.from_regex(r"[A-Z][a-z]{2,8}( [a-z]{2,8}){0,3}", fullmatch=True).filter(_one_clause),
    claim=st.from_regex(r"[a-z]{3,8}( [a-z]{2,8}){1,6}", fullmatch=True).filter(_one_clause),
    joint=st.sampled_from([": ", "; ", ", ", " — ", " because ", " while "]),
)
def test_a_short_answer_of_one_sentence_is_proposed_as_its_clauses(
    subject: str, claim: str, joint: str
) -> None:
    """'Résumé of naïve Bayes: assumes conditional independence of features given class.' was skipped
    as giving fewer than two key points, as was 'Share of variance explained: 1 − SS_res/SS_tot.'."""
    assert propose_key_points(f"{subject}{joint}{claim}.") == [subject, claim]


def test_every_csv_row_with_a_real_answer_becomes_a_question(tmp_path: Path) -> None:
    source = tmp_path / "excel.csv"
    source.write_text(
        "Question;Answer;Id\n"
        "What is R2?;Share of variance explained: 1 − SS_res/SS_tot.;r2\n"
        "Naive Bayes?;Résumé of naïve Bayes: assumes conditional independence of features given class.;nb\n"
        "Confusion matrix?;| | pred + | pred − |;cm\n"
        "Window function?;Yes;wf\n",
        encoding="utf-8",
    )
    result = import_bank(source, ImportOptions(), DEFAULT_SETTINGS)
    bank = parse_bank(result.toml.encode(), "excel.toml").spec
    assert [q.id for q in bank.questions] == ["r2", "nb"] and result.toml.count(REVIEW_MARK) == 2
    assert bank.questions[1].key_points == [
        "Résumé of naïve Bayes",
        "assumes conditional independence of features given class",
    ]
    reasons = {skip.where: skip.reason for skip in result.skipped}
    assert "tables, code and formulas are not proposed" in reasons["row 4"]
    assert (
        "gives fewer than two key points" in reasons["row 5"] and "give it its key points" in reasons["row 5"]
    )


@given(indent=st.integers(0, 6))
def test_a_heading_indented_by_up_to_three_spaces_is_a_heading(indent: int) -> None:
    """'   ### Indented heading: ...' was swallowed into the answer above it; CommonMark allows 0-3."""
    sheet = f"## What is a confusion matrix?\n\nA table of counts. Rows are actual.\n\n{' ' * indent}### What is recall?\nThe share of positives found. It is TP over TP plus FN.\n"
    items = read_markdown(sheet).items
    if indent <= 3:
        assert [item.prompt for item in items] == ["What is a confusion matrix?", "What is recall?"]
    else:  # (four spaces make an indented code block: text of the answer)
        assert len(items) == 1 and "What is recall?" in items[0].answer


@given(indent=st.integers(0, 3), level=st.integers(1, 6))
def test_an_answer_line_that_reads_as_an_indented_heading_survives_export_and_import(
    indent: int, level: int
) -> None:
    answer = f"First line of the answer.\n{' ' * indent}{'#' * level} not a question\nLast line."
    question = QuestionModel(id="q", prompt="Why?", answer=answer, key_points=["first line", "last line"])
    bank = BankSpec(id="b", title="B", round="technical", topic="t", questions=[question])
    (item,) = read_markdown(write_markdown(bank)).items
    assert item.answer == answer


@given(proposed=st.integers(0, 4), given_points=st.integers(0, 2))
def test_bank_add_says_how_many_proposals_are_still_marked_for_review(
    tmp_path_factory, proposed: int, given_points: int
) -> None:
    """A file straight from bank import was added without a word about its '# review' lines."""
    folder = tmp_path_factory.mktemp("review")
    rows = [f'"Why {n}?","Variance falls with data. Bias stays put.",""\n' for n in range(proposed)]
    rows += [
        f'"How {n}?","Average the trees. Decorrelate their splits.","averaging; decorrelation"\n'
        for n in range(given_points)
    ]
    if not rows:
        return
    (folder / "mine.csv").write_text("Question,Answer,Key points\n" + "".join(rows), encoding="utf-8")
    bank = folder / "mine.toml"
    bank.write_text(
        import_bank(folder / "mine.csv", ImportOptions(), DEFAULT_SETTINGS).toml, encoding="utf-8"
    )
    assert review_marks(bank) == review_marks(folder) == proposed
    bank.write_text(bank.read_text(encoding="utf-8").replace(REVIEW_MARK, ""), encoding="utf-8")
    assert review_marks(bank) == 0


def test_bank_add_of_a_file_with_review_marks_says_so_in_one_line(cli, tmp_path: Path) -> None:
    (tmp_path / "mine.csv").write_text(
        'Question,Answer\n"Why?","Variance falls with data. Bias stays put."\n"How?","Average the trees. Decorrelate their splits."\n',
        encoding="utf-8",
    )
    assert (
        cli("bank", "import", str(tmp_path / "mine.csv"), "--out", str(tmp_path / "mine.toml")).exit_code == 0
    )
    added = cli("bank", "add", str(tmp_path / "mine.toml"))
    assert added.exit_code == 0
    (note,) = [line for line in added.stderr.splitlines() if "# review" in line]
    assert "2 lines marked '# review'" in note and str(tmp_path / "mine.toml") in note
    (tmp_path / "mine.toml").write_text(
        (tmp_path / "mine.toml").read_text(encoding="utf-8").replace(REVIEW_MARK + "\n", ""), encoding="utf-8"
    )
    again = cli("bank", "add", str(tmp_path / "mine.toml"))
    assert again.exit_code == 0 and "# review" not in again.stderr


# -- Markdown's backslash escapes ----------------------------------------------------------------

_WORD = st.from_regex(r"[a-z]{2,8}", fullmatch=True)


@given(before=_WORD, after=_WORD, punctuation=st.sampled_from(sorted(PUNCTUATION)))
def test_a_markdown_escape_reads_as_its_character(before: str, after: str, punctuation: str) -> None:
    """'Q: Explain [red]precision[/] and \\[recall\\]' kept its backslashes in the prompt."""
    sheet = f"## Explain {before} \\{punctuation}{after}?\n\nIt is {before}. It is {after}.\n\nKey points:\n"
    sheet += f"- {before} \\{punctuation} {after}\n- {after}\n"
    (item,) = read_markdown(sheet).items
    assert item.prompt == f"Explain {before} {punctuation}{after}?"
    assert item.key_points == (f"{before} {punctuation} {after}", after)


def test_the_testers_escaped_brackets_read_as_brackets_and_latex_stays_as_written() -> None:
    (item,) = read_markdown("Q: Explain [red]precision[/] and \\[recall\\]\nA: Precision. Recall.\n").items
    assert item.prompt == "Explain [red]precision[/] and [recall]"
    latex = (
        "\\(t = \\frac{\\bar x - \\mu_0}{s/\\sqrt{n}}\\) and $n = \\frac{2\\sigma^2}{\\delta^2}$, costs \\$5.\n\n"
        "\\[\n\\hat\\beta = (X^\\top X)^{-1} X^\\top y\n\\]\n\n$$\n\\{x : x \\in A\\}\n$$\n\n"
        "```python\nprint('a\\\\b \\\\[x\\\\]')\n```\n\nThe `re.sub(r'\\*', '', s)` call; SS\\_res."
    )
    (item,) = read_markdown(f"## Why?\n\n{latex}\n").items
    assert item.answer == latex.replace("\\$5", "$5").replace("SS\\_res", "SS_res")


@given(text=st.text(st.sampled_from("ab \n\\`$()[]{}*_#~^=\\"), max_size=40))
def test_escaping_then_reading_gives_any_text_back(text: str) -> None:
    assert unescape(escape(text)) == text
