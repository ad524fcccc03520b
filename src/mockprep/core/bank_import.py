"""Turning imported items (from Markdown, CSV, Anki) into one bank file. Pure.

Every importer yields :class:`Item` values (or :class:`Skip` for what it could not read); :func:`build_bank`
gives each a stable id, proposes key points from the answer when the source has none (marked for review
in the file), skips what a bank cannot hold with the reason, and writes TOML that ``bank validate`` passes.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from mockprep.core.banks import COMPETENCIES, MAX_TEXT_CHARS, ROUNDS, SLUG
from mockprep.core.proposed_points import MAX_POINTS, has_word, propose_key_points, prose_blocks
from mockprep.core.sanitize import clean
from mockprep.core.wording import plural, shortened

if TYPE_CHECKING:
    from mockprep.core.anki_days import AnkiDue
    from mockprep.core.anki_revlog import AnkiAnswer

REVIEW_MARK = "# review: key points proposed from the answer; check them, then delete this line"
COMPETENCY_MARK = "# review: competencies proposed from the wording; check them, then delete this line"
# Words that point a behavioral question at a competency (a word's start matches: "disagree" finds
# "disagreed"); a question that names none gets the most general one, communication.
_COMPETENCY_CUES = {
    "conflict": ("disagree", "conflict", "pushback", "push back", "tension", "difficult colleague"),
    "failure": ("fail", "mistake", "wrong", "missed", "setback", "regret"),
    "leadership": ("lead", "mentor", "managed", "managing", "influence", "motivat", "coach"),
    "communication": ("explain", "present", "communicat", "non-technical", "audience", "writ"),
    "ambiguity": ("ambigu", "unclear", "uncertain", "vague", "incomplete information"),
    "ownership": ("ownership", "own ", "initiative", "above and beyond", "responsib"),
    "learning-agility": ("learn", "new field", "new domain", "unfamiliar", "quickly"),
    "collaboration": ("team", "collaborat", "cross-functional", "together", "partner"),
    "business-acumen": ("business", "stakeholder", "revenue", "customer", "trade-off", "prioriti"),
    "problem-solving": ("problem", "debug", "solve", "root cause", "investigat"),
}


class SourceError(Exception):
    """Input that cannot be imported at all: one line naming the file and the row or note (and, when
    every item was skipped, those skips and what the reading noticed, each told on its own line before
    it)."""

    def __init__(self, message: str, skipped: list[Skip] | None = None, notices: list[Notice] | None = None):
        super().__init__(message)
        self.skipped = skipped or []
        self.notices = notices or []


@dataclass(frozen=True)
class Item:
    """One question read from a source, before it is checked against the bank format."""

    where: str  # "line 12", "row 3", "note 1680000000 (guid Ab12)": for messages
    prompt: str
    answer: str
    source_id: str | None = None  # an id the source gives (Markdown {#id}, an id column, Anki's guid)
    key_points: tuple[str, ...] = ()
    follow_ups: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    topic: str | None = None
    difficulty: int | None = None
    hidden: str | None = None  # a cloze's hidden text: its first key point
    fields: tuple[tuple[str, object], ...] = ()  # other bank fields, as given (kind, choices, ...)
    history_key: str | None = None  # the key of its review log when not source_id (an Anki note's GUID)
    line_breaks: bool = False  # each line of the answer ends a sentence (Anki's <br>): for proposing


@dataclass(frozen=True)
class Skip:
    where: str
    reason: str


@dataclass(frozen=True)
class Notice:
    """Something an import did that the person should know of (an id renamed, a question read as part of
    another's answer): told on its own line, not counted as an item."""

    where: str
    message: str


@dataclass(frozen=True)
class BankMeta:
    id: str
    title: str
    round: str = "technical"
    topic: str | None = None
    roles: tuple[str, ...] = ()
    description: str = ""


@dataclass
class ImportResult:
    """The bank's TOML text and the counts the person is told."""

    toml: str
    read: int
    made: int
    skipped: list[Skip] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    proposed: int = 0  # questions whose key points were proposed (marked for review)
    competencies: int = 0  # behavioral questions whose competencies were proposed (marked too)
    media: int = 0
    scripts: int = 0
    target: Path | None = None  # where the caller writes it
    bank_id: str = ""
    ids: dict[str, str] = field(default_factory=dict)  # source id -> question id, for the history
    history: dict[str, list[AnkiAnswer]] = field(default_factory=dict)  # question id -> its Anki answers
    dues: dict[str, AnkiDue] = field(default_factory=dict)  # question id -> its Anki card's schedule

    def summary(self, source: str) -> str:
        parts = [f"read {self.read}", f"made {plural(self.made, 'question')}", f"skipped {len(self.skipped)}"]
        extra = ""
        if self.proposed:
            extra += f"; {plural(self.proposed, 'question')} with proposed key points to review"
        if self.competencies:
            extra += f"; {plural(self.competencies, 'question')} with proposed competencies to review"
        if self.media:
            extra += f"; {plural(self.media, 'media file')} dropped"
        if self.scripts:
            extra += f"; {plural(self.scripts, 'script')} removed"
        if self.notices:
            extra += f"; {plural(len(self.notices), 'note')} above"
        return f"{source}: {', '.join(parts)}{extra}"


def slug(text: str, limit: int = 64) -> str:
    """Lower-case ASCII letters, digits and '-' (what bank ids, topics and tags allow); a slug stays."""
    if re.fullmatch(SLUG, text):
        return text
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    out = "-".join(words)[:limit].strip("-")
    return out


def wanted_id(item: Item) -> str:
    """The id the item asks for: the source's own id, or the prompt's words and a short hash."""
    if item.source_id and re.fullmatch(r"[a-z0-9][a-z0-9-]{0,63}", item.source_id):
        return item.source_id
    seed = item.source_id or item.prompt
    digest = hashlib.sha256(seed.encode()).hexdigest()[:8]
    words = slug(item.prompt if not item.source_id else item.source_id, 40) or "q"
    return f"{words}-{digest}"


def stable_id(item: Item, taken: set[str]) -> str:
    """:func:`wanted_id`, or when another question holds it that id and "-2", "-3"...; never in ``taken``."""
    base = wanted_id(item)
    candidate, n = base, 2
    while candidate in taken:
        candidate = f"{base[:60]}-{n}"
        n += 1
    taken.add(candidate)
    return candidate


def split_tags(text: str) -> tuple[str, ...]:
    """The tags of a CSV cell or a Markdown ``Tags:`` line: separated by ``,`` or ``;`` (with or without
    spaces; a tag of several words, "time series", becomes one, ``time-series``), or by spaces alone when
    neither is there, as Anki writes them. A hashtag's ``#`` is left out."""
    parts = re.split(r"[,;]", text) if re.search(r"[,;]", text) else text.split()
    return tuple(tag for part in parts if (tag := part.strip().lstrip("#").strip()))


def _tags(values: tuple[str, ...]) -> list[str]:
    return list(dict.fromkeys(t for t in (slug(v) for v in values) if t))


def build_bank(
    meta: BankMeta, items: list[Item | Skip | Notice], existing_points: dict[str, list[str]] | None = None
) -> ImportResult:
    """The bank file for ``items``: one question each unless skipped (with why).

    ``existing_points`` are the key points of a previous import's file by question id: a re-import keeps
    points the person has reviewed instead of proposing them again.
    """
    if not re.fullmatch(SLUG, meta.id):
        raise SourceError(f"bank id {meta.id!r} must be lower-case letters, digits and '-' (e.g. 'my-nlp')")
    if meta.round not in ROUNDS:
        raise SourceError(f"round must be one of {', '.join(ROUNDS)} (got {meta.round!r})")
    skipped: list[Skip] = []
    blocks: list[str] = []
    taken: set[str] = set()
    proposed = 0
    read = 0
    ids: dict[str, str] = {}
    notices: list[Notice] = []
    owners: dict[str, str] = {}  # question id -> where its item was read
    for item in items:
        if isinstance(item, Notice):
            notices.append(item)
            continue
        read += 1
        if isinstance(item, Skip):
            skipped.append(item)
            continue
        item = _without_controls(item)
        reason = _unfit(item)
        if reason:
            skipped.append(Skip(item.where, reason))
            continue
        qid = stable_id(item, taken)
        owners[qid] = item.where
        points = [k.strip() for k in item.key_points if k.strip() and has_word(k)]
        review = False
        if not points and existing_points and qid in existing_points:
            points = existing_points[qid]
        elif not points:
            points, review = propose_key_points(item.answer, item.hidden, item.line_breaks), True
        if len(points) < 2:
            taken.discard(qid)
            del owners[qid]
            skipped.append(Skip(item.where, _few_points(item, bool(item.key_points))))
            continue
        proposed += review
        if qid != (wanted := wanted_id(item)):
            notices.append(_renamed(item.where, wanted, qid, owners.get(wanted)))
        if item.history_key or item.source_id:
            ids[item.history_key or item.source_id] = qid
        guessed = None
        if meta.round == "behavioral" and "competencies" not in dict(item.fields):
            guessed = propose_competencies(item)
        if item.topic and meta.topic and slug(item.topic) == meta.topic:
            item = replace(item, topic=None)  # the bank's own topic: no line of its own
        blocks.append(_question_toml(qid, item, points[:MAX_POINTS], review, guessed))
    notices.sort(key=_line_of)  # a source's notices and the renames, in the order of its lines
    if len(skipped) == 1 and not blocks:
        raise SourceError(f"nothing to import: {skipped[0].where}: {skipped[0].reason}", notices=notices)
    if not blocks:
        reason = f"all {len(skipped)} items were skipped (each above)" if skipped else "no questions found"
        raise SourceError(f"nothing to import: {reason}", skipped, notices)
    result = ImportResult(
        _bank_header(meta) + "\n".join(blocks), read, len(blocks), skipped, notices, proposed, bank_id=meta.id
    )
    result.ids = ids
    result.competencies = sum(block.count(COMPETENCY_MARK) for block in blocks)
    return result


def _line_of(notice: Notice) -> int:
    """The line a notice names ('line 7', 'row 4 (line 6)', 'row 3': a row on its own line); 0, before
    them, when it names none (an Anki note's id, the package)."""
    found = re.search(r"\bline (\d+)", notice.where) or re.match(r"row (\d+)", notice.where)
    return int(found.group(1)) if found else 0


def _renamed(where: str, wanted: str, qid: str, owner: str | None) -> Notice:
    """Ids key a question's reviews (``bank/id``): a renamed one is said, so the person can fix it."""
    holder = f"the question at {owner}" if owner else "another question"
    return Notice(where, f"id {wanted!r} is taken by {holder}: this one is {qid!r}")


def _without_controls(item: Item) -> Item:
    """The item's text without terminal escape sequences or control characters (a bank refuses them;
    a pasted colour code in one cell should not refuse the whole file)."""

    def cleaned(value: object) -> object:
        if isinstance(value, str):
            return clean(value)
        if isinstance(value, list | tuple):
            return type(value)(cleaned(v) for v in value)
        return value

    return replace(
        item,
        prompt=clean(item.prompt),
        answer=clean(item.answer),
        key_points=tuple(clean(k) for k in item.key_points),
        follow_ups=tuple(clean(f) for f in item.follow_ups),
        tags=tuple(clean(t) for t in item.tags),
        topic=None if item.topic is None else clean(item.topic),
        hidden=None if item.hidden is None else clean(item.hidden),
        fields=tuple((name, cleaned(value)) for name, value in item.fields),
    )


def propose_competencies(item: Item) -> list[str]:
    """The competencies a behavioral question's words point at (at most two); communication when none."""
    text = " ".join((item.prompt, *item.tags, item.topic or "")).lower().replace("_", "-")
    named = [c for c in COMPETENCIES if c in item.tags or c == (item.topic or "")]
    found = named or [
        name
        for name, cues in _COMPETENCY_CUES.items()
        if any(re.search(rf"\b{re.escape(cue)}", text) for cue in cues)
    ]
    return found[:2] or ["communication"]


def _few_points(item: Item, given: bool) -> str:
    if given:
        return "fewer than two key points with words in them (a question needs 2 to 6)"
    flat = " ".join(item.answer.split())
    short = shortened(flat)
    if not prose_blocks(item.answer, item.line_breaks):
        what = "holds no prose to propose key points from (tables, code and formulas are not proposed)"
    else:
        what = "gives fewer than two key points to propose"
    return f"answer {short!r} {what}: give it its key points (a question needs 2 to 6)"


def _unfit(item: Item) -> str | None:
    if not item.prompt.strip():
        return "empty prompt"
    if not item.answer.strip():
        return "empty answer"
    for name, text in (("prompt", item.prompt), ("answer", item.answer)):
        if len(text) > MAX_TEXT_CHARS:
            return f"{name} is longer than {MAX_TEXT_CHARS:,} characters"
    return None


def _bank_header(meta: BankMeta) -> str:
    lines = [
        f"id = {toml_string(meta.id)}",
        f"title = {toml_string(meta.title)}",
        f"round = {toml_string(meta.round)}",
    ]
    if meta.topic:
        lines.append(f"topic = {toml_string(meta.topic)}")
    if meta.roles:
        lines.append(f"roles = {toml_list(list(meta.roles))}")
    if meta.description:
        lines.append(f"description = {toml_string(meta.description)}")
    return "\n".join(lines) + "\n\n"


def _question_toml(
    qid: str, item: Item, points: list[str], review: bool, competencies: list[str] | None = None
) -> str:
    lines = ["[[questions]]", f"id = {toml_string(qid)}"]
    topic = slug(item.topic) if item.topic else None
    if topic:
        lines.append(f"topic = {toml_string(topic)}")
    if item.difficulty in (1, 2, 3):
        lines.append(f"difficulty = {item.difficulty}")
    lines.append(f"prompt = {toml_string(item.prompt.strip())}")
    lines.append(f"answer = {toml_string(item.answer.strip())}")
    if review:
        lines.append(REVIEW_MARK)
    lines.append(f"key_points = {toml_list(points)}")
    follow_ups = [f.strip() for f in item.follow_ups if f.strip()][:10]
    if follow_ups:
        lines.append(f"follow_ups = {toml_list(follow_ups)}")
    tags = _tags(item.tags)
    if tags:
        lines.append(f"tags = {toml_list(tags)}")
    if competencies:
        lines += [COMPETENCY_MARK, f"competencies = {toml_list(competencies)}"]
    for name, value in item.fields:
        lines.append(f"{name} = {toml_value(value)}")
    return "\n".join(lines) + "\n"


_BASIC_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t"}
_NEEDS_BASIC = re.compile(r"[\x00-\x08\x0a-\x1f\x7f']")
_ESCAPE = re.compile(r'["\\\x00-\x1f\x7f]')


def toml_string(text: str) -> str:
    """``text`` as a TOML string: a literal string where that reads well (and parses fastest), else a
    basic string with escapes."""
    if not _NEEDS_BASIC.search(text):
        return "'" + text + "'"
    if "\n" in text and "'''" not in text and not text.endswith("'") and not _needs_escape(text):
        return "'''\n" + text + "'''"
    return '"' + _ESCAPE.sub(_escape, text) + '"'


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    return _BASIC_ESCAPES.get(char) or f"\\u{ord(char):04X}"


def _needs_escape(text: str) -> bool:
    return any((ord(c) < 0x20 and c not in "\n\t") or ord(c) == 0x7F for c in text)


def toml_value(value: object) -> str:
    """A scalar, a list or a table of them as TOML (bool before int: a bool is an int in Python)."""
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if value == value and abs(value) != float("inf") else str(value).lower()
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):  # an inline table (a code question's test)
        return "{" + ", ".join(f"{_toml_key(str(k))} = {toml_value(v)}" for k, v in value.items()) + "}"
    raise SourceError(f"cannot write {value!r} in a bank")


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else toml_string(key)


def toml_list(values: list[str]) -> str:
    if sum(len(v) for v in values) < 60 and all("\n" not in v for v in values):
        return "[" + ", ".join(toml_string(v) for v in values) + "]"
    return "[\n" + "".join(f"  {toml_string(v)},\n" for v in values) + "]"
