"""`mockprep story ...`: write, check, link and rehearse STAR stories.

Every save is a new version committed at once; drafts are written in ``$VISUAL``/``$EDITOR`` (run
without a shell) on a Markdown template, or answered part by part at prompts when no editor is set.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from mockprep.cli.app import UserError, story_app
from mockprep.cli.context import (
    keep_rescue_file,
    load_settings,
    make_console,
    open_store,
    output_stream,
    plain,
    utc_now,
)
from mockprep.cli.options import Force, Output

if TYPE_CHECKING:
    from mockprep.core.records import StoryVersion
    from mockprep.core.stories import StoryDraft
    from mockprep.db.store import Store

StoryId = Annotated[int, typer.Argument(metavar="ID", help="The story's id (see mockprep story list).")]


def _latest(store: Store, story_id: int) -> StoryVersion:
    version = store.stories.version(story_id)
    if version is None:
        raise UserError(f"no story with id {story_id} (see mockprep story list)")
    return version


def _prompt_parts(current: StoryDraft | None) -> StoryDraft:
    """Ask for the title, competencies and each part in turn (lines until an empty one)."""
    from mockprep.core.stories import PARTS, StoryDraft, competency_slugs
    from mockprep.terminal.input import stdin_reader

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
    from mockprep.core.stories import StoryDraft, is_blank, parse_markdown, render_markdown
    from mockprep.paths import ensure_home, home_dir
    from mockprep.terminal.editor import EditorError, edit_text, editor_argv

    try:
        argv = editor_argv()
        if argv is None:
            draft = _prompt_parts(current)
        else:
            template = render_markdown(current or StoryDraft(title="Untitled story"))
            saved = edit_text(argv, template, ensure_home(home_dir()))
            if saved.strip() == template.strip() and current is None:
                return None
            draft = parse_markdown(saved)
    except EditorError as exc:
        raise UserError(str(exc), exc.exit_code) from None
    return None if is_blank(draft) else draft.normalised()


def _save(draft: StoryDraft, story_id: int | None) -> tuple[int, int]:
    """Commit a draft (a new story, or a new version of one); ``(story id, version)``.

    If the database refuses it, the draft is written to a file in the data folder so it is not lost.
    """
    store = None
    try:
        store = open_store(sync=False)
        if story_id is None:
            return store.stories.create(draft, utc_now()), 1
        return story_id, store.stories.save_version(story_id, draft, utc_now())
    except Exception as exc:
        from mockprep.core.stories import render_markdown

        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        text = render_markdown(draft)
        try:
            keep = keep_rescue_file("unsaved-story", text, utc_now())
        except OSError as file_exc:  # e.g. the disk is full: the draft goes to the screen instead
            typer.echo(text)
            raise UserError(
                f"could not save the story ({reason}) nor keep it in a file ({file_exc.strerror}); "
                "your draft is printed above",
                exit_code=1,
            ) from None
        raise UserError(
            f"could not save the story ({reason}); your draft is kept in {keep}", exit_code=1
        ) from None
    finally:
        if store is not None:
            store.close()


def _report_save(story_id: int, version: int, draft: StoryDraft) -> None:
    from mockprep.core.story_check import check_story

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
        current = _latest(store, story_id).draft
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
    from mockprep.terminal.stories import render_story_list

    store = open_store(sync=False)
    try:
        listings = store.stories.listing()
    finally:
        store.close()
    render_story_list(make_console(), listings)


@story_app.command("show")
def story_show(
    story_id: StoryId,
    version: Annotated[
        int | None, typer.Option("--version", "-v", metavar="V", help="Show this version.")
    ] = None,
) -> None:
    """A story in full, with its links."""
    from mockprep.terminal.stories import render_story

    store = open_store(sync=False)
    try:
        _latest(store, story_id)
        shown = store.stories.version(story_id, version)
        if shown is None:
            raise UserError(
                f"story {story_id} has no version {version} (see mockprep story history {story_id})"
            )
        links = [key for _s, key in store.stories.links(story_id)]
    finally:
        store.close()
    render_story(make_console(), shown, links)


@story_app.command("history")
def story_history(story_id: StoryId) -> None:
    """Every saved version of a story."""
    from mockprep.terminal.stories import render_story_history

    store = open_store(sync=False)
    try:
        _latest(store, story_id)
        versions = store.stories.versions(story_id)
    finally:
        store.close()
    render_story_history(make_console(), versions)


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
    from mockprep.core.stories import diff_drafts
    from mockprep.terminal.stories import render_diff

    store = open_store(sync=False)
    try:
        latest = _latest(store, story_id).version
        new_v = new if new is not None else latest
        old_v = old if old is not None else new_v - 1
        versions = {v: store.stories.version(story_id, v) for v in (old_v, new_v)}
    finally:
        store.close()
    if latest == 1 and old is None:
        typer.echo(f"Story {story_id} has only one version so far.")
        return
    found = {}
    for v, shown in versions.items():
        if shown is None:
            raise UserError(f"story {story_id} has no version {v} (it has 1 to {latest})")
        found[v] = shown.draft
    lines = diff_drafts(found[old_v], found[new_v], f"version {old_v}", f"version {new_v}")
    console = make_console()
    if not lines:
        console.print(f"Versions {old_v} and {new_v} are the same.")
        return
    render_diff(console, lines)


@story_app.command("delete")
def story_delete(
    story_id: StoryId,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete a story with all its versions, links and rehearsals (asks first)."""
    store = open_store(sync=False)
    try:
        latest = _latest(store, story_id)
        if not yes:
            from mockprep.terminal.input import stdin_reader

            prompt = (
                f"Delete story {story_id} '{latest.draft.title}' and all {latest.version} versions? [y/N] "
            )
            answer = stdin_reader(make_console(), utc_now)(plain(prompt), None)
            if (answer or "").strip().lower() not in ("y", "yes"):
                typer.echo("Not deleted.")
                return
        store.stories.delete(story_id)
    finally:
        store.close()
    typer.echo(f"Deleted story {story_id}.")


