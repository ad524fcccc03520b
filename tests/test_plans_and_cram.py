"""Interview plans pace new questions to a date; cram drills leave every schedule as it was."""

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

from mockprep.core.daily_new import NewCandidate, PlanQuota, allowed_new
from mockprep.core.plans import intro_days, new_pace
from mockprep.core.questions import QuestionFilter
from mockprep.core.settings import DEFAULT_SETTINGS
from mockprep.core.stats import StatsFilter
from mockprep.db.store import Store
from mockprep.practice.drill_buried import buried_text
from mockprep.practice.session import Session, SessionOptions
from mockprep.services.bank_sync import sync_banks
from tests.conftest import FakeClock, ScriptedUI, db_rows, write_bank

UTC_ZONE = ZoneInfo("UTC")
BIG = QuestionFilter(banks=("big",))


def plan_banks(store: Store, folder: Path, clock: FakeClock, other: int = 0) -> Store:
    """The 30-question bank "big" of a role of its own (plan-tester), and ``other`` questions outside it."""
    folder.mkdir()
    path = write_bank(folder / "big.toml", bank_id="big", n=30)
    path.write_text(path.read_text().replace('"ml-researcher"', '"plan-tester"'))  # a role of its own
    if other:
        write_bank(folder / "other.toml", bank_id="other", n=other)
    store.banks.add_source(folder, clock.now)
    sync_banks(store, clock.now)
    return store


@pytest.fixture
def big(store: Store, tmp_path: Path, clock: FakeClock) -> Store:
    return plan_banks(store, tmp_path / "mine", clock)


def drill(store: Store, clock: FakeClock, rating: Rating, settings=DEFAULT_SETTINGS, **options):
    ui = ScriptedUI(["an answer"] * 400, [rating] * 400, clock=clock)
    opts = SessionOptions(filter=options.pop("filter", BIG), tz=UTC_ZONE, **options)
    return Session(store, ui, clock, random.Random(3), opts, settings).run(), ui


def new_left(store: Store) -> int:
    return store.conn.exec_driver_sql(
        "SELECT COUNT(*) FROM cards c JOIN questions q ON q.id = c.question_id"
        " WHERE c.last_review IS NULL AND q.bank_id = 'big'"
    ).scalar_one()


def test_a_plan_ten_days_away_introduces_every_new_question_by_day_ten(big: Store, clock: FakeClock) -> None:
    settings = replace(DEFAULT_SETTINGS, daily_new=1)  # alone, the limit would take 30 days
    interview = (clock.now + timedelta(days=10)).date()
    big.plans.add(interview, "onsite", "plan-tester", (), clock.now)
    introduced = []
    for _day in range(10):
        before = new_left(big)
        drill(big, clock, Rating.Easy, settings)
        introduced.append(before - new_left(big))
        clock.advance(days=1)
    assert new_left(big) == 0
    assert sum(introduced) == 30
    # Spread, not crammed on the first day: ceil(30 / 8) a day, none in the last two (review) days.
    assert introduced[0] == new_pace(30, 10, settings.plan_review_days) == 4
    assert introduced[-2:] == [0, 0]


def test_on_one_interviews_day_a_later_interview_still_steers_its_questions(
    big: Store, clock: FakeClock
) -> None:
    """A tester's screen today and onsite later: a question rated easy today came due on the
    onsite's day (today's plan, whose day has begun, was the 'soonest' and steered nothing)."""
    from mockprep.core.plans import deadline

    onsite = (clock.now + timedelta(days=5)).date()  # (easy on a new question: about 8 days)
    big.plans.add(onsite, "onsite", "plan-tester", (), clock.now)
    big.plans.add(clock.now.date(), "screen", "plan-tester", (), clock.now)  # today: its day has begun
    big.plans.add((clock.now + timedelta(days=1)).date(), "call", "plan-tester", (), clock.now)  # tomorrow
    clock.advance(hours=9)
    _summary, ui = drill(big, clock, Rating.Easy, limit=3)
    (plan,) = [p for p in big.plans.all() if p.label == "onsite"]
    for key in ui.shown:
        card = big.cards.card(big.banks.question_by_key(key).id)
        assert card.due < deadline(plan, UTC_ZONE), key  # ready before the onsite's day


def test_in_the_review_days_a_plan_asks_for_no_new_questions(big: Store, clock: FakeClock) -> None:
    from mockprep.practice.plans import plan_statuses

    settings = replace(DEFAULT_SETTINGS, daily_new=1)
    big.plans.add((clock.now + timedelta(days=1)).date(), "onsite", "plan-tester", (), clock.now)
    drill(big, clock, Rating.Easy, settings)
    assert new_left(big) == 29  # the daily limit's one, not all thirty at once
    (status,) = plan_statuses(big, clock.now, UTC_ZONE, settings)
    assert status.pace == 0 and not status.on_track  # not "on pace": 29 were never introduced


