"""How long an answer lasts told aloud, for a question that asks to be told at a length.

A question asks for a telling of a length when its prompt says so: "walk me through it in about two
minutes", "in 90 seconds", "give me your two-minute pitch". Its aim is that length, and "about" it is
:func:`mockprep.core.stories.telling_range` (1m30s-2m30s for two minutes), the one notion the story
check, a rehearsal and a session's clock share. A behavioral question asks for a story, told in about
two minutes by the same notion, though its prompt names no length.

A typed answer lasts its words at the story check's pace (150 words a minute); a spoken one its own
time. Under half the aim (where a rehearsal says "much shorter than the target") an answer is a
summary, not the telling asked for: to a question that asked for the length, it is suggested hard at
most, whatever key points it names (an interviewer who asked for two minutes and got 25 seconds
noticed). A behavioral question that names no length is shown its length but not held down by it: on
the labelled answers of benchmarks/grading, an interviewer rated typed stories of 30 seconds easy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from mockprep.core.durations import format_duration
from mockprep.core.stories import TELLING_AIM_SECONDS, telling_range
from mockprep.core.story_check import WORDS_PER_MINUTE, count_words

if TYPE_CHECKING:
    from mockprep.core.grading import Assessment
    from mockprep.core.questions import QuestionSpec

FAR_SHORT = 0.5  # under this share of the aim a telling leaves parts out (a rehearsal's "much shorter")
FAR_SHORT_CEILING = 2  # ... and is suggested hard at most, when the question asked for the length

_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40,
    "forty-five": 45, "fifty": 50, "sixty": 60, "ninety": 90,
}  # fmt: skip
_NUMBER = r"(\d+(?:\.\d+)?|forty-five|" + "|".join(n for n in _NUMBERS if n != "forty-five") + ")"
_UNIT = r"(minute|min|second|sec)s?"
# "in about two minutes", "in under 90 seconds", "within three minutes"
_IN_TIME = re.compile(
    rf"\b(?:in|within)\s+(?:about\s+|around\s+|roughly\s+|under\s+|less\s+than\s+|no\s+more\s+than\s+"
    rf"|at\s+most\s+|just\s+|only\s+)?{_NUMBER}\s+{_UNIT}\b",
    re.IGNORECASE,
)
# "your two-minute pitch", "a 90-second elevator pitch": a length that names the answer itself
_N_UNIT_TELLING = re.compile(
    rf"\b{_NUMBER}[- ]{_UNIT}\s+(?:[a-z]+[- ])?(?:pitch|summary|overview|version|walk-?through"
    rf"|introduction|intro|story|answer|explanation|rundown|description|update)\b",
    re.IGNORECASE,
)


# ... said of the answer: "in two minutes" asks for a length only with a verb of telling before it in its
# sentence ("walk me through it in two minutes"), or after it when it opens the sentence ("In two minutes,
# tell me..."): not of what happens in the question ("a job that ends in 20 minutes")
_TELL = re.compile(
    r"\b(?:walk|tell|explain|describe|pitch|summari[sz]e|present|introduce|talk|take\s+me|run\s+me"
    r"|go\s+through|sell|answer|give\s+me)\b",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.?!;]\s")
SHORTEST, LONGEST = 10.0, 600.0  # a length outside these is no telling's (a second; a 20-minute talk)


def asked_length(prompt: str) -> float | None:
    """The length in seconds a prompt asks its answer to be told in; None when it names none."""
    found = _N_UNIT_TELLING.search(prompt)
    if found is None:
        found = next((m for m in _IN_TIME.finditer(prompt) if _TELL.search(_clause_of(prompt, m))), None)
    if found is None:
        return None
    number, unit = found.group(1).lower(), found.group(2).lower()
    value = float(number) if number[0].isdigit() else float(_NUMBERS[number])
    seconds = value * (60 if unit.startswith("min") else 1)
    return seconds if SHORTEST <= seconds <= LONGEST else None


def _clause_of(text: str, match: re.Match[str]) -> str:
    """What tells of ``match`` in its sentence: the part before it, or the rest of the sentence when it
    opens it ("In about three minutes, tell me...")."""
    before = text[: match.start()]
    ends = list(_SENTENCE_END.finditer(before))
    before = before[ends[-1].end() :] if ends else before
    if before.strip():
        return before
    end = _SENTENCE_END.search(text, match.end())
    return text[match.end() : end.start() if end else len(text)]


@dataclass(frozen=True)
class Telling:
    """How long an answer lasts told aloud against the length its question aims at."""

    seconds: float  # told aloud: a typed answer's words at WORDS_PER_MINUTE, a spoken answer's time
    aim: float
    asked: bool  # the prompt asked for the length (else a behavioral story's two minutes)
    words: int | None = None  # a typed answer's words (None: spoken, timed)

    @property
    def within(self) -> bool:
        """Whether it lasts "about" the aim (:func:`~mockprep.core.stories.telling_range`)."""
        low, high = telling_range(self.aim)
        return low <= self.seconds <= high

    @property
    def far_short(self) -> bool:
        return self.seconds < FAR_SHORT * self.aim

    @property
    def ceiling(self) -> int | None:
        """The highest rating to suggest for the answer's length (None: its length holds nothing down)."""
        return FAR_SHORT_CEILING if self.asked and self.far_short else None

    def line(self) -> str:
        """``Told aloud about 24s (61 words at 150 a minute): under half of about 2m (1m30s-2m30s)``
        (one line at 100 columns)."""
        low, high = telling_range(self.aim)
        length = format_duration(self.seconds)
        told = (
            f"Told in {length}"
            if self.words is None
            else f"Told aloud about {length} ({self.words} words at {WORDS_PER_MINUTE} a minute)"
        )
        about = f"about {format_duration(self.aim)} ({format_duration(low)}-{format_duration(high)})"
        if self.far_short:
            verdict = f"under half of {about}"
        elif self.seconds < low:
            verdict = f"short of {about}"
        elif self.seconds <= high:
            verdict = f"within {about}"
        else:
            verdict = f"over {about}: an interviewer cuts in"
        return f"{told}: {verdict}"

    def why(self) -> str:
        """Why the suggestion is held down, said beside it."""
        length, aim = format_duration(self.seconds), format_duration(self.aim)
        return (
            f"Suggested hard at most: about {length} told aloud, under half the {aim} asked for"
            " (you may rate higher)."
        )


def telling_of(
    spec: QuestionSpec, round: str, answer: str, spoken_seconds: float | None = None
) -> Telling | None:
    """The telling of an answer to a question that asks for one (None: the question does not, or
    nothing was typed or said). ``spoken_seconds``: a spoken answer's own time (else its words count)."""
    asked = asked_length(spec.prompt)
    if asked is None and round != "behavioral":
        return None
    aim = asked if asked is not None else TELLING_AIM_SECONDS
    if spoken_seconds is not None:
        return Telling(spoken_seconds, aim, asked is not None) if answer.strip() else None
    words = count_words(answer)
    if not words:
        return None
    return Telling(words * 60 / WORDS_PER_MINUTE, aim, asked is not None, words)


def held_to(assessment: Assessment, telling: Telling | None) -> Assessment:
    """The assessment with its suggestion held to the telling's ceiling (unchanged when it has none)."""
    ceiling = None if telling is None else telling.ceiling
    if ceiling is None:
        return assessment
    if assessment.ceiling is not None:
        ceiling = min(ceiling, assessment.ceiling)
    suggested = None if assessment.suggested is None else min(assessment.suggested, ceiling)
    return replace(assessment, suggested=suggested, ceiling=ceiling)
