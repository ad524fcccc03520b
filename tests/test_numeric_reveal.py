"""What a numeric question's verdict says: an answer with a decimal comma is told so (not 'nothing
recognisable'), and a tolerance's ± on a terminal that cannot draw it reads +/- (not '?')."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.test_glyphs import Terminal

NUMERIC = """id = "num"
title = "Numbers"
round = "technical"
topic = "maths"

[[questions]]
id = "price"
kind = "numeric"
prompt = "What is the price?"
value = 3.47
tolerance = 0.02
unit = "$"
answer = "It is 3.47."
key_points = ["three forty-seven", "in dollars"]
"""


@pytest.fixture
def numeric(cli, tmp_path: Path) -> None:
    (tmp_path / "num.toml").write_text(NUMERIC, encoding="utf-8")
    assert cli("bank", "add", str(tmp_path / "num.toml")).exit_code == 0


def test_a_decimal_comma_is_told_at_the_reveal_and_by_grade(cli, numeric) -> None:
    """Found by an exploratory tester: '3,47' read as 'you answered nothing recognisable'."""
    said = "'3,47' looks like a decimal comma: write it with a point (3.47)"
    session = cli("session", "--bank", "num", input="3,47\n\n3\n")
    graded = cli("grade", "num/price", "--answer", "3,47")
    for result in (session, graded):
        flat = " ".join(result.stdout.split())
        assert result.exit_code == 0 and said in flat and "nothing recognisable" not in flat


@pytest.mark.parametrize("encoding", ["ascii", "latin-1", "utf-8"])
def test_a_tolerance_reads_plus_minus_where_the_terminal_lacks_the_glyph(
    cli, numeric, monkeypatch: pytest.MonkeyPatch, encoding: str
) -> None:
    """Found by an exploratory tester under LC_ALL=C: 'expected 3.47 $ (? 0.02)'."""
    screen = Terminal(encoding)
    monkeypatch.setattr(sys, "stdout", screen)
    cli("session", "--bank", "num", input="3.5\n\n3\n")
    cli("question", "show", "num/price")
    shown = screen.getvalue()
    tolerance = "±" if encoding != "ascii" else "+/-"
    assert f"expected 3.47 $ ({tolerance} 0.02)" in shown and f"3.47 {tolerance} 0.02 $" in shown
    shown.encode(encoding)  # nothing left for the terminal to show as '?'
    # the stand-in was laid out with the text: each panel's lines are as long as its border
    panel = [line for line in shown.splitlines() if line[:1] and line[0] in "|+╭│╰"]
    assert panel and len({len(line) for line in panel}) == 1, panel
