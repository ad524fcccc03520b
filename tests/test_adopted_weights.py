"""Adopting (or undoing) FSRS weights recomputes every card's memory state from its log and moves no due
date; devices with different weights in use agree on every due date (found by an exploratory tester:
after `optimize --yes`, plan's readiness stayed 90% while the fit predicted 83%, as cards kept the
stabilities the default weights had computed)."""

from __future__ import annotations

import itertools
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from fsrs import Rating
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockprep.core.records import ReviewRecord
from mockprep.core.scheduler import (
    FSRS6_WEIGHTS,
    LEGACY_PARAMS,
    SchedulerParams,
    card_state,
    review,
    states_before,
)
from mockprep.db.card_replay import weights_in_use
from mockprep.db.sql import must_time
from mockprep.services import bank_sync
from tests.conftest import START
from tests.devices import Device, make_banks

# Weights a person might have in use: FSRS's, one that forgets faster, one that forgets slower.
FAST = (0.1, 0.5, 1.0, 4.0, *FSRS6_WEIGHTS[4:8], 1.2, *FSRS6_WEIGHTS[9:20], 0.134)
SLOW = (0.4, 2.0, 4.0, 12.0, *FSRS6_WEIGHTS[4:20], 0.2)
WEIGHTS = (FSRS6_WEIGHTS, FAST, SLOW)

params_st = st.builds(
    lambda w, r, steps: SchedulerParams(w, r, steps, (600,)),
    st.sampled_from(WEIGHTS),
    st.sampled_from((0.9, 0.95, 0.97)),  # a plan raises the retention of some reviews
    st.sampled_from(((60, 600), (600,), ())),  # learning steps changed in the settings meanwhile
)
log_st = st.lists(
    st.tuples(
        st.floats(min_value=0.01, max_value=40),  # days after the review before
        st.sampled_from(list(Rating)),
        st.one_of(st.none(), params_st),
    ),
    min_size=1,
    max_size=12,
)


def _log(raw) -> list[tuple[datetime, int, SchedulerParams | None]]:
    out, at = [], START
    for days, rating, params in raw:
        at += timedelta(days=days)
        out.append((at, int(rating), params))
    return out


def _memory(card) -> tuple:
    return card.state, card.step, card.stability, card.difficulty, card.last_review


@settings(max_examples=300, deadline=None)
@given(
    raw=log_st,
    here=st.sampled_from(WEIGHTS),
    there=st.sampled_from(WEIGHTS),
    rating=st.sampled_from(list(Rating)),
)
def test_devices_with_different_weights_agree_on_due_dates_and_each_stores_its_own_memory(
    raw, here, there, rating
) -> None:
    log = _log(raw)
    mine, theirs = states_before(1, START, log, here), states_before(1, START, log, there)
    assert mine[0].due == theirs[0].due  # (ii) whatever weights each has in use
    assert mine[1] == theirs[1]  # the states before each review: lapses count alike
    assert (mine[0].state, mine[0].step, mine[0].last_review) == (
        theirs[0].state,
        theirs[0].step,
        theirs[0].last_review,
    )
    # The memory state is the whole log replayed under the weights in use (each review its own steps).
    pure = states_before(1, START, [(t, r, (p or LEGACY_PARAMS).with_weights(here)) for t, r, p in log], None)
    assert _memory(mine[0]) == _memory(pure[0])
    # A rating made from the stored card, with the weights in use, is what any device's replay computes.
    at = log[-1][0] + timedelta(days=2)
    params = SchedulerParams(here, 0.9)
    rated = review(params.scheduler(), mine[0], rating, at)
    for weights in WEIGHTS:
        again, _ = states_before(1, START, [*log, (at, int(rating), params)], weights)
        assert again.due == rated.due
        if weights == here:
            assert _memory(again) == _memory(rated)


