"""Story drafts that must not be lost: prompts cut short, kept drafts said by every story command, drafts
from standard input, and an export's several stories (found by an exploratory tester of the workshop)."""

from __future__ import annotations

import io
import re
import signal
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockprep.core.stories import (
    PARTS,
    StoriesError,
    StoryDraft,
    competency_slugs,
    is_blank,
    parse_markdown,
    render_document,
    render_markdown,
    split_stories,
)
from mockprep.practice.pipeline import SessionInterrupted
from tests.conftest import CliResult, db_rows
from tests.test_stories import drafts, story_drafts

# What a person types at the prompts of `story new`: title, competencies, then each part's lines up to
# an empty one.
TYPED = [
    "Fixing the nightly evaluation",
    "ownership, Problem Solving",
    "The nightly evaluation failed one night in five.",
    "Nobody trusted the dashboard.",
    "",
    "I owned the pipeline.",
    "",
    "I grouped forty failures by stage.",
    "I found a race and fixed it.",
    "",
    "Failures fell from 20% to zero.",
    "",
    "Reproduce before fixing.",
    "",
]


class Terminal(io.StringIO):
    """Standard input at a terminal: the lines typed, then what ended the typing (None: all was typed)."""

    def __init__(self, text: str, end: BaseException | None = None):
        super().__init__(text)
        self.end = end

    def readline(self, *args) -> str:  # type: ignore[override]
        line = super().readline(*args)
        if not line and self.end is not None:
            raise self.end
        return line

    def isatty(self) -> bool:
        return True


