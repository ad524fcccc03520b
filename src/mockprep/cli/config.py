"""`mockprep config ...`: list, get, set, unset, edit, path."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from mockprep.cli.app import UserError, config_app
from mockprep.cli.context import plain, resolve_settings, utc_now, warn

if TYPE_CHECKING:
    from pathlib import Path
    from typing import Literal

    from mockprep.db.scheduling import FittedParameters

KeyArgument = Annotated[
    str, typer.Argument(metavar="KEY", help="A setting, or TABLE.KEY for one entry (time_limits.technical).")
]


def _path() -> Path:
    from mockprep.paths import home_dir
    from mockprep.services.settings_file import config_path

    return config_path(home_dir())


def _setting_error(exc: Exception) -> UserError:
    return UserError(str(exc))


@config_app.command("path")
def config_path_command() -> None:
    """Print where the settings file is (it need not exist yet)."""
    typer.echo(plain(str(_path())))


@config_app.command("list")
def config_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print the settings as JSON.")] = False,
    describe: Annotated[bool, typer.Option("--describe", "-d", help="Say what each setting does.")] = False,
) -> None:
    """Every setting in force, and where its value comes from: default, the file, a MOCKPREP_*
    variable or a -c option."""
    from mockprep.core.config import specs

    resolved = resolve_settings()
    rows = resolved.rows()
    if as_json:
        out: dict[str, object] = {key: {"value": value, "source": entry.label} for key, value, entry in rows}
        in_use = _fit_in_use()
        if in_use is not False:
            out["scheduler_parameters"] = _parameters_entry(in_use)
        typer.echo(json.dumps(out, indent=2))
        return
    width = max(len(key) for key, _value, _entry in rows)
    value_width = min(max(len(value) for _key, value, _entry in rows), 30)
    described = set()
    for key, value, entry in rows:
        typer.echo(plain(f"{key:<{width}}  {value or _none(key):<{value_width}}  {entry.label}").rstrip())
        name = key.split(".")[0]
        if describe and name not in described:
            described.add(name)
            doc = specs()[name].doc
            if doc:
                typer.echo(plain(f"{'':<{width}}  {doc[:1].upper()}{doc[1:]}"))
    parameters = _parameters_in_use()
    if parameters:
        typer.echo(f"Scheduler parameters: {parameters}")
    typer.echo(plain(f"Settings file: {_path()}"))


def _fit_in_use() -> FittedParameters | None | Literal[False]:
    """The fit whose weights schedule reviews (None: FSRS's defaults; False when the database cannot
    be read: said as a warning, the settings are listed all the same)."""
    from mockprep.paths import DB_NAME, home_dir

    if not (home_dir() / DB_NAME).is_file():
        return None  # (no database yet: listing settings does not make one)
    from mockprep.cli.context import open_store

    try:
        store = open_store(sync=False)
    except UserError as exc:
        warn(f"which scheduler parameters are in use is not known: {exc}")
        return False
    try:
        return store.scheduling.in_use()
    finally:
        store.close()


def _parameters_entry(fit: FittedParameters | None) -> dict[str, object]:
    """`config list --json`'s entry for the FSRS weights in use, shaped as a setting's."""
    from mockprep.core.scheduler import FSRS6_WEIGHTS

    if fit is None:
        return {"value": list(FSRS6_WEIGHTS), "source": "default"}
    return {
        "value": list(fit.weights),
        "source": "mockprep optimize",
        "fitted_at": fit.fitted_at.isoformat(),
        "adopted_at": fit.adopted_at.isoformat() if fit.adopted_at else None,
        "log_loss": [fit.log_loss_before, fit.log_loss_after],
        "rmse": [fit.rmse_before, fit.rmse_after],
        "reviews": fit.reviews,
    }


def _parameters_in_use() -> str:
    """Which FSRS parameters schedule reviews: the person's own (`mockprep optimize`) or the defaults
    ("" when the database cannot be read)."""
    fit = _fit_in_use()
    if fit is False:
        return ""
    if fit is None:
        return "FSRS's defaults (mockprep optimize fits your own to your reviews)"
    from mockprep.core.optimizing import checked_figures
    from mockprep.core.scheduler import weights_problem

    fitted = f"{fit.fitted_at.astimezone():%Y-%m-%d %H:%M}"
    if problem := weights_problem(fit.weights):  # (an older mockprep's import could keep such a fit)
        return (
            f"FSRS's defaults: your fit of {fitted} is not used, as FSRS refuses its weights ({problem});"
            " mockprep optimize --undo puts it aside, mockprep optimize fits again"
        )
    return (
        f"your own, fitted {fitted} to a log of {fit.reviews} reviews ("
        f"{checked_figures(fit.log_loss_before, fit.log_loss_after)}; mockprep optimize --undo goes back)"
    )


def _none(key: str) -> str:
    """How an empty value reads: ``(none)``, and what that means where the setting says (no steps)."""
    from mockprep.core.config import specs

    empty = specs()[key.split(".")[0]].empty
    return f"(none: {empty})" if empty else "(none)"


@config_app.command("get")
def config_get(key: KeyArgument) -> None:
    """Print one setting's value (a table prints KEY=VALUE pairs)."""
    from mockprep.core.config import SettingError, show, show_item, split_key

    try:
        spec, sub = split_key(key)
    except SettingError as exc:
        raise _setting_error(exc) from None
    value = getattr(resolve_settings().settings, spec.name)
    if sub is None:
        typer.echo(plain(show(spec, value)))
    elif sub in value:
        typer.echo(plain(show_item(spec, value[sub])))
    else:
        raise UserError(f"{key} is not set (no own value for {sub!r})")


