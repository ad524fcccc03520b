"""`mockprep story new` and `story edit`: a draft written in an editor, at prompts or taken from a file,
saved as a new story or a new version of one.

Drafts are written in ``$VISUAL``/``$EDITOR`` (run without a shell) on a Markdown template, or answered
part by part at prompts when no editor is set; text that cannot be saved is kept in the data folder.
"""

from __future__ import annotations

import fnmatch
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mockprep.cli.app import UserError, story_app
from mockprep.cli.context import keep_rescue_file, load_settings, make_console, open_store, utc_now, warn
from mockprep.cli.story import StoryId, latest_version

if TYPE_CHECKING:
    from mockprep.core.stories import StoryDraft
    from mockprep.db.store import Store


FIELDS = ("title", "competencies", "situation", "task", "action", "result", "reflection")


# A draft that could not be saved is kept in the data folder as unsaved-story-*.md; an edit's names its
# story (unsaved-story-edit-ID-*.md), so the line that says it waits names the command that saves it.
_EDIT_OF = re.compile(r"^unsaved-story-edit-(\d+)-")


def kept_name(story_id: int | None) -> str:
    """How a draft of a new story (``story``) or of an edit of story ``story_id`` is named."""
    return "story" if story_id is None else f"story-edit-{story_id}"


def saving_command(story_id: int | None) -> str:
    return "mockprep story new" if story_id is None else f"mockprep story edit {story_id}"


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
        named = {Path(arg).resolve() for arg in args if arg.endswith(".md")}
        line = waiting_line([path for path in kept if path.resolve() not in named])
    except OSError:
        return  # (a home that cannot be read is said by the command itself)
    if line is not None:
        warn(line)


class _InputEnded(Exception):
    """The end of input at a prompt (Ctrl-D, or a pipe that ran out)."""


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
            raise _InputEnded
        return line.strip() or default

    def ask_text(label: str, default: str) -> str:
        hint = " (an empty line ends it" + (
            "; an empty first line keeps the current text)" if default else ")"
        )
        console.print(f"{label}{hint}")
        text = read.answer(None, quits=False)  # q is text here; in a terminal, an editable buffer
        if text is None:
            raise _InputEnded
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
        except (KeyboardInterrupt, SessionInterrupted, _InputEnded, OSError) as exc:
            _hold_signals()
            typing = getattr(read, "partial", "")  # the answer cut short
            if typing.strip():
                answers[field] = typing
            draft = _draft_of(base, answers)
            # kept as a save would take it: an edit's changes, a new story's parts (a title alone is none)
            typed = draft.normalised() != current.normalised() if current else not is_blank(draft)
            raise _typed_kept(draft if typed else None, story_id, exc) from None
    return _draft_of(base, answers)


def _hold_signals() -> None:
    """Ignore Ctrl-C, SIGTERM and SIGHUP: a closed terminal sends SIGHUP twice (the kernel's, then the
    shell's as it exits), and the second cut the keeping of what was typed in half (found in tmux)."""
    import signal

    for signum in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if signum is not None:
            signal.signal(signum, signal.SIG_IGN)


def _draft_of(base: StoryDraft, answers: dict[str, str]) -> StoryDraft:
    """``base`` with the fields answered so far."""
    from mockprep.core.stories import UNTITLED, StoryDraft, competency_slugs

    texts = {field: answers.get(field, getattr(base, field)) for field in FIELDS[2:]}
    competencies = answers.get("competencies")
    slugs = base.competencies if competencies is None else competency_slugs(competencies.split(","))
    return StoryDraft(answers.get("title", base.title).strip() or UNTITLED, slugs, **texts)


def _typed_kept(draft: StoryDraft | None, story_id: int | None, ended: BaseException) -> UserError:
    """The error that ends prompts cut short, once what was typed (``draft``; None when nothing) is kept
    in a file."""
    from mockprep.practice.pipeline import SessionInterrupted

    code, why = 1, "the input closed"
    if isinstance(ended, KeyboardInterrupt):
        code, why = 130, "interrupted"
    elif isinstance(ended, SessionInterrupted):
        signum = int(ended.args[0]) if ended.args else 15
        code, why = 128 + signum, f"stopped by {_signal_name(signum)}"
    elif isinstance(ended, _InputEnded):
        why = "input ended"
    if draft is None:
        return UserError(f"{why}; nothing was saved", exit_code=code)
    return _kept_draft(draft, story_id, why, code)


