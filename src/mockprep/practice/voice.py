"""Spoken answers in the practice flows: take the audio, transcribe it, measure the delivery.

The transcript is the answer: the pipeline grades, shows and stores it like a typed one, with the
delivery metrics beside it. Where the audio comes from (the microphone, files given with ``--audio``)
and what transcribes it are handed in behind two small protocols, so the flows never ask which.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from mockprep.core.delivery import Delivery, measure
from mockprep.core.durations import format_duration
from mockprep.core.speech import AudioProblem, Clip, SilentAudio, Transcriber, Transcript

if TYPE_CHECKING:
    from mockprep.core.questions import QuestionRecord
    from mockprep.core.settings import Settings
    from mockprep.core.timer import Countdown
    from mockprep.db.store import Store
    from mockprep.practice.ui import Attempt, PracticeUI


# A stretch heard again at least this long (or a tenth of the recording) is told as it goes.
TOLD_AGAIN_SECONDS = 20.0


class AudioSource(Protocol):
    """Where each spoken answer's audio comes from."""

    live: bool  # a microphone (the person starts and stops it), not files

    def next_clip(self, countdown: Countdown | None, wait: bool = True) -> Clip | None:
        """The next answer's audio; None when the person quits or no file is left. With ``wait`` a
        microphone asks the person to start; without, it starts at once (the caller has asked)."""

    def release(self, clip: Clip) -> None:
        """The clip's transcript is in hand: a temporary recording may go."""

    def keep(self, clip: Clip, key: str, told: bool) -> Any:
        """A live take whose answer (to ``key``) was cut short is kept; what says so (``line()``), or
        None when nothing is kept. ``told``: the person is told now, else by a later command."""


@dataclass(frozen=True)
class KeptClip:
    """A live take kept when its answer was cut short: where, the line that says so, when it stopped."""

    path: Path
    line: str
    stopped_at: datetime | None

    @property
    def answer(self) -> str:
        """What history keeps as the answer: where its recording is."""
        return f"(spoken, not transcribed: the recording is kept as {self.path})"


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
        self.cut_short: Clip | None = None  # a live take whose answer was cut short (recording, transcribing)

    def answer(self, countdown: Countdown | None, wait: bool = True) -> SpokenAnswer | None:
        """The next spoken answer, transcribed and measured; None when the person quits.

        A recording that holds nothing to transcribe is asked for again; a file given with
        ``--audio`` that does raises :class:`AudioProblem` (one line naming it), or, with
        ``bad_file_ends`` (a session or a mock, whose answers so far are kept), is named in one line
        and ends the answers as if the files were used up: no later file is taken for this question.
        """
        self.cut_short = None
        if self.bad_file is not None:
            return None
        while True:
            try:
                clip = self.source.next_clip(countdown, wait)
            except BaseException:  # Ctrl-C, a signal, a closed terminal while recording
                self.cut_short = getattr(self.source, "cut_short", None)
                raise
            if clip is None:
                return None
            label = "your recording" if clip.live else clip.path.name
            try:
                self.notice(f"Transcribing {label} …")
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
            except BaseException:  # ... or while it is transcribed: the take is kept (a file is the person's)
                self.cut_short = clip if clip.live else None
                raise
            self._done.append(clip)
            settings = self.settings
            delivery = measure(transcript, settings.voice_pause_seconds, settings.voice_fillers)
            if clip.live:
                self.notice(f"Transcribed {format_duration(transcript.seconds)} of speech.")
            if transcript.unheard:
                self.notice(unheard_line(transcript, label))
            return SpokenAnswer(clip, transcript, delivery)

    def _progress(self, label: str) -> Callable[..., None]:
        """Says how far transcribing has got, a line each further tenth of the recording (a long one
        takes a minute or more: a 20-minute answer on 2 cores), and of each long stretch heard again (a
        skipped head of 2m30s took longer than the rest of a 5-minute answer, with nothing said); a
        stretch under :data:`TOLD_AGAIN_SECONDS` and a tenth of the recording is heard again quietly
        (several short ones each told would be a column of lines for seconds of work). A stretch over
        one heard before is heard once more because words the first pass wrote after that one repeated
        what it held."""
        said: list[Any] = [0.0, None, 0.0]  # how far the last line said; the stretch heard again; length
        heard: dict[tuple[float, float], str] = {}  # each stretch heard again: why
        fmt = format_duration

        def tell(done: float, total: float, again: tuple[float, float] | None = None) -> None:
            where = "" if again is None else f"{fmt(again[0])}–{fmt(again[1])} again: "
            if again is None:
                said[2] = max(said[2], total)  # the recording's length, from the first pass
            elif again not in heard:
                over = any(a < again[1] and again[0] < b for a, b in heard)
                repeat = "what was first written there repeated earlier words"
                heard[again] = repeat if over else "skipped the first time"
            if again is not None and again[1] - again[0] < min(TOLD_AGAIN_SECONDS, said[2] / 10):
                return
            if again is not None and again != said[1]:  # a stretch starts again from its own start
                said[:2] = [0.0, again]
                self.notice(f"Transcribing {label} … hearing {where[:-2]} ({heard[again]})")
            elif total > 0 and done < total and done - said[0] >= total / 10:
                said[0] = done
                self.notice(f"Transcribing {label} … {where}{fmt(done)} of {fmt(total)}")

        return tell

    def keep_cut_short(self, key: str, told: bool) -> KeptClip | None:
        """Keep the take of an answer to ``key`` cut short while it was recorded or transcribed; None
        when nothing was kept (no take, one under a second)."""
        clip, self.cut_short = self.cut_short, None
        keep = getattr(self.source, "keep", None)
        kept = None if clip is None or keep is None else keep(clip, key, told)
        return None if kept is None else KeptClip(kept.path, kept.line(), clip.stopped_at)  # type: ignore[union-attr]

    def keep_unstored(self, key: str) -> Path | None:
        """Keep the live take of the answer to ``key`` that the database would not take (transcribed but
        never stored, so still held), as a take cut short is; where (None: no live take, or under a
        second of sound)."""
        keep = getattr(self.source, "keep", None)
        live = [clip for clip in self._done if clip.live]
        if keep is None or not live:
            return None
        self._done.remove(live[-1])
        kept = keep(live[-1], key, True)
        return None if kept is None else kept.path

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

    def stored(self) -> None:
        """The answers transcribed so far are stored (rated, or kept in history): let go of their
        recordings now (kept with ``voice_keep_recordings``, renamed so that they never look like takes
        cut short), not at the session's end, which a mockprep killed outright never reaches (the next
        command would say each graded answer's take was cut short)."""
        done, self._done = self._done, []
        keep = getattr(self.source, "keep_on_purpose", None)
        for clip in done:
            if not self.settings.voice_keep_recordings:
                self.source.release(clip)
            elif keep is not None:
                keep(clip)

    def close(self) -> None:
        """Let go of the recordings still held (see :meth:`stored`)."""
        self.stored()


