"""Key points proposed from a model answer, for an imported question that has none. Pure.

A point is made of the answer's prose: fenced code, Markdown tables, display maths (and maths alone on
its line), HTML block lines and a line citing a source ("Kingma & Ba, 2014") stay in the model answer
and are never proposed, and neither is a heading or a question; a citation in parentheses inside a
sentence is left out of its point. An abbreviation with periods inside ("i.i.d.") or "et al." never
ends a sentence. Inline maths
(``\\(...\\)``, ``$...$``) and code spans are kept whole inside a point (no split cuts them), but a piece
that holds nothing else is no point. From the prose: its list items, else its sentences, else the
clauses of its one sentence (split at ``;``, ``,``, ``:``, a spaced dash, "and", "but", "because",
"while", "whereas").
"""

from __future__ import annotations

import re

from mockprep.core.textnorm import NEGATIONS, STOPWORDS, words

MAX_POINT_CHARS = 300
MAX_POINTS = 6

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_TABLE_ROW = re.compile(r"^ {0,3}\|")
_TABLE_RULE = re.compile(r"^ {0,3}\|?[ \t]*:?-+:?[ \t]*(\|[ \t]*:?-+:?[ \t]*)+\|?[ \t]*$")
_HEADING = re.compile(r"^ {0,3}#{1,6}([ \t]|$)")
_HTML_LINE = re.compile(r"^\s*(<[^>]+>\s*)+$|^\s*<summary>.*</summary>\s*$", re.IGNORECASE)
_BOLD_LINE = re.compile(r"^\s*(\*\*|__)(?=\S).*(?<=\S)\1\s*$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(.*)$")
# Display maths over lines: an opening line and what closes it.
_DISPLAY = ((re.compile(r"^\s*\$\$"), "$$"), (re.compile(r"^\s*\\\["), "\\]"))
# Spans a split never cuts: inline and display maths, code (a "$" of a price has no closing "$").
_SPAN = re.compile(
    r"\\\(.+?\\\)|\\\[.+?\\\]|\$\$.+?\$\$|\$(?=\S)[^$\n]+?(?<=\S)\$(?!\d)|`[^`\n]+`", re.DOTALL
)
# What never ends a sentence: "e.g.", "i.e.", "et al." (a citation's, a year or a name follows), and the
# common abbreviations written with one period that something always follows ("vs. Adam", "Fig. 3").
_NO_END = re.compile(r"(?:\b(?:e\.g|i\.e|et\s+al|vs|cf|approx|resp|fig|eq|no)\.)$", re.IGNORECASE)
# A word with periods inside ("i.i.d.", "U.S.", "Ph.D.", "io.py.") or "etc." ends a sentence too: only
# a word that starts lower-case or a number after it ("i.i.d. samples", "Ph.D. in 2019") goes on.
_DOTTED_END = re.compile(r"(?:\b(?:[^\W\d_]{1,3}\.){2,}|\b[^\W\d_]+\.[^\W\d_]+\.|\betc\.)$", re.IGNORECASE)
_CLAUSE = re.compile(r";\s*|,\s+|:\s+|\s+[—–-]\s+|\s+(?:and|but|because|while|whereas)\s+")
_EMPHASIS = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
# A line that only cites: authors, then a year ("Kingma & Ba, 2014", "Vaswani et al. 2017"), or one
# author and a year in parentheses ("(Breiman 2001)"); "Windows 2000" and "Paris, 1889" are no citations.
_NAME = r"[A-Z][\w'’.-]*(?:\s+(?:van|von|de|der|da|di|le|[A-Z][\w'’.-]*))*"
_YEAR = r"\(?(?:1[6-9]|20)\d\d[a-z]?\)?"
# Between two names: a comma, "&" or "and", and the spaces around them, taken whole (an atomic group).
# Its two runs of spaces could otherwise share a space in two ways, and a failed match tried both at
# every name of a long capitalised list ("Adam, RMSProp, ..."): seconds at 20 names, doubling with each.
_AUTHORS_SEP = r"(?>\s*(?:,\s*(?:&|\band\b)?|&|\band\b)\s*)"
_CITATION = re.compile(
    rf"^\s*(?:{_NAME}(?:{_AUTHORS_SEP}{_NAME})+,?\s*{_YEAR}|{_NAME},?\s+et\s+al\.?,?\s*{_YEAR}"
    rf"|\({_NAME}(?:,?\s+et\s+al\.?)?,?\s*{_YEAR}\))\s*\.?\s*$"
)