def test_without_a_plan_the_daily_limit_holds(big: Store, clock: FakeClock) -> None:
    settings = replace(DEFAULT_SETTINGS, daily_new=1)
    drill(big, clock, Rating.Easy, settings)
    assert new_left(big) == 29


def test_after_the_date_the_plan_ends(big: Store, clock: FakeClock) -> None:
    settings = replace(DEFAULT_SETTINGS, daily_new=1)
    big.plans.add((clock.now - timedelta(days=1)).date(), "", "plan-tester", (), clock.now)
    drill(big, clock, Rating.Easy, settings)
    assert new_left(big) == 29


def test_per_bank_limits_cap_a_bank_in_a_mixed_session(big: Store, clock: FakeClock) -> None:
    settings = replace(DEFAULT_SETTINGS, daily_new=10, daily_new_per_bank={"big": 3})
    drill(big, clock, Rating.Easy, settings, filter=QuestionFilter(roles=("plan-tester",)))
    assert new_left(big) == 27  # the session's limit is 10, the bank's own 3


def cards(store: Store) -> list[tuple]:
    return store.conn.exec_driver_sql(
        "SELECT question_id, state, step, stability, difficulty, due, last_review FROM cards ORDER BY 1"
    ).all()


@pytest.mark.parametrize(
    "options",
    [{"cram": True}, {"weakest": 4}, {"flagged": True}, {"failed_since": None}],
)
def test_cram_leaves_every_cards_schedule_unchanged(big: Store, clock: FakeClock, options: dict) -> None:
    start = clock.now
    drill(big, clock, Rating.Again, replace(DEFAULT_SETTINGS, daily_new=6), limit=6)
    drill(big, clock, Rating.Good, limit=12)
    for key in ("big/q1", "big/q2"):
        qid = big.conn.exec_driver_sql("SELECT id FROM questions WHERE key = ?", (key,)).scalar_one()
        big.cards.set_flagged(qid, True, clock.now)
    clock.advance(days=3)
    if "failed_since" in options:
        options = {"failed_since": start}
    before = cards(big)
    reviews_before = big.conn.exec_driver_sql("SELECT COUNT(*) FROM reviews").scalar_one()
    at = clock.now
    retention_before = big.stats.retention_by_topic(StatsFilter(), at)
    leeches_before = big.stats.leeches(StatsFilter(), 1)
    summary, ui = drill(big, clock, Rating.Again, **options)
    assert cards(big) == before
    # nor do the cram answers count in retention or lapses
    assert big.stats.retention_by_topic(StatsFilter(), at) == retention_before
    assert big.stats.leeches(StatsFilter(), 1) == leeches_before
    crammed = big.conn.exec_driver_sql("SELECT COUNT(*) FROM reviews WHERE cram").scalar_one()
    total = big.conn.exec_driver_sql("SELECT COUNT(*) FROM reviews").scalar_one()
    assert crammed == summary.answered == total - reviews_before > 0
    assert all("recorded as cram" in n for n in ui.notices if n.startswith("again"))
    expected = {"cram": 30, "weakest": 4, "flagged": 2}
    for key, count in expected.items():
        if key in options:
            assert summary.answered == count
    if "failed_since" in options:
        assert summary.answered == 6  # the six rated again on the first day
    # and the next ordinary session asks exactly what it would have asked
    assert big.conn.exec_driver_sql("SELECT kind FROM sessions ORDER BY id DESC").scalar() == "cram"


def test_weakest_asks_the_lowest_recall_first(big: Store, clock: FakeClock) -> None:
    drill(big, clock, Rating.Easy, replace(DEFAULT_SETTINGS, daily_new=3), limit=3)
    clock.advance(days=1)
    drill(big, clock, Rating.Hard, replace(DEFAULT_SETTINGS, daily_new=2), limit=4)
    clock.advance(days=2)
    _summary, ui = drill(big, clock, Rating.Good, weakest=5)
    assert len(ui.shown) == 5
    hard = set(ui.shown[:2])
    easy_keys = set(ui.shown[2:])
    assert hard.isdisjoint(easy_keys)


