"""The wheel carries the built-in banks, so a plain `pip install .` finds them from any directory."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_wheel_ships_question_banks_and_entry_point(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    (wheel,) = tmp_path.glob("mockprep-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    shipped = {
        n.removeprefix("mockprep/question_banks/")
        for n in names
        if n.startswith("mockprep/question_banks/") and n.endswith(".toml")
    }
    in_repo = {
        p.relative_to(ROOT / "question_banks").as_posix() for p in (ROOT / "question_banks").rglob("*.toml")
    }
    assert shipped == in_repo and len(shipped) >= 10
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "mockprep = mockprep.__main__:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_packaged_banks_are_preferred(tmp_path: Path, monkeypatch) -> None:
    import mockprep.paths as paths

    package = tmp_path / "mockprep"
    (package / "question_banks").mkdir(parents=True)
    monkeypatch.setattr(paths, "__file__", str(package / "paths.py"))
    assert paths.builtin_banks_dir() == package / "question_banks"


def test_help_does_not_load_storage_or_rendering_modules() -> None:
    """Fast start-up: `--help` imports typer, not sqlalchemy, sqlmodel, pydantic models, rich or fsrs."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "mockprep", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0
    loaded = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if "|" in line}
    for heavy in ("sqlalchemy", "sqlmodel", "rich.console", "rich.table", "fsrs", "mockprep.db.store"):
        assert heavy not in loaded, heavy
