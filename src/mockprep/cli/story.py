"""`mockprep story ...`: write, check, link and rehearse STAR stories.

Every save is a new version committed at once; drafts are written in ``$VISUAL``/``$EDITOR`` (run
without a shell) on a Markdown template, or answered part by part at prompts when no editor is set.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from mockprep.cli.common import (
    Force,
    Output,
    UserError,
    make_console,
    open_store,
    output_stream,
    plain,
    story_app,
    utc_now,
)

if TYPE_CHECKING:
    from mockprep.storage import Store
    from mockprep.stories import StoryDraft

REHEARSAL_TARGET_SECONDS = 120.0
MAX_DRAFT_BYTES = 1024 * 1024  # a two-minute story is a few kB; this only stops accidents
StoryId = Annotated[int, typer.Argument(metavar="ID", help="The story's id (see mockprep story list).")]


def _draft(row: Any) -> StoryDraft:
    import json

    from mockprep.stories import StoryDraft

    return StoryDraft(
        row.title,
        tuple(json.loads(row.competencies)),
        row.situation,
        row.task,
        row.action,
        row.result,
        row.reflection,
    )


def _latest(store: Store, story_id: int) -> Any:
    row = store.story_version(story_id)
    if row is None:
        raise UserError(f"no story with id {story_id} (see mockprep story list)")
    return row


def _editor_argv() -> list[str] | None:
    command = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not command or not command.strip():
        return None
    try:
        return shlex.split(command)
    except ValueError as exc:
        raise UserError(f"cannot parse $VISUAL/$EDITOR {command!r}: {exc}") from None


def _edit_in_editor(argv: list[str], text: str) -> str:
    """Open ``text`` in the editor (no shell); return what was saved. UserError if the editor fails."""
    from mockprep.paths import ensure_home, home_dir

    folder = ensure_home(home_dir())
    fd, name = tempfile.mkstemp(prefix="story-", suffix=".md", dir=folder)
    path = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        try:
            status = subprocess.run([*argv, str(path)], check=False).returncode
        except FileNotFoundError:
            raise UserError(f"editor {argv[0]!r} was not found; check $VISUAL/$EDITOR", exit_code=1) from None
        except OSError as exc:
            raise UserError(f"cannot run editor {argv[0]!r}: {exc.strerror}", exit_code=1) from None
        if status != 0:
            raise UserError(f"the editor exited with status {status}; nothing was saved", exit_code=1)
        size = path.stat().st_size
        if size > MAX_DRAFT_BYTES:
            raise UserError(
                f"the draft is {size // 1024} kB, over the 1 MB limit for a story; nothing was saved"
            )
        return path.read_text(encoding="utf-8", errors="replace")
    finally:
        path.unlink(missing_ok=True)


def _prompt_parts(current: StoryDraft | None) -> StoryDraft:
    """Ask for the title, competencies and each part in turn (lines until an empty one)."""
    from mockprep.stories import PARTS, StoryDraft, competency_slugs
    from mockprep.ui import stdin_reader

    console = make_console()
    read = stdin_reader(console, utc_now)

    def ask_line(label: str, default: str) -> str:
        suffix = f" [{default}]" if default else ""
        line = read(f"{label}{suffix}: ", None)
        if line is None:
            raise UserError("input ended; nothing was saved", exit_code=1)
        return line.strip() or default

    def ask_text(label: str, default: str) -> str:
        hint = " (an empty line ends it" + (
            "; an empty first line keeps the current text)" if default else ")"
        )
        console.print(f"{label}{hint}")
        lines: list[str] = []
        while True:
            line = read("> " if not lines else ". ", None)
            if line is None or not line.strip():
                break
            lines.append(line)
        return "\n".join(lines) if lines else default

    title = ask_line("Title", current.title if current else "")
    competencies = ask_line(
        "Competencies, comma-separated", ", ".join(current.competencies) if current else ""
    )
    texts = {}
    for part in PARTS:
        label = part.capitalize() + (" (optional: what you learned)" if part == "reflection" else "")
        texts[part] = ask_text(label, getattr(current, part) if current else "")
    return StoryDraft(title or "Untitled story", competency_slugs(competencies.split(",")), **texts)


def _write_draft(current: StoryDraft | None) -> StoryDraft | None:
    """A new draft from the editor or the prompts; None when nothing usable was written."""
    from mockprep.stories import StoryDraft, is_blank, parse_markdown, render_markdown

    argv = _editor_argv()
    if argv is None:
        draft = _prompt_parts(current)
    else:
        template = render_markdown(current or StoryDraft(title="Untitled story"))
        saved = _edit_in_editor(argv, template)
        if saved.strip() == template.strip() and current is None:
            return None
        draft = parse_markdown(saved)
    return None if is_blank(draft) else draft.normalised()


def _save(draft: StoryDraft, story_id: int | None) -> tuple[int, int]:
    """Commit a draft (a new story, or a new version of one); ``(story id, version)``.

    If the database refuses it, the draft is written to a file in the data folder so it is not lost.
    """
    store = None
    try:
        store = open_store(sync=False)
        if story_id is None:
            return store.create_story(draft.to_dict(), utc_now()), 1
        return story_id, store.save_story_version(story_id, draft.to_dict(), utc_now())
    except Exception as exc:
        from mockprep.paths import ensure_home, home_dir
        from mockprep.stories import render_markdown

        keep = ensure_home(home_dir()) / f"unsaved-story-{utc_now():%Y%m%d-%H%M%S}.md"
        keep.write_text(render_markdown(draft), encoding="utf-8")
        keep.chmod(0o600)
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UserError(
            f"could not save the story ({reason}); your draft is kept in {keep}", exit_code=1
        ) from None
    finally:
        if store is not None:
            store.close()


def _report_save(story_id: int, version: int, draft: StoryDraft) -> None:
    from mockprep.stories import check_story

    check = check_story(draft)
    typer.echo(
        plain(f"Saved story {story_id} (version {version}): {draft.title} — check score {check.score}/100.")
    )
    for advice in check.advice[:3]:
        typer.echo(plain(f"  - {advice}"))
    if check.advice:
        typer.echo(f"Full check: mockprep story check {story_id}")


@story_app.command("new")
def story_new() -> None:
    """Write a new story: in $VISUAL/$EDITOR on a Markdown template, else part by part at prompts."""
    draft = _write_draft(None)
    if draft is None:
        raise UserError("the template was left empty; nothing was saved", exit_code=1)
    story_id, version = _save(draft, None)
    _report_save(story_id, version, draft)


@story_app.command("edit")
def story_edit(story_id: StoryId) -> None:
    """Edit a story; the save becomes a new version and earlier drafts are kept."""
    store = open_store(sync=False)
    try:
        current = _draft(_latest(store, story_id))
    finally:
        store.close()  # not held open while the editor runs
    draft = _write_draft(current)
    if draft is None:
        raise UserError("the draft was left empty; nothing was saved", exit_code=1)
    if draft == current.normalised():
        typer.echo("No changes; nothing saved.")
        return
    _, version = _save(draft, story_id)
    _report_save(story_id, version, draft)


@story_app.command("list")
def story_list() -> None:
    """Every story: title, competencies, last edit, check score, times rehearsed."""
    from mockprep.storage import from_db_time
    from mockprep.stories import check_story
    from mockprep.ui import plain_table, safe

    store = open_store(sync=False)
    try:
        rows = store.stories()
    finally:
        store.close()
    console = make_console()
    if not rows:
        console.print("No stories yet. Write your first: mockprep story new")
        return
    table = plain_table(
        "id>", "title", "competencies", "last edit", "version>", "check>", "rehearsed>", "links>"
    )
    for row in rows:
        draft = _draft(row)
        edited = from_db_time(row.saved_at)
        table.add_row(
            str(row.story_id),
            safe(draft.title),
            safe(", ".join(draft.competencies)),
            edited.astimezone().strftime("%Y-%m-%d %H:%M") if edited else "-",
            str(row.version),
            str(check_story(draft).score),
            str(row.rehearsals),
            str(row.links),
        )
    console.print(table)


@story_app.command("show")
def story_show(
    story_id: StoryId,
    version: Annotated[
        int | None, typer.Option("--version", "-v", metavar="V", help="Show this version.")
    ] = None,
) -> None:
    """A story in full, with its links."""
    from rich.text import Text

    from mockprep.stories import PARTS
    from mockprep.ui import safe

    store = open_store(sync=False)
    try:
        _latest(store, story_id)
        row = store.story_version(story_id, version)
        if row is None:
            raise UserError(
                f"story {story_id} has no version {version} (see mockprep story history {story_id})"
            )
        links = [key for _s, key in store.story_links(story_id)]
    finally:
        store.close()
    draft = _draft(row)
    console = make_console()
    console.print(safe(f"{draft.title}", "bold"))
    console.print(
        safe(
            f"story {story_id} · version {row.version} · "
            + (", ".join(draft.competencies) or "no competencies"),
            "dim",
        )
    )
    for part in PARTS:
        text = getattr(draft, part)
        if part == "reflection" and not text:
            continue
        console.print()
        console.print(Text(part.capitalize(), style="bold cyan"))
        console.print(safe(text or "(missing)"))
    if links:
        console.print()
        console.print(safe("Answers: " + ", ".join(links), "dim"))


@story_app.command("history")
def story_history(story_id: StoryId) -> None:
    """Every saved version of a story."""
    from rich.table import Table

    from mockprep.storage import from_db_time
    from mockprep.stories import check_story, count_words
    from mockprep.ui import safe

    store = open_store(sync=False)
    try:
        _latest(store, story_id)
        rows = store.story_versions(story_id)
    finally:
        store.close()
    table = Table(box=None, pad_edge=False)
    for column in ("version", "saved", "title", "words", "check"):
        table.add_column(column)
    for row in rows:
        draft = _draft(row)
        words = sum(count_words(t) for t in draft.parts().values())
        saved = from_db_time(row.saved_at)
        table.add_row(
            str(row.version),
            saved.astimezone().strftime("%Y-%m-%d %H:%M") if saved else "-",
            safe(draft.title),
            str(words),
            str(check_story(draft).score),
        )
    make_console().print(table)


@story_app.command("diff")
def story_diff(
    story_id: StoryId,
    old: Annotated[
        int | None, typer.Argument(metavar="[V1]", help="Older version (default: the one before V2).")
    ] = None,
    new: Annotated[
        int | None, typer.Argument(metavar="[V2]", help="Newer version (default: the latest).")
    ] = None,
) -> None:
    """What changed between two drafts (default: the last two)."""
    from rich.text import Text

    from mockprep.stories import diff_drafts
    from mockprep.ui import safe

    store = open_store(sync=False)
    try:
        latest = _latest(store, story_id).version
        new_v = new if new is not None else (latest if old is None else latest)
        old_v = old if old is not None else new_v - 1
        rows = {v: store.story_version(story_id, v) for v in (old_v, new_v)}
    finally:
        store.close()
    if latest == 1 and old is None:
        typer.echo(f"Story {story_id} has only one version so far.")
        return
    for v, row in rows.items():
        if row is None:
            raise UserError(f"story {story_id} has no version {v} (it has 1 to {latest})")
    lines = diff_drafts(_draft(rows[old_v]), _draft(rows[new_v]), f"version {old_v}", f"version {new_v}")
    console = make_console()
    if not lines:
        console.print(f"Versions {old_v} and {new_v} are the same.")
        return
    for line in lines:
        style = (
            "green"
            if line.startswith("+")
            else "red"
            if line.startswith("-")
            else "cyan"
            if line.startswith("@")
            else ""
        )
        console.print(safe(line, style) if style else Text(plain(line)))


@story_app.command("delete")
def story_delete(
    story_id: StoryId,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete a story with all its versions, links and rehearsals (asks first)."""
    store = open_store(sync=False)
    try:
        row = _latest(store, story_id)
        if not yes:
            from mockprep.ui import stdin_reader

            console = make_console()
            answer = stdin_reader(console, utc_now)(
                plain(f"Delete story {story_id} '{row.title}' and all {row.version} versions? [y/N] "), None
            )
            if (answer or "").strip().lower() not in ("y", "yes"):
                typer.echo("Not deleted.")
                return
        store.delete_story(story_id)
    finally:
        store.close()
    typer.echo(f"Deleted story {story_id}.")


