"""Another device's events as rows: a review event as a row of the merge's batch table, and the values
an event carries in the forms the database holds them (its device, its parameters, JSON fields)."""

from __future__ import annotations

import json
from typing import Any

from mockprep.core.scheduler import SchedulerParams
from mockprep.db import review_codec
from mockprep.db.sql import from_iso


def batch_row(index: int, r: dict[str, Any], detached: set[str], origin: str) -> tuple:
    """A review event as a row of ``temp.merge_reviews`` (the columns of :data:`mockprep.db.merge._BATCH`)."""
    return (
        index,
        r["uid"],
        review_codec.pack_uid(r["uid"]),
        r["key"],
        None if r.get("session") in detached else r.get("session"),
        r.get("session") in detached,
        from_iso(r["rated_at"]),
        r["rating"],
        r["state_before"],
        review_codec.pack_answer(r.get("answer") or ""),
        r["duration_ms"],
        r.get("time_limit_ms"),
        review_codec.pack_coverage(r.get("coverage")),
        r.get("suggested"),
        review_codec.pack_grader(r.get("grader")),
        review_codec.pack_verdicts(r.get("proposed")),
        review_codec.pack_verdicts(r.get("checklist")),
        origin_of(r, origin),
        bool(r.get("cram")),
        _params_json(r.get("parameters")),
        r.get("code_runs"),
        _json(r.get("code_result")),
        _json(r.get("delivery")),
        r.get("prompt"),
        r.get("model"),
        review_codec.pack_verdicts(r.get("model_proposed")),
        r.get("model_suggested"),
        None if r.get("model_errors") is None else json.dumps(r["model_errors"], ensure_ascii=False),
        r.get("model_failure"),
    )


def origin_of(event: dict[str, Any], default: str) -> str | None:
    """The device an event was made on: its own ``origin`` (None: this one, read back from its own sync
    file), else ``default``."""
    return event["origin"] if "origin" in event else default


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value)


def _params_json(value: Any) -> str | None:
    """A review's scheduler parameters in the canonical text the ``scheduler_params`` table holds."""
    if not isinstance(value, dict):
        return None  # not recorded (or unreadable): replayed as FSRS 6's defaults
    try:
        return SchedulerParams.from_dict(value).to_json()
    except (ValueError, TypeError, KeyError):
        return None
