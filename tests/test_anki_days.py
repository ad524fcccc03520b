"""Anki's day numbers and mockprep's local days (core/anki_days.py), against a model of Anki's own
``sched_timing_today`` (rslib/src/scheduler/timing.rs) and its import's shift of review cards
(rslib/src/import_export/package/apkg/import/cards.rs). tests/test_bank_anki.py checks the same with
the real `anki` package."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockprep.core.anki_days import EXPORT_DAYS, AnkiDays, AnkiDue, anki_day, day_due, local_day
from mockprep.core.scheduler import day_start

# Far from UTC both ways (+14, -11), half and three-quarter hours, daylight saving north and south
FAR_ZONES = [
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "America/St_Johns",
    "Pacific/Auckland",
    "America/New_York",
    "Europe/Paris",
    "UTC",
]
zones = st.sampled_from(FAR_ZONES).map(ZoneInfo)
moments = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC)
)


def anki_today(days: AnkiDays, now: datetime, zone: ZoneInfo) -> int:
    """Anki's ``days_elapsed`` at ``now`` for a collection opened in ``zone`` (v2 scheduler)."""
    rollover = days.rollover if days.rollover is not None else 4
    local = now.astimezone(zone)
    if days.minutes_west is None:  # legacy: whole days since crt's date at the rollover, in today's offset
        offset = timezone(local.utcoffset() or timedelta(0))
        created = datetime.fromtimestamp(days.created, offset).replace(hour=rollover, minute=0, second=0)
        return max(0, int((now - created).total_seconds() // 86400))
    created_day = datetime.fromtimestamp(days.created, timezone(timedelta(minutes=-days.minutes_west))).date()
    elapsed = (local.date() - created_day).days - (1 if local.hour < rollover else 0)
    return max(0, elapsed)


def anki_date(days: AnkiDays, number: int, zone: ZoneInfo) -> date:
    """The date of day ``number`` in a collection with a creationOffset (Anki's own since 2.1.2x)."""
    return days.first_day(zone) + timedelta(days=number)


@settings(max_examples=300, deadline=None)
@given(
    due=moments,
    imported=moments,
    created=moments,
    zone=zones,
    hour=st.integers(0, 23),
)
def test_an_exported_review_card_lands_on_its_mockprep_day_in_anki(
    due: datetime, imported: datetime, created: datetime, zone: ZoneInfo, hour: int
) -> None:
    """Whenever the package is imported, into a collection created whenever in the person's zone, the
    card is due on the local date of mockprep's day of its due time (its day starting at ``hour``)."""
    imported = max(imported, created)
    crt = day_start(created, zone, 0, 4)  # Anki's crt: 4 am local on the day it is created
    target = AnkiDays(int(crt.timestamp()), -int(crt.astimezone(zone).utcoffset().total_seconds()) // 60)
    number = anki_day(EXPORT_DAYS, due, zone, hour)
    # the import: due -= (the package's today - the target's today)
    landed = number - (anki_today(EXPORT_DAYS, imported, zone) - anki_today(target, imported, zone))
    assert anki_date(target, landed, zone) == local_day(due, zone, hour)


@pytest.mark.parametrize(
    ("zone", "local", "hour", "day"),
    [
        # half an hour before and after local midnight, 14 hours east of UTC: UTC's date is the day before
        ("Pacific/Kiritimati", datetime(2026, 12, 5, 23, 30), 0, date(2026, 12, 5)),
        ("Pacific/Kiritimati", datetime(2026, 12, 6, 0, 30), 0, date(2026, 12, 6)),
        # 11 hours west: UTC's date is the day after
        ("Pacific/Pago_Pago", datetime(2026, 12, 5, 23, 30), 0, date(2026, 12, 5)),
        ("Pacific/Pago_Pago", datetime(2026, 12, 6, 0, 30), 0, date(2026, 12, 6)),
        # mockprep's day starting at 4 like Anki's: 3:59 is still the day before
        ("Pacific/Auckland", datetime(2026, 12, 6, 3, 59), 4, date(2026, 12, 5)),
        ("Pacific/Auckland", datetime(2026, 12, 6, 4, 0), 4, date(2026, 12, 6)),
        # the tester's cards: 09:00 UTC, an Anki collection created at 11:00 UTC
        ("UTC", datetime(2026, 12, 6, 9, 0), 0, date(2026, 12, 6)),
        ("UTC", datetime(2026, 12, 4, 9, 0), 0, date(2026, 12, 4)),
    ],
)
def test_the_due_day_near_midnight_far_from_utc(zone: str, local: datetime, hour: int, day: date) -> None:
    tz = ZoneInfo(zone)
    due = local.replace(tzinfo=tz).astimezone(UTC)
    for imported_hour in range(24):  # whatever the hour of the import, the next day in the person's zone
        imported = datetime.combine(day + timedelta(days=1), datetime.min.time(), tz) + timedelta(
            hours=imported_hour
        )
        today = imported.astimezone(tz) - timedelta(hours=4)  # Anki's today in the person's Anki (4 am)
        number = anki_day(EXPORT_DAYS, due, tz, hour)
        assert today.date() + timedelta(days=number - anki_today(EXPORT_DAYS, imported, tz)) == day


@settings(max_examples=300, deadline=None)
@given(
    due=moments,
    created=moments,
    west=st.one_of(st.none(), st.integers(-14 * 60, 12 * 60)),
    rollover=st.integers(0, 23),
    zone=zones,
    hour=st.integers(0, 23),
)
def test_a_due_day_read_back_is_the_same_local_day(
    due: datetime, created: datetime, west: int | None, rollover: int, zone: ZoneInfo, hour: int
) -> None:
    """mockprep -> Anki's day number -> mockprep: the card is due on its own day again, from the hour
    that day starts in Anki or in mockprep, whichever is later."""
    days = AnkiDays(int(created.timestamp()), west, rollover)
    back = day_due(days, anki_day(days, due, zone, hour), zone, hour)
    assert local_day(back, zone, hour) == local_day(due, zone, hour)
    assert back.astimezone(zone).hour in (max(rollover, hour), max(rollover, hour) + 1)  # (+1: a DST gap)


def test_an_imported_card_is_due_on_its_anki_day() -> None:
    """A review card (and one learning over days) is due from the start of its day in the person's zone;
    a learning card at its time; a new card has no due."""
    kiritimati = ZoneInfo("Pacific/Kiritimati")
    days = AnkiDays(int(datetime(2026, 1, 1, 4, tzinfo=kiritimati).timestamp()), -14 * 60, 4)
    start = datetime(2026, 1, 11, 4, tzinfo=kiritimati)
    assert AnkiDue(days, 2, 2, 10).time(kiritimati, 0) == start
    assert AnkiDue(days, 2, -1, 10).time(kiritimati, 0) == start  # suspended
    assert AnkiDue(days, 1, 3, 10).time(kiritimati, 0) == start  # learning, a step of a day or more
    assert AnkiDue(days, 2, 2, 10).time(kiritimati, 6) == start + timedelta(hours=2)  # mockprep's day at 6
    at = datetime(2026, 1, 11, 23, 59, 30, tzinfo=UTC)
    for kind, queue in ((1, 1), (3, 1), (3, -2)):  # learning, relearning, a buried relearning card
        assert AnkiDue(days, kind, queue, int(at.timestamp())).time(kiritimati, 0) == at
    assert AnkiDue(days, 0, 0, 7).time(kiritimati, 0) is None
    assert AnkiDue(days, 2, 2, 10**12).time(kiritimati, 0) is None  # no date holds it


def test_a_collection_without_a_creation_offset_counts_from_its_local_date() -> None:
    """Older collections (no creationOffset) date their first day in the zone they are opened in; the
    v1 scheduler's days are 24 hours from crt."""
    crt = datetime(2014, 9, 19, 11, tzinfo=UTC)
    legacy = AnkiDays(int(crt.timestamp()), None, 4)
    assert legacy.first_day(ZoneInfo("Pacific/Kiritimati")) == date(2014, 9, 20)
    assert legacy.first_day(ZoneInfo("Pacific/Pago_Pago")) == date(2014, 9, 19)
    v1 = AnkiDays(int(crt.timestamp()), None, None)
    assert day_due(v1, 3, ZoneInfo("Asia/Tokyo"), 0) == crt + timedelta(days=3)
