"""Banks as Markdown study sheets, and back. Pure.

Reading accepts these styles, mixed freely: a heading (indented by up to three spaces, as CommonMark
allows) with the answer below it, ``Q:``/``A:`` pairs
(also ``Q1:``/``A1:``, ``Question 1.``, ``**Q:**`` and ``**Q: ...**``), a line holding only ``?``
between a question and its answer (as Obsidian's spaced-repetition plugin writes cards), a line that is
all bold and ends with ``?`` (or is a numbered list item all in bold, ``1. **Explain dropout**``) with
the answer below it, and a ``<summary>`` line of a ``<details>`` block with the answer in the block. A
heading's or bold line's numbering ("Q3.", "3.") is not part of the question. After an answer,
``Key points:``, ``Follow-ups:`` and ``Misconceptions:`` start lists, and ``Tags:``, ``Topic:``,
``Difficulty:`` and ``Fields:`` (the other bank fields as JSON) set the rest. A trailing ``{#id}`` on
the question's first line gives its id. Front matter (``---`` lines) sets the bank's id, title, round,
topic, roles and description; a heading with nothing under it names the topic of the questions after it
(a level-one heading: the title). Nothing inside a fenced code block is a marker.

Text is read with Markdown's backslash escapes (``\\[recall\\]`` is ``[recall]``; code and maths are kept
as written: core/markdown_escapes.py). Writing is the inverse (core/bank_markdown_writer.py), so export
then import gives back the bank.
"""

from __future__ import annotations

import json
import re
import textwrap
from dataclasses import dataclass, field

from mockprep.core.bank_import import Item, Notice, Skip, SourceError, slug, split_tags
from mockprep.core.banks import QuestionModel
from mockprep.core.markdown_escapes import unescape

_RESERVED = re.compile(
    r"^( {0,3}#{1,6}(\s|$)"
    r"|(q|a|question|answer|key points|follow-ups?|misconceptions|tags|topic|difficulty|fields):|\s*\?\s*$)",
    re.IGNORECASE,
)
_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:\s+(.*?))?\s*$")  # (indented up to 3 spaces, as CommonMark's)
_MARKER = re.compile(
    r"^(q|a|question|answer|key points|follow-ups?|misconceptions|tags|topic|difficulty|fields):[ \t]?(.*)$",
    re.IGNORECASE,
)
_NUMBERED_MARKER = re.compile(r"^(q|a|question|answer)[ \t]*\d+[ \t]*[:.)][ \t]?(.*)$", re.IGNORECASE)
_BOLD_MARKER = re.compile(
    r"^(\*\*|__)[ \t]*(q|a|question|answer|key points|follow-ups?|misconceptions|tags|topic|difficulty)"
    r"(?:[ \t]*\d+)?[ \t]*(:[ \t]*\1|\1[ \t]*:|:)[ \t]*(.*)$",
    re.IGNORECASE,
)
_BOLD_LINE = re.compile(r"^ {0,3}((?:[-*+]|\d+[.)])[ \t]+)?(\*\*|__)(?=\S)(.+?)(?<=\S)\2[ \t]*$")
_SUMMARY = re.compile(r"^\s*<summary>(.*?)</summary>\s*$", re.IGNORECASE)
_DETAILS = re.compile(r"^\s*(?:<details(?:\s[^>]*)?>|</details>)\s*$", re.IGNORECASE)
NUMBERING = re.compile(r"^(?:q(?:uestion)?[ \t]*\d+[ \t]*[:.)]|\d+[.)])[ \t]+(?=\S)", re.IGNORECASE)
_TAGS = re.compile(r"</?(?:b|strong|em|i|code)>", re.IGNORECASE)
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_LIST_ITEM = re.compile(r"^ {0,3}([-*+]|\d+[.)])\s+(.*)$")
_ID = re.compile(r"^(.*) \{#([a-z0-9][a-z0-9-]{0,63})\}$", re.DOTALL)
PLAIN_FIELDS = (
    "id", "prompt", "answer", "key_points", "follow_ups", "misconceptions", "tags", "topic", "difficulty"
)  # fmt: skip
_LISTS = ("points", "follow", "wrong")  # the modes whose lines are list items


# -- reading ---------------------------------------------------------------------------------------