@story_app.command("check")
def story_check(story_id: StoryId) -> None:
    """Score a story against the STAR rubric, with advice item by item."""
    from rich.table import Table
    from rich.text import Text

    from mockprep.stories import check_story
    from mockprep.ui import safe

    store = open_store(sync=False)
    try:
        draft = _draft(_latest(store, story_id))
    finally:
        store.close()
    check = check_story(draft)
    console = make_console()
    console.print(safe(f"{draft.title}: {check.score}/100", "bold"))
    table = Table(box=None, pad_edge=False, show_header=False)
    table.add_column(no_wrap=True)
    table.add_column(justify="right", no_wrap=True)
    table.add_column()
    for item in check.items:
        mark = Text("✓ " if item.passed else "✗ ", style="green" if item.passed else "red")
        mark.append(item.name)
        table.add_row(mark, f"{item.points}/{item.max_points}", safe(item.message))
    console.print(table)
    shares = "  ".join(
        f"{p[0].upper()} {check.percentages.get(p, 0):.0f}%"
        for p in ("situation", "task", "action", "result")
    )
    console.print(
        safe(
            f"Split {shares} (aim S 20% T 10% A 60% R 10%) · about "
            f"{check.estimated_seconds // 60}m{check.estimated_seconds % 60:02d}s spoken",
            "dim",
        )
    )


