"""A story's links in the export: when each was made and which were removed travel with it, as they do in
a sync line, so that a plain import keeps their times and a merge takes the later change of each link
(found by an exploratory tester: a link made again after an unlink was lost on import --merge, which
said "nothing new", and a plain import dated every link at its story's creation)."""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockprep.db.sql import iso, must_time
from mockprep.db.store import Store
from mockprep.services.exchange import read_export, write_export
from tests.conftest import START
from tests.devices import Device

NOW = START + timedelta(days=999)


def export_of(store: Store, path: Path) -> Path:
    out = io.StringIO()
    write_export(store, out, NOW, "test")
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def merge_file(store: Store, path: Path):
    head, questions = read_export(path)
    return store.bulk.merge_data(head, questions, NOW)


def story_of(device: Device) -> int:
    return device.store.q("SELECT id FROM stories").scalar_one()


def link_state(store: Store) -> dict[str, tuple[str, datetime]]:
    """Each question key of the one story: ("linked", when) or ("unlinked", when)."""
    state = {
        key: ("linked", must_time(at))
        for key, at in store.q("SELECT question_key, linked_at FROM story_links").all()
    }
    for key, at in store.q("SELECT question_key, removed_at FROM story_unlinks").all():
        assert key not in state, f"{key} both linked and unlinked"
        state[key] = ("unlinked", must_time(at))
    return state


def copies(devices, tmp_path: Path, *names: str) -> tuple[list[Device], list[str]]:
    """Devices holding one home's story, linked to its first question at START (the first device made it,
    the others merged its export), and the bank's question keys."""
    made = [devices(name) for name in names]
    first = made[0]
    first.write_story("Outage", "I rolled back", START)
    keys = list(first.store.q("SELECT key FROM questions ORDER BY key").scalars().all())
    first.store.stories.link(story_of(first), keys[0], START)
    file = export_of(first.store, tmp_path / "first.json")
    for other in made[1:]:
        merge_file(other.store, file)
    return made, keys


def test_a_link_made_again_after_an_unlink_survives_a_merge_into_a_copy_that_unlinked_earlier(
    devices, tmp_path: Path
) -> None:
    (a, b), keys = copies(devices, tmp_path, "a", "b")
    assert link_state(b.store) == link_state(a.store) == {keys[0]: ("linked", START)}
    a.store.stories.unlink(story_of(a), keys[0], START + timedelta(hours=1))
    b.store.stories.unlink(story_of(b), keys[0], START + timedelta(hours=2))
    b.store.stories.link(story_of(b), keys[0], START + timedelta(days=1))
    into_a = merge_file(a.store, export_of(b.store, tmp_path / "b.json"))
    assert into_a.links == 1 and into_a.added()
    into_b = merge_file(b.store, export_of(a.store, tmp_path / "a.json"))
    assert not into_b.added() and not into_b.deleted  # the link there is later than this unlink
    assert link_state(a.store) == link_state(b.store) == {keys[0]: ("linked", START + timedelta(days=1))}


def test_an_unlink_later_than_the_other_copys_link_removes_it_on_merge(devices, tmp_path: Path) -> None:
    (a, b), keys = copies(devices, tmp_path, "a", "b")
    b.store.stories.unlink(story_of(b), keys[0], START + timedelta(hours=2))
    b.store.stories.link(story_of(b), keys[0], START + timedelta(hours=3))
    a.store.stories.unlink(story_of(a), keys[0], START + timedelta(hours=4))
    into_b = merge_file(b.store, export_of(a.store, tmp_path / "a.json"))
    assert into_b.deleted == 1
    merge_file(a.store, export_of(b.store, tmp_path / "b.json"))
    assert link_state(a.store) == link_state(b.store) == {keys[0]: ("unlinked", START + timedelta(hours=4))}


def test_a_plain_import_keeps_when_each_link_was_made_and_the_links_removed(devices, tmp_path: Path) -> None:
    (a,), keys = copies(devices, tmp_path, "a")
    a.store.stories.link(story_of(a), keys[1], START + timedelta(days=2))
    a.store.stories.link(story_of(a), keys[2], START + timedelta(days=3))
    a.store.stories.unlink(story_of(a), keys[2], START + timedelta(days=4))
    file = export_of(a.store, tmp_path / "a.json")
    story = json.loads(file.read_text())["stories"][0]
    assert story["links"] == keys[:2]
    with Store.open(tmp_path / "restored", backups=False) as restored:
        head, questions = read_export(file)
        restored.bulk.import_data(head, questions)
        assert link_state(restored) == link_state(a.store)
        assert link_state(restored) == {
            keys[0]: ("linked", START),
            keys[1]: ("linked", START + timedelta(days=2)),
            keys[2]: ("unlinked", START + timedelta(days=4)),
        }


