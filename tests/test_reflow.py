"""A model answer written with hard line breaks inside ''' is reflowed where its lines would wrap
ragged; lists, code, lines that fit and blank-line paragraphs stay as written."""

from __future__ import annotations

import textwrap

from hypothesis import given
from hypothesis import strategies as st

from mockprep.terminal.console import model_answer_lines
from mockprep.terminal.reflow import reflowed

WORDS = st.text("abcdefghij", min_size=1, max_size=9)
PARAGRAPH = st.lists(WORDS, min_size=1, max_size=60).map(" ".join)


@given(
    paragraphs=st.lists(PARAGRAPH, min_size=1, max_size=4),
    wrap=st.integers(20, 120),
    width=st.integers(20, 100),
)
def test_a_hard_wrapped_answer_shows_without_ragged_lines(
    paragraphs: list[str], wrap: int, width: int
) -> None:
    """Found by an exploratory tester: an answer written with line breaks at 100 columns showed at 80
    as each line wrapped on its own, a one-word line after each ("... a LightGBM" / "model on ...")."""
    written = "\n\n".join(textwrap.fill(p, wrap) for p in paragraphs)
    shown = [line.plain for line in model_answer_lines(written, width)]
    assert " ".join(shown).split() == written.split()  # nothing lost, nothing moved
    blocks = "\n".join(shown).split("\n\n")
    assert len(blocks) == len(paragraphs)  # the blank-line paragraphs stay
    for block, paragraph in zip(blocks, paragraphs, strict=True):
        # a paragraph whose written lines (but its last) are all wider than the screen is filled
        if all(len(line) > width for line in textwrap.wrap(paragraph, wrap)[:-1]):
            assert block.split("\n") == textwrap.wrap(paragraph, width)


@given(st.lists(st.text("abc -*1.)`#|", max_size=30), max_size=8), st.integers(30, 100))
def test_lines_that_fit_are_kept_as_written(lines: list[str], width: int) -> None:
    text = "\n".join(line[: width - 1] for line in lines)
    assert reflowed(text, width) == text


def test_lists_code_and_formulas_keep_their_lines() -> None:
    long = "word " * 30
    text = "\n".join(
        [
            f"Steps: {long}",
            f"- first {long}",
            "- second",
            f"  indented formula {long}",
            "next line of the formula",
            "```",
            f"code {long}",
            "more code",
            "```",
            f"1. numbered {long}",
            "2. numbered again",
        ]
    )
    out = reflowed(text, 60).split("\n")
    assert out[:3] == [f"Steps: {long}", f"- first {long}", "- second"]  # list items start their lines
    assert "- second" in out and "```" in out and "more code" in out and "2. numbered again" in out
    assert "next line of the formula" in out  # an indented line never takes the next one
    assert any(line.startswith("code ") for line in out)  # fenced code as written


def test_a_list_items_wrapped_text_joins_the_item() -> None:
    long = "word " * 20
    assert (
        reflowed(f"- an item {long}\ncontinued here\n- next", 50)
        == f"- an item {long.rstrip()} continued here\n- next"
    )


def test_a_long_line_that_took_a_short_one_takes_the_next_too() -> None:
    """Found by an independent review: an 88-character line, a short one and a third at 80 columns
    left the joined line's wrapped tail ("end short bit") on a line of its own."""
    long = " ".join(["word"] * 17) + " end"  # 88 characters
    text = f"{long}\nshort bit\nthen a third line of the paragraph"
    shown = [line.plain for line in model_answer_lines(text, 80)]
    assert shown == textwrap.wrap(" ".join(text.split("\n")), 80)


# a written line of a paragraph: as long as the screen or anywhere from a word to twice it
LINE = st.lists(WORDS, min_size=1, max_size=25).map(" ".join)


@given(
    paragraphs=st.lists(st.lists(LINE, min_size=1, max_size=6), min_size=1, max_size=3),
    width=st.integers(20, 80),
)
def test_no_line_but_a_paragraphs_last_runs_past_the_width(paragraphs: list[list[str]], width: int) -> None:
    """Paragraphs mixing long and short written lines: a reflowed line wider than the screen is always
    its paragraph's last, so wrapping it never leaves a short line in the middle of a paragraph."""
    text = "\n\n".join("\n".join(lines) for lines in paragraphs)
    out = reflowed(text, width)
    assert out.split() == text.split()
    for block, lines in zip(out.split("\n\n"), paragraphs, strict=True):
        shown = block.split("\n")
        assert all(len(line) <= width for line in shown[:-1])
        # and a paragraph's first written line, when it fits, stays on its own as written
        if len(lines[0]) <= width:
            assert shown[0] == lines[0]
