"""STAR stories: the draft, its Markdown form for editing in $EDITOR, and a rubric that says what it lacks.

Pure core: standard library only, no I/O. A story has four required parts (Situation, Task, Action,
Result) and an optional Reflection.

The rubric of :func:`check_story`, 100 points; an item passes only with its full points:

- ``parts`` 25: each required part present and substantive (15+ words); a thin part earns half.
- ``proportions`` 20: words split about S 20 / T 10 / A 60 / R 10 %, with Action the largest part.
- ``quantified-result`` 20: the Result has a number, percentage, duration, money or multiplier, or
  names the proxy it was measured by.
- ``first-person`` 15: the Action says "I" at least as often as "we".
- ``spoken-length`` 10: 1.5 to 3 minutes at 150 words a minute.
- ``filler`` 10: no vague filler ("very", "just", "kind of", ...); each one costs 2 points.

A word is a run of letters, digits and apostrophes with at least one letter ("I'm", "Q3", "3x"). A bare
number such as "40%" or "0.78" is not a word, so quantifying a Result never costs points elsewhere.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, fields

PARTS = ("situation", "task", "action", "result", "reflection")
REQUIRED_PARTS = PARTS[:4]
UNTITLED = "Untitled story"
TARGET_SHARES = {"situation": 0.20, "task": 0.10, "action": 0.60, "result": 0.10}
MIN_PART_WORDS = 15
WORDS_PER_MINUTE = 150
MIN_SECONDS, MAX_SECONDS = 90, 180
FILLER_WORDS = (
    "very", "basically", "kind of", "sort of", "stuff", "things",
    "really", "just", "actually", "a lot", "various", "etc",
)  # fmt: skip
WEIGHTS = {
    "parts": 25,
    "proportions": 20,
    "quantified-result": 20,
    "first-person": 15,
    "spoken-length": 10,
    "filler": 10,
}
PROPORTION_SLACK = 0.15  # total variation distance from the target split that still earns full points
FILLER_PENALTY = 2

_MIN_WORDS = MIN_SECONDS * WORDS_PER_MINUTE // 60
_MAX_WORDS = MAX_SECONDS * WORDS_PER_MINUTE // 60
_MIN_STORY_WORDS = MIN_PART_WORDS * len(REQUIRED_PARTS)  # less than this is too little to judge filler by


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


def is_blank(draft: StoryDraft) -> bool:
    """True when no part has any text, as in a template saved without changes."""
    return not any(text.strip() for text in draft.parts().values())


def competency_slugs(names: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Names as unique slugs in order: "Problem Solving" -> "problem-solving"; blanks are dropped."""
    slugs: dict[str, None] = {}
    for name in names:
        ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
        slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
        if slug:
            slugs[slug] = None
    return tuple(slugs)


def _clean_title(title: str) -> str:
    return " ".join(title.split()) or UNTITLED


def _clean_text(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.splitlines()).strip()


# -- Markdown ------------------------------------------------------------------------------------------

_GUIDANCE = """\
<!--
Tell the story in 1.5-3 minutes: about 225-450 words at 150 words a minute.
Split the words roughly Situation 20%, Task 10%, Action 60%, Result 10%.
Situation: where and when, and the context a listener needs, in two or three sentences.
Task: what you were responsible for, and the stakes or the constraint.
Action: what YOU did, step by step, in the first person ("I", not "we"). The bulk of the story.
Result: what changed, quantified: a metric, %, time, money or multiplier ("3x faster",
  "from 0.71 to 0.78", "two weeks earlier"), or the proxy you measured it by ("measured by ...").
Reflection (optional): what you learned, or would do differently.
Competencies: comma-separated, e.g. communication, leadership.
Text inside these comment markers is ignored.
-->"""

_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_HEADING = re.compile(r"^[ \t]*(#{1,6})(?!#)[ \t]*(.*)$")
_COMPETENCIES = re.compile(r"^\s*competenc(?:y|ies)\s*:(.*)$", re.IGNORECASE)
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


