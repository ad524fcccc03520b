"""The misattribution detector: an attribute the reference gives to one indexed entity (L1/L2, β1/β2,
stage 1/stage 3) placed with its sibling. Positive and negative cases, and properties over sentences."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockprep.core.banks import parse_question
from mockprep.core.contradictions import (
    Reference,
    anchors,
    claims,
    negated,
    point_entities,
    prompt_entities,
)
from mockprep.core.grading import KeyPointGrader, Verdict
from mockprep.core.keypoints import judge, sentences

PRIORS = Reference(
    ["L1 is MAP estimation under a Laplace prior.", "L2 is MAP under a Gaussian prior."],
    ["Laplace prior vs Gaussian prior (MAP view)"],
)
ADAM = Reference(["Defaults are β1 = 0.9, β2 = 0.999, ε = 1e-8."], ["EMAs of g and g^2 with β1, β2"])
ZERO = Reference(
    ["Stage 1 shards the optimizer states, stage 2 also the gradients, stage 3 also the parameters."],
    ["stage 1 shards optimizer states, stage 2 + gradients, stage 3 + parameters"],
)


def test_anchors_join_an_index_to_its_name_but_not_to_a_spelled_out_symbol() -> None:
    assert anchors("stage 1 and type II and β2 and L1") == ["stage_1", "type_ii", "beta_2", "l_1"]
    assert "least_0" not in anchors("ξ_i ≥ 0")
    assert "0.999" in anchors("β2 = 0.999")
    # a step from an index is no entity: R_{t+1} and R_{t+2} are not siblings t_1 and t_2
    assert anchors("R_{t+1} + γ R_{t+2}, x_{k−1}") == ["r", "t", "gamma", "r", "t", "x", "k"]
    # a word that names nothing takes no index: "any two points", "the 2 models" are no entities
    assert anchors("the chord between any two points") == ["chord", "between", "2", "point"]
    assert anchors("compare the 2 models") == ["compar", "2", "model"]


def test_time_steps_in_a_correct_return_are_no_misattribution() -> None:
    """reinforcement-learning/mdp-return-and-discounting (formulas_fb, standard): the return written
    out was taken for γ given to "t_1" where the reference gives it to "t_2"."""
    from benchmarks.grading import builtin_specs

    spec = builtin_specs()["reinforcement-learning/mdp-return-and-discounting"]
    reference = Reference(sentences(spec.answer), list(spec.key_points), spec.prompt)
    assert reference.misattribution("G_t = R_{t+1} + γ R_{t+2} + γ² R_{t+3} + ...") is None


@pytest.mark.parametrize(
    ("reference", "sentence", "attribute"),
    [
        (PRIORS, "In the MAP view L1 corresponds to a Gaussian prior and L2 to a Laplace prior.", "gaussian"),
        (ADAM, "Adam uses β1 = 0.999 for the first moment and β2 = 0.9 for the second.", "0.999"),
        (
            ZERO,
            "ZeRO stage 1 shards the parameters, stage 2 the gradients, stage 3 the optimizer states.",
            "paramet",
        ),
    ],
)
def test_a_swapped_attribute_is_found(reference: Reference, sentence: str, attribute: str) -> None:
    found = reference.misattribution(sentence)
    assert found is not None and found.attribute == attribute


@pytest.mark.parametrize(
    ("reference", "sentence"),
    [
        (PRIORS, "In the MAP view L1 corresponds to a Laplace prior and L2 to a Gaussian prior."),
        (PRIORS, "L2 goes with a Gaussian prior, while L1 goes with a Laplace prior."),  # order changed
        # the attribute before its entity, in clauses joined by "and" (a correct answer was contradicted
        # under tmux: "it gives L2 'Laplace'")
        (PRIORS, "A Gaussian prior gives the L2 penalty and a Laplace prior gives L1."),
        (PRIORS, "L1 corresponds to a Gaussian prior."),  # one entity only: not a comparison
        (PRIORS, "A Gaussian prior and a Laplace prior are both priors."),  # no entity named
        (ADAM, "Adam uses β1 = 0.9 for the first moment and β2 = 0.999 for the second."),
        (ZERO, "Stage 1 shards the optimizer states, stage 2 adds gradients and stage 3 parameters."),
        (Reference(["The sky is blue."], ["blue sky"]), "L1 is a Gaussian prior, L2 a Laplace prior."),
    ],
)
def test_a_correct_or_unrelated_sentence_is_not_flagged(reference: Reference, sentence: str) -> None:
    assert reference.misattribution(sentence) is None


ENTITIES = ("L1", "L2")
ATTRIBUTES = st.lists(
    st.sampled_from(["sparse", "diamond", "laplace", "gaussian", "round", "ridge", "lasso", "corner"]),
    min_size=2,
    max_size=2,
    unique=True,
)


@given(ATTRIBUTES, st.booleans(), st.booleans())
def test_restating_the_reference_never_misattributes(
    attributes: list[str], reverse: bool, one_sentence: bool
) -> None:
    """Whatever the wording's order, saying what the reference says is never a misattribution."""
    first, second = (f"{e} is {a}" for e, a in zip(ENTITIES, attributes, strict=True))
    reference = Reference([first + ".", second + "."], [" vs ".join(attributes)])
    parts = [second, first] if reverse else [first, second]
    answer = " and ".join(parts) + "." if one_sentence else ". ".join(parts) + "."
    assert all(reference.misattribution(s) is None for s in sentences(answer))


