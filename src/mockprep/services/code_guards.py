"""The limits and guards the code sandbox sets on itself before any of the person's code runs.

Loaded by :mod:`mockprep.services.code_sandbox` from its file (the child imports nothing from
mockprep), so it uses the standard library alone. The guards tell the person's code (the solution,
the tests, ``exec`` of a string) from the code of the packages it may use by the frame that acts:
a package may import what it needs for itself, the person's code only the allowed modules. They
guard against accidents, not malice: code that means to get round them can.
"""

from __future__ import annotations

import functools
import math
import os
import signal
import sys
import threading
import time
import types

PROCESS_EVENTS = frozenset(
    {"os.fork", "os.forkpty", "os.exec", "os.posix_spawn", "os.spawn", "os.system", "subprocess.Popen"}
)
# Audit events that change the file system: (position of a path, position of its dir_fd or None)
_DIR_FD_LAST = "os.remove os.rmdir os.mkdir os.chmod os.chown os.utime os.mkfifo os.mknod shutil.rmtree"
_NO_DIR_FD = "os.truncate os.chflags os.lchflags os.setxattr os.removexattr"
PATH_EVENTS: dict[str, tuple[tuple[int, int | None], ...]] = {
    **{name: ((0, -1),) for name in _DIR_FD_LAST.split()},
    **{name: ((0, None),) for name in _NO_DIR_FD.split()},
    "os.rename": ((0, 2), (1, 3)),
    "os.link": ((0, 2), (1, 3)),  # the source too: a hard link to an outside file writes to it
    "os.symlink": ((1, 2),),  # a symbolic link's target is checked when it is opened
}
# ctypes calls C directly (fork, setsid, prctl...): refused to the person's code, not to numpy's
CTYPES_EVENTS = frozenset({"ctypes.dlopen", "ctypes.dlsym", "ctypes.dlsym/handle", "ctypes.call_function"})
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC
SQLITE_ATTACH, SQLITE_OK, SQLITE_DENY = 24, 0, 1
# connect(database, timeout, detect_types, isolation_level, check_same_thread, factory, ...)
CONNECT_FACTORY_POSITION = 5
SQLITE_NAMELESS = "write the file name in the SQL (ATTACH DATABASE 'name.db' AS n), not a parameter"
PR_SET_PDEATHSIG = 1
_HERE = os.path.abspath(__file__)
_PLUMBING = ("<frozen importlib", os.path.dirname(os.__file__) + os.sep + "importlib" + os.sep, _HERE)


def persons_code(root: str, also_skip: tuple[str, ...] = ()) -> bool:
    """Whether the code acting now is the person's: the nearest frame outside the import machinery
    (and ``also_skip``) has no real file (the solution, a test, an ``exec``) or one in ``root``."""
    frame = sys._getframe(1)
    skip = _PLUMBING + also_skip
    while frame is not None and frame.f_code.co_filename.startswith(skip):
        frame = frame.f_back
    if frame is None:
        return False
    name = frame.f_code.co_filename
    if name.startswith("<frozen "):
        return False  # the standard library's own frozen modules (os, codecs...)
    return not os.path.isabs(name) or name == root or name.startswith(root + os.sep)


def limit_self(limits: dict) -> None:
    """Lower this process's own limits; each that the system does not support is skipped."""
    try:
        import resource
    except ImportError:  # not a POSIX system: only the parent's timeout applies
        return
    cpu = max(1, math.ceil(limits["cpu_seconds"]))
    wanted = [
        ("RLIMIT_CPU", cpu, cpu + 1),
        ("RLIMIT_AS", limits["memory_bytes"], limits["memory_bytes"]),
        ("RLIMIT_FSIZE", limits["file_bytes"], limits["file_bytes"]),
        ("RLIMIT_CORE", 0, 0),
    ]
    if limits.get("processes") is not None:
        wanted.append(("RLIMIT_NPROC", limits["processes"], limits["processes"]))
    for name, soft, hard in wanted:
        which = getattr(resource, name, None)
        if which is None:
            continue
        try:
            _, old_hard = resource.getrlimit(which)
            if old_hard != resource.RLIM_INFINITY:
                soft, hard = min(soft, old_hard), min(hard, old_hard)
            resource.setrlimit(which, (soft, hard))
        except (ValueError, OSError):
            pass
    if hasattr(signal, "SIGXFSZ"):
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails instead of killing


def end_with_parent(parent: int | None, wall_seconds: float) -> None:
    """Make sure this process does not outlive mockprep: the kernel kills it when its parent dies
    (Linux); where it cannot, it ends itself after ``wall_seconds`` whatever it is doing (a sleeping
    orphan uses no CPU time, so the CPU limit would never end it). That takes a thread, which the
    person's code would see (``threading.active_count()``), so it is started only there."""
    asked = False
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            asked = libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
        except (OSError, AttributeError):
            pass
    if parent is not None and os.getppid() != parent:
        os._exit(70)  # the parent died before the request above was made
    if asked:
        return

    def expire() -> None:
        time.sleep(wall_seconds)
        os._exit(70)

    threading.Thread(target=expire, name="mockprep-wall-clock", daemon=True).start()


