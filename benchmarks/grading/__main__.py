"""``python -m benchmarks.grading [--holdout] [--grader default|words|lexical|llm --model M]``: a grader's
agreement with an interviewer over the labelled answers.

``--grader llm`` grades every answer with a language model (through the llm extra, or ``--base-url`` for
a plain OpenAI-compatible server; ``--model`` or ``--base-url`` alone implies it): the figures are the model's own, over the answers it gave a usable
verdict on, and each answer it gave none on is counted with why (benchmarks/grading/model.py), so a
person can judge a model before trusting it. Run it from the root of a source checkout.
"""

from __future__ import annotations

import argparse
import sys

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
        default=None,
        choices=("default", "words", "lexical", "llm"),
        help="default, words (no meaning model), lexical (the old matcher) or llm (a language model; "
        "--model or --base-url implies it).",
    )
    parser.add_argument("--model", help="The model (an llm model id or alias); implies --grader llm.")
    parser.add_argument(
        "--base-url", help="An OpenAI-compatible server, used without llm; implies --grader llm."
    )
    parser.add_argument(
        "--api-key-env",
        metavar="NAME",
        help="With --base-url: the environment variable holding the server's key (default: for the "
        "configured llm_base_url, llm_api_key as mockprep reads it, from MOCKPREP_LLM_API_KEY or the "
        "home's settings; no key for another server).",
    )
    parser.add_argument("--strictness", default="normal", choices=("lenient", "normal", "strict"))
    parser.add_argument("--timeout", type=float, default=120.0, help="Seconds to wait for each reply.")
    parser.add_argument("--limit", type=int, help="Grade only the first N answers (a quick look).")
    args = parser.parse_args(argv)
    if args.model or args.base_url or args.api_key_env:
        if args.grader not in (None, "llm"):
            print(
                f"benchmarks.grading: --model and --base-url grade with a model, not --grader {args.grader}",
                file=sys.stderr,
            )
            return 2
        args.grader = "llm"
    args.grader = args.grader or "default"
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
    from benchmarks.grading.model import run

    return run(args, items, _set_name(args))


if __name__ == "__main__":
    raise SystemExit(main())
