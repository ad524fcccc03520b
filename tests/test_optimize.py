"""Personal FSRS parameters: judged on a synthetic log drawn from known parameters; optimize, adopt, undo."""

from __future__ import annotations

import contextlib
import io
import json
import random
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fsrs import Rating
from hypothesis import given, settings
from hypothesis import strategies as st

from mockprep.core import optimizing
from mockprep.core.optimizing import (
    MIN_SCORED_REVIEWS,
    evaluate,
    fittable_reviews,
    held_out_start,
    judge,
    not_enough,
    training_part,
)
from mockprep.core.records import ReviewRecord
from mockprep.core.scheduler import FSRS6_WEIGHTS, SchedulerParams, new_card, retrievability, review
from mockprep.db.store import Store
from tests.conftest import START

# A person who forgets much faster than FSRS's defaults assume: small initial stabilities.
TRUE_WEIGHTS = (0.05, 0.1, 0.3, 1.0, *FSRS6_WEIGHTS[4:])


def synthetic_log(
    cards: int, reviews: int, seed: int = 7, stagger: timedelta = timedelta(hours=1)
) -> list[tuple[int, int, object, int]]:
    """``(question id, state before, card after, rating)`` of reviews drawn from TRUE_WEIGHTS: each review
    comes when that scheduler says, and is recalled with the recall it predicts; each question is first
    answered ``stagger`` after the one before."""
    rng = random.Random(seed)
    scheduler = SchedulerParams.of(TRUE_WEIGHTS, 0.9).scheduler()
    out = []
    for qid in range(1, cards + 1):
        now = START + stagger * qid
        card = new_card(qid, now)
        for _ in range(reviews):
            recall = scheduler.get_card_retrievability(card, now) if card.last_review else 0.0
            rating = Rating.Good if card.last_review is None or rng.random() < recall else Rating.Again
            before = 0 if card.last_review is None else card.state.value
            card = review(scheduler, card, rating, now)
            out.append((qid, before, card, int(rating)))
            now = max(card.due, now + timedelta(days=1))
    return out


def as_log(rows) -> list:
    return [(qid, card.last_review, rating) for qid, _before, card, rating in rows]


def test_the_true_parameters_predict_a_log_drawn_from_them_better_than_the_defaults() -> None:
    log = as_log(synthetic_log(150, 8))
    true, default = evaluate(TRUE_WEIGHTS, log), evaluate(FSRS6_WEIGHTS, log)
    assert true.scored == default.scored >= MIN_SCORED_REVIEWS
    assert true.log_loss < default.log_loss and true.rmse < default.rmse
    assert not_enough(log) is None


def test_too_little_log_says_why() -> None:
    log = as_log(synthetic_log(5, 3))  # 5 questions, 2 reviews each a day after the last
    message = not_enough(log)
    counted = fittable_reviews(training_part(log))  # what the optimizer would fit: not the held-out reviews
    assert 0 < counted < fittable_reviews(log) == 10
    assert message is not None and "not enough reviews yet" in message and str(MIN_SCORED_REVIEWS) in message
    assert (
        f"you have {counted}, it needs {MIN_SCORED_REVIEWS}, so {MIN_SCORED_REVIEWS - counted} more"
        in message
    )


@given(st.integers(1, 40), st.integers(0, 3600))
def test_the_reviews_counted_are_24_hours_after_the_one_before_and_the_message_says_so(
    days: int, earlier: int
) -> None:
    """Found by an exploratory tester: one session every morning at about 09:00 counted 246 reviews where
    the calendar gave 419, while `optimize` said 'a day or more after the one before', which reads as
    'the next day'. fsrs counts 24 hours (timedelta.days > 0); the message says so."""
    start = datetime(2026, 1, 1, 9, tzinfo=UTC)
    # a review each morning, ``earlier`` seconds earlier than the day before's: none is 24 h after
    log = [(1, start + timedelta(days=d, seconds=-earlier * d), 3) for d in range(days + 1)]
    assert fittable_reviews(log) == (days if earlier == 0 else 0)
    message = not_enough(log)
    assert message is not None and "24 hours or more after the one before" in message
    assert "a day or more" not in message and "the next day at an earlier hour does not count" in message


# Gaps between a question's reviews around the optimizer's 24 hours (timedelta.days > 0).
GAPS = (timedelta(days=1), timedelta(hours=23, minutes=59), timedelta(days=3), timedelta(minutes=10))


