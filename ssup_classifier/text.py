"""Polish text processing: a spaCy pipeline that turns text into lemmas.

Two backends, recorded in every trained model:

* ``pl_core_news_sm`` -- spaCy's trained Polish pipeline (GPL-3.0, optional; used when
  installed and asked for).
* ``morfeusz2`` -- ``spacy.blank("pl")`` with a tokenizer and a lemmatizer component backed
  by the Morfeusz 2 analyser and its SGJP dictionary (BSD-style licence, on PyPI).

For the morfeusz2 backend, :meth:`TextProcessor.lemmas_many` takes a fast path that skips
building spaCy ``Doc`` objects but yields exactly the lemmas the spaCy pipeline yields (a
test holds them equal). That path is what makes batch classification fast.
"""

from __future__ import annotations

import importlib.metadata as md
import itertools
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from .cleaning import Cleaned, clean_text
from .errors import BackendUnavailableError
from .sections import section_spans

logger = logging.getLogger(__name__)

MORFEUSZ = "morfeusz2"
SPACY_MODEL = "pl_core_news_sm"
BACKENDS = (MORFEUSZ, SPACY_MODEL)

_WORD = re.compile(r"[^\W\d_]+")
_WORDISH = re.compile(r"\w{2,}")  # faster to scan than _WORD; runs with digits or "_" are split into _WORD runs
# later, and one-character runs give no lemma either way, so the regex skips them
_TOKEN = re.compile(r"[^\W\d_]+|\d+|\s+|.", re.DOTALL)
_FOLD = str.maketrans("ąćęłńóśźż", "acelnoszz")
# Morfeusz tags by preference when a form has several readings: nouns first, then
# adjectives, verbs and the rest. "ign" means the dictionary does not know the form.
_POS_RANK = {"subst": 0, "depr": 0, "ger": 1, "adj": 2, "fin": 3, "praet": 3, "inf": 3,
             "impt": 4, "ppas": 4, "pact": 4, "pcon": 4, "imps": 4, "adv": 5}
_CACHE_LIMIT = 1_000_000
# Letters that lose their diacritic when Polish is typed without Polish characters
# ("obsluga klienta", "doswiadczenie"): an unknown all-ASCII word is looked up again with
# accents put back, fewest first (see MorfeuszLexicon._restore).
_ACCENTED = {"a": "ą", "c": "ć", "e": "ę", "l": "ł", "n": "ń", "o": "ó", "s": "ś", "z": "źż"}
_RESTORE_MAX_ACCENTS = 4
_RESTORE_MIN_LENGTH = 4  # "sa", "poz", "are": short words collide with other words too often
_RESTORE_MAX_TRIES = 500


def fold(lemma: str) -> str:
    """Lower-case and strip Polish diacritics, so 'obsługa' and 'obsluga' meet."""
    return lemma.lower().translate(_FOLD)


@dataclass(frozen=True)
class Token:
    """A word of the input: its character span and the lemma the model sees."""

    start: int
    end: int
    lemma: str


def available_backends() -> list[str]:
    out = []
    for name in BACKENDS:
        try:
            md.version(name)
            out.append(name)
        except md.PackageNotFoundError:
            pass
    return out


def resolve_backend(name: str = "auto") -> str:
    """Pick a backend: ``auto`` prefers pl_core_news_sm when installed, else morfeusz2."""
    have = available_backends()
    if name == "auto":
        for candidate in (SPACY_MODEL, MORFEUSZ):
            if candidate in have:
                return candidate
        raise BackendUnavailableError(
            "no Polish lemmatizer is installed; run: pip install morfeusz2")
    if name not in BACKENDS:
        raise BackendUnavailableError(f"unknown text backend {name!r}; choose one of {list(BACKENDS)}")
    if name not in have:
        raise BackendUnavailableError(
            f"text backend {name!r} is not installed; run: pip install {name}"
            + (" (GPL-3.0 spaCy model; or retrain with --backend morfeusz2)" if name == SPACY_MODEL else ""))
    return name


def backend_info(name: str) -> dict[str, str]:
    info = {"backend": name, "spacy": md.version("spacy"), "version": md.version(name)}
    if name == MORFEUSZ:
        info["dictionary"] = _morfeusz().dict_id()
    return info


