"""A live spoken answer cut short while it is recorded or transcribed (Ctrl-C, SIGTERM, a closed terminal's
SIGHUP) keeps its take, under its question's name, and its place in history, unrated; a take nobody was
told of is said by the next command, once. Found by an exploratory tester: the answer was lost and its
WAV left in recordings/ unnamed and unsaid."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from mockprep.core.questions import QuestionFilter
from mockprep.core.settings import DEFAULT_SETTINGS
from mockprep.db.store import Store
from mockprep.practice.pipeline import SessionInterrupted
from mockprep.practice.session import Session, SessionOptions
from mockprep.practice.voice import Voice
from mockprep.services.recordings import leftovers, leftovers_line
from mockprep.services.voice import Microphone
from mockprep.terminal.voice import MicrophoneSource
from tests.conftest import FakeClock, ScriptedUI, db_rows


class TwoSecondStream:
    """sounddevice's input stream: two seconds of sound as it starts."""

    def __init__(self, callback) -> None:
        self.callback = callback

    def start(self) -> None:
        self.callback(b"\x01\x00" * 32_000, 32_000, None, None)

    def stop(self) -> None:
        pass

    def close(self) -> None:
        pass


class Transcriber:
    name = "fake"

    def __init__(self, ended: BaseException) -> None:
        self.ended = ended

    def transcribe(self, audio: Path, progress=None):
        assert audio.exists()
        raise self.ended


ENDINGS = {
    "Ctrl-C": KeyboardInterrupt(),
    "SIGTERM": SessionInterrupted(int(signal.SIGTERM)),
    "SIGHUP": SessionInterrupted(int(signal.SIGHUP)),
}


@pytest.mark.parametrize("while_", ["recording", "transcribing"])
@pytest.mark.parametrize("how", list(ENDINGS))
def test_an_answer_cut_short_keeps_its_take_and_its_place_in_history(
    demo: Store, clock: FakeClock, home: Path, how: str, while_: str
) -> None:
    ended = ENDINGS[how]
    folder = home / "recordings"
    replies = iter(["", ended if while_ == "recording" else ""])

    def read_line(prompt, countdown=None):
        reply = next(replies)
        if isinstance(reply, BaseException):
            clock.advance(seconds=7)  # seven seconds said, then the interruption
            raise reply
        return reply

    source = MicrophoneSource(None, read_line, Microphone(folder, TwoSecondStream), clock)  # type: ignore[arg-type]
    voice = Voice(source, Transcriber(ended), DEFAULT_SETTINGS)
    ui = ScriptedUI([], [], clock=clock)
    options = SessionOptions(filter=QuestionFilter(banks=("demo",)), tz=ZoneInfo("UTC"), limit=1)
    summary = Session(demo, ui, clock, random.Random(1), options, DEFAULT_SETTINGS, voice=voice).run()
    assert summary.status == "interrupted" and summary.kept == 1

    [take] = [p for p in folder.iterdir() if p.suffix == ".wav"]
    [(key, answer)] = db_rows(
        home, "SELECT q.key, m.answer FROM mock_answers m JOIN questions q ON q.id = m.question_id"
    )
    assert key.replace("/", "+") in take.name  # named after its question
    assert str(take) in answer  # history says where the spoken answer is
    said = [n for n in ui.notices if str(take) in n]
    if how == "SIGHUP":  # the terminal is gone: the next command says it, once
        assert said == []
        line = leftovers_line(leftovers(folder))
        assert line is not None and str(take) in line
        assert not leftovers(folder)
        assert list(folder.iterdir()) == [take]  # the file history names, still there
    else:
        assert len(said) == 1 and f"mockprep grade {key} --audio {take}" in said[0]
        assert not leftovers(folder)  # said already
    assert take.stat().st_size > 32_000  # the two seconds said are in it


