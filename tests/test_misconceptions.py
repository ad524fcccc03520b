"""A bank's misconceptions of a question, found in answers (core/misconceptions.py) and in grading."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockprep.core.grading import KeyPointGrader, Verdict
from mockprep.core.misconceptions import Misconceptions
from mockprep.core.questions import QuestionSpec

REFERENCE = [
    "Gradient accumulation sums the gradients of k micro-batches and then takes one optimizer step.",
    "Scale each micro-batch loss by 1/k so the summed gradient equals the mean over the large batch.",
    "It trades time for memory: the activations of only one micro-batch are held at once.",
]
WEIGHTS = "Gradient accumulation averages the model weights produced by k separate optimizer updates."
SWAPPED = "It trades memory for time: the activations of each micro-batch are held together at once."
KNOWN_WORDS_ONLY = "Gradient accumulation takes one optimizer step for each of the k micro-batches."


def listed(*items: str) -> Misconceptions:
    return Misconceptions(list(items), REFERENCE, "What does gradient accumulation do?")


def test_a_sentence_that_states_a_misconception_is_found_with_it() -> None:
    said = "Gradient accumulation averages the weights produced by k separate optimizer updates."
    [found] = listed(WEIGHTS).stated(["It saves memory.", said])
    assert found.sentence == said and found.misconception == WEIGHTS
    assert found.closeness > found.reference


def test_correct_sentences_state_no_misconception() -> None:
    assert listed(WEIGHTS).stated(REFERENCE) == []
    assert (
        listed(WEIGHTS).stated(["We sum gradients over k micro-batches, then take one optimizer step."]) == []
    )


@pytest.mark.parametrize(
    "sentence",
    [
        "A common misconception is that it averages the weights produced by k separate optimizer updates.",
        "It is wrong to say that it averages the weights produced by k separate optimizer updates.",
        "Gradient accumulation does not average the weights produced by k separate optimizer updates.",
    ],
)
def test_a_sentence_that_disowns_or_denies_the_misconception_does_not_state_it(sentence: str) -> None:
    assert listed(WEIGHTS).stated([sentence]) == []


def test_a_misconception_that_only_rearranges_the_references_words_is_not_looked_for() -> None:
    """A swap ("time for memory" / "memory for time") matches a correct sentence as well as a wrong one:
    it is left to the reversal checks, even when the answer says it word for word."""
    assert not listed(SWAPPED, KNOWN_WORDS_ONLY)
    assert listed(SWAPPED, KNOWN_WORDS_ONLY).stated([SWAPPED, KNOWN_WORDS_ONLY]) == []


P_VALUE = [
    "The p-value is the probability, assuming the null hypothesis is true, of a statistic at least as"
    " extreme as the one observed.",
    "probability of data at least as extreme as observed",
    "not the probability that the null is true",
]
P_VALUE_MYTH = "The p-value is the probability that the null hypothesis is true."


@pytest.mark.parametrize(
    "said",
    [
        P_VALUE_MYTH,
        "A p-value is the probability that the null is true given the data.",
    ],
)
def test_a_misconception_that_says_a_reference_sentence_without_its_negation_is_looked_for(said) -> None:
    """A bank author's misconception is often the key point "not X" said as "X", with no word of its
    own: an answer stating it word for word was ticked and suggested good (found by an exploratory
    tester). It is found where the answer says X nearly word for word, with the misconception's polarity."""
    myths = Misconceptions([P_VALUE_MYTH], P_VALUE, "What is a p-value?")
    [found] = myths.stated([said])
    assert found.misconception == P_VALUE_MYTH


@pytest.mark.parametrize(
    "correct",
    [
        # correct sentences of the misconception's polarity and most of its words (an independent review
        # found each of these flagged by a first version that matched words, not the phrase)
        "The p-value is computed assuming the null hypothesis is true.",
        "The p-value is the probability of the observed data when the null hypothesis is true.",
        "Under the null hypothesis being true, the p-value is uniformly distributed.",
        "If the null hypothesis is true, small p-values occur with probability alpha.",
        "It is not the probability that the null hypothesis is true.",
        # ... nor one that sets it against the claim or says it of something else (a second review)
        "The p-value gives the probability of data this extreme given the null, rather than the"
        " probability that the null hypothesis is true.",
        "It is computed under the null, as opposed to the probability that the null hypothesis is true.",
        "Bayesian posteriors, unlike p-values, give the probability that the null hypothesis is true.",
        "A Bayesian posterior gives the probability that the null hypothesis is true.",
        *P_VALUE,
    ],
)
def test_a_correct_sentence_does_not_state_a_misconception_without_words_of_its_own(correct) -> None:
    assert Misconceptions([P_VALUE_MYTH], P_VALUE, "What is a p-value?").stated([correct]) == []


