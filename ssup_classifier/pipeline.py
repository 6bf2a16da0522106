"""The scikit-learn pipeline: TF-IDF over lemma n-grams, then logistic regression."""

from __future__ import annotations

import weakref
from itertools import repeat

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from .config import TrainConfig
from .sections import whole_text_features


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


def build_scope_classifier(config: TrainConfig) -> LogisticRegression:
    """The two-class model (sales support or not) fitted on the pipeline's features; stored on
    the fitted pipeline as ``scope_`` and used for the in-scope probability."""
    return LogisticRegression(C=config.scope_C, class_weight="balanced", max_iter=config.max_iter,
                              random_state=config.seed)


def word_vectorizer(pipeline: Pipeline) -> TfidfVectorizer:
    return dict(pipeline.named_steps["features"].transformer_list)["word"]


def _fast_path_ok(pipeline: Pipeline) -> bool:
    parts = pipeline.named_steps["features"].transformer_list
    if len(parts) != 1:
        return False
    v = parts[0][1]
    return (v.analyzer == "word" and v.token_pattern == r"\S+" and not v.lowercase and v.preprocessor is None
            and v.tokenizer is None and v.stop_words is None and v.norm == "l2" and v.use_idf and v.sublinear_tf
            and not v.binary)


_LOOKUPS: weakref.WeakKeyDictionary[TfidfVectorizer, tuple[dict[str, int], dict[tuple[str, ...], int]]] = (
    weakref.WeakKeyDictionary())


def _lookups(v: TfidfVectorizer) -> tuple[dict[str, int], dict[tuple[str, ...], int]]:
    """The vocabulary split into unigrams (by string) and n-grams (by tuple of lemmas), built once
    per fitted vectorizer: zip() yields the tuples directly, so no n-gram string is ever joined."""
    found = _LOOKUPS.get(v)
    if found is None or len(found[0]) + len(found[1]) != len(v.vocabulary_):
        uni: dict[str, int] = {}
        grams: dict[tuple[str, ...], int] = {}
        for term, i in v.vocabulary_.items():
            if " " in term:
                grams[tuple(term.split(" "))] = int(i)
            else:
                uni[term] = int(i)
        found = _LOOKUPS[v] = (uni, grams)
    return found


def prepare(pipeline: Pipeline) -> None:
    """Build what :func:`transform` looks features up in now (at load), not on the first batch."""
    if _fast_path_ok(pipeline):
        _lookups(word_vectorizer(pipeline))


def transform(pipeline: Pipeline, lemmas: list[str]) -> sp.csr_matrix:
    """The pipeline's feature matrix for feature strings, equal to ``features.transform`` of
    their whole-text part (a CV's current role is scored apart, see model.py).

    For the word-n-gram configuration the model ships with, counts are gathered with C-level
    dictionary look-ups and scaled in numpy, about twice as fast as scikit-learn's
    transform (a test holds the two equal); anything else goes through scikit-learn.
    """
    lemmas = [whole_text_features(f) for f in lemmas]
    if not _fast_path_ok(pipeline):
        return sp.csr_matrix(pipeline.named_steps["features"].transform(lemmas))
    v = word_vectorizer(pipeline)
    uni, grams = _lookups(v)
    get1, getn = uni.get, grams.get
    lo, hi = v.ngram_range
    ids: list[int] = []
    lens: list[int] = []
    for doc in lemmas:
        toks = doc.split()
        start = len(ids)
        for n in range(lo, hi + 1):
            if n == 1:
                ids.extend(map(get1, toks, repeat(-1)))
            else:
                ids.extend(map(getn, zip(*(toks[i:] for i in range(n))), repeat(-1)))
        lens.append(len(ids) - start)
    idx = np.asarray(ids, dtype=np.int64)
    keep = idx >= 0
    # rows arrive in order, so the kept ids with row boundaries are already a CSR matrix
    rows = np.repeat(np.arange(len(lemmas)), lens)
    indptr = np.r_[0, np.cumsum(np.bincount(rows[keep], minlength=len(lemmas)))]
    X = sp.csr_matrix((np.ones(int(keep.sum())), idx[keep], indptr), shape=(len(lemmas), len(v.vocabulary_)))
    X.sum_duplicates()
    X.data = (np.log(X.data) + 1.0) * v.idf_[X.indices]
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    X.data /= np.repeat(norms, np.diff(X.indptr))
    return X
