"""Training: labelled samples + official descriptors -> a fitted SSUPClassifier."""

from __future__ import annotations

import importlib.metadata as md
import logging
import platform
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from .config import NONE_LABEL, TrainConfig
from .data import data_hash, load_samples
from .descriptors import load_descriptors
from .errors import DataError
from .model import SSUPClassifier
from .pipeline import (
    build_pipeline,
    build_scope_classifier,
    in_scope_probability,
    transform,
    without_function_words,
    word_vectorizer,
)
from .resources import descriptors_path, samples_path
from .sections import whole_text_features
from .text import TextProcessor

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainResult:
    model: SSUPClassifier
    n_samples: int
    n_descriptors: int
    test_metrics: dict[str, Any] = field(default_factory=dict)


def training_rows(samples: pd.DataFrame, descriptors_file: str | Path | None,
                  config: TrainConfig) -> tuple[list[str], list[str], np.ndarray]:
    """Texts, labels and sample weights: the samples given plus one row per level descriptor."""
    desc = load_descriptors(descriptors_file).training_texts()
    texts = samples["text"].tolist() + [t for t, _ in desc]
    labels = samples["level"].tolist() + [lab for _, lab in desc]
    weights = np.r_[np.ones(len(samples)), np.full(len(desc), config.descriptor_weight)]
    return texts, labels, weights


def fit(texts_lemmas: list[str], labels: list[str], weights: np.ndarray, config: TrainConfig) -> Any:
    """Fit the pipeline on one BLAS thread: faster for these small matrices on a shared
    machine (several seconds against a tenth of one on 2 busy cores) and the same every run."""
    pipe = build_pipeline(config)
    texts_lemmas = [whole_text_features(f) for f in texts_lemmas]  # a CV's current role is scored apart
    with threadpool_limits(1, user_api="blas"):
        features = pipe.named_steps["features"]
        X = features.fit_transform(texts_lemmas)  # what pipe.fit does, keeping X
        if config.drop_function_words:
            # Fit again on the same texts with the selected terms less the function words: the
            # same document frequencies, so the same idf for every term that stays.
            word = word_vectorizer(pipe)
            word.set_params(vocabulary=without_function_words(word))
            X = features.fit_transform(texts_lemmas)
            word.set_params(vocabulary=None)  # the terms stay in vocabulary_ (saved beside the model)
        pipe.named_steps["clf"].fit(X, labels, sample_weight=weights)
        if config.scope_head:
            # With six level classes against one "none", a text with little evidence gets an
            # in-scope probability near 6/7; a two-class model fitted on the same features,
            # balanced between sales support and the rest, puts such a text near 1/2 instead.
            pipe.scope_ = build_scope_classifier(config).fit(
                X, np.asarray(labels, dtype=object) != NONE_LABEL, sample_weight=weights)
    return pipe


def self_check(pipeline: Any, texts: list[str], features: list[str]) -> dict[str, Any]:
    """What the fitted models say about a few stored texts (the descriptors): loading the model
    with other library versions re-scores them and refuses the model if the answers drifted."""
    X = transform(pipeline, features)
    check: dict[str, Any] = {"texts": texts,
                             "probabilities": np.round(pipeline.named_steps["clf"].predict_proba(X), 8).tolist()}
    in_scope = in_scope_probability(pipeline, X)
    if in_scope is not None:
        check["in_scope"] = np.round(in_scope, 8).tolist()
    return check


