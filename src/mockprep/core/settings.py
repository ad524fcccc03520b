"""Every tunable of mockprep as one frozen value, built once and passed down.

Nothing deep in the code reads a module constant for a knob a person might want to change: the
command layer builds a :class:`Settings` (today from the defaults; later also from a file, the
environment and options) and hands it to the scheduler, the practice pipeline, stats and backups.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType


def _per_round(technical: float, project: float, behavioral: float) -> MappingProxyType[str, float]:
    return MappingProxyType({"technical": technical, "project": project, "behavioral": behavioral})


@dataclass(frozen=True)
class Settings:
    """The knobs, with today's values as defaults."""

    # scheduling (FSRS)
    desired_retention: float = 0.9
    # New questions introduced per local calendar day, counted within the session's selection: a
    # session offers new questions while fewer than this many of the questions its filter (--round,
    # --topic, --role, --bank) selects were answered for the first time today. A plain `session`
    # counts every question, so it stops at this many a day whatever the filtered sessions did; a
    # `session --bank my-bank` counts only my-bank's, so a bank added today offers its new questions.
    daily_new: int = 10
    learn_ahead_minutes: float = 20.0  # a learning card due this soon is asked early when nothing is left
    # timing: technical and project "explain it in 2-3 minutes"; behavioral a two-minute STAR story
    time_limits: MappingProxyType[str, float] = field(default_factory=lambda: _per_round(180.0, 180.0, 150.0))
    warning_seconds: float = 30.0  # the clock turns yellow this long before the limit
    min_history_for_median: int = 5  # answers in a round before --minutes plans by the person's median
    # mock rounds
    mock_minutes: MappingProxyType[str, float] = field(default_factory=lambda: _per_round(45.0, 30.0, 30.0))
    follow_up_seconds: float = 90.0
    transition_seconds: float = 15.0  # an interviewer talks between questions too
    # statistics
    leech_lapses: int = 8  # forgotten this often after being learned: a leech (as in Anki)
    min_reviews_for_weakest: int = 5  # review answers a topic needs before it can be called weak
    # stories
    rehearsal_target_seconds: float = 120.0
    # data
    backup_keep: int = 10
    # spoken answers (--voice, --audio; the voice extra)
    voice_wpm_low: float = 130.0  # words a minute below which an answer is called slow
    voice_wpm_high: float = 160.0  # words a minute above which an answer is called fast
    voice_pause_seconds: float = 2.0  # a silence between two words longer than this is a long pause
    # Counted in transcripts; "like", "you know", "kind of" and "sort of" only where used as fillers.
    voice_fillers: tuple[str, ...] = ("um", "uh", "like", "you know", "basically", "kind of")
    voice_model: str = ""  # a faster-whisper model folder; empty: the tiny.en model the voice extra ships
    voice_keep_recordings: bool = False  # keep microphone recordings (WAV, in the data folder) after use
    voice_part_share: float = 0.5  # share of a story part's content words a telling must say to cover it

    @property
    def voice_wpm_band(self) -> tuple[float, float]:
        return (self.voice_wpm_low, self.voice_wpm_high)

    def time_limit(self, round: str) -> float:
        """The default limit, in seconds, of a question of ``round``."""
        return self.time_limits.get(round, self.time_limits["technical"])


DEFAULT_SETTINGS = Settings()
