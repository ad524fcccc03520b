"""Benchmark harness: ``python -m benchmarks [--preset heavy|small] [--runs N]``.

Builds the workload once (kept under ``benchmarks/.cache/PRESET`` unless ``--home`` says otherwise),
then times each scenario as whole processes — after a warm-up run — and prints one table: median,
min, max, peak memory, the floor measured in the same run, and the ratio to it. ``--json`` prints
the same rows as JSON (the test suite parses that).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks import sync
from benchmarks.voice import transcription_ms
from benchmarks.workload import PRESETS, build, huge_answer, write_bank_file
from mockprep.core.records import ReviewRecord

ROOT = Path(__file__).resolve().parent
PY = sys.executable
MOCKPREP = [PY, "-m", "mockprep"]


@dataclass
class Result:
    scenario: str
    median_ms: float
    min_ms: float
    max_ms: float
    peak_mb: float
    floor: str | None
    floor_ms: float | None
    target: str

    @property
    def above_floor_ms(self) -> float | None:
        return None if self.floor_ms is None else self.median_ms - self.floor_ms

    @property
    def ratio(self) -> float | None:
        return None if not self.floor_ms else self.median_ms / self.floor_ms


def run_process(
    argv: list[str], env: dict[str, str], stdin: str = "", until: str | None = None
) -> tuple[float, float]:
    """Seconds and peak RSS (MB) of one process; with ``until``, the time until that text is printed."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        argv, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    elapsed = None
    assert proc.stdin is not None and proc.stdout is not None
    if until is None:
        # Not communicate(): that would reap the child before os.wait4 can read its memory use.
        proc.stdin.write(stdin)
        proc.stdin.close()
        proc.stdout.read()
    else:
        assert proc.stdout is not None
        for line in proc.stdout:
            if until in line:
                elapsed = time.perf_counter() - started
                break
        proc.kill()
        proc.stdin.close()
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    total = time.perf_counter() - started
    if until is None and proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {proc.returncode}")
    if until is not None and elapsed is None:
        raise RuntimeError(f"{' '.join(argv)} never printed {until!r}")
    return (elapsed if elapsed is not None else total), usage.ru_maxrss / 1024


def measure(
    name: str,
    argv_fn,
    runs: int,
    env: dict[str, str],
    target: str,
    floor: tuple[str, float] | None = None,
    **kwargs,
) -> Result:
    run_process(argv_fn(), env, **kwargs)  # warm-up (page cache, .pyc files)
    times, peaks = [], []
    for _ in range(runs):
        seconds, peak = run_process(argv_fn(), env, **kwargs)
        times.append(seconds * 1000)
        peaks.append(peak)
    return Result(
        name,
        statistics.median(times),
        min(times),
        max(times),
        max(peaks),
        floor[0] if floor else None,
        floor[1] if floor else None,
        target,
    )


def in_process_rating_ms(home: Path, runs: int) -> list[float]:
    """Milliseconds for one rating: FSRS step plus the durable commit, on the heavy home."""
    from fsrs import Rating

    from mockprep.core.scheduler import make_scheduler, review
    from mockprep.db.store import Store

    scheduler = make_scheduler(0.9)
    samples = []
    with Store.open(home) as store:
        rows = store.conn.exec_driver_sql("SELECT question_id FROM cards LIMIT ?", (runs + 5,))
        qids = [r[0] for r in rows]
        session = store.sessions.start("drill", {"benchmark": True}, datetime.now(UTC), os.getpid())
        for qid in qids:
            now = datetime.now(UTC)
            started = time.perf_counter()
            card = store.cards.card(qid)
            store.cards.record_review(
                ReviewRecord(
                    qid, session, review(scheduler, card, Rating.Good, now), now, 3, 2, "bench", 1000
                )
            )
            samples.append((time.perf_counter() - started) * 1000)
        # Leave the home as it was: drop the benchmark's own rows.
        with store.write() as conn:
            conn.exec_driver_sql("DELETE FROM reviews WHERE session_id = ?", (session,))
            conn.exec_driver_sql("DELETE FROM sessions WHERE id = ?", (session,))
    return samples[5:]


