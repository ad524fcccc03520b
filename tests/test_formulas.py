"""A key point's equation stated with one symbol changed (core/formulas.py), and what is not such a change."""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from mockprep.core.formulas import FormulaReference, equations


def changed(point: str, answer: str, model: str = "", prompt: str = "") -> str | None:
    from mockprep.core.keypoints import sentences

    found = FormulaReference([point], sentences(model), prompt).changed(point, sentences(answer))
    return None if found is None else f"{found.stated} for {found.expected}"


def test_equations_are_read_up_to_the_first_plain_word() -> None:
    assert equations("power = 1 - β for a specified effect size") == ((("power",), ("1", "-", "β")),)
    assert equations("Power is 1 − α, the probability of a miss") == ((("power",), ("1", "-", "α")),)
    assert equations("log p_i = z_i - logsumexp(z)") == (
        (("log", "p_i"), ("z_i", "-", "logsumexp", "(", "z", ")")),
    )
    assert equations("no formula here, just words") == ()


@pytest.mark.parametrize(
    ("point", "answer", "prompt", "found"),
    [
        ("power = 1 - β", "Power is 1 − α, whatever the effect.", "Relate α, β, power.", "1-α for 1-β"),
        ("y = x + F(x), so I + ∂F/∂x", "The block computes y = x · F(x).", "", "x*F(x) for x+F(x)"),
        (
            "H(p) = -sum p log p",
            "Entropy is H(p) = −Σ p log q here.",
            "H(p), H(p, q)?",
            "-Σ p log q for -Σ p log p",
        ),
        ("E[σ̂²] = (n-1)/n σ²", "We get E[σ̂^2] = (n + 1)/n σ^2, too high.", "", "(n+1)/n σ^2 for (n-1)/n σ^2"),
        # a prime or a sign dropped (an aside in words after the formula is no part of it)
        ("δ = g ⊙ σ'(a) (diagonal Jacobian)", "so δ = g ⊙ σ(a), elementwise", "", "g⊙σ(a) for g⊙σ'(a)"),
        ("w* = -G/(H + λ)", "the leaf weight is w* = G/(H + λ)", "", "G/(H+λ) for -G/(H+λ)"),
        # two letters swapped where the order matters
        ("w* = -G/(H + λ)", "the leaf weight is w* = −H/(G + λ)", "", "-H/(G+λ) for -G/(H+λ)"),
        ("δ = a - b", "δ = b − a", "", "b-a for a-b"),
        ("s = a + b·c", "s = c + b·a", "", "c+b*a for a+b*c"),  # a sum and a product: not one sum
        ("H(p, q) = -sum p log q", "H(p, q) = −Σ q log p", "", "-Σ q log p for -Σ p log q"),
    ],
)
def test_one_changed_sign_operator_or_letter_is_found(
    point: str, answer: str, prompt: str, found: str
) -> None:
    assert changed(point, answer, prompt=prompt) == found


@pytest.mark.parametrize(
    ("point", "answer"),
    [
        # typeset otherwise: Unicode minus, superscripts, spaces, a Greek letter spelled out
        ("power = 1 - β for an effect size", "power = 1−beta, for the effect size we planned for"),
        ("E[σ̂²] = (n-1)/n σ²", "E[σ̂^2] = (n − 1)/n σ^2, biased low"),
        # another name for a function or a symbol: ln for log, σ_p for τ
        ("H_n ≈ ln n", "the sum is n·H_n and H_n ≈ log n"),
        ("λ = σ^2/τ^2", "ridge with λ = σ²/σ_p², where σ_p² is the prior variance"),
        # a number (an example, rounding)
        ("p ≈ 0.042", "so p ≈ 0.04 after rounding"),
        # rearranged or rewritten: more than one symbol differs
        ("y = x + F(x)", "y = F(x) + x"),
        # two letters swapped where the order does not matter
        ("z = x + y", "z = y + x"),
        ("s = a + b + c", "s = c + b + a"),
        ("A = x y", "A = y·x"),
        ("SE = 2σ/√n", "SE = 2 · σ/√n"),  # a multiplication sign is no change
        ("∂L/∂z = p - y", "∂L/∂z = -(y - p)"),
        # the right one stated too ("a common slip is 1 − α; it is 1 − β")
        ("power = 1 - β", "people write power = 1 − α; no, power = 1 − β"),
    ],
)
def test_what_is_no_changed_formula(point: str, answer: str) -> None:
    # the prompt names every letter and function involved: a swap of two the question uses is not
    # what keeps these from being flagged
    prompt = "α β σ σ_p τ λ ln log p y x F L z s n H_n"
    assert changed(point, answer, prompt=prompt) is None


def test_a_letter_the_model_answer_alone_uses_is_not_a_swap() -> None:
    assert changed("SE = σ/√n", "SE = s/√n", model="Estimate σ by s.") is None
    assert changed("SE = σ/√n", "SE = s/√n", prompt="Given s and σ, what is SE?") == "s/√n for σ/√n"


def _builtin_equation_points() -> list[str]:
    from mockprep.core.bank_files import load_banks
    from mockprep.paths import builtin_banks_dir

    banks, _problems = load_banks([builtin_banks_dir()])
    return sorted({p for b in banks for q in b.questions for p in q.spec.key_points if equations(p)})


POINTS = _builtin_equation_points()


@settings(max_examples=150, deadline=None)
@given(point=st.sampled_from(POINTS), data=st.data())
def test_a_built_in_key_point_retyped_is_never_a_changed_formula(point: str, data: st.DataObject) -> None:
    """The point itself, with its spaces and minus signs typed otherwise, states its own equations."""
    retyped = re.sub(
        r" |-",
        lambda m: (
            data.draw(st.sampled_from(["", " ", "  "]))
            if m.group() == " "
            else data.draw(st.sampled_from(["-", "−", " - "]))
        ),
        point,
    )
    assert changed(point, retyped) is None


@settings(max_examples=150, deadline=None)
@given(point=st.sampled_from([p for p in POINTS if "+" in p]))
def test_a_built_in_key_point_with_a_plus_made_a_minus_in_an_equation_is_caught(point: str) -> None:
    flipped = point.replace("+", "-", 1)
    before, after = equations(point), equations(flipped)
    moved = [(b, a) for b, a in zip(before, after, strict=False) if b != a]
    assume(len(before) == len(after) and len(moved) == 1 and moved[0][0][0] == moved[0][1][0])
    found = changed(point, flipped)
    assert found is not None and "+" in found.split(" for ")[1]


def test_subscripts_typed_as_characters_meet_subscripts_typed_with_underscores() -> None:
    assert equations("log pᵢ = zᵢ − logsumexp(z)") == equations("log p_i = z_i - logsumexp(z)")
    assert equations("θ -= η v") == ()  # an update in code, not an equation
