"""The benchmark harness keeps working: the small preset builds, every scenario runs, figures parse.

Timing is never asserted here; the targets are checked by running `python -m benchmarks`.
"""

from __future__ import annotations

import json
import os
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
        "grading model: a 500-word answer (in-process)",
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


def test_each_child_reports_its_own_peak_memory_and_imports() -> None:
    """A child forked from a big process reports its own high-water mark, not its parent's; and the
    packages it imported, which make its own floor."""
    from benchmarks.__main__ import run_process

    ballast = bytearray(300 * 2**20)  # this process is now far bigger than a bare interpreter
    _s, small, modules = run_process([sys.executable, "-c", "import typer"], {**os.environ})
    _s, big, _m = run_process([sys.executable, "-c", "x = bytearray(400 * 2**20)"], {**os.environ})
    assert small < 100 < 400 <= big
    assert modules is not None and "typer" in modules and "sqlalchemy" not in modules
    _s, marked, stopped = run_process(
        [sys.executable, "-c", "print('ready', flush=True); import time; time.sleep(60)"],
        {**os.environ},
        until="ready",
    )
    assert 0 < marked < 100 and stopped is None  # read from /proc before it was stopped
    del ballast


def test_against_times_another_source_tree_turn_about(tmp_path: Path) -> None:
    """`python -m benchmarks.against --src DIR` runs each scenario with DIR's mockprep as well: a fake
    one that notes each run shows it ran once to warm up and once per run."""
    fake = tmp_path / "other" / "mockprep"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    (fake / "__main__.py").write_text(
        "import os, pathlib\n"
        "with open(pathlib.Path(os.environ['MOCKPREP_HOME']) / 'other-ran', 'a') as f:\n"
        "    f.write('x')\n"
    )
    home = tmp_path / "h"
    argv = [sys.executable, "-m", "benchmarks.against", "--preset", "small", "--home", str(home)]
    proc = subprocess.run(
        [*argv, "--src", str(fake.parent), "--runs", "2", "--only", "stats"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    (row,) = [line for line in proc.stdout.splitlines() if line.startswith("stats")]
    assert float(row.split()[-1]) > 0  # the ratio of the two medians
    assert (home / "other-ran").read_text() == "xxx"  # a warm-up and two runs
    copy = tmp_path / "copy"  # a home of its own for the other version (this one would migrate it)
    copy.mkdir()
    again = subprocess.run(
        [*argv, "--src", str(fake.parent), "--src-home", str(copy), "--runs", "1", "--only", "stats"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert again.returncode == 0, again.stderr
    assert (copy / "other-ran").read_text() == "xx" and (home / "other-ran").read_text() == "xxx"
    wrong = subprocess.run(
        [*argv, "--src", str(tmp_path / "nowhere")], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert wrong.returncode == 2 and "holds no mockprep package" in wrong.stderr
    assert "Traceback" not in wrong.stderr