def guard(root: str) -> None:
    """Refuse writes outside ``root`` (files, links, SQLite databases, socket files), new processes,
    signals to other processes and ctypes to the person's code (an audit hook and a few wrappers)."""
    root = os.path.realpath(root)
    me = os.getpid()
    busy = [False]
    ctypes_dir = os.path.join(os.path.dirname(os.__file__), "ctypes") + os.sep

    def inside(path: object, dir_fd: object = None) -> bool:
        if isinstance(path, int):  # a descriptor, even one opened read-only, can change its file's mode...
            try:
                name = os.readlink(f"/proc/self/fd/{path}")
            except OSError:
                return not os.path.isdir("/proc/self/fd")  # no /proc to tell: as before, trusted
            # pipe:[..], socket:[..], anon_inode:..: no file; "/memfd:buf (deleted)": memory, no file either
            return not os.path.isabs(name) or name.startswith("/memfd:") or inside(name)
        name = os.fsdecode(path)  # type: ignore[arg-type]
        if name == os.devnull:
            return True
        if isinstance(dir_fd, int) and dir_fd >= 0 and not os.path.isabs(name):  # -1: none
            try:
                name = os.path.join(os.readlink(f"/proc/self/fd/{dir_fd}"), name)
            except (OSError, TypeError):
                return False
        real = os.path.realpath(name)
        return real == root or real.startswith(root + os.sep)

    def authorize(action: int, name: object, *_rest: object) -> int:
        """SQLite's own file opening: ATTACH and VACUUM INTO name a file only this sees (None when
        the name is not written in the SQL: a parameter or an expression)."""
        if action != SQLITE_ATTACH or name in ("", ":memory:"):
            return SQLITE_OK
        if name is None:
            return SQLITE_DENY  # where it would write cannot be told: the name must be in the SQL
        text = str(name)
        return SQLITE_OK if not text.startswith("file:") and inside(text) else SQLITE_DENY

    def hook(event: str, args: tuple) -> None:
        if busy[0]:
            return
        busy[0] = True
        try:
            _check(event, args)
        finally:
            busy[0] = False

    def _check(event: str, args: tuple) -> None:
        if event == "open":  # (a descriptor's flags were checked when it was opened)
            path, _mode, flags = args
            if flags and flags & WRITE_FLAGS and isinstance(path, str | bytes) and not inside(path):
                raise PermissionError(f"writing outside the run's folder is not allowed: {os.fsdecode(path)}")
        elif event in PATH_EVENTS:
            for position, fd_position in PATH_EVENTS[event]:
                dir_fd = args[fd_position] if fd_position is not None else None
                if not inside(args[position], dir_fd):
                    where = args[position]
                    where = f"descriptor {where}" if isinstance(where, int) else os.fsdecode(where)
                    raise PermissionError(f"changing files outside the run's folder is not allowed: {where}")
        elif event == "sqlite3.connect":  # SQLite writes its file in C, not through open()
            name = os.fsdecode(args[0]) if isinstance(args[0], str | bytes | os.PathLike) else ":memory:"
            if name != ":memory:" and (name.startswith("file:") or not inside(name)):
                raise PermissionError(f"a database outside the run's folder is not allowed: {name}")
        elif event == "socket.bind" and isinstance(args[1], str | bytes | bytearray):  # AF_UNIX: a file
            path = bytes(args[1]) if isinstance(args[1], bytearray) else args[1]
            if path[:1] not in ("\0", b"\0") and not inside(path):  # (an abstract one names none)
                raise PermissionError(f"a socket file outside the folder is not allowed: {path!r}")
        elif event in PROCESS_EVENTS:
            raise PermissionError("starting processes is not allowed in a code question")
        elif event in ("os.kill", "os.killpg") and args[0] not in (me, 0):
            raise PermissionError("signalling other processes is not allowed in a code question")
        elif event in CTYPES_EVENTS and persons_code(root, (ctypes_dir, _HERE)):
            raise PermissionError("ctypes is not allowed in a code question")

    sys.addaudithook(hook)
    _wrap_unaudited(inside, me)
    _wrap_sqlite(authorize)