@given(ATTRIBUTES)
def test_swapping_the_entities_of_a_comparison_is_found(attributes: list[str]) -> None:
    first, second = (f"{e} is {a}" for e, a in zip(ENTITIES, attributes, strict=True))
    reference = Reference([first + ".", second + "."], [" vs ".join(attributes)])
    swapped = f"{ENTITIES[0]} is {attributes[1]} and {ENTITIES[1]} is {attributes[0]}."
    assert reference.misattribution(swapped) is not None


def test_the_judge_calls_the_point_the_sentence_supports_contradicted() -> None:
    points = ["L1 = λ·sum |w|, L2 = λ·sum w^2", "Laplace prior vs Gaussian prior (MAP view)"]
    answer = (
        "L1 is λ·sum |w| and L2 is λ·sum w^2. In the MAP view L1 is a Gaussian prior and L2 a Laplace prior."
    )
    plain = judge(points, answer)
    judged = judge(points, answer, reference=PRIORS)
    assert [j.verdict for j in plain] == ["covered", "covered"]
    assert [j.verdict for j in judged] == ["covered", "contradicted"]
    assert judged[1].evidence == "In the MAP view L1 is a Gaussian prior and L2 a Laplace prior."


@pytest.mark.parametrize("gap", [" ", "  ", "\t"])
def test_a_misattribution_is_found_however_the_sentence_is_spaced(gap: str) -> None:
    """The evidence of a pair of sentences is quoted with single spaces; the sentence is found in it."""
    answer = f"In the MAP view,\nL1 is a Gaussian prior and{gap}L2 a Laplace prior."
    (judged,) = judge(["Laplace prior vs Gaussian prior (MAP view)"], answer, reference=PRIORS)
    assert judged.verdict == "contradicted"


def test_the_grader_uses_the_model_answer_and_a_misattribution_caps_the_rating() -> None:
    spec = parse_question(
        {
            "id": "q",
            "prompt": "Why does L1 give sparsity?",
            "answer": "L1 is MAP estimation under a Laplace prior. L2 is MAP under a Gaussian prior.",
            "key_points": ["L1 = λ·sum |w|, L2 = λ·sum w^2", "Laplace prior vs Gaussian prior (MAP view)"],
        },
        strict=False,
    )
    grader = KeyPointGrader()
    wrong = grader.assess(
        spec, "L1 is λ·sum |w|, L2 is λ·sum w^2. L1 is MAP under a Gaussian prior and L2 a Laplace prior."
    )
    right = grader.assess(
        spec, "L1 is λ·sum |w|, L2 is λ·sum w^2. L1 is MAP under a Laplace prior and L2 a Gaussian prior."
    )
    assert Verdict.CONTRADICTED in [p.verdict for p in wrong.points] and (wrong.suggested or 0) <= 2
    # the flag says why, in the answer's words: whose attribute went to whom
    (why,) = [p.reason for p in wrong.points if p.verdict is Verdict.CONTRADICTED]
    assert why == "it gives L1 'Gaussian', which the model answer gives L2", why
    assert [p.verdict for p in right.points] == [Verdict.COVERED, Verdict.COVERED] and (
        right.suggested or 0
    ) >= 3


