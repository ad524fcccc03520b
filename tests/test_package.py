"""Packages (`export --package`, `import FILE.mockprep`): what travels, what stays with the device, and
every file that is refused is named in one line with nothing imported."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
from datetime import timedelta
from pathlib import Path

import pytest
from fsrs import Rating

from mockprep.core.questions import QuestionFilter
from mockprep.core.records import ReviewRecord
from mockprep.core.scheduler import make_scheduler, review
from mockprep.core.stories import StoryDraft
from mockprep.db import stats_rollup
from mockprep.db.migrations import MIGRATIONS
from mockprep.db.package import import_package, records, write_package
from mockprep.db.store import Store
from mockprep.paths import DB_NAME
from mockprep.services.bank_sync import sync_banks
from tests.conftest import FIXTURES, START
from tests.test_exchange import export_text

ROLLUP = ("stats_days", "stats_topic_days", "stats_topic_months", "stats_times")


def answered(store: Store, count: int = 6) -> None:
    """A session with ``count`` answers over several days, and a story."""
    sync_banks(store, START)
    ids = store.cards.new_question_ids(QuestionFilter())
    session = store.sessions.start("drill", {}, START, 4242)
    scheduler = make_scheduler(0.9)
    now = START
    for n in range(count):
        now += timedelta(hours=9)
        qid = ids[n % 3]
        card = store.cards.card(qid)
        rating = (Rating.Again, Rating.Good, Rating.Easy)[n % 3]
        state = 0 if card.last_review is None else card.state.value
        store.cards.record_review(
            ReviewRecord(
                qid, session, review(scheduler, card, rating, now), now, int(rating), state, f"a{n}", 900
            )
        )
    draft = {"title": "Outage", "competencies": ["ownership"], "situation": "s", "task": "t", "action": "a"}
    store.stories.create(StoryDraft.from_dict({**draft, "result": "r", "reflection": ""}), now)


@pytest.fixture
def package(tmp_path: Path) -> Path:
    with Store.open(tmp_path / "source", backups=False) as store:
        answered(store)
        store.conn.raw.execute("INSERT INTO sync_device (id, name, recording) VALUES ('dev-a', 'laptop', 1)")
        store.conn.raw.execute("INSERT INTO sync_changes (kind, row_id) VALUES ('review', 1)")
        path = tmp_path / "mine.mockprep"
        counts = write_package(store, path, START, "test")
    assert counts == {"questions": counts["questions"], "reviews": 6, "sessions": 1, "stories": 1}
    return path


def rows(path: Path, sql: str) -> list[tuple]:
    con = sqlite3.connect(path)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_a_package_leaves_the_device_behind(package: Path) -> None:
    """What belongs to the device that wrote it (its sync state, its session processes) is not in it."""
    assert rows(package, "SELECT COUNT(*) FROM sync_device") == [(0,)]
    assert rows(package, "SELECT COUNT(*) FROM sync_changes") == [(0,)]
    assert rows(package, "SELECT pid FROM sessions") == [(None,)]
    assert rows(package, "SELECT format, mockprep FROM mockprep_package") == [("mockprep-package", "test")]


def test_import_keeps_the_homes_device_and_gives_the_same_export(package: Path, tmp_path: Path) -> None:
    with Store.open(tmp_path / "source", backups=False) as store:
        expected = export_text(store)
    with Store.open(tmp_path / "new", backups=False) as store:
        store.conn.raw.execute("INSERT INTO sync_device (id, name) VALUES ('dev-b', 'desktop')")
        counts = import_package(store, package)
        assert export_text(store) == expected
        assert counts["reviews"] == 6 and counts["stories"] == 1
    db = tmp_path / "new" / DB_NAME
    assert rows(db, "SELECT id, name FROM sync_device") == [("dev-b", "desktop")]
    assert rows(db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'mockprep_package'") == [(0,)]
    assert not list((tmp_path / "new").glob(".import-partial*"))


def test_a_current_package_is_read_where_it_is_and_nothing_is_written_beside_it(
    package: Path, tmp_path: Path, monkeypatch
) -> None:
    """A package of this version is not copied first (a million reviews: 200 MB less to write), and
    reading it leaves its folder as it was; one with a journal beside it is copied."""
    import mockprep.db.package as package_module

    copies: list[Path] = []
    real_copy = package_module.copy_database
    monkeypatch.setattr(package_module, "copy_database", lambda a, b: (copies.append(a), real_copy(a, b)))
    before = (package.read_bytes(), sorted(p.name for p in package.parent.glob(f"{package.name}*")))
    with Store.open(tmp_path / "new", backups=False) as store:
        assert import_package(store, package)["reviews"] == 6
    assert (package.read_bytes(), sorted(p.name for p in package.parent.glob(f"{package.name}*"))) == before
    assert copies == []
    Path(f"{package}-journal").write_bytes(b"")  # (an empty journal: nothing to roll back)
    with Store.open(tmp_path / "again", backups=False) as store:
        assert import_package(store, package)["reviews"] == 6
    assert copies == [package]


def test_a_file_put_in_the_packages_place_during_the_import_is_not_read(
    package: Path, tmp_path: Path, monkeypatch
) -> None:
    """The rows are copied, counted and checked from one file: replacing the package meanwhile (a sync
    tool, a new export) changes nothing of what is imported."""
    import mockprep.db.package as package_module

    other = broken(shutil.copy(package, tmp_path / "other.mockprep"), "UPDATE reviews SET rating = 9")
    real_work = package_module.WorkerJobs

    def swapped(*args, **kwargs):
        os.replace(other, package)  # after the import has opened the package, before the checks do
        return real_work(*args, **kwargs)

    monkeypatch.setattr(package_module, "WorkerJobs", swapped)
    with Store.open(tmp_path / "new", backups=False) as store:
        assert import_package(store, package)["reviews"] == 6
        assert {r for (r,) in store.conn.raw.execute("SELECT rating FROM reviews")} <= {1, 2, 3, 4}


def test_the_roll_up_is_recounted_for_the_homes_time_zone(package: Path, tmp_path: Path) -> None:
    """The package's days were counted in UTC; a home nine hours east gets its own local days."""
    with Store.open(tmp_path / "new", backups=False) as store:
        raw = store.conn.raw
        raw.execute("UPDATE stats_zone SET minutes = 540")
        import_package(store, package)
        raw = store.conn.raw  # (a new connection, to the new file)
        imported = {t: sorted(raw.execute(f"SELECT * FROM {t}").fetchall()) for t in ROLLUP}
        assert raw.execute("SELECT minutes FROM stats_zone").fetchall() == [(540,)]
        raw.execute("BEGIN")
        stats_rollup.rebuild(raw)
        rebuilt = {t: sorted(raw.execute(f"SELECT * FROM {t}").fetchall()) for t in ROLLUP}
        raw.execute("ROLLBACK")
    assert imported == rebuilt
    utc = {t: sorted(rows(package, f"SELECT * FROM {t}")) for t in ROLLUP}
    assert utc["stats_days"] != imported["stats_days"]  # (the answers at 18:00 UTC move to the next day)


