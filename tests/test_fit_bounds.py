"""A fit's weights are checked against the bounds py-fsrs accepts wherever a fit comes in (recorded by
optimize, or read from an export): adopted, weights it refuses fail every rating, replay and upgrade
(found by an independent reviewer: an imported fit of [0.5]*21 made m032 fail on every command)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockprep.core.export_checks import FIT, check_fields
from mockprep.core.field_checks import RecordProblem
from mockprep.core.scheduler import FSRS6_WEIGHTS
from mockprep.db.store import Store
from tests.conftest import START, db_rows
from tests.test_m032 import refused_weights

FIT_RECORD = {
    "id": 1,
    "fitted_at": "2026-03-02T09:00:00+00:00",
    "reviews": 600,
    "log_loss_before": 0.5,
    "log_loss_after": 0.4,
    "rmse_before": 0.4,
    "rmse_after": 0.3,
    "adopted_at": "2026-03-02T09:00:00+00:00",
    "undone_at": None,
}


@settings(max_examples=50, deadline=None)
@given(
    weights=st.one_of(
        refused_weights(), st.lists(st.floats(0.01, 1.0), max_size=30).filter(lambda w: len(w) != 21)
    )
)
def test_an_exported_fit_py_fsrs_refuses_is_one_line_naming_its_weights(weights: list[float]) -> None:
    with pytest.raises(RecordProblem) as refused:
        check_fields({**FIT_RECORD, "weights": weights}, FIT, "fitted_parameters[0]")
    assert refused.value.where == "fitted_parameters[0].weights" and "\n" not in str(refused.value)
    check_fields({**FIT_RECORD, "weights": list(FSRS6_WEIGHTS)}, FIT, "fitted_parameters[0]")  # (taken)


def test_importing_an_export_with_a_refused_fit_says_so_and_writes_nothing(
    cli, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Store.open(tmp_path / "src", backups=False) as store:
        store.scheduling.record_fit(list(FSRS6_WEIGHTS), 600, (0.5, 0.4), (0.4, 0.3), START, adopt=True)
    source = tmp_path / "export.json"
    monkeypatch.setenv("MOCKPREP_HOME", str(tmp_path / "src"))
    assert cli("export", "-o", str(source)).exit_code == 0
    monkeypatch.setenv("MOCKPREP_HOME", str(home))
    doc = json.loads(source.read_text())
    doc["fitted_parameters"][0]["weights"] = [0.5] * 21
    source.write_text(json.dumps(doc))
    result = cli("import", str(source))
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert "fitted_parameters[0].weights" in line and "[4] = 0.5" in line and "Traceback" not in line
    assert db_rows(home, "SELECT COUNT(*) FROM fitted_parameters") == [(0,)]


@settings(max_examples=20, deadline=None)
@given(weights=refused_weights())
def test_recording_a_fit_py_fsrs_refuses_raises_and_keeps_nothing(tmp_path_factory, weights) -> None:
    home = tmp_path_factory.mktemp("home")
    with Store.open(home, backups=False) as store:
        with pytest.raises(ValueError, match=r"^fitted weights \[\d+\] = .* outside FSRS's bounds"):
            store.scheduling.record_fit(weights, 600, (0.5, 0.4), (0.4, 0.3), START, adopt=True)
        assert store.scheduling.fits() == [] and store.scheduling.weights() == FSRS6_WEIGHTS
