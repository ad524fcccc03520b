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


def test_with_no_terminal_and_no_yes_the_fit_is_still_made_again(cli, home: Path, fitted) -> None:
    """Since 91870b2 a fit that passes is fitted again to the whole log with no terminal too, so that the
    fit kept is the one `optimize --yes` uses and `config list` describes."""
    cli("bank", "list")
    log = _store_log(home)
    fitted.whole = len(log)
    shown = _flat(cli("optimize").stdout)
    assert fitted == [len(optimizing.training_part(log)), len(log)]
    assert "Not used" in shown and "--yes" in shown
    with Store.open(home) as store:
        (kept,) = store.scheduling.fits()
        assert tuple(kept.weights) == TRUE_WEIGHTS and not kept.in_use
        assert store.scheduling.weights() == FSRS6_WEIGHTS


def test_ctrl_c_while_fitting_again_keeps_the_checked_fit_and_the_next_run_fits_it_again(
    cli, home: Path, fitted
) -> None:
    """Found by an independent review: after a Ctrl-C while the checked fit was fitted again to the whole
    log, `optimize --yes` used the kept fit as it was (the earlier 80%'s weights), while `config list` said
    'fitted ... to a log of 2901 reviews'. The kept fit is compared again, not made again, and fitted
    again to the whole log before it is used."""
    cli("bank", "list")
    log = _store_log(home)
    train = len(optimizing.training_part(log))
    fitted.whole, fitted.interrupt = len(log), True
    stopped = cli("optimize", "--yes")
    assert stopped.exit_code != 0 and "Traceback" not in stopped.stderr
    checked = optimizing.judge(HALFWAY, log)
    with Store.open(home) as store:
        (kept,) = store.scheduling.fits()
        assert tuple(kept.weights) == HALFWAY and not kept.in_use
        assert (kept.log_loss_after, kept.rmse_after) == (checked.log_loss, checked.rmse)
    fitted.interrupt = False
    again = _flat(cli("optimize", "--yes").stdout)
    assert "not made again (it was not fitted again to all of them yet" in again
    assert f"fitting again to all {len(log)} of your reviews" in again
    assert fitted == [train, len(log), len(log)]  # the earlier part is not fitted again
    assert f"fitted to all {len(log)} of your reviews" in again
    with Store.open(home) as store:
        assert store.scheduling.weights() == TRUE_WEIGHTS
        (used,) = store.scheduling.fits()
        assert used.in_use and (used.log_loss_after, used.rmse_after) == (checked.log_loss, checked.rmse)
    assert f"to a log of {len(log)} reviews" in _flat(_parameters_line(cli))
    assert "nothing new to fit" in cli("optimize", "--yes").stdout and len(fitted) == 3


def _keep_checked_fit(home: Path, log) -> int:
    """Keep the earlier part's fit (HALFWAY) with the check's figures, as an older mockprep kept it without
    fitting it again to the whole log: its id."""
    before, checked = optimizing.judge(FSRS6_WEIGHTS, log), optimizing.judge(HALFWAY, log)
    with Store.open(home) as store:
        figures = (before.log_loss, before.rmse), (checked.log_loss, checked.rmse)
        now = store.scheduling.fit_log()[-1][1]
        return store.scheduling.record_fit(
            list(HALFWAY), len(log), *figures, now, False, store.scheduling.latest_uid()
        )


def test_a_fit_an_older_mockprep_kept_unfitted_again_is_fitted_again_before_it_is_used(
    cli, home: Path, fitted
) -> None:
    """Before 91870b2, `optimize` with no terminal kept the checked fit as it was; `--yes` now fits it again
    to the whole log rather than use the earlier part's weights under the whole log's description."""
    cli("bank", "list")
    log = _store_log(home)
    fitted.whole = len(log)
    _keep_checked_fit(home, log)
    shown = _flat(cli("optimize", "--yes").stdout)
    assert "not made again" in shown and fitted == [len(log)]
    with Store.open(home) as store:
        assert store.scheduling.weights() == TRUE_WEIGHTS
    assert f"to a log of {len(log)} reviews" in _flat(_parameters_line(cli))


def test_an_earlier_parts_fit_already_in_use_is_said_and_the_way_to_the_whole_logs_fit_given(
    cli, home: Path, fitted
) -> None:
    """Found by an independent review of 244ec8e: a home where an older mockprep had put the checked fit of
    the earlier 80% in use was told 'nothing new to fit' while config list said the weights were fitted
    to the whole log. It is now told what the weights are and how to get the whole log's; --undo, then
    --yes, fits the whole log and uses it."""
    cli("bank", "list")
    log = _store_log(home)
    fitted.whole = len(log)
    fit_id = _keep_checked_fit(home, log)
    with Store.open(home) as store:
        store.scheduling.adopt_fit(fit_id, store.scheduling.fit_log()[-1][1])
        assert store.scheduling.weights() == HALFWAY
    said = _flat(cli("optimize", "--yes").stdout)
    assert "never fitted again to all of them" in said and "nothing new to fit" not in said
    assert "mockprep optimize --undo, then mockprep optimize --yes" in said and fitted == []
    assert cli("optimize", "--undo").exit_code == 0
    assert cli("optimize", "--yes").exit_code == 0 and fitted == [len(log)]
    with Store.open(home) as store:  # (the fit once used stays as it was, the record of what was used)
        assert store.scheduling.weights() == TRUE_WEIGHTS
        assert [f.weights for f in store.scheduling.fits()] == [HALFWAY, TRUE_WEIGHTS]
    assert f"to a log of {len(log)} reviews" in _flat(_parameters_line(cli))


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