def test_a_home_with_history_is_refused(package: Path, cli) -> None:
    assert cli("import", str(package)).exit_code == 0
    result = cli("import", str(package))
    assert result.exit_code != 0
    assert "already holds 6 reviews" in result.stderr and "--merge" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_home_that_syncs_is_refused(package: Path, home: Path) -> None:
    with Store.open(home, backups=False) as store:
        store.conn.raw.execute("INSERT INTO sync_device (id, name, recording) VALUES ('d', 'n', 1)")
        with pytest.raises(Exception, match="syncs with a folder"):
            import_package(store, package)
        assert store.bulk.user_data() == {"reviews": 0, "sessions": 0, "stories": 0}
        # A merge of it is not refused there (README "Packages": only the plain import is).
        sync_banks(store, START)
        with records(package, home, START, "test") as (head, questions):
            assert store.bulk.merge_data(head, questions, START + timedelta(days=9)).reviews == 6


def broken(package: Path, sql: str) -> Path:
    con = sqlite3.connect(package)
    for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        con.execute(f'DROP TRIGGER "{name}"')  # (the roll-up's would refuse a time that is not one)
    con.executescript(sql)
    con.commit()
    con.close()
    return package


@pytest.mark.parametrize(
    ("sql", "named"),
    [
        ("UPDATE reviews SET rating = 7 WHERE id = 2", "reviews row 2: rating 7 is not valid"),
        ("UPDATE reviews SET rated_us = 'yesterday' WHERE id = 3", "reviews row 3: rated_us 'yesterday'"),
        ("UPDATE reviews SET rated_us = -1 WHERE id = 3", "reviews row 3: rated_us -1 is not valid"),
        ("UPDATE reviews SET uid = 'x' WHERE id = 4", "reviews row 4: uid 'x' is not valid"),
        (  # no unique index refuses it since m022: the checks do
            "UPDATE reviews SET uid = (SELECT uid FROM reviews WHERE id = 1) WHERE id = 4",
            "reviews: uid ",
        ),
        ("UPDATE reviews SET question_id = 99999 WHERE id = 5", "reviews row 5 refers to a row of questions"),
        ("UPDATE reviews SET session_id = 777 WHERE id = 2", "reviews row 2 refers to a row of sessions"),
        (
            "UPDATE reviews SET params_id = 555 WHERE id = 3",
            "reviews row 3 refers to a row of scheduler_params",
        ),
        ("UPDATE story_versions SET story_id = 99", "story_versions row 1 refers to a row of stories"),
        (  # a file that declares no references of its cards is checked all the same
            "PRAGMA writable_schema = ON; UPDATE sqlite_master SET sql = replace(sql,"
            " 'REFERENCES questions(id)', '') WHERE name = 'cards'; PRAGMA writable_schema = OFF;"
            " UPDATE cards SET question_id = 88888 WHERE question_id = 1",
            "refers to a row of questions that is not there",
        ),
        (
            'CREATE TABLE "odd""name" (x REFERENCES questions(id)); INSERT INTO "odd""name" VALUES (99999)',
            'odd"name row 1 refers to a row of questions',
        ),
        (
            "INSERT INTO migrations VALUES ('m999_future', '2030-01-01')",
            "written by a newer mockprep (schema m999",
        ),
        ("DROP TABLE migrations", "not a mockprep package (no such table: migrations)"),
        ("UPDATE cards SET state = 0 WHERE question_id = 1", "cards row 1: state 0 is not valid"),
        ("UPDATE questions SET data = '{not json' WHERE id = 2", "questions row 2: data '{not json'"),
        ("UPDATE sessions SET started_at = 'garbage'", "sessions row 1: started_at 'garbage' is not valid"),
        ("UPDATE reviews SET delivery = '[' WHERE id = 1", "reviews row 1: delivery '[' is not valid"),
        ("DELETE FROM cards WHERE question_id = 1", "question 1 has reviews but no card"),
        ("DROP TABLE plans", "has no table plans, which mockprep keeps"),
        ("ALTER TABLE sessions DROP COLUMN minutes", "table sessions has no column minutes"),
        (
            "UPDATE cards SET due = '2461000.5' WHERE question_id = 1",
            "cards row 1: due 2461000.5 is not valid",
        ),
        ("UPDATE questions SET data = '[]' WHERE id = 1", "questions row 1: data '[]' is not valid"),
        ("UPDATE sessions SET filters = '[1]'", "sessions row 1: filters '[1]' is not valid"),
        ("DELETE FROM migrations WHERE name = 'm016_time_keys'", "its schema cannot be brought up to date"),
        # m019's packed forms: a grader's code, verdict characters, a card of 35 bytes
        ("UPDATE reviews SET grader = x'09' WHERE id = 2", "reviews row 2: grader b'\\t' is not valid"),
        ("UPDATE reviews SET proposed = '+?' WHERE id = 3", "reviews row 3: proposed '+?' is not valid"),
        ("UPDATE reviews SET checklist = x'2b' WHERE id = 3", "reviews row 3: checklist b'+' is not valid"),
        ("UPDATE reviews SET card_before = x'0102' WHERE id = 4", "reviews row 4: card_before b'\\x01\\x02'"),
    ],
)
def test_a_bad_package_is_named_and_nothing_is_imported(package: Path, cli, home: Path, sql, named) -> None:
    result = cli("import", str(broken(package, sql)))
    assert result.exit_code != 0
    assert result.stderr.count("\n") == 1 and named in result.stderr and str(package) in result.stderr
    assert "nothing imported" in result.stderr and "Traceback" not in result.stderr
    with Store.open(home, backups=False) as store:
        assert store.bulk.user_data() == {"reviews": 0, "sessions": 0, "stories": 0}