def stated(answer: str) -> list[str]:
    return claims(answer, coordinated=True, least=3)


RESIDUAL = Reference(
    [
        "The identity path carries the gradient directly to early layers.",
        "Forgetting eval mode makes outputs batch-dependent.",
    ],
    [
        "identity path carries gradient directly to early layers",
        "time-based splits and point-in-time features",
    ],
)


@pytest.mark.parametrize(
    ("point", "answer"),
    [
        (
            "identity path carries gradient directly to early layers",
            "The identity path doesn't carry the gradient to early layers.",
        ),
        (
            "time-based splits and point-in-time features",
            "Time-based splits weren't needed either.",
        ),  # dismissed
    ],
)
def test_a_denied_point_is_found(point: str, answer: str) -> None:
    found = RESIDUAL.denial(point, stated(answer))
    assert found is not None and found.clause in answer


@pytest.mark.parametrize(
    ("sentences_", "point", "answer"),
    [
        (
            ["Severity weighted by cost, not just frequency."],
            "severity weighted by cost",
            "Severity was weighted by cost.",
        ),
        (
            ["Practical significance matters."],
            "practical vs statistical significance",
            "Statistical significance is not practical significance.",
        ),
        (
            ["The gradient does not vanish when the model is confidently wrong."],
            "gradient doesn't vanish when confidently wrong",
            "That is the case if the model is confidently wrong.",
        ),
        (
            ["Never compute softmax and then take log separately."],
            "compute log-softmax directly",
            "Never compute the softmax and take its log separately.",
        ),
        (
            ["DPO needs no reward model."],
            "no reward model, value net or sampling",
            "This removes the explicit reward model entirely.",
        ),
        (  # "with no" says what "without" says
            ["It is trained end to end with no alignment labels."],
            "soft lookup trained end to end",
            "It trains end to end without any alignment labels.",
        ),
        (  # a negation of the same word on both sides ("not ... the global median")
            ["The median of per-country medians is not the global median."],
            "the median of per-country medians is not the global median",
            "The median of country medians isn't the global median.",
        ),
        (  # both apply "never" to "seen": no difference between them
            ["A feature value never seen with a class sets the whole product to 0."],
            "Laplace smoothing for zero counts",
            "A feature value never seen with a class zeroes the product unless you use Laplace smoothing.",
        ),
    ],
)
def test_a_faithful_restatement_is_no_denial(sentences_: list[str], point: str, answer: str) -> None:
    assert Reference(sentences_, [point]).denial(point, stated(answer)) is None


def test_a_reason_names_a_greek_letter_as_the_answer_writes_it() -> None:
    """ "β1" reads as "beta 1" to the matcher; the reason quotes the answer's "β1" (an independent review)."""
    from mockprep.core.textnorm import as_written

    answer = "Adam uses β1 = 0.999 and β2 = 0.9, and L1 takes a Gaussian prior; ROC's curve."
    assert [as_written(answer, w) for w in ("beta_1", "beta_2", "l_1", "gaussian", "roc")] == [
        "β1", "β2", "L1", "Gaussian", "ROC",
    ]  # fmt: skip
    assert as_written(answer, "l_2") == "l 2"  # (not in the answer: the stem, spaced)


@pytest.mark.parametrize(
    ("answer", "reverses"),
    [
        ("In training mode the predictions are independent of the batch composition.", True),
        ("In training mode the predictions are not independent of the batch composition.", False),
        ("In training mode the predictions depend on the batch composition.", False),
    ],
)
def test_a_word_that_negates_and_flips_is_counted_once_in_a_reversal(answer: str, reverses: bool) -> None:
    """ "independent" both negates its clause and is the opposite of "depend": counted twice, it made
    "independent of the batch" agree with "depends on the batch" (and the reverse, below)."""
    point = "in training mode predictions depend on the batch composition"
    reference = Reference(["In training mode the predictions depend on the batch composition."], [point])
    assert (reference.reversal(point, stated(answer)) is not None) is reverses


