"""Personal FSRS parameters: whether a review log is enough to fit them, and how well a set of weights
predicts it (log loss and RMSE of the predicted recall against what happened).

Pure: the log comes in as ``(question id, rated_at, rating)`` rows; the fitting itself is fsrs's
optimizer (torch), behind the ``optimizer`` extra and reached only through :func:`fit_weights`.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from fsrs import Rating, State

from mockprep.core.scheduler import (
    SchedulerParams,
    memory_under,
    new_card,
    retrievability,
    review,
    states_before,
)

# fsrs's optimizer (6.x) learns from the reviews that came 24 hours or more after the one before, among
# each question's first OPTIMIZER_SEQ_LEN; with fewer than MIN_SCORED_REVIEWS of them (its mini-batch
# size) it returns its default parameters unchanged, fitting nothing. tests/test_optimize.py checks
# both figures against the installed optimizer.
MIN_SCORED_REVIEWS = 512
OPTIMIZER_SEQ_LEN = 64
# The optimizer's wall-clock time per review it reads (each question's first OPTIMIZER_SEQ_LEN), its five
# passes included: 4,436 reviews took 31 s (16 s of CPU) on two CPUs shared with other work.
SECONDS_PER_REVIEW = 0.007
# A fit is judged on reviews it never saw: the optimizer fits the earlier part of the log, and both the
# parameters in use and the fit predict the latest HELD_OUT of it (by time). The fit is adopted only when
# its log loss there is at least MIN_GAIN lower (relative): a fit that merely matches the parameters in
# use (0.462959 -> 0.462912 on the reviews it was fitted to, found by an exploratory tester) is noise.
# On a simulated person who forgets faster than the defaults assume, a real fit gained 1.5% there.
HELD_OUT = 0.2
MIN_GAIN = 0.005
Log = Sequence[tuple[int, datetime, int]]  # (question id, rated_at UTC, rating), oldest first per question
# A question's scheduling log as replays read it: (question id, added at, [(rated at, rating, parameters)]).
CardLog = tuple[int, datetime, Sequence[tuple[datetime, int, SchedulerParams | None]]]


class OptimizerMissing(Exception):
    """The ``optimizer`` extra is not installed."""


class NothingFitted(Exception):
    """The optimizer returned its default parameters unchanged: no fit happened."""


@dataclass(frozen=True)
class Fit:
    """How well a set of weights predicts a log."""

    log_loss: float
    rmse: float
    scored: int  # the reviews predicted (24 hours or more after the previous one)


def _by_question(log: Log) -> dict[int, list[tuple[datetime, int]]]:
    found: dict[int, list[tuple[datetime, int]]] = defaultdict(list)
    for qid, rated_at, rating in log:
        found[qid].append((rated_at, rating))
    return found


def held_out_start(log: Log) -> datetime:
    """When the reviews that judge a fit begin: the latest :data:`HELD_OUT` of the log by time."""
    times = sorted(rated_at for _qid, rated_at, _rating in log)
    return times[min(len(times) - 1, int(len(times) * (1 - HELD_OUT)))]


def training_part(log: Log) -> list[tuple[int, datetime, int]]:
    """The reviews the optimizer fits to: those before :func:`held_out_start`."""
    start = held_out_start(log)
    return [row for row in log if row[1] < start]


def judge(weights: Sequence[float], log: Log) -> Fit:
    """How well ``weights`` predict the held-out reviews (each question replayed from its start)."""
    return evaluate(weights, log, since=held_out_start(log))


def checked_figures(before: float, after: float) -> str:
    """The log loss a fit is judged by, as what it is: of the parameters in use and of a fit of the earlier
    part of the log, on its latest part (a fit made again on the whole log is never scored there: it has
    seen those reviews)."""
    return (
        f"checked on a fit of the earlier {1 - HELD_OUT:.0%}: log loss {before:.4f} -> {after:.4f}"
        f" on the latest {HELD_OUT:.0%}"
    )


def worth_adopting(before: Fit, after: Fit) -> bool:
    """Whether the fit (``after``) predicts the held-out reviews at least :data:`MIN_GAIN` better than
    the parameters in use (``before``)."""
    if not (before.scored and after.scored and math.isfinite(before.log_loss + after.log_loss)):
        return False
    return after.log_loss <= before.log_loss * (1 - MIN_GAIN)


def evaluate(weights: Sequence[float], log: Log, since: datetime | None = None) -> Fit:
    """Replay each question's log with ``weights``; at each review 24 hours or more after the previous one
    (and rated at ``since`` or later, when given), compare the predicted recall with whether it was
    recalled (any rating but again). Each question's reviews are taken in time order, as the optimizer
    takes them (a merged or imported older review may come later in the log)."""
    params = SchedulerParams.of(weights, 0.9)
    scheduler = params.scheduler()
    total, squared, scored = 0.0, 0.0, 0
    for qid, reviews in _by_question(log).items():
        reviews.sort(key=lambda review: review[0])  # (stable: equal times keep the log's order)
        card = new_card(qid, reviews[0][0])
        for rated_at, rating in reviews:
            later = card.last_review is not None and rated_at - card.last_review >= timedelta(days=1)
            if later and (since is None or rated_at >= since):
                p = min(max(scheduler.get_card_retrievability(card, rated_at), 1e-6), 1 - 1e-6)
                y = 1.0 if rating > 1 else 0.0
                total -= y * math.log(p) + (1 - y) * math.log(1 - p)
                squared += (y - p) ** 2
                scored += 1
            card = review(scheduler, card, Rating(rating), rated_at)
    if scored == 0:
        return Fit(math.nan, math.nan, 0)
    return Fit(total / scored, math.sqrt(squared / scored), scored)


def fittable_reviews(log: Log) -> int:
    """The reviews fsrs's optimizer learns from, counted as it counts them: in each question's first
    :data:`OPTIMIZER_SEQ_LEN` reviews by time, those 24 hours or more after the one before (its
    ``timedelta.days > 0``: not the next calendar day)."""
    count = 0
    for reviews in _by_question(log).values():
        times = sorted(rated_at for rated_at, _rating in reviews)[:OPTIMIZER_SEQ_LEN]
        count += sum(1 for before, at in zip(times, times[1:], strict=False) if (at - before).days > 0)
    return count


def fit_seconds(log: Log) -> float:
    """About how long fitting ``log`` takes (the optimizer reads each question's first reviews only)."""
    counts: dict[int, int] = defaultdict(int)
    for qid, _rated_at, _rating in log:
        counts[qid] += 1
    return SECONDS_PER_REVIEW * sum(min(n, OPTIMIZER_SEQ_LEN) for n in counts.values())


def same_log(weights: Sequence[float], fitted: Fit, reviews: int, log: Log) -> bool:
    """Whether a kept fit (``weights``, judged ``fitted`` on a log of ``reviews`` reviews) was made on
    this same log: as long, and judged as it was then (:func:`judge`). A review added or taken back
    changes the length; one rated otherwise moves a held-out prediction or its start. (Only the scored
    figures are compared: the count they are over follows from the same log.)"""
    judged = judge(weights, log)
    return len(log) == reviews and (judged.log_loss, judged.rmse) == (fitted.log_loss, fitted.rmse)


def not_enough(log: Log) -> str | None:
    """Why the log cannot be fitted yet (None: it can): the optimizer needs enough in the part it fits."""
    counted = fittable_reviews(training_part(log)) if log else 0
    if counted >= MIN_SCORED_REVIEWS:
        return None
    return (
        f"not enough reviews yet: the optimizer learns from reviews that came 24 hours or more after the "
        f"one before (a review the next day at an earlier hour does not count; in each question's first "
        f"{OPTIMIZER_SEQ_LEN}), among the earlier "
        f"{1 - HELD_OUT:.0%} of your log (the latest {HELD_OUT:.0%} checks the fit); you have {counted}, "
        f"it needs {MIN_SCORED_REVIEWS}, so {MIN_SCORED_REVIEWS - counted} more; keep practising"
    )


def fit_weights(log: Log, progress: bool = False) -> list[float]:
    """FSRS weights fitted to the log by fsrs's optimizer (OptimizerMissing without the extra);
    ``progress`` lets it draw its own bar of the passes on stderr (tqdm)."""
    from fsrs import ReviewLog
    from fsrs.optimizer import Optimizer  # a stub that raises ImportError without torch, pandas, tqdm
    from fsrs.scheduler import DEFAULT_PARAMETERS

    logs = [ReviewLog(qid, Rating(rating), rated_at, None) for qid, rated_at, rating in log]
    try:
        optimizer = Optimizer(logs)
    except ImportError:
        raise OptimizerMissing(
            "fitting needs the optimizer extra: pip install 'mockprep[optimizer]' (torch, about 200 MB)"
        ) from None
    weights = [float(w) for w in optimizer.compute_optimal_parameters(verbose=progress)]
    if weights == [float(w) for w in DEFAULT_PARAMETERS]:
        raise NothingFitted(
            "the optimizer returned its default parameters unchanged: nothing was fitted"
            f" ({fittable_reviews(log)} reviews it learns from; it needs {MIN_SCORED_REVIEWS})"
        )
    return weights


@dataclass(frozen=True)
class Preview:
    """What adopting a set of weights would do, told before asking: each figure in use -> fitted."""

    questions: int  # the questions given (answered at least once; `optimize` leaves suspended ones out)
    recall: tuple[float, float]  # mean predicted recall now (memory recomputed under each set)
    good_days: tuple[float, float]  # median days until due after a "good" now, over review cards
    due_week: int  # questions due within 7 days: the same either way (adopting keeps due dates)


def preview(
    logs: Sequence[CardLog], in_use: SchedulerParams, fitted: Sequence[float], now: datetime
) -> Preview:
    """Each question's memory replayed under the weights in use and under ``fitted`` (the settings'
    retention and steps of ``in_use`` for the next interval), as adopting would recompute it."""
    other = in_use.with_weights(tuple(float(w) for w in fitted))
    recall: list[list[float]] = [[], []]
    good: list[list[float]] = [[], []]
    due_week = 0
    for qid, created, log in logs:
        kept, _ = states_before(qid, created, log, in_use.weights)  # (its due date, which adopting keeps)
        cards = kept, memory_under(qid, created, log, other.weights)  # (the memory alone: one pass)
        for i, (params, card) in enumerate(zip((in_use, other), cards, strict=True)):
            recall[i].append(retrievability(params, card, now))
            if card.state == State.Review:  # a "good" now gives an interval from its stability
                good[i].append((review(params.scheduler(), card, Rating.Good, now).due - now).total_seconds())
        due_week += kept.due <= now + timedelta(days=7)

    def mean(values: list[float]) -> float:
        return sum(values) / len(values) if values else math.nan

    def median_days(values: list[float]) -> float:
        return sorted(values)[len(values) // 2] / 86400 if values else math.nan

    return Preview(
        len(logs),
        (mean(recall[0]), mean(recall[1])),
        (median_days(good[0]), median_days(good[1])),
        due_week,
    )
