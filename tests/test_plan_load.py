"""What `plan` says a day will ask until the interview: the estimate of each day's answers and minutes,
checked against the days a session replays with an injected clock, and the warnings and the suspended
questions it names (found by an exploratory tester whose days went from 36-73 answers in week one to
99-151 in week two, and whose leeches quietly dropped out of the plan)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fsrs import Rating, State
from hypothesis import example, given, settings
from hypothesis import strategies as st

from mockprep.core.plan_load import (
    SPREAD,
    DayLoad,
    LoadCard,
    LoadRules,
    PassRates,
    daily_load,
    introductions,
    pass_rates,
)
from mockprep.core.settings import DEFAULT_SETTINGS
from mockprep.db.store import Store
from mockprep.practice.plans import plan_outlook, plan_statuses, scheduler_params
from mockprep.practice.session import Session, SessionOptions
from mockprep.terminal.plans import load_rows, load_warning, suspended_line
from tests.conftest import FakeClock, ScriptedUI
from tests.test_plans_and_cram import BIG, plan_banks

UTC_ZONE = ZoneInfo("UTC")
ANSWER_SECONDS = 40.0


class EvenFailures:
    """The estimate's stated assumption, written out on its own: each question fails a share of its
    answers of each kind (first, learning step, review), spread evenly: a failure falls each time a
    whole one is owed, starting from a share set by the question's rank (the questions studied when
    the estimate was made by id, then the new ones in the order they are introduced)."""

    def __init__(self, rates: PassRates, studied: list[int]):
        self.rates = rates
        self.owed = {qid: (rank * SPREAD) % 1.0 for rank, qid in enumerate(sorted(studied))}

    def rating(self, question_id: int, card) -> Rating:
        kind = "first" if card.last_review is None else "review" if card.state == State.Review else "step"
        owed = self.owed.setdefault(question_id, (len(self.owed) * SPREAD) % 1.0) + 1 - self.rates.of(kind)
        failed = owed >= 1 - 1e-9
        self.owed[question_id] = owed - 1 if failed else owed
        return Rating.Again if failed else Rating.Good


@dataclass
class ReplayUI(ScriptedUI):
    """A session's person who rates each answer by :class:`EvenFailures`; ``kinds`` tallies the answers
    (and those passed) of each kind."""

    store: Store | None = None
    rule: EvenFailures | None = None
    asked: int = 0
    kinds: dict[str, list[int]] = field(default_factory=dict)

    def show_question(self, record, progress, countdown=None) -> None:
        super().show_question(record, progress, countdown)
        self._current = record.id

    def read_answer(self, countdown=None):
        self.asked += 1
        if self.clock is not None:
            self.clock.advance(seconds=self.answer_seconds)
        return "an answer"

    def read_rating(self, intervals, suggested):
        assert self.store is not None and self.rule is not None
        card = self.store.cards.card(self._current)
        rating = self.rule.rating(self._current, card)
        kind = "first" if card.last_review is None else "review" if card.state == State.Review else "step"
        tally = self.kinds.setdefault(kind, [0, 0])
        tally[0] += 1
        tally[1] += rating != Rating.Again
        return rating


def replay_day(
    store: Store,
    clock: FakeClock,
    rule: EvenFailures,
    settings,
    kinds: dict | None = None,
    seconds: float = 0,
) -> tuple[int, int]:
    """One day's practice at the clock's time: a session until nothing is left (new questions, reviews
    and learning steps); the answers given and the new questions introduced."""
    ui = ReplayUI(
        clock=clock, store=store, rule=rule, kinds={} if kinds is None else kinds, answer_seconds=seconds
    )
    before = new_count(store)
    Session(store, ui, clock, random.Random(5), SessionOptions(filter=BIG, tz=UTC_ZONE), settings).run()
    return ui.asked, before - new_count(store)


def new_count(store: Store) -> int:
    return sum(1 for c in store.plans.cards(store.plans.all()[0]) if c.card is None)


def estimate(store: Store, now, rates: PassRates, settings) -> list[DayLoad]:
    """The core estimate over the store's plan, with the pass rates given (a new home has no history)."""
    (status,) = plan_statuses(store, now, UTC_ZONE, settings)
    cards = [LoadCard(c.question_id, c.card, ANSWER_SECONDS) for c in store.plans.cards(status.plan)]
    rules = LoadRules(
        status.plan.date,
        scheduler_params(store, settings),
        settings.plan_retention,
        rates,
        settings.plan_review_days,
        status.limit,
        max(0, max(status.pace, status.limit) - status.introduced_today),
        timedelta(minutes=settings.learn_ahead_minutes),
        UTC_ZONE,
        settings.day_start_hour,
    )
    return daily_load(cards, now, rules)


