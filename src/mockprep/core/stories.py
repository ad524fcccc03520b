"""STAR stories: the draft and its Markdown form for editing in $EDITOR, diffs and the outline.

Pure core: standard library only, no I/O. A story has four required parts (Situation, Task, Action,
Result) and an optional Reflection. The rubric that scores a draft is :mod:`mockprep.core.story_check`.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, fields

from mockprep.core.durations import format_duration
from mockprep.core.sanitize import clean

PARTS = ("situation", "task", "action", "result", "reflection")
REQUIRED_PARTS = PARTS[:4]
UNTITLED = "Untitled story"

# A story told aloud (a behavioral answer, a project pitch): "about two minutes" is the aim, and about
# means within a quarter of it either way (1m30s-2m30s). Past the top an interviewer cuts in: it is the
# limit a session's clock keeps for a behavioral question or a pitch, the check's "too long" and a
# rehearsal's "over the target"; below the bottom parts get left out.
TELLING_AIM_SECONDS = 120.0
TELLING_SLACK = 0.25
WORDS_PER_MINUTE = 150  # the pace a written story is told at (the check's length, a typed answer's)


def telling_range(aim: float = TELLING_AIM_SECONDS) -> tuple[float, float]:
    """The lengths that are "about ``aim``" for a telling: from 3/4 to 5/4 of it (the top, the limit)."""
    return aim * (1 - TELLING_SLACK), aim * (1 + TELLING_SLACK)


def told_length(
    seconds: float, aim: float = TELLING_AIM_SECONDS, edges: tuple[float, ...] | None = None
) -> str:
    """A telling's length in words that never contradict its verdict against ``edges`` (by default
    :func:`telling_range` of ``aim``): "about 2m10s" in whole seconds, but "just under 1m30s" (89.6 s) or
    "just over 2m30s" (150.4 s) where whole seconds would show the edge it misses, and the edge itself
    where it lies on one that whole seconds would not show (22.5 s of 22.5s-37.5s)."""
    for edge in telling_range(aim) if edges is None else edges:
        if seconds < edge <= round(seconds):
            return f"just under {edge_text(edge)}"
        if seconds > edge >= round(seconds):
            return f"just over {edge_text(edge)}"
        if seconds == edge:
            return f"about {edge_text(edge)}"
    return f"about {format_duration(seconds)}"


def edge_text(seconds: float) -> str:
    """An edge of a telling's range as it is judged: whole seconds as :func:`format_duration` has them,
    else to the hundredth ("22.5s", "1m07.5s"), so a length shown rounded never seems on its other side."""
    if seconds == round(seconds) or seconds >= 3600:
        return format_duration(seconds)
    minutes, rest = divmod(seconds, 60)
    text = f"{rest:.2f}".rstrip("0").rstrip(".")
    return f"{int(minutes)}m{'0' if rest < 10 else ''}{text}s" if minutes else f"{text}s"


@dataclass(frozen=True)
class StoryDraft:
    """One STAR story as written; :meth:`normalised` is the form that survives a Markdown round trip."""

    title: str = UNTITLED
    competencies: tuple[str, ...] = ()
    situation: str = ""
    task: str = ""
    action: str = ""
    result: str = ""
    reflection: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "competencies", tuple(self.competencies))

    def parts(self) -> dict[str, str]:
        return {part: getattr(self, part) for part in PARTS}

    def normalised(self) -> StoryDraft:
        """Title on one line, competencies as unique slugs, parts without trailing spaces or blank edges."""
        parts = {part: _clean_text(text) for part, text in self.parts().items()}
        return StoryDraft(_clean_title(self.title), competency_slugs(self.competencies), **parts)

    def to_dict(self) -> dict[str, object]:
        return {"title": self.title, "competencies": list(self.competencies), **self.parts()}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> StoryDraft:
        """The inverse of :meth:`to_dict`; missing parts are empty; unknown keys or wrong types raise."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown story field(s): {', '.join(unknown)}")
        competencies = data.get("competencies", ())
        if not isinstance(competencies, list | tuple) or not all(isinstance(c, str) for c in competencies):
            raise ValueError("competencies must be a list of strings")
        texts = {name: data.get(name, UNTITLED if name == "title" else "") for name in ("title", *PARTS)}
        for name, value in texts.items():
            if not isinstance(value, str):
                raise ValueError(f"{name} must be a string")
        return cls(competencies=tuple(competencies), **texts)  # type: ignore[arg-type]


