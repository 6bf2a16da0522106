"""The scikit-learn pipeline: TF-IDF over lemma n-grams, then logistic regression."""

from __future__ import annotations

import weakref
from array import array
from itertools import repeat

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from .config import TrainConfig
from .sections import role_lemmas, whole_text_features

# Function words as the lemmatizer writes them (lower case, no diacritics): prepositions,
# conjunctions, pronouns, auxiliaries and their English counterparts. Not "nie" and not
# "bez": "bez doświadczenia" and "nie wymagamy" say something, and as unigrams they stay too.
FUNCTION_WORDS = frozenset("""
a ale albo co czy dla do gdy i itp jak jako jesli juz lub miedzy na nad o od on ona oni oraz po pod
przed przez przy sie swoj ta takze te ten tego tez to tylko twoj twoje ty tym u w we wiec wy z za ze
bardzo byc miec my nasz nasze np ktory ktora ktore etc swoje tenze
an and are as at be by for in is it of on or our that the this to we will with you your
""".split())


def without_function_words(vectorizer: TfidfVectorizer) -> list[str]:
    """A fitted word vectorizer's terms in column order, less the function words on their own
    (also as title/duties features, ``t_przy``); n-grams that contain them stay."""
    def is_function_word(term: str) -> bool:
        return " " not in term and (term[2:] if term[:2] in ("t_", "d_") else term) in FUNCTION_WORDS
    vocab = vectorizer.vocabulary_
    return [t for t in sorted(vocab, key=vocab.__getitem__) if not is_function_word(t)]


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


_LOOKUPS: weakref.WeakKeyDictionary[TfidfVectorizer, _Lookup] = weakref.WeakKeyDictionary()


class _Lookup:
    """A fitted word vectorizer's vocabulary as integer tables, built once per vectorizer.

    Every token that occurs in a vocabulary n-gram gets a token id; a text becomes one array of
    token ids (one C-level dictionary look-up per word, -1 for a word in no n-gram), and its
    n-grams are then found in numpy: unigrams by indexing, longer n-grams by searching their
    token ids packed into one integer (``t1 * T + t2`` ...) in a sorted array.
    """

    def __init__(self, v: TfidfVectorizer) -> None:
        self.vocabulary = v.vocabulary_
        self.size = len(v.vocabulary_)
        self.lo, self.hi = v.ngram_range
        self.idf = v.idf_
        self.token: dict[str, int] = {}
        split = [(term.split(" "), int(i)) for term, i in v.vocabulary_.items()]
        for words, _ in split:
            for w in words:
                self.token.setdefault(w, len(self.token))
        n_tokens = len(self.token)
        self.base = n_tokens + 1
        self.fits = self.base ** self.hi < 2 ** 62  # packed n-gram keys fit in int64
        # indexed by token id, with one extra last entry for -1 (a word in no n-gram)
        self.unigram = np.full(n_tokens + 1, -1, dtype=np.int64)
        keys: dict[int, list[tuple[int, int]]] = {}
        for words, i in split:
            if len(words) == 1:
                self.unigram[self.token[words[0]]] = i
            elif self.fits:
                k = 0
                for w in words:
                    k = k * self.base + self.token[w]
                keys.setdefault(len(words), []).append((k, i))
        self.keys: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for n, pairs in keys.items():
            pairs.sort()
            self.keys[n] = (np.array([k for k, _ in pairs], dtype=np.int64),
                            np.array([i for _, i in pairs], dtype=np.int64))

    def matrix(self, tokens: np.ndarray, lens: np.ndarray) -> sp.csr_matrix:
        """Sublinear TF-IDF rows, l2-normalised, of documents given as one array of token ids
        and each document's number of tokens."""
        n_rows = len(lens)
        row_of = np.repeat(np.arange(n_rows, dtype=np.int32), lens)
        ends = np.cumsum(lens)  # one past each document's last token
        rows, cols = [], []
        for n in range(self.lo, self.hi + 1):
            if n == 1:
                ids = self.unigram[tokens]
                r = row_of
            else:
                m = len(tokens) - n + 1
                if m <= 0 or n not in self.keys:
                    continue
                ok = np.ones(m, dtype=bool)
                for j in range(1, n):  # an n-gram may not start in a document's last n - 1 tokens
                    last = ends - j
                    ok[last[(last >= ends - lens) & (last < m)]] = False
                k = np.zeros(m, dtype=np.int64)
                for j in range(n):
                    t = tokens[j:j + m]
                    ok &= t >= 0
                    k = k * self.base + t
                k = k[ok]
                keys, vals = self.keys[n]
                at = np.searchsorted(keys, k)
                at[at == len(keys)] = 0
                ids = np.where(keys[at] == k, vals[at], -1)
                r = row_of[:m][ok]
            keep = ids >= 0
            rows.append(r[keep])
            cols.append(ids[keep])
        r = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
        c = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
        X = sp.csr_matrix((np.ones(len(r)), (r, c)), shape=(n_rows, self.size))  # duplicates summed: counts
        X.data = (np.log(X.data) + 1.0) * self.idf[X.indices]
        norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        X.data /= np.repeat(norms, np.diff(X.indptr))
        return X


