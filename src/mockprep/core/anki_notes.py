"""Anki notes as questions: fields chosen by name, HTML as text, one question per cloze. Pure.

The same for notes read from a collection (``.apkg``/``.colpkg``) and from Anki's plain-text export.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from mockprep.core.anki_notetype import BANK_FIELDS, list_items, read_note
from mockprep.core.bank_import import Item, Notice, Skip, slug
from mockprep.core.html_text import PlainText, cloze_numbers, clozes, html_to_text

# Field names that say what a field holds (mockprep's own note type first); otherwise the first field is
# the prompt and the next one that is not an extra the answer, as in Anki's Basic note type. An "Extra"
# field (Cloze's "Back Extra", a vocabulary note's notes) is never the answer: it adds to one.
_PROMPT_NAMES = ("prompt", "front", "question", "text", "term")
_ANSWER_NAMES = ("answer", "back", "definition")
_EXTRA_NAMES = ("back extra", "extra")


@dataclass(frozen=True)
class AnkiNote:
    where: str  # "note 1680000000001" or "line 7": for messages
    guid: str | None
    fields: tuple[str, ...]
    names: tuple[str, ...] = ()  # the note type's field names, when known
    tags: tuple[str, ...] = ()
    deck: str | None = None  # "Parent::Child"
    html: bool = True


@dataclass
class NoteItems:
    items: list[Item | Skip | Notice]
    media: int = 0  # media dropped: each file named once, and each reference that names none
    scripts: int = 0
    media_names: frozenset[str] = frozenset()  # the files the notes name


def note_items(notes: Iterable[AnkiNote]) -> NoteItems:
    """Every note as one question, or one per cloze deletion, or a :class:`Skip` saying why not."""
    out = NoteItems([])
    banks: dict[str, int] = {}  # the decks of mockprep's own notes: one per bank exported
    names: set[str] = set()
    unnamed = 0
    for note in notes:
        if BANK_FIELDS in note.names:  # mockprep's own note: its question as exported, if it says so
            own = read_note(
                note.where, note.guid, dict(zip(note.names, note.fields, strict=False)), note.html
            )
            if own is not None:
                out.items.append(own)
                if note.deck:  # (Anki's text export may leave the deck out)
                    banks[note.deck] = banks.get(note.deck, 0) + 1
                continue
        texts = [html_to_text(f) if note.html else PlainText(f.strip()) for f in note.fields]
        unnamed += sum(t.media - len(t.media_names) for t in texts)
        names.update(name for t in texts for name in t.media_names)
        out.scripts += sum(t.scripts for t in texts)
        out.items += _note_questions(note, [t.text for t in texts])
    if len(banks) > 1:
        out.items.insert(0, _merged(banks))
    out.media, out.media_names = unnamed + len(names), frozenset(names)
    return out


def _merged(banks: dict[str, int]) -> Notice:
    """Several of mockprep's banks exported together become one bank: its questions' keys are new
    (bank/id), so they are not the banks' own questions, and their reviews stay with those."""
    decks = ", ".join(f"{deck!r} ({count})" for deck, count in banks.items())
    return Notice(
        "package",
        f"it holds the questions of {len(banks)} of mockprep's banks, decks {decks}: they are made into "
        "one new bank, whose questions are not the banks' own (their reviews stay with those); "
        "export one bank per package to bring each back with --id",
    )


def _field(names: tuple[str, ...], values: list[str], wanted: tuple[str, ...], default: int) -> str:
    index = _index(names, values, wanted, default)
    return values[index] if index < len(values) else ""


def _index(names: tuple[str, ...], values: list[str], wanted: tuple[str, ...], default: int) -> int:
    lowered = [n.strip().lower() for n in names]
    for name in wanted:
        if name in lowered and lowered.index(name) < len(values):
            return lowered.index(name)
    return default


def _answer_index(names: tuple[str, ...], values: list[str], prompt: int) -> int:
    """The field holding the answer: one named so, else the first after the prompt's that is no extra
    (one before it only when none after it will do: a "Source" field ahead of the question is not its
    answer)."""
    lowered = [n.strip().lower() for n in names]
    found = _index(names, values, _ANSWER_NAMES, -1)
    if found >= 0:
        return found
    others = (*range(prompt + 1, len(values)), *range(prompt))
    return next((i for i in others if i >= len(lowered) or lowered[i] not in _EXTRA_NAMES), len(values))


def _note_questions(note: AnkiNote, values: list[str]) -> list[Item | Skip]:
    if not values or not any(v.strip() for v in values):
        return [Skip(note.where, "every field is empty")]
    topic = slug(note.deck.split("::")[-1]) if note.deck else None
    tags = tuple(t for tag in note.tags for t in (slug(tag.replace("::", "-")),) if t)
    deck_tags = tuple(slug(part) for part in (note.deck or "").split("::")[:-1] if slug(part))
    prompt_at = _index(note.names, values, _PROMPT_NAMES, 0)
    prompt = values[prompt_at]
    common = {"tags": tags + deck_tags, "topic": topic, "line_breaks": True}  # (a field's <br> ends a line)
    if cloze_numbers(prompt):
        extra = _field(note.names, values, _EXTRA_NAMES, 1) if len(values) > 1 else ""
        items: list[Item | Skip] = []
        for cloze in clozes(prompt):
            where = f"{note.where} cloze {cloze.number}"
            answer = cloze.revealed + (f"\n\n{extra}" if extra.strip() else "")
            if not cloze.hidden.strip():
                items.append(Skip(where, "the cloze hides nothing"))
                continue
            guid = f"{note.guid}-c{cloze.number}" if note.guid else None
            items.append(Item(where, cloze.prompt, answer, guid, hidden=cloze.hidden.strip(), **common))
        return items
    answer_at = _answer_index(note.names, values, prompt_at)
    answer = values[answer_at] if answer_at < len(values) else ""
    lowered = [n.strip().lower() for n in note.names]
    points = _list_field(note.names, values, "key points") if "key points" in lowered else ()
    follow = _list_field(note.names, values, "follow-ups") if "follow-ups" in lowered else ()
    if not prompt.strip():
        return [Skip(note.where, f"its {_name(note.names, prompt_at, 'first')} field is empty")]
    if answer_at >= len(values) > 1:
        return [Skip(note.where, "it has no answer field: an Extra field is never the answer")]
    if not answer.strip():
        return [Skip(note.where, f"its {_name(note.names, answer_at, _ordinal(answer_at))} field is empty")]
    own = (("anki_guid", note.guid),) if note.guid else ()  # (so an export updates this very note)
    return [Item(note.where, prompt, answer, note.guid, points, follow, fields=own, **common)]


def _list_field(names: tuple[str, ...], values: list[str], name: str) -> tuple[str, ...]:
    return list_items(_field(names, values, (name,), len(values)))


def _name(names: tuple[str, ...], index: int, fallback: str) -> str:
    return repr(names[index]) if index < len(names) else fallback


def _ordinal(index: int) -> str:
    """The field at ``index`` counted in words: 'first', ..., '21st', '22nd', '23rd', '24th'."""
    if index < 3:
        return ("first", "second", "third")[index]
    number = index + 1
    suffix = "th" if number % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"