def printable(draft: StoryDraft) -> StoryDraft:
    """The draft normalised without escape sequences, control characters or bidirectional overrides
    (tab and newline kept): as ``story export`` writes it, and so the form in which a story read back
    from an export is the same as the one it came from."""
    texts = {name: clean(getattr(draft, name)) for name in ("title", *PARTS)}
    return StoryDraft(competencies=tuple(clean(c) for c in draft.competencies), **texts).normalised()


def is_blank(draft: StoryDraft) -> bool:
    """True when no part has any text, as in a template saved without changes."""
    return not any(text.strip() for text in draft.parts().values())


def competency_slugs(names: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Competencies as written, unique and in order, in the one form that matches across stories and
    the banks' questions: lower case, each run of spaces, underscores and hyphens one hyphen ("Problem
    Solving" -> "problem-solving"), Markdown emphasis around a name dropped ("**leadership**"). Every
    script and symbol is kept ("リーダーシップ", "c++", "travail-d’équipe"): a name is never shortened
    or dropped, only a blank one; one that would be left empty ("-") stays as written. A comma ends a
    name, as on the Competencies line."""
    kept: dict[str, None] = {}
    for name in names:
        for written in name.split(","):
            written = " ".join(written.split())
            inner = written
            while emphasis := _EMPHASIS.fullmatch(inner):
                inner = emphasis.group(2).strip()
            form = _competency_form(inner) or _competency_form(written) or written
            if form:
                kept[form] = None
    return tuple(kept)


def _competency_form(name: str) -> str:
    return re.sub(r"[\s_-]+", "-", unicodedata.normalize("NFC", name.lower())).strip("-")


_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(.+)\1")


def _clean_title(title: str) -> str:
    return " ".join(title.split()) or UNTITLED


def _clean_text(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.splitlines()).strip()


# -- Markdown ------------------------------------------------------------------------------------------

# The length the check scores, "about two minutes" (the template said 1.5-3 minutes, 225-450 words).
_LOW, _HIGH = telling_range()
_SPAN = f"{format_duration(_LOW)}-{format_duration(_HIGH)}"
_WORDS = f"{round(_LOW * WORDS_PER_MINUTE / 60)}-{round(_HIGH * WORDS_PER_MINUTE / 60)}"
_GUIDANCE = f"""\
<!--
Tell the story in about two minutes, {_SPAN}: about {_WORDS} words at {WORDS_PER_MINUTE} words a minute;
  past {format_duration(_HIGH)} an interviewer cuts in.
Split the words roughly Situation 20%, Task 10%, Action 60%, Result 10%.
Situation: where and when, and the context a listener needs, in two or three sentences.
Task: what you were responsible for, and the stakes or the constraint.
Action: what YOU did, step by step, in the first person ("I", not "we"). The bulk of the story.
Result: what changed, quantified by how much: %, time, money, a multiplier or a count ("3x faster",
  "from 0.71 to 0.78", "two weeks earlier"); a metric named alone does not say how much.
Reflection (optional): what you learned, or would do differently.
Competencies: comma-separated, e.g. communication, leadership.
Text inside these comment markers is ignored.
-->"""

_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_HEADING = re.compile(r"^[ \t]*(#{1,6})(?!#)[ \t]*(.*)$")
# "Competencies: a, b", also as a list item or in bold ("**Competencies:** a", "- *Competencies*: a")
_COMPETENCIES = re.compile(
    r"^\s*(?:[-*+][ \t]+)?(?:\*\*|__|\*|_)?competenc(?:y|ies)"
    r"(?::(?:\*\*|__|\*|_)?|(?:\*\*|__|\*|_)?\s*:)(.*)$",
    re.IGNORECASE,
)
_HEADING_NAMES = {
    "situation": ("situation", "context", "background"),
    "task": ("task", "tasks", "goal", "goals", "objective"),
    "action": ("action", "actions", "what i did", "approach"),
    "result": ("result", "results", "outcome", "outcomes", "impact"),
    "reflection": (
        "reflection", "reflections", "learning", "learnings", "lessons", "lessons learned",
        "lessons learnt", "what i learned", "what i learnt", "takeaways",
    ),
}  # fmt: skip
_PART_BY_HEADING = {name: part for part, names in _HEADING_NAMES.items() for name in names}


def render_markdown(draft: StoryDraft, guidance: bool = True, *, to_read: bool = False) -> str:
    """The draft as a Markdown document to edit; ``guidance`` adds a comment explaining each part.

    ``to_read`` (a document to read, such as ``story export``) leaves out the optional parts that are
    empty, the Competencies line and the Reflection, rather than write a label or heading with nothing
    under it; the required parts keep their headings, so one that is missing shows. Either way
    :func:`parse_markdown` reads the draft back.
    """
    story = draft.normalised()
    lines = [f"# {story.title}"]
    if story.competencies or not to_read:
        lines.append(f"Competencies: {', '.join(story.competencies)}".rstrip())
    if guidance:
        lines.append(_GUIDANCE)
    for part, text in story.parts().items():
        if text or part in REQUIRED_PARTS or not to_read:
            lines += ["", f"## {part.capitalize()}"] + ([text] if text else [])
    return "\n".join(lines) + "\n"


def parse_markdown(text: str) -> StoryDraft:
    """Read a story back from Markdown; never raises, never drops text.

    HTML comments are removed first. The first level-1 heading before any part heading is the title
    (default "Untitled story"), even one that reads like a part name. A heading of any level whose text
    names a part starts it: case and spacing are free, and synonyms such as "Actions", "Results",
    "Outcome", "Learnings" or "What I learned" count. Other headings are kept as text of the part they
    are in; a part heading given twice gathers both texts. A "Competencies:" line before the first part
    gives comma-separated slugs. Any other text before the first part heading belongs to the Situation,
    where a story starts; so a document whose part headings were all deleted becomes one Situation, and
    :func:`check_story` reports Task, Action and Result missing rather than crediting a structure that
    is not there.

    A document without any part heading may name its parts by labels instead, as stories are often
    written: a line that starts with a part's name and a colon or dash ("Situation: ...", "**Task** -
    ...", "- Action:", "3. Result:", "S:" in capitals) starts that part, the rest of the line its first
    text; so does a line that is only a part's name ("Results", "**Action**"). In a story whose first
    label is no list item, a label written as a list item inside an open part starts its part only
    where the order of STAR calls for it (:func:`_list_labels_starting`): "- Action - ..." after
    "**Task:** ..." does, "- Background: I read ..." under "Action:" is a line of the Action.
    A "Title: ..." line before the first part names the story, and a "Competencies:" line may be in
    bold or a list item. Where part headings exist, they alone split the story and such lines stay
    text. With no level-one heading first, the first heading before any part that names no part is the
    title (``story export`` writes titles as "##").
    """
    title: str | None = None
    competencies: list[str] = []
    preamble: list[str] = []
    bodies: dict[str, list[str]] = {part: [] for part in PARTS}
    current: str | None = None
    lines = _strip_comments(text).splitlines()
    labelled = not any((h := _HEADING.match(line)) and _part_named(h.group(2)) for line in lines)
    # A story labelled without list markers may list labelled lines inside a part ("Action: ...", then
    # "- Background: I read ..."): there a label written as a list item is a line of the open part,
    # unless STAR's order calls for its part ("**Task:** ...", then "- Action - ...").
    plain_labels = next((not _LIST_MARKER.match(line) for line in lines if label_of(line)), False)
    starting = _list_labels_starting(lines) if labelled and plain_labels else set()
    for number, line in enumerate(lines):
        heading = _HEADING.match(line)
        # the title: a level-one heading first, or the first heading of any level that names no part
        # (`story export` writes each story's title as "##", its parts as "###")
        if heading and current is None and title is None:
            first_heading = not _part_named(heading.group(2)) and not any(x.strip() for x in preamble)
            if len(heading.group(1)) == 1 or first_heading:
                title = heading.group(2)
                continue
        if labelled and current is None and title is None and (named := _TITLE_LABEL.match(line)):
            title = named.group(1)
            continue
        part = _part_named(heading.group(2)) if heading else None
        label = label_of(line) if part is None and labelled else None
        if label and plain_labels and current is not None and _LIST_MARKER.match(line):
            label = label if number in starting else None
        if label:
            part, line = label
            if bodies[part]:
                bodies[part].append("")
            current = part
            if line:
                bodies[part].append(line)
        elif part:
            if bodies[part]:
                bodies[part].append("")
            current = part
        elif current is not None:
            bodies[current].append(line)
        elif found := _COMPETENCIES.match(line):
            competencies += found.group(1).split(",")
        else:
            preamble.append(line)
    bodies["situation"] = preamble + [""] + bodies["situation"]
    texts = {part: "\n".join(lines) for part, lines in bodies.items()}
    return StoryDraft(title or UNTITLED, tuple(competencies), **texts).normalised()


DOCUMENT_TITLE = "My STAR stories"


def render_document(drafts: list[StoryDraft], title: str = DOCUMENT_TITLE) -> str:
    """Stories as one Markdown document (``story export``): ``title`` the only level-1 heading, each
    story one level down (its title "##", its parts "###"), as :func:`split_stories` reads it back."""
    out = [f"# {title}\n"]
    for draft in drafts:
        text = render_markdown(draft, guidance=False, to_read=True)
        for line in text[:-1].split("\n"):  # (split at newlines only: the text is kept as stored)
            out.append(f"\n#{line}" if line.startswith("#") else f"\n{line}")
        out.append("\n")
    return "".join(out)


class StoriesError(ValueError):
    """A document of several stories that cannot be split into them; the message says why."""


def split_stories(text: str) -> list[str]:
    """The stories a document holds, each as the text :func:`parse_markdown` reads; ``[text]`` for one.

    A story starts at a heading whose next line with text (past a Competencies line) is the Situation's
    heading one level down: "## Title" over "### Situation", as ``story export`` writes every story
    (whatever its title says). Two or more at the shallowest such level make a document of several
    stories, cut there; one below headings only (the document's title) is an export of one story. Each
    story's headings come back up to where a story of its own has them ("# Title", "## Situation", a
    heading of its text as it was), so an export reads back as it was written. Above the first story
    there may be only headings and blank lines (StoriesError otherwise: that text is in no story).
    """
    lines = _strip_comments(text).split("\n")
    starts: list[tuple[int, int]] = []  # (line, level)
    for number, line in enumerate(lines):
        if heading := _HEADING.match(line):
            below = next((x for x in lines[number + 1 :] if x.strip() and not _COMPETENCIES.match(x)), "")
            part = _HEADING.match(below)
            if (
                part
                and len(part.group(1)) == len(heading.group(1)) + 1
                and _part_named(part.group(2)) == "situation"
            ):
                starts.append((number, len(heading.group(1))))
    if not starts:
        return [text]
    level = min(level for _line, level in starts)
    cuts = [line for line, at in starts if at == level]
    above = [line for line in lines[: cuts[0]] if line.strip()]
    if len(cuts) == 1 and not above and level == 1:
        return [text]  # one story, as a story of its own is written
    if stray := next((line for line in above if not _HEADING.match(line)), None):
        cut = stray.strip()[:40]
        raise StoriesError(f"it holds {len(cuts)} stories and text before the first one ({cut!r})")
    deeper = "#" * level  # every line render_document moved down a level (level - 1 of them) moves back
    return [
        "\n".join(line[level - 1 :] if line.startswith(deeper) else line for line in lines[start:end])
        for start, end in zip(cuts, [*cuts[1:], len(lines)], strict=True)
    ]


def _list_labels_starting(lines: list[str]) -> set[int]:
    """The lines whose label, written as a list item in a story whose first label is not, starts its
    part rather than being a line of the part open above it.

    The list-item labels between two unbulleted ones are weighed together: those that start parts are
    the longest run in STAR order after the part the unbulleted label above starts and before the one
    the next starts (the Reflection only after the Result), preferring a part's own name ("Task",
    "A") over a synonym ("Goal", "Approach"), then the earlier line. So "Situation: ...", "**Task:**
    ...", "- Action - ...", "R: ..." is four parts (the Action was read as Task's, found by an
    exploratory tester), and a bullet that uses a later part's synonym ("- Impact: 3% of customers
    blocked" under "Situation:", with "- Task:", "- Action:", "- Result:" below) stays a line of its
    part instead of taking in the labels after it (found by an independent review). An earlier part
    ("- Background: I read the reports" under "Action:"), the open part itself ("- Approach: ..."), a
    part a later plain label starts ("- Goal: ..." under "Situation:", with "Task:" below) and a
    Reflection before the Result ("- Learning: ..." in an Action: a step) stay lines of the open part."""
    starting: set[int] = set()
    current: str | None = None
    run: list[tuple[int, str, bool]] = []  # (line, part, written with the part's own name)
    for number, line in enumerate(lines):
        if not (label := label_of(line)):
            continue
        if _LIST_MARKER.match(line):
            run.append((number, label[0], _own_name(line, label[0])))
            continue
        if current is not None:
            starting |= _longest_run(run, current, label[0])
        current, run = label[0], []
    if current is not None:
        starting |= _longest_run(run, current, None)
    return starting


def _longest_run(labels: list[tuple[int, str, bool]], current: str, next_plain: str | None) -> set[int]:
    """The lines of the best chain of ``labels`` in STAR order between ``current`` and ``next_plain``
    (see :func:`_list_labels_starting`): most labels, then most own names, then the earliest."""
    order = PARTS.index
    high = order(next_plain) if next_plain else len(PARTS)

    def follows(part: str, before: str) -> bool:
        return order(part) > order(before) and (part != "reflection" or before == "result")

    # heads[part]: the best chain among the labels below whose first label is of that part,
    # as (labels, own names, -first line, lines) so that max() picks it
    heads: dict[str, tuple[int, int, int, tuple[int, ...]]] = {}
    for number, part, own in reversed(labels):
        if not order(current) < order(part) < high:
            continue
        tail = max((c for p, c in heads.items() if follows(p, part)), default=(0, 0, 0, ()))
        chain = (tail[0] + 1, tail[1] + own, -number, (number, *tail[3]))
        heads[part] = max(heads.get(part, chain), chain)
    best = max((c for p, c in heads.items() if follows(p, current)), default=(0, 0, 0, ()))
    return set(best[3])


def _own_name(line: str, part: str) -> bool:
    """Whether a label line names ``part`` by its own name or letter ("- Tasks:", "- **A:**"), not a
    synonym ("- Goal:")."""
    name = line[_BULLET.match(line).end() :].lstrip("*_ \t").lower()  # type: ignore[union-attr]
    return name.startswith(part) or (name[:1] == part[0] and not name[1:2].isalpha())


def _strip_comments(text: str) -> str:
    # Repeat: removing one comment can join the halves of another ("<!<!---->-- x -->").
    while (stripped := _COMMENT.sub("", text)) != text:
        text = stripped
    return text


def _part_named(heading: str) -> str | None:
    name = re.sub(r"\([^)]*\)", " ", heading.lower())  # "Action (60%)"
    name = re.sub(r"^\s*\d+[.)]", " ", name)  # "3. Action"
    name = re.sub(r"[#:*_]", " ", name)  # "**Action:**", closing hashes
    return _PART_BY_HEADING.get(" ".join(name.split()))


_BULLET = re.compile(r"^[ \t]*(?:[-*+•][ \t]+|\d+[.)][ \t]*)?")
_BOLD = re.compile(r"^(\*\*|__)(.+?)\1")
_LIST_MARKER = re.compile(r"[ \t]*(?:[-*+•][ \t]+|\d+[.)])")  # a list item's marker (not mere indentation)
_LABEL = re.compile(r"^([A-Za-z][A-Za-z' ]{0,30}?(?:\([^)]*\))?)[ \t]*(:|[ \t][-–—](?=[ \t]|$))(.*)$")
_TITLE_LABEL = re.compile(
    r"^[ \t]*(?:\*\*|__)?title(?::(?:\*\*|__)|(?:\*\*|__)?:)[ \t]*(.*\S)", re.IGNORECASE
)
_LETTERS = {"S": "situation", "T": "task", "A": "action", "R": "result"}


def label_of(line: str) -> tuple[str, str] | None:
    """The part a line's label names and the text after the label ("**Task:** ship it" → task, "ship
    it"); None when the line does not start with one. A lone "S", "T", "A" or "R" counts only in
    capitals and with a colon ("A: I rewrote it")."""
    rest = line[_BULLET.match(line).end() :]  # type: ignore[union-attr]
    if bold := _BOLD.match(rest):  # "**Action:** ...", "**Action**: ...", "__Result__ - ..."
        name, after = bold.group(2).strip(), rest[bold.end() :].lstrip()
        if not name.endswith(":"):
            if after[:1] in (":", "-", "–", "—"):
                after = after[1:]
            elif after:
                return None
        part = _part_named(name.rstrip(":"))
        return (part, after.strip()) if part else None
    if found := _LABEL.match(rest):
        name, separator, after = found.groups()
        if len(name) == 1:
            part = _LETTERS.get(name) if separator == ":" else None
        else:
            part = _part_named(name)
        return (part, after.strip()) if part else None
    part = _part_named(rest.rstrip(": \t"))  # a line that is only a part's name
    return (part, "") if part and rest.strip() else None


def diff_drafts(
    old: StoryDraft, new: StoryDraft, old_label: str = "old", new_label: str = "new"
) -> list[str]:
    """A unified diff of the two drafts' Markdown (without the guidance comment); empty when they match."""
    before = render_markdown(old, guidance=False).splitlines()
    after = render_markdown(new, guidance=False).splitlines()
    return list(difflib.unified_diff(before, after, old_label, new_label, lineterm=""))


def outline(draft: StoryDraft, max_words: int = 15) -> list[str]:
    """The title, then each part's first sentence (at most ``max_words`` words): a glance before telling.

    A missing required part shows as "(missing)"; an empty Reflection is left out.
    """
    lines = [_clean_title(draft.title)]
    for part, text in draft.parts().items():
        flat = " ".join(text.split())
        if flat:
            sentence = re.split(r"(?<=[.!?])\s+", flat, maxsplit=1)[0].split()
            opening = " ".join(sentence[:max_words]) + ("…" if len(sentence) > max_words else "")
            lines.append(f"{part.capitalize()}: {opening}")
        elif part in REQUIRED_PARTS:
            lines.append(f"{part.capitalize()}: (missing)")
    return lines
