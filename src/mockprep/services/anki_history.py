"""`bank import --with-history`: an Anki card's answers become the question's reviews, so it keeps its
place in the schedule: its FSRS state replayed from them, as mockprep computes every card, and due when
it was due in Anki (on the same local day), whose intervals come from its own settings (SM-2 unless FSRS
is on, another retention, interval fuzz) and count whole days from the day of the answer.

The answers are written a few thousand at a time, each batch one transaction holding whole questions, so
an import cut short leaves every question with all of its Anki answers or none, and another import into
the same home (which waits for the batch) finds them there: an answer is added once. An answer a question
lacks is added again by the next import, whatever the question holds besides (an older import cut
short, answers given in Anki since the last import, mockprep's own reviews), and its card replayed; so is
a card reset in Anki since the last import, its answers before the reset made cram reviews.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING

from mockprep.core.anki_revlog import SAME_ANSWER_US, AnkiAnswer, matched, micros, replayed
from mockprep.core.ids import derived_uid
from mockprep.core.scheduler import SchedulerParams, day_start
from mockprep.db import imported_reviews
from mockprep.db.card_replay import weights_in_use
from mockprep.db.imported_reviews import ImportedReview

if TYPE_CHECKING:
    from fsrs import Card, Scheduler

    from mockprep.core.anki_days import AnkiDue
    from mockprep.db.card_replay import KnownParams
    from mockprep.db.driver import Connection
    from mockprep.db.store import Store

BATCH_ANSWERS = 5000  # answers a transaction writes: about a tenth of a second
SUSPENDED, BURIED = -1, (-2, -3)  # Anki's queues


@dataclass
class HistoryReport:
    """What an import did to the questions' histories (filled in as each batch commits)."""

    total: int = 0  # questions with Anki answers
    done: int = 0  # of those, written (or found complete)
    questions: int = 0  # questions that were given answers
    reviews: int = 0  # answers added
    completed: int = 0  # of the questions given answers, those that had reviews already
    unchanged: int = 0  # questions that held every answer already
    cram: int = 0  # answers added as cram reviews (before a reset in Anki, or crammed there)
    recounted: int = 0  # reviews held already whose answer counts otherwise now (a reset in Anki since)
    suspended: list[str] = field(default_factory=list)  # keys suspended as in Anki
    buried: int = 0  # questions buried until their next day, as in Anki
    leeches: list[tuple[str, int]] = field(default_factory=list)  # (key, lapses) at the leech threshold
    leech_lapses: int = 0  # the threshold (the leech_lapses setting)

    def add(self, batch: HistoryReport) -> None:
        """Count in a batch's answers and questions."""
        for name in ("questions", "reviews", "completed", "unchanged", "cram", "recounted"):
            setattr(self, name, getattr(self, name) + getattr(batch, name))


def apply_history(
    store: Store,
    bank_id: str,
    history: dict[str, list[AnkiAnswer]],
    dues: dict[str, AnkiDue] | None,
    now: datetime,
    tz: tzinfo | None = None,
    report: HistoryReport | None = None,
    progress: Callable[[HistoryReport], None] | None = None,
) -> HistoryReport:
    """Store each question's Anki answers it lacks as its reviews, in batches (``report`` is filled in
    as each commits; ``progress`` is called after each). A question with its Anki card's schedule in
    ``dues`` is due when the card was (its day in ``tz``, None for the system's zone), never before its
    last answer, unless reviews here came after Anki's; Anki's suspended and buried cards are so here.
    Nothing is suspended as a leech: the report names the leeches by mockprep's rule."""
    report = report if report is not None else HistoryReport()
    dues = dues or {}
    settings = store.settings
    params = SchedulerParams.of(
        store.scheduling.weights(),
        settings.desired_retention,
        settings.learning_steps,
        settings.relearning_steps,
    )
    writer = _Writer(store, bank_id, dues, params, now, tz)
    pending = sorted(qid for qid, log in history.items() if log)
    report.total = len(pending)
    batch: list[str] = []
    size = 0
    for index, qid in enumerate(pending):
        batch.append(qid)
        size += len(history[qid])
        if size >= BATCH_ANSWERS or index == len(pending) - 1:
            written = HistoryReport()  # (counted in only once its transaction has committed)
            with store.write() as conn:
                writer.follow_weights(conn)
                touched = writer.write(conn, {q: history[q] for q in batch}, written)
            report.add(written)
            writer.touched.update(touched)
            report.done += len(batch)
            batch, size = [], 0
            if progress is not None:
                progress(report)
    with store.write() as conn:
        _marks(conn, bank_id, dues, now, tz, settings.day_start_hour, report)
        report.leech_lapses = settings.leech_lapses
        if settings.leech_lapses > 0 and writer.touched:
            found = imported_reviews.lapses(conn, sorted(writer.touched.values()), settings.leech_lapses)
            report.leeches = sorted((key, found[q]) for key, q in writer.touched.items() if q in found)
    return report