def _lookup(v: TfidfVectorizer) -> _Lookup:
    found = _LOOKUPS.get(v)
    if found is None or found.vocabulary is not v.vocabulary_ or found.idf is not v.idf_:  # refitted
        found = _LOOKUPS[v] = _Lookup(v)
    return found


_NAMES: weakref.WeakKeyDictionary[TfidfVectorizer, tuple[dict[str, int], np.ndarray]] = weakref.WeakKeyDictionary()


def feature_names(v: TfidfVectorizer) -> np.ndarray:
    """``v.get_feature_names_out()``, built once per fitted vocabulary: building the ~45k names
    took 6 of the 7 ms that explaining one prediction cost."""
    found = _NAMES.get(v)
    if found is None or found[0] is not v.vocabulary_:
        found = _NAMES[v] = (v.vocabulary_, v.get_feature_names_out())
    return found[1]


def prepare(pipeline: Pipeline) -> None:
    """Build what :func:`transform` looks features up in now (at load), not on the first batch."""
    if _fast_path_ok(pipeline):
        _lookup(word_vectorizer(pipeline))


def transform(pipeline: Pipeline, lemmas: list[str]) -> sp.csr_matrix:
    """The pipeline's feature matrix for feature strings, equal to ``features.transform`` of
    their whole-text part (a CV's current role is scored apart, see model.py).

    For the word-n-gram configuration the model ships with, words become token ids with one
    C-level dictionary look-up each and n-grams are found and scaled in numpy (see ``_Lookup``),
    2-2.5 times faster than scikit-learn's transform (a test holds the two equal); anything
    else goes through scikit-learn.
    """
    return transform_with_roles(pipeline, lemmas, None)[0]


def transform_with_roles(pipeline: Pipeline, lemmas: list[str],
                         min_role_words: int | None) -> tuple[sp.csr_matrix, list[int], sp.csr_matrix | None]:
    """:func:`transform`, and with ``min_role_words`` also the matrix of the current roles (the
    ``r_`` part) of the rows whose role has at least that many words: ``(X, rows, R)``.

    A role's lemmas are a run of its text's own lemmas, so on the fast path its token ids are
    sliced from the whole text's instead of being looked up again."""
    wholes, roles = [], []
    for i, f in enumerate(lemmas):
        whole = whole_text_features(f)
        wholes.append(whole)
        if min_role_words is not None and len(whole) < len(f):
            role, words = role_lemmas(f)
            if words >= min_role_words:
                roles.append((i, role))
    rows = [i for i, _ in roles]
    look = _lookup(word_vectorizer(pipeline)) if _fast_path_ok(pipeline) else None
    if look is None or not look.fits:
        union = pipeline.named_steps["features"]
        R = sp.csr_matrix(union.transform([r for _, r in roles])) if roles else None
        return sp.csr_matrix(union.transform(wholes)), rows, R
    get = look.token.get
    tokens = array("q")
    lens = array("q")
    for doc in wholes:
        start = len(tokens)
        tokens.extend(map(get, doc.split(), repeat(-1)))
        lens.append(len(tokens) - start)
    t = np.frombuffer(tokens, dtype=np.int64) if tokens else np.zeros(0, dtype=np.int64)
    n = np.frombuffer(lens, dtype=np.int64) if lens else np.zeros(0, dtype=np.int64)
    X = look.matrix(t, n)
    if not roles:
        return X, rows, None
    # A role's lemmas are a run of its text's own: take their token ids from the whole text's.
    starts = np.r_[0, np.cumsum(n)]
    parts, role_lens = [], []
    for i, current in roles:
        doc = wholes[i]
        at = (" " + doc + " ").find(" " + current + " ")
        if at >= 0:
            a = starts[i] + doc.count(" ", 0, at)
            parts.append(t[a:a + current.count(" ") + 1])
        else:  # not expected: features() builds the role from the text's own lemmas
            parts.append(np.array([get(w, -1) for w in current.split()], dtype=np.int64))
        role_lens.append(len(parts[-1]))
    return X, rows, look.matrix(np.concatenate(parts), np.array(role_lens, dtype=np.int64))
