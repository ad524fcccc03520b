"""Migration m024: what each bank file looked like when it was last read, so that a sync reads again
only the files that changed.

Every start of a session syncs the banks: it used to read and hash every bank file (about 9 ms for the
77 files of a heavy home, the largest part of a sync that finds nothing new). A file whose size,
modification and change times, inode and device are those recorded holds the bytes it held then, as
long as it was not modified in the same tick of the file system's clock as it was looked at: an entry
looked at within :data:`mockprep.core.bank_files.RACY_NS` of the file's last change is not trusted
(git's "racy" rule) and the file is read again. The stamps belong to this device (paths, inodes):
a package leaves them out (:data:`mockprep.db.package.DEVICE_TABLES`).
Part of a migration: once released, never edited (a change is a new migration).
"""

from __future__ import annotations

from typing import Any


def m024_bank_file_stamps(cur: Any) -> None:
    """The stamp and hash of each bank file as last read (``source`` as the sync names the file)."""
    cur.execute(
        "CREATE TABLE bank_file_stamps ("
        " source TEXT NOT NULL PRIMARY KEY,"
        " size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, ctime_ns INTEGER NOT NULL,"
        " inode INTEGER NOT NULL, device INTEGER NOT NULL,"
        " content_hash TEXT NOT NULL,"
        " seen_ns INTEGER NOT NULL"  # when the file was looked at (before it was read)
        ") WITHOUT ROWID"
    )
