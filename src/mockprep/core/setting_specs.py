"""What each setting accepts, read from the fields of :class:`~mockprep.core.settings.Settings`:
its kind from the type, its bounds, unit and table keys from the field's metadata, and its
description from the comment beside the field (or right above it). Pure and generic: a field added
to Settings is described here with nothing added.
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Mapping
from dataclasses import MISSING, fields
from types import MappingProxyType
from typing import Any, NamedTuple

from mockprep.core.settings import Settings

_SCALARS = {bool: "bool", int: "int", float: "float", str: "str"}


class Spec(NamedTuple):
    """What one field of Settings accepts."""

    name: str
    kind: str  # bool | int | float | str | choice | list | table | other
    item: str  # the kind of each item of a list or table (else the kind itself)
    default: Any
    choices: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None
    unit: str | None = None  # "seconds": a duration, written 90, "90s" or "2m30s"
    keys: tuple[str, ...] | None = None  # a table's fixed keys (None: any key)
    secret: bool = False  # never printed (an API key)
    form: str | None = None  # "url": text that must be an http:// or https:// address
    empty: str | None = None  # what an empty list means, in words (said where it is shown)

    @property
    def doc(self) -> str:
        """The description: read from the source only when shown (every start-up builds the specs)."""
        return _field_docs().get(self.name, "")


@functools.cache
def specs() -> dict[str, Spec]:
    """Every setting, in the order Settings declares them."""
    hints = typing.get_type_hints(Settings)
    found = {}
    for f in fields(Settings):
        default = f.default_factory() if f.default is MISSING else f.default  # type: ignore[misc]
        kind, item, choices = _kind_of(hints[f.name])
        meta = f.metadata
        keys = meta.get("keys")
        found[f.name] = Spec(
            f.name,
            kind,
            item,
            default,
            choices,
            meta.get("low"),
            meta.get("high"),
            meta.get("unit"),
            tuple(keys) if keys is not None else None,
            bool(meta.get("secret", False)),
            meta.get("form"),
            meta.get("empty"),
        )
    return found


def _kind_of(hint: Any) -> tuple[str, str, tuple[str, ...]]:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint in _SCALARS:
        return _SCALARS[hint], _SCALARS[hint], ()
    if origin is typing.Literal and all(type(a) is str for a in args):
        return "choice", "choice", tuple(args)
    if origin in (tuple, list) and args and args[0] in _SCALARS and (origin is list or args[1:] == (...,)):
        return "list", _SCALARS[args[0]], ()
    mapping = origin is not None and isinstance(origin, type) and issubclass(origin, Mapping)
    if (mapping or origin in (dict, MappingProxyType)) and len(args) == 2 and args[1] in _SCALARS:
        return "table", _SCALARS[args[1]], ()
    if origin in (types.UnionType, typing.Union) and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1:
            return _kind_of(rest[0])  # unset means the default (TOML has no null)
    return "other", "other", ()


@functools.cache
def _field_docs() -> dict[str, str]:
    """Each field's description: the comment on its line, or the comment lines right above it
    (a ``# --`` line is a heading, not a description)."""
    import inspect
    import io
    import tokenize

    try:
        source = inspect.getsource(Settings)
    except (OSError, TypeError):
        return {}
    docs: dict[str, str] = {}
    above: list[str] = []
    current: str | None = None
    trailing = ""
    depth = 0
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    for index, tok in enumerate(tokens):
        if tok.type == tokenize.COMMENT:
            text = tok.string.lstrip("#").strip()
            if current is not None:
                trailing = trailing or text
            elif tok.line.strip().startswith("#") and not text.startswith("--"):
                above.append(text)
            else:
                above = []
        elif tok.type == tokenize.NAME and current is None and tok.start[1] == 4 and depth == 0:
            following = tokens[index + 1] if index + 1 < len(tokens) else None
            if following is not None and following.string == ":":
                current, trailing = tok.string, ""
            else:
                above = []
        elif tok.type == tokenize.OP and tok.string in "([{":
            depth += 1
        elif tok.type == tokenize.OP and tok.string in ")]}":
            depth -= 1
        elif tok.type == tokenize.NEWLINE:
            if current is not None:
                docs[current] = trailing or " ".join(above)
            current, above = None, []
        elif tok.type == tokenize.NL and current is None and not tok.line.strip():
            above = []
    return docs
