"""How a review's answer, key-point coverage, global id, verdicts and card before are stored, and read back.

Every writer of a reviews row packs these values here and every reader unpacks them here, so the rest
of mockprep (and every export, sync event and merge) sees the same values as before m015 and m019: the
answer as text, the coverage as a list of booleans, the id as 32 lowercase hex digits, a grader's name
as text, verdicts as lists of words, the card before a rating as an fsrs Card.

- answer: TEXT as typed, or, when raw deflate makes it shorter, the deflated UTF-8 as a BLOB (the
  storage type tells them apart; short answers stay as they are).
- coverage: NULL (no key points judged), or one character per key point, '1' covered and '0' not
  ('' for none); a JSON list (the form before m015) still reads.
- uid: the 16 bytes the 32 hex digits spell, as a BLOB; anything that is not such an id stays text.

and (m019) a built-in grader's name as one byte, its proposal and the confirmed checklist as one
character per key point, and the card
before a rating as 35 bytes: on a graded review these took about 230 bytes of JSON, three times the rest.
"""

from __future__ import annotations

import json
import math
import sqlite3
import struct
import zlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from mockprep.core.ids import is_uid
from mockprep.db.sql import db_us

if TYPE_CHECKING:
    from fsrs import Card

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# Below this many bytes raw deflate cannot win (its block header and the literals' codes).
_SHORTEST_PACKED = 16
_LEVEL = 6  # zlib's default: on answers as small as 9's output (9 only searches longer)
_MEMORY = 4  # deflate's memLevel: on answers of 100 bytes to 2 KB as small as 8's output, and faster


def pack_answer(text: str) -> str | bytes:
    """The stored form of an answer: deflated when that saves bytes, else the text itself."""
    if len(text) < _SHORTEST_PACKED:
        return text
    try:
        raw = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: left for SQLite to refuse, as every other text
        return text
    if len(raw) < _SHORTEST_PACKED:
        return text
    # A window no bigger than the text and a small hash table: most of deflate's time on a short
    # answer is setting up its full 32 KiB window and 64 KiB table, for the same bytes out (any window
    # inflates with the largest, -15).
    bits = max(9, min(15, (len(raw) - 1).bit_length()))
    packer = zlib.compressobj(_LEVEL, zlib.DEFLATED, -bits, _MEMORY)
    packed = packer.compress(raw) + packer.flush()
    return packed if len(packed) < len(raw) else text


def answer_text(stored: str | bytes | None) -> str:
    """An answer as the person typed it, from its stored form (the one place answers are unpacked).
    A stored answer that does not inflate to UTF-8 (a damaged file) raises :class:`DamagedAnswer`."""
    if stored is None:
        return ""
    if isinstance(stored, bytes):
        try:
            # a first buffer near the answer's size: zlib's default 16 KB one costs a third of the time
            return zlib.decompress(stored, -15, len(stored) * 4 + 64).decode("utf-8")
        except (zlib.error, UnicodeDecodeError) as exc:
            raise DamagedAnswer(exc) from None
    return stored


class DamagedAnswer(sqlite3.DatabaseError):
    """A stored answer that cannot be read back: a database error, said in one line as a damaged file
    is (SQLite's code for a corrupt database), whichever command meets it."""

    def __init__(self, cause: Exception):
        super().__init__(f"a stored answer is damaged: {cause}")
        self.sqlite_errorcode = 11  # SQLITE_CORRUPT
        self.sqlite_errorname = "SQLITE_CORRUPT"


def pack_coverage(coverage: Sequence[bool] | None) -> str | None:
    """The stored form of key-point coverage: '1' or '0' per key point, NULL for none judged."""
    if coverage is None:
        return None
    return "".join("1" if covered else "0" for covered in coverage)


def coverage_list(stored: str | None) -> list[bool] | None:
    """Key-point coverage from its stored form (either this module's or the JSON list before m015)."""
    if stored is None:
        return None
    if stored.startswith("["):
        return json.loads(stored)
    return [c == "1" for c in stored]


def coverage_json(stored: str | None) -> str:
    """The JSON an export writes for a stored coverage (``json.dumps`` of the list)."""
    return json.dumps(coverage_list(stored))


def pack_uid(uid: str | None) -> bytes | str | None:
    """The stored form of a review's global id: 16 bytes for the usual 32 hex digits."""
    return bytes.fromhex(uid) if is_uid(uid) else uid