@config_app.command("set", context_settings={"ignore_unknown_options": True})  # a value may be "-3"
def config_set(
    key: KeyArgument,
    value: Annotated[str, typer.Argument(metavar="VALUE", help="The value; a list is comma-separated.")],
) -> None:
    """Set a value in the settings file (checked first; the rest of the file is kept as it is)."""
    from mockprep.core.config import SettingError, check_value, parse_text, split_key
    from mockprep.services.settings_file import SettingsFileError, set_value

    path = _path()
    try:
        spec, sub = split_key(key)
        raw = parse_text(spec, value, whole=sub is None)
        check_value(key, raw)
        set_value(path, key, raw)
    except (SettingError, SettingsFileError) as exc:
        raise _setting_error(exc) from None
    if spec.name == "daily_new_per_bank" and sub is not None:
        _check_bank(sub)
    _report(key, "set")


@config_app.command("unset")
def config_unset(key: KeyArgument) -> None:
    """Remove a value from the settings file: the default applies again. Any key the file holds can be
    removed, a misspelt one too."""
    from mockprep.core.config import SettingError
    from mockprep.services.settings_file import SettingsFileError, unset_value

    try:
        removed = unset_value(_path(), key)
    except (SettingError, SettingsFileError) as exc:
        raise _setting_error(exc) from None
    if not removed:
        typer.echo(plain(f"{key} is not set in {_path()}; nothing changed."))
        return
    try:
        _report(key, "unset")
    except UserError as exc:  # the file has another problem: the key is gone all the same
        typer.echo(plain(f"{key} removed from {_path()}."))
        warn(str(exc))


def _report(key: str, action: str) -> None:
    """What the key is now, and whether something other than the file decides it."""
    from mockprep.core.config import SettingError, split_key

    resolved = resolve_settings()
    try:
        split_key(key)
        entry = resolved.sources.get(key)
    except SettingError:  # no setting (a misspelt key the file held)
        entry = None
    if entry is None:  # a table entry that is gone: the table's default (if any) applies
        typer.echo(plain(f"{key} removed from {_path()}."))
        return
    value = next(v for k, v, _e in resolved.rows() if k == key)
    typer.echo(plain(f"{key} = {value or _none(key)}  ({entry.label})"))
    if entry.source in ("environment", "option"):
        warn(f"{entry.detail} overrides the settings file for {key} here")


def _check_bank(bank: str) -> None:
    """A warning when a per-bank limit names a bank this home does not have."""
    from mockprep.cli.context import open_store
    from mockprep.core.config import suggest

    store = open_store(sync=False)
    try:
        known = store.banks.known_values()["banks"]
    finally:
        store.close()
    if bank not in known:
        warn(f"no bank {bank!r} here yet{suggest(bank, known)}")


@config_app.command("edit")
def config_edit() -> None:
    """Open the settings file in your editor (a commented template when there is none); it is
    checked before it replaces the file."""
    from mockprep.cli.context import keep_rescue_file, load_settings
    from mockprep.paths import ensure_home, home_dir
    from mockprep.services.settings_file import (
        SettingsFileError,
        check_text,
        read_text,
        template,
        write_private,
    )
    from mockprep.terminal.editor import EditorError, edit_text, editor_argv

    path = _path()
    try:
        current = read_text(path)
    except SettingsFileError as exc:
        raise UserError(str(exc), exit_code=1) from None
    try:
        editor = load_settings().editor
    except UserError:
        editor = ""  # a broken file is what the person wants to fix
    try:
        argv = editor_argv(editor)
    except EditorError as exc:
        raise UserError(str(exc), exc.exit_code) from None
    if argv is None:
        raise UserError(f"no editor: set $VISUAL or $EDITOR, or edit {path} directly", exit_code=1)
    text = current if current is not None else template()
    while True:
        try:
            text = edit_text(argv, text, ensure_home(home_dir()), kind="config", suffix=".toml")
        except EditorError as exc:
            raise UserError(str(exc), exc.exit_code) from None
        if text == (current if current is not None else template()):
            typer.echo("No changes.")
            return
        try:
            check_text(path, text)
            break
        except SettingsFileError as exc:
            problem = str(exc)
        if not (sys.stdin.isatty() and typer.confirm(f"{plain(problem)}\nEdit again?", default=True)):
            kept = keep_rescue_file("unsaved-config", text, utc_now(), ".toml")
            raise UserError(f"{problem}; the settings file was not changed (your text is in {kept})")
    try:
        write_private(path, text)
    except SettingsFileError as exc:
        raise UserError(str(exc), exit_code=1) from None
    typer.echo(plain(f"Saved {path}."))
