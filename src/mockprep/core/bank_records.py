"""What a bank is once read, without the file format's validation (core/banks.py, pydantic):
the format's constants, :class:`Bank`, :class:`BankProblem` and :class:`BankError`.

A session that finds every bank file unchanged needs these, never the parser.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from mockprep.core.banks import BankSpec
    from mockprep.core.questions import Question

ROUNDS = ("technical", "project", "behavioral")
KNOWN_ROLES = ("ml-researcher", "research-scientist", "ml-engineer", "data-scientist")
COMPETENCIES = (
    "communication",
    "problem-solving",
    "collaboration",
    "learning-agility",
    "business-acumen",
    "leadership",
    "conflict",
    "failure",
    "ambiguity",
    "ownership",
)
MAX_BANK_BYTES = 20 * 1024 * 1024
MAX_TEXT_CHARS = 20_000
SLUG = r"^[a-z0-9][a-z0-9-]{0,63}$"


class Bank(NamedTuple):
    """A validated bank with the hash of the bytes it was read from."""

    spec: BankSpec
    questions: tuple[Question, ...]
    content_hash: str
    source: str

    @property
    def id(self) -> str:
        return self.spec.id


class BankProblem(NamedTuple):
    """One problem with a bank file, printable as a single line (``file:line: ...`` when it has one)."""

    source: str
    message: str
    question: str | None = None
    field: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        if self.question:
            where += f": question {self.question!r}"
        if self.field:
            where += f": field {self.field!r}"
        return f"{where}: {self.message}"


class BankError(Exception):
    """A bank file was rejected; ``problems`` lists every reason."""

    def __init__(self, problems: list[BankProblem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def content_hash(data: bytes) -> str:
    import hashlib  # (~3 ms to load: not for the commands that only need ROUNDS)

    return hashlib.sha256(data).hexdigest()


def not_utf8(data: bytes, start: int, spreadsheet: bool = False) -> str:
    """What every reader of a bank or an import says of bytes that are not UTF-8: the byte, where it is,
    the letter it is in Windows-1252 (what Excel on Windows writes, so the person recognises it), and
    how to save the file as UTF-8 (from Excel, for a ``spreadsheet``)."""
    byte = data[start]
    try:
        letter = f", {bytes([byte]).decode('cp1252')!r} in Windows-1252"
    except UnicodeDecodeError:  # (five bytes Windows-1252 leaves unassigned)
        letter = ""
    advice = " (in Excel: Save As, 'CSV UTF-8')" if spreadsheet else ""
    return f"not UTF-8 (byte 0x{byte:02x} at offset {start}{letter}): save it as UTF-8{advice}"
