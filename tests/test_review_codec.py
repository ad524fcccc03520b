"""Reviews stored compactly (m015, db/review_codec.py): every answer, coverage and uid reads back exactly,
and a database migrated from schema 14 keeps each review's values."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockprep.core.ids import is_uid
from mockprep.db import export_lines, review_codec
from mockprep.db.migrations import MIGRATIONS
from mockprep.db.store import Store
from mockprep.db.sync_log import _review as sync_review
from mockprep.paths import DB_NAME

SCHEMAS = Path(__file__).parent / "fixtures" / "schemas"
V14 = [m.__name__ for m in MIGRATIONS].index("m015_compact_reviews")

# Any text a person might type or paste: unicode (lone surrogates too), control characters, long.
# (A lone surrogate is left unpacked: SQLite refuses it, as it always has.)
texts = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=5000),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF), max_size=300),
    st.builds(lambda word, n: word * n, st.text(min_size=1, max_size=20), st.integers(1, 3000)),
)
hex_uids = st.binary(min_size=16, max_size=16).map(bytes.hex)


@given(texts)
def test_an_answer_reads_back_exactly_and_is_never_stored_longer(answer: str) -> None:
    stored = review_codec.pack_answer(answer)
    assert review_codec.answer_text(stored) == answer
    if isinstance(stored, bytes):
        assert len(stored) < len(answer.encode("utf-8"))
    else:
        assert stored is answer  # kept as typed: the storage type tells the two apart


def test_short_answers_stay_text_and_repetitive_ones_shrink() -> None:
    assert review_codec.pack_answer("") == ""
    assert review_codec.pack_answer("O(n log n)") == "O(n log n)"
    packed = review_codec.pack_answer("an answer " * 8)
    assert isinstance(packed, bytes) and len(packed) < 20
    assert review_codec.answer_text(None) == ""
    lone = "\ud800 not encodable " * 4
    assert review_codec.pack_answer(lone) is lone


def _deflated(data: bytes) -> bytes:
    import zlib

    packer = zlib.compressobj(6, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush()


# Not deflate at all; a deflated answer cut short; deflated bytes that are not UTF-8.
DAMAGED = [b"\xff\xff\xff\xff\x00\x00", _deflated(b"an answer " * 8)[:-3], _deflated(b"\xff\xfe not text")]


@pytest.mark.parametrize("stored", DAMAGED, ids=["bad-block", "cut-off", "not-utf8"])
def test_a_damaged_stored_answer_is_a_database_error(stored: bytes) -> None:
    with pytest.raises(sqlite3.DatabaseError, match="a stored answer is damaged") as caught:
        review_codec.answer_text(stored)
    assert caught.value.sqlite_errorcode == 11  # read as a corrupt file is: one line naming it


@pytest.mark.parametrize(
    "args", [("export", "-o", "out.json"), ("history", "--csv", "-o", "log.csv"), ("history", "1")]
)
def test_a_damaged_answer_is_one_line_not_a_traceback(cli, home: Path, tmp_path: Path, args) -> None:
    result = cli(
        "session",
        "--limit",
        "1",
        input="a long answer that is long enough to be deflated " * 3 + "\n\n3\nq\n",
    )
    assert result.exit_code == 0, result.stderr
    with sqlite3.connect(home / DB_NAME) as con:
        assert con.execute("SELECT typeof(answer) FROM reviews").fetchone() == ("blob",)
        con.execute("UPDATE reviews SET answer = x'ffffffff0000'")
    con.close()
    out = [str(tmp_path / a) if a.endswith((".json", ".csv")) else a for a in args]
    result = cli(*out)
    assert result.exit_code == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "is not a usable mockprep database (a stored answer is damaged" in lines[0]


@given(st.none() | st.lists(st.booleans(), max_size=200))
def test_coverage_reads_back_exactly(coverage: list[bool] | None) -> None:
    stored = review_codec.pack_coverage(coverage)
    assert review_codec.coverage_list(stored) == coverage
    if coverage is not None:
        assert stored is not None and len(stored) == len(coverage)
        # what the export writes: json.dumps of the list, as before m015
        assert review_codec.coverage_json(stored) == review_codec.coverage_json(str(coverage).lower())


def test_coverage_in_the_json_form_before_m015_still_reads() -> None:
    assert review_codec.coverage_list("[true, false, true]") == [True, False, True]
    assert review_codec.coverage_list("[]") == [] == review_codec.coverage_list("")
    assert review_codec.coverage_json("[false, true]") == "[false, true]" == review_codec.coverage_json("01")
    assert review_codec.coverage_json(None) == "null"


@given(hex_uids)
def test_a_uid_is_stored_as_its_16_bytes_and_reads_back_as_hex(uid: str) -> None:
    stored = review_codec.pack_uid(uid)
    assert isinstance(stored, bytes) and len(stored) == 16
    assert review_codec.uid_hex(stored) == uid


@given(st.none() | st.text().filter(lambda s: not is_uid(s)))
def test_anything_that_is_not_a_hex_uid_is_kept_as_it_is(uid: str | None) -> None:
    assert review_codec.pack_uid(uid) == uid
    assert review_codec.uid_hex(review_codec.pack_uid(uid)) == uid


@given(st.lists(st.tuples(texts, hex_uids), min_size=1, max_size=5))
@settings(max_examples=20, deadline=None)
def test_sql_reads_the_stored_forms_as_text(rows: list[tuple[str, str]]) -> None:
    """The export builds each review's JSON in SQL: it must see the same text and hex the codec gives."""
    con = sqlite3.connect(":memory:")
    review_codec.register(con)
    con.execute("CREATE TABLE reviews (answer TEXT NOT NULL DEFAULT '', uid TEXT)")
    packed = [(review_codec.pack_answer(a), review_codec.pack_uid(u)) for a, u in rows]
    con.executemany("INSERT INTO reviews VALUES (?, ?)", packed)
    answer_sql = review_codec.SQL_ANSWER.format("answer")
    uid_sql = review_codec.SQL_UID.format("uid")
    read = con.execute(
        f"SELECT {answer_sql}, {uid_sql}, typeof(answer) FROM reviews ORDER BY rowid"
    ).fetchall()
    assert [(a, u) for a, u, _ in read] == rows
    # TEXT affinity keeps a BLOB a BLOB: nothing converts a packed answer behind the codec's back
    assert [t for *_, t in read] == ["blob" if isinstance(a, bytes) else "text" for a, _ in packed]


