"""`optimize` once the fit of the earlier part of the log passes the check: it is kept before being made
again on the whole log, made again only when it can be adopted, and the figures shown beside the weights
used say what they measure (found by an independent reviewer of 4c7375d)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mockprep.core import optimizing
from mockprep.core.scheduler import FSRS6_WEIGHTS
from mockprep.db.store import Store
from tests.test_optimize import HALFWAY, TRUE_WEIGHTS, _parameters_line, _store_log


class Fits(list):
    """The lengths of the logs the optimizer was given; ``whole``: the whole log's length, whose fit
    gives the true weights (or a Ctrl-C when ``interrupt``), any other part's HALFWAY."""

    whole: int | None = None
    interrupt = False


@pytest.fixture
def fitted(monkeypatch: pytest.MonkeyPatch) -> Fits:
    calls = Fits()

    def fit(part, progress=False):
        calls.append(len(part))
        if len(part) == calls.whole:
            if calls.interrupt:
                raise KeyboardInterrupt
            return list(TRUE_WEIGHTS)
        return list(HALFWAY)

    monkeypatch.setattr(optimizing, "fit_weights", fit)
    return calls


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_with_no_terminal_and_no_yes_the_fit_is_not_made_again(cli, home: Path, fitted) -> None:
    """Nothing could adopt the whole log's fit: fitting again would only cost time."""
    cli("bank", "list")
    log = _store_log(home)
    fitted.whole = len(log)
    shown = _flat(cli("optimize").stdout)
    assert fitted == [len(optimizing.training_part(log))]
    assert "Not used" in shown and "--yes" in shown
    with Store.open(home) as store:
        (kept,) = store.scheduling.fits()
        assert tuple(kept.weights) == HALFWAY and not kept.in_use
        assert store.scheduling.weights() == FSRS6_WEIGHTS


def test_ctrl_c_while_fitting_again_keeps_the_checked_fit(cli, home: Path, fitted) -> None:
    cli("bank", "list")
    log = _store_log(home)
    fitted.whole, fitted.interrupt = len(log), True
    stopped = cli("optimize", "--yes")
    assert stopped.exit_code != 0 and "Traceback" not in stopped.stderr
    checked = optimizing.judge(HALFWAY, log)
    with Store.open(home) as store:
        (kept,) = store.scheduling.fits()
        assert tuple(kept.weights) == HALFWAY and not kept.in_use
        assert (kept.log_loss_after, kept.rmse_after) == (checked.log_loss, checked.rmse)
    again = _flat(cli("optimize", "--yes").stdout)  # the kept fit: used without fitting again
    assert "not made again" in again and len(fitted) == 2
    with Store.open(home) as store:
        assert store.scheduling.weights() == HALFWAY


def test_the_figures_beside_the_weights_used_say_they_are_the_checked_fits(cli, home: Path, fitted) -> None:
    """The whole log's weights are used; the log loss shown with them (adopting, config list) is that of
    the fit of the earlier part on the latest reviews, and says so."""
    cli("bank", "list")
    log = _store_log(home)
    fitted.whole = len(log)
    adopted = _flat(cli("optimize", "--yes").stdout)
    before, checked = optimizing.judge(FSRS6_WEIGHTS, log), optimizing.judge(HALFWAY, log)
    said = optimizing.checked_figures(before.log_loss, checked.log_loss)
    assert f"fitted to all {len(log)} of your reviews; {said}" in adopted
    assert f"{checked.log_loss:.4f}" in said and f"{1 - optimizing.HELD_OUT:.0%}" in said
    with Store.open(home) as store:
        assert store.scheduling.weights() == TRUE_WEIGHTS
    assert said in _flat(_parameters_line(cli))
