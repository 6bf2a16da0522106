"""Title and duties sections of an ad, and the feature strings built from them."""

from __future__ import annotations

import pandas as pd
import pytest

from ssup_classifier import SSUPClassifier, TextProcessor, TrainConfig
from ssup_classifier.sections import (
    OPEN_END,
    base_lemmas,
    current_role_span,
    date_ranges,
    duties_span,
    section_spans,
    strip_prefix,
    title_span,
)

AD_LINES = """Specjalista ds. wsparcia sprzedaży
O firmie: producent okien z Podlasia.
Zakres obowiązków:
- przygotowywanie ofert według cennika,
- doradztwo w doborze okuć.
Wymagania:
- rok doświadczenia w biurze handlowym.
Oferujemy: umowę o pracę."""

AD_ONE_LINE = ("Konsultant infolinii\nKto szuka: Sklep XYZ Lokalizacja: Radom Twój zakres obowiązków "
               "odbieranie połączeń od klientów, udzielanie informacji o statusie zamówień "
               "Nasze wymagania komunikatywność To oferujemy pracę zmianową")


def cut(text: str, span: tuple[int, int] | None) -> str | None:
    return None if span is None else text[span[0]:span[1]].strip()


def test_title_is_a_short_first_line_of_a_longer_text() -> None:
    assert cut(AD_LINES, title_span(AD_LINES)) == "Specjalista ds. wsparcia sprzedaży"
    assert cut("\n\n  Konsultant\ntreść", title_span("\n\n  Konsultant\ntreść")) == "Konsultant"
    assert title_span("jedna linia bez tytułu") is None
    assert title_span("tytuł\n   \n") is None  # nothing after it
    assert title_span("x" * 200 + "\ntreść") is None  # a paragraph, not a title


def test_a_one_line_ad_has_its_title_up_to_the_first_header() -> None:
    ad = ("Specjalista ds. ofertowania (k/m) Lokalizacja: Poznań Rodzaj umowy: umowa o pracę "
          "Zakres obowiązków przygotowywanie ofert przetargowych Wymagania Excel")
    assert cut(ad, title_span(ad)) == "Specjalista ds. ofertowania (k/m)"
    assert title_span(" ".join(ad.split()[4:])) is None  # starts with the header: no title before it
    note = "kandydatka 3 lata infolinia w banku, szuka pracy zdalnej, bez doświadczenia w ofertach"
    assert title_span(note) is None  # no header: a note is not a title
    long_intro = "Dołącz do naszego zespołu " * 8 + "Wymagania Excel"
    assert title_span(long_intro) is None  # more than 15 words before the header


def test_duties_run_from_their_header_to_the_next_section() -> None:
    assert cut(AD_LINES, duties_span(AD_LINES)) == (
        "- przygotowywanie ofert według cennika,\n- doradztwo w doborze okuć.")
    assert cut(AD_ONE_LINE, duties_span(AD_ONE_LINE)) == (
        "odbieranie połączeń od klientów, udzielanie informacji o statusie zamówień")


def test_no_duties_header_means_no_duties_features() -> None:
    cv = "Anna Nowak\nDoświadczenie: 2021-2024 konsultantka infolinii w banku. Języki: angielski B2."
    assert duties_span(cv) is None
    assert [p for p, _, _ in section_spans(cv)] == ["t_"]


def test_headers_match_whole_words_only() -> None:
    text = "Tytuł\nNasze zadaniaowe hasło. Zaoferujemy coś"
    assert duties_span(text) is None
    text = "Tytuł\nZadania: obsługa zaoferujemy ludzi. Wymagania: brak"
    assert cut(text, duties_span(text)) == "obsługa zaoferujemy ludzi."


def test_duties_without_a_closing_header_stop_at_a_word_boundary() -> None:
    body = "Obowiązki: " + "wsparcie handlowców przy ofertach " * 60
    start, end = duties_span(body)  # type: ignore[misc]
    assert end - start <= 800 and body[end] == " "


def test_strip_prefix() -> None:
    assert strip_prefix("t_obsluga t_klient") == "obsluga klient"
    assert strip_prefix("d_oferta cennik") == "oferta cennik"


def test_features_add_prefixed_title_and_duties() -> None:
    p = TextProcessor("morfeusz2")
    f = p.features(AD_ONE_LINE).split()
    assert f[:len(p.lemmas(AD_ONE_LINE).split())] == p.lemmas(AD_ONE_LINE).split()
    assert [w for w in f if w.startswith("t_")] == ["t_konsultant", "t_infolinia"]
    assert "d_odbierac" in f and "d_komunikatywnosc" not in f
    assert p.features(AD_ONE_LINE, sections=False) == p.lemmas(AD_ONE_LINE)
    assert base_lemmas(p.features(AD_LINES)) == p.lemmas(AD_LINES)


