"""An export turned into the events a sync folder holds, so that ``import --merge`` and ``sync`` share
one merge (:mod:`mockprep.db.merge`). Pure: records written before global ids get the derived ones."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from mockprep.core import ids
from mockprep.core.field_checks import RecordProblem


def export_events(doc: dict[str, Any], questions: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """An export (checked) as merge events; records written before global ids get the derived ones."""
    sessions: dict[int, str] = {}
    for s in doc.get("sessions", []):
        uid = s.get("uid") or ids.session_uid(s["id"], s["started_at"])
        sessions[s["id"]] = uid
        yield {"t": "session", **{k: v for k, v in s.items() if k not in ("id", "uid")}, "uid": uid}
    for story in doc.get("stories", []):
        yield story_event(story)
    for plan in doc.get("plans", []):  # (an export before m035 gives no uid: the derived one)
        uid = plan.get("uid") or ids.plan_uid(plan["id"], plan["created_at"])
        yield {"t": "plan", **{k: v for k, v in plan.items() if k not in ("id", "uid")}, "uid": uid}
    for alias in doc.get("question_aliases", []):
        yield {"t": "alias", "key": alias["key"], "question": alias["question"]}
    params = {p["id"]: p["parameters"] for p in doc.get("scheduler_params", [])}
    wanted = {m.get("review") for m in doc.get("mock_answers", [])} - {None}  # reviews mock answers name
    rated: dict[int, tuple[str, str]] = {}  # those reviews' uids and times, by their ids in the file
    for q in questions:
        prompt = q["question"].get("prompt")
        for r in q["reviews"]:
            uid = r.get("uid") or ids.review_uid(r["id"], q["key"], r["rated_at"], r["rating"])
            if r["id"] in wanted:
                rated[r["id"]] = (uid, r["rated_at"])
            session = None if r.get("session") is None else sessions.get(r["session"])
            event = {k: v for k, v in r.items() if k not in ("id", "session", "params")}
            event["parameters"] = params.get(r.get("params"))
            # (its question's prompt: a review here on a question whose id was given to another since)
            yield {**event, "t": "review", "uid": uid, "key": q["key"], "session": session, "prompt": prompt}
        if q.get("marks"):
            yield marks_event(q["key"], q["marks"])
    yield from mock_answer_events(doc, sessions, rated)


def mock_answer_events(
    doc: dict[str, Any], sessions: dict[int, str], rated: dict[int, tuple[str, str]]
) -> Iterator[dict[str, Any]]:
    """The export's mock answers (checked, after its questions) as their sync lines: their session and
    the review that rated them by global id, the review with when it was rated (``rated``: by the ids the
    file gives them)."""
    for index, m in enumerate(doc.get("mock_answers", [])):
        review = m.get("review")
        if review is not None and review not in rated:
            raise RecordProblem(f"mock_answers[{index}].review", f"no review {review} in questions[].reviews")
        review_uid, rated_at = rated.get(review, (None, None)) if review is not None else (None, None)
        uid = m.get("uid") or ids.mock_answer_uid(m["id"], m["session"], m["position"], m["answered_at"])
        yield {
            **{k: v for k, v in m.items() if k not in ("id", "session", "review")},
            "t": "mock_answer",
            "uid": uid,
            "session": sessions[m["session"]],
            "review": review_uid,
            "review_rated_at": rated_at,
        }


def marks_event(key: str, marks: dict[str, Any]) -> dict[str, Any]:
    """A question's exported marks as the sync line of them (``mark_stamps.marks_event``): each mark
    with when it last changed ("" when the export does not say, as before m026)."""
    changed = {
        mark: (marks.get("changed") or {}).get(mark) or "" for mark in ("suspended", "buried", "flagged")
    }
    values = {
        name: marks.get(name) for name in ("suspended_at", "suspended_by", "buried_until", "flagged_at")
    }
    stamps = "/".join(changed.values())
    return {"t": "marks", "uid": f"marks/{key}/{stamps}", "key": key, "changed_at": max(changed.values()),
            "changed": changed, **values}  # fmt: skip


def story_event(story: dict[str, Any]) -> dict[str, Any]:
    """An exported story (numbered versions) as an event (versions and rehearsals by uid)."""
    story_uid = story.get("uid") or ids.story_uid(story["id"], story["created_at"])
    versions, by_number, previous = [], {}, None
    for v in sorted(story["versions"], key=lambda v: v["version"]):
        uid = v.get("uid") or ids.version_uid(story_uid, v["version"], v["saved_at"])
        by_number[v["version"]] = uid
        parent = v["parent"] if "parent" in v else previous
        versions.append({**{k: x for k, x in v.items() if k != "version"}, "uid": uid, "parent": parent})
        previous = uid
    rehearsals = [
        {
            **r,
            "version": by_number.get(r["version"]),
            "uid": r.get("uid") or ids.rehearsal_uid(story_uid, ordinal, r["rehearsed_at"]),
        }
        for ordinal, r in enumerate(story.get("rehearsals", []), start=1)
    ]
    return {
        "t": "story",
        "uid": story_uid,
        "created_at": story["created_at"],
        "versions": versions,
        "links": list(story.get("links", [])),
        # when each was made and the links removed (a file from before them: made at the story's creation)
        "linked_at": dict(story.get("linked_at", {})),
        "unlinked": dict(story.get("unlinked", {})),
        "rehearsals": rehearsals,
    }
