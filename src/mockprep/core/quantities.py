"""Whether a story's Result is quantified: the quantities in a text, told from numbers that only name
or date something. Pure.

A quantity is a number of something: a percentage ("40%", "3 percentage points"), a multiplier ("3x",
"twice", "halved"), money ("$2M", "40,000 dollars"), a duration ("two weeks", "an hour", "200ms"), a
count of a thing ("12 benchmarks", "three other teams", "zero killed jobs"), a value that changed or
was reached ("from 0.71 to 0.78", "rose to 45", "a score of 4.8/5", "0.92", "9 out of 10"), or a
change of how often ("from monthly to daily"). Naming a metric without how much it moved ("measured by
weekly active teams") is none, as a coach asks how much. A number that names or dates something is
none: a year where the words say a time ("in 2024", "since 2019", "the 2023 award", "the 1990s"; a
change word or a counted noun makes 2000 a count: "grew by 2000 users", "grew to 2000"), a date
("March 3", "3 March", "2024-05-17"), a time of day ("9:30", "5pm"), a
version or a label ("Python 3", "iOS 17", "release 4.2", "Phase 2", "sprint 14"), an ordinal ("3rd",
"the third attempt"), a name's digits ("Q4", "p99", "H100", "ResNet-50", "HTTP/2", "24/7", "1:1s", "4K
video", "a 70B model"), the length of a thing ("a 15-minute sync"), how long the work took ("took two
weeks to run", "over three months", "two weeks on the design and three weeks on the build": a duration
is a quantity only as an outcome, a time changed or set against another of the same thing or a
standard, :mod:`mockprep.core.time_outcomes`: "from three days to one", "now takes 20 minutes", "took
40 minutes; now it takes 8", "where the SLA was 24", "after my rewrite"), or a time in the story ("A
week later", "One day").
A bare whole number with no unit or noun after it ("moved to Python 3", "shipped 3") counts only where a
change or a reading leads to it ("dropped to 3", "from 12 to 3", "by 40").
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterator
from dataclasses import dataclass

from mockprep.core.time_outcomes import A_DURATION as _A_DURATION
from mockprep.core.time_outcomes import ONES as _UNITS
from mockprep.core.time_outcomes import RATE as _RATE
from mockprep.core.time_outcomes import SPELLED_NUMBER as _SPELLED_NUMBER
from mockprep.core.time_outcomes import TENS as _TENS
from mockprep.core.time_outcomes import TIME_SUFFIXES as _TIME_SUFFIXES
from mockprep.core.time_outcomes import TIME_TAKEN
from mockprep.core.time_outcomes import TIME_UNITS as _TIME_UNITS
from mockprep.core.time_outcomes import time_taken as _time_taken

_MONTHS = (
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec"
).split()
_MONEY_WORDS = (
    "dollar dollars euro euros pound pounds yen rupees cents bucks usd eur gbp "
    "thousand thousands million millions billion billions trillion trillions"
).split()
_RATIO_WORDS = ("percent", "per cent", "percentage point", "percentage points", "points", "pts", "pp",
                "basis points", "bps", "times", "fold", "x", "×")  # fmt: skip
# a unit written onto the number ("200ms", "2M", "3x"); case matters: "3D" and "5G" are names
_SUFFIX_UNITS = set(
    "x X k K M B m b bn mn ms µs us ns s sec secs min mins h hr hrs d wk wks mo y yr yrs pp bp bps "
    "KB MB GB TB PB kb mb gb tb KiB MiB GiB TiB qps rps tps fps rpm kg km kW MW GW kWh MWh".split()
)
# a word before a number that makes the number a version, a label or a place in a sequence
_LABEL_WORDS = set(
    "version ver v release rel build python java node php perl ruby rust go scala kotlin swift ios "
    "android windows macos ubuntu debian centos rhel postgres postgresql mysql redis react angular vue "
    "django rails spark hadoop kafka tensorflow pytorch cuda kubernetes gpt llama gemini claude bert "
    "http ipv usb phase step stage round sprint level tier gen generation season iteration episode "
    "chapter section figure fig table page room floor gate platform team squad pod cohort grade week "
    "day month year quarter semester term milestone wave cycle part no number".split()
)
_LABEL_AFTER = {"release", "version", "update", "patch", "build", "edition"}  # "the 2.3 release"
# a word before a year-like number that makes it a year whatever follows ("in 2024", "since 2019")
_YEAR_WORDS = set(
    "in since until till during early late mid before after circa fy spring summer autumn fall winter".split()
) | set(_MONTHS)
# a verb before "by", "to" or "from" that makes the year-like number after it a count ("grew by 2000",
# "rose to 2000"); without one it is a time ("done by 2025", "from 2019 to 2021")
_CHANGE_VERBS = set(
    "grew grow grows rose rise rises fell fall falls dropped drop went go goes climbed increased "
    "decreased improved cut reduced saved jumped shrank shrunk up down expanded slashed doubled".split()
)
# a noun before "of" that makes the year-like number after it a time ("the summer of 2019")
_TIME_NOUNS = set(
    "summer spring autumn fall winter end start beginning middle half class year season".split()
)
_MAGNITUDES = {"k", "K", "M", "B", "m", "b", "bn", "mn"}  # "4K video", "a 70B model": a name, not a count
# a word before a bare number that makes it a value reached or changed by
_CHANGE_WORDS = set(
    "to from by of reached reach reaches hit hits at around about approximately roughly nearly almost "
    "over under below above only than up down rose fell dropped grew increased decreased improved cut "
    "saved scored scores score went climbed"
    .split()
)  # fmt: skip
# words after a number that say nothing of what it counts
_FUNCTION_WORDS = set(
    "a an the and or but nor so yet to in on at for with by from as than then into onto over under "
    "after before since until while when which that this these those it its i we you he she they me "
    "us him her them my our your their is was were are be been being am has had have will would "
    "could should can may might did do does not no out again too also only just each every all both "
    "later earlier ago early late".split()
)
_MORE = {"fewer", "more", "less", "new", "other", "extra", "additional"}  # "1900 fewer incidents"
_HOW_OFTEN = r"(?:hourly|daily|nightly|weekly|fortnightly|biweekly|monthly|quarterly|yearly|annually)\b"
# masked first: dates, times and names written with digits and separators
_NOT_AMOUNTS = re.compile(
    r"\b\d{4}-\d{1,2}-\d{1,2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b|\b\d{1,2}\.\d{1,2}\.\d{4}\b"  # dates
    r"|\b(?:0\d|1[0-2])/[0-3]\d\b(?!/)|\b[0-3]\d/(?:0\d|1[0-2])\b(?!/)"  # a day and month, "12/05"
    r"|\b\d{1,2}:\d{2}(?:\s*[ap]\.?m\b\.?)?|\b\d{1,2}\s*[ap]\.m\.|\b24/7\b|\b1:1s?\b",  # times, 24/7, 1:1s
    re.IGNORECASE,
)
# a number: not a name's digits ("Q4", "p99", "ResNet-50", "mAP@50", "HTTP/2", "v.2")
_NUMBER = re.compile(
    r"(?<![^\W_])(?<![^\W\d_][-@/.])(?<!\d[.,])(?P<n>\d+(?:[.,/]\d+)*)(?P<suffix>[^\W\d_]+)?"
)
_MULTIPLIER_WORDS = re.compile(
    r"\b(?:twice|thrice|doubled(?!\s+down)|tripled|quadrupled|halved|(?:two|three|four|five|ten|hundred)fold)\b"
    r"|(?<!\bfirst\s)(?<!\bsecond\s)(?<!\blatter\s)\bhalf\b",
    re.IGNORECASE,
)
_PHRASES = (
    # "by a third", "two fifths of", "an order of magnitude"; not an ordinal ("a fifth region")
    re.compile(
        r"\b(?:a|one|two)\s+(?:third|fifth|tenth)s?\b(?=\s+(?:of|less|more|fewer)\b|\s*(?:[^\w\s]|$))"
        r"|\borders?\s+of\s+magnitude\b",
        re.IGNORECASE,
    ),
    # "9 out of 10", "nine out of ten"; "from monthly to daily"
    re.compile(
        rf"\b(?:\d[\d,.]*|{_UNITS}|ten)\s+out\s+of\s+(?:\d[\d,.]*|{_UNITS}|{_TENS}|ten|a\s+hundred)\b"
        rf"|\bfrom\s+{_HOW_OFTEN}\s+to\s+{_HOW_OFTEN}",
        re.IGNORECASE,
    ),
)
_WORD_AFTER = re.compile(r"\+?[ \t]*(?:-[ \t]*)?([^\W\d_]+(?:['’][^\W\d_]+)*)")  # "300+ tickets"
_SENTENCE_START = re.compile(r"(?:\A\s*|[.!?;:\n(\"“]\s*|\A\s*[-*•]\s+)\Z")


@dataclass(frozen=True)
class Number:
    """A number written in a text, and whether it is a quantity (else what it names: 'a year', ...)."""

    text: str
    quantity: bool
    kind: str  # "quantity", or what it is instead: "a year", "a date", "a version or label", ...


def find_quantity(text: str) -> str | None:
    """The first quantity in ``text`` as written ('40%', '900 ms', 'three other teams'), or None."""
    found = [(m.start(), m.group()) for m in _MULTIPLIER_WORDS.finditer(text)]
    found += [(m.start(), m.group()) for pattern in _PHRASES for m in pattern.finditer(text)]  # (not numbers)
    first = min(found) if found else None
    for start, number, shown in _numbers(text):  # in text order: stop at the first quantity
        if first is not None and start >= first[0]:
            break
        if number.quantity:
            first = (start, shown)
            break
    return first[1].strip(" ,.;:()\"'") if first else None


def non_quantities(text: str) -> list[Number]:
    """The numbers in ``text`` that are no quantity, each with what it is instead ('2024': a year)."""
    return [number for _start, number, _shown in _numbers(text) if not number.quantity]


def _numbers(text: str) -> Iterator[tuple[int, Number, str]]:
    """Every number in ``text``, in order: where it starts, what it is, and the words that show it as a
    quantity."""
    blank = _NOT_AMOUNTS.sub(lambda m: " " * len(m.group()), text)
    return heapq.merge(
        _masked(text), _in_digits(blank), _spelled(blank), _durations(blank), key=lambda item: item[0]
    )


def _masked(text: str) -> Iterator[tuple[int, Number, str]]:
    for masked in _NOT_AMOUNTS.finditer(text):
        kind = "a time of day" if ":" in masked.group() or "m" in masked.group().lower() else "a date"
        kind = "a name" if masked.group().startswith(("24/7", "1:1")) else kind
        yield masked.start(), Number(masked.group().strip(), False, kind), ""


def _in_digits(blank: str) -> Iterator[tuple[int, Number, str]]:
    for match in _NUMBER.finditer(blank):
        kind = _digits_kind(blank, match)
        named = _named(blank, match) if kind in ("a date", "a version or label") else match.group()
        if kind == "quantity":
            kind, named = _unless_time_taken(blank, match, kind, named)
        if kind == "a length of a thing":  # "15-minute"
            unit = _WORD_AFTER.match(blank, match.end())
            named = blank[match.start() : unit.end() if unit else match.end()]
        yield match.start(), Number(named, kind == "quantity", kind), _shown(blank, match)


def _spelled(blank: str) -> Iterator[tuple[int, Number, str]]:
    for match in _SPELLED_NUMBER.finditer(blank):
        kind, named = _unless_time_taken(blank, match, _spelled_kind(blank, match), match.group())
        yield match.start(), Number(named, kind == "quantity", kind), _shown(blank, match)


def _durations(blank: str) -> Iterator[tuple[int, Number, str]]:
    """ "a day", "an hour", "one week": a quantity unless it says how long something took."""
    for match in _A_DURATION.finditer(blank):
        if _RATE.search(blank, 0, match.start()):
            continue  # "a week" of "two days a week": a rate's, no duration of its own
        taken = _time_taken(blank, match.start(), match.end())
        kind = TIME_TAKEN if taken else "quantity"
        yield match.start(), Number(match.group(), not taken, kind), match.group()


def _unless_time_taken(blank: str, match: re.Match[str], kind: str, named: str) -> tuple[str, str]:
    """A number's kind, made :data:`TIME_TAKEN` where it is a duration of the work ("took 3 hours")."""
    if kind != "quantity":
        return kind, named
    suffix = match.groupdict().get("suffix") or ""
    unit = None if suffix else _WORD_AFTER.match(blank, match.end())
    if suffix in _TIME_SUFFIXES or (unit is not None and unit.group(1).lower() in _TIME_UNITS):
        end = unit.end() if unit is not None else match.end()
        if _time_taken(blank, match.start(), end):
            return TIME_TAKEN, blank[match.start() : end]
    return kind, named