def _signal_name(signum: int) -> str:
    import signal

    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


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
        if store is not None:
            store.close()
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise _kept_draft(draft, story_id, f"could not save the story ({reason})", 1) from None
    try:  # saved: a problem from here on is not the save's (no rescue file, no second story on a retry)
        _warn_unknown_competencies(store, draft)
    except Exception:  # (a warning that cannot be worked out is left out)
        pass
    finally:
        store.close()
    return saved


def _kept_draft(draft: StoryDraft | str, story_id: int | None, why: str, code: int) -> UserError:
    """The error saying ``why`` nothing was saved, once ``draft`` (or the Markdown of several) is kept
    in ``unsaved-story-*.md`` in the data folder (or printed, when even that fails), with the command
    that saves it."""
    from mockprep.core.stories import render_markdown

    text = draft if isinstance(draft, str) else render_markdown(draft)
    try:
        keep = keep_rescue_file(f"unsaved-{kept_name(story_id)}", text, utc_now())
    except OSError as file_exc:  # e.g. the disk is full: the draft goes to the screen instead
        try:
            typer.echo(text)
        except OSError:  # (a closed terminal: nowhere left to put it)
            pass
        return UserError(
            f"{why}; nor could your draft be kept in a file ({file_exc.strerror}): it is printed above",
            exit_code=code,
        )
    again = saving_command(story_id)
    return UserError(f"{why}; your draft is kept in {keep} (save it with: {again} --from {keep})", code)


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
    drafts = _write_drafts(None, None, source)
    if len(drafts) > 1:
        _save_many(drafts, source)
    else:
        story_id, version = _save(drafts[0], None)
        _report_save(story_id, version, drafts[0])
    _remove_saved_rescue(source)


def _save_many(drafts: list[StoryDraft], source: Path | None) -> None:
    """Add the stories of a story export, each a new story, in one transaction; those the home holds
    already (a story whose latest draft is the same) are left out and said."""
    from mockprep.core.stories import StoryDraft, competency_slugs, render_document
    from mockprep.core.story_check import check_story
    from mockprep.core.wording import plural
    from mockprep.terminal.console import print_text

    store = None
    try:
        store = open_store(sync=False)
        here = {
            listing.latest.draft.normalised(): listing.latest.story_id for listing in store.stories.listing()
        }
        new = [draft for draft in drafts if draft not in here]
        ids = store.stories.create_many(new, utc_now())
    except Exception as exc:  # (all of them kept, as the one story of a refused save is)
        if store is not None:
            store.close()
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        kept = render_document(drafts, "Unsaved stories")
        raise _kept_draft(kept, None, f"could not save the {len(drafts)} stories ({reason})", 1) from None
    try:  # each unknown competency once
        _warn_unknown_competencies(
            store, StoryDraft(competencies=competency_slugs([c for d in new for c in d.competencies]))
        )
    except Exception:  # (a warning that cannot be worked out is left out)
        pass
    finally:
        store.close()
    console = make_console()
    for story_id, draft in zip(ids, new, strict=True):
        score = check_story(draft).score
        print_text(console, f"Saved story {story_id} (version 1): {draft.title} — check score {score}/100.")
    already = sorted({here[draft] for draft in drafts if draft in here})
    if already:
        shown = ", ".join(map(str, already))
        print_text(
            console, f"Left out {plural(len(already), 'story')} this home holds already (same text): {shown}."
        )
    print_text(
        console,
        f"Added {plural(len(new), 'story')} from {_named(source)}; check one with: mockprep story check ID",
    )


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
    _, version = _save(draft, story_id)
    _report_save(story_id, version, draft)
    _remove_saved_rescue(source)


def _remove_saved_rescue(source: Path | None) -> None:
    """A draft mockprep kept when a save failed (``unsaved-story-*.md`` in the data folder), or of a
    deleted story (``deleted-story-*.md``), is deleted once it is saved from, so it is not saved twice."""
    from mockprep.paths import home_dir

    kept = ("unsaved-story-*.md", "deleted-story-*.md")
    if source is None or not any(fnmatch.fnmatch(source.name, pattern) for pattern in kept):
        return
    try:
        if source.resolve().parent != home_dir().resolve():
            return
        source.unlink()
    except OSError:
        return  # kept: nothing is lost by leaving it
    typer.echo(f"Removed the kept draft {source.name}: it is saved now.")
