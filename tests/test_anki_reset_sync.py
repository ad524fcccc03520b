"""A reset in Anki taken by one device's `bank import --with-history` reaches the others: the answers it
turned into cram reviews are sent again at the next sync (m034) and taken by a merge (sync or
`import --merge`), so every device leaves them out of the schedule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

pytest.importorskip("anki")

from tests.conftest import db_rows  # noqa: E402
from tests.test_anki_history_import import (  # noqa: E402
    _import,
    reset_packages,
)


def _packages(tmp_path: Path) -> tuple[Path, Path]:
    """Two questions learnt in Anki (the first package), then both reset there, one answered Again as
    a new card (the second)."""
    first, second, _in_anki = reset_packages(tmp_path)
    return first, second


def _schedule(home: Path) -> tuple[list[tuple], list[tuple]]:
    """What two devices must agree on: each review's uid, cram flag and state before it; each card's
    memory and last review, and whether it is due now. (Its due time itself is Anki's on the device that
    imported, a replay's on the other, when Anki's last answer is the card's: both in the past here.)"""
    reviews = db_rows(home, "SELECT hex(uid), rated_at, cram, state_before FROM reviews ORDER BY uid")
    cards = db_rows(
        home,
        "SELECT q.key, c.state, c.step, round(c.stability, 9), round(c.difficulty, 9), c.last_review,"
        f" c.due <= '{datetime.now(UTC) + timedelta(minutes=5):%Y-%m-%d %H:%M:%S}'"
        " FROM cards c JOIN questions q ON q.id = c.question_id WHERE q.key LIKE 'hist/%' ORDER BY q.key",
    )
    return reviews, cards


def _raw(home: Path, *statements: str) -> None:
    import sqlite3

    from mockprep.paths import DB_NAME

    con = sqlite3.connect(home / DB_NAME)
    with con:
        for statement in statements:
            con.execute(statement)
    con.close()


def _before_m034(home: Path) -> None:
    """The home as an older mockprep left it: no trigger sending turned reviews, m034 not applied."""
    _raw(
        home,
        "DROP TRIGGER reviews_recounted",
        "DELETE FROM migrations WHERE name = 'm034_recounted_reviews_sent'",
    )


@pytest.mark.parametrize("way", ["sync", "import --merge", "sync, both upgraded since"])
def test_reviews_an_anki_reset_turns_into_cram_reach_the_other_device(
    cli, tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch, way: str
) -> None:
    """Found by a reviewer: both devices imported the first package; one imported the second, after a
    reset in Anki, and turned the answers before the reset into cram reviews; the other kept counting
    them (the turned reviews were never sent, and a merge skipped reviews it held), so its cards kept
    the old memory and due dates. It now ends as the device that imported."""
    first, second = _packages(tmp_path)
    other = tmp_path / "other-home"
    folder = tmp_path / "shared"
    folder.mkdir()

    def on(device: Path, *args: str):
        monkeypatch.setenv("MOCKPREP_HOME", str(device))
        result = cli(*args)
        assert result.exit_code == 0, result.stderr
        return result

    for device in (home, other):
        monkeypatch.setenv("MOCKPREP_HOME", str(device))
        assert _import(cli, first, tmp_path).exit_code == 0
        if way != "import --merge":
            on(device, "sync", "--folder", str(folder))
    assert _schedule(home) == _schedule(other)
    monkeypatch.setenv("MOCKPREP_HOME", str(home))
    assert "came before a reset in Anki" in _import(cli, second, tmp_path).stdout
    if way == "sync":
        on(home, "sync")
        on(other, "sync")
    elif way != "import --merge":
        # This home turned them with an older mockprep (nothing queued to send), the other read its
        # lines with one (a merge that skipped reviews it held); both upgrade, then sync.
        _raw(home, "DELETE FROM sync_changes WHERE row_id IN (SELECT id FROM reviews WHERE cram)")
        _before_m034(home)
        on(home, "sync")
        with monkeypatch.context() as old:
            old.setattr("mockprep.db.merge._Merger._take_cram", lambda self: None)
            on(other, "sync")
        assert _schedule(other)[0] != _schedule(home)[0]
        _before_m034(other)
        on(other, "sync")
    else:
        package = tmp_path / "home.mockprep"
        on(home, "export", "-o", str(package))
        on(other, "import", str(package), "--merge")
    reviews, cards = _schedule(home)
    assert sum(cram for _, _, cram, _ in reviews) == 6  # the three before each reset
    assert {(c[1], c[3], c[6]) for c in cards} == {(1, None, 1), (1, 0.212, 1)}  # new; learning anew
    assert _schedule(other) == (reviews, cards)
    if way != "import --merge":
        on(other, "sync")
        on(home, "sync")
    assert _schedule(home) == _schedule(other) == (reviews, cards)  # nothing sent back changes either
