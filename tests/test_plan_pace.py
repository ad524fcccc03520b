"""What an interview plan tells the person about new questions: the session summary's count of today's
new questions, the pace verdict of `plan`, --new drawing the plan's questions first, and past plans
(all found by an exploratory tester)."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fsrs import Rating
from hypothesis import given
from hypothesis import strategies as st

from mockprep.core.daily_new import PlanQuota, day_figure, plan_taken
from mockprep.core.plans import Plan, PlanStatus, TopicReadiness, new_pace
from mockprep.core.questions import QuestionFilter
from mockprep.core.settings import DEFAULT_SETTINGS
from mockprep.db.store import Store
from mockprep.practice.session import Session, SessionOptions
from mockprep.terminal.plans import pace_line
from tests.conftest import START, FakeClock, ScriptedUI
from tests.test_plans_and_cram import plan_banks

UTC_ZONE = ZoneInfo("UTC")
BIG = QuestionFilter(banks=("big",))
ONE_A_DAY = replace(DEFAULT_SETTINGS, daily_new=1)


@pytest.fixture
def big(store: Store, tmp_path: Path, clock: FakeClock) -> Store:
    return plan_banks(store, tmp_path / "mine", clock, other=60)  # 60 questions outside the plan


def session(store: Store, clock: FakeClock, flt: QuestionFilter = BIG, **options):
    ui = ScriptedUI(["an answer"] * 60, [Rating.Easy] * 60, clock=clock)
    opts = SessionOptions(filter=flt, tz=UTC_ZONE, **options)
    return Session(store, ui, clock, random.Random(3), opts, ONE_A_DAY).run(), ui


def summary_text(summary, clock: FakeClock) -> str:
    import io

    from rich.console import Console

    from mockprep.terminal.practice import TerminalUI

    out = io.StringIO()
    console = Console(file=out, width=100, color_system=None, highlight=False, soft_wrap=False)
    TerminalUI(console, lambda *_: None).show_summary(summary, clock.now)
    return " ".join(out.getvalue().split())


# -- the summary's count of today's new questions ---------------------------------------------------


def test_the_summary_counts_the_new_questions_the_plan_introduced_today(big: Store, clock: FakeClock) -> None:
    """A plan that needs 4 a day with a daily limit of 1: the summary said "Today's 1 new question is
    done" after introducing 4 (the tester saw "10" after 32, 50 and 89)."""
    big.plans.add((clock.now + timedelta(days=10)).date(), "onsite", "plan-tester", (), clock.now)
    summary, ui = session(big, clock)
    assert len(ui.shown) == 4 == new_pace(30, 10, ONE_A_DAY.plan_review_days)
    assert summary.daily_new == 4 and summary.new_by_plan
    expected = (
        "Today's 4 new questions for this selection are done (your interview plan's pace, beyond the daily"
        " limit). 26 new questions wait"
    )
    assert expected in summary_text(summary, clock)
    clock.advance(hours=1)
    summary, ui = session(big, clock)  # a later session that day: nothing left, the same figure
    assert ui.shown == [] and summary.status == "empty"
    assert "no questions are due and today's 4 new questions for this selection are done (your" in (
        summary_text(summary, clock)
    )


def test_without_a_plan_the_summary_names_the_daily_limit(big: Store, clock: FakeClock) -> None:
    summary, ui = session(big, clock)
    assert len(ui.shown) == 1 and summary.daily_new == 1 and not summary.new_by_plan
    text = summary_text(summary, clock)
    assert "Today's 1 new question for this selection is done. 29 new questions wait" in text
    assert "plan" not in text


def test_new_questions_outside_the_plan_are_not_blamed_on_it(big: Store, clock: FakeClock) -> None:
    """A reviewer's repro: with a plan over `big` (4 a day against a limit of 1), five of `other` asked
    for with --new made a later `session --bank other` say "today's 5 new questions for this selection
    are done (your interview plan's pace, beyond the daily limit)": the plan covers none of them."""
    big.plans.add((clock.now + timedelta(days=10)).date(), "onsite", "plan-tester", (), clock.now)
    other = QuestionFilter(banks=("other",))
    _summary, ui = session(big, clock, other, new=5)
    assert len(ui.shown) == 5
    clock.advance(hours=1)
    summary, ui = session(big, clock, other)
    assert ui.shown == [] and summary.daily_new == 1 and not summary.new_by_plan
    text = summary_text(summary, clock)
    assert "today's 1 new question for this selection is done." in text and "plan" not in text


