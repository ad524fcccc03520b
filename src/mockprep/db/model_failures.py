"""Migration m029: why a language model asked to grade an answer gave none.

Until m029 a review kept a model's id, verdict per key point, rating and factual errors only when the
model gave a verdict: a review whose model timed out, crashed or replied with something unusable kept no
trace that it was asked, so nobody could count how often their model failed. Now ``reviews.model``
names the model asked; its verdict (``model_proposed``, ``model_suggested``, ``model_errors``) is beside
it when it gave one, else ``model_failure`` says why it gave none, in the words the person was shown
("it did not answer within 30s"). Reviews from before keep their meaning: a model named there gave a
verdict. :func:`m029_model_failures` is part of a migration: once released, never edited.
"""

from __future__ import annotations

from typing import Any


def m029_model_failures(cur: Any) -> None:
    """Add ``reviews.model_failure`` (a column added at the end: no table rebuilt, nothing rewritten)."""
    cur.execute("ALTER TABLE reviews ADD COLUMN model_failure TEXT")
