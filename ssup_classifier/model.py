"""The model object: predict, explain, save and load."""

from __future__ import annotations

import copy
import json
import logging
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.pipeline import Pipeline

from .config import LEVELS, NONE_LABEL, TrainConfig
from .errors import BackendUnavailableError, InvalidInputError, ModelLoadError, ModelNotFoundError
from .language import detect_language
from .pipeline import feature_names, in_scope_probability, prepare, transform, transform_with_roles, word_vectorizer
from .resources import default_model_dir
from .sections import ROLE_PREFIX, strip_prefix
from .text import MORFEUSZ, TextProcessor, Token, backend_info, shared_lexicon

logger = logging.getLogger(__name__)

MODEL_FORMAT = 2  # 2: vocabularies in vocabulary.json, not inside the skops file
MODEL_FILE = "model.skops"
VOCABULARY_FILE = "vocabulary.json"
LEMMAS_FILE = "lemmas.json"  # optional: lemmas of the training texts' word forms
METADATA_FILE = "metadata.json"
CARD_FILE = "MODEL_CARD.md"
MAX_CHARS = 200_000
MIN_ROLE_WORDS = 10  # fewer words in a CV's current role: a bare "2021 - now: title, firm" line, too little to judge by
# Types a model file may contain beyond skops' own defaults. None are needed today:
# the pipeline holds only scikit-learn and numpy objects. A file asking for more is refused.
TRUSTED_TYPES: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reason:
    """A phrase of the input that pushed the prediction toward its level."""

    phrase: str
    feature: str
    weight: float
    start: int
    end: int


@dataclass(frozen=True)
class Prediction:
    level: int
    probabilities: dict[int, float]
    in_scope: bool
    in_scope_probability: float
    confidence: float
    reasons: tuple[Reason, ...] = ()
    language: str = "pl"  # "pl", "en" or "other" (see ssup_classifier.language); the model reads Polish

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["probabilities"] = {str(k): v for k, v in self.probabilities.items()}
        return d


@dataclass(frozen=True)
class Scores:
    """Predictions for many texts as arrays (one row per text)."""

    level: np.ndarray  # int, 1-6
    probabilities: np.ndarray  # (n, 6), rows sum to 1
    in_scope_probability: np.ndarray
    in_scope: np.ndarray  # bool
    known: np.ndarray  # bool: the text had at least one feature the model knows

    @property
    def confidence(self) -> np.ndarray:
        return self.probabilities.max(axis=1)

    def prediction(self, i: int, reasons: tuple[Reason, ...] = ()) -> Prediction:
        probs = self.probabilities[i]
        return Prediction(
            level=int(self.level[i]),
            probabilities={k: round(float(p), 6) for k, p in zip(LEVELS, probs)},
            in_scope=bool(self.in_scope[i]),
            in_scope_probability=round(float(self.in_scope_probability[i]), 6),
            confidence=round(float(probs.max()), 6),
            reasons=reasons,
        )


def sharpen(probabilities: np.ndarray, temperature: float) -> np.ndarray:
    """Rows of ``probabilities`` raised to 1/``temperature`` and renormalised (1.0: unchanged)."""
    if temperature == 1.0:
        return probabilities
    z = np.log(np.clip(probabilities, 1e-300, None)) / temperature
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffd]")
_LETTER = re.compile(r"[^\W\d_]")