def _digits_kind(text: str, match: re.Match[str]) -> str:
    number, suffix = match.group("n"), match.group("suffix") or ""
    before, after = _around(text, match)
    prev_word, initial = _word_before(before)
    next_word = _next_word(after)
    year_like = re.fullmatch(r"(19|20)\d\d", number) is not None
    if suffix:
        if suffix.lower() in ("st", "nd", "rd", "th"):
            return "an ordinal"
        if suffix.lower() in ("am", "pm"):
            return "a time of day"
        if suffix == "s" and year_like:
            return "a decade"
        if suffix in _MAGNITUDES and not re.search(r"[$€£¥₹][ \t]?\Z", before) and _names_a_thing(after):
            return "a name"  # "4K video", "a 70B model": a size that names the thing, not an outcome
        return "quantity" if suffix in _SUFFIX_UNITS else "a name"
    if number.count(".") > 1:
        return "a version or label"
    if "/" in number:  # a score or a share: "4.8/5", "3/3"
        return "quantity"
    if re.match(r"-[ \t]*[^\W\d_]+[ \t]+[^\W\d_]", after) and re.search(r"\ban?[ \t]+\Z", before, re.I):
        if _unit_after(after, next_word) and next_word.lower() in _TIME_UNITS:
            return "a length of a thing"  # "a 15-minute sync", "a 3-year contract": what it is, no outcome
    if _unit_after(after, next_word) or re.search(r"[$€£¥₹+±~−][ \t]?\Z", before):
        return "quantity"
    if prev_word.lower() in _MONTHS and (prev_word[:1].isupper() or prev_word.lower() != "may"):
        return "a date"
    if next_word.lower() in _MONTHS and next_word[:1].isupper():
        return "a date"
    if year_like and _is_year(before, prev_word, after):
        return "a year"
    if _labels(prev_word, initial) or before.rstrip().endswith("#") or next_word.lower() in _LABEL_AFTER:
        return "a version or label"
    if next_word and next_word.lower() not in _FUNCTION_WORDS:
        return "quantity"  # a count of something: "12 benchmarks", "5,000 users"
    if "." in number or prev_word.lower() in _CHANGE_WORDS:
        return "quantity"  # a value reached or changed: "0.92", "dropped to 3", "from 12"
    return "a bare number"


