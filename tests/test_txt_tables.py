"""A .txt that is a spreadsheet's table (found by an exploratory tester: Excel's "Unicode Text", UTF-16
and tab-separated, was read as Anki's text export and every row skipped; --format tsv read it): a first
row naming the usual columns, and no Anki # headers, makes it a table."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from mockprep.core.bank_tabular import table_delimiter
from mockprep.core.banks import parse_bank

PROMPTS = ["Question", "question", "Front", "Prompt", "Term", "Q"]
ANSWERS = ["Answer", "Back", "Definition", "A"]
OTHERS = ["Key points", "Tags", "Topic", "Notes"]


@given(
    st.sampled_from(PROMPTS),
    st.sampled_from(ANSWERS),
    st.lists(st.sampled_from(OTHERS), max_size=2, unique=True),
    st.sampled_from(["\t", ",", ";"]),
    st.booleans(),
    st.sampled_from(["\n", "\r\n"]),
)
def test_a_header_row_of_the_usual_columns_is_a_table(
    prompt: str, answer: str, others: list[str], delimiter: str, answer_first: bool, newline: str
) -> None:
    header = [answer, prompt] if answer_first else [prompt, answer]
    text = delimiter.join([*header, *others]) + newline + delimiter.join(["What?", "That.", "x", "y"])
    assert table_delimiter(text) == delimiter
    assert table_delimiter("#separator:tab" + newline + text) is None  # Anki's export says so itself
    assert table_delimiter(f"What is variance?{delimiter}The spread.{newline}") is None  # a note


def test_excel_unicode_text_saved_as_txt_imports_as_its_tsv(cli, tmp_path: Path) -> None:
    text = (
        "Question\tAnswer\tKey points\nWhat is variance?\tExpected squared deviation.\tsquared; deviation\n"
        "What is bias?\tExpected error of the estimate.\tsystematic; expected error\n"
    )
    (tmp_path / "u16.txt").write_text(text, encoding="utf-16")
    (tmp_path / "u16.tsv").write_text(text, encoding="utf-16")
    for name in ("u16.txt", "u16.tsv"):
        result = cli("bank", "import", str(tmp_path / name), "--out", str(tmp_path / f"{name}.toml"))
        assert result.exit_code == 0, result.stderr
    made = [
        parse_bank((tmp_path / f"{n}.toml").read_bytes(), "b").spec.questions for n in ("u16.txt", "u16.tsv")
    ]
    assert made[0] == made[1] and [q.key_points for q in made[0]][1] == ["systematic", "expected error"]


def test_a_txt_read_as_anki_that_imports_nothing_says_how_to_read_a_table(cli, tmp_path: Path) -> None:
    (tmp_path / "t.txt").write_text(
        "Card\tText\tPoints\nWhat is variance?\tSpread.\ta; b\n", encoding="utf-8"
    )
    result = cli("bank", "import", str(tmp_path / "t.txt"), "--out", str(tmp_path / "t.toml"))
    assert result.exit_code == 2 and "--format tsv" in result.stderr.splitlines()[-1]
    assert "Traceback" not in result.stderr
