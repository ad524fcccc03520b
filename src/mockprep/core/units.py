"""What follows a number in a numeric answer: a magnitude ("14.75k", "1.5 million", "10B") and a unit
("1280 MiB", "250 ms", "42%"), and a numeric question's own unit read the same way. Pure.

A unit is known by its kind (a time, an amount of information, a percentage) and its size in that
kind's base unit, so that an answer in another unit of the same kind converts ("1280 MiB" is 1.25
GiB, "2 min" is 120 s) and one of another kind is told ("ms" is a time, not users). A word this table
does not hold ("users", "tokens", "dollars") is a noun: it neither converts nor contradicts.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

# Magnitudes written after a number, as people write them: "14.75k", "2.5 million", "10B", "3 lakh".
MAGNITUDES = {
    "k": 1e3, "K": 1e3, "thousand": 1e3, "thousands": 1e3, "hundred": 1e2,
    "M": 1e6, "m": 1e6, "mn": 1e6, "mil": 1e6, "mio": 1e6, "million": 1e6, "millions": 1e6,
    "B": 1e9, "b": 1e9, "bn": 1e9, "billion": 1e9, "billions": 1e9,
    "T": 1e12, "tn": 1e12, "trillion": 1e12, "trillions": 1e12,
    "lakh": 1e5, "lakhs": 1e5, "crore": 1e7, "crores": 1e7,
}  # fmt: skip
# Words or letters that are a magnitude only where a unit of the question's kind does not claim them
# ("B" bytes, "m" minutes); a magnitude's word in any case ("Thousand", "MILLION").
_WORDY = {name for name in MAGNITUDES if len(name) > 3}

KIND_NAMES = {"time": "a time", "information": "an amount of information", "percent": "a percentage"}


@dataclass(frozen=True)
class Unit:
    """A unit as written, its kind, and its size in the kind's base unit (s, bits, percent); for an
    amount of information, the power of its prefix (3 for GB and GiB) and whether it is of 1024."""

    name: str
    kind: str
    scale: float
    prefix: int = 0
    binary: bool = False


def _table() -> dict[str, tuple[str, float, int, bool]]:
    table: dict[str, tuple[str, float, int, bool]] = {}
    for names, scale in (
        ("ns nanosecond nanoseconds", 1e-9),
        ("µs μs us microsecond microseconds", 1e-6),
        ("ms msec msecs millisecond milliseconds", 1e-3),
        ("s sec secs second seconds", 1.0),
        ("m min mins minute minutes", 60.0),
        ("h hr hrs hour hours", 3600.0),
        ("d day days", 86400.0),
        ("wk wks week weeks", 604800.0),
    ):
        table |= dict.fromkeys(names.split(), ("time", scale, 0, False))
    bits = {"bit bits b": 1.0, "nat nats": 1 / math.log(2), "B byte bytes": 8.0}
    for names, scale in bits.items():
        table |= dict.fromkeys(names.split(), ("information", scale, 0, False))
    for i, prefix in enumerate("KMGTP", start=1):
        # decimal (KB, kB: 1000 bytes) and binary (KiB: 1024 bytes); a small b after a capital prefix
        # is a bit, as alone: "Kb", "Gb", "Gib" and "Kbit", "gibit" are bits (8 of them to a byte). All
        # in small letters ("16gb", "512mb", "2gib") is how people type bytes, and is read so.
        small = prefix.lower()
        for name in (f"{prefix}B", f"{small}B", f"{small}b"):
            table.setdefault(name, ("information", 8.0 * 1000**i, i, False))
        table[f"{prefix}iB"] = ("information", 8.0 * 1024**i, i, True)
        table[f"{small}ib"] = ("information", 8.0 * 1024**i, i, True)
        table[f"{prefix}b"] = ("information", float(1000**i), i, False)
        table[f"{prefix}ib"] = ("information", float(1024**i), i, True)
        for letter in (prefix, small):
            table[f"{letter}bit"] = ("information", float(1000**i), i, False)
            table[f"{letter}ibit"] = ("information", float(1024**i), i, True)
    for name in ("%", "percent", "per cent", "pct", "pp", "percentage point", "percentage points"):
        table[name] = ("percent", 1.0, 0, False)  # ("8%" for 8 percentage points, as people write)
    return table


_UNITS = _table()
# Longest first, so that "ms" is not read as "m" and "percentage points" not as "percentage point".
_NAMES = sorted(set(_UNITS) | set(MAGNITUDES), key=len, reverse=True)
_WORD = re.compile(r"\s*(" + "|".join(re.escape(n) for n in _NAMES) + r")(?![\w])", re.IGNORECASE)


@dataclass(frozen=True)
class Written:
    """What follows a number: its magnitude (1 when none) and its unit (None when none is known)."""

    magnitude: float = 1.0
    unit: Unit | None = None


def _lookup(word: str, kind: str | None) -> Unit | float | None:
    """The unit or magnitude ``word`` names where the question's unit is of ``kind``."""
    exact = _UNITS.get(word)
    if exact is not None and (exact[0] == kind or word not in MAGNITUDES):
        return Unit(word, *exact)
    if word in MAGNITUDES:
        return MAGNITUDES[word]
    folded = word.casefold()
    if folded in _WORDY:
        return MAGNITUDES[folded]
    for name, entry in _UNITS.items():  # a unit's word in another case: "Seconds", "MS"
        if len(name) > 2 and name.casefold() == folded:
            return Unit(word, *entry)
    return None