def boundary_log(counted: int) -> list[tuple[int, datetime, int]]:
    """A log of questions with 70 reviews each (more than the optimizer's 64 per question), cut at the
    end until exactly ``counted`` of its reviews are ones the optimizer learns from."""
    log = []
    for qid in range(1, 21):
        at = datetime(2026, 1, 1, qid, tzinfo=UTC)
        for i in range(70):
            log.append((qid, at, 1 if i % 4 == 3 else 3))
            at += GAPS[(qid + i) % len(GAPS)]
    while fittable_reviews(log) > counted:
        log.pop()
    assert fittable_reviews(log) == counted
    return log


def test_the_threshold_is_where_the_optimizer_starts_fitting() -> None:
    """Found by an exploratory tester: with the old threshold (400) `optimize` ran, the optimizer
    returned its defaults unchanged (it needs 512) and a comparison of two equal sets was printed."""
    pytest.importorskip("torch")  # the optimizer extra
    from fsrs.optimizer import max_seq_len, mini_batch_size

    assert (MIN_SCORED_REVIEWS, optimizing.OPTIMIZER_SEQ_LEN) == (mini_batch_size, max_seq_len)
    short = boundary_log(MIN_SCORED_REVIEWS - 1)
    with pytest.raises(optimizing.NothingFitted):
        optimizing.fit_weights(short)
    enough = boundary_log(MIN_SCORED_REVIEWS)
    assert optimizing.fit_weights(enough) != list(FSRS6_WEIGHTS)
    # `optimize` hands the optimizer the part before the held-out reviews, and counts that part.
    for counted in (MIN_SCORED_REVIEWS - 1, MIN_SCORED_REVIEWS, 630):
        log = boundary_log(counted)
        part = fittable_reviews(training_part(log))
        assert (not_enough(log) is None) == (part >= MIN_SCORED_REVIEWS)
        assert part >= MIN_SCORED_REVIEWS or f"so {MIN_SCORED_REVIEWS - part} more" in (not_enough(log) or "")


def test_the_optimizer_recovers_lower_loss_than_the_defaults(capfd) -> None:
    pytest.importorskip("torch")  # the optimizer extra
    log = as_log(synthetic_log(150, 8))
    fitted = optimizing.fit_weights(log, progress=True)
    assert evaluate(fitted, log).log_loss < evaluate(FSRS6_WEIGHTS, log).log_loss
    assert capfd.readouterr().err.strip()  # fsrs's own progress of its passes (a terminal asks for it)


# A log whose latest reviews (the held-out ones) hold many questions' first reviews, where TRUE_WEIGHTS
# and the defaults disagree most: fitting TRUE_WEIGHTS is a real gain there (log loss 0.496 -> 0.460).
GAINFUL = {"questions": 300, "reviews": 4, "stagger": timedelta(hours=8)}


def _store_log(home: Path, questions: int = 300, reviews: int = 4, stagger=GAINFUL["stagger"]) -> list:
    """The synthetic log recorded as reviews of the built-in questions; the log `optimize` reads."""
    with Store.open(home) as store:
        ids = [r.id for r in store.conn.exec_driver_sql("SELECT id FROM questions ORDER BY id LIMIT 300")]
        for qid, before, card, rating in synthetic_log(questions, reviews, stagger=stagger):
            card.card_id = ids[qid - 1]
            store.cards.record_review(
                ReviewRecord(ids[qid - 1], None, card, card.last_review, rating, before, "a", 1000)
            )
        return store.scheduling.fit_log()


def test_optimize_shows_the_losses_asks_records_and_undoes(cli, home: Path, monkeypatch) -> None:
    assert "not enough reviews yet" in cli("optimize").stderr
    cli("bank", "list")  # the built-in banks
    _store_log(home)
    monkeypatch.setattr(optimizing, "fit_weights", lambda log, progress=False: list(TRUE_WEIGHTS))
    result = cli("optimize")  # no terminal to ask on: kept, not used
    assert result.exit_code == 0, result.stderr
    assert "log loss" in result.stdout and "RMSE" in result.stdout and "Not used" in result.stdout
    with Store.open(home) as store:
        assert store.scheduling.weights() == FSRS6_WEIGHTS
    assert "from now on" in cli("optimize", "--yes").stdout
    with Store.open(home) as store:
        assert store.scheduling.weights() == TRUE_WEIGHTS
        fit = store.scheduling.fits()[-1]
        assert fit.log_loss_after < fit.log_loss_before
    assert cli("optimize", "--undo").exit_code == 0
    with Store.open(home) as store:
        assert store.scheduling.weights() == FSRS6_WEIGHTS
    again = cli("optimize", "--undo")  # nothing to undo, as `mockprep undo` says it: not an error
    assert again.exit_code == 0 and "Nothing to undo" in again.stdout and not again.stderr


