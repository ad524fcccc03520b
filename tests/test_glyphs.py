"""A terminal whose encoding lacks the screens' glyphs (LC_ALL=C, PYTHONIOENCODING=ascii, Latin-1) gets
ASCII stand-ins that keep their meaning, not '?'."""

from __future__ import annotations

import io
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.text import Text

from mockprep.terminal.console import make_console
from mockprep.terminal.glyphs import ASCII, fitted


class Terminal(io.StringIO):
    """A terminal whose locale's encoding is ``encoding``."""

    def __init__(self, encoding: str):
        super().__init__()
        self._encoding = encoding

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self._encoding

    def isatty(self) -> bool:
        return True


def shown(monkeypatch: pytest.MonkeyPatch, encoding: str, text: Text | str, tty: bool = True) -> str:
    screen = Terminal(encoding)
    if not tty:
        monkeypatch.setattr(screen, "isatty", lambda: False)
    monkeypatch.setattr(sys, "stdout", screen)
    make_console().print(text)
    return screen.getvalue()


def test_the_marks_keep_their_meaning_on_an_ascii_terminal(monkeypatch) -> None:
    """Every key-point mark printed as '?': covered and missing differed by colour alone."""
    line = Text("1 ✓ a  2 ◐ b  3 ✗ c  4 ≠ d | difficulty ●●○ | Question 1 · 9 more |  ⏱ 2m of 3m")
    assert shown(monkeypatch, "ascii", line).rstrip("\n") == (
        "1 + a  2 ~ b  3 - c  4 ! d | difficulty **- | Question 1 - 9 more |    2m of 3m"
    )


def test_a_latin1_terminal_keeps_what_it_can_draw(monkeypatch) -> None:
    assert shown(monkeypatch, "latin-1", "3 × 4 · ✓ é").rstrip("\n") == "3 × 4 · + é"


def test_utf8_and_piped_output_are_never_changed(monkeypatch) -> None:
    text = "1 ✓ a · ●●○ ⏱"
    assert shown(monkeypatch, "utf-8", text).rstrip("\n") == text
    assert shown(monkeypatch, "ascii", text, tty=False).rstrip("\n") == text  # data: the command fails


def test_every_stand_in_is_ascii_and_takes_its_glyphs_one_cell() -> None:
    """So that tables and panels stay aligned (a panel line one cell longer wraps its border)."""
    for glyph, stand_in in ASCII.items():
        assert stand_in.isascii() and len(stand_in) == cell_len(glyph) == 1, glyph
    assert len(set(ASCII["✓"] + ASCII["✗"] + ASCII["◐"] + ASCII["≠"])) == 4  # the verdicts stay apart


@given(st.text())
def test_fitted_text_holds_no_glyph_the_encoding_lacks_and_keeps_its_length(text: str) -> None:
    out = fitted(text, "ascii")
    assert len(out) == len(text)
    assert not set(out) & set(ASCII)
    assert [c for c in out if c not in ASCII.values()] == [
        c for c in text if c not in ASCII and c not in ASCII.values()
    ]
    assert fitted(text, "utf-8") == text


def test_the_live_clock_drawn_by_prompt_toolkit_uses_the_stand_ins_too() -> None:
    from datetime import UTC, datetime, timedelta

    from mockprep.core.timer import Countdown
    from mockprep.terminal.input import clock_line

    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    ((_style, text),) = clock_line(Countdown(60, start), start + timedelta(seconds=50), 80, "ascii")
    assert text.isascii() and "- wrap up" in text and "0:10 left" in text
    ((_style, text),) = clock_line(Countdown(60, start), start, 80, "utf-8")
    assert text.startswith(" ⏱ ")


def test_the_stats_shades_and_bars_keep_their_order_on_an_ascii_terminal(monkeypatch) -> None:
    """Found by an independent review: the heatmap's legend read 'less -???? more', 'Due, next 14 days'
    and the weekly score's sparkline all '?'."""
    from mockprep.core.stats import SPARKS
    from mockprep.terminal.stats import HEAT

    heat, bars = shown(monkeypatch, "ascii", f"{''.join(HEAT)} {SPARKS}").split()
    assert (heat, bars) == ("-:+#@", "_.-=+*#@")  # one distinct cell each, lightest to fullest
    assert len(set(heat)) == len(HEAT) and len(set(bars)) == len(SPARKS)


def test_a_cut_does_not_read_as_a_full_stop_on_an_ascii_terminal(monkeypatch) -> None:
    """A checklist point cut at the screen's edge read '4 + fix sample size in advance and.'."""
    from mockprep.terminal.reveal import _cut

    line = shown(monkeypatch, "ascii", _cut("fix sample size in advance and stop at it", 34))
    assert line.rstrip("\n") == "fix sample size in advance and>"


def test_the_voice_prompt_drawn_by_prompt_toolkit_uses_the_stand_ins(monkeypatch) -> None:
    """The clock line above it was fitted; the prompt itself ('● Recording — press Enter') was not."""
    from datetime import UTC, datetime

    from mockprep.core.timer import Countdown
    from mockprep.terminal.input import prompt_message

    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    prompt = "● Recording — press Enter to stop (q discards and quits): "
    for countdown in (None, Countdown(60, start)):
        drawn = "".join(text for _style, text, *_ in prompt_message(prompt, countdown, start, 80, "ascii"))
        assert drawn.isascii() and drawn.endswith(
            "* Recording - press Enter to stop (q discards and quits): "
        )
    ((_style, text),) = prompt_message(prompt, None, start, 80, "utf-8")
    assert text == prompt
