"""The benchmark harness keeps working: the small preset builds, every scenario runs, figures parse.

Timing is never asserted here; the targets are checked by running `python -m benchmarks`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_small_preset_runs_every_scenario(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks",
            "--preset",
            "small",
            "--runs",
            "1",
            "--home",
            str(tmp_path / "h"),
            "--json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    names = [r["scenario"] for r in rows]
    for expected in (
        "mockprep --help",
        "session: start to first question",
        "stats",
        "history",
        "export",
        "import",
        "rate one answer (in-process)",
        "grade a 10 MB answer (in-process)",
        "bank sync, nothing changed",
        "bank export apkg",
        "bank import apkg",
    ):
        assert any(name.startswith(expected) for name in names), expected
    for row in rows:
        assert row["min_ms"] <= row["median_ms"] <= row["max_ms"]
        assert row["median_ms"] > 0


def test_workload_counts(tmp_path: Path) -> None:
    from benchmarks.workload import PRESETS, build
    from mockprep.db.store import Store

    counts = build(tmp_path / "w", PRESETS["small"], seed=1)
    with Store.open(tmp_path / "w") as store:
        q = store.conn.exec_driver_sql
        assert q("SELECT COUNT(*) FROM reviews").scalar() == counts["reviews"] == PRESETS["small"].reviews
        assert q("SELECT COUNT(*) FROM sessions").scalar() == PRESETS["small"].sessions
        assert q("SELECT COUNT(*) FROM stories").scalar() == PRESETS["small"].stories
        assert q("SELECT COUNT(DISTINCT bank_id) FROM questions WHERE bank_id LIKE 'bench-%'").scalar() == 3