@pytest.fixture
def big(store: Store, tmp_path: Path, clock: FakeClock) -> Store:
    return plan_banks(store, tmp_path / "mine", clock)


@settings(max_examples=6, deadline=None)
@given(
    first=st.sampled_from([1.0, 0.6, 0.35]),
    review=st.sampled_from([1.0, 0.85, 0.5]),
    daily_new=st.integers(1, 8),
    days=st.integers(3, 9),
    studied_days=st.integers(0, 2),
)
@example(first=0.35, review=0.5, daily_new=1, days=9, studied_days=2)  # the tester's rates, roughly
def test_the_estimate_is_the_schedule_a_replay_of_its_assumptions_gives(
    tmp_path_factory, first: float, review: float, daily_new: int, days: int, studied_days: int
) -> None:
    """Each day's answers and new questions, as estimated, are what sessions run with an injected clock
    give when the person fails exactly as the estimate assumes: the reviews falling due, the plan's new
    questions and their learning steps, scheduled with the plan's raised retention."""
    home = tmp_path_factory.mktemp("home")
    store = Store.open(home)
    try:
        clock = FakeClock()
        plan_banks(store, home / "mine", clock)
        s = replace(DEFAULT_SETTINGS, daily_new=daily_new)
        store.plans.add(
            (clock.now + timedelta(days=days + studied_days)).date(), "", "plan-tester", (), clock.now
        )
        rates = PassRates(first, 0.9, review)
        warm_up = EvenFailures(rates, [])
        for _ in range(studied_days):  # some questions studied before the estimate, some overdue
            replay_day(store, clock, warm_up, s)
            clock.advance(days=1, hours=3)
        expected = estimate(store, clock.now, rates, s)
        studied = [c.question_id for c in store.plans.cards(store.plans.all()[0]) if c.card is not None]
        rule = EvenFailures(rates, studied)
        replayed = []
        for _ in range(days):
            replayed.append(replay_day(store, clock, rule, s))
            clock.advance(days=1)
        assert [(d.answers, d.new) for d in expected] == replayed
        assert [d.seconds for d in expected] == [answers * ANSWER_SECONDS for answers, _new in replayed]
    finally:
        store.close()


# -- the parts: new questions a day, pass rates, the rows and the warnings ---------------------------


@given(
    new=st.integers(0, 300),
    days=st.integers(1, 40),
    review_days=st.integers(0, 5),
    limit=st.integers(0, 20),
)
def test_every_new_question_is_introduced_before_the_review_days_and_the_limit_is_kept(
    new: int, days: int, review_days: int, limit: int
) -> None:
    from mockprep.core.plans import new_pace
    from mockprep.core.scheduler import SchedulerParams

    today = max(new_pace(new, days, review_days), limit)  # what sessions introduce today
    rules = LoadRules(
        date(2027, 1, 1), SchedulerParams(), 0.95, PassRates(1, 1, 1), review_days, limit, today
    )
    per_day = introductions(new, days, rules)
    assert len(per_day) == days and sum(per_day) <= new and min(per_day) >= 0
    for index, count in enumerate(per_day):  # sessions take the daily limit's worth at least
        assert count >= min(limit, new - sum(per_day[:index]))
    if days > review_days:  # the plan's pace introduces every one before the review days
        assert sum(per_day[: days - review_days]) == new
    else:  # it asks for none: the daily limit alone
        assert all(count == min(limit, new - sum(per_day[:i])) for i, count in enumerate(per_day))