def _is_year(before: str, prev_word: str, after: str) -> bool:
    """Whether a number from 1900 to 2099 is a year: where the words say a time ("in 2024", "since
    2019", "the 2023 award", "done by 2025"), not where a change word or a counted noun makes it a
    count ("grew by 2000 users", "a backlog of 2000", "rose to 2000", "hit 2010", "2048 active users")."""
    word = prev_word.lower()
    if word in _YEAR_WORDS:
        return True
    if _counted_noun(after):
        return False
    if word in ("by", "to", "from", "of", "around"):
        before_it = _word_before(before[: before.lower().rstrip().rfind(word)])[0].lower()
        if word == "of":
            return before_it in _TIME_NOUNS
        return before_it not in _CHANGE_VERBS
    return word not in _CHANGE_WORDS


def _counted_noun(after: str) -> bool:
    """Whether a plural noun (or "more", "fewer") follows, at most one other word between ("2048 active
    users")."""
    words = re.findall(r"[^\W\d_]+(?:['’][^\W\d_]+)*", after[:40])[:2]
    for word in words:
        lower = word.lower()
        if lower in _FUNCTION_WORDS or lower == "of":
            return False
        if lower in _MORE or lower.endswith("s") and not lower.endswith(("ss", "us", "is")):
            return True
    return False


