"""mockprep's own Anki note type: a question as a note's fields, and such a note read back. Pure.

Prompt, Answer, Key points, Follow-ups and Misconceptions hold the question's text as HTML. Choices
(lettered, on the front) and Correct (on the back: the right letter and option, or the expected value
with its tolerance and unit) show what answering needs. Bank fields holds the rest as JSON: the id,
kind, choices, value and every other field the bank sets, and the exact text of a field whose HTML
reads back otherwise (indentation, runs of spaces), so `bank import` of an export gives the same
questions. A text field edited in Anki is read as edited; Choices and Correct are only shown.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping

from mockprep.core.bank_import import Item, Skip
from mockprep.core.banks import QuestionModel
from mockprep.core.html_text import html_to_text

MOCKPREP_NOTETYPE = "mockprep question"  # the note type `bank export` writes, and its fields
MOCKPREP_FIELDS = (  # new fields go at the end: a note of an earlier export still reads by position
    "Prompt", "Answer", "Key points", "Follow-ups", "Choices", "Correct", "Misconceptions", "Bank fields"
)  # fmt: skip
BANK_FIELDS = "Bank fields"
FRONT = "{{Prompt}}{{#Choices}}<br><br>{{Choices}}{{/Choices}}"
BACK = (
    "{{FrontSide}}<hr id=answer>"
    "{{#Correct}}<p><b>Correct:</b> {{Correct}}</p>{{/Correct}}{{Answer}}"
    "{{#Key points}}<h4>Key points</h4>{{Key points}}{{/Key points}}"
    "{{#Follow-ups}}<h4>Follow-ups</h4>{{Follow-ups}}{{/Follow-ups}}"
    "{{#Misconceptions}}<h4>Misconceptions (each is wrong)</h4>{{Misconceptions}}{{/Misconceptions}}"
)
CSS = (
    ".card { font-family: sans-serif; font-size: 18px; text-align: left; }"
    " pre { text-align: left; white-space: pre-wrap; } code { font-family: monospace; }"
)
_FENCED = re.compile(r"^```([\w+#.-]*)[ \t]*\n(.*?)\n```[ \t]*$", re.MULTILINE | re.DOTALL)
_SPAN = re.compile(r"`([^`<]+)`")  # (in escaped text: a span holds no tag)
_TEXTS = ("prompt", "answer")
_LISTS = ("key_points", "follow_ups", "misconceptions")
# What html_to_text changes in text written by html_field: runs of spaces, spaces at a line's ends, blank
# lines after the first, other white space and control characters, a "<br" typed as text, Anki's sounds,
# code blocks (two with no line between them read back with one).
# (A character that is not printable may be one: a text with one is read back to tell.)
_ALTERED = ("  ", " \n", "\n ", "\n\n\n", "[sound:", "```")
_TYPES = {"id": str | None, "topic": str | None, "tags": list | None, "difficulty": int | None}
_SHOWN = {  # bank field -> the note's field that shows it
    "prompt": "Prompt",
    "answer": "Answer",
    "key_points": "Key points",
    "follow_ups": "Follow-ups",
    "misconceptions": "Misconceptions",
}


def html_field(text: str) -> str:
    """Plain text as an Anki field: escaped, with its line breaks kept; a fenced code block as
    ``<pre><code>`` (its indentation kept, its language as the code's class) and a code span as
    ``<code>``, as Anki shows code and as an import reads it back."""
    text = text.strip()
    if "`" not in text:
        return _escaped(text)
    out = []
    at = 0
    for block in _FENCED.finditer(text):
        out.append(_escaped(text[at : block.start()].removesuffix("\n")))
        lang = f' class="language-{block.group(1)}"' if block.group(1) else ""
        code = html.escape(block.group(2), quote=False).replace("\n", "<br>")
        out.append(f"<pre><code{lang}>{code}</code></pre>")
        at = block.end() + (text[block.end() : block.end() + 1] == "\n")
    out.append(_escaped(text[at:]))
    return "".join(out)


def _escaped(text: str) -> str:
    """Text outside a code block: escaped, line breaks as <br>, code spans as <code>."""
    escaped = html.escape(text).replace("\n", "<br>")
    return _SPAN.sub(r"<code>\1</code>", escaped) if "`" in text else escaped


def html_list(items: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{html_field(i)}</li>" for i in items) + "</ul>" if items else ""


def list_items(text: str) -> tuple[str, ...]:
    """A list field's items as text: one a line, without their ``- ``."""
    return tuple(
        line[2:].strip() if line.startswith("- ") else line.strip()
        for line in text.splitlines()
        if line.strip()
    )


def _number(value: float) -> str:
    return f"{value:.15g}"


def note_fields(q: QuestionModel, bank_topic: str | None = None) -> list[str]:
    """The fields of a question's note, in :data:`MOCKPREP_FIELDS` order (HTML). A question that takes
    its bank's topic (``bank_topic``) carries it: a note holds its question, not its bank."""
    shown = {name: html_field(getattr(q, name)) for name in _TEXTS}
    shown |= {name: html_list(getattr(q, name)) for name in _LISTS}
    choices = "<br>".join(f"{chr(ord('a') + i)}) {html_field(c)}" for i, c in enumerate(q.choices or []))
    correct = ""
    if q.choices and q.correct:
        correct = f"{q.correct}) {html_field(q.choices[ord(q.correct) - ord('a')])}"
    elif q.value is not None:
        tolerance = f" ± {_number(q.tolerance)}" if q.tolerance else ""
        correct = html_field(_number(q.value) + tolerance + (f" {q.unit}" if q.unit else ""))
    extra = q.model_dump(exclude_defaults=True, exclude={*_TEXTS, *_LISTS})
    if q.topic is None and bank_topic:
        extra["topic"] = bank_topic
    for name in _SHOWN:  # the exact text of a field whose HTML reads back otherwise
        value = getattr(q, name)
        exact = [v.strip() for v in value] if name in _LISTS else value.strip()
        if _may_change(value, name in _LISTS) and _reads(shown[name], True, name) != exact:
            extra[name] = exact
    fields = {_SHOWN[name]: value for name, value in shown.items()} | {"Choices": choices, "Correct": correct}
    fields[BANK_FIELDS] = html.escape(json.dumps(extra, ensure_ascii=False), quote=False)
    return [fields[name] for name in MOCKPREP_FIELDS]


def _may_change(value: str | list[str], is_list: bool) -> bool:
    """Whether text may read back from its field otherwise (False: it reads back as it is). Quicker
    than reading the field, which only text with such a character or sequence needs."""
    text = " ".join(v.strip() for v in value) if is_list else value.strip()
    lines = text if is_list else text.replace("\n", " ")  # a list's item is one line
    return (
        any(part in text for part in _ALTERED)
        or ("<" in text and "<br" in text.lower())
        or not lines.isprintable()
    )


def _reads(field: str, as_html: bool, name: str) -> str | list[str]:
    """What an import reads from a field: its text, or its items for a list field."""
    text = html_to_text(field).text if as_html else field.strip()
    return list(list_items(text)) if name in _LISTS else text


def read_note(where: str, guid: str | None, fields: Mapping[str, str], as_html: bool) -> Item | Skip | None:
    """The question of a note of this type (``fields``: its raw fields by name), or None when its Bank
    fields field is empty (a note added in Anki: read as any other note is).

    The bank fields are checked as far as building the bank needs; the bank made is validated whole."""
    raw = fields.get(BANK_FIELDS, "").strip()
    if not raw:
        return None
    try:
        data = json.loads(html.unescape(raw) if as_html else raw)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return Skip(where, f"its {BANK_FIELDS!r} field is not a JSON object")
    unknown = sorted(set(data) - set(QuestionModel.model_fields))
    wrong = [name for name, kind in _TYPES.items() if not isinstance(data.get(name), kind)]
    if unknown or wrong or not all(isinstance(tag, str) for tag in data.get("tags", [])):
        problem = (
            f"names unknown field {unknown[0]!r}" if unknown else f"has a wrong {(wrong or ['tags'])[0]!r}"
        )
        return Skip(where, f"its {BANK_FIELDS!r} field {problem}")
    for name, label in _SHOWN.items():  # the field as shown, unless it still reads as the exact copy
        shown = _reads(fields.get(label, ""), as_html, name)
        copy = _rendered(name, data.get(name))
        if copy is None or shown != _reads(copy, as_html, name):
            data[name] = shown
    data = {name: value for name, value in data.items() if value is not None}
    return Item(
        where,
        data.pop("prompt"),
        data.pop("answer"),
        data.pop("id", None) or guid,
        tuple(data.pop("key_points")),
        tuple(data.pop("follow_ups")),
        tuple(data.pop("tags", ())),
        data.pop("topic", None),
        data.pop("difficulty", None),
        fields=tuple(data.items()),
        history_key=guid,
    )


def _rendered(name: str, value: object) -> str | None:
    """A JSON copy of a field as the exporter shows it (None: no copy, or not of the field's type)."""
    if name in _LISTS:
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        return html_list(value) if ok else None  # type: ignore[arg-type]
    return html_field(value) if isinstance(value, str) else None