def uid_hex(stored: Any) -> str | None:
    """A review's global id as everything outside the database knows it (32 lowercase hex digits)."""
    return stored.hex() if isinstance(stored, bytes) else stored


# A verdict per key point as one character: readable in the sqlite3 shell, and none is in a JSON text's
# first position ('['), which is how a list stored before m019 is told apart.
VERDICT_CODES = {"covered": "+", "partly": "~", "missing": "-", "contradicted": "!"}
_VERDICTS = {code: verdict for verdict, code in VERDICT_CODES.items()}


def pack_verdicts(verdicts: Sequence[str] | None) -> str | None:
    """The stored form of a list of key-point verdicts (a grader's proposal, a confirmed checklist): one
    character each; a list with any other value keeps its JSON text (and reads back the same)."""
    if verdicts is None:
        return None
    try:
        return "".join(VERDICT_CODES[v] for v in verdicts)
    except (KeyError, TypeError):
        return json.dumps(list(verdicts), ensure_ascii=False)


def verdict_list(stored: str | None) -> list[Any] | None:
    """Key-point verdicts from their stored form (this module's or the JSON list before m019)."""
    if stored is None:
        return None
    if stored.startswith("["):
        return json.loads(stored)
    return [_VERDICTS[code] for code in stored]


# The built-in graders' names as one byte each (a BLOB, so that no name typed anywhere can be taken for
# one): the same few names on every graded review took 10 to 22 bytes. Codes are never reused.
GRADER_CODES = {"key points": 1, "key points and meaning": 2, "lexical": 3}
_GRADERS = {code: name for name, code in GRADER_CODES.items()}


def pack_grader(name: str | None) -> str | bytes | None:
    """The stored form of a grader's name: its code for a built-in grader, else the name itself."""
    code = GRADER_CODES.get(name) if isinstance(name, str) else None
    return name if code is None else bytes((code,))


def grader_name(stored: str | bytes | None) -> str | None:
    """A grader's name from its stored form (m019's code, or the name as written before)."""
    return _GRADERS[stored[0]] if isinstance(stored, bytes) else stored


# The card before a rating (for undo): state, step, stability, difficulty, due and last review, the
# times in microseconds since 1970; a missing step, stability, difficulty or last review as below.
_CARD = struct.Struct("<Bhddqq")
_NO_STEP, _NO_TIME = -1, -(2**63)


def pack_card(card: Card) -> bytes:
    """The stored form of a card (35 bytes; its JSON took about 140). Its id is its question's."""
    return _CARD.pack(
        int(card.state),
        _NO_STEP if card.step is None else card.step,
        math.nan if card.stability is None else card.stability,
        math.nan if card.difficulty is None else card.difficulty,
        db_us(card.due),
        _NO_TIME if card.last_review is None else db_us(card.last_review),
    )


def card_before(stored: bytes | str | None, question_id: int) -> Card | None:
    """The card a rating was given to, from its stored form (this module's or the JSON before m019)."""
    if not stored:
        return None
    from fsrs import Card, State  # here: opening a database (which registers SQL functions) needs no fsrs

    if isinstance(stored, str):
        return Card.from_dict(json.loads(stored))
    state, step, stability, difficulty, due, last = _CARD.unpack(stored)
    return Card(
        card_id=question_id,
        state=State(state),
        step=None if step == _NO_STEP else step,
        stability=None if math.isnan(stability) else stability,
        difficulty=None if math.isnan(difficulty) else difficulty,
        due=_EPOCH + timedelta(microseconds=due),
        last_review=None if last == _NO_TIME else _EPOCH + timedelta(microseconds=last),
    )


# The same in SQL: SQL_UID for a statement that must read a review's id (m015's trigger of deletions);
# SQL_ANSWER, with review_answer() registered on the connection, for reading answers by hand (tests).
SQL_UID = "CASE typeof({0}) WHEN 'blob' THEN lower(hex({0})) ELSE {0} END"
SQL_ANSWER = "CASE typeof({0}) WHEN 'blob' THEN review_answer({0}) ELSE {0} END"


def register(raw: Any) -> None:
    """Make ``review_answer(stored)`` (:func:`answer_text`) callable from SQL on this connection."""
    raw.create_function("review_answer", 1, answer_text, deterministic=True)
