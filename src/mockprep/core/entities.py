"""Entities: the things a question sets side by side (L1/L2, β1/β2, "fp16 and bf16", "BFS: …" and
"DFS: …") and the content stems that follow each where it is named. Pure.

Entities are the indexed forms of one name that the reference uses side by side (L1/L2, β1/β2, stage
1/stage 3, type I/type II), the things the prompt lists side by side (never a number: "at 10x and at
100x"), and the one-word names of key points written "Name: …". :mod:`mockprep.core.contradictions`
finds the answers that give one entity what the reference gives another, or its opposite.
"""

from __future__ import annotations

import re

from mockprep.core.textnorm import NEGATIONS, STOPWORDS, fold, stem

_TOKEN = re.compile(r"\d+(?:\.\d+)?|[a-z]+")
# A name in code ("param.requires_grad_", "torch.no_grad()") is one thing, not words to attribute.
_CODE_NAME = re.compile(r"[A-Za-z_]\w*(?:[._][A-Za-z_]\w*)+\(?\)?|[A-Za-z]\w*\(\)")
_INDEX = re.compile(r"^(?:\d|i{1,3}|iv)$")  # "L1", "stage 3", "type II", "β2"
_OFFSET = re.compile(r"\b([A-Za-z])\s*[+\-−]\s*\d\b")  # "R_{t+1}", "x_{k-1}": a step from t, no entity t_1
# Words that symbols are spelled out as ("≥ 0" → "at least 0"): a number after them is no index.
_NOT_NAMES = frozenset("least most than times plus minus approx equal to from in at".split())


def anchors(text: str) -> list[str]:
    """Content stems in order, an index joined to the name before it ("stage 1" → "stage_1")."""
    raw = _TOKEN.findall(fold(_OFFSET.sub(r"\1", _CODE_NAME.sub(" ", text))))
    out: list[str] = []
    i = 0
    while i < len(raw):
        token = raw[i]
        indexed = (
            token.isalpha()
            and token not in _NOT_NAMES
            and token not in STOPWORDS  # "any two points", "the 2 models": no name
            and not _INDEX.match(token)
            and i + 1 < len(raw)
            and _INDEX.match(raw[i + 1])
            and not (i + 2 < len(raw) and raw[i + 2].isdigit())  # "½" → "1 2", "0.9" stays whole
        )
        if indexed:
            out.append(stem(token) + "_" + raw[i + 1])
            i += 2
            continue
        if token not in STOPWORDS and token not in NEGATIONS:
            out.append(stem(token) if token.isalpha() else token)
        i += 1
    return out


def siblings(reference: list[list[str]]) -> dict[str, set[str]]:
    """Each indexed entity of the reference and the other indices of its name."""
    by_name: dict[str, set[str]] = {}
    for tokens in reference:
        for t in tokens:
            if "_" in t:
                by_name.setdefault(t.split("_", 1)[0], set()).add(t)
    return {t: group - {t} for group in by_name.values() if len(group) >= 2 for t in group}


_LIST = re.compile(
    r"((?:[\w\-()]+(?: [\w\-()]+){0,2}, )*[\w\-()]+(?: [\w\-()]+){0,2},? "
    r"(?:and|or|vs\.?|versus|rather than) [\w\-()]+(?: [\w\-()]+){0,2})",
    re.IGNORECASE,
)


def prompt_entities(prompt: str) -> list[set[str]]:
    """Things a question sets side by side ("fp16 and bf16", "data drift, concept drift and prediction
    drift", "PR-AUC rather than ROC-AUC"): one word each, the one that tells them apart."""
    groups = []
    for match in _LIST.finditer(prompt):
        parts = re.split(r",? (?:and|or|vs\.?|versus|rather than) |, ", match[1], flags=re.IGNORECASE)
        items = [[t.split("_", 1)[0] for t in anchors(part)] for part in parts]
        if len(items) < 2 or not all(items):
            continue
        # the words nearest the list: the end of the first item, the start of the last
        items = [items[0][-2:], *[i[-2:] for i in items[1:-1]], items[-1][:2]]
        heads = {i[-1] for i in items}
        if len(heads) == 1 and all(len(i) == 2 for i in items):
            names = {i[0] for i in items}  # a shared head: "data drift" / "concept drift"
        else:
            names = {items[0][-1], *[i[-1] for i in items[1:-1]], items[-1][0]}
        # (a number is a value, not a thing of its own: "between 2020 and Hoffmann", "at 10x and 100x")
        if len(names) == len(items) and all(len(n) > 1 and not n[0].isdigit() for n in names):
            groups.append(names)
    return groups


_HEAD = re.compile(r"^([^:;,]{1,30}):\s")  # "BFS: queue, shortest paths in unweighted graphs"


def point_entities(key_points: list[str]) -> list[set[str]]:
    """Things the key points describe one each, named by one word before a colon ("BFS: …", "DFS: …";
    "Kruskal: …", "Prim: …"): the question sets them side by side as a prompt's list does."""
    heads = set()
    for point in key_points:
        if head := _HEAD.match(point):
            names = [t.split("_", 1)[0] for t in anchors(head[1])]
            if len(names) == 1 and len(names[0]) > 1:
                heads.add(names[0])
    return [heads] if len(heads) >= 2 else []


def stretches(tokens: list[str], entities: set[str], near: int) -> dict[str, set[str]]:
    """The tokens after each mention of an entity, up to the next entity or ``near`` tokens."""
    out: dict[str, set[str]] = {}
    at = [i for i, t in enumerate(tokens) if t in entities]
    for k, i in enumerate(at):
        end = min(at[k + 1] if k + 1 < len(at) else len(tokens), i + 1 + near)
        out.setdefault(tokens[i], set()).update(tokens[i + 1 : end])
    return out
