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
            _say(
                f"The parameters in use were fitted on {_when(kept)} to these same reviews: nothing new"
                " to fit (mockprep optimize --undo goes back)."
            )
            return
        learnt = optimizing.fittable_reviews(log)
        if kept is not None:
            _say(
                f"Your reviews are unchanged since the fit of {_when(kept)}: that fit is compared again,"
                " not made again."
            )
            weights, after = list(kept.weights), _figures(kept)
        else:
            weights = _fit(log, learnt)
            after = optimizing.evaluate(weights, log)
        before = optimizing.evaluate(current, log)
        _say(_comparison(before, after, learnt))
        better = after.log_loss < before.log_loss
        if not better:
            _say("The fitted parameters predict your reviews no better; keeping the current ones.")
        adopt = better and (yes or (sys.stdin.isatty() and typer.confirm("Use them from now on?")))
        if kept is not None:
            if adopt:
                store.scheduling.adopt_fit(kept.id, now)
        else:
            figures = (before.log_loss, before.rmse), (after.log_loss, after.rmse)
            store.scheduling.record_fit(weights, before.scored, *figures, now, adopt)
    finally:
        store.close()
    if adopt:
        _say("Using your own parameters from now on (mockprep optimize --undo goes back).")
    elif better:
        _say(
            "Not used. They are kept: mockprep optimize --yes uses them without fitting again while your"
            " reviews are unchanged."
        )


def _undo(store: Store, now: datetime) -> None:
    undone = store.scheduling.undo_fit(now)
    if undone is None:
        _say("Nothing to undo: FSRS's default parameters are in use.")
        return
    back = store.scheduling.in_use()
    to = "FSRS's default parameters" if back is None else f"the ones fitted on {_when(back)}"
    _say(f"Stopped using the parameters fitted on {_when(undone)}; back to {to}.")


def _kept_fit(store: Store, log: Log) -> FittedParameters | None:
    """The newest fit when it was made on these same reviews (then fitting again would learn nothing)."""
    from mockprep.core.optimizing import same_log

    fits = store.scheduling.fits()
    return fits[-1] if fits and same_log(fits[-1].weights, _figures(fits[-1]), log) else None


def _figures(fit: FittedParameters) -> Fit:
    """How well a kept fit's weights predicted the log it was made on."""
    from mockprep.core.optimizing import Fit

    return Fit(fit.log_loss_after, fit.rmse_after, fit.reviews)


def _fit(log: Log, learnt: int) -> list[float]:
    from mockprep.core import optimizing
    from mockprep.core.durations import format_duration

    seconds = optimizing.fit_seconds(log)  # (said to the nearest 10 s, or minute past 10 minutes)
    about = format_duration(max(10, round(seconds, -1)) if seconds < 600 else round(seconds / 60) * 60)
    _say(
        f"Fitting to {len(log)} reviews: the optimizer learns from the {learnt} that came a day or more"
        f" after the one before, among each question's first {optimizing.OPTIMIZER_SEQ_LEN}"
        f" (about {about})..."
    )
    try:  # on a terminal, fsrs's optimizer draws its own bar of its passes (tqdm, on stderr)
        return optimizing.fit_weights(log, progress=sys.stderr.isatty())
    except (optimizing.OptimizerMissing, optimizing.NothingFitted) as exc:
        raise UserError(str(exc), exit_code=1) from None


def _comparison(before: Fit, after: Fit, learnt: int) -> str:
    """How well the parameters in use and the fitted ones predict the log, saying which reviews: all
    that came a day or more after the one before, those past a question's first 64 too."""
    from mockprep.core.optimizing import OPTIMIZER_SEQ_LEN

    which = f"the {before.scored} reviews that came a day or more after the one before"
    if before.scored != learnt:
        which += (
            f" (the optimizer learns from {learnt}: those among each question's first {OPTIMIZER_SEQ_LEN})"
        )
    return (
        f"In use -> fitted, predicting {which}: log loss {before.log_loss:.4f} -> {after.log_loss:.4f},"
        f" RMSE {before.rmse:.4f} -> {after.rmse:.4f} (lower is better)."
    )


def _when(fit: FittedParameters) -> str:
    return f"{fit.fitted_at.astimezone():%Y-%m-%d %H:%M}"


def _say(text: str) -> None:
    """A line of output, wrapped at spaces on a terminal (its lines are long)."""
    from mockprep.terminal.console import make_console, print_text

    print_text(make_console(), text)
