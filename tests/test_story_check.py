"""The STAR check's advice and score as a person reads them: lines that agree with each other, and a
ranking of real stories that a behavioral-interview coach would back (the exploratory tester `star`'s
stories, /tmp/star/repro/, in the forms that matter here)."""

from __future__ import annotations

import io
import re

from hypothesis import example, given
from hypothesis import strategies as st
from rich.console import Console

from mockprep.core.stories import REQUIRED_PARTS, StoryDraft
from mockprep.core.story_check import check_story
from mockprep.terminal.stories import render_check


def sized(**counts: int) -> StoryDraft:
    return StoryDraft(**{part: "word " * n for part, n in counts.items()})


def item(draft: StoryDraft, name: str):  # noqa: ANN201
    return {i.name: i for i in check_story(draft).items}[name]


def rendered(draft: StoryDraft) -> str:
    out = io.StringIO()
    render_check(Console(file=out, width=200, color_system=None), "t", check_story(draft))
    return out.getvalue()


_SPLIT_LINE = re.compile(r"Split S (\d+)%\s+T (\d+)%\s+A (\d+)%\s+R (\d+)%")
_ADVICE_SPLIT = re.compile(r"Situation (\d+)%, Task (\d+)%, Action (\d+)%, Result (\d+)%")


@given(st.fixed_dictionaries({part: st.integers(1, 300) for part in REQUIRED_PARTS}))
def test_the_split_in_the_advice_is_the_split_shown_below_it(counts: dict[str, int]) -> None:
    """repro/probe_year.md: "Action 49%" in the proportions line, "A 48%" in the Split line (48.507%
    rounded once to 49, and once to 48.5 and then to even)."""
    out = rendered(sized(**counts))
    assert _SPLIT_LINE.search(out).groups() == _ADVICE_SPLIT.search(out).groups()  # type: ignore[union-attr]


def test_the_tester_s_split_reads_the_same_on_both_lines() -> None:
    out = rendered(sized(situation=31, task=22, action=65, result=16))
    assert "Action 49%" in out and "A 49%" in out


EMPTY_PARTS = StoryDraft(
    title="Empty parts",
    situation=(
        "Our lab needed a new evaluation harness for the benchmark suite and nobody owned it, so results "
        "across five papers were inconsistent and reviewers noticed."
    ),
    action=(
        "I wrote the harness, I ported all twelve benchmarks, I added CI checks, and I documented it for "
        "the group so that new students could run every evaluation with one command."
    ),
)


def test_a_part_left_empty_is_called_empty_and_told_what_to_say_not_which_heading_to_write() -> None:
    """repro/emptyparts.md had '## Task' and '## Result' with nothing under them and was told "Missing:
    Task, Result; write each under its own heading" (a story typed at the prompts, with no editor,
    never saw a heading either)."""
    message = item(EMPTY_PARTS, "parts").message
    assert "Task and Result are empty" in message
    assert "Task: what you were responsible for" in message and "Result: what changed" in message
    assert "heading" not in message and "##" not in message and "Missing" not in message


_LENGTH_PART = re.compile(r"(add|cut) \d+ words?, (?:mostly to|first from) (\w+)\.")
_CHANGES = re.compile(r"(add|cut) ~\d+ words? (?:to|from) (\w+)")


@given(st.fixed_dictionaries({part: st.integers(1, 1500) for part in REQUIRED_PARTS}))
@example({"situation": 5, "task": 5, "action": 150, "result": 5})
@example({"situation": 400, "task": 5, "action": 600, "result": 5})
def test_the_length_advice_names_the_part_the_split_advice_changes_most(counts: dict[str, int]) -> None:
    """A story of S 5, T 5, A 150, R 5 words was told to add words "mostly to Action" while the split
    advice had Action the one part to cut. The split advice lists its changes largest first."""
    found = {i.name: i.message for i in check_story(sized(**counts)).items}
    length = _LENGTH_PART.search(found["spoken-length"])
    changes = [
        part for verb, part in _CHANGES.findall(found["proportions"]) if length and verb == length.group(1)
    ]
    if length and changes:
        assert length.group(2) == changes[0], found
