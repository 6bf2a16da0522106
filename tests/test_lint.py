"""The code base stays ruff-clean (settings in pyproject.toml)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_is_clean() -> None:
    exe = Path(sys.executable).with_name("ruff")
    ruff = str(exe) if exe.exists() else shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed (it is in the test extra)")
    proc = subprocess.run([ruff, "check", "ssup_classifier", "tests", "benchmarks", "--output-format", "concise"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_mypy_is_clean() -> None:
    exe = Path(sys.executable).with_name("mypy")
    mypy = str(exe) if exe.exists() else shutil.which("mypy")
    if mypy is None:
        pytest.skip("mypy is not installed (it is in the dev extra)")
    proc = subprocess.run([mypy, "ssup_classifier"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
