"""Every tunable of mockprep as one frozen value, built once and passed down.

Nothing deep in the code reads a module constant for a knob a person might want to change: the
command layer builds a :class:`Settings` (today from the defaults; later also from a file, the
environment and options) and hands it to the scheduler, the practice pipeline, stats and backups.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType


class Strictness(StrEnum):
    """How hard a language model grades: what it takes for a key point to count as covered."""

    LENIENT = "lenient"  # the idea is there, however loosely put
    NORMAL = "normal"  # stated correctly, if not in full
    STRICT = "strict"  # stated precisely and completely, as an interviewer at a top lab would want


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
    # a language model (optional extra mockprep[llm], or any OpenAI-compatible server): nothing is sent
    # to one unless it is enabled here or with --llm, and the person has agreed once to that model
    llm_enabled: bool = False  # grade answers with a model too, and let it write mock follow-ups
    llm_model: str | None = None  # a model id or alias known to `llm` (None: llm's default model)
    llm_base_url: str | None = None  # an OpenAI-compatible server (http://localhost:11434/v1), no `llm`
    # the key for llm_base_url (models reached through `llm` use its keys: `llm keys set openai`);
    # never printed, stored in the database or exported
    llm_api_key: str | None = field(default=None, repr=False, metadata={"secret": True})
    llm_strictness: Strictness = Strictness.NORMAL  # lenient | normal | strict
    llm_timeout_seconds: float = 30.0  # the longest a session waits for the model's reply
    llm_consent: bool = False  # True: send without the first-use question (for scripts)
    llm_interviewer: bool = True  # with a model on, mock follow-ups are written from your answer

    def time_limit(self, round: str) -> float:
        """The default limit, in seconds, of a question of ``round``."""
        return self.time_limits.get(round, self.time_limits["technical"])


DEFAULT_SETTINGS = Settings()
