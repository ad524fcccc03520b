"""Time limits, countdowns and session planning. Pure: every function takes the time it needs.

A question's limit is its own ``time_limit``, else its round's default. A countdown starts when the
question is shown; running past the limit is *overtime*: the answer is kept and the overtime recorded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from mockprep.core.settings import Settings

MAX_MINUTES = 600


def time_limit(
    settings: Settings, round: str, own_limit: float | None, override: float | None = None
) -> float:
    """Seconds allowed for a question: ``override`` (``--time-limit``), else its own, else the round's."""
    if override is not None:
        return override
    if own_limit is not None:
        return own_limit
    return settings.time_limit(round)


@dataclass(frozen=True)
class AnswerTiming:
    """How long an answer took against its limit (None: untimed)."""

    seconds: float
    limit: float | None

    @property
    def overtime(self) -> float:
        return 0.0 if self.limit is None else max(0.0, self.seconds - self.limit)

    def over_text(self) -> str:
        """``⏱ 3m25s — 55s over the 2m30s limit`` (what the reveal, and a mock as the answer is given,
        say of an answer past its limit)."""
        from mockprep.core.durations import format_duration

        used, limit = format_duration(self.seconds), format_duration(self.limit or 0)
        return f"⏱ {used} — {format_duration(self.overtime)} over the {limit} limit"

    @property
    def duration_ms(self) -> int:
        """The stored duration: whole milliseconds, never negative (a clock set back reads as 0)."""
        return max(0, round(self.seconds * 1000))

    @property
    def limit_ms(self) -> int | None:
        return None if self.limit is None else round(self.limit * 1000)


@dataclass(frozen=True)
class Countdown:
    """A running time limit for one answer."""

    limit: float  # seconds
    started: datetime
    warning: float = 30.0  # seconds before the limit when the clock turns yellow

    def elapsed(self, now: datetime) -> float:
        return (now - self.started).total_seconds()

    def remaining(self, now: datetime) -> float:
        """Seconds left; negative once in overtime."""
        return self.limit - self.elapsed(now)

    def phase(self, now: datetime) -> str:
        """``"ok"``, ``"warning"`` (the last 30 seconds) or ``"overtime"``."""
        left = self.remaining(now)
        if left < 0:
            return "overtime"
        return "warning" if left <= self.warning else "ok"

    def label(self, now: datetime) -> str:
        """What the clock shows: ``2:31 left`` or ``+0:12 over``."""
        left = self.remaining(now)
        if left >= 0:
            return f"{_clock(left)} left of {_clock(self.limit)}"
        return f"+{_clock(-left)} over {_clock(self.limit)}"


def _clock(seconds: float) -> str:
    whole = int(seconds + 0.999) if seconds > 0 else 0  # count down like a kitchen timer
    return f"{whole // 60}:{whole % 60:02d}"


@dataclass(frozen=True)
class TimedAnswer:
    """An answer's seconds, and its question's own limit (None: its round's)."""

    seconds: float
    limit: float | None


def median_shares(
    answers: Mapping[str, Iterable[TimedAnswer]], settings: Settings, min_history: int
) -> dict[str, float]:
    """Per round with at least ``min_history`` answers, the median share of its question's limit (its
    own, else its round's) an answer took. A question is then expected to take that share of its own
    limit: a 15-minute design question is not planned at the seconds of quick numeric answers in the
    same round. A session's ``--time-limit`` counts in neither: a 5 s speed drill answered in a minute
    is no twelve times slower answer of a 3-minute question."""
    import statistics  # ~8 ms (fractions, decimal): only a timed session needs it

    shares = {}
    for round, timed in answers.items():
        limits = [(a.seconds, time_limit(settings, round, a.limit)) for a in timed]
        values = [seconds / limit for seconds, limit in limits if limit > 0]
        if len(values) >= min_history:
            shares[round] = statistics.median(values)
    return shares


# A question whose expected time overshoots what is left by less than this still fits: the moments a
# run spends between questions (reading the database, drawing the screen) are not the person's time, and
# without it a question exactly as long as the budget was planned but then never asked.
FIT_SLACK_SECONDS = 1.0


def first_fitting(costs: Iterable[float], left: float) -> int | None:
    """The position of the first cost that fits in ``left`` seconds, or None when none does."""
    for index, cost in enumerate(costs):
        if cost <= left + FIT_SLACK_SECONDS:
            return index
    return None


def fitting(costs: Sequence[float], budget: float) -> list[int]:
    """Positions of the questions a time-boxed run asks when each takes exactly its cost.

    The rule planned sessions and mock rounds both run by: in order, ask the first question that fits
    in what is left, so a long one is passed over for a shorter one after it; stop when none fits.
    The estimate shown before a run and the run itself use this one rule on the same costs.
    """
    chosen: list[int] = []
    left = budget
    for index, cost in enumerate(costs):
        if cost <= left + FIT_SLACK_SECONDS:
            chosen.append(index)
            left -= cost
    return chosen


# The least an answer is expected to take: answers piped in or skipped in a second or two would make
# hundreds of questions "fit" in a minute.
MIN_EXPECTED_SECONDS = 10.0


def expected_seconds(
    shares: Mapping[str, float], round: str, limit: float, override: float | None = None
) -> float:
    """Seconds a question of ``round`` is expected to take: the person's median share of its ``limit``
    (its own, else its round's), never under MIN_EXPECTED_SECONDS (or the limit); without a share, the
    limit it is asked under (``override``, a session's --time-limit, else ``limit``)."""
    if round not in shares:
        return limit if override is None else override
    return max(shares[round] * limit, min(limit, MIN_EXPECTED_SECONDS))


@dataclass(frozen=True)
class SessionPlan:
    """A time budget for a session, and how long each kind of question is expected to take."""

    budget: float  # seconds
    shares: Mapping[str, float]  # round -> share of a question's limit an answer takes (the median)

    def expected_for(self, round: str, limit: float, override: float | None = None) -> float:
        return expected_seconds(self.shares, round, limit, override)

    def basis(self, round: str, limit: float) -> str:
        """Where :meth:`expected_for` takes its figure from, for a message."""
        if round not in self.shares:
            return "its time limit"
        if self.shares[round] * limit < min(limit, MIN_EXPECTED_SECONDS):
            return f"the least a question is expected to take (your median {round} answer is shorter)"
        return f"{self.shares[round]:.0%} of its time limit, your median {round} answer"

    def left(self, elapsed: float) -> float:
        return self.budget - elapsed


@dataclass(frozen=True)
class TimeStop:
    """Why a time-boxed run stopped while questions were still waiting."""

    left: float  # seconds of the budget left (0 or less: used up)
    key: str  # the next question in order
    needs: float  # seconds that question is expected to take
    basis: str  # where that figure comes from ("its time limit", "your median technical answer"...)
    waiting: int  # questions still waiting


def parse_minutes(value: float) -> float:
    """Validate a ``--minutes`` value; return seconds. Raise ValueError with the reason."""
    if value != value or value <= 0:
        raise ValueError("must be more than 0")
    if value > MAX_MINUTES:
        raise ValueError(f"must be at most {MAX_MINUTES} (10 hours)")
    return value * 60.0
