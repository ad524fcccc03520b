"""How an Anki collection numbers its days, to and from mockprep's local days.

A review card's ``due`` is a day number. Anki (rslib's ``sched_timing_today``) counts today as the calendar
days from the date the collection was created (``crt``, dated in the zone of its ``creationOffset``) to
the local date now, less one before the rollover hour ("next day starts at", 4 by default). An import
shifts every review card by the difference between the two collections' todays, so a card lands on
``created date + due`` in the person's own Anki whatever its ``crt``: only the creation date counts.
A learning card's ``due`` is a time (epoch seconds) and needs none of this.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo

from mockprep.core.scheduler import day_start

DAY = 86400
_SECONDS_FROM = 1_000_000_000  # a learning card's due above this is a time, below it a day (Anki's rule)


@dataclass(frozen=True)
class AnkiDays:
    """A collection's day numbering: its ``crt``, ``creationOffset`` and rollover hour."""

    created: int  # crt, epoch seconds
    # creationOffset (minutes west of UTC): the zone its first day is dated in. None in collections
    # older than Anki 2.1.2x, whose first day is dated in the local zone.
    minutes_west: int | None
    # The hour a day starts ("rollover", local time); None for the v1 scheduler, whose days are
    # 24 hours each from crt.
    rollover: int | None = 4
    # When the collection last changed (col.mod, epoch seconds; None: unknown): a card buried there was
    # buried by then, and Anki unburies it when its next day starts.
    modified: int | None = None

    def first_day(self, tz: tzinfo | None) -> date:
        """The date of day 0."""
        zone = tz if self.minutes_west is None else timezone(timedelta(minutes=-self.minutes_west))
        return datetime.fromtimestamp(self.created, UTC).astimezone(zone).date()


# The collection of an exported package: genanki's crt (2014-09-19 11:00 UTC), dated in UTC.
EXPORT_DAYS = AnkiDays(1411124400, 0, 4)


def local_day(moment: datetime, tz: tzinfo | None, hour: int) -> date:
    """mockprep's day holding ``moment``: the local date, still yesterday before ``hour`` o'clock."""
    return day_start(moment, tz, 0, hour).astimezone(tz).date()


def anki_day(days: AnkiDays, due: datetime, tz: tzinfo | None, hour: int) -> int:
    """The day number of a review card due at ``due`` in mockprep: due on the same local day in Anki.

    Anki shows it from that day's rollover hour, which can be a few hours before or after ``due``."""
    return (local_day(due, tz, hour) - days.first_day(tz)).days


def _at(day: date, hour: int, tz: tzinfo | None) -> datetime:
    start = datetime(day.year, day.month, day.day, hour)
    # A naive time is read in the system's zone (tz None), with the offset in force on that day.
    return (start.astimezone(UTC) if tz is None else start.replace(tzinfo=tz)).astimezone(UTC)


def day_due(days: AnkiDays, number: int, tz: tzinfo | None, hour: int) -> datetime:
    """When a card due on day ``number`` comes due in mockprep: when that day starts in Anki, or, when
    mockprep's day starts later (``hour``), when it starts there, so that it is the same local day."""
    if days.rollover is None:
        return datetime.fromtimestamp(days.created + number * DAY, UTC)
    return _at(days.first_day(tz) + timedelta(days=number), max(days.rollover % 24, hour), tz)


@dataclass(frozen=True)
class AnkiDue:
    """An Anki card's schedule as its collection holds it: ``type``, ``queue`` and ``due`` (a filtered
    card's original due), and how the collection numbers its days."""

    days: AnkiDays
    kind: int  # type: 0 new, 1 learning, 2 review, 3 relearning
    queue: int  # 1 learning, 2 review, 3 learning over days, 4 preview; below 0 suspended or buried
    due: int

    def time(self, tz: tzinfo | None, hour: int) -> datetime | None:
        """When the card comes due in mockprep; None for a new card, or a due no date can hold."""
        if self.kind not in (1, 2, 3):
            return None
        seconds = self.queue in (1, 4) or (self.queue < 0 and self.kind != 2 and self.due > _SECONDS_FROM)
        try:
            if seconds:  # learning (or previewed): a time
                return datetime.fromtimestamp(self.due, UTC)
            return day_due(self.days, self.due, tz, hour)  # review, or learning from one day to the next
        except (OverflowError, ValueError, OSError):
            return None
