"""What the notebooks in ``notebooks/`` compute: tables about the data and the model.

The functions return pandas DataFrames (a few a list or a number); plotting stays in
the notebooks. :func:`strip_outputs` empties notebooks before they are committed (see the
README, "Notebooks").
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity

from .config import CLASSES, LEVELS, NONE_LABEL, TrainConfig
from .data import load_samples
from .descriptors import load_descriptors
from .errors import InvalidInputError
from .evaluation import HEADLINE, MODEL, Inputs, cv_folds, fit_all, predict_all, score
from .model import Prediction, SSUPClassifier
from .pipeline import feature_names, word_vectorizer
from .resources import shared_real_ads
from .text import TextProcessor

logger = logging.getLogger(__name__)

PROBA = tuple(f"p{k}" for k in LEVELS)  # level probabilities, as in Prediction.probabilities
_KEEP = ("id", "genre", "industry")  # columns carried from the input; never the text


# -- the data -------------------------------------------------------------------------
def characteristic_lemmas(samples: pd.DataFrame, n: int = 10, min_df: int = 5,
                          processor: TextProcessor | None = None) -> pd.DataFrame:
    """The lemmas most typical of each label against all other labels.

    Weighted log-odds with an informative Dirichlet prior (Monroe et al. 2008) over the
    number of texts containing each lemma; ``z`` > 2 is a clear preference. Columns:
    label, rank, lemma, z, share_in_label, share_elsewhere.
    """
    processor = processor or TextProcessor()
    vec = CountVectorizer(token_pattern=r"\S+", lowercase=False, binary=True, min_df=min_df)
    X = vec.fit_transform(processor.lemmas_many(samples["text"].tolist()))
    names = vec.get_feature_names_out()
    labels = samples["level"].to_numpy()
    total = np.asarray(X.sum(axis=0)).ravel().astype(float)
    alpha = 100.0 * total / total.sum()  # prior: the overall rates, worth 100 texts' counts
    rows = []
    for label in [c for c in CLASSES if c in set(labels)]:
        inside = labels == label
        y_in = np.asarray(X[inside].sum(axis=0)).ravel()
        y_out = total - y_in
        n_in, n_out, a0 = y_in.sum(), y_out.sum(), alpha.sum()
        delta = (np.log((y_in + alpha) / (n_in + a0 - y_in - alpha))
                 - np.log((y_out + alpha) / (n_out + a0 - y_out - alpha)))
        z = delta / np.sqrt(1.0 / (y_in + alpha) + 1.0 / (y_out + alpha))
        for rank, j in enumerate(np.argsort(-z)[:n], start=1):
            rows.append({"label": label, "rank": rank, "lemma": names[j], "z": float(z[j]),
                         "share_in_label": y_in[j] / inside.sum(), "share_elsewhere": y_out[j] / (~inside).sum()})
    return pd.DataFrame(rows)


def descriptor_similarity(samples: pd.DataFrame, descriptors: str | Path | None = None,
                          processor: TextProcessor | None = None) -> pd.DataFrame:
    """Cosine similarity (TF-IDF over lemmas) of every sample to each official level descriptor.

    Columns: id, level (the sample's label), '1'..'6' (similarity to that level's
    descriptor) and nearest (the level of the most similar descriptor).
    """
    processor = processor or TextProcessor()
    desc = load_descriptors(descriptors).training_texts()
    lem = list(processor.lemmas_many(samples["text"].tolist()))
    desc_lem = list(processor.lemmas_many([t for t, _ in desc]))
    vec = TfidfVectorizer(token_pattern=r"\S+", lowercase=False, sublinear_tf=True).fit(lem + desc_lem)
    sims = cosine_similarity(vec.transform(lem), vec.transform(desc_lem))
    cols = [lab for _, lab in desc]
    out = pd.DataFrame(sims, columns=cols)
    out.insert(0, "level", samples["level"].to_numpy())
    out.insert(0, "id", samples["id"].to_numpy())
    out["nearest"] = np.asarray(cols)[sims.argmax(axis=1)]
    return out


# -- predictions as tables ------------------------------------------------------------
def _frame(levels: Sequence[int], in_scope: Sequence[bool], preds: Sequence[Prediction] = ()) -> pd.DataFrame:
    out = pd.DataFrame({"predicted": [str(lv) if s else NONE_LABEL for lv, s in zip(levels, in_scope, strict=True)],
                        "level": np.asarray(levels, dtype=int), "in_scope": np.asarray(in_scope, dtype=bool)})
    probs = [[p.in_scope_probability, p.confidence, *(p.probabilities[k] for k in LEVELS)] for p in preds]
    out[["in_scope_probability", "confidence", *PROBA]] = np.asarray(probs) if preds else np.nan
    # the probability of the label predicted, over all seven: P(in scope) * P(level) or P(out of scope)
    out.insert(3, "probability_of_predicted", np.where(out["in_scope"], out["in_scope_probability"] * out["confidence"],
                                                       1.0 - out["in_scope_probability"]))
    return out


def _with_truth(out: pd.DataFrame, frame: pd.DataFrame, truth: Sequence[str] | None) -> pd.DataFrame:
    """Put id, genre and industry (never the text) first and the true label before the prediction."""
    for col in reversed([c for c in _KEEP if c in frame.columns]):
        out.insert(0, col, frame[col].to_numpy())
    if truth is not None:
        out.insert(list(out.columns).index("predicted"), "true", np.asarray(truth, dtype=object))
        out["correct"] = out["true"] == out["predicted"]
    return out


def prediction_table(model: SSUPClassifier, frame: pd.DataFrame, text_column: str = "text",
                     label_column: str = "level") -> pd.DataFrame:
    """The model's prediction for every row of ``frame``, one row each, in order.

    Keeps id, genre and industry when present (never the text), the true label as
    ``true`` when ``label_column`` exists, and adds predicted ('1'..'6' or 'none'), level,
    in_scope, probability_of_predicted (of that label among all seven), in_scope_probability,
    confidence, p1..p6 and ``correct``.
    """
    preds = model.predict_many(frame[text_column].tolist())
    truth = frame[label_column].tolist() if label_column in frame.columns else None
    return _with_truth(_frame([p.level for p in preds], [p.in_scope for p in preds], preds), frame, truth)


def cross_val_predictions(config: TrainConfig | None = None, data: str | Path | None = None,
                          descriptors: str | Path | None = None) -> pd.DataFrame:
    """Out-of-fold predictions of the model and of every baseline on the ``train`` split.

    The same folds, training rows (plus descriptors) and methods as :func:`evaluate`'s
    cross-validation, so :func:`cv_metrics` reproduces its numbers. One row per (method,
    repeat, text): method, repeat and fold, then the columns of :func:`prediction_table`
    (the probabilities are NaN for the baselines, which have none).
    """
    config = config or TrainConfig()
    samples = load_samples(data)
    train_df = samples[samples["split"] == "train"].reset_index(drop=True)
    processor = TextProcessor(config.backend, config.restore_diacritics)
    desc = load_descriptors(descriptors).training_texts()
    desc_in, desc_y = Inputs.of(processor, [t for t, _ in desc], config), [lab for _, lab in desc]
    inputs = Inputs.of(processor, train_df["text"].tolist(), config)
    y = train_df["level"].to_numpy(dtype=object)
    parts = []
    for k, a, b in cv_folds(config, y):
        w = np.r_[np.ones(len(a)), np.full(len(desc), config.descriptor_weight)]
        methods = fit_all(inputs[a] + desc_in, list(y[a]) + desc_y, w, desc_in, config, processor)
        for method, out in predict_all(methods, inputs[b]).items():
            f = (_frame([p.level for p in out], [p.in_scope for p in out], out) if method == MODEL
                 else _frame(*out))
            f = _with_truth(f, train_df.iloc[b], y[b])
            for col, value in (("fold", k % config.cv_folds), ("repeat", k // config.cv_folds), ("method", method)):
                f.insert(0, col, value)
            parts.append(f)
        logger.info("fold %d done", k + 1)
    return pd.concat(parts, ignore_index=True)


def cv_metrics(predictions: pd.DataFrame) -> pd.DataFrame:
    """Per method and headline metric, mean and std over the folds of :func:`cross_val_predictions`."""
    rows = []
    for (method, _, _), g in predictions.groupby(["method", "repeat", "fold"], sort=False):
        m = score(g["true"].tolist(), g["level"].tolist(), g["in_scope"].tolist())
        rows += [{"method": method, "metric": k, "value": m[k]} for k in HEADLINE if k in m]
    per_fold = pd.DataFrame(rows)
    out = per_fold.groupby(["method", "metric"], sort=False)["value"].agg(mean="mean", std=lambda v: np.std(v))
    return out.reset_index()


def confusion(true: Sequence[str], predicted: Sequence[str], normalize: bool = False) -> pd.DataFrame:
    """Counts (or row shares with ``normalize``) of true label (rows) by predicted label."""
    rows, cols = pd.Categorical(list(true), categories=CLASSES), pd.Categorical(list(predicted), categories=CLASSES)
    cm = pd.crosstab(rows, cols, dropna=False).astype(float if normalize else int)
    if normalize:
        cm = cm.div(cm.sum(axis=1).replace(0, np.nan), axis=0).fillna(0.0)
    cm.index.name, cm.columns.name = "true", "predicted"
    return cm


def calibration_table(y_true: Sequence[bool], proba: Sequence[float], bins: int = 10) -> pd.DataFrame:
    """Reliability table: per probability bin (empty ones left out) lower, upper, n, mean_predicted, observed."""
    y, p = np.asarray(y_true, dtype=float), np.asarray(proba, dtype=float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1], right=True), 0, bins - 1)
    rows = [{"lower": edges[i], "upper": edges[i + 1], "n": int((which == i).sum()),
             "mean_predicted": float(p[which == i].mean()), "observed": float(y[which == i].mean())}
            for i in range(bins) if (which == i).any()]
    return pd.DataFrame(rows, columns=["lower", "upper", "n", "mean_predicted", "observed"])


def calibration_error(table: pd.DataFrame) -> float:
    """Expected calibration error: the n-weighted mean gap between predicted and observed."""
    return float(np.average((table["mean_predicted"] - table["observed"]).abs(), weights=table["n"]))


# -- the model --------------------------------------------------------------------------
def _class_weights(model: SSUPClassifier, label: str) -> np.ndarray:
    classes = [str(c) for c in model.pipeline.classes_]
    if str(label) not in classes:
        raise InvalidInputError(f"label {label!r} is not one of the model's classes; pass one of {classes}")
    coef = model.pipeline.named_steps["clf"].coef_
    n_word = len(word_vectorizer(model.pipeline).vocabulary_)
    return (coef[classes.index(str(label))] - coef.mean(axis=0))[:n_word]  # centred over classes, as reasons are


def top_features(model: SSUPClassifier, label: str | int, n: int = 10) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The lemma n-grams pushing hardest toward ``label`` and away from it.

    Two tables (positive, negative) of feature and weight, strongest first; the weights are
    the model's, centred over the labels as in ``Prediction.reasons``. Features read
    ``t_…`` come from the title of an ad and ``d_…`` from its duties section (sections.py).
    """
    w = _class_weights(model, str(label))
    names = feature_names(word_vectorizer(model.pipeline))
    pos, neg = np.argsort(-w)[:n], np.argsort(w)[:n]
    return (pd.DataFrame({"feature": names[pos], "weight": w[pos]}),
            pd.DataFrame({"feature": names[neg], "weight": w[neg]}))