def test_doesnt_depend_agrees_with_a_model_answers_independent() -> None:
    """An independent tester's correct batch-norm answer was capped at hard: "doesn't depend on the
    batch" was read as the reverse of the model answer's "independent of whatever else is in the batch"."""
    from benchmarks.grading import builtin_specs

    spec = builtin_specs()["deep-learning/batchnorm-train-eval"]
    answer = (
        "BN normalises with batch statistics while training. At test time the stored running mean and "
        "variance take over, so one example's output doesn't depend on what else is in the batch."
    )
    assert Verdict.CONTRADICTED not in [p.verdict for p in KeyPointGrader().assess(spec, answer).points]


def test_a_reversed_direction_against_the_model_answer_is_found() -> None:
    reference = Reference(
        ["The naive softmax fails because exp overflows for large logits."],
        ["exp overflows for large logits"],
    )
    point = "exp overflows for large logits"
    assert reference.reversal(point, stated("It fails since exp underflows for large logits.")) is not None
    assert reference.reversal(point, stated("It fails since exp overflows for large logits.")) is None


def test_a_reversed_word_against_a_negated_reference_agrees_with_it() -> None:
    """ "avoids a mismatch" and "to match" say one thing: the reference's own negation counts in the
    parity of reversals, as the answer's does."""
    point = "zero terminal SNR avoids a train/sample mismatch at the last step"
    reference = Reference(["Zero terminal SNR avoids a train/sample mismatch at the last step."], [point])
    for agreeing in (
        "Terminal SNR should be zero to match sampling from pure noise.",
        "Zero terminal SNR gives a train/sample match at the last step.",
    ):
        assert reference.reversal(point, stated(agreeing)) is None, agreeing
    reversed_ = "Zero terminal SNR causes a train/sample mismatch at the last step."
    assert reference.denial(point, stated(reversed_)) or reference.reversal(point, stated(reversed_))
    # one flip under both sides' negations: a reversal (three, odd)
    found = reference.reversal(
        point, stated("Zero terminal SNR avoids a train/sample match at the last step.")
    )
    assert found is not None


def test_a_reversal_does_not_depend_on_which_of_two_equal_reference_clauses_is_quoted() -> None:
    """Two model-answer clauses match the answer equally well, one of them negated: the verdict is the
    same whichever is taken, and whatever their case (it once followed the clauses' sort order)."""
    for first in ("Naive softmax overflows for large logits.", "naive softmax overflows for large logits."):
        reference = Reference(
            [first, "Naive softmax never overflows for large logits after you subtract the max."],
            ["naive softmax overflows for large logits"],
        )
        point = "naive softmax overflows for large logits"
        assert reference.reversal(point, stated("Naive softmax underflows for large logits.")) is None


def test_a_wordnet_antonym_reverses_a_point_against_the_model_answer() -> None:
    """WordNet's antonyms (core/wordnet_antonyms.txt) widen the table of opposites: "implicit" for
    "explicit", "narrow" for "wide", "similar" for "dissimilar"."""
    reference = Reference(
        [
            "Weight decay adds an explicit penalty on the weights, while early stopping regularises the"
            " model only through the number of steps."
        ],
        ["weight decay adds an explicit penalty on the weights"],
    )
    point = "weight decay adds an explicit penalty on the weights"
    found = reference.reversal(point, stated("Weight decay adds an implicit penalty on the weights."))
    assert found is not None and "explicit" in found.reference
    assert reference.reversal(point, stated("Weight decay adds an explicit penalty on the weights.")) is None


def test_the_wordnet_table_holds_its_licence_and_stems_made_by_the_stemmer() -> None:
    """Regenerate it (python -m benchmarks.grading.wordnet_antonyms DIR) when the stemmer changes."""
    from pathlib import Path

    from mockprep.core import contradictions
    from mockprep.core.textnorm import stem

    text = (Path(contradictions.__file__).parent / "wordnet_antonyms.txt").read_text(encoding="utf-8")
    assert "# WordNet 3.0 Copyright 2006 by Princeton University." in text
    pairs = [line.split() for line in text.splitlines() if line and not line.startswith("#")]
    assert len(pairs) > 3000 and all(len(p) == 4 for p in pairs)
    assert all(stem(a) == sa and stem(b) == sb for a, b, sa, sb in pairs)


