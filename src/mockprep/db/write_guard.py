"""What a signal handler may do while this thread writes: a signal that arrives inside a write
transaction (or steps that must all happen) is kept until the block ends, so no transaction is left
undecided. The store counts its writes here (:func:`signals_held`); handlers ask
:func:`defer_while_writing`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class WriteGuard(threading.local):
    """How deep this thread is in write transactions, and what a signal asked to do meanwhile."""

    depth = 0
    deferred: Callable[[], None] | None = None
    waiting = False  # waiting for another process's lock: nothing written yet, a signal acts at once
    holding = 0  # ... unless inside uninterrupted(): steps that must all happen wait for it


guard = WriteGuard()


def defer_while_writing(action: Callable[[], None]) -> bool:
    """For signal handlers: inside :meth:`Store.write` (or :meth:`Store.uninterrupted`), keep ``action``
    (e.g. raise an interruption) for when the block has ended, and return True; outside a write (or
    waiting for another's lock outside uninterrupted) return False: the handler acts at once.
    A signal raised between the statements of a write would leave its transaction undecided."""
    if guard.depth == 0 or (guard.waiting and not guard.holding):
        return False
    if guard.deferred is None:
        guard.deferred = action
    return True


@contextmanager
def signals_held(holding: bool = False) -> Iterator[None]:
    """Count this thread as writing (``holding``: in steps that must all happen) while the block runs;
    then do what a signal asked meanwhile."""
    if guard.depth == 0:
        guard.deferred, guard.waiting = None, False  # (stale: from a block a signal cut short)
    guard.depth += 1
    guard.holding += holding
    try:
        yield
    finally:
        guard.depth -= 1
        guard.holding -= holding
        if guard.depth == 0 and guard.deferred is not None:
            action, guard.deferred = guard.deferred, None
            action()