def _names_a_thing(after: str) -> bool:
    """Whether a singular noun follows a size ("4K video", "70B model"), not a plural or nothing."""
    word = _next_word(after).lower()
    return bool(word) and word not in _FUNCTION_WORDS and not _counted_noun(after) and word not in _TIME_UNITS


_SYMBOL_AFTER = re.compile(r"[ \t]*(?:%|‰|×)")
_NEAR = 80  # characters either side of a number that say what it is: a bounded look, linear in the text


def _around(text: str, match: re.Match[str]) -> tuple[str, str]:
    """The text just before and just after a number (at most :data:`_NEAR` characters each way)."""
    return text[max(0, match.start() - _NEAR) : match.start()], text[match.end() : match.end() + _NEAR]


def _spelled_kind(text: str, match: re.Match[str]) -> str:
    before, after = _around(text, match)
    prev_word, _initial = _word_before(before)
    next_word = _next_word(after)
    if _unit_after(after, next_word) or prev_word.lower() in _CHANGE_WORDS:
        return "quantity"
    if next_word and next_word.lower() not in _FUNCTION_WORDS or next_word.lower() == "of":
        return "quantity"
    return "a bare number"


def _named(text: str, match: re.Match[str]) -> str:
    """A date's or a version's number with the word that makes it one: "March 3", "Python 3"."""
    before, after = _around(text, match)
    prev_word, _initial = _word_before(before)
    next_word = _next_word(after)
    if next_word.lower() in _MONTHS or next_word.lower() in _LABEL_AFTER:
        return f"{match.group()} {next_word}"
    return f"{prev_word} {match.group()}" if prev_word else match.group()


