"""A typed answer to a question that asks to be told at a length (a pitch "in about two minutes", a
behavioral story) is shown how long it lasts told aloud, against core.stories.telling_range; one under
half the length asked for is suggested hard at most, whatever key points it names. And a mock says an
answer ran over its limit as it is given. Found by an exploratory tester: a 61-word pitch (about 25 s
aloud) to "walk me through your project in two minutes" was suggested easy, with no word of its length,
and a mock's over-time answer went straight to the follow-up."""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fsrs import Rating
from hypothesis import given
from hypothesis import strategies as st

from mockprep.core.grading import Assessment
from mockprep.core.questions import QuestionFilter
from mockprep.core.stories import TELLING_AIM_SECONDS, telling_range
from mockprep.core.story_check import WORDS_PER_MINUTE
from mockprep.core.telling import Telling, asked_length, held_to
from mockprep.db.store import Store
from mockprep.practice.mock import MockOptions, MockRound
from mockprep.practice.session import Session, SessionOptions
from mockprep.services.bank_sync import sync_banks
from mockprep.terminal.stories import telling_verdict
from tests.conftest import FakeClock, ScriptedUI

_WORDS = {1: "one", 2: "two", 3: "three", 5: "five", 10: "ten", 20: "twenty", 30: "thirty", 90: "ninety"}


@given(
    st.sampled_from(sorted(_WORDS)),
    st.booleans(),
    st.sampled_from(["minute", "second"]),
    st.sampled_from(["", "about ", "under ", "roughly "]),
    st.sampled_from(
        [
            "Pick a project and walk me through it in {q}{n} {u}.",
            "Tell me about a time you failed, in {q}{n} {u}.",
            "In {q}{n} {u}, explain what your thesis found.",
            "Give me your {n}-{u} pitch for the project.",
        ]
    ),
)
def test_a_prompt_asking_for_a_telling_of_a_length_is_read_for_it(
    n: int, in_words: bool, unit: str, qualifier: str, template: str
) -> None:
    seconds = n * (60 if unit == "minute" else 1)
    number = _WORDS[n] if in_words else str(n)
    plural = unit if "-" in template or n == 1 else unit + "s"
    prompt = template.format(q=qualifier, n=number, u=plural)
    assert asked_length(prompt) == (seconds if 10 <= seconds <= 600 else None), prompt


@pytest.mark.parametrize(
    "prompt",
    [
        "A retraining job finishes in 20 minutes. What would you change?",
        "Errors arrive 3 per hour. What is the chance of 2 in a 30-minute window?",
        "How would you structure a 20-minute talk on your paper?",  # the talk's length, not the answer's
        "Tell me about a time you disagreed with a senior colleague.",  # (a story, but no length named)
    ],
)
def test_a_length_that_is_not_the_answers_is_not_read_as_asked(prompt: str) -> None:
    assert asked_length(prompt) is None


_OFFLINE = Assessment((), None, 4, "key points")


@given(
    st.integers(1, 500),
    st.sampled_from([60.0, 90.0, 120.0, 180.0]),
    st.booleans(),
    st.integers(1, 4),
    st.one_of(st.none(), st.integers(1, 4)),
)
def test_only_an_answer_far_short_of_a_length_asked_for_is_held_down(
    words: int, aim: float, asked: bool, suggested: int, ceiling: int | None
) -> None:
    telling = Telling(words * 60 / WORDS_PER_MINUTE, aim, asked, words)
    low, high = telling_range(aim)
    assert telling.within == (low <= telling.seconds <= high)
    # "far short" is what a rehearsal calls much shorter than its target
    assert telling.far_short == telling_verdict(telling.seconds, aim).startswith("Much shorter")
    held = held_to(replace(_OFFLINE, suggested=suggested, ceiling=ceiling), telling)
    if asked and telling.seconds < aim / 2:
        assert held.suggested == min(suggested, 2, ceiling or 4) and held.ceiling == min(2, ceiling or 4)
        assert "hard at most" in telling.why()
    else:  # a behavioral story that names no length, or one not far short: its key points decide
        assert (held.suggested, held.ceiling) == (suggested, ceiling)


POINTS = [
    "long-context readers waste compute on irrelevant passages",
    "a learned sparse retriever selects 8 of 200 passages",
    "I designed the scoring head and my co-author built the data pipeline",
    "exact match stayed the same at six times lower inference cost",
]
PITCH = ". ".join(POINTS) + "."  # about 40 words: every key point, said in about 16 s
DETAIL = " The reader only sees what the retriever keeps, so the cost falls with the passages it drops."