def train(config: TrainConfig | None = None, data: str | Path | None = None,
          descriptors: str | Path | None = None) -> TrainResult:
    """Train on the ``train`` split and the descriptors; score the untouched ``test`` split."""
    from .evaluation import score_predictions

    config = config or TrainConfig()
    data = Path(data) if data else samples_path()
    descriptors = Path(descriptors) if descriptors else descriptors_path()
    samples = load_samples(data)
    train_df = samples[samples["split"] == "train"]
    test_df = samples[samples["split"] == "test"]
    if train_df["level"].nunique() < 7:
        raise DataError(f"{data}: the train split must have examples of every class (1-6 and none); "
                        f"it has {sorted(train_df['level'].unique())}")
    processor = TextProcessor(config.backend, config.restore_diacritics)
    texts, labels, weights = training_rows(train_df, descriptors, config)
    lemmas = list(processor.features_many(texts, config.sections, config.cv_roles))
    pipeline = fit(lemmas, labels, weights, config)
    desc_texts = [t for t, _ in load_descriptors(descriptors).training_texts()]
    metadata = {
        "package": {"name": "ssup-classifier", "version": _version("ssup-classifier")},
        "versions": {name: _version(name) for name in ("scikit-learn", "numpy", "scipy", "skops", "spacy")}
        | {"python": platform.python_version()},
        "text_backend": processor.info(),
        "data": {"samples": data.name, "descriptors": descriptors.name, "sha256": data_hash(data, descriptors),
                 "n_train": int(len(train_df)), "n_test": int(len(test_df)), "n_descriptors": len(desc_texts)},
        "config": config.to_dict(),
        "classes": [str(c) for c in pipeline.classes_],
        "self_check": self_check(pipeline, desc_texts, lemmas[-len(desc_texts):]),
    }
    model = SSUPClassifier(pipeline, processor, metadata)
    model.lemma_table = processor.lemma_table(texts)
    test_metrics: dict[str, Any] = {}
    if len(test_df):
        preds = model.predict_lemmas(model.features(test_df["text"].tolist()))
        test_metrics = score_predictions(test_df["level"].tolist(), preds)
    model.metadata["metrics"] = {"test_split": _headline(test_metrics)}
    logger.info("trained on %d rows (+%d descriptors)", len(train_df), len(desc_texts))
    return TrainResult(model, int(len(train_df)), len(desc_texts), test_metrics)


def _headline(m: dict[str, Any]) -> dict[str, Any]:
    keys = ("n", "macro_f1", "accuracy", "level_exact", "level_within_one", "level_mae",
            "in_scope_recall", "out_of_scope_recall")
    return {k: m[k] for k in keys if k in m}


def _version(name: str) -> str:
    try:
        return md.version(name)
    except md.PackageNotFoundError:
        return "unknown"


def model_card(result: TrainResult) -> str:
    meta = result.model.metadata
    m = meta.get("metrics", {}).get("test_split", {})
    tb = meta["text_backend"]
    sections = (", with an ad's title and duties section read again as separate features"
                if meta["config"].get("sections") else "")
    if meta["config"].get("drop_function_words"):
        sections += "; function words (\"i\", \"w\", \"dla\", \"the\") count only inside n-grams"
    scope = (f"; the in-scope probability from a two-class logistic regression (C={meta['config']['scope_C']}, "
             "balanced) on the same features" if meta["config"].get("scope_head") else "")
    restore = ("; words typed without Polish letters are read as the words with them"
               if meta["config"].get("restore_diacritics") else "")
    temperature = meta["config"].get("level_temperature", 1.0)
    calibrated = (f"\n- **Level probabilities** sharpened with temperature {temperature} (fitted on real job-board "
                  "ads, where the\n  unsharpened model is under-confident); the most probable level is unchanged."
                  if temperature != 1.0 else "")
    rows = "\n".join(f"| {k} | {v:.3f} |" if isinstance(v, float) else f"| {k} | {v} |" for k, v in m.items())
    return f"""# Model card: ssup-default

Classifies Polish (and some English) job ads, CVs and recruiter notes into the responsibility level (1-6) of
the SFIA skill Sales support (SSUP), and flags text that is not about sales support.

- **Model**: TF-IDF over lemma n-grams {tuple(meta['config']['word_ngrams'])}{sections} + multinomial
  logistic regression (C={meta['config']['C']}, class_weight={meta['config']['class_weight']}){scope}.{calibrated}
- **Text backend**: {tb['backend']} {tb['version']} {tb.get('dictionary', '')} on spaCy {tb['spacy']}{restore}.
- **Training data**: {meta['data']['n_train']} hand-written labelled rows (the `train` split of
  `{meta['data']['samples']}`) and the {meta['data']['n_descriptors']} official level descriptors;
  sha256 `{meta['data']['sha256'][:16]}…`.
- **Intended use**: a suggestion for recruiters and HR analysts, with the phrases behind it.
  Not for automated decisions about people.
- **Limits**: trained on hand-written examples; real job-board ads are longer and noisier.
  See `docs/evaluation.md` for cross-validated metrics, baselines and real-ad results.

## Held-out test split ({meta['data']['n_test']} rows, never used in training)

| metric | value |
|---|---|
{rows}
"""
