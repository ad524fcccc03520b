"""Whether a duration in a Result is an outcome or how long the work took. Pure.

The length of what was done is no result ("took two weeks to run", "over three months", "after a month
of work"), as a coach asks what it changed. A duration is an outcome where its words set a time
against another of the same thing or against a standard: in its clause ("from three days to one", "cut
review time by two weeks", "two weeks ahead of schedule", "now takes 20 minutes") or in its sentence
(:func:`compared`). Two durations of different things ("two weeks on the design and three weeks on
the build") and words of comparison that compare nothing ("after my manager asked", "whereas my
teammate was on leave", "longer than I expected") leave it the time the work took.
"""

from __future__ import annotations

import re

TIME_TAKEN = "how long something took"
TIME_UNITS = (
    "ms millisecond milliseconds sec secs second seconds min mins minute minutes hr hrs hour hours "
    "day days week weeks wk wks month months quarter quarters year years yr yrs sprint sprints "
    "night nights weekend weekends"
).split()
TIME_SUFFIXES = set("ms µs us ns s sec secs min mins h hr hrs d wk wks mo y yr yrs".split())
# numbers spelled out (a duration's and a count's): "two weeks", "forty-five", "hundreds"
TENS = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
ONES = "one|two|three|four|five|six|seven|eight|nine"
_SPELLED = (
    "zero two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety "
    "hundreds? thousands? millions? billions? dozens?"
).split()
SPELLED_NUMBER = re.compile(
    rf"\b(?:(?:{TENS})(?:[-\s](?:{ONES}))?|" + "|".join(_SPELLED) + r")\b", re.IGNORECASE
)
# "an hour instead of a day", not a time in the story: "A week later", "a year ago", "One day the VP ..."
# ("a month earlier than planned" is compared, an outcome)
A_DURATION = re.compile(
    r"\b(?:a|an|one)\s+(?:second|minute|hour|day|week|month|quarter|year)s?\b"
    r"(?!\s+(?:(?:later|earlier)(?!\s+than\b)|ago|afterwards?|on|in|into|before|after)\b)(?<!\bOne\sday)",
    re.IGNORECASE,
)

_TAKEN_VERBS = set(
    "took take takes taking taken spent spend spends spending lasted last lasts lasting".split()
)
_TAKEN_PREPS = set("for over during within in after throughout across".split())
_QUALIFIERS = set("about around roughly nearly almost just only under over a an the full whole some".split())
_OUTCOME_IN_CLAUSE = {"now"}  # "Onboarding now takes three days"
_OUTCOME_BEFORE = set("from to by saved save saves saving cut cuts shaved trimmed freed reduced".split())
_OUTCOME_AFTER = set(
    "ahead early earlier sooner faster quicker shorter less fewer late behind saved off".split()
)
_CLAUSE_END = re.compile(r"[.!?;:](?=\s|$)|\n|\b(?:and|but|while|whereas|so|then|which)\b", re.IGNORECASE)
_LETTERS = re.compile(r"[^\W\d_]+")
_NEAR = 80  # characters either side of a duration in which its clause is looked for


def time_taken(text: str, start: int, end: int) -> bool:
    """Whether the duration at ``text[start:end]`` says how long something took: a verb of taking before
    it in its clause ("took", "spent", "lasted"), a preposition of a span just before it ("over",
    "in", "for") or "of" after it ("two weeks of work"), and nothing that makes it an outcome, in its
    clause or its sentence (:func:`compared`)."""
    if compared(text, start, end):
        return False
    before, after = text[max(0, start - _NEAR) : start], text[end : end + _NEAR]
    before = _clause_before(before)
    stop = _CLAUSE_END.search(after)
    after = after[: stop.start()] if stop else after
    words_before = [w.lower() for w in _LETTERS.findall(before)]
    words_after = [w.lower() for w in _LETTERS.findall(after)]
    if _OUTCOME_IN_CLAUSE & {*words_before, *words_after}:
        return False
    if re.search(r"\b(?:down|up)\s+(?:from|to|by)\b", after, re.IGNORECASE):  # "a day, down from a week"
        return False
    unqualified = [w for w in words_before if w not in _QUALIFIERS]
    prev = unqualified[-1] if unqualified else ""
    if prev in _OUTCOME_BEFORE and unqualified[-2:] != ["up", "to"]:  # ("up to two weeks" is a span)
        return False
    if _OUTCOME_AFTER & set(words_after[:2]):
        return False
    return (
        bool(_TAKEN_VERBS & set(words_before))
        or bool(words_before)
        and words_before[-1] in _TAKEN_PREPS
        or prev in _TAKEN_PREPS
        or words_after[:1] == ["of"]
        or words_after[:1] in (["a"], ["an"], ["per"], ["each"], ["every"])  # a rate: "two days a week"
        and words_after[1:2] != []
        and words_after[1].rstrip("s") in _RATE_UNITS
    )


