"""The committed default model is exactly what `ssup train` makes from the committed data."""

from __future__ import annotations

import numpy as np
import pytest
import sklearn

from ssup_classifier import SSUPClassifier, train
from ssup_classifier.data import data_hash
from ssup_classifier.pipeline import word_vectorizer
from ssup_classifier.text import backend_info


def test_metadata_matches_committed_data(default_model: SSUPClassifier) -> None:
    meta = default_model.metadata
    assert meta["data"]["sha256"] == data_hash(), "data changed since the model was trained: run `ssup train`"
    assert meta["text_backend"]["backend"] in ("morfeusz2", "pl_core_news_sm")
    assert meta["classes"] == ["1", "2", "3", "4", "5", "6", "none"]
    assert {"macro_f1", "level_exact", "level_within_one"} <= set(meta["metrics"]["test_split"])


def test_retraining_reproduces_the_committed_model(default_model: SSUPClassifier) -> None:
    meta = default_model.metadata
    if meta["versions"]["scikit-learn"] != sklearn.__version__ or \
            meta["text_backend"] != backend_info(meta["text_backend"]["backend"]):
        pytest.skip("library or dictionary versions differ from the ones the model was trained with")
    fresh = train(default_model.config).model
    assert word_vectorizer(fresh.pipeline).vocabulary_ == word_vectorizer(default_model.pipeline).vocabulary_
    np.testing.assert_allclose(fresh.pipeline.named_steps["clf"].coef_,
                               default_model.pipeline.named_steps["clf"].coef_, rtol=1e-6, atol=1e-8)
    assert fresh.metadata["metrics"] == meta["metrics"]
    assert fresh.metadata["data"] == meta["data"]