def test_without_the_extra_one_line_says_what_to_install(cli, home: Path, monkeypatch) -> None:
    cli("bank", "list")
    _store_log(home)

    def missing(log, progress=False):
        raise optimizing.OptimizerMissing(
            "fitting needs the optimizer extra: pip install 'mockprep[optimizer]'"
        )

    monkeypatch.setattr(optimizing, "fit_weights", missing)
    result = cli("optimize")
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    assert "mockprep[optimizer]" in line


def test_fewer_reviews_than_the_optimizer_learns_from_fit_nothing(cli, home: Path, monkeypatch) -> None:
    cli("bank", "list")
    log = _store_log(home, questions=60, reviews=8, stagger=timedelta(hours=1))  # 420: enough for 400
    counted = fittable_reviews(training_part(log))
    assert counted < MIN_SCORED_REVIEWS <= fittable_reviews(log) + 92

    def never(log, progress=False):
        raise AssertionError("the optimizer was run")

    monkeypatch.setattr(optimizing, "fit_weights", never)
    result = cli("optimize", "--yes")
    assert result.exit_code == 1
    assert f"you have {counted}, it needs {MIN_SCORED_REVIEWS}, so {MIN_SCORED_REVIEWS - counted} more" in (
        result.stderr
    )
    assert "log loss" not in result.stdout
    with Store.open(home) as store:
        assert store.scheduling.fits() == []


def test_a_fit_that_did_not_happen_is_never_compared(cli, home: Path, monkeypatch) -> None:
    cli("bank", "list")
    _store_log(home)

    def unchanged(log, progress=False):
        raise optimizing.NothingFitted("the optimizer returned its default parameters unchanged")

    monkeypatch.setattr(optimizing, "fit_weights", unchanged)
    result = cli("optimize", "--yes")
    assert result.exit_code == 1 and "nothing" not in result.stdout
    assert "unchanged" in result.stderr and "log loss" not in result.stdout
    with Store.open(home) as store:
        assert store.scheduling.fits() == []


# -- a kept fit, and which parameters are in use -------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_a_kept_fit_is_of_the_same_log_until_a_review_the_optimizer_learns_from_changes(data) -> None:
    """What lets `optimize --yes` use a kept fit instead of fitting again: its weights judge the log
    exactly as when it was made, and it is as long; adding or removing a review, or the latest one undone
    and rated otherwise, is a change."""
    log = as_log(synthetic_log(20, 6))
    made_on = judge(TRUE_WEIGHTS, log)
    assert optimizing.same_log(TRUE_WEIGHTS, made_on, len(log), log)
    assert optimizing.same_log(TRUE_WEIGHTS, made_on, len(log), list(log))  # read again from the database
    latest = max(range(len(log)), key=lambda i: log[i][1])
    last_qid, last_at, last_rating = log[latest]
    at = data.draw(st.sampled_from([i for i in range(1, len(log)) if log[i][0] == log[i - 1][0]]))
    qid, rated_at, rating = log[at]
    changed = data.draw(
        st.sampled_from(
            [
                log[:at] + log[at + 1 :],  # a review taken back (undo)
                [*log[:latest], (last_qid, last_at, 1 if last_rating > 1 else 3), *log[latest + 1 :]],
                log[:at] + [(qid, rated_at - timedelta(hours=12), 3)] + log[at:],  # one more (a merge)
                [*log, (log[-1][0], log[-1][1] + timedelta(days=2), 3)],  # one more, a later day
                [*log, (qid, rated_at - timedelta(hours=12), 3)],  # an older one, last in the log (merged)
            ]
        )
    )
    assert not optimizing.same_log(TRUE_WEIGHTS, made_on, len(log), changed)


def _parameters_line(cli) -> str:
    (line,) = [line for line in cli("config", "list").stdout.splitlines() if line.startswith("Scheduler")]
    return line


