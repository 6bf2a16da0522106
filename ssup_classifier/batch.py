"""Batch classification of tables, with a stable output contract.

Output contract: every input column unchanged and in order, then ``ssup_level`` (1-6),
``ssup_confidence``, ``ssup_in_scope`` (true/false), ``ssup_p1`` ... ``ssup_p6``,
``ssup_error`` (empty, or why the row could not be classified). One output row per input
row, in the same order, whatever the engine or the number of worker processes.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .config import LEVELS
from .errors import DataError, InvalidInputError
from .model import SSUPClassifier, validate_text
from .tables import Chunk, TableReader, TableWriter

logger = logging.getLogger(__name__)

OUTPUT_COLUMNS: tuple[str, ...] = ("ssup_level", "ssup_confidence", "ssup_in_scope",
                                   *(f"ssup_p{k}" for k in LEVELS), "ssup_error")
OUTPUT_TYPES = {"ssup_level": "int", "ssup_confidence": "float", "ssup_in_scope": "bool",
                **{f"ssup_p{k}": "float" for k in LEVELS}}
UNKNOWN_WORDS = "no word known to the model (not Polish, or a wrong encoding)"
Progress = Callable[[int, float], None]


@dataclass
class BatchSummary:
    rows: int = 0
    errors: int = 0
    out_of_scope: int = 0
    per_level: dict[int, int] = field(default_factory=lambda: {k: 0 for k in LEVELS})
    first_errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, cells: list[list[Any]], keys: Sequence[str]) -> None:
        self.rows += len(cells)
        for row, key in zip(cells, keys):
            if row[-1]:
                self.errors += 1
                if len(self.first_errors) < 5:
                    self.first_errors.append(f"{key}: {row[-1]}")
            else:
                self.per_level[row[0]] += 1
                self.out_of_scope += row[2] == "false"


def classify_cells(model: SSUPClassifier, texts: Sequence[object],
                   errors: Sequence[str] | None = None) -> list[list[Any]]:
    """The contract cells for each text; rows with a problem get only ``ssup_error``."""
    errs = list(errors) if errors is not None else [""] * len(texts)
    lemmas: list[str] = []
    ok: list[int] = []
    config = model.config
    sections, cv_roles = config.sections, config.cv_roles
    for i, t in enumerate(texts):
        if errs[i]:
            continue
        try:
            lemmas.append(model.processor.features(validate_text(t), sections, cv_roles))
            ok.append(i)
        except InvalidInputError as e:
            errs[i] = str(e)
    blank = [""] * (len(OUTPUT_COLUMNS) - 1)
    out: list[list[Any]] = [blank + [e] if e else blank for e in errs]  # every cell set below
    if ok:
        s = model.scores(lemmas)
        probs = np.round(s.probabilities, 4).tolist()
        conf = np.round(s.confidence, 4).tolist()
        levels = s.level.tolist()
        scope = ["true" if x else "false" for x in s.in_scope.tolist()]
        known = s.known.tolist()
        for j, i in enumerate(ok):
            out[i] = [levels[j], conf[j], scope[j], *probs[j], ""] if known[j] else blank + [UNKNOWN_WORDS]
    return out


def texts_of(rows: list[list[str]], columns: Sequence[str], text_columns: Sequence[str]) -> list[str]:
    idx = [columns.index(c) for c in text_columns]
    if len(idx) == 1:
        return [r[idx[0]] for r in rows]
    return ["\n".join(r[i] for i in idx if r[i].strip()) for r in rows]


def check_columns(columns: Sequence[str], text_columns: Sequence[str], id_column: str | None) -> None:
    for c in [*text_columns, *([id_column] if id_column else [])]:
        if c not in columns:
            raise DataError(f"column {c!r} not found; available: {', '.join(columns)} -- pass --text-column"
                            + (" / --id-column" if id_column else ""))
    clash = [c for c in OUTPUT_COLUMNS if c in columns]
    if clash:
        raise DataError(f"the input already has columns {clash}; rename them or classify the original file")


def classify_frame(model: SSUPClassifier, df: pd.DataFrame, text_columns: Sequence[str] = ("text",)) -> pd.DataFrame:
    """``df`` with the contract columns appended (for notebooks and the Python API)."""
    check_columns([str(c) for c in df.columns], text_columns, None)
    rows = df[list(text_columns)].astype("string").fillna("").values.tolist()
    cells = classify_cells(model, texts_of(rows, list(text_columns), text_columns))
    res = pd.DataFrame(cells, columns=list(OUTPUT_COLUMNS), index=df.index, dtype=object)
    return pd.concat([df, res], axis=1)


# -- worker processes ----------------------------------------------------------------------
_WORKER_MODEL: SSUPClassifier | None = None


def _init_worker(model_dir: str, model: SSUPClassifier | None = None) -> None:
    """Give a worker its model: the parent's own when the worker is a fork of it (inherited,
    warm caches included, no second load), otherwise loaded from ``model_dir``."""
    global _WORKER_MODEL
    _WORKER_MODEL = model if model is not None else SSUPClassifier.load(model_dir)


def _work(texts: list[str], errors: list[str]) -> list[list[Any]]:
    assert _WORKER_MODEL is not None
    return classify_cells(_WORKER_MODEL, texts, errors)


@dataclass
class BatchOptions:
    text_columns: Sequence[str] = ("text",)
    id_column: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    force: bool = False
    jobs: int = 1
    chunksize: int = 2000


def check_paths(sources: Sequence[Path], dst: Path, force: bool) -> None:
    if not sources:
        raise DataError("no input files given (or the pattern matched none)")
    for src in sources:
        if not src.is_file():
            raise DataError(f"input file not found: {src}")
        if dst.exists() and dst.resolve() == src.resolve():
            raise DataError(f"the output would overwrite the input {src}; choose another -o path")
    if dst.exists() and not force:
        raise DataError(f"{dst} already exists; pass --force to overwrite it")
    if dst.suffix.lower() not in (".csv", ".tsv", ".txt", ".xlsx", ".parquet"):
        raise DataError(f"cannot write {dst.suffix or 'files without an extension'}; use .csv, .xlsx or .parquet")


def open_inputs(sources: Sequence[Path], opts: BatchOptions) -> list[TableReader]:
    readers = [TableReader(s, opts.encoding, opts.delimiter, opts.sheet) for s in sources]
    for r in readers[1:]:
        if r.columns != readers[0].columns:
            raise DataError(f"{r.path} has columns {r.columns}, but {readers[0].path} has {readers[0].columns}; "
                            "files classified together must share one header")
    check_columns(readers[0].columns, opts.text_columns, opts.id_column)
    return readers


def row_keys(chunk: Chunk, columns: Sequence[str], id_column: str | None) -> list[str]:
    if id_column:
        i = columns.index(id_column)
        return [f"{id_column}={r[i]}" for r in chunk.rows]
    return [f"line {n}" for n in chunk.lines]


def run_batch(model: SSUPClassifier, sources: Sequence[str | Path] | str | Path, dst: str | Path,
              opts: BatchOptions | None = None, progress: Progress | None = None,
              submit: Callable[[list[str], list[str]], Future[list[list[Any]]]] | None = None,
              window: int = 4) -> BatchSummary:
    """Classify one or more CSV/XLSX files into ``dst`` (.csv, .xlsx or .parquet).

    With ``opts.jobs`` > 1 chunks go to worker processes (each loads the model once) and
    come back in input order; ``submit`` lets another engine (Dask) run the chunks.
    """
    opts = opts or BatchOptions()
    srcs = [Path(sources)] if isinstance(sources, (str, Path)) else [Path(s) for s in sources]
    dst = Path(dst)
    check_paths(srcs, dst, opts.force)
    readers = open_inputs(srcs, opts)
    columns = readers[0].columns
    out_delim = readers[0].delimiter if readers[0].kind == "csv" else ","
    writer = TableWriter(dst, [*columns, *OUTPUT_COLUMNS], delimiter=out_delim, types=OUTPUT_TYPES)
    summary = BatchSummary()
    t0 = time.perf_counter()
    pool = None
    try:
        if submit is None and opts.jobs > 1:
            # A forked worker starts with the parent's memory, model included; handing the model
            # over costs nothing (nothing is pickled), and spares each worker a second load.
            fork = multiprocessing.get_start_method() == "fork"
            if model.source is None and not fork:
                raise DataError("parallel runs need a model loaded from a directory (SSUPClassifier.load)")
            pool = ProcessPoolExecutor(opts.jobs, initializer=_init_worker,
                                       initargs=(str(model.source), model if fork else None))
            submit = lambda t, e: pool.submit(_work, t, e)  # noqa: E731
            window = max(window, 2 * opts.jobs)
        if submit is None:
            window = 1  # classified in this process: write each chunk at once
        pending: deque[tuple[Chunk, list[str], Any]] = deque()
        read_rows = 0

        def flush(block: bool) -> None:
            while pending and (block or len(pending) >= window):
                chunk, keys, res = pending.popleft()
                cells = res.result() if hasattr(res, "result") else res
                writer.write([r + c for r, c in zip(chunk.rows, cells)])
                summary.add(cells, keys)
                if progress:  # rows written over the total estimated from the bytes read so far
                    read_share = sum(r.done_fraction for r in readers) / len(readers)
                    progress(summary.rows, min(1.0, summary.rows * read_share / max(read_rows, 1)))

        for chunk in _all_chunks(readers, opts.chunksize):
            texts = texts_of(chunk.rows, columns, opts.text_columns)
            keys = row_keys(chunk, columns, opts.id_column)
            res = submit(texts, chunk.errors) if submit else classify_cells(model, texts, chunk.errors)
            pending.append((chunk, keys, res))
            read_rows += len(chunk.rows)
            flush(block=False)
        flush(block=True)
        if summary.rows == 0:
            raise DataError(f"{', '.join(map(str, srcs))}: a header but no data rows; nothing to classify")
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    summary.seconds = time.perf_counter() - t0
    return summary


def _all_chunks(readers: Sequence[TableReader], size: int) -> Iterator[Chunk]:
    for r in readers:
        yield from r.chunks(size)


def default_jobs() -> int:
    return max(1, min(4, os.cpu_count() or 1))
