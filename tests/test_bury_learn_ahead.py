"""Learn-ahead never reaches past a bury: a buried learning question is not asked before its bury ends,
however many minutes early learning questions may be asked (found by an exploratory tester: buried at
19:00, it was asked at 23:41 with the default 20 minutes)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from fsrs import Rating
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockprep.core.card_actions import CardAction, bury_end
from mockprep.core.questions import QuestionFilter
from mockprep.core.scheduler import queue_order
from mockprep.core.settings import DEFAULT_SETTINGS
from mockprep.db.store import Store
from mockprep.practice.session import Session, SessionOptions
from tests.conftest import FakeClock, ScriptedUI

DEMO = QuestionFilter(banks=("demo",))
NEW_YORK = ZoneInfo("America/New_York")
BURIED_AT = datetime(2027, 1, 7, 0, 0, tzinfo=UTC)  # 19:00 in New York
MIDNIGHT = datetime(2027, 1, 7, 5, 0, tzinfo=UTC)  # the next local midnight


def _run(store: Store, clock: FakeClock, answers, ratings, **options):
    ui = ScriptedUI(list(answers), list(ratings), clock=clock)
    opts = SessionOptions(filter=DEMO, tz=NEW_YORK, **options)
    Session(store, ui, clock, random.Random(1), opts, DEFAULT_SETTINGS).run()
    return ui


def _buried_learning_question(store: Store, clock: FakeClock) -> int:
    """q3 rated again at 19:00 (due again a minute later) and buried at the prompt; q1 and q2 suspended."""
    for key in ("demo/q1", "demo/q2"):
        record = store.banks.question_by_key(key)
        assert record is not None
        store.cards.set_suspended(record.id, True, BURIED_AT)
    clock.now = BURIED_AT
    ui = _run(store, clock, ["a"], [CardAction.BURY, Rating.Again], limit=1)
    assert ui.shown == ["demo/q3"]
    record = store.banks.question_by_key("demo/q3")
    assert record is not None
    assert store.cards.marks(record.id).buried_until == bury_end(BURIED_AT, NEW_YORK) == MIDNIGHT
    return record.id


def test_a_buried_learning_question_is_not_asked_in_the_learn_ahead_window(
    demo: Store, clock: FakeClock
) -> None:
    _buried_learning_question(demo, clock)
    clock.now = MIDNIGHT - timedelta(minutes=19)  # 23:41: within 20 minutes of the bury's end
    assert _run(demo, clock, ["c"], [Rating.Good], new=0).shown == []
    clock.now = MIDNIGHT
    assert _run(demo, clock, ["c"], [Rating.Good], new=0, limit=1).shown == ["demo/q3"]


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None, max_examples=60)
@given(
    seconds=st.integers(0, 7 * 3600),
    learn_ahead=st.floats(0, DEFAULT_SETTINGS.learn_ahead_minutes * 72, allow_nan=False),
)
def test_learn_ahead_never_reaches_past_a_bury(
    demo: Store, clock: FakeClock, seconds: int, learn_ahead: float
) -> None:
    """What the queue holds and what the session counts as waiting agree: the buried question from the
    moment its bury ends, never before, whatever the learn-ahead."""
    found = demo.q("SELECT question_id FROM cards WHERE buried_until IS NOT NULL").scalars().all()
    q3 = found[0] if found else _buried_learning_question(demo, clock)
    now = BURIED_AT + timedelta(seconds=seconds)
    window = timedelta(minutes=learn_ahead)
    queue = queue_order(demo.cards.learning_queue(DEMO, now), [], [], now, window)
    expected = [q3] if now >= MIDNIGHT else []
    assert [c.question_id for c in queue] == expected
    assert demo.cards.count_waiting(DEMO, now, now + window) == len(expected)
