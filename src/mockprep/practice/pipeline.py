"""The practice steps every flow shares: ask and time an answer, assess it, reveal, rate, record.

A session runs :meth:`Pipeline.ask` and :meth:`Pipeline.rate` back to back; a mock round asks
everything first and rates after the round, as a real interview reveals nothing until the end.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from mockprep.core.card_actions import (
    NOTHING_TO_UNDO_HERE,
    CardAction,
    UndoneReview,
    UndoRefused,
    bury_end,
    leech_text,
    mark_text,
    recorded_text,
    refused_text,
    undo_lines,
)
from mockprep.core.durations import format_duration
from mockprep.core.grading import Assessment, Grader, default_grader, rating_from_checklist
from mockprep.core.kinds import kind_of
from mockprep.core.plans import deadline, planned_params
from mockprep.core.plans import today as plan_today
from mockprep.core.scheduler import SchedulerParams, card_state, review
from mockprep.core.settings import Settings
from mockprep.core.timer import AnswerTiming, Countdown
from mockprep.practice.code_answer import CodeAnswer, say_code_is_typed
from mockprep.practice.ui import Attempt, PracticeUI, Progress
from mockprep.practice.unstored import refused_as_unstored

if TYPE_CHECKING:
    from datetime import tzinfo

    from fsrs import Card, Rating

    from mockprep.core.questions import QuestionRecord
    from mockprep.db.cards import CardTable
    from mockprep.db.store import Store
    from mockprep.practice.ui import SessionSummary
    from mockprep.practice.voice import SpokenAnswer, Voice

Clock = Callable[[], datetime]


MAX_RETYPES = 3  # an answer that still cannot be read after this many tries is graded as it is


class SessionInterrupted(BaseException):
    """Raised by signal handlers (SIGTERM, SIGHUP) to end a session the way Ctrl-C does."""


FIRST_WAIT_MS = 3000  # a practice run's write tells the person it waits for another writer after this
MAX_STORIES_OFFERED = 9  # stories offered after a behavioral answer, the most relevant first

WAITING_FOR_LOCK = (
    "Another mockprep (an import or a sync, say) has been writing to the database for a while; your"
    " answer is kept and is stored the moment it finishes."
)


class Pipeline:
    """Ask → time → assess → reveal → rate → record, against one store and one UI."""

    def __init__(
        self,
        store: Store,
        ui: PracticeUI,
        clock: Clock,
        settings: Settings,
        grader: Grader | None = None,
        tz: tzinfo | None = None,
        cram: bool = False,
        voice: Voice | None = None,
    ):
        self.store = store
        self.ui = ui
        # an answer waits for a long import, kept, and says so after 3 s (not the 30 s others give up at)
        store.wait_out_writers(lambda: ui.notice(WAITING_FOR_LOCK), FIRST_WAIT_MS)
        self.clock = clock
        self.settings = settings
        self.grader = grader or default_grader()
        self.params = SchedulerParams.of(
            store.scheduling.weights(),
            settings.desired_retention,
            settings.learning_steps,
            settings.relearning_steps,
        )
        self.tz = tz  # the person's zone: a bury lasts until the start of their next day
        self.cram = cram  # ratings are recorded as cram reviews: the schedule is left as it was
        self.voice = voice  # answers are spoken (--voice, --audio) when set
        self.undone: list[UndoneReview] = []  # ratings taken back with `u` at the rating prompt
        self.recorded: Attempt | None = None  # the last attempt whose rating was stored
        self.cut_short: Attempt | None = None  # cut short (Ctrl-C, a signal), or code quit after a run
        self.reply_so_far = ""  # a spoken follow-up reply cut short: where its take is kept
        self.confirmed: list[str] | None = None  # ... and the checklist the person confirmed for it
        self._due_by: dict[int, datetime] | None = None  # question -> start of its interview day

    def due_by(self, question_id: int) -> datetime | None:
        """When the question must be ready: the start of the soonest interview plan covering it that is
        a day or more away (on the day of one interview, or the day before, a later one steers)."""
        if self._due_by is None:
            now, hour = self.clock(), self.settings.day_start_hour
            found: dict[int, datetime] = {}
            for plan in self.store.plans.active(plan_today(now, self.tz, hour)):
                day = deadline(plan, self.tz, hour)
                if day - now < timedelta(days=1):
                    continue  # its day has come or is tomorrow: no review can land before it any more
                for qid in self.store.plans.question_ids(plan):
                    found[qid] = min(found.get(qid, day), day)
            self._due_by = found
        return self._due_by.get(question_id)

    def params_for(self, question_id: int, card: Card, rating: Rating, now: datetime) -> SchedulerParams:
        """The parameters this rating is scheduled with: the settings' and the person's weights, with
        the desired retention raised for a question an interview plan needs ready."""
        return planned_params(
            self.params, card, rating, now, self.due_by(question_id), self.settings.plan_retention
        )

    def intervals(self, question_id: int, card: Card, now: datetime) -> dict[Rating, timedelta]:
        """How long until the question comes back for each rating (none for a cram rating)."""
        from fsrs import Rating

        if self.cram:
            return {}
        out = {}
        for rating in Rating:
            params = self.params_for(question_id, card, rating, now)
            out[rating] = review(params.scheduler(), card, rating, now).due - now
        return out

    def countdown(self, limit: float | None, started: datetime) -> Countdown | None:
        return None if limit is None else Countdown(limit, started, self.settings.warning_seconds)

    def ask(
        self, record: QuestionRecord, progress: Callable[[datetime], Progress], limit: float | None
    ) -> Attempt | None:
        """Show a question, read the answer against its limit, and assess it; None when the person quits.

        ``progress`` gives the header's count at the moment the question is shown.
        """
        shown = self.clock()
        self.cut_short = None
        countdown = self.countdown(limit, shown)
        self.ui.show_question(record, progress(shown), countdown)
        prepare = getattr(self.grader, "prepare", None)
        if prepare is not None:
            prepare()  # e.g. load the meaning model while the person reads and types
        if kind_of(record.question.spec).runs_code:
            say_code_is_typed(self.ui, self.voice)
            code = CodeAnswer(self.ui, self.grader, self.clock, record, shown, limit)
            try:
                attempt = code.ask(countdown)
            except BaseException:  # Ctrl-C, a signal, a closed terminal's error: the code so far is kept
                self.cut_short = typed_so_far(self.ui, self.clock, record, shown, limit, code.draft)
                raise
            self.cut_short = code.quit_with  # q after a run: the code is kept as well
            return attempt
        spoken = None
        if self.voice is not None:
            try:
                spoken = self.voice.answer(countdown)
            except BaseException as exc:  # the take so far is kept, and the answer with it, unrated
                from mockprep.practice.voice import spoken_so_far

                voice, ui = self.voice, self.ui
                self.cut_short = spoken_so_far(voice, self.store, ui, self.clock, record, shown, limit, exc)
                raise
            answer = None if spoken is None else spoken.transcript.text
        else:
            try:
                answer = self.read_typed(record, countdown)
            except BaseException:  # (a closed terminal's input/output error may come before its signal)
                self.cut_short = typed_so_far(self.ui, self.clock, record, shown, limit)
                raise
        if answer is None:
            return None
        answered = self.clock()
        if spoken is not None and spoken.clip.stopped_at is not None:
            answered = spoken.clip.stopped_at  # the transcribing afterwards is not the person's time
        # A recording is timed like typing, from the question to the stop; a file by its length.
        seconds = (answered - shown).total_seconds()
        if spoken is not None and not spoken.clip.live:
            seconds = spoken.transcript.seconds
        timing = AnswerTiming(seconds, limit)
        if spoken is not None:  # a live answer is timed from the question to the stop (the reveal's ⏱)
            self.ui.show_spoken(spoken, limit, seconds if spoken.clip.live else None)
        assessment = self.grader.assess(record.question.spec, answer, timing.overtime > 0)
        if assessment.note:
            self.ui.notice(assessment.note)
        delivery = None if spoken is None else spoken.delivery
        return Attempt(record, answer, timing, assessment, answered, delivery=delivery)

    def read_typed(self, record: QuestionRecord, countdown: Countdown | None) -> str | None:
        """A typed answer; at a terminal, one that cannot be read (a choice letter...) is asked again."""
        answer = self.ui.read_answer(countdown)
        # Only a person at a terminal is asked to retype: piped input keeps its line protocol.
        check = kind_of(record.question.spec).check_answer if getattr(self.ui, "interactive", False) else None
        for _retry in range(MAX_RETYPES):
            problem = None if answer is None or check is None else check(record.question.spec, answer)
            if problem is None:
                break
            self.ui.notice(f"Could not read that answer: {problem}.")
            answer = self.ui.read_answer(countdown)  # the clock keeps running
        return answer

    def read_follow_up(self, countdown: Countdown | None, key: str = "") -> SpokenAnswer | str | None:
        """The answer to an interviewer's follow-up (to question ``key``): spoken when answers are, else
        typed. A spoken reply cut short keeps its take, named in :attr:`reply_so_far`."""
        self.reply_so_far = ""
        if self.voice is None:
            return self.ui.read_answer(countdown)
        try:
            spoken = self.voice.answer(countdown)
        except BaseException as exc:
            from mockprep.practice.voice import keep_take

            kept = keep_take(self.voice, self.store, self.ui, key, exc)
            if kept is not None:
                self.reply_so_far = kept.answer
            raise
        if spoken is not None:
            stopped, timed = spoken.clip.stopped_at, None
            if spoken.clip.live and countdown is not None and stopped is not None:
                timed = countdown.elapsed(stopped)  # timed from the follow-up to the stop
            self.ui.show_spoken(spoken, None if countdown is None else countdown.limit, timed)
        return spoken

    def unavailable(self, record: QuestionRecord) -> str | None:
        """Why a question cannot be asked here (a code question whose requirements are missing)."""
        check = getattr(self.grader, "unavailable", None)
        return None if check is None else check(record.question.spec)

    def reveal(self, attempt: Attempt) -> Attempt:
        """Show the model answer and the grader's verdict; the attempt with the final assessment.

        A grader still at work (a model, off the main thread) goes on while the person reads the model
        answer; its verdict is then waited for, never past its timeout. When it gives none, the offline
        assessment stands and a notice says why in one line.
        """
        from mockprep.core.telling import held_to

        attempt = attempt.told()  # how long it lasts told aloud, where the question asks for a length
        pending = attempt.assessment.pending
        if pending is None:
            self.ui.show_reveal(attempt)
            return attempt
        self.ui.show_model_answer(attempt)
        if not pending.done():
            left = format_duration(max(1, math.ceil(pending.left())))
            self.ui.notice(f"{pending.model} is still grading your answer (at most {left} more)…")
        with getattr(self.ui, "held_keys", nullcontext)():  # keys typed meanwhile: not echoed, dropped
            final = pending.result()
        attempt = replace(attempt, assessment=held_to(final, attempt.telling))
        if final.note:
            self.ui.notice(final.note)
        self.ui.show_key_points(attempt)
        return attempt

    def rate(
        self, attempt: Attempt, session_id: int | None, mock_answer_id: int | None = None
    ) -> Rating | None:
        """Take a rating for a revealed attempt (see :meth:`reveal`) and record it durably; None when
        the person quits.

        At the prompt the person may also undo the previous rating, or suspend, bury or flag this
        question; each is applied at once and the prompt asks again (with the intervals recomputed, as
        an undo may have changed this very card). Once stored, the rating and when the question returns
        are echoed. A mock answer (``mock_answer_id``) is rated after the round, so its intervals are
        previewed from the time of the reveal; a drill's from the time it was answered. The offline
        grader's proposal is stored, and a model's beside it (with the model's id) when it made one, or
        the model's id and why it gave none.
        """
        from fsrs import Rating

        from mockprep.core.records import ReviewRecord

        record = attempt.record
        shown = attempt.assessment
        offline = shown.offline or shown
        proposal = shown.suggested
        confirmed: list[str] | None = None
        if attempt.assessment.points:  # the person confirms the key points; the rating follows them
            checklist = self.ui.confirm_checklist(attempt)
            if checklist is None:
                return None
            if getattr(self.ui, "interactive", False):  # asked (piped input keeps the proposal)
                confirmed = [v.value for v in checklist]
            changed = checklist != [p.verdict for p in attempt.assessment.points]
            # an empty answer (given aloud) with nothing ticked proposes nothing, not "again"
            spoken_blank = not attempt.answer.strip() and not changed
            if changed or (proposal is None and confirmed is not None and not spoken_blank):
                proposal = rating_from_checklist(checklist, attempt.timing.overtime > 0, shown.ceiling)
        telling = attempt.telling
        if telling is not None and proposal is not None and proposal == telling.ceiling:
            self.ui.notice(telling.why())  # (beside the suggestion: why it is no higher)
        suggested = None if proposal is None else Rating(proposal)
        while True:
            preview_at = self.clock() if mock_answer_id is not None else attempt.answered_at
            card = self.store.cards.card(record.id)
            choice = self.ui.read_rating(self.intervals(record.id, card, preview_at), suggested)
            if choice is None:
                return None
            if isinstance(choice, CardAction):
                for line in self.act(choice, record, session_id):
                    self.ui.notice(line)
                continue
            rating = choice
            break
        rated_at = self.clock()
        was = self.store.cards.marks(record.id)
        params = None if self.cram else self.params_for(record.id, card, rating, rated_at)
        reviewed = card if params is None else review(params.scheduler(), card, rating, rated_at)
        entry = ReviewRecord(
            question_id=record.id,
            session_id=session_id,
            card=reviewed,
            rated_at=rated_at,
            rating=int(rating),
            state_before=int(card_state(card)),
            answer=attempt.answer,
            duration_ms=attempt.timing.duration_ms,
            time_limit_ms=attempt.timing.limit_ms,
            coverage=attempt.assessment.coverage,
            suggested=proposal,
            mock_answer_id=mock_answer_id,
            grader=offline.grader,
            proposed=offline.proposed,
            checklist=confirmed,
            cram=self.cram,
            params_id=None,  # (recorded with the review, below)
            code_runs=attempt.code_runs,
            code_result=attempt.code_result,
            delivery=attempt.delivery,
            **_model_fields(shown),
        )
        with self.store.uninterrupted():  # a Ctrl-C meanwhile acts once the answer is marked stored
            # a full disk, say: the answer (a mock's is stored already: its rating) goes to the caller
            part = "answer" if mock_answer_id is None else "rating"
            with refused_as_unstored(self.store, attempt, int(rating), session_id, part):
                if params is not None:  # (a new set of parameters is a row written first)
                    entry = replace(entry, params_id=self.store.scheduling.params_id(params, rated_at))
                self.store.cards.record_review(entry, self.settings.leech_lapses)
            self.recorded, self.confirmed = attempt, confirmed
        if self.voice is not None:
            self.voice.stored()
        marks = self.store.cards.marks(record.id)
        leech = (marks.suspended and not was.suspended) or (rating == 1 and marks.flagged and not was.flagged)
        if leech:
            lapses = self.store.cards.lapses(record.id)
            self.ui.notice(leech_text(record.question.key, lapses, marks.suspended))
        else:
            self.ui.notice(recorded_text(int(rating), reviewed, rated_at, marks, self.cram))
        offer_stories(self.store, self.ui, record, rated_at)
        return rating

    def act(self, action: CardAction, record: QuestionRecord, session_id: int | None = None) -> list[str]:
        """Apply an action from the rating prompt; the lines that say what it did.

        Undo takes back the latest rating if it was given in this session (``session_id``; an earlier
        session's is left to ``mockprep undo``, so a stray ``u`` cannot reach back into it), and prints
        a drill answer's text, no longer stored; the marks toggle on the question being rated.
        """
        now = self.clock()
        cards = self.store.cards
        if action == CardAction.UNDO:
            undone = undo_or_refusal(cards, session_id, now)
            if not isinstance(undone, UndoneReview):
                return [undone or NOTHING_TO_UNDO_HERE]
            self.undone.append(undone)
            return undo_lines(undone, now)
        marks = cards.marks(record.id)
        if action == CardAction.SUSPEND:
            on = not marks.suspended
            cards.set_suspended(record.id, on, now)
        elif action == CardAction.BURY:
            on = not marks.buried(now)
            cards.set_buried(
                record.id, bury_end(now, self.tz, self.settings.day_start_hour) if on else None, now
            )
        else:
            on = not marks.flagged
            cards.set_flagged(record.id, on, now)
        return [mark_text(action, record.question.key, on)]

    def settle(self, summary: SessionSummary) -> None:
        """Take the ratings undone during a session out of its summary (they are out of the database)."""
        for undone in self.undone:
            if undone.session_id == summary.session_id and summary.answered > 0:
                summary.answered -= 1
                summary.ratings[undone.rating] -= 1
                summary.overtime -= undone.overtime
                if (undone.rating, undone.overtime) in summary.points:
                    summary.points.remove((undone.rating, undone.overtime))

    def keep_unrated(self, attempt: Attempt, session_id: int, position: int) -> None:
        """Store an answer the person quit before rating: it stays in the session's history, unrated."""
        self.store.sessions.add_mock_answer(attempt.mock_answer(session_id, position))
        if self.voice is not None:
            self.voice.stored()
        self.ui.notice(f"Your answer is kept, not rated (mockprep history {session_id}).")


def offer_stories(store: Store, ui: PracticeUI, record: QuestionRecord, now: datetime) -> None:
    """After a behavioral answer: show the stories linked to it or sharing its competencies, and link the
    one the person says they used."""
    question = record.question
    if question.round != "behavioral":
        return
    options = store.stories.options_for_question(question.key, list(question.spec.competencies))
    # at most nine, the linked ones and those sharing its competencies first (options come in that
    # order): a merge brought 70, and the question scrolled away
    options = options[:MAX_STORIES_OFFERED]
    if not options:
        return
    chosen = ui.offer_stories(options)
    picked = next((o for o in options if o.story_id == chosen), None)
    if picked is None:
        return
    # named by title and id (the id typed), so the person sees which story it was
    if picked.linked:
        ui.notice(f"“{picked.title}” (story {chosen}) is linked to this question already.")
        return
    store.stories.link(chosen, question.key, now)
    ui.notice(f"Linked “{picked.title}” (story {chosen}) to {question.key}.")


def typed_so_far(
    ui: PracticeUI,
    clock: Clock,
    record: QuestionRecord,
    shown: datetime,
    limit: float | None,
    fallback: str | None = None,
) -> Attempt | None:
    """What was typed of an answer cut short (else ``fallback``: a code answer's last version read, cut
    short while it ran, say), as an ungraded attempt to keep; None for nothing."""
    text = getattr(ui, "answer_so_far", lambda: "")() or fallback or ""
    if not text.strip():
        return None
    answered = clock()
    timing = AnswerTiming((answered - shown).total_seconds(), limit)
    return Attempt(record, text, timing, Assessment((), None, None, "none"), answered)


def undo_or_refusal(cards: CardTable, session_id: int | None, now: datetime) -> UndoneReview | str | None:
    """The latest rating taken back (None: there is none), or the line that says why it was not: another
    device has rated its question since (merged by a sync)."""
    try:
        return cards.undo_last(session_id)
    except UndoRefused as refused:
        return refused_text(refused, now)


def _model_fields(shown: Assessment) -> dict[str, Any]:
    """A review's language-model fields: the model's verdict when it gave one, or the model asked and
    why it gave none (m029); nothing when none was asked."""
    if shown.model is not None:
        return {
            "model": shown.model,
            "model_proposed": shown.proposed,
            "model_suggested": shown.suggested,
            "model_errors": list(shown.errors),
        }
    if shown.model_failure is not None:
        return {"model": shown.model_failure[0], "model_failure": shown.model_failure[1]}
    return {}
