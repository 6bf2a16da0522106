from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ssup_classifier import DataError, SSUPClassifier
from ssup_classifier.batch import OUTPUT_COLUMNS, classify_frame, run_batch

ROWS = [
    {"id": "a", "tytul": "Konsultant", "opis": "Konsultant infolinii: odbieranie połączeń i udzielanie informacji"},
    {"id": "b", "tytul": "Konsultantka infolinii", "opis": "   "},
    {"id": "c", "tytul": "Presales", "opis": "Inżynier presales: demo, PoC, wycena rozwiązania i ocena ryzyka"},
    {"id": "d", "tytul": "Liczby", "opis": "12345"},
    {"id": "e", "tytul": "Magazyn", "opis": "Magazynier – kompletacja zamówień, wózek widłowy, \"UDT\";\nzmiany"},
]


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def test_contract_rows_order_and_errors(tiny_model: SSUPClassifier, tmp_path: Path) -> None:
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    pd.DataFrame(ROWS).to_csv(src, index=False)
    s = run_batch(tiny_model, src, dst, text_columns=["opis"])
    out = _read(dst)
    assert list(out.columns) == ["id", "tytul", "opis", *OUTPUT_COLUMNS]
    assert out["id"].tolist() == ["a", "b", "c", "d", "e"]
    assert out["opis"].tolist() == [r["opis"] for r in ROWS]  # input unchanged, newlines and quotes kept
    assert s.rows == 5 and s.errors == 2
    assert out.loc[1, "ssup_error"].startswith("the text is empty")
    assert "no words" in out.loc[3, "ssup_error"]
    ok = out[out["ssup_error"] == ""]
    assert set(ok["ssup_level"].astype(int)) <= {1, 2, 3, 4, 5, 6}
    assert set(ok["ssup_in_scope"]) <= {"true", "false"}
    probs = ok[[f"ssup_p{k}" for k in range(1, 7)]].astype(float).sum(axis=1)
    assert probs.between(0.99, 1.01).all()
    assert (out.loc[[1, 3], "ssup_level"] == "").all()


def test_same_result_as_predict(tiny_model: SSUPClassifier) -> None:
    df = pd.DataFrame(ROWS)
    res = classify_frame(tiny_model, df, ["opis"])
    p = tiny_model.predict(ROWS[2]["opis"])
    assert res.loc[2, "ssup_level"] == p.level
    assert res.loc[2, "ssup_p4"] == round(p.probabilities[4], 4)


def test_several_text_columns_are_joined(tiny_model: SSUPClassifier) -> None:
    res = classify_frame(tiny_model, pd.DataFrame(ROWS), ["tytul", "opis"])
    assert res.loc[1, "ssup_error"] == ""  # title alone is enough text
    assert len(res) == len(ROWS)


def test_missing_column_lists_what_exists(tiny_model: SSUPClassifier, tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    pd.DataFrame(ROWS).to_csv(src, index=False)
    with pytest.raises(DataError, match="column 'text' not found; available: id, tytul, opis"):
        run_batch(tiny_model, src, tmp_path / "out.csv")
    assert not (tmp_path / "out.csv").exists()
    assert not list(tmp_path.glob(".out.csv.*"))  # no temporary file left behind


def test_no_overwrite_without_force_and_never_the_input(tiny_model: SSUPClassifier, tmp_path: Path) -> None:
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    pd.DataFrame(ROWS).to_csv(src, index=False)
    before = src.read_bytes()
    with pytest.raises(DataError, match="overwrite the input"):
        run_batch(tiny_model, src, src, text_columns=["opis"], force=True)
    dst.write_text("keep me")
    with pytest.raises(DataError, match="--force"):
        run_batch(tiny_model, src, dst, text_columns=["opis"])
    assert dst.read_text() == "keep me"
    run_batch(tiny_model, src, dst, text_columns=["opis"], force=True)
    assert len(_read(dst)) == len(ROWS)
    assert src.read_bytes() == before


def test_windows_1250_semicolon_file(tiny_model: SSUPClassifier, tmp_path: Path) -> None:
    src, dst = tmp_path / "excel.csv", tmp_path / "out.csv"
    src.write_bytes("id;text\n1;Konsultantka infolinii, obsługa zgłoszeń klientów\n2;Dyrektor ds. obsługi klienta\n"
                    .encode("cp1250"))
    run_batch(tiny_model, src, dst)
    out = _read(dst)
    assert out["text"].tolist()[0] == "Konsultantka infolinii, obsługa zgłoszeń klientów"
    assert (out["ssup_error"] == "").all()


@pytest.mark.parametrize("content, message", [(b"", "empty"), (b"id,text\n", "no rows")])
def test_empty_and_header_only(tiny_model: SSUPClassifier, tmp_path: Path, content: bytes, message: str) -> None:
    src = tmp_path / "in.csv"
    src.write_bytes(content)
    with pytest.raises(DataError, match=message):
        run_batch(tiny_model, src, tmp_path / "out.csv")
    assert not (tmp_path / "out.csv").exists()


def test_input_already_classified(tiny_model: SSUPClassifier, tmp_path: Path) -> None:
    df = classify_frame(tiny_model, pd.DataFrame(ROWS), ["opis"])
    with pytest.raises(DataError, match="already has columns"):
        classify_frame(tiny_model, df, ["opis"])