def phrases(model: SSUPClassifier, text: str, label: str | int, n: int = 5) -> list[str]:
    """The phrases of ``text`` that push hardest toward ``label`` ('1'..'6' or 'none').

    For the predicted level these are the phrases of ``model.predict(text).reasons``.
    """
    _class_weights(model, str(label))  # a clear error for an unknown label
    return [r.phrase for r in model.reasons(text, label, n)]


def misclassified(model: SSUPClassifier, frame: pd.DataFrame, n_phrases: int = 5) -> pd.DataFrame:
    """Rows of ``frame`` (with text and level) the model gets wrong, the most confident errors first.

    The columns of :func:`prediction_table`, then the phrases pushing toward the predicted
    label and toward the true one (joined with ' | '), then the text.
    """
    table = prediction_table(model, frame)
    wrong = table[~table["correct"]].copy()
    texts = frame["text"].to_numpy()[wrong.index]
    for column, labels in (("toward_predicted", wrong["predicted"]), ("toward_true", wrong["true"])):
        wrong[column] = [" | ".join(phrases(model, t, lab, n_phrases)) for t, lab in zip(texts, labels, strict=True)]
    wrong["text"] = texts
    return wrong.sort_values("probability_of_predicted", ascending=False, kind="stable").reset_index(drop=True)


