"""Options several commands share, and the checks of the timing options."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mockprep.cli.app import Round, UserError
from mockprep.cli.completion import complete_banks, complete_roles, complete_topics

RoundOption = Annotated[
    Round | None,
    typer.Option(
        "--round",
        "-r",
        metavar="ROUND",
        help="Only this round: technical, project or behavioral.",
        case_sensitive=False,
    ),
]
BankOption = Annotated[
    list[str] | None,
    typer.Option(
        "--bank", "-b", metavar="BANK", help="Only this bank (repeatable).", autocompletion=complete_banks
    ),
]
TopicOption = Annotated[
    list[str] | None,
    typer.Option(
        "--topic", "-t", metavar="TOPIC", help="Only this topic (repeatable).", autocompletion=complete_topics
    ),
]
TagOption = Annotated[
    list[str] | None,
    typer.Option("--tag", metavar="TAG", help="Only questions with this tag (repeatable)."),
]
RoleOption = Annotated[
    str | None,
    typer.Option(
        "--role",
        metavar="ROLE",
        help="Only questions for this role, e.g. ml-engineer, data-scientist.",
        autocompletion=complete_roles,
    ),
]
BankId = Annotated[str, typer.Argument(metavar="ID", help="The bank's id.", autocompletion=complete_banks)]
Output = Annotated[
    Path | None, typer.Option("--output", "-o", metavar="FILE", help="Write to this file (default: stdout).")
]
# -o/--output's other spelling, accepted wherever it is and shown nowhere: bank import and bank export
# had only --out and export and history only --output, each refusing the other's (see output_file).
OutSpelling = Annotated[Path | None, typer.Option("--out", metavar="FILE", hidden=True)]


def output_file(output: Path | None, out: Path | None) -> Path | None:
    """The file of ``-o/--output``, given as ``--out`` or not (one file: both must name the same)."""
    if output is not None and out is not None and output != out:
        raise UserError(f"-o/--output and --out are one option: give one file, not {output} and {out}")
    return output if output is not None else out


Force = Annotated[bool, typer.Option("--force", help="Overwrite an existing --output file.")]
TimeLimitOption = Annotated[
    str | None,
    typer.Option(
        "--time-limit",
        metavar="DURATION",
        help="Time for every question, e.g. 90s or 2m30s (default: per question/round).",
    ),
]
NoTimerOption = Annotated[bool, typer.Option("--no-timer", help="Do not time answers.")]
VoiceOption = Annotated[
    bool,
    typer.Option(
        "--voice",
        help="Answer aloud: Enter starts and stops the microphone; the transcript is graded and the "
        "delivery measured (needs pip install 'mockprep[voice]').",
    ),
]
AudioOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--audio",
        metavar="FILE",
        help="Answer from a recording (WAV, FLAC or MP3) instead of the microphone; repeat for the "
        "answers that follow, one file each.",
    ),
]


def timing_options(
    minutes: float | None, time_limit: str | None, no_timer: bool
) -> tuple[float | None, float | None]:
    """Validate --minutes, --time-limit and --no-timer; return (minutes, limit seconds)."""
    from mockprep.core.durations import parse_duration
    from mockprep.core.timer import parse_minutes

    if minutes is not None:
        try:
            parse_minutes(minutes)
        except ValueError as exc:
            raise UserError(f"--minutes {minutes:g}: {exc}") from None
    limit_seconds = None
    if time_limit is not None:
        if no_timer:
            raise UserError("--time-limit and --no-timer contradict each other; use one")
        try:
            limit_seconds = parse_duration(time_limit)
        except ValueError as exc:
            raise UserError(f"--time-limit: {exc}") from None
        if not 5 <= limit_seconds <= 3 * 3600:
            raise UserError(f"--time-limit {time_limit}: must be between 5 seconds and 3 hours")
    return minutes, limit_seconds


# -- cram and weak-spot drills (`session`)
CramOption = Annotated[
    bool,
    typer.Option(
        "--cram",
        help="Drill the selection whether due or not, lowest predicted recall first; ratings are "
        "recorded as cram reviews and leave every schedule as it was.",
        rich_help_panel="Cram and weak-spot drills",
    ),
]
WeakestOption = Annotated[
    int | None,
    typer.Option(
        "--weakest",
        metavar="N",
        min=1,
        max=10000,
        help="Cram the N studied questions you are least likely to recall now.",
        rich_help_panel="Cram and weak-spot drills",
    ),
]
FailedSinceOption = Annotated[
    str | None,
    typer.Option(
        "--failed-since",
        metavar="DATE",
        help="Cram the questions you rated again on or after DATE (YYYY-MM-DD).",
        rich_help_panel="Cram and weak-spot drills",
    ),
]
FlaggedOption = Annotated[
    bool,
    typer.Option(
        "--flagged", help="Cram your flagged questions.", rich_help_panel="Cram and weak-spot drills"
    ),
]
