"""`mockprep story ...`: write, check, link and rehearse STAR stories.

Every save is a new version committed at once; drafts are written in ``$VISUAL``/``$EDITOR`` (run
without a shell) on a Markdown template, or answered part by part at prompts when no editor is set.
"""

from __future__ import annotations

import fnmatch
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from mockprep.cli.app import UserError, story_app
from mockprep.cli.completion import complete_behavioral_keys, complete_stories
from mockprep.cli.context import (
    STDOUT,
    keep_rescue_file,
    load_settings,
    make_console,
    open_store,
    output_stream,
    plain,
    utc_now,
    warn,
)
from mockprep.cli.models import LlmOption, ModelOption, chosen_model, llm_settings, unasked
from mockprep.cli.options import Force, Output

if TYPE_CHECKING:
    from mockprep.core.records import StoryVersion
    from mockprep.core.stories import StoryDraft
    from mockprep.db.store import Store

StoryId = Annotated[
    int,
    typer.Argument(
        metavar="ID", help="The story's id (see mockprep story list).", autocompletion=complete_stories
    ),
]
QuestionKey = Annotated[
    str,
    typer.Argument(
        metavar="QUESTION-KEY",
        help="e.g. core-skills/explain-model-to-non-experts, or just its id when no other bank uses it",
        autocompletion=complete_behavioral_keys,
    ),
]


def latest_version(store: Store, story_id: int) -> StoryVersion:
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
        text = read.answer(None, quits=False)  # q is text here; in a terminal, an editable buffer
        return text if text else default

    title = ask_line("Title", current.title if current else "")
    competencies = ask_line(
        "Competencies, comma-separated", ", ".join(current.competencies) if current else ""
    )
    texts = {}
    for part in PARTS:
        label = part.capitalize() + (" (optional: what you learned)" if part == "reflection" else "")
        texts[part] = ask_text(label, getattr(current, part) if current else "")
    return StoryDraft(title or "Untitled story", competency_slugs(competencies.split(",")), **texts)


def _write_draft(current: StoryDraft | None, again: str, source: Path | None = None) -> StoryDraft:
    """A draft from ``source``, the editor or the prompts; UserError when nothing usable was written.

    A template the editor left exactly as it was is "unchanged" for a new story; for an edit the
    caller compares the draft with the current one and says there are no changes. Text the editor
    wrote before failing is kept in a file, and the message says how to save it (``again --from``).
    """
    from mockprep.core.stories import StoryDraft, is_blank, parse_markdown, render_markdown
    from mockprep.paths import ensure_home, home_dir
    from mockprep.terminal.editor import EditorError, edit_text, editor_argv, read_draft

    try:
        argv = None if source is not None else editor_argv(load_settings().editor)
        if source is not None:
            draft = parse_markdown(read_draft(source))
        elif argv is None:
            draft = _prompt_parts(current)
        else:
            template = render_markdown(current or StoryDraft(title="Untitled story"))
            saved = edit_text(argv, template, ensure_home(home_dir()))
            if saved.strip() == template.strip() and current is None:
                raise UserError("the template was left unchanged; nothing was saved", exit_code=1)
            draft = parse_markdown(saved)
    except EditorError as exc:
        hint = f" (save it with: {again} --from {exc.kept})" if exc.kept else ""
        raise UserError(f"{exc}{hint}", exc.exit_code) from None
    if is_blank(draft):
        raise UserError("the draft is empty; nothing was saved", exit_code=1)
    return draft.normalised()


def _save(draft: StoryDraft, story_id: int | None) -> tuple[int, int]:
    """Commit a draft (a new story, or a new version of one); ``(story id, version)``.

    If the database refuses it, the draft is written to a file in the data folder so it is not lost.
    """
    store = None
    try:
        store = open_store(sync=False)
        if story_id is None:
            saved = store.stories.create(draft, utc_now()), 1
        else:
            saved = story_id, store.stories.save_version(story_id, draft, utc_now())
    except Exception as exc:
        from mockprep.core.stories import render_markdown

        if store is not None:
            store.close()
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
    try:  # saved: a problem from here on is not the save's (no rescue file, no second story on a retry)
        _warn_unknown_competencies(store, draft)
    except Exception:  # (a warning that cannot be worked out is left out)
        pass
    finally:
        store.close()
    return saved


