"""The key points are on screen when the person toggles them at the checklist prompt."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mockprep.core.banks import parse_question
from mockprep.core.questions import Question, QuestionRecord
from mockprep.practice.ui import Progress
from mockprep.terminal.reveal import compact_points
from tests.test_answer_input import ScriptedReader, attempt_for, long_spec, terminal_ui

POINTS = [
    "gradient descent converges slowly",
    "learning rate schedules matter",
    "momentum smooths noisy updates " * 3,
]


def spec_with(answer_lines: int):
    return parse_question(
        {
            "id": "q",
            "prompt": "THE QUESTION: explain the thing.",
            "answer": "\n".join(f"Model answer line {n}." for n in range(1, answer_lines + 1)),
            "key_points": POINTS,
        }
    )


def at_checklist(spec, height: int, replies: list[str], width: int = 60) -> tuple[ScriptedReader, list[str]]:
    """Show the question, answer it, reveal, then confirm the checklist with ``replies`` (the pages'
    replies first); the screens when each checklist prompt waited (the last ``height`` - 1 rows)."""
    reader = ScriptedReader(lines=["gradient descent converges slowly", *replies])
    ui, _out = terminal_ui(reader, height=height)
    ui.console.width = width
    ui.show_question(
        QuestionRecord(1, Question("demo/q", "demo", "technical", "t", (), spec)), Progress(1, 0)
    )
    attempt = attempt_for(spec, ui.read_answer(None))
    ui.show_reveal(attempt)
    assert ui.confirm_checklist(attempt) is not None
    screens = [
        "\n".join(screen.splitlines()[-(height - 1) :])
        for prompt, screen in zip(reader.prompts, reader.screens, strict=True)
        if prompt == "checklist> "
    ]
    return reader, screens


def test_after_the_model_answers_pages_the_key_points_are_listed_above_the_checklist() -> None:
    """At 100x40 after paging none of the key points' texts were on screen at 'checklist>'."""
    _reader, screens = at_checklist(spec_with(60), 30, ["", "", "", "", ""])
    for screen in screens:
        assert "1 ✓ gradient descent converges slowly" in screen
        assert "2 ✗ learning rate schedules matter" in screen
        assert "3 ✗ momentum smooths" in screen and "…" in screen  # one line each, cut at the edge


def test_on_a_low_screen_skipping_the_model_answer_still_shows_them() -> None:
    """At 80x10 they were gone even when skipping the model answer with s."""
    _reader, (screen,) = at_checklist(spec_with(60), 10, ["s", ""], width=80)
    assert all(point.split()[1] in screen for point in POINTS) and "You covered" in screen


def test_the_list_shows_the_marks_as_toggled() -> None:
    _reader, screens = at_checklist(spec_with(60), 12, ["s", "2", ""])
    assert "2 ✗ learning rate" in screens[0] and "2 ✓ learning rate" in screens[1]


def test_when_everything_fits_the_key_points_are_not_listed_twice() -> None:
    _reader, (screen,) = at_checklist(spec_with(3), 40, [""])
    assert screen.count("learning rate schedules matter") == 1
    assert "Model answer line 3." in screen and "THE QUESTION" in screen


@settings(max_examples=30, deadline=None)
@given(st.integers(8, 60), st.integers(30, 120), st.integers(1, 40))
def test_at_any_size_every_point_is_on_screen_at_the_prompt(height: int, width: int, lines: int) -> None:
    replies = ["s", ""] if lines > 2 else [""]
    reader, screens = at_checklist(spec_with(lines), height, replies * 1, width=width)
    if not screens:  # the model answer fitted without a "more" prompt: the first reply was the checklist's
        return
    for point in POINTS:
        assert " ".join(point.split())[:5] in screens[-1], (height, width, lines)


def test_a_compact_line_is_cut_at_a_space_within_the_width() -> None:
    attempt = attempt_for(long_spec(), "first point")
    for width in range(12, 60):
        for line in compact_points(attempt, [p.verdict for p in attempt.assessment.points], width):
            assert line.cell_len <= width and "\n" not in line.plain
