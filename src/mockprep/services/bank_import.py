"""`bank import`: read a Markdown, CSV/TSV, Anki text or Anki package file into a bank file's text.

Everything is read and checked before anything is written: the input is capped in size, an archive's
collection is unpacked as a stream that stops at its cap (a zip bomb ends there), and the bank made is
validated with the same parser `bank validate` uses. The result is written by the caller, atomically.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import tomli  # the standard library's TOML reader as a compiled wheel: twice as fast on a large bank

from mockprep.core.anki_notes import NoteItems, note_items
from mockprep.core.bank_import import REVIEW_MARK, BankMeta, ImportResult, SourceError, build_bank, slug
from mockprep.core.bank_markdown import meta_list, read_markdown
from mockprep.core.bank_records import not_utf8
from mockprep.core.bank_tabular import parse_map, read_anki_text, read_table, table_delimiter
from mockprep.core.banks import BankError, parse_bank
from mockprep.core.settings import Settings

if TYPE_CHECKING:
    from mockprep.core.anki_days import AnkiDue

FORMATS = ("md", "csv", "tsv", "anki-txt", "apkg")
SUFFIXES = {".md": "md", ".markdown": "md", ".csv": "csv", ".tsv": "tsv", ".txt": "anki-txt"}  # -> format
SUFFIXES |= {".apkg": "apkg", ".colpkg": "apkg"}
_COLLECTIONS = ("collection.anki21b", "collection.anki21", "collection.anki2")
_CHUNK = 1 << 20
V = TypeVar("V")


@dataclass(frozen=True)
class ImportOptions:
    format: str | None = None  # None: from the file's suffix
    mapping: str | None = None  # --map
    bank_id: str | None = None
    title: str | None = None
    round: str | None = None
    topic: str | None = None
    with_history: bool = False  # read an Anki package's review log too


def guess_format(path: Path) -> str:
    found = SUFFIXES.get(path.suffix.lower())
    if found is None:
        raise SourceError(f"cannot tell the format from the name: add --format ({', '.join(FORMATS)})")
    return found


def import_bank(
    path: Path, options: ImportOptions, settings: Settings, target: Callable[[str], Path] | None = None
) -> ImportResult:
    """The bank made from ``path``, validated; a :class:`SourceError` names what stops it (the message is
    prefixed with the file by the caller). ``target`` names the file the bank will be written to, given
    its id: when that file exists (an earlier import), the key points reviewed there are kept.

    The result's ``target`` is that file."""
    fmt = options.format or guess_format(path)
    if fmt not in FORMATS:
        raise SourceError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
    limit = int(settings.import_max_mb * 2**20)
    meta = {"id": slug(path.stem) or "imported", "title": path.stem, "round": "technical", "topic": None}
    media = scripts = 0
    sheet = None
    history: dict[tuple[str, int], list] = {}
    dues: dict[tuple[str, int], AnkiDue] = {}
    if options.with_history and fmt != "apkg":
        raise SourceError("--with-history reads an Anki package's review log (.apkg or .colpkg)")
    if fmt == "apkg":
        notes = read_package(
            path,
            limit,
            int(settings.import_unpacked_max_mb * 2**20),
            history if options.with_history else None,
            dues,
        )
        items, media, scripts = notes.items, notes.media, notes.scripts
    else:
        text = _decode(read_capped(path, limit), fmt)
        if fmt == "md":
            sheet = read_markdown(text)
            items = [*sheet.items, *sheet.notices]
            if sheet.title:
                meta["title"] = sheet.title
            meta.update(
                {
                    k: v
                    for k, v in sheet.meta.items()
                    if k in ("id", "title", "round", "topic", "description", "roles")
                }
            )
        elif fmt == "anki-txt" and not options.format and (delimiter := table_delimiter(text)):
            # a .txt whose first row names the usual columns and that has no Anki # headers is a table
            # (Excel's "Unicode Text" is tab-separated): read as --format tsv (or csv) would read it
            fmt = "tsv" if delimiter == "\t" else "csv"
            items = read_table(text, delimiter, parse_map(options.mapping))
        elif fmt == "anki-txt":
            notes = read_anki_text(text)
            items, media, scripts = notes.items, notes.media, notes.scripts
        else:
            items = read_table(text, "\t" if fmt == "tsv" else ",", parse_map(options.mapping))
    if options.mapping and fmt not in ("csv", "tsv"):
        raise SourceError("--map is for CSV and TSV files")
    given = {"title"} if sheet is not None and sheet.title else set()  # (not from the file's name)
    if sheet is not None and sheet.meta:  # front matter says its topic, or that there is none
        given |= {*sheet.meta, "topic"}
    for key in ("bank_id", "title", "round", "topic"):
        value = getattr(options, key)
        if value:
            meta["id" if key == "bank_id" else key] = value
            given.add("id" if key == "bank_id" else key)
    destination = target(str(meta["id"])) if target is not None else None
    if sheet is not None and sheet.meta:
        topic = meta.get("topic")  # a sheet with front matter says its topic there, or has none
    else:
        topic = meta.get("topic") or path.stem
    # An earlier import of the bank keeps what the file name would give (a re-import of A2.apkg with
    # --id a is not retitled 'A2'), and what the person wrote into it since (roles, a description).
    earlier = _earlier_meta(destination, str(meta["id"]))
    for key in ("title", "round", "topic", "description", "roles"):
        if key in earlier and key not in given:
            meta[key] = earlier[key]
    if "topic" in earlier and "topic" not in given:
        topic = earlier["topic"]
    bank_meta = BankMeta(
        id=str(meta["id"]),
        title=str(meta["title"]),
        round=str(meta["round"]),
        topic=(slug(str(topic)) or None) if topic else None,
        roles=meta_list(str(meta["roles"])) if meta.get("roles") else (),
        description=str(meta.get("description") or ""),
    )
    try:
        result = build_bank(bank_meta, items, _previous_points(destination))
    except SourceError as exc:
        if fmt == "anki-txt" and not options.format and not text.lstrip("\ufeff").startswith("#"):
            # no Anki # headers: perhaps a table under another header; say how to read it as one
            hint = "; read as Anki's text export: a table with a header row needs --format tsv (or csv)"
            raise SourceError(f"{exc}{hint}", exc.skipped, exc.notices) from None
        raise
    result.target = destination
    result.history = _history_by_question(history, result.ids)
    result.dues = _history_by_question(dues, result.ids)
    result.media, result.scripts = media, scripts
    try:
        parse_bank(result.toml.encode(), str(path))
    except BankError as exc:  # a bug here, not in the input: say so plainly
        raise SourceError(f"the bank made does not pass validation: {exc.problems[0]}") from None
    return result