_RATE_UNITS = set("day week month quarter year sprint".split())
_GAPPED = {"and", "but", "or", "then"}


def _clause_before(before: str) -> str:
    """The duration's clause up to it; a clause of the same verb ("I spent two weeks on the design and
    three weeks on the build": nothing but a preposition before "three weeks") goes back to the verb."""
    cuts = list(_CLAUSE_END.finditer(before))
    if not cuts:
        return before
    clause = before[cuts[-1].end() :]
    if cuts[-1].group().lower() in _GAPPED and set(_LETTERS.findall(clause.lower())) <= _QUALIFIERS:
        return before[cuts[-2].end() if len(cuts) > 1 else 0 : cuts[-1].start()] + clause
    return clause


_SENTENCE_SPAN = 300  # characters either way in which a duration's sentence is looked for
_SENTENCE_BREAK = re.compile(r"[.!?](?=\s|$)|\n")
_UNIT_WORDS = "|".join(sorted(TIME_UNITS, key=len, reverse=True))
# a duration in a sentence: "9 hours", "200ms", "two days", "an hour" (not a decade, "the 1990s", nor a
# time in the story, "A week later"); "10 hours a week" is one duration, a rate, not two (:data:`RATE`:
# the unit before "a week")
_ANY_DURATION = re.compile(
    rf"(?<![\w.])(?!(?:19|20)\d\ds\b)\d+(?:[.,]\d+)?[ \t]*(?:{_UNIT_WORDS}|"
    + "|".join(sorted(TIME_SUFFIXES, key=len, reverse=True))
    + rf")\b|(?:{SPELLED_NUMBER.pattern})[ \t]+(?:{_UNIT_WORDS})\b|{A_DURATION.pattern}",
    re.IGNORECASE,
)
RATE = re.compile(rf"\b(?:{_UNIT_WORDS})[ \t]+\Z", re.IGNORECASE)
_AMOUNT = rf"(?:\d|{SPELLED_NUMBER.pattern}|(?:a|an|one)[ \t]+(?:{_UNIT_WORDS})\b)"
_DET = r"(?:my|our|the|this|that|a|an|his|her|their)"
# what a person changes so that a thing takes another time ("after my rewrite", "with the new scripts")
_CHANGE_NOUN = (
    r"(?:rewrite|refactor(?:ing)?|migration|fix|fixes|patch|pipeline|guide|change|changes|cache|caching"
    r"|index|rebuild|redesign|automation|scripts?|tool|tools|tooling|optimi[sz]ations?|upgrade|overhaul"
    r"|checklist|playbook|runbook|templates?|sharding|paralleli[sz]ation|improvements?|workflow)"
)
_CHANGE = rf"{_DET}[ \t]+(?:[\w-]+[ \t]+){{0,2}}?{_CHANGE_NOUN}\b"
# a standard a time is measured against, with its amount ("where the SLA was 24", "the usual five
# days", "a 4-hour target")
_STANDARD = r"(?:sla|slo|target|deadline|goal|budget|estimate|baseline|benchmark|norm|usual|typical|limit)"
# words that set a time against another of the same thing or a standard; enough alone
_SET_AGAINST = re.compile(
    r"\bused[ \t]+to[ \t]+(?:take|last|need|require|run|be|cost)\b"
    rf"|\b(?:instead[ \t]+of|rather[ \t]+than|compared[ \t]+(?:to|with)|versus|vs\.?|against|(?:down|up)"
    rf"[ \t]+from)[ \t]+(?:[\w-]+[ \t]+){{0,2}}?{_AMOUNT}"
    # a time better than a standard ("faster than any team before us", "earlier than planned"), not one
    # over it ("longer than I expected") nor a bound ("more than a year")
    rf"|\b(?:earlier|sooner|faster|quicker|shorter|less)[ \t]+than[ \t]+(?!{_AMOUNT})"
    # a difference of times ("a month earlier than planned", "a week later than")
    r"|\b(?:a|an|one|\d+(?:[.,]\d+)?|\w+)[ \t]+[\w-]*?(?:" + _UNIT_WORDS + r")[ \t]+(?:earlier|later|"
    r"longer|shorter|sooner|faster|quicker|slower|less|more)[ \t]+than\b"
    rf"|\b(?:after|since|following|thanks[ \t]+to|with|once|through)[ \t]+{_CHANGE}"
    r"|\b(?:after|since|once|when)[ \t]+(?:I|we)[ \t]+(?:automated|rewrote|fixed|cached|parallel\w+|"
    r"introduced|migrated|refactored|optimi[sz]ed|sharded|replaced|switched|redesigned|streamlined)\b"
    rf"|\b{_STANDARD}[ \t]+(?:(?:was|is|were|had[ \t]+been|of|at|set[ \t]+at)[ \t]+)?{_AMOUNT}"
    rf"|{_AMOUNT}[\w-]*[ \t]+(?:[\w-]+[ \t]+)?{_STANDARD}\b"
    r"|\b(?:where|whereas|while)\b[^.!?;\n]*?\b(?:had[ \t]+taken|took|takes|used[ \t]+to[ \t]+take"
    rf"|had[ \t]+needed)[ \t]+(?:\w+[ \t]+)?{_AMOUNT}",
    re.IGNORECASE,
)
# words that put a time before or after a change, which then needs a second time to set against:
# "Before my change the build took 40 minutes; now it takes 8", "previously took a week and 2 days by March"
_THEN_AND_NOW = re.compile(
    rf"(?:\A|[;:,(]|\b(?:and|but))[ \t]*\bbefore\b[ \t]*,|\b(?:before|until)[ \t]+{_CHANGE}"
    r"|\b(?:before|until)[ \t]+(?:I|we)\b|\b(?:previously|formerly|originally|initially|now)\b"
    r"|\bonce[ \t]+(?:I|we)\b|\bthe[ \t]+(?:quarter|year|month|week|release)[ \t]+before\b",
    re.IGNORECASE,
)
# a time in a relative clause of what is then timed again: "The nightly job, which took 9 hours,
# finished in 45 minutes", "reports that took analysts two days are generated in 10 minutes"
_RELATIVE_TAKEN = re.compile(
    r"\b(?:which|that)[ \t]+(?:had[ \t]+|used[ \t]+to[ \t]+)?(?:took|take|lasted|needed|required|ran)"
    r"(?:[ \t]+[\w-]+){0,2}?[ \t]*\Z",
    re.IGNORECASE,
)
_NUMBER = re.compile(rf"(?<![\w.])\d+(?:[.,]\d+)?\b|{SPELLED_NUMBER.pattern}", re.IGNORECASE)


