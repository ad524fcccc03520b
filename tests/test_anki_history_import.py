"""`bank import --with-history` against collections built with Anki's own library: a reset in Anki, its
suspended and buried cards, a history written in batches (all of a question's answers or none, each
once when two imports run together), and answers given in Anki since an earlier import."""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

pytest.importorskip("anki")

from anki.collection import Collection, DeckIdLimit, ExportAnkiPackageOptions  # noqa: E402

from tests.conftest import db_rows  # noqa: E402

DAY_MS = 86_400_000
NOW_MS = int(time.time() * 1000)


def _new_collection(path: Path) -> Collection:
    col = Collection(str(path))
    col.set_config("fsrs", True)
    return col


def _add(col: Collection, front: str) -> int:
    """A Basic note in deck 'History' (its answer gives two key points); its card's id."""
    note = col.new_note(col.models.by_name("Basic"))
    note["Front"] = front
    note["Back"] = "The first point of the answer. The second point of the answer."
    col.add_note(note, col.decks.id("History"))
    return note.cards()[0].id


def _revlog(col: Collection, card_id: int, rows: list[tuple[int, int, int, int]]) -> None:
    """Log rows ``(ms, ease, type, factor)`` for the card (as a study session would have left them)."""
    for ms, ease, kind, factor in rows:
        col.db.execute(
            "INSERT INTO revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type)"
            " VALUES (?, ?, -1, ?, 1, 0, ?, 6000, ?)",
            ms,
            card_id,
            ease,
            factor,
            kind,
        )


def _review_card(col: Collection, card_id: int, days: int = 5) -> None:
    col.db.execute(
        "UPDATE cards SET type = 2, queue = 2, due = ?, ivl = 20, reps = 5 WHERE id = ?",
        col.sched.today + days,
        card_id,
    )


def _export(col: Collection, package: Path) -> Path:
    options = ExportAnkiPackageOptions(
        with_scheduling=True, with_deck_configs=True, with_media=False, legacy=False
    )
    col.export_anki_package(
        out_path=str(package), options=options, limit=DeckIdLimit(col.decks.id("History"))
    )
    return package


def _import(cli, package: Path, tmp_path: Path):
    out = tmp_path / "hist.toml"
    args = ("bank", "import", str(package), "-o", str(out), "--id", "hist", "--add", "--with-history")
    return cli(*args, "--force")


def _learned(start: int) -> list[tuple[int, int, int, int]]:
    """Learnt on a day (good, good ten minutes later), then good in review five days later."""
    return [(start, 3, 0, 0), (start + 600_000, 3, 0, 0), (start + 5 * DAY_MS, 3, 1, 2500)]


def _card(home: Path, front: str) -> tuple:
    [row] = db_rows(
        home,
        "SELECT c.state, c.stability, c.difficulty, c.due, c.last_review, c.suspended_at, c.buried_until,"
        " (SELECT COUNT(*) FROM reviews r WHERE r.question_id = q.id),"
        " (SELECT COUNT(*) FROM reviews r WHERE r.question_id = q.id AND r.cram)"
        f" FROM cards c JOIN questions q ON q.id = c.question_id WHERE json_extract(q.data, '$.prompt') = '{front}'",
    )
    return row


