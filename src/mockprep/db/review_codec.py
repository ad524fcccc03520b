"""How a review's answer, key-point coverage and global id are stored (m015), and read back.

Every writer of a reviews row packs these three values here and every reader unpacks them here, so the
rest of mockprep (and every export, sync event and merge) sees the same values as before m015: the
answer as text, the coverage as a list of booleans, the id as 32 lowercase hex digits.

- answer: TEXT as typed, or, when raw deflate makes it shorter, the deflated UTF-8 as a BLOB (the
  storage type tells them apart; short answers stay as they are).
- coverage: NULL (no key points judged), or one character per key point, '1' covered and '0' not
  ('' for none); a JSON list (the form before m015) still reads.
- uid: the 16 bytes the 32 hex digits spell, as a BLOB; anything that is not such an id stays text.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Sequence
from typing import Any

from mockprep.core.ids import is_uid

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
    """An answer as the person typed it, from its stored form (the one place answers are unpacked)."""
    if stored is None:
        return ""
    if isinstance(stored, bytes):
        # a first buffer near the answer's size: zlib's default 16 KB one costs a third of the time
        return zlib.decompress(stored, -15, len(stored) * 4 + 64).decode("utf-8")
    return stored


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


# The same in SQL, for statements that build text from stored reviews (the export, the sync log).
SQL_UID = "CASE typeof({0}) WHEN 'blob' THEN lower(hex({0})) ELSE {0} END"
SQL_ANSWER = "CASE typeof({0}) WHEN 'blob' THEN review_answer({0}) ELSE {0} END"


def register(raw: Any) -> None:
    """Make ``review_answer(stored)`` (:func:`answer_text`) callable from SQL on this connection."""
    raw.create_function("review_answer", 1, answer_text, deterministic=True)
