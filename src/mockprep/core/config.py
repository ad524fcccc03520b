"""Settings from the file, the environment and options: every value checked against its field.

Pure: the fields of :class:`~mockprep.core.settings.Settings` are read generically (name, type,
default, bounds, the comment that describes them), so a field added there is a setting everywhere —
``config.toml``, ``MOCKPREP_NAME`` and ``mockprep -c name=value`` — with nothing added here.

A value goes through two steps: text (from the environment, an option or ``config set``) is read into
the form TOML holds (:func:`parse_text`), and that form is checked and turned into the value the
code uses (:func:`resolve`). Problems are :class:`SettingError`: one line naming the key.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping
from dataclasses import replace
from types import MappingProxyType
from typing import Any, NamedTuple

from mockprep.core.durations import format_duration, parse_duration
from mockprep.core.setting_specs import Spec, specs
from mockprep.core.settings import Settings
from mockprep.core.wording import as_written

DEFAULT, FILE, ENV, OPTION = "default", "file", "environment", "option"
ENV_PREFIX = "MOCKPREP_"
# MOCKPREP_* variables that are not settings (the data folder, the seed of sessions' randomness).
NOT_SETTINGS = frozenset({"HOME", "SEED"})
# Variables named otherwise than their setting (MOCKPREP_ and the name in capitals), kept for scripts.
ENV_ALIASES = {"MOCKPREP_LLM_TIMEOUT": "llm_timeout_seconds"}


class SettingError(ValueError):
    """A value, or a key, that is not a setting; ``str()`` is one line: ``where: key: what is wrong``
    (``where`` the file and line, the variable or the option, when known)."""

    def __init__(self, key: str, message: str, where: str = "", fix: str = ""):
        super().__init__(": ".join(part for part in (where, key, message) if part))
        self.key, self.message, self.where = key, message, where
        self.fix = fix  # how to mend the settings file it is in (said by a command, not `config edit`)

    def with_fix(self) -> str:
        """The line, with how to mend the file when the problem is in it."""
        return f"{self}; {self.fix}" if self.fix else str(self)

    def at(self, where: str) -> SettingError:
        """The same problem, placed; the key is left out when ``where`` already names it."""
        key = "" if self.key and where.endswith(self.key) else self.key
        return SettingError(key, self.message, where)


# -- keys ----------------------------------------------------------------------------------------


def suggest(word: str, known: Iterable[str]) -> str:
    """``; did you mean X?`` for the closest known word, or nothing."""
    close = difflib.get_close_matches(word, sorted(known), n=1, cutoff=0.6)
    return f"; did you mean {close[0]}?" if close else ""


def split_key(key: str) -> tuple[Spec, str | None]:
    """The setting a key names, and the table key after its dot (``time_limits.technical``)."""
    name, dot, sub = key.partition(".")
    spec = specs().get(name)
    if spec is None:
        raise SettingError(
            "", f"unknown setting {key!r}{suggest(name, specs())} (see `mockprep config list`)"
        )
    if dot and spec.kind != "table":
        raise SettingError(key, f"{name} is not a table: write {name} = VALUE")
    if dot:
        check_table_key(spec, sub)
        return spec, sub
    return spec, None


def check_table_key(spec: Spec, sub: str) -> None:
    if spec.keys is not None and sub not in spec.keys:
        raise SettingError(
            f"{spec.name}.{sub}",
            f"unknown key {sub!r}{suggest(sub, spec.keys)} (keys: {', '.join(spec.keys)})",
        )
    if spec.keys is None and not sub.strip():
        raise SettingError(f"{spec.name}.", "the key after the dot is empty")


def env_name(name: str) -> str:
    return ENV_PREFIX + name.upper()


# -- values --------------------------------------------------------------------------------------

_TRUE, _FALSE = {"true", "yes", "on", "1"}, {"false", "no", "off", "0"}


def parse_text(spec: Spec, text: str, whole: bool = True) -> Any:
    """What ``text`` (an environment variable, an option, ``config set``) says, in the form TOML holds.

    ``whole`` False reads one item of a table (after ``name.key``)."""
    kind = spec.kind if whole else spec.item
    if kind == "list":
        return [_scalar_text(spec, part.strip()) for part in text.split(",") if part.strip()]
    if kind == "table":
        table = {}
        for part in filter(str.strip, text.split(",")):
            key, eq, value = part.partition("=")
            if not eq:
                raise SettingError(
                    spec.name, f"write KEY=VALUE pairs separated by commas (got {part.strip()!r})"
                )
            table[key.strip()] = _scalar_text(spec, value.strip())
        return table
    return _scalar_text(spec, text.strip() if kind != "str" else text, kind)


def _scalar_text(spec: Spec, text: str, kind: str | None = None) -> Any:
    kind = kind or spec.item
    if kind == "bool":
        if text.lower() in _TRUE | _FALSE:
            return text.lower() in _TRUE
        return text  # refused by resolve, with the expected form
    if kind in ("int", "float"):
        try:
            return int(text)
        except ValueError:
            pass
        if kind == "float":
            try:
                return float(text)
            except ValueError:
                pass
    return text


def resolve(spec: Spec, raw: Any, base: Any = None) -> Any:
    """The value Settings holds for ``raw`` (TOML's form); a table's keys are merged over ``base``."""
    if spec.kind == "list":
        if type(raw) is not list:
            raise SettingError(spec.name, f"must be a list{_example(spec)} (got {as_written(raw)})")
        return tuple(_check_item(spec, item, spec.name) for item in raw)
    if spec.kind == "table":
        if not isinstance(raw, dict):
            raise SettingError(spec.name, f"must be a table of KEY = VALUE (got {as_written(raw)})")
        merged = dict(spec.default if base is None else base)
        for key, value in raw.items():
            check_table_key(spec, key)
            merged[key] = _check_item(spec, value, f"{spec.name}.{key}")
        return MappingProxyType(merged)
    return _check_item(spec, raw, spec.name)


def _check_item(spec: Spec, raw: Any, key: str) -> Any:
    kind = spec.item
    if kind == "bool":
        if type(raw) is bool:
            return raw
        raise SettingError(key, f"must be true or false (got {as_written(raw)})")
    if kind == "choice":
        if raw in spec.choices:
            return raw
        hint = suggest(raw, spec.choices) if type(raw) is str else ""
        raise SettingError(key, f"must be one of {', '.join(spec.choices)} (got {as_written(raw)}){hint}")
    if kind == "str":
        if type(raw) is str and raw.isprintable():
            if spec.form == "url" and raw.strip():  # ("" leaves it unset)
                from mockprep.core.server_address import url_problem

                if problem := url_problem(raw):
                    raise SettingError(key, problem)
            return raw
        raise SettingError(key, f"must be text on one line (got {as_written(raw)})")
    if kind in ("int", "float"):
        return _check_number(spec, raw, key)
    raise SettingError(key, "cannot be set from the settings file")


def _check_number(spec: Spec, raw: Any, key: str) -> float | int:
    whole = spec.item == "int"
    expected = "a whole number" if whole else ("a duration such as 90s or 2m30s" if spec.unit else "a number")
    typed = raw  # (a message shows the value as written, not in seconds)
    if spec.unit == "seconds" and type(raw) is str:
        try:
            raw = parse_duration(raw)
        except ValueError:
            raise SettingError(key, f"must be {expected} (got {as_written(typed)})") from None
    if type(raw) is bool or not isinstance(raw, int | float) or (whole and type(raw) is not int):
        raise SettingError(key, f"must be {expected} (got {as_written(typed)})")
    if not math.isfinite(raw):
        raise SettingError(key, f"must be {expected} (got {as_written(typed)})")
    low = 0 if spec.low is None else spec.low
    high = math.inf if spec.high is None else spec.high
    if not low <= raw <= high:
        bounds = (
            f"at least {_show(spec, low)}"
            if high == math.inf
            else f"from {_show(spec, low)} to {_show(spec, high)}"
        )
        raise SettingError(key, f"must be {expected} {bounds} (got {as_written(typed)})")
    return int(raw) if whole else float(raw)


def _show(spec: Spec, number: float) -> str:
    return format_duration(number) if spec.unit == "seconds" else f"{number:g}"


def _example(spec: Spec) -> str:
    return ' such as ["1m", "10m"]' if spec.unit == "seconds" else ""


def show(spec: Spec, value: Any) -> str:
    """A value as ``config list`` and ``config get`` print it (and as ``config set`` accepts it); a
    secret (an API key) is never printed."""
    if spec.secret and value:
        return "(set, hidden)"
    if spec.kind == "list":
        return ", ".join(show_item(spec, item) for item in value)
    if spec.kind == "table":
        return ", ".join(f"{k}={show_item(spec, v)}" for k, v in value.items())
    return show_item(spec, value)


def show_item(spec: Spec, value: Any) -> str:
    if value is None:
        return ""  # unset: `config list` prints (none)
    if isinstance(value, bool):
        return str(value).lower()
    if spec.unit == "seconds" and isinstance(value, int | float):
        return _exact_duration(value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def file_form(spec: Spec, value: Any) -> Any:
    """A value in the form the settings file writes it (durations as ``"2m30s"``)."""

    def item(v: Any) -> Any:
        return show_item(spec, v) if spec.unit == "seconds" and not isinstance(v, bool) else v

    if spec.kind == "list":
        return [item(v) for v in value]
    if spec.kind == "table":
        return {k: item(v) for k, v in value.items()}
    return item(value)


def _exact_duration(seconds: float) -> str:
    """``90s`` → ``1m30s``: a duration in d/h/m/s that reads back exactly (else plain seconds)."""
    if seconds != int(seconds):
        return f"{seconds:g}s"
    days, rest = divmod(int(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = zip((days, hours, minutes, secs), "dhms", strict=True)
    return "".join(f"{amount}{unit}" for amount, unit in parts if amount) or "0s"


# -- layers --------------------------------------------------------------------------------------


class Entry(NamedTuple):
    """One value from one place: ``key`` is a setting or ``table.key``; ``detail`` says where in that
    place (``line 3`` of the file, the variable ``MOCKPREP_DAILY_NEW``, the option ``-c daily_new``)."""

    key: str
    raw: Any  # TOML's form
    source: str  # DEFAULT | FILE | ENV | OPTION
    detail: str = ""

    @property
    def label(self) -> str:
        """Where the value comes from, as ``config list`` says it."""
        if self.source == FILE:
            return f"file, {self.detail}" if self.detail else "file"
        if self.source == ENV:
            return f"env {self.detail}"
        if self.source == OPTION:
            return f"option {self.detail}"
        return DEFAULT

    def where(self, path: object = "config.toml") -> str:
        """The place an error names: ``PATH, line 3``, ``MOCKPREP_DAILY_NEW`` or ``-c daily_new``."""
        if self.source == FILE:
            return f"{path}, {self.detail}" if self.detail else str(path)
        return self.detail


class Resolved:
    """The settings for a run, and where each value (each table key) came from (:attr:`sources`,
    worked out when first asked for: only ``config list``, ``set`` and ``unset`` ask). Read-only, as
    the frozen dataclass it replaced was; compared by identity."""

    __slots__ = ("settings", "_base", "_applied", "_sources")

    def __init__(self, settings: Settings, base: Settings, applied: list[tuple[Entry, Spec, str | None]]):
        self.settings = settings
        self._base, self._applied = base, applied  # the defaults, and each entry applied over them
        self._sources: dict[str, Entry] | None = None

    @property
    def sources(self) -> dict[str, Entry]:
        """The entry each setting (and each table key, ``name.key``) took its value from."""
        if self._sources is None:
            sources = {}
            for name, spec in specs().items():
                value = getattr(self._base, name)
                if spec.kind == "table":
                    for sub in value:
                        sources[f"{name}.{sub}"] = Entry(f"{name}.{sub}", value[sub], DEFAULT)
                sources[name] = Entry(name, value, DEFAULT)
            for entry, spec, sub in self._applied:
                sources[entry.key] = entry
                if sub is None and spec.kind != "table":
                    sources[spec.name] = entry
            self._sources = sources
        return self._sources

    def rows(self) -> list[tuple[str, str, Entry]]:
        """``(key, value as text, entry)`` for every setting; a table's keys one row each."""
        out = []
        for name, spec in specs().items():
            value = getattr(self.settings, name)
            if spec.kind == "table" and value:
                for sub, item in value.items():
                    key = f"{name}.{sub}"
                    out.append((key, show_item(spec, item), self.sources[key]))
            else:
                out.append((name, show(spec, value), self.sources[name]))
        return out


def _expand(key: str, raw: Any, source: str, detail: str) -> list[Entry]:
    """A whole table given at once becomes one entry per key; other values one entry."""
    spec, sub = split_key(key)
    if spec.kind == "table" and sub is None and isinstance(raw, dict):
        return [Entry(f"{key}.{k}", v, source, detail) for k, v in raw.items()]
    return [Entry(key, raw, source, detail)]


def check_value(key: str, raw: Any) -> Any:
    """The value ``key`` would get from ``raw`` on its own (SettingError naming the key if none)."""
    spec, sub = split_key(key)
    return resolve(spec, {sub: raw} if sub is not None else raw)


def build(entries: Iterable[Entry], path: object = "config.toml", base: Settings | None = None) -> Resolved:
    """Settings with ``entries`` applied in order over the defaults (a later one wins); a problem is
    one SettingError naming the place (``path`` for the file's) and the key."""
    settings = base or Settings()
    changes: dict[str, Any] = {}
    applied: list[tuple[Entry, Spec, str | None]] = []
    for entry in entries:
        try:
            spec, sub = split_key(entry.key)
        except SettingError as exc:
            raise _placed(exc, entry, path, known=False) from None
        try:
            current = changes.get(spec.name, getattr(settings, spec.name))
            if sub is not None:
                value = resolve(spec, {sub: entry.raw}, current)
            elif spec.kind == "table":
                value = resolve(spec, entry.raw, current)
            else:
                value = resolve(spec, entry.raw)
        except SettingError as exc:
            raise _placed(exc, entry, path, known=True) from None
        changes[spec.name] = value
        applied.append((entry, spec, sub))
    return Resolved(replace(settings, **changes) if changes else settings, settings, applied)


def _placed(exc: SettingError, entry: Entry, path: object, known: bool) -> SettingError:
    """``exc`` placed where ``entry`` came from; one from the file says how to mend it, since every
    command reads the file (``config unset`` removes any key it holds, a setting or not)."""
    placed = exc.at(entry.where(path))
    if entry.source == FILE:
        import shlex  # (only for a problem)

        key = shlex.quote(entry.key)
        unset = f"`mockprep config unset {key}`"
        placed.fix = (
            f"change it with `mockprep config set {key} VALUE` or remove it with {unset}"
            if known
            else f"remove it with {unset} or `mockprep config edit`"
        )
    return placed


def env_entries(environ: Mapping[str, str]) -> tuple[list[Entry], list[str]]:
    """The settings ``MOCKPREP_*`` variables set, and a warning for each that looks like a misspelt one.

    A table's variable holds ``KEY=VALUE`` pairs separated by commas; a list's items are separated by
    commas too."""
    entries: list[Entry] = []
    warnings: list[str] = []
    ours = [var for var in sorted(environ) if var.startswith(ENV_PREFIX)]
    wanted = [var for var in ours if var.removeprefix(ENV_PREFIX) not in NOT_SETTINGS]
    if not wanted:
        return entries, warnings  # (the usual case: the settings' specs are not even read)
    names = {env_name(name): name for name in specs()} | ENV_ALIASES
    for var in wanted:
        if var in ENV_ALIASES and not environ[var].strip():
            continue  # (an old name set empty, as scripts did to leave the default: still the default)
        name = names.get(var)
        if name is None:
            hint = suggest(var, names)
            if hint:
                warnings.append(f"{var} is not a setting{hint}")
            continue
        try:
            raw = parse_text(specs()[name], environ[var])
        except SettingError as exc:
            raise exc.at(var) from None
        entries.extend(_expand(name, raw, ENV, var))
    return entries, warnings


def option_entries(assignments: Iterable[str]) -> list[Entry]:
    """``-c KEY=VALUE`` options."""
    entries = []
    for text in assignments:
        key, eq, value = text.partition("=")
        key = key.strip()
        if not eq or not key:
            raise SettingError("", f"-c {text!r}: write -c KEY=VALUE, e.g. -c daily_new=20")
        try:
            spec, sub = split_key(key)
            raw = parse_text(spec, value, whole=sub is None)
        except SettingError as exc:
            raise exc.at(f"-c {key}") from None
        entries.extend(_expand(key, raw, OPTION, f"-c {key}"))
    return entries


def file_entries(doc: Mapping[str, Any], line_of: Any) -> list[Entry]:
    """The entries of a parsed settings file; ``line_of(location)`` is the line a key is on (or None)."""

    def detail(*location: str) -> str:
        line = line_of(location)
        return f"line {line}" if line else ""

    entries = []
    for name, raw in doc.items():
        spec = specs().get(name)
        if spec is not None and spec.kind == "table" and isinstance(raw, dict):
            for sub, value in raw.items():
                entries.append(Entry(f"{name}.{sub}", value, FILE, detail(name, sub)))
        else:
            entries.append(Entry(name, raw, FILE, detail(name)))
    return entries