def render_markdown(draft: StoryDraft, guidance: bool = True) -> str:
    """The draft as a Markdown document to edit; ``guidance`` adds a comment explaining each part."""
    story = draft.normalised()
    lines = [f"# {story.title}", f"Competencies: {', '.join(story.competencies)}".rstrip()]
    if guidance:
        lines.append(_GUIDANCE)
    for part, text in story.parts().items():
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
    """
    title: str | None = None
    competencies: list[str] = []
    preamble: list[str] = []
    bodies: dict[str, list[str]] = {part: [] for part in PARTS}
    current: str | None = None
    for line in _strip_comments(text).splitlines():
        heading = _HEADING.match(line)
        if heading and current is None and title is None and len(heading.group(1)) == 1:
            title = heading.group(2)
            continue
        part = _part_named(heading.group(2)) if heading else None
        if part:
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


# -- the rubric ----------------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_I_WORDS = re.compile(r"\b(?:i(?!\.e\.)|me|my|mine|myself)\b", re.IGNORECASE)  # "I'm", "I've" count as "I"
_WE_WORDS = re.compile(r"\b(?:we|us|our|ours|ourselves)\b", re.IGNORECASE)
_FILLER = {
    word: re.compile(r"\b" + r"\s+".join(map(re.escape, word.split())) + r"\b", re.IGNORECASE)
    for word in FILLER_WORDS
}
_SPELLED_NUMBERS = (
    "two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundreds? "
    "thousands? millions? billions? dozens? twice half doubled tripled quadrupled halved tenfold"
).split()
_QUANTITIES = (
    re.compile(r"(?<![^\W\d_])\d"),  # 40%, 3x, $2M, 0.71; not the 3 of "Q3"
    re.compile(r"\b(?:" + "|".join(_SPELLED_NUMBERS) + r")\b", re.IGNORECASE),
    re.compile(r"\b(?:a|an|one)\s+(?:second|minute|hour|day|week|month|quarter|year)s?\b", re.IGNORECASE),
    re.compile(r"\bproxy\b|\bmeasured\s+(?:by|as|in|with|via|through)\b|\bas\s+measured\b", re.IGNORECASE),
)


@dataclass(frozen=True)
class CheckItem:
    """One rubric item: whether it passed, advice to act on, and the points it earned."""

    name: str
    passed: bool
    message: str
    points: int
    max_points: int


@dataclass(frozen=True)
class StoryCheck:
    """The rubric's verdict: score 0-100, its items, words per part, S/T/A/R percentages, spoken seconds."""

    score: int
    items: tuple[CheckItem, ...]
    word_counts: dict[str, int]
    percentages: dict[str, float]
    estimated_seconds: int

    @property
    def advice(self) -> list[str]:
        """The messages of the items that did not pass, in rubric order."""
        return [item.message for item in self.items if not item.passed]


def count_words(text: str) -> int:
    return sum(1 for word in _WORD.findall(text) if any(ch.isalpha() for ch in word))


def check_story(draft: StoryDraft) -> StoryCheck:
    """Score a draft against the STAR rubric (weights in the module docstring), with itemised advice."""
    texts = draft.parts()
    words = {part: count_words(text) for part, text in texts.items()}
    core_words = sum(words[part] for part in REQUIRED_PARTS)
    story_words = sum(words.values())
    shares = {part: words[part] / core_words if core_words else 0.0 for part in REQUIRED_PARTS}
    seconds = story_words * 60 / WORDS_PER_MINUTE
    items = (
        _check_parts(words),
        _check_proportions(words, shares, core_words),
        _check_quantified(draft.result),
        _check_first_person(draft.action),
        _check_length(story_words, seconds),
        _check_filler(texts, story_words),
    )
    return StoryCheck(
        score=sum(item.points for item in items),
        items=items,
        word_counts=words,
        percentages={part: round(100 * share, 1) for part, share in shares.items()},
        estimated_seconds=round(seconds),
    )


def _item(name: str, passed: bool, message: str, points: int = 0) -> CheckItem:
    top = WEIGHTS[name]
    return CheckItem(name, passed, message, top if passed else min(points, top - 1), top)


def _round(x: float) -> int:
    return int(x + 0.5)


def _names(parts: list[str]) -> str:
    return ", ".join(part.capitalize() for part in parts)


def _check_parts(words: dict[str, int]) -> CheckItem:
    missing = [p for p in REQUIRED_PARTS if words[p] == 0]
    thin = [p for p in REQUIRED_PARTS if 0 < words[p] < MIN_PART_WORDS]
    if not missing and not thin:
        counts = ", ".join(f"{p.capitalize()} {words[p]}" for p in REQUIRED_PARTS)
        return _item("parts", True, f"All four parts are there and substantive ({counts} words).")
    problems = []
    if missing:
        headings = ", ".join(f"'## {p.capitalize()}'" for p in missing)
        problems.append(f"Missing: {_names(missing)}; write each under its own heading ({headings}).")
    if thin:
        counts = ", ".join(f"{p.capitalize()} ({words[p]} words)" for p in thin)
        problems.append(f"Thin: {counts}; give each part at least {MIN_PART_WORDS} words.")
    halves = sum(2 if words[p] >= MIN_PART_WORDS else 1 if words[p] else 0 for p in REQUIRED_PARTS)
    return _item("parts", False, " ".join(problems), _round(WEIGHTS["parts"] * halves / 8))


