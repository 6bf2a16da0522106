"""Does a round of new labelled rows help on real job ads? Paired fits on subsamples.

    python benchmarks/data_round_effect.py CANDIDATE.csv --new '^en-' [--runs 8]

CANDIDATE.csv is a labelled-samples file (the schema of data/labeled_samples.csv) that
already holds the new rows; `--new` is a regular expression matching their ids. Each run
draws a random 90% of the other `train` rows, fits the model on it with and without the
new `train` rows, and scores both on the real ads (../shared/real_ads/, evaluation only;
without them the script says so and exits 0): exact level accuracy on the in-scope ads, and
the recall of the in-scope flag on each side. One fit on all rows moves a few borderline ads
either way; the mean change over paired runs is the round's effect.
"""

from __future__ import annotations

import argparse
import re
import sys

import numpy as np
import pandas as pd

from ssup_classifier import SSUPClassifier, TextProcessor, TrainConfig, load_samples
from ssup_classifier.explore import load_real_ads
from ssup_classifier.training import fit, training_rows


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("candidate", help="labelled samples CSV holding the new rows")
    ap.add_argument("--new", required=True, help="regular expression matching the new rows' ids")
    ap.add_argument("--runs", type=int, default=8)
    ap.add_argument("--ads", help="real ads CSV (default: ../shared/real_ads/labeled_dev.csv)")
    args = ap.parse_args()
    ads = load_real_ads(args.ads)
    if ads is None:
        print("skipped: the evaluation-only real ads (../shared/real_ads/) are not present")
        return 0
    samples = load_samples(args.candidate)
    train = samples[samples["split"] == "train"]
    try:
        pattern = re.compile(args.new)
    except re.error as e:
        print(f"--new {args.new!r} is not a valid regular expression: {e}", file=sys.stderr)
        return 2
    is_new = train["id"].map(lambda i: pattern.search(i) is not None).astype(bool)
    if not is_new.any():
        print(f"no train rows match --new {args.new!r}", file=sys.stderr)
        return 2
    new, old = train[is_new], train[~is_new]

    config = TrainConfig()
    processor = TextProcessor(config.backend, config.restore_diacritics)
    cache: dict[str, str] = {}

    def features(texts: list[str]) -> list[str]:
        missing = [t for t in dict.fromkeys(texts) if t not in cache]
        cache.update(zip(missing, processor.features_many(missing, config.sections, config.cv_roles)))
        return [cache[t] for t in texts]

    in_scope = (ads["level"] != "none").to_numpy()
    truth = ads["level"].to_numpy()
    ad_features = features(ads["text"].tolist())
    names = ("exact", "in-scope recall", "out-of-scope recall")

    def scores(rows: pd.DataFrame) -> np.ndarray:
        texts, labels, weights = training_rows(rows, None, config)
        model = SSUPClassifier(fit(features(texts), labels, weights, config), processor,
                               {"config": config.to_dict()})
        preds = model.predict_lemmas(ad_features)
        level = np.array([str(p.level) for p in preds])
        flag = np.array([p.in_scope for p in preds])
        return np.array([np.mean(level[in_scope] == truth[in_scope]), np.mean(flag[in_scope]),
                         np.mean(~flag[~in_scope])])

    rng = np.random.default_rng(config.seed)
    changes = []
    print(f"{len(new)} new train rows; {len(old)} other train rows; "
          f"{int(in_scope.sum())} in-scope and {int((~in_scope).sum())} out-of-scope real ads")
    for run in range(args.runs):
        sub = old.sample(frac=0.9, random_state=int(rng.integers(2**31)))
        without, with_new = scores(sub), scores(pd.concat([sub, new]))
        changes.append(with_new - without)
        print(f"  run {run + 1}: " + "; ".join(f"{n} {a:.3f} -> {b:.3f} ({b - a:+.3f})"
                                               for n, a, b in zip(names, without, with_new)), flush=True)
    d = np.array(changes)
    for k, n in enumerate(names):
        print(f"{n}: mean change {d[:, k].mean():+.3f} (sd {d[:, k].std():.3f}, lowest {d[:, k].min():+.3f}, "
              f"highest {d[:, k].max():+.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
