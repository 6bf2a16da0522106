"""Run batch classification on a Dask cluster: the same chunks, the same function, the same output.

The client reads the input files and writes the output (so the result is byte-for-byte
the local one); workers lemmatise and classify. The model directory travels to the
workers once as bytes, so they need ssup-classifier installed but not the model file.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .batch import BatchOptions, BatchSummary, Progress, run_batch
from .errors import DataError
from .model import SSUPClassifier

logger = logging.getLogger(__name__)

_MODELS: dict[str, SSUPClassifier] = {}


def _model_on_worker(files: dict[str, bytes]) -> SSUPClassifier:
    key = hashlib.sha256(b"".join(files[k] for k in sorted(files))).hexdigest()
    if key not in _MODELS:
        # Loading reads every file into memory, so the copy is removed at once: a worker
        # that runs many batches must not leave a model directory in its temp folder each time.
        with tempfile.TemporaryDirectory(prefix="ssup-model-") as tmp:
            d = Path(tmp)
            for name, data in files.items():
                (d / name).write_bytes(data)
            model = SSUPClassifier.load(d)
        model.source = None
        _MODELS[key] = model
    return _MODELS[key]


def _classify_on_worker(files: dict[str, bytes], texts: list[str], errors: list[str]) -> list[list[Any]]:
    from .batch import classify_cells

    return classify_cells(_model_on_worker(files), texts, errors)


def run_dask(model: SSUPClassifier, sources: Sequence[str | Path], dst: str | Path, opts: BatchOptions | None = None,
             scheduler: str | None = None, progress: Progress | None = None) -> BatchSummary:
    """Classify ``sources`` into ``dst`` on the Dask scheduler at ``scheduler`` (or a local cluster)."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise DataError("the dask engine needs dask.distributed: pip install 'ssup-classifier[dask]'") from None
    if model.source is None:
        raise DataError("the dask engine needs a model loaded from a directory (SSUPClassifier.load)")
    opts = opts or BatchOptions()
    files = {p.name: p.read_bytes() for p in Path(model.source).iterdir() if p.is_file()}
    cluster = None
    if scheduler:
        try:
            client = Client(scheduler, timeout="20s")
        except OSError as e:
            raise DataError(f"cannot reach the Dask scheduler at {scheduler}: {e}") from None
    else:
        cluster = LocalCluster(n_workers=max(1, opts.jobs), threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    try:
        [shipped] = client.scatter([files], broadcast=True)
        n_workers = max(1, len(client.scheduler_info().get("workers", {})))

        def submit(texts: list[str], errors: list[str]) -> Any:
            return client.submit(_classify_on_worker, shipped, texts, errors, pure=False)

        return run_batch(model, sources, dst, opts, progress=progress, submit=submit, window=3 * n_workers)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
