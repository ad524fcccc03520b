"""Export → import → export is identical, for generated histories (hypothesis), through JSON and packages."""

from __future__ import annotations

import io
import json
import shutil
import tempfile
from datetime import date, timedelta
from pathlib import Path

from fsrs import Rating
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockprep.core.delivery import Delivery
from mockprep.core.questions import QuestionFilter
from mockprep.core.records import MockAnswerRecord, ReviewRecord
from mockprep.core.scheduler import FSRS6_WEIGHTS, LEGACY_PARAMS, make_scheduler, review
from mockprep.core.stories import StoryDraft
from mockprep.db.package import import_package, write_package
from mockprep.db.store import Store
from mockprep.services import bank_sync
from mockprep.services.bank_sync import sync_banks
from mockprep.services.exchange import read_export, write_export
from tests.conftest import START, write_bank

answers = st.lists(
    st.tuples(
        st.integers(0, 4),  # which question
        st.sampled_from(list(Rating)),
        st.integers(0, 60 * 24 * 20),  # minutes since the previous answer
        st.text(max_size=40),  # answer text, any Unicode
        st.one_of(st.none(), st.integers(5_000, 400_000)),  # time limit
        st.lists(st.booleans(), max_size=3),
        st.one_of(
            st.none(),
            st.builds(
                Delivery,
                *[st.floats(0, 9e6)] * 2,
                st.integers(0, 10**6),
                st.dictionaries(st.text(min_size=1, max_size=12), st.integers(1, 99), max_size=3).map(
                    lambda d: tuple(d.items())
                ),
                st.lists(st.floats(0, 9e6), max_size=4).map(tuple),
            ),
        ),  # a spoken answer's delivery
        st.sampled_from([None, "gpt-4o-mini", "qwen3:8b", "modèle-ü"]),  # a language model's verdict
    ),
    max_size=25,
)
stories = st.lists(
    st.tuples(
        st.text(min_size=1, max_size=20),
        st.lists(st.text(max_size=30), min_size=1, max_size=3),
        st.booleans(),
    ),
    max_size=3,
)


GRADERS = ("key points and meaning", "lexical", "a grader of my own ✓", None)
VERDICT_LISTS = (["covered", "partly"], [], ["missing", "contradicted", "covered"])


def export_text(store: Store) -> str:
    out = io.StringIO()
    write_export(store, out, START + timedelta(days=999), "test")
    return out.getvalue()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answers, stories, st.booleans())
