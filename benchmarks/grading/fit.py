"""Fit the key-point model's weights on the development set: ``python -m benchmarks.grading.fit``.

Prints the weights to paste into ``mockprep.core.keypoints.WEIGHTS``, how the fitted model and the
"opposite" detector do on the development set, and the recall and precision cross-validated by
question (each question's points predicted by weights fitted without it), the figure to compare
feature sets by. ``--holdout`` also reports the hold-out set, for checking a finished fit only.
Uses numpy (installed with wordllama).
"""

from __future__ import annotations

import sys

import numpy as np

from benchmarks.grading import DEVELOPMENT, HOLDOUT, builtin_specs, load_items
from mockprep.core.embedding import load_wordllama
from mockprep.core.keypoints import WEIGHTS, WORD_WEIGHTS, features

NAMES = [n for n in WEIGHTS if n != "bias"]
WORD_NAMES = [n for n in WORD_WEIGHTS if n != "bias"]
TARGET = {"covered": 1.0, "partly": 0.5, "missing": 0.0, "contradicted": 0.0}


def table(names: tuple[str, ...], embedder, specs, columns=NAMES):
    rows, targets, labels, styles = [], [], [], []
    for item in load_items(names):
        spec = specs[item.question]
        for f, label in zip(
            features(list(spec.key_points), item.answer, embedder, spec.prompt), item.points, strict=True
        ):
            rows.append([getattr(f, n) for n in columns] + [float(bool(f.opposite))])
            targets.append(TARGET[label])
            labels.append(label)
            styles.append(item.style)
    return np.array(rows), np.array(targets), labels, styles


def questions(names: tuple[str, ...], labels: list[str]) -> list[str]:
    """The question of each row of :func:`table` (one per key point of each answer), in its order:
    checked against the table's own labels, so a change to one loop cannot misalign the folds."""
    rows = [(item.question, label) for item in load_items(names) for label in item.points]
    if [label for _q, label in rows] != list(labels):
        raise SystemExit("fit: the question list does not follow the table's rows")
    return [question for question, _label in rows]


def fit(x: np.ndarray, y: np.ndarray, l2: float = 0.001, steps: int = 60000, rate: float = 2.0) -> np.ndarray:
    """Logistic regression by gradient descent, classes weighted to balance (covered points dominate)."""
    xb = np.hstack([np.ones((len(x), 1)), x])
    positive = y.sum()
    weight = np.where(y >= 0.5, len(y) / (2 * positive), len(y) / (2 * (len(y) - positive)))
    w = np.zeros(xb.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-xb @ w))
        grad = xb.T @ (weight * (p - y)) / len(y) + l2 * np.r_[0, w[1:]]
        w -= rate * grad
    return w


def report(name: str, x, y, labels, styles, w) -> None:
    p = 1 / (1 + np.exp(-(w[0] + x[:, : len(w) - 1] @ w[1:])))
    covered = np.array([lab == "covered" for lab in labels])
    ticked = p >= 0.5
    recall = (ticked & covered).sum() / covered.sum()
    precision = (ticked & covered).sum() / max(1, ticked.sum())
    opposite = x[:, -1] > 0
    contra = np.array([lab == "contradicted" for lab in labels])
    correct = np.array([s in ("own_words", "standard") for s in styles])
    print(
        f"{name}: recall {recall:.2f} precision {precision:.2f}; opposite flags {opposite.sum()}: "
        f"on contradicted {(opposite & contra).sum()}/{contra.sum()}, on correct answers "
        f"{(opposite & correct).sum()}"
    )


def cross_validated(x, y, labels, questions, folds: int = 5) -> tuple[float, float]:
    """Recall and precision of ticking a point, each question's answers predicted by weights fitted
    on the other questions' (so the figure is not the fit's own)."""
    order = sorted(set(questions))
    fold_of = {q: i % folds for i, q in enumerate(order)}
    fold = np.array([fold_of[q] for q in questions])
    keep = np.array([lab != "contradicted" for lab in labels])
    p = np.zeros(len(y))
    for k in range(folds):
        train = (fold != k) & keep
        w = fit(x[train], y[train], steps=20000)
        test = fold == k
        p[test] = 1 / (1 + np.exp(-(w[0] + x[test] @ w[1:])))
    covered = np.array([lab == "covered" for lab in labels])
    ticked = p >= 0.5
    return (ticked & covered).sum() / covered.sum(), (ticked & covered).sum() / max(1, ticked.sum())


def main() -> None:
    holdout = "--holdout" in sys.argv[1:]  # only to check a finished fit, never to choose one
    specs = builtin_specs()
    for title, embedder, columns in (
        ("WEIGHTS", load_wordllama(), NAMES),
        ("WORD_WEIGHTS", None, WORD_NAMES),
    ):
        x, y, labels, styles = table(DEVELOPMENT, embedder, specs, columns)
        # Whether an answer touches a point is learnt from covered / partly / missing labels; statements
        # of the opposite share the vocabulary of covered points and are left to the contradiction checks.
        keep = np.array([lab != "contradicted" for lab in labels])
        w = fit(x[keep][:, : len(columns)], y[keep])
        print(f"{title} = {{")
        print(f'    "bias": {w[0]:.2f},')
        for name, value in zip(columns, w[1:], strict=True):
            print(f'    "{name}": {value:.2f},')
        print("}")
        report("development", x, y, labels, styles, w)
        recall, precision = cross_validated(x[:, : len(columns)], y, labels, questions(DEVELOPMENT, labels))
        print(f"development, cross-validated by question: recall {recall:.2f} precision {precision:.2f}")
        if holdout:
            xh, yh, lh, sh = table(HOLDOUT, embedder, specs, columns)
            report("hold-out", xh, yh, lh, sh, w)


if __name__ == "__main__":
    main()
