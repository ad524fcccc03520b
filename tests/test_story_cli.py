"""The story workshop through the CLI: editor round trip, prompts, versions, links, matrix, rehearsal."""

from __future__ import annotations

import json
import os
import random
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from fsrs import Rating

from mockprep.core.questions import QuestionFilter
from mockprep.core.stories import StoryDraft
from mockprep.db.store import Store
from mockprep.paths import DB_NAME
from mockprep.practice.session import Session, SessionOptions
from mockprep.services.bank_sync import sync_banks
from tests.conftest import FakeClock, ScriptedUI, db_rows

STRONG = """# Fixing the flaky nightly evaluation
Competencies: problem-solving, ownership

## Situation
Our team's nightly evaluation of the ranking model failed about one night in five, so nobody trusted the
dashboard numbers and two launches had slipped while people re-ran jobs by hand every single morning.

## Task
I owned the evaluation pipeline and had to make it reliable before the quarterly model review.

## Action
I collected the logs of the last forty failures and grouped them by the stage that crashed. I noticed that
every failure happened when the checkpoint writer and the data loader touched the same shard at once. I
wrote a small test that reproduced the race on my laptop within minutes. I then moved checkpoint writing
into its own step, added a lock around the shared shard index, and I added an alert that pages me when a
run takes longer than two hours. I walked the team through the change in our weekly meeting, wrote a
short runbook, and I reviewed the next ten runs myself to confirm that the fix held under real load.
I also asked the infrastructure team to add the race test to their continuous integration suite.

## Result
Failures fell from 20% of nights to zero over the next 60 days, and the review went ahead on time.
"""


@pytest.fixture
def editor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Point $EDITOR at a script (run without a shell) that writes a given text, or fails."""
    script = tmp_path / "fake editor.py"  # a space in the path: the editor must not go through a shell
    payload = tmp_path / "payload.md"
    script.write_text(
        "import sys, pathlib\n"
        "mode = sys.argv[1]\n"
        "target = pathlib.Path(sys.argv[-1])\n"
        "if mode == 'fail': sys.exit(3)\n"
        f"if mode.startswith('write'): target.write_text(pathlib.Path({str(payload)!r}).read_text())\n"
        "if mode == 'write-fail': sys.exit(4)\n"
    )

    def use(mode: str, text: str = "") -> None:
        payload.write_text(text)
        monkeypatch.setenv("EDITOR", f'{sys.executable} "{script}" {mode}')
        monkeypatch.delenv("VISUAL", raising=False)

    return use


def test_the_advice_after_a_save_wraps_at_spaces_under_its_own_text(
    cli, tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A narrow terminal: each piece of advice wraps at spaces, its lines under its text, not mid-word."""
    monkeypatch.setenv("COLUMNS", "50")
    draft = tmp_path / "thin.md"
    draft.write_text(
        "# Sharded the feature store\n\n## Situation\nServing was slow at peak.\n\n## Task\nI owned it."
        "\n\n## Action\nI sharded the store.\n\n## Result\np99 got much better.\n",
        encoding="utf-8",
    )
    result = cli("story", "new", "--from", str(draft))
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    advice = [i for i, line in enumerate(lines) if line.startswith("  - ")]
    assert len(advice) == 3  # thin parts, the split, no quantity ("p99" names a metric)
    for line in lines[advice[0] : -1]:
        assert len(line) <= 50 and line == line.rstrip(), line
        assert line.startswith(("  - ", "    ")) and not line.startswith("     "), line
    words = " ".join(lines[advice[0] : -1]).replace("  - ", " ").split()
    assert all(word.isprintable() for word in words) and "quantity:" in words