def _earlier_meta(previous: Path | None, bank_id: str) -> dict[str, object]:
    """The title, round, topic, description and roles of an earlier import of bank ``bank_id`` in
    ``previous`` (the keys it sets: a topic it lacks is None), or nothing when it holds another bank."""
    if previous is None or not previous.is_file():
        return {}
    try:
        raw = tomli.loads(previous.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, tomli.TOMLDecodeError):
        return {}
    if raw.get("id") != bank_id:
        return {}
    kept: dict[str, object] = {"topic": raw.get("topic") if isinstance(raw.get("topic"), str) else None}
    for key in ("title", "round", "description"):
        if isinstance(raw.get(key), str) and raw[key]:
            kept[key] = raw[key]
    roles = raw.get("roles")
    if isinstance(roles, list) and roles and all(isinstance(role, str) for role in roles):
        kept["roles"] = ", ".join(roles)
    return kept


def _previous_points(previous: Path | None) -> dict[str, list[str]]:
    """Key points by question id in an existing bank file that the person has reviewed since the last
    import (their review line deleted)."""
    if previous is None or not previous.is_file():
        return {}
    try:
        text = previous.read_text(encoding="utf-8-sig")
        raw = tomli.loads(text)
    except (OSError, UnicodeDecodeError, tomli.TOMLDecodeError):
        return {}
    marked = set()
    for block in text.split("[[questions]]")[1:]:
        found = re.search(r"^id = [\"']([a-z0-9-]+)[\"']$", block, re.MULTILINE)
        if found and REVIEW_MARK in block:
            marked.add(found.group(1))
    return {
        q["id"]: [str(p) for p in q["key_points"]]
        for q in raw.get("questions", [])
        if isinstance(q, dict)
        and isinstance(q.get("id"), str)
        and q["id"] not in marked
        and isinstance(q.get("key_points"), list)
    }