def test_a_card_reset_in_anki_starts_over_as_anki_has_it(cli, tmp_path: Path, home: Path) -> None:
    """Reviewed, lapsed once, then reset ("Forget") and answered again: a new learning card in Anki. Its
    answers before the reset are cram reviews (history, not schedule), and the card is Anki's."""
    col = _new_collection(tmp_path / "reset.anki2")
    try:
        card_id = _add(col, "What does a reset keep?")
        start = NOW_MS - 60 * DAY_MS
        lapse = start + 30 * DAY_MS
        _revlog(
            col,
            card_id,
            [
                *_learned(start),
                (lapse, 1, 1, 2500),
                (lapse + 600_000, 3, 2, 2500),
                (start + 40 * DAY_MS, 3, 1, 2500),
                (NOW_MS - DAY_MS, 0, 4, 0),  # the reset
                (NOW_MS - DAY_MS + 1000, 1, 0, 0),  # again, as a new card
            ],
        )
        col.db.execute(
            "UPDATE cards SET type = 1, queue = 1, due = ?, left = 2 WHERE id = ?", NOW_MS // 1000, card_id
        )
        in_anki = col.compute_memory_state(card_id)
        package = _export(col, tmp_path / "reset.apkg")
    finally:
        col.close()
    result = _import(cli, package, tmp_path)
    assert result.exit_code == 0, result.stderr
    state, stability, difficulty, _due, last, _s, _b, reviews, cram = _card(home, "What does a reset keep?")
    assert (reviews, cram) == (7, 6)  # every answer kept; the six before the reset no longer schedule it
    assert state == 1  # learning, as a new card answered again is
    assert stability == pytest.approx(in_anki.stability, abs=1e-3)
    assert difficulty == pytest.approx(in_anki.difficulty, abs=1e-3)
    assert datetime.fromisoformat(last).replace(tzinfo=UTC) == datetime.fromtimestamp(
        (NOW_MS - DAY_MS + 1000) / 1000, UTC
    )
    assert "6 of them came before a reset in Anki" in result.stdout
    [(lapses,)] = db_rows(
        home, "SELECT COUNT(*) FROM reviews WHERE rating = 1 AND state_before = 2 AND NOT cram"
    )
    assert lapses == 0  # the lapse before the reset no longer counts toward a leech


def _leech_log(start: int, lapses: int) -> list[tuple[int, int, int, int]]:
    rows = _learned(start)
    for k in range(1, lapses + 1):
        at = start + (5 + 3 * k) * DAY_MS
        rows += [(at, 1, 1, 2500), (at + 600_000, 3, 2, 2500)]
    return rows


def test_suspended_in_anki_arrive_suspended_and_no_leech_is_suspended_by_the_import(
    cli, tmp_path: Path, home: Path
) -> None:
    """A card suspended in Anki is suspended here; a card forgotten 9 times, active in Anki (whose leech
    action tags by default), stays active: the summary names it as a leech by mockprep's rule."""
    col = _new_collection(tmp_path / "marks.anki2")
    try:
        leech = _add(col, "Which card keeps lapsing?")
        _revlog(col, leech, _leech_log(NOW_MS - 50 * DAY_MS, 9))
        _review_card(col, leech)
        paused = _add(col, "Which card was suspended?")
        _revlog(col, paused, _learned(NOW_MS - 20 * DAY_MS))
        _review_card(col, paused)
        col.sched.suspend_cards([paused])
        new_paused = _add(col, "Which new card was suspended?")
        col.sched.suspend_cards([new_paused])
        package = _export(col, tmp_path / "marks.apkg")
    finally:
        col.close()
    result = _import(cli, package, tmp_path)
    assert result.exit_code == 0, result.stderr
    assert _card(home, "Which card keeps lapsing?")[5] is None
    assert _card(home, "Which card was suspended?")[5] is not None
    assert _card(home, "Which new card was suspended?")[5] is not None
    assert "Suspended as in Anki: 2 question(s)" in result.stdout
    leech_line = next(line for line in result.stdout.splitlines() if line.startswith("Leeches"))
    assert "(9)" in leech_line and "mockprep question suspend hist/" in leech_line
    # a suspension lifted here is not set again by the next import
    [(key,)] = db_rows(
        home,
        "SELECT q.key FROM questions q JOIN cards c ON c.question_id = q.id"
        " WHERE json_extract(q.data, '$.prompt') = 'Which card was suspended?'",
    )
    assert cli("question", "unsuspend", key).exit_code == 0
    again = _import(cli, package, tmp_path)
    assert again.exit_code == 0 and "Suspended as in Anki" not in again.stdout
    assert _card(home, "Which card was suspended?")[5] is None