@dataclass
class _Draft:
    line: int
    prompt: list[str]
    level: int = 0  # a heading's level; 0 for Q:/A: and ? items
    numbered: bool = False  # a heading, bold line or summary: "Q3." / "3." before it is numbering
    style: str = ""  # how it was asked: heading, q (a Q: marker), bold (a bold line), summary
    indented: bool = False  # a bold list item's answer, indented under it: read dedented
    answer: list[str] = field(default_factory=list)
    mode: str = "answer"  # prompt | answer | points | follow | wrong (misconceptions)
    points: list[str] = field(default_factory=list)
    follow: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    topic: str | None = None
    difficulty: int | None = None
    fields: dict[str, object] = field(default_factory=dict)
    problem: str | None = None

    def is_section(self) -> bool:
        listed = self.points or self.follow or self.wrong
        return self.level > 0 and not "".join(self.answer).strip() and not listed

    def listing(self) -> list[str]:
        """The list the current mode adds items to."""
        return {"points": self.points, "follow": self.follow, "wrong": self.wrong}[self.mode]


@dataclass
class MarkdownBank:
    meta: dict[str, str]
    items: list[Item | Skip]
    title: str | None = None
    notices: list[Notice] = field(default_factory=list)  # questions of another style read as text


def read_markdown(text: str) -> MarkdownBank:
    """The front matter and the questions of a Markdown file (each an :class:`Item` or a :class:`Skip`)."""
    lines = text.replace("\r\n", "\n").split("\n")
    meta, start = _front_matter(lines)
    reader = _Reader()
    fence: str | None = None
    for number, line in enumerate(lines[start:], start=start + 1):
        opener = FENCE.match(line)
        if fence is not None:
            if opener and opener.group(1)[0] == fence[0] and len(opener.group(1)) >= len(fence):
                if not line.strip().strip(fence[0]):
                    fence = None
            reader.text(line)
            continue
        if opener and not reader.in_list_item(line):  # (an item's indented lines are all its own)
            fence = opener.group(1)
            reader.text(line)
            continue
        reader.line(line, number)
    reader.finish()
    return MarkdownBank(meta, reader.items, reader.title, reader.notices)


def marker(line: str) -> tuple[str, str, bool] | None:
    """A marker line's name, the text after it, and whether it is one of the looser forms (``Q1: x``,
    ``**Q:** x``, ``**Q: x**``), which start a question only where questions are being listed."""
    if plain := _MARKER.match(line):
        return plain.group(1).lower(), plain.group(2), False
    if numbered := _NUMBERED_MARKER.match(line):
        return numbered.group(1).lower(), numbered.group(2), True
    if bold := _BOLD_MARKER.match(line):
        rest = bold.group(4)
        if bold.group(3) == ":":  # "**Q: the question**": the bold closes at the end of the line
            if not rest.rstrip().endswith(bold.group(1)):
                return None
            rest = rest.rstrip()[: -len(bold.group(1))].rstrip()
        return bold.group(2).lower(), rest, True
    return None


def bold_question(line: str) -> str | None:
    """The question of a line that is all bold and ends with "?", or is a numbered list item in bold."""
    found = _BOLD_LINE.match(line)
    if found is None or found.group(2) in found.group(3):
        return None
    inner = found.group(3).strip()
    numbered = found.group(1) is not None and found.group(1).strip()[0].isdigit()
    return inner if inner.endswith("?") or numbered or NUMBERING.match(inner) else None


def summary_question(line: str) -> str | None:
    """The question of a ``<summary>...</summary>`` line (inline tags and bold removed)."""
    found = _SUMMARY.match(line)
    if found is None:
        return None
    text = _TAGS.sub("", found.group(1)).strip()
    return text.strip("*_").strip() or None


def reserved(line: str) -> bool:
    """Whether :func:`read_markdown` reads ``line`` as more than text (so a writer escapes it)."""
    return bool(
        _RESERVED.match(line)
        or marker(line)
        or bold_question(line)
        or summary_question(line)
        or _DETAILS.match(line)
    )


