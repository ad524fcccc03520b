"""The scheduler parameters reviews were scheduled with, and the person's own fitted FSRS weights.

Each review records the id of a ``scheduler_params`` row (the weights, desired retention, learning
steps and longest interval it was scheduled with), so a card's log replays exactly whatever changed
since. ``fitted_parameters`` keeps every `mockprep optimize` run: the one adopted last and not undone
gives the weights in use; with none, FSRS's defaults.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mockprep.core.scheduler import LEGACY_PARAMS, SchedulerParams, weights_problem
from mockprep.db.card_conditions import NOT_SUSPENDED
from mockprep.db.card_replay import IN_USE as _IN_USE
from mockprep.db.card_replay import logs, recompute_memory, weights_in_use
from mockprep.db.driver import text
from mockprep.db.review_codec import SQL_UID
from mockprep.db.sql import db_time, from_db_time, must_time

if TYPE_CHECKING:
    from mockprep.db.store import Store


@dataclass(frozen=True)
class FittedParameters:
    """One `optimize` run: the weights, the fit before and after, and whether they are in use."""

    id: int
    fitted_at: datetime
    weights: tuple[float, ...]
    reviews: int  # the reviews in the log it was fitted to (before 2026-12: those its figures were over)
    log_loss_before: float
    log_loss_after: float
    rmse_before: float
    rmse_after: float
    adopted_at: datetime | None
    undone_at: datetime | None
    log_uid: str | None = None  # the latest review of the log it was fitted to (None: before m033)

    @property
    def in_use(self) -> bool:
        return self.adopted_at is not None and self.undone_at is None


class Scheduling:
    """``store.scheduling``: parameter sets by id, and the fitted weights."""

    def __init__(self, store: Store):
        self.store = store
        self._ids: dict[SchedulerParams, int] = {}
        self._params: dict[int, SchedulerParams] = {}

    def params_id(self, params: SchedulerParams, now: datetime) -> int:
        """The id of ``params`` (recorded the first time it is used)."""
        if params in self._ids:
            return self._ids[params]
        stored = params.to_json()
        with self.store.write() as conn:
            found = conn.execute(
                text("SELECT id FROM scheduler_params WHERE parameters = :p"), {"p": stored}
            ).scalar()
            if found is None:
                found = conn.execute(
                    text("INSERT INTO scheduler_params (parameters, created_at) VALUES (:p, :t)"),
                    {"p": stored, "t": db_time(now)},
                ).lastrowid
        self._ids[params] = found
        self._params[found] = params
        return found

    def params(self, params_id: int | None) -> SchedulerParams:
        """The set a review with ``params_id`` was scheduled with (None: before they were recorded)."""
        if params_id is None:
            return LEGACY_PARAMS
        if params_id not in self._params:
            row = self.store.q("SELECT parameters FROM scheduler_params WHERE id = :i", i=params_id).one()
            self._params[params_id] = SchedulerParams.from_dict(json.loads(row.parameters))
        return self._params[params_id]

    def all_params(self) -> Iterator[tuple[int, str, datetime]]:
        for r in self.store.q("SELECT id, parameters, created_at FROM scheduler_params ORDER BY id"):
            created = from_db_time(r.created_at)
            assert created is not None
            yield r.id, r.parameters, created

    def log(self, question_id: int) -> list[tuple[datetime, int, int | None]]:
        """The question's scheduling log: ``(rated_at, rating, params id)`` of its reviews that are not
        cram ones, in the order given."""
        return [
            (must_time(r.rated_at), r.rating, r.params_id)
            for r in self.store.q(
                "SELECT rated_at, rating, params_id FROM reviews WHERE question_id = :q AND NOT cram"
                " ORDER BY id",
                q=question_id,
            )
        ]

    def fit_log(self) -> list[tuple[int, datetime, int]]:
        """Every review that scheduled a card (cram ones left out): ``(question id, rated_at, rating)``,
        each question's oldest first (what `optimize` fits to)."""
        return [
            (r.question_id, must_time(r.rated_at), r.rating)
            for r in self.store.q(
                "SELECT question_id, rated_at, rating FROM reviews WHERE NOT cram ORDER BY question_id, id"
            )
        ]

    # -- fitted weights -----------------------------------------------------------------------------

    def weights(self) -> tuple[float, ...]:
        """The FSRS weights in use: the last adopted fit not undone, else (also when py-fsrs refuses its
        weights) the defaults; the same rule a rating's transaction reads (card_replay.weights_in_use)."""
        return weights_in_use(self.store.conn.raw)

    def in_use(self) -> FittedParameters | None:
        """The fit whose weights are in use: the last adopted and not undone (None: FSRS's defaults)."""
        row = self.store.q(f"SELECT * FROM fitted_parameters WHERE {_IN_USE} LIMIT 1").first()
        return None if row is None else _fitted(row)

    def adopt_fit(self, fit_id: int, now: datetime) -> int:
        """Put a kept fit in use from ``now`` (`optimize` on a log unchanged since it was made). One
        that was in use before and undone is adopted as a copy, so the record keeps when it was used.
        Every card's memory state is recomputed under it (due dates kept): the cards that changed."""
        with self.store.write() as conn:
            conn.execute(
                text("UPDATE fitted_parameters SET adopted_at = :t WHERE id = :i AND adopted_at IS NULL"),
                {"t": db_time(now), "i": fit_id},
            )
            conn.execute(
                text(
                    "INSERT INTO fitted_parameters (fitted_at, weights, reviews, log_loss_before,"
                    " log_loss_after, rmse_before, rmse_after, adopted_at)"
                    " SELECT fitted_at, weights, reviews, log_loss_before, log_loss_after, rmse_before,"
                    " rmse_after, :t FROM fitted_parameters WHERE id = :i AND undone_at IS NOT NULL"
                ),
                {"t": db_time(now), "i": fit_id},
            )
            return recompute_memory(conn.raw)

    def logs(self) -> list[tuple[int, datetime, list[tuple[datetime, int, SchedulerParams | None]]]]:
        """Every reviewed question's scheduling log, as replays read it (card_replay.logs)."""
        return list(logs(self.store.conn.raw))

    def suspended(self) -> set[int]:
        """The questions never asked while suspended (leeches among them), which `plan` and the preview
        of a fit count in none of their figures."""
        return {
            r.question_id for r in self.store.q(f"SELECT question_id FROM cards c WHERE NOT {NOT_SUSPENDED}")
        }

    def latest_uid(self) -> str | None:
        """The global id of the latest review :meth:`fit_log` holds (with its length, what tells whether a
        kept fit was made on the same log)."""
        return self.store.q(
            f"SELECT {SQL_UID.format('uid')} AS uid FROM reviews WHERE NOT cram ORDER BY rated_us DESC,"
            " uid DESC LIMIT 1"
        ).scalar()

    def replayed_reviews(self) -> int:
        """How many reviews a recompute replays (cram ones never schedule a card)."""
        return self.store.q("SELECT COUNT(*) AS n FROM reviews WHERE NOT cram").one().n

    def recompute_memory(self) -> int:
        """Every card's memory state recomputed under the weights in use, due dates kept (a home whose
        cards an older mockprep left with the memory of earlier weights): the cards that changed."""
        with self.store.write() as conn:
            return recompute_memory(conn.raw)

    def fits(self) -> list[FittedParameters]:
        """Every fit, oldest first."""
        return [_fitted(r) for r in self.store.q("SELECT * FROM fitted_parameters ORDER BY id")]

    def record_fit(
        self,
        weights: list[float],
        reviews: int,
        before: tuple[float, float],
        after: tuple[float, float],
        now: datetime,
        adopt: bool,
        log_uid: str | None = None,
    ) -> int:
        """Keep a fit (``before``/``after`` are (log loss, RMSE)); ``adopt`` puts it in use now and
        recomputes every card's memory state under it (due dates kept). ValueError (one line) for weights
        py-fsrs refuses: adopted, they would fail every rating and replay."""
        problem = weights_problem(weights)
        if problem is not None:
            raise ValueError(f"fitted weights {problem}")
        with self.store.write() as conn:
            fit_id = conn.execute(
                text(
                    "INSERT INTO fitted_parameters (fitted_at, weights, reviews, log_loss_before,"
                    " log_loss_after, rmse_before, rmse_after, adopted_at, log_uid)"
                    " VALUES (:t, :w, :n, :lb, :la, :rb, :ra, :adopted, :uid)"
                ),
                {
                    "t": db_time(now),
                    "w": json.dumps(weights),
                    "n": reviews,
                    "lb": before[0],
                    "la": after[0],
                    "rb": before[1],
                    "ra": after[1],
                    "adopted": db_time(now) if adopt else None,
                    "uid": log_uid,
                },
            ).lastrowid
            if adopt:
                recompute_memory(conn.raw)
            return fit_id

    def refitted(self, fit_id: int, weights: list[float]) -> None:
        """Give kept fit ``fit_id`` the weights of its fit made again to the whole log (`optimize` keeps
        the checked fit first, so a Ctrl-C while it fits again leaves that one); its figures stay the
        check's, which are the earlier part's fit's."""
        problem = weights_problem(weights)
        if problem is not None:
            raise ValueError(f"fitted weights {problem}")
        with self.store.write() as conn:
            conn.execute(
                text("UPDATE fitted_parameters SET weights = :w WHERE id = :i AND adopted_at IS NULL"),
                {"w": json.dumps(weights), "i": fit_id},
            )

    def undo_fit(self, now: datetime) -> FittedParameters | None:
        """Stop using the weights in use (the ones adopted before them, or the defaults, apply again);
        None when the defaults are already in use."""
        with self.store.write() as conn:
            row = conn.execute(text(f"SELECT * FROM fitted_parameters WHERE {_IN_USE} LIMIT 1")).first()
            if row is None:
                return None
            conn.execute(
                text("UPDATE fitted_parameters SET undone_at = :t WHERE id = :i"),
                {"t": db_time(now), "i": row.id},
            )
            recompute_memory(conn.raw)  # under the weights in use again (due dates kept)
        return _fitted(row)


def _fitted(r: Any) -> FittedParameters:
    fitted_at = from_db_time(r.fitted_at)
    assert fitted_at is not None
    return FittedParameters(
        r.id,
        fitted_at,
        tuple(json.loads(r.weights)),
        r.reviews,
        r.log_loss_before,
        r.log_loss_after,
        r.rmse_before,
        r.rmse_after,
        from_db_time(r.adopted_at),
        from_db_time(r.undone_at),
        r.log_uid,
    )


def m033_fit_log_uid(cur: Any) -> None:
    """A fit records the latest review of the log it was fitted to: the log's fingerprint, with its length
    (a kept fit's figures are those of the part it was checked on, not of the weights adopted)."""
    cur.execute("ALTER TABLE fitted_parameters ADD COLUMN log_uid TEXT")