def keep_take(voice: Voice, store: Store, ui: PracticeUI, key: str, ended: BaseException) -> KeptClip | None:
    """Keep the live take (if any) of an answer to ``key`` that ``ended`` cut short, and say where it
    is, unless the terminal is gone (SIGHUP, its input/output error): the next command says it then."""
    import signal

    from mockprep.practice.pipeline import SessionInterrupted

    told = isinstance(ended, KeyboardInterrupt) or (
        isinstance(ended, SessionInterrupted) and ended.args[:1] != (int(signal.SIGHUP),)
    )
    with store.uninterrupted():
        kept = voice.keep_cut_short(key, told)
    if kept is not None and told:
        ui.notice(kept.line)
    return kept


def spoken_so_far(
    voice: Voice,
    store: Store,
    ui: PracticeUI,
    clock: Callable[[], datetime],
    record: QuestionRecord,
    shown: datetime,
    limit: float | None,
    ended: BaseException,
) -> Attempt | None:
    """A live answer cut short while it was recorded or transcribed: its take kept (see
    :func:`keep_take`) and an ungraded attempt naming it, for history; None when no take was kept."""
    from mockprep.core.grading import Assessment
    from mockprep.core.timer import AnswerTiming
    from mockprep.practice.ui import Attempt

    kept = keep_take(voice, store, ui, record.question.key, ended)
    if kept is None:
        return None
    stopped = kept.stopped_at or clock()
    timing = AnswerTiming((stopped - shown).total_seconds(), limit)
    return Attempt(record, kept.answer, timing, Assessment((), None, None, "none"), stopped)


def unheard_line(transcript: Transcript, label: str) -> str:
    """The one line saying which seconds of a recording its transcript may not hold (they are graded
    as the words say): ``Not made out: 29s–49s of answer.wav; ...``."""
    spans = ", ".join(
        f"{format_duration(math.floor(start))}–{format_duration(math.ceil(end))}"
        for start, end in transcript.unheard
    )
    return (
        f"Not made out: {spans} of {label}; the transcript, and its grade, may leave out or misstate"
        " what was said there."
    )


def _reason(problem: AudioProblem) -> str:
    """The problem without the recording's temporary file name."""
    text = str(problem)
    return text.split(": ", 1)[1].capitalize() if ": " in text else text