def check_feature_paths(texts: list[str]) -> None:
    p = TextProcessor("morfeusz2")
    assert list(p.features_many(texts)) == [" ".join(t.lemma for t in p.feature_tokens(t)) for t in texts]
    for text in texts[:200]:
        for tok in p.feature_tokens(text):
            assert text[tok.start:tok.end].isalpha()


def test_features_equal_feature_tokens(samples: pd.DataFrame) -> None:
    check_feature_paths(samples["text"].tolist() + [AD_LINES, AD_ONE_LINE])


def test_features_equal_feature_tokens_on_real_ads(real_ads: pd.DataFrame) -> None:
    check_feature_paths(real_ads["text"].tolist())


def test_models_saved_before_sections_keep_plain_lemmas() -> None:
    old = TrainConfig().to_dict()
    del old["sections"]
    assert TrainConfig.from_dict(old).sections is False
    assert TrainConfig.from_dict(TrainConfig().to_dict()).sections is True


@pytest.mark.parametrize("text", [AD_LINES, AD_ONE_LINE])
def test_reasons_name_each_span_once_without_prefixes(tiny_model: SSUPClassifier, text: str) -> None:
    reasons = tiny_model.predict(text, n_reasons=20).reasons
    spans = [set(range(r.start, r.end)) for r in reasons]
    for i, a in enumerate(spans):
        assert all(not (a & b) for b in spans[i + 1:])
    assert not any(w.startswith(("t_", "d_")) for r in reasons for w in r.feature.split())
    assert all(text[r.start:r.end] == r.phrase for r in reasons)


def plain_duties_span(text: str) -> tuple[int, int] | None:
    """duties_span without the anchor skip: the regexes alone, from the start."""
    from ssup_classifier import sections as S

    low = text.lower()
    if len(low) != len(text):
        return "fallback"  # type: ignore[return-value]
    m = S._DUTIES.search(low)
    if m is None:
        return None
    after = S._AFTER_DUTIES.search(low, m.end())
    return m.end(), (after.start() if after else -1)


def test_anchor_skip_finds_the_same_headers(samples: pd.DataFrame) -> None:
    from ssup_classifier import sections as S

    texts = samples["text"].tolist() + [AD_LINES, AD_ONE_LINE, "xobowiązki: a", "do twoich obowiązków: x",
                                        "Twój zakres obowiązków obsługa Mile widziane: y", "zadań"]
    for text in texts:
        want = plain_duties_span(text)
        if want == "fallback":
            continue
        low = text.lower()
        m = S._search(S._DUTIES, S._DUTIES_ANCHORS, low)
        got_start = m.end() if m else None
        assert got_start == (want[0] if want else None), text[:80]
        if m:
            a = S._search(S._AFTER_DUTIES, S._AFTER_ANCHORS, low, m.end())
            assert (a.start() if a else -1) == want[1], text[:80]


def test_anchor_skip_takes_the_earliest_header_whatever_its_place_in_the_list() -> None:
    from ssup_classifier import sections as S

    # "zapewniamy" comes late in the anchor list but first in the text
    low = "tytuł\nobowiązki: obsługa klientów zapewniamy szkolenia, wymagania: brak, oferujemy pracę"
    m = S._search(S._DUTIES, S._DUTIES_ANCHORS, low)
    assert m is not None
    a = S._search(S._AFTER_DUTIES, S._AFTER_ANCHORS, low, m.end())
    assert a is not None and low[a.start():].startswith("zapewniamy")
    assert a.start() == S._AFTER_DUTIES.search(low, m.end()).start()  # type: ignore[union-attr]


CV_NEWEST_FIRST = """Doświadczenie zawodowe
03.2023 – obecnie: Konsultantka infolinii, bank
- odbieranie połączeń, informacje o statusie wniosków
2015 – 2022: Kierowniczka zespołu presales, integrator IT
- zarządzanie zespołem, odpowiedzialność za treść ofert
Wykształcenie: Politechnika Łódzka"""

CV_OLDEST_FIRST = """Przebieg pracy
2012-2016 Dyrektor ds. obsługi klienta, operator
2016 – 2020 Inżynier presales, dostawca ERP
od 2021 Doradca techniczno-handlowy, hurtownia
doradztwo w doborze produktów dla klientów w salonie
Umiejętności: AutoCAD"""

CV_ONE_LINE = ("Doświadczenie: sty 2022 - present Customer Service Agent, e-commerce: odpowiedzi na maile "
               "klientów o zamówieniach. 2016-2021 Head of Bid Management, producent maszyn: "
               "odpowiedzialność za wszystkie oferty. Języki: angielski C1")