def what_if(model: SSUPClassifier, texts: dict[str, str]) -> pd.DataFrame:
    """The probability of every label ('1'..'6', 'none'; each row sums to 1) for named texts.

    E.g. ``what_if(model, {"original": ad, "edited": ad.replace(...)})``; one row per text,
    plus the predicted label.
    """
    rows = {}
    for name, text in texts.items():
        p = model.predict(text, n_reasons=0)
        row: dict[str, float | str] = {str(k): p.probabilities[k] * p.in_scope_probability for k in LEVELS}
        row[NONE_LABEL] = 1.0 - p.in_scope_probability
        row["predicted"] = str(p.level) if p.in_scope else NONE_LABEL
        rows[name] = row
    return pd.DataFrame.from_dict(rows, orient="index")


def load_real_ads(path: str | Path | None = None) -> pd.DataFrame | None:
    """The evaluation-only real job ads (id, text, level) from ``path`` or next to a checkout, or
    None when there are none. Measure, never copy."""
    path = Path(path) if path is not None else shared_real_ads()
    if path is None or not path.is_file():
        return None
    return pd.read_csv(path, dtype=str, keep_default_na=False, usecols=["id", "text", "level"])


# -- notebook hygiene ---------------------------------------------------------------
def strip_outputs(paths: Sequence[str | Path]) -> list[Path]:
    """Remove outputs and execution counts from notebooks in place; return those changed."""
    import nbformat

    changed = []
    for path in map(Path, paths):
        nb = nbformat.read(path, as_version=4)
        before = nbformat.writes(nb)
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
            cell.metadata.pop("execution", None)
        if nbformat.writes(nb) != before:
            nbformat.write(nb, path)
            changed.append(path)
    return changed
