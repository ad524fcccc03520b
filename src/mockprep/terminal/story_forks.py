"""What story history, show and diff say of versions edited from the same one on two devices: which is
the latest draft, and the other edit, kept as a version of its own that the draft does not have."""

from __future__ import annotations

from mockprep.core.story_tree import StoryTree


def _versions(numbers: list[int]) -> str:
    """ "version 2", "versions 2 and 3", "versions 2, 3 and 4"."""
    if len(numbers) == 1:
        return f"version {numbers[0]}"
    return f"versions {', '.join(map(str, numbers[:-1]))} and {numbers[-1]}"


def _shown_by(story_id: int, parent: int, edits: list[int]) -> str:
    """The diff command that shows an edit left out (the first, when several are)."""
    what = "shows it" if len(edits) == 1 else f"shows version {edits[0]}'s"
    return f"mockprep story diff {story_id} {parent} {edits[0]} {what}"


def fork_lines(tree: StoryTree, story_id: int, latest: int) -> list[str]:
    """A line for each version edited more than once (history): its edits, which the latest draft
    follows, and those it does not have."""
    lines = []
    line = set(tree.line(latest))
    for parent, edits in tree.forks():
        text = f"{_versions(edits).capitalize()} are separate edits of version {parent} (made on two devices)"
        followed = [edit for edit in edits if edit in line]
        if followed:
            on = followed[0]
            off = [edit for edit in edits if edit != on]
            draft = (
                f"version {latest} is the latest draft"
                if on == latest
                else f"the latest draft, version {latest}, follows version {on}"
            )
            edit_s = "edit is" if len(off) == 1 else "edits are"
            text += f": {draft}; {_versions(off)}'s {edit_s} not in it ({_shown_by(story_id, parent, off)})"
        lines.append(text + ".")
    return lines


def show_note(tree: StoryTree, story_id: int, shown: int, latest: int) -> str | None:
    """What story show says of a version edited from the same one as another: the latest draft and the
    edit it lacks, or, for an older version, where the latest draft stands."""
    siblings = tree.siblings(shown)
    parent = tree.parent(shown)
    if not siblings or parent is None:
        return None
    if shown == latest:
        return (
            f"This draft, version {shown}, and {_versions(siblings)} are separate edits of version"
            f" {parent} (made on two devices): the other edit is kept as {_versions(siblings)}, not in"
            f" this draft ({_shown_by(story_id, parent, siblings)})."
        )
    has = "follows it" if shown in tree.line(latest) else "does not have it"
    return (
        f"Version {shown} is a separate edit of version {parent}, beside {_versions(siblings)} (made on"
        f" two devices); the latest draft, version {latest}, {has}."
    )


def diff_note(tree: StoryTree, story_id: int, new: int) -> str | None:
    """What a diff against the version ``new`` was edited from leaves out: the other edits of it."""
    siblings = tree.siblings(new)
    parent = tree.parent(new)
    if not siblings or parent is None:
        return None
    return (
        f"Version {new} was edited from version {parent}, beside {_versions(siblings)} (an edit made on"
        f" another device): {_shown_by(story_id, parent, siblings)}."
    )
