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
from .sections import role_lemmas, whole_text_features


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


def in_scope_probability(pipeline: Pipeline, X: sp.csr_matrix) -> np.ndarray | None:
    """The scope model's probability that each row is about sales support, or None for
    pipelines fitted before there was a scope model."""
    scope = getattr(pipeline, "scope_", None)
    if scope is None:
        return None
    return scope.predict_proba(X)[:, list(scope.classes_).index(True)]


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
    return transform_with_roles(pipeline, lemmas, None)[0]


def transform_with_roles(pipeline: Pipeline, lemmas: list[str],
                         min_role_words: int | None) -> tuple[sp.csr_matrix, list[int], sp.csr_matrix | None]:
    """:func:`transform`, and with ``min_role_words`` also the matrix of the current roles (the
    ``r_`` part) of the rows whose role has at least that many words: ``(X, rows, R)``.

    A role's lemmas are a run of its text's own lemmas, so on the fast path its n-gram ids are
    sliced from the ids just looked up for the whole text instead of being looked up again."""
    wholes, roles = [], []
    for i, f in enumerate(lemmas):
        whole = whole_text_features(f)
        wholes.append(whole)
        if min_role_words is not None and len(whole) < len(f):
            role, words = role_lemmas(f)
            if words >= min_role_words:
                roles.append((i, role))
    rows = [i for i, _ in roles]
    if not _fast_path_ok(pipeline):
        union = pipeline.named_steps["features"]
        R = sp.csr_matrix(union.transform([r for _, r in roles])) if roles else None
        return sp.csr_matrix(union.transform(wholes)), rows, R
    v = word_vectorizer(pipeline)
    uni, grams = _lookups(v)
    get1, getn = uni.get, grams.get
    lo, hi = v.ngram_range
    ids: list[int] = []
    lens: list[int] = []
    role_ids: list[int] = []
    role_lens: list[int] = []
    wanted = dict(roles)

    def ngram_ids(toks: list[str]) -> list[list[int]]:
        """Each n's vocabulary ids of ``toks`` (-1: unknown), n = lo .. hi."""
        return [list(map(get1, toks, repeat(-1))) if n == 1
                else list(map(getn, zip(*(toks[k:] for k in range(n))), repeat(-1))) for n in range(lo, hi + 1)]

    for i, doc in enumerate(wholes):
        toks = doc.split()
        current = wanted.get(i)
        start = len(ids)
        if current is None:  # the common case: straight into the flat list
            for n in range(lo, hi + 1):
                ids.extend(map(get1, toks, repeat(-1)) if n == 1
                           else map(getn, zip(*(toks[k:] for k in range(n))), repeat(-1)))
            lens.append(len(ids) - start)
        else:
            per_n = ngram_ids(toks)
            for part in per_n:
                ids.extend(part)
            lens.append(len(ids) - start)
            start = len(role_ids)
            # Where the role's tokens start in the whole text; any identical run has the same ids.
            at = (" " + doc + " ").find(" " + current + " ")
            if at >= 0:
                a = doc.count(" ", 0, at)
                b = a + current.count(" ") + 1
                for n, part in zip(range(lo, hi + 1), per_n):
                    role_ids.extend(part[a:max(a, b - n + 1)])
            else:  # not expected: features() builds the role from the text's own lemmas
                for part in ngram_ids(current.split()):
                    role_ids.extend(part)
            role_lens.append(len(role_ids) - start)
    X = _tfidf(v, ids, lens)
    R = _tfidf(v, role_ids, role_lens) if roles else None
    return X, rows, R


def _tfidf(v: TfidfVectorizer, ids: list[int], lens: list[int]) -> sp.csr_matrix:
    """Sublinear TF-IDF rows, l2-normalised, from each row's n-gram ids (-1: not in the vocabulary)."""
    n_rows = len(lens)
    idx = np.asarray(ids, dtype=np.int64)
    keep = idx >= 0
    # rows arrive in order, so the kept ids with row boundaries are already a CSR matrix
    rows = np.repeat(np.arange(n_rows), lens)
    indptr = np.r_[0, np.cumsum(np.bincount(rows[keep], minlength=n_rows))]
    X = sp.csr_matrix((np.ones(int(keep.sum())), idx[keep], indptr), shape=(n_rows, len(v.vocabulary_)))
    X.sum_duplicates()
    X.data = (np.log(X.data) + 1.0) * v.idf_[X.indices]
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    X.data /= np.repeat(norms, np.diff(X.indptr))
    return X