def test_a_pass_rate_is_the_persons_own_from_twenty_answers_of_its_kind() -> None:
    rates = pass_rates({"first": (40, 26), "step": (19, 0), "review": (20, 15)}, 0.9)
    assert (rates.first, rates.step, rates.review) == (0.65, 0.9, 0.75)
    assert rates.own == {"first", "review"}
    assert pass_rates({}, 0.85) == PassRates(0.85, 0.85, 0.85)


@given(st.sampled_from(["first", "step", "review"]), st.integers(20, 200), st.data())
def test_a_pass_rate_is_never_taken_below_the_floor(kind: str, answers: int, data: st.DataObject) -> None:
    """A learning-step pass rate of 0 after 20 failed steps made the estimate take 4.4 s and show 430 to
    2,150 answers a day (independent review): a rate below MIN_RATE is taken as it, and said."""
    from mockprep.core.plan_load import MIN_RATE, PlanLoad
    from mockprep.terminal.plans import assumptions

    passed = data.draw(st.integers(0, answers))
    rates = pass_rates({kind: (answers, passed)}, 0.9)
    assert rates.of(kind) == max(MIN_RATE, passed / answers) and kind in rates.own
    assert (kind in rates.floored) == (passed / answers < MIN_RATE)
    line = assumptions(PlanLoad([day(0, 1, 1)], rates), 0)
    assert (f"taken as {MIN_RATE:.0%}" in line) == (kind in rates.floored)


def test_an_estimate_with_every_learning_step_failed_stays_fast_and_sane() -> None:
    """20 failed steps and nothing passed: each new question's steps no longer fail ten times a day."""
    import time
    from datetime import datetime

    from mockprep.core.scheduler import SchedulerParams

    now = datetime(2026, 12, 1, 9, tzinfo=UTC_ZONE)
    rules = LoadRules(
        interview=(now + timedelta(days=30)).date(),
        params=SchedulerParams(),
        plan_retention=0.95,
        rates=pass_rates({"step": (20, 0), "first": (20, 0), "review": (20, 0)}, 0.9),
        review_days=2,
        limit=10,
        new_today=10,
        tz=UTC_ZONE,
    )
    cards = [LoadCard(i, None, ANSWER_SECONDS) for i in range(200)]
    began = time.perf_counter()
    days = daily_load(cards, now, rules)
    assert time.perf_counter() - began < 2.0
    assert max(d.answers for d in days) < 5 * 200  # under five answers a question a day at worst


def day(offset: int, answers: int, minutes: float, new: int = 0) -> DayLoad:
    return DayLoad(date(2026, 12, 14) + timedelta(days=offset), new, answers, minutes * 60)


