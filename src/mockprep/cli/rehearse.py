"""`mockprep story rehearse`: tell a story aloud against the clock, typed or spoken."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mockprep.cli.app import UserError, story_app
from mockprep.cli.context import load_settings, make_console, open_store, signals_interrupt, utc_now
from mockprep.cli.options import VoiceOption
from mockprep.cli.story import StoryId, latest_version
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
