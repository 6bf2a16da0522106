"""Plain-text and HTML files -> text: encoding detection for Polish files and visible HTML text."""

from __future__ import annotations

import codecs
import re
from html.parser import HTMLParser
from typing import Any

from .errors import DocumentError

_POLISH = set("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ")


def decode_text(raw: bytes) -> str:
    """Bytes of a text file -> str: UTF-8 (with or without BOM), UTF-16 with BOM, Windows-1250 or ISO-8859-2."""
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if raw.startswith(bom):
            return raw.decode(enc, errors="replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    best, best_score = raw.decode("iso-8859-2"), -1.0
    for enc in ("cp1250", "iso-8859-2"):  # cp1250 first: it wins ties
        try:
            text = raw.decode(enc)
        except UnicodeDecodeError:
            continue
        score = sum(ch in _POLISH for ch in text) - 5 * sum("\x80" <= ch <= "\x9f" for ch in text)
        if score > best_score:
            best, best_score = text, score
    return best


def plain_text(data: bytes, name: str) -> str:
    if b"\x00" in data[:4096] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise DocumentError(f"{name} looks like a binary file, not text; if it is a PDF or a Word file, "
                            "give it the right extension (.pdf, .docx, .odt)")
    return decode_text(data)


_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", re.I)
_BLOCK_TAGS = {"p", "div", "br", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article",
               "header", "footer", "ul", "ol", "table", "dt", "dd", "blockquote", "pre", "hr", "title"}


class _HTMLText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in ("script", "style", "noscript", "template"):
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "noscript", "template"):
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_text(data: bytes, name: str) -> str:
    m = _CHARSET.search(data[:4096])
    text = None
    if m and not data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode(m.group(1).decode("ascii"), errors="replace")
        except LookupError:
            text = None
    if text is None:
        text = decode_text(data)
    parser = _HTMLText()
    parser.feed(text)
    parser.close()
    lines = (re.sub(r"[ \t]+", " ", line).strip() for line in "".join(parser.parts).split("\n"))
    return "\n".join(lines)
