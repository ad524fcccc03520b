"""Where the data folder is: ``$MOCKPREP_HOME``, else the platform's user data folder, found on Linux
without importing platformdirs (which costs every command 7-12 ms) and always where platformdirs says."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import platformdirs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockprep.paths import home_dir

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the XDG rule is Linux's")


def _platformdirs() -> Path:
    return Path(platformdirs.user_data_dir("mockprep", appauthor=False))


@linux_only
@pytest.mark.parametrize(
    ("home", "xdg"),
    [
        ("/home/ada", None),
        ("/home/ada/", None),  # a trailing slash
        ("/home/ada", ""),  # set but empty: the default
        ("/home/ada", "/data/xdg"),
        ("/home/ada", "/data/xdg/"),
        ("/home/ada", "relative/xdg"),  # the spec ignores a relative path
        ("/home/ada", "~/xdg"),  # not expanded: not absolute, so ignored
        ("/home/ada", " /data/xdg"),  # spaces around it: releases of platformdirs disagree, it decides
        ("/home/ada", "/data/xdg "),
        ("/home/ada", "\t"),  # only blanks: the default
        ("/home/ada", "/"),
        ("/", None),
        ("//", None),
        ("relative-home", None),  # a relative HOME: platformdirs asks the password database
        ("", "/data/xdg"),
    ],
)
def test_the_default_data_folder_is_where_platformdirs_puts_it(
    monkeypatch: pytest.MonkeyPatch, home: str, xdg: str | None
) -> None:
    monkeypatch.delenv("MOCKPREP_HOME", raising=False)
    monkeypatch.setenv("HOME", home)
    if xdg is None:
        monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    else:
        monkeypatch.setenv("XDG_DATA_HOME", xdg)
    assert home_dir() == _platformdirs()


@linux_only
@pytest.mark.parametrize(
    "android", [{"ANDROID_DATA": "/data", "ANDROID_ROOT": "/system"}, {"ANDROID_DATA": "/x"}]
)
def test_on_android_platformdirs_decides(monkeypatch: pytest.MonkeyPatch, android: dict[str, str]) -> None:
    monkeypatch.delenv("MOCKPREP_HOME", raising=False)
    monkeypatch.setenv("HOME", "/home/ada")
    for name, value in android.items():
        monkeypatch.setenv(name, value)
    assert home_dir() == _platformdirs()


# Mostly the characters that matter to a path (slashes, dots, blanks, a tilde), and now and then any other.
_PATH_TEXT = st.text(
    st.one_of(
        st.sampled_from(list("/./ ~\ta")),
        st.characters(blacklist_characters="\0", blacklist_categories=("Cs",)),
    ),
    max_size=12,
)


@linux_only
@given(home=_PATH_TEXT, xdg=_PATH_TEXT)
def test_any_home_and_xdg_data_home_give_platformdirs_answer(home: str, xdg: str) -> None:
    saved = {name: os.environ.get(name) for name in ("MOCKPREP_HOME", "HOME", "XDG_DATA_HOME")}
    try:
        os.environ.pop("MOCKPREP_HOME", None)
        os.environ["HOME"] = "/" + home
        os.environ["XDG_DATA_HOME"] = xdg
        assert home_dir() == _platformdirs()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def test_mockprep_home_wins_and_a_tilde_in_it_is_expanded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", "/home/ada")
    monkeypatch.setenv("MOCKPREP_HOME", "~/prep")
    assert home_dir() == Path("/home/ada/prep")


@linux_only
def test_a_command_in_the_default_folder_does_not_load_platformdirs(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("MOCKPREP_HOME", "XDG_DATA_HOME")}
    env["HOME"] = str(tmp_path)
    probe = "import sys; from mockprep.cli import main\ntry:\n main(['bank', 'sync'])\nfinally:\n"
    probe += " print('platformdirs' in sys.modules, file=sys.stderr)"
    proc = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == "False"
    assert (tmp_path / ".local" / "share" / "mockprep" / "mockprep.db").is_file()


def test_a_relative_or_file_mockprep_home_is_one_line_not_a_new_empty_home(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MOCKPREP_HOME", "relhome")
    result = cli("stats")
    assert result.exit_code == 1 and not (tmp_path / "relhome").exists()
    assert (
        f"MOCKPREP_HOME is a relative path ('relhome'): set it to a full path, e.g. {tmp_path}/relhome"
        in (result.stderr)
    )
    (tmp_path / "afile").write_text("not a folder")
    monkeypatch.setenv("MOCKPREP_HOME", str(tmp_path / "afile"))
    result = cli("history")
    assert result.exit_code == 1 and "a file: set it to the folder that holds mockprep.db" in result.stderr
    assert cli("--help").exit_code == 0  # what needs no home still runs


def test_a_mockprep_home_through_a_file_is_one_line_naming_the_file(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by an exploratory tester: '.../afile/sub/config.toml: Not a directory', exit 2."""
    (tmp_path / "afile").write_text("not a folder")
    for below in ("sub", "sub/deeper"):
        monkeypatch.setenv("MOCKPREP_HOME", str(tmp_path / "afile" / below))
        result = cli("bank", "list")
        assert result.exit_code == 1 and result.stderr.count("\n") == 1
        assert f"{tmp_path / 'afile'} is a file, not a folder" in result.stderr


def test_an_empty_mockprep_home_is_refused_not_the_default_home(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A script's unset variable (MOCKPREP_HOME=$DIR) used the person's real default home silently."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setenv("MOCKPREP_HOME", "")
    for command in (("where",), ("stats",)):
        result = cli(*command)
        assert result.exit_code == 1 and result.stderr.count("\n") == 1
        assert "MOCKPREP_HOME is set but empty" in result.stderr and "unset MOCKPREP_HOME" in result.stderr
    assert not (tmp_path / ".local").exists()  # the default home was not touched
