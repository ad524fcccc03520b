"""How a story's versions descend from one another.

Each version is edited from another (its ``parent``); two edited from the same one on two devices before
either had the other's are siblings, numbered one after the other, and the latest draft follows only one
of them. History, diff and show read the tree from here.
"""

from __future__ import annotations

from dataclasses import dataclass

from mockprep.core.records import StoryVersion


@dataclass(frozen=True)
class StoryTree:
    """The version each version was edited from (None: the first), by number."""

    parents: dict[int, int | None]

    @classmethod
    def of(cls, versions: list[StoryVersion]) -> StoryTree:
        """The tree of ``versions`` (a story's, any order). A version that names no parent, or one not
        among them (saved before versions recorded theirs), follows the one numbered before it."""
        numbers = {v.uid: v.version for v in versions if v.uid is not None}
        parents: dict[int, int | None] = {}
        for v in sorted(versions, key=lambda v: v.version):
            parent = numbers.get(v.parent) if v.parent is not None else None
            if parent is None or parent >= v.version:
                parent = v.version - 1 if v.version > 1 else None
            parents[v.version] = parent
        return cls(parents)

    def parent(self, version: int) -> int | None:
        return self.parents.get(version)

    def siblings(self, version: int) -> list[int]:
        """The other versions edited from the one ``version`` was edited from."""
        parent = self.parents.get(version)
        if parent is None:
            return []
        return [v for v, p in self.parents.items() if p == parent and v != version]

    def line(self, version: int) -> list[int]:
        """``version`` and every version it descends from, newest first."""
        out: list[int] = []
        current: int | None = version
        while current is not None and current not in out:
            out.append(current)
            current = self.parents.get(current)
        return out

    def forks(self) -> list[tuple[int, list[int]]]:
        """Each version edited more than once, with its edits (oldest first)."""
        children: dict[int, list[int]] = {}
        for version, parent in sorted(self.parents.items()):
            if parent is not None:
                children.setdefault(parent, []).append(version)
        return [(parent, edits) for parent, edits in sorted(children.items()) if len(edits) > 1]
