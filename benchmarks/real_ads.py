"""Score a model on the evaluation-only real job ads, through the batch output contract.

    python benchmarks/real_ads.py [--model DIR] [--ads PATH]

The ads live in ../shared/real_ads/ next to a checkout and are never part of the
project; without them the script says so and exits 0. The texts go through `ssup batch`'s
own code path (a CSV in, the contract columns out), exactly as an HR analyst's file
would, and the metrics are the ones the product is judged by: exact and within-one level
accuracy on in-scope ads, and recall of the in-scope flag on both sides. Further passes
score the same ads as text also arrives: without Polish letters ("obsluga"), with no-break
spaces or decomposed accents (pasted from web pages and PDFs), as HTML, on one line.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

from ssup_classifier import SSUPClassifier, score
from ssup_classifier.batch import BatchOptions, run_batch
from ssup_classifier.explore import load_real_ads
from ssup_classifier.model import sharpen


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", help="model directory (default: the bundled model)")
    ap.add_argument("--ads", help="CSV with id,text,level (default: ../shared/real_ads/labeled_dev.csv)")
    args = ap.parse_args()
    ads = load_real_ads(args.ads)
    if ads is None:
        print("skipped: the evaluation-only real ads (../shared/real_ads/) are not present")
        return 0
    model = SSUPClassifier.load(args.model)
    out = contract_output(model, ads)
    report("real ads", out, ads)
    calibration(out, ads, model.config.level_temperature)
    # The same ads as they also arrive: typed without Polish letters, pasted from a web page or
    # a PDF, exported from a job board as HTML, or run together on one line.
    print("the same ads as they also arrive (exact, within one, in-scope recall, out-of-scope recall):")
    for name, change in VARIANTS.items():
        m = report(None, contract_output(model, ads.assign(text=ads["text"].map(change))), ads)
        print(f"  {name:28s} {m['level_exact']:.3f}  {m['level_within_one']:.3f}  "
              f"{m['in_scope_recall']:.3f}  {m['out_of_scope_recall']:.3f}")
    return 0


def _html(text: str) -> str:
    title, _, body = text.partition("\n")
    escaped = body.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f"<h1>{title}</h1>" + "".join(f"<p>{line}</p>" for line in escaped.split("\n"))


_PLAIN_LETTERS = str.maketrans("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ", "acelnoszzACELNOSZZ")
VARIANTS = {
    "without Polish letters": lambda t: t.translate(_PLAIN_LETTERS),
    "no-break spaces": lambda t: t.replace(" ", "\u00a0"),
    "decomposed accents (NFD)": lambda t: unicodedata.normalize("NFD", t),
    "HTML paragraphs": _html,
    "all on one line": lambda t: " ".join(t.split()),
}


def contract_output(model: SSUPClassifier, ads: pd.DataFrame) -> pd.DataFrame:
    with tempfile.TemporaryDirectory() as d:
        src, dst = Path(d) / "ads.csv", Path(d) / "out.csv"
        ads[["id", "text"]].to_csv(src, index=False, quoting=csv.QUOTE_ALL)
        run_batch(model, src, dst, BatchOptions())
        out = pd.read_csv(dst, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert out["id"].tolist() == ads["id"].tolist(), "the batch contract keeps every row in order"
    return out


def report(name: str | None, out: pd.DataFrame, ads: pd.DataFrame) -> dict[str, float]:
    bad = out["ssup_error"] != ""
    levels = out["ssup_level"].where(~bad, "1").astype(int).tolist()
    in_scope = (out["ssup_in_scope"] == "true").tolist()
    m = score(ads["level"].tolist(), levels, in_scope)
    if name is not None:
        print(f"{name}: {m['n']} ({m['n_in_scope']} in scope), rows with an error: {int(bad.sum())}")
        for k in ("level_exact", "level_within_one", "level_mae", "in_scope_recall", "out_of_scope_recall",
                  "macro_f1", "accuracy"):
            print(f"  {k:20s} {m[k]:.3f}")
    return m


def calibration(out: pd.DataFrame, ads: pd.DataFrame, temperature: float) -> None:
    """How well the level probabilities match accuracy on the in-scope ads, and the temperature
    that would minimise their negative log-likelihood (estimated on halves, scored on the rest)."""
    keep = (ads["level"] != "none").to_numpy() & (out["ssup_error"] == "").to_numpy()
    q = out.loc[keep, [f"ssup_p{k}" for k in range(1, 7)]].astype(float).to_numpy()
    q = q / q.sum(axis=1, keepdims=True)
    y = ads.loc[keep, "level"].astype(int).to_numpy() - 1
    grid = np.round(np.arange(0.2, 2.001, 0.02), 2)

    def nll(p: np.ndarray, idx: np.ndarray) -> float:
        return float(-np.mean(np.log(np.clip(p[idx, y[idx]], 1e-6, None))))

    def best(idx: np.ndarray) -> float:
        return float(grid[np.argmin([nll(sharpen(q, t), idx) for t in grid])])

    everything = np.arange(len(y))
    t_all = best(everything)
    rng = np.random.default_rng(0)
    held_out = []
    for _ in range(20):
        perm = rng.permutation(len(y))
        for fit_idx, test_idx in ((perm[: len(y) // 2], perm[len(y) // 2:]), (perm[len(y) // 2:], perm[: len(y) // 2])):
            held_out.append(calibration_error(sharpen(q, best(fit_idx))[test_idx], y[test_idx]))
    print(f"level probabilities on {len(y)} in-scope ads (model temperature {temperature}):")
    print(f"  mean top probability {q.max(axis=1).mean():.3f} against accuracy {np.mean(q.argmax(axis=1) == y):.3f}")
    print(f"  calibration error    {calibration_error(q, y):.3f} (5 bins); "
          f"negative log-likelihood {nll(q, everything):.3f}")
    print(f"  NLL-optimal temperature {temperature * t_all:.2f} (x{t_all} of the model's): NLL "
          f"{nll(sharpen(q, t_all), everything):.3f}, calibration error {calibration_error(sharpen(q, t_all), y):.3f}; "
          f"fitted on halves and scored on the other half {np.mean(held_out):.3f}")


def calibration_error(p: np.ndarray, y: np.ndarray, bins: int = 5) -> float:
    """Expected calibration error of the top probability, in equal-width bins."""
    top = p.max(axis=1)
    right = p.argmax(axis=1) == y
    which = np.minimum((top * bins).astype(int), bins - 1)
    return float(sum(np.mean(which == b) * abs(top[which == b].mean() - right[which == b].mean())
                     for b in range(bins) if np.any(which == b)))


if __name__ == "__main__":
    sys.exit(main())
