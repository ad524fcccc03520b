"""Parse and format human durations such as ``90``, ``90s``, ``2m30s``, ``1h`` or ``1d``."""

from __future__ import annotations

import re

_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(d|h|m|s)")
_UNIT_SECONDS = {"d": 86400, "h": 3600, "m": 60, "s": 1}


def parse_duration(text: str | int | float) -> float:
    """Return seconds for ``text``; a bare number means seconds. Raise ValueError when it does not parse."""
    if isinstance(text, bool):
        raise ValueError("expected a duration such as 90, 90s or 2m30s")
    if isinstance(text, int | float):
        seconds = float(text)
    else:
        cleaned = text.strip().lower().replace(" ", "")
        if not cleaned:
            raise ValueError("empty duration")
        try:
            seconds = float(cleaned)
        except ValueError:
            pos = 0
            seconds = 0.0
            seen: set[str] = set()
            for match in _PART.finditer(cleaned):
                if match.start() != pos or match.group(2) in seen:
                    break
                seen.add(match.group(2))
                seconds += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
                pos = match.end()
            if pos != len(cleaned) or not seen:
                raise ValueError(f"{text!r} is not a duration (use e.g. 90, 90s, 2m30s, 1h or 1d)") from None
    if seconds != seconds or seconds < 0:  # NaN or negative
        raise ValueError(f"{text!r} is not a duration (must be zero or more)")
    return seconds


def format_duration(seconds: float) -> str:
    """Short human form: ``45s``, ``2m30s``, ``1h05m``, ``3d``, ``2.5mo``, ``1.2y``."""
    seconds = max(0.0, seconds)
    if round(seconds) < 60:
        return f"{seconds:.0f}s"
    if seconds < 3600:
        minutes, secs = divmod(round(seconds), 60)
        return f"{minutes}m{secs:02d}s" if secs else f"{minutes}m"
    if seconds < 86400:
        hours, rest = divmod(round(seconds), 3600)
        return f"{hours}h{rest // 60:02d}m" if rest // 60 else f"{hours}h"
    days = seconds / 86400
    if days < 30:
        return f"{days:.0f}d"
    if days < 365:
        return f"{days / 30:.1f}mo"
    return f"{days / 365:.1f}y"
