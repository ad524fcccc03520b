"""Sync scenarios: a sync with nothing new (a whole process), merging a year of another device's practice."""

from __future__ import annotations

import random
import shutil
import statistics
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REVIEWS_A_YEAR = 50_000


def noop_sync(
    home: Path, scratch: Path, measure: Callable[..., Any], mockprep: list[str], runs: int, env, floor
):
    """`mockprep sync` when no device has anything new, on a copy of the benchmark home (the warm-up run
    is the first sync, which writes everything)."""
    copy = scratch / "synchome"
    shutil.copytree(home, copy, ignore=shutil.ignore_patterns("backups"))
    folder = scratch / "syncfolder"
    folder.mkdir()
    sync_env = {**env, "MOCKPREP_HOME": str(copy)}
    return measure(
        "sync, nothing new",
        lambda: [*mockprep, "sync", "--folder", str(folder)],
        runs,
        sync_env,
        "< 100 ms above bank sync",
        floor,
    )


def year_of_events(keys: list[str], rng: random.Random, now: datetime) -> list[dict[str, Any]]:
    """A year of another device's practice as sync events: sessions of 25 reviews, 50,000 reviews."""
    events: list[dict[str, Any]] = []
    start = now - timedelta(days=365)
    step = timedelta(days=365) / REVIEWS_A_YEAR
    session = None
    for n in range(REVIEWS_A_YEAR):
        at = start + step * n
        if n % 25 == 0:
            session = uuid.UUID(int=rng.getrandbits(128)).hex
            events.append(
                {
                    "t": "session",
                    "uid": session,
                    "kind": "drill",
                    "started_at": at.isoformat(),
                    "ended_at": (at + timedelta(minutes=30)).isoformat(),
                    "status": "completed",
                    "filters": {},
                }
            )
        events.append(
            {
                "t": "review",
                "uid": uuid.UUID(int=rng.getrandbits(128)).hex,
                "key": rng.choice(keys),
                "session": session,
                "rated_at": at.isoformat(),
                "rating": rng.choice((1, 3, 3, 3, 4)),
                "state_before": 2,
                "answer": "an answer of a few words",
                "duration_ms": 60_000,
            }
        )
    return events


def merge_year_seconds(scratch: Path, runs: int) -> list[float]:
    """Seconds to merge 50,000 reviews into a home with the built-in banks (in-process, one transaction)."""
    from mockprep.db.merge import merge_events
    from mockprep.db.store import Store
    from mockprep.services.bank_sync import sync_banks

    now = datetime.now(UTC)
    samples = []
    for run in range(runs):
        home = scratch / f"mergehome{run}"
        with Store.open(home, backups=False) as store:
            sync_banks(store, now - timedelta(days=400))
            keys = [r.key for r in store.q("SELECT key FROM questions")]
            events = year_of_events(keys, random.Random(run), now)
            started = time.perf_counter()
            summary = merge_events(store, events, origin="laptop-000000000000")
            samples.append(time.perf_counter() - started)
            assert summary.reviews == REVIEWS_A_YEAR
        shutil.rmtree(home, ignore_errors=True)
    return samples


def median_ms(samples: list[float]) -> tuple[float, float, float]:
    return statistics.median(samples) * 1000, min(samples) * 1000, max(samples) * 1000