def test_a_take_cut_off_as_it_began_is_not_kept(demo: Store, clock: FakeClock, home: Path) -> None:
    folder = home / "recordings"
    replies = iter(["", KeyboardInterrupt()])

    def read_line(prompt, countdown=None):
        reply = next(replies)
        if isinstance(reply, BaseException):
            raise reply
        return reply

    class Blip(TwoSecondStream):
        def start(self) -> None:
            self.callback(b"\x01\x00" * 1600, 1600, None, None)  # 0.1 s

    source = MicrophoneSource(None, read_line, Microphone(folder, Blip), clock)  # type: ignore[arg-type]
    voice = Voice(source, Transcriber(KeyboardInterrupt()), DEFAULT_SETTINGS)
    options = SessionOptions(filter=QuestionFilter(banks=("demo",)), tz=ZoneInfo("UTC"), limit=1)
    ui = ScriptedUI([], [], clock=clock)
    summary = Session(demo, ui, clock, random.Random(1), options, DEFAULT_SETTINGS, voice=voice).run()
    assert summary.kept == 0 and list(folder.iterdir()) == []


def test_a_take_left_by_a_process_that_is_gone_is_said_once(tmp_path: Path) -> None:
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True)
    pid = int(gone.stdout)
    _wav(tmp_path / f"answer-20250101-090000-000001-p{pid}.wav", 2.0)
    running = tmp_path / f"answer-20250101-090000-000002-p{__import__('os').getpid()}.wav"
    running.write_bytes(b"RIFF")  # another mockprep records or transcribes it now
    found = leftovers(tmp_path)
    assert [k.key for k in found.kept] == [None] and found.dropped == []
    line = leftovers_line(found)
    assert line is not None and str(found.kept[0].path) in line and "mockprep grade KEY --audio" in line
    assert not leftovers(tmp_path)  # said once
    assert running.exists()


def _wav(path: Path, seconds: float) -> Path:
    import wave

    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16_000)
        out.writeframes(b"\x01\x00" * int(16_000 * seconds))
    return path


def _gone_pid() -> int:
    return int(
        subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True).stdout
    )


def test_recordings_kept_on_purpose_and_takes_cut_off_as_saved_are_not_said_as_cut_short(
    demo: Store, clock: FakeClock, home: Path
) -> None:
    """Found by an independent reviewer: every answer-*.wav whose process had ended was said (and
    renamed) as "cut short before it was transcribed": recordings kept by voice_keep_recordings, those an
    older mockprep kept (answer-STAMP.wav, no process id), and an empty or half-written file of a process
    killed as it saved the take."""
    from dataclasses import replace

    from mockprep.core.speech import Transcript, Word

    folder = home / "recordings"

    class Heard:
        name = "fake"

        def transcribe(self, audio: Path, progress=None) -> Transcript:
            return Transcript((Word("caching", 0.0, 0.5),), 2.0)

    replies = iter(["", ""])
    settings = replace(DEFAULT_SETTINGS, voice_keep_recordings=True)
    mic = Microphone(folder, TwoSecondStream)
    source = MicrophoneSource(None, lambda p, c=None: next(replies), mic, clock)  # type: ignore[arg-type]
    voice = Voice(source, Heard(), settings)
    ui = ScriptedUI([], [1], clock=clock)
    options = SessionOptions(filter=QuestionFilter(banks=("demo",)), tz=ZoneInfo("UTC"), limit=1)
    Session(demo, ui, clock, random.Random(1), options, settings, voice=voice).run()
    voice.close()
    [kept] = list(folder.iterdir())  # kept by the setting, under a name no take in progress has
    older = _wav(folder / "answer-20240101-090000-000001.wav", 3.0)  # kept by an older mockprep
    pid = _gone_pid()
    empty = folder / f"answer-20250101-090000-000001-p{pid}.wav"
    empty.write_bytes(b"")  # its process killed as it saved it
    half = _wav(folder / f"answer-20250101-090000-000002-p{pid}.wav", 3.0)
    half.write_bytes(half.read_bytes()[:20_000])
    part = _wav(folder / f"answer-20250101-090000-000003-p{pid}.wav.part", 3.0)
    short = _wav(folder / f"answer-20250101-090000-000004-p{pid}.wav", 0.5)  # cut off as it began
    found = leftovers(folder)
    assert found.kept == []
    assert sorted(found.dropped) == sorted([empty.name, half.name, part.name])  # said: unreadable
    line = leftovers_line(found)
    assert line is not None and empty.name in line and "cut short" not in line
    assert sorted(folder.iterdir()) == sorted([kept, older])  # the part file and the blip deleted
    assert not part.exists() and not short.exists()
    assert not leftovers(folder)


