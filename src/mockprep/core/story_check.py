"""The STAR rubric: what a story draft lacks, scored out of 100 with itemised advice. Pure.

The rubric of :func:`check_story`, 100 points; an item passes only with its full points:

- ``first-person`` 25: the Action says "I" at least as often as "we" (subjects: "my manager" or "took
  me" is not what you did); a bullet that starts with a verb ("- Pulled the logs") is an "I" in a
  draft; fewer earn in proportion, none earn nothing.
- ``parts`` 20: each required part present and substantive (15+ words); a thin part earns half.
- ``quantified-result`` 20: the Result has a quantity (a percentage, multiplier, money, duration, count
  of something, a value changed or reached, how often); a year, a date or a version is no quantity,
  nor is a metric named without how much it moved (:mod:`mockprep.core.quantities`).
- ``proportions`` 15: words split about S 20 / T 10 / A 60 / R 10 %, with Action the largest part;
  judged only when every part has text and the four have 60 words or more (no points before).
- ``spoken-length`` 10: about two minutes at 150 words a minute, 1m30s to 2m30s
  (:func:`mockprep.core.stories.telling_range`, the one notion of a told story's length).
- ``filler`` 10: no vague filler ("very", "just", "kind of", ...); each one costs 2 points.

Then two faults a behavioral interviewer does not get past cap the score, whatever the other items
earn (:data:`CAPS`): an Action that never says "I" (at most 50: nobody can tell what you did; fewer
"I" than "we" caps it between 50 and 100), and a story that cannot be told as one: under 45 seconds
(the cap rises from 0 to 100 over 0-45 s: a summary, not a story) or over 2m30s (the cap falls
by 20 a minute to a floor of 40 at 5m30s: cutting is a fixable fault, like a missing number or "we"
for "I", and costs about as much), or a sentence too long to follow when told (over 150 words without
a full stop: word salad or a pasted transcript, at most 10). Filler over 5 words in 100 caps it too
(at 10 in 100, 50: an interviewer hears hedging, not what you did), so a rambling story cannot
outscore a strong one told with "we".

A word is a run of letters, digits and apostrophes with at least one letter ("I'm", "Q3", "3x"). A bare
number such as "40%" or "0.78" is not a word, so quantifying a Result never costs points elsewhere.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass

from mockprep.core.durations import format_duration
from mockprep.core.quantities import find_quantity, non_quantities
from mockprep.core.stories import (
    REQUIRED_PARTS,
    TELLING_AIM_SECONDS,
    WORDS_PER_MINUTE,
    StoryDraft,
    telling_range,
    told_length,
)
from mockprep.core.wording import plural

TARGET_SHARES = {"situation": 0.20, "task": 0.10, "action": 0.60, "result": 0.10}
MIN_PART_WORDS = 15
MIN_SECONDS, MAX_SECONDS = (round(s) for s in telling_range())  # 90, 150
FILLER_WORDS = (
    "very", "basically", "kind of", "sort of", "stuff", "things",
    "really", "just", "actually", "a lot", "various", "etc",
)  # fmt: skip
WEIGHTS = {  # (in rubric order; the docstring lists them by weight)
    "parts": 20,
    "proportions": 15,
    "quantified-result": 20,
    "first-person": 25,
    "spoken-length": 10,
    "filler": 10,
}
CAPS = {  # the score's ceiling set by an item's fault (see the module docstring)
    "no-i": 50,  # an Action that never says "I"
    "per-minute-over": 20,  # lost per minute spoken over MAX_SECONDS
    "too-long-floor": 40,  # the lowest it goes for length alone: cutting is a fixable fault
    "run-on": 10,  # a sentence over RUN_ON_WORDS: no one can follow it told
    "filler-per-100": 5,  # above this many filler words in 100 the ceiling falls 10 per extra word
    "short-seconds": 45,  # under this many seconds the ceiling falls in proportion
}
PROPORTION_SLACK = 0.15  # total variation distance from the target split that still earns full points
FILLER_PENALTY = 2
RUN_ON_WORDS = 150  # a minute told without a full stop

_MIN_WORDS = MIN_SECONDS * WORDS_PER_MINUTE // 60
_MAX_WORDS = MAX_SECONDS * WORDS_PER_MINUTE // 60
_MIN_STORY_WORDS = MIN_PART_WORDS * len(REQUIRED_PARTS)  # too little below this to judge a split or filler by


_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
# who did it: the subject "I" ("I'm", "I've" count) and "we"; "my manager" and "took me" are not you acting
_I_WORDS = re.compile(r"\bi\b(?!\.e\.)", re.IGNORECASE)
_WE_WORDS = re.compile(r"\bwe\b", re.IGNORECASE)
# a bullet of a draft that starts with a verb ("- Pulled logs", "2. Rewrote the import"): its "I" is implied
_VERB_BULLET = re.compile(
    r"^[ \t]*(?:[-*•]|\d+[.)])[ \t]+(?!(?:i|we|the|a|an|our|my|they|he|she|it|this|that|team)\b)[a-z]+ed\b"
    r"|^[ \t]*(?:[-*•]|\d+[.)])[ \t]+(?!(?:i|we|the|a|an|our|my|they|he|she|it|this|that|team)\b)"
    r"(?:built|wrote|ran|led|set|made|took|found|got|met|put|sent|told|drove|began|chose|split|cut|"
    r"held|kept|brought|taught|spoke|paired|shadowed|rewrote|reproduced|added|moved|asked)\b",
    re.IGNORECASE | re.MULTILINE,
)
_FILLER = {
    word: re.compile(r"\b" + r"\s+".join(map(re.escape, word.split())) + r"\b", re.IGNORECASE)
    for word in FILLER_WORDS
}
# "just" that places something in time or measures it ("just before each divergence", "just under 5%")
# says something; only the hedge is filler
_FILLER["just"] = re.compile(
    r"(?<!\bnot\s)\bjust\b"  # "not just to apologise" says what else
    r"(?!\s+(?:before|after|as|when|once|in\s+time|enough|under|over|below|above|short|ahead|behind))",
    re.IGNORECASE,
)
# "what had actually gone wrong", "what actually happened": the real against the believed, not a hedge
_FILLER["actually"] = re.compile(
    r"(?<!\bwhat\s)(?<!\bhad\s)(?<!\bhas\s)(?<!\bhave\s)"
    r"(?<!\bwho\s)(?<!\bhow\s)(?<!\bwhy\s)\bactually\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class CheckItem:
    """One rubric item: whether it passed, advice to act on, and the points it earned."""

    name: str
    passed: bool
    message: str
    points: int
    max_points: int
    cap: int | None = None  # the ceiling this item's fault sets on the whole score, if any
    held: str = ""  # the sentence saying so, added to the message only where the cap holds the score down


@dataclass(frozen=True)
class StoryCheck:
    """The rubric's verdict: score 0-100 (its items' points, or the lowest cap an item sets when that is
    lower), its items, words per part, S/T/A/R percentages, spoken seconds (its words at
    WORDS_PER_MINUTE, unrounded: the seconds the length item judges)."""

    score: int
    items: tuple[CheckItem, ...]
    word_counts: dict[str, int]
    percentages: dict[str, float]
    estimated_seconds: float

    @property
    def capped_by(self) -> CheckItem | None:
        """The item whose fault holds the score below its points, if one does."""
        total = sum(item.points for item in self.items)
        holding = [item for item in self.items if item.cap is not None and item.cap < total]
        return min(holding, key=lambda item: item.cap or 0, default=None)

    @property
    def advice(self) -> list[str]:
        """The messages of the items that did not pass, most costly first: an item that caps the score,
        then by points short of full (rubric order among equals); the first are what a save shows."""
        total = sum(item.points for item in self.items)
        failed = [item for item in self.items if not item.passed]
        binding = {id(item): item.cap for item in failed if item.cap is not None and item.cap < total}
        failed.sort(key=lambda item: (binding.get(id(item), 101), item.points - item.max_points))
        return [item.message for item in failed]


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
        _check_length(story_words, seconds, words, texts),
        _check_filler(texts, story_words),
    )
    total = sum(item.points for item in items)
    # "held at 50" only where it holds the score down: an empty draft scores 0 and is told nothing of 50
    items = tuple(
        dataclasses.replace(item, message=f"{item.message} {item.held.format(cap=item.cap)}".rstrip())
        if item.held and item.cap is not None and item.cap < total
        else item
        for item in items
    )
    return StoryCheck(
        score=min([total, *(item.cap for item in items if item.cap is not None)]),
        items=items,
        word_counts=words,
        percentages={part: round(100 * share, 1) for part, share in shares.items()},
        estimated_seconds=seconds,
    )


def _item(
    name: str, passed: bool, message: str, points: int = 0, cap: int | None = None, held: str = ""
) -> CheckItem:
    top = WEIGHTS[name]
    return CheckItem(name, passed, message, top if passed else min(points, top - 1), top, cap, held)


def _round(x: float) -> int:
    return int(x + 0.5)


def whole_percent(percentage: float) -> int:
    """A part's share as every line of the check writes it: to one decimal (as ``percentages`` holds
    it), then to a whole number, half up; so the split in the advice and the one shown below agree."""
    return _round(round(percentage, 1))


# what each part says, for a part left empty (words that fit an editor's draft and the prompts alike)
_PART_SAYS = {
    "situation": "where and when, and what a listener needs to know",
    "task": "what you were responsible for",
    "action": "what you did, step by step",
    "result": "what changed, with numbers",
}


def _check_parts(words: dict[str, int]) -> CheckItem:
    empty = [p for p in REQUIRED_PARTS if words[p] == 0]
    thin = [p for p in REQUIRED_PARTS if 0 < words[p] < MIN_PART_WORDS]
    if not empty and not thin:
        counts = ", ".join(f"{p.capitalize()} {words[p]}" for p in REQUIRED_PARTS)
        return _item("parts", True, f"All four parts are there and substantive ({counts} words).")
    problems = []
    if empty:
        # "empty", not "missing": the draft cannot tell a heading left out from one with nothing under
        # it, and a story typed at the prompts has no headings at all
        verb = "is" if len(empty) == 1 else "are"
        says = " ".join(f"{p.capitalize()}: {_PART_SAYS[p]}." for p in empty)
        problems.append(f"{_listed([p.capitalize() for p in empty])} {verb} empty. {says}")
        # the shape of a Markdown draft whose part headings went: a whole story under Situation
        if empty == ["task", "action", "result"] and words["situation"] >= _MIN_STORY_WORDS:
            problems.append(
                "All the text is under Situation: in a Markdown draft each part starts at its own"
                " heading ('## Task') or label ('Task:')."
            )
    if thin:
        counts = ", ".join(f"{p.capitalize()} ({plural(words[p], 'word')})" for p in thin)
        problems.append(f"Thin: {counts}; give each part at least {MIN_PART_WORDS} words.")
    halves = sum(2 if words[p] >= MIN_PART_WORDS else 1 if words[p] else 0 for p in REQUIRED_PARTS)
    return _item("parts", False, " ".join(problems), _round(WEIGHTS["parts"] * halves / 8))


def _listed(names: list[str]) -> str:
    """ "A", "A and B", "A, B and C"."""
    return " and ".join(names) if len(names) < 3 else f"{', '.join(names[:-1])} and {names[-1]}"


def _check_proportions(words: dict[str, int], shares: dict[str, float], core_words: int) -> CheckItem:
    if not core_words:
        return _item("proportions", False, "No story text yet: aim for about S 20%, T 10%, A 60%, R 10%.")
    split = ", ".join(f"{p.capitalize()} {whole_percent(100 * shares[p])}%" for p in REQUIRED_PARTS)
    distance = sum(abs(shares[p] - TARGET_SHARES[p]) for p in REQUIRED_PARTS) / 2
    action_largest = all(words["action"] > words[p] for p in ("situation", "task", "result"))
    empty = [p.capitalize() for p in REQUIRED_PARTS if not words[p]]  # (a missing part is no split)
    # a split of a few words is no split: one word moves a part's share by several points
    judged = not empty and core_words >= _MIN_STORY_WORDS
    if judged and action_largest and distance <= PROPORTION_SLACK:
        return _item("proportions", True, f"{split}: close to the ~20/10/60/10 split.")
    length, changes = split_changes(words)
    fixes = [
        f"add ~{plural(change, 'word')} to {part.capitalize()}"
        if change > 0
        else f"cut ~{plural(-change, 'word')} from {part.capitalize()}"
        for part, change in sorted(changes.items(), key=lambda pc: -abs(pc[1]))
    ]
    lead = "; Action should be the largest part" if not action_largest else ""
    lead += f"; {' and '.join(empty)} {'is' if len(empty) == 1 else 'are'} empty" if empty else ""
    if not judged and not empty:
        lead += (
            f"; {plural(core_words, 'word')} earn no points for the split yet ({_MIN_STORY_WORDS} or more do)"
        )
    if fixes:
        counts = ", ".join(f"{p[0].upper()} {_round(TARGET_SHARES[p] * length)}" for p in REQUIRED_PARTS)
        at = f"{length} words" + (
            " (the shortest telling)"
            if length == _MIN_WORDS
            else " (the longest telling)"
            if length == _MAX_WORDS
            else ""
        )
        todo = f"; at {at} that is {counts} words: {'; '.join(fixes)}."
    else:
        todo = "."
    message = f"{split}; aim for about S 20%, T 10%, A 60%, R 10%{lead}{todo}"
    points = _round(WEIGHTS["proportions"] * min(1.0, max(0.0, (0.5 - distance) / (0.5 - PROPORTION_SLACK))))
    if not action_largest:
        points = min(points, WEIGHTS["proportions"] // 2)
    return _item("proportions", False, message, points if judged else 0)


def split_changes(words: dict[str, int]) -> tuple[int, dict[str, int]]:
    """The words to add to (+) or cut from (-) each part for the target split, and the length of the
    four parts that split is of: their own length, held within 225-375 words (1m30s-2m30s).

    So the changes together give the split, not each alone; a story too short grows to the shortest
    telling, where every part has 22 words or more (no part is told to add fewer words than the
    parts item asks for), and a story too long is only cut (to the longest telling's counts), never
    told to add words. A change under 2% of that length is left out (a word or two in 225)."""
    core = sum(words[p] for p in REQUIRED_PARTS)
    length = min(max(core, _MIN_WORDS), _MAX_WORDS)
    least = max(1, _round(0.02 * length))
    changes = {p: _round(TARGET_SHARES[p] * length) - words[p] for p in REQUIRED_PARTS}
    return length, {
        p: change
        for p, change in changes.items()
        if abs(change) >= least and not (change > 0 and core > _MAX_WORDS)
    }


def _check_quantified(result: str) -> CheckItem:
    evidence = find_quantity(result)
    if evidence:
        return _item("quantified-result", True, f"The Result is quantified ('{evidence}').")
    advice = (
        "say how much it moved: a percentage, time, money, multiplier or count ('40% fewer errors', "
        "'3x faster', 'from 0.71 to 0.78'); naming the metric alone does not say how much."
    )
    if not result.strip():
        return _item("quantified-result", False, f"No Result yet: say what changed, and {advice}")
    # a year, a date or a version is a number but no amount: say so, rather than "no number"
    named = [f"'{n.text}' is {n.kind}" for n in non_quantities(result)][:3]
    said = f" ({'; '.join(named)}, not an amount)" if named else ""
    return _item("quantified-result", False, f"The Result has no quantity{said}: {advice}")


def _check_first_person(action: str) -> CheckItem:
    no_i = CAPS["no-i"]
    held = f"The score is held at {no_i} or less until it does."
    if not count_words(action):
        return _item(
            "first-person", False, "No Action yet: say what you did, step by step, as 'I'.", 0, no_i, held
        )
    bullets = len(_VERB_BULLET.findall(action))
    mine, ours = len(_I_WORDS.findall(action)) + bullets, len(_WE_WORDS.findall(action))
    # the subject counts: "I" (and a bullet that starts with a verb) against "we"
    as_i = f"×{mine}" + (f", {plural(bullets, 'bullet')} starting with a verb" if bullets else "")
    if mine == 0:
        # the red flag of a behavioral round: the interviewer cannot tell what you did
        we = f" ('we' ×{ours})" if ours else ""
        message = f"The Action never says 'I'{we}: say what you did yourself ('I built ...')."
        return _item("first-person", False, message, 0, no_i, held)
    if ours > mine:
        # from no "I" (0 points, the cap) to as many "I" as "we" (full points, no cap), in proportion
        share = mine / (mine + ours)
        cap = _round(no_i + (100 - no_i) * 2 * share)
        message = (
            f"'we' (×{ours}) outnumbers 'I' ({as_i}) in the Action: make your own part explicit; "
            "keep 'we' for what the team did."
        )
        held = f"The score is held at {cap} or less until 'I' is said as often."
        return _item("first-person", False, message, _round(WEIGHTS["first-person"] * 2 * share), cap, held)
    return _item("first-person", True, f"The Action is in the first person ('I' {as_i}, 'we' ×{ours}).")


_SENTENCE_END = re.compile(r"[.!?;\n]+")


def _longest_sentence(texts: dict[str, str]) -> tuple[str, int]:
    """The part with the longest sentence and its words (a run with no full stop, "?", "!", ";" or line)."""
    found = [(count_words(run), part) for part, text in texts.items() for run in _SENTENCE_END.split(text)]
    words, part = max(found, default=(0, "action"))
    return part, words


def _check_length(
    story_words: int, seconds: float, words: dict[str, int], texts: dict[str, str]
) -> CheckItem:
    """The length told, and a sentence too long to follow told (word salad, a pasted transcript)."""
    item = _told_length(story_words, seconds, words)
    part, longest = _longest_sentence(texts)
    if longest <= RUN_ON_WORDS:
        return item
    cap = CAPS["run-on"]
    message = (
        f"{part.capitalize()} has a sentence of {longest} words: no one follows a sentence over"
        f" {RUN_ON_WORDS} words told; write it as sentences, one step each. {item.message}"
    )
    held = f"Until then the score is held at {cap} or less."
    return _item("spoken-length", False, message, item.points, min(cap, item.cap or 100), held)


def _told_length(story_words: int, seconds: float, words: dict[str, int]) -> CheckItem:
    span = (
        f"about {format_duration(TELLING_AIM_SECONDS)} ({format_duration(MIN_SECONDS)}"
        f"-{format_duration(MAX_SECONDS)}, {_MIN_WORDS}-{_MAX_WORDS} words)"
    )
    aim = f"aim for {span}"
    if not story_words:
        return _item("spoken-length", False, f"No story text yet: a told story should last {span}.")
    told = plural(story_words, "word")
    said = f"{told_length(seconds).capitalize()} spoken ({told} at {WORDS_PER_MINUTE} a minute)"
    # the part the proportions advice changes most, so the two items name the same one
    changes = split_changes(words)[1]
    if seconds < MIN_SECONDS:
        adds = {part: change for part, change in changes.items() if change > 0}
        most = max(adds, key=adds.__getitem__) if adds else "action"
        message = (
            f"{said}: too short; {aim}: add {plural(_MIN_WORDS - story_words, 'word')},"
            f" mostly to {most.capitalize()}."
        )
        short = CAPS["short-seconds"]
        cap = _round(100 * seconds / short) if seconds < short else None
        if cap is not None:  # a summary, not a story: an interviewer hears no Action to judge
            held = f"Under {short}s it is a summary, not a story: the score is held at {cap} or less."
        points = int(WEIGHTS["spoken-length"] * seconds / MIN_SECONDS)
        return _item("spoken-length", False, message, points, cap, held if cap is not None else "")
    if seconds > MAX_SECONDS:
        cuts = {part: -change for part, change in changes.items() if change < 0}
        first = (
            max(cuts, key=cuts.__getitem__) if cuts else "reflection" if words["reflection"] else "situation"
        )
        message = (
            f"{said}: too long; {aim}: cut {plural(story_words - _MAX_WORDS, 'word')}, first from"
            f" {first.capitalize()}."
        )
        points = int(WEIGHTS["spoken-length"] * max(0.0, 1 - (seconds - MAX_SECONDS) / MAX_SECONDS))
        # an interviewer cuts a long story short: 20 of the score's ceiling go with each minute over,
        # down to a floor: cutting is a fixable fault and costs about what the others do. Rounded down,
        # so any time past the top holds it below 100 (150.4 s rounded to nearest was a ceiling of 100)
        over = (seconds - MAX_SECONDS) / 60
        cap = max(CAPS["too-long-floor"], math.floor(100 - CAPS["per-minute-over"] * over))
        when = "long before the end" if over >= 1 else "before the end"
        held = f"An interviewer may cut in {when}: the score is held at {cap} or less."
        return _item("spoken-length", False, message, points, cap, held)
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
        # the points go at 2 a word; a story thick with it sounds unprepared, whatever else it does
        per_100 = 100 * total / story_words
        most = CAPS["filler-per-100"]
        cap = None
        if story_words >= _MIN_STORY_WORDS and per_100 > most:
            cap = max(CAPS["too-long-floor"], _round(100 - 10 * (per_100 - most)))
        held = (
            f"At {per_100:.0f} in 100 words an interviewer hears hedging: the score is held at {cap} or less."
        )
        return _item(
            "filler", False, message, max(0, base - FILLER_PENALTY * total), cap, held if cap else ""
        )
    if base < top:
        too_few = f"{plural(story_words, 'word')} {'is' if story_words == 1 else 'are'}"
        return _item(
            "filler", False, f"{too_few} too few to judge filler by ({_MIN_STORY_WORDS} or more).", base
        )
    return _item("filler", True, "No vague filler words.")