# A citation in parentheses inside a sentence ("Ridge (Hoerl et al. 1970) shrinks ...", "(Breiman 2001;
# Ho, 1995)"): a source, not the point's content, so a point leaves it out.
_AUTHOR = rf"(?:(?:van|von|de|der|da|di|le)\s+)*{_NAME}"  # "van der Maaten"
_CITED = rf"{_AUTHOR}(?:{_AUTHORS_SEP}{_AUTHOR})*(?:,?\s+et\s+al\.?)?,?\s*(?:1[6-9]|20)\d\d[a-z]?"
_INLINE_CITATION = re.compile(rf"\s*\({_CITED}(?:\s*;\s*{_CITED})*\)")


def has_word(text: str) -> bool:
    """Whether ``text`` holds a word the grader can match (what ``bank validate`` asks of a key point)."""
    return any(w not in STOPWORDS and w not in NEGATIONS for w in words(text))


def propose_key_points(answer: str, hidden: str | None = None, line_breaks: bool = False) -> list[str]:
    """Key points from the answer's prose: its list items, else its sentences, else its one sentence's
    clauses (at most six); a cloze's ``hidden`` text first. With ``line_breaks`` every line ends a
    sentence (an Anki field's <br> and blocks: no line is a soft wrap there)."""
    blocks = prose_blocks(answer, line_breaks)
    bullets = [text for is_item, text in blocks if is_item]
    sentences = [sentence for _is_item, text in blocks for sentence in _split(text, _sentences)]
    clauses = [clause for sentence in sentences for clause in _split(sentence, _CLAUSE.split)]
    candidates: list[str] = [hidden] if hidden else []
    for group in (bullets, sentences, clauses):
        found = [point for point in map(_point, group) if point]
        if len(candidates) + len(found) >= 2:
            candidates += found
            break
    prose = " ".join(text for _is_item, text in blocks)
    if hidden and len(candidates) < 2 and prose and prose != hidden and (whole := _point(prose)):
        candidates.append(whole)
    unique = list(dict.fromkeys(c for c in candidates if c))
    return unique[:MAX_POINTS]


def prose_blocks(answer: str, line_breaks: bool = False) -> list[tuple[bool, str]]:
    """The answer's prose as blocks, each a list item or not, its lines joined (with ``line_breaks``,
    each line a block): what is left when code, tables, display maths, a line of maths alone, headings,
    HTML lines and a citation's line are taken out (each of which ends a block)."""
    blocks: list[tuple[bool, list[str]]] = []
    open_block = False  # whether the next prose line joins the last block
    closing: str | None = None  # what ends the fence or display maths we are in
    lines = answer.splitlines()
    table = _table_lines(lines)
    for index, line in enumerate(lines):
        if closing is not None:
            if _ends(line, closing):
                closing = None
            continue
        if (fence := _FENCE.match(line)) is not None:
            closing, open_block = fence.group(1), False
            continue
        display = next((end for start, end in _DISPLAY if start.match(line)), None)
        if display is not None:
            rest = line.strip()[len(display) :]
            closing = None if display in rest else display
            open_block = False
            continue
        if not line.strip() or index in table or _HEADING.match(line) or _HTML_LINE.match(line):
            open_block = False
            continue
        if _not_prose(line):
            open_block = False
            continue
        item = _LIST_ITEM.match(line)
        text = item.group(1) if item else line.strip()
        if item is not None or _BOLD_LINE.match(line):
            # An item's next lines are its own; a line in bold (a title, "1. **Calibration**") stands alone.
            blocks.append((item is not None, [text]))
            open_block = item is not None and not _BOLD_LINE.match(text)
        elif open_block:
            blocks[-1][1].append(line.strip())
        else:
            blocks.append((False, [line.strip()]))
            open_block = True
        open_block = open_block and not line_breaks
    return [(is_item, " ".join(parts)) for is_item, parts in blocks]


