"""What a person writing their own bank is told, found by an exploratory tester: how a CSV's or a
sheet's tags are split, what a file that is not UTF-8 is told, how `bank validate` words a mistake, which
key points `bank import` proposes, and how a Markdown escape reads."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from mockprep.core.bank_markdown import read_markdown
from mockprep.core.bank_tabular import read_table
from mockprep.core.banks import parse_bank

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
