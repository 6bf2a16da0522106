from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ssup_classifier import SSUPClassifier, TrainConfig, load_samples, train
from ssup_classifier.resources import shared_real_ads

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def samples() -> pd.DataFrame:
    return load_samples()


@pytest.fixture(scope="session")
def tiny_data(tmp_path_factory: pytest.TempPathFactory, samples: pd.DataFrame) -> Path:
    """A small slice of the labelled data: 25 train and 5 test rows per class, drawn at random
    (seeded) so that it does not depend on the order of the file, which groups rows by round."""
    parts = []
    for _, g in samples.groupby("level"):
        parts.append(g[g["split"] == "train"].sample(25, random_state=7))
        parts.append(g[g["split"] == "test"].sample(5, random_state=7))
    path = tmp_path_factory.mktemp("data") / "tiny.csv"
    pd.concat(parts).to_csv(path, index=False)
    return path


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory, tiny_data: Path) -> Path:
    result = train(TrainConfig(), data=tiny_data)
    return result.model.save(tmp_path_factory.mktemp("models") / "tiny")


@pytest.fixture(scope="session")
def tiny_model(tiny_model_dir: Path) -> SSUPClassifier:
    return SSUPClassifier.load(tiny_model_dir)


@pytest.fixture(scope="session")
def default_model() -> SSUPClassifier:
    return SSUPClassifier.load()


@pytest.fixture(scope="session")
def real_ads() -> pd.DataFrame:
    path = shared_real_ads()
    if path is None:
        pytest.skip("../shared/real_ads is not present (evaluation-only data, not shipped)")
    return pd.read_csv(path, dtype=str, keep_default_na=False)
