"""How often the grader's proposal was what the person confirmed (``mockprep stats``: Grader)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, timedelta
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from mockprep.core.grader_agreement import GradedReview, agreement
from mockprep.core.questions import QuestionFilter
from mockprep.core.records import ReviewRecord
from mockprep.core.stats import StatsFilter
from mockprep.db.store import Store
from mockprep.services.bank_sync import sync_banks
from mockprep.services.reports import collect
from tests.conftest import START, write_bank

C, M, P, X = "covered", "missing", "partly", "contradicted"


def _row(proposed, checklist, suggested, rating) -> GradedReview:
    return GradedReview(proposed, checklist, suggested, rating)


def test_agreement_counts_ticks_kept_and_found_and_ratings() -> None:
    rows = [
        _row([C, C, M], [C, M, M], 4, 3),  # one of its ticks undone
        _row([M, P, X], [C, P, X], 2, 2),  # the person ticked one it had not
        _row([C, C], [C, C], None, 4),  # no rating was suggested
        _row([C, M], [C], 3, 3),  # lengths differ: not comparable, left out
        _row(None, [C], 3, 3),
        GradedReview([C, 3], [C, M], 3, 3),  # not verdicts: left out
    ]
    figures = agreement(rows)
    assert figures["answers"] == 3 and figures["key_points"] == 8
    assert figures["points_as_proposed"] == 75.0  # 6 of 8 points as proposed
    assert figures["ticks_kept"] == 75.0  # it ticked 4, the person kept 3
    assert figures["ticks_found"] == 75.0  # the person ticked 4, it had ticked 3
    assert figures["suggestions"] == 2
    assert figures["rating_as_suggested"] == 50.0 and figures["rating_within_one"] == 100.0


def test_kept_is_the_share_of_its_ticks_and_found_the_share_of_yours() -> None:
    figures = agreement([_row([C, C, C, M], [C, M, M, M], 4, 2)])  # it ticked 3, you kept 1
    assert figures["ticks_kept"] == round(100 / 3, 1) and figures["ticks_found"] == 100.0
    assert figures["points_as_proposed"] == 50.0 and figures["rating_within_one"] == 0.0
    # a partly or contradicted point set to missing is a change, though neither was ticked
    assert agreement([_row([P, X], [M, M], 2, 2)])["points_as_proposed"] == 0.0


def test_no_graded_answers_gives_no_shares() -> None:
    figures = agreement([])
    assert figures["answers"] == 0
    assert figures["points_as_proposed"] is None and figures["rating_as_suggested"] is None


_VERDICTS = st.sampled_from([C, M, P, X])


@given(
    st.lists(
        st.tuples(
            st.lists(_VERDICTS, min_size=1, max_size=6), st.integers(1, 4), st.integers(1, 4), st.booleans()
        ),
        max_size=20,
    )
)
def test_a_person_who_confirms_everything_agrees_fully(answers) -> None:
    rows = [_row(points, points, s, s if same else r) for points, s, r, same in answers]
    figures = agreement(rows)
    assert figures["answers"] == len(answers)
    if answers:
        assert figures["points_as_proposed"] == 100.0
        assert figures["ticks_kept"] in (100.0, None) and figures["ticks_found"] in (100.0, None)
        exact = sum(s == (s if same else r) for _p, s, r, same in answers)
        assert figures["rating_as_suggested"] == round(100 * exact / len(answers), 1)


@contextmanager
def _home(tmp_path: Path, reviews: list[dict]) -> Iterator[Store]:
    """A home with one bank and one rated review per dict (its ReviewRecord fields), a minute apart."""
    write_bank(tmp_path / "b.toml", "agree-bank", "technical", n=len(reviews))
    with Store.open(tmp_path, backups=False) as store:
        store.banks.add_source(tmp_path / "b.toml", START)
        sync_banks(store, START)
        qids = store.cards.new_question_ids(QuestionFilter())[: len(reviews)]
        for i, (qid, fields) in enumerate(zip(qids, reviews, strict=True)):
            at = START + timedelta(minutes=i)
            fields = {"rating": 3, "answer": "an answer", "proposed": [C, C, M], **fields}
            store.cards.record_review(
                ReviewRecord(qid, None, store.cards.card(qid), at, state_before=0, duration_ms=900, **fields)
            )
        yield store


def test_stats_report_the_recent_graded_answers(tmp_path: Path) -> None:
    reviews = [
        {"suggested": 4, "rating": 4, "checklist": [C, C, C]},
        {"suggested": 3, "rating": 2, "checklist": [C, M, M]},
        {"suggested": 2, "rating": 2},  # the checklist was never shown
    ]
    with _home(tmp_path, reviews) as store:
        assert len(store.stats.graded_reviews(StatsFilter(), recent=2)) == 1  # only the last two reviews
        figures = collect(store, START + timedelta(hours=1), UTC)["grader"]
    assert figures["answers"] == 2 and figures["key_points"] == 6
    assert figures["points_as_proposed"] == round(100 * 4 / 6, 1)
    assert figures["rating_as_suggested"] == 50.0


def test_stats_show_the_grader_section_only_with_graded_answers(cli) -> None:
    result = cli("stats")
    assert result.exit_code == 0 and "Grader" not in result.stdout


def test_the_grader_section_prints_its_figures() -> None:
    from rich.console import Console

    from mockprep.terminal.stats import _render_grader

    console = Console(width=120, record=True, color_system=None)
    _render_grader(console, agreement([_row([C, C, C, M], [C, M, M, M], 4, 2), _row([C], [C], 3, 3)]))
    out = console.export_text()
    assert "Grader  2 recent graded answers" in out
    assert "Key points as it proposed: 60%" in out and "its ticks you kept: 50%" in out
    assert "your ticks it had made: 100%" in out
    assert "Your rating was its suggestion: 50% · within one step: 50%" in out


def test_a_blank_answer_is_no_verdict_of_the_grader(tmp_path: Path) -> None:
    blank = {"answer": "  \n", "suggested": 3, "proposed": [M, M, M], "checklist": [C, C, M]}
    with _home(tmp_path, [blank, {**blank, "answer": "an answer"}]) as store:
        assert len(store.stats.graded_reviews(StatsFilter())) == 1


def test_a_models_checklist_is_the_one_compared_when_a_model_graded(tmp_path: Path) -> None:
    graded = {"suggested": 4, "proposed": [M, M, M], "checklist": [C, C, C], "model": "m"}
    with _home(tmp_path, [{**graded, "model_proposed": [C, C, C]}]) as store:
        figures = agreement(store.stats.graded_reviews(StatsFilter()))
    assert figures["points_as_proposed"] == 100.0