_MORFEUSZ_INSTANCE: Any = None


def _morfeusz() -> Any:
    global _MORFEUSZ_INSTANCE
    if _MORFEUSZ_INSTANCE is None:
        import morfeusz2

        _MORFEUSZ_INSTANCE = morfeusz2.Morfeusz(generate=False, expand_tags=False)
    return _MORFEUSZ_INSTANCE


def _accents_at(form: str, i: int, c: str) -> str:
    """The accented letters Polish spelling allows for ``form[i]``: ś, ć, ń, ź only before a
    consonant or at the end ("siano", never "śano"), ą and ę never first, ó never last."""
    alts = _ACCENTED.get(c, "")
    if not alts:
        return alts
    if c in "scnz" and i + 1 < len(form) and form[i + 1] in "aeiouy":
        alts = alts.replace("ś", "").replace("ć", "").replace("ń", "").replace("ź", "")
    elif c in "ae" and i == 0:
        return ""
    elif c == "o" and i == len(form) - 1:
        return ""
    return alts


class MorfeuszLexicon:
    """Form -> lemma with a cache; the choice among readings is deterministic.

    With ``restore_diacritics``, a form the dictionary does not know and that is written in
    plain ASCII gets the lemma of the same word with its Polish letters put back ("obslugi"
    -> "obsługa"), when the dictionary knows such a word.
    """

    def __init__(self, restore_diacritics: bool = False) -> None:
        self.restore_diacritics = restore_diacritics
        self._cache: dict[str, str] = {}
        self._features: dict[str, str] = {}  # raw word -> lemma, or "" for words the model skips

    def lemma_string(self, words: list[str]) -> str:
        """Space-joined lemmas of ``words`` (runs of ``\\w``), skipping one-letter words and
        digits; a run with digits or "_" gives the lemmas of its letter runs.

        The hot path of batch classification: dictionary look-ups run in C via ``map``,
        and only forms never seen before reach Python code.
        """
        try:  # the common case: every word seen before
            return " ".join(filter(None, map(self._features.__getitem__, words)))
        except KeyError:
            pass
        vals = list(map(self._features.get, words))
        if None in vals:
            if len(self._features) >= _CACHE_LIMIT:
                self._features.clear()
            for i, v in enumerate(vals):
                if v is None:
                    w = words[i]
                    vals[i] = self._features[w] = self._word_lemmas(w)
        return " ".join(filter(None, vals))

    def _word_lemmas(self, word: str) -> str:
        """Lemma of a word, or of each letter run of a word with digits or "_" ("COVID19" ->
        "covid"), skipping one-letter runs: what the runs of ``_WORD`` would give."""
        if word.isalpha():
            return self.lemma(word) if len(word) > 1 else ""
        return " ".join(self.lemma(x) for x in _WORD.findall(word) if len(x) > 1 and x.isalpha())

    def preload(self, table: dict[str, str]) -> None:
        """Take lemmas already worked out (lower-case form -> lemma), e.g. a model's own table.

        The words of a text are also looked up as written (:meth:`lemma_string`), so each form
        goes in lower-case, capitalised and upper-case too: a first batch then meets its common
        words already known instead of each taking the slow path once."""
        if len(self._cache) + len(table) >= _CACHE_LIMIT:
            return
        self._cache.update(table)
        if len(self._features) + 3 * len(table) >= _CACHE_LIMIT:
            return
        for form, lemma in table.items():
            if len(form) < 2 or not form.isalpha():
                continue
            for written in (form, form.capitalize(), form.upper()):
                if written.lower() == form:
                    self._features[written] = lemma

    def lemma(self, form: str) -> str:
        hit = self._cache.get(form)
        if hit is None:
            key = form.lower()
            hit = self._cache.get(key)
            if hit is None:
                hit = fold(self._analyse(key, self.restore_diacritics))
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[key] = self._cache[form] = hit
        return hit

    @staticmethod
    def _analyse(form: str, restore_diacritics: bool = False) -> str:
        """The lemma Morfeusz gives ``form``, choosing among readings by _POS_RANK."""
        best = MorfeuszLexicon._best_reading(form)
        if best is None and restore_diacritics and form.isascii() and form.isalpha():
            best = MorfeuszLexicon._restore(form)
        return best[2] if best else form

    @staticmethod
    def _best_reading(form: str) -> tuple[int, int, str] | None:
        best: tuple[int, int, str] | None = None
        for start, pos, lemma in _readings(form):
            if start != 0 or pos == "ign":
                continue
            base = lemma.split(":", 1)[0] or form
            key = (_POS_RANK.get(pos, 6), 0 if base == form else 1, base)
            if best is None or key[:2] < best[:2]:
                best = key
        return best

    @staticmethod
    def _restore(form: str) -> tuple[int, int, str] | None:
        """The best reading of ``form`` with the fewest accents put back that the dictionary
        knows ("zrodla" -> "źródła"); ties go to the better reading, then the first word in
        alphabetical order. At most 4 accents and 500 look-ups, so a long foreign word costs at most
        a few milliseconds, once (the result is cached)."""
        if len(form) < _RESTORE_MIN_LENGTH:
            return None
        last = len(form) - 1
        slots = [(i, alts) for i, c in enumerate(form) if (alts := _accents_at(form, i, c))]
        tries = 0
        for k in range(1, min(len(slots), _RESTORE_MAX_ACCENTS) + 1):
            found: list[tuple[tuple[int, int, str], str]] = []
            for chosen in itertools.combinations(slots, k):
                if chosen[0][0] == last:
                    continue  # an accent on the last letter alone turns "rate" into "ratę"
                for letters in itertools.product(*(alts for _, alts in chosen)):
                    tries += 1
                    if tries > _RESTORE_MAX_TRIES:
                        return min(found)[0] if found else None
                    chars = list(form)
                    for (i, _), c in zip(chosen, letters):
                        chars[i] = c
                    word = "".join(chars)
                    best = MorfeuszLexicon._best_reading(word)
                    if best is not None:
                        found.append((best, word))
            if found:
                return min(found)[0]
        return None


