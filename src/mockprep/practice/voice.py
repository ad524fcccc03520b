"""Spoken answers in the practice flows: take the audio, transcribe it, measure the delivery.

The transcript is the answer: the pipeline grades, shows and stores it like a typed one, with the
delivery metrics beside it. Where the audio comes from (the microphone, files given with ``--audio``)
and what transcribes it are handed in behind two small protocols, so the flows never ask which.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from mockprep.core.delivery import Delivery, measure
from mockprep.core.durations import format_duration
from mockprep.core.speech import AudioProblem, Clip, SilentAudio, Transcriber, Transcript

if TYPE_CHECKING:
    from mockprep.core.settings import Settings
    from mockprep.core.timer import Countdown


class AudioSource(Protocol):
    """Where each spoken answer's audio comes from."""

    live: bool  # a microphone (the person starts and stops it), not files

    def next_clip(self, countdown: Countdown | None, wait: bool = True) -> Clip | None:
        """The next answer's audio; None when the person quits or no file is left. With ``wait`` a
        microphone asks the person to start; without, it starts at once (the caller has asked)."""

    def release(self, clip: Clip) -> None:
        """The clip's transcript is in hand: a temporary recording may go."""


@dataclass(frozen=True)
class SpokenAnswer:
    clip: Clip
    transcript: Transcript
    delivery: Delivery


class Voice:
    """Spoken answers for a run: a source of audio and a transcriber, with the delivery settings."""

    def __init__(
        self,
        source: AudioSource,
        transcriber: Transcriber,
        settings: Settings,
        notice: Callable[[str], None] = lambda _text: None,
        bad_file_ends: bool = False,
    ):
        self.source = source
        self.transcriber = transcriber
        self.settings = settings
        self.notice = notice
        self.bad_file_ends = bad_file_ends  # an --audio file with no words ends the answers (a session)
        self.bad_file: AudioProblem | None = None  # the file that ended them
        self._done: list[Clip] = []

    def answer(self, countdown: Countdown | None, wait: bool = True) -> SpokenAnswer | None:
        """The next spoken answer, transcribed and measured; None when the person quits.

        A recording that holds nothing to transcribe is asked for again; a file given with
        ``--audio`` that does raises :class:`AudioProblem` (one line naming it), or, with
        ``bad_file_ends`` (a session or a mock, whose answers so far are kept), is named in one line
        and ends the answers as if the files were used up: no later file is taken for this question.
        """
        if self.bad_file is not None:
            return None
        while True:
            clip = self.source.next_clip(countdown, wait)
            if clip is None:
                return None
            label = "your recording" if clip.live else clip.path.name
            self.notice(f"Transcribing {label} …")
            try:
                transcript = self.transcriber.transcribe(clip.path, self._progress(label))
                if not transcript.text:
                    raise AudioProblem(f"{clip.path}: no words could be made out")
            except AudioProblem as exc:
                if not clip.live and self.bad_file_ends:
                    self.bad_file = exc
                    self.notice(f"--audio {exc}; no more answers are taken from the recordings.")
                    return None
                if not clip.live:
                    raise
                muted = " (is the microphone muted?)" if isinstance(exc, SilentAudio) else ""
                self.notice(f"{_reason(exc)}{muted}. Record again (q quits).")
                self.source.release(clip)
                continue
            self._done.append(clip)
            settings = self.settings
            delivery = measure(transcript, settings.voice_pause_seconds, settings.voice_fillers)
            if clip.live:
                self.notice(f"Transcribed {format_duration(transcript.seconds)} of speech.")
            return SpokenAnswer(clip, transcript, delivery)

    def _progress(self, label: str) -> Callable[[float, float], None]:
        """Says how far transcribing has got, a line each further tenth of the recording (a long one
        takes a minute or more: a 20-minute answer on 2 cores)."""
        said = [0.0]

        def tell(done: float, total: float) -> None:
            if total > 0 and done < total and done - said[0] >= total / 10:
                said[0] = done
                self.notice(f"Transcribing {label} … {format_duration(done)} of {format_duration(total)}")

        return tell

    def not_for_code(self) -> str:
        """What becomes of the spoken answers at a code question, which is typed."""
        if self.source.live:
            return "type it below (the microphone is not used)"
        return "type it below (the next recording is kept for the next question)"

    def used_up(self) -> bool:
        """Whether answers from files are over: a file with no words ended them, or none is left
        (a source that cannot say, a microphone, never is)."""
        left = getattr(self.source, "left", None)
        return self.bad_file is not None or (left is not None and left() == 0)

    def close(self) -> None:
        """Let go of the recordings whose transcripts were taken (kept with ``voice_keep_recordings``)."""
        done, self._done = self._done, []
        if not self.settings.voice_keep_recordings:
            for clip in done:
                self.source.release(clip)


def _reason(problem: AudioProblem) -> str:
    """The problem without the recording's temporary file name."""
    text = str(problem)
    return text.split(": ", 1)[1].capitalize() if ": " in text else text
