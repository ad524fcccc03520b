"""Two versions of mockprep, timed turn about: ``python -m benchmarks.against --src ../base/src``.

On a machine whose speed moves with the hour (``import typer`` measured 79–122 ms in one afternoon
here), two runs of the benchmark taken at different times do not compare; runs taken turn about do.
Each start-up scenario runs with this tree's mockprep and with the one in ``--src`` (the ``src`` of
another checkout, e.g. ``git worktree add ../base REV``), alternately, after a warm-up of each, on
the same home; medians side by side. Both versions must read the home's schema: a home upgraded by
the newer one is refused by the older, so a change that adds a migration is timed with a copy of the
home for the older version (``--src-home``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

from benchmarks.__main__ import MOCKPREP, run_process
from benchmarks.workload import PRESETS, command_env, workload_home

# (name, arguments, text that ends the timing): the scenarios whose time is mostly start-up
SCENARIOS = [
    ("mockprep --help", ["--help"], None),
    ("session: start to first question", ["session"], "Question 1"),
    ("bank sync, nothing changed", ["bank", "sync"], None),
    ("stats", ["stats"], None),
    ("history", ["history"], None),
]


def turn_about(
    argv: list[str], here: dict[str, str], there: dict[str, str], runs: int, until: str | None
) -> tuple[list[float], list[float]]:
    """Milliseconds of ``runs`` runs of ``argv`` in each environment, taken alternately."""
    ours: list[float] = []
    theirs: list[float] = []
    for env in (here, there):
        run_process(argv, env, until=until)  # warm-up (page cache, .pyc files)
    for _ in range(runs):
        ours.append(run_process(argv, here, until=until)[0] * 1000)
        theirs.append(run_process(argv, there, until=until)[0] * 1000)
    return ours, theirs


def lines(rows: list[tuple[str, list[float], list[float]]], other: str) -> list[str]:
    out = [f"{'scenario':<36}{'this tree':>12}{'--src':>12}{'ratio':>8}", "-" * 68]
    for name, ours, theirs in rows:
        mine, base = statistics.median(ours), statistics.median(theirs)
        out.append(f"{name:<36}{mine:>10.1f}ms{base:>10.1f}ms{mine / base:>8.2f}")
    out.append(f"medians of {len(rows[0][1]) if rows else 0} runs each, taken turn about; --src: {other}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.against", description=__doc__.splitlines()[0])
    parser.add_argument("--src", type=Path, required=True, help="The other version's src folder.")
    parser.add_argument("--preset", choices=sorted(PRESETS), default="heavy-2y")
    parser.add_argument("--home", type=Path, help="The workload's home (built when missing).")
    parser.add_argument(
        "--src-home", type=Path, help="A copy of the home for the other version (when this one migrates it)."
    )
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--only", help="Run only the scenarios whose name contains this text.")
    args = parser.parse_args(argv)
    other = args.src.resolve()
    if not (other / "mockprep" / "__init__.py").is_file():
        print(
            f"benchmarks.against: {args.src} holds no mockprep package (give a checkout's src)",
            file=sys.stderr,
        )
        return 2
    here = command_env(workload_home(args.preset, args.home))
    path = here.get("PYTHONPATH", "")
    there = {**here, "PYTHONPATH": os.pathsep.join(p for p in (str(other), path) if p)}
    if args.src_home is not None:
        there["MOCKPREP_HOME"] = str(args.src_home.resolve())
    rows = []
    for name, arguments, until in SCENARIOS:
        if args.only is None or args.only in name:
            try:
                rows.append((name, *turn_about([*MOCKPREP, *arguments], here, there, args.runs, until)))
            except RuntimeError as exc:
                print(f"benchmarks.against: {name}: {exc}", file=sys.stderr)
                return 1
    print("\n".join(lines(rows, str(args.src))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
