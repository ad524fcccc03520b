"""``python -m benchmarks.grading [--holdout]``: the grader's agreement with an interviewer."""

from __future__ import annotations

import argparse

from benchmarks.grading import DEVELOPMENT, HOLDOUT, builtin_specs, evaluate, load_items


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--holdout", action="store_true", help="Use the hold-out set instead.")
    parser.add_argument(
        "--grader", default="default", help="default, words (no meaning model) or lexical (the old matcher)."
    )
    args = parser.parse_args()
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
    items = load_items(HOLDOUT if args.holdout else DEVELOPMENT)
    report = evaluate(items, lambda spec, answer: grader.assess(spec, answer), builtin_specs())
    print(f"grader {grader.name}, {'hold-out' if args.holdout else 'development'} set")
    for line in report.lines():
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