class _Reader:
    def __init__(self) -> None:
        self.items: list[Item | Skip] = []
        self.notices: list[Notice] = []
        self.current: _Draft | None = None
        self.loose: list[str] = []  # text before any question (a ? card's prompt may be in it)
        self.loose_start = 0
        self.topic: str | None = None
        self.title: str | None = None

    def text(self, line: str) -> None:
        draft = self.current
        if draft is None:
            self.loose.append(line)
        elif draft.mode == "prompt":
            draft.prompt.append(line)
        elif draft.mode in _LISTS and (line.startswith("  ") or not line.strip()):
            target = draft.listing()
            if line.startswith("  ") and target:  # (an item's blank line is written "  ")
                target[-1] += "\n" + line[2:]
        else:
            draft.mode = "answer" if draft.mode != "prompt" else draft.mode
            draft.answer.append(line)

    def line(self, line: str, number: int) -> None:
        escaped = re.match(r"^\\+", line)
        if escaped and (reserved(line[escaped.end() :]) or FENCE.match(line[escaped.end() :])):
            self.text(line[1:])
            return
        heading = _HEADING.match(line)
        if heading and not (line.startswith(" ") and self.in_list_item(line)):  # (a list item's own line)
            self.finish()
            level = len(heading.group(1))
            self.current = _Draft(
                number, [heading.group(2) or ""], level=level, numbered=True, style="heading"
            )
            return
        draft = self.current
        if self.in_list_item(line):
            self.text(line)  # a list item's next line, whatever it says
            return
        if line.strip() == "?":
            self._question_mark(number)
            return
        found = marker(line)
        if found is not None and found[2] and found[0] in ("q", "question") and not self._listing("q"):
            self._absorbed(number, line)
            found = None  # "Q1:" or "**Q:**" inside an answer is text
        if found is None:
            if draft is not None and draft.mode in _LISTS and (item := _LIST_ITEM.match(line)):
                draft.listing().append(item.group(2))
                return
            listing = self._listing("bold", "summary")
            if _DETAILS.match(line) and listing:
                return  # a <details> block's own lines: its <summary> is the question
            asked = bold_question(line) or summary_question(line)
            if asked is not None and not listing:
                self._absorbed(number, line)
            elif asked is not None:
                self.finish()
                indented = _BOLD_LINE.match(line) is not None and _LIST_ITEM.match(line) is not None
                style = "summary" if _SUMMARY.match(line) else "bold"
                self.current = _Draft(number, [asked], numbered=True, indented=indented, style=style)
                return
            self.text(line)
            return
        name, rest, _loose = found
        if name in ("q", "question"):
            self.finish()
            self.current = _Draft(number, [rest], mode="prompt", style="q")
        elif name in ("a", "answer") and draft is not None and draft.mode == "prompt":
            draft.mode = "answer"
            if rest:
                draft.answer.append(rest)
        elif draft is None or draft.mode == "prompt" or name in ("a", "answer"):
            self.text(line)  # a marker with no question before it is text
        else:
            self._meta(draft, name, rest, number)

    def _absorbed(self, number: int, line: str) -> None:
        """Say that a line asked as a question of another style is read as the open question's text."""
        draft = self.current
        if draft is None or draft.mode == "prompt":
            return
        shown = line.strip() if len(line.strip()) <= 60 else line.strip()[:57] + "..."
        self.notices.append(
            Notice(
                f"line {number}",
                f"{shown!r} is read as part of the answer to the question on line {draft.line}, which is "
                "asked in another style; start it with '## ' or 'Q: ' to make it a question of its own",
            )
        )

    def in_list_item(self, line: str) -> bool:
        """Whether ``line`` goes on the list item before it (key points, follow-ups, misconceptions)."""
        return self.current is not None and self.current.mode in _LISTS and line.startswith("  ")

    def _listing(self, *styles: str) -> bool:
        """Whether a question of one of ``styles`` may start here: nothing is open, or a question asked
        the same way (the next of a list), or a heading with nothing under it yet that asks nothing (a
        topic). Inside another question's answer such a line is its text ("1. **L1 (lasso)**" under
        "## What are the kinds of regularization?")."""
        draft = self.current
        if draft is None:
            return True
        topic = draft.is_section() and not "".join(draft.prompt).rstrip().endswith("?")
        return draft.mode != "prompt" and (draft.style in styles or topic)

    def _meta(self, draft: _Draft, name: str, rest: str, number: int) -> None:
        if name == "key points":
            draft.mode = "points"
            draft.points += [p.strip() for p in rest.split(";") if p.strip()]
        elif name.startswith("follow") or name == "misconceptions":
            draft.mode = "follow" if name.startswith("follow") else "wrong"
            if rest.strip():
                draft.listing().append(rest.strip())
        else:
            draft.mode = "meta"
            if name == "tags":
                draft.tags += split_tags(rest)
            elif name == "topic":
                draft.topic = rest.strip() or None
            elif name == "difficulty":
                if rest.strip() not in ("1", "2", "3"):
                    draft.problem = f"line {number}: difficulty must be 1, 2 or 3 (got {rest.strip()!r})"
                else:
                    draft.difficulty = int(rest.strip())
            elif name == "fields":
                draft.fields.update(_fields(rest, number))

    def _question_mark(self, number: int) -> None:
        """A ``?`` line: the lines just above it (back to a blank line) are a new question's prompt."""
        draft = self.current
        above = draft.answer if draft is not None and draft.mode == "answer" else self.loose
        cut = len(above)
        while cut > 0 and above[cut - 1].strip():
            cut -= 1
        prompt = above[cut:]
        del above[cut:]
        if not prompt:
            self.items.append(Skip(f"line {number}", "a '?' line with no question above it"))
            return
        self.finish()
        self.current = _Draft(number - len(prompt), prompt)

    def finish(self) -> None:
        draft, self.current = self.current, None
        if draft is None:
            return
        if draft.is_section():
            name = draft.prompt[0].strip()
            if draft.level == 1 and self.title is None:
                self.title = name
            elif name:
                self.topic = slug(name) or None
            return
        self.items.append(_item(draft, self.topic))