def _warn_unknown_competencies(store: Store, draft: StoryDraft) -> None:
    """Warn of a competency no behavioral question looks for (a typo, or a topic such as 'disagreement')."""
    from mockprep.core.bank_records import COMPETENCIES
    from mockprep.core.story_matrix import unknown_competencies

    asked = [c for _key, comps in store.banks.behavioral_questions() for c in comps]
    if not asked:
        return  # a home whose banks were never read (its first command is this one): nothing to judge by
    known = list(dict.fromkeys([*COMPETENCIES, *asked]))
    for name, nearest in unknown_competencies(draft.competencies, known):
        hint = f"; did you mean {nearest}?" if nearest else f" (they use: {', '.join(sorted(known))})"
        warn(f"competency {name!r} is not one the behavioral questions look for{hint}")


def _report_save(story_id: int, version: int, draft: StoryDraft) -> None:
    from rich.text import Text

    from mockprep.core.story_check import check_story
    from mockprep.terminal.console import Indented, print_text, safe

    check = check_story(draft)
    console = make_console()
    saved = f"Saved story {story_id} (version {version}): {draft.title} — check score {check.score}/100."
    print_text(console, saved)
    for advice in check.advice[:3]:  # each wrapped at spaces, under its own text
        console.print(Indented(safe(advice), lead=Text("  - ")))
    if check.advice:
        print_text(console, f"Full check: mockprep story check {story_id}", wrap=False)


DraftFile = Annotated[
    Path | None,
    typer.Option(
        "--from",
        metavar="FILE",
        help="Take the draft from this Markdown file (such as one mockprep kept) instead of an editor.",
    ),
]


@story_app.command("new")
def story_new(source: DraftFile = None) -> None:
    """Write a new story: in $VISUAL/$EDITOR on a Markdown template, else part by part at prompts."""
    draft = _write_draft(None, "mockprep story new", source)
    story_id, version = _save(draft, None)
    _report_save(story_id, version, draft)
    _remove_saved_rescue(source)


@story_app.command("edit")
def story_edit(story_id: StoryId, source: DraftFile = None) -> None:
    """Edit a story; the save becomes a new version and earlier drafts are kept."""
    store = open_store(sync=False)
    try:
        current = latest_version(store, story_id).draft
    finally:
        store.close()  # not held open while the editor runs
    draft = _write_draft(current, f"mockprep story edit {story_id}", source)
    if draft == current.normalised():
        typer.echo("No changes; nothing saved.")
        return
    _, version = _save(draft, story_id)
    _report_save(story_id, version, draft)
    _remove_saved_rescue(source)


def _remove_saved_rescue(source: Path | None) -> None:
    """A draft mockprep kept when a save failed (``unsaved-story-*.md`` in the data folder) is deleted
    once it is saved from, so it is not saved twice."""
    from mockprep.paths import home_dir

    if source is None or not fnmatch.fnmatch(source.name, "unsaved-story-*.md"):
        return
    try:
        if source.resolve().parent != home_dir().resolve():
            return
        source.unlink()
    except OSError:
        return  # kept: nothing is lost by leaving it
    typer.echo(f"Removed the kept draft {source.name}: it is saved now.")


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
    """A story in full, with its links and its latest rehearsals."""
    from mockprep.cli.rehearse import show_story

    show_story(story_id, version)


@story_app.command("history")
def story_history(story_id: StoryId) -> None:
    """Every saved version of a story."""
    from mockprep.terminal.stories import render_story_history

    store = open_store(sync=False)
    try:
        latest_version(store, story_id)
        versions = store.stories.versions(story_id)
    finally:
        store.close()
    render_story_history(make_console(), versions)


@story_app.command("diff")
def story_diff(
    story_id: StoryId,
    old: Annotated[
        int | None, typer.Argument(metavar="V1", help="Older version (default: the one before V2).")
    ] = None,
    new: Annotated[
        int | None, typer.Argument(metavar="V2", help="Newer version (default: the latest).")
    ] = None,
) -> None:
    """What changed between two drafts (default: the last two)."""
    from mockprep.core.stories import diff_drafts
    from mockprep.terminal.stories import render_diff

    store = open_store(sync=False)
    try:
        latest = latest_version(store, story_id).version
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
            has = "only version 1" if latest == 1 else f"versions 1 to {latest}"
            raise UserError(f"story {story_id} has no version {v} (it has {has})")
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
        latest = latest_version(store, story_id)
        if not yes:
            from mockprep.terminal.input import stdin_reader

            versions = "its only version" if latest.version == 1 else f"all {latest.version} versions"
            prompt = f"Delete story {story_id} '{latest.draft.title}' and {versions}? [y/N] "
            answer = stdin_reader(make_console(), utc_now)(plain(prompt), None)
            if (answer or "").strip().lower() not in ("y", "yes"):
                typer.echo("Not deleted.")
                return
        store.stories.delete(story_id)
    finally:
        store.close()
    typer.echo(f"Deleted story {story_id}.")


