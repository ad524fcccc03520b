"""Banks written as Markdown study sheets that core/bank_markdown.py reads back into the same bank.
Pure.

A backslash before punctuation is doubled, and text lines that would read as markers are escaped with a
leading backslash (one more backslash on lines that already start with backslashes).
"""

from __future__ import annotations

import json

from mockprep.core.bank_markdown import FENCE, NUMBERING, PLAIN_FIELDS, reserved
from mockprep.core.banks import BankSpec, QuestionModel
from mockprep.core.markdown_escapes import escape


def write_markdown(bank: BankSpec) -> str:
    """The bank as a Markdown study sheet that :func:`read_markdown` reads back into the same bank."""
    out = ["---", f"id: {bank.id}", f"title: {json.dumps(bank.title, ensure_ascii=False)}"]
    out.append(f"round: {bank.round}")
    if bank.topic:
        out.append(f"topic: {bank.topic}")
    if bank.roles:
        out.append(f"roles: {', '.join(bank.roles)}")
    if bank.description:
        out.append(f"description: {json.dumps(bank.description, ensure_ascii=False)}")
    out.append("---")
    for question in bank.questions:
        out.append("")
        out += _question_lines(question)
    return "\n".join(out) + "\n"


def _question_lines(q: QuestionModel) -> list[str]:
    prompt = escape(q.prompt.strip())  # (each text as Markdown reads it back: its backslashes doubled)
    out: list[str] = []
    if "\n" not in prompt and not NUMBERING.match(prompt):  # a heading's "3." would read as numbering
        out.append(f"## {prompt} {{#{q.id}}}")
    else:
        first, _, rest = prompt.partition("\n")
        out.append(f"Q: {first} {{#{q.id}}}")
        if rest:
            out += escape_text(rest).split("\n")
        out.append("A:")
    out.append("")
    out += escape_text(escape(q.answer.strip())).split("\n")
    out += ["", "Key points:"] + [_list_line(escape(p)) for p in q.key_points]
    if q.follow_ups:
        out += ["", "Follow-ups:"] + [_list_line(escape(f)) for f in q.follow_ups]
    if q.misconceptions:
        out += ["", "Misconceptions:"] + [_list_line(escape(m)) for m in q.misconceptions]
    meta = []
    if q.tags:
        meta.append(f"Tags: {', '.join(q.tags)}")
    if q.topic:
        meta.append(f"Topic: {q.topic}")
    if q.difficulty != 2:
        meta.append(f"Difficulty: {q.difficulty}")
    extra = q.model_dump(exclude_defaults=True, exclude=set(PLAIN_FIELDS))
    if extra:
        meta.append(f"Fields: {json.dumps(extra, ensure_ascii=False)}")
    if meta:
        out += ["", *meta]
    return out


def _list_line(text: str) -> str:
    first, *rest = text.strip().split("\n")
    return "\n".join([f"- {first}", *(f"  {line}" for line in rest)])


def escape_text(text: str) -> str:
    """``text`` with every line that :func:`read_markdown` would take for a marker escaped."""
    lines = text.split("\n")
    out = []
    fence: str | None = None
    for index, line in enumerate(lines):
        opener = FENCE.match(line)
        if fence is not None:
            if opener and opener.group(1)[0] == fence[0] and len(opener.group(1)) >= len(fence):
                if not line.strip().strip(fence[0]):
                    fence = None
            out.append(line)
            continue
        if opener and _closes(lines[index + 1 :], opener.group(1)):
            fence = opener.group(1)
            out.append(line)
            continue
        bare = line.lstrip("\\")
        if opener or reserved(bare) or (bare != line and FENCE.match(bare)):
            line = "\\" + line
        out.append(line)
    return "\n".join(out)


def _closes(rest: list[str], fence: str) -> bool:
    for line in rest:
        opener = FENCE.match(line)
        if opener and opener.group(1)[0] == fence[0] and len(opener.group(1)) >= len(fence):
            if not line.strip().strip(fence[0]):
                return True
    return False