class _Writer:
    """One batch of questions' answers written: the answers each lacks, its card computed or replayed."""

    def __init__(
        self,
        store: Store,
        bank_id: str,
        dues: dict[str, AnkiDue],
        params: SchedulerParams,
        now: datetime,
        tz: tzinfo | None,
    ):
        self.store = store
        self.bank_id = bank_id
        self.dues = dues
        self.params = params
        self.now = now
        self.scheduler: Scheduler = params.scheduler()
        self.params_id = store.scheduling.params_id(params, now)
        self.tz = tz
        self.hour = store.settings.day_start_hour
        self.known: KnownParams = {None: None}
        self.touched: dict[str, int] = {}  # key -> id of the questions given answers

    def follow_weights(self, conn: Connection) -> None:
        """Schedule the batch with the weights in use as its transaction reads them, as a rating does: a
        fit adopted (or undone) by another terminal during a long import applies from the next batch on,
        not only to the questions written before it (found by an independent reviewer)."""
        weights = weights_in_use(conn.raw)
        if weights != self.params.weights:
            self.params = self.params.with_weights(weights)
            self.scheduler = self.params.scheduler()
            self.params_id = self.store.scheduling.params_id(self.params, self.now)  # (joins the batch)

    def write(
        self, conn: Connection, logs: dict[str, list[AnkiAnswer]], report: HistoryReport
    ) -> dict[str, int]:
        """Write the batch (counted in ``report``); the questions given answers, by key."""
        keys = {qid: f"{self.bank_id}/{qid}" for qid in logs}
        ids = imported_reviews.question_ids(conn, list(keys.values()))
        present = imported_reviews.review_times(conn, list(ids.values()))
        rows: list[ImportedReview] = []
        cards: list[tuple[str, int, Card | None]] = []
        replays: list[tuple[str, int]] = []
        touched: dict[str, int] = {}
        recounted: list[tuple[bool, int, int]] = []
        for qid, log in logs.items():
            question = ids.get(keys[qid])
            if question is None:
                continue
            held = present.get(question, [])
            found = matched(log, [(r.rated_us, r.rating) for r in held]) if held else [None] * len(log)
            adding = [i for i, review in enumerate(found) if review is None]
            # An answer held as scheduling the card that Anki says no longer does (a reset there since the
            # last import ends the answers before it) becomes a cram review, with the state a first import
            # would have given it. Never the other way: a cram review here (a drill, or an answer before a
            # reset) goes to Anki as an ordinary answer, so Anki's word on it is no news.
            changed = [
                (i, r)
                for i, r in enumerate(found)
                if r is not None and not held[r].cram and not log[i].counts
            ]
            if not adding and not changed:
                report.unchanged += 1
                continue
            card, states = replayed(question, log, self.scheduler)
            recounted += [(not log[i].counts, states[i], held[r].id) for i, r in changed]
            report.recounted += len(changed)
            for i in adding:
                answer = log[i]
                uid = derived_uid("anki-answer", keys[qid], answer.us)
                rows.append(
                    ImportedReview(
                        question, answer.us, answer.ease, states[i], answer.taken_ms, "anki",
                        not answer.counts, self.params_id, uid,
                    )
                )  # fmt: skip
                report.cram += not answer.counts
            if held:
                replays.append((qid, question))
            else:
                cards.append((qid, question, card))
            touched[keys[qid]] = question
            report.questions += bool(adding)
            report.completed += bool(held and adding)
        report.reviews += imported_reviews.insert(conn, rows)
        imported_reviews.recount(conn, recounted)
        for qid, question, card in cards:
            if card is not None:
                imported_reviews.save(conn, question, self._due(qid, card))
        for qid, question in replays:
            card = imported_reviews.replay(conn, question, self.known)
            last = max((a.us for a in logs[qid] if a.counts), default=None)
            if card.last_review is not None and last is not None:
                # Anki's due holds when its last answer is the question's last review.
                if abs(micros(card.last_review) - last) <= SAME_ANSWER_US:
                    imported_reviews.save(conn, question, self._due(qid, card))
        return touched

    def _due(self, qid: str, card: Card) -> Card:
        """The card due when Anki had it due (never before its last review)."""
        due = self.dues.get(qid)
        due_at = None if due is None else due.time(self.tz, self.hour)
        if due_at is None or card.last_review is None:
            return card
        card = copy.copy(card)
        card.due = max(due_at, card.last_review)
        return card


def _marks(
    conn: Connection,
    bank_id: str,
    dues: dict[str, AnkiDue],
    now: datetime,
    tz: tzinfo | None,
    hour: int,
    report: HistoryReport,
) -> None:
    """Anki's suspended cards suspended here (unless their suspension was set or lifted here before);
    its buried ones buried until the start of the next day after the collection last changed (when
    Anki unburies them), if that is still to come."""
    marked = {qid: due for qid, due in dues.items() if due.queue < 0}
    if not marked:
        return
    ids = imported_reviews.question_ids(conn, [f"{bank_id}/{qid}" for qid in marked])
    keys = {question: key for key, question in ids.items()}
    keyed = {qid: ids[f"{bank_id}/{qid}"] for qid in marked if f"{bank_id}/{qid}" in ids}
    suspended = [question for qid, question in keyed.items() if marked[qid].queue == SUSPENDED]
    report.suspended += sorted(keys[q] for q in imported_reviews.suspend(conn, suspended, now))
    buried: dict[datetime, list[int]] = {}
    for qid, question in keyed.items():
        due = marked[qid]
        if due.queue not in BURIED or due.days.modified is None:
            continue
        until = day_start(datetime.fromtimestamp(due.days.modified, UTC), tz, 1, hour)
        if until > now:
            buried.setdefault(until, []).append(question)
    for until, questions in buried.items():
        report.buried += imported_reviews.bury(conn, questions, until)
