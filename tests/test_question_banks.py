"""The shipped banks: valid, big enough, spread over topics, roles and difficulty, and not repetitive."""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from pathlib import Path

import pytest

from mockprep.core.bank_files import load_bank_file, load_banks
from mockprep.core.banks import COMPETENCIES, KNOWN_ROLES, Question
from mockprep.paths import builtin_banks_dir

# topic -> the fewest questions it must have (issue 18: the whole research-scientist loop)
TECHNICAL_TOPICS = {
    "ml-fundamentals": 25,
    "classical-ml": 25,
    "deep-learning": 25,
    "modern-architectures": 25,
    "statistics": 25,
    "math-for-ml": 25,
    "python-coding": 25,
    "algorithms": 25,
    "research-practice": 25,
    "ml-systems": 25,
    "reinforcement-learning": 28,
    "llms": 28,
    "generative-models": 28,
    "nlp": 28,
    "computer-vision": 28,
    "ml-system-design": 20,
    "paper-critique": 15,
    "probabilistic-ml": 20,
    "data-science": 25,
    "ml-engineering": 20,
}


@pytest.fixture(scope="module")
def questions() -> list[Question]:
    banks, problems = load_banks([builtin_banks_dir()])
    assert problems == []
    return [q for bank in banks for q in bank.questions]


def by_round(questions: list[Question], round: str) -> list[Question]:
    return [q for q in questions if q.round == round]


def test_every_shipped_bank_is_valid_and_keys_unique(questions: list[Question]) -> None:
    keys = [q.key for q in questions]
    assert len(keys) == len(set(keys))


def test_technical_round_counts(questions: list[Question]) -> None:
    technical = by_round(questions, "technical")
    assert len(technical) >= 560
    topics = Counter(q.topic for q in technical)
    assert len(topics) >= 16
    for topic, least in TECHNICAL_TOPICS.items():
        assert topics[topic] >= least, topic
        difficulties = {q.spec.difficulty for q in technical if q.topic == topic}
        assert difficulties == {1, 2, 3}, topic
    auto = [q for q in questions if q.spec.kind in ("choice", "numeric")]
    assert len(auto) >= 130
    assert len({q.topic for q in auto}) >= 14  # spread over the topics, not bunched


def test_every_question_has_follow_ups(questions: list[Question]) -> None:
    assert [q.key for q in questions if not q.spec.follow_ups] == []


def test_choice_answers_are_spread_over_the_letters(questions: list[Question]) -> None:
    letters = Counter(q.spec.correct for q in questions if q.spec.kind == "choice")
    assert max(letters.values()) <= 0.35 * sum(letters.values()), letters


def test_project_round(questions: list[Question]) -> None:
    project = by_round(questions, "project")
    assert len(project) >= 55
    assert all(q.spec.follow_ups for q in project)
    assert {q.spec.difficulty for q in project} == {1, 2, 3}


def test_behavioral_round_covers_ten_competencies(questions: list[Question]) -> None:
    behavioral = by_round(questions, "behavioral")
    assert len(behavioral) >= 90
    assert sum(q.bank_id == "research-behavioral" for q in behavioral) >= 20
    counts = Counter(c for q in behavioral for c in q.spec.competencies)
    for competency in COMPETENCIES:
        assert counts[competency] >= 5, competency


def test_every_question_has_a_role_and_each_role_gets_every_round(
    questions: list[Question],
) -> None:
    assert all(q.roles for q in questions)
    for role in KNOWN_ROLES:
        for round in ("technical", "project", "behavioral"):
            assert sum(role in q.roles for q in by_round(questions, round)) >= 20, (role, round)


def test_each_role_gets_its_own_mix(questions: list[Question]) -> None:
    """At least 200 questions per role, and no two roles share more than 70% of the smaller one's."""
    sets = {role: {q.key for q in questions if role in q.roles} for role in KNOWN_ROLES}
    assert all(len(keys) >= 200 for keys in sets.values()), {r: len(k) for r, k in sets.items()}
    for a, b in itertools.combinations(KNOWN_ROLES, 2):
        shared = len(sets[a] & sets[b]) / min(len(sets[a]), len(sets[b]))
        assert shared <= 0.70, (a, b, round(shared, 2))


