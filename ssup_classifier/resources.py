"""Where the bundled descriptors, labelled data and default model live.

In a source checkout (or an editable install) they are the top-level ``data/`` and
``models/`` folders; in a wheel they are copied into ``ssup_classifier/_bundled``.
"""

from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent
_BUNDLED = _PKG / "_bundled"
_REPO = _PKG.parent


def _first_existing(*candidates: Path) -> Path:
    for c in candidates:
        if c.exists():
            return c
    return candidates[0]


def descriptors_path() -> Path:
    return _first_existing(_REPO / "data" / "descriptors" / "ssup_pl.json", _BUNDLED / "descriptors" / "ssup_pl.json")


def samples_path() -> Path:
    return _first_existing(_REPO / "data" / "labeled_samples.csv", _BUNDLED / "labeled_samples.csv")


def independent_eval_path() -> Path:
    return _first_existing(_REPO / "data" / "independent_eval.csv", _BUNDLED / "independent_eval.csv")


def career_change_eval_path() -> Path:
    return _first_existing(_REPO / "data" / "career_change_eval.csv", _BUNDLED / "career_change_eval.csv")


def hard_eval_path() -> Path:
    return _first_existing(_REPO / "data" / "hard_eval.csv", _BUNDLED / "hard_eval.csv")


def default_model_dir() -> Path:
    return _first_existing(_REPO / "models" / "ssup-default", _BUNDLED / "models" / "ssup-default")


def shared_real_ads() -> Path | None:
    """The evaluation-only real ads in ``../shared`` next to the checkout, if present.

    Looked for next to the source tree and next to the working directory (a checkout whose
    package is installed into a virtual environment, as CI does)."""
    for root in (_REPO, Path.cwd()):
        p = root.parent / "shared" / "real_ads" / "labeled_dev.csv"
        if p.is_file():
            return p
    return None
