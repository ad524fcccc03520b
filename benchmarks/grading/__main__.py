"""``python -m benchmarks.grading [--holdout] [--grader default|words|lexical|llm --model M]``: a grader's
agreement with an interviewer over the labelled answers.

``--grader llm`` grades every answer with a language model (through the llm extra, or ``--base-url`` for
a plain OpenAI-compatible server): the figures are the model's own, and an answer the model gave no
usable verdict on is graded offline and counted, so a person can judge a model before trusting it.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace

from benchmarks.grading import (
    DEVELOPMENT,
    EXTRA,
    FORMULAS,
    HOLDOUT,
    builtin_rounds,
    builtin_specs,
    evaluate,
    load_items,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--holdout", action="store_true", help="Use the hold-out set instead.")
    parser.add_argument("--extra", action="store_true", help="Use the extra set (devset_g13) instead.")
    parser.add_argument(
        "--formulas", action="store_true", help="Use the formula-heavy set (formulas_fa/fb) instead."
    )
    parser.add_argument(
        "--grader",
        default="default",
        choices=("default", "words", "lexical", "llm"),
        help="default, words (no meaning model), lexical (the old matcher) or llm (a language model).",
    )
    parser.add_argument("--model", help="With --grader llm: the model (an llm model id or alias).")
    parser.add_argument("--base-url", help="With --grader llm: an OpenAI-compatible server, without llm.")
    parser.add_argument("--strictness", default="normal", choices=("lenient", "normal", "strict"))
    parser.add_argument("--timeout", type=float, default=120.0, help="Seconds to wait for each reply.")
    parser.add_argument("--limit", type=int, help="Grade only the first N answers (a quick look).")
    args = parser.parse_args(argv)
    names = HOLDOUT if args.holdout else EXTRA if args.extra else FORMULAS if args.formulas else DEVELOPMENT
    items = load_items(names)[: args.limit]
    if args.grader == "llm":
        return _llm(args, items)
    from mockprep.core.embedding import EmbedderLoader
    from mockprep.core.grading import LexicalGrader, default_grader

    if args.grader == "lexical":
        grader = LexicalGrader()
    elif args.grader == "words":
        grader = default_grader()
    else:
        loader = EmbedderLoader().start()
        grader = default_grader(loader.get)
        loader.get()
    report = evaluate(
        items, lambda spec, answer: grader.assess(spec, answer), builtin_specs(), builtin_rounds()
    )
    print(f"grader {grader.name}, {_set_name(args)} set")
    for line in report.lines():
        print(line)
    return 0


def _set_name(args: argparse.Namespace) -> str:
    if args.formulas:
        return "formulas (formulas_fa/fb)"
    return "hold-out" if args.holdout else "extra (devset_g13)" if args.extra else "development"


def _llm(args: argparse.Namespace, items: list) -> int:
    from mockprep.core.grading import default_grader
    from mockprep.core.settings import DEFAULT_SETTINGS, Strictness
    from mockprep.services.llm_grader import ModelGrader
    from mockprep.services.models import ModelUnavailable, open_model

    settings = replace(DEFAULT_SETTINGS, llm_model=args.model, llm_base_url=args.base_url)
    try:
        model = open_model(settings)
    except ModelUnavailable as exc:
        print(f"benchmarks.grading: {exc}", file=sys.stderr)
        return 1
    print(
        f"sending {len(items)} labelled answers to {model.model_id} at {model.destination}", file=sys.stderr
    )
    grader = ModelGrader(default_grader(), model, Strictness(args.strictness), args.timeout)
    failures: dict[str, int] = {}
    latencies: list[float] = []

    def assess(spec, answer):
        started = time.monotonic()
        assessment = grader.assess(spec, answer)
        if assessment.pending is not None:
            assessment = assessment.pending.result()
            latencies.append(time.monotonic() - started)
        if assessment.model is None and assessment.note:
            why = assessment.note.split("(", 1)[-1].rsplit(")", 1)[0]
            failures[why] = failures.get(why, 0) + 1
        print(".", end="", file=sys.stderr, flush=True)
        return assessment

    report = evaluate(items, assess, builtin_specs())
    print(file=sys.stderr)
    print(f"grader {model.model_id} ({args.strictness}), {_set_name(args)} set")
    for line in report.lines():
        print(line)
    if latencies:
        latencies.sort()
        print(f"latency: median {latencies[len(latencies) // 2]:.1f} s, slowest {latencies[-1]:.1f} s")
    given = len(latencies) - sum(failures.values())
    print(f"model verdicts: {given} of {len(latencies)} answers graded by the model")
    for why, count in sorted(failures.items(), key=lambda kv: -kv[1]):
        print(f"  no verdict ({why}): {count} (graded offline instead)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