_POS_OF_TAG: dict[int, str] = {}


def _readings(form: str) -> list[tuple[int, str, str]]:
    """(start node, part of speech, lemma) of every reading of ``form``.

    Reads the analyser's own result objects and resolves each tag id to its part of speech
    once, instead of building the wrapper's five-field tuples (names, labels) we never use:
    that halves the cost of a form seen for the first time. Falls back to the public call
    if the binding ever changes shape (tests hold both equal).
    """
    m = _morfeusz()
    raw = getattr(m, "_morfeusz_obj", None)
    if raw is None:
        return [(start, tag.split(":", 1)[0], lemma) for start, _e, (_o, lemma, tag, *_r) in m.analyse(form)]
    out = []
    for i in raw.analyse(form):
        pos = _POS_OF_TAG.get(i.tagId)
        if pos is None:
            pos = _POS_OF_TAG[i.tagId] = i.getTag(raw).split(":", 1)[0]
        out.append((i.startNode, pos, i.lemma))
    return out


def _make_doc(vocab: Any, text: str) -> Any:
    """spaCy-style tokenization that keeps every character (``doc.text == text``)."""
    from spacy.tokens import Doc

    words: list[str] = []
    spaces: list[bool] = []
    for m in _TOKEN.finditer(text):
        piece = m.group()
        if piece == " " and words and not spaces[-1] and not words[-1].isspace():
            spaces[-1] = True
        else:
            words.append(piece)
            spaces.append(False)
    return Doc(vocab, words=words, spaces=spaces)


class _SimpleTokenizer:
    def __init__(self, vocab: Any) -> None:
        self.vocab = vocab

    def __call__(self, text: str) -> Any:
        return _make_doc(self.vocab, text)


_COMPONENT = "ssup_morfeusz_lemmatizer"


_SHARED_LEXICONS: dict[bool, MorfeuszLexicon] = {}


