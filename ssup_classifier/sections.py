"""Where a job ad states the title and the duties, and where a CV states the current role.

The guide decides a level by what the person is responsible for, and an ad says that in its
title and its duties section; requirements, benefits and the employer's blurb mostly do not.
The model therefore sees the words of those two parts a second time, as separate features
(``t_`` and ``d_`` prefixes), next to the words of the whole text. On the real job-board ads
this took exact level accuracy from 0.633 to 0.694 with no ad lost (docs/model_choices.md).

Ads on Polish job boards name the duties section in a handful of ways, with or without a
colon, and in exports the whole body is often one line; the headers below were collected
from how ads are written, not from any one source.

A CV is labelled by its most recent role (the guide's rule), but its older roles are in the
same bag of words, and a former presales manager now on a hotline would read as level 5.
For a text with at least two date ranges ("03.2021 – obecnie", "2016-2020", "od 2022"), the
role with the latest dates ends the feature string as ``r_`` tokens. The vectorizer does not
read them (:func:`whole_text_features`); the model scores that role on its own and combines
the two readings (model.py). A text with no duties header and no dated roles (a note, a cover
letter) gets neither.
"""

from __future__ import annotations

import re

TITLE_PREFIX = "t_"
DUTIES_PREFIX = "d_"
ROLE_PREFIX = "r_"  # the current role of a CV
PREFIXES = (TITLE_PREFIX, DUTIES_PREFIX, ROLE_PREFIX)
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


# Where the body of a one-line ad starts after its title: a capitalised header or portal
# field, as exports that drop line breaks run "Tytuł Lokalizacja: ... Zakres obowiązków ...".
_BODY_WORDS = (r"(?:Twój zakres obowiązków|Zakres obowiązków|Opis stanowiska|Twoje zadania|Obowiązki|Wymagania|"
               r"Lokalizacja|Miejsce pracy|Rodzaj umowy|Wymiar pracy|O firmie|O nas|Kim jesteśmy|Pracodawca|"
               r"Poszukujemy|Szukamy|Jesteśmy|Dla naszego klienta|Nasz klient|Firma|Your responsibilities|"
               r"Responsibilities|About us|Location)\b")
_BODY_HEADER = re.compile(_BODY_WORDS)
_BODY_START = re.compile(rf"\s(?={_BODY_WORDS})")


def title_span(text: str) -> tuple[int, int] | None:
    """The first line, when the text has more lines and the first is short enough for a title.
    A text on one line has a title when 2-15 words come before a capitalised header or portal
    field ("Lokalizacja", "Zakres obowiązków", "O firmie", ...) within its first 150 characters."""
    start = len(text) - len(text.lstrip())
    end = text.find("\n", start)
    if end < 0:
        if _BODY_HEADER.match(text, start):  # the text starts with its body
            return None
        m = _BODY_START.search(text, start, min(len(text), start + MAX_TITLE_CHARS + 1))
        if m is None or not 2 <= len(text[start:m.start()].split()) <= 15:
            return None
        return start, m.start()
    if not text[end:].strip():
        return None
    if end - start > MAX_TITLE_CHARS or not text[start:end].strip():
        return None
    return start, end


def _lower(text: str) -> str:
    """``text`` lower-cased, character for character (searching it is ~2x faster than re.IGNORECASE)."""
    low = text.lower()
    if len(low) != len(text):  # a few letters (e.g. "İ") lower to two characters
        low = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    return low


def duties_span(text: str, low: str | None = None) -> tuple[int, int] | None:
    """From the first duties header to the next section header (or at most 800 characters).
    ``low``: ``text`` lower-cased, when the caller has it already."""
    low = _lower(text) if low is None else low
    m = _search(_DUTIES, _DUTIES_ANCHORS, low)
    if m is None:
        return None
    start = m.end()
    after = _search(_AFTER_DUTIES, _AFTER_ANCHORS, low, start)
    if after is not None:
        end = after.start()
    else:
        end = _word_cut(text, start, min(len(text), start + MAX_DUTIES_CHARS))
    return (start, end) if text[start:end].strip() else None


def _word_cut(text: str, start: int, end: int) -> int:
    """``end``, moved back to the last space or line break when it would cut a word in two."""
    if end >= len(text):
        return len(text)
    cut = max(text.rfind(" ", start, end), text.rfind("\n", start, end))
    return cut if cut > start else start


_MONTH = r"(?:(?:0?[1-9]|1[0-2])[./-] ?|[a-ząćęłńóśźż]{3,11}\.? )"  # "03.", "3/", "marzec ", "sty. "
_YEAR = r"(?:19[6-9]\d|20[0-4]\d)"
_NOW = r"(?:obecnie|nadal|teraz|dziś|dzis|aktualnie|present|now|current|currently|today)"
# One pass over the years: a year, and when a range follows it, the rest of the range. A pattern
# that starts with the year lets the regex engine skip to the next "1" or "2"; a look-behind or
# an optional month in front would make it try every position (4x slower).
_YEAR_OR_RANGE = re.compile(
    rf"({_YEAR})(?!\d)(?:(?: ?r\.)?\s*(?:–|-|—|−|do|to|until)\s*{_MONTH}?(?:({_YEAR})(?!\d)|(?:do )?({_NOW})\b))?")
_SINCE_BEFORE = re.compile(rf"(?<!\w)(?:od|since|from) {_MONTH}?$")  # searched just before a year
_MONTH_BEFORE = re.compile(
    r"(?<!\w)(?:(?:0?[1-9]|1[0-2])[./-] ?|(?:sty|lut|mar|kwi|maj|cze|lip|sie|wrz|paź|paz|lis|gru|"
    r"jan|feb|apr|jun|jul|aug|sep|oct|nov|dec)[a-ząćęłńóśźż]{0,9}\.? )$")
