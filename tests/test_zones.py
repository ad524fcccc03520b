"""Time-sensitive behaviour in several local time zones (conftest's ``zone``: UTC, Paris, New York on
the eve of both 2026 DST changes, Kolkata): what "today" is for a session's new questions, the days
and streaks of stats, the times history shows, and the daily backup."""

from __future__ import annotations

import json
import random
import sqlite3
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from fsrs import Rating

from mockprep.core.questions import QuestionFilter
from mockprep.core.settings import DEFAULT_SETTINGS
from mockprep.db.backups import make_backup, needs_daily_backup
from mockprep.db.store import Store
from mockprep.practice.session import Session, SessionOptions
from mockprep.services.bank_sync import sync_banks
from tests.conftest import FakeClock, ScriptedUI, Zone, write_bank


def test_stats_runs_in_every_zone_and_dates_answers_by_their_local_day(cli, cli_clock, zone: Zone) -> None:
    cli_clock.now = zone.start  # 23:30 local
    assert cli("session", "--round", "technical", "--limit", "1", input="a\n\n3\n").exit_code == 0
    answered_on = zone.local(zone.start).date()
    for later in (timedelta(hours=1), timedelta(hours=13)):  # just after local midnight; the next noon
        cli_clock.now = zone.start + later
        shown = cli("stats")
        assert shown.exit_code == 0, shown.stderr  # TZ=Europe/Paris once crashed with a TypeError
        assert "Activity" in shown.stdout and "Traceback" not in shown.stderr
        data = json.loads(cli("stats", "--json").stdout)
        assert data["heatmap"]["days"] == {answered_on.isoformat(): 1}
        assert data["heatmap"]["end"] == zone.local(cli_clock.now).date().isoformat()
        assert data["streak"] == {"current": 1, "longest": 1}  # yesterday's practice still counts
        monday = answered_on - timedelta(days=answered_on.weekday())
        assert [w["week"] for w in data["score_trend"]["technical"]] == [monday.isoformat()]


def test_history_shows_local_times(cli, cli_clock, zone: Zone) -> None:
    cli_clock.now = zone.start
    cli("session", "--limit", "1", input="a\n\n3\n")
    local = zone.local(zone.start).strftime("%Y-%m-%d %H:%M")
    assert local in cli("history").stdout
    assert f"{local} to {local}" in cli("history", "1").stdout


def _demo(store: Store, tmp_path: Path, clock: FakeClock) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    write_bank(folder / "demo.toml", n=8)
    store.banks.add_source(folder, clock.now)
    sync_banks(store, clock.now)


@pytest.mark.parametrize("own_zone", [False, True], ids=["system-zone", "zoneinfo"])
def test_new_questions_per_local_day(store: Store, tmp_path: Path, zone: Zone, own_zone: bool) -> None:
    """The daily limit of new questions restarts at local midnight, also on a 23- or 25-hour day."""
    clock = FakeClock(zone.start)
    _demo(store, tmp_path, clock)
    settings = replace(DEFAULT_SETTINGS, daily_new=2)

    def run(limit: int | None = None):
        ui = ScriptedUI(["a"] * 5, [Rating.Easy] * 5, clock=clock)
        options = SessionOptions(
            filter=QuestionFilter(banks=("demo",)), tz=zone.tz if own_zone else None, limit=limit
        )
        return Session(store, ui, clock, random.Random(1), options, settings).run()

    assert run().answered == 2  # 23:30 local
    clock.advance(minutes=20)
    assert run().status == "empty"  # 23:50: the same local day
    clock.advance(minutes=40)
    assert run(limit=1).answered == 1  # 00:30: a new local day (east of UTC, still the same UTC day)
    clock.advance(hours=12)
    assert run().answered == 1  # 12:30, past any DST change: one of today's two is left


def test_daily_backup_follows_the_local_day(tmp_path: Path, zone: Zone) -> None:
    home = tmp_path / "home"
    home.mkdir()
    db = home / "mockprep.db"
    sqlite3.connect(db).close()
    make_backup(db, home, zone.start, "daily")  # 23:30 local
    assert not needs_daily_backup(home, zone.start + timedelta(minutes=20))
    assert needs_daily_backup(home, zone.start + timedelta(hours=1))  # 00:30 the next local day