def _behavioral_key(store: Store, key: str) -> None:
    record = store.question_by_key(key)
    if record is None:
        raise UserError(
            f"no question with key {key!r} (keys look like core-skills/explain-model-to-non-experts)"
        )
    if record.question.round != "behavioral":
        raise UserError(f"{key} is a {record.question.round} question; stories answer behavioral questions")


@story_app.command("link")
def story_link(
    story_id: StoryId,
    question: Annotated[
        str, typer.Argument(metavar="QUESTION-KEY", help="e.g. core-skills/explain-model-to-non-experts")
    ],
) -> None:
    """Record that a story answers a behavioral question."""
    store = open_store()
    try:
        _latest(store, story_id)
        _behavioral_key(store, question)
        added = store.link_story(story_id, question, utc_now())
    finally:
        store.close()
    typer.echo(
        plain(
            f"Linked story {story_id} to {question}."
            if added
            else f"Story {story_id} was already linked to {question}."
        )
    )


@story_app.command("unlink")
def story_unlink(
    story_id: StoryId,
    question: Annotated[str, typer.Argument(metavar="QUESTION-KEY")],
) -> None:
    """Remove a link between a story and a question."""
    store = open_store(sync=False)
    try:
        _latest(store, story_id)
        removed = store.unlink_story(story_id, question)
    finally:
        store.close()
    if not removed:
        raise UserError(plain(f"story {story_id} is not linked to {question}"))
    typer.echo(plain(f"Unlinked story {story_id} from {question}."))


