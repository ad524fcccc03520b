"""The export file: one JSON document, written and read as a stream so memory stays flat.

Writing emits the small sections first and the questions (each with its card and reviews, the bulk
of a long history) last, one per line. Reading takes the small sections with an event parser, then
streams the questions with ijson's C parser, so a million reviews never sit in memory at once. The
file is fed to the parser in chunks that grow while a single value spans them (:class:`_Chunks`), so a
very long string costs linear time, and only a regular file is read (never a device or a pipe).
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mockprep.db.store import Store

BULK = "questions"
GZIP_MAGIC = b"\x1f\x8b"
# Level 1: on the 1M-review export (349 MB) 68 MB in 2.4 s of CPU; level 6 makes 55 MB but takes 6.4 s.
GZIP_LEVEL = 1
# What this version writes before the bulk; a file missing any of them there (an older export, or one
# reformatted by another tool) is read the slow way, through every event.
WRITE_BATCH = 1 << 20  # bytes the gzip stream gathers before each write
HEAD_KEYS = frozenset({"format", "version", "banks", "bank_sources", "sessions", "mock_answers", "stories"})


def write_export(store: Store, out: IO[str], now: datetime, version: str) -> dict[str, int]:
    """Write the whole export to ``out``; return counts of what was written."""
    counts = {"questions": 0, "reviews": 0}
    with store.snapshot():
        sections = store.bulk.export_sections(now, version)
        out.write("{\n")
        for index, (key, value) in enumerate(sections):
            out.write(f" {json.dumps(key)}: ")
            if isinstance(value, list | str | int | float) or value is None:
                out.write(json.dumps(value, ensure_ascii=False))
                if isinstance(value, list):
                    counts[key] = len(value)
            else:  # a lazy iterator of pieces; closed at once if writing fails (its workers end)
                with closing(value):
                    _write_lines(out, value, counts)
            out.write(",\n" if index < len(sections) - 1 else "\n")
        out.write("}\n")
        store.bulk.check_complete(counts["questions"], counts["reviews"])  # never "Exported" for less
    return counts


def _write_lines(out: IO[str], items: Iterator[tuple[bytes, int, int]], counts: dict[str, int]) -> None:
    """The bulk section's items, one question per line; each item is the UTF-8 text of one or more
    questions' lines, with how many questions and reviews it holds."""
    out.write("[")
    for text, questions, reviews in items:
        if not questions:
            continue
        out.write(",\n  " if counts["questions"] else "\n  ")
        write_utf8(out, text)
        counts["questions"] += questions
        counts["reviews"] += reviews
    out.write("\n ]")


def write_utf8(out: IO[str], data: bytes) -> None:
    """Text already encoded as UTF-8 written to ``out``: straight to its bytes when it writes UTF-8
    unchanged (no decoding and encoding again), else as text."""
    import codecs

    buffer = getattr(out, "buffer", None)
    encoding = getattr(out, "encoding", None)
    # (where a text stream may turn "\n" into "\r\n", Windows, the text goes through it as text)
    if buffer is not None and encoding and codecs.lookup(encoding).name == "utf-8" and os.linesep == "\n":
        out.flush()
        buffer.write(data)
    else:
        out.write(data.decode("utf-8"))


@contextmanager
def gzipped(raw: IO[bytes]) -> Iterator[IO[str]]:
    """A text stream that writes gzip (:data:`GZIP_LEVEL`) to ``raw``, finished (not closed) at the end.

    zlib compresses on a thread of its own (it lets go of the interpreter while it works), so the
    compression runs beside the reading of the database instead of after each batch.
    """
    import gzip

    packed = gzip.GzipFile(filename="", fileobj=raw, mode="wb", compresslevel=GZIP_LEVEL, mtime=0)
    sink = _ThreadedSink(packed)
    handle = io.TextIOWrapper(io.BufferedWriter(sink, WRITE_BATCH), encoding="utf-8", newline="")
    try:
        yield handle
        handle.flush()
    finally:
        sink.finish()
    packed.close()  # the gzip trailer; ``raw`` stays open