def test_new_through_the_editor_and_edit_makes_versions(cli, editor, home: Path) -> None:
    editor("write", STRONG)
    result = cli("story", "new")
    assert result.exit_code == 0, result.stderr
    assert "Saved story 1 (version 1): Fixing the flaky nightly evaluation" in result.stdout
    editor("write", STRONG.replace("60 days", "90 days"))
    assert "version 2" in cli("story", "edit", "1").stdout
    assert db_rows(home, "SELECT version FROM story_versions ORDER BY version") == [(1,), (2,)]
    diff = cli("story", "diff", "1").stdout
    assert "-Failures fell from 20% of nights to zero over the next 60 days" in diff
    assert "+Failures fell from 20% of nights to zero over the next 90 days" in diff
    history = cli("story", "history", "1").stdout.splitlines()
    assert [line.split()[0] for line in history[1:]] == ["1", "2"]
    editor("write", STRONG.replace("60 days", "90 days"))
    assert "No changes" in cli("story", "edit", "1").stdout
    assert len(db_rows(home, "SELECT * FROM story_versions")) == 2


def test_a_piped_diff_is_never_wrapped(cli, editor, monkeypatch: pytest.MonkeyPatch) -> None:
    """A diff's long line stays one line at any width, so the hunk's counts hold and patch accepts it."""
    long = "I also " + " ".join(f"checked shard {i} by hand;" for i in range(40)) + " then I slept."
    editor("write", STRONG)
    cli("story", "new")
    editor("write", STRONG.replace("## Result\n", f"{long}\n\n## Result\n"))
    cli("story", "edit", "1")
    for columns in ("40", "80", "200"):
        monkeypatch.setenv("COLUMNS", columns)
        lines = cli("story", "diff", "1").stdout.splitlines()
        assert f"+{long}" in lines
        assert lines[:2] == ["--- version 1", "+++ version 2"] and lines[2].startswith("@@ -")
        old_count, new_count = (int(part.split(",")[1]) for part in lines[2].split()[1:3])
        body = lines[3:]
        assert all(line[:1] in ("", " ", "+", "-") for line in body), body
        assert sum(not line.startswith("+") for line in body) == old_count
        assert sum(not line.startswith("-") for line in body) == new_count


def test_failing_or_untouched_editor_saves_nothing(cli, editor, home: Path) -> None:
    editor("fail")
    result = cli("story", "new")
    assert result.exit_code == 1
    assert result.stderr == "mockprep: error: the editor exited with status 3; nothing was saved\n"
    editor("keep")
    result = cli("story", "new")
    assert result.exit_code == 1
    assert result.stderr == "mockprep: error: the template was left unchanged; nothing was saved\n"
    editor("write", "")
    result = cli("story", "new")
    assert result.exit_code == 1 and "the draft is empty; nothing was saved" in result.stderr
    # Nothing was saved: the database was not even opened, and nothing was left behind.
    assert not (home / DB_NAME).exists()
    assert list(home.iterdir()) == []


def test_an_editor_that_fails_after_writing_keeps_the_text(cli, editor, home: Path) -> None:
    editor("write-fail", STRONG)
    result = cli("story", "new")
    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert "the editor exited with status 4; nothing was saved; your text is kept in " in line
    kept = Path(line.split("your text is kept in ")[1].split(" ")[0])
    assert line.endswith(f"(save it with: mockprep story new --from {kept})")
    assert kept.parent == home and kept.name.startswith("unsaved-story-") and kept.suffix == ".md"
    assert kept.read_text() == STRONG
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert not (home / DB_NAME).exists()
    saved = cli("story", "new", "--from", str(kept))
    assert saved.exit_code == 0 and "Saved story 1 (version 1): Fixing the flaky" in saved.stdout
    # Saved, the kept file goes (it would otherwise be easy to save twice); one elsewhere stays.
    assert f"Removed the kept draft {kept.name}: it is saved now." in saved.stdout and not kept.exists()
    elsewhere = home.parent / kept.name
    elsewhere.write_text(STRONG)
    # the same text elsewhere: story 1 holds it, so it is not saved twice
    again = cli("story", "new", "--from", str(elsewhere))
    assert again.exit_code == 0 and "Story 1 holds this text already" in again.stdout and elsewhere.exists()
    # An edit that fails keeps the changed draft too, and the saved versions stay as they were.
    editor("write-fail", STRONG.replace("60 days", "90 days"))
    result = cli("story", "edit", "1")
    assert result.exit_code == 1 and "(save it with: mockprep story edit 1 --from " in result.stderr
    assert len(list(home.glob("unsaved-story-*.md"))) == 1
    assert db_rows(home, "SELECT COUNT(*) FROM story_versions") == [(1,)]


