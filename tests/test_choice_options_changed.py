"""A choice question's options or correct letter changed under answers recorded as letters (found by an
exploratory tester: 'b' (median) answered, then a new option inserted as b and correct = "c"; bank sync
said "1 updated" and history's 'b' silently meant the new option): bank sync says so, in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

QUESTION = """id = "cb"
title = "C"
round = "technical"
topic = "stats"

[[questions]]
id = "robust"
kind = "choice"
prompt = "{prompt}"
choices = {choices}
correct = "{correct}"
answer = "The median."
key_points = ["median is robust", "mean is not"]
"""
PROMPT = "Which statistic is robust to outliers?"
BEFORE = {"prompt": PROMPT, "choices": '["mean", "median", "max"]', "correct": "b"}


@pytest.mark.parametrize(
    ("edit", "warned"),
    [
        ({"choices": '["mean", "10% trimmed mean", "median", "max"]', "correct": "c"}, True),
        ({"choices": '["median", "mean", "max"]', "correct": "a"}, True),  # reordered
        ({"choices": '["mean", "median", "maximum"]'}, True),  # an option reworded
        ({"correct": "a"}, True),  # the key itself changed
        ({"prompt": "Which statistic resists outliers best?"}, False),  # the options as they were
    ],
)
@pytest.mark.parametrize("answered", [True, False])
def test_bank_sync_warns_when_answered_options_change(
    cli, tmp_path: Path, edit: dict[str, str], warned: bool, answered: bool
) -> None:
    bank = tmp_path / "c.toml"
    bank.write_text(QUESTION.format(**BEFORE), encoding="utf-8")
    assert cli("bank", "add", str(bank)).exit_code == 0
    if answered:
        assert cli("session", "--bank", "cb", input="b\n\n4\nq\n").exit_code == 0
    bank.write_text(QUESTION.format(**(BEFORE | edit)), encoding="utf-8")
    synced = cli("bank", "sync")
    assert synced.exit_code == 0 and "1 updated" in synced.stdout
    lines = [line for line in synced.stderr.splitlines() if "old options" in line]
    if warned and answered:
        assert len(lines) == 1 and "cb/robust" in lines[0] and "1 review" in lines[0], synced.stderr
    else:
        assert lines == [], synced.stderr