# -- the migration ---------------------------------------------------------------------------------


def _schema_14(path: Path, reviews: list[tuple[str, str | None, str]]) -> None:
    """A database at schema 14 with one question and these (answer, coverage JSON, uid) reviews."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("CREATE TABLE migrations (name TEXT PRIMARY KEY, applied_at DATETIME NOT NULL)")
    db.execute("BEGIN")
    for migration in MIGRATIONS[:V14]:
        migration(db.cursor())
        db.execute("INSERT INTO migrations VALUES (?, '2026-01-05 10:00:00.000000')", (migration.__name__,))
    db.execute("INSERT INTO banks VALUES ('b', 'B', 'ml', '', '[]', '/b.toml', 0, 'h', 0, '2026-01-05')")
    db.execute(
        "INSERT INTO questions (id, key, bank_id, round, topic, difficulty, kind, data, added_at)"
        " VALUES (1, 'b/q', 'b', 'ml', 't', 1, 'open', '{}', '2026-01-05 10:00:00.000000')"
    )
    db.execute("INSERT INTO cards (question_id, state, due) VALUES (1, 0, '2026-01-05 10:00:00.000000')")
    db.executemany(
        "INSERT INTO reviews (question_id, rated_at, rating, state_before, answer, duration_ms, coverage, uid)"
        " VALUES (1, '2026-01-06 10:00:00.000000', 3, 0, ?, 1000, ?, ?)",
        reviews,
    )
    db.execute("COMMIT")
    db.close()


@given(
    st.lists(
        st.tuples(
            st.text(alphabet=st.characters(codec="utf-8"), max_size=400) | st.just("an answer " * 8),
            st.none() | st.lists(st.booleans(), max_size=8).map(lambda c: str(c).lower()),
            hex_uids,
        ),
        max_size=12,
        unique_by=lambda r: r[2],
    )
)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_migration_keeps_every_reviews_answer_coverage_and_uid(
    tmp_path_factory: pytest.TempPathFactory, reviews: list[tuple[str, str | None, str]]
) -> None:
    home = tmp_path_factory.mktemp("home")
    _schema_14(home / DB_NAME, reviews)
    with Store.open(home, backups=False) as store:
        stored = store.conn.exec_driver_sql("SELECT answer, coverage, uid FROM reviews ORDER BY id").all()
        assert [
            (
                review_codec.answer_text(a),
                review_codec.coverage_json(c) if c is not None else None,
                review_codec.uid_hex(u),
            )
            for a, c, u in stored
        ] == reviews
        assert all(isinstance(u, bytes) for _a, _c, u in stored)
        assert all(c is None or not c.startswith("[") for _a, c, _u in stored)


def test_the_migration_is_announced_on_a_long_log_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mockprep.db import upgrade

    told: list[str] = []
    # m015's line alone: the later migrations share its threshold and would be announced too.
    monkeypatch.setattr(upgrade, "NOTICES", {"m015_compact_reviews": upgrade.NOTICES["m015_compact_reviews"]})
    for name, threshold in (("short", 10), ("long", 2)):
        monkeypatch.setattr(upgrade, "SLOW_MIGRATION_REVIEWS", threshold)
        home = tmp_path / name
        home.mkdir()
        _schema_14(home / DB_NAME, [("a", None, f"{i:032x}") for i in range(3)])
        Store.open(home, backups=False, notice=told.append).close()
    assert told == ["Compacting 3 reviews to take less room (once; about 20 s a million)..."]


def test_the_schema_14_fixture_exports_the_same_reviews_after_the_migration(tmp_path: Path) -> None:
    """A v14 home's reviews, read raw, are what the migrated home hands to exports and sync events."""
    shutil.copy(SCHEMAS / f"schema-v{V14}.db", tmp_path / DB_NAME)
    raw = sqlite3.connect(tmp_path / DB_NAME)
    before = raw.execute("SELECT id, answer, coverage, uid FROM reviews ORDER BY id").fetchall()
    raw.close()
    with Store.open(tmp_path, backups=False) as store:
        for rid, answer, coverage, uid in before:
            exported = export_lines.review(store.conn.raw, rid)
            assert (exported["answer"], exported["uid"]) == (answer, uid)
            assert exported["coverage"] == (
                None if coverage is None else review_codec.coverage_list(coverage)
            )
            event = sync_review(store.conn.raw, rid)
            assert event is not None and (event["uid"], event["answer"]) == (uid, answer)
        # A review deleted after the migration leaves its tombstone in the hex form sync files use.
        with store.write() as conn:
            conn.exec_driver_sql("DELETE FROM reviews WHERE id = 3")
        assert store.conn.exec_driver_sql(
            "SELECT uid FROM sync_deleted WHERE uid = '0123456789abcdef0123456789abcdef'"
        ).all() == [("0123456789abcdef0123456789abcdef",)]