def test_new_from_a_file_refuses_what_is_not_a_draft(cli, tmp_path: Path) -> None:
    for path, message in (
        (tmp_path / "missing.md", "missing.md: No such file or directory"),
        (tmp_path, "not a regular file"),
        (Path("/dev/null"), "/dev/null: not a regular file"),
    ):
        result = cli("story", "new", "--from", str(path))
        assert result.exit_code == 2 and message in result.stderr, result
        assert len(result.stderr.splitlines()) == 1


def test_missing_editor_is_a_clear_error(cli, monkeypatch) -> None:
    monkeypatch.setenv("EDITOR", "no-such-editor-here --wait")
    result = cli("story", "new")
    assert result.exit_code == 1 and "'no-such-editor-here' was not found" in result.stderr


def test_deleted_headings_still_save_and_check_says_what_is_missing(cli, editor) -> None:
    editor("write", "# Only a title\n\nI did a thing and it went fine.\n")
    assert cli("story", "new").exit_code == 0
    check = cli("story", "check", "1").stdout
    assert "✗ parts" in check and "Task" in check and "Action" in check and "Result" in check


def test_check_scores_a_strong_story_high(cli, editor) -> None:
    editor("write", STRONG)
    cli("story", "new")
    out = cli("story", "check", "1").stdout
    score = int(out.split(":")[1].split("/")[0])
    assert score >= 85, out
    assert "✓ quantified-result" in out and "✓ first-person" in out


def test_unknown_ids_and_keys_exit_2(cli, editor) -> None:
    for args in (["show", "9"], ["edit", "9"], ["check", "9"], ["history", "9"], ["rehearse", "9"]):
        result = cli("story", *args)
        assert result.exit_code == 2 and "no story with id 9" in result.stderr, args
    editor("write", STRONG)
    cli("story", "new")
    result = cli("story", "link", "1", "core-skills/not-a-question")
    assert result.exit_code == 2 and "no question with key" in result.stderr
    result = cli("story", "link", "1", "statistics/" + "x")
    assert result.exit_code == 2
    technical = cli("story", "link", "1", "ml-fundamentals/no-free-lunch")
    assert technical.exit_code == 2 and "stories answer behavioral questions" in technical.stderr
    assert "bank" not in technical.stderr


def test_linking_a_project_question_says_where_project_facts_go(cli, editor) -> None:
    """Found by an exploratory tester: linking a story to a project question was refused (exit 2)
    without a word on where one's own project facts belong."""
    editor("write", STRONG)
    cli("story", "new")
    project = cli("story", "link", "1", "project-story/two-minute-summary")
    said = " ".join(project.stderr.split())
    assert project.exit_code == 2 and "stories answer behavioral questions" in said
    assert "a bank of your own project questions with your own model answers" in said
    assert "Writing your own bank" in said and "mockprep bank add FILE" in said


def test_link_unlink_and_matrix(cli, editor, home: Path) -> None:
    editor("write", STRONG)
    cli("story", "new")
    key = "leadership-and-adversity/owned-production-incident"
    assert "Linked story 1" in cli("story", "link", "1", key).stdout
    assert "already linked" in cli("story", "link", "1", key).stdout
    matrix = cli("story", "matrix").stdout
    assert "problem-solving" in matrix and "Competencies no story shows yet:" in matrix
    assert "communication" in matrix.split("Competencies no story shows yet:")[1]
    assert cli("story", "unlink", "1", key).exit_code == 0
    assert cli("story", "unlink", "1", key).exit_code == 2
    assert db_rows(home, "SELECT COUNT(*) FROM story_links") == [(0,)]