def _wrap_sqlite(authorize) -> None:
    """Every connection ``_sqlite3.connect`` makes, and every ``Connection(...)`` built directly, gets
    ``authorize`` (set from the audit event, it fails: the connection is not made yet). Patched as the
    module loads, so a run that never uses SQLite does not load it. A file name SQLite does not show
    is refused with a message saying so (SQLite's own says only 'not authorized')."""
    nameless = [False]

    def authorize_telling(action: int, name: object, *rest: object) -> int:
        verdict = authorize(action, name, *rest)
        nameless[0] = nameless[0] or (verdict == SQLITE_DENY and name is None)
        return verdict

    def telling(method):
        def call(self, *args, **kwargs):
            nameless[0] = False
            try:
                return method(self, *args, **kwargs)
            except Exception as exc:
                if not nameless[0] or not isinstance(exc, sys.modules["_sqlite3"].DatabaseError):
                    raise
                raise type(exc)(f"{exc}: {SQLITE_NAMELESS}") from None

        call.__name__, call.__doc__ = method.__name__, method.__doc__
        return call

    def patch(module: types.ModuleType) -> None:
        real_connect, real_class = module.connect, module.Connection

        class Cursor(module.Cursor):  # (module.Cursor stays: Connection.execute makes that one)
            execute, executemany = telling(module.Cursor.execute), telling(module.Cursor.executemany)
            executescript = telling(module.Cursor.executescript)

        class Connection(real_class):
            execute, executemany = telling(real_class.execute), telling(real_class.executemany)
            executescript = telling(real_class.executescript)

            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                self.set_authorizer(authorize_telling)

            def cursor(self, factory=Cursor):
                return super().cursor(factory)

        Connection.__module__, Connection.__doc__ = real_class.__module__, real_class.__doc__

        @functools.wraps(real_connect)
        def connect_checked(*args, **kwargs):
            if len(args) < CONNECT_FACTORY_POSITION and "factory" not in kwargs:
                kwargs["factory"] = Connection  # (so isinstance(c, sqlite3.Connection) still holds)
            connection = real_connect(*args, **kwargs)
            connection.set_authorizer(authorize_telling)
            return connection

        del connect_checked.__wrapped__  # the unchecked function is not to be found by accident
        # sqlite3 takes both with ``from _sqlite3 import *``
        module.connect, module.Connection = connect_checked, Connection

    sys.meta_path.insert(0, _AfterLoad("_sqlite3", patch))


class _AfterLoad:
    """A meta-path finder that lets the others find module ``name`` and calls ``patch`` on it once
    it has loaded."""

    def __init__(self, name: str, patch):
        self.name, self.patch = name, patch

    def find_spec(self, name: str, path: object = None, target: object = None):
        if name != self.name:
            return None
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            spec = find(name, path, target) if finder is not self and find is not None else None
            if spec is not None and spec.loader is not None:
                spec.loader.exec_module = self._then_patch(spec.loader.exec_module)  # type: ignore[method-assign]
                return spec
        return None

    def _then_patch(self, real_exec):
        def exec_module(module: types.ModuleType) -> None:
            real_exec(module)
            self.patch(module)

        return exec_module


def _wrap_unaudited(inside, me: int) -> None:
    """What the audit events do not show: os.open's dir_fd, and pidfds (signals by descriptor, which
    need no pidfd_open: ``os.open('/proc/<pid>')`` is one too)."""
    import _signal
    import posix

    real_open = os.open

    @functools.wraps(real_open)
    def open_checked(path, flags, mode=0o777, *, dir_fd=None):
        if dir_fd is not None and flags & WRITE_FLAGS and not inside(path, dir_fd):
            raise PermissionError(f"writing outside the run's folder is not allowed: {os.fsdecode(path)}")
        return real_open(path, flags, mode, dir_fd=dir_fd)

    del open_checked.__wrapped__  # the unchecked function is not to be found by accident
    os.open = posix.open = open_checked
    if hasattr(os, "pidfd_open"):
        real_pidfd = os.pidfd_open

        @functools.wraps(real_pidfd)
        def pidfd_checked(pid, flags=0):
            if pid != me:
                raise PermissionError("signalling other processes is not allowed in a code question")
            return real_pidfd(pid, flags)

        del pidfd_checked.__wrapped__
        os.pidfd_open = posix.pidfd_open = pidfd_checked
    if hasattr(signal, "pidfd_send_signal"):
        real_send = signal.pidfd_send_signal

        @functools.wraps(real_send)
        def send_checked(pidfd, sig, siginfo=None, flags=0):
            try:
                with open(f"/proc/self/fdinfo/{int(pidfd)}", encoding="ascii") as info:
                    mine = f"Pid:\t{me}\n" in info.read()
            except (OSError, ValueError, TypeError):
                mine = False
            if not mine:
                raise PermissionError("signalling other processes is not allowed in a code question")
            return real_send(pidfd, sig, siginfo, flags)

        del send_checked.__wrapped__
        signal.pidfd_send_signal = _signal.pidfd_send_signal = send_checked


class ImportGuard:
    """A meta-path finder refusing the person's code top-level modules beyond the standard library
    and ``allowed`` (what an allowed package imports for itself is its own business)."""

    def __init__(self, allowed: list[str], root: str):
        self.allowed = set(allowed) | set(sys.stdlib_module_names) | {"solution"}
        self.extra = allowed
        self.root = os.path.realpath(root)

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        top = name.partition(".")[0]
        if top in self.allowed or top in sys.modules or not persons_code(self.root):
            return None
        also = "".join(f", {m}" for m in self.extra)
        raise ModuleNotFoundError(
            f"No module named {top!r} allowed here: this question may import the standard library{also}",
            name=name,
        )
