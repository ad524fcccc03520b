"""How long an answer lasts told aloud, for a question that asks to be told at a length.

A question asks for a telling of a length when its prompt says so: "walk me through it in about two
minutes", "in 90 seconds", "give me your two-minute pitch". Its aim is that length, and "about" it is
:func:`mockprep.core.stories.telling_range` (1m30s-2m30s for two minutes), the one notion the story
check, a rehearsal and a session's clock share. A behavioral question asks for a story, told in about
two minutes by the same notion, though its prompt names no length. A length of what happens in the
question ("a time you had to fix an outage in 10 minutes") is not the answer's. "In under two minutes",
"within 90 seconds", "you have two minutes" ask for at most that long: a limit, which an answer may
go over but not fall short of.

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

from mockprep.core.stories import TELLING_AIM_SECONDS, edge_text, telling_range, told_length
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
_NUMBER = r"(?P<n>\d+(?:\.\d+)?|forty-five|" + "|".join(n for n in _NUMBERS if n != "forty-five") + ")"
_UNIT = r"(?P<u>minute|min|second|sec)s?"
_LIMIT = (
    r"under|below|less\s+than|fewer\s+than|no\s+more\s+than|not\s+more\s+than|no\s+longer\s+than|at\s+most"
)
_ABOUT = r"about|around|roughly|approximately|just|only"
# "in about two minutes", "in under 90 seconds", "within three minutes", "in 30 seconds or less"
_IN_TIME = re.compile(
    rf"\b(?P<within>in|within)\s+(?:(?:{_ABOUT})\s+|(?P<under>{_LIMIT})\s+)?{_NUMBER}\s+{_UNIT}\b"
    r"(?P<or_less>\s*(?:or\s+(?:less|fewer|under|shorter)|max(?:imum)?|tops|at\s+(?:the\s+)?most)\b)?",
    re.IGNORECASE,
)
# "Take two minutes to walk me through it", "You have 90 seconds: pitch it" (a limit)
_GIVEN_TIME = re.compile(
    rf"\b(?:take|spend|use|(?P<within>you(?:\s+have|\s*['’]ve|\s+get)(?:\s+got)?))\s+"
    rf"(?:(?:{_ABOUT})\s+|(?P<under>{_LIMIT}|up\s+to)\s+)?{_NUMBER}\s+{_UNIT}\b",
    re.IGNORECASE,
)
# "your two-minute pitch", "a 90-second elevator pitch": a length that names the answer itself
_N_UNIT_TELLING = re.compile(
    rf"\b{_NUMBER}[- ]{_UNIT}\s+(?:[a-z]+[- ])?(?:pitch|summary|overview|version|walk-?through"
    rf"|introduction|intro|story|answer|explanation|rundown|description|update)\b",
    re.IGNORECASE,
)

# "in two minutes" is said of the answer when it follows a verb of telling and what the verb tells
# ("walk me through it in two minutes", "explain backpropagation in two minutes"), or stands apart from
# the sentence that asks ("In two minutes, tell me...", "Tell me about a time you failed, in two
# minutes"). Not when a clause comes between, where it is a length of what happens in the question:
# "a time you had to fix an outage in 10 minutes", "a request that must be answered in 90 seconds",
# "check if the loss spikes within 5 minutes of starting", "a job that ends in 20 minutes".
_TELL = re.compile(
    r"\b(?:walk|tell|explain|describe|pitch|summari[sz]e|present|introduce|talk|take\s+me|run\s+me"
    r"|go\s+through|sell|answer|give\s+me|deliver)\b",
    re.IGNORECASE,
)
_CLAUSE = re.compile(
    r"\b(?:that|which|who|whom|whose|where|when|whenever|while|if|whether|why|how|what|whatever|because"
    r"|since|until|unless|after|before|once|must|had|has|have|having|need|needs|needed|should|would"
    r"|could|can|will|might|may|shall|is|are|was|were|been|being|did|does|do|done|i|we|you|they|he|she"
    r"|a\s+time|the\s+time|times)\b",
    re.IGNORECASE,
)
# a length measured from or repeated in what happens: "within 5 minutes of starting", "every night"
_OF_EVENTS = re.compile(
    r"\s*(?:of|after|before|from|per|each|every|later|earlier|ago|than|a\s+(?:day|night|week|month|year))\b",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<!\.)\.(?!\.)(?:\s|$)|[?!;](?:\s|$)")
_APART = re.compile(r",|:|\(|\)|—|–|\s-\s|\.\.\.|…")  # a pause that sets a phrase apart in its sentence
_FILLER = re.compile(
    r"\s*(?:so|now|ok|okay|please|and|or|but|then|just|briefly|quickly|well|right"
    r"|in\s+\S+\s+(?:sentences?|words?|lines?|points?|bullets?))\b",
    re.IGNORECASE,
)
_ENDS_PHRASE = re.compile(rf"\s*(?:[,:;.?!)…—–]|-\s|$|(?:please\s+)?{_TELL.pattern})", re.IGNORECASE)
_THEN_TELL = re.compile(rf"\s*(?:to|:|,|—|-)?\s*(?:please\s+)?{_TELL.pattern}", re.IGNORECASE)
SHORTEST, LONGEST = 10.0, 600.0  # a length outside these is no telling's (a second; a 20-minute talk)


@dataclass(frozen=True)
class AskedLength:
    """The length a prompt asks its answer to be told in: about ``seconds``, or at most (``limit``:
    "in under two minutes", "within 90 seconds", "you have two minutes")."""

    seconds: float
    limit: bool = False


def asked_length(prompt: str) -> AskedLength | None:
    """The length a prompt asks its answer to be told in; None when it names none."""
    found = next((m for m in _N_UNIT_TELLING.finditer(prompt) if _names_the_answer(prompt, m)), None)
    if found is None:
        found = next((m for m in _GIVEN_TIME.finditer(prompt) if _time_given(prompt, m)), None)
    if found is None:
        found = next((m for m in _IN_TIME.finditer(prompt) if _said_of_answer(prompt, m)), None)
    if found is None:
        return None
    number, unit = found.group("n").lower(), found.group("u").lower()
    value = float(number) if number[0].isdigit() else float(_NUMBERS[number])
    seconds = value * (60 if unit.startswith("min") else 1)
    groups = found.groupdict()
    given = (groups.get("within") or "").lower()  # "within", or "you have" (a time given to answer in)
    limit = bool(groups.get("under") or groups.get("or_less")) or given == "within" or given.startswith("you")
    return AskedLength(seconds, limit) if SHORTEST <= seconds <= LONGEST else None


def _sentence(text: str, match: re.Match[str]) -> tuple[str, str]:
    """The parts of ``match``'s sentence before and after it."""
    ends = list(_SENTENCE_END.finditer(text, 0, match.start()))
    start = ends[-1].end() if ends else 0
    end = _SENTENCE_END.search(text, match.end())
    return text[start : match.start()], text[match.end() : end.start() if end else len(text)]