def _item(draft: _Draft, section_topic: str | None) -> Item | Skip:
    where = f"line {draft.line}"
    if draft.problem:
        return Skip(where, draft.problem.split(": ", 1)[1])
    if draft.mode == "prompt":
        return Skip(where, "a 'Q:' with no 'A:' after it")
    prompt_lines = list(draft.prompt)
    source_id = None
    found = _ID.match(prompt_lines[0]) if prompt_lines else None
    if found:
        prompt_lines[0], source_id = found.group(1), found.group(2)
    if draft.numbered and prompt_lines:
        prompt_lines[0] = NUMBERING.sub("", prompt_lines[0], count=1)
    answer = "\n".join(draft.answer)
    if draft.indented:
        answer = textwrap.dedent(answer)
    points = tuple(unescape(p.strip()) for p in draft.points if p.strip())
    fields = dict(draft.fields)
    if wrong := [unescape(m.strip()) for m in draft.wrong if m.strip()]:
        fields["misconceptions"] = wrong
    return Item(
        where,
        unescape("\n".join(prompt_lines).strip()),
        unescape(answer.strip()),
        source_id=source_id,
        key_points=points,
        follow_ups=tuple(unescape(f.strip()) for f in draft.follow if f.strip()),
        tags=tuple(draft.tags),
        topic=draft.topic or section_topic,
        difficulty=draft.difficulty,
        fields=tuple(fields.items()),
    )


def _fields(text: str, number: int) -> dict[str, object]:
    try:
        value = json.loads(text)
    except ValueError:
        raise SourceError(f"line {number}: 'Fields:' must be a JSON object") from None
    if not isinstance(value, dict):
        raise SourceError(f"line {number}: 'Fields:' must be a JSON object")
    allowed = set(QuestionModel.model_fields) - set(PLAIN_FIELDS)
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise SourceError(f"line {number}: 'Fields:' names unknown field {unknown[0]!r}")
    return value


def _front_matter(lines: list[str]) -> tuple[dict[str, str], int]:
    if not lines or lines[0].strip() != "---":
        return {}, 0
    meta: dict[str, str] = {}
    for index in range(1, len(lines)):
        line = lines[index]
        if line.strip() in ("---", "..."):
            return meta, index + 1
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition(":")
        if not sep:
            raise SourceError(f"line {index + 1}: front matter lines are 'key: value'")
        value = value.strip()
        if value.startswith('"'):
            try:
                value = json.loads(value)
            except ValueError:
                raise SourceError(f"line {index + 1}: a quoted value must be one JSON string") from None
        meta[key.strip().lower()] = value
    raise SourceError("the front matter that starts on line 1 has no closing '---'")


def meta_list(value: str) -> tuple[str, ...]:
    """A front-matter list: ``a, b`` or ``[a, b]``."""
    return tuple(v.strip().strip("'\"") for v in value.strip("[] ").split(",") if v.strip())
