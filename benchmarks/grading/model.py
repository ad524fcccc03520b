"""``python -m benchmarks.grading --grader llm --model M``: a language model's agreement with an interviewer.

The figures are the model's own: they are computed over the answers it gave a usable verdict on, and an
answer it gave none on is counted with its reason, never scored with the offline grader's verdict in its
place (a model that graded nothing has no figures). Reasons that differ only in their numbers ("Requested
tokens (1706) exceed context window of 512") are one line with the range. Ctrl-C stops the run and the
figures of the answers graded so far are printed.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from benchmarks.grading import Item, builtin_specs, evaluate

_NUMBER = re.compile(r"\d+(?:\.\d+)?")


@dataclass
class Graded:
    item: Item
    assessment: Any
    seconds: float  # from the request to the verdict, or to the failure
    why: str | None  # no verdict: the reason the note gives


def run(args: argparse.Namespace, items: list[Item], set_name: str) -> int:
    from mockprep.core.grading import default_grader
    from mockprep.core.settings import Strictness
    from mockprep.services.llm_grader import ModelGrader
    from mockprep.services.models import ModelUnavailable, open_model

    try:
        settings, hint = model_settings(args)
        model = open_model(settings)
    except (ModelUnavailable, BenchmarkError) as exc:
        print(f"benchmarks.grading: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, BenchmarkError) else 1
    if hasattr(model, "key_hint"):
        model.key_hint = hint
    print(
        f"sending {len(items)} labelled answers to {model.model_id} at {model.destination}", file=sys.stderr
    )
    grader = ModelGrader(default_grader(), model, Strictness(args.strictness), args.timeout)
    specs = builtin_specs()
    graded: list[Graded] = []
    interrupted = False
    try:
        for item in items:
            graded.append(_grade(grader, specs[item.question], item))
            print(".", end="", file=sys.stderr, flush=True)
    except KeyboardInterrupt:
        interrupted = True
    print(file=sys.stderr)
    print(f"grader {model.model_id} ({args.strictness}), {set_name} set")
    for line in report_lines(model.model_id, graded, len(items), interrupted):
        print(line)
    return 130 if interrupted else 0


class BenchmarkError(Exception):
    """The run cannot start as asked; the message says why in one line."""


def model_settings(args: argparse.Namespace) -> tuple[Any, str]:
    """The settings a model is opened with, and where a server that refuses the key says to set it: the
    model and server named on the command line, and the key from the variable ``--api-key-env`` names
    (never a key on the command line, where shell history keeps it), else the key mockprep itself reads
    (``MOCKPREP_LLM_API_KEY``, else ``llm_api_key`` in the home's settings) only when ``--base-url`` is
    the configured ``llm_base_url``: that key is that server's, and any other server is sent none."""
    import os

    from mockprep.paths import HomeError, home_dir
    from mockprep.services.models import KEY_HINT
    from mockprep.services.settings_file import SettingsFileError, load

    try:
        settings = load(home_dir(), os.environ)[0].settings
    except (HomeError, SettingsFileError) as exc:
        raise BenchmarkError(str(exc)) from None
    key, hint = settings.llm_api_key, KEY_HINT
    if args.api_key_env:
        key, hint = os.environ.get(args.api_key_env, "").strip(), f"set {args.api_key_env}"
        if not key:
            raise BenchmarkError(f"--api-key-env {args.api_key_env}: that environment variable is not set")
    elif not same_server(args.base_url, settings.llm_base_url):
        key, hint = None, "name the variable that holds this server's key with --api-key-env"
    return replace(settings, llm_model=args.model, llm_base_url=args.base_url, llm_api_key=key), hint


def same_server(url: str | None, configured: str | None) -> bool:
    """Whether ``url`` is the configured ``llm_base_url`` (spaces and a trailing slash aside)."""
    return bool(url and configured) and _base(url) == _base(configured)  # type: ignore[arg-type]


def _base(url: str) -> str:
    return url.strip().rstrip("/")


def _grade(grader: Any, spec: Any, item: Item) -> Graded:
    started = time.monotonic()
    assessment = grader.assess(spec, item.answer)
    if assessment.pending is not None:
        assessment = assessment.pending.result()
    seconds = time.monotonic() - started
    if assessment.model is not None:
        return Graded(item, assessment, assessment.seconds or seconds, None)
    why = (assessment.note or "").split("(", 1)[-1].rsplit(")", 1)[0] or "no reason given"
    return Graded(item, assessment, seconds, why)


def report_lines(model: str, graded: list[Graded], planned: int, interrupted: bool = False) -> list[str]:
    """The figures over the answers the model gave a verdict on, its latency, and why it gave none."""
    verdicts = [g for g in graded if g.why is None]
    out = []
    if interrupted:
        out.append(f"interrupted: {len(graded)} of {planned} answers graded")
    if not verdicts:
        out.append(f"no figures: {model} gave a usable verdict on 0 of {len(graded)} answers")
    else:
        specs = builtin_specs()
        by_answer = {(specs[g.item.question].prompt, g.item.answer): g.assessment for g in verdicts}
        report = evaluate(
            [g.item for g in verdicts], lambda spec, answer: by_answer[(spec.prompt, answer)], specs
        )
        report.ms_per_answer = statistics.mean(g.seconds for g in verdicts) * 1000
        out.append(
            f"the model's figures, over the {len(verdicts)} of {len(graded)} answers it gave a verdict on"
        )
        out.extend(report.lines())
        out.append(f"latency: {_spread(g.seconds for g in verdicts)}")
    out.append(f"model verdicts: {len(verdicts)} of {len(graded)} answers graded by the model")
    failures = [g for g in graded if g.why is not None]
    for why, group in group_reasons([(g.why, g.seconds) for g in failures]):  # type: ignore[misc]
        out.append(f"  no verdict ({why}): {len(group)}, after {_spread(group)}")
    return out


def _spread(seconds: Iterable[float]) -> str:
    ordered = sorted(seconds)
    if len(ordered) == 1:
        return _time(ordered[0])
    return f"median {_time(statistics.median(ordered))}, slowest {_time(ordered[-1])}"


def _time(seconds: float) -> str:
    """A time as read: milliseconds under a second (a failure at once is not "0.0 s")."""
    return f"{seconds:.1f} s" if seconds >= 1 else f"{seconds * 1000:.0f} ms"


def group_reasons(reasons: list[tuple[str, float]]) -> list[tuple[str, list[float]]]:
    """Reasons that differ only in their numbers as one, each varying number shown as its range
    ("Requested tokens (1475-1924) exceed context window of 512"), with the seconds of each; most
    frequent first."""
    groups: dict[str, list[tuple[list[str], float]]] = {}
    for why, seconds in reasons:
        groups.setdefault(_NUMBER.sub("\0", why), []).append((_NUMBER.findall(why), seconds))
    lines = []
    for template, members in groups.items():
        ranges = [_range([m[0][i] for m in members]) for i in range(len(members[0][0]))]
        pieces = template.split("\0")
        text = pieces[0] + "".join(r + piece for r, piece in zip(ranges, pieces[1:], strict=True))
        lines.append((text, [m[1] for m in members]))
    return sorted(lines, key=lambda line: -len(line[1]))


def _range(values: list[str]) -> str:
    low, high = min(values, key=float), max(values, key=float)
    return low if float(low) == float(high) else f"{low}-{high}"