def test_negation_polarity() -> None:
    assert negated("the identity path doesn't carry the gradient")
    for contraction in ("didn't", "hasn't", "haven't", "hadn't", "didn’t"):  # stories are told in the past
        assert negated(f"we {contraction} check the split before training"), contraction
    assert negated("ROC-AUC is invariant to prevalence")
    assert not negated("I brought evidence, not just an opinion")
    assert not negated("statistical significance is not practical significance")
    assert not negated("it isn't just noise") and not negated("it isn’t only noise")  # as "not just"
    assert not negated("trained with no alignment labels")  # as "without" is not
    assert negated("Post-LN transformers don't diverge early with no warmup")  # ... nor cancels one


SUBJECTS = st.sampled_from(["the optimizer", "the encoder", "each worker", "the scheduler", "the cache"])
VERBS = st.sampled_from(["stores", "updates", "shards", "normalises", "compresses"])
OBJECTS = st.sampled_from(["the gradients", "the parameters", "the activations", "the statistics"])


@given(SUBJECTS, VERBS, OBJECTS)
def test_restating_a_claim_is_no_denial_and_negating_it_is(subject: str, verb: str, obj: str) -> None:
    claim = f"{subject} {verb} {obj} during training"
    reference = Reference([claim.capitalize() + "."], [claim])
    assert reference.denial(claim, stated(f"Here {claim}.")) is None
    denied = f"Here {subject} never {verb.removesuffix('s')} {obj} during training."
    assert reference.denial(claim, stated(denied)) is not None


@pytest.mark.parametrize(
    ("prompt", "names"),
    [
        ("Compare fp16 and bf16, and explain loss scaling.", {"fp", "bf"}),
        ("Distinguish data drift, concept drift and prediction drift.", {"data", "concept", "predict"}),
        ("Compare Monte Carlo and TD(0) for estimating V.", {"carlo", "td"}),
    ],
)
def test_the_prompt_names_the_entities_it_compares(prompt: str, names: set[str]) -> None:
    assert names in prompt_entities(prompt)


def test_a_number_is_no_entity_of_a_prompt() -> None:
    """ "at 10x and at 100x", "between 2020 and Hoffmann": a number is a value, not a thing compared."""
    assert prompt_entities("What happens to your approach at 10x and at 100x the data?") == []
    assert prompt_entities("Kaplan et al. (2020) and Hoffmann et al. reached different conclusions.") == []


# nlp/ner-finetuning-subwords-crf's shape: the prompt sets labels beside subword tokens, and the model
# answer gives the number -100 to the label ("use the label -100")
SUBWORDS = Reference(
    [
        "Label the first subword of each word and mask the other pieces out of the loss.",
        "Many toolkits use the label -100 for this.",
    ],
    ["label the first subword and mask the rest from the loss"],
    "How do you handle the mismatch between word-level BIO labels and subword tokens?",
)


def test_a_number_is_an_attribute_only_as_the_entitys_value() -> None:
    """A number no key point names is telling only right after the entity ("β1 = 0.999"): further on,
    it is the value of something else the clause goes on to."""
    sentence = "Label only the first subword of each word and mask the rest with -100 in the loss."
    assert SUBWORDS.misattribution(sentence) is None
    found = SUBWORDS.misattribution("The label is first, and each subword -100.")
    assert found is not None and (found.entity, found.attribute, found.owner) == ("subword", "100", "label")


