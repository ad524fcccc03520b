"""Building the spoken-answer machinery for `session`, `mock`, `story rehearse` and `grade`.

Everything is checked before a session starts: the extra, the model, the microphone or the files.
A missing piece is one line saying what to install, and nothing else changes.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from mockprep.cli.app import UserError
from mockprep.cli.context import utc_now

if TYPE_CHECKING:
    from rich.console import Console

    from mockprep.core.settings import Settings
    from mockprep.practice.voice import Voice
    from mockprep.terminal.input import ReadLine


def make_voice(
    voice: bool,
    audio: list[Path] | None,
    settings: Settings,
    console: Console,
    read_line: ReadLine,
    bad_file_ends: bool = True,
) -> Voice | None:
    """The spoken answers of this run, or None for typed ones; UserError when they cannot be had.

    A file in which no words can be made out is known only once it is transcribed: in a session or a
    mock (``bad_file_ends``) it is named in one line and the run ends with its summary; elsewhere (one
    file: grade, a rehearsal) it is the command's error.

    First, the takes of answers cut short by a closed terminal or a killed mockprep are said, once."""
    say_kept_takes()
    if not voice and not audio:
        return None
    if voice and audio:
        raise UserError("answer with --voice (the microphone) or --audio FILE (a recording), not both")
    from mockprep.core.background_loads import start_load
    from mockprep.core.speech import AudioProblem, VoiceUnavailable
    from mockprep.practice.voice import Voice
    from mockprep.services import voice as speech
    from mockprep.terminal.console import safe

    option = "--audio" if audio else "--voice"
    try:
        transcriber = speech.make_transcriber(settings)
        if audio:
            source = speech.FileSource(audio)
            source.check()
        else:
            from mockprep.paths import home_dir
            from mockprep.terminal.voice import MicrophoneSource

            speech.check_microphone()
            recorder = speech.Microphone(home_dir() / "recordings")
            source = MicrophoneSource(console, read_line, recorder, utc_now)
    except VoiceUnavailable as exc:
        raise UserError(f"{option}: {exc}", exit_code=1) from None
    except AudioProblem as exc:
        raise UserError(f"--audio {exc}") from None
    # The model loads while the first question is read (a failure shows when it is needed).
    start_load(_quietly(transcriber.load), "mockprep-speech-model")
    notice = lambda text: console.print(safe(text, "dim"))  # noqa: E731
    return Voice(source, transcriber, settings, notice=notice, bad_file_ends=bad_file_ends)


def say_kept_takes() -> None:
    """One line on stderr for the recordings of spoken answers cut short that nobody was told of (a
    closed terminal's, a killed process's): each is said once (see services/recordings.py)."""
    from mockprep.cli.context import warn
    from mockprep.paths import HomeError, home_dir
    from mockprep.services.recordings import leftovers, leftovers_line

    try:
        line = leftovers_line(leftovers(home_dir() / "recordings"))
    except HomeError:
        return  # (said by the command itself)
    if line is not None:
        warn(line)


def _quietly(load):  # type: ignore[no-untyped-def]
    from mockprep.core.speech import VoiceUnavailable

    def run() -> None:
        try:
            load()
        except VoiceUnavailable:
            pass  # said when the first answer is transcribed

    return run