_CV_SECTION = re.compile(
    r"\b(?:wykształcenie|wyksztalcenie|edukacja|umiejętności|umiejetnosci|języki|jezyki|certyfikaty|kursy|"
    r"zainteresowania|hobby|education|skills|languages|certifications|interests)\b")
# Each CV section name above starts with one of these; str.find over a role's few hundred
# characters is several times faster than the regex's scan, which then only confirms a hit.
_CV_SECTION_ANCHORS = ("wykszta", "edukacj", "umiej", "języki", "jezyki", "certyfikaty", "kursy", "zaintereso",
                       "hobby", "education", "skills", "languages", "certifications", "interests")
OPEN_END = 9999  # "obecnie", "present", "od 2022": still in that role
MAX_ROLE_CHARS = 800
_SHORT_LINE = 200  # a date on a line this short heads its role; in a longer (pasted) line the role starts at the date


def date_ranges(low: str) -> list[tuple[int, int, int, int, bool]]:
    """``(start, end, first_year, last_year, written_as_range)`` of each date range in lower-cased
    text, in order; an open range ("2021 – obecnie", "od 2022") ends in ``OPEN_END``;
    ``written_as_range`` is False for "od 2022". A lone year is not a range."""
    if low.count("19") + low.count("20") < 2:  # most ads: two C-level counts and done
        return []
    out = []
    since = "od " in low or "since " in low or "from " in low
    for m in _YEAR_OR_RANGE.finditer(low):
        if m.start() and low[m.start() - 1].isdigit():
            continue  # "12019" is not a year
        first = int(m.group(1))
        if m.group(2) or m.group(3):
            last = int(m.group(2)) if m.group(2) else OPEN_END
            if last >= first:
                out.append((m.start(), m.end(), first, last, True))
        elif since and _SINCE_BEFORE.search(low, max(0, m.start() - 20), m.start()):
            out.append((m.start(), m.end(), first, OPEN_END, False))
    return out


def _line(text: str, i: int) -> tuple[int, int]:
    start = text.rfind("\n", 0, i) + 1
    end = text.find("\n", i)
    return start, len(text) if end < 0 else end


def current_role_span(text: str, low: str | None = None) -> tuple[int, int] | None:
    """In a text with two or more date ranges (a CV), the role with the latest dates: from its
    date (or the start of a short line holding it) to the next role's, the next CV section
    ("Wykształcenie", "Umiejętności", ...) or at most 800 characters."""
    low = _lower(text) if low is None else low
    ranges = date_ranges(low)
    if len(ranges) < 2 or not any(r[4] for r in ranges):
        return None  # "od 2011 roku" twice in a company blurb is not a CV
    at, date_end = max(ranges, key=lambda r: (r[3], r[2], r[4]))[:2]  # on a tie, a written range over "od 2024"
    month = _MONTH_BEFORE.search(low, max(0, at - 14), at)
    at = month.start() if month else at
    line_start, line_end = _line(text, at)
    start = line_start if line_end - line_start <= _SHORT_LINE else at
    end = len(text)
    later = [r[0] for r in ranges if r[0] >= date_end]
    if later:
        next_start, next_end = _line(text, later[0])
        end = next_start if next_end - next_start <= _SHORT_LINE and next_start > start else later[0]
    header = _cv_section(low, date_end, min(end, start + MAX_ROLE_CHARS))
    if header >= 0:
        end = header
    elif end - start > MAX_ROLE_CHARS:
        end = _word_cut(text, start, start + MAX_ROLE_CHARS)
    return (start, end) if text[start:end].strip() else None


def _cv_section(low: str, start: int, end: int) -> int:
    """Where the first CV section name ("Wykształcenie", "Umiejętności", ...) in ``low[start:end]``
    begins, or -1. Every match starts with an anchor, so the regex starts at the first one."""
    first = min((i for i in (low.find(a, start, end) for a in _CV_SECTION_ANCHORS) if i >= 0), default=-1)
    if first < 0:
        return -1
    m = _CV_SECTION.search(low, first, end)
    return m.start() if m else -1


def section_spans(text: str, cv_roles: bool = True) -> list[tuple[str, int, int]]:
    """``(prefix, start, end)`` for the title and the duties of ``text``, where found, and with
    ``cv_roles`` the current role of a CV (``r_``, always last)."""
    out = []
    low = _lower(text)
    role = current_role_span(text, low) if cv_roles else None
    for prefix, span in ((TITLE_PREFIX, title_span(text)), (DUTIES_PREFIX, duties_span(text, low)),
                         (ROLE_PREFIX, role)):
        if span is not None:
            out.append((prefix, span[0], span[1]))
    return out


def whole_text_features(features: str) -> str:
    """A feature string without its current-role part: what the vectorizer reads. The ``r_``
    tokens come last, in one run (TextProcessor.features); the model scores them on their own."""
    at = features.find(" " + ROLE_PREFIX)
    return features if at < 0 else features[:at]


def role_lemmas(features: str) -> tuple[str, int]:
    """The current-role part of a feature string as plain lemmas, and its number of words."""
    mark = " " + ROLE_PREFIX
    at = features.find(mark)
    if at < 0:
        return "", 0
    return features[at + len(mark):].replace(mark, " "), features.count(mark, at)


def base_lemmas(features: str) -> str:
    """The whole-text lemmas of a feature string, without the title, duties and current-role features."""
    return " ".join(w for w in features.split() if w[:2] not in PREFIXES)


def strip_prefix(feature: str) -> str:
    """A feature name as the user reads it: ``t_obsluga t_klient`` -> ``obsluga klient``."""
    return " ".join(w[2:] if w[:2] in PREFIXES else w for w in feature.split(" "))
