"""Batch throughput and peak memory of `ssup batch`, against a bare TF-IDF + LR floor.

    python benchmarks/batch_throughput.py [--sizes 10000 100000] [--memory-sizes 10000 100000 1000000] [--repeats 3]

Every measurement runs in its own fresh Python process (so peak RSS is that run's own)
on the same generated CSV: the labelled samples' texts cycled to the wanted row count,
with an id column. The floor is what a bare scikit-learn word TF-IDF + logistic
regression pipeline costs on the same rows: pandas reads the CSV, the fitted pipeline
predicts probabilities, pandas writes the CSV. Results go to docs/performance.md as
rows/s and as ratios to the floor measured in the same run (machines here are shared
and noisy; the ratio is the figure to trust).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def make_csv(path: Path, n: int) -> None:
    import csv

    from ssup_classifier import load_samples

    texts = load_samples()["text"].tolist()
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "text"])
        for i in range(n):
            w.writerow([i, texts[i % len(texts)]])


def peak_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024  # Linux reports KiB


def child(mode: str, src: str, out: str) -> dict[str, float]:
    if mode == "floor":
        import pandas as pd
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        from ssup_classifier import load_samples

        s = load_samples()
        pipe = make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=2000)).fit(s["text"], s["level"])
        t0 = time.perf_counter()
        df = pd.read_csv(src, dtype=str, keep_default_na=False)
        proba = pipe.predict_proba(df["text"])
        for i, c in enumerate(pipe.classes_):
            df[f"p_{c}"] = proba[:, i].round(4)
        df.to_csv(out, index=False)
        rows = len(df)
    else:
        from ssup_classifier import SSUPClassifier
        from ssup_classifier.batch import BatchOptions, run_batch

        model = SSUPClassifier.load()
        t0 = time.perf_counter()
        rows = run_batch(model, src, out, BatchOptions(force=True, jobs=int(mode[1:]))).rows
    seconds = time.perf_counter() - t0
    return {"rows": rows, "seconds": seconds, "rows_per_s": rows / seconds, "peak_mb": peak_mb()}


def measure(mode: str, src: Path, tmp: Path) -> dict[str, float]:
    proc = subprocess.run([sys.executable, __file__, "--child", mode, str(src), str(tmp / f"out-{mode}.csv")],
                          capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def best_of(modes: list[str], src: Path, tmp: Path, repeats: int) -> dict[str, dict[str, float]]:
    """Each mode's fastest of ``repeats`` runs, the modes taking turns (floor, ssup, floor, ...):
    on a shared machine a slow spell then hits every mode alike, and the best run is the one
    least disturbed by other work."""
    best: dict[str, dict[str, float]] = {}
    peak: dict[str, float] = {}
    for _ in range(repeats):
        for mode in modes:
            r = measure(mode, src, tmp)
            peak[mode] = max(peak.get(mode, 0.0), r["peak_mb"])
            if mode not in best or r["rows_per_s"] > best[mode]["rows_per_s"]:
                best[mode] = r
    return {mode: dict(r, peak_mb=peak[mode]) for mode, r in best.items()}  # speed: the best run; memory: the worst


NOTE = ("The model carries the lemmas of its training texts' word forms (`lemmas.json`), as the floor's "
        "fitted vectorizer carries their vocabulary; both are loaded before the clock starts. These rows are "
        "training texts, so every form is known to both. On real job-board ads the table covers 88% of word "
        "tokens and 60% of distinct forms; each other form costs one Morfeusz look-up (about 20 microseconds) the "
        "first time a process meets it. With `--jobs 2` the two workers are forks that share the loaded model "
        "(where processes are spawned instead, each loads it). Memory stays flat "
        "because rows stream through in chunks of 2,000.")


def write_section(path: Path, heading: str, body: str) -> None:
    """Replace the section that starts with ``heading`` (up to the next "## ") in ``path``."""
    old = path.read_text(encoding="utf-8") if path.exists() else "# Performance\n"
    parts = re.split(r"(?m)^(?=## )", old)
    kept = [p for p in parts if not p.startswith(heading)]
    at = next((i for i, p in enumerate(parts) if p.startswith(heading)), len(parts))
    kept.insert(min(at, len(kept)), body.rstrip() + "\n\n")
    path.write_text("".join(kept).rstrip() + "\n", encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--memory-sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--repeats", type=int, default=3, help="runs of each mode per size; the best counts")
    ap.add_argument("--out", default="docs/performance.md")
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(*args.child)))
        return
    lines = ["## Batch throughput (`benchmarks/batch_throughput.py`)\n",
             f"{os.cpu_count()} cores. Each run is one fresh process on the same generated CSV (labelled-sample",
             "texts cycled, ~950 characters a row). Floor: pandas + a bare word TF-IDF + logistic regression",
             "pipeline reading, scoring and writing the same rows in the same run. Each figure is the best",
             f"of {args.repeats} runs, the floor and ssup taking turns.\n",
             "| rows | floor rows/s | ssup `--jobs 1` rows/s | ratio to floor | ssup `--jobs 2` rows/s "
             "| jobs 2 / jobs 1 |",
             "|---|---|---|---|---|---|"]
    mem: dict[int, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        for n in sorted(set(args.sizes) | set(args.memory_sizes)):
            src = tmp / f"rows-{n}.csv"
            make_csv(src, n)
            if n in args.sizes:
                runs = best_of(["floor", "j1", "j2"], src, tmp, args.repeats)
                floor, one, two = runs["floor"], runs["j1"], runs["j2"]
            else:
                one = measure("j1", src, tmp)
            mem[n] = one
            if n in args.sizes:
                lines.append(f"| {n:,} | {floor['rows_per_s']:,.0f} | {one['rows_per_s']:,.0f} | "
                             f"{one['rows_per_s'] / floor['rows_per_s']:.2f} | {two['rows_per_s']:,.0f} | "
                             f"{two['rows_per_s'] / one['rows_per_s']:.2f} |")
            print(lines[-1] if n in args.sizes else f"{n}: {one}", flush=True)
            src.unlink()
    lines += ["", NOTE, "",
              "Peak resident memory of `--jobs 1` (the whole process, model included) as the input grows:\n",
              "| rows | input MB | peak RSS MB | rows/s |", "|---|---|---|---|"]
    for n, m in sorted(mem.items()):
        lines.append(f"| {n:,} | {n * 0.95 / 1000:,.0f} | {m['peak_mb']:,.0f} | {m['rows_per_s']:,.0f} |")
    text = "\n".join(lines) + "\n"
    write_section(Path(args.out), "## Batch throughput", text)
    print(text)


if __name__ == "__main__":
    main()
