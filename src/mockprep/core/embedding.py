"""Sentence similarity from a small word-embedding model that ships inside a PyPI package (wordllama).

The model (about 16 MB of weights in the wheel) is read from the installed package, never from the
network: wordllama's own loader looks for its tokenizer in the wrong folder and then tries to download
it, so :func:`load_wordllama` builds the model from the packaged files directly. Loading takes a few
hundred milliseconds, so :class:`EmbedderLoader` does it on a background thread while the person reads
the question and types; graders ask for it only when they need it.
"""

from __future__ import annotations

import threading
from typing import Any, Protocol


class Embedder(Protocol):
    name: str

    def similarities(self, left: list[str], right: list[str]) -> list[list[float]]:
        """Cosine similarity of every text in ``left`` with every text in ``right``."""


class EmbedderUnavailable(Exception):
    """The embedding model cannot be loaded; the message says why in one line."""


CACHED = 4096  # embedded texts kept


class WordLlamaEmbedder:
    """wordllama's l2_supercat model (256 dimensions), with a small cache of embedded texts."""

    name = "wordllama l2_supercat 256"

    def __init__(self, model: Any):
        self._model = model
        self._cache: dict[str, Any] = {}

    def _vectors(self, texts: list[str]) -> Any:
        import numpy as np

        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            if len(self._cache) + len(missing) > CACHED:
                self._cache = {t: v for t, v in self._cache.items() if t in texts}
            for batch in _by_length(missing):
                for text, vector in zip(batch, self._model.embed(batch, norm=True), strict=True):
                    self._cache[text] = vector
        return np.stack([self._cache[t] for t in texts])

    def warm(self, texts: list[str]) -> None:
        """Embed ``texts`` now, in batches, for the calls that follow (at most the cache's size)."""
        if texts:
            self._vectors(texts[:CACHED])

    def similarities(self, left: list[str], right: list[str]) -> list[list[float]]:
        if not left or not right:
            return [[0.0] * len(right) for _ in left]
        matrix = self._vectors(left) @ self._vectors(right).T
        return matrix.tolist()


def _by_length(texts: list[str]) -> list[list[str]]:
    """Texts in batches of similar length: a batch is padded to its longest text, so one whole answer
    in a batch of its sentences would multiply the work (a 500-word answer's grading: 53 ms to 40)."""
    batches: list[list[str]] = []
    for text in sorted(texts, key=len):
        if batches and len(text) <= 2 * len(batches[-1][0]) + 40:
            batches[-1].append(text)
        else:
            batches.append([text])
    return batches


def load_wordllama() -> WordLlamaEmbedder:
    """The packaged wordllama model, loaded from site-packages only (no network)."""
    import logging

    # wordllama's modules call logging.basicConfig(level=INFO) when imported: every library's INFO
    # lines (an HTTP client's "HTTP Request: POST ...") would then print in the middle of a session.
    # basicConfig does nothing where the root logger has a handler: one that says nothing is lent to
    # it for the import (this runs on a thread; what other threads add or set stays as they left it).
    lent = logging.NullHandler()
    logging.getLogger().addHandler(lent)
    try:
        from pathlib import Path

        import wordllama
        from safetensors import safe_open
        from wordllama.wordllama import WordLlama, WordLlamaInference
    except ImportError as exc:
        raise EmbedderUnavailable(f"the embedding model is not installed ({exc.name})") from None
    finally:
        logging.getLogger().removeHandler(lent)
    root = Path(wordllama.__file__).parent
    weights = root / "weights" / "l2_supercat_256.safetensors"
    tokenizer = root / "tokenizers" / "l2_supercat_tokenizer_config.json"
    if not weights.is_file() or not tokenizer.is_file():
        raise EmbedderUnavailable(f"the embedding model's files are missing from {root}")
    try:
        with safe_open(str(weights), framework="np", device="cpu") as handle:
            matrix = handle.get_tensor("embedding.weight")
        model = WordLlamaInference(matrix, WordLlama.load_tokenizer(tokenizer), binary=False)
    except Exception as exc:  # a damaged install: fall back, do not crash a session
        raise EmbedderUnavailable(f"the embedding model could not be loaded ({type(exc).__name__})") from None
    return WordLlamaEmbedder(model)


_SHARED: EmbedderLoader | None = None


def shared_loader() -> EmbedderLoader:
    """The process's one loader (the model is loaded at most once per process)."""
    global _SHARED
    if _SHARED is None:
        _SHARED = EmbedderLoader()
    return _SHARED


class EmbedderLoader:
    """Loads the embedder once, on a background thread; :meth:`get` waits for it (or gives up)."""

    def __init__(self, load: Any = load_wordllama):
        self._load = load
        self._done = threading.Event()
        self._thread: threading.Thread | None = None
        self.embedder: Embedder | None = None
        self.problem: str | None = None

    def start(self) -> EmbedderLoader:
        if self._thread is None:
            from mockprep.core.background_loads import start_load

            self._thread = start_load(self._run, "mockprep-embedder")
        return self

    def _run(self) -> None:
        try:
            self.embedder = self._load()
        except EmbedderUnavailable as exc:
            self.problem = str(exc)
        finally:
            self._done.set()

    def get(self, timeout: float | None = None) -> Embedder | None:
        """The embedder, or None when it could not be loaded (``problem`` says why) or not in time."""
        self.start()
        self._done.wait(timeout)
        return self.embedder
