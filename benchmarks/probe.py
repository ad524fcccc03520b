"""What a benchmarked child really uses: its own peak memory and the modules it imports.

A child forked from the harness inherits the harness's memory high-water mark (Linux keeps the
larger of the old and new mark across exec), so ``wait4``'s ``ru_maxrss`` reports the harness's
~50 MB for a command that needs 17. Instead each Python child runs under :data:`WRAPPER`, which at
exit writes the child's own ``VmHWM`` (reset by exec) and the third-party packages it loaded to the
file named by ``BENCH_PROBE``; a child the harness stops at a marker has its ``VmHWM`` read from
``/proc`` just before it is stopped.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

WRAPPER = """
import atexit, json, os, sys
def _importable(name):
    import importlib.util
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False
def _probe():
    peak = 0
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmHWM:'):
                peak = int(line.split()[1])
    names = sorted({m.split('.')[0] for m in list(sys.modules)} - set(sys.stdlib_module_names)
                   - {'mockprep', 'benchmarks', '__main__', '__mp_main__', '_virtualenv'})
    with open(os.environ['BENCH_PROBE'], 'w') as f:
        json.dump({'peak_kb': peak, 'modules': [n for n in names if not n.startswith('_') and _importable(n)]}, f)
atexit.register(_probe)
"""


def wrap(argv: list[str]) -> list[str]:
    """``argv`` (``python -m MODULE ...`` or ``python -c CODE``) run under the probe."""
    if len(argv) >= 3 and argv[0] == sys.executable and argv[1] == "-m":
        module, rest = argv[2], argv[3:]
        code = (
            f"{WRAPPER}\nimport runpy\nsys.argv[:] = [{module!r}, *{rest!r}]\n"
            f"runpy.run_module({module!r}, run_name='__main__', alter_sys=True)"
        )
        return [argv[0], "-c", code]
    if len(argv) == 3 and argv[0] == sys.executable and argv[1] == "-c":
        return [argv[0], "-c", f"{WRAPPER}\n{argv[2]}"]
    return argv


def probe_file() -> Path:
    fd, name = tempfile.mkstemp(prefix="bench-probe-", suffix=".json")
    os.close(fd)
    return Path(name)


def read_probe(path: Path) -> dict | None:
    try:
        text = path.read_text()
    except OSError:
        return None
    return json.loads(text) if text else None


def live_peak_mb(pid: int) -> float:
    """The running process's own peak resident memory."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def floor_argv(modules: list[str]) -> list[str]:
    """A process that imports exactly ``modules`` (what a command was seen to load) and stops."""
    return [sys.executable, "-c", "import " + ", ".join(modules) if modules else "pass"]
