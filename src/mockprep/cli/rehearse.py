"""`mockprep story rehearse`: tell a story aloud against the clock, typed or spoken; `story rehearsals`
and the end of `story show`: the tellings stored, and one in full with its transcript."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mockprep.cli.app import UserError, story_app
from mockprep.cli.context import load_settings, make_console, open_store, signals_interrupt, utc_now
from mockprep.cli.options import VoiceOption
from mockprep.cli.story import StoryId, latest_version

if TYPE_CHECKING:
    from mockprep.core.rehearsal_log import Telling
    from mockprep.core.settings import Settings
    from mockprep.db.store import Store
from mockprep.cli.voice import make_voice


@story_app.command("rehearse")
def story_rehearse(
    story_id: StoryId,
    target: Annotated[
        str | None,
        typer.Option("--target", metavar="DURATION", help="How long the telling should take (default 2m)."),
    ] = None,
    voice: VoiceOption = False,
    audio: Annotated[
        Path | None,
        typer.Option("--audio", metavar="FILE", help="Grade a recorded telling (WAV, FLAC or MP3)."),
    ] = None,
) -> None:
    """Tell a story aloud against a 2-minute clock; the rehearsal is recorded.

    With --voice (or --audio FILE) the telling is transcribed and compared with the draft: the parts
    it carried, words a minute, fillers and pauses, and its length against the target."""
    from mockprep.core.durations import parse_duration
    from mockprep.practice.rehearsal import TellingInterrupted, rehearse
    from mockprep.terminal.input import stdin_reader
    from mockprep.terminal.stories import RehearsalTerminalUI, render_telling

    settings = load_settings()
    try:
        target_seconds = settings.rehearsal_target_seconds if target is None else parse_duration(target)
    except ValueError as exc:
        raise UserError(f"--target: {exc}") from None
    if not 10 <= target_seconds <= 1800:
        raise UserError("--target must be between 10 seconds and 30 minutes")
    console = make_console()
    reader = stdin_reader(console, utc_now)
    spoken = make_voice(voice, [audio] if audio else None, settings, console, reader, bad_file_ends=False)
    store = open_store(sync=False)
    try:
        latest = latest_version(store, story_id)
        ui = RehearsalTerminalUI(console, reader)
        with signals_interrupt():
            try:
                started, telling = rehearse(store, ui, utc_now, latest, target_seconds, settings, spoken)
            except TellingInterrupted as exc:
                typer.echo("Rehearsal cancelled; nothing recorded.")
                raise typer.Exit(128 + exc.args[0]) from None
    finally:
        store.close()
        if spoken is not None:
            spoken.close()
    if not started:
        typer.echo("Not rehearsed.")
        return
    if telling is None:
        typer.echo("Rehearsal cancelled; nothing recorded.")
        return
    render_telling(console, telling, settings)
    typer.echo(f"Rehearsal recorded for story {story_id}.")


def stored_tellings(store: Store, story_id: int, settings: Settings) -> list[Telling]:
    """The story's rehearsals, numbered, newest first (see :mod:`mockprep.core.rehearsal_log`)."""
    from mockprep.core.rehearsal_log import tellings

    drafts = {v.version: v.draft for v in store.stories.versions(story_id)}
    return tellings(store.stories.rehearsals(story_id), drafts, settings.voice_part_share)


def show_story(story_id: int, version: int | None) -> None:
    """`story show`: the story in full (or one version), its links and its latest tellings."""
    from mockprep.core.story_tree import StoryTree
    from mockprep.terminal.rehearsals import render_recent_tellings
    from mockprep.terminal.stories import render_story
    from mockprep.terminal.story_forks import show_note

    settings = load_settings()
    store = open_store(sync=False)
    try:
        latest_version(store, story_id)
        shown = store.stories.version(story_id, version)
        if shown is None:
            raise UserError(
                f"story {story_id} has no version {version} (see mockprep story history {story_id})"
            )
        links = [key for _s, key in store.stories.links(story_id)]
        told = stored_tellings(store, story_id, settings)
        tree = StoryTree.of(store.stories.versions(story_id))
    finally:
        store.close()
    console = make_console()
    latest = max(tree.parents)
    render_story(console, shown, links, show_note(tree, story_id, shown.version, latest))
    render_recent_tellings(console, story_id, told)


@story_app.command("rehearsals")
def story_rehearsals(
    story_id: StoryId,
    number: Annotated[
        int | None,
        typer.Argument(metavar="N", help="Show this telling in full, transcript and all (1 is the first)."),
    ] = None,
) -> None:
    """A story's rehearsals, newest first: length against the target, pace, fillers, parts told.

    With N, that telling in full: its delivery, the parts it carried and its transcript."""
    from mockprep.terminal.rehearsals import render_telling_in_full, render_tellings

    settings = load_settings()
    store = open_store(sync=False)
    try:
        latest_version(store, story_id)
        told = stored_tellings(store, story_id, settings)
    finally:
        store.close()
    console = make_console()
    if number is None:
        render_tellings(console, story_id, told, None)
        return
    chosen = [t for t in told if t.number == number]
    if not chosen:
        has = f"rehearsals 1 to {len(told)}" if len(told) > 1 else "rehearsal 1" if told else "no rehearsals"
        raise UserError(f"story {story_id} has no rehearsal {number} (it has {has})")
    render_telling_in_full(console, story_id, chosen[0], settings)
