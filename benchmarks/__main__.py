"""Benchmark harness: ``python -m benchmarks [--preset heavy|heavy-2y|small] [--runs N] [--anki]``.

Builds the workload once (kept under ``benchmarks/.cache/PRESET`` unless ``--home`` says otherwise),
then times each scenario as whole processes — after a warm-up run — and prints one table: median,
min, max, the child's own peak memory (see :mod:`benchmarks.probe`), the fixed floor measured in
the same run and the ratio to it, and the command's own floor (an interpreter importing exactly the
packages the command was seen to load) with the time above it. ``heavy-2y`` is the heavy user's
million reviews over 2 years instead of 5 (more of them inside stats' 365-day window). ``--anki``
builds the same collection in Anki (``pip install anki``) and prints the paired figures and ratios.
``--only TEXT`` runs the scenarios whose name contains TEXT. ``--json`` prints the rows as JSON
(the test suite parses that).
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
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import sync
from benchmarks.probe import floor_argv, live_peak_mb, probe_file, read_probe, wrap
from benchmarks.voice import transcription_ms
from benchmarks.workload import PRESETS, command_env, huge_answer, workload_home, write_bank_file
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
    imports: str | None = None  # the packages the command loads, its own floor ...
    imports_ms: float | None = None  # ... and the time to import just those

    @property
    def above_floor_ms(self) -> float | None:
        return None if self.floor_ms is None else self.median_ms - self.floor_ms

    @property
    def ratio(self) -> float | None:
        return None if not self.floor_ms else self.median_ms / self.floor_ms

    @property
    def above_imports_ms(self) -> float | None:
        return None if self.imports_ms is None else self.median_ms - self.imports_ms


def run_process(
    argv: list[str], env: dict[str, str], stdin: str = "", until: str | None = None
) -> tuple[float, float, list[str] | None]:
    """Seconds, the child's own peak RSS (MB) and the third-party packages it imported (None when it
    was stopped at ``until``); with ``until``, the time until that text is printed."""
    probe = probe_file()
    started = time.perf_counter()
    proc = subprocess.Popen(
        wrap(argv),
        env={**env, "BENCH_PROBE": str(probe)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    elapsed = None
    peak = 0.0
    assert proc.stdin is not None and proc.stdout is not None
    if until is None:
        proc.stdin.write(stdin)
        proc.stdin.close()
        proc.stdout.read()
    else:
        for line in proc.stdout:
            if until in line:
                elapsed = time.perf_counter() - started
                peak = live_peak_mb(proc.pid)
                break
        proc.kill()
        proc.stdin.close()
    proc.wait()
    total = time.perf_counter() - started
    found = read_probe(probe)
    probe.unlink(missing_ok=True)
    if until is None and proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {proc.returncode}")
    if until is not None and elapsed is None:
        raise RuntimeError(f"{' '.join(argv)} never printed {until!r}")
    if found is not None:
        peak = found["peak_kb"] / 1024
    return (elapsed if elapsed is not None else total), peak, (found or {}).get("modules")


def imports_of(argv: list[str], env: dict[str, str]) -> list[str]:
    """The third-party packages a command loads (a session is run to its end: no input)."""
    _seconds, _peak, modules = run_process(argv, env)
    return modules or []


def measure(
    name: str,
    argv_fn,
    runs: int,
    env: dict[str, str],
    target: str,
    floor: tuple[str, float] | None = None,
    matched: tuple[str, float] | None = None,
    **kwargs,
) -> Result:
    run_process(argv_fn(), env, **kwargs)  # warm-up (page cache, .pyc files)
    times, peaks = [], []
    for _ in range(runs):
        seconds, peak, _modules = run_process(argv_fn(), env, **kwargs)
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
        matched[0] if matched else None,
        matched[1] if matched else None,
    )


def matched_floor(name: str, argv: list[str], env: dict[str, str], runs: int) -> tuple[str, float]:
    """The floor of a command: a process importing exactly the packages it loads, timed alike."""
    modules = imports_of(argv, env)
    result = measure(f"floor of {name}", lambda: floor_argv(modules), runs, env, "-")
    return ", ".join(modules), result.median_ms


def in_process_rating_ms(home: Path, runs: int) -> list[float]:
    """Milliseconds for one rating: FSRS step plus the durable commit, on the heavy home."""
    from fsrs import Rating

    from mockprep.core.scheduler import make_scheduler, review
    from mockprep.db.session_reviews import of_session
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
            mine = of_session(":s")  # (through the index by time: no index by session since m023)
            conn.raw.execute(
                f"DELETE FROM reviews WHERE id IN (SELECT r.id FROM reviews r WHERE {mine})", {"s": session}
            )
            conn.exec_driver_sql("DELETE FROM sessions WHERE id = ?", (session,))
    return samples[5:]


def in_process_grading_ms(runs: int, size: int = 10_000_000) -> list[float]:
    """Milliseconds to grade one pasted answer of ``size`` characters against a question's key points."""
    import random

    from mockprep.core.banks import parse_question
    from mockprep.core.grading import LexicalGrader

    spec = parse_question(
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


def run_all(
    home: Path, runs: int, big_bank_questions: int, only: str | None = None, speech_seconds: float = 120
) -> list[Result]:
    env = command_env(home)
    floor_typer = measure(
        "floor: python -c 'import typer'", lambda: [PY, "-c", "import typer"], runs, env, "-"
    )
    floor_heavy = measure(
        "floor: import typer, rich, pydantic, fsrs",
        lambda: [PY, "-c", "import typer, rich, pydantic, fsrs"],
        runs,
        env,
        "-",
    )
    typer_floor = (floor_typer.scenario, floor_typer.median_ms)
    heavy_floor = (floor_heavy.scenario, floor_heavy.median_ms)
    results = [floor_typer, floor_heavy]

    def wanted(name: str) -> bool:
        return only is None or only in name

    def command(name: str, args: list[str], target: str, floor: tuple[str, float], **kwargs) -> None:
        if wanted(name):
            matched = matched_floor(name, [*MOCKPREP, *args], env, runs)
            results.append(
                measure(name, lambda: [*MOCKPREP, *args], runs, env, target, floor, matched, **kwargs)
            )

    command("mockprep --help", ["--help"], "< 150 ms, ≤ 1.5× floor", typer_floor)
    command("mockprep --version", ["--version"], "< 150 ms, ≤ 1.5× floor", typer_floor)
    command(
        "session: start to first question",
        ["session"],
        "< 800 ms, < 150 ms above floor",
        heavy_floor,
        until="Question 1",
    )
    command("bank sync, nothing changed", ["bank", "sync"], "< 30 ms above floor", heavy_floor)
    command("stats", ["stats"], "< 1.5 s, < 150 MB", heavy_floor)
    command("history", ["history"], "< 800 ms", heavy_floor)
    with tempfile.TemporaryDirectory() as scratch:
        log = Path(scratch) / "log.csv"
        if wanted("history --csv"):
            results.append(
                measure(
                    "history --csv",
                    lambda: [*MOCKPREP, "history", "--csv", "-o", str(log), "--force"],
                    max(1, runs // 2),
                    env,
                    "≥ 3× faster than 12.6 s",
                )
            )
    if wanted("rate one answer (in-process)"):
        samples = in_process_rating_ms(home, max(20, runs * 10))
        results.append(_in_process("rate one answer (in-process)", samples, "< 10 ms"))
    if wanted("grade a 10 MB answer (in-process)"):
        grading = in_process_grading_ms(max(1, runs // 2))
        results.append(_in_process("grade a 10 MB answer (in-process)", grading, "< 2 s"))
    if wanted("grading model"):
        from benchmarks.grading import speed

        loads = speed.load_model_ms(runs)
        results.append(_in_process("grading model: import and load", loads, "< 1 s, in the background"))
        graded = speed.grade_500_words_ms(max(10, runs * 5))
        results.append(_in_process("grading model: a 500-word answer (in-process)", graded, "< 50 ms"))
    if wanted("transcribe"):
        spoken = transcription_ms(speech_seconds, max(1, runs // 2))
        if spoken is not None:
            wall, cpu, length = spoken
            for label, samples, target in (
                ("", wall, "< 20 s for 2 minutes, 2 cores"),
                (", CPU time", cpu, "< 40 s for 2 minutes"),
            ):
                results.append(_in_process(f"transcribe a {length:.0f} s answer{label}", samples, target))
    with tempfile.TemporaryDirectory() as scratch:
        results += _file_scenarios(Path(scratch), env, runs, big_bank_questions, heavy_floor, wanted)
        if wanted("sync") or wanted("merge"):
            sync_floor = next((r for r in results if r.scenario == "bank sync, nothing changed"), None)
            floor = heavy_floor if sync_floor is None else (sync_floor.scenario, sync_floor.median_ms)
            results.append(sync.noop_sync(home, Path(scratch), measure, MOCKPREP, runs, env, floor))
            merged = sync.median_ms(sync.merge_year_seconds(Path(scratch), max(1, runs // 2)))
            results.append(Result("merge 50,000 reviews (in-process)", *merged, 0.0, None, None, "< 5 s"))
    return results


def _in_process(name: str, samples: list[float], target: str) -> Result:
    return Result(name, statistics.median(samples), min(samples), max(samples), 0.0, None, None, target)


def _file_scenarios(
    scratch_path: Path, env, runs: int, big_bank_questions: int, heavy_floor, wanted
) -> list[Result]:
    """bank add into an empty home, export, and import of that export into an empty home."""
    import random

    results = []
    big = scratch_path / "big.toml"
    write_bank_file(big, 999, big_bank_questions, random.Random(1))

    def fresh_add() -> list[str]:
        shutil.rmtree(scratch_path / "addhome", ignore_errors=True)
        return [*MOCKPREP, "bank", "add", str(big)]

    add_env = {**env, "MOCKPREP_HOME": str(scratch_path / "addhome")}
    name = f"bank add, {big_bank_questions}-question file"
    if wanted(name):
        results.append(measure(name, fresh_add, runs, add_env, "< 3 s", heavy_floor))
    apkg = scratch_path / "big.apkg"
    name = f"bank export apkg, {big_bank_questions} notes"
    if wanted(name) or wanted("apkg"):
        export_apkg = [*MOCKPREP, "bank", "export", str(big), "-o", str(apkg), "--force"]
        results.append(measure(name, lambda: export_apkg, runs, add_env, "< 5 s", heavy_floor))
        back = scratch_path / "back.toml"
        import_apkg = [*MOCKPREP, "bank", "import", str(apkg), "-o", str(back), "--force"]
        name = f"bank import apkg, {big_bank_questions} notes"
        results.append(measure(name, lambda: import_apkg, runs, add_env, "< 5 s", heavy_floor))
    export_file = scratch_path / "export.json"
    packed = scratch_path / "export.json.gz"
    package = scratch_path / "export.mockprep"
    # Each export format (its file's suffix chooses it), measured when it or its import is wanted.
    for suffix, target in (("", export_file), (" .json.gz", packed), (" package", package)):
        if wanted(f"export{suffix}") or wanted(f"import{suffix}"):
            results.append(
                measure(
                    f"export{suffix}",
                    lambda target=target: [*MOCKPREP, "export", "-o", str(target), "--force"],
                    max(1, runs // 2),
                    env,
                    "< 15 s, < 500 MB",
                    heavy_floor,
                )
            )

    def fresh_import(source: Path) -> list[str]:
        shutil.rmtree(scratch_path / "imphome", ignore_errors=True)
        return [*MOCKPREP, "import", str(source)]

    imp_env = {**env, "MOCKPREP_HOME": str(scratch_path / "imphome")}
    for name, source in (("import", export_file), ("import .json.gz", packed), ("import package", package)):
        if wanted(name) and source.exists():
            results.append(
                measure(
                    name,
                    lambda source=source: fresh_import(source),
                    max(1, runs // 2),
                    imp_env,
                    "< 15 s, < 500 MB",
                    heavy_floor,
                )
            )
    for path in (export_file, packed, package):
        if path.exists():
            print(f"{path.name}: {path.stat().st_size / 2**20:.1f} MB", file=sys.stderr)
    return results


def render(results: list[Result]) -> str:
    header = (
        f"{'scenario':<36} {'median':>9} {'min':>9} {'max':>9} {'peak MB':>7} {'floor':>6} {'ratio':>5}"
        f" {'own fl.':>7} {'above':>7}  target"
    )
    lines = [header, "-" * len(header)]
    for r in results:
        floor = "" if r.floor_ms is None else f"{r.floor_ms:.0f}"
        ratio = "" if r.ratio is None else f"{r.ratio:.2f}"
        peak = "" if not r.peak_mb else f"{r.peak_mb:.0f}"
        own = "" if r.imports_ms is None else f"{r.imports_ms:.0f}"
        above = "" if r.above_imports_ms is None else f"{r.above_imports_ms:+.0f}"
        lines.append(
            f"{r.scenario:<36} {r.median_ms:>7.1f}ms {r.min_ms:>7.1f}ms {r.max_ms:>7.1f}ms {peak:>7} {floor:>6}"
            f" {ratio:>5} {own:>7} {above:>7}  {r.target}"
        )
    lines.append("")
    lines.append(
        "own floor: python -c 'import ...' of exactly the packages the command loads; above: median - that."
    )
    for r in results:
        if r.imports is not None:
            lines.append(f"  {r.scenario}: {r.imports or '(none)'}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--preset", choices=sorted(PRESETS), default="heavy")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--home", type=Path, help="Where to build (and reuse) the workload.")
    parser.add_argument("--rebuild", action="store_true", help="Build the workload again.")
    parser.add_argument("--json", action="store_true", help="Print the results as JSON.")
    parser.add_argument(
        "--anki",
        action="store_true",
        help="Also build the same collection in Anki (pip install anki) and print the paired ratios.",
    )
    parser.add_argument("--only", help="Run only the scenarios whose name contains this text (quick checks).")
    args = parser.parse_args(argv)
    if args.anki:
        from benchmarks import anki_side

        if not anki_side.available():
            print("--anki needs the anki package: pip install anki", file=sys.stderr)
            return 1
    home = workload_home(args.preset, args.home, args.rebuild)
    big = 10_000 if args.preset.startswith("heavy") else 200
    results = run_all(home, args.runs, big, args.only, 120 if args.preset.startswith("heavy") else 15)
    if args.json:
        print(json.dumps([{**asdict(r), "ratio": r.ratio} for r in results], indent=1))
    else:
        print(render(results))
    if args.anki:
        print()
        print("\n".join(paired_with_anki(home, args.runs, results)))
    return 0


def paired_with_anki(home: Path, runs: int, results: list[Result]) -> list[str]:
    """Anki's figures for the same collection, and mockprep's beside them."""
    from benchmarks import anki_compare, anki_side

    collection = anki_compare.collection_for(home)
    env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1"}
    anki_run = [PY, "-m", "benchmarks.anki_side"]
    first = measure(
        "Anki: open + first card",
        lambda: [*anki_run, "first", str(collection)],
        runs,
        env,
        "-",
        until=anki_side.FIRST_MARKER,
    )
    graphs = measure("Anki: open + graphs", lambda: [*anki_run, "graphs", str(collection)], runs, env, "-")
    call = anki_compare.graphs_call_ms(collection, runs)
    ours = {r.scenario: r for r in results}
    pairs = []
    if "session: start to first question" in ours:
        pairs.append(
            (
                "open + first question (ms)",
                ours["session: start to first question"].median_ms,
                first.median_ms,
            )
        )
    if "stats" in ours:
        pairs.append(("stats vs open + graphs (ms)", ours["stats"].median_ms, graphs.median_ms))
        pairs.append(("stats vs the graphs call alone (ms)", ours["stats"].median_ms, call))
        pairs.append(("peak memory, stats vs graphs (MB)", ours["stats"].peak_mb, graphs.peak_mb))
    packages, sizes = [], ""
    with tempfile.TemporaryDirectory() as scratch:
        package, imported = Path(scratch) / "all.apkg", Path(scratch) / "imported.anki2"
        if {"export", "import", "export package", "import package"} & set(ours):
            apkg_runs = max(1, runs // 2)
            export_argv = [*anki_run, "apkg-export", str(collection), str(package)]
            packages.append(measure("Anki: export .apkg", lambda: export_argv, apkg_runs, env, "-"))
            import_argv = [*anki_run, "apkg-import", str(package), str(imported)]
            packages.append(measure("Anki: import .apkg", lambda: import_argv, apkg_runs, env, "-"))
            sizes = f".apkg: {anki_compare.file_mb(package):.1f} MB"
    for name, anki_result in zip(("export", "import"), packages, strict=False):
        if name in ours:
            pairs.append((f"{name} vs .apkg (ms)", ours[name].median_ms, anki_result.median_ms))
        for variant in (f"{name} .json.gz", f"{name} package"):
            if variant in ours:
                pairs.append((f"{variant} vs .apkg (ms)", ours[variant].median_ms, anki_result.median_ms))
    pairs.append(
        ("database size (MB)", anki_compare.file_mb(home / "mockprep.db"), anki_compare.file_mb(collection))
    )
    return [render([first, graphs, *packages]), sizes, "", *anki_compare.ratio_lines(pairs)]


if __name__ == "__main__":
    raise SystemExit(main())
