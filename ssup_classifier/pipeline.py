"""The scikit-learn pipeline: TF-IDF over lemma n-grams, then logistic regression."""

from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from .config import TrainConfig


def build_pipeline(config: TrainConfig) -> Pipeline:
    """An unfitted pipeline whose input is lemma strings (see ``TextProcessor.lemmas``)."""
    word = TfidfVectorizer(
        token_pattern=r"\S+",
        lowercase=False,
        ngram_range=tuple(config.word_ngrams),
        min_df=config.min_df,
        max_df=config.max_df,
        max_features=config.max_features,
        sublinear_tf=config.sublinear_tf,
        dtype=np.float64,
    )
    parts = [("word", word)]
    if config.char_ngrams:
        parts.append(("char", TfidfVectorizer(
            analyzer="char_wb", ngram_range=tuple(config.char_ngrams), min_df=config.min_df,
            max_df=config.max_df, max_features=config.max_features, sublinear_tf=True,
            lowercase=False)))
    clf = LogisticRegression(
        C=config.C,
        class_weight=config.class_weight,
        max_iter=config.max_iter,
        random_state=config.seed,
    )
    return Pipeline([("features", FeatureUnion(parts)), ("clf", clf)])


def word_vectorizer(pipeline: Pipeline) -> TfidfVectorizer:
    return dict(pipeline.named_steps["features"].transformer_list)["word"]