def test_a_take_a_closed_terminal_cut_short_keeps_the_name_history_gives(
    demo: Store, clock: FakeClock, home: Path
) -> None:
    """Found by an independent reviewer: after a closed terminal history said "kept as
    .../cut-short-....wav" and the next command renamed that file kept-....wav."""
    folder = home / "recordings"
    replies = iter(["", ""])
    source = MicrophoneSource(
        None, lambda p, c=None: next(replies), Microphone(folder, TwoSecondStream), clock
    )  # type: ignore[arg-type]
    voice = Voice(source, Transcriber(SessionInterrupted(int(signal.SIGHUP))), DEFAULT_SETTINGS)
    ui = ScriptedUI([], [], clock=clock)
    options = SessionOptions(filter=QuestionFilter(banks=("demo",)), tz=ZoneInfo("UTC"), limit=1)
    Session(demo, ui, clock, random.Random(1), options, DEFAULT_SETTINGS, voice=voice).run()
    [(answer,)] = db_rows(home, "SELECT answer FROM mock_answers")
    named = Path(answer.split("kept as ", 1)[1].rstrip(")"))
    found = leftovers(folder)  # the next command says it
    assert [k.path for k in found.kept] == [named] and named.exists()
    assert list(folder.iterdir()) == [named]
    assert not leftovers(folder)  # once


@pytest.mark.parametrize(
    "named",
    ["kept-20250101-090000-000001.demo+q1.wav.untold", "cut-short-20250101-090000-000001.demo+q1.wav"],
)
def test_the_next_command_says_a_take_nobody_was_told_of(cli, home: Path, named: str) -> None:
    folder = home / "recordings"
    folder.mkdir(parents=True)
    (folder / "kept-20250101-090000-000001.demo+q1.wav").write_bytes(b"RIFF")
    (folder / named).write_bytes(b"RIFF")  # (cut-short-: 8e5a75c's name for it)
    first = cli("session", "--round", "technical", input="q\n")
    assert "The spoken answer to demo/q1 cut short before it was transcribed is kept in" in first.stderr
    again = cli("session", "--round", "technical", input="q\n")
    assert "cut short" not in again.stderr


def test_a_spoken_follow_up_reply_cut_short_keeps_its_take(
    store: Store, clock: FakeClock, home: Path
) -> None:
    from mockprep.core.speech import Transcript, Word
    from mockprep.practice.mock import MockOptions, MockRound
    from mockprep.services.bank_sync import sync_banks

    sync_banks(store, clock.now)
    folder = home / "recordings"

    class FirstOnly:
        name = "fake"
        calls = 0

        def transcribe(self, audio: Path, progress=None) -> Transcript:
            self.calls += 1
            if self.calls > 1:
                raise KeyboardInterrupt
            words = tuple(
                Word(w, i * 0.4, i * 0.4 + 0.3) for i, w in enumerate("I led the migration".split())
            )
            return Transcript(words, 2.0)

    def read_line(prompt, countdown=None):
        clock.advance(seconds=5)
        return ""

    source = MicrophoneSource(None, read_line, Microphone(folder, TwoSecondStream), clock)  # type: ignore[arg-type]
    voice = Voice(source, FirstOnly(), DEFAULT_SETTINGS)
    ui = ScriptedUI([], [], clock=clock)
    report = MockRound(
        store,
        ui,
        clock,
        random.Random(3),
        "behavioral",
        MockOptions(minutes=12),
        DEFAULT_SETTINGS,
        voice=voice,
    ).run()
    assert report.status == "interrupted"
    [first] = store.sessions.mock_answers(report.session_id)
    assert first.answer.follow_up  # the second take was the reply to its follow-up
    [take] = [p for p in folder.iterdir() if p.name.startswith("kept-")]
    assert first.follow_up_answer is not None and str(take) in first.follow_up_answer
    assert any(str(take) in n for n in ui.notices)


