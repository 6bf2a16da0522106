"""The tables behind the notebooks (ssup_classifier.explore)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from threadpoolctl import threadpool_limits

import ssup_classifier
from ssup_classifier import (
    CLASSES,
    LEVELS,
    InvalidInputError,
    SSUPClassifier,
    TrainConfig,
    calibration_error,
    calibration_table,
    characteristic_lemmas,
    confusion,
    cross_val_predictions,
    cv_metrics,
    descriptor_similarity,
    evaluate,
    explore,
    load_descriptors,
    load_real_ads,
    load_samples,
    misclassified,
    phrases,
    prediction_table,
    top_features,
    what_if,
)
from ssup_classifier.evaluation import MODEL

PROBA = [f"p{k}" for k in LEVELS]
AD = ("Inżynier presales. Przygotowujesz demo i PoC dla klientów, projektujesz rozwiązania, "
      "szacujesz koszty i ryzyko wdrożenia oraz współpracujesz z handlowcami przy przetargach.")


@pytest.fixture(scope="module", autouse=True)
def one_blas_thread() -> object:
    """Logistic regression on small matrices: BLAS threads only add overhead, 20-70x on a busy 2-core box."""
    with threadpool_limits(1, user_api="blas"):
        yield


@pytest.fixture(scope="module")
def tiny_test(tiny_data: Path) -> pd.DataFrame:
    df = load_samples(tiny_data)
    return df[df["split"] == "test"].reset_index(drop=True)


@pytest.fixture(scope="module")
def oof(tiny_data: Path) -> pd.DataFrame:
    return cross_val_predictions(TrainConfig(cv_folds=3, cv_repeats=2), data=tiny_data)


def test_the_new_names_are_public() -> None:
    import inspect

    own = [name for name, f in inspect.getmembers(explore, inspect.isfunction)
           if f.__module__ == explore.__name__ and not name.startswith("_") and name != "strip_outputs"]
    assert len(own) == 13
    for name in own:
        assert name in ssup_classifier.__all__ and callable(getattr(ssup_classifier, name))


def test_characteristic_lemmas_finds_the_word_each_label_owns() -> None:
    owned = {"1": "infolinia", "3": "przetarg", "none": "magazyn"}
    rows = [{"id": f"{lab}-{i}", "text": f"Praca biurowa i {word} oraz kontakt z klientem numer {i}", "level": lab}
            for lab, word in owned.items() for i in range(6)]
    table = characteristic_lemmas(pd.DataFrame(rows), n=3, min_df=2)
    assert list(table.columns) == ["label", "rank", "lemma", "z", "share_in_label", "share_elsewhere"]
    assert sorted(table["label"].unique()) == sorted(owned)
    for lab, word in owned.items():
        top = table[table["label"] == lab].iloc[0]
        assert (top["lemma"], top["rank"], top["share_in_label"], top["share_elsewhere"]) == (word, 1, 1.0, 0.0)
        assert top["z"] > 2
    shared = table[table["lemma"] == "praca"]
    assert shared.empty or (shared["z"].abs() < 1).all()  # a word every label uses is typical of none


def test_a_descriptor_is_nearest_to_itself() -> None:
    desc = load_descriptors()
    rows = pd.DataFrame({"id": ["a", "b"], "text": [desc.level(4).description, desc.level(6).description],
                         "level": ["4", "6"]})
    sims = descriptor_similarity(rows)
    assert list(sims.columns) == ["id", "level", "1", "2", "3", "4", "5", "6", "nearest"]
    assert sims["nearest"].tolist() == ["4", "6"]
    assert sims.loc[0, "4"] == pytest.approx(1.0) and sims.loc[1, "6"] == pytest.approx(1.0)
    values = sims[["1", "2", "3", "4", "5", "6"]].to_numpy()
    assert ((values >= 0) & (values <= 1 + 1e-9)).all()


def test_cross_val_predictions_cover_every_train_row_once_per_repeat(oof: pd.DataFrame, tiny_data: Path) -> None:
    train_ids = load_samples(tiny_data).query("split == 'train'")["id"]
    assert oof["method"].iloc[0] == MODEL and oof["method"].nunique() == 4
    counts = oof.groupby(["method", "repeat"])["id"].agg(lambda s: sorted(s))
    assert all(ids == sorted(train_ids) for ids in counts)
    assert set(oof["fold"]) == {0, 1, 2} and set(oof["repeat"]) == {0, 1}
    model = oof[oof["method"] == MODEL]
    assert np.allclose(model[PROBA].sum(axis=1), 1.0)
    assert (model["confidence"] == model[PROBA].max(axis=1)).all()
    assert oof.loc[oof["method"] != MODEL, PROBA].isna().all().all()
    assert (oof["correct"] == (oof["true"] == oof["predicted"])).all()
    assert set(oof["predicted"]) <= set(CLASSES) and "text" not in oof.columns


def test_cv_metrics_equal_evaluate(oof: pd.DataFrame, tiny_data: Path) -> None:
    """Same folds, rows and methods as `ssup evaluate`, so the same numbers."""
    report = evaluate(TrainConfig(cv_folds=3, cv_repeats=2), data=tiny_data)
    ours = cv_metrics(oof).set_index(["method", "metric"])
    for method, metrics in report.cv_summary().items():
        for metric, (mean, std) in metrics.items():
            assert ours.loc[(method, metric), "mean"] == pytest.approx(mean)
            assert ours.loc[(method, metric), "std"] == pytest.approx(std)


def test_confusion_counts_and_shares() -> None:
    true, pred = ["1", "1", "2", "none"], ["1", "2", "2", "1"]
    counts = confusion(true, pred)
    assert list(counts.index) == list(CLASSES) and list(counts.columns) == list(CLASSES)
    assert counts.loc["1", "1"] == 1 and counts.loc["1", "2"] == 1 and counts.loc["none", "1"] == 1
    assert counts.to_numpy().sum() == 4
    shares = confusion(true, pred, normalize=True)
    assert shares.loc["1"].sum() == pytest.approx(1.0) and shares.loc["1", "2"] == pytest.approx(0.5)
    assert shares.loc["6"].sum() == 0.0  # no texts of that label: a row of zeros, not NaN


def test_calibration_table_bins_and_error() -> None:
    table = calibration_table([False, False, True, True, True], [0.0, 0.15, 0.85, 0.95, 1.0], bins=10)
    assert list(table.columns) == ["lower", "upper", "n", "mean_predicted", "observed"]
    assert table["n"].tolist() == [1, 1, 1, 2]  # 0.0 in the first bin, 1.0 in the last; empty bins left out
    assert table["lower"].tolist() == pytest.approx([0.0, 0.1, 0.8, 0.9])
    assert table["mean_predicted"].iloc[-1] == pytest.approx(0.975)
    assert calibration_error(table) == pytest.approx((0.0 + 0.15 + 0.15 + 2 * 0.025) / 5)
    perfect = calibration_table([True, False, False, False], [0.25] * 4, bins=4)
    assert calibration_error(perfect) == pytest.approx(0.0)


def test_top_features_are_the_strongest_weights(default_model: SSUPClassifier) -> None:
    pos, neg = top_features(default_model, "4", n=7)
    assert len(pos) == len(neg) == 7 and list(pos.columns) == ["feature", "weight"]
    assert (pos["weight"] > 0).all() and (neg["weight"] < 0).all()
    assert pos["weight"].is_monotonic_decreasing and neg["weight"].is_monotonic_increasing
    more, _ = top_features(default_model, 4, n=50)
    assert more["feature"].head(7).tolist() == pos["feature"].tolist()
    assert more["weight"].iloc[7] <= pos["weight"].iloc[-1]
    vocab = default_model.pipeline.named_steps["features"].transformer_list[0][1].vocabulary_
    assert all(f in vocab for f in pos["feature"])
    with pytest.raises(InvalidInputError, match="not one of the model's classes"):
        top_features(default_model, "7")


def test_phrases_for_the_predicted_level_are_the_models_reasons(default_model: SSUPClassifier) -> None:
    p = default_model.predict(AD, n_reasons=5)
    assert phrases(default_model, AD, p.level, n=5) == [r.phrase for r in p.reasons]
    for label in CLASSES:
        found = phrases(default_model, AD, label, n=3)
        assert len(found) <= 3 and all(f in AD for f in found)


def test_prediction_table_matches_predict(tiny_model: SSUPClassifier, tiny_test: pd.DataFrame) -> None:
    table = prediction_table(tiny_model, tiny_test)
    assert len(table) == len(tiny_test) and "text" not in table.columns
    assert table.columns[:5].tolist() == ["id", "genre", "industry", "true", "predicted"]
    assert table["id"].tolist() == tiny_test["id"].tolist()
    for i in (0, len(table) - 1):
        p = tiny_model.predict(tiny_test.loc[i, "text"], n_reasons=0)
        row = table.iloc[i]
        assert row["level"] == p.level and row["in_scope"] == p.in_scope
        assert row[PROBA].tolist() == pytest.approx([p.probabilities[k] for k in LEVELS])
        joint = p.in_scope_probability * p.confidence if p.in_scope else 1 - p.in_scope_probability
        assert row["probability_of_predicted"] == pytest.approx(joint)
    no_label = prediction_table(tiny_model, tiny_test[["id", "text"]])
    assert "true" not in no_label.columns and "correct" not in no_label.columns


def test_misclassified_are_the_wrong_rows_most_confident_first(tiny_model: SSUPClassifier,
                                                               tiny_test: pd.DataFrame) -> None:
    table = prediction_table(tiny_model, tiny_test)
    wrong = misclassified(tiny_model, tiny_test, n_phrases=3)
    assert len(wrong) == int((~table["correct"]).sum()) > 0
    assert set(wrong["id"]) == set(table.loc[~table["correct"], "id"])
    assert not wrong["correct"].any() and (wrong["true"] != wrong["predicted"]).all()
    assert wrong["probability_of_predicted"].is_monotonic_decreasing
    texts = dict(zip(tiny_test["id"], tiny_test["text"], strict=True))
    for _, row in wrong.iterrows():
        assert row["text"] == texts[row["id"]]
        for column in ("toward_predicted", "toward_true"):
            parts = [x for x in row[column].split(" | ") if x]
            assert len(parts) <= 3 and all(x in row["text"] for x in parts)


def test_what_if_gives_a_distribution_per_version(default_model: SSUPClassifier) -> None:
    selling = "Przedstawiciel handlowy: pozyskiwanie klientów, realizacja planu sprzedażowego, prowizja od sprzedaży."
    moves = what_if(default_model, {"presales": AD, "selling": selling})
    assert moves.index.tolist() == ["presales", "selling"]
    assert np.allclose(moves[list(CLASSES)].sum(axis=1), 1.0)
    for name, text in (("presales", AD), ("selling", selling)):
        p = default_model.predict(text, n_reasons=0)
        assert moves.loc[name, "predicted"] == (str(p.level) if p.in_scope else "none")
        assert moves.loc[name, "none"] == pytest.approx(1 - p.in_scope_probability)
    assert moves.loc["selling", "none"] > moves.loc["presales", "none"]


def test_load_real_ads(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(explore, "shared_real_ads", lambda: None)
    assert load_real_ads() is None
    path = tmp_path / "ads.csv"
    pd.DataFrame({"id": ["x"], "title": ["t"], "text": ["Konsultant infolinii"], "level": ["1"],
                  "rationale": ["r"]}).to_csv(path, index=False)
    monkeypatch.setattr(explore, "shared_real_ads", lambda: path)
    ads = load_real_ads()
    assert ads is not None and list(ads.columns) == ["id", "text", "level"] and ads.loc[0, "level"] == "1"


def test_strip_outputs(tmp_path: Path) -> None:
    nbformat = pytest.importorskip("nbformat")
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    nb = new_notebook(cells=[new_markdown_cell("# t"), new_code_cell("1 + 1", execution_count=3,
                                                                      outputs=[new_output("stream", text="2")])])
    path = tmp_path / "n.ipynb"
    nbformat.write(nb, path)
    assert explore.strip_outputs([str(path)]) == [path]
    code = nbformat.read(path, as_version=4).cells[1]
    assert code.outputs == [] and code.execution_count is None and code.source == "1 + 1"
    assert explore.strip_outputs([path]) == []  # already clean: left untouched