def test_the_figure_counts_only_the_plans_questions_beyond_the_limit(big: Store, clock: FakeClock) -> None:
    """One of `other` (the day's limit), then a session of every bank: the plan's 4 come beyond the
    limit, so the day holds 5, and a later session over `other` alone still names the limit."""
    big.plans.add((clock.now + timedelta(days=10)).date(), "onsite", "plan-tester", (), clock.now)
    other = QuestionFilter(banks=("other",))
    _summary, ui = session(big, clock, other)
    assert len(ui.shown) == 1
    summary, ui = session(big, clock, QuestionFilter())
    assert len(ui.shown) == 4 and all(key.startswith("big/") for key in ui.shown)
    assert summary.daily_new == 5 and summary.new_by_plan
    summary, ui = session(big, clock, other)
    assert ui.shown == [] and summary.daily_new == 1 and not summary.new_by_plan


@given(
    limit=st.integers(0, 5),
    introduced=st.integers(0, 10),
    allowed=st.integers(0, 10),
    by_plans=st.integers(0, 10),
)
def test_the_days_figure_is_the_limit_and_what_the_plans_took_beyond_it(
    limit: int, introduced: int, allowed: int, by_plans: int
) -> None:
    """Properties, not the formula: the figure is never below the limit nor above what today holds;
    what it adds to the limit is the plans' (never more than they took), and only then is a plan named."""
    figure, by_plan = day_figure(limit, introduced, allowed, by_plans)
    assert limit <= figure <= max(limit, introduced + allowed)
    assert figure - limit <= by_plans
    assert by_plan == (figure > limit)
    if by_plans and introduced + allowed > limit:  # the plans took some beyond the limit: they are named
        assert by_plan


def test_plan_taken_counts_each_plans_questions_up_to_its_pace() -> None:
    plan = PlanQuota(frozenset({1, 2, 3, 4, 5}), left=1, pace=3)  # 2 taken earlier today, 1 left
    assert plan_taken([9, 8], frozenset({7}), [plan]) == 0  # none of the plan's
    assert plan_taken([3, 4, 9], frozenset({1, 2}), [plan]) == 3  # 2 earlier + 1 of its quota now
    assert plan_taken([], frozenset({1, 2, 3, 4}), [plan]) == 2  # --new took 2 more: not the plan's


def test_new_n_draws_the_questions_a_plan_still_needs_first(big: Store, clock: FakeClock) -> None:
    """`--new N` while the plan is behind drew mostly questions outside the plan (here: the other
    bank's 60 in a plain session, against the plan's 30)."""
    big.plans.add((clock.now + timedelta(days=10)).date(), "onsite", "plan-tester", (), clock.now)
    _summary, ui = session(big, clock, QuestionFilter(), new=3)
    assert len(ui.shown) == 3 and all(key.startswith("big/") for key in ui.shown)
    _summary, ui = session(big, clock, QuestionFilter(), new=5)  # as in any session: the plan's first
    assert len(ui.shown) == 5 and all(key.startswith("big/") for key in ui.shown)


# -- the pace verdict -------------------------------------------------------------------------------


def status(new_left: int, pace: int, today: int, week: int, limit: int = 10) -> PlanStatus:
    totals = TopicReadiness("technical", "t", new=new_left)
    plan = Plan(1, date(2027, 2, 1), "onsite")
    return PlanStatus(plan, 20, [totals], new_left + today, today, pace, week / 7, 0, limit, totals)


def test_nothing_done_is_not_on_pace_and_the_days_figure_done_is() -> None:
    """The tester's two readings: day 0 with nothing done said "on pace" (the daily limit would do it);
    after exactly the needed 27 it said "behind" (last week's average was lower)."""
    fresh = status(new_left=80, pace=5, today=0, week=0)
    assert not fresh.on_track
    assert "— 5 more today to keep the pace" in pace_line(fresh) and "on pace" not in pace_line(fresh)
    done = status(new_left=400, pace=27, today=27, week=27)
    assert done.on_track
    assert "— today's are done: on pace" in pace_line(done) and "behind" not in pace_line(done)


