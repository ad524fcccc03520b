"""A prompted segment that repeats what only hearing a skipped stretch again found, and what is said
when a stretch cannot be made out. Found by an exploratory tester: a spoken STAR story (espeak-ng,
65 s) read "... I proposed cutting it. I revealed the evaluation on the clean split ..." where "two
secondary ablations and took on the re-runs myself over the weekend. I also added a test to our
evaluation script" was said. Whisper with the prompt skipped 29-49 s and wrote the sentence said at
29 s over 49-57 s; the repeat rule saw it once among the prompted segments and let it stand."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockprep.core.settings import DEFAULT_SETTINGS
from mockprep.core.speech import Clip, Heard, Transcript, Word, not_made_out, repeating, unheard_stretches
from mockprep.practice.voice import Voice
from tests.test_voice_heard import FakeModel

FRAME = 0.02
SAID = "i revealed the evaluation on the clean split and reran both systems"
NEXT = "two secondary ablations and took on the reruns myself over the weekend"


def heard(text: str, start: float, end: float) -> Heard:
    words = text.split()
    step = (end - start) / len(words)
    return Heard(
        tuple((" " + w, start + i * step, start + (i + 1) * step) for i, w in enumerate(words)), 0.1, -0.3
    )


def test_a_prompted_segment_repeating_what_was_heard_again_before_it_is_a_repeat() -> None:
    first = [heard("three weeks before the deadline", 0.0, 10.0), heard(SAID, 20.0, 30.0)]
    assert repeating(first, []) == set()  # said once among the prompted segments
    assert repeating(first, [heard(SAID, 10.0, 20.0)]) == {1}
    assert repeating(first, [heard(SAID, 40.0, 50.0)]) == set()  # said again after: no prompted repeat


@given(st.lists(st.tuples(st.floats(0, 50), st.floats(0, 10)), max_size=6), st.data())
def test_what_may_not_be_heard_is_in_order_apart_and_covers_each_stood_repeat(spans, data) -> None:
    stood = [heard(SAID, start, start + length + 0.1) for start, length in spans]
    sound = data.draw(st.lists(st.booleans(), max_size=3000))
    words = [Word("w", 5.0, 6.0), Word("w", 20.0, 21.0)]
    out = not_made_out(words, stood, sound, FRAME)
    assert all(a <= b for a, b in out)
    assert all(out[i][1] < out[i + 1][0] for i in range(len(out) - 1))
    for span in [(s.pieces[0][1], s.pieces[-1][2]) for s in stood] + unheard_stretches(words, sound, FRAME):
        assert any(a <= round(span[0], 2) and round(span[1], 2) <= b for a, b in out)


np = pytest.importorskip("numpy")
voice = pytest.importorskip("mockprep.services.voice")
pytest.importorskip("faster_whisper")


def segment(text: str, start: float, end: float):
    words = text.split()
    step = (end - start) / len(words)
    pieces = [
        SimpleNamespace(word=" " + w, start=start + i * step, end=start + (i + 1) * step)
        for i, w in enumerate(words)
    ]
    return SimpleNamespace(words=pieces, end=end, no_speech_prob=0.1, avg_logprob=-0.3)


def transcribe(model: FakeModel, seconds: float) -> Transcript:
    """The fake model's transcript of a steady tone ``seconds`` long, then 5 s of silence."""
    found = voice.WhisperTranscriber(Path("unused"))
    found._model = model
    t = np.arange(int(seconds * voice.RATE)) / voice.RATE
    tone = (0.1 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    return found.transcribe_samples(np.concatenate([tone, np.zeros(5 * voice.RATE, dtype=np.float32)]))


HEAD = "three weeks before the deadline our paper reported a gain"
PROMPTED = [segment(HEAD, 0.0, 10.0), segment(SAID, 20.0, 30.0)]  # 10-20 s skipped, 10-20's text at 20 s


def test_a_repeat_of_what_a_skipped_stretch_held_is_heard_again_with_that_stretch() -> None:
    def plain(seconds: float):
        if seconds < 15:  # 10-20 s
            return [segment(SAID, 0.0, 10.0)]
        return [segment(SAID, 0.0, 10.0), segment(NEXT, 10.0, 20.0)]  # 10-35 s

    model = FakeModel(lambda _seconds: PROMPTED, plain)
    transcript = transcribe(model, 30.0)
    assert transcript.text == f"{HEAD} {SAID} {NEXT}"
    assert transcript.unheard == ()
    assert model.calls == [(35.0, True), (10.0, False), (25.0, False)]  # 10-20, then 10-35 whole


def test_a_stretch_not_made_out_again_is_the_transcripts_unheard() -> None:
    transcript = transcribe(FakeModel(lambda _seconds: PROMPTED, lambda _seconds: []), 30.0)
    assert transcript.text == f"{HEAD} {SAID}"
    assert transcript.unheard == ((10.0, 20.0),)


def test_a_repeat_that_stands_for_want_of_anything_heard_again_is_unheard() -> None:
    plain = lambda seconds: [segment(SAID, 0.0, 10.0)] if seconds < 15 else []  # noqa: E731
    transcript = transcribe(FakeModel(lambda _seconds: PROMPTED, plain), 30.0)
    assert transcript.text == f"{HEAD} {SAID} {SAID}"  # (a speaker may say a passage again)
    assert transcript.unheard == ((20.0, 30.0),)


def test_seconds_not_made_out_are_told_with_the_recording() -> None:
    class Gappy:
        name = "gappy"

        def transcribe(self, audio: Path, progress=None) -> Transcript:
            return Transcript((Word("yes", 0.0, 0.5),), 70.0, ((29.22, 49.38), (61.0, 64.5)))

    clip = Clip(Path("story.wav"), live=False)
    source = SimpleNamespace(live=False, next_clip=lambda countdown, wait: clip, release=lambda c: None)
    told: list[str] = []
    assert Voice(source, Gappy(), DEFAULT_SETTINGS, notice=told.append).answer(None) is not None
    lines = [line for line in told if "29s" in line]
    assert len(lines) == 1 and "\n" not in lines[0]
    assert all(part in lines[0] for part in ("story.wav", "50s", "1m01s", "1m05s"))


def test_a_stretch_heard_once_more_says_why() -> None:
    """The story's 29-49 s were heard again as skipped; 29-57 s once more, and it said 'skipped' again."""

    class Twice:
        name = "twice"

        def transcribe(self, audio: Path, progress=None) -> Transcript:
            progress(65.0, 65.0)
            for stretch in ((29.22, 49.38), (29.22, 57.26)):
                progress(0.0, stretch[1] - stretch[0], stretch)
            return Transcript((Word("yes", 0.0, 0.5),), 65.0)

    clip = Clip(Path("story.wav"), live=False)
    source = SimpleNamespace(live=False, next_clip=lambda countdown, wait: clip, release=lambda c: None)
    told: list[str] = []
    Voice(source, Twice(), DEFAULT_SETTINGS, notice=told.append).answer(None)
    skipped, again = [line for line in told if "hearing" in line]
    assert "29s–49s" in skipped and "skipped" in skipped
    assert "29s–57s" in again and "skipped" not in again and "repeat" in again


STORY = (
    "Three weeks before the NeurIPS deadline, our lab's retrieval paper reported a 6-point gain in exact"
    " match over the baseline. While preparing the camera-ready figures I noticed that the baseline had"
    " been evaluated on an older split of NaturalQuestions that overlapped with our training data. Um, so,"
    " I was the second author and owned the evaluation code, so it was my responsibility to find out"
    " whether the gain was real and to tell the team before we submitted. I rebuilt the evaluation on the"
    " clean split and re-ran both systems with five seeds each. I wrote a one-page note with the corrected"
    " table and the seed variance, and I presented it at the Monday group meeting instead of waiting for"
    " the deadline week. When my advisor worried about the timeline, I proposed cutting two secondary"
    " ablations and took on the re-runs myself over the weekend. I also added a test to our evaluation"
    " script that fails when train and test question ids overlap, so the same mistake cannot happen"
    " silently again."
)


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_a_spoken_story_is_transcribed_without_a_passage_in_place_of_another(tmp_path: Path) -> None:
    wav = tmp_path / "story.wav"
    subprocess.run(["espeak-ng", "-s", "150", "-w", str(wav), STORY], check=True, timeout=60)
    transcript = voice.make_transcriber(DEFAULT_SETTINGS).transcribe(wav)
    words = re.findall(r"[a-z']+", transcript.text.lower())
    runs = [tuple(words[i : i + 5]) for i in range(len(words) - 4)]
    assert len(runs) == len(set(runs))  # the story says nothing twice, nor does its transcript
    assert {"secondary", "weekend", "script"} <= set(words)  # said at 49-57 s
    assert transcript.unheard == ()
