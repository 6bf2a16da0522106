"""Where a job ad states the title and the duties.

The guide decides a level by what the person is responsible for, and an ad says that in its
title and its duties section; requirements, benefits and the employer's blurb mostly do not.
The model therefore sees the words of those two parts a second time, as separate features
(``t_`` and ``d_`` prefixes), next to the words of the whole text. On the real job-board ads
this took exact level accuracy from 0.633 to 0.694 with no ad lost (docs/model_choices.md).

Ads on Polish job boards name the duties section in a handful of ways, with or without a
colon, and in exports the whole body is often one line; the headers below were collected
from how ads are written, not from any one source. A text without such a header (a CV, a
note) simply gets no duties features.
"""

from __future__ import annotations

import re

TITLE_PREFIX = "t_"
DUTIES_PREFIX = "d_"
PREFIXES = (TITLE_PREFIX, DUTIES_PREFIX)
MAX_TITLE_CHARS = 150
MAX_DUTIES_CHARS = 800  # when no later section header closes the duties

_DUTIES = re.compile(
    r"\b(?:zakres obowiązków|twój zakres obowiązków|obowiązki|twoje zadania|twoim zadaniem będzie|"
    r"twoje obowiązki|zadania|czym będziesz się zajmować|co będziesz robić|zakres zadań|"
    r"opis stanowiska|do twoich obowiązków|responsibilities|your tasks)\b(?:[^:.\n]{0,40}:)?")
_AFTER_DUTIES = re.compile(
    r"\b(?:wymagania|oczekujemy|oczekiwania|czego oczekujemy|od kandydat\w*|poszukujemy osób|"
    r"szukamy osoby|nasze wymagania|requirements|oferujemy|firma oferuje|co oferujemy|proponujemy|"
    r"benefity|we offer|mile widzian\w*|dostaniesz|zapewniamy|kandydatom oferujemy|"
    r"w wykonaniu tych zadań)\b")
# Every alternative above contains one of these, at most 12 characters after the match starts.
# str.find skips to the first candidate far faster than the regex engine scans, and the regex
# then starts just before it: the same first match, found in a fraction of the time.
_DUTIES_ANCHORS = ("obowiązk", "zadani", "zadań", "będziesz", "opis stanowiska", "responsibilities", "your tasks")
_AFTER_ANCHORS = ("wymagani", "oczekuj", "oczekiwani", "kandydat", "poszukujemy osób", "szukamy osoby",
                  "requirements", "oferuj", "proponujemy", "benefity", "we offer", "mile widzian",
                  "dostaniesz", "zapewniamy", "wykonaniu tych")
_ANCHOR_MARGIN = 16
_LONGEST_ANCHOR = max(map(len, _DUTIES_ANCHORS + _AFTER_ANCHORS))


def _search(pattern: re.Pattern[str], anchors: tuple[str, ...], low: str, start: int = 0) -> re.Match[str] | None:
    """``pattern.search(low, start)``, skipping ahead to the first anchor."""
    first, end = -1, len(low)
    for a in anchors:
        i = low.find(a, start, end)
        if i >= 0 and (first < 0 or i < first):
            first, end = i, min(len(low), i + _LONGEST_ANCHOR)  # later anchors only matter if they start sooner
    if first < 0:
        return None
    return pattern.search(low, max(start, first - _ANCHOR_MARGIN))


def title_span(text: str) -> tuple[int, int] | None:
    """The first line, when the text has more lines and the first is short enough for a title."""
    start = len(text) - len(text.lstrip())
    end = text.find("\n", start)
    if end < 0 or not text[end:].strip():
        return None
    if end - start > MAX_TITLE_CHARS or not text[start:end].strip():
        return None
    return start, end


def duties_span(text: str) -> tuple[int, int] | None:
    """From the first duties header to the next section header (or at most 800 characters)."""
    low = text.lower()  # searching lower-case text is ~2x faster than re.IGNORECASE
    if len(low) != len(text):  # a few letters (e.g. "İ") lower to two characters
        low = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    m = _search(_DUTIES, _DUTIES_ANCHORS, low)
    if m is None:
        return None
    start = m.end()
    after = _search(_AFTER_DUTIES, _AFTER_ANCHORS, low, start)
    if after is not None:
        end = after.start()
    else:
        end = min(len(text), start + MAX_DUTIES_CHARS)
        if end < len(text):  # do not cut a word in two
            cut = max(text.rfind(" ", start, end), text.rfind("\n", start, end))
            end = cut if cut > start else start
    return (start, end) if text[start:end].strip() else None


def section_spans(text: str) -> list[tuple[str, int, int]]:
    """``(prefix, start, end)`` for the title and the duties of ``text``, where found."""
    out = []
    for prefix, span in ((TITLE_PREFIX, title_span(text)), (DUTIES_PREFIX, duties_span(text))):
        if span is not None:
            out.append((prefix, span[0], span[1]))
    return out


def base_lemmas(features: str) -> str:
    """The whole-text lemmas of a feature string, without the title and duties features."""
    return " ".join(w for w in features.split() if w[:2] not in PREFIXES)


def strip_prefix(feature: str) -> str:
    """A feature name as the user reads it: ``t_obsluga t_klient`` -> ``obsluga klient``."""
    return " ".join(w[2:] if w[:2] in PREFIXES else w for w in feature.split(" "))
