"""Saving a story draft (cli/story_save.py): a save that waits for another mockprep says so and keeps the
draft when it is interrupted; a draft the home holds already, or one a document repeats, is not saved
again; a draft printed when it cannot be kept never acts on the terminal (an independent review)."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockprep.core.stories import is_blank, parse_markdown, render_document, render_markdown
from tests.test_stories import drafts
from tests.test_story_drafts import STORY, saved_drafts

SRC = str(Path(__file__).parents[1] / "src")


def _start_new(home: Path, text: str, source: str = "-") -> subprocess.Popen[str]:
    """``mockprep story new --from -`` with ``text`` piped in: once read, the draft is only in memory
    (or ``--from source``, with nothing piped in)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "mockprep", "story", "new", "--from", source],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "MOCKPREP_HOME": str(home), "PYTHONPATH": SRC},
        # as a terminal's process has them: a suite run under nohup would hand SIGHUP down ignored
        preexec_fn=lambda: [signal.signal(s, signal.SIG_DFL) for s in (signal.SIGHUP, signal.SIGINT)],
    )
    assert process.stdin is not None
    process.stdin.write(text)
    process.stdin.close()
    process.stdin = None  # (communicate() would flush it)
    return process


def _said_waiting(process: subprocess.Popen[str]) -> str:
    """The line that says the save waits for another mockprep (read from its stderr as it comes)."""
    assert process.stderr is not None
    line = process.stderr.readline()  # (blocks until the line; the lock is held throughout)
    assert "another mockprep" in line and "is writing to the database" in line, line
    return line


@pytest.fixture
def locked(cli, home: Path):
    """The home's database, with another process's write lock held on it until the block releases it."""
    assert cli("story", "list").exit_code == 0  # the database made
    other = sqlite3.connect(home / "mockprep.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    yield other
    if other.in_transaction:
        other.execute("ROLLBACK")
    other.close()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_save_waiting_for_another_mockprep_keeps_the_draft_when_interrupted(
    cli, home: Path, locked: sqlite3.Connection, signum: int
) -> None:
    """The save waited up to 30 s for the lock without a word, and Ctrl-C, SIGHUP or SIGTERM then ended
    it with the draft lost (found by an independent review)."""
    process = _start_new(home, STORY)
    try:
        _said_waiting(process)
        process.send_signal(signum)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    expected = 130 if signum == signal.SIGINT else 128 + signum
    assert process.returncode == expected, err
    assert "Traceback" not in err and "your draft is kept in" in err
    (kept,) = home.glob("unsaved-story-*.md")
    assert parse_markdown(kept.read_text(encoding="utf-8")).normalised() == parse_markdown(STORY).normalised()
    locked.execute("ROLLBACK")
    assert saved_drafts(home) == []
    again = cli("story", "new", "--from", str(kept))  # the line's command saves it
    assert again.exit_code == 0 and not kept.exists()
    assert saved_drafts(home) == [parse_markdown(STORY).normalised()]


def test_a_kept_draft_saved_again_and_interrupted_stays_the_one_copy(
    cli, home: Path, locked: sqlite3.Connection
) -> None:
    """`story new --from unsaved-story-*.md` stopped by SIGTERM while waiting for the lock kept a second,
    identical draft; every story command then said two drafts wait, and saving the second said "nothing
    was saved" and "it is saved now" (found by an exploratory tester). The draft given stays the copy."""
    kept = home / "unsaved-story-20260302-181005.md"
    kept.write_text(render_markdown(parse_markdown(STORY)), encoding="utf-8")
    text = kept.read_text(encoding="utf-8")
    process = _start_new(home, "", str(kept))
    try:
        _said_waiting(process)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 128 + signal.SIGTERM, err
    assert f"stopped by SIGTERM; your draft is still kept in {kept} (save it with:" in " ".join(err.split())
    assert list(home.glob("unsaved-story-*.md")) == [kept] and kept.read_text(encoding="utf-8") == text
    locked.execute("ROLLBACK")
    saved = cli("story", "new", "--from", str(kept))
    assert saved.exit_code == 0 and "Removed the kept draft" in saved.stdout and not kept.exists()
    # a copy of a draft saved already (as the second file was): said once, and removed without "saved now"
    copy = home / "unsaved-story-20260302-181506.md"
    copy.write_text(text, encoding="utf-8")
    again = cli("story", "new", "--from", str(copy))
    assert again.exit_code == 0 and "Story 1 holds this text already; nothing was saved." in again.stdout
    assert f"Removed the kept draft {copy.name}: story 1 holds its text." in again.stdout
    assert "saved now" not in again.stdout and not copy.exists()
    assert saved_drafts(home) == [parse_markdown(STORY).normalised()]


def test_a_save_waiting_for_another_mockprep_is_made_when_the_lock_is_released(
    home: Path, locked: sqlite3.Connection
) -> None:
    process = _start_new(home, STORY)
    try:
        _said_waiting(process)
        time.sleep(0.2)
        locked.execute("ROLLBACK")
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert re.search(r"Saved story 1 \(version 1\)", out)
    assert saved_drafts(home) == [parse_markdown(STORY).normalised()]
    assert not list(home.glob("unsaved-story-*.md"))


# -- text the home holds already -------------------------------------------------------------------------


def test_one_story_the_home_holds_already_is_said_with_its_id_and_not_saved_again(
    cli, home: Path, tmp_path: Path
) -> None:
    """The "text this home holds already" check ran only for a file of two or more stories: a one-story
    export, or a deleted-story file brought back twice, was saved again (found by an independent review)."""

    def said_id(result) -> int:
        assert result.exit_code == 0, result.stderr
        (story,) = re.findall(r"[Ss]tory (\d+) ", result.stdout)
        return int(story)

    mended = said_id(cli("story", "new", "--from", "-", input=STORY.replace("Fixing", "Mending")))
    assert cli("story", "delete", str(mended), "--yes").exit_code == 0
    fixing = said_id(cli("story", "new", "--from", "-", input=STORY))
    export = tmp_path / "one.md"
    export.write_text(cli("story", "export").stdout, encoding="utf-8")  # its one story
    for source in ("-", str(export)):
        again = cli("story", "new", "--from", source, input=STORY)
        assert said_id(again) == fixing and "Saved story" not in again.stdout
    assert saved_drafts(home) == [parse_markdown(STORY).normalised()]
    # a deleted story's kept draft brought back twice (a copy of it, outside the data folder)
    (deleted,) = home.glob("deleted-story-*.md")
    copy = tmp_path / "copy.md"
    copy.write_text(deleted.read_text(encoding="utf-8"), encoding="utf-8")
    back = cli("story", "new", "--from", str(deleted))
    assert "Saved story" in back.stdout
    again = cli("story", "new", "--from", str(copy))
    assert said_id(again) == said_id(back) and "Saved story" not in again.stdout
    assert len(saved_drafts(home)) == 2


def test_a_kept_document_whose_stories_are_all_held_says_which_stories_hold_it(cli, home: Path) -> None:
    """A kept document of several stories, each held already, said "Added 0 stories" and then "Removed
    the kept draft ...: it is saved now" (found by an independent review of 588a721)."""
    for title in ("Fixing", "Mending"):
        assert cli("story", "new", "--from", "-", input=STORY.replace("Fixing", title)).exit_code == 0
    kept = home / "unsaved-story-20261206-110000.md"
    assert cli("story", "export", "-o", str(kept)).exit_code == 0
    result = cli("story", "new", "--from", str(kept))
    assert result.exit_code == 0, result.stderr
    assert "Added 0" not in result.stdout and "saved now" not in result.stdout
    assert "Nothing was saved from" in result.stdout
    assert f"Removed the kept draft {kept.name}: stories 1 and 2 hold its text." in result.stdout
    assert not kept.exists() and len(saved_drafts(home)) == 2


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(drafts, min_size=1, max_size=3), st.lists(st.integers(0, 2), min_size=1, max_size=4))
def test_a_document_adds_each_text_once(cli, home: Path, tmp_path: Path, unique, picks) -> None:
    """Two identical stories in one document were both added; each text is now added once, and none the
    home holds already, however often the document repeats it."""
    stories = [unique[i % len(unique)].normalised() for i in picks]
    if any(is_blank(parse_markdown(render_markdown(story))) for story in stories):
        return  # refused either way
    document = render_document(stories) if len(stories) > 1 else render_markdown(stories[0])
    assert cli("story", "list").exit_code == 0  # (the database made)
    before = saved_drafts(home)
    result = cli("story", "new", "--from", "-", input=document)
    assert result.exit_code == 0, result.stderr
    after = saved_drafts(home)
    added = after[len(before) :]
    assert len(set(added)) == len(added)  # no text twice
    assert not set(added) & set(before)
    assert set(after) == set(before) | {
        parse_markdown(render_markdown(story)).normalised() for story in stories
    }
    assert cli("story", "new", "--from", "-", input=document).exit_code == 0
    assert saved_drafts(home) == after  # the same document again adds nothing


