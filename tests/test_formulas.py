"""Equations an answer states differently from a key point (core/formulas.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockprep.core.formulas import conflict, equations, normal
from mockprep.core.keypoints import judge


@pytest.mark.parametrize(
    ("point", "answer"),
    [
        (
            "y = x + F(x), so Jacobian I + ∂F/∂x",
            "The block computes y = x · F(x), so the Jacobian has no identity.",
        ),
        ("power = 1 - β for a specified effect size", "Power is 1 − α, the chance of no false positive."),
        ("E[σ̂^2] = (n-1)/n σ^2: biased low", "Dividing by n gives E[σ̂²] = (n + 1)/n σ², an overestimate."),
        ("TD error δ = r + γ V(s') − V(s)", "The TD error is δ = r + γ V(s) − V(s')."),
        ("P ≈ 0.042", "so P ≈ 0.42 in the end"),
    ],
)
def test_a_changed_formula_conflicts(point: str, answer: str) -> None:
    found = conflict(point, answer)
    assert found is not None and found.sentence in answer


@pytest.mark.parametrize(
    ("point", "answer"),
    [
        # other typesettings of the same formula
        ("H(p) = -sum p log p", "Entropy H(p) = −Σ_x p(x) log p(x), the expected surprise."),
        (
            "log loss = −mean(y ln p + (1 − y) ln(1 − p))",
            "Log loss = −(1/n) sum_i [y_i ln p_i + (1 − y_i) ln(1 − p_i)].",
        ),
        ("σ̂^2 = (1/n) sum (x_i - x̄)^2", "so σ̂² = (1/n) Σ_i (x_i − x̄)², the MLE."),
        ("P ≈ 0.042", "z = 5/2.887 = 1.73, so P ≈ 0.04"),
        # a transpose written as a superscript T (which NFKC would make a plain capital T)
        (
            "B* = (A^T A + μI)^(-1) A^T c",
            "Solving gives B* = (AᵀA + μI)⁻¹ Aᵀc, and with a mean loss (AᵀA + nμI)⁻¹Aᵀc.",
        ),
        # an expanded form, a trailing annotation, a formula said in words, another quantity
        ("gain = G²/(H+λ) − γ", "gain = (G_L + G_R)^2/(H_L + H_R + λ) − γ"),
        ("dW2 = h^T dz (H,K)", "dW2 = h.T @ dz  # (H, K)"),
        ("∂L/∂z = p - y", "The gradient with respect to the logits is just p minus y."),
        ("y = x + F(x)", "Here z = x · F(x) is something else entirely; y = x + F(x)."),
    ],
)
def test_the_same_formula_written_otherwise_does_not_conflict(point: str, answer: str) -> None:
    assert conflict(point, answer) is None


def test_normal_form_folds_typesetting() -> None:
    assert normal("σ̂²") == normal("σ̂^2")
    assert normal("1 − β") == normal("1 - beta")
    assert normal("(AᵀA)⁻¹Aᵀ") == normal("(A^T A)^(-1) A^T")
    assert equations("P(kept) = k/t · t/(t+1) = k/(t+1), which is uniform") == (
        ("P(kept)", "k/t · t/(t+1)", "k/(t+1)"),
    )


def test_a_changed_formula_makes_the_point_contradicted() -> None:
    (verdict,) = judge(["y = x + F(x)"], "The block computes y = x · F(x) for every layer.")
    assert verdict.verdict == "contradicted" and "x · F(x)" in (verdict.evidence or "")


@given(st.text(max_size=300))
def test_conflict_never_fails_on_any_text(answer: str) -> None:
    conflict("y = x + F(x) ≈ 0.5", answer)
    conflict("P(A | B) = P(B | A) P(A) / P(B)", answer)