@pytest.mark.parametrize("text, want", [
    (CV_NEWEST_FIRST,
     "03.2023 – obecnie: Konsultantka infolinii, bank\n- odbieranie połączeń, informacje o statusie wniosków"),
    (CV_OLDEST_FIRST,
     "od 2021 Doradca techniczno-handlowy, hurtownia\ndoradztwo w doborze produktów dla klientów w salonie"),
    (CV_ONE_LINE,
     "sty 2022 - present Customer Service Agent, e-commerce: odpowiedzi na maile klientów o zamówieniach."),
])
def test_a_cv_reads_its_most_recent_role_again(text: str, want: str) -> None:
    assert cut(text, current_role_span(text)) == want
    assert ("r_", *current_role_span(text)) in section_spans(text)  # type: ignore[misc]
    assert not any(prefix == "r_" for prefix, _, _ in section_spans(text, cv_roles=False))


def test_date_ranges() -> None:
    low = "03.2019 – 11.2021, 2015-2018, od 2022 r., 2020 - obecnie, w 2010 roku, 1999 to 2001".lower()
    got = [(first, last, written) for _, _, first, last, written in date_ranges(low)]
    assert got == [(2019, 2021, True), (2015, 2018, True), (2022, OPEN_END, False), (2020, OPEN_END, True),
                   (1999, 2001, True)]
    assert date_ranges("cena 2023 zł, kod 12345, rok 2024") == []
    assert date_ranges("2023 - 2019") == []  # backwards: not a range


@pytest.mark.parametrize("text", [
    "Działamy od 2011 roku, a od 2015 r. jesteśmy w grupie kapitałowej. Zakres obowiązków: obsługa klientów.",
    "W latach 2018-2020 pracowałam w banku.",  # one role: the whole text is about it
    "Konsultantka infolinii, rok doświadczenia.",
])
def test_texts_that_are_not_multi_role_cvs_get_no_role_span(text: str) -> None:
    assert current_role_span(text) is None


def test_a_cv_role_comes_last_beside_a_duties_header() -> None:
    cv = ("2021 – obecnie Konsultant infolinii, ubezpieczenia\nodbieranie telefonów\n"
          "2014 – 2021 Kierownik ofertowania\nZakres obowiązków: zatwierdzanie ofert")
    spans = section_spans(cv)
    assert [p for p, _, _ in spans] == ["t_", "d_", "r_"]
    assert cut(cv, spans[-1][1:]) == (
        "2021 – obecnie Konsultant infolinii, ubezpieczenia\nodbieranie telefonów")


def test_cv_section_anchors_find_what_the_regex_finds(samples: pd.DataFrame) -> None:
    from ssup_classifier.sections import _CV_SECTION, _cv_section

    for text in samples.loc[samples["genre"] == "cv", "text"]:
        low = text.lower()
        for a, b in ((0, len(low)), (len(low) // 3, 2 * len(low) // 3)):
            m = _CV_SECTION.search(low, a, b)
            assert _cv_section(low, a, b) == (m.start() if m else -1)


CHRONOLOGICAL_CV = """Przebieg kariery
2012 – 2015: Konsultant infolinii, Telekom Serwis – odbierałem połączenia od klientów, udzielałem informacji o \
taryfach i przekazywałem reklamacje do działu technicznego.
2015 – 2022: Presales Manager, SoftLine Integracje – kierowałem zespołem inżynierów presales, odpowiadałem za \
merytoryczną zawartość ofert przetargowych, ustalałem KPI i standardy jakości ofert.
03.2023 – obecnie: Konsultant infolinii, Bank Spółdzielczy w Radomiu – odbieram połączenia od klientów, udzielam \
informacji o rachunkach i kartach, przekazuję zgłoszenia do właściwych działów i wprowadzam dane do systemu.
Wykształcenie
Politechnika Warszawska, informatyka"""


def test_a_cvs_reasons_point_at_its_current_role(default_model: SSUPClassifier) -> None:
    # Oldest role first: the words of the current hotline job occur first in the 2012 one.
    from ssup_classifier.sections import current_role_span

    start, end = current_role_span(CHRONOLOGICAL_CV)
    p = default_model.predict(CHRONOLOGICAL_CV, n_reasons=8)
    assert p.level == 1 and p.reasons
    inside = [start <= r.start and r.end <= end for r in p.reasons]
    assert sum(inside) >= 6, [(r.phrase, r.start) for r in p.reasons]
    assert default_model.reasons(CHRONOLOGICAL_CV) == p.reasons
    assert all(CHRONOLOGICAL_CV[r.start:r.end] == r.phrase for r in p.reasons)
