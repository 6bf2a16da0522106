from __future__ import annotations

import unicodedata

import pandas as pd
import pytest

from ssup_classifier import SSUPClassifier, TextProcessor
from ssup_classifier.cleaning import clean_text, looks_like_html

AD = ("Specjalista ds. ofertowania (k/m)\n"
      "Zakres obowiązków: przygotowywanie ofert przetargowych, analiza wymagań klienta, kosztorysy.\n"
      "Wymagania: znajomość Excela, język angielski.")


@pytest.fixture(scope="module")
def proc() -> TextProcessor:
    return TextProcessor("morfeusz2")


def _html(text: str) -> str:
    title, _, body = text.partition("\n")
    items = "".join(f"<li>{line.replace('&', '&amp;')}</li>" for line in body.split("\n"))
    return f'<div class="offer"><h1>{title}</h1><ul>{items}</ul><script>var x = "<b>";</script></div>'


@pytest.mark.parametrize("name, messy", [
    ("no-break spaces", AD.replace(" ", "\u00a0")),
    ("narrow no-break spaces", AD.replace(" ", "\u202f")),
    ("tabs", AD.replace(" ", "\t")),
    ("soft hyphens inside words", AD.replace("owa", "o\u00adwa")),
    ("zero-width spaces inside words", AD.replace("ó", "ó\u200b")),
    ("decomposed accents (NFD)", unicodedata.normalize("NFD", AD)),
    ("HTML from a job board", _html(AD)),
])
def test_pasted_text_reads_as_the_plain_text(proc: TextProcessor, name: str, messy: str) -> None:
    assert proc.features(messy) == proc.features(AD), name
    assert "d_przetargowy" in proc.features(messy)  # the duties header is still found


@pytest.mark.parametrize("messy", [unicodedata.normalize("NFD", AD), _html(AD), AD.replace("ó", "ó\u200b")])
def test_spans_point_into_the_text_as_given(proc: TextProcessor, messy: str) -> None:
    tokens = proc.tokens(messy)
    assert [t.lemma for t in tokens] == [t.lemma for t in proc.tokens(AD)]
    for t in tokens:
        shown = messy[t.start:t.end]
        assert "<" not in shown and ">" not in shown
        plain = unicodedata.normalize("NFC", shown).replace("\u200b", "")
        assert proc.lemmas(plain) == t.lemma


def test_clean_text_leaves_ordinary_text_alone(samples: pd.DataFrame) -> None:
    for text in samples["text"]:
        cleaned = clean_text(text)
        assert cleaned.text == text and cleaned.starts is None


@pytest.mark.parametrize("text", ["e-mail: <<EMAIL>>, tel. <<PHONE>>", "obroty < 5 mln > 2 mln",
                                  "Znaczniki <b> w treści ogłoszenia", "R&D oraz B&B"])
def test_text_that_only_mentions_markup_is_not_treated_as_html(text: str) -> None:
    assert not looks_like_html(text)
    assert clean_text(text).text == text


def test_html_entities_and_scripts(proc: TextProcessor) -> None:
    cleaned = clean_text("<p>Dział&nbsp;obsługi&#32;klienta &amp; wsparcia</p><style>p {color: red}</style><br>")
    assert cleaned.text == "\nDział obsługi klienta & wsparcia\n\n"
    assert cleaned.span(0, len(cleaned.text)) == (0, len("<p>Dział&nbsp;obsługi&#32;klienta &amp; wsparcia</p>"
                                                        "<style>p {color: red}</style><br>"))


def test_the_model_scores_a_pasted_ad_as_the_plain_one(tiny_model: SSUPClassifier) -> None:
    plain = tiny_model.predict(AD)
    for messy in (_html(AD), unicodedata.normalize("NFD", AD), AD.replace(" ", "\u00a0")):
        p = tiny_model.predict(messy)
        assert p.probabilities == plain.probabilities and p.in_scope_probability == plain.in_scope_probability
        assert all(messy[r.start:r.end] == r.phrase for r in p.reasons)
