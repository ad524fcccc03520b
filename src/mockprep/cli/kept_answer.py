"""An answer the database would not take (a full disk, say): kept in a private ``unsaved-answer-*.md``
in the data folder (or printed in full when even that fails), and the one line that says so."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from mockprep.cli.app import UserError
from mockprep.cli.context import utc_now

if TYPE_CHECKING:
    from mockprep.practice.ui import AnswerNotStored
    from mockprep.practice.voice import Voice

# What is stored all the same, by what was refused (see AnswerNotStored.part)
_INTACT = {
    "answer": "every answer before it is stored",
    "reply": "your answer to it and every answer before it are stored",
    "rating": "your answer is stored",
}


def keep_recording(unstored: AnswerNotStored, voice: Voice | None) -> None:
    """Keep the live take of the refused answer (still held: it was never stored), before the command
    lets go of its recordings; it is named in the kept file and the error line."""
    if voice is not None and unstored.part != "rating":
        unstored.recording = voice.keep_unstored(unstored.attempt.record.question.key)


def kept_answer(unstored: AnswerNotStored) -> UserError:
    """The error for an answer the database would not take, once the answer and its rating are kept in
    ``unsaved-answer-*.md`` in the data folder (or printed in full, when even that fails). A run cut
    short by a signal meanwhile (Ctrl-C as the answer was kept) exits with the shell's code for it."""
    from mockprep.cli.context import keep_rescue_file, plain
    from mockprep.core.scheduler import RATING_NAMES
    from mockprep.db.errors import is_database_error
    from mockprep.db.store import explain_db_error
    from mockprep.paths import DB_NAME, home_dir

    attempt, cause, part = unstored.attempt, unstored.cause, unstored.part
    why = (
        explain_db_error(home_dir() / DB_NAME, cause, _INTACT[part])
        if is_database_error(cause)
        else f"{str(cause) or type(cause).__name__}."
    )
    rating = (
        "not rated" if unstored.rating is None else f"{unstored.rating} ({RATING_NAMES[unstored.rating]})"
    )
    rated = rating if unstored.rating is None else f"rated {rating}"
    where = "" if unstored.session_id is None else f", session {unstored.session_id}"
    recording = "" if unstored.recording is None else f"\n\nIts recording is kept as {unstored.recording}."
    text = (
        f"# {unstored.what[0].upper()}{unstored.what[1:]}, not stored\n\n"
        f"Answered {attempt.answered_at.astimezone():%Y-%m-%d %H:%M}{where}, {rated}. mockprep could not"
        f" store {'it' if part != 'rating' else 'the rating'}: {why}{recording}\n\n"
        f"## Question\n\n{attempt.record.question.spec.prompt.strip()}\n\n"
        f"## Your answer\n\n{attempt.answer}\n"
    )
    if attempt.follow_up is not None and part == "reply":
        text += f"\n## Follow-up\n\n{attempt.follow_up[0]}\n\n## Your reply\n\n{attempt.follow_up[1]}\n"
    said = f"{unstored.what} was not stored: {why}"
    if unstored.recording is not None:
        said += f" Its recording is kept as {unstored.recording}."
    code = _exit_code(unstored)
    try:
        kept = keep_rescue_file("unsaved-answer", text, utc_now())
    except OSError as file_exc:  # (the same full disk): to the screen, where it can still be copied
        try:
            typer.echo(plain(text))
        except OSError:
            pass
        return UserError(
            f"{said} Nor could it be kept in a file ({file_exc.strerror}): it is printed above, {rated}.",
            exit_code=code,
        )
    if part == "reply":
        return UserError(f"{said} Your reply is kept in {kept}, with your answer.", exit_code=code)
    if part == "rating":
        return UserError(
            f"{said} The rating you gave, {rating}, is kept in {kept}; rate the answer again with: "
            f"mockprep mock --rate {unstored.session_id}",
            exit_code=code,
        )
    return UserError(f"{said} Your answer, {rated}, is kept in {kept}.", exit_code=code)


def _exit_code(unstored: AnswerNotStored) -> int:
    """1, or the shell's code for the signal (Ctrl-C: 130) whose interruption was being handled when
    the database refused to keep the answer cut short."""
    from mockprep.practice.pipeline import SessionInterrupted
    from mockprep.practice.ui import interrupt_signal

    seen: BaseException | None = unstored.__context__
    while seen is not None:
        if isinstance(seen, KeyboardInterrupt | SessionInterrupted):
            return 128 + interrupt_signal(seen)
        seen = seen.__context__
    return 1
