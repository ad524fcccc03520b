"""Saving a story draft (`story new`, `story edit`): one story or an export's several, a draft the home
holds already left out, and the draft kept in the data folder when the save fails or is interrupted."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import typer

from mockprep.cli.app import UserError
from mockprep.cli.context import keep_rescue_file, make_console, note, open_store, plain, utc_now, warn

if TYPE_CHECKING:
    from pathlib import Path

    from mockprep.core.stories import StoryDraft
    from mockprep.db.store import Store


def kept_name(story_id: int | None) -> str:
    """How a draft of a new story (``story``) or of an edit of story ``story_id`` is named."""
    return "story" if story_id is None else f"story-edit-{story_id}"


def saving_command(story_id: int | None) -> str:
    return "mockprep story new" if story_id is None else f"mockprep story edit {story_id}"


WAITING = (
    "another mockprep (an import, a sync or a session, say) is writing to the database; your story is"
    " saved the moment it finishes (Ctrl-C keeps it in a file instead)"
)


class Saved(NamedTuple):
    story_id: int
    version: int | None  # None: the home holds this text already (that story's id); nothing was saved
    signal: int | None  # a signal that came while the story was written: it ends the command once said


class _SaveSignals:
    """While a draft is saved, Ctrl-C, SIGTERM and SIGHUP stop a save that has written nothing yet (it
    waits for another mockprep's lock, say) at once, raised as at the prompts, so the draft is kept; one
    that comes while the story is being written is kept in ``signal`` and acted on once the save is said.
    The draft exists only in memory by then (the editor's file deleted, piped input read): killed by
    the signal's default action, a save waiting for the lock lost it (found by an independent review)."""

    def __init__(self) -> None:
        self.store: Store | None = None
        self.signal: int | None = None

    def __enter__(self) -> _SaveSignals:
        import signal

        self._old: dict[int, object] = {}
        for signum in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)):
            if signum is not None:
                self._old[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        import signal

        for signum, handler in self._old.items():
            signal.signal(signum, handler)

    def _handle(self, signum: int, _frame: object) -> None:
        import signal

        from mockprep.practice.pipeline import SessionInterrupted

        if self.signal is not None:
            return
        if self.store is not None and self.store.conn.in_transaction:  # being written: it finishes first
            self.signal = signum
            return
        hold_signals()  # (a closed terminal sends SIGHUP twice; the second would cut the keeping short)
        raise KeyboardInterrupt if signum == signal.SIGINT else SessionInterrupted(signum)


def hold_signals() -> None:
    """Ignore Ctrl-C, SIGTERM and SIGHUP: a closed terminal sends SIGHUP twice (the kernel's, then the
    shell's as it exits), and the second cut the keeping of what was typed in half (found in tmux)."""
    import signal

    for signum in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if signum is not None:
            signal.signal(signum, signal.SIG_IGN)


def _open_waiting(saving: _SaveSignals) -> Store:
    """The database, its writes waiting out another mockprep's lock with one line said after a while."""
    from mockprep.practice.pipeline import FIRST_WAIT_MS

    store = saving.store = open_store(sync=False)
    store.wait_out_writers(lambda: note(WAITING), FIRST_WAIT_MS)
    return store


def held_already(store: Store) -> dict[StoryDraft, int]:
    """The latest draft of each story the home holds, as ``story export`` writes it (see
    :func:`~mockprep.core.stories.printable`; look drafts up in that form too), and its story's id."""
    from mockprep.core.stories import printable

    return {printable(listing.latest.draft): listing.latest.story_id for listing in store.stories.listing()}


def kept_file(source: Path | None) -> Path | None:
    """``source`` when it is a draft mockprep keeps in the data folder (``unsaved-story-*.md``, or a
    deleted story's ``deleted-story-*.md``), else None."""
    import fnmatch

    from mockprep.paths import home_dir

    kept = ("unsaved-story-*.md", "deleted-story-*.md")
    if source is None or not any(fnmatch.fnmatch(source.name, pattern) for pattern in kept):
        return None
    try:
        return source if source.resolve().parent == home_dir().resolve() else None
    except OSError:
        return None


def save(draft: StoryDraft, story_id: int | None, kept: Path | None = None) -> Saved:
    """Commit a draft (a new story, or a new version of one); a new story whose text the home holds
    already is not saved again (``version`` None, that story's id).

    If the database refuses it, or a signal stops it before it is written, the draft is written to a
    file in the data folder so it is not lost; one read from a file the data folder keeps (``kept``,
    see :func:`kept_file`) stays there instead, the only copy.
    """
    from mockprep.core.stories import printable
    from mockprep.practice.pipeline import SessionInterrupted

    store = None
    with _SaveSignals() as saving:
        try:
            store = _open_waiting(saving)
            if story_id is not None:
                saved = Saved(story_id, store.stories.save_version(story_id, draft, utc_now()), None)
            elif (held := held_already(store).get(printable(draft))) is not None:
                saved = Saved(held, None, None)
            else:
                saved = Saved(store.stories.create(draft, utc_now()), 1, None)
        except (KeyboardInterrupt, SessionInterrupted) as exc:
            _close(store)
            raise typed_kept(draft, story_id, exc, kept) from None
        except Exception as exc:
            _close(store)
            why = f"could not save the story ({_first_line(exc)})"
            raise kept_draft(draft, story_id, why, 1, kept) from None
    try:  # saved: a problem from here on is not the save's (no rescue file, no second story on a retry)
        if saved.version is not None:
            warn_unknown_competencies(store, draft)
    except Exception:  # (a warning that cannot be worked out is left out)
        pass
    finally:
        store.close()
    return saved._replace(signal=saving.signal)


def _close(store: Store | None) -> None:
    if store is not None:
        try:
            store.close()
        except Exception:  # (the draft is kept all the same)
            pass


def _first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


class InputEnded(Exception):
    """The end of input at a prompt (Ctrl-D, or a pipe that ran out)."""


def typed_kept(
    draft: StoryDraft | str | None, story_id: int | None, ended: BaseException, kept: Path | None = None
) -> UserError:
    """The error that ends a draft cut short (prompts, or a save) by ``ended``, once ``draft`` (None
    when nothing was typed) is kept in a file (``kept``, when it was read from one the data folder
    keeps)."""
    from mockprep.practice.pipeline import SessionInterrupted

    code, why = 1, "the input closed"
    if isinstance(ended, KeyboardInterrupt):
        code, why = 130, "interrupted"
    elif isinstance(ended, SessionInterrupted):
        signum = int(ended.args[0]) if ended.args else 15
        code, why = 128 + signum, f"stopped by {_signal_name(signum)}"
    elif isinstance(ended, InputEnded):
        why = "input ended"
    if draft is None:
        return UserError(f"{why}; nothing was saved", exit_code=code)
    return kept_draft(draft, story_id, why, code, kept)


def _signal_name(signum: int) -> str:
    import signal

    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


def kept_draft(
    draft: StoryDraft | str, story_id: int | None, why: str, code: int, kept: Path | None = None
) -> UserError:
    """The error saying ``why`` nothing was saved, once ``draft`` (or the Markdown of several) is kept
    in ``unsaved-story-*.md`` in the data folder (or printed, when even that fails), with the command
    that saves it. A draft read from a file the data folder keeps (``kept``) is kept there: a second
    copy was another draft said to wait, whose save then said both "nothing was saved" and "it is
    saved now" (found by an exploratory tester)."""
    from mockprep.core.stories import render_markdown

    again = saving_command(story_id)
    if kept is not None:
        return UserError(
            f"{why}; your draft is still kept in {kept} (save it with: {again} --from {kept})", code
        )
    text = draft if isinstance(draft, str) else render_markdown(draft)
    try:
        keep = keep_rescue_file(f"unsaved-{kept_name(story_id)}", text, utc_now())
    except OSError as file_exc:  # e.g. the disk is full: the draft goes to the screen instead
        try:  # (escape sequences in a story's text never reach the terminal)
            typer.echo(plain(text))
        except OSError:  # (a closed terminal: nowhere left to put it)
            pass
        return UserError(
            f"{why}; nor could your draft be kept in a file ({file_exc.strerror}): it is printed above",
            exit_code=code,
        )
    return UserError(f"{why}; your draft is kept in {keep} (save it with: {again} --from {keep})", code)


def warn_unknown_competencies(store: Store, draft: StoryDraft) -> None:
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


def report_save(saved: Saved, draft: StoryDraft) -> None:
    from rich.text import Text

    from mockprep.core.story_check import check_story
    from mockprep.terminal.console import Indented, print_text, safe

    console = make_console()
    if saved.version is None:
        print_text(console, f"Story {saved.story_id} holds this text already; nothing was saved.")
        return
    check = check_story(draft)
    said = f"Saved story {saved.story_id} (version {saved.version}): {draft.title}"
    print_text(console, f"{said} — check score {check.score}/100.")
    for advice in check.advice[:3]:  # each wrapped at spaces, under its own text
        console.print(Indented(safe(advice), lead=Text("  - ")))
    if check.advice:
        print_text(console, f"Full check: mockprep story check {saved.story_id}", wrap=False)


def save_many(drafts: list[StoryDraft], source: Path | None, named: str) -> tuple[int | None, list[int]]:
    """Add the stories of a story export, each a new story, in one transaction; those the home holds
    already (a story whose latest draft is the same) and those the export repeats are left out and said.
    The signal that came while they were written, if one did (see :class:`_SaveSignals`), and when none
    was added, the stories that hold the document's text (empty when some were added)."""
    from mockprep.core.stories import StoryDraft, competency_slugs, printable, render_document
    from mockprep.core.story_check import check_story
    from mockprep.core.wording import plural
    from mockprep.practice.pipeline import SessionInterrupted
    from mockprep.terminal.console import print_text

    store, kept = None, kept_file(source)  # (a kept draft given stays the copy kept)
    with _SaveSignals() as saving:
        try:
            store = _open_waiting(saving)
            here, keys = held_already(store), [printable(draft) for draft in drafts]
            firsts: dict[StoryDraft, StoryDraft] = {}  # (the first of those an export repeats)
            for key, draft in zip(keys, drafts, strict=True):
                if key not in here:
                    firsts.setdefault(key, draft)
            new = list(firsts.values())
            ids = store.stories.create_many(new, utc_now())
        except (KeyboardInterrupt, SessionInterrupted) as exc:  # (all of them kept, as one story is)
            _close(store)
            raise typed_kept(render_document(drafts, "Unsaved stories"), None, exc, kept) from None
        except Exception as exc:
            _close(store)
            why = f"could not save the {len(drafts)} stories ({_first_line(exc)})"
            raise kept_draft(render_document(drafts, "Unsaved stories"), None, why, 1, kept) from None
    try:  # each unknown competency once
        warn_unknown_competencies(
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
    already = sorted({here[key] for key in keys if key in here})
    if already:
        shown = ", ".join(map(str, already))
        print_text(
            console, f"Left out {plural(len(already), 'story')} this home holds already (same text): {shown}."
        )
    repeats = sum(key not in here for key in keys) - len(new)
    if repeats:
        repeated = f"Left out {plural(repeats, 'repeat')} of a story earlier in {named} (same text)."
        print_text(console, repeated)
    if new:
        added = f"Added {plural(len(new), 'story')} from {named}"
        print_text(console, f"{added}; check one with: mockprep story check ID")
    else:  # ("Added 0 stories" then "the kept draft is saved now" read as a loss: found by a review)
        print_text(console, f"Nothing was saved from {named}.")
    return saving.signal, [] if new else already


def end_if_signalled(signum: int | None) -> None:
    """A signal that came while a story was written ends the command, now that the save is said."""
    import signal

    if signum is not None:
        why = "interrupted" if signum == signal.SIGINT else f"stopped by {_signal_name(signum)}"
        note(f"{why} as the story was written: it was saved first")
        raise typer.Exit(130 if signum == signal.SIGINT else 128 + signum)