def written_after(text: str, kind: str | None = None) -> Written:
    """The magnitude and unit at the start of ``text`` (what follows a number); ``kind`` is the kind
    of the question's unit, which decides "B" (bytes or billion) and "m" (minutes or million)."""
    magnitude = 1.0
    for _ in range(2):  # a magnitude then a unit ("1.5k ms"), or either alone
        match = _WORD.match(text)
        if match is None:
            break
        found = _lookup(match.group(1), kind)
        if isinstance(found, Unit):
            return Written(magnitude, found)
        if found is None or magnitude != 1.0:
            break
        magnitude = found
        text = text[match.end() :]
    return Written(magnitude)


def starts_with_unit(text: str) -> bool:
    """Whether ``text`` (what follows a number) starts with a magnitude or a unit."""
    written = written_after(text)
    return written.unit is not None or written.magnitude != 1.0


def _time_names() -> str:
    names = sorted((n for n, entry in _UNITS.items() if entry[0] == "time"), key=len, reverse=True)
    return "|".join(re.escape(n) for n in names)


# One part of a duration ("2 h", "30min", "1.5 hours") and a run of two or more of them, joined by
# spaces, a comma or "and": "2 h 30 min", "1m30s", "1 hour and 15 minutes".
_PART = rf"(\d+(?:\.\d+)?)\s*({_time_names()})(?![^\W\d_])"
_PART_RE = re.compile(_PART, re.IGNORECASE)
_DURATION = re.compile(rf"(?<![\w.]){_PART}(?:\s*,?\s*(?:and\s+)?{_PART})+", re.IGNORECASE)


def _time_scale(name: str) -> float | None:
    """The size in seconds of a time unit as written ("min", "Hours"); None for another word ("MS")."""
    found = _lookup(name, "time")
    return found.scale if isinstance(found, Unit) and found.kind == "time" else None


def summed_durations(text: str) -> str:
    """``text`` with each duration written in parts, each part in a smaller unit than the one before
    ("2 h 30 min", "1m30s", "1 hour and 15 minutes"), written as the one number of seconds it sums to
    ("9000 s"). Parts in the same or a growing unit ("10 ms, 20 ms") are several values, left as written."""

    def summed(match: re.Match[str]) -> str:
        total, previous = 0.0, math.inf
        for part in _PART_RE.finditer(match.group()):
            scale = _time_scale(part.group(2))
            if scale is None or scale >= previous:
                return match.group()
            total, previous = total + float(part.group(1)) * scale, scale
        return f"{total:.12g} s"

    return _DURATION.sub(summed, text)


