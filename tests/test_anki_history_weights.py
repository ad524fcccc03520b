"""`bank import --with-history` schedules each batch with the weights in use as its transaction reads
them: a fit adopted by another terminal during a long import (found by an independent reviewer) applies
to the questions written after it, as the adoption's recompute applies it to those written before."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

pytest.importorskip("anki")

from mockprep.core.scheduler import FSRS6_WEIGHTS, states_before  # noqa: E402
from tests.conftest import db_rows  # noqa: E402
from tests.test_anki_history_import import _many  # noqa: E402

# A fit another terminal adopts meanwhile: forgets faster than FSRS's defaults.
FAST = (0.1, 0.5, 1.0, 4.0, *FSRS6_WEIGHTS[4:8], 1.2, *FSRS6_WEIGHTS[9:20], 0.134)


@pytest.mark.parametrize("after_batch", [1, 2])
def test_a_fit_adopted_during_an_import_schedules_the_batches_after_it(
    cli, tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch, after_batch: int
) -> None:
    from mockprep.core.settings import DEFAULT_SETTINGS
    from mockprep.db.card_replay import logs, weights_in_use
    from mockprep.db.store import Store
    from mockprep.services import anki_history
    from mockprep.services.bank_import import ImportOptions, import_bank

    package = _many(tmp_path, 6)
    added = cli("bank", "import", str(package), "-o", str(tmp_path / "hist.toml"), "--id", "hist", "--add")
    assert added.exit_code == 0, added.stderr
    made = import_bank(package, ImportOptions(bank_id="hist", with_history=True), DEFAULT_SETTINGS)
    monkeypatch.setattr(anki_history, "BATCH_ANSWERS", 5)  # two questions a transaction
    now = datetime.now(UTC)
    importing, other = Store.open(home), Store.open(home)
    batches = []

    def meanwhile(_report: anki_history.HistoryReport) -> None:
        batches.append(1)
        if len(batches) == after_batch:  # another terminal adopts a fit between two batches
            other.scheduling.record_fit(list(FAST), 600, (0.5, 0.4), (0.4, 0.3), now, adopt=True)

    try:
        anki_history.apply_history(importing, "hist", made.history, made.dues, now, progress=meanwhile)
        raw = importing.conn.raw
        assert weights_in_use(raw) == FAST
        for qid, created, log in logs(raw):
            replayed, _ = states_before(qid, created, log, FAST)
            stored = importing.cards.card(qid)
            assert (stored.stability, stored.difficulty) == (replayed.stability, replayed.difficulty), qid
    finally:
        importing.close()
        other.close()
    used = {
        tuple(json.loads(p)["parameters"])
        for (p,) in db_rows(
            home, "SELECT DISTINCT p.parameters FROM reviews r JOIN scheduler_params p ON p.id = r.params_id"
        )
    }
    assert used == {FSRS6_WEIGHTS, FAST}  # the batches before the fit and those after it