class _ThreadedSink(io.RawIOBase):
    """Bytes handed to ``target.write`` on a worker thread, a few chunks queued at most (memory stays
    flat); the worker's error is raised by the next write or by :meth:`finish`."""

    def __init__(self, target: IO[bytes]):
        import queue
        import threading

        self.target = target
        self.chunks: queue.Queue[bytes | None] = queue.Queue(maxsize=4)
        self.error: BaseException | None = None
        self.worker = threading.Thread(target=self._run, name="gzip", daemon=True)
        self.worker.start()

    def _run(self) -> None:
        while (chunk := self.chunks.get()) is not None:
            if self.error is None:
                try:
                    self.target.write(chunk)
                except BaseException as exc:  # raised on the writing thread
                    self.error = exc

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        if self.error is not None:
            raise self.error
        if not self.worker.is_alive():  # (a late flush when the text stream is collected)
            raise ValueError("write to a finished gzip stream")
        chunk = bytes(data)
        self.chunks.put(chunk)
        return len(chunk)

    def finish(self) -> None:
        """Wait for every queued chunk to be written; raise what writing them raised."""
        if self.worker.is_alive():
            self.chunks.put(None)
            self.worker.join()
        if self.error is not None:
            raise self.error


class ExportFileError(ValueError):
    """The file is not a readable export (not a regular file, not JSON, not an object); one line."""


class _Chunks:
    """A binary file handed to ijson in chunks that double while the parser makes no progress.

    ijson's C parser (yajl) scans a token that spans chunks again from its start on every chunk, so a
    160 MB string read in 64 KB chunks costs minutes; doubling the chunk while no event (or item)
    comes out keeps it linear. The consumer calls :meth:`progress` whenever it gets one.
    """

    BASE = 64 * 1024

    def __init__(self, raw: IO[bytes]):
        self.raw = raw
        self.size = self.BASE
        self.progressed = True

    def read(self, size: int = -1) -> bytes:
        if size == 0:
            return b""  # ijson probes the file's type with read(0)
        self.size = self.BASE if self.progressed else self.size * 2
        self.progressed = False
        return self.raw.read(self.size)

    def progress(self) -> None:
        self.progressed = True


def _json_error(exc: Exception, where: str = "") -> ExportFileError:
    at = f"{where}: " if where else ""
    if isinstance(exc, UnicodeDecodeError):  # invalid bytes, or an escaped lone surrogate (\udc00)
        return ExportFileError(f"{at}not valid UTF-8 text (a string holds invalid bytes or a lone surrogate)")
    # yajl's messages carry a multi-line excerpt with a caret; the first line says what is wrong.
    said = exc.args[0] if exc.args else ""
    said = said.decode("utf-8", "replace") if isinstance(said, bytes) else str(exc)  # (yajl: bytes)
    first = (said.strip().splitlines() or [type(exc).__name__])[0].strip()
    return ExportFileError(f"{at}not JSON ({first.rstrip('.')})")


def _open_regular(path: Path) -> IO[bytes] | _Gunzip:
    """The file's bytes, uncompressed when it is gzip (known by its first bytes, whatever its name)."""
    import stat

    handle = path.open("rb")
    if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
        handle.close()
        raise ExportFileError("not a regular file")
    if handle.peek(2)[:2] == GZIP_MAGIC:
        return _Gunzip(handle)
    return handle


