"""The recordings of spoken answers in the data folder, by name: a take is made, kept when its answer is
cut short, and a kept one nobody was told of is said once.

- ``answer-STAMP-pPID.wav.part``: a take its process (PID) is writing; renamed without ``.part`` once
  whole (a process killed meanwhile leaves it: deleted, and said, by the next command).
- ``answer-STAMP-pPID.wav``: a take its process is transcribing; deleted once transcribed, or with
  ``voice_keep_recordings`` renamed ``answer-STAMP.wav`` (the name an older mockprep kept them under):
  a recording kept on purpose, never said.
- ``kept-STAMP.BANK+ID.wav``: a take whose answer (to question BANK/ID) was cut short before it was
  transcribed; the name history gives it. Beside it ``kept-STAMP.BANK+ID.wav.untold`` while nobody has
  been told of it (a closed terminal's): the next command that records or grades a recording says it
  and deletes that mark. (``cut-short-STAMP.BANK+ID.wav`` was 8e5a75c's name for such a take: said
  once under that name, the one its history gives, and marked ``.told`` beside it, never renamed.)

A take of a process that is gone (killed outright while transcribing) is a leftover too, its question
unknown: renamed ``kept-STAMP.wav`` and said once.
"""

from __future__ import annotations

import os
import re
import wave
from dataclasses import dataclass, field
from pathlib import Path

from mockprep.liveness import process_alive

TAKE = "answer-"
CUT_SHORT = "cut-short-"
KEPT = "kept-"
PART = ".part"
UNTOLD = ".untold"
TOLD = ".told"
BYTES_A_SECOND = 32_000  # 16 kHz mono, 16-bit: what the microphone records
_TAKE = re.compile(r"^answer-(?P<stamp>[0-9-]+?)-p(?P<pid>\d+)\.wav(?P<part>\.part)?$")
_CUT = re.compile(r"^(?:cut-short|kept)-(?P<stamp>[0-9-]+)\.(?P<bank>[a-z0-9-]+)\+(?P<id>[a-z0-9-]+)\.wav$")


def take_name(stamp: str) -> str:
    """The name of a take this process records (written as this and ``.part``, renamed once whole)."""
    return f"{TAKE}{stamp}-p{os.getpid()}.wav"


