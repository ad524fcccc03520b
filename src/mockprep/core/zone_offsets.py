"""The offsets from UTC a time zone used, and the local days they make: how ``stats`` and its roll-up
date an answer by the person's own calendar (summer time included). Pure: the zone is passed in.
"""

from __future__ import annotations

import functools
import time
from datetime import UTC, date, datetime, timedelta, tzinfo

# The offsets from UTC a zone used: ``(from, minutes east)``, one per change (daylight saving time),
# the first of which also covers everything before it.
Offsets = list[tuple[datetime, int]]


def utc_offsets(tz: tzinfo | None, start: datetime, end: datetime) -> Offsets:
    """The offsets from UTC (whole minutes) that ``tz`` uses between ``start`` and ``end``, with the
    moment each comes into force: one entry unless the zone changes its clocks. ``tz`` None is the
    system's zone. Weekly samples find the changes; halving the interval finds each to the second.

    An offset is a function of the whole second (``astimezone`` reads the system's from
    ``time.localtime`` of it), so the search runs on whole seconds since 1970 and makes a datetime
    only for each change: 30 years of weekly samples took 2.3 ms (6.2 ms in a zone with summer time)
    of every ``stats`` as datetimes."""
    minutes = _system_minutes if tz is None else functools.partial(_zone_minutes, tz)
    first, last = _seconds(start), _seconds(end)
    offsets = [(start, minutes(first))]
    at = first
    while at < last:
        following = min(at + _WEEK, last)
        if minutes(following) != offsets[-1][1]:
            before, after = at, following  # the change is after ``before``, at or before ``after``
            old = minutes(before)
            while after - before > 1:
                middle = (before + after) // 2
                before, after = (middle, after) if minutes(middle) == old else (before, middle)
            offsets.append((datetime.fromtimestamp(after, start.tzinfo), minutes(after)))
        at = following
    return offsets


_WEEK = 7 * 86400
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _seconds(at: datetime) -> int:
    """The whole second ``at`` falls in, since 1970 (rounded down, as ``astimezone`` rounds it)."""
    return (at - _EPOCH) // timedelta(seconds=1)


def _zone_minutes(tz: tzinfo, second: int) -> int:
    offset = datetime.fromtimestamp(second, tz).utcoffset()
    return round(offset.total_seconds() / 60) if offset else 0


def _system_minutes(second: int) -> int:
    return round(time.localtime(second).tm_gmtoff / 60)


# How far back answers are dated by the zone's own offsets (older ones take the earliest), and how far
# ahead the roll-up's triggers date new answers correctly (db/stats_rollup.py; checked at each `stats`).
OFFSETS_YEARS_BACK = 20
OFFSETS_YEARS_AHEAD = 10


def zone_offsets(tz: tzinfo | None, now: datetime) -> Offsets:
    """The offsets ``stats`` dates answers with (``tz`` None: the system's zone), around ``now``."""
    return utc_offsets(
        tz, now - timedelta(days=365 * OFFSETS_YEARS_BACK), now + timedelta(days=365 * OFFSETS_YEARS_AHEAD)
    )


def offset_at(offsets: Offsets, at: datetime) -> int:
    """The offset (minutes east of UTC) in force at the UTC time ``at`` under ``offsets`` (times
    before the first entry take its offset)."""
    minutes = offsets[0][1]
    for since, shift in offsets[1:]:
        if at < since:
            break
        minutes = shift
    return minutes


def local_date_at(offsets: Offsets, at: datetime) -> date:
    """The local date of the UTC time ``at`` under ``offsets``."""
    return (at + timedelta(minutes=offset_at(offsets, at))).date()


def same_offsets(a: Offsets, b: Offsets, start: datetime, end: datetime) -> bool:
    """Whether ``a`` and ``b`` put every moment from ``start`` to ``end`` at the same offset: both
    are constant between their entries, so comparing at ``start`` and at each entry within is enough."""
    moments = {start} | {since for since, _minutes in (*a, *b) if start < since <= end}
    return all(offset_at(a, at) == offset_at(b, at) for at in moments)


def day_starts(offsets: Offsets, first: date, last: date, step: int = 1) -> list[tuple[date, datetime]]:
    """Each local day from ``first`` to ``last`` (every ``step`` days; with ``step`` 7 from a Monday,
    the weeks), with the UTC time it begins under ``offsets``, and then the day after ``last``'s period.

    A day begins at the first moment whose local date is that day: local midnight, or the end of the
    gap when the clocks skip midnight. So a time falls in day ``d`` exactly when it is at or after
    ``d``'s start and before the next one's: the database counts each day with one index range.
    """
    periods = [
        (since, offsets[i + 1][0] if i + 1 < len(offsets) else None, minutes)
        for i, (since, minutes) in enumerate(offsets)
    ]
    out: list[tuple[date, datetime]] = []
    current = 0
    day = first
    end = last + timedelta(days=step)
    while day <= end:
        midnight = datetime(day.year, day.month, day.day, tzinfo=offsets[0][0].tzinfo)
        while True:
            since, until, minutes = periods[current]
            start = midnight - timedelta(minutes=minutes)
            if current:
                start = max(start, since)
            if until is None or start < until:
                break
            current += 1
        out.append((day, start))
        day += timedelta(days=step)
    return out