class _Gunzip:
    """A gzip file's content (its members one after another), read like the file itself; a damaged or
    cut-off file is an ExportFileError (one line) rather than zlib's own errors.

    zlib inflates the members itself (``wbits`` 31: the gzip header, and each member's CRC and length
    checked) a megabyte of the file at a time, behind a C buffer that gives the lines: the gzip module of
    Python 3.11 reads 8 KB at a time through Python code (the lines of a 1M-review home's 81 MB file:
    2.6 s that way, 1.7 s this way)."""

    def __init__(self, raw: IO[bytes]):
        self.raw = raw
        self.buffered = io.BufferedReader(_Inflated(raw), buffer_size=_STEP)

    def read(self, size: int = -1) -> bytes:
        return self._checked(self.buffered.read, size)

    def readline(self, size: int = -1) -> bytes:
        return self._checked(self.buffered.readline, size)

    def _checked(self, read: Any, size: int) -> bytes:
        import zlib

        try:
            return read(size)
        except EOFError:
            raise ExportFileError("the gzip file is cut off (it ends before its end marker)") from None
        except zlib.error as exc:
            raise ExportFileError(f"not a readable gzip file ({exc})") from None

    def close(self) -> None:
        self.raw.close()

    def __enter__(self) -> _Gunzip:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_STEP = 1 << 20  # bytes of the file read, and of content inflated, at a time


class _Inflated(io.RawIOBase):
    """The inflated content of the gzip stream ``raw``: EOFError where it stops inside a member,
    zlib.error where it is not gzip (zero bytes after the last member are padding, as gzip allows)."""

    def __init__(self, raw: IO[bytes]):
        import zlib

        self.raw = raw
        self.inflater = zlib.decompressobj(31)
        self.pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        while not self.pending:
            block = self._inflate()
            if block is None:
                return 0
            self.pending = memoryview(block)
        size = min(len(target), len(self.pending))
        target[:size] = self.pending[:size]
        self.pending = self.pending[size:]
        return size

    def _inflate(self) -> bytes | None:
        """The next piece of content (at most :data:`_STEP` bytes), None after the last member."""
        import zlib

        while True:
            if self.inflater.eof:
                data = self.inflater.unused_data
                while not data.strip(b"\0"):
                    data = self.raw.read(_STEP)
                    if not data:
                        return None
                data = data.lstrip(b"\0")
                self.inflater = zlib.decompressobj(31)  # another member follows
            else:
                data = self.inflater.unconsumed_tail or self.raw.read(_STEP)
                if not data:
                    raise EOFError
            block = self.inflater.decompress(data, _STEP)
            if block:
                return block


def read_export(path: Path, raw: bool = False) -> tuple[dict[str, Any], Iterator[dict[str, Any] | bytes]]:
    """The export's fields except the questions, and an iterator over the questions.

    Raises ExportFileError (a ValueError) for a file that is not JSON, or not a JSON object; the
    iterator raises it too if the file breaks off in the questions. With ``raw``, the questions laid out
    one per line come as their JSON text (bytes), unparsed, for an importer that parses them on worker
    processes (:mod:`mockprep.db.import_workers`); those after a change of layout come parsed.
    """
    import ijson

    head: dict[str, Any] = {}
    if not path.is_file():  # checked before opening: opening a pipe would wait for a writer
        raise ExportFileError("not a regular file" if path.exists() else "no such file")
    with _open_regular(path) as handle:
        chunks = _Chunks(handle)
        try:
            events = ijson.parse(chunks, use_float=True)
            first = next(events, None)
            if first is None or first[1] != "start_map":
                raise ExportFileError("not a JSON object")
            _read_head(_progressing(events, chunks), head)
        except (ijson.JSONError, UnicodeDecodeError) as exc:
            raise _json_error(exc) from None
    return head, _questions(path, raw)


def _progressing(events: Iterator[tuple[str, str, Any]], chunks: _Chunks) -> Iterator[tuple[str, str, Any]]:
    for event in events:
        chunks.progress()
        yield event