@pytest.fixture
def at_terminal(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """Run ``mockprep ARGS`` in-process with no editor set and ``stdin`` as standard input."""
    from mockprep.cli import main

    monkeypatch.delenv("EDITOR", raising=False)
    monkeypatch.delenv("VISUAL", raising=False)

    def run(args: list[str], stdin: io.StringIO) -> CliResult:
        monkeypatch.setattr(sys, "stdin", stdin)
        capsys.readouterr()
        code = 0
        try:
            main(args)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        out, err = capsys.readouterr()
        return CliResult(code, out, err)

    return run


def typed_so_far(lines: list[str]) -> dict[str, str]:
    """The fields ``lines`` answer, as the prompts read them (a part cut short holds its lines so far)."""
    answers: dict[str, str] = {}
    rest = list(lines)
    for field in ("title", "competencies"):
        if not rest:
            return answers
        answers[field] = rest.pop(0)
    for part in PARTS:
        if not rest:
            return answers
        body = []
        while rest and rest[0]:
            body.append(rest.pop(0))
        if rest:
            rest.pop(0)  # the empty line that ends it
        answers[part] = "\n".join(body)
    return answers


def kept_line(result: CliResult, home: Path, command: str) -> Path:
    """The one kept draft, checking the one line that names it and the command that saves it."""
    (line,) = result.stderr.splitlines()
    (kept,) = home.glob("unsaved-story-*.md")
    assert f"your draft is kept in {kept} (save it with: {command} --from {kept})" in line
    return kept


@pytest.mark.parametrize(
    ("end", "code", "why"),
    [
        (KeyboardInterrupt(), 130, "interrupted"),
        (None, 1, "input ended"),
        (SessionInterrupted(signal.SIGHUP), 129, "stopped by SIGHUP"),
    ],
)
@pytest.mark.parametrize("cut", range(len(TYPED)))
def test_prompts_cut_short_keep_what_was_typed(
    at_terminal, home: Path, end: BaseException | None, code: int, why: str, cut: int
) -> None:
    """Ctrl-C at the prompts ended `story new` with 130 and nothing else: no message, no file, nothing
    saved. Wherever the typing stops, what was typed is kept as a draft that --from saves."""
    result = at_terminal(["story", "new"], Terminal("".join(f"{line}\n" for line in TYPED[:cut]), end))
    answers = typed_so_far(TYPED[:cut])
    if end is None and len(answers) == 2 + len(PARTS):  # the input ended with the last part: all typed
        assert result.exit_code == 0 and db_rows(home, "SELECT reflection FROM story_versions") == [
            (TYPED[-2],)
        ]
        return
    assert result.exit_code == code
    if not any(answers.get(part) for part in PARTS):  # a title alone is no story: a save refuses it too
        assert result.stderr == f"mockprep: error: {why}; nothing was saved\n"
        assert not home.exists() or not list(home.iterdir())
        return
    assert result.stderr.startswith(f"mockprep: error: {why}; your draft is kept in ")
    kept = kept_line(result, home, "mockprep story new")
    texts = {part: answers.get(part, "") for part in PARTS}
    slugs = competency_slugs(answers.get("competencies", "").split(","))
    expected = StoryDraft(answers["title"], slugs, **texts).normalised()
    assert parse_markdown(kept.read_text(encoding="utf-8")) == expected
    saved = at_terminal(["story", "new", "--from", str(kept)], Terminal(""))
    assert saved.exit_code == 0 and not kept.exists()
    assert db_rows(home, "SELECT title, situation, action FROM story_versions") == [
        (expected.title, expected.situation, expected.action)
    ]


def test_an_edit_at_the_prompts_cut_short_keeps_the_story_with_what_was_changed(
    at_terminal, home: Path
) -> None:
    made = at_terminal(["story", "new"], Terminal("".join(f"{line}\n" for line in TYPED)))
    assert made.exit_code == 0, made.stderr
    # Enter keeps each current value: nothing changed, nothing kept
    unchanged = at_terminal(["story", "edit", "1"], Terminal("\n\n\n", KeyboardInterrupt()))
    assert unchanged.exit_code == 130 and "interrupted; nothing was saved" in unchanged.stderr
    assert not list(home.glob("unsaved-story-*.md"))
    result = at_terminal(["story", "edit", "1"], Terminal("A new title\n\n\nI", KeyboardInterrupt()))
    assert result.exit_code == 130
    kept = kept_line(result, home, "mockprep story edit 1")
    draft = parse_markdown(kept.read_text(encoding="utf-8"))
    assert draft.title == "A new title" and draft.task == "I" and draft.action.startswith("I grouped")
    assert db_rows(home, "SELECT COUNT(*) FROM story_versions") == [(1,)]


def test_a_second_signal_while_the_typing_is_kept_does_not_cut_it_short(
    at_terminal, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A closed terminal sends SIGHUP twice (the kernel's, then the shell's as it exits): the second
    ended mockprep in the middle of keeping the text ("interrupted", nothing kept; found in tmux)."""
    import mockprep.cli.context as context

    real_write = context.write_private_file

    def shell_hangs_up_too(path: Path, text: str) -> None:
        signal.raise_signal(signal.SIGHUP)
        real_write(path, text)

    monkeypatch.setattr(context, "write_private_file", shell_hangs_up_too)
    result = at_terminal(["story", "new"], Terminal("A title\nownership\nThe sit", SessionInterrupted(1)))
    assert result.exit_code == 129
    kept = kept_line(result, home, "mockprep story new")
    assert parse_markdown(kept.read_text(encoding="utf-8")).situation == "The sit"


STORY = """# Fixing the flaky nightly evaluation
Competencies: ownership

## Situation
The nightly evaluation failed one night in five.

## Task
I owned the pipeline.

## Action
I grouped forty failures by stage, found a race and fixed it.

## Result
Failures fell from 20% of nights to zero.
"""


@pytest.fixture
def failing_editor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """$EDITOR as an editor that writes ``text`` and then fails (so the text is kept)."""

    def use(text: str) -> None:
        script = tmp_path / "editor.py"
        script.write_text(
            f"import pathlib, sys\npathlib.Path(sys.argv[-1]).write_text({text!r})\nsys.exit(3)\n"
        )
        monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
        monkeypatch.delenv("VISUAL", raising=False)

    return use


def test_every_story_command_says_that_kept_text_waits_and_how_to_save_it(
    cli, home: Path, tmp_path: Path, failing_editor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a closed terminal kept an edit, story list, show and the next edit never mentioned it, and
    the person believed the edit lost (found by an exploratory tester)."""
    draft = tmp_path / "story.md"
    draft.write_text(STORY)
    assert cli("story", "new", "--from", str(draft)).exit_code == 0
    assert cli("story", "list").stderr == ""
    failing_editor(STORY.replace("to zero", "to zero in 60 days"))
    failed = cli("story", "edit", "1")
    assert failed.exit_code == 1
    (kept,) = home.glob("unsaved-story-*.md")
    assert kept.name.startswith("unsaved-story-edit-1-")  # named after the story it is an edit of
    says = f"warning: unsaved story text is waiting in {kept} (save it with: mockprep story edit 1 --from {kept})"
    monkeypatch.setenv("EDITOR", "true")  # from here, an editor closed without a change
    for args in (["list"], ["show", "1"], ["check", "1"], ["edit", "1"], ["new"], ["history", "1"]):
        result = cli("story", *args)
        assert result.stderr.splitlines()[0] == says, args
    assert cli("story", "list", "--help").stderr == ""
    # saved from it, it goes, and nothing waits any more (the command that saves it does not say it waits)
    saved = cli("story", "edit", "1", "--from", str(kept))
    assert saved.exit_code == 0 and saved.stderr == "" and not kept.exists()
    assert db_rows(home, "SELECT result FROM story_versions WHERE version = 2") == [
        ("Failures fell from 20% of nights to zero in 60 days.",)
    ]
    assert cli("story", "list").stderr == ""


def test_several_kept_drafts_are_said_in_one_line(cli, home: Path, failing_editor) -> None:
    for n in range(4):
        failing_editor(STORY.replace("20%", f"{n + 20}%"))
        assert cli("story", "new").exit_code == 1
    kept = list(home.glob("unsaved-story-*.md"))
    assert len(kept) == 4 and all(not path.name.startswith("unsaved-story-edit-") for path in kept)
    (line,) = cli("story", "list").stderr.splitlines()
    assert line.startswith(f"warning: 4 drafts of unsaved story text are waiting in {home}: ")
    assert "and 1 more" in line and "mockprep story new --from FILE" in line


# -- drafts from standard input -----------------------------------------------------------------------


def test_prompts_without_an_editor(at_terminal, home: Path) -> None:
    """(Moved from test_story_cli: the prompts are for a terminal; piped input is the draft, below.)"""
    answers = "My title\nleadership, Conflict\nThe situation.\n\nThe task.\n\nI acted.\nI acted more.\n\nWe won 3x.\n\n\n"
    result = at_terminal(["story", "new"], Terminal(answers))
    assert result.exit_code == 0, result.stderr
    (draft,) = db_rows(home, "SELECT title, competencies, action, result, reflection FROM story_versions")
    assert draft == ("My title", '["leadership", "conflict"]', "I acted.\nI acted more.", "We won 3x.", "")


def saved_drafts(home: Path) -> list[StoryDraft]:
    rows = db_rows(
        home, "SELECT title, competencies, situation, task, action, result, reflection FROM story_versions"
    )
    import json

    return [StoryDraft(row[0], tuple(json.loads(row[1])), *row[2:]) for row in rows]


@pytest.mark.parametrize(
    "args",
    [["story", "new", "--from", "-"], ["story", "new"]],  # no editor set: what is piped in is the draft
    ids=["from-dash", "piped-into-the-prompts"],
)
def test_a_draft_piped_in_is_saved_as_written(cli, home: Path, monkeypatch: pytest.MonkeyPatch, args) -> None:
    """`--from -` was "-: No such file or directory"; Markdown piped into the prompts was saved with the
    title's '#' and every part shifted by one, without a word (found by an exploratory tester)."""
    monkeypatch.delenv("EDITOR", raising=False)
    monkeypatch.delenv("VISUAL", raising=False)
    result = cli(*args, input=STORY)
    assert result.exit_code == 0, result.stderr
    assert saved_drafts(home) == [parse_markdown(STORY)]
    assert saved_drafts(home)[0].title == "Fixing the flaky nightly evaluation"


def test_an_edit_takes_its_draft_from_standard_input_too(cli, home: Path, tmp_path: Path) -> None:
    draft = tmp_path / "story.md"
    draft.write_text(STORY)
    assert cli("story", "new", "--from", str(draft)).exit_code == 0
    changed = STORY.replace("to zero", "to zero in 60 days")
    assert cli("story", "edit", "1", "--from", "-", input=changed).exit_code == 0
    assert saved_drafts(home)[-1] == parse_markdown(changed)


def test_a_draft_from_a_pipe_that_is_a_file_name(cli, home: Path, tmp_path: Path) -> None:
    """`--from /dev/stdin` (a pipe) was refused as "not a regular file"."""
    import os
    import threading

    fifo = tmp_path / "draft.fifo"
    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: fifo.write_text(STORY), daemon=True)
    writer.start()
    result = cli("story", "new", "--from", str(fifo))
    writer.join(10)
    assert result.exit_code == 0, result.stderr
    assert saved_drafts(home) == [parse_markdown(STORY)]


def test_a_draft_over_the_limit_on_standard_input_is_refused_in_one_line(cli, home: Path) -> None:
    result = cli("story", "new", "--from", "-", input="# Big\n\n## Action\n" + "I did it. " * 120_000)
    assert result.exit_code == 2
    assert result.stderr == "mockprep: error: standard input: over the 1 MB limit for a story\n"
    assert not home.exists() or not list(home.glob("*.db"))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(story_drafts)
def test_any_draft_piped_in_saves_what_the_same_file_saves(cli, home: Path, tmp_path: Path, draft) -> None:
    text = render_markdown(draft)
    if is_blank(parse_markdown(text)):
        return  # refused either way
    path = tmp_path / "draft.md"
    path.write_text(text, encoding="utf-8")
    from_file = cli("story", "new", "--from", str(path))
    assert from_file.exit_code == 0
    held = saved_drafts(home)
    piped = cli("story", "new", "--from", "-", input=text)
    # the same text: the story the file saved (or an earlier example did) holds it already
    assert piped.exit_code == 0 and saved_drafts(home) == held
    (story,) = re.findall(r"[Ss]tory (\d+)", piped.stdout)
    assert saved_drafts(home)[int(story) - 1] == parse_markdown(text).normalised()


# -- a story export's several stories ------------------------------------------------------------------


@given(st.lists(drafts, min_size=1, max_size=4))
def test_a_story_export_splits_back_into_its_stories(stories: list[StoryDraft]) -> None:
    document = render_document(stories)
    assert [parse_markdown(text) for text in split_stories(document)] == [s.normalised() for s in stories]


@given(drafts)
def test_one_story_of_its_own_is_one_story(draft: StoryDraft) -> None:
    for text in (render_markdown(draft), render_markdown(draft, guidance=False, to_read=True)):
        assert split_stories(text) == [text]


def test_text_before_the_first_story_of_an_export_is_refused() -> None:
    document = render_document([parse_markdown(STORY)] * 2).replace("\n\n", "\n\nMy notes.\n\n", 1)
    with pytest.raises(StoriesError, match="it holds 2 stories and text before the first one"):
        split_stories(document)


def test_story_new_from_a_story_export_adds_each_story_once(cli, home: Path, tmp_path: Path) -> None:
    """A full story export given to story new --from was saved as one story titled "My STAR stories"
    holding all of them (found by an exploratory tester)."""
    stories = [
        parse_markdown(STORY),
        parse_markdown(STORY.replace("Fixing the flaky", "Impact").replace("20%", "30%")),  # a part's name
        StoryDraft("Tiny", (), "s", "t", "I did it.\n#### Step 1\nthen more", "r"),
    ]
    export = tmp_path / "stories.md"
    export.write_text(render_document(stories), encoding="utf-8")
    result = cli("story", "new", "--from", str(export))
    assert result.exit_code == 0, result.stderr
    assert saved_drafts(home) == [story.normalised() for story in stories]
    assert re.findall(r"Saved story (\d+) \(version 1\)", result.stdout) == ["1", "2", "3"]
    # the same file again adds nothing, and says which stories it left out
    again = cli("story", "new", "--from", str(export))
    said = " ".join(again.stdout.split())
    assert again.exit_code == 0 and "Left out 3 stories this home holds already (same text): 1, 2, 3." in said
    assert len(saved_drafts(home)) == 3
    # exported again, it is the same document
    assert cli("story", "export").stdout == export.read_text(encoding="utf-8")
    # an edit takes one story: refused in one line, nothing saved
    edit = cli("story", "edit", "1", "--from", str(export))
    assert edit.exit_code == 2 and len(edit.stderr.splitlines()) == 1
    assert f"{export} holds 3 stories and story edit takes one" in edit.stderr
    assert len(saved_drafts(home)) == 3


def test_stories_the_database_refuses_are_all_kept_and_the_kept_file_adds_them(
    cli, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mockprep.db.stories import StoryTable

    stories = [parse_markdown(STORY), parse_markdown(STORY.replace("Fixing", "Mending"))]
    real = StoryTable.create_many

    def full_disk(self, drafts, now):
        raise OSError("database or disk is full")

    monkeypatch.setattr(StoryTable, "create_many", full_disk)
    result = cli("story", "new", "--from", "-", input=render_document(stories))
    assert (
        result.exit_code == 1 and "could not save the 2 stories (database or disk is full)" in result.stderr
    )
    (kept,) = home.glob("unsaved-story-*.md")
    monkeypatch.setattr(StoryTable, "create_many", real)
    assert cli("story", "new", "--from", str(kept)).exit_code == 0 and not kept.exists()
    assert saved_drafts(home) == stories


# -- the rest of the workshop's findings -----------------------------------------------------------------


@pytest.mark.parametrize("stories", [0, 1, 3])
@pytest.mark.parametrize("suffix", [".json", ".mockprep"])
def test_export_says_how_many_stories_it_wrote(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stories: int, suffix: str
) -> None:
    """export said "Exported 0 questions, 0 reviews and 0 sessions" and never the stories it wrote,
    though import says them (found by an exploratory tester)."""
    for n in range(stories):
        assert cli("story", "new", "--from", "-", input=STORY.replace("20%", f"{n}%")).exit_code == 0
    result = cli("export", "-o", str(tmp_path / f"all{suffix}"))
    assert result.exit_code == 0, result.stderr
    noun = "story" if stories == 1 else "stories"
    assert re.search(rf"^Exported .* sessions? and {stories} {noun} to ", result.stderr, re.MULTILINE)
    monkeypatch.setenv("MOCKPREP_HOME", str(tmp_path / "other"))
    imported = cli("import", str(tmp_path / f"all{suffix}"))
    assert f"and {stories} {noun}." in imported.stdout + imported.stderr


@given(st.lists(st.integers(1, 999), min_size=1, max_size=9, unique=True), st.data())
def test_the_stories_offered_after_a_behavioral_answer_are_listed_and_chosen_by_their_ids(
    ids: list[int], data
) -> None:
    """The reminder after rating numbered the stories by their place in it ('1) Fair GPU…' was story 2),
    while story show, link and rehearse take ids (found by an exploratory tester)."""
    from rich.console import Console

    from mockprep.core.records import StoryOption
    from mockprep.terminal.input import PipeReader
    from mockprep.terminal.practice import TerminalUI

    options = [StoryOption(story_id, f"Story {story_id}", False, ()) for story_id in ids]
    chosen = data.draw(st.sampled_from(ids))
    not_an_id = data.draw(st.integers(1, 1000).filter(lambda n: n not in ids))
    out = io.StringIO()
    console = Console(file=out, width=80, color_system=None)
    ui = TerminalUI(console, PipeReader(console, io.StringIO(f"{not_an_id}\n{chosen}\n")))
    assert ui.offer_stories(options) == chosen
    listed = [
        line.split(")")[0].strip()
        for line in out.getvalue().splitlines()
        if line.endswith(tuple(f") Story {story_id}" for story_id in ids))
    ]
    assert listed == [str(story_id) for story_id in ids]
    assert "Type a story id from the list" in out.getvalue()  # the number that is no id, refused


MY_BEHAVIORAL = """id = "my-stories"
title = "My behavioral questions"
round = "behavioral"

[[questions]]
id = "offline-online-gap"
topic = "problem-solving"
competencies = ["problem-solving"]
difficulty = 2
prompt = '''Tell me about a model that did worse in production than offline.'''
answer = '''Skew, shift, leakage.'''
key_points = ["names a cause", "says how it was found"]
"""


def test_story_link_takes_the_one_behavioral_question_among_those_with_an_id(
    cli, home: Path, tmp_path: Path
) -> None:
    """`story link 3 offline-online-gap` was refused as "in 2 banks", though only one of them
    (core-skills, not ml-systems) is a question a story can link to (found by an exploratory tester)."""
    assert cli("story", "new", "--from", "-", input=STORY).exit_code == 0
    linked = cli("story", "link", "1", "offline-online-gap")
    assert linked.exit_code == 0, linked.stderr
    assert "Linked story 1 to core-skills/offline-online-gap." in linked.stdout
    assert db_rows(home, "SELECT question_key FROM story_links") == [("core-skills/offline-online-gap",)]
    # unlinked by the id too: the one of the story's links with it
    assert (
        "Unlinked story 1 from core-skills/offline-online-gap."
        in cli("story", "unlink", "1", "offline-online-gap").stdout
    )
    # two behavioral questions with the id: which one is meant cannot be told
    bank = tmp_path / "mine.toml"
    bank.write_text(MY_BEHAVIORAL)
    assert cli("bank", "add", str(bank)).exit_code == 0
    ambiguous = cli("story", "link", "1", "offline-online-gap")
    assert ambiguous.exit_code == 2 and "is in 3 banks" in ambiguous.stderr
    assert db_rows(home, "SELECT COUNT(*) FROM story_links") == [(0,)]


def test_a_deleted_story_s_latest_draft_is_kept_and_brought_back_by_story_new(
    cli, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """story delete took no copy first: an edit made after the day's backup was gone for good (found by
    an exploratory tester)."""
    import mockprep.cli.story as story_cli

    assert cli("story", "new", "--from", "-", input=STORY).exit_code == 0
    edited = STORY.replace("to zero", "to zero in 60 days")
    assert cli("story", "edit", "1", "--from", "-", input=edited).exit_code == 0
    # a copy that cannot be kept: nothing is deleted
    real_keep = story_cli.keep_rescue_file

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(story_cli, "keep_rescue_file", disk_full)
    refused = cli("story", "delete", "1", "--yes")
    assert refused.exit_code == 1
    assert refused.stderr == (
        "mockprep: error: could not keep a copy of story 1 (No space left on device); nothing was deleted\n"
    )
    assert db_rows(home, "SELECT COUNT(*) FROM story_versions") == [(2,)]
    monkeypatch.setattr(story_cli, "keep_rescue_file", real_keep)
    deleted = cli("story", "delete", "1", "--yes")
    assert deleted.exit_code == 0
    (kept,) = home.glob("deleted-story-1-*.md")
    assert (
        f"Its latest draft is kept in {kept}: mockprep story new --from {kept} brings it back"
        in deleted.stdout
    )
    assert db_rows(home, "SELECT COUNT(*) FROM story_versions") == [(0,)]
    assert cli("story", "list").stderr == ""  # not text waiting to be saved: deleted on purpose
    back = cli("story", "new", "--from", str(kept))
    assert back.exit_code == 0 and not kept.exists()
    assert saved_drafts(home) == [parse_markdown(edited)]
