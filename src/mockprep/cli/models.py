"""Whether a command may send text to a language model, and to which: ``--llm``/``--no-llm`` over the
``llm_enabled`` setting, the model the settings name, and the person's agreement, asked once per model
and destination. Nothing is sent without all three."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer

from mockprep.cli.app import UserError
from mockprep.cli.context import given, utc_now, warn

if TYPE_CHECKING:
    from mockprep.core.grading import Grader
    from mockprep.core.settings import Settings
    from mockprep.services.llm_grader import ModelInterviewer
    from mockprep.services.models import ChatModel

LlmOption = Annotated[
    bool | None,
    typer.Option(
        "--llm/--no-llm",
        help="Use the language model (see README: Grading with a model), or not, whatever the llm_enabled "
        "setting says.",
        show_default=False,
    ),
]

ModelOption = Annotated[
    str | None,
    typer.Option(
        "--model",
        metavar="MODEL",
        help="The language model to use (an llm model id or alias, or llm_base_url's model); implies --llm.",
        show_default=False,
    ),
]

Ask = Callable[[str], bool]


def llm_settings(flag: bool | None, model: str | None) -> tuple[Settings, bool | None]:
    """The settings with ``--model``, and whether --llm/--no-llm was given (``--model`` alone means
    --llm). The model settings' ``MOCKPREP_LLM_*`` variables are settings' variables like any other
    (below ``-c``; see :func:`mockprep.cli.context.resolve_settings`). A bad value is one line (exit 2)."""
    from dataclasses import replace

    from mockprep.cli.context import load_settings

    if given("--llm") and given("--no-llm"):
        raise UserError("--llm and --no-llm say opposite things: give one of them")
    if model is not None and flag is False:
        raise UserError("--model chooses a model to use and --no-llm uses none: give one of them")
    settings = load_settings()
    changes: dict[str, object] = {}
    if model is not None:
        if not model.strip():
            raise UserError("--model needs a model id (see: llm models)")
        changes["llm_model"] = model.strip()
        flag = True if flag is None else flag
    return (replace(settings, **changes) if changes else settings), flag


def consent_text(model: ChatModel) -> str:
    """What the first-use question tells the person: the model, where the text goes, what is sent."""
    if model.local is None:  # a plugin mockprep does not know: it may send text anywhere
        where = (
            f"mockprep would send your answers to {model.model_id} through {model.destination}, and "
            "cannot tell where that plugin sends them: take it that they may leave this machine."
        )
    else:
        stays = "it stays on this machine" if model.local else "it leaves this machine"
        where = f"mockprep would send your answers to {model.model_id}, at {model.destination}: {stays}."
    return (
        f"{where} With them go each question, its key points, its model answer and the misconceptions "
        "its bank lists, to grade them and to write mock follow-up questions (and, with story check "
        "--llm, the story, its title and competencies, and the rubric's verdicts). Nothing else is "
        "sent: no history, no keys. --no-llm or the setting llm_enabled = false turns it off."
    )


def _ask_at_terminal(question: str) -> bool:
    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        raise EOFError
    return typer.confirm(question, default=False, err=True)


def agreed(settings: Settings, model: ChatModel, ask: Ask = _ask_at_terminal) -> bool:
    """Whether text may go to ``model``: agreed before (or ``llm_consent``), or now, asked once."""
    from mockprep.paths import ensure_home, home_dir
    from mockprep.services.models import consent_given, record_consent

    home = home_dir()
    if settings.llm_consent or consent_given(home, model):
        return True
    import shutil
    import textwrap

    width = max(40, min(100, shutil.get_terminal_size().columns - 1))
    text = textwrap.fill(consent_text(model), width, break_long_words=False, break_on_hyphens=False)
    typer.echo(text, err=True)
    try:
        yes = ask(f"Send your answers to {model.model_id}?")
    except (EOFError, typer.Abort):
        warn(
            f"nothing was sent to {model.model_id}: agree once at a terminal, or set llm_consent = true "
            "to send without asking"
        )
        return False
    if yes:
        record_consent(ensure_home(home), model, utc_now())
    else:
        warn(f"nothing is sent to {model.model_id}: you said no (you are asked again next time)")
    return yes


def chosen_model(
    settings: Settings, flag: bool | None, going_on: str = "grading offline", ask: Ask = _ask_at_terminal
) -> ChatModel | None:
    """The model this command may use, or None (offline). A model that cannot be used, or that the
    person has not agreed to send text to, is one warning line, and the command goes on offline
    (``going_on`` says how); a command told to use one (--llm, --model) then exits 1 after its output
    (:func:`unasked`), which tells a script that no model was asked."""
    if not (settings.llm_enabled if flag is None else flag):
        return None
    from mockprep.services.models import ModelUnavailable, open_model

    try:
        model = open_model(settings)
    except ModelUnavailable as exc:
        warn(f"{exc}; {going_on}")
        return None
    if not agreed(settings, model, ask):
        return None
    return model


def unasked(flag: bool | None, model: object) -> None:
    """Exit 1 when the command was told to use a model (--llm, --model) and none could be asked: its
    offline output stands, the warning above said why."""
    if flag and model is None:
        raise typer.Exit(1)


def with_model(offline: Grader, settings: Settings, flag: bool | None) -> Grader:
    """``offline``, or a grader that also asks the chosen model (the offline verdict stands without it)."""
    model = chosen_model(settings, flag)
    if model is None:
        return offline
    from mockprep.services.llm_grader import ModelGrader

    return ModelGrader(offline, model, settings.llm_strictness, settings.llm_timeout_seconds)


def interviewer_for(grader: Grader, settings: Settings) -> ModelInterviewer | None:
    """The model interviewer of mock rounds, when a model grades and ``llm_interviewer`` is on."""
    from mockprep.services.llm_grader import ModelGrader, ModelInterviewer

    if not isinstance(grader, ModelGrader) or not settings.llm_interviewer:
        return None
    return ModelInterviewer(grader)
