from __future__ import annotations

import pandas as pd
import pytest

from ssup_classifier import BackendUnavailableError, TextProcessor, TrainConfig
from ssup_classifier.text import available_backends, fold, resolve_backend


@pytest.fixture(scope="module")
def proc() -> TextProcessor:
    return TextProcessor("morfeusz2")


@pytest.mark.parametrize("form, lemma", [
    ("klientów", "klient"), ("przetargów", "przetarg"), ("ofertami", "oferta"),
    ("wspierał", "wspierac"), ("doradzała", "doradzac"), ("infolinii", "infolinia"),
    ("zespołem", "zespol"), ("Konsultantka", "konsultantka"), ("presales", "presales"),
    ("obsluga", "obsluga"), ("doswiadczeniem", "doswiadczenie"), ("zrodla", "zrodlo"),
    ("presalesowy", "presalesowy"),  # nothing to restore: the word is kept
])
def test_lemmas(proc: TextProcessor, form: str, lemma: str) -> None:
    assert proc.lemmas(form) == lemma


def test_words_without_polish_letters_meet_the_words_with_them(proc: TextProcessor) -> None:
    written = "Zakres obowiązków: obsługa zgłoszeń klientów, przygotowywanie ofert, współpraca z działem sprzedaży"
    typed = "Zakres obowiazkow: obsluga zgloszen klientow, przygotowywanie ofert, wspolpraca z dzialem sprzedazy"
    assert proc.lemmas(typed) == proc.lemmas(written)
    assert proc.spacy_tokens(typed) == proc.tokens(typed)


def test_models_trained_before_restoration_keep_their_lemmas() -> None:
    old = TextProcessor("morfeusz2", restore_diacritics=False)
    assert old.lemmas("obslugi klientow") == "obslugi klientow"
    assert old.spacy_tokens("obslugi klientow") == old.tokens("obslugi klientow")
    assert TrainConfig.from_dict({}).restore_diacritics is False
    assert TrainConfig().restore_diacritics is True


def test_restoring_a_foreign_word_is_bounded() -> None:
    from ssup_classifier.text import _RESTORE_MAX_TRIES, MorfeuszLexicon, _readings

    calls = []

    def counting(form: str) -> list[tuple[int, str, str]]:
        calls.append(form)
        return _readings(form)

    import ssup_classifier.text as text_module

    original = text_module._readings
    text_module._readings = counting
    try:
        assert MorfeuszLexicon._analyse("onanosaezeeloanzsconeae", True) == "onanosaezeeloanzsconeae"
    finally:
        text_module._readings = original
    assert _RESTORE_MAX_TRIES < len(calls) <= _RESTORE_MAX_TRIES + 1


def test_fold() -> None:
    assert fold("ŻÓŁĆ gęślą") == "zolc gesla"


def test_tokens_keep_spans_and_drop_digits_and_single_letters(proc: TextProcessor) -> None:
    text = "Obsługa (k/m) klientów 24/7 – infolinia"
    toks = proc.tokens(text)
    assert [text[t.start:t.end] for t in toks] == ["Obsługa", "klientów", "infolinia"]
    assert [t.lemma for t in toks] == ["obsluga", "klient", "infolinia"]


def test_spacy_pipeline_keeps_text_and_matches_fast_path(proc: TextProcessor, samples: pd.DataFrame) -> None:
    assert proc.nlp.pipe_names == ["ssup_morfeusz_lemmatizer"]
    for text in samples["text"]:
        assert proc.nlp(text).text == text
        assert proc.spacy_tokens(text) == proc.tokens(text)


def test_lemmas_many_equals_lemmas(proc: TextProcessor, samples: pd.DataFrame) -> None:
    texts = samples["text"].head(30).tolist()
    assert list(proc.lemmas_many(texts)) == [proc.lemmas(t) for t in texts]


def test_backend_recorded(proc: TextProcessor) -> None:
    info = proc.info()
    assert info["backend"] == "morfeusz2" and info["dictionary"].startswith("pl.")


def test_unknown_backend() -> None:
    with pytest.raises(BackendUnavailableError, match="unknown text backend"):
        resolve_backend("stanza")


def test_missing_backend_says_what_to_install() -> None:
    if "pl_core_news_sm" in available_backends():
        pytest.skip("pl_core_news_sm is installed here")
    with pytest.raises(BackendUnavailableError, match="pip install pl_core_news_sm"):
        resolve_backend("pl_core_news_sm")


def test_pl_core_news_sm_backend_when_installed() -> None:
    if "pl_core_news_sm" not in available_backends():
        pytest.skip("pl_core_news_sm (optional, GPL-3.0) is not installed")
    p = TextProcessor("pl_core_news_sm")
    assert p.lemmas("Obsługiwałam klientów infolinii") == "obslugiwac klient infolinia"


def test_fast_path_matches_spacy_on_real_ads(proc: TextProcessor, real_ads: pd.DataFrame) -> None:
    for text in real_ads["text"]:
        assert proc.spacy_tokens(text) == proc.tokens(text)
        assert proc.lemmas(text) == " ".join(t.lemma for t in proc.spacy_tokens(text))


@pytest.mark.parametrize("text", ["m² i m³ – 50 zł/m²", "ﬁrma", "e-mail: <<EMAIL>>", "Łódź\u00a0Kraków\tWarszawa\r\n",
                                  "İstanbul ǅ ß", "x" * 3, "🙂 obsługa 🙂", "COVID19 B2B m2 abc_def 3D klientów2021",
                                  "__init__ 2x2 ½kg KPI-e", "Ⅻ wiek ٣ lata"])
def test_fast_path_matches_spacy_on_odd_unicode(proc: TextProcessor, text: str) -> None:
    assert proc.nlp(text).text == text
    assert proc.spacy_tokens(text) == proc.tokens(text)
    assert proc.lemmas(text) == " ".join(t.lemma for t in proc.spacy_tokens(text))


def test_fast_readings_equal_the_public_analyser(samples: pd.DataFrame) -> None:
    from ssup_classifier.text import _WORD, _morfeusz, _readings

    m = _morfeusz()
    forms = sorted({w.lower() for t in samples["text"].head(400) for w in _WORD.findall(t)}) + ["kpi", "xyzq", "ó"]
    for f in forms:
        public = [(start, tag.split(":", 1)[0], lemma) for start, _e, (_o, lemma, tag, *_r) in m.analyse(f)]
        assert _readings(f) == public, f