def test_the_matrix_lists_the_competencies_the_banks_use_and_a_typo_is_warned_of(cli, editor) -> None:
    """The matrix knew only ten competencies (never research-judgement, integrity, vision, resilience,
    which research questions look for), and 'colaboration' was accepted without a word."""
    assert cli("bank", "list").exit_code == 0  # the banks are read
    matrix = cli("story", "matrix").stdout
    for competency in ("research-judgement", "integrity", "vision", "resilience"):
        assert competency in matrix.split("Competencies no story shows yet:")[1], competency
    editor(
        "write", STRONG.replace("problem-solving, ownership", "problem-solving, colaboration, disagreement")
    )
    saved = cli("story", "new")
    assert saved.exit_code == 0 and "Saved story 1" in saved.stdout
    warned = saved.stderr.splitlines()
    assert any(
        "'colaboration' is not one the behavioral questions look for; did you mean collaboration?" in w
        for w in warned
    )
    assert any("'disagreement' is not one" in w and "research-judgement" in w for w in warned)
    assert not any("problem-solving" in w.split("(they use")[0] for w in warned)


def test_competencies_in_any_script_are_kept_and_those_no_question_uses_are_named(
    cli, tmp_path: Path
) -> None:
    """Found by an exploratory tester (repro/compet.md): 'リーダーシップ' vanished, 'C++' became 'c' and
    'travail d’équipe' 'travail-dequipe', without a word; an unknown English one was warned of."""
    assert cli("bank", "list").exit_code == 0  # the banks are read
    draft = tmp_path / "compet.md"
    draft.write_text(
        "# Compet test\nCompetencies: リーダーシップ, travail d’équipe, C++, communication\n\n"
        "## Situation\nx\n## Task\ny\n## Action\nI did z\n## Result\n5% up\n",
        encoding="utf-8",
    )
    saved = cli("story", "new", "--from", str(draft))
    assert saved.exit_code == 0, saved.stderr
    for name in ("リーダーシップ", "travail-d’équipe", "c++"):
        assert any(
            f"'{name}' is not one the behavioral questions look for" in w for w in saved.stderr.splitlines()
        )
    assert not any("'communication'" in w for w in saved.stderr.splitlines())
    shown = cli("story", "show", "1").stdout
    assert "リーダーシップ, travail-d’équipe, c++, communication" in shown


def test_a_failing_competency_warning_is_not_a_failed_save(cli, editor, home: Path, monkeypatch) -> None:
    """The warning ran inside the save's rescue path: a problem there said 'could not save the story',
    kept a rescue file, and a retry made a second story."""
    from mockprep.db.banks import BankTable

    def broken(self):
        raise OSError("disk trouble")

    monkeypatch.setattr(BankTable, "behavioral_questions", broken)
    editor("write", STRONG)
    result = cli("story", "new")
    assert result.exit_code == 0 and "Saved story 1" in result.stdout
    assert not list(home.glob("unsaved-story-*.md"))
    assert db_rows(home, "SELECT COUNT(*) FROM stories") == [(1,)]


def test_delete_asks_first(cli, editor, home: Path) -> None:
    editor("write", STRONG)
    cli("story", "new")
    assert "Not deleted" in cli("story", "delete", "1", input="n\n").stdout
    assert db_rows(home, "SELECT COUNT(*) FROM stories") == [(1,)]
    assert "Deleted story 1" in cli("story", "delete", "1", input="y\n").stdout
    assert db_rows(home, "SELECT COUNT(*) FROM story_versions") == [(0,)]


