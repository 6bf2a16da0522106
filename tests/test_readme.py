"""Every README example runs, so the README cannot rot."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from ssup_classifier.cli import main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README, flags=re.S)


QUICK_START = blocks("console")[:2]


def test_quick_start_is_two_commands_and_ci_runs_the_test_one() -> None:
    install_and_classify, test = (b.strip() for b in QUICK_START)
    assert install_and_classify.startswith("pip install . && ssup classify ")
    assert test == 'pip install ".[test]" && pytest'
    assert test in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_quick_start_classify_runs(capsys: pytest.CaptureFixture[str]) -> None:
    argv = shlex.split(QUICK_START[0].split("&&", 1)[1])
    assert main(argv[1:]) == 0
    assert "Poziom SSUP" in capsys.readouterr().out


@pytest.mark.parametrize("line", [ln for b in blocks("bash") for ln in b.splitlines() if ln.startswith("ssup ")])
def test_bash_examples(line: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(ROOT)
    assert main(shlex.split(line)[1:]) == 0, capsys.readouterr().err


@pytest.mark.parametrize("code", blocks("python"))
def test_python_examples(code: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    exec(compile(code, "README.md", "exec"), {})