@story_app.command("matrix")
def story_matrix(
    all_: Annotated[
        bool, typer.Option("--all", help="List every uncovered question, not just the first 15.")
    ] = False,
) -> None:
    """Competencies × stories, and the behavioral questions and competencies no story covers yet."""
    from rich.table import Table
    from rich.text import Text

    from mockprep.banks import COMPETENCIES
    from mockprep.ui import safe

    store = open_store()
    try:
        stories = [(row.story_id, _draft(row)) for row in store.stories()]
        links = store.story_links()
        questions = store.behavioral_questions()
    finally:
        store.close()
    console = make_console()
    competencies = list(dict.fromkeys([*COMPETENCIES, *(c for _i, d in stories for c in d.competencies)]))
    if stories:
        table = Table(box=None, pad_edge=False)
        table.add_column("competency")
        for story_id, _story in stories:
            table.add_column(str(story_id), justify="center")
        for competency in competencies:
            marks = [
                Text("●", style="green") if competency in d.competencies else Text("·", style="dim")
                for _i, d in stories
            ]
            table.add_row(safe(competency), *marks)
        console.print(table)
        console.print(safe("Stories: " + "; ".join(f"{i} {d.title}" for i, d in stories), "dim"))
    else:
        console.print("No stories yet. Write your first: mockprep story new")
    covered = {c for _i, d in stories for c in d.competencies}
    missing = [c for c in competencies if c not in covered]
    if missing:
        console.print(safe(f"Competencies no story shows yet: {', '.join(missing)}", "yellow"))
    linked = {key for _s, key in links}
    by_competency = {c: [i for i, d in stories if c in d.competencies] for c in competencies}
    uncovered = [
        key for key, comps in questions if key not in linked and not any(by_competency.get(c) for c in comps)
    ]
    console.print(
        safe(
            f"Behavioral questions with no linked story and no story of their competencies: "
            f"{len(uncovered)} of {len(questions)}"
        )
    )
    for key in uncovered if all_ else uncovered[:15]:
        console.print(safe(f"  {key}", "dim"))
    if not all_ and len(uncovered) > 15:
        console.print(Text(f"  … {len(uncovered) - 15} more (--all)", style="dim"))


