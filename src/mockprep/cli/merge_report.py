"""What a merge did, said in a few lines: `import --merge` and `sync` (from other devices, and what a
device's own files brought back)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mockprep.core.wording import listed, plural

if TYPE_CHECKING:
    from mockprep.db.merge import MergeSummary
    from mockprep.db.store import Store


def removed_words(summary: MergeSummary) -> str:
    """What a merge removed, by kind: "3 reviews, 1 session and 1 interview plan" (the rest of its
    ``deleted`` are stories' records: a story, its versions, links and rehearsals)."""
    counts = {kind: summary.removed.get(kind, 0) for kind in ("review", "session", "plan")}
    names = {"review": "review", "session": "session", "plan": "interview plan"}
    parts = [plural(count, names[kind]) for kind, count in counts.items() if count > 0]
    rest = summary.deleted - sum(counts.values())
    if rest > 0:
        parts.append(plural(rest, "story record") + " (stories, versions, links, rehearsals)")
    if not parts:
        return plural(summary.deleted, "record")
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


def merge_report(
    summary: MergeSummary,
    head: str,
    missing: dict[str, str] | None = None,
    banks: dict[str, str] | None = None,
    kept: bool = False,
    own: bool = False,
    in_file: bool = False,
) -> str:
    """What a merge added, in a few lines; ``missing`` holds the banks the merged file had whose file is
    not on this machine, each with that file; ``banks`` those of this home, each with the file it was
    read from; ``kept``: what waits for a question is kept and tried again (a sync); ``own``: the events
    are this device's, read back from its files after its database was replaced; ``in_file``: they come
    from the file ``head`` names (an import, whose file may be this device's own, such as the copy a
    restore kept), so what they undid or deleted is said to be that file's, not another device's."""
    origin = "on this device" if own else "in that file" if in_file else "on another device"
    removed = ""
    if summary.deleted:
        who = "this device had undone or deleted" if own else f"undone or deleted {origin}"
        removed = f"removed {removed_words(summary)} {who}"
    if summary.added():
        parts = [
            plural(summary.reviews, "review"),
            plural(summary.sessions, "session"),
            plural(summary.stories, "story"),
        ]
        if summary.versions:
            parts.append(f"{plural(summary.versions, 'story version')} of stories already here")
        if summary.rehearsals:
            parts.append(plural(summary.rehearsals, "rehearsal"))
        if summary.links:
            parts.append(plural(summary.links, "story link"))
        if summary.mock_answers:
            parts.append(plural(summary.mock_answers, "mock answer"))
        if summary.marks:
            parts.append(f"the marks (suspended, buried, flagged) of {plural(summary.marks, 'question')}")
        if summary.plans:
            parts.append(plural(summary.plans, "interview plan"))
        if summary.aliases:
            parts.append(f"{plural(summary.aliases, 'old id')} of renamed questions")
        lines = [f"{head}: added {', '.join(parts)}; {plural(summary.cards, 'card')} recomputed."]
        if summary.moved:
            were = "it was" if summary.moved == 1 else "they were"
            lines.append(
                f"Moved {plural(summary.moved, 'review')} back to the question answered: here {were} on a"
                " question that took its id after a rename."
            )
        if removed:
            lines.append(f"{removed[0].upper()}{removed[1:]}.")
    elif removed:
        lines = [f"{head}: {removed}; {plural(summary.cards, 'card')} recomputed."]
    else:
        lines = [f"{head}: nothing new."]
    if summary.undone:  # added and removed by the same merge: nets to nothing
        were = "was" if summary.undone == 1 else "were"
        lines.append(
            f"{plural(summary.undone, 'record')} made {origin} and undone or deleted since {were} left out:"
            " neither added nor removed."
        )
    for title in summary.conflicts:
        lines.append(
            f"Story '{title}' was edited on two devices: both edits are kept as versions (story history)."
        )
    for title in summary.kept:
        lines.append(
            f"Story '{title}' was deleted on a device that did not know of all its versions (or"
            " rehearsals): the story is kept with what that delete did not know of."
        )
    for title in summary.revived:
        lines.append(
            f"Story '{title}', deleted, is back: a device added a version (or a rehearsal) of it that the"
            " delete did not know of."
        )
    lines += _homeless_lines(summary.homeless, missing or {}, banks or {}, kept)
    if summary.refused:
        (event, why), more = summary.refused[0], len(summary.refused) - 1
        others = f"; {plural(more, 'other')}" if more else ""
        lines.append(
            f"Skipped {plural(len(summary.refused), 'event')} that could not be merged here"
            f" ({event.get('t')} {event.get('uid')}: {why}{others}); the rest is merged."
        )
    for name, count in summary.detached.items():
        lines.append(
            f"{plural(count, 'review')} added without {'its' if count == 1 else 'their'} session: the"
            f" session's line in {name} was skipped (a wrong value)."
        )
    if len(summary.waiting) > len(summary.homeless):  # the rest wait for their session
        early = len(summary.waiting) - len(summary.homeless)
        waits = "waits for its" if early == 1 else "wait for their"
        lines.append(
            f"{plural(early, 'review')} {waits} session, not here yet (a file still arriving):"
            " added once it is."
        )
    return "\n".join(lines)


def _homeless_lines(keys: list[str], missing: dict[str, str], banks: dict[str, str], kept: bool) -> list[str]:
    """What to do about the records of questions (``keys``) this home does not have: a bank of this
    home's lacks them (renamed or added in the other device's copy of its file: one line per bank),
    or their bank is not here (one line for all those banks)."""
    lines = []
    by_bank: dict[str, list[str]] = {}
    for key in keys:
        by_bank.setdefault(key.split("/", 1)[0], []).append(key)
    lacking = {bank: banks[bank] for bank in sorted(by_bank) if bank in banks and bank not in missing}
    for bank, source in lacking.items():
        found = by_bank[bank]
        named = sorted(set(found))
        them = "that question" if len(named) == 1 else "those questions"
        if source.startswith("builtin:"):
            why = f"the built-in bank {bank} here lacks {them} (added in a newer mockprep): update mockprep"
        else:
            why = (
                f"bank {bank}'s file here ({source}) lacks {them} (renamed or added in the other device's"
                " copy of the file): update this device's copy"
            )
        one = len(found) == 1
        after = (
            f" and {'it is' if one else 'they are'} merged at the next sync"
            if kept
            else ", then run this again"
        )
        lines.append(
            f"{plural(len(found), 'record')} of {listed(named, sep=', ')}"
            f" {('waits' if one else 'wait') if kept else ('was not added' if one else 'were not added')}:"
            f" {why}{after}."
        )
    rest = [key for key in keys if key.split("/", 1)[0] not in lacking]
    if rest:
        names = sorted({key.split("/", 1)[0] for key in rest})
        named = (
            f" (bank{'s' if len(names) > 1 else ''} {', '.join(names[:8])}{', …' if len(names) > 8 else ''})"
        )
        gone = [f"{bank}'s {missing[bank]}" for bank in names if bank in missing]
        what = (  # the bank files the merged file had registered, not on this machine
            f"{'; '.join(gone)} {'is' if len(gone) == 1 else 'are'} not on this machine: copy"
            f" {'it' if len(gone) == 1 else 'them'} here, add {'it' if len(gone) == 1 else 'them'}"
            " (mockprep bank add PATH)" + ("" if len(gone) == len(names) else ", and add the other banks")
            if gone
            else "add their banks (bank add)"
        )
        lines.append(
            f"{plural(len(rest), 'record')} of questions this home does not have{named}"
            f" {'was' if len(rest) == 1 else 'were'} not added: {what}, then run this again."
        )
    return lines


def home_bank_sources(store: Store, *merged: MergeSummary) -> dict[str, str]:
    """This home's banks (not removed), each with the file it was read from; read only when a merge
    (``merged``) left records of questions this home does not have."""
    if not any(summary.homeless for summary in merged):
        return {}
    return {bank.id: bank.source for bank in store.banks.states().values() if not bank.removed}


def parameters_note(head: dict[str, Any], here: tuple[float, ...]) -> str | None:
    """The line a merge says when the file's device had its own FSRS weights in use and they differ
    from this home's (``here``): weights stay on each device (found by an exploratory tester: nothing
    said so). None when they are the same, or the file had none of its own."""
    fits = [f for f in head.get("fitted_parameters") or [] if f.get("adopted_at") and not f.get("undone_at")]
    if not fits:
        return None
    theirs = max(fits, key=lambda f: (str(f["adopted_at"]), f.get("id", 0)))
    if tuple(float(w) for w in theirs.get("weights", ())) == tuple(here):
        return None
    fitted = str(theirs.get("fitted_at"))[:10]
    return (
        f"The file's device schedules with its own FSRS parameters (fitted {fitted});"
        " they were not brought over: parameters stay on the device that adopted them, and this home keeps"
        " its own (due dates agree either way; mockprep optimize fits this home's)."
    )
