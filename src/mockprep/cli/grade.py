"""`mockprep grade KEY`: how mockprep would grade an answer to one question, without recording it.

For bank authors (do the key points catch a good answer and reject a bad one?) and for scripts.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from mockprep.cli.app import UserError, app
from mockprep.cli.context import make_console, make_grader, open_store, plain
from mockprep.cli.models import LlmOption, ModelOption, llm_settings, unasked, with_model
from mockprep.cli.questions import QuestionRef, resolve_key

if TYPE_CHECKING:
    from mockprep.practice.voice import SpokenAnswer


SecondsOption = Annotated[
    float | None,
    typer.Option(
        "--seconds",
        metavar="S",
        min=0,
        help="How long the answer took: past the time limit is overtime. A code answer that passes"
        " every test in at most half the limit is suggested easy, as on a session's first run.",
    ),
]
FullOption = Annotated[
    bool,
    typer.Option(
        "--full",
        help="A code answer's printed output and tracebacks whole (as the run keeps them: 4,000"
        " characters of output a test), not cut after 12 lines.",
    ),
]
JsonOption = Annotated[
    bool,
    typer.Option(
        "--json", help="Print the assessment as JSON (a code answer's output and tracebacks whole)."
    ),
]


@app.command()
def grade(
    key: QuestionRef,
    answer: Annotated[
        str | None, typer.Option("--answer", "-a", metavar="TEXT", help="The answer (default: stdin).")
    ] = None,
    file: Annotated[
        Path | None, typer.Option("--file", "-f", metavar="FILE", help="Read the answer from this file.")
    ] = None,
    seconds: SecondsOption = None,
    audio: Annotated[
        Path | None,
        typer.Option(
            "--audio",
            metavar="FILE",
            help="A spoken answer (WAV, FLAC or MP3): transcribed, graded, its delivery measured.",
        ),
    ] = None,
    full: FullOption = False,
    as_json: JsonOption = False,
    llm: LlmOption = None,
    model: ModelOption = None,
) -> None:
    """Grade an answer to one question: each key point's verdict with the sentence it rests on, the
    auto-grade of choice and numeric questions, and the suggested rating. A code question's answer
    (e.g. --file solution.py) is run against its tests; when it cannot be run here (a requirement such
    as numpy is missing) it says why and exits 1. Nothing is recorded.

    With a language model on (--llm), its verdict is shown, with a reason per key point and the
    factual errors it found; when it gives none, the offline verdict stands and a line says why."""
    from mockprep.core.timer import time_limit

    if sum(x is not None for x in (answer, file, audio)) > 1:
        raise UserError("give the answer with only one of --answer, --file or --audio")
    model_settings, llm = llm_settings(llm, model)
    store = open_store()  # the question first: a recording is not transcribed for a key that is wrong
    try:
        record = store.banks.question_by_key(resolve_key(store, key))
        settings = store.settings
    finally:
        store.close()
    assert record is not None
    spoken = _spoken(audio) if audio is not None else None
    if spoken is not None:
        text = spoken.transcript.text
        seconds = spoken.transcript.seconds if seconds is None else seconds
    else:
        from mockprep.terminal.input import valid_text

        text = valid_text(_read_answer(answer, file))  # bytes stdin or argv could not decode become �
    spec = record.question.spec
    limit = time_limit(settings, record.question.round, spec.time_limit_seconds)
    overtime = seconds is not None and seconds > limit
    offline = make_grader(settings)
    grader = with_model(offline, model_settings, llm)
    prepare = getattr(grader, "prepare", None)
    if prepare is not None:
        prepare()
    assessment = grader.assess(spec, text, overtime)
    if assessment.pending is not None:
        assessment = assessment.pending.result()
    assessment = _as_a_session_suggests(assessment, overtime, seconds, limit)
    if as_json:
        figures = _as_dict(record.question.key, assessment, limit, seconds)
        if spoken is not None:
            figures["transcript"] = text
            figures["words"] = [w.to_dict() for w in spoken.transcript.words]
            figures["delivery"] = {**spoken.delivery.to_dict(), "wpm": spoken.delivery.wpm}
        typer.echo(json.dumps(figures, indent=2))
        unasked(llm, None if grader is offline else grader)
        _not_run_exit(assessment.grader)
        return
    from mockprep.terminal.grade import render_assessment

    console = make_console()
    if spoken is not None:
        from mockprep.terminal.voice import render_spoken

        for panel in render_spoken(console, spoken, settings, limit):
            console.print(panel)
    render_assessment(console, record, text, assessment, full)
    unasked(llm, None if grader is offline else grader)
    _not_run_exit(assessment.grader)


def _as_a_session_suggests(assessment: Any, overtime: bool, seconds: float | None, limit: float) -> Any:
    """A code answer's suggestion by a session's rule: its one run, passing in half the time, is easy."""
    if assessment.code is None:
        return assessment
    from dataclasses import replace

    from mockprep.core.code_results import code_rating, first_run_quick

    quick = first_run_quick(1, seconds, limit)
    return replace(assessment, suggested=code_rating(assessment.code, overtime, quick))


def _not_run_exit(grader: str) -> None:
    """Exit 1 when a code answer could not be run (its note said why): nothing was graded."""
    from mockprep.core.grading import NOT_RUN

    if grader == NOT_RUN:
        raise typer.Exit(1)


def _spoken(audio: Path) -> SpokenAnswer:
    """The recording transcribed and measured (one line and exit 1 or 2 when it cannot be)."""
    from mockprep.cli.context import load_settings
    from mockprep.cli.voice import make_voice

    console = make_console(stderr=True)
    voice = make_voice(False, [audio], load_settings(), console, lambda _p, _c: None, False)  # type: ignore[arg-type]
    assert voice is not None
    spoken = voice.answer(None)
    assert spoken is not None
    return spoken


def _read_answer(answer: str | None, file: Path | None) -> str:
    if answer is not None:
        return answer
    if file is not None:
        try:
            if not file.is_file():
                raise UserError(f"{file}: {'not a regular file' if file.exists() else 'no such file'}")
            if file.stat().st_size > 1024 * 1024:
                raise UserError(f"{file}: over the 1 MB an answer may have")
            return file.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise UserError(f"{file}: cannot be read ({exc.strerror})", exit_code=1) from None
    if sys.stdin.isatty():
        raise UserError("type the answer with --answer TEXT, give --file FILE, or pipe it in")
    return sys.stdin.read(1024 * 1024 + 1)[: 1024 * 1024]


def _as_dict(key: str, assessment: Any, limit: float, seconds: float | None) -> dict[str, Any]:
    auto = assessment.auto
    return {
        "question": key,
        "grader": assessment.grader,
        "suggested": assessment.suggested,
        "time_limit_seconds": limit,
        "seconds": seconds,
        "auto_grade": None
        if auto is None
        else {"correct": auto.correct, "given": auto.given, "expected": plain(auto.expected)},
        "key_points": [
            {"point": p.point, "verdict": p.verdict.value, "evidence": p.evidence, "reason": p.reason}
            for p in assessment.points
        ],
        "factual_errors": list(assessment.errors),
        "model": assessment.model,
        "model_seconds": None if assessment.seconds is None else round(assessment.seconds, 2),
        "offline": None
        if assessment.offline is None
        else {"grader": assessment.offline.grader, "proposed": assessment.offline.proposed},
        "note": assessment.note,
        "tests": None if assessment.code is None else _run_dict(assessment.code),
    }


def _run_dict(run: Any) -> dict[str, Any]:
    """A code answer's run: the totals and each test's verdict (the code's text made plain); what it
    printed and its tracebacks exactly as kept (JSON escapes their control characters)."""
    return {
        "passed": run.passed,
        "total": run.total,
        "problem": None if run.problem is None else plain(run.problem),
        "output": run.output,
        "traceback": run.traceback,
        "results": [
            {
                "name": plain(o.name),
                "hidden": o.hidden,
                "calls": list(o.calls),
                "status": o.status.value,
                "message": plain(o.message),
                "expected": None if o.expected is None else plain(o.expected),
                "actual": None if o.actual is None else plain(o.actual),
                "output": o.output,
                "traceback": o.traceback,
                "seconds": round(o.seconds, 3),
            }
            for o in run.outcomes
        ],
    }