class Constant:
    """A meaning model that finds every pair of texts equally close."""

    def __init__(self, value: float):
        self.value = value

    def similarities(self, left: list[str], right: list[str]) -> list[list[float]]:
        return [[self.value] * len(right) for _ in left]


def test_a_sentence_must_share_a_word_that_the_question_itself_never_uses() -> None:
    """Meaning alone (a bag-of-words embedding sees a swap as the same claim) does not make a correct
    sentence a misconception: what makes the claim wrong is mostly what it adds."""
    wrong = "Accumulation sums the optimizer gradients over micro-batches, then averages the weights."
    known = Misconceptions(
        [wrong], ["Accumulation sums gradients over micro-batches.", "The optimizer steps once per batch."]
    )

    class Fooled:  # finds every sentence identical to the misconception and unlike the rest
        def similarities(self, left: list[str], right: list[str]) -> list[list[float]]:
            return [[1.0 if text == wrong else 0.0 for text in right] for _ in left]

    correct = "Accumulation sums gradients over micro-batches and the optimizer steps once."
    assert known.stated([correct], Fooled()) == []
    assert known.stated(
        ["Accumulation sums gradients over micro-batches and averages the weights."], Fooled()
    )


def test_two_words_of_the_question_written_as_one_are_no_word_of_a_misconceptions_own() -> None:
    """'BatchNorm' in a misconception is the question's own 'batch normalisation': a correct sentence
    sharing only it and the reference's words was flagged as stating 'At inference BatchNorm still
    normalises with ... the current test batch' (found by an exploratory tester)."""
    myth = "At inference BatchNorm still normalises with the mean and variance of the current test batch."
    reference = [
        "train: per-channel batch mean and variance, then learnable γ, β",
        "running averages updated during training, used at inference",
    ]
    known = Misconceptions(
        [myth], reference, "How does batch normalisation behave at training and inference?"
    )
    correct = "In training batchnorm normalises with the mini-batch mean and variance"
    assert known.stated([correct]) == []
    assert known.stated(["At inference it normalises with the mean and variance of the current batch."])


def test_connectives_and_light_verbs_are_no_words_of_a_misconceptions_own() -> None:
    """A correct sentence sharing only "because" or "simply" with a misconception has said nothing of
    its claim; a misconception that adds only such words to the reference is not looked for."""
    reference = ["Accumulation sums gradients over micro-batches.", "The optimizer steps once per batch."]
    plain = "Accumulation sums the optimizer gradients over micro-batches because that is simply the rule."
    assert not Misconceptions([plain], reference)
    assert Misconceptions(
        ["Accumulation sums the optimizer gradients, then averages the weights."], reference
    )


def test_a_reporting_verb_is_no_word_of_a_misconceptions_own() -> None:
    """ "The law of large numbers says ..." shared only "says" with a misconception that starts the same
    way among the words the question never uses: a correct definition was flagged for it (found by an
    independent tester)."""
    from benchmarks.grading import builtin_specs
    from mockprep.core.embedding import load_wordllama
    from mockprep.core.grading import default_grader

    embedder = load_wordllama()
    question = builtin_specs()["statistics/lln-vs-clt"]
    correct = (
        "The law of large numbers says the sample mean converges to the true mean when the mean is finite."
    )
    graded = default_grader(lambda: embedder).assess(question, correct)
    assert Verdict.CONTRADICTED not in [p.verdict for p in graded.points]


