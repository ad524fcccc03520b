"""`mockprep story new` and `story edit`: a draft written in an editor, at prompts or taken from a file,
saved as a new story or a new version of one.

Drafts are written in ``$VISUAL``/``$EDITOR`` (run without a shell) on a Markdown template, or answered
part by part at prompts when no editor is set; text that cannot be saved is kept in the data folder.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mockprep.cli.app import UserError, story_app
from mockprep.cli.context import load_settings, make_console, open_store, utc_now, warn
from mockprep.cli.story import StoryId, latest_version
from mockprep.cli.story_save import InputEnded, hold_signals, kept_name, saving_command, typed_kept

if TYPE_CHECKING:
    from mockprep.core.stories import StoryDraft


FIELDS = ("title", "competencies", "situation", "task", "action", "result", "reflection")


# A draft that could not be saved is kept in the data folder as unsaved-story-*.md; an edit's names its
# story (unsaved-story-edit-ID-*.md), so the line that says it waits names the command that saves it.
_EDIT_OF = re.compile(r"^unsaved-story-edit-(\d+)-")


def waiting_line(kept: list[Path]) -> str | None:
    """One line saying that drafts kept in ``kept`` wait to be saved, and how; None when none do."""
    if not kept:
        return None
    if len(kept) == 1:
        found = _EDIT_OF.match(kept[0].name)
        again = saving_command(int(found.group(1)) if found else None)
        return f"unsaved story text is waiting in {kept[0]} (save it with: {again} --from {kept[0]})"
    names = ", ".join(path.name for path in kept[:3]) + (
        f" and {len(kept) - 3} more" if len(kept) > 3 else ""
    )
    return (
        f"{len(kept)} drafts of unsaved story text are waiting in {kept[0].parent}: {names} (save each with:"
        " mockprep story new --from FILE; one named unsaved-story-edit-ID-* with story edit ID --from FILE)"
    )


@story_app.callback()
def _say_waiting_drafts(ctx: typer.Context) -> None:
    # Every story command says first that text kept from an editor, the prompts or a refused save waits
    # to be saved: after a closed terminal, list, show and edit never mentioned it, and the person
    # thought the edit lost (found by an exploratory tester). Files the command names are left out.
    from mockprep.cli.completion import RAW_ARGS
    from mockprep.paths import home_dir

    args = ctx.meta.get(RAW_ARGS) or []
    if "--help" in args or "-h" in args:
        return
    try:
        kept = sorted(home_dir().glob("unsaved-story-*.md"), key=lambda path: path.stat().st_mtime)
        # (--from=FILE as well as --from FILE)
        named = {Path(arg.removeprefix("--from=")).resolve() for arg in args if arg.endswith(".md")}
        line = waiting_line([path for path in kept if path.resolve() not in named])
    except OSError:
        return  # (a home that cannot be read is said by the command itself)
    if line is not None:
        warn(line)


def _prompt_parts(current: StoryDraft | None, story_id: int | None) -> StoryDraft:
    """Ask for the title, competencies and each part in turn (lines until an empty one).

    Ctrl-C, a closed terminal (SIGHUP), SIGTERM or the end of input part-way keeps what was typed, as a
    draft in ``unsaved-story-*.md``, and the message says how to save it.
    """
    from mockprep.cli.context import signals_interrupt
    from mockprep.core.stories import PARTS, StoryDraft, is_blank
    from mockprep.practice.pipeline import SessionInterrupted
    from mockprep.terminal.input import stdin_reader

    console = make_console()
    read = stdin_reader(console, utc_now)
    base = current or StoryDraft(title="")
    answers: dict[str, str] = {}

    def ask_line(label: str, default: str) -> str:
        suffix = f" [{default}]" if default else ""
        line = read(f"{label}{suffix}: ", None)
        if line is None:
            raise InputEnded
        return line.strip() or default

    def ask_text(label: str, default: str) -> str:
        hint = " (an empty line ends it" + (
            "; an empty first line keeps the current text)" if default else ")"
        )
        console.print(f"{label}{hint}")
        text = read.answer(None, quits=False)  # q is text here; in a terminal, an editable buffer
        if text is None:
            raise InputEnded
        return text if text else default

    field = FIELDS[0]
    # Signals end a prompt as Ctrl-C does; once one has, those after it are ignored until what was typed
    # is kept (signals_interrupt puts the handlers back after).
    with signals_interrupt():
        try:
            answers["title"] = ask_line("Title", base.title)
            field = "competencies"
            answers[field] = ask_line("Competencies, comma-separated", ", ".join(base.competencies))
            for field in PARTS:
                label = field.capitalize() + (
                    " (optional: what you learned)" if field == "reflection" else ""
                )
                answers[field] = ask_text(label, getattr(base, field))
        except (KeyboardInterrupt, SessionInterrupted, InputEnded, OSError) as exc:
            hold_signals()
            typing = getattr(read, "partial", "")  # the answer cut short
            if typing.strip():
                answers[field] = typing
            draft = _draft_of(base, answers)
            # kept as a save would take it: an edit's changes, a new story's parts (a title alone is none)
            typed = draft.normalised() != current.normalised() if current else not is_blank(draft)
            raise typed_kept(draft if typed else None, story_id, exc) from None
    return _draft_of(base, answers)


def _draft_of(base: StoryDraft, answers: dict[str, str]) -> StoryDraft:
    """``base`` with the fields answered so far."""
    from mockprep.core.stories import UNTITLED, StoryDraft, competency_slugs

    texts = {field: answers.get(field, getattr(base, field)) for field in FIELDS[2:]}
    competencies = answers.get("competencies")
    slugs = base.competencies if competencies is None else competency_slugs(competencies.split(","))
    return StoryDraft(answers.get("title", base.title).strip() or UNTITLED, slugs, **texts)


def _write_drafts(
    current: StoryDraft | None, story_id: int | None, source: Path | None = None
) -> list[StoryDraft]:
    """The draft from ``source``, the editor or the prompts (for a new story, the several of a story
    export given as ``source``); UserError when nothing usable was written.

    A template the editor left exactly as it was is "unchanged" for a new story; for an edit the
    caller compares the draft with the current one and says there are no changes. Text the editor
    wrote before failing is kept in a file, and the message says how to save it.
    """
    from mockprep.core.stories import StoryDraft, is_blank, parse_markdown, render_markdown
    from mockprep.paths import ensure_home, home_dir
    from mockprep.terminal.editor import EditorError, edit_text, editor_argv, read_draft, read_draft_stream

    try:
        argv = None if source is not None else editor_argv(load_settings().editor)
        if argv is None and source is None and not (sys.stdin is not None and sys.stdin.isatty()):
            # Prompts cannot be answered from a pipe: what is piped in is the draft, as with --from -
            # (a Markdown story piped into the prompts was saved with every part shifted by one).
            source = STDIN
        if source is not None:
            given = read_draft_stream(sys.stdin) if source == STDIN else read_draft(source)
            drafts = [parse_markdown(text) for text in _stories_in(given, source, story_id)]
        elif argv is None:
            drafts = [_prompt_parts(current, story_id)]
        else:
            template = render_markdown(current or StoryDraft(title="Untitled story"))
            saved = edit_text(argv, template, ensure_home(home_dir()), name=kept_name(story_id))
            if saved.strip() == template.strip() and current is None:
                raise UserError("the template was left unchanged; nothing was saved", exit_code=1)
            drafts = [parse_markdown(saved)]
    except EditorError as exc:
        hint = f" (save it with: {saving_command(story_id)} --from {exc.kept})" if exc.kept else ""
        raise UserError(f"{exc}{hint}", exc.exit_code) from None
    if len(drafts) == 1 and is_blank(drafts[0]):
        raise UserError("the draft is empty; nothing was saved", exit_code=1)
    if blank := next((i for i, draft in enumerate(drafts, start=1) if is_blank(draft)), None):
        title = drafts[blank - 1].title
        raise UserError(f"{_named(source)}: its story {blank} ({title!r}) has no text; nothing was saved")
    return [draft.normalised() for draft in drafts]


def _named(source: Path | None) -> str:
    return "standard input" if source in (None, STDIN) else str(source)


def _stories_in(text: str, source: Path | None, story_id: int | None) -> list[str]:
    """The stories ``text`` holds (several in a story export; see core.stories.split_stories), for a
    new story; an edit takes one."""
    from mockprep.core.stories import StoriesError, split_stories

    try:
        stories = split_stories(text)
    except StoriesError as exc:
        raise UserError(f"{_named(source)}: {exc}; nothing was saved") from None
    if len(stories) > 1 and story_id is not None:
        raise UserError(
            f"{_named(source)} holds {len(stories)} stories and story edit takes one; cut the one you want"
            f" into a file of its own (mockprep story new --from {source} adds each as a new story)"
        )
    return stories


STDIN = Path("-")
DraftFile = Annotated[
    Path | None,
    typer.Option(
        "--from",
        metavar="FILE",
        help="Take the draft from this Markdown file (such as one mockprep kept), or - for standard input, "
        "instead of an editor.",
    ),
]


@story_app.command("new")
def story_new(source: DraftFile = None) -> None:
    """Write a new story: in $VISUAL/$EDITOR on a Markdown template, else part by part at prompts.

    A story export given with --from adds each of its stories."""
    from mockprep.cli.story_save import end_if_signalled, kept_file, report_save, save, save_many

    drafts = _write_drafts(None, None, source)
    if len(drafts) > 1:  # (held: the stories that hold its text when none was added)
        signalled, held = save_many(drafts, source, _named(source))
    else:  # (a draft the home holds already is said, with its story's id, and not saved again)
        saved = save(drafts[0], None, kept_file(source))
        report_save(saved, drafts[0])
        signalled, held = saved.signal, [saved.story_id] if saved.version is None else []
    _remove_saved_rescue(source, _holding(held))
    end_if_signalled(signalled)


@story_app.command("edit")
def story_edit(story_id: StoryId, source: DraftFile = None) -> None:
    """Edit a story; the save becomes a new version and earlier drafts are kept."""
    store = open_store(sync=False)
    try:
        current = latest_version(store, story_id).draft
    finally:
        store.close()  # not held open while the editor runs
    (draft,) = _write_drafts(current, story_id, source)
    if draft == current.normalised():
        typer.echo("No changes; nothing saved.")
        return
    from mockprep.cli.story_save import end_if_signalled, kept_file, report_save, save

    saved = save(draft, story_id, kept_file(source))
    report_save(saved, draft)
    _remove_saved_rescue(source)
    end_if_signalled(saved.signal)


def _holding(held: list[int]) -> str:
    """Why a kept draft saved from may go: it is saved now, or stories this home holds have its text."""
    if not held:
        return "it is saved now"
    if len(held) == 1:
        return f"story {held[0]} holds its text"
    return f"stories {', '.join(map(str, held[:-1]))} and {held[-1]} hold its text"


def _remove_saved_rescue(source: Path | None, said: str = "it is saved now") -> None:
    """A draft mockprep kept when a save failed (``unsaved-story-*.md`` in the data folder), or of a
    deleted story (``deleted-story-*.md``), is deleted once it is saved from, so it is not saved twice;
    ``said`` is why it may go."""
    from mockprep.cli.story_save import kept_file

    if (kept := kept_file(source)) is None:
        return
    try:
        kept.unlink()
    except OSError:
        return  # kept: nothing is lost by leaving it
    typer.echo(f"Removed the kept draft {kept.name}: {said}.")