def test_a_kept_fit_is_used_without_fitting_again_until_the_log_changes(
    cli, home: Path, monkeypatch, cli_clock
) -> None:
    """Found by an exploratory tester: `optimize` with no terminal fitted for 29 s and said 'Not used
    (run again with --yes ...)', and `--yes` then fitted again from scratch for 31 s; and nothing showed
    whether the person's own parameters were in use."""
    cli("bank", "list")
    assert "defaults" in _parameters_line(cli)
    log = _store_log(home)
    train = len(training_part(log))
    fitted = []

    def fit(part, progress=False):  # (the whole log's weights differ from the checked fit's, as they do)
        fitted.append(len(part))
        return list(TRUE_WEIGHTS if len(part) == len(log) else HALFWAY)

    monkeypatch.setattr(optimizing, "fit_weights", fit)
    first = cli("optimize")  # no terminal: fitted again to the whole log, kept, not used
    assert first.exit_code == 0 and fitted == [train, len(log)] and "--yes" in first.stdout
    assert "defaults" in _parameters_line(cli)
    cli_clock.advance(hours=1)
    adopted = cli("optimize", "--yes")
    assert adopted.exit_code == 0 and fitted == [train, len(log)]  # used as it was kept: not fitted again
    assert "log loss" in adopted.stdout and "from now on" in adopted.stdout
    with Store.open(home) as store:
        (fit_row,) = store.scheduling.fits()
        assert store.scheduling.weights() == TRUE_WEIGHTS and fit_row.in_use
    line = _parameters_line(cli)
    assert "your own" in line and str(fit_row.reviews) in line
    assert f"{fit_row.fitted_at.astimezone():%Y-%m-%d %H:%M}" in line and "--undo" in line
    same = cli("optimize", "--yes")  # in use, and the log is the same: nothing to do
    assert same.exit_code == 0 and fitted == [train, len(log)] and "nothing new to fit" in same.stdout
    # One more review: the log has changed, so the optimizer runs again.
    with Store.open(home) as store:
        qid, rated_at, _rating = max(store.scheduling.fit_log(), key=lambda review: review[1])
        card = new_card(qid, rated_at)
        card.last_review = rated_at + timedelta(days=3)
        store.cards.record_review(ReviewRecord(qid, None, card, card.last_review, 3, 2, "a", 1000))
        longer = store.scheduling.fit_log()
    again = cli("optimize", "--yes")  # fitted again: the same weights as in use, no gain, so not used
    assert again.exit_code == 0 and fitted == [train, len(log), len(training_part(longer))]
    assert "Keeping the parameters in use" in again.stdout
    undone = cli("optimize", "--undo")
    assert undone.exit_code == 0 and f"{fit_row.fitted_at.astimezone():%Y-%m-%d %H:%M}" in undone.stdout
    assert "defaults" in _parameters_line(cli)


def test_the_comparison_says_which_reviews_it_predicts_and_which_the_optimizer_learns_from(
    cli, home: Path, monkeypatch
) -> None:
    """Found by an exploratory tester: 'Fitting to 4454 reviews (3464 of them came a day or more after
    ...)' and then 'On 3475 reviews: log loss ...': the evaluation also predicts reviews past a
    question's 64th, which the optimizer leaves out, and the two counts were not told apart."""
    cli("bank", "list")
    log = _store_log(home, questions=12, reviews=70, stagger=timedelta(hours=1))  # past 64 a question
    given = []
    monkeypatch.setattr(
        optimizing, "fit_weights", lambda log, progress=False: given.append(log) or [*TRUE_WEIGHTS]
    )
    learnt, predicted = fittable_reviews(training_part(log)), judge(FSRS6_WEIGHTS, log).scored
    out = cli("optimize").stdout.replace("\n", " ")
    comparison = out[out.index("predicting") : out.index("log loss")]
    assert str(predicted) in comparison and "never saw" in comparison
    assert "24 hours or more after the one before" in comparison and "a day or more" not in out
    assert str(learnt) in out[: out.index("predicting")]  # the fitting line: what it learns from
    # The reviews it is judged on are none of those it was fitted to.
    (fitted_to,) = given
    assert max(at for _q, at, _r in fitted_to) < held_out_start(log) and len(fitted_to) < len(log)


def test_a_fit_used_again_after_an_undo_keeps_the_record_of_its_first_use(tmp_path: Path) -> None:
    """Adopting a kept fit again overwrote when it was first in use and its undo (found by a review)."""
    weights = [round(w + 0.01, 4) for w in FSRS6_WEIGHTS]
    with Store.open(tmp_path, backups=False) as store:
        kept = store.scheduling.record_fit(weights, 600, (0.5, 0.3), (0.4, 0.2), START, adopt=False)
        store.scheduling.adopt_fit(kept, START + timedelta(hours=1))  # kept, never used: used in place
        (first,) = store.scheduling.fits()
        assert first.adopted_at == START + timedelta(hours=1) and first.in_use
        store.scheduling.undo_fit(START + timedelta(hours=2))
        store.scheduling.adopt_fit(kept, START + timedelta(hours=3))
        before, again = store.scheduling.fits()
        assert (before.adopted_at, before.undone_at) == (
            START + timedelta(hours=1),
            START + timedelta(hours=2),
        )
        assert again.in_use and again.adopted_at == START + timedelta(hours=3)
        assert again.weights == before.weights and again.fitted_at == before.fitted_at
        assert store.scheduling.weights() == tuple(weights)


