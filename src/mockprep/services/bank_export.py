"""`bank export`: banks as an Anki package (genanki, the `anki` extra), Anki's plain text, or Markdown.

Anki identifies a note by its GUID and a deck by its name, so both come from the bank: a question's
GUID is derived from its key (``bank-id/question-id``), or is the GUID of the Anki note it was imported
from, and each bank is one deck under ``mockprep::``; importing a newer export into Anki updates the
notes instead of adding copies (a note of another note type, in the collection it came from, is left as
it is: Anki does not update a note whose note type differs).
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from mockprep.core.anki_notetype import BACK, CSS, FRONT, MOCKPREP_FIELDS, MOCKPREP_NOTETYPE, note_fields
from mockprep.core.bank_import import SourceError
from mockprep.core.banks import BankSpec, QuestionModel

if TYPE_CHECKING:
    from fsrs import Card

    from mockprep.core.card_actions import CardMarks

MODEL_NAME = MOCKPREP_NOTETYPE
FIELDS = MOCKPREP_FIELDS


def _stable_int(text: str) -> int:
    """A positive id below 2**48 that is the same on every machine (Anki's ids are 64-bit)."""
    return int(hashlib.sha256(text.encode()).hexdigest()[:12], 16) or 1


def note_guid(bank_id: str, question_id: str) -> str:
    """The GUID of a question's note: stable across exports, unique per key (genanki's guid_for)."""
    import genanki

    return str(genanki.guid_for("mockprep", f"{bank_id}/{question_id}"))


def note_guids(banks: list[BankSpec]) -> dict[tuple[str, str], str]:
    """Each question's note GUID by (bank id, question id): the Anki note's own for a question imported
    from one (``anki_guid``: Anki then finds that note), else :func:`note_guid`. Each note needs its
    own, so a GUID two questions claim is the one's whose key (``bank-id/question-id``) sorts first,
    whatever order the banks come in, and the other's is derived from its key (``bank validate`` warns
    of a GUID claimed twice in a bank)."""
    claims = sorted(
        (f"{bank.id}/{q.id}", bank.id, q.id, q.anki_guid or note_guid(bank.id, q.id))
        for bank in banks
        for q in bank.questions
    )
    guids: dict[tuple[str, str], str] = {}
    taken: set[str] = set()
    for _key, bank_id, question_id, guid in claims:
        if guid in taken:
            guid = note_guid(bank_id, question_id)
        if guid in taken:  # (its own was claimed by a question imported from its earlier export)
            guid = note_guid(bank_id, f"{question_id}\nagain")  # (no id holds a line break)
        guids[bank_id, question_id] = guid
        taken.add(guid)
    return guids


def deck_name(bank: BankSpec) -> str:
    return "mockprep::" + bank.title.replace("::", ":").replace("\n", " ").strip()


def deck_names(banks: list[BankSpec]) -> dict[str, str]:
    """Each bank's deck (by bank id): its title's, with its id added where banks exported together share
    a title (one deck each, as an import counts banks by deck, and Anki would merge them)."""
    from collections import Counter

    names = {bank.id: deck_name(bank) for bank in banks}
    counts = Counter(name.casefold() for name in names.values())  # (Anki's deck names ignore case)
    return {bid: f"{name} ({bid})" if counts[name.casefold()] > 1 else name for bid, name in names.items()}


@dataclass(frozen=True)
class History:
    """What ``--with-history`` carries, by bank id and then question id: each answered question's answers
    ``(rated_at, rating, duration ms)``, oldest first, its card, and each question's marks (a new one's
    too: a suspended card is suspended in Anki whether answered or not). A review card is due in Anki on the
    local day it is due in mockprep: the person's days, in ``tz`` (None: the system's zone) starting at
    ``day_start_hour``."""

    answers: dict[str, dict[str, list[tuple[datetime, int, int]]]]
    cards: dict[str, dict[str, Card]] = field(default_factory=dict)
    tz: tzinfo | None = None
    day_start_hour: int = 0
    marks: dict[str, dict[str, CardMarks]] = field(default_factory=dict)  # suspended, buried, flagged
    now: datetime | None = None  # when a bury is compared with (None: every bury is over)


def note_tags(bank: BankSpec, q: QuestionModel) -> list[str]:
    tags = [bank.round, q.topic or bank.topic or "", *q.tags]
    return list(dict.fromkeys(t for t in tags if t))


def write_apkg(
    banks: list[BankSpec],
    out: Path,
    now: datetime,
    history: History | None = None,
) -> int:
    """Write an ``.apkg`` holding one deck per bank; the number of notes written. With ``history``, each
    answered question's card carries its schedule and its revlog.

    ``now`` is the notes' modification time: Anki updates a note only from a newer one."""
    try:
        import genanki
    except ImportError:
        raise SourceError("exporting to Anki needs genanki: pip install 'mockprep[anki]'") from None
    model = genanki.Model(
        _stable_int("mockprep-model-v1"),
        MODEL_NAME,
        fields=[{"name": name} for name in FIELDS],
        templates=[{"name": "Question", "qfmt": FRONT, "afmt": BACK}],
        css=CSS,
    )
    decks = []
    count = 0
    named = deck_names(banks)
    guids = note_guids(banks)
    for bank in banks:
        deck = genanki.Deck(_stable_int(f"mockprep-deck:{bank.id}"), named[bank.id])
        for q in bank.questions:
            deck.add_note(
                genanki.Note(
                    model=model,
                    fields=note_fields(q, bank.topic),
                    tags=note_tags(bank, q),
                    guid=guids[bank.id, q.id],
                )
            )
            count += 1
        decks.append(deck)
    fd, temp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    os.close(fd)
    try:
        genanki.Package(decks).write_to_file(temp, timestamp=now.timestamp())
        if history is not None and (history.answers or history.marks):
            _add_schedules(Path(temp), banks, history, guids)
        os.replace(temp, out)
    finally:
        Path(temp).unlink(missing_ok=True)
    return count


def _add_schedules(
    package: Path, banks: list[BankSpec], history: History, guids: dict[tuple[str, str], str]
) -> None:
    """Rewrite the package with each answered card's schedule and review log (genanki writes new cards)."""
    from mockprep.core.anki_days import EXPORT_DAYS, anki_day
    from mockprep.core.anki_schedule import anki_marks, anki_schedule
    from mockprep.core.scheduler import make_scheduler
    from mockprep.db.anki_collection import write_schedules

    scheduler = make_scheduler(0.9)  # (the review log's intervals)

    def day_number(due: datetime) -> int:
        return anki_day(EXPORT_DAYS, due, history.tz, history.day_start_hour)

    schedules = {}
    for bank in banks:
        cards = history.cards.get(bank.id, {})
        for qid, log in history.answers.get(bank.id, {}).items():
            plan = anki_schedule(scheduler, log, day_number, cards.get(qid))
            if plan is not None and (bank.id, qid) in guids:
                schedules[guids[bank.id, qid]] = plan
    now = history.now or datetime.max.replace(tzinfo=UTC)
    marks = {
        guids[bank.id, qid]: anki_marks(marked, now)
        for bank in banks
        for qid, marked in history.marks.get(bank.id, {}).items()
        if (bank.id, qid) in guids
    }
    with tempfile.TemporaryDirectory(prefix="mockprep-export-") as folder:
        with zipfile.ZipFile(package) as archive:
            archive.extractall(folder)
            names = archive.namelist()
        write_schedules(Path(folder) / "collection.anki2", schedules, EXPORT_DAYS, marks)
        with zipfile.ZipFile(package, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name in names:
                archive.write(Path(folder) / name, name)


def anki_text(banks: list[BankSpec]) -> str:
    """Anki's "Notes in Plain Text" format with its headers (GUID, note type, deck and tags columns)."""
    out = io.StringIO()
    out.write("#separator:tab\n#html:true\n#guid column:1\n#notetype column:2\n#deck column:3\n")
    out.write(f"#tags column:{len(FIELDS) + 4}\n")
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    quoted = csv.writer(out, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_ALL)
    named = deck_names(banks)
    guids = note_guids(banks)
    for bank in banks:
        for q in bank.questions:
            guid = guids[bank.id, q.id]
            row = [
                guid,
                MODEL_NAME,
                named[bank.id],
                *note_fields(q, bank.topic),
                " ".join(note_tags(bank, q)),
            ]
            # a line that starts with '#' would read as a header line: quote a GUID that starts with one
            (quoted if guid.startswith("#") else writer).writerow(row)
    return out.getvalue()
