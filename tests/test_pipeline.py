from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from ssup_classifier import SSUPClassifier, TextProcessor, TrainConfig
from ssup_classifier.pipeline import _fast_path_ok, build_pipeline, transform
from ssup_classifier.sections import role_lemmas, whole_text_features


@pytest.fixture(scope="module")
def mixed(samples: pd.DataFrame) -> pd.DataFrame:
    return samples.groupby("level").head(40).reset_index(drop=True)


@pytest.fixture(scope="module")
def lemmas(mixed: pd.DataFrame) -> list[str]:
    p = TextProcessor()
    return (["", "klient"] + [p.features(t) for t in mixed["text"]]
            + ["", "nieznanewyrazy xyz", "klient", "t_klient d_oferta", "", ""])


def test_fast_transform_equals_sklearn(tiny_model: SSUPClassifier, lemmas: list[str]) -> None:
    assert _fast_path_ok(tiny_model.pipeline)
    fast = transform(tiny_model.pipeline, lemmas)
    ref = tiny_model.pipeline.named_steps["features"].transform(lemmas)
    assert fast.shape == ref.shape
    assert abs(fast - ref).max() < 1e-12
    assert (fast.getnnz(axis=1) == ref.getnnz(axis=1)).all()


@pytest.mark.parametrize("change", [{"word_ngrams": (1, 3)}, {"word_ngrams": (1, 1)}, {"sublinear_tf": False},
                                    {"char_ngrams": (3, 4)}])
def test_other_configurations_match_sklearn(mixed: pd.DataFrame, lemmas: list[str], change: dict) -> None:
    whole = [whole_text_features(f) for f in lemmas]  # what training fits on (a CV's role is scored apart)
    pipe = build_pipeline(replace(TrainConfig(), **change))
    pipe.fit(whole[2:len(mixed) + 2], mixed["level"])
    ref = pipe.named_steps["features"].transform(whole)
    assert abs(transform(pipe, lemmas) - ref).max() < 1e-12
    assert _fast_path_ok(pipe) == ("char_ngrams" not in change and change != {"sublinear_tf": False})


def test_deterministic_training(tiny_data) -> None:
    from ssup_classifier import train

    a = train(TrainConfig(), data=tiny_data).model.pipeline.named_steps["clf"].coef_
    b = train(TrainConfig(), data=tiny_data).model.pipeline.named_steps["clf"].coef_
    np.testing.assert_array_equal(a, b)


def test_the_current_role_part_is_not_vectorized(tiny_model: SSUPClassifier, lemmas: list[str]) -> None:
    with_roles = [f for f in lemmas if " r_" in f]
    assert with_roles  # the sample CVs have dated roles
    cut = [whole_text_features(f) for f in with_roles]
    assert all(" r_" not in f and f for f in cut)
    assert abs(transform(tiny_model.pipeline, with_roles) - transform(tiny_model.pipeline, cut)).max() == 0
    role, words = role_lemmas("obsluga klient t_konsultant r_odbierac r_telefon")
    assert (role, words) == ("odbierac telefon", 2)
    assert role_lemmas("obsluga klient") == ("", 0)


def test_role_rows_sliced_from_the_whole_text_equal_their_own_transform(tiny_model: SSUPClassifier,
                                                                        samples: pd.DataFrame) -> None:
    from ssup_classifier.pipeline import transform_with_roles

    cvs = tiny_model.features(samples.loc[samples["genre"] == "cv", "text"].tolist())
    X, rows, R = transform_with_roles(tiny_model.pipeline, cvs, 10)
    assert len(rows) > 100 and R is not None and R.shape[0] == len(rows)
    assert abs(X - transform(tiny_model.pipeline, cvs)).max() == 0
    own = transform(tiny_model.pipeline, [role_lemmas(cvs[i])[0] for i in rows])
    assert abs(R - own).max() < 1e-12
    assert all(role_lemmas(cvs[i])[1] >= 10 for i in rows)


def test_feature_names_are_built_once_per_vocabulary(tiny_model: SSUPClassifier) -> None:
    import copy

    from ssup_classifier.pipeline import feature_names, word_vectorizer

    v = copy.deepcopy(word_vectorizer(tiny_model.pipeline))
    first = feature_names(v)
    assert list(first) == list(v.get_feature_names_out())
    assert feature_names(v) is first  # cached
    v.vocabulary_ = {w: len(v.vocabulary_) - 1 - i for w, i in v.vocabulary_.items()}  # a new vocabulary
    assert list(feature_names(v)) == list(first[::-1])


def test_function_words_are_no_features_of_their_own(tiny_model: SSUPClassifier) -> None:
    from ssup_classifier.pipeline import FUNCTION_WORDS, word_vectorizer

    vocab = word_vectorizer(tiny_model.pipeline).vocabulary_
    assert sorted(vocab.values()) == list(range(len(vocab)))  # columns renumbered without gaps
    alone = [t for t in vocab if " " not in t and (t[2:] if t[:2] in ("t_", "d_") else t) in FUNCTION_WORDS]
    assert alone == []
    assert any(w in FUNCTION_WORDS for t in vocab if " " in t for w in t.split())  # "obsluga przy" and such stay
    assert tiny_model.config.drop_function_words
    assert TrainConfig.from_dict({}).drop_function_words is False  # models saved before keep them


def test_dropping_function_words_keeps_every_other_terms_idf(tiny_data) -> None:
    from ssup_classifier import train
    from ssup_classifier.pipeline import word_vectorizer

    kept = word_vectorizer(train(TrainConfig(), data=tiny_data).model.pipeline)
    full = word_vectorizer(train(replace(TrainConfig(), drop_function_words=False), data=tiny_data).model.pipeline)
    assert 0 < len(full.vocabulary_) - len(kept.vocabulary_) < 200
    for term, i in kept.vocabulary_.items():
        assert kept.idf_[i] == full.idf_[full.vocabulary_[term]]
    assert kept.get_params()["vocabulary"] is None  # the terms are saved beside the model, not in it
