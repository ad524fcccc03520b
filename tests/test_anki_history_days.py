"""`--with-history` against the real `anki` package, in zones far from UTC: a card is due on the same
local day in Anki as in mockprep, both ways, and a learning card at the same second.

Anki's Rust backend reads the local zone once per process, so Anki runs in a child process with the
zone under test in TZ (and mockprep in this one, with TZ set the same)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fsrs import Card, Rating, State

from mockprep.core.records import ReviewRecord
from mockprep.core.scheduler import card_state, make_scheduler, new_card, review
from mockprep.services.bank_export import note_guid

# Import a package into a new collection; the collection's day numbering and its cards' schedules.
ANKI_IMPORT = """
import json, sys
from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest
col = Collection(sys.argv[1])
options = ImportAnkiPackageOptions(merge_notetypes=True, with_scheduling=True)
col.import_anki_package(ImportAnkiPackageRequest(package_path=sys.argv[2], options=options))
rows = col.db.all("SELECT n.guid, c.type, c.queue, c.due FROM cards c JOIN notes n ON n.id = c.nid ORDER BY c.id")
print(json.dumps({"crt": col.crt, "west": col.get_config("creationOffset"), "cards": rows}))
col.close()
"""

# Study four cards in a new collection and export them with their scheduling: a review card moved to
# a day 17 days ahead, a review card (easy), a learning card (again), and one left new.
ANKI_STUDY = """
import json, sys
from anki.collection import Collection, DeckIdLimit, ExportAnkiPackageOptions
col = Collection(sys.argv[1])
deck = col.decks.id("Days")
cards = []
for front in ("What is a prior?", "What is a likelihood?", "What is a posterior?", "What is evidence?"):
    note = col.new_note(col.models.by_name("Basic"))
    note["Front"] = front
    note["Back"] = "A belief before seeing data. The likelihood updates it into the posterior distribution."
    col.add_note(note, deck)
    cards.append(note.cards()[0])
for card, ease in zip(cards, (4, 4, 1)):
    card.start_timer()
    col.sched.answerCard(card, ease)
col.sched.set_due_date([cards[0].id], "17")
options = ExportAnkiPackageOptions(
    with_scheduling=True, with_deck_configs=False, with_media=False, legacy=sys.argv[3] == "legacy"
)
col.export_anki_package(out_path=sys.argv[2], options=options, limit=DeckIdLimit(deck))
rows = col.db.all("SELECT n.guid, c.type, c.queue, c.due FROM cards c JOIN notes n ON n.id = c.nid ORDER BY c.id")
print(json.dumps({"crt": col.crt, "west": col.get_config("creationOffset"), "cards": rows}))
col.close()
"""


def _anki(script: str, zone: str, *args: str) -> dict:
    env = {**os.environ, "TZ": zone}
    done = subprocess.run(
        [sys.executable, "-c", script, *args], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def _anki_date(collection: dict, due: int) -> date:
    """The local date Anki shows a card due on day ``due`` (rslib's sched_timing_today: the calendar days
    from the collection's creation, dated in its creationOffset's zone)."""
    zone = timezone(timedelta(minutes=-collection["west"]))
    return datetime.fromtimestamp(collection["crt"], zone).date() + timedelta(days=due)


def _in_zone(monkeypatch: pytest.MonkeyPatch, zone: str) -> ZoneInfo:
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    return ZoneInfo(zone)


def _answer(store, qid: str, ratings: list[tuple[datetime, int]], retention: float = 0.9) -> Card:
    """Rate a question at the given times with mockprep's scheduler; its card."""
    record = store.banks.question_by_key(f"demo/{qid}")
    assert record is not None
    scheduler = make_scheduler(retention)
    card = new_card(record.id, ratings[0][0])
    for at, rating in ratings:
        after = review(scheduler, card, Rating(rating), at)
        store.cards.record_review(
            ReviewRecord(record.id, None, after, at, rating, int(card_state(card)), "", 1000)
        )
        card = after
    return card


def _export_to_anki(cli, tmp_path: Path, zone: str) -> dict[str, tuple[int, int, int]]:
    """`bank export demo --with-history`, imported into a new collection: each question's card's
    (type, queue, due), and the collection's day numbering."""
    package = tmp_path / "demo.apkg"
    result = cli("bank", "export", "demo", "-o", str(package), "--with-history")
    assert result.exit_code == 0, result.stderr
    anki = _anki(ANKI_IMPORT, zone, str(tmp_path / "anki.anki2"), str(package))
    cards = {guid: (kind, queue, due) for guid, kind, queue, due in anki["cards"]}
    return {qid: cards[note_guid("demo", qid)] for qid in ("q1", "q2", "q3")} | {"": anki}


