"""Reading bank files from disk: regular files only and at most the size cap, files and folders.

The one part of the bank core that touches the file system; parsing and every check are
:func:`mockprep.core.banks.parse_bank`'s.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import NamedTuple

from mockprep.core.bank_records import MAX_BANK_BYTES, Bank, BankError, BankProblem

# A file changed less than this long before it was looked at may change again within the same tick of
# the file system's clock (2 s on FAT) and keep its stamp: its recorded hash is not trusted.
RACY_NS = 2_000_000_000


class FileStamp(NamedTuple):
    """What a file looked like: a write changes its size or its times, a replacement its inode."""

    size: int
    mtime_ns: int
    ctime_ns: int
    inode: int
    device: int

    @classmethod
    def of(cls, info: os.stat_result) -> FileStamp:
        return cls(info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev)


def unchanged_since(now: os.stat_result, stamp: FileStamp, seen_ns: int) -> bool:
    """Whether a regular file that now looks like ``now`` still holds what it held when it was looked
    at, at ``seen_ns`` (ns since 1970), looking like ``stamp``: the same stamp, and its last change
    at least :data:`RACY_NS` before that look."""
    return (
        stat.S_ISREG(now.st_mode)
        and FileStamp.of(now) == stamp
        and max(stamp.mtime_ns, stamp.ctime_ns) <= seen_ns - RACY_NS
    )


def bank_files(path: Path) -> list[Path]:
    """The ``.toml`` files at ``path``: the file itself, or every one under a folder, sorted."""
    if path.is_dir():
        return sorted(p for p in path.rglob("*.toml") if p.is_file())
    return [path]


def read_bank_bytes(path: Path) -> bytes:
    """The bytes of the bank file at ``path``: only a regular file, and at most the size cap.

    A device (``/dev/zero``), a named pipe or a socket would never end or never start; it is refused
    before it is opened, and checked again on the open descriptor in case it was swapped meanwhile.
    """
    source = str(path)
    too_big = BankProblem(source, f"file is larger than {MAX_BANK_BYTES // 2**20} MB")
    try:
        _check_regular(path.stat(), source)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
        try:
            info = os.fstat(fd)
            _check_regular(info, source)
            if info.st_size > MAX_BANK_BYTES:
                raise BankError([too_big])
            with os.fdopen(os.dup(fd), "rb") as handle:
                # Sized by the file (a buffer of the cap for each of 77 files cost about 7 ms); a file that
                # grew since is read on, up to one byte past the cap.
                data = handle.read(info.st_size + 1)
                if len(data) > info.st_size:
                    data += handle.read(MAX_BANK_BYTES + 1 - len(data))
        finally:
            os.close(fd)
    except FileNotFoundError:
        raise BankError([BankProblem(source, "no such file")]) from None
    except OSError as exc:
        raise BankError([BankProblem(source, f"cannot be read: {exc.strerror}")]) from None
    if len(data) > MAX_BANK_BYTES:
        raise BankError([too_big])
    return data


# The line bank import writes above what it proposed (key points, competencies) for the person to check.
_REVIEW_LINE = re.compile(rb"^[ \t]*# review:", re.MULTILINE)


def review_marks(path: Path) -> int:
    """How many '# review:' lines the bank files at ``path`` still hold (proposals not yet checked)."""
    total = 0
    for file in bank_files(path):
        try:
            total += len(_REVIEW_LINE.findall(read_bank_bytes(file)))
        except BankError:
            continue  # (a file that cannot be read is said by what read it)
    return total


def _check_regular(info: os.stat_result, source: str) -> None:
    if stat.S_ISDIR(info.st_mode):
        raise BankError([BankProblem(source, "is a folder, not a bank file")])
    if not stat.S_ISREG(info.st_mode):
        kind = (
            "a named pipe" if stat.S_ISFIFO(info.st_mode)
            else "a socket" if stat.S_ISSOCK(info.st_mode)
            else "a device"
        )  # fmt: skip
        raise BankError(
            [BankProblem(source, f"is {kind}, not a regular file (a bank is read only from a file)")]
        )


def load_bank_file(path: Path) -> Bank:
    """Read and validate one bank file from disk."""
    from mockprep.core.banks import parse_bank  # the parser (pydantic) only when a file is read

    return parse_bank(read_bank_bytes(path), str(path))


def load_banks(paths: list[Path]) -> tuple[list[Bank], list[BankProblem]]:
    """Load every bank under ``paths``; return the good banks and every problem found.

    Bank ids must be unique across the files: a second file with the same id is a problem.
    """
    banks: list[Bank] = []
    problems: list[BankProblem] = []
    owner: dict[str, str] = {}
    for root in paths:
        if not root.exists():
            problems.append(BankProblem(str(root), "no such file or folder"))
            continue
        files = bank_files(root)
        if root.is_dir() and not files:
            problems.append(BankProblem(str(root), "folder holds no .toml bank files"))
        for file in files:
            try:
                bank = load_bank_file(file)
            except BankError as exc:
                problems.extend(exc.problems)
                continue
            if bank.id in owner and owner[bank.id] != bank.source:
                problems.append(
                    BankProblem(bank.source, f"bank id {bank.id!r} is also used by {owner[bank.id]}")
                )
                continue
            owner[bank.id] = bank.source
            banks.append(bank)
    return banks, problems
