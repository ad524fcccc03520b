"""The question browser: `question show`, `question search`, and naming a question by its id alone."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import db_rows, write_bank

LONG_BANK = "a-bank-with-a-rather-long-identifier-for-testing"
LONG_ID = "a-question-id-long-enough-to-overflow-a-narrow-pipe"


@pytest.fixture
def own_banks(cli, tmp_path: Path) -> Path:
    folder = tmp_path / "mine"
    folder.mkdir()
    write_bank(folder / "demo.toml", n=2, extra='description = "x"')
    write_bank(folder / "other.toml", bank_id="other", round="behavioral", n=1)
    (folder / "long.toml").write_text(
        f'id = "{LONG_BANK}"\ntitle = "Long"\nround = "technical"\ntopic = "tokenisation"\n\n'
        f'[[questions]]\nid = "{LONG_ID}"\n'
        'prompt = "How does byte-pair encoding build its vocabulary, and why is it used for large language'
        ' models in practice today?"\n'
        'answer = "Merge the most frequent pair of symbols until the vocabulary is full."\n'
        'key_points = ["iterative merging", "no out-of-vocabulary words"]\n'
        'tags = ["subwords"]\nfollow_ups = ["How does WordPiece differ?"]\ntime_limit = "2m"\n'
        'misconceptions = ["[red]BPE[/red] keeps only whole dictionary words in its vocabulary."]\n',
        encoding="utf-8",
    )
    assert cli("bank", "add", str(folder)).exit_code == 0
    return folder


def test_show_prints_the_question_its_schedule_and_history(cli, own_banks: Path, cli_clock) -> None:
    cli("session", "--bank", LONG_BANK, "--limit", "1", input="merge pairs\n\n3\n")
    result = cli("question", "show", LONG_ID)  # its id alone: no other bank uses it
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert out.splitlines()[0] == f"{LONG_BANK}/{LONG_ID}"
    for expected in (
        "byte-pair encoding",  # the prompt
        "Merge the most frequent pair",  # the model answer
        "Key points",
        "no out-of-vocabulary words",
        "How does WordPiece differ?",  # follow-ups
        "Common misconceptions (each is wrong)",
        "✗ [red]BPE[/red] keeps only whole dictionary words",  # shown as written, not as markup
        "time limit 2m",
        "tags subwords",
        "1 rating, 0 lapses",
        "good",  # the history: the rating, what it was before and the answer typed
        "new",
        "merge pairs",
    ):
        assert expected in out, expected
    # its FSRS state: due 10 minutes after the rating, which a loaded machine may take a moment to show
    assert re.search(r"Scheduling: learning · due in (10m|9m[0-5]\ds) ", out), out


def test_an_id_shared_by_two_banks_is_refused_with_the_candidates(cli, own_banks: Path) -> None:
    result = cli("question", "show", "q1")
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert "question id 'q1' is in 2 banks: demo/q1, other/q1; give the full key" in line
    assert cli("question", "show", "demo/q1").exit_code == 0
    unknown = cli("question", "show", "bias-variance-derivaton")
    assert unknown.exit_code == 2
    assert "did you mean bias-variance-derivation" in unknown.stderr
    assert len(unknown.stderr.strip().splitlines()) == 1


def test_search_matches_prompt_answer_and_tags_with_filters(cli, own_banks: Path) -> None:
    key = f"{LONG_BANK}/{LONG_ID}"
    for words in (["byte-pair"], ["MOST", "frequent"], ["subwords"], ["tokenisation", "vocabulary"]):
        result = cli("question", "search", *words)
        assert result.exit_code == 0 and key in result.stdout, words
    assert key not in cli("question", "search", "byte-pair", "--round", "behavioral").stdout
    assert key not in cli("question", "search", "vocabulary", "--bank", "demo").stdout
    assert (
        key in cli("question", "search", "vocabulary", "--bank", LONG_BANK, "--topic", "tokenisation").stdout
    )
    assert "No question matches" in cli("question", "search", "zzzz-nothing").stdout
    assert cli("question", "search", "x", "--bank", "nope").exit_code == 2
    # '%' and '_' are literal, not wildcards
    assert "No question matches" in cli("question", "search", "%_%").stdout
    # the search words are echoed literally: a slice like a[/] is not markup (it was a traceback)
    for words in ("a[/]", "zz[red]qq", "[bold]missing[/bold]"):
        echoed = cli("question", "search", words)
        assert echoed.exit_code == 0 and f"No question matches {words!r}." in echoed.stdout, echoed.output
    demo = cli("question", "search", "Question 1", "--bank", "demo").stdout  # every word, anywhere
    assert "demo/q1" in demo and "1 question." in demo


def test_search_keys_are_never_cut_in_a_narrow_pipe(cli, own_banks: Path, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "40")
    out = cli("question", "search", "byte-pair").stdout
    key = f"{LONG_BANK}/{LONG_ID}"
    assert any(line.startswith(key) for line in out.splitlines())
    excerpts = [line for line in out.splitlines() if line.startswith("    ")]
    assert excerpts and all(len(line) <= 40 and line.endswith("…") for line in excerpts)  # only these are cut


def test_story_link_accepts_a_unique_question_id(cli, own_banks: Path, monkeypatch) -> None:
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)
    story = "My story\nfailure\nS.\n\nT.\n\nI did it.\n\nIt saved 10%.\n\n\n"
    assert cli("story", "new", input=story).exit_code == 0
    linked = cli("story", "link", "1", "lost-work-preventable-mistake")
    assert linked.exit_code == 0, linked.stderr
    assert "Linked story 1 to leadership-and-adversity/lost-work-preventable-mistake." in linked.stdout
    assert db_rows(own_banks.parent / "home", "SELECT question_key FROM story_links") == [
        ("leadership-and-adversity/lost-work-preventable-mistake",)
    ]
    # demo/q1 or other/q1: only other's is a behavioral question, the only one a story links to
    assert "Linked story 1 to other/q1." in cli("story", "link", "1", "q1").stdout
    assert cli("story", "unlink", "1", "q1").exit_code == 0
    unlinked = cli("story", "unlink", "1", "lost-work-preventable-mistake")
    assert unlinked.exit_code == 0, unlinked.stderr
    assert db_rows(own_banks.parent / "home", "SELECT COUNT(*) FROM story_links") == [(0,)]


def test_a_search_too_long_for_the_database_is_bad_input_not_a_broken_database(cli) -> None:
    """1,000 words blew SQLite's expression depth: "mockprep.db could not be used", exit 1."""
    for words in (["w"] * 1000, ["x" * 50_001]):
        result = cli("question", "search", *words)
        assert result.exit_code == 2 and "a search takes at most 50 words" in result.stderr
        assert "could not be used" not in result.stderr
