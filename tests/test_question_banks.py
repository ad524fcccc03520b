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

TECHNICAL_TOPICS = (
    "ml-fundamentals",
    "classical-ml",
    "deep-learning",
    "modern-architectures",
    "statistics",
    "math-for-ml",
    "python-coding",
    "algorithms",
    "research-practice",
    "ml-systems",
)


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
    assert len(technical) >= 250
    topics = Counter(q.topic for q in technical)
    for topic in TECHNICAL_TOPICS:
        assert topics[topic] >= 25, topic
        difficulties = {q.spec.difficulty for q in technical if q.topic == topic}
        assert difficulties == {1, 2, 3}, topic
    auto = [q for q in technical if q.spec.kind != "open"]
    assert len(auto) >= 40
    assert len({q.topic for q in auto}) >= 8  # spread over the topics, not bunched


def test_project_round(questions: list[Question]) -> None:
    project = by_round(questions, "project")
    assert len(project) >= 40
    assert all(q.spec.follow_ups for q in project)
    assert {q.spec.difficulty for q in project} == {1, 2, 3}


def test_behavioral_round_covers_ten_competencies(questions: list[Question]) -> None:
    behavioral = by_round(questions, "behavioral")
    assert len(behavioral) >= 60
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


def _tfidf_vectors(texts: list[str]) -> list[dict[str, float]]:
    docs = [Counter(re.findall(r"[a-z0-9]+", t.lower())) for t in texts]
    df = Counter(w for d in docs for w in d)
    vectors = []
    for d in docs:
        v = {w: c * math.log(len(docs) / df[w]) for w, c in d.items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        vectors.append({w: x / norm for w, x in v.items()})
    return vectors


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


def test_the_readme_example_bank_is_valid(tmp_path: Path) -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```toml\n(.*?)```", readme, re.S)
    assert block is not None
    path = tmp_path / "example.toml"
    path.write_text(block.group(1), encoding="utf-8")
    bank = load_bank_file(path)
    assert [q.spec.kind for q in bank.questions] == ["open", "choice", "numeric"]