@settings(max_examples=100, deadline=None)
@given(raw=log_st)
def test_one_set_of_weights_replays_as_before(raw) -> None:
    """A log scheduled with the weights in use alone (every home that never adopted a fit) gives the
    card it gave before the rule: no upgrade moves its due date or memory."""
    log = [(t, r, p.with_weights(FSRS6_WEIGHTS) if p else None) for t, r, p in _log(raw)]
    new, old = states_before(1, START, log, FSRS6_WEIGHTS), states_before(1, START, log, None)
    assert (new[0].due, _memory(new[0]), new[1]) == (old[0].due, _memory(old[0]), old[1])


# -- on a store: ratings, adoptions, undos, back-dated ratings and merges ------------------------------


def _rate(device: Device, pick: int, rating: Rating, at: datetime) -> None:
    """A rating as a session makes it: from the stored card, with the weights in use."""
    store = device.store
    qid = sorted(device.question_ids)[pick % len(device.question_ids)]
    card = store.cards.card(qid)
    params = SchedulerParams(store.scheduling.weights(), 0.9)
    store.cards.record_review(
        ReviewRecord(
            qid,
            None,
            review(params.scheduler(), card, rating, at),
            at,
            int(rating),
            int(card_state(card)),
            "a",
            1000,
            params_id=store.scheduling.params_id(params, at),
        )
    )


def _stored(device: Device) -> dict[int, tuple]:
    return {
        r.question_id: (r.state, r.step, r.stability, r.difficulty, must_time(r.due), r.last_review)
        for r in device.store.q("SELECT * FROM cards WHERE last_review IS NOT NULL")
    }


def _replayed(device: Device) -> dict[int, tuple]:
    """Every reviewed card as a fresh replay of its log under the weights in use computes it."""
    from mockprep.db.card_replay import logs

    raw = device.store.conn.raw
    weights, out = weights_in_use(raw), {}
    for qid, created, log in logs(raw):
        card, _ = states_before(qid, created, log, weights)
        last = device.store.q("SELECT last_review FROM cards WHERE question_id = :q", q=qid).one().last_review
        out[qid] = (card.state.value, card.step, card.stability, card.difficulty, card.due, last)
    return out


def _dues(device: Device) -> dict[int, datetime]:
    return {qid: row[4] for qid, row in _stored(device).items()}


action_st = st.one_of(
    st.tuples(st.just("rate"), st.integers(0, 3), st.sampled_from(list(Rating)), st.floats(0.05, 9)),
    st.tuples(st.just("backdated"), st.integers(0, 3), st.sampled_from(list(Rating))),
    st.tuples(st.just("adopt"), st.sampled_from(WEIGHTS[1:])),
    st.tuples(st.just("undo fit")),
    st.tuples(st.just("undo rating")),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions=st.lists(action_st, min_size=1, max_size=14))
def test_stored_memory_is_a_fresh_replay_after_any_ratings_adoptions_and_undos(actions, monkeypatch) -> None:
    monkeypatch.setattr(bank_sync, "builtin_files", lambda: [])
    with tempfile.TemporaryDirectory() as tmp:
        device = Device(Path(tmp), "home", make_banks(Path(tmp)))
        try:
            at = START
            for n, action in enumerate(actions):
                before = _dues(device)
                if action[0] == "rate":
                    at += timedelta(days=action[3])
                    _rate(device, action[1], action[2], at)
                elif action[0] == "backdated":  # merged from a device whose clock is behind
                    _rate(device, action[1], action[2], at - timedelta(hours=1, seconds=n))  # (no tie)
                elif action[0] == "adopt":
                    device.store.scheduling.record_fit(list(action[1]), 600, (0.5, 0.4), (0.4, 0.3), at, True)
                    assert _dues(device) == before  # (iii) adopting moves no due date
                elif action[0] == "undo fit":
                    device.store.scheduling.undo_fit(at)
                    assert _dues(device) == before  # nor does undoing it
                else:
                    device.store.cards.undo_last()
                assert _stored(device) == _replayed(device)  # (i)
        finally:
            device.close()


def _merge(into: Device, source: Device, tmp: Path) -> None:
    import io

    from mockprep.services.exchange import read_export, write_export

    out = io.StringIO()
    write_export(source.store, out, START + timedelta(days=999), "test")
    path = tmp / f"{id(source)}.json"
    path.write_text(out.getvalue(), encoding="utf-8")
    into.store.bulk.merge_data(*read_export(path), START + timedelta(days=999))