def test_an_entity_the_reference_says_nothing_of_has_no_foreign_attribute() -> None:
    """kaplan-vs-chinchilla's shape: "model size" is the prompt's word only, so the reference attaches
    nothing to it, and "size grows as compute to the 0.73" is no attribute taken from "data"."""
    reference = Reference(
        ["Grow the model much faster than the data: N ∝ C^0.73 and D ∝ C^0.27."],
        ["Kaplan: N ∝ C^0.73, favour big models, fewer tokens"],
        "How should a compute budget be split between model size and data?",
    )
    assert (
        reference.misattribution("Optimal size grows as compute to the 0.73 while data grows as 0.27.")
        is None
    )
    # a reference that describes size too: there, 0.73 is data's
    described = Reference(
        ["Size grows as compute to the 0.5.", "Data grows as compute to the 0.73."],
        ["data grows as C^0.73"],
        "How should a compute budget be split between model size and data?",
    )
    found = described.misattribution("Size grows as compute to the 0.73 while data grows as 0.5.")
    assert found is not None and (found.entity, found.attribute, found.owner) == ("size", "0.73", "data")


def test_key_points_that_each_describe_one_named_thing_make_them_siblings() -> None:
    """algorithms/bfs-versus-dfs style: "BFS: …" and "DFS: …" set BFS and DFS side by side, so an
    answer that gives BFS DFS's stack is caught; key points without such names make no siblings."""
    model = [
        "BFS explores level by level with a queue and finds shortest paths in unweighted graphs.",
        "DFS goes deep first with a stack or recursion.",
    ]
    named = Reference(model, ["BFS: queue, shortest paths in unweighted graphs", "DFS: stack or recursion"])
    found = named.misattribution("BFS uses a stack while DFS uses a queue.")
    assert found is not None and (found.entity, found.attribute, found.owner) == ("bfs", "stack", "dfs")
    assert named.misattribution("BFS uses a queue while DFS uses a stack.") is None
    unnamed = Reference(model, ["BFS uses a queue, shortest paths", "DFS uses a stack or recursion"])
    assert unnamed.misattribution("BFS uses a stack while DFS uses a queue.") is None
    # a label before a colon is no name: two words, or one key point alone
    assert point_entities(["listed causes: drift, skew", "root-cause fix: retrain"]) == []
    assert point_entities(["BFS: queue", "both run in O(V + E)"]) == []


def test_a_prompt_without_a_comparison_names_none() -> None:
    assert prompt_entities("Explain how attention works.") == []


def test_entities_the_prompt_compares_are_checked_for_swaps() -> None:
    reference = Reference(
        [
            "The Monte Carlo target is the full return, unbiased.",
            "The TD target bootstraps from the estimate.",
        ],
        ["Monte Carlo target is the full return", "TD target bootstraps from the current estimate"],
        "Compare Monte Carlo and TD(0) targets.",
    )
    swapped = "The Monte Carlo target bootstraps from the estimate, and the TD target is the full return."
    right = "The Monte Carlo target is the full return, and the TD target bootstraps from the estimate."
    assert reference.misattribution(swapped) is not None
    assert reference.misattribution(right) is None


def test_a_point_stated_rightly_elsewhere_in_the_answer_is_not_denied() -> None:
    seeds = Reference(
        ["Seed every DataLoader worker so that the data order is reproducible."],
        ["seed every DataLoader worker"],
    )
    point = "seed every DataLoader worker"
    denying = claims("DataLoader workers are not seeded, so the order changes.", coordinated=True, least=3)
    assert seeds.denial(point, denying) is not None
    both = claims(
        "Unseeded DataLoader workers are not seeded, so the order changes. Fix it: seed every DataLoader"
        " worker so that the data order is reproducible.",
        coordinated=True,
        least=3,
    )
    assert seeds.denial(point, both) is None


def test_a_flag_set_false_in_code_reads_as_not() -> None:
    assert negated("call requires_grad_(False) on the parameters")
    assert negated("set shuffle=False in the loader")
    assert not negated("a false positive costs more than a false negative here")
    assert not negated("set shuffle=True in the loader")


def test_names_in_code_are_not_split_into_entities() -> None:
    named = anchors("param.requires_grad_(False) marks parameters")
    assert "requir" not in named and "grad" not in named and "param" not in named
    assert anchors("inside torch.no_grad() nothing is recorded") == anchors("inside nothing is recorded")
    assert "l_1" in anchors("L1 shrinks weights to exactly zero")


@pytest.mark.parametrize(
    "clause",
    [
        "I never learned something without sharing it with the team",
        "With n fixed you can't lower α without lowering power",
        "I didn't ask for anything until I had cheap pilot evidence",
        "No matter how large the batch is the estimate is biased",
    ],
)
def test_double_negatives_affirm(clause: str) -> None:
    assert not negated(clause)


