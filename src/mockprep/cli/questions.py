"""`mockprep question ...` (show, search, list; suspend, bury, flag; rename) and `mockprep undo`.

A question is named by its key (``bank-id/question-id``) or, when no other bank uses it, by its id
alone; :func:`resolve_key` does that for every command that takes a question, `story link` included.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from mockprep.cli.app import UserError, app, question_app
from mockprep.cli.context import check_filter_values, make_console, open_store, plain, utc_now
from mockprep.cli.options import BankOption, RoundOption

if TYPE_CHECKING:
    from mockprep.core.card_actions import CardAction
    from mockprep.db.store import Store

QuestionRef = Annotated[
    str,
    typer.Argument(
        metavar="KEY", help="A question's key (bank-id/question-id), or its question id when unique."
    ),
]
QuestionRefs = Annotated[
    list[str],
    typer.Argument(
        metavar="KEY...", help="Question keys (bank-id/question-id), or question ids when unique."
    ),
]


def resolve_key(store: Store, ref: str) -> str:
    """The full key ``ref`` names: itself, or the one question with that id (an active one before a
    retired one). Unknown or ambiguous: one line saying so, with the candidates."""
    import difflib

    ref = ref.strip()
    found = store.questions.candidates(ref)
    active = [key for key, retired in found if not retired]
    if len(found) == 1:
        return found[0][0]
    if len(active) == 1:
        return active[0]
    if found:
        keys = ", ".join(key for key, _retired in found)
        raise UserError(f"question id {ref!r} is in {len(found)} banks: {keys}; give the full key")
    renamed = store.banks.renamed_to(ref)
    if renamed is not None:
        return renamed  # (the key it had before its id was renamed)
    keys = store.questions.all_keys()
    if "/" in ref:
        close = difflib.get_close_matches(ref, keys, n=3, cutoff=0.8)
        what = "key"
    else:
        ids = sorted({k.partition("/")[2] for k in keys})
        close = [i for i in ids if ref and ref in i][:3]
        close += [i for i in difflib.get_close_matches(ref, ids, n=3, cutoff=0.7) if i not in close]
        close = close[:3]
        what = "id"
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise UserError(f"no question with {what} {ref!r}{hint} (find one with: mockprep question search WORDS)")


MAX_SEARCH_WORDS, MAX_SEARCH_CHARS = 50, 200  # far more than a search needs, well within SQLite's


@app.command()
def undo() -> None:
    """Undo the last rating: the question's schedule goes back exactly to what it was, and the rating
    leaves history and stats. Run it again to undo the one before (back to a rating of a question
    another device has rated since: that one, and those before it, stay)."""
    from mockprep.core.card_actions import UndoRefused, refused_text, undo_lines

    store = open_store(sync=False)
    try:
        undone = store.cards.undo_last()
    except UndoRefused as refused:
        raise UserError(refused_text(refused, utc_now()), exit_code=1) from None
    finally:
        store.close()
    if undone is None:
        typer.echo("Nothing to undo: no rating has been recorded.")
        return
    for line in undo_lines(undone, utc_now()):
        typer.echo(plain(line))


@question_app.command("show")
def question_show(question: QuestionRef) -> None:
    """One question in full: prompt, model answer, key points, follow-ups, its schedule, its marks and
    every rating you gave it."""
    from mockprep.terminal.questions import render_question

    store = open_store()
    try:
        key = resolve_key(store, question)
        detail = store.questions.detail(key)
        ref = question.strip()
        # (a key or id no question has now, found as the one a question had before its id was renamed)
        renamed = not store.questions.candidates(ref) and store.banks.renamed_to(ref) == key
    finally:
        store.close()
    assert detail is not None
    render_question(make_console(), detail, utc_now(), ref if renamed else None)


@question_app.command("search")
def question_search(
    words: Annotated[list[str], typer.Argument(metavar="TEXT...", help="Words that must all appear.")],
    round: RoundOption = None,
    topic: Annotated[
        list[str] | None, typer.Option("--topic", "-t", metavar="TOPIC", help="Only this topic (repeatable).")
    ] = None,
    bank: BankOption = None,
) -> None:
    """Questions whose key, topic, prompt, answer, key points or tags hold every word (any case)."""
    from mockprep.core.questions import QuestionFilter
    from mockprep.terminal.questions import render_hits

    terms = [w for text in words for w in text.split()]
    if not terms:
        raise UserError("give a word to search for, e.g. mockprep question search attention")
    if len(terms) > MAX_SEARCH_WORDS or max(map(len, terms)) > MAX_SEARCH_CHARS:  # (SQLite's own limits)
        raise UserError(
            f"a search takes at most {MAX_SEARCH_WORDS} words of at most {MAX_SEARCH_CHARS} characters each"
        )
    store = open_store()
    try:
        topics, banks = topic or [], bank or []
        check_filter_values(store, "topics", topics)
        check_filter_values(store, "banks", banks)
        flt = QuestionFilter(rounds=(round.value,) if round else (), topics=tuple(topics), banks=tuple(banks))
        hits = store.questions.search(terms, flt)
    finally:
        store.close()
    render_hits(make_console(), hits, utc_now(), f"No question matches {' '.join(terms)!r}.")


@question_app.command("list")
def question_list(
    flagged: Annotated[bool, typer.Option("--flagged", help="Only flagged questions.")] = False,
    suspended: Annotated[bool, typer.Option("--suspended", help="Only suspended questions.")] = False,
    buried: Annotated[bool, typer.Option("--buried", help="Only questions buried until tomorrow.")] = False,
) -> None:
    """Questions you flagged, suspended or buried (all three unless you pick)."""
    from mockprep.db.questions import MARKS
    from mockprep.terminal.questions import render_hits

    chosen = tuple(m for m, on in zip(MARKS, (flagged, suspended, buried), strict=True) if on) or MARKS
    store = open_store()
    try:
        hits = store.questions.marked(chosen, utc_now())
    finally:
        store.close()
    render_hits(make_console(), hits, utc_now(), f"No {' or '.join(chosen)} questions.")


def _mark(refs: list[str], action: CardAction, on: bool) -> None:
    """Apply a mark to each question (all named first: one unknown key changes nothing)."""
    from mockprep.core.card_actions import CardAction, bury_end, mark_text

    store = open_store()
    try:
        keys = [resolve_key(store, ref) for ref in refs]
        now = utc_now()
        for key in keys:
            record = store.banks.question_by_key(key)
            assert record is not None
            if action == CardAction.SUSPEND:
                changed = store.cards.set_suspended(record.id, on, now)
            elif action == CardAction.BURY:
                until = bury_end(now, None, store.settings.day_start_hour)
                changed = store.cards.set_buried(record.id, until if on else None, now)
            else:
                changed = store.cards.set_flagged(record.id, on, now)
            already = f"{key} was {'already' if on else 'not'} {action.done}."
            said = mark_text(action, key, on) if changed else already
            bank = store.banks.get(record.question.bank_id)
            if bank is not None and bank.removed and changed and on:  # (listings show active ones only)
                if action == CardAction.FLAG:  # ("question list --flagged lists it": not while removed)
                    said = said.split(" (")[0] + "."
                said += f" Its bank {bank.id!r} is removed: it is neither asked nor listed until"
                said += f" mockprep bank add {bank.id}."
            typer.echo(plain(said))
    finally:
        store.close()


@question_app.command("suspend")
def question_suspend(questions: QuestionRefs) -> None:
    """Stop asking these questions (in sessions and mocks) until you unsuspend them."""
    from mockprep.core.card_actions import CardAction

    _mark(questions, CardAction.SUSPEND, True)


@question_app.command("unsuspend")
def question_unsuspend(questions: QuestionRefs) -> None:
    """Ask suspended questions again (leeches too); their schedule is as it was."""
    from mockprep.core.card_actions import CardAction

    _mark(questions, CardAction.SUSPEND, False)


@question_app.command("bury")
def question_bury(questions: QuestionRefs) -> None:
    """Do not ask these questions again today (until your next local midnight)."""
    from mockprep.core.card_actions import CardAction

    _mark(questions, CardAction.BURY, True)


@question_app.command("unbury")
def question_unbury(questions: QuestionRefs) -> None:
    """Ask buried questions again today."""
    from mockprep.core.card_actions import CardAction

    _mark(questions, CardAction.BURY, False)


@question_app.command("flag")
def question_flag(questions: QuestionRefs) -> None:
    """Flag questions to come back to (mockprep question list --flagged)."""
    from mockprep.core.card_actions import CardAction

    _mark(questions, CardAction.FLAG, True)


@question_app.command("unflag")
def question_unflag(questions: QuestionRefs) -> None:
    """Remove the flag."""
    from mockprep.core.card_actions import CardAction

    _mark(questions, CardAction.FLAG, False)


@question_app.command("rename")
def question_rename(
    old: Annotated[
        str,
        typer.Argument(
            metavar="OLD", help="The retired question's key (bank-id/question-id), or its id when unique."
        ),
    ],
    new: Annotated[
        str,
        typer.Argument(metavar="NEW", help="The key of the question a bank file now holds in its place."),
    ],
    join: Annotated[
        bool,
        typer.Option(
            "--join",
            help="Join NEW's own reviews from while OLD was in a bank file too (they are one question).",
        ),
    ] = False,
) -> None:
    """Carry a retired question's history over to the question that replaced it (its id renamed in the
    bank file, or the question moved to another bank): its reviews, schedule and marks continue under
    NEW (NEW's own reviews since it replaced OLD joined to them), and OLD still finds it."""
    from mockprep.core.wording import plural

    store = open_store()
    try:
        new_key = resolve_key(store, new)
        was = store.banks.renamed_to(old.strip())
        if was is not None:
            done = "already" if was == new_key else f"already renamed to {was}, not"
            typer.echo(plain(f"{old.strip()} is {done} {new_key}: nothing to do."))
            return
        old_key = _retired_key(store, old)
        if old_key == new_key:
            raise UserError(f"{old_key} and {new_key} are the same question")
        new_record = store.banks.question_by_key(new_key)
        old_record = store.banks.question_by_key(old_key)
        assert new_record is not None and old_record is not None
        if new_record.retired:
            raise UserError(
                f"{new_key} is in no bank file any more: NEW must be a question a bank file holds"
            )
        if not old_record.retired:
            raise UserError(
                f"{old_key} is still in its bank file: only a question no file holds any more can hand its"
                " history over (delete it from the file first)"
            )
        reviews = store.questions.review_count(old_record.id)
        if not reviews:
            raise UserError(f"{old_key} has no reviews: there is no history to carry over")
        own = store.questions.review_count(new_record.id)
        if own and not join and store.questions.live_together(old_record.id, new_record.id):
            raise UserError(_two_questions(old_key, new_key, own))
        joined = store.banks.carry_over(old_record.id, new_key)
    finally:
        store.close()
    own = f", joined to its own {plural(joined, 'review')} (schedule recomputed)" if joined else ""
    carried = f"{plural(reviews, 'review')} carried over{own}"
    typer.echo(plain(f"Renamed {old_key} → {new_key}: {carried}; {old_key} still finds it."))


def _two_questions(old_key: str, new_key: str, own: int) -> str:
    """Why NEW's own reviews are not joined to OLD's: NEW was a question of its own while OLD was one
    (its prompt perhaps another then: a question deleted and its id given to OLD's), and the way out."""
    from mockprep.core.wording import plural

    return (
        f"{new_key} has {plural(own, 'review')} of its own from while {old_key} was in a bank file too"
        " (two questions then): joining would mix their histories. To keep them apart, put the bank file"
        f" back as it was and let it sync, then delete {new_key}'s question in one edit and give its id"
        " away in the next (each history then follows its prompt); if they are one question, add --join"
    )


def _retired_key(store: Store, ref: str) -> str:
    """The key ``ref`` names, a retired question's before an active one's when it is an id alone."""
    found = store.questions.candidates(ref.strip())
    retired = [key for key, is_retired in found if is_retired]
    return retired[0] if len(found) > 1 and len(retired) == 1 else resolve_key(store, ref)
