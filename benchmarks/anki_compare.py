"""``python -m benchmarks --anki``: the same collection in Anki, timed beside mockprep in one run.

The collection is built once from the benchmark home (see :mod:`benchmarks.anki_side`) and kept
beside it in ``HOME/anki/``. Each Anki figure is a whole process, like mockprep's: open and show the
first card; open and run the backend call behind the statistics screen (its own time is printed too).
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks import anki_side

PY = sys.executable


def collection_for(home: Path) -> Path:
    target = home / "anki" / "collection.anki2"
    if not target.exists():
        print(f"building the same collection in Anki in {target.parent} ...", file=sys.stderr)
        started = time.perf_counter()
        counts = anki_side.build(home / "mockprep.db", target)
        print(f"built in {time.perf_counter() - started:.0f}s: {counts}", file=sys.stderr)
    return target


def graphs_call_ms(collection: Path, runs: int) -> float:
    """Median time of Anki's graphs backend call alone (measured inside the child)."""
    samples = []
    for _ in range(runs + 1):
        out = subprocess.run(
            [PY, "-m", "benchmarks.anki_side", "graphs", str(collection)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        match = re.search(r"graphs (\d+) ms", out)
        assert match, out
        samples.append(float(match.group(1)))
    return statistics.median(samples[1:])  # the first run warms the page cache


def file_mb(path: Path) -> float:
    return (
        sum(
            os.path.getsize(f"{path}{suffix}") for suffix in ("", "-wal") if os.path.exists(f"{path}{suffix}")
        )
        / 2**20
    )


def ratio_lines(pairs: list[tuple[str, float, float]]) -> list[str]:
    """One line per paired figure: mockprep, Anki and their ratio (below 1: mockprep is faster)."""
    lines = [f"{'paired on one machine':<44} {'mockprep':>10} {'Anki':>10} {'ratio':>6}"]
    for name, ours, theirs in pairs:
        lines.append(f"{name:<44} {ours:>10.1f} {theirs:>10.1f} {ours / theirs:>6.2f}")
    return lines
