"""The settings file, ``config.toml`` in the data folder: read, layered under the environment and
options, and changed one key at a time without losing the person's comments.

Reading uses the standard library's ``tomllib``; writing uses ``tomlkit``, which keeps the comments and
layout of a file the person also edits by hand. Every change is checked as a whole file before it is
written, and written under a temporary name that replaces the file only once complete (0600).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from mockprep.core.config import (
    Entry,
    Resolved,
    SettingError,
    build,
    env_entries,
    file_entries,
    file_form,
    option_entries,
    specs,
    split_key,
)

CONFIG_NAME = "config.toml"
MAX_BYTES = 1024 * 1024  # a settings file is a few hundred bytes; this only stops accidents


class SettingsFileError(Exception):
    """The settings file cannot be read or used; one line naming the file (and the key)."""


def config_path(home: Path) -> Path:
    return home / CONFIG_NAME


def read_text(path: Path) -> str | None:
    """The file's text; None when there is no file. Only a regular file of at most 1 MB is read."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise SettingsFileError(f"{path}: {exc.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise SettingsFileError(f"{path}: not a regular file")
    if info.st_size > MAX_BYTES:
        raise SettingsFileError(f"{path}: {info.st_size // 1024} kB, too large for a settings file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SettingsFileError(f"{path}: {exc.strerror}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise SettingsFileError(
            f"{path}, line {line}: not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from None


def parse_entries(path: Path, text: str) -> list[Entry]:
    """The entries of the file's ``text``; a TOML error names the file and its line."""
    import tomllib  # only when there is a settings file (most start-ups have none)

    from mockprep.core.toml_lines import key_lines, line_of

    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsFileError(f"{path}: {exc}") from None
    lines = key_lines(text)
    return file_entries(doc, lambda location: line_of(lines, location))


def load(home: Path, environ: Mapping[str, str], options: Iterable[str] = ()) -> tuple[Resolved, list[str]]:
    """The settings of this run: defaults < the file < ``MOCKPREP_*`` variables < ``-c`` options; and
    warnings (a variable that looks like a misspelt setting)."""
    path = config_path(home)
    text = read_text(path)
    try:
        entries = parse_entries(path, text) if text is not None else []
        env, warnings = env_entries(environ)
        resolved = build([*entries, *env, *option_entries(options)], path)
    except SettingError as exc:
        raise SettingsFileError(exc.with_fix()) from None
    return resolved, warnings


def check_text(path: Path, text: str) -> Resolved:
    """The settings ``text`` would give on its own (for ``config edit``); SettingsFileError if none."""
    try:
        return build(parse_entries(path, text), path)
    except SettingError as exc:
        raise SettingsFileError(str(exc)) from None


# -- changing the file --------------------------------------------------------------------------


def set_value(path: Path, key: str, raw: Any) -> None:
    """Write ``key = raw`` (TOML's form; ``table.key`` goes in ``[table]``) into the file, keeping the
    rest of it as it is; refused (SettingError) when the file would not be valid."""
    import tomlkit

    spec, sub = split_key(key)
    doc = _document(path)
    if sub is None:
        doc[spec.name] = raw
    else:
        table = doc.get(spec.name)
        if table is None:
            table = tomlkit.table()
            doc[spec.name] = table
        elif not isinstance(table, dict):
            raise SettingError(
                spec.name, f"{path} holds it as a value, not a table; edit the file", str(path)
            )
        table[sub] = raw
    _write(path, tomlkit.dumps(doc))


def unset_value(path: Path, key: str) -> bool:
    """Remove ``key`` from the file (back to its default, unless the environment sets it); False when
    the file did not set it.

    A key the file holds is removed even when it is no setting (a misspelt one, which every command
    refuses until it is gone) or its value is wrong, and whatever else is wrong in the file: removing
    a key adds no problem. A key that is neither in the file nor a setting is a SettingError.
    """
    import tomlkit

    doc = _document(path)
    name, dot, sub = key.partition(".")
    table = doc.get(name) if dot else None
    if key in doc:
        del doc[key]
    elif isinstance(table, dict) and sub in table:
        del table[sub]
        if not table:
            del doc[name]
    else:
        split_key(key)  # a typo in the command itself is still named
        return False
    text = tomlkit.dumps(doc)
    parse_entries(path, text)
    write_private(path, text)
    return True


def _document(path: Path) -> Any:
    import tomlkit

    text = read_text(path) or ""
    parse_entries(path, text)  # a broken file is reported as such, not overwritten
    return tomlkit.parse(text)


def _write(path: Path, text: str) -> None:
    """Check ``text`` as a whole, then replace the file with it (private, synced, renamed); a problem
    elsewhere in the file says how to mend it."""
    try:
        build(parse_entries(path, text), path)
    except SettingError as exc:
        raise SettingsFileError(exc.with_fix()) from None
    write_private(path, text)


def write_private(path: Path, text: str) -> None:
    partial = path.with_name(f".{path.name}.partial")
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(partial, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, path)
    except OSError as exc:
        raise SettingsFileError(f"cannot write {path}: {exc.strerror}") from None
    finally:
        partial.unlink(missing_ok=True)


def template() -> str:
    """A new settings file: every setting commented out at its default, with its description."""
    import tomlkit

    lines = [
        "# mockprep settings. Uncomment a line and change its value; `mockprep config list` shows",
        "# what is in force and where each value comes from (MOCKPREP_* variables and -c KEY=VALUE",
        "# options override this file).",
        "",
    ]
    tables = []
    for name, spec in specs().items():
        if spec.kind == "other":
            continue
        raw = file_form(spec, spec.default)
        if raw is None:
            raw = ""  # unset by default (TOML has no null; "" leaves it unset, as `config set KEY ""` does)
        if spec.kind == "table":
            tables.append((spec, raw))
            continue
        lines += [f"# {spec.doc}" if spec.doc else "", f"# {name} = {tomlkit.item(raw).as_string()}", ""]
    for spec, raw in tables:
        lines += [f"# {spec.doc}" if spec.doc else "", f"# [{spec.name}]"]
        if raw:
            lines += [f"# {key} = {tomlkit.item(value).as_string()}" for key, value in raw.items()]
        else:
            example = spec.keys[0] if spec.keys else "my-bank"
            lines.append(f"# {example} = 5")
        lines.append("")
    return "\n".join(line for line in lines if line is not None) + "\n"


__all__ = ["SettingsFileError", "check_text", "config_path", "load", "set_value", "template", "unset_value"]