@story_app.command("check")
def story_check(story_id: StoryId) -> None:
    """Score a story against the STAR rubric, with advice item by item."""
    from mockprep.core.story_check import check_story
    from mockprep.terminal.stories import render_check

    store = open_store(sync=False)
    try:
        draft = _latest(store, story_id).draft
    finally:
        store.close()
    render_check(make_console(), draft.title, check_story(draft))


def _behavioral_key(store: Store, key: str) -> None:
    record = store.banks.question_by_key(key)
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
        added = store.stories.link(story_id, question, utc_now())
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
        removed = store.stories.unlink(story_id, question)
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
    from mockprep.core.banks import COMPETENCIES
    from mockprep.core.story_matrix import story_matrix as build
    from mockprep.terminal.stories import render_matrix

    store = open_store()
    try:
        stories = [(listing.latest.story_id, listing.latest.draft) for listing in store.stories.listing()]
        matrix = build(stories, store.stories.links(), store.banks.behavioral_questions(), COMPETENCIES)
    finally:
        store.close()
    render_matrix(make_console(), matrix, all_)


@story_app.command("rehearse")
def story_rehearse(
    story_id: StoryId,
    target: Annotated[
        str | None,
        typer.Option("--target", metavar="DURATION", help="How long the telling should take (default 2m)."),
    ] = None,
) -> None:
    """Tell a story aloud against a 2-minute clock; the rehearsal is recorded."""
    from mockprep.core.durations import parse_duration
    from mockprep.practice.rehearsal import rehearse
    from mockprep.terminal.input import stdin_reader
    from mockprep.terminal.practice import timing_text
    from mockprep.terminal.stories import RehearsalTerminalUI

    settings = load_settings()
    try:
        target_seconds = settings.rehearsal_target_seconds if target is None else parse_duration(target)
    except ValueError as exc:
        raise UserError(f"--target: {exc}") from None
    if not 10 <= target_seconds <= 1800:
        raise UserError("--target must be between 10 seconds and 30 minutes")
    store = open_store(sync=False)
    try:
        latest = _latest(store, story_id)
        console = make_console()
        ui = RehearsalTerminalUI(console, stdin_reader(console, utc_now))
        started, timing = rehearse(store, ui, utc_now, latest, target_seconds, settings)
    finally:
        store.close()
    if not started:
        typer.echo("Not rehearsed.")
        return
    if timing is None:
        typer.echo("Rehearsal cancelled; nothing recorded.")
        return
    console.print(timing_text(timing))
    typer.echo(f"Rehearsal recorded for story {story_id}.")


@story_app.command("export")
def story_export(output: Output = None, force: Force = False) -> None:
    """All stories as one Markdown document."""
    from mockprep.core.stories import render_markdown

    store = open_store(sync=False)
    try:
        listings = store.stories.listing()
    finally:
        store.close()
    with output_stream(output, force) as handle:
        handle.write("# My STAR stories\n")
        for listing in listings:
            # One level down: the document's title is the only level-1 heading.
            for line in render_markdown(listing.latest.draft, guidance=False).splitlines():
                handle.write(f"\n#{line}" if line.startswith("#") else f"\n{line}")
            handle.write("\n")
    if output is not None:
        typer.echo(f"Wrote {len(listings)} stories to {output}", err=True)
