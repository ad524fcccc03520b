"""Counted nouns that read normally: "1 question", "2 questions", "1 story", "1.5 minutes"; names as
people read them."""

from __future__ import annotations


def plural(count: float, noun: str, many: str | None = None) -> str:
    """``count`` and ``noun``, singular for exactly one; ``many`` names an irregular plural."""
    number = str(int(count)) if float(count).is_integer() else f"{count:.10g}"
    if count == 1:
        return f"{number} {noun}"
    if many is None:
        many = f"{noun[:-1]}ies" if noun.endswith("y") and noun[-2:-1] not in "aeiou" else f"{noun}s"
    return f"{number} {many}"


def listed(items: list[str], shown: int = 5, sep: str = "; ") -> str:
    """The first ``shown`` of ``items`` joined by ``sep``, then how many more there are ("a; b; 3 more");
    all of them when one more would be all that is left out."""
    more = len(items) - shown
    if more < 2:
        return sep.join(items)
    return sep.join(items[:shown]) + f"{sep}{more} more"


def shortened(text: str, limit: int = 40) -> str:
    """``text`` cut to ``limit`` characters, ending in "..." when it was cut."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def as_written(value: object) -> str:
    """A value as a one-line error quotes it: as TOML writes a boolean (true/false), anything else as
    Python's repr, shortened to 40 characters."""
    return shortened(("true" if value else "false") if isinstance(value, bool) else repr(value))


def session_kind_name(kind: str | None) -> str:
    """What a session's stored kind is called wherever people read it (history, question show, history
    --csv): a regular session is stored as "drill" (its name in the export, which keeps it) and called
    "session", since "drill" means --cram, --weakest and the like, stored as "cram"; "mock" as it is."""
    return "session" if kind == "drill" else (kind or "")