@story_app.command("rehearse")
def story_rehearse(
    story_id: StoryId,
    target: Annotated[
        str, typer.Option("--target", metavar="DURATION", help="How long the telling should take.")
    ] = "2m",
) -> None:
    """Tell a story aloud against a 2-minute clock; the rehearsal is recorded."""
    from mockprep.durations import format_duration, parse_duration
    from mockprep.session import AnswerTiming, SessionInterrupted
    from mockprep.stories import outline
    from mockprep.timer import Countdown
    from mockprep.ui import stdin_reader, timing_text

    try:
        target_seconds = parse_duration(target)
    except ValueError as exc:
        raise UserError(f"--target: {exc}") from None
    if not 10 <= target_seconds <= 1800:
        raise UserError("--target must be between 10 seconds and 30 minutes")
    store = open_store(sync=False)
    try:
        row = _latest(store, story_id)
        draft = _draft(row)
        console = make_console()
        from mockprep.ui import safe

        for index, line in enumerate(outline(draft)):
            console.print(safe(line, "bold" if index == 0 else ""))
        read = stdin_reader(console, utc_now)
        if read(
            f"Press Enter, then tell the story aloud ({format_duration(target_seconds)} target); q cancels: ",
            None,
        ) in (None, "q"):
            typer.echo("Not rehearsed.")
            return
        started = utc_now()
        try:
            stop = read("Press Enter when you finish. ", Countdown(target_seconds, started))
        except (KeyboardInterrupt, SessionInterrupted):
            stop = None
        if stop is None:
            typer.echo("Rehearsal cancelled; nothing recorded.")
            return
        seconds = (utc_now() - started).total_seconds()
        store.add_rehearsal(
            story_id, row.version, utc_now(), round(seconds * 1000), round(target_seconds * 1000)
        )
    finally:
        store.close()
    console.print(timing_text(AnswerTiming(seconds, target_seconds)))
    typer.echo(f"Rehearsal recorded for story {story_id}.")


@story_app.command("export")
def story_export(output: Output = None, force: Force = False) -> None:
    """All stories as one Markdown document."""
    from mockprep.stories import render_markdown

    store = open_store(sync=False)
    try:
        rows = store.stories()
    finally:
        store.close()
    with output_stream(output, force) as handle:
        handle.write("# My STAR stories\n")
        for row in rows:
            # One level down: the document's title is the only level-1 heading.
            for line in render_markdown(_draft(row), guidance=False).splitlines():
                handle.write(f"\n#{line}" if line.startswith("#") else f"\n{line}")
            handle.write("\n")
    if output is not None:
        typer.echo(f"Wrote {len(rows)} stories to {output}", err=True)
