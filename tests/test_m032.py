"""The upgrade's m032 (every card's memory recomputed under the weights in use): it never fails on weights
py-fsrs refuses, and what it does to an old home stays what it did when it was released."""

from __future__ import annotations

import json
import shutil
import sqlite3
import tempfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from fsrs.scheduler import LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS
from hypothesis import given, settings
from hypothesis import strategies as st

from mockprep.core.scheduler import FSRS6_WEIGHTS
from mockprep.db.store import Store
from mockprep.paths import DB_NAME

SCHEMAS = Path(__file__).parent / "fixtures" / "schemas"
M032 = "m032_memory_under_adopted_weights"
# A fit a person might have adopted: forgets faster than FSRS's defaults.
FAST = (0.1, 0.5, 1.0, 4.0, *FSRS6_WEIGHTS[4:8], 1.2, *FSRS6_WEIGHTS[9:20], 0.134)


def _v31_home(home: Path, weights: object) -> Path:
    """The schema-v31 fixture (before m032) with its adopted fit's weights set to ``weights``."""
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    shutil.copy(SCHEMAS / "schema-v31.db", home / DB_NAME)
    with sqlite3.connect(home / DB_NAME) as db:
        db.execute("UPDATE fitted_parameters SET weights = ?", (json.dumps(weights),))
    db.close()
    return home


def _card(home: Path) -> tuple:
    with sqlite3.connect(home / DB_NAME) as db:
        row = db.execute("SELECT state, stability, difficulty, due, last_review FROM cards").fetchone()
    db.close()
    return row


@st.composite
def refused_weights(draw: st.DrawFn) -> list[float]:
    """FSRS's defaults with one weight below or above the bounds py-fsrs accepts."""
    weights = list(FSRS6_WEIGHTS)
    index = draw(st.integers(0, len(weights) - 1))
    low, high = LOWER_BOUNDS_PARAMETERS[index], UPPER_BOUNDS_PARAMETERS[index]
    weights[index] = draw(
        st.one_of(
            st.floats(-1000, low, exclude_max=True, allow_nan=False),
            st.floats(high, 1000, exclude_min=True, allow_nan=False),
        )
    )
    return weights


@settings(max_examples=12, deadline=None)
@given(weights=st.one_of(refused_weights(), st.just([0.5] * 21), st.just([1.0, 2.0])))
def test_an_adopted_fit_outside_fsrs_bounds_does_not_fail_the_upgrade(weights: list[float]) -> None:
    """Found by an independent reviewer: a home whose adopted fit py-fsrs refuses (the reviewer's [0.5]*21)
    failed m032 with 'parameters[4] = 0.5 is out of bounds' on every open; the migration rolled back and
    every command failed, export included. The upgrade now completes and leaves the memory as it was."""
    with tempfile.TemporaryDirectory() as root:
        home = _v31_home(Path(root) / "home", weights)
        before = _card(home)
        with Store.open(home, backups=False) as store:
            assert M032 in store.applied_migrations()
        assert _card(home) == before


def test_a_home_with_a_refused_fit_can_still_export_after_the_upgrade(
    home: Path, cli, tmp_path: Path
) -> None:
    _v31_home(home, [0.5] * 21)
    out = tmp_path / "out.json"
    result = cli("export", "-o", str(out))
    assert result.exit_code == 0, result.err
    assert json.loads(out.read_text())["fitted_parameters"][0]["weights"] == [0.5] * 21


# m032's result on the schema-v31 fixture when it was released (2026-12), for the fixture's own fit
# (FSRS's defaults) and one that forgets faster: its card made up (stability 3.5, difficulty 5.1), the
# upgrade replays its log's memory under the weights in use and keeps its state and due date. A change to
# the live code m032 calls that moves these must copy the old logic into the migration instead.
DUE, LAST = "2026-01-09 10:00:00.000000", "2026-01-05 10:00:00.000000"
PINNED = {
    "defaults": (FSRS6_WEIGHTS, (2, 7.277634650570771, 4.010608969296839, DUE, LAST)),
    "fast": (FAST, (2, 3.564699767735205, 4.010608969296839, DUE, LAST)),
}


@pytest.mark.parametrize("name", sorted(PINNED))
def test_m032_result_on_the_v31_fixture_is_pinned(home: Path, name: str) -> None:
    weights, expected = PINNED[name]
    _v31_home(home, list(weights))
    with Store.open(home, backups=False):
        pass
    state, stability, difficulty, due, last = _card(home)
    assert (state, due, last) == (expected[0], expected[3], expected[4])
    assert stability == pytest.approx(expected[1], abs=1e-6)
    assert difficulty == pytest.approx(expected[2], abs=1e-6)


def test_a_refused_fit_is_not_used_so_practice_plan_and_config_work(home: Path, cli) -> None:
    """After the upgrade kept a fit py-fsrs refuses, a session and `plan` ended in its ValueError
    traceback (the weights were still 'in use'): FSRS's defaults schedule instead, and `config list`
    says why and how to put the fit aside."""
    _v31_home(home, [0.5] * 21)
    session = cli("session", "--limit", "1", input="an answer\n\n3\n")
    assert session.exit_code == 0 and "Traceback" not in session.stderr, session.stderr
    plan = cli("plan", "--date", str(date.today() + timedelta(days=30)))
    assert plan.exit_code == 0 and "Traceback" not in plan.stderr, plan.stderr
    listing = " ".join(cli("config", "list").stdout.split())
    assert "Scheduler parameters: FSRS's defaults: your fit of" in listing
    assert "is outside FSRS's bounds" in listing and "mockprep optimize --undo" in listing
    with Store.open(home, backups=False) as store:
        assert store.scheduling.weights() == FSRS6_WEIGHTS