def keep_on_purpose(path: Path) -> Path:
    """A take kept by ``voice_keep_recordings`` once transcribed, renamed so that it never looks like a
    take in progress: ``answer-STAMP.wav``; its path (the same when it cannot be renamed)."""
    match = _TAKE.match(path.name)
    if match is None or match.group("part"):
        return path
    target = path.with_name(f"{TAKE}{match.group('stamp')}.wav")
    try:
        path.rename(target)
    except OSError:
        return path
    return target


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
    """Keep a take whose answer to ``key`` was cut short, renamed to name its question (its final name,
    the one history gives); None when it holds under a second of sound (a take cut off as it began:
    deleted) or cannot be renamed.

    ``told``: the person is told of it now (a terminal is there to say it), else it waits for the next
    command to say it (:func:`leftovers`), marked so by a file beside it."""
    match = _TAKE.match(path.name)
    mark = None
    try:
        if path.stat().st_size < 44 + BYTES_A_SECOND:
            path.unlink(missing_ok=True)
            return None
        stamp = match.group("stamp") if match else path.stem
        target = path.with_name(f"{KEPT}{stamp}.{key.replace('/', '+')}.wav")
        if not told:  # (marked first: a next command never sees the take unmarked)
            mark = target.with_name(target.name + UNTOLD)
            with os.fdopen(os.open(mark, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as out:
                out.write(f"{os.getpid()}\n")  # (its writer: a mark whose take never came is dropped)
        path.rename(target)
    except OSError:
        if mark is not None:
            mark.unlink(missing_ok=True)
        return None
    return KeptTake(target, key)


@dataclass
class Leftovers:
    """What :func:`leftovers` found: takes to say, and files of takes cut off while they were saved
    (deleted)."""

    kept: list[KeptTake] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.kept or self.dropped)


def leftovers(folder: Path) -> Leftovers:
    """The takes nobody has been told of: cut short by a closed terminal (marked ``.untold``), or left
    by a process that is gone (renamed ``kept-``), each said once; a take under a second is deleted
    unsaid, and one whose WAV cannot be read (its process killed as it saved it) deleted and said."""
    found = Leftovers()
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return found
    for name in names:
        cut, take = _CUT.match(name.removesuffix(UNTOLD)), _TAKE.match(name)
        if cut is not None and name.endswith(UNTOLD):
            _untold(folder / name, cut, found)
        elif cut is not None and name.startswith(CUT_SHORT):  # (8e5a75c's name: the history names it)
            if _mark_told(folder / name):
                found.kept.append(KeptTake(folder / name, f"{cut.group('bank')}/{cut.group('id')}"))
        elif name.startswith(CUT_SHORT) and name.endswith(TOLD) and name.removesuffix(TOLD) not in names:
            (folder / name).unlink(missing_ok=True)  # (its take graded and deleted: the mark goes too)
        elif take is not None and not process_alive(int(take.group("pid"))):
            _left_by_the_gone(folder / name, take, found)
    return found


def _mark_told(take: Path) -> bool:
    """Mark an 8e5a75c take as said (``.told`` beside it, so that history's path stays true); whether
    this call marked it (whoever makes the mark says it: two commands at once say it once)."""
    try:
        os.close(os.open(take.with_name(take.name + TOLD), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError:
        return False
    return True


def _untold(mark: Path, cut: re.Match[str], found: Leftovers) -> None:
    """A kept take marked as not yet said: said, the mark deleted (whoever deletes it says it)."""
    take = mark.with_name(mark.name.removesuffix(UNTOLD))
    if not take.exists():
        try:  # a mark whose take never came: its process died between the two
            writer = int(mark.read_text().strip() or 0)
        except (OSError, ValueError):
            return
        if writer and process_alive(writer):
            return
    try:
        mark.unlink()
    except OSError:
        return
    if take.exists():
        found.kept.append(KeptTake(take, f"{cut.group('bank')}/{cut.group('id')}"))


def _left_by_the_gone(path: Path, take: re.Match[str], found: Leftovers) -> None:
    """A take of a process that is gone: said when whole and a second long or more, else deleted."""
    seconds = None if take.group("part") else _seconds(path)
    if seconds is None or seconds < 1.0:
        try:
            path.unlink()
        except OSError:
            return
        if seconds is None:
            found.dropped.append(path.name)
        return
    target = path.with_name(f"{KEPT}{take.group('stamp')}.wav")
    if _rename(path, target):
        found.kept.append(KeptTake(target, None))


def _seconds(path: Path) -> float | None:
    """How long a WAV file sounds; None when it cannot be read as one."""
    try:
        with wave.open(str(path), "rb") as audio:
            frames, rate = audio.getnframes(), audio.getframerate()
            if path.stat().st_size < 44 + frames * audio.getsampwidth() * audio.getnchannels():
                return None  # (cut off after its header)
            return frames / rate if rate else None
    except (OSError, EOFError, wave.Error):
        return None


def _rename(path: Path, target: Path) -> bool:
    try:
        path.rename(target)
    except OSError:
        return False
    return True


def leftovers_line(found: Leftovers) -> str | None:
    """One line saying the kept takes wait to be graded, and naming the takes cut off as they were
    saved that were deleted; None for none."""
    kept, dropped = found.kept, ""
    if found.dropped:
        one = len(found.dropped) == 1
        dropped = (
            f"{'a spoken answer' if one else f'{len(found.dropped)} spoken answers'} cut off while"
            f" {'its recording was' if one else 'their recordings were'} saved could not be read and"
            f" {'was' if one else 'were'} deleted ({', '.join(found.dropped)})"
        )
    if not kept:
        return dropped[:1].upper() + dropped[1:] or None
    if len(kept) == 1:
        line = kept[0].line()
    else:
        line = (
            f"{len(kept)} spoken answers cut short before they were transcribed are kept in"
            f" {kept[0].path.parent}: {', '.join(k.path.name for k in kept)} (grade each with: mockprep"
            " grade KEY --audio FILE; the key is in its name, + for /; a take named by no key may be a"
            " story's telling)"
        )
    return f"{line}; {dropped}" if dropped else line
