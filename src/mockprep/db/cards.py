"""The FSRS cards: each question's scheduling state, the queue queries, and recording a rating."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from fsrs import Card, State

from mockprep.core.card_actions import (
    SUSPENDED_AS_LEECH,
    SUSPENDED_BY_YOU,
    CardMarks,
    UndoneReview,
    UndoRefused,
    leech_reached,
)
from mockprep.core.questions import QuestionFilter, QuestionRecord
from mockprep.core.scheduler import CardState, DueCard
from mockprep.db import review_codec
from mockprep.db.banks import question_record
from mockprep.db.card_conditions import EFFECTIVE_DUE, NOT_BURIED_AT, NOT_SUSPENDED
from mockprep.db.card_replay import replay_log, weights_in_use
from mockprep.db.driver import text
from mockprep.db.session_reviews import of_session
from mockprep.db.sql import db_time, db_us, delivery_json, from_db_time, must_time, question_filter

if TYPE_CHECKING:
    from mockprep.core.records import ReviewRecord
    from mockprep.db.driver import Connection
    from mockprep.db.store import Store


# A question is asked only when not suspended; a buried one counts as due when its bury ends.
_CARD_COLUMNS = "question_id, state, step, stability, difficulty, due, last_review"
# The cards read in table order: for a condition the time index cannot bound (a due time that depends
# on the state, an order by the effective due), reading 10k cards through the index and then each row
# took twice as long as reading the table (20 vs 9 ms on the 1M-review benchmark home).
ALL_CARDS = "cards c NOT INDEXED"


class CardTable:
    """``store.cards``: the ``cards`` table and the ``reviews`` it is replayed from; recording a rating,
    undoing the last one, and the marks (suspended, buried, flagged) that keep a card out of the queue."""

    def __init__(self, store: Store):
        self.store = store

    def card(self, question_id: int) -> Card:
        r = self.store.q(f"SELECT {_CARD_COLUMNS} FROM cards WHERE question_id = :q", q=question_id).one()
        return card_from_row(r)

    # -- the queue ----------------------------------------------------------------------------------

    def _select_due(self, where: str, flt: QuestionFilter, cards: str = "cards c", **extra: Any) -> list[Any]:
        clause, params = question_filter(flt)
        stmt = text(
            f"SELECT c.question_id, c.state, {EFFECTIVE_DUE} AS due, c.last_review FROM {cards}"
            " JOIN questions q ON q.id = c.question_id JOIN banks b ON b.id = q.bank_id"
            f" WHERE {clause} AND {NOT_SUSPENDED} AND {where}"
        )
        return self.store.conn.execute(stmt, {**params, **extra}).all()

    def learning_queue(self, flt: QuestionFilter, now: datetime, limit: int | None = None) -> list[DueCard]:
        """(Re)learning cards not buried at ``now``, the one due soonest first (a buried one is left
        out, not due at its bury's end, which learn-ahead would reach 20 minutes before midnight)."""
        rows = self._select_due(
            f"c.last_review IS NOT NULL AND c.state != :review AND {NOT_BURIED_AT}"
            f" ORDER BY {EFFECTIVE_DUE}, c.question_id LIMIT :n",
            flt,
            ALL_CARDS,
            review=State.Review.value,
            now=db_time(now),
            n=-1 if limit is None else limit,
        )
        return [_due_card(r) for r in rows]

    def reviews_due(self, flt: QuestionFilter, now: datetime, limit: int | None = None) -> list[DueCard]:
        """Review cards due at ``now`` and not buried, the most overdue first (at most ``limit``)."""
        rows = self._select_due(
            "c.last_review IS NOT NULL AND c.state = :review AND c.due <= :now"
            f" AND {NOT_BURIED_AT} ORDER BY c.due, c.question_id LIMIT :n",
            flt,
            review=State.Review.value,
            now=db_time(now),
            n=-1 if limit is None else limit,
        )
        return [_due_card(r) for r in rows]

    def count_waiting(self, flt: QuestionFilter, now: datetime, learn_until: datetime) -> int:
        """Studied questions a session would ask now: review cards due at ``now`` and (re)learning
        cards due by ``learn_until`` (the learn-ahead window); never suspended or buried ones."""
        clause, params = question_filter(flt)
        stmt = text(
            f"SELECT COUNT(*) FROM {ALL_CARDS} JOIN questions q ON q.id = c.question_id"
            " JOIN banks b ON b.id = q.bank_id"
            f" WHERE {clause} AND {NOT_SUSPENDED} AND {NOT_BURIED_AT} AND c.last_review IS NOT NULL"
            " AND c.due <= (CASE WHEN c.state = :review THEN :now ELSE :until END)"
        )
        values = {**params, "review": State.Review.value, "now": db_time(now), "until": db_time(learn_until)}
        return self.store.conn.execute(stmt, values).scalar_one()

    def new_question_ids(self, flt: QuestionFilter, now: datetime | None = None) -> list[int]:
        """New questions that may be asked at ``now``: not suspended, not buried (None: ignore burying)."""
        rows = self._select_due(
            f"c.last_review IS NULL AND {NOT_BURIED_AT} ORDER BY c.question_id", flt, now=_bury_time(now)
        )
        return [r.question_id for r in rows]

    def count_due(self, flt: QuestionFilter, before: datetime) -> int:
        """Studied questions that will be asked before ``before`` (suspended ones never are)."""
        clause, params = question_filter(flt)
        stmt = text(
            "SELECT COUNT(*) FROM cards c JOIN questions q ON q.id = c.question_id"
            " JOIN banks b ON b.id = q.bank_id"
            f" WHERE {clause} AND {NOT_SUSPENDED} AND c.last_review IS NOT NULL AND c.due < :before"
            " AND (c.buried_until IS NULL OR c.buried_until < :before)"
        )
        return self.store.conn.execute(stmt, {**params, "before": db_time(before)}).scalar_one()

    def next_due_time(self, flt: QuestionFilter) -> datetime | None:
        clause, params = question_filter(flt)
        stmt = text(
            f"SELECT MIN({EFFECTIVE_DUE}) FROM cards c JOIN questions q ON q.id = c.question_id"
            " JOIN banks b ON b.id = q.bank_id"
            f" WHERE {clause} AND {NOT_SUSPENDED} AND c.last_review IS NOT NULL"
        )
        return from_db_time(self.store.conn.execute(stmt, params).scalar_one())

    def new_introduced(self, flt: QuestionFilter, since: datetime, until: datetime) -> int:
        """How many questions the filter selects were answered for the first time in [since, until).

        The end matters: a rating made while the clock was set ahead must not count for today. (One
        query with the ids a plan's day figure needs: :meth:`~mockprep.db.plans.PlanTable.introduced`.)
        """
        return len(self.store.plans.introduced(flt, since, until))

    def mock_candidates(
        self, round: str, flt: QuestionFilter | None = None, now: datetime | None = None
    ) -> list[tuple[QuestionRecord, bool]]:
        """Questions of a round the filter selects that may be asked at ``now`` (not suspended, not
        buried; None: ignore burying), each with whether it has been studied (a mock prefers those)."""
        clause, params = question_filter(flt or QuestionFilter())
        stmt = text(
            "SELECT q.id, q.key, q.bank_id, q.round, q.topic, q.roles, q.data, q.retired_at, c.last_review"
            " FROM questions q JOIN banks b ON b.id = q.bank_id JOIN cards c ON c.question_id = q.id"
            f" WHERE {clause} AND q.round = :round AND {NOT_SUSPENDED} AND {NOT_BURIED_AT} ORDER BY q.id"
        )
        rows = self.store.conn.execute(stmt, {**params, "round": round, "now": _bury_time(now)}).all()
        return [(question_record(r), r.last_review is not None) for r in rows]

    # -- recording ----------------------------------------------------------------------------------

    def record_review(self, review: ReviewRecord, leech_lapses: int | None = None) -> int:
        """Store one rating and the card it produced, together, durably (and link a mock answer).

        The card as it was is kept on the question's card with the rating's id, so that
        :meth:`undo_last` restores it exactly (an older rating's card undo recomputes from the log);
        a lapse that makes the question a leech (``leech_lapses``, default the store's setting) is
        suspended, or flagged (the ``leech_action`` setting), in the same transaction. A cram rating
        (``review.cram``) leaves the card as it was and counts toward no lapse.
        """
        threshold = self.store.settings.leech_lapses if leech_lapses is None else leech_lapses
        with self.store.write() as conn:
            before = conn.execute(
                text(f"SELECT {_CARD_COLUMNS} FROM cards WHERE question_id = :q"), {"q": review.question_id}
            ).one()
            review_id = conn.execute(text(_INSERT_REVIEW), _review_row(review)).lastrowid
            undo = review_codec.pack_card(card_from_row(before))  # one a question, on its card (m021)
            conn.execute(text(_KEEP_FOR_UNDO), {"r": review_id, "card": undo, "q": review.question_id})
            card, state_before = review.card, review.state_before
            if before.last_review is not None and review.rated_at < must_time(before.last_review):
                # Rated before the card's last review (a review merged from a device whose clock is ahead):
                # the card is its log replayed in time order, and each review's state before it (this
                # one's too) rewritten from that order, as a merge does on every other device.
                card = replay_log(conn.raw, review.question_id)
                state_before = conn.execute(
                    text("SELECT state_before FROM reviews WHERE id = :r"), {"r": review_id}
                ).scalar_one()
            elif not review.cram and self._other_weights(review.params_id, conn):
                # Scheduled with weights no longer in use (a session started before another terminal
                # adopted or undid a fit): it applied them to memory the weights in use computed. Its due
                # date and the card's memory are the replay's (scheduler.states_before's rule).
                card = replay_log(conn.raw, review.question_id)
            if not review.cram:
                save_card(conn, review.question_id, card)
            if review.mock_answer_id is not None:
                conn.execute(
                    text("UPDATE mock_answers SET review_id = :r WHERE id = :id"),
                    {"r": review_id, "id": review.mock_answer_id},
                )
            if review.rating == 1 and state_before == CardState.REVIEW and not review.cram:
                lapses = _lapses(conn, review.question_id)
                if leech_reached(lapses, threshold):
                    _mark_leech(conn, review.question_id, review.rated_at, self.store.settings.leech_action)
        return review_id

    def _other_weights(self, params_id: int | None, conn: Any) -> bool:
        """Whether a rating scheduled with ``params_id`` used other weights than those in use now (read in
        the rating's transaction: another terminal may have adopted or undone a fit since)."""
        return self.store.scheduling.params(params_id).weights != weights_in_use(conn.raw)

    def lapses(self, question_id: int) -> int:
        """Times the question was forgotten after being learned (again on a review card)."""
        return _lapses(self.store.conn, question_id)

    # -- undo ---------------------------------------------------------------------------------------

    def undo_last(self, session_id: int | None = None) -> UndoneReview | None:
        """Take back the most recent rating made on this device: the review row goes (out of history, stats,
        and through the sync folder other devices), the card is restored exactly as it was, a mock answer
        it rated is unrated again, a leech suspension it caused lifted. None when there is none, or, given
        ``session_id``, when it is not that session's; UndoRefused when another device rated the question
        later (a sync). The card is the one kept for the question's latest rating (m021), else replayed."""
        with self.store.write() as conn:
            r = conn.execute(
                text(
                    "SELECT r.id, r.question_id, r.rating, r.rated_at, r.session_id, r.duration_ms,"
                    " r.time_limit_ms, r.answer, r.cram, CASE WHEN c.undo_review_id = r.id THEN c.undo_card"
                    " ELSE r.card_before END AS card_before, q.key, EXISTS (SELECT 1 FROM reviews l WHERE"
                    " l.question_id = r.question_id AND l.rated_us > r.rated_us AND l.origin IS NOT NULL)"
                    " AS later, EXISTS (SELECT 1 FROM reviews l WHERE l.question_id = r.question_id"
                    " AND l.rated_us > r.rated_us) AS backdated FROM reviews r"
                    " JOIN questions q ON q.id = r.question_id JOIN cards c ON c.question_id = r.question_id"
                    " WHERE r.origin IS NULL ORDER BY r.id DESC LIMIT 1"
                )
            ).first()
            if r is None or (session_id is not None and r.session_id != session_id):
                return None
            if r.later:
                raise UndoRefused(r.key, must_time(r.rated_at))
            card = review_codec.card_before(r.card_before, r.question_id)
            replayed = card is None or bool(r.backdated)
            if replayed:  # (a back-dated rating rewrote the later reviews' state_before: replayed back)
                card = replay_log(conn.raw, r.question_id, leave_out=r.id)
            mock_answer_id = conn.execute(
                text("SELECT id FROM mock_answers WHERE review_id = :r"), {"r": r.id}
            ).scalar()
            conn.execute(text("UPDATE mock_answers SET review_id = NULL WHERE review_id = :r"), {"r": r.id})
            conn.execute(text("DELETE FROM reviews WHERE id = :r"), {"r": r.id})
            save_card(conn, r.question_id, card, undone=True)
            unsuspended = conn.execute(
                text(
                    "UPDATE cards SET suspended_at = NULL, suspended_by = NULL WHERE question_id = :q"
                    " AND suspended_by = :leech AND suspended_at = :t"
                ),
                {"q": r.question_id, "leech": SUSPENDED_AS_LEECH, "t": r.rated_at},
            ).rowcount
            if r.rating == 1:  # a leech flag it set (leech_action "flag") goes too
                conn.execute(
                    text("UPDATE cards SET flagged_at = NULL WHERE question_id = :q AND flagged_at = :t"),
                    {"q": r.question_id, "t": r.rated_at},
                )
            if r.session_id is not None:
                # A finished session left with nothing in it goes, like one quit before its first answer.
                conn.execute(
                    text(
                        "DELETE FROM sessions WHERE id = :s AND status != 'running'"
                        f" AND NOT EXISTS (SELECT 1 FROM reviews r WHERE {of_session(':s')})"
                        " AND NOT EXISTS (SELECT 1 FROM mock_answers WHERE session_id = :s)"
                    ),
                    {"s": r.session_id},
                )
        return UndoneReview(
            review_id=r.id,
            question_id=r.question_id,
            key=r.key,
            rating=r.rating,
            rated_at=must_time(r.rated_at),
            session_id=r.session_id,
            mock_answer_id=mock_answer_id,
            overtime=r.time_limit_ms is not None and r.duration_ms > r.time_limit_ms,
            answer=review_codec.answer_text(r.answer),
            card=card,
            replayed=replayed,
            unsuspended=bool(unsuspended),
            cram=bool(r.cram),
        )

    # -- marks --------------------------------------------------------------------------------------

    def marks(self, question_id: int) -> CardMarks:
        r = self.store.q(
            "SELECT suspended_at, suspended_by, buried_until, flagged_at FROM cards WHERE question_id = :q",
            q=question_id,
        ).one()
        return card_marks(r)

    def set_suspended(self, question_id: int, on: bool, now: datetime) -> bool:
        """Suspend (by the person) or unsuspend; False when it already was so."""
        sql = (
            "UPDATE cards SET suspended_at = :t, suspended_by = :by WHERE question_id = :q"
            " AND suspended_at IS NULL"
            if on
            else "UPDATE cards SET suspended_at = NULL, suspended_by = NULL WHERE question_id = :q"
            " AND suspended_at IS NOT NULL"
        )
        return self._mark(sql, q=question_id, t=db_time(now), by=SUSPENDED_BY_YOU)

    def set_buried(self, question_id: int, until: datetime | None, now: datetime) -> bool:
        """Bury until ``until`` (None: unbury); False when it already was so."""
        if until is None:
            return self._mark(
                "UPDATE cards SET buried_until = NULL WHERE question_id = :q AND buried_until > :now",
                q=question_id,
                now=db_time(now),
            )
        return self._mark(
            "UPDATE cards SET buried_until = :u WHERE question_id = :q"
            " AND (buried_until IS NULL OR buried_until < :u)",
            q=question_id,
            u=db_time(until),
        )

    def set_flagged(self, question_id: int, on: bool, now: datetime) -> bool:
        """Flag or unflag; False when it already was so."""
        sql = (
            "UPDATE cards SET flagged_at = :t WHERE question_id = :q AND flagged_at IS NULL"
            if on
            else "UPDATE cards SET flagged_at = NULL WHERE question_id = :q AND flagged_at IS NOT NULL"
        )
        return self._mark(sql, q=question_id, t=db_time(now))

    def _mark(self, sql: str, **params: Any) -> bool:
        with self.store.write() as conn:
            return bool(conn.execute(text(sql), params).rowcount)


_INSERT_REVIEW = (
    "INSERT INTO reviews (question_id, session_id, rated_us, rating, state_before,"
    " answer, duration_ms, time_limit_ms, coverage, suggested, grader,"
    " proposed, checklist, cram, params_id, code_runs, code_result, delivery, model,"
    " model_proposed, model_suggested, model_errors, model_failure)"
    " VALUES (:q, :s, :t, :r, :sb, :a, :d, :tl, :cov, :sug, :grader, :proposed,"
    " :checklist, :cram, :params, :code_runs, :code_result, :delivery, :model,"
    " :model_proposed, :model_suggested, :model_errors, :model_failure)"
)


def _review_row(review: ReviewRecord) -> dict[str, Any]:
    """The values :data:`_INSERT_REVIEW` stores a rating with (its answer and verdicts packed)."""
    return {
        "q": review.question_id,
        "s": review.session_id,
        "t": db_us(review.rated_at),
        "r": review.rating,
        "sb": review.state_before,
        "a": review_codec.pack_answer(review.answer),
        "d": review.duration_ms,
        "tl": review.time_limit_ms,
        "cov": review_codec.pack_coverage(review.coverage),
        "sug": review.suggested,
        "grader": review_codec.pack_grader(review.grader),
        "proposed": review_codec.pack_verdicts(review.proposed),
        "checklist": review_codec.pack_verdicts(review.checklist),
        "cram": review.cram,
        "params": review.params_id,
        "code_runs": review.code_runs,
        "code_result": None if review.code_result is None else json.dumps(review.code_result, sort_keys=True),
        "delivery": delivery_json(review.delivery),
        "model": review.model,
        "model_proposed": review_codec.pack_verdicts(review.model_proposed),
        "model_suggested": review.model_suggested,
        "model_errors": _json(review.model_errors),
        "model_failure": review.model_failure,
    }


_KEEP_FOR_UNDO = "UPDATE cards SET undo_review_id = :r, undo_card = :card WHERE question_id = :q"


def save_card(conn: Connection, question_id: int, card: Card, undone: bool = False) -> None:
    """Store a question's card (``undone``: as undo restored it, the card before its rating gone)."""
    forget = ", undo_review_id = NULL, undo_card = NULL" if undone else ""
    conn.execute(
        text(
            "UPDATE cards SET state = :state, step = :step, stability = :stability,"
            f" difficulty = :difficulty, due = :due, last_review = :last{forget} WHERE question_id = :q"
        ),
        {
            "state": card.state.value,
            "step": card.step,
            "stability": card.stability,
            "difficulty": card.difficulty,
            "due": db_time(card.due),
            "last": db_time(card.last_review) if card.last_review else None,
            "q": question_id,
        },
    )


def _bury_time(now: datetime | None) -> str:
    """The time a bury is compared with; without one, every bury counts as over."""
    return "9999-12-31" if now is None else db_time(now)


def card_marks(row: Any) -> CardMarks:
    """The marks of a row holding suspended_at, suspended_by, buried_until and flagged_at."""
    return CardMarks(
        from_db_time(row.suspended_at),
        row.suspended_by,
        from_db_time(row.buried_until),
        from_db_time(row.flagged_at),
    )


def _lapses(conn: Connection, question_id: int) -> int:
    return conn.execute(
        text(
            "SELECT COUNT(*) FROM reviews WHERE question_id = :q AND rating = 1 AND state_before = 2"
            " AND NOT cram"
        ),
        {"q": question_id},
    ).scalar_one()


def _mark_leech(conn: Connection, question_id: int, at: datetime, action: str) -> None:
    """Suspend a question that just became a leech, or flag it (``leech_action`` "flag")."""
    if action == "flag":
        conn.execute(
            text("UPDATE cards SET flagged_at = :t WHERE question_id = :q AND flagged_at IS NULL"),
            {"t": db_time(at), "q": question_id},
        )
        return
    conn.execute(
        text(
            "UPDATE cards SET suspended_at = :t, suspended_by = :by"
            " WHERE question_id = :q AND suspended_at IS NULL"
        ),
        {"t": db_time(at), "by": SUSPENDED_AS_LEECH, "q": question_id},
    )


def card_from_row(row: Any) -> Card:
    return Card(
        card_id=row.question_id,
        state=State(row.state),
        step=row.step,
        stability=row.stability,
        difficulty=row.difficulty,
        due=from_db_time(row.due),
        last_review=from_db_time(row.last_review),
    )


def _due_card(row: Any) -> DueCard:
    state = CardState.NEW if row.last_review is None else CardState(row.state)
    due = from_db_time(row.due)
    assert due is not None
    return DueCard(row.question_id, state, due)


def _json(value: list[str] | None) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)
