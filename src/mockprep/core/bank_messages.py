"""pydantic's complaints about a bank file said in the format's own words. Pure (no pydantic here: an
error is the plain dict ``ValidationError.errors()`` gives).

A bank author reads "tolerance must be 0 or more (got -0.1)", not "Input should be greater than or
equal to 0"; a string where a list belongs is shown as the list it should be; a choice question's
``correct`` given as the text of a choice is told its letter.
"""

from __future__ import annotations

import json
import re
from typing import Any

from mockprep.core.wording import as_written

# Lists of names, whose items a string may separate with commas ("roles = 'a, b'").
_NAME_LISTS = ("tags", "roles", "competencies", "requires", "imports")
_TABLES = {"questions": ("question", "[[questions]]"), "tests": ("test", "[[questions.tests]]")}


def validation_message(error: dict[str, Any], field: str | None, question: dict[str, Any] | None) -> str:
    """One pydantic ``error`` about ``field`` (of ``question``, the raw table, when it is in one) as a
    clause: "must be ..." with what was given, prefixed by the item or test it is about."""
    return _where(error["loc"], field) + _what(error, field, question)


def _where(loc: tuple[Any, ...], field: str | None) -> str:
    """The part of a field an error is in: "item 2 " of a list, "test 1: 'expected' " of a code test."""
    name = (field or "").split(".")[0]
    if name not in loc:
        return ""
    rest = loc[loc.index(name) + 1 :]
    rest = tuple(part for part in rest if not (isinstance(part, str) and part in _UNION_MEMBERS))
    if not rest or not isinstance(rest[0], int):
        return ""
    if name == "tests":
        inner = [part for part in rest[1:] if isinstance(part, str)]
        return f"test {rest[0] + 1}: " + (f"'{inner[0]}' " if inner else "")
    return f"item {rest[0] + 1} "


# How pydantic names the members of a union in a location ("time_limit.int"): not part of the place.
_UNION_MEMBERS = ("int", "float", "str", "bool", "list[str]", "function-after[_check_text(), str]")


def _what(error: dict[str, Any], field: str | None, question: dict[str, Any] | None) -> str:
    kind = error["type"]
    given = error.get("input")
    ctx = error.get("ctx") or {}
    # (a question that is no table has no field: it is the [[questions]] entry itself)
    name = field.split(".")[0] if field else str(error["loc"][0]) if error["loc"] else ""
    if kind == "missing":
        return "missing"
    if kind == "finite_number":
        return f"must be a finite number (got {given!r})"
    if kind == "string_pattern_mismatch":
        if name == "correct":
            return _correct_hint(given, question)
        got = "" if name == "id" else f" (got {shown(given)})"  # (a question's id is in its label)
        return f"must be lower-case letters, digits and '-' (at most 64), e.g. 'bias-variance'{got}"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected', '')} (got {shown(given)})"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_too_long":
        return f"is too long (at most {ctx.get('max_length')} characters)"
    if kind == "too_short":
        return f"needs at least {_items(ctx.get('min_length'))} (has {ctx.get('actual_length')})"
    if kind == "too_long":
        return f"allows at most {_items(ctx.get('max_length'))} (has {ctx.get('actual_length')})"
    bound = _bound(kind, ctx)
    if bound:
        return f"must be {bound} (got {shown(given)})"
    if kind.endswith("_type") or kind == "model_attributes_type":
        return _type_message(kind, name, given)
    return str(error["msg"]).removeprefix("Value error, ")


def _bound(kind: str, ctx: dict[str, Any]) -> str | None:
    for key, words in (
        ("ge", "{} or more"),
        ("gt", "more than {}"),
        ("le", "{} or less"),
        ("lt", "less than {}"),
    ):
        if kind.startswith(("greater_than", "less_than")) and key in ctx:
            return words.format(_number(ctx[key]))
    return None


def _type_message(kind: str, name: str, given: Any) -> str:
    if name == "time_limit":
        return f'must be seconds (150) or a duration in quotes such as "2m30s" (got {shown(given)})'
    if name == "correct":
        return f'must be the letter of a choice in quotes, e.g. correct = "b" (got {shown(given)})'
    if kind == "list_type":
        return _list_message(name, given)
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        if name in _TABLES:
            return f"must be a table: write it under {_TABLES[name][1]}"
        return f"must be a table (got {shown(given)})"
    if kind == "string_type":
        return f"must be text in quotes (got {shown(given)})"
    if kind in ("float_type", "int_type"):
        quoted = " without quotes" if isinstance(given, str) else ""
        return f"must be a number{quoted} (got {shown(given)})"
    if kind == "bool_type":
        return f"must be true or false (got {shown(given)})"
    return f"has the wrong type (got {shown(given)})"


_FEWEST = {"key_points": 2, "choices": 2}  # (core.banks: a list shorter fails again)


def _list_message(name: str, given: Any) -> str:
    """A list written as something else: a string is shown as the list it should be."""
    if name in _TABLES and isinstance(given, dict):
        what, table = _TABLES[name]
        return f"must be a list: write each {what} under {table} (two brackets)"
    if not isinstance(given, str):
        return f"must be a list in brackets (got {shown(given)})"
    separators = r"[;,]" if name in _NAME_LISTS else r";"
    parts = [part.strip() for part in re.split(separators, given) if part.strip()] or [given]
    if len(parts) < _FEWEST.get(name, 1):  # a list of one would fail again: try the commas
        parts = [part.strip() for part in re.split(r"[;,]", given) if part.strip()] or [given]
        if len(parts) < _FEWEST[name]:
            form = f'{name} = ["...", "..."]'
            return f"must be a list of at least {_FEWEST[name]} in brackets, e.g. {form} (got one string)"
    example = f"{name} = [{', '.join(json.dumps(p, ensure_ascii=False) for p in parts)}]"
    if len(example) > 90:
        return f'must be a list in brackets, e.g. {name} = ["...", "..."] (got one string)'
    return f"must be a list in brackets, e.g. {example} (got one string)"


def _correct_hint(given: Any, question: dict[str, Any] | None) -> str:
    """``correct`` that is no letter: the letter of the choice it spells out, when it is one's text."""
    choices = (question or {}).get("choices")
    if isinstance(given, str) and isinstance(choices, list):
        wanted = _folded(given)
        for index, choice in enumerate(choices[:8]):
            if isinstance(choice, str) and _folded(choice) == wanted:
                letter = "abcdefgh"[index]
                return f"must be the letter of a choice: did you mean {letter!r} ({choice.strip()})?"
    return f"must be one letter a-h (or A-H) naming a choice (got {shown(given)})"


def _folded(text: str) -> str:
    return " ".join(text.split()).casefold().strip(" .")


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _items(count: Any) -> str:
    return f"{count} item" + ("" if count == 1 else "s")


shown = as_written  # a value as a bank author wrote it (TOML's true/false), cut to 40 characters