def test_a_sentence_must_state_the_misconceptions_claim_not_only_its_topic() -> None:
    memory = "Gradient accumulation needs k times the activation memory, since every micro-batch is kept."
    topic = "It saves memory: only one micro-batch's activations are kept."
    claim = "Accumulating needs k times the activation memory, since every micro-batch is kept."

    class Close:
        def similarities(self, left: list[str], right: list[str]) -> list[list[float]]:
            return [[1.0 if text == memory else 0.0 for text in right] for _ in left]

    assert listed(memory).stated([topic], Close()) == []
    assert listed(memory).stated([claim], Close())


def test_a_sentence_closer_to_the_reference_than_to_the_misconception_does_not_state_it() -> None:
    said = "Gradient accumulation sums the gradients of k separate micro-batches and then takes one optimizer step."
    assert listed(WEIGHTS).stated([said], Constant(1.0)) == []


def test_the_meaning_model_counts_half_when_it_is_given() -> None:
    said = "Gradient accumulation averages the weights of k separate updates."
    assert listed(WEIGHTS).stated([said], Constant(1.0))
    # the same words, but no meaning in common with anything: the words alone are not close enough
    assert listed(WEIGHTS).stated([said], Constant(0.0)) == []


def spec(misconceptions: list[str]) -> QuestionSpec:
    return QuestionSpec(
        id="accumulation",
        prompt="What does gradient accumulation do, and why?",
        answer="\n".join(REFERENCE),
        key_points=[
            "gradients of k micro-batches summed before one optimizer step",
            "each loss scaled by 1/k to match the large batch",
            "saves memory: activations of one micro-batch at a time",
        ],
        misconceptions=misconceptions,
    )


WRONG = (
    "Gradient accumulation splits the batch into k micro-batches and their gradients are summed. "
    "Gradient accumulation averages the model weights produced by k separate optimizer updates. "
    "Each loss is scaled by 1/k, and it saves memory because only one micro-batch's activations are kept."
)


def test_the_grader_contradicts_the_point_closest_to_a_stated_misconception() -> None:
    grader = KeyPointGrader()  # words only: what every machine has
    without = grader.assess(spec([]), WRONG)
    assert Verdict.CONTRADICTED not in [p.verdict for p in without.points]
    assert without.suggested is not None and without.suggested >= 3
    judged = grader.assess(spec([WEIGHTS]), WRONG)
    verdicts = [p.verdict for p in judged.points]
    assert verdicts.count(Verdict.CONTRADICTED) == 1
    point = judged.points[0]  # "summed before one optimizer step" is what the misconception gets wrong
    assert point.verdict is Verdict.CONTRADICTED
    assert point.evidence is not None and "averages the model weights" in point.evidence
    assert point.reason is not None and WEIGHTS in point.reason
    assert judged.suggested is not None and judged.suggested <= 2


def test_the_model_answer_states_none_of_its_misconceptions() -> None:
    judged = KeyPointGrader().assess(spec([WEIGHTS, SWAPPED]), "\n".join(REFERENCE))
    assert Verdict.CONTRADICTED not in [p.verdict for p in judged.points]


def test_a_question_with_misconceptions_round_trips_through_its_stored_form() -> None:
    original = spec([WEIGHTS])
    assert QuestionSpec.from_dict(original.to_dict()) == original
    assert "misconceptions" not in replace(original, misconceptions=[]).to_dict()


WORDS = st.sampled_from(
    "gradient accumulation averages weights micro batches optimizer step memory loss sum time".split()
)


@given(st.lists(st.lists(WORDS, min_size=1, max_size=12).map(" ".join), max_size=6))
def test_what_is_found_is_a_sentence_of_the_answer_and_a_listed_misconception(sentences) -> None:
    for found in listed(WEIGHTS, SWAPPED).stated(sentences):
        assert found.sentence in sentences and found.misconception == WEIGHTS
    disowned = [f"It is a myth that {s}" for s in sentences]
    assert listed(WEIGHTS).stated(disowned) == []
    assert Misconceptions([], REFERENCE).stated(sentences) == []


