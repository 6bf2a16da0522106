"""Evaluation: repeated stratified k-fold, the held-out test split, baselines, real ads."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support
from sklearn.model_selection import RepeatedStratifiedKFold

from .baselines import all_baselines
from .config import CLASSES, NONE_LABEL, TrainConfig
from .data import load_eval_set, load_samples
from .descriptors import load_descriptors
from .model import Prediction, SSUPClassifier
from .resources import career_change_eval_path, hard_eval_path, independent_eval_path
from .sections import base_lemmas
from .text import TextProcessor
from .training import fit

logger = logging.getLogger(__name__)

MODEL = "ssup model (TF-IDF + LR)"
HEADLINE = ("macro_f1", "accuracy", "level_exact", "level_within_one", "level_mae",
            "in_scope_recall", "out_of_scope_recall")


def score(y_true: Sequence[str], levels: Sequence[int], in_scope: Sequence[bool]) -> dict[str, Any]:
    """Metrics for one set of predictions. ``y_true`` holds '1'..'6' or 'none'.

    Labels compare as ``level if in_scope else 'none'``. The level metrics use the
    predicted level on texts whose true label is a level, whatever the scope flag says.
    """
    y = np.asarray(y_true, dtype=object)
    pred = np.array([str(lv) if s else NONE_LABEL for lv, s in zip(levels, in_scope)], dtype=object)
    lv = np.asarray(levels, dtype=int)
    sc = np.asarray(in_scope, dtype=bool)
    ins = y != NONE_LABEL
    out: dict[str, Any] = {"n": int(len(y)), "n_in_scope": int(ins.sum())}
    # Macro-F1 over the labels that occur (truly or as predictions): a label absent from
    # both, such as level 6 among real job-board ads, would otherwise count as an F1 of 0.
    present = [c for c in CLASSES if c in set(y) | set(pred)]
    out["macro_f1"] = float(f1_score(y, pred, labels=present, average="macro", zero_division=0))
    out["accuracy"] = float((pred == y).mean()) if len(y) else float("nan")
    if ins.any():
        true_lv = y[ins].astype(int)
        err = np.abs(lv[ins] - true_lv)
        out["level_exact"] = float((err == 0).mean())
        out["level_within_one"] = float((err <= 1).mean())
        out["level_mae"] = float(err.mean())
        out["in_scope_recall"] = float(sc[ins].mean())
    if (~ins).any():
        out["out_of_scope_recall"] = float((~sc[~ins]).mean())
    p, r, f, s = precision_recall_fscore_support(y, pred, labels=list(CLASSES), zero_division=0)
    out["per_class"] = {c: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(s[i])}
                        for i, c in enumerate(CLASSES)}
    out["confusion"] = confusion_matrix(y, pred, labels=list(CLASSES)).tolist()
    return out


def score_predictions(y_true: Sequence[str], preds: Sequence[Prediction]) -> dict[str, Any]:
    return score(y_true, [p.level for p in preds], [p.in_scope for p in preds])


@dataclass(frozen=True)
class EvaluationReport:
    config: TrainConfig
    n_train: int
    n_test: int
    folds: int
    repeats: int
    cv: dict[str, list[dict[str, Any]]]  # method -> metrics per fold
    test: dict[str, dict[str, Any]]  # method -> metrics on the test split
    real_ads: dict[str, dict[str, Any]] = field(default_factory=dict)
    independent: dict[str, dict[str, Any]] = field(default_factory=dict)
    career_changes: dict[str, dict[str, Any]] = field(default_factory=dict)
    hard: dict[str, dict[str, Any]] = field(default_factory=dict)

    def cv_summary(self) -> dict[str, dict[str, tuple[float, float]]]:
        out = {}
        for method, folds in self.cv.items():
            out[method] = {k: (float(np.mean([f[k] for f in folds if k in f])),
                               float(np.std([f[k] for f in folds if k in f]))) for k in HEADLINE}
        return out

    def cv_confusion(self) -> np.ndarray:
        return np.sum([np.asarray(f["confusion"]) for f in self.cv[MODEL]], axis=0)


Methods = dict[str, Any]  # name -> fitted model or baseline


@dataclass(frozen=True)
class Inputs:
    """Texts as each method reads them: the model its feature strings, baselines plain lemmas."""

    features: np.ndarray  # object arrays, so folds can index them
    lemmas: np.ndarray

    @classmethod
    def of(cls, processor: TextProcessor, texts: Sequence[str], config: TrainConfig) -> Inputs:
        features = list(processor.features_many(texts, config.sections, config.cv_roles))
        lemmas = [base_lemmas(f) for f in features] if config.sections else features
        return cls(np.array(features, dtype=object), np.array(lemmas, dtype=object))

    def __getitem__(self, idx: Any) -> Inputs:
        return Inputs(self.features[idx], self.lemmas[idx])

    def __add__(self, other: Inputs) -> Inputs:
        return Inputs(np.r_[self.features, other.features], np.r_[self.lemmas, other.lemmas])


def fit_all(train: Inputs, train_y: Sequence[str], w: np.ndarray, descriptors: Inputs,
            config: TrainConfig, processor: TextProcessor) -> Methods:
    """The model and every baseline fitted on the same rows (descriptors included in ``train``)."""
    methods: Methods = {MODEL: SSUPClassifier(fit(list(train.features), list(train_y), w, config), processor,
                                              {"config": config.to_dict()})}
    for b in all_baselines(list(descriptors.lemmas)):
        methods[b.name] = b.fit(list(train.lemmas), list(train_y))
    return methods


def predict_all(methods: Methods, test: Inputs) -> dict[str, Any]:
    """Each method's output: the model's list of predictions, a baseline's (levels, in-scope)."""
    return {name: m.predict_lemmas(list(test.features)) if name == MODEL else m.predict(list(test.lemmas))
            for name, m in methods.items()}