def validate_text(text: object) -> str:
    """Return ``text`` if it can be classified; raise :class:`InvalidInputError` otherwise."""
    if not isinstance(text, str):
        raise InvalidInputError(f"expected text (str), got {type(text).__name__}")
    if not text.strip():
        raise InvalidInputError("the text is empty; pass a job ad, a CV or a note in Polish")
    if len(text) > MAX_CHARS:
        raise InvalidInputError(
            f"the text has {len(text):,} characters, over the limit of {MAX_CHARS:,}; "
            "pass one job ad or one CV at a time")
    head = text[:20000]
    if _CONTROL.search(head) and len(_CONTROL.findall(head)) > max(3, len(head) // 100):
        raise InvalidInputError("the text looks like binary data, not a document; "
                                "for PDF or Word files extract the text first")
    if not _LETTER.search(text):
        raise InvalidInputError("the text has no words (only digits or symbols); pass Polish text")
    return text


def _read_json(file: Path) -> Any:
    """A JSON file of a model directory; missing or corrupt -> ModelLoadError saying how to fix it."""
    retrain = f"retrain the model with: ssup train --out {file.parent}"
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelLoadError(f"{file} is missing; {retrain}") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ModelLoadError(f"{file} is corrupt; {retrain}") from None


def _without_vocabularies(pipeline: Pipeline) -> Pipeline:
    """A shallow copy of ``pipeline`` whose vectorizers lack ``vocabulary_`` (it is saved beside the
    skops file); the fitted arrays are shared, and the live pipeline is left as it was."""
    union = copy.copy(pipeline.named_steps["features"])
    union.transformer_list = []
    for name, vec in pipeline.named_steps["features"].transformer_list:
        bare = copy.copy(vec)
        del bare.vocabulary_
        union.transformer_list.append((name, bare))
    pipe = copy.copy(pipeline)
    pipe.steps = [(name, union if name == "features" else step) for name, step in pipeline.steps]
    return pipe


def _attach_vocabularies(pipeline: Pipeline, vocab_file: Path) -> None:
    """Give each vectorizer of a loaded pipeline its vocabulary from ``vocabulary.json``."""
    retrain = f"retrain the model with: ssup train --out {vocab_file.parent}"
    terms = _read_json(vocab_file)
    try:
        for name, vec in pipeline.named_steps["features"].transformer_list:
            words = terms[name]
            if (not isinstance(words, list) or not all(isinstance(w, str) for w in words)
                    or len(set(words)) != len(words) or len(words) != len(vec.idf_)):
                raise ValueError(name)
            vec.vocabulary_ = {w: i for i, w in enumerate(words)}
    except (KeyError, ValueError, TypeError, AttributeError):
        raise ModelLoadError(f"{vocab_file} does not match {vocab_file.parent / MODEL_FILE}; {retrain}") from None


class SSUPClassifier:
    """Polish text -> SSUP level 1-6, in-scope flag, probabilities and reasons."""

    def __init__(self, pipeline: Pipeline, processor: TextProcessor, metadata: dict[str, Any] | None = None) -> None:
        self.pipeline = pipeline
        self.processor = processor
        self.metadata = metadata or {}
        self.source: Path | None = None  # the directory it was loaded from, if any
        self.lemma_table: dict[str, str] = {}  # word form -> lemma for the training texts' forms
        self._config: tuple[dict[str, Any], TrainConfig] | None = None

    # -- prediction --------------------------------------------------------------------
    @property
    def config(self) -> TrainConfig:
        """The training configuration from the metadata, rebuilt only when that changes
        (a prediction asks for it several times; building it takes ~8 µs, comparing ~1 µs)."""
        raw = self.metadata.get("config", {})
        if self._config is None or self._config[0] != raw:
            self._config = (copy.deepcopy(raw), TrainConfig.from_dict(raw))
        return self._config[1]

    def predict(self, text: str, n_reasons: int = 8) -> Prediction:
        return self.predict_many([text], n_reasons=n_reasons)[0]

    def predict_many(self, texts: Sequence[str], n_reasons: int = 0) -> list[Prediction]:
        """Classify texts; ``n_reasons`` > 0 adds the phrases behind each level (slower)."""
        for t in texts:
            validate_text(t)
        config = self.config
        sections, cv_roles = config.sections, config.cv_roles
        tokens = [self.processor.feature_tokens(t, sections, cv_roles) for t in texts] if n_reasons else None
        lemmas = ([" ".join(tok.lemma for tok in toks) for toks in tokens] if tokens is not None
                  else list(self.processor.features_many(texts, sections, cv_roles)))
        X, rows, R = transform_with_roles(self.pipeline, lemmas, self._min_role_words())
        unknown = np.flatnonzero(X.getnnz(axis=1) == 0)
        if len(unknown):
            where = f" (text {unknown[0] + 1})" if len(texts) > 1 else ""
            raise InvalidInputError(
                f"none of the words{where} is known to the model; it reads Polish job ads, "
                "CVs and notes -- check the language and the encoding of the text")
        s = self._combine(X, rows, R)
        role_row = {i: k for k, i in enumerate(rows)}
        out = []
        for i in range(len(texts)):
            reasons: tuple[Reason, ...] = ()
            if tokens is not None:
                k = role_row.get(i)
                role = R[k] if k is not None and R is not None else None
                reasons = self._reasons(X[i], int(s.level[i]), texts[i], tokens[i], n_reasons, role)
            out.append(replace(s.prediction(i, reasons), language=detect_language(texts[i])))
        return out

    def features(self, texts: Sequence[str]) -> list[str]:
        """The model's input strings for ``texts`` (lemmas, plus section features if it uses them)."""
        config = self.config
        return list(self.processor.features_many(texts, config.sections, config.cv_roles))

    def predict_lemmas(self, lemmas: Sequence[str]) -> list[Prediction]:
        """Classify texts already turned into :meth:`features` strings (evaluation uses this)."""
        s = self.scores(list(lemmas))
        return [s.prediction(i) for i in range(len(lemmas))]

    def scores(self, lemmas: list[str]) -> Scores:
        """Vectorised scores for :meth:`features` strings: the batch hot path, with no per-row objects.

        A CV with several dated roles (the ``r_`` part of its feature string, see sections.py) is
        scored twice: as a whole and by its current role alone. Its level probabilities are the
        mean of the two, and it is in scope only if both say so: the guide labels a CV by its most
        recent role, and a former presales manager now selling on commission is not in sales
        support. A role under ``MIN_ROLE_WORDS`` words (a bare title line) is not scored alone."""
        return self._combine(*transform_with_roles(self.pipeline, lemmas, self._min_role_words()))

    def _min_role_words(self) -> int | None:
        return MIN_ROLE_WORDS if self.config.cv_roles else None

    def _combine(self, X: Any, rows: list[int], R: Any) -> Scores:
        """Scores of the whole texts ``X``, with the rows ``rows`` also read by their roles ``R``."""
        level, in_scope = self._probabilities(X)
        if rows and R is not None:
            role_level, role_in_scope = self._probabilities(R)
            level[rows] = (level[rows] + role_level) / 2
            in_scope[rows] = np.minimum(in_scope[rows], role_in_scope)
        return self._scores(X, level, in_scope)

    def score_matrix(self, X: Any) -> Scores:
        """Scores for a feature matrix alone (no CV-role rule: that needs the feature strings)."""
        return self._scores(X, *self._probabilities(X))

    def _probabilities(self, X: Any) -> tuple[np.ndarray, np.ndarray]:
        """Level probabilities (n, 6; rows sum to 1, before the temperature) and the in-scope probability."""
        proba = self.pipeline.named_steps["clf"].predict_proba(X)
        classes = [str(c) for c in self.pipeline.classes_]
        lv = proba[:, [classes.index(str(k)) for k in LEVELS]]
        p_in = in_scope_probability(self.pipeline, X)
        if p_in is None:  # models trained without a scope model: everything but "none" of the seven classes
            p_in = 1.0 - proba[:, classes.index(NONE_LABEL)]
        total = lv.sum(axis=1, keepdims=True)
        return np.divide(lv, total, out=np.full_like(lv, 1.0 / len(LEVELS)), where=total > 0), p_in

    def _scores(self, X: Any, level: np.ndarray, in_scope: np.ndarray) -> Scores:
        config = self.config
        level = sharpen(level, config.level_temperature)
        return Scores(level=np.asarray(LEVELS)[level.argmax(axis=1)], probabilities=level,
                      in_scope_probability=in_scope, in_scope=in_scope >= config.in_scope_threshold,
                      known=X.getnnz(axis=1) > 0)

    def reasons(self, text: str, label: int | str | None = None, n: int = 8) -> tuple[Reason, ...]:
        """The phrases of ``text`` that push hardest toward ``label`` (1-6 or 'none'; default: the
        predicted level) -- what :meth:`predict` returns as ``reasons`` for the predicted level."""
        validate_text(text)
        if label is None:
            label = self.predict(text, n_reasons=0).level
        if str(label) not in [str(c) for c in self.pipeline.classes_]:
            raise InvalidInputError(f"unknown label {label!r}; use 1-6 or 'none'")
        tokens = self.processor.feature_tokens(text, self.config.sections, self.config.cv_roles)
        X, rows, R = transform_with_roles(self.pipeline, [" ".join(t.lemma for t in tokens)], self._min_role_words())
        return self._reasons(X[0], label, text, tokens, n, R[0] if rows and R is not None else None)

    def _reasons(self, x: Any, label: int | str, text: str, tokens: list[Token], n: int,
                 role: Any = None) -> tuple[Reason, ...]:
        """Phrases whose features add most to ``label``'s score, weights centred over classes.

        A CV read also by its current role (``role``: that role's feature row) is scored as the
        mean of the two readings, and so are its phrases: each feature counts half from the whole
        text and half from the role, and a phrase the role contributes is shown where the current
        role says it, not where an older role happens to say it first."""
        cls = [str(c) for c in self.pipeline.classes_].index(str(label))
        coef = self.pipeline.named_steps["clf"].coef_
        n_word = len(word_vectorizer(self.pipeline).vocabulary_)
        names = feature_names(word_vectorizer(self.pipeline))
        weight: dict[int, float] = {}
        in_role: set[int] = set()
        readings = [(x, 1.0, False)] if role is None else [(x, 0.5, False), (role, 0.5, True)]
        for row, share, is_role in readings:
            row = row.tocsr()
            cols = [j for j in row.indices if j < n_word]
            if not cols:
                continue
            centred = coef[cls, cols] - coef[:, cols].mean(axis=0)
            for j, c in zip(cols, np.asarray(row[0, cols].toarray()).ravel() * centred * share):
                weight[j] = weight.get(j, 0.0) + float(c)
            if is_role:
                in_role.update(cols)
        lemmas = [t.lemma for t in tokens]
        reasons: list[Reason] = []
        covered: set[int] = set()  # character offsets already explained
        for j in sorted(weight, key=lambda j: -weight[j]):
            if weight[j] <= 0 or len(reasons) >= n:
                break
            parts = str(names[j]).split(" ")
            # the current role's own tokens (``r_``) first, when the role carries this feature
            for wanted in ([[ROLE_PREFIX + p for p in parts]] if j in in_role else []) + [parts]:
                span = self._find(lemmas, tokens, wanted, covered)
                if span is not None:
                    s, e = span
                    covered.update(range(s, e))
                    reasons.append(Reason(text[s:e], strip_prefix(" ".join(parts)), round(weight[j], 6), s, e))
                    break
        return tuple(reasons)

    @staticmethod
    def _find(lemmas: list[str], tokens: list[Token], parts: list[str], covered: set[int]) -> tuple[int, int] | None:
        """Character span of the first run of ``parts`` in ``lemmas`` not already explained
        (a title, duties or role feature repeats words of the whole text: one reason each)."""
        for i in range(len(lemmas) - len(parts) + 1):
            if lemmas[i:i + len(parts)] == parts:
                s, e = tokens[i].start, tokens[i + len(parts) - 1].end
                if not covered.intersection(range(s, e)):
                    return s, e
        return None

    # -- persistence ---------------------------------------------------------------------
    def save(self, path: str | Path, card: str | None = None) -> Path:
        """Write the model directory atomically: skops file, metadata.json, model card."""
        import skops.io as sio

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
        vectorizers = self.pipeline.named_steps["features"].transformer_list
        vocabularies = {name: vec.vocabulary_ for name, vec in vectorizers}
        try:
            # A vocabulary is a plain list of terms in column order, kept beside the skops file:
            # inside it, each of the ~40k entries becomes an audited node (1 s more to load).
            terms = {name: sorted(v, key=v.__getitem__) for name, v in vocabularies.items()}
            (tmp / VOCABULARY_FILE).write_text(json.dumps(terms, ensure_ascii=False), encoding="utf-8")
            if self.lemma_table:
                (tmp / LEMMAS_FILE).write_text(json.dumps(self.lemma_table, ensure_ascii=False, sort_keys=True),
                                               encoding="utf-8")
            sio.dump(_without_vocabularies(self.pipeline), tmp / MODEL_FILE, compression=zipfile.ZIP_DEFLATED)
            meta = dict(self.metadata, format=MODEL_FORMAT)
            (tmp / METADATA_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
                                             encoding="utf-8")
            if card is not None:
                (tmp / CARD_FILE).write_text(card, encoding="utf-8")
            if path.exists():
                old = path.with_name(f".{path.name}.old")
                shutil.rmtree(old, ignore_errors=True)
                os.replace(path, old)
                os.replace(tmp, path)
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.replace(tmp, path)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return path

    @classmethod
    def load(cls, path: str | Path | None = None) -> SSUPClassifier:
        """Load a model directory (default: the bundled model), refusing untrusted content."""
        import skops.io as sio

        path = Path(path) if path is not None else default_model_dir()
        if path.is_file() and path.name == MODEL_FILE:
            path = path.parent
        model_file, meta_file = path / MODEL_FILE, path / METADATA_FILE
        if not model_file.is_file():
            raise ModelNotFoundError(f"no model at {path} (expected {MODEL_FILE} there); "
                                     "train one with: ssup train --out " + str(path))
        meta = _read_json(meta_file)
        if meta.get("format") != MODEL_FORMAT:
            raise ModelLoadError(
                f"model at {path} has format {meta.get('format')!r}, this ssup-classifier reads format "
                f"{MODEL_FORMAT}; retrain it with: ssup train --out {path}")
        from skops.io.exceptions import UntrustedTypesFoundException

        try:
            pipeline = sio.load(model_file, trusted=list(TRUSTED_TYPES))
        except UntrustedTypesFoundException as e:
            raise ModelLoadError(f"{model_file} contains types this package does not trust ({e}); "
                                 "use a model made by `ssup train`") from None
        except (zipfile.BadZipFile, OSError, ValueError, KeyError, TypeError, AttributeError, ImportError) as e:
            raise ModelLoadError(f"{model_file} is corrupt or was saved by an incompatible version "
                                 f"({type(e).__name__}); retrain it with: ssup train --out {path}") from None
        if not isinstance(pipeline, Pipeline) or not hasattr(pipeline, "classes_"):
            raise ModelLoadError(f"{model_file} does not hold a fitted ssup pipeline; retrain it with: ssup train")
        _attach_vocabularies(pipeline, path / VOCABULARY_FILE)
        prepare(pipeline)
        backend = meta.get("text_backend", {}).get("backend")
        restore = bool(meta.get("config", {}).get("restore_diacritics", False))
        processor = TextProcessor(backend or "auto", restore)
        try:
            processor.backend_name  # noqa: B018 - resolve now, fail early with the fix
        except BackendUnavailableError as e:
            raise BackendUnavailableError(f"this model's features were made by {backend!r}: {e}") from None
        model = cls(pipeline, processor, meta)
        model._check_environment(path)
        model._load_lemma_table(path / LEMMAS_FILE)
        model.source = path.resolve()
        return model

    def _load_lemma_table(self, lemmas_file: Path) -> None:
        """Preload the lemmas of the training forms, when this process lemmatises exactly as
        training did (same backend, version and dictionary); otherwise skip it (slower, same)."""
        if self.processor.backend_name != MORFEUSZ or not lemmas_file.is_file() or not self._same_lemmatizer():
            return
        try:
            table = _read_json(lemmas_file)
        except ModelLoadError:
            logger.warning("%s is corrupt; lemmas will be looked up as needed", lemmas_file)
            return
        if isinstance(table, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in table.items()):
            self.lemma_table = table
            shared_lexicon(self.processor.restore_diacritics).preload(table)

    def _same_lemmatizer(self) -> bool:
        """Does this process lemmatise as training did (backend version and dictionary)?"""
        now = backend_info(self.processor.backend_name)
        then = self.metadata.get("text_backend", {})
        return (now.get("version"), now.get("dictionary")) == (then.get("version"), then.get("dictionary"))

    def _check_environment(self, path: Path) -> None:
        """Where versions differ from training, re-score the stored self-check texts."""
        import sklearn

        meta = self.metadata
        then = meta.get("text_backend", {})
        if meta.get("versions", {}).get("scikit-learn") == sklearn.__version__ and self._same_lemmatizer():
            return
        check = meta.get("self_check", {})
        if not check:
            return
        X = transform(self.pipeline, self.features(check["texts"]))
        got = self.pipeline.named_steps["clf"].predict_proba(X)
        drift = float(np.abs(got - np.asarray(check["probabilities"])).max())
        in_scope = in_scope_probability(self.pipeline, X)
        if in_scope is not None and "in_scope" in check:
            drift = max(drift, float(np.abs(in_scope - np.asarray(check["in_scope"])).max()))
        if drift > 0.05:
            raise ModelLoadError(
                f"model at {path} was trained with scikit-learn {meta.get('versions', {}).get('scikit-learn')} and "
                f"{then.get('backend')} {then.get('version')}; here its predictions drift by {drift:.2f}. "
                f"Retrain it with: ssup train --out {path}")
        logger.warning("model trained with other library versions; self-check drift %.4f is within tolerance", drift)
