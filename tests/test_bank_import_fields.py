"""Which of an imported note's or sheet's fields is which, and what an import says it changed."""

from __future__ import annotations

from mockprep.core.anki_notes import AnkiNote, note_items
from mockprep.core.bank_import import Item, Skip


def _note(fields: tuple[str, ...], names: tuple[str, ...]) -> AnkiNote:
    return AnkiNote("note 7", "g7", fields, names, html=False)


def test_an_extra_field_is_never_the_answer_and_a_skip_names_the_field_used() -> None:
    """Found by an exploratory tester: Term/Definition/Extra notes took Extra as the answer, and the
    skip message named the second field whatever field was read."""
    names = ("Term", "Definition", "Extra")
    got = note_items(
        [
            _note(("What is a p-value?", "The probability of data this extreme.", "See ASA 2016"), names),
            _note(("Welford?", "", "see the paper"), names),
            _note(("Only extras", "more"), ("Front", "Extra")),
            _note(("Word", "Meaning here.", "Note"), ("Word", "Meaning", "Extra")),
            _note(("An answer", ""), ("Back", "Front")),
        ]
    ).items
    first = got[0]
    assert isinstance(first, Item) and first.answer == "The probability of data this extreme."
    assert [(s.where, s.reason) for s in got[1:] if isinstance(s, Skip)] == [
        ("note 7", "its 'Definition' field is empty"),
        ("note 7", "it has no answer field: an Extra field is never the answer"),
        ("note 7", "its 'Front' field is empty"),
    ]
    assert isinstance(got[3], Item) and got[3].answer == "Meaning here."
