"""Is a text Polish? A fast, offline check, so non-Polish CVs can be flagged.

The model is trained on Polish; a CV in English is still classified, but flagged. The
check counts, among the first :data:`MAX_WORDS` words of two or more letters:

* Polish evidence: words the Morfeusz 2 dictionary knows (it tags unknown forms ``ign``),
  words with a letter only Polish uses (ą ć ę ł ń ś ź ż), and Polish function words
  (w, z, i, na, do...), which decide when a Polish CV is full of English jargon;
* English and German evidence: their most common function words (the, and, with; der,
  und, mit...), leaving out forms that are also Polish words (to, on, we, do, was, im).

Texts shorter than :data:`MIN_WORDS` words are taken as Polish: too short to tell, and a
false alarm on a one-line note helps nobody. The accuracy measured on hand-written Polish,
English, German and other texts is kept in ``tests/test_documents.py``.
"""

from __future__ import annotations

import logging
import re

logger = logging.getLogger(__name__)

POLISH, ENGLISH, OTHER = "pl", "en", "other"
MAX_WORDS = 3000
MIN_WORDS = 5

_WORD = re.compile(r"[^\W\d_]+")
_POLISH_ONLY = set("ąćęłńśźż")
_OTHER_LETTERS = set("äöüßáàâãçéèêëíìîïñõúùûýčďěňřšťůžőűåæøœåğışț")  # German, Czech, French, Nordic...
_ENGLISH = frozenset("""
the and of in for with at from as is are be been being an or this that these those my our your their his her
its it will would have has had which who whom whose into over under within across including about after before
during while than then there here where when what how also such other more most can could should may might must
shall not but if so any all each both only own same very just through between against per via upon
responsible experience skills worked working managed prepared led developed customer customers team
""".split())
_GERMAN = frozenset("""
der die das und mit für von zu den dem des ist sind ein eine einer einen eines auf bei als auch nicht oder wir
ich sie zur zum durch sowie werden wurde wurden über unter nach vor aus hat haben ihre ihr unser unsere sich
kunden vertrieb erfahrung kenntnisse verantwortlich betreuung angebote angeboten
""".split())
# Polish function words, the one-letter ones included ("a" and "o" left out: Spanish and Italian have them).
_POLISH_FUNCTION = frozenset("""
w z i u na do oraz dla od po przy się jest są za ze we lub jako nie przez pod nad także też który która które jak że
""".split())
_cache: dict[str, bool] = {}
_CACHE_LIMIT = 200_000


def _known(word: str) -> bool:
    """Does the Morfeusz dictionary know this (lower-case) form?"""
    hit = _cache.get(word)
    if hit is None:
        from .text import _morfeusz

        hit = any(interp[2].split(":", 1)[0] != "ign" for _s, _e, interp in _morfeusz().analyse(word))
        if len(_cache) >= _CACHE_LIMIT:
            _cache.clear()
        _cache[word] = hit
    return hit


def language_scores(text: str) -> dict[str, float]:
    """Shares of Polish, English, German and other-language evidence among the words of ``text``."""
    tokens = [w.lower() for w in _WORD.findall(text, 0, 40 * MAX_WORDS)]
    words = [w for w in tokens if len(w) > 1][:MAX_WORDS]
    n = len(words)
    if not n:
        return {"words": 0, "pl": 0.0, "pl_function": 0.0, "en": 0.0, "de": 0.0, "foreign_letters": 0.0}
    pl_function = sum(w in _POLISH_FUNCTION for w in tokens[:2 * MAX_WORDS])
    en = sum(w in _ENGLISH for w in words)
    de = sum(w in _GERMAN for w in words)
    pl = sum(1 for w in words if w not in _ENGLISH and w not in _GERMAN
             and (not _POLISH_ONLY.isdisjoint(w) or _known(w)))
    foreign = sum(1 for w in words if not _OTHER_LETTERS.isdisjoint(w))
    return {"words": n, "pl": pl / n, "pl_function": pl_function / n, "en": en / n, "de": de / n,
            "foreign_letters": foreign / n}


def detect_language(text: str) -> str:
    """``"pl"``, ``"en"`` or ``"other"``: the language of a job ad or CV, by dictionary and function words."""
    s = language_scores(text)
    if s["words"] < MIN_WORDS:
        return POLISH
    # Polish CVs are full of English jargon (onboarding, KPI, call center): Polish function words decide then
    polish = s["pl"] >= 0.55 or (s["pl"] >= 0.3 and s["pl_function"] >= 0.05)
    if polish and s["pl"] > 2 * (s["en"] + s["de"]) and s["foreign_letters"] < 0.1:
        return POLISH
    english = s["en"] >= 0.08 or (s["en"] >= 0.03 and s["pl"] < 0.35)  # bullet-style CVs have few function words
    if english and s["en"] > 2 * s["de"] and s["foreign_letters"] < 0.05:
        return ENGLISH
    return OTHER
