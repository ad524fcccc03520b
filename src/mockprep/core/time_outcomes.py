"""Whether a duration in a Result is an outcome or how long the work took. Pure.

The length of what was done is no result ("took two weeks to run", "over three months", "after a month
of work"), as a coach asks what it changed. A duration is an outcome where its words set a time
against another of the same thing or against a standard: in its clause ("from three days to one", "cut
review time by two weeks", "two weeks ahead of schedule", "now takes 20 minutes") or in its sentence
(:func:`compared`). Two durations of different things ("two weeks on the design and three weeks on
the build") and words of comparison that compare nothing ("after my manager asked", "whereas my
teammate was on leave", "longer than I expected"), a later step ("initially two weeks reading the
code, then 3 days on the fix") and a span of the story ("shipped after 2 weeks of QA") leave it the time
the work took.
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
_NOW_IN_CLAUSE = re.compile(r"\bnow\b(?![ \t]+that\b)", re.IGNORECASE)  # "Onboarding now takes three days"
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
    if _NOW_IN_CLAUSE.search(before) or _NOW_IN_CLAUSE.search(after):
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
_CHANGE_VERB = (
    r"(?:automated|rewrote|fixed|cached|parallel\w+|introduced|migrated|refactored|optimi[sz]ed|sharded"
    r"|replaced|switched|redesigned|streamlined)"
)
_MY_CHANGE = rf"(?:my|our)[ \t]+(?:[\w-]+[ \t]+){{0,2}}?{_CHANGE_NOUN}\b"
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
    # a change the time came after, or the teller's own ("with my caching layer"; "with the new tool" is
    # what the work was done with, a change only with a second time to set against: _NOW)
    rf"|\b(?:after|since|following|thanks[ \t]+to|once|through)[ \t]+{_CHANGE}|\bwith[ \t]+{_MY_CHANGE}"
    rf"|\b(?:after|since|once|when)[ \t]+(?:I|we)[ \t]+{_CHANGE_VERB}\b"
    rf"|\b{_STANDARD}[ \t]+(?:(?:was|is|were|had[ \t]+been|of|at|set[ \t]+at)[ \t]+)?{_AMOUNT}"
    rf"|{_AMOUNT}[\w-]*[ \t]+(?:[\w-]+[ \t]+)?{_STANDARD}\b"
    r"|\b(?:where|whereas|while)\b[^.!?;\n]*?\b(?:had[ \t]+taken|took|takes|used[ \t]+to[ \t]+take"
    rf"|had[ \t]+needed)[ \t]+(?:\w+[ \t]+)?{_AMOUNT}",
    re.IGNORECASE,
)
# Words that place a time before or after a change, which then needs a second time of the same thing to
# set against. Some say alone that another time is being compared: "previously", "before my change",
# "the quarter before", "now", "these days", "with the new scripts" (_THEN, _NOW). Others only place a
# time in the story, "initially", "last year", "had taken", "once I joined", "this year", "my script",
# and count only as a pair, one of each side (_EARLIER, _LATER): "Last year the audit took three weeks;
# this year it took four days", but not "Initially I spent two weeks reading the code, then 3 days on
# the fix" (two steps of the work).
_PERIOD = r"(?:year|quarter|month|week|sprint|release|semester|season)"
_THEN = re.compile(
    rf"(?:\A|[;:,(]|\b(?:and|but))[ \t]*\bbefore\b[ \t]*,|\b(?:before|until)[ \t]+{_CHANGE}"
    rf"|\b(?:before|until)[ \t]+(?:I|we)[ \t]+{_CHANGE_VERB}\b"
    rf"|\b(?:previously|formerly)\b|\bthe[ \t]+{_PERIOD}[ \t]+before\b",
    re.IGNORECASE,
)
_NOW = re.compile(
    rf"\b(?:now(?![ \t]+that\b)|nowadays|these[ \t]+days|today)\b|\bwith[ \t]+{_CHANGE}",
    re.IGNORECASE,
)
_EARLIER = re.compile(
    rf"\b(?:originally|initially|at[ \t]+first|by[ \t]+hand|manually|had[ \t]+(?:taken|needed|lasted))\b"
    rf"|\b(?:before|until)[ \t]+(?:I|we)\b|\b(?:last|that)[ \t]+{_PERIOD}\b|\ban?[ \t]+{_PERIOD}[ \t]+ago\b",
    re.IGNORECASE,
)
_LATER = re.compile(
    rf"\b(?:once|since|after)[ \t]+(?:I|we|it|that|then)\b|\b(?:with|after)[ \t]+it\b"
    rf"|\bthis[ \t]+{_PERIOD}\b|\b{_MY_CHANGE}",
    re.IGNORECASE,
)
# a time in a relative clause of what is then timed again: "The nightly job, which took 9 hours,
# finished in 45 minutes", "reports that took analysts two days are generated in 10 minutes"
_RELATIVE_TAKEN = re.compile(
    r"\b(?:which|that)[ \t]+(?:had[ \t]+|used[ \t]+to[ \t]+)?(?:took|take|lasted|needed|required|ran)"
    r"(?:[ \t]+[\w-]+){0,2}?[ \t]*\Z",
    re.IGNORECASE,
)
# a later duration that is a span of work or a time in the story, not the thing timed again: "after 2
# weeks of QA", "over a week", "for a month"
_SPAN_BEFORE = re.compile(
    r"\b(?:after|over|for|during|throughout|across)[ \t]+(?:(?:about|around|roughly|nearly|almost|just"
    r"|only|another|a|an|the|full|whole|further)[ \t]+)*\Z",
    re.IGNORECASE,
)
# a later step of the work, not the same thing timed again: "..., then 3 days on the fix"
_NEXT_STEP = re.compile(r"\b(?:then|afterwards|next)[ \t]+(?:[\w-]+[ \t]+){0,2}?\Z", re.IGNORECASE)
_OF_AFTER = re.compile(r"[ \t]+of\b", re.IGNORECASE)
# a bare number as a second time: after a verb of taking or "in" ("now it takes 8", "finishes in 8"), and
# no counted noun after it ("across 4 offices" counts offices, not time)
_BARE_TIME = re.compile(
    r"\b(?:takes?|took|taken|taking|lasts?|lasted|needs?|needed|runs?|ran|in|within|under)[ \t]+"
    r"(?:(?:about|around|roughly|nearly|almost|just|only|under|over|barely)[ \t]+)?"
    rf"(?P<n>(?<![\w.])(?!(?:19|20)\d\d\b)\d+(?:[.,]\d+)?|{SPELLED_NUMBER.pattern})(?![\w.,%]*[^\W\d_])"
    r"(?=[ \t]*(?:\Z|[^\w \t]|(?:now|today|nowadays|instead|with|after|since|once|and|but|or|on|at|by|to"
    r"|flat|tops|these|this|overall|in|for)\b))",
    re.IGNORECASE,
)


def compared(text: str, start: int, end: int) -> bool:
    """Whether the sentence of the duration at ``text[start:end]`` sets it against another time of the
    same thing or a standard (:data:`_SET_AGAINST`: "used to take a day", "instead of 9", "a month
    earlier than planned", "after my rewrite", "where the SLA was 24"), or holds a second time to set it
    against (a duration, or a bare number after a verb of taking: "now it takes 8", not "4 offices") and
    words that say which is before and which after (:func:`_placed_apart`), or times again what a relative
    clause timed ("which took 9 hours, finished in 45 minutes", not "shipped after 2 weeks of QA"). Two
    durations alone are not compared: "two weeks on the design and three weeks on the build"."""
    lo = max(0, start - _SENTENCE_SPAN)
    breaks = list(_SENTENCE_BREAK.finditer(text, lo, start))
    lo = breaks[-1].end() if breaks else lo
    stop = _SENTENCE_BREAK.search(text, start, start + _SENTENCE_SPAN)
    sentence = text[lo : stop.start() if stop else min(len(text), start + _SENTENCE_SPAN)]
    start, end = start - lo, end - lo
    if _SET_AGAINST.search(sentence):
        return True
    durations = [m for m in _ANY_DURATION.finditer(sentence) if not RATE.search(sentence, 0, m.start())]
    if _placed_apart(sentence) and (
        any(
            (m.end() <= start or m.start() >= end)
            and not _NEXT_STEP.search(sentence, 0, max(m.start(), start))  # the later of the two
            for m in durations
        )
        or any(m.end("n") <= start or m.start("n") >= end for m in _BARE_TIME.finditer(sentence))
    ):
        return True
    return any(
        _RELATIVE_TAKEN.search(sentence, 0, first.start())
        and any(_timed_again(sentence, first, later) for later in durations)
        for first in durations
    )


def _placed_apart(sentence: str) -> bool:
    """Whether a sentence's words put its times on two sides of a change: one word that says so alone
    ("previously", "now"), or one that places a time earlier and one later ("last year ... this year")."""
    return bool(
        _THEN.search(sentence)
        or _NOW.search(sentence)
        or _EARLIER.search(sentence)
        and _LATER.search(sentence)
    )


def _timed_again(sentence: str, first: re.Match[str], later: re.Match[str]) -> bool:
    """Whether ``later`` times again what the relative clause of ``first`` timed ("which took 9 hours,
    finished in 45 minutes"): in the same clause after it, and no span of work or time in the story
    ("shipped in March after 2 weeks of QA", "ended after a week of testing")."""
    return (
        later.start() >= first.end()
        and not _CLAUSE_END.search(sentence, first.end(), later.start())
        and not _SPAN_BEFORE.search(sentence, 0, later.start())
        and not _OF_AFTER.match(sentence, later.end())
    )