class _Terminal(io.StringIO):
    """Standard input that is a terminal: `optimize` asks before using a fit."""

    def isatty(self) -> bool:
        return True


def test_a_kept_fit_offered_again_and_refused_is_never_said_to_be_used(
    cli, home: Path, monkeypatch, capsys
) -> None:
    """Found by an exploratory tester: 'Your reviews are unchanged since the fit of ...: it is used, not
    fitted again.' then 'Use them from now on? [y/N]: n / Not used.'"""
    cli("bank", "list")
    _store_log(home)
    monkeypatch.setattr(optimizing, "fit_weights", lambda log, progress=False: list(TRUE_WEIGHTS))
    assert cli("optimize").exit_code == 0  # no terminal: kept, not used
    from mockprep.cli import main

    monkeypatch.setattr(sys, "stdin", _Terminal("n\n"))
    capsys.readouterr()
    with contextlib.suppress(SystemExit):
        main(["optimize"])
    out = capsys.readouterr().out.replace("\n", " ")
    with Store.open(home) as store:
        assert store.scheduling.weights() == FSRS6_WEIGHTS  # refused: not in use
    assert "Not used" in out
    assert not re.search(r"\b(it|they|that fit) (is|are) used\b", out)


def test_help_says_the_comparison_is_with_the_parameters_in_use(cli) -> None:
    """Found by an exploratory tester: --help said it compares FSRS's default parameters with the
    fitted ones; it compares the parameters in use (an earlier fit, when one is) with the new fit."""
    text = " ".join(cli("optimize", "--help").stdout.split())
    assert "in use" in text and "default parameters and the fitted" not in text


def test_the_export_format_names_what_makes_a_card_recomputable(cli, home: Path) -> None:
    """Found by an exploratory tester: the README said scheduling uses FSRS with default parameters and
    left out the export's parameter fields. Every scheduling field the export writes is described."""
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    assert "scheduling uses FSRS with default parameters" not in readme
    cli("bank", "list")
    with Store.open(home) as store:
        qid = store.conn.exec_driver_sql("SELECT id FROM questions ORDER BY id LIMIT 1").scalar()
        card = review(SchedulerParams().scheduler(), new_card(qid, START), Rating.Good, START)
        params_id = store.scheduling.params_id(SchedulerParams(), START)
        store.cards.record_review(ReviewRecord(qid, None, card, START, 3, 0, "a", 1000, params_id=params_id))
        store.scheduling.record_fit(list(TRUE_WEIGHTS), 600, (0.5, 0.3), (0.4, 0.2), START, adopt=False)
    out = home / "e.json"
    assert cli("export", "-o", str(out)).exit_code == 0
    doc = json.loads(out.read_text())
    named = {"scheduler_params", "fitted_parameters"} | set(doc["scheduler_params"][0]["parameters"])
    named |= {k for q in doc["questions"] for r in q["reviews"] for k in r if k == "params"}
    assert "params" in named
    for key in named:
        assert f"`{key}`" in readme, key


@settings(max_examples=10, deadline=None)
@given(nudge=st.floats(min_value=-0.002, max_value=0.002))
def test_a_fit_that_only_matches_the_parameters_in_use_is_kept_but_not_used(nudge: float) -> None:
    """Found by an exploratory tester: a fit whose log loss moved 0.462959 -> 0.462912 was adopted and
    reported as a change. A fit must predict the held-out reviews at least MIN_GAIN better."""
    log = as_log(synthetic_log(300, 4, stagger=GAINFUL["stagger"]))
    close = [*FSRS6_WEIGHTS]
    close[0] += nudge
    in_use = judge(FSRS6_WEIGHTS, log)
    assert not optimizing.worth_adopting(in_use, judge(close, log))
    assert optimizing.worth_adopting(in_use, judge(TRUE_WEIGHTS, log))


def test_optimize_keeps_the_parameters_in_use_when_the_fit_gains_too_little(
    cli, home: Path, monkeypatch
) -> None:
    cli("bank", "list")
    _store_log(home)
    close = [*FSRS6_WEIGHTS]
    close[0] += 0.001
    monkeypatch.setattr(optimizing, "fit_weights", lambda log, progress=False: list(close))
    result = cli("optimize", "--yes")
    assert result.exit_code == 0, result.stderr
    out = result.stdout.replace("\n", " ")
    assert "Keeping the parameters in use" in out and "from now on" not in out
    (kept,) = re.findall(r"\(([0-9.]+) -> ([0-9.]+)\); it must be", out)
    with Store.open(home) as store:
        assert store.scheduling.weights() == FSRS6_WEIGHTS
        (fit,) = store.scheduling.fits()
        assert not fit.in_use
        assert kept == (f"{fit.log_loss_before:.6f}", f"{fit.log_loss_after:.6f}")