def test_rehearse_records_the_telling(cli, editor, home: Path) -> None:
    editor("write", STRONG)
    cli("story", "new")
    result = cli("story", "rehearse", "1", input="\n\n")
    assert result.exit_code == 0 and "Rehearsal recorded" in result.stdout
    assert "Situation: Our team's nightly evaluation" in result.stdout  # the outline
    ((target, story),) = db_rows(home, "SELECT target_ms, story_id FROM rehearsals")
    assert (target, story) == (120_000, 1)
    assert " 1 " in cli("story", "list").stdout.splitlines()[1]  # rehearsed once


@pytest.mark.parametrize(
    ("seconds", "says"),
    [
        (16, "Much shorter than the target"),
        (80, "A little short"),
        (120, "On target"),
        (150, "On target"),  # (2m30s: the top of about 2 minutes)
        (160, "Over the target"),
        (200, "Well over the target"),
    ],
)
def test_a_rehearsal_says_how_its_length_compares_with_the_target(seconds: float, says: str) -> None:
    """`story rehearse` ended at '⏱ 16s of 2m · Rehearsal recorded', with no word on a 16-second telling."""
    import io

    from rich.console import Console

    from mockprep.core.settings import DEFAULT_SETTINGS
    from mockprep.core.timer import AnswerTiming
    from mockprep.practice.rehearsal import Telling
    from mockprep.terminal.stories import render_telling

    out = io.StringIO()
    render_telling(Console(file=out, width=200), Telling(AnswerTiming(seconds, 120)), DEFAULT_SETTINGS)
    assert says in out.getvalue()


def test_markdown_export_and_json_round_trip(cli, editor, home: Path, tmp_path: Path, monkeypatch) -> None:
    editor("write", STRONG)
    cli("story", "new")
    cli("story", "link", "1", "core-skills/explain-model-to-non-experts")
    md = cli("story", "export").stdout
    assert md.startswith("# My STAR stories") and "## Fixing the flaky nightly evaluation" in md
    assert "### Action" in md
    out = tmp_path / "all.json"
    cli("export", "-o", str(out))
    doc = json.loads(out.read_text())
    assert doc["stories"][0]["links"] == ["core-skills/explain-model-to-non-experts"]
    monkeypatch.setenv("MOCKPREP_HOME", str(tmp_path / "other"))
    assert cli("import", str(out)).exit_code == 0
    again = tmp_path / "again.json"
    cli("export", "-o", str(again))
    first, second = doc, json.loads(again.read_text())
    first.pop("exported_at"), second.pop("exported_at")
    assert first == second


def test_markdown_export_to_dash_is_standard_output(cli, editor, tmp_path: Path, monkeypatch) -> None:
    """``-o -`` is standard output, as for ``export`` and ``history --csv``: the document, no "Wrote" line."""
    editor("write", STRONG)
    cli("story", "new")
    monkeypatch.chdir(tmp_path)
    result = cli("story", "export", "-o", "-")
    assert result.exit_code == 0 and result.stderr == ""
    assert result.stdout == cli("story", "export").stdout and "## Fixing the flaky" in result.stdout
    assert not (tmp_path / "-").exists()
    written = cli("story", "export", "-o", "stories.md")
    assert written.stderr == "Wrote 1 story to stories.md\n"
    assert (tmp_path / "stories.md").read_text() == result.stdout