def test_a_bank_file_lists_at_most_twelve_misconceptions_of_plain_text(tmp_path) -> None:
    from mockprep.core.bank_files import load_banks

    def bank(items: list[str]) -> str:
        quoted = ", ".join(f'"{item}"' for item in items)
        return (
            'id = "b"\ntitle = "B"\nround = "technical"\ntopic = "t"\n\n[[questions]]\nid = "q"\nprompt = "P?"\n'
            f'answer = "A."\nkey_points = ["one thing", "another thing"]\nmisconceptions = [{quoted}]\n'
        )

    good = tmp_path / "good.toml"
    good.write_text(bank(["A wrong claim about things."]), encoding="utf-8")
    banks, problems = load_banks([good])
    assert not problems and banks[0].questions[0].spec.misconceptions == ["A wrong claim about things."]
    many = tmp_path / "many.toml"
    many.write_text(bank([f"Wrong claim {n}." for n in range(13)]), encoding="utf-8")
    _banks, problems = load_banks([many])
    [problem] = problems
    assert "misconceptions" in str(problem) and "many.toml" in str(problem)


def test_a_session_shows_the_whole_misconception_an_answer_states(cli, tmp_path) -> None:
    """What the person sees: the point marked the other way round, the sentence, and the misconception
    quoted whole (it is the evidence), with the suggestion capped at hard."""
    long = WEIGHTS[:-1] + ", so the optimizer never sees a summed gradient at all."
    folder = tmp_path / "banks"
    folder.mkdir()
    (folder / "acc.toml").write_text(
        'id = "acc"\ntitle = "Acc"\nround = "technical"\ntopic = "systems"\n\n[[questions]]\nid = "q"\n'
        f'prompt = "{spec([]).prompt}"\nanswer = """{spec([]).answer}"""\n'
        f"key_points = {spec([]).key_points!r}\n".replace("'", '"')
        + f'misconceptions = ["{long}"]\n',
        encoding="utf-8",
    )
    assert cli("bank", "add", str(folder)).exit_code == 0
    answer = WRONG.replace(WEIGHTS, long)
    result = cli("session", "--bank", "acc", "--limit", "1", input=answer + "\n\n\n\n")
    assert result.exit_code == 0, result.stderr
    flat = " ".join(result.stdout.replace("│", " ").split())
    assert "≠ gradients of k micro-batches summed before one optimizer step" in flat
    assert f"this reads as a common misconception: {long}" in flat
    assert "Enter accepts 2 hard" in flat


@pytest.mark.parametrize(
    ("reference", "misconception", "correct", "wrong"),
    [
        (
            "For a full-rank matrix, κ(A) = σ_max / σ_min.",
            "The condition number is the ratio of the largest to the smallest entry of the matrix.",
            "The condition number is the ratio of the largest to smallest singular value.",
            "The condition number is the ratio of the largest to the smallest entry of the matrix.",
        ),
    ],
)
def test_words_the_references_notation_is_read_as_are_the_questions_own(
    reference: str, misconception: str, correct: str, wrong: str
) -> None:
    """Found by an exploratory tester: "the ratio of the largest to smallest singular value", a correct
    reading of "σ_max / σ_min", was taken for the misconception "... the smallest entry of the matrix"
    (the ratio, largest and smallest counted as words the misconception adds), and the answer suggested
    hard. The misconception is still found where its own word is said."""
    found = Misconceptions([misconception], [reference], "What is the condition number?")
    assert found.stated([correct]) == []
    assert [s.sentence for s in found.stated([wrong])] == [wrong]


def test_a_sentence_about_another_numbered_kind_does_not_state_the_misconception() -> None:
    """Found by an exploratory tester: "A type I error is rejecting the null when it is true", right,
    was taken for the misconception "A type II error is rejecting a true null hypothesis" (the words
    differ only in the numeral). Said of type II, it is still found."""
    reference = [
        "Type I error (false positive): rejecting H0 when it is true; its probability is α.",
        "Type II error: failing to reject H0 when an alternative is true; its probability is β.",
    ]
    wrong = "A type II error is rejecting a true null hypothesis, and its probability is α."
    found = Misconceptions([wrong], reference, "Define type I and type II errors.")
    assert found.stated(["A type I error is rejecting the null when it is true."]) == []
    assert found.stated(["Type 1 error: rejecting a true null hypothesis."]) == []
    said = "A type II error is rejecting a true null hypothesis."
    assert [s.sentence for s in found.stated([said])] == [said]