def test_export_import_export_is_identical(log, drafts, mock) -> None:
    saved = bank_sync.builtin_files
    bank_sync.builtin_files = lambda: []  # only the generated bank: faster, same code path
    root = Path(tempfile.mkdtemp(prefix="mockprep-exchange-"))
    try:
        (root / "banks").mkdir()
        write_bank(root / "banks" / "b.toml", "gen", n=5)
        with Store.open(root / "a", backups=False) as store:
            store.banks.add_source(root / "banks", START)
            sync_banks(store, START)
            ids = store.cards.new_question_ids(QuestionFilter())
            session = store.sessions.start(
                "mock" if mock else "drill",
                {"rounds": ["technical"]},
                START,
                1,
                round="technical" if mock else None,
            )
            scheduler = make_scheduler(0.9)
            params_id = store.scheduling.params_id(LEGACY_PARAMS, START)
            store.plans.add(date(2026, 4, 1), "onsite", "ml-researcher", ("technical",), START)
            # a fit within fsrs's bounds: the ratings below, made with other weights, replay under it
            fitted = [0.3, 1.0, 2.0, 7.0, *FSRS6_WEIGHTS[4:]]
            store.scheduling.record_fit(fitted, 900, (0.41, 0.3), (0.38, 0.28), START, adopt=True)
            now = START
            for position, (pick, rating, gap, text, limit, coverage, spoken, model) in enumerate(
                log, start=1
            ):
                now += timedelta(minutes=gap)
                qid = ids[pick % len(ids)]
                card = store.cards.card(qid)
                mock_id = None
                if mock:
                    mock_id = store.sessions.add_mock_answer(
                        MockAnswerRecord(
                            session,
                            qid,
                            position,
                            now,
                            text,
                            1000,
                            limit,
                            coverage,
                            "Follow-up?",
                            spoken,
                            model,
                        )
                    )
                    # the reply's time against the follow-up's limit (m030), none when untimed
                    store.sessions.set_follow_up_answer(mock_id, text[::-1], 1000 * position, limit)
                store.cards.record_review(
                    ReviewRecord(
                        qid,
                        session,
                        review(scheduler, card, rating, now),
                        now,
                        int(rating),
                        0 if card.last_review is None else card.state.value,
                        text,
                        1234,
                        limit,
                        coverage or None,
                        int(rating),
                        mock_answer_id=mock_id,
                        cram=position % 3 == 0,
                        params_id=None if position % 3 == 0 else params_id,
                        delivery=spoken,
                        # what the grader proposed and the person confirmed (m019 packs them)
                        grader=GRADERS[position % len(GRADERS)],
                        proposed=None if position % 4 == 0 else VERDICT_LISTS[position % 3],
                        checklist=None if position % 5 == 0 else VERDICT_LISTS[(position + 1) % 3],
                        model=model,
                        model_proposed=None if model is None else ["covered", "contradicted"],
                        model_suggested=None if model is None else int(rating),
                        model_errors=None if model is None else [f"“{text}” — not so", "ü"],
                    )
                )
            store.sessions.end(session, "completed", now)
            for title, parts, linked in drafts:
                draft = {
                    "title": title,
                    "competencies": ["ownership"],
                    "situation": parts[0],
                    "task": "",
                    "action": parts[-1],
                    "result": "",
                    "reflection": "",
                }
                story = store.stories.create(StoryDraft.from_dict(draft), now)
                for extra in parts[1:]:
                    store.stories.save_version(
                        story, StoryDraft.from_dict({**draft, "task": extra}), now + timedelta(hours=1)
                    )
                if linked:
                    store.stories.link(story, "gen/q1", now)
                store.stories.add_rehearsal(story, 1, now, 90_000, 120_000)
                told = Delivery(61.5, 58.25, 140, (("um", 2), ("you know", 1)), (2.5,))
                store.stories.add_rehearsal(story, 1, now, 61_500, 120_000, f"um {title}", told)
            first = export_text(store)
        models = [entry[-1] for entry in log if entry[-1] is not None]
        exported = json.loads(first)
        reviews = [r for q in exported["questions"] for r in q["reviews"]]
        # a language model's verdict (m012) travels with its review, and a follow-up's author with it
        assert sorted(r["model"] for r in reviews if "model" in r) == sorted(models)
        assert all(r["model_proposed"] == ["covered", "contradicted"] for r in reviews if "model" in r)
        written = [m.get("follow_up_model") for m in exported.get("mock_answers", [])]
        assert sorted(filter(None, written)) == (sorted(models) if mock else [])
        replies = [(m["follow_up_ms"], m.get("follow_up_limit_ms")) for m in exported.get("mock_answers", [])]
        assert replies == ([(1000 * p, entry[4]) for p, entry in enumerate(log, start=1)] if mock else [])
        path = root / "export.json"
        path.write_text(first, encoding="utf-8")
        with Store.open(root / "b", backups=False) as other:
            head, questions = read_export(path)
            other.bulk.import_data(head, questions)
            second = export_text(other)
        assert json.loads(second) == json.loads(first)
        assert second == first  # byte for byte, not just equal as data
        # The same home as a package (a database file) imports to the same export, byte for byte.
        with Store.open(root / "a", backups=False) as store:
            write_package(store, root / "a.mockprep", START, "test")
        with Store.open(root / "c", backups=False) as other:
            import_package(other, root / "a.mockprep")
            assert export_text(other) == first
        exported = json.loads(first)
        assert (
            exported["plans"][0]["label"] == "onsite" and exported["fitted_parameters"][0]["reviews"] == 900
        )
        reviews = [r for q in exported["questions"] for r in q["reviews"]]
        assert all(r.get("cram", False) == ("params" not in r) for r in reviews)
    finally:
        bank_sync.builtin_files = saved
        shutil.rmtree(root, ignore_errors=True)


def test_an_export_reformatted_by_another_tool_still_imports(tmp_path: Path) -> None:
    """Keys in another order (e.g. `jq -S`) take the slower path through every event, with the same result."""
    with Store.open(tmp_path / "a", backups=False) as store:
        sync_banks(store, START)
        qid = store.cards.new_question_ids(QuestionFilter())[0]
        store.cards.record_review(
            ReviewRecord(
                qid,
                None,
                review(make_scheduler(0.9), store.cards.card(qid), Rating.Good, START),
                START,
                3,
                0,
                "x",
                10,
            )
        )
        original = json.loads(export_text(store))
    path = tmp_path / "sorted.json"
    path.write_text(json.dumps(original, sort_keys=True, indent=4), encoding="utf-8")
    with Store.open(tmp_path / "b", backups=False) as other:
        head, questions = read_export(path)
        other.bulk.import_data(head, questions)
        assert json.loads(export_text(other)) == original
