"""Guards on data/labeled_samples.csv: schema, uniqueness, balance, and the untouched test split."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from ssup_classifier import CLASSES, TrainConfig
from ssup_classifier.data import COLUMNS, GENRES
from ssup_classifier.resources import samples_path


def test_schema_and_allowed_values(samples: pd.DataFrame) -> None:
    raw = pd.read_csv(samples_path(), dtype=str, keep_default_na=False, encoding="utf-8")
    assert list(raw.columns) == list(COLUMNS)
    assert set(samples["level"]) == set(CLASSES)
    assert set(samples["genre"]) == set(GENRES)
    assert set(samples["split"]) == {"train", "test"}
    assert (samples["industry"].str.strip() != "").all()
    assert (samples["text"].str.strip() == samples["text"]).all(), "texts carry no stray leading/trailing space"


def test_ids_unique_and_no_exact_duplicates(samples: pd.DataFrame) -> None:
    assert samples["id"].is_unique
    norm = samples["text"].str.lower().str.split().str.join(" ")
    assert not norm.duplicated().any(), samples.loc[norm.duplicated(), "id"].tolist()


def test_no_near_duplicates(samples: pd.DataFrame) -> None:
    X = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True).fit_transform(samples["text"])
    worst = []
    step = 500
    for i in range(0, X.shape[0], step):
        S = (X[i:i + step] @ X.T).toarray()
        for r in range(S.shape[0]):
            S[r, i + r] = 0.0
        hits = np.argwhere(S >= 0.8)
        worst += [(samples["id"][i + a], samples["id"][b], round(float(S[a, b]), 3)) for a, b in hits]
    assert not worst, f"near-duplicate pairs (cosine >= 0.8): {worst[:10]}"


def test_counts_and_balance(samples: pd.DataFrame) -> None:
    counts = samples["level"].value_counts()
    for k in "123456":
        assert counts[k] >= 130, f"level {k} has {counts[k]} rows"
    assert counts["none"] >= 200
    assert len(samples) >= 1000
    assert samples["industry"].nunique() >= 15


@pytest.mark.parametrize("level", list(CLASSES))
def test_genre_shares_in_every_level(samples: pd.DataFrame, level: str) -> None:
    share = samples.loc[samples["level"] == level, "genre"].value_counts(normalize=True)
    assert share.get("job_ad", 0) >= 0.45
    assert share.get("cv", 0) >= 0.30
    assert share.get("note", 0) >= 0.10


def test_lengths_are_realistic(samples: pd.DataFrame) -> None:
    words = samples["text"].str.split().str.len()
    ads = words[samples["genre"] == "job_ad"]
    notes = words[samples["genre"] == "note"]
    assert ads.between(40, 600).all(), samples.loc[ads[~ads.between(40, 600)].index, "id"].tolist()
    assert notes.between(5, 30).all(), samples.loc[notes[~notes.between(5, 30)].index, "id"].tolist()


def test_test_split_is_stratified_and_about_a_fifth(samples: pd.DataFrame) -> None:
    share = (samples["split"] == "test").groupby(samples["level"]).mean()
    assert share.between(0.15, 0.25).all(), share.to_dict()


def test_training_never_sees_the_test_split(samples: pd.DataFrame, tiny_data, monkeypatch) -> None:
    import ssup_classifier.training as train_mod

    seen: list[str] = []
    real_rows = train_mod.training_rows

    def spy(df, descriptors, config):
        texts, labels, weights = real_rows(df, descriptors, config)
        seen.extend(texts)
        return texts, labels, weights

    monkeypatch.setattr(train_mod, "training_rows", spy)
    train_mod.train(TrainConfig(), data=tiny_data)
    tiny = pd.read_csv(tiny_data, dtype=str, keep_default_na=False)
    test_texts = set(tiny.loc[tiny["split"] == "test", "text"])
    assert test_texts and not test_texts & set(seen)
    assert set(tiny.loc[tiny["split"] == "train", "text"]) <= set(seen)


@pytest.mark.parametrize("which", ["independent", "career_change", "hard"])
def test_eval_sets_are_clean_and_separate(samples: pd.DataFrame, which: str) -> None:
    from ssup_classifier import resources
    from ssup_classifier.data import load_eval_set

    path = getattr(resources, f"{which}_eval_path")()
    if not path.is_file():
        pytest.skip(f"no {which} evaluation set in this checkout")
    ev = load_eval_set(path)
    assert ev["id"].is_unique and not set(ev["id"]) & set(samples["id"])
    assert set(ev["level"]) <= set(CLASSES) and set(ev["genre"]) <= set(GENRES)
    assert ev["level"].nunique() >= 5 and (ev["level"] == "none").any()
    vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True).fit(samples["text"])
    S = (vec.transform(ev["text"]) @ vec.transform(samples["text"]).T).toarray()
    hits = np.argwhere(S >= 0.8)
    assert not len(hits), [(ev["id"][a], samples["id"][b]) for a, b in hits[:10]]
