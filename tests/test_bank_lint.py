"""bank validate's note on key points a question's own model answer does not cover agrees with the
grader a session uses (found by an exploratory tester: 'deviation from the mean' was noted as missing
by the word-only grader while `mockprep grade` ticked it by meaning, so the note's advice could not be
followed), and grading many model answers embeds their texts in batches."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockprep.core.bank_files import load_banks
from mockprep.core.bank_lint import lint_bank
from mockprep.core.grading import Verdict, default_grader
from mockprep.core.keypoints import judge
from mockprep.paths import builtin_banks_dir

BANK = """id = "lint"
title = "L"
round = "technical"
topic = "stats"

[[questions]]
id = "a"
prompt = "What is variance?"
answer = "Expected squared deviation from the mean."
key_points = ["expected squared deviation", "deviation from the mean"]

[[questions]]
id = "b"
prompt = "Why is the sky blue?"
answer = "Rayleigh scattering sends short wavelengths sideways."
key_points = ["Rayleigh scattering", "clouds are white"]
"""


@pytest.fixture(scope="module")
def embedder():
    from mockprep.core.embedding import load_wordllama

    return load_wordllama()


def _covered(grader, spec) -> dict[int, str]:
    """Key point number -> verdict, of the points the grader does not find covered by the model answer."""
    points = grader.assess(spec, spec.answer).points
    return {n: p.verdict.value for n, p in enumerate(points, start=1) if p.verdict is not Verdict.COVERED}


def _noted(notes) -> set[tuple[str, int]]:
    return {(n.question, int(n.message.split()[2])) for n in notes if "is not covered" in n.message}


@pytest.mark.parametrize("with_meaning", [True, False])
def test_the_note_is_about_exactly_the_points_a_sessions_grader_leaves_unticked(
    embedder, with_meaning: bool, tmp_path: Path
) -> None:
    """Over the built-in banks and a small one: a note for a point iff the grader passed in (as a
    session's) does not cover it with the model answer, naming that grader."""
    path = tmp_path / "lint.toml"
    path.write_text(BANK, encoding="utf-8")
    banks, problems = load_banks([builtin_banks_dir(), path])
    assert not problems
    grader = default_grader(lambda: embedder) if with_meaning else default_grader()
    for bank in banks:
        _found, notes = lint_bank(bank, grader)
        expected = {
            (q.spec.id, n) for q in bank.questions if q.spec.kind == "open" for n in _covered(grader, q.spec)
        }
        assert _noted(notes) == expected, bank.id
        named = "key points and meaning" if with_meaning else "key points"
        assert all(
            f"a session's grader ({named}) finds it" in n.message for n in notes if "covered" in n.message
        )


def test_a_point_the_session_ticks_by_meaning_gets_no_note(cli, tmp_path: Path) -> None:
    path = tmp_path / "lint.toml"
    path.write_text(BANK, encoding="utf-8")
    assert cli("bank", "add", str(path)).exit_code == 0
    graded = cli("grade", "lint/a", "--answer", "Expected squared deviation from the mean.", "--json")
    assert [p["verdict"] for p in json.loads(graded.stdout)["key_points"]] == ["covered", "covered"]
    validated = cli("bank", "validate", str(path))
    stderr = " ".join(validated.stderr.split())
    assert validated.exit_code == 0
    assert "'deviation from the mean' is not covered" not in stderr  # the session ticks it
    assert "'clouds are white' is not covered" in stderr  # nothing ticks it
    # with the word-only grader chosen, the note and the session agree on that grader's verdict
    words = " ".join(cli("-c", "grader=words", "bank", "validate", str(path)).stderr.split())
    answer = "Expected squared deviation from the mean."
    graded = json.loads(cli("-c", "grader=words", "grade", "lint/a", "--answer", answer, "--json").stdout)
    verdict = graded["key_points"][1]["verdict"]
    said = "'deviation from the mean' is not covered by the question's own model answer"
    assert (said in words) is (verdict != "covered")
    assert all("a session's grader (key points) finds it" in line for line in [words] if said in words)


class _OneCallEach:
    """A meaning model that counts its calls and embeds nothing ahead (no warm)."""

    def __init__(self, inner):
        self.inner, self.calls = inner, 0

    def similarities(self, left, right):
        self.calls += 1
        return self.inner.similarities(left, right)


def test_warming_many_answers_changes_no_verdict(embedder) -> None:
    banks, _problems = load_banks([builtin_banks_dir()])
    bank = max(banks, key=lambda b: len(b.questions))
    plain = _OneCallEach(embedder)
    assert lint_bank(bank, default_grader(lambda: embedder)) == lint_bank(bank, default_grader(lambda: plain))
    assert plain.calls >= len([q for q in bank.questions if q.spec.kind == "open"])


@given(st.sampled_from(["mean", "sum", "max", "min", "log"]))
def test_a_points_own_word_that_names_an_operator_still_counts_by_words(operator: str) -> None:
    """The word-only grader took 'mean', the one word of 'deviation from the mean' no other key point
    has, for a formula's operator said alone, so the model answer left the point missing."""
    points = ["expected squared deviation", f"deviation from the {operator}"]
    judged = judge(points, f"Expected squared deviation from the {operator}.", prompt="What is variance?")
    assert [j.verdict for j in judged] == ["covered", "covered"]


NUMBERS_ONLY = """id = "nums"
title = "N"
round = "technical"
topic = "basics"

[[questions]]
id = "bits"
kind = "numeric"
prompt = "How many bits are in 3 bytes?"
value = 24
answer = "24 bits."
key_points = ["eight bits a byte", "three bytes"]
"""


class _Loader:
    """Stands in for the process's meaning-model loader, recording whether anything asked for it."""

    def __init__(self) -> None:
        self.started = 0

    def start(self) -> _Loader:
        self.started += 1
        return self

    def get(self, _timeout: float) -> None:
        self.started += 1
        return None


@pytest.mark.parametrize(("bank", "loads"), [(NUMBERS_ONLY, False), (BANK, True)])
def test_the_meaning_model_loads_only_for_a_bank_with_an_open_question(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bank: str, loads: bool
) -> None:
    """bank validate grades only open questions' model answers: a bank without one never loads the
    meaning model (found by an independent review of d60c839: peak memory 67 -> 182 MB)."""
    import mockprep.core.embedding

    loader = _Loader()
    monkeypatch.setattr(mockprep.core.embedding, "shared_loader", lambda: loader)
    path = tmp_path / "bank.toml"
    path.write_text(bank, encoding="utf-8")
    assert cli("bank", "validate", str(path)).exit_code == 0
    assert (loader.started > 0) is loads


class _Cache:
    """A meaning model that records each warm batch and every text asked for outside one."""

    def __init__(self) -> None:
        self.batches: list[int] = []
        self.warmed: set[str] = set()
        self.unwarmed = 0

    def warm(self, texts: list[str]) -> None:
        self.batches.append(len(texts))
        self.warmed = set(texts)  # a batch replaces the one before, as a cache that fills up would

    def similarities(self, left: list[str], right: list[str]) -> list[list[float]]:
        self.unwarmed += len(set(left + right) - self.warmed)
        return [[0.5] * len(right) for _ in left]


def test_a_warm_batch_fits_the_cache_and_holds_what_grading_reads(tmp_path: Path) -> None:
    """300 long model answers hold more texts than the meaning model caches (4,096): each batch is sized
    by its texts, not its questions, and every text a grading reads was embedded in the batch before
    it (found by an independent review of d60c839)."""
    from mockprep.core.embedding import CACHED

    sentence = "Each step of the method reduces the error of the estimate by a further margin {}. "
    questions = "\n".join(
        f'[[questions]]\nid = "q{i}"\nprompt = "Question {i}?"\nanswer = """'
        + "".join(sentence.format(j) for j in range(20))
        + f'"""\nkey_points = ["reduces the error {i}", "a further margin {i}"]\n'
        for i in range(300)
    )
    text = 'id = "long"\ntitle = "L"\nround = "technical"\ntopic = "t"\n\n' + questions
    from mockprep.core.bank_files import load_bank_file

    path = tmp_path / "long.toml"
    path.write_text(text, encoding="utf-8")
    bank = load_bank_file(path)
    cache = _Cache()
    lint_bank(bank, default_grader(lambda: cache))
    assert sum(cache.batches) > CACHED  # more than one cache's worth in all
    assert max(cache.batches) <= CACHED // 2
    assert cache.unwarmed == 0
