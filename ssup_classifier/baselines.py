"""Baselines the model must beat: majority class, keyword rules, nearest descriptor."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity

from .config import LEVELS, NONE_LABEL

# Each baseline takes lemma strings and returns (levels 1-6, in-scope flags).
Output = tuple[list[int], list[bool]]


class MajorityBaseline:
    name = "majority class"

    def fit(self, lemmas: Sequence[str], labels: Sequence[str]) -> MajorityBaseline:
        counts = Counter(labels)
        self.label_ = counts.most_common(1)[0][0]
        in_scope = Counter(lab for lab in labels if lab != NONE_LABEL)
        self.level_ = int(in_scope.most_common(1)[0][0]) if in_scope else 1
        return self

    def predict(self, lemmas: Sequence[str]) -> Output:
        n = len(lemmas)
        return [self.level_] * n, [self.label_ != NONE_LABEL] * n


# Lemma phrases (diacritics folded, as the text processor emits them) that a recruiter
# would scan for, per level, and phrases that mark selling or other work.
KEYWORDS: dict[str, tuple[str, ...]] = {
    "1": ("infolinia", "call center", "konsultant telefoniczny", "odbierac polaczenie", "udzielac informacja",
          "wprowadzac dana", "przekazywac zgloszenie"),
    "2": ("doradca techniczno", "doradztwo", "dobor produkt", "prosty problem", "wsparcie handlowiec",
          "obsluga klient"),
    "3": ("przetarg", "ofertowanie", "specyfikacja techniczny", "wymaganie klient", "dokumentacja przetargowy",
          "zapytanie ofertowy", "rfp", "rfi", "wsparcie sprzedaz"),
    "4": ("presales", "pre sales", "demo", "poc", "proof of concept", "architekt", "wycena", "ryzyko",
          "projektowac rozwiazanie"),
    "5": ("kierownik", "manager", "zarzadzac zespol", "kpi", "standard jakosc", "doskonalic proces"),
    "6": ("dyrektor", "strategia", "zarzad", "polityka", "zatwierdzac", "vp"),
    NONE_LABEL: ("plan sprzedazowy", "prowizja", "pozyskiwac klient", "przedstawiciel handlowy", "programista",
                 "ksiegowy", "magazyn", "kierowca", "produkcja"),
}


class KeywordBaseline:
    name = "keyword rules"

    def fit(self, lemmas: Sequence[str], labels: Sequence[str]) -> KeywordBaseline:
        return self

    def predict(self, lemmas: Sequence[str]) -> Output:
        levels, scope = [], []
        for text in lemmas:
            padded = f" {text} "
            hits = {lab: sum(padded.count(f" {k} ") for k in kws) for lab, kws in KEYWORDS.items()}
            level_hits = {int(k): v for k, v in hits.items() if k != NONE_LABEL}
            best = max(level_hits.values())
            level = max(k for k, v in level_hits.items() if v == best) if best else 1
            levels.append(level)
            scope.append(best > 0 and best >= hits[NONE_LABEL])
        return levels, scope


class NearestDescriptorBaseline:
    """Zero-shot: cosine similarity to each level descriptor; in scope above a tuned cut."""

    name = "nearest descriptor (zero-shot)"

    def __init__(self, descriptor_lemmas: Sequence[str]) -> None:
        self.descriptor_lemmas = list(descriptor_lemmas)

    def fit(self, lemmas: Sequence[str], labels: Sequence[str]) -> NearestDescriptorBaseline:
        self.vec_ = TfidfVectorizer(token_pattern=r"\S+", lowercase=False, sublinear_tf=True)
        self.vec_.fit(list(lemmas) + self.descriptor_lemmas)
        self.D_ = self.vec_.transform(self.descriptor_lemmas)
        best = self._sims(lemmas).max(axis=1)
        truth = np.array([lab != NONE_LABEL for lab in labels])
        cuts = np.unique(best)
        acc = [((best >= c) == truth).mean() for c in cuts]
        self.cut_ = float(cuts[int(np.argmax(acc))]) if len(cuts) else 0.0
        return self

    def _sims(self, lemmas: Sequence[str]) -> np.ndarray:
        return cosine_similarity(self.vec_.transform(list(lemmas)), self.D_)

    def predict(self, lemmas: Sequence[str]) -> Output:
        s = self._sims(lemmas)
        return [LEVELS[int(i)] for i in s.argmax(axis=1)], [bool(v >= self.cut_) for v in s.max(axis=1)]


Baseline = MajorityBaseline | KeywordBaseline | NearestDescriptorBaseline


def all_baselines(descriptor_lemmas: Sequence[str]) -> list[Baseline]:
    """Fresh, unfitted instances of every baseline, in report order."""
    return [MajorityBaseline(), KeywordBaseline(), NearestDescriptorBaseline(descriptor_lemmas)]
