"""`mockprep optimize`: fit FSRS's parameters to your own review log, and undo that."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from mockprep.cli.app import UserError, app
from mockprep.cli.context import open_store, utc_now

if TYPE_CHECKING:
    from datetime import datetime

    from mockprep.core.optimizing import Fit, Log
    from mockprep.db.scheduling import FittedParameters
    from mockprep.db.store import Store


@app.command()
def optimize(
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Use the fitted parameters without asking.")
    ] = False,
    undo: Annotated[
        bool, typer.Option("--undo", help="Stop using your fitted parameters: back to the ones before.")
    ] = False,
) -> None:
    """Fit the scheduler's parameters to your own review log (needs the optimizer extra).

    Shows how well the parameters in use (FSRS's defaults, or your fit adopted earlier) and the newly
    fitted ones predict your recall (log loss and RMSE, lower is better) and asks before using the
    fitted ones; `--undo` goes back. A fit is kept: run again while your reviews are unchanged, it is
    compared and offered again without fitting again (--yes adopts it). Each
    review records the parameters it was scheduled with, so undo, replay and export stay exact.
    """
    from mockprep.core import optimizing

    now = utc_now()
    store = open_store(sync=False)
    try:
        if undo:
            _undo(store, now)
            return
        log = store.scheduling.fit_log()
        why = optimizing.not_enough(log)
        if why is not None:
            raise UserError(why, exit_code=1)
        current = store.scheduling.weights()
        kept = _kept_fit(store, log)
        if kept is not None and kept.in_use:
            _say(_in_use(kept, log))
            return
        train = optimizing.training_part(log)
        learnt = optimizing.fittable_reviews(train)
        before = optimizing.judge(current, log)
        checked_only = False  # a kept fit whose weights are still the checked fit's (see _checked_only)
        if kept is not None:
            checked_only = _checked_only(kept, log)
            _say(
                f"Your reviews are unchanged since the fit of {_when(kept)}: that fit is compared again,"
                " not made again"
                + (
                    " (it was not fitted again to all of them yet: done if it passes)."
                    if checked_only
                    else "."
                )
            )  # (its figures are the checked fit's, not those of its weights if fitted again to all)
            weights, after = (
                list(kept.weights),
                optimizing.Fit(kept.log_loss_after, kept.rmse_after, before.scored),
            )
        else:
            weights = _fit(log, train, learnt)
            after = optimizing.judge(weights, log)
        _say(_comparison(before, after, optimizing.held_out_start(log)))
        better = optimizing.worth_adopting(before, after)
        # Kept before it is made again on the whole log, so a Ctrl-C meanwhile leaves the checked fit.
        fit_id = kept.id if kept is not None else _keep(store, weights, len(log), before, after, now)
        can_adopt = yes or sys.stdin.isatty()
        refitted = False
        if not better:
            _say(_no_gain(before, after))
        else:
            # Made again on the whole log even with no terminal to ask on: the fit kept is then the one
            # `optimize --yes` uses and `config list` describes ("fitted ... to a log of N reviews");
            # so is a kept fit that never was (a Ctrl-C while it was, or kept by an older mockprep).
            if kept is None or checked_only:
                weights, refitted = _refit(log, weights)
                if refitted and kept is not None and kept.adopted_at is not None:
                    # a fit once in use stays the record of what was used: the whole log's is a new one
                    fit_id = _keep(store, weights, len(log), before, after, now)
                elif refitted:
                    store.scheduling.refitted(fit_id, weights)
            _say(_preview(store, weights, now))
        adopt = better and (yes or (sys.stdin.isatty() and typer.confirm("Use them from now on?")))
        if adopt:
            _long_recompute(len(log))
            store.scheduling.adopt_fit(fit_id, now)
    finally:
        store.close()
    if adopt:
        which = _which(refitted, kept, len(log))
        _say(
            f"Using your own parameters from now on ({which}; {_checked(before, after)}):"
            " every question's memory state is recomputed from its reviews under them, its due date kept"
            " (mockprep optimize --undo goes back)."
        )
    elif better and not can_adopt:
        _say(
            "Not used: no terminal to ask on. They are kept: mockprep optimize --yes uses them without"
            " fitting again while your reviews are unchanged."
        )
    elif better:
        _say(
            "Not used. They are kept: mockprep optimize --yes uses them without fitting again while your"
            " reviews are unchanged."
        )


def _keep(store: Store, weights: list[float], reviews: int, before: Fit, after: Fit, now: datetime) -> int:
    """Keep a new fit, not in use, with the check's figures; its id."""
    figures = (before.log_loss, before.rmse), (after.log_loss, after.rmse)
    return store.scheduling.record_fit(weights, reviews, *figures, now, False, store.scheduling.latest_uid())


def _which(refitted: bool, kept: FittedParameters | None, reviews: int) -> str:
    """Which log the adopted weights were fitted to."""
    from mockprep.core.optimizing import HELD_OUT

    if refitted:
        return f"fitted to all {reviews} of your reviews"
    if kept is not None:
        return f"the fit of {_when(kept)}"
    return f"fitted to the earlier {1 - HELD_OUT:.0%} of your reviews"


def _checked(before: Fit, after: Fit) -> str:
    """What the figures shown and kept measure: the earlier part's fit on the latest reviews."""
    from mockprep.core.optimizing import checked_figures

    return checked_figures(before.log_loss, after.log_loss)


# From how many reviews the recompute that adopting or undoing weights does is told before it starts
# (about 20 us a review on a busy 2-CPU machine: 2 s for 100,000; other writers wait for it).
LONG_RECOMPUTE = 100_000


def _long_recompute(reviews: int) -> None:
    if reviews >= LONG_RECOMPUTE:
        _say(
            f"Recomputing every question's memory state from your {reviews:,} reviews (about 20 s a"
            " million; other mockprep commands wait meanwhile)..."
        )


def _undo(store: Store, now: datetime) -> None:
    if store.scheduling.in_use() is not None:
        _long_recompute(store.scheduling.replayed_reviews())
    undone = store.scheduling.undo_fit(now)
    if undone is None:
        _say("Nothing to undo: FSRS's default parameters are in use.")
        return
    back = store.scheduling.in_use()
    to = "FSRS's default parameters" if back is None else f"the ones fitted on {_when(back)}"
    _say(
        f"Stopped using the parameters fitted on {_when(undone)}; back to {to}: every question's memory"
        " state is recomputed under them, its due date kept."
    )


def _preview(store: Store, weights: list[float], now: datetime) -> str:
    """What adopting the fit would do, in one line: recall now, the next interval, due dates kept."""
    from mockprep.cli.context import resolve_settings
    from mockprep.core.optimizing import preview
    from mockprep.practice.plans import scheduler_params

    logs, suspended = store.scheduling.logs(), store.scheduling.suspended()
    asked = [log for log in logs if log[0] not in suspended]  # (as plan: a suspended one is never asked)
    seen = preview(asked, scheduler_params(store, resolve_settings().settings), weights, now)
    (r0, r1), (g0, g1) = seen.recall, seen.good_days
    shown = ", ".join(f"{w:.3f}" for w in weights)
    left_out = len(logs) - len(asked)
    over = (
        f"; of the {len(asked)} you can be asked ({left_out} suspended left out, as in plan)"
        if left_out
        else ""
    )
    return (
        f"Using the fit would recompute the memory of your {len(logs)} answered questions{over}: predicted"
        f" recall now {r0:.0%} -> {r1:.0%}; a question rated good today would come back in a median"
        f" {g0:.1f} -> {g1:.1f} days. Due dates stay as they are ({seen.due_week} questions due within"
        f" 7 days either way): each changes when the question is next answered. The fitted weights: {shown}."
    )


def _kept_fit(store: Store, log: Log) -> FittedParameters | None:
    """The newest fit when it was made on these same reviews (then fitting again would learn nothing): as
    many, the latest the same one (a fit made before fits recorded it: judged as it was then)."""
    from mockprep.core.optimizing import same_log

    fits = store.scheduling.fits()
    if not fits:
        return None
    last = fits[-1]
    if last.log_uid is not None:
        return last if last.reviews == len(log) and last.log_uid == store.scheduling.latest_uid() else None
    return last if same_log(last.weights, _figures(last), last.reviews, log) else None


def _in_use(kept: FittedParameters, log: Log) -> str:
    """What optimize says when the kept fit of these reviews is in use: nothing new to fit, or, for the
    earlier part's fit an older mockprep put in use as it was, how to get the whole log's."""
    if _checked_only(kept, log):
        return (
            f"The parameters in use were fitted on {_when(kept)} to the earlier part of these reviews and"
            " never fitted again to all of them (an earlier mockprep used them so): mockprep optimize"
            " --undo, then mockprep optimize --yes, uses the fit of the whole log."
        )
    return (
        f"The parameters in use were fitted on {_when(kept)} to these same reviews: nothing new to fit"
        " (mockprep optimize --undo goes back)."
    )


def _checked_only(fit: FittedParameters, log: Log) -> bool:
    """Whether a kept fit of this same log still holds the weights of the checked fit of its earlier part,
    never fitted again to the whole log: they predict the latest reviews exactly as its figures, which
    are the checked fit's, say. (No column records it: the whole log's weights, fitted to those reviews
    too, predict them otherwise.)"""
    from mockprep.core.optimizing import judge

    judged = judge(fit.weights, log)
    return (judged.log_loss, judged.rmse) == (fit.log_loss_after, fit.rmse_after)


def _figures(fit: FittedParameters) -> Fit:
    """How well a kept fit's weights predicted the log it was made on."""
    from mockprep.core.optimizing import Fit

    return Fit(fit.log_loss_after, fit.rmse_after, 0)


def _fit(log: Log, train: Log, learnt: int) -> list[float]:
    from mockprep.core import optimizing

    # (a fit that passes the check is made again on the whole log: about 1.25 times as long again)
    about = _about(optimizing.fit_seconds(train))
    whole = _about(optimizing.fit_seconds(train) + optimizing.fit_seconds(log))
    _say(
        f"Fitting to the earlier {len(train)} of your {len(log)} reviews (the latest"
        f" {optimizing.HELD_OUT:.0%} are kept back to check the fit): the optimizer learns from the"
        f" {learnt} that came 24 hours or more after the one before, among each question's first"
        f" {optimizing.OPTIMIZER_SEQ_LEN} (about {about} on an idle machine; {whole} in all when it passes"
        " the check and is fitted again to all of them)..."
    )
    try:  # on a terminal, fsrs's optimizer draws its own bar of its passes (tqdm, on stderr)
        return optimizing.fit_weights(train, progress=sys.stderr.isatty())
    except (optimizing.OptimizerMissing, optimizing.NothingFitted) as exc:
        raise UserError(str(exc), exit_code=1) from None


def _refit(log: Log, checked: list[float]) -> tuple[list[float], bool]:
    """The weights to use once the fit of the earlier part passed the check on the latest: fitted again
    to the whole log, which the latest reviews inform most (and True); the checked fit's when nothing was
    fitted. They are not scored on the latest reviews: fitted to them, they would score well in-sample."""
    from mockprep.core import optimizing

    _say(
        f"The fit passes the check: fitting again to all {len(log)} of your reviews for the weights to use"
        f" (about {_about(optimizing.fit_seconds(log))})..."
    )
    try:
        return optimizing.fit_weights(log, progress=sys.stderr.isatty()), True
    except optimizing.NothingFitted:
        return checked, False


def _about(seconds: float) -> str:
    """A fit's estimated time, to the nearest 10 s (or minute past 10 minutes)."""
    from mockprep.core.durations import format_duration

    return format_duration(max(10, round(seconds, -1)) if seconds < 600 else round(seconds / 60) * 60)


def _comparison(before: Fit, after: Fit, since: datetime) -> str:
    """How well the parameters in use and the fit predict the reviews the fit never saw."""
    return (
        f"In use -> fitted, predicting the {before.scored} reviews since {since.astimezone():%Y-%m-%d}"
        " that came 24 hours or more after the one before (the fit never saw them): log loss"
        f" {before.log_loss:.4f} -> {after.log_loss:.4f}, RMSE {before.rmse:.4f} -> {after.rmse:.4f}"
        " (lower is better)."
    )


def _no_gain(before: Fit, after: Fit) -> str:
    """The one line that says a fit is not worth adopting, with its figures."""
    from mockprep.core.optimizing import MIN_GAIN

    if not (before.scored and after.scored):
        return (
            "Keeping the parameters in use: none of your latest reviews came 24 hours or more after the one"
            " before, to check the fit against."
        )
    change = (after.log_loss - before.log_loss) / before.log_loss if before.log_loss else float("nan")
    return (
        f"Keeping the parameters in use: the fit changes the log loss of reviews it never saw by"
        f" {change:+.2%} ({before.log_loss:.6f} -> {after.log_loss:.6f}); it must be at least"
        f" {MIN_GAIN:.1%} lower to be used."
    )


def _when(fit: FittedParameters) -> str:
    return f"{fit.fitted_at.astimezone():%Y-%m-%d %H:%M}"


def _say(text: str) -> None:
    """A line of output, wrapped at spaces on a terminal (its lines are long)."""
    from mockprep.terminal.console import make_console, print_text

    print_text(make_console(), text)