def test_config_list_json_names_the_scheduler_parameters_in_use(cli, home: Path, monkeypatch) -> None:
    """Found by an exploratory tester: `config list --json` had no entry for the parameters in use."""
    cli("bank", "list")
    entry = json.loads(cli("config", "list", "--json").stdout)["scheduler_parameters"]
    assert entry["value"] == list(FSRS6_WEIGHTS) and entry["source"] == "default"
    _store_log(home)
    monkeypatch.setattr(optimizing, "fit_weights", lambda log, progress=False: list(TRUE_WEIGHTS))
    assert cli("optimize", "--yes").exit_code == 0
    entry = json.loads(cli("config", "list", "--json").stdout)["scheduler_parameters"]
    with Store.open(home) as store:
        fit = store.scheduling.in_use()
    assert fit is not None and entry["value"] == list(TRUE_WEIGHTS) == list(fit.weights)
    assert entry["fitted_at"] == fit.fitted_at.isoformat() and entry["reviews"] == fit.reviews


def _mean_recall(home: Path, now: datetime) -> float:
    """Mean predicted recall now of the answered questions, from the cards as stored, under the weights
    in use (what `plan` and `--weakest` read)."""
    from mockprep.core.scheduler import retrievability

    with Store.open(home) as store:
        params = SchedulerParams.of(store.scheduling.weights(), 0.9)
        ids = [r.question_id for r in store.q("SELECT question_id FROM cards WHERE last_review IS NOT NULL")]
        values = [retrievability(params, store.cards.card(qid), now) for qid in ids]
    return sum(values) / len(values)


def test_the_preview_says_what_adopting_does_and_adopting_does_it(
    cli, home: Path, monkeypatch, cli_clock
) -> None:
    """Found by an exploratory tester: there was no preview of what adopting would do, and adopting
    recomputed nothing (readiness stayed 90% while the fit predicted 83%)."""
    cli("bank", "list")
    _store_log(home)
    monkeypatch.setattr(optimizing, "fit_weights", lambda log, progress=False: list(TRUE_WEIGHTS))
    cli_clock.advance(days=150)  # past the log's last review
    now = cli_clock()
    with Store.open(home) as store:
        store.scheduling.recompute_memory()  # (the log was drawn with TRUE_WEIGHTS' cards: made a replay)
        dues = {r.question_id: r.due for r in store.q("SELECT question_id, due FROM cards")}
    shown = cli("optimize").stdout.replace("\n", " ")  # no terminal: kept, not used
    recall = re.search(r"predicted recall now (\d+)% -> (\d+)%", shown)
    assert recall is not None and "Due dates stay" in shown and int(recall[2]) < int(recall[1]) < 100
    assert int(recall[1]) == round(100 * _mean_recall(home, now))
    adopted = cli("optimize", "--yes").stdout
    assert "due date kept" in adopted.replace("\n", " ")
    assert int(recall[2]) == round(100 * _mean_recall(home, now))  # what the preview said
    with Store.open(home) as store:
        assert {r.question_id: r.due for r in store.q("SELECT question_id, due FROM cards")} == dues


def test_the_preview_leaves_suspended_questions_out_as_plan_does(
    cli, home: Path, monkeypatch, cli_clock
) -> None:
    """Found by an exploratory tester: 'Due dates stay as they are (156 questions due within 7 days either
    way)' and 'predicted recall now 76%' counted 13 suspended leeches, never asked, which `plan` leaves out
    of every figure (143 due, 78.7% without them)."""
    cli("bank", "list")
    _store_log(home)
    monkeypatch.setattr(optimizing, "fit_weights", lambda log, progress=False: list(TRUE_WEIGHTS))
    cli_clock.advance(days=150)
    now = cli_clock()
    with Store.open(home) as store:
        store.scheduling.recompute_memory()
        answered = [
            r.question_id for r in store.q("SELECT question_id FROM cards WHERE last_review IS NOT NULL")
        ]
        weakest = sorted(answered, key=lambda q: store.cards.card(q).stability)[:40]  # (the leeches' kind)
        for qid in weakest:
            store.cards.set_suspended(qid, True, now)
        params = SchedulerParams.of(store.scheduling.weights(), 0.9)
        asked = [q for q in answered if q not in weakest]
        recall = sum(retrievability(params, store.cards.card(q), now) for q in asked) / len(asked)
        logs = store.scheduling.logs()
        in_use = SchedulerParams.of(store.scheduling.weights(), 0.9)
        due = optimizing.preview([g for g in logs if g[0] in asked], in_use, TRUE_WEIGHTS, now).due_week
        assert due < optimizing.preview(logs, in_use, TRUE_WEIGHTS, now).due_week  # (some are left out)
    shown = " ".join(cli("optimize").stdout.split())
    assert (
        f"your {len(answered)} answered questions; of the {len(asked)} you can be asked (40 suspended"
        in shown
    )
    said = re.search(r"predicted recall now (\d+)% ->", shown)
    assert said is not None and int(said[1]) == round(100 * recall)
    assert f"({due} questions due within 7 days either way)" in shown