@pytest.mark.parametrize(
    ("zone", "hour"),
    [("UTC", 0), ("Pacific/Kiritimati", 0), ("Pacific/Kiritimati", 4), ("Pacific/Pago_Pago", 0)],
)
def test_an_exported_card_is_due_on_its_mockprep_day_in_anki(
    demo, cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, zone: str, hour: int
) -> None:
    """Cards due half an hour before and after local midnight come due in Anki on the day they are
    due in mockprep (a day that starts at ``hour``); a relearning card at its second."""
    tz = _in_zone(monkeypatch, zone)
    monkeypatch.setenv("MOCKPREP_DAY_START_HOUR", str(hour))
    evening = datetime(2026, 12, 1, 23, 20, tzinfo=tz)
    learnt = [(evening, 3), (evening + timedelta(minutes=10), 3)]  # due days later at 23:30
    late = [(at + timedelta(hours=1), rating) for at, rating in learnt]  # ... and at 00:30
    lapse = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    cards = {
        "q1": _answer(demo, "q1", learnt),
        "q2": _answer(demo, "q2", late),
        "q3": _answer(demo, "q3", [*learnt, (lapse, 1)]),
    }
    assert cards["q1"].state == cards["q2"].state == State.Review and cards["q3"].state == State.Relearning
    assert cards["q1"].due.astimezone(tz).hour == 23 and cards["q2"].due.astimezone(tz).hour == 0
    anki = _export_to_anki(cli, tmp_path, zone)
    for qid in ("q1", "q2"):
        mockprep_day = (cards[qid].due.astimezone(tz) - timedelta(hours=hour)).date()
        assert anki[qid][:2] == (2, 2) and _anki_date(anki[""], anki[qid][2]) == mockprep_day, qid
    # 00:30 is the next day, unless mockprep's day starts at 4, as Anki's does
    q1, q2 = (_anki_date(anki[""], anki[qid][2]) for qid in ("q1", "q2"))
    assert q2 - q1 == timedelta(days=0 if hour == 4 else 1)
    assert anki["q3"] == (3, 1, int(cards["q3"].due.timestamp()))


def test_an_exported_card_is_due_when_mockprep_has_it_due(
    demo, cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The card's schedule is mockprep's card, not a replay of its answers with the default retention:
    answered with a lower retention (or a plan's higher one, or the person's own weights), it is due
    on another day."""
    monkeypatch.setenv("MOCKPREP_DESIRED_RETENTION", "0.75")
    start = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    ratings = [(start, 3), (start + timedelta(minutes=10), 3), (start + timedelta(days=3), 3)]
    card = _answer(demo, "q1", ratings, retention=0.75)
    replayed = _answer(demo, "q2", ratings, retention=0.9)
    assert card.due.date() != replayed.due.date()
    anki = _export_to_anki(cli, tmp_path, "UTC")
    assert _anki_date(anki[""], anki["q1"][2]) == card.due.date()
    assert _anki_date(anki[""], anki["q2"][2]) == replayed.due.date()


@pytest.mark.parametrize("legacy", [False, True], ids=["anki21b", "legacy"])
@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago"])
def test_an_imported_card_is_due_on_its_anki_day_in_mockprep(
    cli, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, zone: str, legacy: bool
) -> None:
    """`bank import --with-history`: a review card is due on the local day Anki had it due (not when
    mockprep's own scheduler would have put it), a learning card at its second, and a new one stays new."""
    from tests.conftest import db_rows

    tz = _in_zone(monkeypatch, zone)
    package = tmp_path / "days.apkg"
    anki = _anki(ANKI_STUDY, zone, str(tmp_path / "study.anki2"), str(package), "legacy" if legacy else "")
    out = tmp_path / "days.toml"
    result = cli("bank", "import", str(package), "-o", str(out), "--id", "days", "--add", "--with-history")
    assert result.exit_code == 0, result.stderr
    rows = db_rows(
        home,
        "SELECT json_extract(q.data, '$.prompt'), c.due, c.last_review FROM cards c"
        " JOIN questions q ON q.id = c.question_id WHERE q.bank_id = 'days'",
    )
    due = {prompt: datetime.fromisoformat(when).replace(tzinfo=UTC) for prompt, when, last in rows if last}
    assert len(due) == 3  # the fourth was never answered
    fronts = ("What is a prior?", "What is a likelihood?", "What is a posterior?")
    by_front = dict(zip(fronts, anki["cards"][:3], strict=True))
    for front, (_guid, kind, queue, anki_due) in by_front.items():
        if kind == 2:
            assert due[front].astimezone(tz).date() == _anki_date(anki, anki_due), front
        else:
            assert queue == 1 and due[front] == datetime.fromtimestamp(anki_due, UTC), front
    assert _anki_date(anki, by_front["What is a prior?"][3]) - datetime.now(tz).date() >= timedelta(days=16)
