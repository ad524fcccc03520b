"""What every worker process of mockprep's bulk work shares: how many to start, how they start (spawn,
Ctrl-C left to the process that started them) and how they end when that process is gone."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

MOST_WORKERS = 4  # past this the process writing the results, not the workers, sets the pace


def cpu_count() -> int:
    """The CPUs this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def worker_count() -> int:
    """Workers for a large job: one per CPU, at most :data:`MOST_WORKERS`, none on a single CPU."""
    cpus = cpu_count()
    return 0 if cpus < 2 else min(cpus, MOST_WORKERS)


@contextmanager
def sigint_ignored() -> Iterator[None]:
    """Ctrl-C ignored while workers start: they inherit it, so Ctrl-C stops only the process that
    started them, which then stops them (a worker interrupted mid-task could leave a pipe half-written)."""
    import signal

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def watch_parent() -> None:
    """In a worker: ignore Ctrl-C, and end once the process that started it is gone (killed outright,
    it cannot stop its workers, and an idle worker would wait for tasks forever)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with, args=(os.getppid(),), name="parent-watch", daemon=True).start()


def _exit_with(parent: int, every: float = 1.0) -> None:
    import time

    while os.getppid() == parent:
        time.sleep(every)
    os._exit(0)