@given(st.integers(0, 200), st.integers(0, 60), st.integers(0, 10))
def test_the_pace_introduces_everything_before_the_review_days(new: int, days: int, review: int) -> None:
    pace = new_pace(new, days, review)
    if days <= review or days == 0:  # the review-only days and the interview's day: nothing new
        assert pace == 0
        return
    assert pace * intro_days(days, review) >= new
    if new and days > review:
        assert (pace - 1) * intro_days(days, review) < new  # no faster than needed


def test_plan_questions_come_first_beyond_the_limits() -> None:
    candidates = [NewCandidate(i, "b", "technical") for i in range(10)]
    plan = PlanQuota(frozenset({7, 8, 9}), 2)
    assert allowed_new(candidates, 1, plans=[plan]) == [7, 8]
    assert allowed_new(candidates, 3, plans=[plan]) == [7, 8, 9]  # the plan's first, within the limit too
    assert allowed_new(candidates, 4, plans=[plan]) == [7, 8, 9, 0]
    assert allowed_new(candidates, 3, {"b": 1}) == [0]
    assert allowed_new(candidates, 5, round_left={"technical": 2}) == [0, 1]


def test_plan_command_records_shows_and_removes_a_date(cli, home: Path) -> None:
    # (dates some months ahead: a plan decades away estimates every day's load up to it, 20 s a call)
    onsite, screen = (str(date.today() + timedelta(days=days)) for days in (200, 190))
    result = cli("plan", "--date", onsite, "--rounds", "technical", "--label", "onsite")
    assert result.exit_code == 0, result.stderr
    assert cli("plan", "--date", screen, "--label", "phone screen").exit_code == 0
    out = cli("plan").stdout
    assert "onsite" in out and "phone screen" in out and onsite in out
    assert "new a day" in out and "predicted recall" in out
    bad = cli("plan", "--date", "20-12-2099")
    assert bad.exit_code == 2 and len(bad.stderr.strip().splitlines()) == 1 and "--date" in bad.stderr
    past = cli("plan", "--date", str(date(2000, 1, 1)))
    assert past.exit_code == 2 and "past" in past.stderr
    stats = cli("stats").stdout
    assert f"Interview: phone screen on {screen} (every round):" in stats and "days left" in stats
    assert cli("plan", "--remove", "1").exit_code == 0
    assert "onsite" not in cli("plan").stdout


def test_an_unnamed_plan_says_its_date_once_and_on_the_day_no_pace_is_asked(cli) -> None:
    today = date.today()  # (the CLI's own day: the plan is for today)
    assert cli("plan", "--date", str(today), "--rounds", "technical").exit_code == 0
    out = " ".join(cli("plan").stdout.split())
    assert f"Plan 1: interview on {today} (technical): today" in out and f"{today} on {today}" not in out
    assert "The interview is today: rather than new questions, go over your weakest studied ones" in out
    assert "(mockprep session --round technical --weakest 20)" in out  # the plan's own selection
    assert "new a day needed" not in out


def test_a_plan_raises_retention_so_the_last_review_lands_before_the_date(clock: FakeClock) -> None:
    from mockprep.core.plans import planned_params
    from mockprep.core.scheduler import LEGACY_PARAMS, new_card, retrievability, review

    base = LEGACY_PARAMS
    card = new_card(1, clock.now)
    for _ in range(3):  # a learned question, next due weeks away
        card = review(base.scheduler(), card, Rating.Good, clock.now)
        clock.now = max(card.due, clock.now + timedelta(days=1))
    due_by = clock.now + timedelta(days=60)  # the plain interval is 118 days, recall then 94%
    plain = review(base.scheduler(), card, Rating.Good, clock.now)
    assert plain.due > due_by and retrievability(base, plain, due_by) < 0.95
    params = planned_params(base, card, Rating.Good, clock.now, due_by, 0.95)
    assert base.desired_retention < params.desired_retention <= 0.99
    steered = review(params.scheduler(), card, Rating.Good, clock.now)
    assert steered.due <= due_by
    # no date, or a date the plain schedule already meets: nothing changes
    assert planned_params(base, card, Rating.Good, clock.now, None, 0.95) == base
    assert planned_params(base, card, Rating.Good, clock.now, clock.now + timedelta(days=400), 0.95) == base


