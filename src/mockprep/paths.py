"""Where mockprep keeps its data: ``$MOCKPREP_HOME`` or the platform's user data directory."""

from __future__ import annotations

import os
from pathlib import Path

DB_NAME = "mockprep.db"


def home_dir() -> Path:
    """The data directory (not created here)."""
    override = os.environ.get("MOCKPREP_HOME")
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("mockprep", appauthor=False))


def ensure_home(home: Path) -> Path:
    """Create ``home`` private to the user (0700) if it does not exist; return it."""
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    return home


def builtin_banks_dir() -> Path:
    """The built-in banks: shipped inside the package, or the repository's folder when run from source."""
    packaged = Path(__file__).parent / "question_banks"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "question_banks"