@story_app.command("check")
def story_check(story_id: StoryId, llm: LlmOption = None, model: ModelOption = None) -> None:
    """Score a story against the STAR rubric, with advice item by item.

    With --llm, a language model's feedback on each rubric item follows; it never changes the score."""
    from mockprep.core.story_check import check_story
    from mockprep.terminal.stories import render_check

    store = open_store(sync=False)
    try:
        draft = latest_version(store, story_id).draft
    finally:
        store.close()
    check = check_story(draft)
    console = make_console()
    render_check(console, draft.title, check)
    settings, llm = llm_settings(llm, model)
    chosen = chosen_model(settings, llm, going_on="the rubric's check above stands")
    if chosen is not None:
        _story_feedback(console, chosen, draft, check, settings.llm_timeout_seconds)
    unasked(llm, chosen)


def _story_feedback(console: Any, model: Any, draft: StoryDraft, check: Any, timeout: float) -> None:
    from mockprep.core.llm_grading import ModelReplyError
    from mockprep.services.llm_grader import story_feedback
    from mockprep.terminal.stories import render_story_feedback

    try:
        feedback, seconds = story_feedback(model, draft, check, timeout)
    except ModelReplyError as exc:
        warn(f"{model.model_id} gave no feedback ({exc}); the rubric's check above stands")
        return
    render_story_feedback(console, model.model_id, seconds, feedback)


PROJECT_FACTS = (
    ". Keep your own project's facts as a bank of your own project questions with your own model answers"
    ' (round = "project"; see "Writing your own bank" in the README) and add it: mockprep bank add FILE'
)


def _behavioral_key(store: Store, ref: str) -> str:
    """The full key of the behavioral question ``ref`` names (its key, or its id when unique)."""
    from mockprep.cli.questions import resolve_key

    key = resolve_key(store, ref)
    record = store.banks.question_by_key(key)
    assert record is not None
    if record.question.round != "behavioral":
        facts = PROJECT_FACTS if record.question.round == "project" else ""
        round = record.question.round
        raise UserError(f"{key} is a {round} question; stories answer behavioral questions{facts}")
    return key


@story_app.command("link")
def story_link(story_id: StoryId, question: QuestionKey) -> None:
    """Record that a story answers a behavioral question."""
    store = open_store()
    try:
        latest_version(store, story_id)
        question = _behavioral_key(store, question)
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
def story_unlink(story_id: StoryId, question: QuestionKey) -> None:
    """Remove a link between a story and a question."""
    store = open_store(sync=False)
    try:
        latest_version(store, story_id)
        removed = store.stories.unlink(story_id, question, utc_now())
        if not removed and "/" not in question:
            from mockprep.cli.questions import resolve_key

            question = resolve_key(store, question)
            removed = store.stories.unlink(story_id, question, utc_now())
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
    from mockprep.core.bank_records import COMPETENCIES
    from mockprep.core.story_matrix import story_matrix as build
    from mockprep.terminal.stories import render_matrix

    store = open_store()
    try:
        stories = [(listing.latest.story_id, listing.latest.draft) for listing in store.stories.listing()]
        matrix = build(stories, store.stories.links(), store.banks.behavioral_questions(), COMPETENCIES)
    finally:
        store.close()
    render_matrix(make_console(), matrix, all_)


@story_app.command("export")
def story_export(output: Output = None, force: Force = False) -> None:
    """All stories as one Markdown document."""
    from mockprep.core.stories import render_markdown
    from mockprep.core.wording import plural

    store = open_store(sync=False)
    try:
        listings = store.stories.listing()
    finally:
        store.close()
    with output_stream(output, force) as handle:
        handle.write("# My STAR stories\n")
        for listing in listings:
            # One level down: the document's title is the only level-1 heading. The text is cleaned like
            # anything printed: a Markdown file is read in terminals too (the JSON export keeps it exact).
            text = render_markdown(listing.latest.draft, guidance=False, to_read=True)
            for line in plain(text).splitlines():
                handle.write(f"\n#{line}" if line.startswith("#") else f"\n{line}")
            handle.write("\n")
    if output is not None and output != STDOUT:  # "-" is standard output, as for export and history
        typer.echo(plain(f"Wrote {plural(len(listings), 'story')} to {output}"), err=True)