@pytest.fixture
def pitch_bank(store: Store, tmp_path: Path, clock: FakeClock) -> Store:
    folder = tmp_path / "mine"
    folder.mkdir()
    points = ", ".join(f'"{p}"' for p in POINTS)
    questions = [
        ("project", "pitch", "Walk me through your retrieval project in two minutes."),
        ("behavioral", "story", "Tell me about a project you are proud of."),
    ]
    for round_, qid, prompt in questions:
        extra = 'competencies = ["ownership"]\n' if round_ == "behavioral" else ""
        (folder / f"{qid}.toml").write_text(
            f'id = "{qid}s"\ntitle = "T"\nround = "{round_}"\nroles = ["ml-researcher"]\ntopic = "t"\n\n'
            f'[[questions]]\nid = "{qid}"\nprompt = "{prompt}"\nanswer = "A model answer."\n'
            f"key_points = [{points}]\n{extra}",
            encoding="utf-8",
        )
    store.banks.add_source(folder, clock.now)
    sync_banks(store, clock.now)
    return store


@dataclass
class TellingUI(ScriptedUI):
    tellings: list[Telling | None] = field(default_factory=list)  # what each reveal showed

    def show_reveal(self, attempt) -> None:
        super().show_reveal(attempt)
        self.tellings.append(attempt.telling)


def session(store: Store, clock: FakeClock, bank: str, answer: str, seconds: float) -> TellingUI:
    ui = TellingUI([answer], [Rating.Good], clock=clock, answer_seconds=seconds)
    options = SessionOptions(filter=QuestionFilter(banks=(bank,)), tz=ZoneInfo("UTC"))
    Session(store, ui, clock, random.Random(1), options).run()
    return ui


def test_a_pitch_far_short_of_the_two_minutes_asked_is_suggested_hard_and_says_why(
    pitch_bank: Store, clock: FakeClock
) -> None:
    # typed over two minutes by the clock, but its words last about 16 s told aloud
    ui = session(pitch_bank, clock, "pitchs", PITCH, 130)
    (telling,) = ui.tellings
    assert telling is not None and telling.words is not None and telling.seconds < 30
    assert telling.aim == 120 and telling.far_short and "under half" in telling.line()
    assert ui.suggestions == [Rating.Hard]  # every key point named: easy on key points alone
    assert any("hard at most" in n and "2m" in n for n in ui.notices)


def test_a_pitch_of_about_two_minutes_is_judged_on_its_key_points(
    pitch_bank: Store, clock: FakeClock
) -> None:
    answer = PITCH + DETAIL * 14  # about 290 words: 1m56s told aloud
    ui = session(pitch_bank, clock, "pitchs", answer, 130)
    (telling,) = ui.tellings
    assert telling is not None and telling.within
    assert ui.suggestions == [Rating.Easy]
    assert not any("at most" in n for n in ui.notices)


def test_a_short_behavioral_story_is_shown_its_length_but_not_held_down(
    pitch_bank: Store, clock: FakeClock
) -> None:
    ui = session(pitch_bank, clock, "storys", PITCH, 20)
    (telling,) = ui.tellings
    assert telling is not None and telling.aim == TELLING_AIM_SECONDS and telling.far_short
    assert ui.suggestions == [Rating.Easy]  # (interviewers rated short typed stories easy: README)


class EventsUI(ScriptedUI):
    def notice(self, text: str) -> None:
        super().notice(text)
        self.events.append(f"notice {text}")

    def show_follow_up(self, text, countdown) -> None:
        super().show_follow_up(text, countdown)
        self.events.append("follow-up")


@pytest.mark.parametrize("seconds", [60, 215])
def test_a_mock_says_an_answer_ran_over_its_limit_as_it_is_given(
    store: Store, clock: FakeClock, seconds: float
) -> None:
    sync_banks(store, clock.now)
    ui = EventsUI(["my answer", "my reply"] * 3, [Rating.Good] * 3, clock=clock, answer_seconds=seconds)
    report = MockRound(store, ui, clock, random.Random(3), "behavioral", MockOptions(minutes=5)).run()
    first = report.answers[0].attempt.timing
    assert first.limit == 150
    asked = ui.events.index(next(e for e in ui.events if e.startswith("ask")))
    follow_up = ui.events.index("follow-up")
    said = [e for e in ui.events[asked:follow_up] if e.startswith("notice") and "over the" in e]
    if first.overtime > 0:  # 215 s of 2m30s: 1m05s over, said before the follow-up
        assert len(said) == 1 and "1m05s over the 2m30s limit" in said[0]
    else:
        assert said == []