def test_two_devices_with_different_weights_in_use_agree_on_due_dates_after_merging(
    devices, tmp_path
) -> None:
    laptop, desk = devices("laptop"), devices("desk")
    laptop.store.scheduling.record_fit(list(FAST), 600, (0.5, 0.4), (0.4, 0.3), START, True)
    at = START
    for step in range(24):
        at += timedelta(days=1.3)
        _rate(laptop if step % 3 else desk, step, Rating.Good if step % 5 else Rating.Again, at)
        if step == 12:
            desk.store.scheduling.record_fit(list(SLOW), 600, (0.5, 0.4), (0.4, 0.3), at, True)
    _merge(desk, laptop, tmp_path)
    _merge(laptop, desk, tmp_path)
    assert _dues(laptop) == _dues(desk)
    assert _stored(laptop) == _replayed(laptop) and _stored(desk) == _replayed(desk)
    stabilities = {d: {q: row[2] for q, row in _stored(d).items()} for d in (laptop, desk)}
    assert stabilities[laptop] != stabilities[desk]  # each device's memory under its own weights


def test_cards_an_older_mockprep_left_keep_their_due_dates_when_recomputed(devices) -> None:
    """A home that adopted a fit before this version: its cards hold stabilities the earlier weights
    computed. Recomputing them (what the upgrade does, m032) keeps every due date."""
    home = devices("home")
    at = START
    for step in range(8):
        at += timedelta(days=2)
        _rate(home, step, Rating.Good, at)
    with home.store.write() as conn:  # adopted as an older mockprep did: nothing recomputed
        conn.exec_driver_sql(
            "INSERT INTO fitted_parameters (fitted_at, weights, reviews, log_loss_before, log_loss_after,"
            f" rmse_before, rmse_after, adopted_at) VALUES ('{at:%Y-%m-%d %H:%M:%S.%f}', '{list(FAST)}', 600,"
            f" 0.5, 0.4, 0.4, 0.3, '{at:%Y-%m-%d %H:%M:%S.%f}')"
        )
    for step in range(8):
        at += timedelta(days=2)
        _rate(home, step, Rating.Good, at)
    left = _stored(home)
    assert left != _replayed(home)  # the memory the default weights computed, carried on
    assert home.store.scheduling.recompute_memory() > 0
    assert _dues(home) == {q: row[4] for q, row in left.items()}
    recomputed, replayed = _stored(home), _replayed(home)
    assert {q: row[:4] for q, row in recomputed.items()} == {q: row[:4] for q, row in replayed.items()}


_HOMES = itertools.count()  # (a home for each hypothesis example)


def _as_an_older_mockprep_left_it(device: Device, at: datetime) -> None:
    """A fit adopted by a mockprep before m032: no card recomputed, and the home not yet upgraded."""
    with device.store.write() as conn:
        conn.exec_driver_sql(
            "INSERT INTO fitted_parameters (fitted_at, weights, reviews, log_loss_before, log_loss_after,"
            f" rmse_before, rmse_after, adopted_at) VALUES ('{at:%Y-%m-%d %H:%M:%S.%f}', '{list(FAST)}', 600,"
            f" 0.5, 0.4, 0.4, 0.3, '{at:%Y-%m-%d %H:%M:%S.%f}')"
        )
        conn.exec_driver_sql("DELETE FROM migrations WHERE name = 'm032_memory_under_adopted_weights'")


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ratings=st.lists(st.tuples(st.integers(0, 3), st.sampled_from(list(Rating))), min_size=1, max_size=8))
def test_upgrading_a_home_that_adopted_a_fit_earlier_recomputes_its_memory_once(devices, ratings) -> None:
    """Found by an independent reviewer: a home that adopted a fit with an older mockprep kept the memory
    the default weights computed until some optimize run recomputed it, and sessions scheduled from it
    meanwhile (one rating later, the home had the card due Mar 29 where a replay on another device gave
    Mar 24). Opening it now recomputes every card's memory, due dates kept; a rating after it agrees with
    a replay on every device."""
    from mockprep.db.store import Store

    home = devices(f"home-{next(_HOMES)}")
    at = START
    for pick, rating in ratings:
        at += timedelta(days=2)
        _rate(home, pick, rating, at)
    _as_an_older_mockprep_left_it(home, at)
    left = _stored(home)
    folder = home.store.path.parent
    home.store.close()
    home.store = Store.open(folder, backups=False)  # the upgrade
    assert _stored(home) == _replayed(home)
    assert _dues(home) == {q: row[4] for q, row in left.items()}  # due dates kept
    for pick, rating in ratings:  # practice goes on: each rating is scheduled from the recomputed memory
        at += timedelta(days=5)
        _rate(home, pick, rating, at)
        assert _stored(home) == _replayed(home)


