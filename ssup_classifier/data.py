"""Loading and validating the labelled samples (``data/labeled_samples.csv``)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from .config import CLASSES
from .errors import DataError
from .resources import descriptors_path, samples_path

COLUMNS = ("id", "text", "level", "genre", "industry", "split")
GENRES = ("job_ad", "cv", "note")
SPLITS = ("train", "test")


def load_samples(path: str | Path | None = None) -> pd.DataFrame:
    """Read the labelled samples and check the schema; every column is a string."""
    path = Path(path) if path is not None else samples_path()
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except FileNotFoundError:
        raise DataError(f"labelled data not found: {path}") from None
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as e:
        raise DataError(f"labelled data {path} is not a readable UTF-8 CSV: {e}") from None
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise DataError(f"labelled data {path} lacks columns {missing}; it has {list(df.columns)}")
    df = df[list(COLUMNS)].copy()
    problems = []
    for col, allowed in (("level", CLASSES), ("genre", GENRES), ("split", SPLITS)):
        bad = df.loc[~df[col].isin(allowed), "id"].tolist()
        if bad:
            problems.append(f"{col} not in {list(allowed)} for ids {bad[:5]}")
    if df["id"].duplicated().any():
        problems.append(f"duplicate ids {df.loc[df['id'].duplicated(), 'id'].tolist()[:5]}")
    empty = df.loc[df["text"].str.strip() == "", "id"].tolist()
    if empty:
        problems.append(f"empty text for ids {empty[:5]}")
    if problems:
        raise DataError(f"labelled data {path}: " + "; ".join(problems))
    return df.reset_index(drop=True)


EVAL_COLUMNS = ("id", "text", "level", "genre", "industry")


def load_eval_set(path: str | Path) -> pd.DataFrame:
    """Read an evaluation-only labelled set (the samples' schema without ``split``)."""
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (FileNotFoundError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as e:
        raise DataError(f"evaluation set {path} is not a readable UTF-8 CSV: {e}") from None
    missing = [c for c in EVAL_COLUMNS if c not in df.columns]
    bad = df.loc[~df.get("level", pd.Series(dtype=str)).isin(CLASSES), "id"].tolist() if not missing else []
    if missing or bad:
        raise DataError(f"evaluation set {path}: " + (f"lacks columns {missing}" if missing else
                                                       f"level not in {list(CLASSES)} for ids {bad[:5]}"))
    return df[list(EVAL_COLUMNS)].reset_index(drop=True)


def data_hash(samples: str | Path | None = None, descriptors: str | Path | None = None) -> str:
    """SHA-256 over the exact bytes of the training inputs (samples and descriptors)."""
    h = hashlib.sha256()
    for p in (samples or samples_path(), descriptors or descriptors_path()):
        h.update(Path(p).read_bytes())
    return h.hexdigest()