def _score_all(methods: Methods, test: Inputs, test_y: list[str]) -> dict[str, dict[str, Any]]:
    return {name: score_predictions(test_y, out) if name == MODEL else score(test_y, *out)
            for name, out in predict_all(methods, test).items()}


def cv_folds(config: TrainConfig, y: np.ndarray) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """(fold number, train indices, held-out indices) of the repeated stratified k-fold."""
    rskf = RepeatedStratifiedKFold(n_splits=config.cv_folds, n_repeats=config.cv_repeats, random_state=config.seed)
    for k, (a, b) in enumerate(rskf.split(np.zeros(len(y)), y)):
        yield k, a, b


def evaluate(config: TrainConfig | None = None, data: str | Path | None = None,
             descriptors: str | Path | None = None, real_ads: str | Path | None = None,
             independent: str | Path | None = None, career_changes: str | Path | None = None,
             hard: str | Path | None = None) -> EvaluationReport:
    """Cross-validate on the train split, then train on all of it and score the test split,
    the evaluation-only sets (``data/independent_eval.csv``, ``data/hard_eval.csv``,
    ``data/career_change_eval.csv``) and, if given, real ads."""
    config = config or TrainConfig()
    samples = load_samples(data)
    processor = TextProcessor(config.backend, config.restore_diacritics)
    desc = load_descriptors(descriptors).training_texts()
    desc_in = Inputs.of(processor, [t for t, _ in desc], config)
    desc_y = [lab for _, lab in desc]
    desc_w = np.full(len(desc), config.descriptor_weight)
    inputs = Inputs.of(processor, samples["text"].tolist(), config)
    y = samples["level"].to_numpy(dtype=object)
    tr = (samples["split"] == "train").to_numpy()
    te = ~tr
    cv: dict[str, list[dict[str, Any]]] = {}
    tr_in, tr_y = inputs[tr], y[tr]
    for k, a, b in cv_folds(config, tr_y):
        fold = fit_all(tr_in[a] + desc_in, list(tr_y[a]) + desc_y, np.r_[np.ones(len(a)), desc_w],
                       desc_in, config, processor)
        res = _score_all(fold, tr_in[b], list(tr_y[b]))
        for method, m in res.items():
            cv.setdefault(method, []).append(m)
        logger.info("fold %d done", k + 1)
    final = fit_all(tr_in + desc_in, list(tr_y) + desc_y, np.r_[np.ones(int(tr.sum())), desc_w],
                    desc_in, config, processor)  # fitted once, scored on every held-out set below
    test = _score_all(final, inputs[te], list(y[te])) if te.any() else {}
    extra: dict[str, dict[str, dict[str, Any]]] = {"real": {}, "independent": {}, "career": {}, "hard": {}}
    ind_path = Path(independent) if independent else independent_eval_path()
    career_path = Path(career_changes) if career_changes else career_change_eval_path()
    hard_path = Path(hard) if hard else hard_eval_path()
    for key, path, loader in (("real", real_ads, None), ("independent", ind_path, load_eval_set),
                              ("career", career_path, load_eval_set), ("hard", hard_path, load_eval_set)):
        if path is not None and Path(path).is_file():
            df = loader(path) if loader else pd.read_csv(path, dtype=str, keep_default_na=False)
            extra[key] = _score_all(final, Inputs.of(processor, df["text"].tolist(), config), df["level"].tolist())
    return EvaluationReport(config, int(tr.sum()), int(te.sum()), config.cv_folds, config.cv_repeats, cv, test,
                            extra["real"], extra["independent"], extra["career"], extra["hard"])


def _fmt(v: float) -> str:
    return "–" if v != v else f"{v:.3f}"


