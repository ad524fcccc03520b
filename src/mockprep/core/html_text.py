"""Anki's HTML fields as plain text, and its cloze deletions. Pure (the standard library's html.parser).

Lists become ``- `` lines, line breaks and blocks become new lines, ``<pre>`` becomes a fenced code
block and ``<code>`` back-quotes, ``<sup>`` and ``<sub>`` ``^`` and ``_`` as LaTeX writes them
(``X<sup>T</sup>X`` is ``X^T X``); maths (``\\(...\\)``, ``\\[...\\]``) is text already and stays as it
is. Scripts, styles, images and sounds are dropped and counted, so an import can say what it left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape
from html.parser import HTMLParser

_BLOCKS = {"p", "div", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "ul", "ol", "hr"}
_DROPPED = {"script", "style", "head", "title", "object", "iframe", "svg", "audio", "video", "template"}
_SOUND = re.compile(r"\[sound:([^\]]*)\]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_OTHER_TAG = re.compile(r"<(?!br\s*/?>)", re.IGNORECASE)
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_SPACE = re.compile(r"[ \t\r\n\f]+")
_TRAILING = re.compile(r"[ \t]+$", re.MULTILINE)
_LEADING = re.compile(r"^ +(?=[^ ])(?!- |\d+\. )", re.MULTILINE)
_BLANKS = re.compile(r"\n{3,}")
_OPENING = re.compile(r"```[\w+#.-]+")  # a fence naming its code's language (<code class="language-x">)
_CLOZE = re.compile(r"\{\{c(\d+)::(.*?)(?:::(.*?))?\}\}", re.DOTALL)


@dataclass(frozen=True)
class PlainText:
    """A field as text, and what was dropped from it."""

    text: str
    media: int = 0  # images, sounds, videos: each reference
    scripts: int = 0  # scripts and styles
    media_names: tuple[str, ...] = ()  # the file each names, if it does: one shared counts once


class _ToText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.lists: list[list[int]] = []  # one counter per open list: [0] for <ul>, [n] for <ol>
        self.dropping = 0
        self.pre = 0
        self.media = 0
        self.scripts = 0
        self.names: list[str] = []
        self.scripts_at: list[int] = []  # where each open <sup>/<sub> starts in parts
        self.after_script = False  # a word right after one is set apart: X<sup>T</sup>X is X^T X

    def _medium(self, attrs: list[tuple[str, str | None]]) -> None:
        self.media += 1
        src = next((v for k, v in attrs if k == "src" and v and v.strip()), None)
        if src is not None:
            self.names.append(src.strip())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.after_script = False
        if tag in _DROPPED:
            self.dropping += 1
            self.scripts += tag in ("script", "style", "iframe", "object", "template")
            if tag in ("audio", "video", "svg"):
                self._medium(attrs)
            return
        if tag in ("img", "source", "embed"):
            self._medium(attrs)
        elif tag == "br":
            self.parts.append("\n")
        elif tag == "li":
            counter = self.lists[-1] if self.lists else [0]
            if counter[0]:
                counter[0] += 1
            self.parts.append("\n" + "  " * max(len(self.lists) - 1, 0))
            self.parts.append(f"{counter[0] - 1}. " if counter[0] else "- ")
        elif tag in ("ul", "ol"):
            self.lists.append([1 if tag == "ol" else 0])
            self.parts.append("\n")
        elif tag == "pre":
            self.pre += 1
            self.parts.append("\n```\n")
        elif tag == "code" and not self.pre:
            self.parts.append("`")
        elif tag == "code" and self.parts and self.parts[-1] == "\n```\n":  # its language: the fence's
            lang = next((v for k, v in attrs if k == "class" and v and v.startswith("language-")), "")
            self.parts[-1] = f"\n```{lang.removeprefix('language-').strip()}\n"
        elif tag in ("sup", "sub") and not self.pre:
            self.scripts_at.append(len(self.parts))
            self.parts.append("^" if tag == "sup" else "_")
        elif tag in ("td", "th"):
            self.parts.append(" | ")
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROPPED:
            self.dropping = max(self.dropping - 1, 0)
        elif tag in ("ul", "ol"):
            if self.lists:
                self.lists.pop()
            self.parts.append("\n")
        elif tag == "pre":
            self.pre = max(self.pre - 1, 0)
            self.parts.append("\n```\n")
        elif tag == "code" and not self.pre:
            self.parts.append("`")
        elif tag in ("sup", "sub") and self.scripts_at and not self.pre:
            start = self.scripts_at.pop()
            inside = "".join(self.parts[start + 1 :]).strip()
            # as LaTeX writes it: x^2, 10^{-3}, x_{ij}
            self.parts[start:] = [self.parts[start] + (inside if len(inside) == 1 else f"{{{inside}}}")]
            self.after_script = bool(inside)
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.dropping:
            return
        if self.after_script and data[:1].isalnum():
            self.parts.append(" ")
        self.after_script = False
        if self.pre:
            self.parts.append(data)
        else:
            self.parts.append(re.sub(r"[ \t\r\n\f]+", " ", data))


def html_to_text(html: str) -> PlainText:
    """The plain text of an Anki field (HTML), with the media and scripts it dropped counted (and the
    media files named)."""
    sounds = _SOUND.findall(html) if "[sound:" in html else []
    if not sounds and not _OTHER_TAG.search(html):  # text and line breaks only: no parser needed
        text = unescape(_SPACE.sub(" ", html))
        return _tidy(_BR.sub("\n", text) if "<" in text else text, 0, 0)
    if not sounds and (items := _flat_list(html)) is not None:
        return _tidy(items, 0, 0)
    parser = _ToText()
    parser.feed(_SOUND.sub("", html) if sounds else html)
    parser.close()
    plain = _tidy("".join(parser.parts), parser.media + len(sounds), parser.scripts)
    names = (*parser.names, *(name.strip() for name in sounds if name.strip()))
    return PlainText(plain.text, plain.media, plain.scripts, names)


_FLAT_LIST = re.compile(r"<ul>(?:<li>[^<]*</li>)+</ul>")
_ITEM = re.compile(r"<li>([^<]*)</li>")


def _flat_list(html: str) -> str | None:
    """What the parser makes of one list of plain items written without spaces between the tags (as
    ``bank export apkg`` writes key points and follow-ups), without the parser: None for anything else."""
    if not _FLAT_LIST.fullmatch(html):
        return None
    items = "".join("\n- " + _SPACE.sub(" ", unescape(item)) for item in _ITEM.findall(html))
    return f"\n{items}\n"


def _tidy(text: str, media: int, scripts: int) -> PlainText:
    text = text.replace("\xa0", " ")
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    if "```" not in text:  # no code block: the same as the loop below, in three passes
        text = _TRAILING.sub("", text)
        text = _LEADING.sub("", text)
        return PlainText(_BLANKS.sub("\n\n", text).strip("\n").strip(), media, scripts)
    lines = [line.rstrip() for line in text.split("\n")]
    out: list[str] = []
    fenced = False
    for line in lines:
        if line.strip() == "```" or (not fenced and _OPENING.fullmatch(line.strip())):
            fenced = not fenced
            line = line.strip()
        elif not fenced:
            line = line.lstrip(" ") if not re.match(r"^ +(- |\d+\. )", line) else line
        if not line and out and not out[-1] and not fenced:
            continue  # one blank line at most between blocks
        out.append(line)
    return PlainText("\n".join(out).strip("\n").strip(), media, scripts)


@dataclass(frozen=True)
class Cloze:
    """One cloze deletion of a note: its number, the prompt with it hidden, and the text it hides."""

    number: int
    prompt: str
    hidden: str
    revealed: str  # the whole text with every deletion shown


def cloze_numbers(text: str) -> list[int]:
    return sorted({int(m.group(1)) for m in _CLOZE.finditer(text)})


def clozes(text: str) -> list[Cloze]:
    """One :class:`Cloze` per deletion number in ``text`` (Anki's ``{{c1::answer::hint}}``)."""
    revealed = _CLOZE.sub(lambda m: m.group(2), text)
    result = []
    for number in cloze_numbers(text):
        hidden: list[str] = []

        def hide(match: re.Match[str], number: int = number, hidden: list[str] = hidden) -> str:
            if int(match.group(1)) != number:
                return match.group(2)
            hidden.append(match.group(2))
            return f"[{match.group(3)}]" if match.group(3) else "[...]"

        prompt = _CLOZE.sub(hide, text)
        result.append(Cloze(number, prompt, "; ".join(hidden), revealed))
    return result