@given(
    new=st.integers(1, 300),
    days=st.integers(1, 60),
    review_days=st.integers(0, 5),
    short_day=st.integers(0, 60),
)
def test_on_pace_every_day_introduces_every_question_in_time(
    new: int, days: int, review_days: int, short_day: int
) -> None:
    """The verdict is what it claims: a person who does each day's figure is on pace every day and has
    introduced every question before the review days; a day with one fewer is not on pace."""
    left = new
    for day in range(days):
        pace = new_pace(left, days - day, review_days)
        if pace == 0:
            break
        if day == short_day:
            assert not status(left - (pace - 1), pace, pace - 1, pace - 1).on_track
        done = min(pace, left)
        left -= done
        assert status(left, pace, done, done).on_track
    if days > review_days:
        assert left == 0


# -- past plans -------------------------------------------------------------------------------------


def test_past_plans_are_counted_and_listed_with_their_ids(cli, cli_clock: FakeClock) -> None:
    """After its date a plan vanished from `plan` ("No interview planned") though it was stored and
    `plan --remove 1` worked: no way to find its id."""
    day = START.date()
    assert cli("plan", "--date", str(day + timedelta(days=2)), "--label", "[b]onsite[/b]").exit_code == 0
    assert cli("plan", "--date", str(day + timedelta(days=5)), "--rounds", "technical").exit_code == 0
    cli_clock.advance(days=3)
    out = " ".join(cli("plan").stdout.split())
    assert out.startswith("1 past interview: mockprep plan --all lists it.")
    assert "Plan 2: interview on" in out
    out = " ".join(cli("plan", "--all").stdout.split())
    assert f"Past interviews: Plan 1: [b]onsite[/b] on {day + timedelta(days=2)} (every round)" in out
    cli_clock.advance(days=10)
    out = " ".join(cli("plan").stdout.split())
    assert out.startswith("2 past interviews: mockprep plan --all lists them. No coming interview planned.")
    listed = cli("plan", "--all").stdout
    assert "Plan 1: [b]onsite[/b]" in listed and "Plan 2: interview on" in listed
    both = cli("plan", "--all", "--remove", "1")
    assert both.exit_code == 2 and "two commands" in both.stderr
    assert cli("plan", "--remove", "1").exit_code == 0
    assert "Plan 1" not in cli("plan", "--all").stdout
    again = cli("plan", "--remove", "1")  # a past plan's id is listed by --all, not by `plan`
    assert again.exit_code != 0
    assert "--remove 1: no plan with that id (`mockprep plan --all` lists them)" in again.stderr


def test_a_pace_no_one_can_keep_is_called_out() -> None:
    """'212 new a day needed' with three days left read like any other day's figure (found by an
    exploratory tester)."""
    heavy = status(new_left=636, pace=212, today=0, week=20, limit=10)
    assert "too many to learn well" in pace_line(heavy) and "plan --remove 1" in pace_line(heavy)
    usual = status(new_left=80, pace=25, today=0, week=70, limit=10)  # last week 10 a day: 2.5x
    assert "too many" not in pace_line(usual)
    # the advice is built from the plan: what it does not narrow yet, its label kept; nothing studied,
    # nothing to go over (found by a review: it offered --role to a plan with one role, one round)
    assert "with --role or --rounds" in pace_line(heavy) and "studied" not in pace_line(heavy)
    narrow = replace(heavy, plan=Plan(1, date(2027, 2, 1), "on site", "data-scientist", ("technical",)))
    assert "narrow" not in pace_line(narrow) and pace_line(narrow).endswith("before the day.")
    studied = replace(heavy, plan=replace(heavy.plan, role="data-scientist"))
    studied = replace(studied, totals=replace(studied.totals, learned=5))
    # the recipe keeps what the plan narrows already (a review found a role dropped)
    recipe = "--date 2027-02-01 --role data-scientist --label onsite with --rounds) or spend the time"
    assert recipe in pace_line(studied)
    two = replace(studied, plan=replace(studied.plan, rounds=("technical", "project")))
    assert "--rounds technical" not in pace_line(two)  # re-adding both would not narrow it