def test_the_upgrade_recomputes_cards_an_older_mockprep_left_and_says_so_on_a_long_log(
    cli, home: Path, monkeypatch
) -> None:
    """A home that adopted a fit with an older mockprep kept cards computed under earlier weights until an
    optimize run reached its recompute, which a run that stopped early never did (found by an
    independent reviewer). Opening it now recomputes them once (m032), told on a long log like the other
    slow migrations; a home that never adopted a fit is left as it is, with nothing told."""
    from mockprep.core.scheduler import states_before
    from mockprep.db import upgrade
    from mockprep.db.card_replay import logs

    monkeypatch.setattr(upgrade, "SLOW_MIGRATION_REVIEWS", 1)
    cli("bank", "list")
    _store_log(home)
    older = [round(w * 1.3, 4) for w in TRUE_WEIGHTS[:4]] + list(TRUE_WEIGHTS[4:])
    told: list[str] = []
    with Store.open(home) as store:  # never adopted: the upgrade has nothing to do, and says nothing
        store.conn.exec_driver_sql("DELETE FROM migrations WHERE name = 'm032_memory_under_adopted_weights'")
    Store.open(home, backups=False, notice=told.append).close()
    assert told == []
    with Store.open(home) as store:  # adopted as an older mockprep did: no card recomputed
        store.conn.exec_driver_sql(
            "INSERT INTO fitted_parameters (fitted_at, weights, reviews, log_loss_before, log_loss_after,"
            f" rmse_before, rmse_after, adopted_at) VALUES ('2026-03-01 00:00:00.000000', '{older}', 900,"
            " 0.5, 0.4, 0.4, 0.3, '2026-03-01 00:00:00.000000')"
        )
        store.conn.exec_driver_sql("DELETE FROM migrations WHERE name = 'm032_memory_under_adopted_weights'")
        dues = {r.question_id: r.due for r in store.q("SELECT question_id, due FROM cards")}
    with Store.open(home, backups=False, notice=told.append) as store:
        assert len(told) == 1 and "memory state" in told[0] and "(once" in told[0]
        raw, weights = store.conn.raw, store.scheduling.weights()
        assert weights == tuple(older)
        for qid, created, log in logs(raw):
            card, _ = states_before(qid, created, log, weights)
            assert (card.stability, card.difficulty) == tuple(
                raw.execute(
                    "SELECT stability, difficulty FROM cards WHERE question_id = ?", (qid,)
                ).fetchone()
            )
        assert {r.question_id: r.due for r in store.q("SELECT question_id, due FROM cards")} == dues


def test_a_long_recompute_is_told_before_it_starts(cli, home: Path, monkeypatch) -> None:
    """Found by an independent reviewer: adopting or undoing weights on a long log holds the write lock
    through the recompute with nothing said. From LONG_RECOMPUTE reviews a line says so first, naming
    the log's length; a run that adopts nothing recomputes nothing and says nothing of it."""
    from mockprep.cli import optimize as command

    cli("bank", "list")
    log = _store_log(home)
    monkeypatch.setattr(optimizing, "fit_weights", lambda log, progress=False: list(TRUE_WEIGHTS))
    monkeypatch.setattr(command, "LONG_RECOMPUTE", len(log))
    told = f"Recomputing every question's memory state from your {len(log):,} reviews"
    assert told not in cli("optimize").stdout.replace("\n", " ")  # not adopted
    assert told in cli("optimize", "--yes").stdout.replace("\n", " ")
    assert told in cli("optimize", "--undo").stdout.replace("\n", " ")
    monkeypatch.setattr(command, "LONG_RECOMPUTE", len(log) + 1)
    assert told not in cli("optimize", "--yes").stdout.replace("\n", " ")


# Weights another fit might give: between FSRS's defaults and TRUE_WEIGHTS.
HALFWAY = tuple(round((a + b) / 2, 4) for a, b in zip(FSRS6_WEIGHTS, TRUE_WEIGHTS, strict=True))


