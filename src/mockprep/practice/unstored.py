"""Writes of an answer that the database may refuse (a full disk, say): the refusal is raised as
:class:`~mockprep.practice.ui.AnswerNotStored`, with the answer and its rating, for the caller to keep
them where the person gets them back (the CLI's ``unsaved-answer-*.md``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from mockprep.practice.ui import AnswerNotStored

if TYPE_CHECKING:
    from mockprep.db.store import Store
    from mockprep.practice.ui import Attempt


@contextmanager
def refused_as_unstored(
    store: Store, attempt: Attempt, rating: int | None, session_id: int | None, part: str = "answer"
) -> Iterator[None]:
    """Raise the database's refusal of the writes inside (a SQLite error, an OSError) as
    AnswerNotStored of ``part`` of ``attempt`` (see there); any other error is a bug, raised as it is."""
    try:
        yield
    except AnswerNotStored:
        raise
    except Exception as exc:
        if not store.refuses(exc):
            raise
        raise AnswerNotStored(attempt, rating, session_id, exc, part) from exc