def test_a_truncated_package_is_named(package: Path, cli, tmp_path: Path) -> None:
    cut = tmp_path / "cut.mockprep"
    cut.write_bytes(package.read_bytes()[:6000])
    result = cli("import", str(cut))
    assert (
        result.exit_code != 0 and "cut.mockprep: not a" in result.stderr and "Traceback" not in result.stderr
    )


@pytest.mark.parametrize("version", [1, 9, len(MIGRATIONS) - 1])
def test_an_older_database_imports_as_if_migrated_here(version: int, tmp_path: Path) -> None:
    """A backup or home from an older mockprep is a package too: migrated in the copy, not in place."""
    source = FIXTURES / "schemas" / f"schema-v{version}.db"
    old = tmp_path / "old"
    old.mkdir()
    shutil.copy(source, old / DB_NAME)
    with Store.open(old, backups=False) as store:
        expected = export_text(store)
    before = source.read_bytes()
    with Store.open(tmp_path / "new", backups=False) as store:
        import_package(store, source)
        assert export_text(store) == expected
    assert source.read_bytes() == before


def test_merge_reads_a_package_as_its_export(package: Path, tmp_path: Path) -> None:
    with Store.open(tmp_path / "source", backups=False) as store:
        (tmp_path / "x.json").write_text(export_text(store), encoding="utf-8")
    with Store.open(tmp_path / "base", backups=False) as store:
        answered(store, 2)  # a home with a history of its own, the same in both (its uids are random)
    results = []
    for name in ("json", "package"):
        shutil.copytree(tmp_path / "base", tmp_path / name)
        with Store.open(tmp_path / name, backups=False) as store:
            if name == "json":
                from mockprep.services.exchange import read_export

                head, questions = read_export(tmp_path / "x.json")
                summary = store.bulk.merge_data(head, questions, START + timedelta(days=9))
            else:
                with records(package, tmp_path / name, START, "test") as (head, questions):
                    summary = store.bulk.merge_data(head, questions, START + timedelta(days=9))
            results.append((summary, json.loads(export_text(store))))
    assert results[0] == results[1]
    assert results[1][0].reviews == 6
    assert not list((tmp_path / "package").glob(".package-*"))