def test_an_export_from_before_link_times_still_imports_and_merges(devices, tmp_path: Path) -> None:
    (a,), keys = copies(devices, tmp_path, "a")
    a.store.stories.link(story_of(a), keys[1], START + timedelta(days=2))
    doc = json.loads(export_of(a.store, tmp_path / "a.json").read_text())
    for story in doc["stories"]:
        story.pop("linked_at", None)
        story.pop("unlinked", None)
    old = tmp_path / "old.json"
    old.write_text(json.dumps(doc), encoding="utf-8")
    with Store.open(tmp_path / "restored", backups=False) as restored:
        head, questions = read_export(old)
        restored.bulk.import_data(head, questions)
        # (links dated at their story's creation, as such a file always was)
        assert link_state(restored) == {keys[0]: ("linked", START), keys[1]: ("linked", START)}
    assert not merge_file(a.store, old).added()  # nothing new: the links are here


def test_a_link_time_or_removal_that_is_wrong_is_named_and_nothing_is_imported(
    devices, tmp_path: Path
) -> None:
    from mockprep.core.field_checks import RecordProblem

    (a,), keys = copies(devices, tmp_path, "a")
    doc = json.loads(export_of(a.store, tmp_path / "a.json").read_text())
    cases = [
        ("linked_at", {keys[0]: "yesterday"}, f"stories[0].linked_at.{keys[0]}: must be an ISO 8601 time"),
        ("linked_at", {keys[1]: iso(START)}, f"stories[0].linked_at.{keys[1]}: not one of the story's links"),
        ("unlinked", {keys[0]: iso(START)}, f"stories[0].unlinked.{keys[0]}: also one of the story's links"),
        ("unlinked", [keys[1]], "stories[0].unlinked: must be an object"),
    ]
    for index, (field, value, said) in enumerate(cases):
        bad = json.loads(json.dumps(doc))
        bad["stories"][0][field] = value
        path = tmp_path / f"bad{index}.json"
        path.write_text(json.dumps(bad), encoding="utf-8")
        with Store.open(tmp_path / f"empty{index}", backups=False) as empty:
            head, questions = read_export(path)
            try:
                empty.bulk.import_data(head, questions)
            except RecordProblem as problem:
                assert str(problem).startswith(said), str(problem)
            else:
                raise AssertionError(f"{field}={value!r} was imported")
            assert empty.q("SELECT COUNT(*) FROM stories").scalar_one() == 0


# Each copy's changes to the story's links: (copy, link or not, question, hours after START).
changes = st.lists(
    st.tuples(st.integers(0, 2), st.booleans(), st.integers(0, 2), st.integers(1, 48)), max_size=8
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=changes, order=st.permutations([(0, 1), (0, 2), (1, 0), (1, 2), (2, 0), (2, 1)]))
def test_copies_that_link_and_unlink_in_any_order_merge_to_the_later_change_of_each_link(
    devices, tmp_path_factory, changes, order
) -> None:
    tmp_path = tmp_path_factory.mktemp("links")
    made, keys = copies(devices, tmp_path, *(f"{tmp_path.name}-{n}" for n in range(3)))
    for copy, link, question, hours in changes:
        store, at = made[copy].store, START + timedelta(hours=hours)
        if link:
            store.stories.link(story_of(made[copy]), keys[question], at)
        else:
            store.stories.unlink(story_of(made[copy]), keys[question], at)
    states = [link_state(device.store) for device in made]

    def later(change: tuple[str, datetime]) -> tuple[datetime, bool]:
        return change[1], change[0] == "unlinked"  # an unlink at the same moment as a link wins

    expected: dict[str, tuple[str, datetime]] = {}  # per key: the later change of any copy
    for state in states:
        for key, change in state.items():
            if key not in expected or later(change) > later(expected[key]):
                expected[key] = change
    files = [export_of(device.store, tmp_path / f"{n}.json") for n, device in enumerate(made)]
    for source, target in order:
        merge_file(made[target].store, files[source])
    for device in made:
        assert link_state(device.store) == expected
    again = [merge_file(device.store, export_of(made[0].store, tmp_path / "again.json")) for device in made]
    assert not any(summary.added() or summary.deleted for summary in again)