def _changed(package: Path) -> datetime:
    """When the package's collection last changed (its col.mod), as Anki wrote it."""
    import sqlite3
    import zipfile

    import zstandard

    unpacked = package.with_suffix(".anki21")
    with zipfile.ZipFile(package) as archive, archive.open("collection.anki21b") as member:
        unpacked.write_bytes(zstandard.ZstdDecompressor().stream_reader(member).read())
    con = sqlite3.connect(unpacked)
    try:
        [(mod,)] = con.execute("SELECT mod FROM col").fetchall()
    finally:
        con.close()
    return datetime.fromtimestamp(mod // 1000, UTC)


def test_buried_in_anki_today_stays_buried_until_the_next_day(
    cli, cli_clock, tmp_path: Path, home: Path
) -> None:
    """Buried until the next day starts after the export, and not once it has begun. The import's clock
    is pinned to the export's time (it read the wall clock, and failed when a day started between)."""
    col = _new_collection(tmp_path / "bury.anki2")
    try:
        buried = _add(col, "Which card was buried?")
        _revlog(col, buried, _learned(NOW_MS - 20 * DAY_MS))
        _review_card(col, buried, days=0)
        col.sched.bury_cards([buried], manual=True)
        package = _export(col, tmp_path / "bury.apkg")
    finally:
        col.close()
    exported = cli_clock.now = _changed(package)
    result = _import(cli, package, tmp_path)
    assert result.exit_code == 0, result.stderr
    until = _card(home, "Which card was buried?")[6]
    assert until is not None
    until = datetime.fromisoformat(until).replace(tzinfo=UTC)
    assert exported < until <= exported + timedelta(days=1)
    assert "Buried until your next day, as in Anki: 1 question(s)." in result.stdout
    cli_clock.now = until  # the next day has begun: Anki has unburied it, and so does the import
    assert "Buried until" not in _import(cli, package, tmp_path).stdout


def reset_packages(tmp_path: Path) -> tuple[Path, Path, object]:
    """Two questions learnt in Anki (the first package), then both reset there ("Forget"), one answered
    Again as a new card (the second package); and Anki's own memory state of that card."""
    col = _new_collection(tmp_path / "forgot.anki2")
    try:
        again = _add(col, "Which card was reset and answered again?")
        alone = _add(col, "Which card was reset and left?")
        for offset, card_id in enumerate((again, alone)):
            _revlog(col, card_id, _learned(NOW_MS - 40 * DAY_MS + offset * 3_600_000))  # (ids unique)
            _review_card(col, card_id)
        first = _export(col, tmp_path / "first.apkg")
        _revlog(col, again, [(NOW_MS - DAY_MS, 0, 4, 0), (NOW_MS - DAY_MS + 1000, 1, 0, 0)])
        col.db.execute(
            "UPDATE cards SET type = 1, queue = 1, due = ?, left = 2 WHERE id = ?", NOW_MS // 1000, again
        )
        _revlog(col, alone, [(NOW_MS - DAY_MS + 5000, 0, 4, 0)])
        col.db.execute("UPDATE cards SET type = 0, queue = 0, due = 1, ivl = 0 WHERE id = ?", alone)
        in_anki = col.compute_memory_state(again)
        second = _export(col, tmp_path / "second.apkg")
    finally:
        col.close()
    return first, second, in_anki


def test_a_reset_in_anki_since_an_import_is_taken_on_the_next(cli, tmp_path: Path, home: Path) -> None:
    """Found by a reviewer: learnt in Anki and imported, then reset there ("Forget") and answered again,
    the next import added the new answer but kept the earlier ones scheduling the card (4 reviews, 0
    cram, relearning, stability 2.05; Anki: a new learning card, 0.212), and a reset with no answer after
    it changed nothing. Both now end as a first import of the later package gives them."""
    first, second, in_anki = reset_packages(tmp_path)
    assert _import(cli, first, tmp_path).exit_code == 0
    assert _card(home, "Which card was reset and left?")[0] == 2  # in review, as in Anki then
    result = _import(cli, second, tmp_path)
    assert result.exit_code == 0, result.stderr
    state, stability, difficulty, _due, last, _s, _b, reviews, cram = _card(
        home, "Which card was reset and answered again?"
    )
    assert (reviews, cram) == (4, 3)  # the three before the reset no longer schedule it
    assert state == 1  # learning, as a new card answered again is
    assert stability == pytest.approx(in_anki.stability, abs=1e-3)
    assert difficulty == pytest.approx(in_anki.difficulty, abs=1e-3)
    assert datetime.fromisoformat(last).replace(tzinfo=UTC) == datetime.fromtimestamp(
        (NOW_MS - DAY_MS + 1000) / 1000, UTC
    )
    left = _card(home, "Which card was reset and left?")
    assert left[7:] == (3, 3) and left[4] is None and left[1] is None  # no memory: a new card
    assert "6 review(s) already here came before a reset in Anki" in result.stdout
    third = _import(cli, second, tmp_path)
    assert "already here" not in third.stdout and "2 question(s) already had all" in third.stdout
    assert _card(home, "Which card was reset and answered again?")[:5] == (
        state,
        stability,
        difficulty,
        _due,
        last,
    )


def test_a_cram_review_here_stays_one_whatever_anki_says(cli, tmp_path: Path, home: Path) -> None:
    """A review held as cram (a drill, an answer before a reset) goes to Anki as an ordinary answer, so
    Anki counting it is no news: an import takes a review out of the schedule, never puts one in."""
    import sqlite3

    from mockprep.paths import DB_NAME

    col = _new_collection(tmp_path / "drilled.anki2")
    try:
        card_id = _add(col, "Which answer was a drill here?")
        _revlog(col, card_id, _learned(NOW_MS - 40 * DAY_MS))
        _review_card(col, card_id)
        package = _export(col, tmp_path / "drilled.apkg")
    finally:
        col.close()
    assert _import(cli, package, tmp_path).exit_code == 0
    con = sqlite3.connect(home / DB_NAME)
    with con:
        con.execute("UPDATE reviews SET cram = 1 WHERE id = (SELECT MAX(id) FROM reviews)")
    con.close()
    again = _import(cli, package, tmp_path)
    assert again.exit_code == 0 and "1 question(s) already had all" in again.stdout
    assert _card(home, "Which answer was a drill here?")[7:] == (3, 1)


def test_answers_given_in_anki_since_an_import_are_added_and_the_card_replayed(
    cli, tmp_path: Path, home: Path
) -> None:
    """An import, then more answers in Anki (or an import cut short): the next import adds exactly the
    answers the question lacks, says so, and replays its card; a third adds nothing and changes nothing."""
    path = tmp_path / "later.anki2"
    col = _new_collection(path)
    start = NOW_MS - 40 * DAY_MS
    try:
        card_id = _add(col, "What came later?")
        _revlog(col, card_id, _learned(start))
        _review_card(col, card_id)
        first = _export(col, tmp_path / "first.apkg")
        _revlog(
            col, card_id, [(start + 15 * DAY_MS, 1, 1, 2500), (start + 15 * DAY_MS + 600_000, 3, 2, 2500)]
        )
        second = _export(col, tmp_path / "second.apkg")
    finally:
        col.close()
    assert _import(cli, first, tmp_path).exit_code == 0
    assert _card(home, "What came later?")[7] == 3
    result = _import(cli, second, tmp_path)
    assert result.exit_code == 0, result.stderr
    assert (
        "History: 2 Anki answer(s) became reviews of 1 question(s) (1 of them had reviews already"
        in result.stdout
    )
    card = _card(home, "What came later?")
    assert card[7] == 3 + 2 and card[0] == 2  # every answer once; back in review after the lapse
    [(lapses,)] = db_rows(home, "SELECT COUNT(*) FROM reviews WHERE rating = 1 AND state_before = 2")
    assert lapses == 1  # the added lapse replayed in order, as a lapse of a review card
    third = _import(cli, second, tmp_path)
    assert (
        "History: 0 Anki answer(s) became reviews of 0 question(s); 1 question(s) already had all"
        in third.stdout
    )
    assert _card(home, "What came later?") == card


def _many(tmp_path: Path, count: int) -> Path:
    col = _new_collection(tmp_path / "many.anki2")
    try:
        for n in range(count):
            card_id = _add(col, f"Question number {n}?")
            _revlog(col, card_id, _learned(NOW_MS - (30 + n) * DAY_MS + n * 1000))
            _review_card(col, card_id)
        return _export(col, tmp_path / "many.apkg")
    finally:
        col.close()


def _answers_per_question(home: Path) -> list[tuple]:
    return db_rows(
        home,
        "SELECT n, COUNT(*) FROM (SELECT COUNT(r.id) AS n FROM questions q LEFT JOIN reviews r"
        " ON r.question_id = q.id WHERE q.bank_id = 'hist' GROUP BY q.id) GROUP BY n",
    )


def test_an_import_cut_short_leaves_whole_questions_and_the_next_completes_them(
    cli, tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mockprep.db import imported_reviews
    from mockprep.services import anki_history

    package = _many(tmp_path, 6)
    monkeypatch.setattr(anki_history, "BATCH_ANSWERS", 5)  # two questions a transaction
    real = imported_reviews.insert
    calls = []

    def insert_then_interrupt(conn, rows):  # Ctrl-C while the second batch is written
        calls.append(1)
        done = real(conn, rows)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return done

    monkeypatch.setattr(imported_reviews, "insert", insert_then_interrupt)
    result = _import(cli, package, tmp_path)
    assert result.exit_code == 130
    assert "History: interrupted after 2 of 6 questions: 6 Anki answer(s) added" in result.stderr
    assert _answers_per_question(home) == [(0, 4), (3, 2)]  # whole questions: the batch cut short is gone
    monkeypatch.setattr(imported_reviews, "insert", real)
    again = _import(cli, package, tmp_path)
    assert again.exit_code == 0, again.stderr
    assert (
        "History: 12 Anki answer(s) became reviews of 4 question(s); 2 question(s) already had all"
        in again.stdout
    )
    assert _answers_per_question(home) == [(3, 6)]


def test_two_imports_into_one_home_add_each_answer_once(
    cli, tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second import that runs between the first one's batches (as one started at the same moment
    does, waiting for each batch's lock) adds what is missing; the first then finds it there."""
    from mockprep.core.settings import DEFAULT_SETTINGS
    from mockprep.db.store import Store
    from mockprep.services import anki_history
    from mockprep.services.bank_import import ImportOptions, import_bank

    package = _many(tmp_path, 6)
    assert (
        cli(
            "bank", "import", str(package), "-o", str(tmp_path / "hist.toml"), "--id", "hist", "--add"
        ).exit_code
        == 0
    )
    made = import_bank(package, ImportOptions(bank_id="hist", with_history=True), DEFAULT_SETTINGS)
    monkeypatch.setattr(anki_history, "BATCH_ANSWERS", 5)
    now = datetime.now(UTC)
    first, second = Store.open(home), Store.open(home)
    ran = []

    def meanwhile(_report: anki_history.HistoryReport) -> None:
        if not ran:
            ran.append(anki_history.apply_history(second, "hist", made.history, made.dues, now))

    try:
        report = anki_history.apply_history(first, "hist", made.history, made.dues, now, progress=meanwhile)
    finally:
        first.close()
        second.close()
    assert ran[0].reviews == 12 and ran[0].unchanged == 2
    assert report.reviews == 6 and report.unchanged == 4
    assert _answers_per_question(home) == [(3, 6)]
    assert db_rows(home, "SELECT question_id, rated_us FROM reviews GROUP BY 1, 2 HAVING COUNT(*) > 1") == []


def test_a_long_history_shows_its_progress_on_a_terminal(
    cli, tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mockprep.cli import bank_transfer
    from mockprep.services import anki_history

    package = _many(tmp_path, 4)
    monkeypatch.setattr(anki_history, "BATCH_ANSWERS", 5)
    monkeypatch.setattr(bank_transfer, "PROGRESS_ANSWERS", 10)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    result = _import(cli, package, tmp_path)
    assert result.exit_code == 0, result.stderr
    assert "\rwriting the history: 4 of 4 questions (100%)\n" in result.stderr


def test_cramming_in_a_filtered_deck_never_counts() -> None:
    """A filtered deck's answer that did not reschedule (type 3, factor 0) is kept but does not count,
    like one before a reset; a set due date (type 4 with a factor) is no answer at all."""
    from mockprep.core.anki_revlog import RevlogEntry, answers

    log = [
        RevlogEntry(1_000, 3, 0, 0),
        RevlogEntry(2_000, 1, 3, 0),  # crammed
        RevlogEntry(3_000, 0, 4, 2500),  # set due date
        RevlogEntry(4_000, 3, 1, 2500),
    ]
    assert [(a.ease, a.counts) for a in answers(log)] == [(3, True), (1, False), (3, True)]


def test_two_imports_at_once_register_the_bank_once(
    tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second of two `bank import --add` (or `bank add`) of one bank from two folders waits for the
    first, then is refused, naming the file that holds the bank: it no longer registered it again
    meanwhile (181 questions for a 177-question bank)."""
    import threading

    from mockprep.core.banks import BankError
    from mockprep.db.store import Store
    from mockprep.services import bank_sync
    from tests.test_bank_import import MIXED_BANK

    files = []
    for folder in ("one", "two"):
        (tmp_path / folder).mkdir()
        files.append(tmp_path / folder / "mixed.toml")
        files[-1].write_text(MIXED_BANK, encoding="utf-8")
    first, second = Store.open(home), Store.open(home)
    scan = bank_sync._scan
    outcome: list[object] = []

    def other_import() -> None:
        try:
            outcome.append(bank_sync.add_path(second, files[1], datetime.now(UTC)))
        except BankError as exc:
            outcome.append(exc)

    started: list[threading.Thread] = []

    def scan_while_another_starts(*args, **kwargs):
        if not started:  # the other import starts while this one reads the files
            started.append(threading.Thread(target=other_import))
            started[0].start()
            started[0].join(1.0)  # (it runs to its end meanwhile, unless it waits for this one)
        return scan(*args, **kwargs)

    monkeypatch.setattr(bank_sync, "_scan", scan_while_another_starts)
    try:
        bank_sync.add_path(first, files[0], datetime.now(UTC))
        started[0].join(60)
    finally:
        first.close()
        second.close()
    assert isinstance(outcome[0], BankError) and "already used by" in str(outcome[0].problems[0])
    [(sources,)] = db_rows(home, "SELECT COUNT(*) FROM bank_sources WHERE path LIKE '%mixed.toml'")
    assert sources == 1


def test_suspended_in_anki_arrive_suspended_when_no_card_was_ever_answered(
    cli, tmp_path: Path, home: Path
) -> None:
    """A collection whose review log is empty still brings its suspensions with --with-history."""
    col = _new_collection(tmp_path / "unanswered.anki2")
    try:
        _add(col, "Which unanswered card is active?")
        col.sched.suspend_cards([_add(col, "Which unanswered card was suspended?")])
        package = _export(col, tmp_path / "unanswered.apkg")
    finally:
        col.close()
    result = _import(cli, package, tmp_path)
    assert result.exit_code == 0, result.stderr
    assert _card(home, "Which unanswered card was suspended?")[5] is not None
    assert _card(home, "Which unanswered card is active?")[5] is None
    assert "Suspended as in Anki: 1 question(s)" in result.stdout