def test_markdown_export_leaves_out_empty_optional_parts_and_reads_back(
    cli, editor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bare = "# Bare story\n\n## Situation\nThe build was red.\n\n## Action\nI fixed it.\n"
    for text in (STRONG + "\n## Reflection\nI would add the race test first next time.\n", bare):
        editor("write", text)
        assert cli("story", "new").exit_code == 0
    document = cli("story", "export").stdout
    strong, bare_part = document.split("\n## Bare story\n")
    assert "Competencies: problem-solving, ownership" in strong and "### Reflection\nI would add" in strong
    assert "Competencies" not in bare_part and "Reflection" not in bare_part  # nothing under either
    assert "### Task\n\n### Action" in bare_part  # a missing required part still shows
    # Each story of the document reads back as the same story.
    monkeypatch.setenv("MOCKPREP_HOME", str(tmp_path / "other"))
    for i, section in enumerate(document.split("\n## ")[1:]):
        (tmp_path / f"{i}.md").write_text("## " + section)
        assert cli("story", "new", "--from", str(tmp_path / f"{i}.md")).exit_code == 0
    assert cli("story", "export").stdout == document


def test_behavioral_question_offers_linked_and_matching_stories_first(store: Store, clock: FakeClock) -> None:
    sync_banks(store, clock.now)
    draft = {
        "title": "Incident",
        "competencies": ["ownership"],
        "situation": "s",
        "task": "t",
        "action": "a",
        "result": "r",
        "reflection": "",
    }
    other = {**draft, "title": "Unrelated", "competencies": ["communication"]}
    story = store.stories.create(StoryDraft.from_dict(draft), clock.now)
    store.stories.create(StoryDraft.from_dict(other), clock.now)
    flt = QuestionFilter(topics=("ownership",))
    ui = ScriptedUI(answers=["my answer"], ratings=[Rating.Good], clock=clock, story_choices=[story])
    Session(store, ui, clock, random.Random(1), SessionOptions(filter=flt, new=1, limit=1)).run()
    (options,) = ui.offered
    # the one sharing ownership first; the other is offered too (a story without the competency, or
    # without any, may still be the one told: it could not be chosen)
    assert [(o.title, o.shared_competencies) for o in options] == [
        ("Incident", ("ownership",)),
        ("Unrelated", ()),
    ]
    assert store.stories.links(story) == [(story, ui.shown[0])]
    assert f"Linked “Incident” (story {story}) to {ui.shown[0]}." in ui.notices


def test_with_many_stories_nine_are_offered_the_relevant_first(store: Store, clock: FakeClock) -> None:
    """After a merge brought 70 stories, every one was listed after each behavioral answer."""
    sync_banks(store, clock.now)
    base = {"situation": "s", "task": "t", "action": "a", "result": "r", "reflection": ""}
    for n in range(11):
        store.stories.create(
            StoryDraft.from_dict({**base, "title": f"Other {n}", "competencies": []}), clock.now
        )
    shared = {**base, "title": "Incident", "competencies": ["ownership"]}
    story = store.stories.create(StoryDraft.from_dict(shared), clock.now)
    ui = ScriptedUI(answers=["my answer"], ratings=[Rating.Good], clock=clock)
    flt = QuestionFilter(topics=("ownership",))
    Session(store, ui, clock, random.Random(1), SessionOptions(filter=flt, new=1, limit=1)).run()
    (options,) = ui.offered
    assert len(options) == 9 and options[0].story_id == story  # the one sharing ownership first


def test_a_draft_the_database_refuses_is_kept_in_a_file(cli, editor, home: Path, monkeypatch) -> None:
    from mockprep.db.stories import StoryTable

    def broken(self, draft, now):  # the disk is full, the database locked: anything at save time
        raise OSError("disk full")

    editor("write", STRONG)
    monkeypatch.setattr(StoryTable, "create", broken)
    result = cli("story", "new")
    assert result.exit_code == 1 and "your draft is kept in" in result.stderr
    (kept,) = home.glob("unsaved-story-*.md")
    assert "Fixing the flaky nightly evaluation" in kept.read_text()


def test_oversized_draft_is_refused_and_kept(cli, editor, home: Path) -> None:
    editor("write", "# Big\n\n## Action\n" + "I did it. " * 120_000)
    result = cli("story", "new")
    assert result.exit_code == 2 and "over the 1 MB limit" in result.stderr
    (kept,) = home.glob("unsaved-story-*.md")
    assert f"your text is kept in {kept}" in result.stderr


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_story_edit_ended_by_a_signal_keeps_the_text_and_says_where(
    tmp_path: Path, home: Path, signum: int
) -> None:
    """A closed terminal or a kill while the editor was open ended mockprep silently, the draft left as
    a temporary story-*.md nobody was told of."""
    script = tmp_path / "editor.py"
    script.write_text(
        "import os, pathlib, sys, time\n"
        f"pathlib.Path(sys.argv[-1]).write_text({STRONG!r})\n"
        f"os.kill(os.getppid(), {int(signum)})\n"
        "time.sleep(30)\n"
    )
    run = _story_new_in_editor(script, home, signum)
    name = signal.Signals(signum).name
    assert run.returncode == 1 and f"stopped by {name}; nothing was saved; your text is kept in" in run.stderr
    (kept,) = home.glob("unsaved-story-*.md")
    assert kept.read_text() == STRONG and not list(home.glob("story-*.md"))


def _story_new_in_editor(script: Path, home: Path, signum: int) -> subprocess.CompletedProcess[str]:
    """`mockprep story new` in a process of its own, with the Python ``script`` as its editor."""
    env = {**os.environ, "MOCKPREP_HOME": str(home), "EDITOR": f"{sys.executable} {script}"}
    env.pop("VISUAL", None)
    return subprocess.run(
        [sys.executable, "-m", "mockprep", "story", "new"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        # as a terminal's process has it: a suite run under nohup would hand the signal down ignored
        preexec_fn=lambda: signal.signal(signum, signal.SIG_DFL),
    )


def test_a_closed_terminal_s_second_hangup_does_not_leave_the_draft_under_a_temporary_name(
    tmp_path: Path, home: Path
) -> None:
    """A closed terminal sends SIGHUP twice: the kernel to the foreground job, then the shell as it exits.
    The second came after the edit's handler was put back and killed mockprep while the editor saved,
    the draft left as story-XXXX.md that no command mentions (found by an exploratory tester: 1 in 3)."""
    script = tmp_path / "editor.py"
    script.write_text(
        "import os, pathlib, signal, sys, time\n"
        "signal.signal(signal.SIGHUP, signal.SIG_IGN)  # it takes a moment to save and quit\n"
        f"pathlib.Path(sys.argv[-1]).write_text({STRONG!r})\n"
        "os.kill(os.getppid(), signal.SIGHUP)\n"
        "time.sleep(0.5)\n"
        "os.kill(os.getppid(), signal.SIGHUP)\n"
        "time.sleep(0.5)\n"
    )
    run = _story_new_in_editor(script, home, signal.SIGHUP)
    assert run.returncode == 1 and "stopped by SIGHUP; nothing was saved; your text is kept in" in run.stderr
    (kept,) = home.glob("unsaved-story-*.md")
    assert kept.read_text() == STRONG and not list(home.glob("story-*.md"))


def test_a_kill_of_mockprep_reaches_the_editor_which_may_save_its_buffer(tmp_path: Path, home: Path) -> None:
    """SIGTERM to mockprep alone killed the editor with SIGKILL: its unsaved buffer was lost, where before
    the editor lived on. It is now told of the signal and given time to save (as nano's FILE.save)."""
    import time

    ready = tmp_path / "ready"
    script = tmp_path / "editor.py"
    script.write_text(
        "import pathlib, signal, sys, time\n"
        "target = pathlib.Path(sys.argv[-1])\n"
        "def save(signum, frame):\n"
        "    pathlib.Path(str(target) + '.save').write_text('the buffer, unsaved')\n"
        "    sys.exit(1)\n"
        "signal.signal(signal.SIGTERM, save)\n"
        f"pathlib.Path({str(ready)!r}).write_text('')\n"
        "time.sleep(30)\n"
    )
    env = {**os.environ, "MOCKPREP_HOME": str(home), "EDITOR": f"{sys.executable} {script}"}
    env.pop("VISUAL", None)
    run = subprocess.Popen(
        [sys.executable, "-m", "mockprep", "story", "new"], stderr=subprocess.PIPE, text=True, env=env
    )
    deadline = time.monotonic() + 60
    while not ready.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    run.send_signal(signal.SIGTERM)  # mockprep alone, not the editor
    _out, err = run.communicate(timeout=60)
    assert run.returncode == 1 and "stopped by SIGTERM" in err
    (rescued,) = home.glob("story-*.md.save")
    assert (
        rescued.read_text() == "the buffer, unsaved" and f"your editor saved its buffer in {rescued}" in err
    )


def test_an_interruption_of_its_own_while_the_editor_runs_keeps_what_was_saved(tmp_path: Path) -> None:
    """In a session the editor runs under the session's own signal handler: its interruption killed the
    editor and deleted the file, code already saved with :w included. The editor is told, and what the
    file holds is kept and handed back for the session to keep."""
    from mockprep.terminal.editor import edit_text

    class Interrupted(BaseException):
        pass

    def handler(_signum, _frame) -> None:  # what a session's handler does
        raise Interrupted

    script = tmp_path / "editor.py"
    script.write_text(
        "import os, pathlib, signal, sys, time\n"
        "pathlib.Path(sys.argv[-1]).write_text('def f():\\n    return 42\\n')\n"
        "os.kill(os.getppid(), signal.SIGUSR1)\n"
        "time.sleep(30)\n"
    )
    previous = signal.signal(signal.SIGUSR1, handler)
    saved: list[str] = []
    try:
        with pytest.raises(Interrupted):
            edit_text(
                [sys.executable, str(script)], "def f():\n    ...\n", tmp_path, "solution", ".py", saved
            )
    finally:
        signal.signal(signal.SIGUSR1, previous)
    assert saved == ["def f():\n    return 42\n"]
    (kept,) = tmp_path.glob("unsaved-solution-*.py")
    assert kept.read_text() == "def f():\n    return 42\n"


def test_ctrl_c_during_a_rehearsal_records_nothing_and_exits_130(
    cli, editor, home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An interrupted rehearsal exited 0, as if it had been told (found by an exploratory tester)."""
    from mockprep.cli import main
    from tests.test_interrupt_exit import CtrlCAfter

    editor("write", STRONG)
    cli("story", "new")
    monkeypatch.setattr("sys.stdin", CtrlCAfter("\n"))  # Enter to start, then Ctrl-C mid-telling
    with pytest.raises(SystemExit) as ended:
        main(["story", "rehearse", "1"])
    assert ended.value.code == 130
    assert "Rehearsal cancelled; nothing recorded." in capsys.readouterr().out
    assert db_rows(home, "SELECT COUNT(*) FROM rehearsals") == [(0,)]


def test_a_narrow_story_list_keeps_each_title_on_its_id_line(cli, tmp_path: Path) -> None:
    """Found by an exploratory tester: piped (80 columns), `story list` made the competencies the key
    column, so a story's row began with its competencies and its title went to a continuation line.
    The id and the title start each row; every competency is still shown whole."""
    competencies = ["research-judgement", "stakeholder-management", "problem-solving"]
    draft = tmp_path / "story.md"
    draft.write_text(
        STRONG.replace(
            "Competencies: problem-solving, ownership", "Competencies: " + ", ".join(competencies)
        ),
        encoding="utf-8",
    )
    assert cli("story", "new", "--from", str(draft)).exit_code == 0
    out = cli("story", "list").stdout
    row = next(line for line in out.splitlines() if line.split()[:1] == ["1"])
    assert row.split()[1] == "Fixing"  # the title's first word, beside the id
    for competency in competencies:
        assert any(
            line.split()[-1:] == [competency] or competency in line.split() for line in out.splitlines()
        )