class KilledAtTheLast:
    """Transcribes each take; at the ``last`` take, copies the recordings folder as a mockprep killed
    outright (SIGKILL) there would leave it, and says what the next command would announce of it."""

    name = "fake"

    def __init__(self, folder: Path, copy: Path, last: int) -> None:
        self.folder, self.copy, self.last, self.calls = folder, copy, last, 0
        self.announced: list[Path] | None = None

    def transcribe(self, audio: Path, progress=None):
        from mockprep.core.speech import Transcript, Word

        self.calls += 1
        if self.calls == self.last:
            import shutil
            from unittest import mock

            shutil.copytree(self.folder, self.copy)
            with mock.patch("mockprep.services.recordings.process_alive", lambda _pid: False):
                self.announced = [k.path.name for k in leftovers(self.copy).kept]  # type: ignore[assignment]
        words = tuple(Word(w, i * 0.4, i * 0.4 + 0.3) for i, w in enumerate("I led the migration".split()))
        return Transcript(words, 2.0)


@pytest.mark.parametrize("keep", [False, True])
def test_a_mockprep_killed_outright_leaves_no_graded_answer_to_say_as_cut_short(
    demo: Store, clock: FakeClock, home: Path, tmp_path: Path, keep: bool
) -> None:
    """Found by an independent reviewer: a transcribed take kept its -pPID name until the session's end,
    so after a SIGKILL every answer already rated was said as "cut short before it was transcribed"."""
    from dataclasses import replace

    folder = home / "recordings"
    settings = replace(DEFAULT_SETTINGS, voice_keep_recordings=keep)

    def read_line(prompt, countdown=None):  # Enter to start a take, Enter to stop it
        clock.advance(seconds=5)
        return ""

    source = MicrophoneSource(None, read_line, Microphone(folder, TwoSecondStream), clock)  # type: ignore[arg-type]
    killed = KilledAtTheLast(folder, tmp_path / "killed", last=2)
    voice = Voice(source, killed, settings)
    ui = ScriptedUI([], [3, 3], clock=clock)
    options = SessionOptions(filter=QuestionFilter(banks=("demo",)), tz=ZoneInfo("UTC"), limit=2)
    summary = Session(demo, ui, clock, random.Random(1), options, settings, voice=voice).run()
    assert summary.answered == 2
    assert killed.announced is not None and len(killed.announced) == 1  # the take being transcribed only
    kept_on_purpose = [p for p in (tmp_path / "killed").iterdir() if not p.name.startswith("kept-")]
    assert len(kept_on_purpose) == (1 if keep else 0)  # the rated answer's: kept by the setting, or gone


def test_a_mock_answer_stored_lets_go_of_its_take_before_the_follow_up(
    store: Store, clock: FakeClock, home: Path, tmp_path: Path
) -> None:
    from mockprep.practice.mock import MockOptions, MockRound
    from mockprep.services.bank_sync import sync_banks

    sync_banks(store, clock.now)
    folder = home / "recordings"

    def read_line(prompt, countdown=None):
        clock.advance(seconds=5)
        return ""

    source = MicrophoneSource(None, read_line, Microphone(folder, TwoSecondStream), clock)  # type: ignore[arg-type]
    killed = KilledAtTheLast(folder, tmp_path / "killed", last=2)  # the reply to the follow-up
    voice = Voice(source, killed, DEFAULT_SETTINGS)
    ui = ScriptedUI([], [], clock=clock)
    options = MockOptions(minutes=12)
    MockRound(store, ui, clock, random.Random(3), "behavioral", options, DEFAULT_SETTINGS, voice=voice).run()
    assert killed.announced is not None and len(killed.announced) == 1


def test_a_take_under_8e5a75cs_name_is_said_once_and_keeps_the_name_history_gives(tmp_path: Path) -> None:
    """Found by an independent reviewer of 4b96108: a cut-short-....wav (8e5a75c's name, the one its
    history gives) was renamed kept-....wav, so history's path pointed at a missing file."""
    take = _wav(tmp_path / "cut-short-20250101-090000-000001.demo+q1.wav", 2.0)
    found = leftovers(tmp_path)
    assert [(k.path, k.key) for k in found.kept] == [(take, "demo/q1")]
    line = leftovers_line(found)
    assert line is not None and f"mockprep grade demo/q1 --audio {take}" in line
    assert take.exists()  # where history says it is
    assert not leftovers(tmp_path) and take.exists()  # said once
    take.unlink()  # graded, and deleted by the person
    assert not leftovers(tmp_path) and list(tmp_path.iterdir()) == []  # its mark goes with it