def _table(rows: dict[str, dict[str, Any]], keys: Sequence[str]) -> str:
    head = "| method | " + " | ".join(keys) + " |\n|---|" + "---|" * len(keys) + "\n"
    body = ""
    for method, m in rows.items():
        cells = []
        for k in keys:
            v = m.get(k, float("nan"))
            cells.append(f"{_fmt(v[0])} ± {v[1]:.3f}" if isinstance(v, tuple) else _fmt(float(v)))
        body += f"| {method} | " + " | ".join(cells) + " |\n"
    return head + body


def _confusion_table(cm: np.ndarray) -> str:
    head = "| true \\ predicted | " + " | ".join(CLASSES) + " |\n|---|" + "---|" * len(CLASSES) + "\n"
    return head + "".join(f"| **{c}** | " + " | ".join(str(int(v)) for v in cm[i]) + " |\n"
                          for i, c in enumerate(CLASSES))


def _per_class(m: dict[str, Any]) -> str:
    head = "| class | precision | recall | F1 | support |\n|---|---|---|---|---|\n"
    return head + "".join(f"| {c} | {v['precision']:.3f} | {v['recall']:.3f} | {v['f1']:.3f} | {v['support']} |\n"
                          for c, v in m["per_class"].items())


def _set_section(title: str, rows: dict[str, dict[str, Any]], about: str, per_class: bool = True,
                 unit: str = "rows", status: str = "never trained on") -> list[str]:
    """The Markdown parts for one held-out set: heading, what it is, the methods' table, and the
    model's per-class table and confusion matrix."""
    m = rows[MODEL]
    parts = [f"\n## {title} ({m['n']} {unit}, {m['n_in_scope']} in scope; {status})\n", about,
             _table(rows, HEADLINE)]
    if per_class:
        parts += ["\nPer class, model:\n", _per_class(m)]
    return parts + ["\nConfusion matrix, model:\n", _confusion_table(np.asarray(m["confusion"]))]


def report_markdown(r: EvaluationReport) -> str:
    """The evaluation as Markdown (what ``ssup evaluate`` writes to docs/evaluation.md)."""
    s = r.cv_summary()
    parts = [
        "# Evaluation\n",
        "Written by `ssup evaluate`; do not edit by hand. Metrics: macro-F1 and accuracy over the seven "
        "labels (1-6, none; a text flagged out of scope counts as `none`); `level_*` use the predicted "
        "level on texts whose true label is a level; in-/out-of-scope recall of the scope flag.\n",
        f"## Cross-validation ({r.repeats}× repeated stratified {r.folds}-fold on the {r.n_train} `train` rows)\n",
        "Every training fold also gets the six official level descriptors. Mean ± standard deviation over folds.\n",
        _table(s, HEADLINE),
        "\nConfusion matrix of the model, summed over all folds:\n",
        _confusion_table(r.cv_confusion()),
    ]
    if r.test:
        parts += [f"\n## Held-out test split ({r.n_test} rows, never used for training or tuning)\n",
                  _table(r.test, HEADLINE), "\nPer class, model:\n", _per_class(r.test[MODEL]),
                  "\nConfusion matrix, model:\n", _confusion_table(np.asarray(r.test[MODEL]["confusion"]))]
    if r.independent:
        parts += _set_section(
            "Independent evaluation set", r.independent,
            "`data/independent_eval.csv`: ads, CVs and notes written by people who saw only the descriptors "
            "and the annotation guide, never our training texts. Trained on all `train` rows.\n")
    if r.hard:
        parts += _set_section(
            "Harder independent set", r.hard,
            "`data/hard_eval.csv`: ads, CVs and notes as users paste them (LinkedIn and career-page posts, "
            "short board posts, ATS exports, CVs oldest role first or without dates, cover letters, Slack "
            "messages, Polish-English shorthand, no Polish letters) and the guide's level traps, written by "
            "people who saw only the descriptors, the guide and a few real ads, never our training texts. "
            "Trained on all `train` rows.\n")
    if r.career_changes:
        parts += _set_section(
            "Career-change CVs", r.career_changes,
            "`data/career_change_eval.csv`: CVs and recruiter notes whose most recent role, which decides "
            "the label, is not the highest (a former presales manager now on a hotline, a bid specialist "
            "who moved into selling). Trained on all `train` rows.\n", per_class=False)
    if r.real_ads:
        parts += _set_section(
            "Real job-board ads", r.real_ads,
            "Ads from `../shared/real_ads/` (not part of the project). Trained on all `train` rows.\n",
            unit="ads", status="evaluation only")
    else:
        parts.append("\n## Real job-board ads\n\nSkipped: `../shared/real_ads/` was not found next to the checkout.\n")
    parts.append(f"\n## Configuration\n\n```\n{r.config}\n```\n")
    return "\n".join(parts)