# -- the waiting line and a draft printed ---------------------------------------------------------------


@pytest.mark.parametrize("form", ["--from={}", "--from {}"])
def test_a_kept_draft_given_as_from_is_not_said_to_wait(cli, home: Path, monkeypatch, form: str) -> None:
    """`--from=FILE.md` still named FILE as waiting in the command that saves it (found by an independent
    review): only arguments ending in .md were compared, and that one starts with --from=."""
    from mockprep.db.stories import StoryTable

    def full(self, draft, now):
        raise OSError("database or disk is full")

    with monkeypatch.context() as patch:
        patch.setattr(StoryTable, "create", full)
        assert cli("story", "new", "--from", "-", input=STORY).exit_code == 1
    (kept,) = home.glob("unsaved-story-*.md")
    result = cli("story", "new", *form.format(kept).split(" "))
    assert result.exit_code == 0 and result.stderr == ""


def test_a_draft_printed_when_it_cannot_be_kept_never_acts_on_the_terminal(
    cli, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the disk full the draft was printed raw: escape sequences stored in a story reached the
    terminal (found by an independent review)."""
    import mockprep.cli.story_save as story_save
    from mockprep.db.stories import StoryTable

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(StoryTable, "create", full)
    monkeypatch.setattr(story_save, "keep_rescue_file", full)
    story = STORY.replace("found a race", "found a \x1b]0;pwned\x07race \x1b[2J")
    result = cli("story", "new", "--from", "-", input=story)
    assert result.exit_code == 1 and "it is printed above" in result.stderr
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "found a race" in result.stdout  # the text itself is all there