def compared(text: str, start: int, end: int) -> bool:
    """Whether the sentence of the duration at ``text[start:end]`` sets it against another time of the
    same thing or a standard (:data:`_SET_AGAINST`: "used to take a day", "instead of 9", "a month
    earlier than planned", "after my rewrite", "where the SLA was 24"), or holds a second time to set it
    against and words that say which is before and which after (:data:`_THEN_AND_NOW`), or times again
    what a relative clause timed ("which took 9 hours, finished in 45 minutes"). Two durations alone are
    not compared: "two weeks on the design and three weeks on the build"."""
    lo = max(0, start - _SENTENCE_SPAN)
    breaks = list(_SENTENCE_BREAK.finditer(text, lo, start))
    lo = breaks[-1].end() if breaks else lo
    stop = _SENTENCE_BREAK.search(text, start, start + _SENTENCE_SPAN)
    sentence = text[lo : stop.start() if stop else min(len(text), start + _SENTENCE_SPAN)]
    start, end = start - lo, end - lo
    if _SET_AGAINST.search(sentence):
        return True
    durations = [m for m in _ANY_DURATION.finditer(sentence) if not RATE.search(sentence, 0, m.start())]
    if _THEN_AND_NOW.search(sentence):
        others = [m for m in _NUMBER.finditer(sentence) if m.end() <= start or m.start() >= end]
        if others or any(m.end() <= start or m.start() >= end for m in durations):
            return True
    return any(
        _RELATIVE_TAKEN.search(sentence, 0, first.start())
        and any(
            later.start() >= first.end() and not _CLAUSE_END.search(sentence, first.end(), later.start())
            for later in durations
        )
        for first in durations
    )
