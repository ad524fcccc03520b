"""A story edited on two devices: two versions edited from the same one, which history, diff and show
tell apart (found by an exploratory tester: history read as a straight line 1, 2, 3, and the default diff
2 -> 3 showed one device's edit as undone by the other's)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockprep.core.records import StoryVersion
from mockprep.core.stories import StoryDraft
from mockprep.core.story_tree import StoryTree
from tests.conftest import START

DRAFT = StoryDraft.from_dict(
    {"title": "T", "competencies": [], "situation": "S", "task": "T", "action": "A", "result": "R"}
)


@st.composite
def trees(draw) -> dict[int, int | None]:
    """Parents of versions 1..n: each edited from an earlier one."""
    n = draw(st.integers(1, 9))
    return {1: None} | {v: draw(st.integers(1, v - 1)) for v in range(2, n + 1)}


def _versions(parents: dict[int, int | None], named: bool = True) -> list[StoryVersion]:
    return [
        StoryVersion(1, v, START + timedelta(hours=v), DRAFT, f"u{v}", f"u{p}" if named and p else None)
        for v, p in parents.items()
    ]


@given(trees(), st.randoms())
def test_the_tree_is_the_versions_parents_and_its_forks_are_the_versions_edited_twice(parents, rnd) -> None:
    versions = _versions(parents)
    rnd.shuffle(versions)
    tree = StoryTree.of(versions)
    assert tree.parents == parents
    for v in parents:
        assert tree.line(v)[0] == v and tree.line(v)[-1] == 1
        assert set(tree.siblings(v)) == {w for w, p in parents.items() if p == parents[v] and w != v} - {1}
    edited = [p for p in parents.values() if p is not None]
    assert [parent for parent, _ in tree.forks()] == sorted({p for p in edited if edited.count(p) > 1})


@given(trees())
def test_versions_that_name_no_parent_read_as_a_line(parents) -> None:
    """Versions saved before they recorded their parent: each follows the one before it."""
    tree = StoryTree.of(_versions(parents, named=False))
    assert tree.parents == {v: (v - 1 if v > 1 else None) for v in parents} and tree.forks() == []


@pytest.fixture
def forked(devices, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The laptop's home once both devices edited version 1 of a story and synced: version 2 the
    laptop's edit, version 3 the desk's (later, so the latest draft)."""
    folder = tmp_path / "Sync"
    folder.mkdir()
    laptop, desk = devices("laptop"), devices("desk")
    laptop.write_story("Outage", "I rolled back.", START)
    for device in (laptop, desk):
        device.sync(folder, START)
    laptop.write_story("Outage", "I rolled back. LAPTOP EDIT", START + timedelta(hours=1))
    desk.write_story("Outage", "I rolled back. DESK EDIT", START + timedelta(hours=2))
    for device in (laptop, desk, laptop):
        device.sync(folder, START + timedelta(hours=3))
    assert [v[1] for v in laptop.stories()] == [1, 2, 3]
    monkeypatch.setenv("MOCKPREP_HOME", str(tmp_path / "laptop"))
    return tmp_path / "laptop"


def test_history_shows_both_edits_made_from_version_1(cli, forked: Path) -> None:
    out = cli("story", "history", "1").stdout
    rows = {int(m[1]): m[2] for m in re.finditer(r"(?m)^\s*(\d+)\s+(\d+|-)\s+\d{4}-", out)}
    assert rows == {1: "-", 2: "1", 3: "1"}
    (fork,) = [line for line in " ".join(out.split("\n")).split(". ") if "separate edits" in line]
    assert "version 1" in fork and "version 3 is the latest draft" in fork
    assert "version 2's edit is not in it" in fork


def test_the_default_diff_compares_the_latest_with_the_version_it_was_edited_from(cli, forked: Path) -> None:
    result = cli("story", "diff", "1")
    assert result.exit_code == 0
    assert "--- version 1" in result.stdout and "+++ version 3" in result.stdout
    assert "LAPTOP EDIT" not in result.stdout  # the other edit is not shown as undone
    assert "+" in result.stdout and "DESK EDIT" in result.stdout
    assert "version 2" in result.stderr and "story diff 1 1 2" in result.stderr
    older = cli("story", "diff", "1", "2").stdout  # V1 alone: from V1 to the latest, as before
    assert "--- version 2" in older and "+++ version 3" in older


def test_show_says_the_latest_draft_lacks_the_other_devices_edit(cli, forked: Path) -> None:
    out = " ".join(cli("story", "show", "1").stdout.split())
    assert "DESK EDIT" in out and "LAPTOP EDIT" not in out
    assert "This draft, version 3, and version 2 are separate edits of version 1" in out
    assert "kept as version 2" in out
    older = " ".join(cli("story", "show", "1", "--version", "2").stdout.split())
    assert "the latest draft, version 3, does not have it" in older