def _decode(data: bytes, fmt: str) -> str:
    """UTF-8 (a byte-order mark left out), or UTF-16 with its byte-order mark (Excel's 'Unicode Text'):
    both are certain. Other bytes are refused, not guessed at: Windows-1252 would read every file, and
    turn a Central European or Cyrillic one (cp1250, cp1251) into the wrong letters without a word."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) and not data.startswith(b"\xff\xfe\x00\x00"):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise SourceError(
                "is not whole UTF-16 text (its byte-order mark says it is): save it as UTF-8"
            ) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SourceError(f"line {line}: {not_utf8(data, exc.start, spreadsheet=fmt == 'csv')}") from None


def read_capped(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes."""
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise SourceError("is a folder, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise SourceError("is not a regular file")
        if info.st_size > limit:
            raise SourceError(f"is larger than {_mb(limit)} (the import limit)")
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except FileNotFoundError:
        raise SourceError("no such file") from None
    except OSError as exc:
        raise SourceError(f"cannot be read: {exc.strerror}") from None
    if len(data) > limit:
        raise SourceError(f"is larger than {_mb(limit)} (the import limit)")
    return data


def _mb(limit: int) -> str:
    return f"{limit / 2**20:g} MB"


def _history_by_question(history: dict[tuple[str, int], V], ids: dict[str, str]) -> dict[str, V]:
    """The review log (or schedule) of each question made: a note's first card, or the card of a
    cloze's number."""
    out = {}
    for (guid, ordinal), log in history.items():
        qid = ids.get(f"{guid}-c{ordinal + 1}") or (ids.get(guid) if ordinal == 0 else None)
        if qid is not None:
            out[qid] = log
    return out


def read_package(
    path: Path, limit: int, unpacked_limit: int, history: dict | None = None, dues: dict | None = None
) -> NoteItems:
    """The notes of an ``.apkg``/``.colpkg``: its newest collection unpacked (at most ``unpacked_limit``
    bytes, zstandard-compressed ones too) into a private temporary folder, read, and removed. With
    ``history`` (and ``dues``), each card's review log (and schedule) is added to it."""
    from mockprep.db.anki_collection import read_dues, read_history, read_notes

    read_capped(path, limit)  # the size and file-type checks
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise SourceError(f"not an Anki package: the zip archive is damaged ({exc})") from None
    with archive, tempfile.TemporaryDirectory(prefix="mockprep-import-") as folder:
        names = set(archive.namelist())
        member = next((m for m in _COLLECTIONS if m in names), None)
        if member is None:
            raise SourceError("not an Anki package: it holds no collection.anki2/anki21/anki21b")
        target = Path(folder) / "collection.db"
        _unpack(archive, member, target, unpacked_limit)
        notes = note_items(read_notes(target, member))
        if history is not None:
            history.update(read_history(target, member))
            if dues is not None:
                dues.update(read_dues(target))
        # The media files it holds, which the notes' <img> and [sound:] refer to: each counted once
        # (a reference to a file the package left out is dropped too).
        files = sum(1 for n in names if n.isdigit())
        held = _media_names(archive) if files else frozenset()
        if held is None:  # (a newer package's map is not JSON: its files and the names, the larger)
            notes.media = max(notes.media, files)
        else:
            notes.media += len(held - notes.media_names)
        return notes


def _media_names(archive: zipfile.ZipFile) -> frozenset[str] | None:
    """The names of the media files a package holds, from its ``media`` map (JSON: {"0": "a.png"}), or
    None when it has no such map."""
    import json

    try:
        with archive.open("media") as member:
            found = json.loads(member.read(16 * _CHUNK))
    except (KeyError, OSError, ValueError, zipfile.BadZipFile, EOFError):
        return None
    if not isinstance(found, dict):
        return None
    return frozenset(str(name).strip() for name in found.values())


def _unpack(archive: zipfile.ZipFile, member: str, target: Path, limit: int) -> None:
    info = archive.getinfo(member)
    if info.file_size > limit:
        raise SourceError(f"{member} would unpack to more than {_mb(limit)} (refused: a zip bomb?)")
    written = 0
    try:
        with archive.open(member) as source, target.open("wb") as out:
            stream = _zstd_stream(source, member) if member.endswith("anki21b") else source
            while chunk := stream.read(_CHUNK):
                written += len(chunk)
                if written > limit:
                    raise SourceError(f"{member} unpacks to more than {_mb(limit)} (refused: a zip bomb?)")
                out.write(chunk)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
        raise SourceError(f"{member} is damaged ({exc})") from None
    except Exception as exc:  # zstandard's own error type, without importing it at module level
        if type(exc).__name__ == "ZstdError":
            raise SourceError(f"{member} is damaged ({exc})") from None
        raise


def _zstd_stream(source, member: str):  # type: ignore[no-untyped-def]
    try:
        import zstandard
    except ImportError:
        raise SourceError(
            f"{member} is compressed with zstandard: pip install 'mockprep[anki]' to read it "
            "(or export from Anki with 'Support older Anki versions' ticked)"
        ) from None
    return zstandard.ZstdDecompressor().stream_reader(source)


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder: all of it or nothing (a
    missing folder is an OSError, never created)."""
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