@pytest.mark.parametrize(
    ("checked_fit", "whole_fit", "used"),
    [
        (HALFWAY, TRUE_WEIGHTS, TRUE_WEIGHTS),
        (TRUE_WEIGHTS, FSRS6_WEIGHTS, FSRS6_WEIGHTS),
    ],  # (the second scores worse on the latest reviews in-sample: not a reason to drop it)
)
def test_a_fit_that_passes_the_check_is_made_again_on_the_whole_log(
    cli, home: Path, monkeypatch, checked_fit, whole_fit, used
) -> None:
    """Reviewer's recommendation, which the tester's home bears out (the 80% fit predicted recall 0.801
    on the interview day, a whole-log fit 0.827, the simulated truth 0.839): once the earlier part's fit
    passes the check on the latest reviews, the weights used are fitted to the whole log, the check's
    figures shown as the evidence. The whole log's weights are used even when they predict the latest
    reviews worse than the checked fit (an in-sample score, which said nothing: found by an independent
    reviewer, 'the fallback almost never triggers'). Run again on the same reviews, the kept fit is recognised and not made again."""
    cli("bank", "list")
    log = _store_log(home)
    fitted: list[int] = []

    def fit(part, progress=False):
        fitted.append(len(part))
        return list(whole_fit if len(part) == len(log) else checked_fit)

    monkeypatch.setattr(optimizing, "fit_weights", fit)
    shown = cli("optimize", "--yes").stdout.replace("\n", " ")
    assert fitted == [len(optimizing.training_part(log)), len(log)]
    checked = optimizing.judge(checked_fit, log)
    assert f"RMSE {optimizing.judge(FSRS6_WEIGHTS, log).rmse:.4f} -> {checked.rmse:.4f}" in shown
    with Store.open(home) as store:
        assert store.scheduling.weights() == tuple(used)
        fit_record = store.scheduling.fits()[-1]
        assert (fit_record.log_loss_after, fit_record.rmse_after) == (checked.log_loss, checked.rmse)
    assert "nothing new to fit" in cli("optimize").stdout.replace("\n", " ")
    assert cli("optimize", "--undo").exit_code == 0
    again = cli("optimize", "--yes").stdout.replace("\n", " ")  # kept: compared, adopted, not fitted
    assert "not made again" in again and f"{checked.rmse:.4f}" in again and len(fitted) == 2
    with Store.open(home) as store:
        assert store.scheduling.weights() == tuple(used)
        qid = store.q("SELECT question_id FROM reviews ORDER BY rated_us DESC LIMIT 1").one().question_id
        card = store.cards.card(qid)
        at = card.last_review + timedelta(days=1)
        store.cards.record_review(
            ReviewRecord(qid, None, review(_sched(), card, Rating.Good, at), at, 3, 2, "a", 1)
        )
    cli("optimize")  # one more review: fitted again
    assert len(fitted) > 2


def _sched():
    return SchedulerParams(FSRS6_WEIGHTS, 0.9).scheduler()


def test_a_fit_kept_with_no_terminal_is_the_whole_logs_as_config_list_says(
    cli, home: Path, monkeypatch
) -> None:
    """Found by an exploratory tester: `optimize </dev/null` kept the fit of the earlier 80% (2320 reviews)
    without fitting it again, `optimize --yes` then adopted those weights, and `config list` said
    'fitted ... to a log of 2901 reviews'; run with --yes at once, the same log gave the whole log's fit.
    A fit that passes the check is now fitted again to the whole log whether or not it can be adopted, so
    both ways use the same weights, the ones `config list` describes."""
    cli("bank", "list")
    log = _store_log(home)
    fitted: list[int] = []

    def fit(part, progress=False):
        fitted.append(len(part))
        return list(TRUE_WEIGHTS if len(part) == len(log) else HALFWAY)

    monkeypatch.setattr(optimizing, "fit_weights", fit)
    kept = cli("optimize")  # no terminal to ask on
    assert kept.exit_code == 0 and "Not used" in kept.stdout
    assert fitted == [len(training_part(log)), len(log)]
    assert cli("optimize", "--yes").exit_code == 0 and len(fitted) == 2  # not fitted a third time
    with Store.open(home) as store:
        assert store.scheduling.weights() == TRUE_WEIGHTS  # the whole log's fit, as --yes at once gives
        fit_row = store.scheduling.in_use()
    assert fit_row is not None and fit_row.reviews == len(log)
    assert f"to a log of {len(log)} reviews" in " ".join(_parameters_line(cli).split())