@pytest.mark.parametrize(
    "clause",
    [
        "Trees are not invariant to scaling",
        "I never wrote down the assumptions",
        "we can't skip it",
        # "without bound" says how a thing grows: it cancels no negation
        "label smoothing prevents logits growing without bound",
    ],
)
def test_a_single_negation_still_denies(clause: str) -> None:
    assert negated(clause)


WEAK_LISTED = parse_question(
    {
        "id": "q",
        "prompt": "What was the hardest decision on the project?",
        "answer": "A real fork, with costs on both sides. I ran a two-day spike and gathered evidence before"
        " committing.\n\nWeak answers to avoid: a choice with no real cost; no evidence gathered before"
        " committing.",
        "key_points": ["a real fork with costs on each side", "evidence gathered before committing"],
    },
    strict=False,
)


def test_a_model_answers_weak_answers_are_no_reference_for_an_answer() -> None:
    """The list of weak answers states what a good answer does not: an answer saying it is denied, and
    the model answer, pasted whole with its list, is not."""
    grader = KeyPointGrader()
    denied = grader.assess(
        WEAK_LISTED,
        "It was a real fork with costs on each side. We didn't gather evidence before committing, we went with our gut.",
    )
    assert [p.verdict for p in denied.points] == [Verdict.COVERED, Verdict.CONTRADICTED]
    pasted = grader.assess(WEAK_LISTED, WEAK_LISTED.answer)
    assert [p.verdict for p in pasted.points] == [Verdict.COVERED, Verdict.COVERED]


PCA_LDA = Reference(
    ["PCA is unsupervised and keeps the directions of largest total variance.",
     "LDA is supervised: it uses the labels to maximise between-class over within-class scatter."],
    ["PCA: unsupervised, maximises total variance", "LDA: maximise between-class over within-class scatter"],
    "Compare LDA with PCA as a dimensionality reduction method.",
)  # fmt: skip


@pytest.mark.parametrize(
    ("sentence", "entity", "word"),
    [
        ("PCA is supervised: it uses the class labels.", "pca", "superv"),
        ("LDA is unsupervised.", "lda", "unsuperv"),
    ],
)
def test_one_entity_given_its_own_attribute_with_the_negative_prefix_turned_is_flagged(
    sentence: str, entity: str, word: str
) -> None:
    """A tester's swap named one entity per sentence ("PCA is supervised ... LDA is unsupervised"), so
    the check of two siblings in one sentence never saw it."""
    found = PCA_LDA.misattribution(sentence)
    assert found is not None and (found.entity, found.attribute) == (entity, word)


@pytest.mark.parametrize(
    "sentence",
    [
        "PCA is unsupervised.",  # stated rightly
        "PCA is not supervised: it never looks at the labels.",  # the same, negated
        "LDA, unlike unsupervised methods, is supervised.",  # each word where it belongs
        "PCA keeps the directions of largest total variance.",
    ],
)
def test_a_right_or_negated_statement_of_one_entity_is_not_flagged(sentence: str) -> None:
    assert PCA_LDA.misattribution(sentence) is None


@pytest.mark.parametrize(
    ("reference", "points", "sentence"),
    [  # prefixes that make no opposite (a reviewer's cases): in-form, dis-count, in-depend
        (["A tree picks each split by information gain."], ["Tree: greedy splits by information gain",
         "Forest: averages many trees"], "The tree forms splits greedily."),
        (["Q-learning bootstraps from discounted future rewards."], ["Qlearning: off-policy, discounted",
         "SARSA: on-policy"], "Qlearning counts the rewards that follow."),
        (["NB treats the features as independent given the class."], ["NB: features independent",
         "LR: models the class directly"], "NB ignores how the features depend on each other."),
    ],
)  # fmt: skip
def test_prefixes_that_make_no_opposite_are_not_taken_for_one(
    reference: list[str], points: list[str], sentence: str
) -> None:
    assert Reference(reference, points).misattribution(sentence) is None


