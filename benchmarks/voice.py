"""Transcribing a spoken answer: ``seconds`` of speech made by espeak-ng, transcribed on 2 threads
(the 2-core target machine) by the voice extra's model, as ``mockprep session --voice`` does.

The model is loaded once before timing: a session loads it while the first question is read.
Returns None (the row is left out) without the voice extra or espeak-ng.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

SENTENCES = (
    "I designed the ingestion pipeline for our analytics team.",
    "The main problem was that events arrived out of order and, um, we had duplicates from retries.",
    "So I added an idempotency key to each event and a buffer that reorders them within five seconds.",
    "Basically the reports then matched the source of truth, and, uh, the on call load dropped by half.",
    "Looking back, I would have written the replay tool first, because it found most of the bugs.",
)


def transcription_ms(seconds: float, runs: int) -> tuple[list[float], list[float], float] | None:
    """Milliseconds to transcribe ``seconds`` of speech, per run: wall-clock and CPU time (both
    threads; on a busy machine the wall-clock time is the CPU's share, not the work); and the speech's
    real length in seconds."""
    try:
        import faster_whisper  # noqa: F401
    except ImportError:
        return None
    if shutil.which("espeak-ng") is None:
        return None
    from mockprep.core.settings import DEFAULT_SETTINGS
    from mockprep.services.voice import RATE, WhisperTranscriber, decode, model_dir

    with tempfile.TemporaryDirectory() as scratch:
        text = " ".join(SENTENCES * int(seconds // 25 + 1))
        words = text.split()[: int(seconds * 158 / 60)]  # espeak-ng's 150 a minute runs a little fast
        path = Path(scratch) / "answer.wav"
        subprocess.run(["espeak-ng", "-s", "150", "-w", str(path), " ".join(words)], check=True)
        samples = decode(path)
    transcriber = WhisperTranscriber(model_dir(DEFAULT_SETTINGS), threads=2)
    transcriber.load()
    times, cpu = [], []
    for _ in range(runs):
        started, used = time.perf_counter(), time.process_time()
        transcriber.transcribe_samples(samples)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - used) * 1000)
    return times, cpu, len(samples) / RATE
