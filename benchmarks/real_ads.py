"""Score a model on the evaluation-only real job ads, through the batch output contract.

    python benchmarks/real_ads.py [--model DIR] [--ads PATH]

The ads live in ../shared/real_ads/ next to a checkout and are never part of the
project; without them the script says so and exits 0. The texts go through `ssup batch`'s
own code path (a CSV in, the contract columns out), exactly as an HR analyst's file
would, and the metrics are the ones the product is judged by: exact and within-one level
accuracy on in-scope ads, and recall of the in-scope flag on both sides.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
from pathlib import Path

import pandas as pd

from ssup_classifier import SSUPClassifier, score
from ssup_classifier.batch import BatchOptions, run_batch
from ssup_classifier.resources import shared_real_ads


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", help="model directory (default: the bundled model)")
    ap.add_argument("--ads", help="CSV with id,text,level (default: ../shared/real_ads/labeled_dev.csv)")
    args = ap.parse_args()
    path = Path(args.ads) if args.ads else shared_real_ads()
    if path is None or not path.is_file():
        print("skipped: the evaluation-only real ads (../shared/real_ads/) are not present")
        return 0
    ads = pd.read_csv(path, dtype=str, keep_default_na=False)
    model = SSUPClassifier.load(args.model)
    with tempfile.TemporaryDirectory() as d:
        src, dst = Path(d) / "ads.csv", Path(d) / "out.csv"
        ads[["id", "text"]].to_csv(src, index=False, quoting=csv.QUOTE_ALL)
        run_batch(model, src, dst, BatchOptions())
        out = pd.read_csv(dst, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert out["id"].tolist() == ads["id"].tolist(), "the batch contract keeps every row in order"
    bad = out["ssup_error"] != ""
    levels = out["ssup_level"].where(~bad, "1").astype(int).tolist()
    in_scope = (out["ssup_in_scope"] == "true").tolist()
    m = score(ads["level"].tolist(), levels, in_scope)
    print(f"real ads: {m['n']} ({m['n_in_scope']} in scope), rows with an error: {int(bad.sum())}")
    for k in ("level_exact", "level_within_one", "level_mae", "in_scope_recall", "out_of_scope_recall",
              "macro_f1", "accuracy"):
        print(f"  {k:20s} {m[k]:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