def in_process_grading_ms(runs: int, size: int = 10_000_000) -> list[float]:
    """Milliseconds to grade one pasted answer of ``size`` characters against a question's key points."""
    import random

    from mockprep.core.banks import QuestionSpec
    from mockprep.core.grading import LexicalGrader

    spec = QuestionSpec.model_validate(
        {
            "id": "bias-variance",
            "prompt": "Derive the bias-variance decomposition.",
            "answer": "Expected error = bias² + variance + noise.",
            "key_points": [
                "expected error = bias^2 + variance + irreducible noise",
                "variance increases with model complexity",
                "the expectation is over training sets",
                "regularisation trades variance for bias",
            ],
        }
    )
    answer = huge_answer(size, random.Random(11))
    grader = LexicalGrader()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        grader.assess(spec, answer)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def run_all(home: Path, runs: int, big_bank_questions: int, speech_seconds: float = 120) -> list[Result]:
    env = {**os.environ, "MOCKPREP_HOME": str(home), "COLUMNS": "100", "NO_COLOR": "1"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    floor_typer = measure(
        "floor: python -c 'import typer'", lambda: [PY, "-c", "import typer"], runs, env, "-"
    )
    floor_heavy = measure(
        "floor: import sqlmodel, typer, rich",
        lambda: [PY, "-c", "import sqlmodel, typer, rich"],
        runs,
        env,
        "-",
    )
    typer_floor = (floor_typer.scenario, floor_typer.median_ms)
    heavy_floor = (floor_heavy.scenario, floor_heavy.median_ms)
    results = [floor_typer, floor_heavy]
    results.append(
        measure(
            "mockprep --help", lambda: [*MOCKPREP, "--help"], runs, env, "< 150 ms, ≤ 1.5× floor", typer_floor
        )
    )
    results.append(
        measure(
            "mockprep --version",
            lambda: [*MOCKPREP, "--version"],
            runs,
            env,
            "< 150 ms, ≤ 1.5× floor",
            typer_floor,
        )
    )
    results.append(
        measure(
            "session: start to first question",
            lambda: [*MOCKPREP, "session"],
            runs,
            env,
            "< 800 ms, < 150 ms above floor",
            heavy_floor,
            until="Question 1",
        )
    )
    results.append(
        measure(
            "bank sync, nothing changed",
            lambda: [*MOCKPREP, "bank", "sync"],
            runs,
            env,
            "< 30 ms above floor",
            heavy_floor,
        )
    )
    results.append(
        measure("stats", lambda: [*MOCKPREP, "stats"], runs, env, "< 1.5 s, < 150 MB", heavy_floor)
    )
    results.append(measure("history", lambda: [*MOCKPREP, "history"], runs, env, "< 800 ms", heavy_floor))

    samples = in_process_rating_ms(home, max(20, runs * 10))
    results.append(
        Result(
            "rate one answer (in-process)",
            statistics.median(samples),
            min(samples),
            max(samples),
            0.0,
            None,
            None,
            "< 10 ms",
        )
    )

    grading = in_process_grading_ms(max(1, runs // 2))
    results.append(
        Result(
            "grade a 10 MB answer (in-process)",
            statistics.median(grading),
            min(grading),
            max(grading),
            0.0,
            None,
            None,
            "< 2 s",
        )
    )

    spoken = transcription_ms(speech_seconds, max(1, runs // 2))
    if spoken is not None:
        wall, cpu, length = spoken
        for label, samples, target in (
            ("", wall, "< 20 s for 2 minutes, 2 cores"),
            (", CPU time", cpu, "< 40 s for 2 minutes"),
        ):
            results.append(
                Result(
                    f"transcribe a {length:.0f} s answer{label}",
                    statistics.median(samples),
                    min(samples),
                    max(samples),
                    0.0,
                    None,
                    None,
                    target,
                )
            )

    with tempfile.TemporaryDirectory() as scratch:
        scratch_path = Path(scratch)
        big = scratch_path / "big.toml"
        import random

        write_bank_file(big, 999, big_bank_questions, random.Random(1))

        def fresh_add() -> list[str]:
            shutil.rmtree(scratch_path / "addhome", ignore_errors=True)
            return [*MOCKPREP, "bank", "add", str(big)]

        add_env = {**env, "MOCKPREP_HOME": str(scratch_path / "addhome")}
        results.append(
            measure(
                f"bank add, {big_bank_questions}-question file",
                fresh_add,
                runs,
                add_env,
                "< 3 s",
                heavy_floor,
            )
        )
        apkg = scratch_path / "big.apkg"
        results.append(
            measure(
                f"bank export apkg, {big_bank_questions} notes",
                lambda: [*MOCKPREP, "bank", "export", str(big), "-o", str(apkg), "--force"],
                runs,
                add_env,
                "< 5 s",
                heavy_floor,
            )
        )
        results.append(
            measure(
                f"bank import apkg, {big_bank_questions} notes",
                lambda: [
                    *MOCKPREP,
                    "bank",
                    "import",
                    str(apkg),
                    "-o",
                    str(scratch_path / "back.toml"),
                    "--force",
                ],
                runs,
                add_env,
                "< 5 s",
                heavy_floor,
            )
        )
        export_file = scratch_path / "export.json"
        results.append(
            measure(
                "export",
                lambda: [*MOCKPREP, "export", "-o", str(export_file), "--force"],
                max(1, runs // 2),
                env,
                "< 15 s, < 500 MB",
                heavy_floor,
            )
        )

        def fresh_import() -> list[str]:
            shutil.rmtree(scratch_path / "imphome", ignore_errors=True)
            return [*MOCKPREP, "import", str(export_file)]

        imp_env = {**env, "MOCKPREP_HOME": str(scratch_path / "imphome")}
        results.append(
            measure("import", fresh_import, max(1, runs // 2), imp_env, "< 15 s, < 500 MB", heavy_floor)
        )
        sync_floor = next(r for r in results if r.scenario == "bank sync, nothing changed")
        results.append(
            sync.noop_sync(
                home, scratch_path, measure, MOCKPREP, runs, env, (sync_floor.scenario, sync_floor.median_ms)
            )
        )
        merged = sync.median_ms(sync.merge_year_seconds(scratch_path, max(1, runs // 2)))
        results.append(Result("merge 50,000 reviews (in-process)", *merged, 0.0, None, None, "< 5 s"))
    return results


def render(results: list[Result]) -> str:
    header = f"{'scenario':<40} {'median':>9} {'min':>9} {'max':>9} {'peak MB':>8} {'floor':>8} {'ratio':>6}  target"
    lines = [header, "-" * len(header)]
    for r in results:
        floor = "" if r.floor_ms is None else f"{r.floor_ms:.0f}"
        ratio = "" if r.ratio is None else f"{r.ratio:.2f}"
        peak = "" if not r.peak_mb else f"{r.peak_mb:.0f}"
        lines.append(
            f"{r.scenario:<40} {r.median_ms:>7.1f}ms {r.min_ms:>7.1f}ms {r.max_ms:>7.1f}ms {peak:>8} {floor:>8}"
            f" {ratio:>6}  {r.target}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--preset", choices=sorted(PRESETS), default="heavy")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--home", type=Path, help="Where to build (and reuse) the workload.")
    parser.add_argument("--rebuild", action="store_true", help="Build the workload again.")
    parser.add_argument("--json", action="store_true", help="Print the results as JSON.")
    args = parser.parse_args(argv)
    preset = PRESETS[args.preset]
    home = args.home or ROOT / ".cache" / args.preset
    if args.rebuild and home.exists():
        shutil.rmtree(home)
    if not (home / "mockprep.db").exists():
        print(f"building the {args.preset} workload in {home} ...", file=sys.stderr)
        started = time.perf_counter()
        counts = build(home, preset, now=datetime.now(UTC) - timedelta(minutes=1))
        print(f"built in {time.perf_counter() - started:.0f}s: {counts}", file=sys.stderr)
    big = 10_000 if args.preset == "heavy" else 200
    results = run_all(home, args.runs, big, 120 if args.preset == "heavy" else 15)
    if args.json:
        print(json.dumps([{**asdict(r), "ratio": r.ratio} for r in results], indent=1))
    else:
        print(render(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