def test_an_upgraded_home_and_a_device_it_merges_into_agree_on_due_dates(devices, tmp_path: Path) -> None:
    """The reviewer's case: four ratings, a fit adopted by an older mockprep, the upgrade, one rating;
    the other device, after --merge, had that question due five days earlier than the home."""
    from mockprep.db.store import Store

    home, other = devices("home"), devices("other")
    at = START
    for step in range(4):
        at += timedelta(days=2)
        _rate(home, step, Rating.Good, at)
    _as_an_older_mockprep_left_it(home, at)
    folder = home.store.path.parent
    home.store.close()
    home.store = Store.open(folder, backups=False)
    at += timedelta(days=5)
    _rate(home, 0, Rating.Good, at)
    _merge(other, home, tmp_path)
    assert _dues(other) == _dues(home)


def test_plan_readiness_reads_the_recomputed_memory(cli, home: Path, cli_clock) -> None:
    """The finding's symptom: after adopting weights that forget faster, readiness must fall. (The
    plan's date follows the test's clock: a fixed date failed once the wall clock reached it.)"""
    from mockprep.db.store import Store

    cli("bank", "list")
    with Store.open(home) as store:
        ids = [r.id for r in store.q("SELECT id FROM questions ORDER BY id LIMIT 20")]
        params = SchedulerParams(FSRS6_WEIGHTS, 0.9)
        for n, qid in enumerate(ids):
            card, at = store.cards.card(qid), START + timedelta(minutes=n)
            for _ in range(3):
                card = review(params.scheduler(), card, Rating.Good, at)
                pid = store.scheduling.params_id(params, at)
                store.cards.record_review(ReviewRecord(qid, None, card, at, 3, 0, "a", 1000, params_id=pid))
                at = card.due
    cli_clock.now = at + timedelta(days=1)  # after the last rating
    assert cli("plan", "--date", str((cli_clock.now + timedelta(days=14)).date())).exit_code == 0

    def recall() -> list[int]:
        """The recall column of `plan`: each topic's predicted recall on the day, of those studied."""
        rows = [line.split() for line in cli("plan").stdout.splitlines()]
        return [int(row[5].rstrip("%")) for row in rows if len(row) == 7 and row[5].endswith("%")]

    before = recall()
    with Store.open(home) as store:
        store.scheduling.record_fit(list(FAST), 600, (0.5, 0.4), (0.4, 0.3), START, True)
    after = recall()
    assert before and len(after) == len(before) and all(a < b for a, b in zip(after, before, strict=True))