def _word_before(before: str) -> tuple[str, bool]:
    """The word just before a number (none across punctuation), and whether it starts its sentence."""
    found = re.search(r"([^\W\d_][\w'’]*)[ \t]+\Z", before)
    if not found:
        return "", False
    return found.group(1), _SENTENCE_START.search(before[: found.start()]) is not None


def _next_word(after: str) -> str:
    found = _WORD_AFTER.match(after)
    return found.group(1) if found else ""


def _unit_after(after: str, next_word: str) -> bool:
    """Whether a unit follows: %, a multiplier, a duration, money or a ratio word."""
    if re.match(r"[ \t]*(?:%|‰|x\b|×)", after):
        return True
    word = next_word.lower()
    if word in _TIME_UNITS or word in _MONEY_WORDS or word in _RATIO_WORDS:
        return True
    return re.match(r"[ \t]*(?:per\s+cent|percentage\s+points?|basis\s+points)\b", after, re.I) is not None


def _labels(word: str, initial: bool) -> bool:
    """Whether ``word`` before a number makes it a version or a label: a known one ("Python", "sprint"),
    or a name written with capitals inside a sentence ("Postgres 15", "Team 7", "iOS 17", "SOC 2")."""
    if word.lower() in _LABEL_WORDS:
        return True
    capitals = any(ch.isupper() for ch in word)
    return capitals and (not initial or any(ch.isupper() for ch in word[1:]))


def _shown(text: str, match: re.Match[str]) -> str:
    """The number as a quantity is shown: with its currency or sign, its unit, or the words it counts
    ("$2M", "40%", "900 ms", "1.2 trillion tokens", "three other teams"); at most two words after it,
    ending at a unit or a plural, never at a function word ("Eight" of "Eight of the ten")."""
    start = match.start()
    window = max(0, start - 2)  # (a sign and a space at most: never the whole text before it)
    lead = re.search(r"[$€£¥₹+±~−-][ \t]?\Z", text[window:start])
    if lead:
        start = window + lead.start()
    end = match.end()
    symbol = _SYMBOL_AFTER.match(text, end)
    if symbol or match.groupdict().get("suffix"):
        return text[start : symbol.end() if symbol else end]
    for _ in range(2):
        word = _WORD_AFTER.match(text, end)
        name = word.group(1).lower() if word else "of"
        if name in _FUNCTION_WORDS or name == "of":
            break
        end = word.end()  # type: ignore[union-attr]
        magnitude = name in _MONEY_WORDS and name.startswith(("thousand", "million", "billion", "trillion"))
        if not magnitude and (name.endswith("s") or name in _TIME_UNITS or name in _RATIO_WORDS):
            break
    return text[start:end]
