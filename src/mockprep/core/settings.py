"""Every tunable of mockprep as one frozen value, built once and passed down.

Nothing deep in the code reads a module constant for a knob a person might want to change: the
command layer builds a :class:`Settings` from the defaults, the settings file, ``MOCKPREP_*``
environment variables and command options (:mod:`mockprep.core.config`) and hands it to the
scheduler, the practice pipeline, stats and backups.

Every field is a setting: its name is the key in ``config.toml``, its type says what the file may
hold, and the comment beside it (or the lines right above it) is its description in ``mockprep
config``. ``field(metadata=...)`` narrows a value further: :func:`between` for numeric bounds,
``unit`` for durations, ``keys`` for the fixed keys of a table, ``empty`` for what an empty list
means. A field added here is configurable without touching anything else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Literal

ROUNDS = ("technical", "project", "behavioral")


class Strictness(StrEnum):
    """How hard a language model grades: what it takes for a key point to count as covered."""

    LENIENT = "lenient"  # the idea is there, however loosely put
    NORMAL = "normal"  # stated correctly, if not in full
    STRICT = "strict"  # stated precisely and completely, as an interviewer at a top lab would want


def _per_round(technical: float, project: float, behavioral: float) -> MappingProxyType[str, float]:
    return MappingProxyType({"technical": technical, "project": project, "behavioral": behavioral})


def _empty() -> MappingProxyType[str, int]:
    return MappingProxyType({})


def between(low: float, high: float, **more: Any) -> dict[str, Any]:
    """Metadata: the value (or each item) must lie in [low, high]."""
    return {"low": low, "high": high, **more}


SECONDS = {"unit": "seconds"}  # metadata: a duration, written 90, "90s", "2m30s" or "1h"
URL = {"form": "url"}  # metadata: an http:// or https:// address with a host


@dataclass(frozen=True)
class Settings:
    """The knobs, with today's values as defaults."""

    # -- scheduling (FSRS)
    # The chance of recalling a question when it comes back: higher means shorter intervals, more reviews.
    desired_retention: float = field(default=0.9, metadata=between(0.7, 0.99))
    # New questions introduced per local day, counted within the session's selection: a session offers
    # new questions while fewer than this many of the questions its filter selects were answered for
    # the first time today.
    daily_new: int = field(default=10, metadata=between(0, 1000))
    # Own daily new-question limits of some banks (bank id = limit): each caps its bank in any session,
    # and is the whole limit of a session of that bank alone.
    daily_new_per_bank: Mapping[str, int] = field(default_factory=_empty, metadata=between(0, 1000))
    # Own daily new-question limits of some rounds, as for banks.
    daily_new_per_round: Mapping[str, int] = field(
        default_factory=_empty, metadata=between(0, 1000, keys=ROUNDS)
    )
    # The steps a new question goes through before FSRS spaces it out (Anki's learning steps).
    learning_steps: tuple[float, ...] = field(
        default=(60.0, 600.0),
        metadata=between(
            1, 86400, empty="a new question comes back in a day or more, whatever the rating", **SECONDS
        ),
    )
    # The steps of a forgotten question before it is spaced out again.
    relearning_steps: tuple[float, ...] = field(
        default=(600.0,),
        metadata=between(1, 86400, empty="a forgotten question comes back in a day or more", **SECONDS),
    )
    # The hour your day starts (Anki uses 4): daily limits, "today" and burying count from it.
    day_start_hour: int = field(default=0, metadata=between(0, 23))
    # A learning question due this soon is asked early when nothing else is left.
    learn_ahead_minutes: float = field(default=20.0, metadata=between(0, 1440))
    # Each round's time per question (technical and project "explain it in 2-3 minutes"; behavioral a
    # two-minute STAR story); a question's own time_limit wins.
    time_limits: Mapping[str, float] = field(
        default_factory=lambda: _per_round(180.0, 180.0, 150.0),
        metadata=between(5, 10800, keys=ROUNDS, **SECONDS),
    )
    warning_seconds: float = field(
        default=30.0, metadata=SECONDS
    )  # the clock turns yellow this long before the end
    min_history_for_median: int = 5  # answers in a round before --minutes plans by your median time
    # Minutes of each mock round.
    mock_minutes: Mapping[str, float] = field(
        default_factory=lambda: _per_round(45.0, 30.0, 30.0), metadata=between(1, 600, keys=ROUNDS)
    )
    follow_up_seconds: float = field(default=90.0, metadata=SECONDS)  # time for a mock's follow-up question
    transition_seconds: float = field(default=15.0, metadata=SECONDS)  # the pause between mock questions
    # A question forgotten this often after being learned is a leech (as in Anki); 0: never.
    leech_lapses: int = field(default=8, metadata=between(0, 1000))
    leech_action: Literal["suspend", "flag"] = "suspend"  # what happens to a leech: suspended or flagged
    # Answers outside cram a topic needs to be called weak (365 days), or improving or slipping (in each
    # of the two trend windows).
    min_reviews_for_weakest: int = 5
    # Days in each of the two windows whose shares of answers failed tell improving and slipping topics.
    trend_days: int = field(default=7, metadata=between(2, 91))
    # -- stories
    # How long a story told aloud should take (`story rehearse`).
    rehearsal_target_seconds: float = field(default=120.0, metadata=between(10, 3600, **SECONDS))
    # -- data
    backup_keep: int = field(default=10, metadata=between(1, 1000))  # backups kept of each kind
    # `bank import` refuses a larger file (MB).
    import_max_mb: float = field(default=64.0, metadata=between(1, 4096))
    # An Anki package's collection may unpack to at most this (MB), against zip bombs.
    import_unpacked_max_mb: float = field(default=512.0, metadata=between(1, 16384))
    default_role: str = ""  # the role sessions, mocks and plans use when --role is not given ("": all)
    editor: str = ""  # the editor for stories and `config edit` ("": $VISUAL or $EDITOR)
    # Key points judged by words and meaning (a small model loaded in the background), or words only.
    grader: Literal["meaning", "words"] = "meaning"
    # -- interview plans (`mockprep plan`)
    # The last days before an interview are for reviews: new questions are all introduced before them.
    plan_review_days: int = field(default=2, metadata=between(0, 30))
    # The recall aimed for on the day: a question that would fall below it is reviewed before the date.
    plan_retention: float = field(default=0.95, metadata=between(0.7, 0.99))
    # The minutes a day you have for practice: `plan` names the days its estimate puts over them (0: not
    # said).
    plan_minutes_a_day: int = field(default=0, metadata=between(0, 1440))
    # -- code questions: each run of the tests is a separate, limited process (services/code_runner.py)
    # one test (or loading the code) is stopped after this long (1 s at least: 0 would stop nothing)
    code_test_seconds: float = field(default=5.0, metadata=between(1, 3600))
    # a whole run of a question's tests stops after this long
    code_run_seconds: float = field(default=60.0, metadata=between(1, 86400))
    # the address space the code may use, in MB (128 at least: NumPy does not load in under about 100)
    code_memory_mb: int = field(default=1024, metadata=between(128, 65536))
    # the largest file the code may write (only inside its temporary folder), in MB (the run reports its
    # results through a file: 0 would end every run)
    code_file_mb: int = field(default=16, metadata=between(1, 65536))
    # processes and threads it may add to the person's own (Linux, not as root)
    code_processes: int = field(default=64, metadata=between(0, 100000))
    # spoken answers (--voice, --audio; the voice extra)
    voice_wpm_low: float = 130.0  # words a minute below which an answer is called slow
    voice_wpm_high: float = 160.0  # words a minute above which an answer is called fast
    voice_pause_seconds: float = 2.0  # a silence between two words longer than this is a long pause
    # Counted in transcripts; "like", "you know", "kind of" and "sort of" only where used as fillers.
    voice_fillers: tuple[str, ...] = ("um", "uh", "like", "you know", "basically", "kind of")
    voice_model: str = ""  # a faster-whisper model folder; empty: the tiny.en model the voice extra ships
    voice_keep_recordings: bool = False  # keep microphone recordings (WAV, in the data folder) after use
    voice_part_share: float = 0.5  # share of a story part's content words a telling must say to cover it
    # -- a language model (the llm extra, or any OpenAI-compatible server): nothing is sent to one unless
    # it is enabled here or with --llm, and the person has agreed once to that model
    llm_enabled: bool = False  # grade answers with a model too, and let it write mock follow-ups
    llm_model: str | None = None  # a model id or alias known to `llm` (unset: llm's default model)
    # an OpenAI-compatible server (http://localhost:11434/v1), no `llm`
    llm_base_url: str | None = field(default=None, metadata=URL)
    # The key for llm_base_url (models reached through `llm` use its keys: `llm keys set openai`); never
    # printed, stored in the database or exported.
    llm_api_key: str | None = field(default=None, repr=False, metadata={"secret": True})
    # How strictly the model judges the key points.
    llm_strictness: Literal["lenient", "normal", "strict"] = "normal"
    # The longest a session waits for the model's reply.
    llm_timeout_seconds: float = field(default=30.0, metadata=between(1, 3600, **SECONDS))
    llm_consent: bool = False  # true: send without the first-use question (for scripts)
    llm_interviewer: bool = True  # with a model on, mock follow-ups are written from your answer

    @property
    def voice_wpm_band(self) -> tuple[float, float]:
        return (self.voice_wpm_low, self.voice_wpm_high)

    def time_limit(self, round: str) -> float:
        """The default limit, in seconds, of a question of ``round``."""
        return self.time_limits.get(round, self.time_limits["technical"])


DEFAULT_SETTINGS = Settings()