def test_a_merge_says_the_files_own_parameters_stay_on_its_device(
    cli, home: Path, tmp_path, monkeypatch
) -> None:
    """Found by an exploratory tester: fitted parameters do not reach a second device through
    `import --merge` (nor `sync`), and nothing said so."""
    from mockprep.db.store import Store

    cli("bank", "list")
    with Store.open(home) as store:
        qid = store.q("SELECT id FROM questions ORDER BY id LIMIT 1").one().id
        params = SchedulerParams(FSRS6_WEIGHTS, 0.9)
        card = review(params.scheduler(), store.cards.card(qid), Rating.Good, START)
        pid = store.scheduling.params_id(params, START)
        store.cards.record_review(ReviewRecord(qid, None, card, START, 3, 0, "a", 1000, params_id=pid))
    plain_file = tmp_path / "plain.json"
    assert cli("export", "-o", str(plain_file)).exit_code == 0
    with Store.open(home) as store:
        store.scheduling.record_fit(list(FAST), 600, (0.5, 0.4), (0.4, 0.3), START, True)
    fitted_file = tmp_path / "fitted.json"
    assert cli("export", "-o", str(fitted_file)).exit_code == 0
    monkeypatch.setenv("MOCKPREP_HOME", str(tmp_path / "other"))
    cli("bank", "list")
    quiet = cli("import", str(plain_file), "--merge")
    assert quiet.exit_code == 0 and "parameters" not in quiet.stdout  # none of its own: nothing to say
    told = cli("import", str(fitted_file), "--merge")
    assert told.exit_code == 0, told.stderr
    (line,) = [line for line in told.stdout.replace("\n", " ").split(". ") if "FSRS parameters" in line] or [
        ""
    ]
    assert "not brought over" in line and "stay on the device" in line
    with Store.open(tmp_path / "other") as store:
        assert store.scheduling.weights() == FSRS6_WEIGHTS  # per device: not adopted here


def _rate_with(device: Device, pick: int, rating: Rating, at: datetime, weights: tuple[float, ...]) -> int:
    """A rating as a session that read ``weights`` at its start makes it: from the stored card."""
    store = device.store
    qid = sorted(device.question_ids)[pick % len(device.question_ids)]
    card = store.cards.card(qid)
    params = SchedulerParams(weights, 0.9)
    pid = store.scheduling.params_id(params, at)
    store.cards.record_review(
        ReviewRecord(
            qid, None, review(params.scheduler(), card, rating, at), at, int(rating), int(card_state(card)),
            "a", 1000, params_id=pid,
        )
    )  # fmt: skip
    return qid


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    session=st.sampled_from(WEIGHTS),
    adopted=st.sampled_from(WEIGHTS[1:]),
    ratings=st.lists(st.tuples(st.integers(0, 3), st.sampled_from(list(Rating))), min_size=1, max_size=6),
)
def test_a_session_that_read_other_weights_stores_what_a_replay_gives(
    devices, tmp_path: Path, session, adopted, ratings
) -> None:
    """Found by an independent reviewer: a session rates with the weights it read at its start; another
    terminal adopting a fit meanwhile recomputed the memory, and the session applied its old weights to it
    (stored stability 27.1 due Apr 13, a fresh replay 17.96 due Apr 27: a later merge moved the due date
    14 days). Each rating is now the replay of its log, and a device it merges into agrees."""
    home, other = devices(f"home-{next(_HOMES)}"), devices(f"other-{next(_HOMES)}")
    at = START
    for pick, rating in ratings:
        at += timedelta(days=2)
        _rate(home, pick, rating, at)
    home.store.scheduling.record_fit(list(adopted), 600, (0.5, 0.4), (0.4, 0.3), at, True)  # another terminal
    for pick, rating in ratings:
        at += timedelta(days=3)
        _rate_with(home, pick, rating, at, session)
        assert _stored(home) == _replayed(home)
    _merge(other, home, tmp_path)
    assert _dues(other) == _dues(home)


def test_a_recompute_replays_each_review_once(devices, monkeypatch) -> None:
    """Found by an independent reviewer: the recompute replayed a card a second time under its last
    review's weights for a due date it then threw away, twice the work while others wait to write.
    It now rates each review once, and stores what a full replay stores."""
    import mockprep.core.scheduler as scheduler

    home = devices("home")
    at = START
    for step in range(12):
        at += timedelta(days=2)
        _rate(home, step, Rating.Good if step % 3 else Rating.Hard, at)
    _as_an_older_mockprep_left_it(home, at)  # the last reviews' weights are not the ones in use
    rated = []
    real = scheduler.review
    monkeypatch.setattr(scheduler, "review", lambda *args: rated.append(args[2]) or real(*args))
    assert home.store.scheduling.recompute_memory() > 0
    assert len(rated) == 12
    monkeypatch.setattr(scheduler, "review", real)
    assert _stored(home) == _replayed(home)
