from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from ssup_classifier.cli import main

AD = "Specjalista ds. ofertowania: udział w przygotowaniu dokumentacji przetargowej i analiza wymagań klienta"


def test_classify_readable(tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["classify", AD, "--model", str(tiny_model_dir)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Poziom SSUP: ")
    assert out.count("poziom ") == 6 and "◀" in out and "Opis poziomu" in out


def test_classify_json(tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["classify", AD, "--json", "--model", str(tiny_model_dir)]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["level"] in range(1, 7) and set(d["probabilities"]) == {"1", "2", "3", "4", "5", "6"}
    assert isinstance(d["in_scope"], bool) and isinstance(d["reasons"], list)


def test_classify_file_and_stdin(tiny_model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "cv.txt"
    f.write_bytes(AD.encode("cp1250"))
    assert main(["classify", "--file", str(f), "--json", "--model", str(tiny_model_dir)]) == 0
    from_file = json.loads(capsys.readouterr().out)
    monkeypatch.setattr(sys, "stdin", io.StringIO(AD))
    assert main(["classify", "--json", "--model", str(tiny_model_dir)]) == 0
    assert json.loads(capsys.readouterr().out) == from_file


@pytest.mark.parametrize("argv, code, message", [
    (["classify", ""], 2, "empty"),
    (["classify", "--file", "/nonexistent/cv.txt"], 2, "file not found"),
    (["classify", "x y z", "--model", "/nonexistent/model"], 3, "no model at"),
    (["batch", "/nonexistent.csv", "-o", "/tmp/never.csv"], 2, "input file not found"),
])
def test_errors_are_one_line_messages(argv: list[str], code: int, message: str,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == code
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and err.count("\n") == 1


def test_damaged_pdf_and_binary_text_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "cv.pdf"
    f.write_bytes(b"%PDF-1.7\x00\x01\x02" * 100)
    assert main(["classify", "--file", str(f)]) == 2
    err = capsys.readouterr().err
    assert "cv.pdf" in err and "damaged" in err and "Traceback" not in err
    g = tmp_path / "cv.txt"
    g.write_bytes(b"\x00\x01\x02\x03 garbage" * 100)
    assert main(["classify", "--file", str(g)]) == 2
    assert "binary" in capsys.readouterr().err


def test_train_batch_evaluate(tiny_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model_dir = tmp_path / "model"
    assert main(["train", "--data", str(tiny_data), "--out", str(model_dir)]) == 0
    assert (model_dir / "model.skops").is_file() and (model_dir / "MODEL_CARD.md").is_file()
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    pd.DataFrame({"text": [AD, "", "Dyrektor ds. obsługi klienta, strategia i zatwierdzanie ofert"]}).to_csv(src)
    assert main(["batch", str(src), "-o", str(dst), "--model", str(model_dir)]) == 0
    assert len(pd.read_csv(dst, encoding="utf-8-sig")) == 3
    report = tmp_path / "eval.md"
    assert main(["evaluate", "--data", str(tiny_data), "--folds", "2", "--repeats", "1", "-o", str(report)]) == 0
    text = report.read_text(encoding="utf-8")
    assert "| ssup model (TF-IDF + LR) |" in text and "nearest descriptor" in text and "Confusion" in text


def test_installed_console_script() -> None:
    exe = Path(sys.executable).with_name("ssup")
    ssup = str(exe) if exe.exists() else "ssup"
    proc = subprocess.run([ssup, "classify", "--json", AD], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["level"] in range(1, 7)
    proc = subprocess.run([ssup, "classify", "   "], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and proc.stderr.startswith("ssup: error: the text is empty")
