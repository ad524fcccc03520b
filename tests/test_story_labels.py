"""STAR parts named by labels written in mixed styles (`story new --from` a story without headings).

Found by an exploratory tester: the README's own example, "Situation: ...", "**Task:** ...",
"- Action - ...", "R: ...", stored the Action inside the Task (and the check said "No Action yet"),
because a label written as a list item in a story whose first label was not one was always read as a
line of the open part. It now starts its part where the order of STAR calls for it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockprep.core.stories import REQUIRED_PARTS, parse_markdown
from mockprep.core.story_check import check_story

_STYLES = (
    "{name}: {text}",
    "**{name}:** {text}",
    "**{name}**: {text}",
    "__{name}__ - {text}",
    "{name} - {text}",
    "{name} — {text}",
    "{upper}: {text}",
    "{letter}: {text}",
    "- {name} - {text}",
    "- {name}: {text}",
    "* {name} – {text}",
    "+ {name} — {text}",
    "- **{name}** - {text}",
    "- **{name}:** {text}",
    "3. {name}: {text}",
    "2) {name} - {text}",
)
_SYNONYMS = {
    "situation": ("Situation", "Context", "Background"),
    "task": ("Task", "Goal", "Objective"),
    "action": ("Action", "Actions", "Approach"),
    "result": ("Result", "Results", "Outcome", "Impact"),
    "reflection": ("Reflection", "Learnings", "Lessons learned"),
}
_TEXT = st.text(st.sampled_from("abcdefghij klmnop,.0123456789%"), min_size=1, max_size=40).filter(str.strip)


@st.composite
def _labelled_story(draw: st.DrawFn) -> tuple[str, dict[str, str]]:
    parts = [*REQUIRED_PARTS, *(["reflection"] if draw(st.booleans()) else [])]
    lines, texts = [], {}
    for part in parts:
        name = draw(st.sampled_from(_SYNONYMS[part]))
        styles = _STYLES if part != "reflection" else [s for s in _STYLES if "{letter}" not in s]
        style = draw(st.sampled_from(styles))
        texts[part] = " ".join(draw(_TEXT).split())
        lines.append(style.format(name=name, upper=name.upper(), letter=part[0].upper(), text=texts[part]))
    return "\n".join(lines), texts


@given(_labelled_story())
def test_each_label_starts_its_part_whatever_style_each_is_written_in(
    story: tuple[str, dict[str, str]],
) -> None:
    text, texts = story
    draft = parse_markdown(text)
    assert {part: getattr(draft, part) for part in texts} == texts, text


def test_the_readme_example_has_four_parts_and_the_check_finds_the_action() -> None:
    draft = parse_markdown(
        "Title: README mix\nSituation: My lead wanted the best seed only.\n**Task:** I had to convince him."
        "\n- Action - I ran 5 seeds myself.\nR: 2 points smaller gain.\n"
    )
    assert (draft.title, draft.task, draft.action, draft.result) == (
        "README mix",
        "I had to convince him.",
        "I ran 5 seeds myself.",
        "2 points smaller gain.",
    )
    assert "No Action yet" not in " ".join(check_story(draft).advice)


@pytest.mark.parametrize(
    ("text", "part", "kept"),
    [
        # an earlier part, and the Reflection, listed in an Action: steps of it
        ("Situation: a\nTask: b\nAction: I split it:\n- Background: I read.\n- Learning: I paired.\nResult: c",
         "action", "I split it:\n- Background: I read.\n- Learning: I paired."),
        # the open part itself
        ("Situation: a\nTask: b\nAction: Two steps:\n- Approach: I cached.\n- Action: I measured.\nResult: c",
         "action", "Two steps:\n- Approach: I cached.\n- Action: I measured."),
        # a part a plain label below starts: the list item is the open part's
        ("Situation: a slow API.\n- Goal: p99 under 100 ms.\nTask: I owned it.\nAction: I did.\nResult: 2x",
         "situation", "a slow API.\n- Goal: p99 under 100 ms."),
        ("Situation: a\nTask: b\nAction: I did:\n- Impact: first test.\nResult: 3x faster",
         "action", "I did:\n- Impact: first test."),
        # "Action items" names no part
        ("Situation: a\nTask: b, with\n- Action items: two\nAction: I did.\nResult: c",
         "task", "b, with\n- Action items: two"),
    ],
)  # fmt: skip
def test_a_list_item_the_order_does_not_call_for_stays_a_line_of_its_part(
    text: str, part: str, kept: str
) -> None:
    draft = parse_markdown(text)
    assert getattr(draft, part) == kept
    assert draft.reflection == "" and draft.result not in ("", kept)


def test_a_list_item_label_after_the_result_starts_the_reflection() -> None:
    draft = parse_markdown("Situation: a\nTask: b\nAction: I did.\nResult: 3x\n- Lessons learned: test first")
    assert (draft.result, draft.reflection) == ("3x", "test first")


# Found by an independent review: a bullet using a later part's synonym early in a part ("- Impact:"
# under "Situation:") started that part and took in the list-item labels below it as its lines.
_REVIEW_DRAFTS = [
    (
        "Title: Fraud false positives\nSituation: I was the ML engineer on the payments fraud team.\n"
        "- Impact: about 3% of good customers were blocked every week.\n- Team: four engineers.\n"
        "- Task: I had to cut false positives.\n- Action: I added device features and retrained.\n"
        "- Result: false positives fell from 3% to 1.1%.",
        "I was the ML engineer on the payments fraud team.\n"
        "- Impact: about 3% of good customers were blocked every week.\n- Team: four engineers.",
        "I had to cut false positives.",
        "I added device features and retrained.",
        "false positives fell from 3% to 1.1%.",
    ),
    (
        "Title: Manual retraining\nSituation: Our forecasts drifted.\n"
        "- Approach: the old team retrained by hand.\n- Task: I was asked to make retraining weekly.\n"
        "- Action: I wrote a pipeline with data checks.\n- Result: holiday error dropped by a fifth.",
        "Our forecasts drifted.\n- Approach: the old team retrained by hand.",
        "I was asked to make retraining weekly.",
        "I wrote a pipeline with data checks.",
        "holiday error dropped by a fifth.",
    ),
    (
        "Title: Cost\nSituation: Our inference bill tripled.\nTask: Cut it by half.\n"
        "- Impact: finance would freeze hiring otherwise.\n- Action: I moved the batch jobs to spot.\n"
        "- Result: the bill fell 55%.",
        "Our inference bill tripled.",
        "Cut it by half.\n- Impact: finance would freeze hiring otherwise.",
        "I moved the batch jobs to spot.",
        "the bill fell 55%.",
    ),
]


@pytest.mark.parametrize(
    ("text", "situation", "task", "action", "result"),
    _REVIEW_DRAFTS,
    ids=["impact-in-situation", "approach-in-situation", "impact-in-task"],
)
def test_a_bullet_with_a_later_parts_synonym_leaves_the_labels_below_it_their_parts(
    text: str, situation: str, task: str, action: str, result: str
) -> None:
    draft = parse_markdown(text)
    assert (draft.situation, draft.task, draft.action, draft.result) == (situation, task, action, result)
    assert "No Action yet" not in " ".join(check_story(draft).advice)


_OWN_NAMES = {
    "task": ("Task", "Tasks"),
    "action": ("Action", "Actions"),
    "result": ("Result", "Results"),
    "reflection": ("Reflection",),
}
_BULLET_SYNONYMS = ("Context", "Background", "Goal", "Objective", "Approach", "Outcome", "Impact")
_LIST_STYLES = [style for style in _STYLES if style[0] in "-*+0123456789"]
_PLAIN_STYLES = [style for style in _STYLES if style not in _LIST_STYLES]


@st.composite
def _mixed_story_with_bullets(draw: st.DrawFn) -> tuple[str, dict[str, str]]:
    """A plain Situation label, then each part labelled plainly or as a list item by its own name, and
    in any part a bullet named by some part's synonym: a line of that part."""
    parts = [*REQUIRED_PARTS, *(["reflection"] if draw(st.booleans()) else [])]
    lines, texts = [], {}
    for part in parts:
        if part == "situation" or draw(st.booleans()):
            name, style = draw(st.sampled_from(_SYNONYMS[part])), draw(st.sampled_from(_PLAIN_STYLES))
            if part == "reflection":
                style = style.replace("{letter}", "{name}")
        else:
            name, style = draw(st.sampled_from(_OWN_NAMES[part])), draw(st.sampled_from(_LIST_STYLES))
        texts[part] = " ".join(draw(_TEXT).split())
        lines.append(style.format(name=name, upper=name.upper(), letter=part[0].upper(), text=texts[part]))
        if draw(st.booleans()):
            bullet = f"- {draw(st.sampled_from(_BULLET_SYNONYMS))}: {' '.join(draw(_TEXT).split())}"
            lines.append(bullet)
            texts[part] += "\n" + bullet
    return "\n".join(lines), texts


@given(_mixed_story_with_bullets())
def test_bullets_named_by_synonyms_stay_in_their_part_whatever_labels_follow(
    story: tuple[str, dict[str, str]],
) -> None:
    text, texts = story
    draft = parse_markdown(text)
    assert {part: getattr(draft, part) for part in texts} == texts, text
