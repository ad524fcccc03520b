"""Model loads on background threads, and the wait for them before the process ends.

A model (the embedder, a speech model) loads on a daemon thread while the person reads the question.
Python 3.11 ends a daemon thread that still runs at interpreter shutdown by unwinding its stack from
the next call that takes the GIL back; inside a Rust or C++ extension (safetensors, tokenizers, a
speech runtime) that unwind is caught and the whole process aborts with "FATAL: exception not
rethrown" (seen once in about a hundred sessions killed during start-up). So every such load starts
through :func:`start_load`; the ``mockprep`` command ends a process with one still running without the
interpreter's shutdown (nothing needs the model any more: quitting at the first question waited for it),
and the command line called in a process that goes on waits for them (:func:`wait_for_loads`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

_LOADS: list[threading.Thread] = []


def start_load(target: Callable[[], object], name: str) -> threading.Thread:
    """Run ``target`` on a daemon thread that :func:`wait_for_loads` will wait for."""
    thread = threading.Thread(target=target, name=name, daemon=True)
    _LOADS.append(thread)
    thread.start()
    return thread


def loads_running() -> bool:
    return any(thread.is_alive() for thread in _LOADS)


def wait_for_loads(timeout: float, clock: Callable[[], float] = time.monotonic) -> bool:
    """Wait at most ``timeout`` seconds in all for the loads still running; True once none runs."""
    deadline = clock() + timeout
    for thread in list(_LOADS):
        thread.join(max(0.0, deadline - clock()))
    _LOADS[:] = [thread for thread in _LOADS if thread.is_alive()]
    return not _LOADS