def shared_lexicon(restore_diacritics: bool = False) -> MorfeuszLexicon:
    """One lexicon (and cache) per process and setting, used by the spaCy component and the
    fast path alike."""
    lex = _SHARED_LEXICONS.get(restore_diacritics)
    if lex is None:
        lex = _SHARED_LEXICONS[restore_diacritics] = MorfeuszLexicon(restore_diacritics)
    return lex


class MorfeuszLemmatizer:
    """spaCy component: sets ``token.lemma_`` of every alphabetic token from Morfeusz."""

    def __init__(self, restore_diacritics: bool = False) -> None:
        self.lexicon = shared_lexicon(restore_diacritics)

    def __call__(self, doc: Any) -> Any:
        lemma = self.lexicon.lemma
        for t in doc:
            if t.is_alpha:
                t.lemma_ = lemma(t.text)
        return doc


def _build_morfeusz_nlp(restore_diacritics: bool) -> Any:
    import spacy
    from spacy.language import Language

    if not Language.has_factory(_COMPONENT):
        Language.factory(_COMPONENT, default_config={"restore_diacritics": False},
                         func=lambda nlp, name, restore_diacritics: MorfeuszLemmatizer(restore_diacritics))
    nlp = spacy.blank("pl")
    nlp.tokenizer = _SimpleTokenizer(nlp.vocab)
    nlp.add_pipe(_COMPONENT, config={"restore_diacritics": restore_diacritics})
    return nlp