def _not_prose(line: str) -> bool:
    """A line of maths or code alone (a formula set on its own line is display maths however it is
    written), or one that only cites a source."""
    maths_alone = _SPAN.search(line) is not None and not any(ch.isalpha() for ch in _SPAN.sub(" ", line))
    return maths_alone or _CITATION.match(line) is not None


def _ends(line: str, closing: str) -> bool:
    """Whether ``line`` closes a fence (its character alone, at least as many) or display maths."""
    if closing[0] in "`~":
        found = _FENCE.match(line)
        fence = found.group(1) if found else ""
        return fence[:1] == closing[0] and len(fence) >= len(closing) and not line.strip().strip(fence[0])
    return closing in line


def _table_lines(lines: list[str]) -> set[int]:
    """The indexes of a Markdown table's lines: rows starting with '|', and a pipe table without
    them (its header above its rule of dashes, its rows below until a line without '|')."""
    found = {i for i, line in enumerate(lines) if _TABLE_ROW.match(line)}
    for i, line in enumerate(lines):
        if "|" in line and _TABLE_RULE.match(line):
            found.add(i)
            if i > 0 and "|" in lines[i - 1]:
                found.add(i - 1)
            j = i + 1
            while j < len(lines) and "|" in lines[j]:
                found.add(j)
                j += 1
    return found


def _split(text: str, splitter) -> list[str]:  # type: ignore[no-untyped-def]
    """``splitter(text)`` with maths and code spans kept whole."""
    spans: list[str] = []

    def hold(match: re.Match[str]) -> str:
        spans.append(match.group())
        return f"\x00{len(spans) - 1}\x00"

    pieces = splitter(_SPAN.sub(hold, text))
    return [re.sub(r"\x00(\d+)\x00", lambda m: spans[int(m.group(1))], piece) for piece in pieces if piece]


def _sentences(prose: str) -> list[str]:
    """``prose`` split after ".", "!" or "?", but not after an abbreviation ("e.g. Q-learning", "i.i.d.
    samples", "Hoerl et al. 1970")."""
    out: list[str] = []
    for piece in re.split(r"(?<=[.!?])(?:\*\*|__)?\s+", prose):
        if out and (_NO_END.search(out[-1]) or _DOTTED_END.search(out[-1]) and _goes_on(piece)):
            out[-1] += " " + piece
        elif piece:
            out.append(piece)
    return out


def _goes_on(piece: str) -> bool:
    """Whether ``piece`` continues the sentence before it: it starts lower-case or with a number."""
    first = piece.lstrip("([\"'“‘*_")[:1]
    return first.isdigit() or first.islower()


def _point(piece: str) -> str | None:
    """The key point a piece of prose makes, or None: a question, or maths or code with no words
    around it, makes none."""
    text = _INLINE_CITATION.sub("", _EMPHASIS.sub(r"\2", piece)).strip()
    if not text or text.endswith("?") or not has_word(_SPAN.sub(" ", text)):
        return None
    if not any(ch.isalpha() for ch in _SPAN.sub(" ", text)):
        return None
    return _short_point(text)


def _short_point(text: str) -> str:
    text = text.strip().rstrip(".").strip()
    if len(text) <= MAX_POINT_CHARS:
        return text
    return text[:MAX_POINT_CHARS].rsplit(" ", 1)[0] + "..."
