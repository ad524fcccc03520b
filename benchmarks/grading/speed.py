"""How long the default grader takes: loading the meaning model, and grading a 500-word answer once it
is loaded (issue 13: under 50 ms), for ``python -m benchmarks``."""

from __future__ import annotations

import time


def load_model_ms(runs: int) -> list[float]:
    """Milliseconds to import and load wordllama's packaged model in a fresh process, as a session does
    on a background thread while the first question is read (timed inside the child)."""
    import subprocess
    import sys

    code = (
        "import time; t = time.perf_counter(); from mockprep.core.embedding import load_wordllama; "
        "load_wordllama(); print((time.perf_counter() - t) * 1000)"
    )
    return [float(subprocess.check_output([sys.executable, "-c", code], text=True)) for _ in range(runs)]


def grade_500_words_ms(runs: int) -> list[float]:
    """Milliseconds to grade a 500-word answer (a built-in model answer repeated, each sentence marked
    with the run so that no cached embedding helps) with the meaning model loaded, as a session does
    after the first question."""
    from benchmarks.grading import builtin_specs
    from mockprep.core.embedding import load_wordllama
    from mockprep.core.grading import default_grader

    embedder = load_wordllama()
    grader = default_grader(lambda: embedder)
    spec = builtin_specs()["deep-learning/batchnorm-train-eval"]
    words = spec.answer.split()
    base = " ".join((words * (500 // len(words) + 1))[:500])
    grader.assess(spec, base)  # the stemmer and the question's reference, built once
    samples = []
    for run in range(runs):
        answer = base.replace(". ", f". R{run} ")
        started = time.perf_counter()
        grader.assess(spec, answer)
        samples.append((time.perf_counter() - started) * 1000)
    return samples