def _tfidf_vectors(texts: list[str]) -> list[dict[str, float]]:
    docs = [Counter(re.findall(r"[a-z0-9]+", t.lower())) for t in texts]
    df = Counter(w for d in docs for w in d)
    vectors = []
    for d in docs:
        v = {w: c * math.log(len(docs) / df[w]) for w, c in d.items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        vectors.append({w: x / norm for w, x in v.items()})
    return vectors


def test_a_question_about_ones_own_paper_is_for_research_roles_only(questions: list[Question]) -> None:
    """Found by an exploratory tester: "Every number in your paper is computed correctly..." was drawn
    for --role ml-engineer; a question about the person's own paper is a researcher's."""
    research = {"ml-researcher", "research-scientist"}
    own_paper = re.compile(r"\b(your|this) paper\b", re.IGNORECASE)
    about_papers = [q for q in questions if own_paper.search(q.spec.prompt)]
    assert about_papers and all(set(q.roles) <= research for q in about_papers), [
        (q.key, q.roles) for q in about_papers if not set(q.roles) <= research
    ]


def test_no_near_duplicate_questions(questions: list[Question]) -> None:
    """Normalised text similarity (TF-IDF cosine of prompt and key points) stays below 0.6 for every pair."""
    texts = [q.spec.prompt + " " + " ".join(q.spec.key_points) for q in questions]
    vectors = _tfidf_vectors(texts)
    close = []
    for i, j in itertools.combinations(range(len(questions)), 2):
        a, b = sorted((vectors[i], vectors[j]), key=len)
        similarity = sum(x * b.get(w, 0.0) for w, x in a.items())
        if similarity >= 0.6:
            close.append((round(similarity, 2), questions[i].key, questions[j].key))
    assert close == []


def test_every_model_answer_is_credited_by_the_grader(questions: list[Question]) -> None:
    """Pasting a question's own model answer covers all its key points and is suggested good or easy."""
    from mockprep.core.embedding import load_wordllama
    from mockprep.core.grading import default_grader

    embedder = load_wordllama()
    grader = default_grader(lambda: embedder)
    short = []
    for q in questions:
        if q.spec.kind != "open":
            continue
        assessment = grader.assess(q.spec, q.spec.answer)
        missed = [p.point for p in assessment.points if p.verdict != "covered"]
        if missed or (assessment.suggested or 0) < 3:
            short.append((q.key, assessment.suggested, missed))
    assert short == []


def test_the_readme_example_bank_is_valid(tmp_path: Path) -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```toml\n(.*?)```", readme, re.S)
    assert block is not None
    path = tmp_path / "example.toml"
    path.write_text(block.group(1), encoding="utf-8")
    bank = load_bank_file(path)
    assert [q.spec.kind for q in bank.questions] == ["open", "choice", "numeric"]


def test_the_readme_names_every_field_a_bank_file_may_have() -> None:
    """Found by an exploratory tester: `imports` (what code answering a question may import, NumPy by
    default) was in `bank schema` but not in "Writing your own bank", which says any other field is an
    error, so a bank author could not find out how to forbid NumPy."""
    from mockprep.core.banks import BankSpec, CodeTestModel, QuestionModel

    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    start = readme.index("### Writing your own bank")
    section = readme[start : readme.index("\n## ", start)]
    fields = [*BankSpec.model_fields, *QuestionModel.model_fields, *CodeTestModel.model_fields]
    unnamed = [
        name
        for name in fields
        if not re.search(rf"`{name}`|`{name} =|^(# )?{name} =|\[\[(questions\.)?{name}\]\]", section, re.M)
    ]
    assert unnamed == []