def test_cli_round_trip_and_refusals(cli, tmp_path: Path, monkeypatch) -> None:
    with Store.open(tmp_path / "source", backups=False) as store:
        answered(store)
    monkeypatch.setenv("MOCKPREP_HOME", str(tmp_path / "source"))
    out = tmp_path / "all.mockprep"
    result = cli("export", "-o", str(out))
    assert result.exit_code == 0 and "6 reviews" in result.stderr
    assert cli("export", "-o", str(out)).exit_code != 0  # exists: --force to replace it
    assert cli("export", "-o", str(out), "--force").exit_code == 0
    assert "not a stream" in cli("export", "--package", "-o", "-").stderr
    assert "leave out one" in cli("export", "--package", "-z", "-o", str(tmp_path / "p")).stderr
    monkeypatch.setenv("MOCKPREP_HOME", str(tmp_path / "fresh"))
    result = cli("import", str(out))
    assert result.exit_code == 0, result.stderr
    assert "6 reviews, 1 session and 1 story" in result.stdout


def test_a_package_that_is_not_a_database_is_read_as_json(cli, tmp_path: Path) -> None:
    fake = tmp_path / "fake.mockprep"
    fake.write_text("not json at all", encoding="utf-8")
    result = cli("import", str(fake))
    assert result.exit_code != 0 and "fake.mockprep" in result.stderr and "Traceback" not in result.stderr


def triggers_and_indexes(db: Path) -> list[tuple]:
    return rows(db, "SELECT type, name, sql FROM sqlite_master WHERE type IN ('trigger', 'index') ORDER BY 2")


