"""Key-point grading: text normalisation, the judge, the embedding model's offline load, and a floor
on agreement with an interviewer over the labelled development set (benchmarks/grading)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockprep.core.banks import parse_question
from mockprep.core.grading import KeyPointGrader, Verdict, names_terms_only, rating_from_checklist
from mockprep.core.keypoints import features, judge, sentences
from mockprep.core.questions import QuestionSpec
from mockprep.core.textnorm import content_stems, fold


def spec(points: list[str], **extra: object) -> QuestionSpec:
    return parse_question(
        {"id": "q", "prompt": "P?", "answer": "A.", "key_points": points, **extra}, strict=False
    )


@pytest.mark.parametrize(
    ("point", "answer"),
    [
        ("variance is σ²", "the variance is sigma squared"),
        ("keep back-pointers", "we keep backpointers for the best path"),
        ("conditioned on x", "conditioning on x"),
        ("regularisation strength", "the regularization strength"),
        ("∂L/∂z = p − y", "the gradient dL/dz is p - y"),
        ("k/t of the items", "k over t of the items"),
    ],
)
def test_symbols_and_word_forms_meet(point: str, answer: str) -> None:
    (verdict,) = judge([point], answer)
    assert verdict.verdict == "covered", (point, answer, verdict)


@pytest.mark.parametrize(
    ("symbols", "words"),
    [("KL ≥ 0", "KL is never negative"), ("w ≥ 0", "w is non-negative"), ("w ≥ 0", "w isn't negative"),
     ("H ≤ 0", "H is nonpositive")],
)  # fmt: skip
def test_a_sign_in_words_reads_as_the_inequality(symbols: str, words: str) -> None:
    assert content_stems(words) == content_stems(symbols)


def test_folding_spells_out_greek_and_superscripts() -> None:
    assert "sigma" in fold("σ²") and "^2" in fold("σ²")
    assert content_stems("back-pointers") == ["back", "pointer"] or "pointer" in content_stems(
        "back-pointers"
    )


def test_e_g_i_e_and_etc_are_no_words_of_a_point_but_e_in_a_formula_is() -> None:
    assert content_stems("Cost quantified (e.g. GPU-hours, days), i.e. e. g. etc.") == content_stems(
        "Cost quantified (GPU-hours, days)"
    )
    assert content_stems("e^x, or e.g. eg") == ["e", "x", "eg"]
    told = "It cost about 6,000 GPU-hours and four days of the deadline."
    (point,) = judge(["Cost quantified (e.g. GPU-hours, days)"], told)
    assert point.features.words_all == 1.0 and point.verdict == "covered"


def test_a_names_digits_do_not_quantify_a_result() -> None:
    """ "quantified" is met by a number, not by the digits of a name ("p99", "H100s", "Q3")."""
    point = ["Result quantified"]
    (named,) = judge(point, "The result: p99 latency on the H100s got much better in Q3.")
    (counted,) = judge(point, "The result: latency fell from 900 ms to 60 ms.")
    assert named.features.words_all < counted.features.words_all == 1.0


@pytest.mark.parametrize(
    "dated",
    [
        "The result: we launched the new ranker in 2024.",
        "The result: it shipped on March 3 and moved everything to Python 3.",
        "The result came in Q4, after release 2.3.",
    ],
)
def test_a_year_a_date_or_a_version_does_not_quantify_a_result(dated: str) -> None:
    """As the story check reads a Result (core/quantities.py): a behavioral answer's "In 2023 I was ..."
    made any passage "quantified" for a point asking for a quantified outcome."""
    point = ["Result quantified"]
    (named,) = judge(point, dated)
    (counted,) = judge(point, "The result: we cut review time by two days for 12 teams.")
    assert named.features.words_all < counted.features.words_all == 1.0


def test_an_un_word_is_met_by_its_word_negated_and_not_by_the_word_alone() -> None:
    """Found by a first-time user: "Keys and values of past tokens do not change" said nothing of the
    point "past K/V are unchanged" to the grader. "not biased" meets "unbiased"; "biased" does not."""
    point = ["the estimator is unbiased"]
    (said,) = judge(point, "The estimator is not biased.")
    (opposite,) = judge(point, "The estimator is biased.")
    assert said.features.words_best == 1.0 > opposite.features.words_best


def test_a_point_whose_own_words_are_absent_is_not_covered() -> None:
    first, second = judge(["first point", "second point"], "only the first point")
    assert first.verdict == "covered"
    assert second.verdict == "missing"


def test_repeating_the_questions_words_covers_nothing_until_the_point_s_own_words_come() -> None:
    prompt = "Why does gradient descent with a large learning rate diverge, and how do you choose the rate?"
    points = [
        "learning rate above 2/L overshoots the minimum",
        "warm-up and a range test choose the learning rate",
    ]
    echo = "Gradient descent with a large learning rate diverges. You choose the learning rate carefully."
    told = (
        "Past 2/L each step overshoots the minimum and the loss grows. A range test, then warm-up, picks it."
    )
    assert [j.verdict for j in judge(points, echo, prompt=prompt)] == ["missing", "missing"]
    assert [j.verdict for j in judge(points, told, prompt=prompt)] == ["covered", "covered"]
    # a point made only of the question's words is judged on all of them
    (whole,) = features(["choose the learning rate"], "I choose the rate by a sweep.", prompt=prompt)
    assert whole.words_new == whole.words_all == pytest.approx(2 / 3)
    # the prompt's compounds count however they are written
    (joined,) = features(
        ["finetuning recipe"], "We used a finetuning recipe.", prompt="Describe fine tuning."
    )
    assert joined.words_new == 1.0 and joined.words_all == 1.0
    (echo_only,) = features(["finetuning recipe"], "We did finetuning.", prompt="Describe fine tuning.")
    assert echo_only.words_new == 0.0 and echo_only.words_all == 0.5


def test_a_minus_inside_a_line_is_no_bullet_and_evidence_is_quoted_as_written() -> None:
    from benchmarks.grading import builtin_specs
    from mockprep.core.embedding import load_wordllama
    from mockprep.core.grading import default_grader

    line = "Use central differences (f(x+h) - f(x-h))/2h in float64, and a relative error below 1e-7 is fine."
    assert sentences("- first item\n" + line) == ["first item", line]
    spec = builtin_specs()["python-coding/numerical-gradient-check"]
    answer = (
        "I check the backward pass numerically.\n"
        + line
        + "\nKinks like ReLU at 0 give false alarms; fix the seed."
    )
    embedder = load_wordllama()
    assessment = default_grader(lambda: embedder).assess(spec, answer)
    assert "contradicted" not in [p.verdict for p in assessment.points]  # it was, on half a formula
    quoted = [p.evidence for p in assessment.points if p.evidence]
    assert quoted and all(e in answer.replace("\n", " ") for e in quoted), quoted


def test_a_reversed_direction_contradicts_the_point() -> None:
    (verdict,) = judge(["training error increases with more data"], "training error decreases with more data")
    assert verdict.verdict == "contradicted"
    (same,) = judge(
        ["training error increases with more data"], "with more data the training error increases"
    )
    assert same.verdict == "covered"


def test_the_points_direction_said_of_its_subject_beside_an_opposite_said_of_another_is_no_reversal() -> None:
    """'Power increases with a larger sample size (the standard error falls ...)' was flagged as saying
    'falls' where the key point says 'rises' (found by an exploratory tester)."""
    points = [
        "type I: reject true H0, probability α",
        "fixed n: lowering α lowers power",
        "power rises with n, effect size, lower variance",
    ]
    told = "Type I error is rejecting a true H0, probability alpha. At fixed n lowering alpha lowers power."
    answer = (
        f"{told} Power increases with a larger sample size (the standard error falls like 1/sqrt(n)),"
        " a larger true effect and lower variance."
    )
    assert "contradicted" not in [v.verdict for v in judge(points, answer)]
    # the other clause may name the point's terms after its own subject (an exploratory tester's answer)
    (verdict,) = judge(
        ["power rises with n"], "Power increases with n, since the standard error falls with n."
    )
    assert verdict.verdict == "covered"
    # an opening participle is said of the words after it, not of the sentence's subject (a review)
    for said in ["Power increases with n; falling alpha lowers power.", "Power increases with n, yet falling"
                 " effect sizes need even more data."]:  # fmt: skip
        (verdict,) = judge(["power rises with n"], said)
        assert verdict.verdict == "covered", said


def test_a_reversal_stands_when_the_conditions_move_the_points_way() -> None:
    """'X falls as Y increases' reverses 'X rises with Y': a rule that let any verb of the point's
    direction in the passage excuse the opposite one ticked it covered (reverted; found by a review)."""
    for point, answer in [
        ("training error increases with more data", "training error decreases as the amount of data grows"),
        # the opposite said of the point's own terms is no excuse (found by a review of d9d55b7)
        ("power rises with sample size", "Power increases as sample size falls."),
        ("variance rises with model complexity", "Variance increases as model complexity falls."),
        ("power rises with n", "Power increases, but only when n falls."),
        ("power rises with n", "Power increases as n falls with the standard error."),
        # ... nor one whose subject is left out (found by a review of 4d8a3c9)
        ("power rises with n", "Power increases with effect size but falls with n."),
        ("power rises with n", "Power increases with effect size, yet falls with larger n."),
        # ... nor one said of a pronoun, nor an "and" that joins the point's own subject to the opposite
        ("power rises with n", "People say power increases with n, but in fact it falls."),
        ("power rises with sample size", "Power increases with effect size and falls with more data."),
        (
            "power rises with n, effect size, lower variance",
            "Power falls as the sample size n increases, and with a larger effect size and lower variance.",
        ),
    ]:
        (verdict,) = judge([point], answer)
        assert verdict.verdict == "contradicted", answer


def test_a_reversed_direction_says_which_words_oppose() -> None:
    (verdict,) = judge(["training error increases with more data"], "training error decreases with more data")
    assert verdict.reason == "it says 'decreases' where the key point says 'increases'"


def test_a_denial_of_the_model_answer_quotes_what_it_denies() -> None:
    point = "the residual path carries the gradient to early layers"
    graded = KeyPointGrader().assess(
        spec([point, "deep nets train"], answer="The residual path carries the gradient to early layers."),
        "The residual path doesn't carry the gradient to early layers, so deep nets train anyway.",
    )
    flagged = [p for p in graded.points if p.verdict is Verdict.CONTRADICTED]
    assert [p.point for p in flagged] == [point]
    assert flagged[0].reason == (
        "it says the reverse of 'the residual path carries the gradient to early layers'"
    )


def test_a_point_naming_both_sides_is_not_contradicted_by_one_of_them() -> None:
    (verdict,) = judge(["large gamma overfits, small gamma smooths"], "with a small gamma the fit is smooth")
    assert verdict.verdict != "contradicted"


def test_evidence_is_the_sentence_that_matched() -> None:
    answer = "Bagging averages many trees. Random feature subsets decorrelate the trees."
    (verdict,) = judge(["random feature subsets decorrelate trees"], answer)
    assert verdict.evidence == "Random feature subsets decorrelate the trees."


@pytest.mark.parametrize(
    "answer",
    [
        "momentum, RMSprop, beta1, beta2, epsilon, bias correction, adaptive learning rate",
        "- bagging\n- bootstrap\n- feature subsets\n- decorrelation\n- out-of-bag error\n- variance",
        "L1: lasso, sparsity, diamond. L2: ridge, weight decay, circle.",
    ],
)
def test_a_bare_list_of_terms_is_read_as_one(answer: str) -> None:
    assert names_terms_only(answer)


@pytest.mark.parametrize(
    "answer",
    [
        "Temperature scales logits (low = sharper, high = flatter), top-k keeps k tokens, top-p adapts.",
        "Underfit = high train error, small gap -> more capacity. Overfit = big gap -> more data.",
        "Bagging averages trees. Random feature subsets decorrelate them, so variance falls further.",
        "bagging, bootstrap, subsets",  # too short to say
        # numbered steps are a procedure in order (an independent review)
        "Steps:\n1. Compute batch mean\n2. Compute batch variance\n3. Normalize\n4. Scale, shift\n5. Done",
    ],
)
def test_terse_answers_that_state_relations_are_no_term_list(answer: str) -> None:
    assert not names_terms_only(answer)


def test_a_list_is_no_term_list_when_the_question_asks_for_names() -> None:
    listed = "locality, weight sharing, translation equivariance, pooling, hierarchy, sparse connections"
    assert names_terms_only(listed, "Why do CNNs work on images?")
    assert not names_terms_only(listed, "Name the inductive biases of a CNN.")
    assert not names_terms_only(listed, "List what a CNN assumes about images.")


def test_no_labelled_correct_answer_nor_model_answer_reads_as_a_term_list() -> None:
    import json
    from pathlib import Path

    from benchmarks.grading import DEVELOPMENT, EXTRA, FORMULAS, HOLDOUT, builtin_specs, load_items

    answers = [i.answer for i in load_items(DEVELOPMENT + HOLDOUT + EXTRA + FORMULAS) if i.rating >= 3]
    answers += [s.answer for s in builtin_specs().values() if s.answer]
    probes = Path(__file__).parent / "data" / "grading_probes"
    for name in ("correct_c.json", "correct_d.json", "correct_e.json"):
        answers += [row[1] for row in json.loads((probes / name).read_text(encoding="utf-8"))]
    assert len(answers) > 900
    assert [a[:60] for a in answers if names_terms_only(a)] == []


def test_a_term_list_is_suggested_hard_at_most_and_told_why() -> None:
    """Word and meaning matching credit a list of terms with every point it names; an interviewer
    would not (an independent tester's keyword lists were suggested good or easy)."""
    from benchmarks.grading import builtin_specs
    from mockprep.core.embedding import load_wordllama
    from mockprep.core.grading import TERMS_ONLY, default_grader

    embedder = load_wordllama()
    grader = default_grader(lambda: embedder)
    question = builtin_specs()["deep-learning/batchnorm-train-eval"]
    terms = "batch mean, batch variance, gamma, beta, running averages, eval mode, SyncBN, GroupNorm, micro-batches"
    listed = grader.assess(question, terms)
    assert listed.suggested == 2 and listed.note == TERMS_ONLY and listed.ceiling == 2
    # ticking every point (the person's checklist) keeps the ceiling (an independent review: it went)
    assert rating_from_checklist([Verdict.COVERED] * len(listed.points), False, listed.ceiling) == 2
    said = grader.assess(question, question.answer)  # the same ground, said: no cap, no note
    assert (said.suggested or 0) >= 3 and said.note is None


def test_a_blank_answer_suggests_nothing_and_ticks_nothing() -> None:
    assessment = KeyPointGrader().assess(spec(["first point", "second point"]), "   \n")
    assert assessment.suggested is None
    assert [p.verdict for p in assessment.points] == [Verdict.MISSING, Verdict.MISSING]


def test_auto_graded_kinds_are_marked_not_judged() -> None:
    numeric = spec(["a", "b"], kind="numeric", value=0.5, tolerance=0.01)
    assessment = KeyPointGrader().assess(numeric, "0.5")
    assert assessment.auto is not None and assessment.auto.correct and assessment.suggested == 3
    assert assessment.points == () and assessment.coverage is None


C, P, M, X = Verdict.COVERED, Verdict.PARTLY, Verdict.MISSING, Verdict.CONTRADICTED


@pytest.mark.parametrize(
    ("verdicts", "overtime", "rating"),
    [
        ([C, C, C, C], False, 4),
        ([C, C, C, C], True, 3),
        ([C, C, C, M], False, 3),
        ([C, C, M, M], False, 2),
        ([C, M, M, M], False, 2),  # one point of four (or five) is half right: hard
        ([C, M, M, M, M, M], False, 1),
        ([C, C, M, M, M, X], False, 1),  # a quarter, with a point stated wrongly: again
        ([C, C, C, X], False, 2),
        ([C, C, C, C, X, X], False, 1),  # two points stated wrongly: again
        ([C, P], False, 3),
        ([], False, 1),
    ],
)
def test_rating_from_checklist(verdicts: list[Verdict], overtime: bool, rating: int) -> None:
    assert rating_from_checklist(verdicts, overtime) == rating


@given(st.lists(st.sampled_from(list(Verdict)), min_size=1, max_size=6), st.booleans())
def test_ticking_another_point_never_lowers_the_rating(verdicts: list[Verdict], overtime: bool) -> None:
    base = rating_from_checklist(verdicts, overtime)
    for index, verdict in enumerate(verdicts):
        if verdict is not Verdict.COVERED:
            better = [*verdicts[:index], Verdict.COVERED, *verdicts[index + 1 :]]
            assert rating_from_checklist(better, overtime) >= base


@given(st.text(max_size=400))
def test_the_judge_never_fails_on_any_text(answer: str) -> None:
    verdicts = judge(["first idea here", "σ² = E[x²] − μ²"], answer)
    assert len(verdicts) == 2 and all(0.0 <= v.probability <= 1.0 for v in verdicts)


def test_the_embedding_model_loads_from_the_installed_package_without_network(monkeypatch) -> None:
    import socket

    from mockprep.core.embedding import load_wordllama

    def no_network(*_args: object, **_kwargs: object) -> None:
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    embedder = load_wordllama()
    (row,) = embedder.similarities(["gradient of the loss"], ["the loss gradient", "a banana"])
    assert row[0] > row[1]


@pytest.mark.parametrize(
    ("digits", "spoken"),
    [
        ("Repeat scarce data up to about 4 epochs.", "Repeat scarce data up to about four epochs."),
        ("Weights come from 2 small proxy runs.", "Weights come from two small proxy runs."),
    ],
)
def test_numbers_in_words_are_judged_as_the_same_numbers_in_digits(digits: str, spoken: str) -> None:
    """Speech is transcribed with small numbers as words; a key point written with digits must not
    lose them (llms/data-mixtures: "four epochs" missed "up to about 4 epochs of repetition")."""
    from benchmarks.grading import builtin_specs
    from mockprep.core.embedding import load_wordllama
    from mockprep.core.grading import default_grader

    embedder = load_wordllama()
    grader = default_grader(lambda: embedder)
    question = builtin_specs()["llms/data-mixtures"]
    typed, said = grader.assess(question, digits), grader.assess(question, spoken)
    assert [p.verdict for p in said.points] == [p.verdict for p in typed.points]
    assert typed.suggested == said.suggested


def test_agreement_with_the_interviewer_on_the_development_set_holds_a_floor() -> None:
    """Measured by ``python -m benchmarks.grading`` (README: grading); this keeps it from regressing."""
    from benchmarks.grading import DEVELOPMENT, builtin_specs, evaluate, load_items
    from mockprep.core.embedding import load_wordllama
    from mockprep.core.grading import default_grader

    embedder = load_wordllama()
    grader = default_grader(lambda: embedder)
    report = evaluate(load_items(DEVELOPMENT), grader.assess, builtin_specs())
    own, standard = report.mean_by_style["own_words"][1], report.mean_by_style["standard"][1]
    assert own >= 3.2 and standard >= 3.75
    assert report.recall_own_words >= 0.72 and report.within_one >= 0.84
    # 2.67 with contradictions caught (3.40 before), 2.50 with changed formulas too, 2.05 with the banks'
    # misconceptions
    assert report.mean_by_style["wrong_vocab"][1] <= 2.15
    assert report.contradictions_found >= 0.20 and report.false_contradictions == 0


def test_agreement_on_the_hold_out_set_meets_the_issues_targets() -> None:
    """``python -m benchmarks.grading --holdout``: 30 questions never tuned on (the misconceptions of its
    questions were written without seeing its answers). Issue 13's targets: own words >= 3.0 with recall
    >= 0.7, standard terms >= 3.8, within one >= 0.8; keyword-stuffed wrong answers <= 2.5."""
    from benchmarks.grading import HOLDOUT, builtin_specs, evaluate, load_items
    from mockprep.core.embedding import load_wordllama
    from mockprep.core.grading import default_grader

    embedder = load_wordllama()
    grader = default_grader(lambda: embedder)
    report = evaluate(load_items(HOLDOUT), grader.assess, builtin_specs())
    assert report.mean_by_style["own_words"][1] >= 3.0 and report.recall_own_words >= 0.7
    assert report.mean_by_style["standard"][1] >= 3.8 and report.within_one >= 0.8
    assert report.mean_by_style["wrong_vocab"][1] <= 2.5 and report.false_contradictions == 0


def test_the_formula_set_holds_its_figures_and_no_correct_answer_is_contradicted() -> None:
    """``python -m benchmarks.grading --formulas``: 20 formula-heavy questions written after the formula
    check was designed (never fitted on); this keeps its figures from regressing."""
    from benchmarks.grading import FORMULAS, builtin_specs, evaluate, load_items
    from mockprep.core.embedding import load_wordllama
    from mockprep.core.grading import default_grader

    embedder = load_wordllama()
    grader = default_grader(lambda: embedder)
    report = evaluate(load_items(FORMULAS), grader.assess, builtin_specs())
    assert report.false_contradictions == 0 and report.within_one >= 0.82
    assert report.mean_by_style["own_words"][1] >= 3.8 and report.mean_by_style["standard"][1] >= 3.8
    assert report.mean_by_style["wrong_vocab"][1] <= 3.15  # 3.35 before the banks' misconceptions


def test_the_agreement_report_splits_own_words_recall_by_round() -> None:
    from types import SimpleNamespace

    from benchmarks.grading import Item, evaluate

    items = [
        Item("t/q", "own_words", 4, ("covered", "covered", "missing"), "a"),
        Item("b/q", "own_words", 4, ("covered", "covered"), "b"),
        Item("b/q", "standard", 4, ("covered", "covered"), "c"),
    ]
    ticks = {"a": ["covered", "missing", "covered"], "b": ["covered", "missing"], "c": ["missing", "missing"]}

    def assess(_spec: object, answer: str) -> SimpleNamespace:
        points = [SimpleNamespace(verdict=v) for v in ticks[answer]]
        return SimpleNamespace(suggested=3, points=points)

    report = evaluate(items, assess, {"t/q": None, "b/q": None}, {"t/q": "technical", "b/q": "behavioral"})
    assert report.own_words_by_round == {"behavioral": 0.5, "technical": 0.5}
    assert "own words recall by round: behavioral 0.50, technical 0.50" in report.lines()
    assert evaluate(items, assess, {"t/q": None, "b/q": None}).own_words_by_round == {}


def test_grade_command_prints_verdicts_evidence_and_suggestion(cli) -> None:
    answer = "Random feature subsets at each split decorrelate the trees, so averaging cuts variance."
    result = cli("grade", "classical-ml/random-forest-decorrelation", "--answer", answer)
    assert result.exit_code == 0, result.stderr
    assert "Suggested rating:" in result.stdout and "“" in result.stdout  # evidence is quoted
    as_json = cli("grade", "random-forest-decorrelation", "--json", input=answer)  # a bare id, stdin
    import json

    data = json.loads(as_json.stdout)
    assert data["question"] == "classical-ml/random-forest-decorrelation"
    assert {p["verdict"] for p in data["key_points"]} <= {"covered", "partly", "missing", "contradicted"}
    assert any(p["verdict"] == "covered" and p["evidence"] for p in data["key_points"])
    assert 1 <= data["suggested"] <= 4
    blank = json.loads(cli("grade", "random-forest-decorrelation", "--json", "--answer", "").stdout)
    assert blank["suggested"] is None


def test_a_story_answer_is_graded_with_the_caution_that_the_grader_misses_much_of_it(cli) -> None:
    """Behavioral and project key points say what a story shows; the offline grader finds about half of
    them in good answers (benchmarks/grading), so their checklist says so. Technical ones do not."""
    from mockprep.terminal.reveal import STORY_CAUTION

    story = "I asked each planner to rank two pumps before I showed the model's ranking; 6 of 8 used it."
    behavioral = cli("grade", "core-skills/explain-model-to-non-experts", "--answer", story)
    assert behavioral.exit_code == 0, behavioral.stderr
    assert " ".join(STORY_CAUTION.split()[:6]) in " ".join(behavioral.stdout.split())
    answer = "Random feature subsets at each split decorrelate the trees, so averaging cuts variance."
    technical = cli("grade", "classical-ml/random-forest-decorrelation", "--answer", answer)
    assert technical.exit_code == 0 and "Key points" in technical.stdout
    assert "misses many" not in technical.stdout
    blank = cli("grade", "core-skills/explain-model-to-non-experts", "--answer", "")
    assert "tick the ones you said" in blank.stdout and "misses many" not in blank.stdout


def test_a_key_points_formula_with_one_symbol_changed_is_contradicted_with_its_reason(cli) -> None:
    """statistics/type-errors-and-power: "power = 1 − α" states the point "power = 1 - β" wrongly."""
    import json

    right = (
        "A type I error rejects a true H0, probability α; a type II error misses a real effect, probability"
        " β. Power = 1 − β for the effect size we care about. With n fixed, lowering α lowers power; power"
        " rises with n, with the effect size and with lower variance."
    )
    wrong = right.replace("Power = 1 − β", "Power = 1 − α")
    graded = {
        text: json.loads(cli("grade", "statistics/type-errors-and-power", "--json", "--answer", text).stdout)
        for text in (right, wrong)
    }
    power = [p for p in graded[wrong]["key_points"] if p["point"].startswith("power = 1")][0]
    assert power["verdict"] == "contradicted"
    assert power["reason"] == "the answer has 1-α where the key point has 1-β"
    assert "1 − α" in power["evidence"]
    assert graded[wrong]["suggested"] <= 2 < graded[right]["suggested"]
    assert all(p["verdict"] != "contradicted" for p in graded[right]["key_points"])


def test_grade_command_reads_numbers_and_refuses_unknown_questions(cli) -> None:
    import json

    from mockprep.core.bank_files import load_banks
    from mockprep.paths import builtin_banks_dir

    banks, _ = load_banks([builtin_banks_dir()])
    numeric = next(q for b in banks for q in b.questions if q.spec.kind == "numeric")
    shown = f"working first: 12 = 3 * 4, so the answer is {numeric.spec.value!r}"
    data = json.loads(cli("grade", numeric.key, "--json", "--answer", shown).stdout)
    assert data["auto_grade"]["correct"] is True and data["suggested"] == 3
    unknown = cli("grade", "no-such-question", "--answer", "x")
    assert unknown.exit_code == 2 and unknown.stderr.count("\n") == 1


def test_grade_says_what_is_wrong_with_where_the_answer_comes_from(cli, tmp_path) -> None:
    key = "classical-ml/random-forest-decorrelation"
    missing = cli("grade", key, "--file", str(tmp_path / "nowhere.txt"))
    assert missing.exit_code == 2 and missing.stderr.strip().endswith("nowhere.txt: no such file")
    folder = cli("grade", key, "--file", str(tmp_path))
    assert folder.exit_code == 2 and folder.stderr.strip().endswith(": not a regular file")
    both = cli("grade", key, "--answer", "x", "--file", str(tmp_path))
    assert both.exit_code == 2 and "only one of --answer, --file or --audio" in both.stderr


def test_bank_validate_lints_key_points(cli, tmp_path) -> None:
    bank = tmp_path / "lint.toml"
    bank.write_text(
        'id = "lint"\ntitle = "L"\nround = "technical"\ntopic = "t"\n[[questions]]\nid = "q1"\n'
        'prompt = "P?"\nanswer = "The sky is blue because of Rayleigh scattering."\n'
        'key_points = ["?!", "Rayleigh scattering", "clouds are white", "Rayleigh  Scattering"]\n'
        'follow_ups = ["x?"]\n',
        encoding="utf-8",
    )
    result = cli("bank", "validate", str(bank))
    assert result.exit_code == 2
    assert "key point 1 '?!' has no word to match" in result.stderr
    assert "key point 4 'Rayleigh  Scattering' repeats key point 2" in result.stderr
    assert "note:" in result.stderr
    assert (
        "'clouds are white' is not covered by the question's own model answer: a session's grader (key"
        " points and meaning) finds it missing; use the answer's words" in (" ".join(result.stderr.split()))
    )
    assert "'Rayleigh scattering' is" not in result.stderr


def test_compounds_meet_whichever_side_writes_them_together() -> None:
    (verdict,) = judge(
        ["inform co-authors and re-run the evaluation"],
        "I told my coauthors and reran... no: I rerun the evaluation",
    )
    assert verdict.verdict == "covered"


def test_loading_the_meaning_model_leaves_logging_as_it_was() -> None:
    """wordllama's import calls logging.basicConfig(level=INFO): an HTTP client's INFO lines then
    printed in the middle of a session graded by a model."""
    import logging
    import subprocess
    import sys

    code = (
        "import logging\n"
        "from mockprep.core.embedding import load_wordllama\n"
        "load_wordllama()\n"
        "logging.getLogger('httpx').info('HTTP Request: POST ...')\n"
        "print(len(logging.getLogger().handlers), logging.getLogger().level)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["0", str(logging.WARNING)] and "HTTP Request" not in done.stderr


def test_texts_are_embedded_in_batches_of_like_length_with_the_same_vectors() -> None:
    from mockprep.core.embedding import _by_length, load_wordllama

    short, middling, whole = "a short one", "a sentence of middling length here", "long " * 600
    assert _by_length([whole, short, middling]) == [[short, middling], [whole]]
    together = load_wordllama().similarities([short], [short, middling, whole])
    apart = [load_wordllama().similarities([short], [text])[0][0] for text in (short, middling, whole)]
    assert together[0] == pytest.approx(apart, abs=1e-5)


class _LiteralEmbedder:
    """Similarity that reads the raw text, blank lines included (as a real model's tokenizer does)."""

    def similarities(self, left: list[str], right: list[str]) -> list[list[float]]:
        return [[0.9 if r == r.strip() else 0.1 for r in right] for _ in left]


@given(st.sampled_from(["", "\n", "\n\n", "  \n", "\t"]), st.sampled_from(["", "\n", " \n\n"]))
def test_blank_lines_around_an_answer_change_nothing(before: str, after: str) -> None:
    """Typed (stripped) and piped (a final newline) answers are graded alike: `mockprep grade` once
    judged a point partly covered that the session, given the same words, judged missing."""
    points = ["simple baseline shows complexity was earned", "real alternatives with reasons"]
    answer = "I compared a boosted baseline with a transformer. It handled long sequences."
    expected = [(j.probability, j.verdict) for j in judge(points, answer, _LiteralEmbedder())]
    got = [(j.probability, j.verdict) for j in judge(points, before + answer + after, _LiteralEmbedder())]
    assert got == expected


def test_a_passage_sharing_only_a_formulas_operators_does_not_cover_it() -> None:
    """'log' or 'times' alone ticked a formula point: an off-topic Dijkstra answer covered
    'H(p) = -sum p log p' with '... O of V plus E, log V', a dropout answer 'L1 = λ·sum |w|' with
    'At test time ...' (found by an exploratory tester answering aloud)."""
    entropy = "H(p) = -sum p log p; H(p,q) = -sum p log q"
    (off,) = judge([entropy], "With a binary heap the complexity is O of V plus E, log V.")
    assert off.verdict == "missing"
    (said,) = judge(
        [entropy], "Entropy H(p) is minus the sum of p log p, and H(p, q) is minus the sum of p log q."
    )
    assert said.verdict == "covered"
    penalty = "L1 = λ·sum |w|, L2 = λ·sum w^2"
    (off,) = judge([penalty], "At test time you scale the activations by the keep probability.")
    assert off.verdict == "missing"
