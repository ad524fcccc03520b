"""A project round opens with the two-minute pitch: the question of topic "summary". A person's own
project bank without one is told how to mark it, by bank validate and bank add."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from fsrs import Rating

from mockprep.core.questions import QuestionFilter
from mockprep.core.rounds import OPENING_TOPIC
from mockprep.db.store import Store
from mockprep.practice.mock import MockOptions, MockRound
from mockprep.services.bank_sync import sync_banks
from tests.conftest import FakeClock, ScriptedUI

PROJECT = """id = "my-project"
title = "My fraud-detection project"
round = "{round}"
topic = "fraud-model"

[[questions]]
id = "why-lightgbm"
prompt = "Why did you choose gradient boosted trees over a deep model?"
answer = "Latency under 20 ms, tabular features."
key_points = ["latency budget of 20 ms", "tabular features favour trees"]

[[questions]]
id = "pitch"
{pitch_topic}prompt = "Walk me through your fraud detection project in two minutes."
answer = "Rules caught 40% of fraud; the model caught 71% at the same alert budget."
key_points = ["rules caught 40% of fraud", "recall 40% to 71% at the same alert budget"]

[[questions]]
id = "labels"
prompt = "How did you handle label delay?"
answer = "A 45-day maturity window for chargebacks."
key_points = ["45-day label maturity window", "chargebacks arrive weeks later"]
"""


def project_bank(tmp_path: Path, marked: bool, round: str = "project") -> Path:
    path = tmp_path / "banks" / "my-project.toml"
    path.parent.mkdir(exist_ok=True)
    pitch_topic = f'topic = "{OPENING_TOPIC}"\n' if marked else ""
    path.write_text(PROJECT.format(round=round, pitch_topic=pitch_topic), encoding="utf-8")
    return path


def opener_notes(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if f'topic = "{OPENING_TOPIC}"' in line]


@pytest.mark.parametrize("command", ["validate", "add"])
def test_a_project_bank_without_its_pitch_marked_is_told_how_to_mark_it(
    cli, tmp_path: Path, command: str
) -> None:
    """Found by an exploratory tester: README says the project round always opens with the pitch, but a
    person's own bank opened with whatever question came up (the opener is the topic "summary")."""
    result = cli("bank", command, str(project_bank(tmp_path, marked=False)))
    assert result.exit_code == 0, result.stderr
    (note,) = opener_notes(result.stderr)
    assert note.startswith("note: ") and "my-project" in note and "pitch" in note


@pytest.mark.parametrize("command", ["validate", "add"])
@pytest.mark.parametrize(("marked", "round"), [(True, "project"), (False, "technical")])
def test_a_bank_with_its_pitch_marked_or_of_another_round_gets_no_such_note(
    cli, tmp_path: Path, command: str, marked: bool, round: str
) -> None:
    result = cli("bank", command, str(project_bank(tmp_path, marked, round)))
    assert result.exit_code == 0, result.stderr
    assert opener_notes(result.stderr) == []


@pytest.mark.parametrize("seed", range(5))
def test_a_round_of_ones_own_project_bank_opens_with_the_question_marked_summary(
    store: Store, clock: FakeClock, tmp_path: Path, seed: int
) -> None:
    project_bank(tmp_path, marked=True)
    store.banks.add_source(tmp_path / "banks", clock.now)
    sync_banks(store, clock.now)
    ui = ScriptedUI(["an answer"] * 3 + [None], [Rating.Good] * 3, clock=clock)
    options = MockOptions(filter=QuestionFilter(banks=("my-project",)))
    MockRound(store, ui, clock, random.Random(seed), "project", options).run()
    assert ui.shown[0] == "my-project/pitch"