def test_nothing_of_a_packages_schema_is_trusted(package: Path, tmp_path: Path) -> None:
    """A file's own triggers (here one that would send every answer to a folder of its choosing), views
    and tables never reach the home; the home's triggers and indexes are what the new database has."""
    broken(
        package,
        "CREATE TRIGGER zz AFTER INSERT ON reviews BEGIN UPDATE sync_device SET folder = '/elsewhere'; END",
    )
    con = sqlite3.connect(package)
    con.executescript(
        "CREATE TRIGGER yy AFTER UPDATE ON sessions BEGIN DELETE FROM reviews; END;"
        "CREATE VIEW vv AS SELECT 1; CREATE TABLE users (email TEXT); DROP INDEX reviews_rated;"
        "CREATE INDEX extra ON reviews(answer); UPDATE sessions SET pid = 77;"
    )
    con.commit()
    con.close()
    with Store.open(tmp_path / "new", backups=False) as store:
        expected = triggers_and_indexes(store.path)
        import_package(store, package)
    db = tmp_path / "new" / DB_NAME
    assert triggers_and_indexes(db) == expected
    names = {r[0] for r in rows(db, "SELECT name FROM sqlite_master")}
    assert not names & {"zz", "yy", "vv", "users", "extra"}
    assert rows(db, "SELECT pid FROM sessions") == [(None,)]


def test_a_roll_up_that_does_not_add_up_is_counted_again(package: Path, tmp_path: Path) -> None:
    broken(package, "UPDATE stats_days SET answers = 999")
    with Store.open(tmp_path / "new", backups=False) as store:
        import_package(store, package)
        raw = store.conn.raw
        assert raw.execute("SELECT SUM(answers) FROM stats_days").fetchone() == (6,)


def test_a_json_import_into_a_home_that_syncs_records_every_review_and_keeps_its_schema(
    package: Path, tmp_path: Path
) -> None:
    """The review log's indexes and idle triggers are off while an import copies the reviews; in a home
    that records changes for a sync folder the change trigger is not idle: each imported review is
    recorded to be sent, and every trigger and index is there again afterwards."""
    from mockprep.services.exchange import read_export

    with Store.open(tmp_path / "source", backups=False) as store:
        path = tmp_path / "export.json"
        path.write_text(export_text(store), encoding="utf-8")
    for syncs in (False, True):
        with Store.open(tmp_path / f"home-{syncs}", backups=False) as store:
            if syncs:
                store.conn.raw.execute("INSERT INTO sync_device (id, name, recording) VALUES ('d', 'n', 1)")
            expected = triggers_and_indexes(store.path)
            head, questions = read_export(path)
            store.bulk.import_data(head, questions)
            sent = rows(store.path, "SELECT row_id FROM sync_changes WHERE kind = 'review' ORDER BY row_id")
            reviews = rows(store.path, "SELECT id FROM reviews ORDER BY id")
        assert len(reviews) == 6 and sent == (reviews if syncs else [])
        assert triggers_and_indexes(tmp_path / f"home-{syncs}" / DB_NAME) == expected


def test_export_temporary_files_are_private_from_the_start(
    cli, home: Path, tmp_path: Path, monkeypatch
) -> None:
    from mockprep.db import driver

    assert cli("session", "--limit", "1", input="answer\n\n3\n").exit_code == 0
    modes: dict[str, int] = {}
    real_exec, real_replace = driver.Connection.exec_driver_sql, os.replace

    def exec_sql(self, sql, params=()):
        result = real_exec(self, sql, params)
        if sql.startswith("VACUUM INTO"):  # the package's copy is written, not yet changed
            modes["package"] = stat.S_IMODE(os.stat(params[0]).st_mode)
        return result

    def replace(src, dst, **kwargs):
        if str(src).endswith(".partial"):
            modes[Path(dst).suffix] = stat.S_IMODE(os.stat(src).st_mode)
        return real_replace(src, dst, **kwargs)

    monkeypatch.setattr(driver.Connection, "exec_driver_sql", exec_sql)
    monkeypatch.setattr(os, "replace", replace)
    old_umask = os.umask(0o022)
    try:
        for name in ("x.mockprep", "x.json", "x.json.gz"):
            result = cli("export", "-o", str(tmp_path / name))
            assert result.exit_code == 0, result.stderr
    finally:
        os.umask(old_umask)
    assert modes == {"package": 0o600, ".mockprep": 0o600, ".json": 0o600, ".gz": 0o600}
