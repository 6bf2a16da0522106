"""Batch classification of a table: the output contract and safe file handling.

Output contract (stable): every input column unchanged and in order, then ``ssup_level``
(1-6), ``ssup_confidence``, ``ssup_in_scope`` (true/false), ``ssup_p1`` ... ``ssup_p6``,
``ssup_error`` (empty, or why the row could not be classified). One output row per input
row, in the same order.
"""

from __future__ import annotations

import csv
import logging
import os
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .config import LEVELS
from .errors import DataError, InvalidInputError
from .model import SSUPClassifier, validate_text

logger = logging.getLogger(__name__)

OUTPUT_COLUMNS: tuple[str, ...] = ("ssup_level", "ssup_confidence", "ssup_in_scope",
                                   *(f"ssup_p{k}" for k in LEVELS), "ssup_error")


@dataclass
class BatchSummary:
    rows: int = 0
    errors: int = 0
    out_of_scope: int = 0
    per_level: dict[int, int] = field(default_factory=lambda: {k: 0 for k in LEVELS})


def classify_texts(model: SSUPClassifier, texts: Sequence[object]) -> pd.DataFrame:
    """The contract columns for ``texts``; a row that cannot be classified gets ``ssup_error``."""
    lemmas: list[str | None] = []
    errors: list[str] = []
    for t in texts:
        try:
            lem = model.processor.lemmas(validate_text(t))
            if model.known_word_count(lem) == 0:
                raise InvalidInputError("no word known to the model (not Polish, or a wrong encoding)")
            lemmas.append(lem)
            errors.append("")
        except InvalidInputError as e:
            lemmas.append(None)
            errors.append(str(e))
    ok = [i for i, lem in enumerate(lemmas) if lem is not None]
    preds = model.predict_lemmas([lemmas[i] for i in ok]) if ok else []  # type: ignore[misc]
    out = pd.DataFrame({c: pd.Series([pd.NA] * len(texts), dtype="object") for c in OUTPUT_COLUMNS})
    for i, p in zip(ok, preds):
        out.iat[i, 0] = p.level
        out.iat[i, 1] = round(p.confidence, 4)
        out.iat[i, 2] = "true" if p.in_scope else "false"
        for j, k in enumerate(LEVELS):
            out.iat[i, 3 + j] = round(p.probabilities[k], 4)
    out["ssup_error"] = errors
    return out


def classify_frame(model: SSUPClassifier, df: pd.DataFrame, text_columns: Sequence[str]) -> pd.DataFrame:
    """``df`` with the contract columns appended (input columns untouched)."""
    missing = [c for c in text_columns if c not in df.columns]
    if missing:
        raise DataError(f"column {missing[0]!r} not found; available: {', '.join(map(str, df.columns))} "
                        "-- pass --text-column")
    if len(text_columns) == 1:
        texts = df[text_columns[0]].tolist()
    else:
        texts = ["\n".join(str(v) for v in vals if isinstance(v, str) and v)
                 for vals in df[list(text_columns)].itertuples(index=False)]
    res = classify_texts(model, [t if isinstance(t, str) else "" for t in texts])
    res.index = df.index
    clash = [c for c in OUTPUT_COLUMNS if c in df.columns]
    if clash:
        raise DataError(f"the input already has columns {clash}; rename them or classify the original file")
    return pd.concat([df, res], axis=1)


def _read_chunks(path: Path, chunksize: int) -> Iterator[pd.DataFrame]:
    try:
        with path.open("rb") as fh:
            head = fh.read(65536)
    except OSError as e:
        raise DataError(f"cannot read {path}: {e.strerror}") from None
    if not head.strip():
        raise DataError(f"{path} is empty; expected a CSV with a header row")
    encoding = "utf-8-sig"
    try:
        sample = head.decode(encoding)
    except UnicodeDecodeError:
        encoding = "cp1250"
        sample = head.decode(encoding, errors="replace")
    try:
        delim = csv.Sniffer().sniff(sample.split("\n", 1)[0], delimiters=",;\t").delimiter
    except csv.Error:
        delim = ","
    try:
        yield from pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding, sep=delim,
                               chunksize=chunksize, engine="python" if delim != "," else "c")
    except pd.errors.ParserError as e:
        raise DataError(f"{path} is not a well-formed CSV: {e}") from None
    except UnicodeDecodeError:
        raise DataError(f"{path} is not UTF-8 or Windows-1250 text") from None


def run_batch(model: SSUPClassifier, src: str | Path, dst: str | Path, text_columns: Sequence[str] = ("text",),
              force: bool = False, chunksize: int = 2000) -> BatchSummary:
    """Classify the CSV ``src`` into ``dst`` (CSV), written to a temporary file and renamed at the end."""
    src, dst = Path(src), Path(dst)
    if not src.is_file():
        raise DataError(f"input file not found: {src}")
    if dst.exists() and dst.resolve() == src.resolve():
        raise DataError("the output would overwrite the input; choose another -o path")
    if dst.exists() and not force:
        raise DataError(f"{dst} already exists; pass --force to overwrite it")
    summary = BatchSummary()
    dst.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dst.name}.", suffix=".part", dir=dst.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as out:
            first = True
            for chunk in _read_chunks(src, chunksize):
                res = classify_frame(model, chunk, text_columns)
                res.to_csv(out, index=False, header=first, lineterminator="\r\n")
                first = False
                _update(summary, res)
            if summary.rows == 0:
                raise DataError(f"{src} has a header but no rows; nothing to classify")
        os.replace(tmp, dst)
    finally:
        tmp.unlink(missing_ok=True)
    return summary


def _update(s: BatchSummary, res: pd.DataFrame) -> None:
    s.rows += len(res)
    bad = res["ssup_error"] != ""
    s.errors += int(bad.sum())
    ok = res[~bad]
    s.out_of_scope += int((ok["ssup_in_scope"] == "false").sum())
    for k, v in ok["ssup_level"].value_counts().items():
        s.per_level[int(k)] += int(v)