@given(st.lists(st.tuples(st.integers(0, 300), st.integers(0, 20)), min_size=1, max_size=120))
def test_the_rows_are_today_then_weeks_and_each_range_holds_its_days(figures) -> None:
    days = [day(i, answers, answers * 0.75, new) for i, (answers, new) in enumerate(figures)]
    rows = load_rows(days)
    assert rows[0] == ("today", str(days[0].new), str(days[0].answers), str(round(days[0].minutes)))
    assert len(rows) == min(7, 1 + -(-(len(days) - 1) // 7))
    covered = 1
    for label, _new, answers, _minutes in rows[1:]:
        low, _, high = answers.partition("-")
        span = 7 if label != rows[-1][0] else len(days) - covered
        group = days[covered : covered + span]
        assert (int(low), int(high or low)) == (min(d.answers for d in group), max(d.answers for d in group))
        assert label.startswith(f"{group[0].day:%b} {group[0].day.day}")
        covered += span
    assert covered == len(days)


def test_a_day_over_the_minutes_the_person_has_is_named() -> None:
    days = [day(0, 40, 30), day(1, 60, 45), day(2, 150, 140), day(3, 80, 70)]
    line = load_warning(days, 60)
    assert line is not None and line.startswith("2 of the 4 days are over your 60 minutes a day")
    assert "this plan's questions only" in line  # not every question due (independent review)
    assert "the most, Wed Dec 16, about 140 minutes for 150 answers" in line
    assert load_warning(days, 150) is None  # every day within it: nothing to warn of
    assert load_warning(days[:2], 20).startswith("Both days are over your 20 minutes a day")
    assert load_warning(days[:1], 20).startswith("The one day left is over your 20 minutes a day")


def test_a_load_that_grows_far_beyond_the_first_days_is_called_out() -> None:
    """The tester's days went from 39-69 minutes to 94-144: nothing said so beforehand."""
    first_week = [day(i, 50, 50) for i in range(7)]
    grows = [*first_week, day(7, 140, 130), day(8, 120, 110)]
    line = load_warning(grows, 0)
    assert line is not None and "about 130 minutes (140 answers) on Mon Dec 21, against 50 a day" in line
    assert "plan_minutes_a_day" in line
    assert load_warning([*first_week, day(7, 60, 60)], 0) is None  # a little more is not called out
    # what is left of today is no measure of the first days
    assert load_warning([day(0, 2, 2), *first_week[1:], day(7, 60, 60)], 0) is None


def test_suspended_questions_are_counted_named_and_the_way_back_given() -> None:
    assert suspended_line([]) is None
    one = suspended_line([("ml/pca", True)])
    assert one.startswith("1 question of this plan is suspended (a leech): never asked")
    assert one.endswith("To practise it: mockprep question unsuspend ml/pca")
    mixed = suspended_line([("a/1", True), ("a/2", False), ("b/3", True)])
    assert "3 questions of this plan are suspended (2 of them leeches)" in mixed
    assert mixed.endswith("mockprep question unsuspend a/1 a/2 b/3")
    many = suspended_line([(f"a/{i}", True) for i in range(11)])
    assert "11 questions of this plan are suspended (all leeches)" in many
    assert "readiness" in many and "mockprep question list --suspended" in many


def test_the_pass_rates_are_the_persons_answers_of_each_kind_and_the_times_their_median(
    big: Store, clock: FakeClock
) -> None:
    from mockprep.core.plan_load import RATE_DAYS

    s = replace(DEFAULT_SETTINGS, daily_new=10)
    big.plans.add((clock.now + timedelta(days=40)).date(), "", "plan-tester", (), clock.now)
    kinds: dict[str, list[int]] = {}
    rule = EvenFailures(PassRates(0.5, 0.8, 0.7), [])
    for _ in range(6):
        start = clock.now
        replay_day(big, clock, rule, s, kinds, seconds=44)
        clock.now = start + timedelta(days=1)
    (status,) = plan_statuses(big, clock.now, UTC_ZONE, s)
    load = plan_outlook(big, status, clock.now, UTC_ZONE, s).load
    assert load is not None and len(load.days) == 34
    tallied = {k: (n, passed) for k, (n, passed) in kinds.items()}
    assert tallied["first"][0] == 30 and tallied["review"][0] >= 20  # (what the rates are read from)
    assert load.rates == pass_rates(tallied, s.desired_retention)
    assert load.rates.own == {"first", "review", "step"}
    assert tallied["first"][1] / tallied["first"][0] == 0.5 and load.rates.first == 0.6  # floored (MIN_RATE)
    limit = s.time_limit("technical")  # (the plan's questions have no limit of their own)
    assert load.shares == {"technical": pytest.approx(44 / limit)} and load.limited == ()  # the person's own
    assert {round(d.seconds / d.answers, 6) for d in load.days if d.answers} == {44}
    clock.advance(days=RATE_DAYS)  # answers older than RATE_DAYS count no more
    (status,) = plan_statuses(big, clock.now, UTC_ZONE, s)
    assert plan_outlook(big, status, clock.now, UTC_ZONE, s).load.rates.own == frozenset()


def test_without_answer_times_an_answer_takes_its_questions_time_limit(big: Store, clock: FakeClock) -> None:
    big.plans.add((clock.now + timedelta(days=9)).date(), "", "plan-tester", (), clock.now)
    (status,) = plan_statuses(big, clock.now, UTC_ZONE, DEFAULT_SETTINGS)
    load = plan_outlook(big, status, clock.now, UTC_ZONE, DEFAULT_SETTINGS).load
    assert load is not None and load.shares == {} and load.limited == ("technical",)
    assert load.rates == PassRates(0.9, 0.9, 0.9)  # no answers: the retention aimed for
    # the plan needs 5 a day, but sessions introduce its questions first up to the daily limit of 10
    assert [d.new for d in load.days] == [10, 10, 10, 0, 0, 0, 0, 0, 0]
    assert {d.seconds / d.answers for d in load.days if d.answers} == {
        DEFAULT_SETTINGS.time_limit("technical")
    }


def test_plan_shows_each_days_load_what_it_assumes_and_its_suspended_questions(
    cli, cli_clock: FakeClock, home: Path
) -> None:
    """`plan` listed 207 of the tester's 211 questions and computed readiness without the 4 suspended
    leeches, the weakest, without a word; and it never said what a day would ask."""
    interview = cli_clock.now.date() + timedelta(days=12)
    assert cli("plan", "--date", str(interview), "--rounds", "technical").exit_code == 0
    store = Store.open(home)
    try:
        keys = [
            r.key for r in store.q("SELECT key FROM questions WHERE round = 'technical' ORDER BY key LIMIT 2")
        ]
        leech, mine = keys
        with store.write() as conn:  # what the leech rule does
            conn.exec_driver_sql(
                "UPDATE cards SET suspended_at = '2026-03-01 09:00:00', suspended_by = 'leech'"
                f" WHERE question_id = (SELECT id FROM questions WHERE key = '{leech}')"
            )
    finally:
        store.close()
    assert cli("question", "suspend", mine).exit_code == 0
    out = " ".join(cli("plan").stdout.split())
    assert (
        "Each day until the interview, estimated for this plan's questions only (today: what is left): days new"
        " answers minutes today" in out
    )
    assert "An estimate: it assumes you answer each question on the day it falls due" in out
    assert "90% of the time (desired_retention" in out and "an answer takes its question's time limit." in out
    assert (
        "2 questions of this plan are suspended (1 of them a leech): never asked, and in none of the figures"
        f" above (readiness included). To practise them: mockprep question unsuspend {leech} {mine}"
    ) in out
    assert "over your" not in out
    tight = " ".join(cli("-c", "plan_minutes_a_day=5", "plan").stdout.split())
    assert "You said you have 5 minutes a day." in tight
    assert (
        "All 12 days are over your 5 minutes a day (plan_minutes_a_day) with this plan's questions only: the most,"
        in tight
    )


def test_the_assumptions_say_where_each_figure_comes_from() -> None:
    from mockprep.core.plan_load import PlanLoad
    from mockprep.terminal.plans import assumptions

    load = PlanLoad(
        [day(0, 10, 10)],
        PassRates(0.67, 0.9, 0.45, frozenset({"first", "review"})),
        {"technical": 0.255},
        ("behavioral", "project"),
    )
    line = assumptions(load, 90)
    assert line.startswith("An estimate: it assumes you answer each question on the day it falls due")
    assert "first answers 67% and reviews 45% of the time, as in your last 30 days" in line
    assert "learning steps 90% of the time (desired_retention, until you have 20 answers of the kind" in line
    assert (
        "the share of its time limit your answers in its round take (median: technical 26%; at least 10 s) or"
        " its question's time limit in behavioral and project" in line
    )
    assert line.endswith("You said you have 90 minutes a day.")