def test_cram_by_tag_asks_only_the_tagged_questions(cli, home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "tagged"
    folder.mkdir()
    bank = write_bank(folder / "tagged.toml", bank_id="tagged", n=4)
    text = bank.read_text(encoding="utf-8")
    text = text.replace('id = "q2"', 'id = "q2"\ntags = ["attention"]').replace(
        'id = "q4"', 'id = "q4"\ntags = ["attention", "kv-cache"]'
    )
    bank.write_text(text, encoding="utf-8")
    assert cli("bank", "add", str(folder)).exit_code == 0
    result = cli("session", "--cram", "--bank", "tagged", "--tag", "attention", input="a\n\n3\n" * 4)
    assert result.exit_code == 0, result.stderr
    asked = {
        key
        for (key,) in db_rows(home, "SELECT q.key FROM reviews r JOIN questions q ON q.id = r.question_id")
    }
    assert asked == {"tagged/q2", "tagged/q4"}
    assert db_rows(home, "SELECT COUNT(*) FROM reviews WHERE NOT cram") == [(0,)]
    wrong = cli("session", "--tag", "atention")
    assert wrong.exit_code == 2 and "did you mean attention" in wrong.stderr


def test_a_drill_or_a_selection_with_nothing_in_it_says_so(cli, home: Path) -> None:
    """A fresh home has hundreds of new questions: "no new questions are left" was wrong for these."""
    for args, says in (
        (["--flagged"], "no question is flagged"),
        (["--weakest", "5"], "no question has been answered yet"),
        (["--failed-since", "2026-01-01"], "no question was rated again since 2026-01-01"),
        (["--bank", "ml-coding", "--round", "behavioral"], "no question matches"),
        (["--flagged", "--bank", "ml-coding"], "no question in this selection is flagged"),
    ):
        result = cli("session", *args)
        text = " ".join(result.stdout.split())
        assert result.exit_code == 0 and f"Nothing to practise: {says}" in text, (args, text)
        assert "no new questions are left" not in text
    # a home with due or new questions left still gets the usual line when only today's share is used
    assert "Nothing to practise" not in cli("session", "--limit", "1", input="q\n").stdout


def test_options_a_command_would_ignore_are_refused(cli) -> None:
    """`plan --label x` without a date and `session --cram --new 3` were accepted and did nothing."""
    for args, says in (
        (["plan", "--label", "onsite"], "--label describes a new plan: give its --date too"),
        (["plan", "--role", "ml-engineer", "--rounds", "technical"], "--role, --rounds describe a new plan"),
        (["plan", "--remove", "1", "--date", "2099-01-01"], "--remove takes only the plan's id"),
        (["session", "--cram", "--new", "3"], "so leave --new out"),
        (["session", "--flagged", "--new", "0"], "so leave --new out"),
    ):
        result = cli(*args)
        assert result.exit_code == 2 and says in result.stderr, (args, result.stderr)
    assert cli("plan").exit_code == 0


def test_a_drill_leaves_buried_questions_out_until_the_bury_ends(big: Store, clock: FakeClock) -> None:
    """Found by an exploratory tester: --cram and --flagged asked a question buried a minute before, while
    a bury is "not before tomorrow" (and `b` at a cram's prompt says so); Anki's filtered decks leave
    buried cards out too. The drill says what it left out."""
    ids = dict(big.conn.exec_driver_sql("SELECT key, id FROM questions WHERE bank_id = 'big'").all())
    for key in ("big/q1", "big/q2"):
        big.cards.set_flagged(ids[key], True, clock.now)
    big.cards.set_buried(ids["big/q1"], clock.now + timedelta(hours=12), clock.now)
    summary, ui = drill(big, clock, Rating.Good, flagged=True)
    assert ui.shown == ["big/q2"] and summary.answered == 1
    assert (
        "Left out: big/q1, buried until tomorrow (mockprep question unbury big/q1 asks it today)."
        in ui.notices
    )
    summary, ui = drill(big, clock, Rating.Good, cram=True)
    assert "big/q1" not in ui.shown and summary.answered == 29
    big.cards.set_buried(ids["big/q2"], clock.now + timedelta(hours=12), clock.now)
    summary, ui = drill(big, clock, Rating.Good, flagged=True)
    assert summary.answered == 0
    assert summary.nothing == (
        "the 2 questions this drill would ask are buried until tomorrow, big/q1, big/q2 (mockprep question"
        " unbury KEY asks one today)"
    )
    clock.advance(hours=13)  # the bury is over: asked again
    summary, ui = drill(big, clock, Rating.Good, flagged=True)
    assert sorted(ui.shown) == ["big/q1", "big/q2"] and not any("Left out" in n for n in ui.notices)


def test_cram_with_a_narrower_drill_is_refused(cli, cli_clock) -> None:
    """Found by an exploratory tester: `--cram --flagged` ran the flagged drill and `--cram --weakest 3`
    the weakest, without a word. --weakest, --failed-since and --flagged narrow one another; --cram
    (everything) goes alone."""
    today = cli_clock.now.astimezone().date()
    for args, says in (
        (["--cram", "--flagged"], "--cram drills every question selected, --flagged only some"),
        (["--cram", "--weakest", "3"], "--weakest only some: give --weakest without --cram"),
        (["--cram", "--weakest", "3", "--flagged"], "--weakest and --flagged only some"),
    ):
        result = cli("session", *args)
        assert result.exit_code == 2 and says in result.stderr, (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    for args, says in (
        (["--weakest", "2", "--flagged"], "no flagged question has been answered yet"),
        (["--flagged", "--failed-since", f"{today}"], f"no flagged question was rated again since {today}"),
    ):
        result = cli("session", *args)
        text = " ".join(result.stdout.split())
        assert result.exit_code == 0 and f"Nothing to practise: {says}" in text, (args, text)


def test_failed_since_a_day_to_come_is_refused(cli, cli_clock) -> None:
    """Found by an exploratory tester: `--failed-since` a day to come said 'no question was rated again
    since 2026-12-31', as if it were a past day with nothing in it."""
    today = cli_clock.now.astimezone().date()
    result = cli("session", "--failed-since", f"{today + timedelta(days=1)}")
    assert result.exit_code == 2 and result.stderr.strip().endswith(
        f"--failed-since {today + timedelta(days=1)}: that day is still to come; give a past day, or today's"
    )
    assert len(result.stderr.strip().splitlines()) == 1
    assert cli("session", "--failed-since", f"{today}").exit_code == 0  # today's is a past day's start


@pytest.mark.parametrize(
    ("weakest", "bury"),
    [
        (1, (0, 1, 2, 3, 4)),
        (1, (1, 2, 3, 4, 5)),
        (2, (1, 3)),
        (3, (0, 1, 2, 3, 4)),
        (4, (0,)),
        (2, (0, 1, 2)),
    ],
)
def test_weakest_counts_and_names_only_the_buried_questions_it_would_have_asked(
    big: Store, clock: FakeClock, weakest: int, bury: tuple[int, ...]
) -> None:
    """Found by an independent review: `--weakest 1` said "Left out: 6 questions buried" when it would
    have asked one of them at most, and named none. The notice counts the buried questions among the N
    weakest (burying ignored) and names them; a drill that has nothing else to ask says the same."""
    drill(big, clock, Rating.Easy, replace(DEFAULT_SETTINGS, daily_new=3), limit=3)
    clock.advance(days=1)
    drill(big, clock, Rating.Hard, replace(DEFAULT_SETTINGS, daily_new=3), limit=3)
    clock.advance(days=2)
    _summary, ui = drill(big, clock, Rating.Good, weakest=30)
    everything = ui.shown  # the six studied questions, weakest first (a drill leaves schedules alone)
    assert len(everything) == 6
    ids = dict(big.conn.exec_driver_sql("SELECT key, id FROM questions WHERE bank_id = 'big'").all())
    for i in bury:
        big.cards.set_buried(ids[everything[i]], clock.now + timedelta(hours=12), clock.now)
    would_ask = everything[:weakest]
    left_out = [key for key in would_ask if everything.index(key) in bury]
    summary, ui = drill(big, clock, Rating.Good, weakest=weakest)
    assert ui.shown == [key for i, key in enumerate(everything) if i not in bury][:weakest]
    notes = [n for n in ui.notices if "buried" in n]
    if not ui.shown:
        assert not notes and left_out
        assert summary.nothing.startswith(
            f"the one question this drill would ask, {left_out[0]}, is buried until tomorrow"
            if len(left_out) == 1
            else f"the {len(left_out)} questions this drill would ask are buried until tomorrow, "
        )
    elif not left_out:
        assert notes == []
    elif len(left_out) == 1:
        assert notes == [
            f"Left out: {left_out[0]}, buried until tomorrow (mockprep question unbury {left_out[0]}"
            " asks it today)."
        ]
    else:
        assert notes == [
            f"Left out: {len(left_out)} questions buried until tomorrow, {', '.join(left_out)}"
            " (mockprep question unbury KEY asks one today)."
        ]


def test_a_long_list_of_buried_questions_names_the_command_that_lists_them() -> None:
    keys = [f"big/q{i}" for i in range(1, 7)]
    assert buried_text(keys) == (
        "Left out: 6 questions buried until tomorrow, big/q1, big/q2, big/q3, 3 more (mockprep question"
        " unbury KEY asks one today; mockprep question list --buried lists them)."
    )
    assert buried_text(keys[:4]).startswith(
        "Left out: 4 questions buried until tomorrow, big/q1, big/q2, big/q3, big/q4 ("
    )