def _apart(before: str) -> bool:
    """Whether what ends at ``before`` opens its sentence or follows a pause, with only filler words
    between ("In two minutes, ...", "..., in two minutes", "Explain, in 3 sentences or in 1 minute")."""
    pauses = list(_APART.finditer(before))
    rest = before[pauses[-1].end() :] if pauses else before
    return not _FILLER.sub("", rest).strip()


# "What is your 60-second pitch?", "Let's hear your two-minute summary": the answer asked for
_ASKS_FOR_YOURS = re.compile(
    r"\b(?:what(?:['’]s|\s+is|\s+would\s+be)|let['’]s\s+hear|share)\s+your\s+$", re.IGNORECASE
)


# "Give us a two-minute summary", "Please give a 2-minute summary", "I'd like a 2-minute summary",
# "Can you give me your 90-second pitch": asked for, the whole sentence up to it
_GIVE_ME = re.compile(
    r"(?:please\s+)?(?:(?:can|could)\s+you\s+)?(?:please\s+)?(?:give|deliver|provide|prepare)(?:\s+(?:me|us))?"
    r"\s+(?:a|an|your|the)\s+$|(?:i|we)(?:['’]d|\s+would)\s+like\s+(?:a|an|your|the)\s+$",
    re.IGNORECASE,
)


def _names_the_answer(text: str, match: re.Match[str]) -> bool:
    """Whether "your two-minute pitch" names the answer asked for: asked for directly ("Give me the
    30-second version", "Deliver a 90-second summary", "What is your 60-second pitch?"), not what
    happens in the question ("the 10-minute update you gave to the CEO", "a time your 5-minute status
    update went badly", "How did you prepare the 3-minute summary?")."""
    before, after = _sentence(text, match)
    if _ASKS_FOR_YOURS.search(before) or _GIVE_ME.match(before.strip() + " "):
        return _CLAUSE.match(after.lstrip()) is None  # (not "the 10-minute update you gave")
    pauses = list(_APART.finditer(before))
    tell = _TELL.search(before, pauses[-1].end() if pauses else 0)
    if tell is None or _CLAUSE.search(before, tell.end()) is not None:
        return False
    return _CLAUSE.match(after.lstrip()) is None  # (not "... update you gave", "... summary that")


