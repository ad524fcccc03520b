"""`mockprep optimize`: fit FSRS's parameters to your own review log, and undo that."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from mockprep.cli.app import UserError, app
from mockprep.cli.context import open_store, plain, utc_now


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

    Shows how well FSRS's default parameters and the fitted ones predict your recall (log loss and
    RMSE, lower is better) and asks before using the fitted ones; `--undo` goes back. Each review
    records the parameters it was scheduled with, so undo, replay and export stay exact.
    """
    from mockprep.core import optimizing

    now = utc_now()
    store = open_store(sync=False)
    try:
        if undo:
            undone = store.scheduling.undo_fit(now)
            if undone is None:
                raise UserError("no fitted parameters are in use; nothing to undo")
            typer.echo(
                f"Stopped using the parameters fitted on {undone.fitted_at.astimezone():%Y-%m-%d %H:%M}."
            )
            return
        log = store.scheduling.fit_log()
        why = optimizing.not_enough(log)
        if why is not None:
            raise UserError(why, exit_code=1)
        current = store.scheduling.weights()
        typer.echo(
            f"Fitting to {len(log)} reviews ({optimizing.fittable_reviews(log)} of them came a day or more"
            " after the one before: the ones the optimizer learns from)..."
        )
        try:
            weights = optimizing.fit_weights(log)
        except (optimizing.OptimizerMissing, optimizing.NothingFitted) as exc:
            raise UserError(str(exc), exit_code=1) from None
        before, after = optimizing.evaluate(current, log), optimizing.evaluate(weights, log)
        typer.echo(
            plain(
                f"On {before.scored} reviews: log loss {before.log_loss:.4f} -> {after.log_loss:.4f}, "
                f"RMSE {before.rmse:.4f} -> {after.rmse:.4f} (lower is better)."
            )
        )
        better = after.log_loss < before.log_loss
        if not better:
            typer.echo("The fitted parameters predict your reviews no better; keeping the current ones.")
        adopt = better and (yes or (sys.stdin.isatty() and typer.confirm("Use them from now on?")))
        store.scheduling.record_fit(
            weights,
            before.scored,
            (before.log_loss, before.rmse),
            (after.log_loss, after.rmse),
            now,
            adopt,
        )
    finally:
        store.close()
    if adopt:
        typer.echo("Using your own parameters from now on (mockprep optimize --undo goes back).")
    elif better:
        typer.echo("Not used (run again with --yes to use them).")