class TextProcessor:
    """Text -> lemmas. Heavy parts (spaCy, the dictionary) load on first use.

    ``restore_diacritics`` (morfeusz2 backend): read a word typed without Polish letters as
    the word with them ("doswiadczenie" -> "doświadczenie"); models record the setting they
    were trained with (``TrainConfig.restore_diacritics``).
    """

    def __init__(self, backend: str = "auto", restore_diacritics: bool = True) -> None:
        self.backend = backend
        self.restore_diacritics = restore_diacritics
        self._resolved: str | None = None
        self._nlp: Any = None

    @property
    def backend_name(self) -> str:
        if self._resolved is None:
            self._resolved = resolve_backend(self.backend)
        return self._resolved

    @property
    def nlp(self) -> Any:
        """The spaCy ``Language`` that defines the lemmas."""
        if self._nlp is None:
            if self.backend_name == MORFEUSZ:
                self._nlp = _build_morfeusz_nlp(self.restore_diacritics)
            else:
                import spacy

                self._nlp = spacy.load(SPACY_MODEL, exclude=["parser", "ner"])
            logger.debug("loaded text backend %s", self.backend_name)
        return self._nlp

    def info(self) -> dict[str, str]:
        return backend_info(self.backend_name)

    # -- lemmas through the spaCy pipeline (reference path) ---------------------------
    def doc_tokens(self, doc: Any) -> list[Token]:
        return [Token(t.idx, t.idx + len(t.text), fold(t.lemma_ or t.text))
                for t in doc if t.is_alpha and len(t.text) > 1]

    def tokens(self, text: str) -> list[Token]:
        """Words of ``text`` with spans and lemmas (used for explanations); the text is read
        as :func:`~ssup_classifier.cleaning.clean_text` makes it, the spans point into ``text``."""
        clean = clean_text(text)
        return _mapped(self._tokens(clean.text), clean)

    def _tokens(self, text: str) -> list[Token]:
        if self.backend_name == MORFEUSZ:
            lex = shared_lexicon(self.restore_diacritics).lemma
            return [Token(m.start(), m.end(), lex(m.group()))
                    for m in _WORD.finditer(text) if m.end() - m.start() > 1 and m.group().isalpha()]
        return self.doc_tokens(self.nlp(text))

    def spacy_tokens(self, text: str) -> list[Token]:
        clean = clean_text(text)
        return _mapped(self.doc_tokens(self.nlp(clean.text)), clean)

    # -- lemma strings, the model's input ---------------------------------------------
    def lemmas(self, text: str) -> str:
        return self._lemmas(clean_text(text).text)

    def _lemmas(self, text: str) -> str:
        if self.backend_name == MORFEUSZ:
            return shared_lexicon(self.restore_diacritics).lemma_string(_WORDISH.findall(text))
        return " ".join(t.lemma for t in self._tokens(text))

    def lemmas_many(self, texts: Iterable[str], batch_size: int = 256) -> Iterator[str]:
        if self.backend_name == MORFEUSZ:
            for t in texts:
                yield self.lemmas(t)
        else:
            for doc in self.nlp.pipe((clean_text(t).text for t in texts), batch_size=batch_size):
                yield " ".join(t.lemma for t in self.doc_tokens(doc))

    def lemma_table(self, texts: Iterable[str]) -> dict[str, str]:
        """Lower-case word form -> lemma for every form of ``texts`` (morfeusz2 backend only).

        A trained model keeps this table for the forms of its training texts, as a TF-IDF
        vectorizer keeps its vocabulary: loading it spares the dictionary look-up of every
        common form the first time a process meets it.
        """
        if self.backend_name != MORFEUSZ:
            return {}
        lex = shared_lexicon(self.restore_diacritics)
        forms = {w.lower() for t in texts for w in _WORD.findall(clean_text(t).text) if len(w) > 1 and w.isalpha()}
        return {f: lex.lemma(f) for f in sorted(forms)}

    # -- feature strings: lemmas plus the title and duties again (see sections.py) -------
    def features(self, text: str, sections: bool = True, cv_roles: bool = True) -> str:
        """The model's input for ``text``: its lemmas, then, with ``sections``, the lemmas of
        its title and duties with ``t_`` / ``d_`` prefixes (with ``cv_roles``, a CV's current
        role with ``r_``). Equal to joining the lemmas of :meth:`feature_tokens` (a test holds
        the two equal)."""
        text = clean_text(text).text
        if not sections:
            return self._lemmas(text)
        if self.backend_name != MORFEUSZ:
            return " ".join(t.lemma for t in self._feature_tokens(text, sections, cv_roles))
        spans = section_spans(text, cv_roles)
        if not spans:
            return self._lemmas(text)
        # Lemmatise each stretch between section boundaries once: they fall between words,
        # so the stretches' lemmas joined are the lemmas of the whole text.
        cuts = sorted({0, len(text), *(i for _, s, e in spans for i in (s, e))})
        pieces = {(a, b): self._lemmas(text[a:b]) for a, b in zip(cuts, cuts[1:])}
        parts = [" ".join(filter(None, pieces.values()))]
        for prefix, start, end in spans:
            words = " ".join(filter(None, (v for (a, b), v in pieces.items() if start <= a and b <= end)))
            if words:
                parts.append(prefix + words.replace(" ", " " + prefix))
        return " ".join(parts)

    def features_many(self, texts: Iterable[str], sections: bool = True, cv_roles: bool = True) -> Iterator[str]:
        if not sections:
            yield from self.lemmas_many(texts)
        elif self.backend_name == MORFEUSZ:
            for t in texts:
                yield self.features(t, sections, cv_roles)
        else:
            for t in texts:
                yield " ".join(tok.lemma for tok in self.feature_tokens(t, sections, cv_roles))

    def feature_tokens(self, text: str, sections: bool = True, cv_roles: bool = True) -> list[Token]:
        """Tokens of :meth:`features`, each with its span in ``text`` (for explanations)."""
        clean = clean_text(text)
        return _mapped(self._feature_tokens(clean.text, sections, cv_roles), clean)

    def _feature_tokens(self, text: str, sections: bool, cv_roles: bool) -> list[Token]:
        toks = self._tokens(text)
        if not sections:
            return toks
        out = list(toks)
        for prefix, start, end in section_spans(text, cv_roles):
            out.extend(Token(t.start, t.end, prefix + t.lemma) for t in toks if start <= t.start < end)
        return out

    def __getstate__(self) -> dict[str, Any]:
        return {"backend": self.backend, "restore_diacritics": self.restore_diacritics,
                "_resolved": self._resolved, "_nlp": None}


def _mapped(tokens: list[Token], clean: Cleaned) -> list[Token]:
    """Tokens of a cleaned text with their spans moved back into the text it was cleaned from."""
    if clean.starts is None:
        return tokens
    return [Token(*clean.span(t.start, t.end), t.lemma) for t in tokens]