def _check_proportions(words: dict[str, int], shares: dict[str, float], core_words: int) -> CheckItem:
    if not core_words:
        return _item("proportions", False, "No story text yet: aim for about S 20%, T 10%, A 60%, R 10%.")
    split = ", ".join(f"{p.capitalize()} {100 * shares[p]:.0f}%" for p in REQUIRED_PARTS)
    distance = sum(abs(shares[p] - TARGET_SHARES[p]) for p in REQUIRED_PARTS) / 2
    action_largest = all(words["action"] > words[p] for p in ("situation", "task", "result"))
    if action_largest and distance <= PROPORTION_SLACK:
        return _item("proportions", True, f"{split}: close to the ~20/10/60/10 split.")
    fixes = []
    for part in sorted(REQUIRED_PARTS, key=lambda p: -abs(shares[p] - TARGET_SHARES[p])):
        gap = shares[part] - TARGET_SHARES[part]
        change = _round(abs(words[part] - TARGET_SHARES[part] * core_words))
        if abs(gap) >= 0.05 and change:
            name = part.capitalize()
            fixes.append(f"cut ~{change} words from {name}" if gap > 0 else f"add ~{change} words to {name}")
    lead = "; Action should be the largest part" if not action_largest else ""
    todo = f": {'; '.join(fixes)}." if fixes else "."
    message = f"{split}; aim for about S 20%, T 10%, A 60%, R 10%{lead}{todo}"
    points = _round(WEIGHTS["proportions"] * min(1.0, max(0.0, (0.5 - distance) / (0.5 - PROPORTION_SLACK))))
    if not action_largest:
        points = min(points, WEIGHTS["proportions"] // 2)
    return _item("proportions", False, message, points)


def _quantity_in(text: str) -> str | None:
    """The first number, duration, multiplier or proxy phrase in ``text``, as written."""
    for pattern in _QUANTITIES:
        found = pattern.search(text)
        if found:
            start, end = found.span()
            if pattern is _QUANTITIES[0]:  # widen a digit to its whole token: "$2M", "40%"
                start -= len(re.search(r"\S*\Z", text[:start]).group())
                end += len(re.match(r"\S*", text[end:]).group())
            return text[start:end].strip(" ,.;:()\"'")
    return None


def _check_quantified(result: str) -> CheckItem:
    evidence = _quantity_in(result)
    if evidence:
        return _item("quantified-result", True, f"The Result is quantified ('{evidence}').")
    advice = (
        "add a metric, percentage, time, money or multiplier ('40% fewer errors', '3x faster', "
        "'from 0.71 to 0.78'), or name the proxy you measured it by ('measured by ...')."
    )
    if not result.strip():
        return _item("quantified-result", False, f"No Result yet: say what changed, and {advice}")
    return _item("quantified-result", False, f"The Result has no number: {advice}")


def _check_first_person(action: str) -> CheckItem:
    if not count_words(action):
        return _item("first-person", False, "No Action yet: say what you did, step by step, as 'I'.")
    mine, ours = len(_I_WORDS.findall(action)), len(_WE_WORDS.findall(action))
    if mine == 0:
        we = f" ('we' ×{ours})" if ours else ""
        message = f"The Action never says 'I'{we}: say what you did yourself ('I built ...')."
        return _item("first-person", False, message)
    if ours > mine:
        message = (
            f"'we' (×{ours}) outnumbers 'I' (×{mine}) in the Action: make your own part explicit; "
            "keep 'we' for what the team did."
        )
        return _item("first-person", False, message, _round(WEIGHTS["first-person"] * mine / (mine + ours)))
    return _item("first-person", True, f"The Action is in the first person ('I' ×{mine}, 'we' ×{ours}).")


def _clock(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


def _check_length(story_words: int, seconds: float) -> CheckItem:
    span = f"1.5-3 minutes ({_MIN_WORDS}-{_MAX_WORDS} words)"
    aim = f"aim for {span}"
    if not story_words:
        return _item("spoken-length", False, f"No story text yet: a told story should last {span}.")
    said = f"About {_clock(seconds)} spoken ({story_words} words at {WORDS_PER_MINUTE} a minute)"
    if seconds < MIN_SECONDS:
        message = f"{said}: too short; {aim}: add {_MIN_WORDS - story_words} words, mostly to Action."
        return _item("spoken-length", False, message, int(WEIGHTS["spoken-length"] * seconds / MIN_SECONDS))
    if seconds > MAX_SECONDS:
        message = f"{said}: too long; {aim}: cut {story_words - _MAX_WORDS} words, first from Situation."
        points = int(WEIGHTS["spoken-length"] * max(0.0, 1 - (seconds - MAX_SECONDS) / MAX_SECONDS))
        return _item("spoken-length", False, message, points)
    return _item("spoken-length", True, f"{said}: within {span}.")


def _check_filler(texts: dict[str, str], story_words: int) -> CheckItem:
    found: dict[str, dict[str, int]] = {}
    for word, pattern in _FILLER.items():
        where = {part.capitalize(): n for part, text in texts.items() if (n := len(pattern.findall(text)))}
        if where:
            found[word] = where
    top = WEIGHTS["filler"]
    # A short text earns the filler points in proportion, so an empty draft earns none.
    base = top if story_words >= _MIN_STORY_WORDS else int(top * story_words / _MIN_STORY_WORDS)
    total = sum(sum(where.values()) for where in found.values())
    if total:
        listed = ", ".join(f"'{w}' ×{sum(where.values())} ({', '.join(where)})" for w, where in found.items())
        message = f"Filler: {listed}; cut them or replace them with specifics."
        return _item("filler", False, message, max(0, base - FILLER_PENALTY * total))
    if base < top:
        return _item("filler", False, f"No filler, but {story_words} words are too few to judge.", base)
    return _item("filler", True, "No vague filler words.")
