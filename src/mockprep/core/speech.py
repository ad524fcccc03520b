"""Spoken answers as data: the words of a transcript with their times, and the transcriber seam.

A transcriber turns an audio file into a :class:`Transcript`; the real one (faster-whisper, the
``voice`` extra) lives in :mod:`mockprep.services.voice`, and tests use a fake. Nothing here reads
audio: the practice flows only ever see these values.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol


class VoiceUnavailable(RuntimeError):
    """Speech cannot be used on this machine (no extra, no model, no microphone): one line saying
    what is missing and what to install."""


class AudioProblem(ValueError):
    """An audio file or a recording that cannot be graded: unreadable, empty, silent. One line."""


@dataclass(frozen=True)
class Word:
    """One transcribed word as spoken, punctuation included (``"Like,"``), with its times in seconds."""

    text: str
    start: float
    end: float

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "start": self.start, "end": self.end}


@dataclass(frozen=True)
class Transcript:
    """What was said in a recording ``seconds`` long, word by word."""

    words: tuple[Word, ...]
    seconds: float

    @property
    def text(self) -> str:
        """The words as one line of text: the answer the graders read."""
        return " ".join(w.text.strip() for w in self.words if w.text.strip())


@dataclass(frozen=True)
class Clip:
    """One answer's audio: recorded just now (``live``: timed by the clock, like a typed answer) or a
    file given with ``--audio`` (timed by its length)."""

    path: Path
    live: bool
    temporary: bool = False  # a recording to delete once its transcript is stored


class Transcriber(Protocol):
    """Turns an audio file (WAV, FLAC, MP3) into a transcript with word times.

    Raises :class:`AudioProblem` for a file that cannot be read or holds only silence, and
    :class:`VoiceUnavailable` when the model cannot be loaded.
    """

    name: str

    def transcribe(self, audio: Path) -> Transcript: ...
