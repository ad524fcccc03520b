"""An import's questions parsed, checked and made into rows on worker processes, handed back in order.

Most of a large import's time in Python goes to each review: parsing its JSON, checking it, packing
its answer. Those steps depend on nothing but the question and the file's head, so worker processes
take the questions' JSON lines (:func:`mockprep.services.exchange.read_export` with ``raw``) while this
process writes what they hand back. The results come back in file order, and at most a few batches
are in flight, so memory stays flat whichever side is quicker.

Nothing about what is accepted changes: a worker runs :func:`mockprep.db.import_rows.prepare` (or, on a
line whose reviews have only the common fields, :func:`~mockprep.db.import_rows.quick_prepare`: the
same rows), and this process checks what needs the other questions (a key or card id used twice, in the order
:meth:`~mockprep.core.export_checks.ExportChecker.check_question` would). A question a worker could not
prepare is parsed and checked again here, so its problem is named exactly as without workers; a line
that is not one plain JSON object raises :class:`ReadAgain`, and the file is imported again without
workers (the line reader hands over to ijson there), so what is accepted does not change either.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from mockprep.core.field_checks import refuse_constant
from mockprep.db import processes
from mockprep.db.import_rows import Prepared, prepare, quick_prepare

if TYPE_CHECKING:
    from concurrent.futures import Future

    from mockprep.core.export_checks import ExportChecker

BATCH = 8  # questions a task: a few hundred reviews, enough to outweigh sending them across
IN_FLIGHT = 4  # tasks queued per worker: keeps every worker busy without buffering the file


def worker_count(size: int) -> int:
    """How many workers an import of a ``size``-byte file uses: none for a file under 16 MB (about
    40,000 reviews, a few seconds without), else :func:`mockprep.db.processes.worker_count`."""
    return 0 if size < 16 << 20 else processes.worker_count()


def prepared(
    questions: Iterable[dict[str, Any] | bytes], checker: ExportChecker, workers: int
) -> Iterator[Prepared]:
    """Each question checked and made into rows, in order; a question given as its JSON text is
    prepared by one of ``workers`` processes (by this one when there are none, or they cannot start)."""
    pool = _start(checker, workers) if workers else None
    if pool is None:
        for index, question in enumerate(questions):
            yield _prepare(question, index, checker)
        return
    try:
        yield from _in_order(pool, questions, checker, workers)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _start(checker: ExportChecker, workers: int) -> Any:
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    try:  # spawn: the same start on every platform, and nothing of this process's state copied
        pool = ProcessPoolExecutor(
            workers, mp_context=get_context("spawn"), initializer=_begin, initargs=(checker.context(),)
        )
    except (OSError, ImportError, NotImplementedError):  # no process support here: do it in-process
        return None
    with processes.sigint_ignored():  # inherited by the workers as they start
        for _ in range(workers):  # each start of a process while none is idle starts another
            _submit(pool, [])
    return pool


def _in_order(
    pool: Any, questions: Iterable[dict[str, Any] | bytes], checker: ExportChecker, workers: int
) -> Iterator[Prepared]:
    pending: deque[tuple[list[Any], Future[bytes] | None]] = deque()
    batch: list[bytes] = []
    index = 0

    def results(items: list[Any], future: Future[bytes] | None) -> Iterator[Prepared]:
        nonlocal index
        for item, done in zip(items, _outcome(future, len(items)), strict=True):
            if done is None:  # a dict, or a line the worker found a problem in: named here
                yield prepare(_parsed(item, index), index, checker)
            else:
                checker.claim(done.question, done.card.card_id, index)
                yield done
            index += 1

    for question in questions:
        if isinstance(question, bytes):
            batch.append(question)
            if len(batch) == BATCH:
                pending.append((batch, _submit(pool, batch)))
                batch = []
        else:
            if batch:
                pending.append((batch, _submit(pool, batch)))
                batch = []
            pending.append(([question], None))
        while len(pending) > IN_FLIGHT * workers:
            yield from results(*pending.popleft())
    if batch:
        pending.append((batch, _submit(pool, batch)))
    while pending:
        yield from results(*pending.popleft())


def _submit(pool: Any, batch: list[bytes]) -> Future[bytes] | None:
    from concurrent.futures.process import BrokenProcessPool

    try:
        return pool.submit(_prepare_batch, batch)
    except (BrokenProcessPool, RuntimeError, OSError):  # a worker died or cannot start: this process goes on
        return None


def _outcome(future: Future[bytes] | None, count: int) -> list[Prepared | None]:
    """A batch's results; all None (prepared here) when it was not sent or its worker died."""
    import pickle
    from concurrent.futures.process import BrokenProcessPool

    if future is None:
        return [None] * count
    try:
        return pickle.loads(future.result())
    except BrokenProcessPool:
        return [None] * count


class ReadAgain(Exception):
    """A question line that is not one plain JSON object (or may hold a lone surrogate): the file is to
    be imported again without workers, where the line-by-line reader hands over to ijson at that line
    and every problem is named as for any file."""


def _prepare(question: dict[str, Any] | bytes, index: int, checker: ExportChecker) -> Prepared:
    """A question prepared: a line whose reviews have only the common fields read quickly (quick_prepare),
    any other the long way."""
    if isinstance(question, bytes) and (done := quick_prepare(question, index, checker)) is not None:
        return done
    return prepare(_parsed(question, index), index, checker)


def _parsed(question: dict[str, Any] | bytes, index: int) -> Any:
    """A question as given, or parsed from its line (:class:`ReadAgain` when the line reader without
    workers would not have parsed it either)."""
    if not isinstance(question, bytes):
        return question
    if b"\\ud" in question or b"\\uD" in question:  # as exchange._Lines: perhaps a lone surrogate
        raise ReadAgain(index)
    try:
        value = json.loads(question, parse_constant=refuse_constant)
    except ValueError:  # a JSONDecodeError, or NaN and the like
        raise ReadAgain(index) from None
    if type(value) is not dict:
        raise ReadAgain(index)
    return value


# In a worker: the checker made from the importing process's (its record of the head), set by _begin.
_checker: ExportChecker | None = None


def _begin(context: Any) -> None:
    from mockprep.core.export_checks import ExportChecker

    processes.watch_parent()
    global _checker
    _checker = ExportChecker.for_questions(context)


def _prepare_batch(lines: list[bytes]) -> bytes:
    """In a worker: each line prepared, or None where anything is wrong with it (this process names it),
    pickled with protocol 5, which writes a row's bytearrays (import_rows.STAGE_PLAIN) as quickly as
    bytes; the pool's own protocol (4) takes 3 µs a row more."""
    import pickle

    assert _checker is not None
    out: list[Prepared | None] = []
    for line in lines:
        _checker.keys.clear()  # the importing process checks what needs the other questions
        _checker.card_ids.clear()
        try:
            done = _prepare(line, 0, _checker)
            del done.question["reviews"]  # sent back as rows
            out.append(done)
        except Exception:  # noqa: BLE001 - whatever it is, the importing process meets it again and names it
            out.append(None)
    return pickle.dumps(out, protocol=5)
