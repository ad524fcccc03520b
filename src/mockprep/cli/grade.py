"""`mockprep grade KEY`: how mockprep would grade an answer to one question, without recording it.

For bank authors (do the key points catch a good answer and reject a bad one?) and for scripts.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from mockprep.cli.app import UserError, app
from mockprep.cli.context import make_console, make_grader, open_store, plain
from mockprep.cli.models import LlmOption, ModelOption, llm_settings, with_model
from mockprep.cli.questions import QuestionRef, resolve_key


@app.command()
def grade(
    key: QuestionRef,
    answer: Annotated[
        str | None, typer.Option("--answer", "-a", metavar="TEXT", help="The answer (default: stdin).")
    ] = None,
    file: Annotated[
        Path | None, typer.Option("--file", "-f", metavar="FILE", help="Read the answer from this file.")
    ] = None,
    seconds: Annotated[
        float | None,
        typer.Option("--seconds", metavar="S", min=0, help="How long the answer took (overtime counts)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the assessment as JSON.")] = False,
    llm: LlmOption = None,
    model: ModelOption = None,
) -> None:
    """Grade an answer to one question: each key point's verdict with the sentence it rests on, the
    auto-grade of choice and numeric questions, and the suggested rating. Nothing is recorded.

    With a language model on (--llm), its verdict is shown, with a reason per key point and the
    factual errors it found; when it gives none, the offline verdict stands and a line says why."""
    from mockprep.core.timer import time_limit

    if answer is not None and file is not None:
        raise UserError("give the answer with --answer or --file, not both")
    text = _read_answer(answer, file)
    model_settings, llm = llm_settings(llm, model)
    store = open_store()
    try:
        record = store.banks.question_by_key(resolve_key(store, key))
        settings = store.settings
    finally:
        store.close()
    assert record is not None
    spec = record.question.spec
    limit = time_limit(settings, record.question.round, spec.time_limit_seconds)
    overtime = seconds is not None and seconds > limit
    grader = with_model(make_grader(), model_settings, llm, required=bool(llm))
    prepare = getattr(grader, "prepare", None)
    if prepare is not None:
        prepare()
    assessment = grader.assess(spec, text, overtime)
    if assessment.pending is not None:
        assessment = assessment.pending.result()
    if as_json:
        typer.echo(json.dumps(_as_dict(record.question.key, assessment, limit, seconds), indent=2))
        return
    from mockprep.terminal.grade import render_assessment

    render_assessment(make_console(), record, text, assessment)


def _read_answer(answer: str | None, file: Path | None) -> str:
    if answer is not None:
        return answer
    if file is not None:
        try:
            if not file.is_file():
                raise UserError(f"{file}: not a regular file")
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
    }
