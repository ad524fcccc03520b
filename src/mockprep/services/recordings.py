"""The recordings of spoken answers in the data folder, by name: a take is made, kept when its answer is
cut short, and a kept one left from an earlier run is said once.

- ``answer-STAMP-PID.wav``: a take its process (PID) is recording or transcribing; deleted once
  transcribed (unless ``voice_keep_recordings``).
- ``cut-short-STAMP.BANK+ID.wav``: a take whose answer (to question BANK/ID) was cut short by a closed
  terminal before it was transcribed: nobody has been told of it yet.
- ``kept-STAMP.BANK+ID.wav``: such a take the person has been told of (at once after Ctrl-C or
  SIGTERM, else by the next command that records or grades a recording).

A take of a process that is gone (killed outright) is a leftover too, its question unknown.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from mockprep.liveness import process_alive

TAKE = "answer-"
CUT_SHORT = "cut-short-"
KEPT = "kept-"
BYTES_A_SECOND = 32_000  # 16 kHz mono, 16-bit: what the microphone records
_TAKE = re.compile(r"^answer-(?P<stamp>[0-9-]+?)(?:-p(?P<pid>\d+))?\.wav$")
_CUT = re.compile(r"^(?:cut-short|kept)-(?P<stamp>[0-9-]+)\.(?P<bank>[a-z0-9-]+)\+(?P<id>[a-z0-9-]+)\.wav$")


def take_name(stamp: str) -> str:
    """The name of a take this process records."""
    return f"{TAKE}{stamp}-p{os.getpid()}.wav"


@dataclass(frozen=True)
class KeptTake:
    """A take kept from an answer cut short: its file and its question's key (None: unknown)."""

    path: Path
    key: str | None

    def line(self) -> str:
        """The one line that says it is kept and how to have it graded."""
        if self.key is None:  # (an answer's or a story's telling)
            how = f"mockprep grade KEY --audio {self.path}, or story rehearse ID --audio {self.path}"
        else:
            how = f"mockprep grade {self.key} --audio {self.path}"
        return (
            f"The spoken answer{f' to {self.key}' if self.key else ''} cut short before it was transcribed"
            f" is kept in {self.path} (grade it with: {how})"
        )


def keep_take(path: Path, key: str, told: bool) -> KeptTake | None:
    """Keep a take whose answer to ``key`` was cut short, renamed to name its question; None when it
    holds under a second of sound (a take cut off as it began: deleted) or cannot be renamed.

    ``told``: the person is told of it now (a terminal is there to say it), else it waits for the next
    command to say it (:func:`leftovers`)."""
    match = _TAKE.match(path.name)
    try:
        if path.stat().st_size < 44 + BYTES_A_SECOND:
            path.unlink(missing_ok=True)
            return None
        stamp = match.group("stamp") if match else path.stem
        target = path.with_name(f"{KEPT if told else CUT_SHORT}{stamp}.{key.replace('/', '+')}.wav")
        path.rename(target)
    except OSError:
        return None
    return KeptTake(target, key)


def leftovers(folder: Path) -> list[KeptTake]:
    """The takes nobody has been told of: cut short by a closed terminal, or left by a process that
    is gone. Each is renamed as told (``kept-``), so it is said once."""
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return []
    found = []
    for name in names:
        cut, take = _CUT.match(name), _TAKE.match(name)
        if cut is not None and name.startswith(CUT_SHORT):
            key, stamp = f"{cut.group('bank')}/{cut.group('id')}", cut.group("stamp")
            target = folder / f"{KEPT}{name.removeprefix(CUT_SHORT)}"
        elif take is not None and not (take.group("pid") and process_alive(int(take.group("pid")))):
            key, stamp = None, take.group("stamp")
            target = folder / f"{KEPT}{stamp}.wav"
        else:
            continue
        try:
            (folder / name).rename(target)
        except OSError:
            continue
        found.append(KeptTake(target, key))
    return found


def leftovers_line(kept: list[KeptTake]) -> str | None:
    """One line saying the ``kept`` takes wait to be graded; None for none."""
    if not kept:
        return None
    if len(kept) == 1:
        return kept[0].line()
    folder = kept[0].path.parent
    return (
        f"{len(kept)} spoken answers cut short before they were transcribed are kept in {folder}:"
        f" {', '.join(k.path.name for k in kept)} (grade each with: mockprep grade KEY --audio FILE;"
        " the key is in its name, + for /; a take named by no key may be a story's telling)"
    )