def _read_head(events: Iterator[tuple[str, str, Any]], head: dict[str, Any]) -> None:
    """Build every top-level value up to the bulk section (or the end) from parser events."""
    from ijson.common import ObjectBuilder

    key: str | None = None
    builder: ObjectBuilder | None = None
    for prefix, event, value in events:
        if prefix == "" and event == "map_key":
            if key is not None and builder is not None:
                head[key] = builder.value
            key, builder = value, None
            if key == BULK:
                head[BULK] = None  # streamed separately
                _expect_list(events)
                if HEAD_KEYS <= head.keys():
                    return
                _skip_value(events, depth=1)
                key = None
            continue
        if prefix == "" and event == "end_map":
            if key is not None and builder is not None:
                head[key] = builder.value
            return
        if builder is None:
            builder = ObjectBuilder()
        builder.event(event, value)


def _expect_list(events: Iterator[tuple[str, str, Any]]) -> None:
    _prefix, event, value = next(events)
    if event != "start_array":
        shown = {"start_map": "an object", "null": "null"}.get(event, repr(value))
        raise ExportFileError(f'"{BULK}" must be a list (got {shown})')


def _skip_value(events: Iterator[tuple[str, str, Any]], depth: int = 0) -> None:
    """Consume the events of one value (the bulk section when it is not last)."""
    for _prefix, event, _value in events:
        if event in ("start_map", "start_array"):
            depth += 1
        elif event in ("end_map", "end_array"):
            depth -= 1
        if depth == 0:
            return


def _questions(path: Path, raw: bool = False) -> Iterator[dict[str, Any] | bytes]:
    """The questions: line by line while the file is laid out as :func:`write_export` writes it (each
    line's JSON text with ``raw``), then (from the first line that is not, if any) through ijson's event
    parser."""
    with _open_regular(path) as handle:
        lines = _Lines(handle, raw)
        done = 0
        for item in lines:
            yield item
            done += 1
        if lines.complete:
            return
    yield from _streamed(path, done)


class _Lines:
    """The questions of an export laid out as :func:`write_export` writes it (one per line, after a
    line that opens the bulk), each parsed with :func:`json.loads` (quicker than ijson's events).
    Iteration stops early, leaving :attr:`complete` false, where the layout differs or a line is
    anything but one plain JSON object; ijson then reads on (and names any problem)."""

    OPEN = f' "{BULK}": ['.encode()

    def __init__(self, handle: IO[bytes], raw: bool = False):
        self.handle = handle
        self.raw = raw  # each line's text, unparsed (its reader names what is wrong with it)
        self.complete = False

    def __iter__(self) -> Iterator[dict[str, Any] | bytes]:
        from mockprep.core.field_checks import refuse_constant

        lines = iter(self.handle.readline, b"")
        for line in lines:
            if line.rstrip(b"\r\n") == self.OPEN:
                break
        else:
            return
        more = None  # whether the previous line ended with a comma (None: no line yet)
        for line in lines:
            if not line.startswith(b"  {") or more is False:
                self.complete = not more and line.strip() == b"]" and self.handle.read().strip() == b"}"
                return
            body = line.rstrip(b"\r\n")
            more = body.endswith(b",")
            body = body.removesuffix(b",")
            if self.raw:
                yield body
                continue
            if b"\\ud" in body or b"\\uD" in body:
                return  # perhaps a lone surrogate: ijson names it
            try:
                item = json.loads(body, parse_constant=refuse_constant)
            except ValueError:
                return
            if type(item) is not dict:
                return
            yield item


def _streamed(path: Path, skip: int) -> Iterator[dict[str, Any]]:
    """The questions through ijson, after the first ``skip`` (already read line by line)."""
    import ijson

    with _open_regular(path) as handle:
        chunks = _Chunks(handle)
        index = 0
        try:
            # use_float: plain floats (not Decimal) so values round-trip exactly as json.loads reads them.
            for item in ijson.items(chunks, f"{BULK}.item", use_float=True):
                chunks.progress()
                if index >= skip:
                    yield item
                index += 1
        except (ijson.JSONError, UnicodeDecodeError) as exc:
            raise _json_error(exc, f"{BULK}[{index}]") from None
