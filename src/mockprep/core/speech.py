"""Spoken answers as data: the words of a transcript with their times, and the transcriber seam.

A transcriber turns an audio file into a :class:`Transcript`; the real one (faster-whisper, the
``voice`` extra) lives in :mod:`mockprep.services.voice`, and tests use a fake. Nothing here reads
audio: the practice flows only ever see these values.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

MAX_STOP_SECONDS = 0.3  # the longest silence inside one word (a stop consonant's closure is far shorter)
# Whisper goes on after the speech has ended with words of its own ("So, I'm going to show you what I'm
# going to show you.", "You know what I mean?"): a segment squeezed into the last fraction of a second of
# sound, or words of no length or after the sound. A word said takes more sound than this on average
# (short words included: 16 words a second is over three times the fastest speech) ...
MIN_SOUND_PER_WORD = 0.06
NO_LENGTH_SECONDS = 0.02  # ... and a word said lasts longer than one 20 ms frame
# Whisper's invented segments start in the speech's last fraction of a second (0.2 s) or after it; one
# that starts earlier holds speech, however little sound is under it.
NEAR_THE_END = 0.5
# Whisper may skip speech outright: with a prompt it has been seen to jump over the first 13-30 s of an
# answer. A stretch under no word holding this much sound is speech it did not write down (words abut
# in Whisper's times, so a pause between two words holds next to no sound).
UNHEARD_SECONDS = 1.5
# Whisper conditioned on its own earlier text (and the filler prompt) may write that text again where
# something else was said ("Second, variance, which is ..." at 83 s of an answer that said it at 61 s
# and went on to regularisation). Runs of this many words said word for word before, over half a
# segment, are such a repeat; a speaker repeats some (7 words in "adds lambda times the sum of the"
# twice, 6 of 78 in a segment) but not most of a segment.
REPEAT_RUN = 5


class VoiceUnavailable(RuntimeError):
    """Speech cannot be used on this machine (no extra, no model, no microphone): one line saying
    what is missing and what to install."""


class AudioProblem(ValueError):
    """An audio file or a recording that cannot be graded: unreadable, empty, silent. One line."""


class SilentAudio(AudioProblem):
    """A recording that holds no sound at all (a live one: the microphone may be muted)."""


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
    # Stretches (start, end seconds) of speech the words may not hold: sound under no word that hearing
    # again could not make out, or words standing there only as a repeat of earlier ones.
    unheard: tuple[tuple[float, float], ...] = ()

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
    stopped_at: datetime | None = None  # when a live recording was stopped (its answer's end)


class Transcriber(Protocol):
    """Turns an audio file (WAV, FLAC, MP3) into a transcript with word times.

    Raises :class:`AudioProblem` for a file that cannot be read or holds only silence, and
    :class:`VoiceUnavailable` when the model cannot be loaded.
    """

    name: str

    def transcribe(self, audio: Path, progress: Callable[..., None] | None = None) -> Transcript:
        """``progress`` is told (seconds transcribed, seconds in all) as the work goes on; of a stretch
        transcribed again, (seconds of it done, its seconds, (its start, its end))."""


def tighten(
    words: tuple[Word, ...], voiced: list[bool], frame_seconds: float, sound: list[bool] | None = None
) -> tuple[Word, ...]:
    """The words with their times fitted to the sound, so that the gaps between them are the silences.

    ``voiced`` says, frame by frame (``frame_seconds`` each), whether the recording holds sound.
    A transcriber stretches a word over the silence after it (Whisper gives the last word before a
    pause an end seconds late), which would hide the pause: each word's start moves forward to its
    first voiced frame and its end back to its last. And it may skip speech it could not make out
    (at the edge of its 30-second windows), which would look like a pause: where a gap between two
    words holds sound, the gap shrinks to the longest silence in it. And it may place a word wholly in
    a silence (the first word after a 3 s pause, 0.3 s before its sound), which would split the pause
    in two: a word over no voiced frame moves to the nearest edge of the sound, lasting no time there.

    ``sound`` (frames with any sound above the recording's background; ``voiced`` when None) decides what
    is wholly in a silence: speech said quietly (a phrase, a last sentence 30 dB under the rest) is
    under no voiced frame, yet sound, and such a word is fitted to that sound instead of moved.
    """
    fitted = [_fit(word, voiced, frame_seconds, voiced if sound is None else sound) for word in words]
    for i in range(1, len(fitted)):
        before, after = fitted[i - 1], fitted[i]
        first, last = _frame(before.end, frame_seconds), _frame(after.start, frame_seconds)
        quiet = _longest_silence(voiced, first, min(last, len(voiced)))
        if quiet is not None and (quiet[1] - quiet[0]) < last - first:
            end = max(before.end, round(quiet[0] * frame_seconds, 2))
            start = min(after.start, max(end, round(quiet[1] * frame_seconds, 2)))
            fitted[i - 1] = Word(before.text, before.start, end)
            fitted[i] = Word(after.text, start, max(start, after.end))
    return tuple(fitted)


def heard_words(
    segments: Sequence[tuple[Word, ...]], sound: list[bool], frame_seconds: float
) -> tuple[Word, ...]:
    """The words of a transcriber's ``segments`` without those it invented after the speech ended.

    ``sound`` says, frame by frame, whether the recording holds any sound above its own background
    (a quiet recording's speech, a last sentence said far quieter, are sound). Only a segment after the
    first that starts within :data:`NEAR_THE_END` of the sound's end, or after it, is judged: it goes
    when its words have less than :data:`MIN_SOUND_PER_WORD` of sound each under them. Then a last word
    that lasts no longer than :data:`NO_LENGTH_SECONDS` or starts once the sound is over goes, and with
    it the rest of its segment when that segment is so judged ("You know what I mean?" keeps no "You
    know what"). A real last word stays, however far Whisper stretches it past the sound; the first
    word always stays.
    """
    over = _sound_end(sound, frame_seconds)
    kept = [segment for segment in segments if segment]
    while len(kept) > 1 and _late(kept[-1], over) and _invented(kept[-1], sound, frame_seconds):
        kept.pop()
    while kept:
        words = list(kept[-1])
        while words and (words[-1].end - words[-1].start <= NO_LENGTH_SECONDS or words[-1].start >= over):
            words.pop()
        if len(words) == len(kept[-1]):
            break
        if len(kept) > 1 and (not words or _late(kept[-1], over)):
            kept.pop()
            continue
        kept[-1] = tuple(words) or kept[-1][:1]
        break
    return tuple(word for segment in kept for word in segment)


def unheard_stretches(
    words: Sequence[Word], sound: list[bool], frame_seconds: float, least: float = UNHEARD_SECONDS
) -> list[tuple[float, float]]:
    """The stretches, as (start, end) seconds, before the first word, between two words and after the
    last, that hold at least ``least`` seconds of sound (``sound`` frame by frame): speech the
    transcriber left out, to be transcribed again."""
    ends = [0.0, *(t for w in words for t in (w.start, w.end)), len(sound) * frame_seconds]
    out = []
    for start, end in zip(ends[::2], ends[1::2], strict=True):
        first, last = _frame(start, frame_seconds), min(len(sound), _frame(end, frame_seconds))
        if sum(sound[first:last]) * frame_seconds >= least:
            out.append((round(start, 2), round(end, 2)))
    return out


def repeated(segments: Sequence[Sequence[str]], run: int = REPEAT_RUN) -> list[bool]:
    """For each segment (its words), whether over half its words lie in runs of ``run`` words or more
    that an earlier segment holds word for word (case and punctuation aside): text a transcriber may
    have written again from its own context rather than heard, to be transcribed again."""
    folded = [[w for w in (_fold(text) for text in words) if w] for words in segments]
    seen: set[tuple[str, ...]] = set()
    out = []
    for words in folded:
        covered = [False] * len(words)
        for i in range(len(words) - run + 1):
            if tuple(words[i : i + run]) in seen:
                covered[i : i + run] = [True] * run
        out.append(bool(words) and 2 * sum(covered) > len(words))
        seen.update(tuple(words[i : i + run]) for i in range(len(words) - run + 1))
    return out


@dataclass(frozen=True)
class Heard:
    """One of a transcriber's segments: its word pieces (text, start, end) and how sure it is of them."""

    pieces: tuple[tuple[str, float, float], ...]
    no_speech: float  # the transcriber's probability that the segment holds no speech
    logprob: float  # the mean log probability of its tokens

    @property
    def start(self) -> float:
        return self.pieces[0][1] if self.pieces else 0.0


def repeating(first: Sequence[Heard], again: Sequence[Heard], run: int = REPEAT_RUN) -> set[int]:
    """The indexes of the ``first`` segments (heard with the prompt) that are :func:`repeated`, in time
    order among ``first`` and ``again`` (heard once more without it): a prompted segment may repeat text
    that only hearing a stretch again found (said at 29 s, written by the prompted pass at 49 s over
    other speech). A segment of ``again`` is never such a repeat: heard on its own, without the prompt
    or the text around it, what it repeats was said again."""
    both: list[tuple[Heard, int | None]] = [(s, i) for i, s in enumerate(first)] + [(s, None) for s in again]
    order = sorted(both, key=lambda p: p[0].start)
    flags = repeated([[p[0] for p in s.pieces] for s, _i in order], run)
    return {i for (_s, i), flag in zip(order, flags, strict=True) if flag and i is not None}


def cut(segment: Heard, stretches: Sequence[tuple[float, float]]) -> list[Heard]:
    """The segment in parts, one for the words between each two ``stretches`` (in time order)."""
    parts: dict[int, list[tuple[str, float, float]]] = {}
    for piece in segment.pieces:
        parts.setdefault(sum(end <= piece[1] for _start, end in stretches), []).append(piece)
    return [Heard(tuple(p), segment.no_speech, segment.logprob) for p in parts.values()] or [segment]


def still_unheard(
    repeats: Sequence[Heard], heard: Sequence[Heard], sound: list[bool], frame_seconds: float
) -> list[Heard]:
    """The words of ``repeats`` in stretches of sound that ``heard`` still leaves under no word: a
    speaker may say a passage again, and where hearing it again without the prompt finds nothing
    (Whisper judges the short last window of a clip likely silence), the repeat stands."""
    words = sorted((Word(*p) for s in heard for p in s.pieces if p[0].strip()), key=lambda w: w.start)
    left = unheard_stretches(words, sound, frame_seconds)

    def inside(piece: tuple[str, float, float]) -> bool:
        return any(start <= (piece[1] + piece[2]) / 2 <= end for start, end in left)

    parts = [Heard(tuple(filter(inside, s.pieces)), s.no_speech, s.logprob) for s in repeats]
    return [part for part in parts if part.pieces]


def not_made_out(
    words: Sequence[Word], stood: Sequence[Heard], sound: list[bool], frame_seconds: float
) -> tuple[tuple[float, float], ...]:
    """What a transcript's ``words`` may not hold (:attr:`Transcript.unheard`), in time order, overlaps
    joined: the :func:`unheard_stretches` they leave, and the time of each repeat that ``stood`` for
    want of anything heard there again."""
    spans = unheard_stretches(words, sound, frame_seconds)
    spans += [(s.pieces[0][1], s.pieces[-1][2]) for s in stood if s.pieces]
    out: list[tuple[float, float]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return tuple((round(float(start), 2), round(float(end), 2)) for start, end in out)


def _fold(word: str) -> str:
    return re.sub(r"[^\w']", "", word.lower())


def spoken_words(pieces: Iterable[tuple[str, float, float]]) -> tuple[Word, ...]:
    """Whisper's word pieces as words. A piece that does not start with a space goes on the word
    before it: "forty thousand" comes as " 40" and ",000", which joined with a space read as two
    numbers ("40 ,000", graded as 0); so do "%", "'m" and a decimal's ".5"."""
    return tuple(word for segment in spoken_segments([pieces]) for word in segment)


def spoken_segments(segments: Iterable[Iterable[tuple[str, float, float]]]) -> list[tuple[Word, ...]]:
    """Whisper's segments of word pieces as segments of words (see :func:`spoken_words`; a piece
    goes on the word before it across a segment's edge too)."""
    out: list[list[Word]] = []
    for pieces in segments:
        words: list[Word] = []
        for text, start, end in pieces:
            if not text.strip():
                continue
            before = words or (out[-1] if out else [])
            if before and not text[0].isspace():
                last = before[-1]
                before[-1] = Word(last.text + text.rstrip(), last.start, round(end, 2))
            else:
                words.append(Word(text.strip(), round(start, 2), round(end, 2)))
        if words:
            out.append(words)
    return [tuple(words) for words in out]


def _late(segment: tuple[Word, ...], over: float) -> bool:
    """Whether ``segment`` starts near the sound's end (``over``) or after it."""
    return segment[0].start >= over - NEAR_THE_END


def _invented(segment: tuple[Word, ...], sound: list[bool], frame_seconds: float) -> bool:
    first = _frame(segment[0].start, frame_seconds)
    last = min(len(sound), max(first + 1, _frame(segment[-1].end, frame_seconds)))
    heard = sum(sound[first:last]) * frame_seconds
    return heard < MIN_SOUND_PER_WORD * len(segment)


def _sound_end(sound: list[bool], frame_seconds: float) -> float:
    """When the recording's last frame of sound ends (0 with none)."""
    last = next((i for i in range(len(sound) - 1, -1, -1) if sound[i]), -1)
    return round((last + 1) * frame_seconds, 2)


def _frame(seconds: float, frame_seconds: float) -> int:
    return max(0, int(round(seconds / frame_seconds)))


def _fit(word: Word, voiced: list[bool], frame_seconds: float, sound: list[bool]) -> Word:
    first = min(len(voiced), int(word.start / frame_seconds))
    last = min(len(voiced), max(first + 1, _frame(word.end, frame_seconds)))
    frames = _loudest_stretch([i for i in range(first, last) if voiced[i]], frame_seconds)
    if not frames:  # quiet speech: fitted to its sound
        frames = _loudest_stretch([i for i in range(first, min(last, len(sound))) if sound[i]], frame_seconds)
    if not frames:
        return _to_the_sound(word, sound, min(first, len(sound)), min(last, len(sound)), frame_seconds)
    start = max(word.start, round(frames[0] * frame_seconds, 2))
    end = min(word.end, round((frames[-1] + 1) * frame_seconds, 2))
    return Word(word.text, start, max(start, end))


def _to_the_sound(word: Word, sound: list[bool], first: int, last: int, frame_seconds: float) -> Word:
    """A word over no frame of sound (``[first, last)``), as a word of no length at the nearer edge of the
    sound around it: the end of the sound before it or the start of the sound after it (as it was
    with no sound at all)."""
    before = next((i + 1 for i in range(min(first, len(sound)) - 1, -1, -1) if sound[i]), None)
    after = next((i for i in range(last, len(sound)) if sound[i]), None)
    if before is None and after is None:
        return word
    edges = [round(i * frame_seconds, 2) for i in (before, after) if i is not None]
    edge = min(edges, key=lambda t: word.start - t if t <= word.start else t - word.end)
    return Word(word.text, edge, edge)


def _loudest_stretch(frames: list[int], frame_seconds: float) -> list[int]:
    """Of the voiced ``frames`` under one word, the stretch that holds most of them, where a silence
    longer than :data:`MAX_STOP_SECONDS` ends a stretch: no word holds such a silence, so sound on
    both sides of one is the word and a neighbour's edge (Whisper gives the last word before a pause
    an end at the next word's first sound, seconds later)."""
    if not frames:
        return frames
    longest = MAX_STOP_SECONDS / frame_seconds
    stretches, current = [], [frames[0]]
    for frame in frames[1:]:
        if frame - current[-1] - 1 > longest:
            stretches.append(current)
            current = []
        current.append(frame)
    stretches.append(current)
    return max(stretches, key=len)  # (the first of the longest)


def _longest_silence(voiced: list[bool], first: int, last: int) -> tuple[int, int] | None:
    """The longest run of silent frames in ``[first, last)`` as (first, past the end); None when the
    range holds no frame."""
    if last <= first:
        return None
    best, run = (first, first), first
    for i in range(first, last):
        if voiced[i]:
            run = i + 1
        elif i + 1 - run > best[1] - best[0]:
            best = (run, i + 1)
    return best
