"""A story's stored rehearsals read back: the latest under `story show`, every one with `story
rehearsals ID`, one in full (transcript and all) with `story rehearsals ID N`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from mockprep.core.delivery import PartCoverage, coverage_line, measure
from mockprep.core.records import Rehearsal
from mockprep.core.rehearsal_log import parts_told, tellings
from mockprep.core.stories import StoryDraft
from mockprep.db.store import Store
from tests.test_story_cli import STRONG
from tests.test_voice import said

START = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
# What the person said, markup and all: shown as said, never read as rich markup.
MARKED = "Um, the [bold]nightly evaluation[/bold] failed [red]one night in five[/]"


def _story(cli, tmp_path: Path) -> None:
    draft = tmp_path / "story.md"
    draft.write_text(STRONG, encoding="utf-8")
    assert cli("story", "new", "--from", str(draft)).exit_code == 0


def _spoken(home: Path, texts: list[str], start: datetime = START) -> None:
    """Rehearsals of story 1 told aloud, one a day from ``start``, as `story rehearse --voice` stores them."""
    store = Store.open(home)
    try:
        for day, text in enumerate(texts):
            transcript = said(text)
            store.stories.add_rehearsal(
                1,
                1,
                start + timedelta(days=day),
                round(transcript.seconds * 1000),
                120_000,
                transcript.text,
                measure(transcript),
            )
    finally:
        store.close()


def _rows(out: str) -> list[str]:
    """The number in the first column of each table row under the header line."""
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.split()[:2] == ["#", "told"])
    return [line.split()[0] for line in lines[header + 1 :] if line[:1].isspace() or line[:1].isdigit()]


def test_story_show_ends_with_the_latest_rehearsals_newest_first(cli, home: Path, tmp_path: Path) -> None:
    """`story show` showed nothing of a story's rehearsals, though every telling is stored."""
    _story(cli, tmp_path)
    before = cli("story", "show", "1").stdout
    assert "Not rehearsed yet: mockprep story rehearse 1" in before
    _spoken(home, [f"{MARKED} and I fixed it, take {n}." for n in range(6)])
    assert cli("story", "rehearse", "1", input="\n\n").exit_code == 0  # typed: timed only
    out = cli("story", "show", "1").stdout
    assert out.index("Failures fell from 20%") < out.index("Rehearsals (7)")
    assert [n for n in _rows(out) if n.isdigit()] == ["7", "6", "5", "4", "3"]
    assert "and 2 more: mockprep story rehearsals 1" in out
    spoken_row = next(line for line in out.splitlines() if line.startswith("6 "))
    wpm = measure(said(f"{MARKED} and I fixed it, take 5.")).wpm
    assert wpm is not None and f" {wpm:.0f} " in spoken_row
    assert " 1 " in spoken_row  # one filler ("Um")
    assert "of 2m" in spoken_row


def test_every_rehearsal_is_listed_and_one_opens_with_its_transcript_as_said(
    cli, home: Path, tmp_path: Path
) -> None:
    _story(cli, tmp_path)
    _spoken(home, [MARKED, "I owned the pipeline and added a lock around the shard index."])
    listed = cli("story", "rehearsals", "1").stdout
    assert [n for n in _rows(listed) if n.isdigit()] == ["2", "1"]
    first = cli("story", "rehearsals", "1", "1")
    assert first.exit_code == 0
    assert MARKED in first.stdout  # literally: the brackets kept, nothing styled away
    assert "Parts told:" in first.stdout
    fillers = next(line for line in first.stdout.splitlines() if line.startswith("Fillers:"))
    assert "1" in fillers and "um" in fillers
    second = cli("story", "rehearsals", "1", "2").stdout
    assert "shard index" in second and MARKED not in second


def test_a_missing_rehearsal_is_one_line_naming_the_story(cli, home: Path, tmp_path: Path) -> None:
    _story(cli, tmp_path)
    _spoken(home, ["I owned it."])
    result = cli("story", "rehearsals", "1", "4")
    assert result.exit_code != 0
    (line,) = result.stderr.strip().splitlines()
    assert "story 1" in line and "4" in line and "Traceback" not in result.stderr
    assert cli("story", "rehearsals", "9").exit_code != 0


def test_a_typed_telling_opens_with_its_length_only(cli, home: Path, tmp_path: Path) -> None:
    _story(cli, tmp_path)
    cli("story", "rehearse", "1", input="\n\n")
    out = cli("story", "rehearsals", "1", "1").stdout
    assert "of 2m" in out and "no transcript" in out


@given(st.lists(st.integers(min_value=0, max_value=10**6), max_size=12))
def test_tellings_are_numbered_in_the_order_told_and_listed_newest_first(offsets: list[int]) -> None:
    """Whatever order the rows are stored in (a sync merges another device's), 1 is the first told."""
    draft = StoryDraft(title="t", situation="s", task="t", action="a", result="r")
    stored = [
        Rehearsal(1, START + timedelta(seconds=s), 1000, 120_000, transcript=f"said {i}")
        for i, s in enumerate(offsets)
    ]
    listed = tellings(stored, {1: draft}, 0.5)
    assert [t.number for t in listed] == list(range(len(stored), 0, -1))
    times = [t.rehearsed_at for t in listed]
    assert times == sorted(times, reverse=True)
    assert sorted(t.transcript for t in listed) == sorted(r.transcript for r in stored)


_PARTS = ("situation", "task", "action", "result")


@given(st.lists(st.booleans(), min_size=4, max_size=4), st.sampled_from([None, True, False]))
def test_the_four_star_parts_are_counted_and_reflection_is_never_missing(
    covered: list[bool], reflection: bool | None
) -> None:
    """Found by an exploratory tester: a telling of a draft with a Reflection read "3 of 5: no result,
    reflection", though the Reflection is optional. The four parts are counted; the Reflection is
    named only when it was told."""
    parts = [
        PartCoverage(part, 1.0 if told else 0.0, told) for part, told in zip(_PARTS, covered, strict=True)
    ]
    if reflection is not None:
        parts.append(PartCoverage("reflection", 1.0 if reflection else 0.0, reflection))
    summary, line = parts_told(parts), coverage_line(parts)
    told = sum(covered)
    assert summary.startswith(f"all {told}" if told == 4 else f"{told} of 4")
    missing = [part for part, was_told in zip(_PARTS, covered, strict=True) if not was_told]
    if missing:
        assert summary.split(": no ", 1)[1].split(";")[0] == ", ".join(missing)
    for part, was_told in zip(_PARTS, covered, strict=True):
        assert f"{part} {'✓' if was_told else '✗'}" in line
    assert ("reflection" in summary) == bool(reflection)
    assert ("reflection" in line) == bool(reflection)
    assert "reflection ✗" not in line and "missing: reflection" not in line
