"""Where mockprep keeps its data: ``$MOCKPREP_HOME`` or the platform's user data directory."""

from __future__ import annotations

import os
import sys
from pathlib import Path

DB_NAME = "mockprep.db"


class HomeError(Exception):
    """MOCKPREP_HOME names no usable folder: empty (a script's unset variable, which would have used the
    real default home), a relative path (a different home in each folder, a new empty one looking like
    lost data), a file, or a path through a file (both failed later as 'config.toml: Not a directory')."""


def home_dir() -> Path:
    """The data directory (not created here)."""
    override = os.environ.get("MOCKPREP_HOME")
    if override is not None:
        if not override:
            raise HomeError(
                "MOCKPREP_HOME is set but empty: set it to a full path, or unset it (unset MOCKPREP_HOME)"
                " to use the default home"
            )
        path = Path(override).expanduser()
        if not path.is_absolute():
            full = path.absolute()
            raise HomeError(
                f"MOCKPREP_HOME is a relative path ({override!r}): set it to a full path, e.g. {full}"
            )
        if path.is_dir():
            return path
        if path.exists():
            raise HomeError(f"MOCKPREP_HOME is {path}, a file: set it to the folder that holds mockprep.db")
        file = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
        if file is not None:
            raise HomeError(f"MOCKPREP_HOME is {path}, but {file} is a file, not a folder")
        return path
    linux = _linux_data_home()
    if linux is not None:
        return linux / "mockprep"
    import platformdirs

    return Path(platformdirs.user_data_dir("mockprep", appauthor=False))


def _linux_data_home() -> Path | None:
    """On Linux with an absolute ``$HOME``, the XDG base directory rule platformdirs follows there:
    ``$XDG_DATA_HOME`` when it is an absolute path, else ``~/.local/share``. None wherever platformdirs
    is to decide: macOS, Windows, Android, a relative or missing ``$HOME``, and an ``$XDG_DATA_HOME``
    that is relative or has spaces around it (releases of platformdirs that pyproject allows read those
    differently). Importing platformdirs costs every command 7-12 ms on Linux (it loads tempfile and
    random); tests/test_paths.py holds the two answers equal."""
    home = os.environ.get("HOME", "")
    android = "ANDROID_DATA" in os.environ or hasattr(sys, "getandroidapilevel")
    if not sys.platform.startswith("linux") or not os.path.isabs(home) or android:
        return None
    data = os.environ.get("XDG_DATA_HOME", "")
    if os.path.isabs(data) and data == data.strip():
        return Path(data)
    if data.strip():
        return None
    return Path(os.path.expanduser("~/.local/share"))


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