def _said_of_answer(text: str, match: re.Match[str]) -> bool:
    """Whether "in N minutes" is said of how long to answer (see _TELL above)."""
    before, after = _sentence(text, match)
    if _OF_EVENTS.match(after):
        return False
    if _apart(before):
        return bool(_ENDS_PHRASE.match(after)) and bool(_TELL.search(before + " " + after))
    # the first verb of telling after the last pause (else in the sentence): a later one may be inside
    # a clause ("a time you had to present in 5 minutes")
    pauses = list(_APART.finditer(before))
    tell = _TELL.search(before, pauses[-1].end() if pauses else 0) or _TELL.search(before)
    return tell is not None and _CLAUSE.search(before, tell.end()) is None


def _time_given(text: str, match: re.Match[str]) -> bool:
    """Whether "take two minutes" / "you have two minutes" opens its sentence and a telling follows."""
    before, after = _sentence(text, match)
    return _apart(before) and bool(_THEN_TELL.match(after))


@dataclass(frozen=True)
class Telling:
    """How long an answer lasts told aloud against the length its question aims at."""

    seconds: float  # told aloud: a typed answer's words at WORDS_PER_MINUTE, a spoken answer's time
    aim: float
    asked: bool  # the prompt asked for the length (else a behavioral story's two minutes)
    words: int | None = None  # a typed answer's words (None: spoken, timed)
    limit: bool = False  # the prompt asked for at most the length ("in under two minutes"), not about it

    @property
    def within(self) -> bool:
        """Whether it lasts "about" the aim (:func:`~mockprep.core.stories.telling_range`), or no longer
        than a limit."""
        if self.limit:
            return self.seconds <= self.aim
        low, high = telling_range(self.aim)
        return low <= self.seconds <= high

    @property
    def far_short(self) -> bool:
        """Under half the aim (a rehearsal's "much shorter"); never of a limit, which a short answer keeps."""
        return not self.limit and self.seconds < FAR_SHORT * self.aim

    @property
    def ceiling(self) -> int | None:
        """The highest rating to suggest for the answer's length (None: its length holds nothing down)."""
        return FAR_SHORT_CEILING if self.asked and self.far_short else None

    def line(self) -> str:
        """``Told aloud about 24s (61 words at 150 a minute): under half of about 2m (1m30s-2m30s)``
        (one line at 100 columns). The length is worded so that it never contradicts the verdict
        (:func:`~mockprep.core.stories.told_length`: "just under 1m" for 59.8 s of 2m)."""
        aim = edge_text(self.aim)
        if self.limit:
            length = told_length(self.seconds, edges=(self.aim,))
            verdict = (
                f"within the {aim} limit" if self.within else f"over the {aim} limit: an interviewer cuts in"
            )
        else:
            low, high = telling_range(self.aim)
            length = told_length(self.seconds, edges=(FAR_SHORT * self.aim, low, high))
            about = f"about {aim} ({edge_text(low)}-{edge_text(high)})"
            if self.far_short:
                verdict = f"under half of {about}"
            elif self.seconds < low:
                verdict = f"short of {about}"
            elif self.seconds <= high:
                verdict = f"within {about}"
            else:
                verdict = f"over {about}: an interviewer cuts in"
        told = (
            f"Told in {length}"
            if self.words is None
            else f"Told aloud {length} ({self.words} words at {WORDS_PER_MINUTE} a minute)"
        )
        return f"{told}: {verdict}"

    def why(self) -> str:
        """Why the suggestion is held down, said beside it."""
        length = told_length(self.seconds, edges=(FAR_SHORT * self.aim,))
        return (
            f"Suggested hard at most: {length} told aloud, under half the {edge_text(self.aim)}"
            " asked for (you may rate higher)."
        )


def telling_of(
    spec: QuestionSpec, round: str, answer: str, spoken_seconds: float | None = None
) -> Telling | None:
    """The telling of an answer to a question that asks for one (None: the question does not, or
    nothing was typed or said). ``spoken_seconds``: a spoken answer's own time (else its words count)."""
    asked = asked_length(spec.prompt)
    if asked is None and round != "behavioral":
        return None
    aim = asked.seconds if asked is not None else TELLING_AIM_SECONDS
    limit = asked is not None and asked.limit
    if spoken_seconds is not None:
        return Telling(spoken_seconds, aim, asked is not None, limit=limit) if answer.strip() else None
    words = count_words(answer)
    if not words:
        return None
    return Telling(words * 60 / WORDS_PER_MINUTE, aim, asked is not None, words, limit)


def held_to(assessment: Assessment, telling: Telling | None) -> Assessment:
    """The assessment with its suggestion held to the telling's ceiling (unchanged when it has none)."""
    ceiling = None if telling is None else telling.ceiling
    if ceiling is None:
        return assessment
    if assessment.ceiling is not None:
        ceiling = min(ceiling, assessment.ceiling)
    suggested = None if assessment.suggested is None else min(assessment.suggested, ceiling)
    return replace(assessment, suggested=suggested, ceiling=ceiling)