# A time on a clock's face: "1:52" (m:ss, or h:mm where the question counts hours or more), "0:01:52"
# (h:mm:ss), "1:52.5"; a unit after it names its first part ("1:30 h", "1:52 min").
_CLOCK = re.compile(
    r"(?<![\w.:])(\d{1,3}):([0-5]\d)(?::([0-5]\d))?(\.\d+)?(?![\w:]|\.\d)"
    rf"(?:\s*({_time_names()})(?![^\W\d_]))?",
)


def clock_durations(text: str, asked: float = 1.0) -> str:
    """``text`` with each time written with colons as the one number of seconds it is ("1:52" is "112
    s"); two parts are minutes and seconds unless the question's unit (``asked``, in seconds) is an
    hour or more, or a unit after them says they are hours and minutes."""

    def seconds(match: re.Match[str]) -> str:
        first, second, third, fraction, name = match.groups()
        first_scale = 3600.0 if third is not None else 60.0 if asked < 3600 else 3600.0
        if name is not None and third is None and _time_scale(name) in (60.0, 3600.0):
            first_scale = _time_scale(name) or first_scale
        parts = [float(first), float(second)] + ([float(third)] if third is not None else [])
        parts[-1] += float(fraction or 0)
        total = sum(part * first_scale / 60**i for i, part in enumerate(parts))
        return f"{total:.12g} s"

    return _CLOCK.sub(seconds, text)


# A word after a question's first word that names what is counted ("B parameters", "m tokens"), not
# what the unit is of or per ("B of memory", "b per token").
_COUNTED = re.compile(r"\s+(?!(?:per|of)\b)[^\W\d_]", re.IGNORECASE)


def expected_unit(unit: str | None) -> tuple[float, Unit | None]:
    """A question's unit as its magnitude and known unit: "billion parameters" and "B parameters" are
    (1e9, None), "GiB" (1, GiB), "nats per token" (1, nats), "B" (1, bytes), "users" (1, None)."""
    if not unit:
        return 1.0, None
    text = unit.strip()
    first = _WORD.match(text)
    if (
        first is not None
        and isinstance(_lookup(first.group(1), None), float)
        and _COUNTED.match(text, first.end())
    ):
        written = written_after(text)  # a magnitude of the things counted: "B parameters" is not bytes
        return written.magnitude, written.unit
    # A letter that is a unit or a magnitude alone is the unit: a question's "B" is bytes, its "m" minutes.
    for kind in (None, "information", "time"):
        written = written_after(text, kind)
        if written.unit is not None:
            return written.magnitude, written.unit
    return written.magnitude, None


def in_base(unit: Unit, binary: bool) -> Unit:
    """``unit`` with its prefix of powers of 1024 (``binary``) or of 1000, as people mix them: "GB"
    read as GiB, "MiB" as MB. A unit without such a prefix is itself."""
    if not unit.prefix or unit.binary == binary:
        return unit
    letter = "KMGTP"[unit.prefix - 1]
    bits = unit.scale == (1024 if unit.binary else 1000) ** unit.prefix
    name = f"{letter}{'i' if binary else ''}{'bit' if bits else 'B'}"
    scale = unit.scale * ((1024 / 1000) if binary else (1000 / 1024)) ** unit.prefix
    return Unit(name, unit.kind, scale, unit.prefix, binary)


def read_alike(said: Unit, asked: Unit) -> list[tuple[float, str]]:
    """How many ``asked`` one ``said`` is with both prefixes read as powers of 1000, or both of 1024,
    where that differs from the units as written, and what was taken for what ("GiB taken as GB"):
    people mix the two, and an interviewer takes "112 GiB" for 112 GB."""
    readings = []
    for binary in (asked.binary, not asked.binary):
        said_as, asked_as = in_base(said, binary), in_base(asked, binary)
        if (said_as, asked_as) != (said, asked):
            taken = [f"{u.name} taken as {v.name}" for u, v in ((said, said_as), (asked, asked_as)) if u != v]
            readings.append((said_as.scale / asked_as.scale, " and ".join(taken)))
    return readings