def test_a_function_called_and_a_constraint_are_no_reversed_words() -> None:
    """Found by an exploratory tester: "The objective is 1/2 ||w||^2 + C sum of hinge losses, where the
    hinge loss is max(0, 1 - y f(x))", a correct answer, was said to reverse "minimise ½||w||^2 + C sum
    ξ_i subject to ...": "objective" against "subject" (WordNet's objective/subjective, stemmed) and the
    function max against minimise. A real reversal in the same words is still found."""
    point = "slack version equals ½||w||^2 + C·sum of hinge losses"
    reference = Reference(
        ["Soft margin: minimise ½||w||^2 + C sum_i ξ_i subject to y_i f(x_i) ≥ 1 − ξ_i."], [point]
    )
    answer = (
        "The objective is 1/2 ||w||^2 + C sum of hinge losses, where the hinge loss is max(0, 1 - y f(x))."
    )
    assert reference.reversal(point, stated(answer), answer) is None
    wrong = "The soft-margin SVM maximises ½||w||^2 + C sum of slack ξ_i."
    assert reference.reversal(point, stated(wrong), wrong) is not None


@pytest.mark.parametrize(
    ("said", "denies"),
    [
        ("Non-diagonalisable matrices have no eigendecomposition.", False),
        ("An eigendecomposition does not need a diagonalisable matrix.", True),
    ],
)
def test_a_negated_negative_of_a_point_word_affirms_the_point(said: str, denies: bool) -> None:
    """Found trying a session in a terminal: "non-diagonalisable matrices have no eigendecomposition",
    the contrapositive of the point, was said to reverse it."""
    point = "eigendecomposition needs square and diagonalisable"
    reference = Reference(["An eigendecomposition needs a square, diagonalisable matrix."], [point])
    assert (reference.denial(point, stated(said)) is not None) is denies


@pytest.mark.parametrize(
    ("point", "said", "denies"),
    [
        # a point that denies in part is neither stated nor denied by a plain negation...
        ("little help on recall or single-step tasks", "For simple recall tasks it does not help.", False),
        (
            "injected covariate shift barely hurts accuracy",
            "Injected covariate shift does not hurt accuracy.",
            False,
        ),
        # ... nor is an answer that hedges a denial of a plain point
        (
            "warmup stabilises early training updates",
            "Warmup rarely stabilises early training updates.",
            False,
        ),
        (
            "random labels hurt little in demonstrations",
            "Random labels do not hurt in demonstrations.",
            False,
        ),
        # "little" or "few" that counts a thing hedges nothing (found by an independent review: with
        # "few units" or "little data" in a clause, its plain reversal went unseen), nor do "a little",
        # "a few" and "few-shot": a plain negation of the point still denies it
        (
            "design-stage balance matters most with few units",
            "Design-stage balance does not matter with few units.",
            True,
        ),
        (
            "transfer weakens with little pretraining data",
            "Transfer does not weaken with little pretraining data.",
            True,
        ),
        (
            "a few seeds estimate the variance across runs",
            "A few seeds do not estimate the variance across runs.",
            True,
        ),
        (
            "few-shot examples shift benchmark scores",
            "Few-shot examples do not shift benchmark scores.",
            True,
        ),
    ],
)
def test_a_clause_that_denies_in_part_is_no_denial_either_way(point: str, said: str, denies: bool) -> None:
    """Found by an exploratory tester in a mock: on llms/chain-of-thought, "for small models or simple
    recall tasks it does not help" was said to reverse the key point "little help on recall or single-step
    tasks", which says the same, and the suggestion fell to again."""
    reference = Reference([point[0].upper() + point[1:] + "."], [point])
    assert (reference.denial(point, stated(said)) is not None) is denies


def test_the_reported_chain_of_thought_answer_is_not_contradicted() -> None:
    from benchmarks.grading import builtin_specs

    spec = builtin_specs()["llms/chain-of-thought"]
    answer = (
        "CoT gives the model more serial computation per answer. For small models or simple recall tasks it"
        " does not help."
    )
    verdicts = [p.verdict for p in KeyPointGrader().assess(spec, answer).points]
    assert Verdict.CONTRADICTED not in verdicts and verdicts[2] == Verdict.COVERED
