"""Delivery metrics of a spoken answer, from the word times of its transcript. Pure.

- **Pace**: words a minute over the speaking time (first word to last, pauses included), against a
  target band (130-160 by default).
- **Fillers**: um, uh, like, you know, basically, kind of (the settings' list), counted in the
  transcript, which keeps them. "Like", "you know" and "kind of"/"sort of" are also ordinary words, so
  they count only where a transcript marks them as fillers: "like" and "you know" set off by a comma
  or ending a sentence ("it was, like, hard"; "but, you know, it worked"), "kind of" and "sort of"
  unless a determiner asks for a kind ("what kind of index"). Hesitations are folded: "umm", "erm",
  "hmm" count as "um"; "uhh", "er", "ah" as "uh".
- **Pauses**: silences between two words longer than the threshold (2 s). Silence before the first
  word and after the last is not counted: transcribers place the first word's start unreliably.
- **Time**: the recording's length, against the question's limit (a live answer's is timed from the
  question to the stop instead, so its recording's length is only said).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mockprep.core.durations import format_duration
from mockprep.core.speech import Transcript
from mockprep.core.stories import REQUIRED_PARTS, StoryDraft
from mockprep.core.textnorm import content_stems
from mockprep.core.wording import plural

FILLERS = ("um", "uh", "like", "you know", "basically", "kind of")
MIN_PACE_SECONDS = 5.0  # shorter speech gives no meaningful words-a-minute figure
_TOKEN = re.compile(r"[a-z0-9']+")
_UM = re.compile(r"(u+m+|e+r+m+|h+m+|m+h*m+|u+h+m+)")
_UH = re.compile(r"(u+h+|e+r+|a+h+|e+h+)")
# Before "kind of" / "sort of", these make it a noun phrase ("what kind of index"), not a hedge.
_DETERMINERS = frozenset(
    "a an the this that these those what which any some every each one no another other same all "
    "whatever different similar".split()
)
_ASKING = frozenset("do did does don't didn't doesn't if whether".split())


@dataclass(frozen=True)
class Delivery:
    """How an answer was spoken. Counts and seconds only: rates are derived."""

    seconds: float  # the recording's length
    speaking_seconds: float  # first word's start to last word's end
    words: int
    fillers: tuple[tuple[str, int], ...] = ()  # (filler, count), in the order first said
    pauses: tuple[float, ...] = ()  # each pause over the threshold, in seconds, in order

    @property
    def filler_count(self) -> int:
        return sum(n for _f, n in self.fillers)

    @property
    def wpm(self) -> float | None:
        """Words a minute, or None when there was too little speech to say."""
        if self.speaking_seconds < MIN_PACE_SECONDS or not self.words:
            return None
        return self.words * 60.0 / self.speaking_seconds

    @property
    def fillers_per_minute(self) -> float | None:
        if self.speaking_seconds < MIN_PACE_SECONDS:
            return None
        return self.filler_count * 60.0 / self.speaking_seconds

    def to_dict(self) -> dict[str, Any]:
        return {
            "seconds": self.seconds,
            "speaking_seconds": self.speaking_seconds,
            "words": self.words,
            "fillers": dict(self.fillers),
            "pauses": list(self.pauses),
        }

    @classmethod
    def from_dict(cls, data: Any) -> Delivery:
        """The inverse of :meth:`to_dict`; raise ValueError naming the first field that is wrong."""
        if type(data) is not dict:
            raise ValueError("must be an object")
        unknown = sorted(set(data) - {"seconds", "speaking_seconds", "words", "fillers", "pauses"})
        if unknown:
            raise ValueError(f"unknown field {unknown[0]}")
        for name in ("seconds", "speaking_seconds"):
            if not _seconds(data.get(name)):
                raise ValueError(f"{name} must be a number of seconds, 0 or more")
        words = data.get("words")
        if type(words) is not int or words < 0:
            raise ValueError("words must be a whole number, 0 or more")
        fillers = data.get("fillers", {})
        if type(fillers) is not dict or not all(
            type(k) is str and k and type(v) is int and v > 0 for k, v in fillers.items()
        ):
            raise ValueError('fillers must be an object of counts, e.g. {"um": 2}')
        pauses = data.get("pauses", [])
        if type(pauses) is not list or not all(_seconds(p) for p in pauses):
            raise ValueError("pauses must be a list of seconds")
        return cls(data["seconds"], data["speaking_seconds"], words, tuple(fillers.items()), tuple(pauses))


def _seconds(value: Any) -> bool:
    return type(value) in (int, float) and math.isfinite(value) and 0 <= value < 1e7


def _token(text: str) -> tuple[str, str]:
    """A transcript word as (lower-case word, the punctuation after it)."""
    lowered = text.strip().lower().replace("’", "'")
    found = _TOKEN.findall(lowered)
    word = " ".join(found)
    tail = lowered[len(lowered.rstrip(",.;:!?…-")) :]
    return word, tail


def _fold(word: str) -> str:
    if _UM.fullmatch(word):
        return "um"
    if _UH.fullmatch(word):
        return "uh"
    return word


def find_fillers(words: Sequence[str], fillers: Sequence[str] = FILLERS) -> list[tuple[int, str]]:
    """Where the fillers are: (index of the filler's first word, filler), in order."""
    tokens = [_token(w) for w in words]
    folded = [_fold(t[0]) for t in tokens]
    phrases = sorted({tuple(f.lower().split()) for f in fillers if f.strip()}, key=len, reverse=True)
    found: list[tuple[int, str]] = []
    index = 0
    while index < len(tokens):
        for phrase in phrases:
            end = index + len(phrase)
            if tuple(folded[index:end]) == phrase and _is_filler(phrase, tokens, folded, index, end):
                found.append((index, " ".join(phrase)))
                index = end - 1
                break
        index += 1
    return found


def _is_filler(
    phrase: tuple[str, ...], tokens: list[tuple[str, str]], folded: list[str], start: int, end: int
) -> bool:
    """The context rules for the fillers that are also ordinary words (see the module's doc)."""
    before = folded[start - 1] if start else ""
    set_off = tokens[end - 1][1][:1] in (",", ".", "…") and tokens[end - 1][1][:1] != "?"
    if phrase == ("like",):
        return set_off
    if phrase == ("you", "know"):
        return set_off and before not in _ASKING
    if phrase in (("kind", "of"), ("sort", "of")):
        return before not in _DETERMINERS
    return True


def measure(transcript: Transcript, pause_seconds: float = 2.0, fillers: Sequence[str] = FILLERS) -> Delivery:
    """The delivery metrics of ``transcript``: words, fillers, pauses over ``pause_seconds``."""
    spoken = [w for w in transcript.words if w.text.strip()]
    if not spoken:
        return Delivery(transcript.seconds, 0.0, 0)
    counts: dict[str, int] = {}
    for _index, filler in find_fillers([w.text for w in spoken], fillers):
        counts[filler] = counts.get(filler, 0) + 1
    pauses = tuple(
        round(b.start - a.end, 2)
        for a, b in zip(spoken, spoken[1:], strict=False)
        if b.start - a.end > pause_seconds
    )
    speaking = max(0.0, spoken[-1].end - spoken[0].start)
    words = sum(len(_token(w.text)[0].split()) or 1 for w in spoken)
    return Delivery(round(transcript.seconds, 2), round(speaking, 2), words, tuple(counts.items()), pauses)


def pace_verdict(wpm: float | None, band: tuple[float, float]) -> str:
    """``"slow"``, ``"on pace"`` or ``"fast"`` against the band; ``""`` when there is no figure."""
    if wpm is None:
        return ""
    if wpm < band[0]:
        return "slow"
    return "fast" if wpm > band[1] else "on pace"


def pace_advice(wpm: float, band: tuple[float, float]) -> str:
    """What to do about a pace outside the band, the same either side of it: within half the band's
    width of it, "a little slow" / "a little fast"; further, "slow: speed up" / "fast: slow down".
    ``""`` within the band."""
    verdict = pace_verdict(wpm, band)
    if verdict not in ("slow", "fast"):
        return ""
    off = band[0] - wpm if verdict == "slow" else wpm - band[1]
    # (with a tolerance: 153.06 - 23.08 is 0.000000000000014 further under than 199.22 + 23.08 is over)
    if off <= (band[1] - band[0]) / 2 + 1e-9:
        return f" — a little {verdict}"
    return " — slow: speed up" if verdict == "slow" else " — fast: slow down"


@dataclass(frozen=True)
class DeliveryLine:
    """One line of the delivery report and whether it is on target (for its colour)."""

    text: str
    good: bool


def delivery_lines(
    delivery: Delivery,
    band: tuple[float, float],
    pause_seconds: float,
    limit: float | None,
    timed: float | None = None,
) -> list[DeliveryLine]:
    """What the person is told after a spoken answer: pace, fillers, pauses, time. ``timed``: the
    seconds from the question to the stop of a live answer, the time held against the limit (the
    recording's length is said beside it); None: the recording's length is."""
    low, high = (f"{b:g}" for b in band)
    wpm = delivery.wpm
    lines = []
    if wpm is None:
        lines.append(
            DeliveryLine(f"Pace: too little speech to measure ({plural(delivery.words, 'word')})", True)
        )
    else:
        advice = pace_advice(wpm, band)
        lines.append(
            DeliveryLine(f"Pace: {wpm:.0f} words a minute (target {low}-{high}){advice}", not advice)
        )
    per_minute = delivery.fillers_per_minute
    if delivery.filler_count:
        which = ", ".join(f"{f} {n}" for f, n in delivery.fillers)
        rate = "" if per_minute is None else f" ({per_minute:.1f} a minute)"
        lines.append(DeliveryLine(f"Fillers: {delivery.filler_count}{rate}: {which}", (per_minute or 0) < 2))
    else:
        lines.append(DeliveryLine("Fillers: none", True))
    if delivery.pauses:
        each = ", ".join(format_duration(p) if p >= 60 else f"{p:.1f}s" for p in delivery.pauses[:5])
        more = " …" if len(delivery.pauses) > 5 else ""
        count = plural(len(delivery.pauses), "pause")
        lines.append(DeliveryLine(f"Pauses over {pause_seconds:g}s: {count} ({each}{more})", False))
    else:
        lines.append(DeliveryLine(f"Pauses over {pause_seconds:g}s: none", True))
    spoke = format_duration(delivery.seconds)
    seconds, head = delivery.seconds, f"Time: {spoke}"
    if timed is not None:  # a live answer: the limit counts from the question to the stop
        seconds, head = timed, f"Time: {spoke} recorded; {format_duration(timed)} from the question"
    if limit is None:
        lines.append(DeliveryLine(head, True))
    elif seconds > limit:
        over = format_duration(seconds - limit)
        lines.append(DeliveryLine(f"{head}, {over} over the {format_duration(limit)} limit", False))
    else:
        of = ", within" if timed is not None else " of"
        lines.append(DeliveryLine(f"{head}{of} the {format_duration(limit)} limit", True))
    return lines


def summary_line(delivery: Delivery) -> str:
    """One line for a report: ``142 wpm · 1.3 fillers/min · 2 pauses``."""
    wpm = "-" if delivery.wpm is None else f"{delivery.wpm:.0f}"
    per_minute = delivery.fillers_per_minute
    fillers = "-" if per_minute is None else f"{per_minute:.1f}"
    return f"{wpm} wpm · {fillers} fillers/min · {plural(len(delivery.pauses), 'long pause')}"


@dataclass(frozen=True)
class PartCoverage:
    """How much of one part of a story draft the telling carried (content words said / written)."""

    part: str
    share: float
    covered: bool


def story_coverage(draft: StoryDraft, spoken: str, threshold: float = 0.5) -> list[PartCoverage]:
    """For each part the draft has, the share of its content words the spoken story used; covered
    when at least ``threshold``. A telling need not repeat the draft, only carry its substance."""
    said = set(content_stems(spoken))
    out = []
    for part, written in draft.parts().items():
        stems = set(content_stems(written))
        if not stems:
            continue
        share = len(stems & said) / len(stems)
        out.append(PartCoverage(part, round(share, 2), share >= threshold))
    return out


def coverage_line(parts: Sequence[PartCoverage]) -> str:
    """``Parts told: situation ✓, task ✓, action ✓, result ✗ (missing: result)``; a Reflection only
    when told (``..., reflection ✓``)."""
    if not parts:
        return "Parts told: the draft has no parts to compare with"
    # the optional Reflection is shown only when told: it is never missing
    told = ", ".join(
        f"{p.part} {'✓' if p.covered else '✗'}" for p in parts if p.part in REQUIRED_PARTS or p.covered
    )
    missing = [p.part for p in parts if not p.covered and p.part in REQUIRED_PARTS]
    return f"Parts told: {told}" + (f" (missing: {', '.join(missing)})" if missing else "")
