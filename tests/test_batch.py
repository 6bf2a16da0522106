from __future__ import annotations

import codecs
from pathlib import Path

import pandas as pd
import pytest

from ssup_classifier import DataError, SSUPClassifier
from ssup_classifier.batch import OUTPUT_COLUMNS, BatchOptions, classify_frame, run_batch

ROWS = [
    {"id": "a", "tytul": "Konsultant", "opis": "Konsultant infolinii: odbieranie połączeń i udzielanie informacji"},
    {"id": "b", "tytul": "Konsultantka infolinii", "opis": "   "},
    {"id": "c", "tytul": "Presales", "opis": "Inżynier presales: demo, PoC, wycena rozwiązania i ocena ryzyka"},
    {"id": "d", "tytul": "Liczby", "opis": "12345"},
    {"id": "e", "tytul": "Magazyn", "opis": "Magazynier – kompletacja zamówień, wózek widłowy, \"UDT\";\nzmiany"},
]


def _read(path: Path, sep: str = ",") -> pd.DataFrame:
    if path.suffix == ".xlsx":
        return pd.read_excel(path, dtype=str, keep_default_na=False)
    if path.suffix == ".parquet":
        return pd.read_parquet(path, dtype_backend="numpy_nullable")
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig", sep=sep)


def _opts(**kw) -> BatchOptions:
    return BatchOptions(**{"text_columns": ["opis"], **kw})


def test_contract_rows_order_and_errors(tiny_model: SSUPClassifier, tmp_path: Path) -> None:
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    pd.DataFrame(ROWS).to_csv(src, index=False)
    s = run_batch(tiny_model, src, dst, _opts(id_column="id"))
    out = _read(dst)
    assert list(out.columns) == ["id", "tytul", "opis", *OUTPUT_COLUMNS]
    assert out["id"].tolist() == ["a", "b", "c", "d", "e"]
    assert out["opis"].tolist() == [r["opis"] for r in ROWS]  # input unchanged, newlines and quotes kept
    assert s.rows == 5 and s.errors == 2 and s.first_errors[0].startswith("id=b: the text is empty")
    assert out.loc[1, "ssup_error"].startswith("the text is empty")
    assert "no words" in out.loc[3, "ssup_error"]
    ok = out[out["ssup_error"] == ""]
    assert set(ok["ssup_level"].astype(int)) <= {1, 2, 3, 4, 5, 6}
    assert set(ok["ssup_in_scope"]) <= {"true", "false"}
    probs = ok[[f"ssup_p{k}" for k in range(1, 7)]].astype(float).sum(axis=1)
    assert probs.between(0.99, 1.01).all()
    assert (out.loc[[1, 3], "ssup_level"] == "").all()
    assert sum(s.per_level.values()) + s.errors == 5


def test_same_result_as_predict(tiny_model: SSUPClassifier) -> None:
    res = classify_frame(tiny_model, pd.DataFrame(ROWS), ["opis"])
    p = tiny_model.predict(ROWS[2]["opis"])
    assert res.loc[2, "ssup_level"] == p.level
    assert res.loc[2, "ssup_p4"] == round(p.probabilities[4], 4)


def test_several_text_columns_are_joined(tiny_model: SSUPClassifier) -> None:
    res = classify_frame(tiny_model, pd.DataFrame(ROWS), ["tytul", "opis"])
    assert res.loc[1, "ssup_error"] == ""  # the title alone is enough text
    assert len(res) == len(ROWS)


def test_missing_column_lists_what_exists(tiny_model: SSUPClassifier, tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    pd.DataFrame(ROWS).to_csv(src, index=False)
    with pytest.raises(DataError, match="column 'text' not found; available: id, tytul, opis"):
        run_batch(tiny_model, src, tmp_path / "out.csv")
    assert not (tmp_path / "out.csv").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["in.csv"]  # no temporary file left behind


def test_no_overwrite_without_force_and_never_the_input(tiny_model: SSUPClassifier, tmp_path: Path) -> None:
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    pd.DataFrame(ROWS).to_csv(src, index=False)
    before = src.read_bytes()
    with pytest.raises(DataError, match="overwrite the input"):
        run_batch(tiny_model, src, src, _opts(force=True))
    dst.write_text("keep me")
    with pytest.raises(DataError, match="--force"):
        run_batch(tiny_model, src, dst, _opts())
    assert dst.read_text() == "keep me"
    run_batch(tiny_model, src, dst, _opts(force=True))
    assert len(_read(dst)) == len(ROWS)
    assert src.read_bytes() == before


@pytest.mark.parametrize("encoding, sep", [("utf-8", ","), ("utf-8-sig", ";"), ("cp1250", ";"), ("cp1250", "\t"),
                                           ("utf-8", "|")])
def test_encodings_and_delimiters_are_detected(tiny_model: SSUPClassifier, tmp_path: Path,
                                                encoding: str, sep: str) -> None:
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    pd.DataFrame(ROWS).to_csv(src, index=False, sep=sep, encoding=encoding)
    run_batch(tiny_model, src, dst, _opts())
    out = _read(dst, sep)  # the output keeps the input's delimiter
    assert out["opis"].tolist() == [r["opis"] for r in ROWS]
    assert dst.read_bytes().startswith(codecs.BOM_UTF8)  # Excel opens Polish text correctly


def test_encoding_and_delimiter_flags_override(tiny_model: SSUPClassifier, tmp_path: Path) -> None:
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_bytes("opis;x\nKonsultantka infolinii, obsługa zgłoszeń;1\n".encode("iso-8859-2"))
    run_batch(tiny_model, src, dst, _opts(encoding="iso-8859-2", delimiter=";"))
    assert _read(dst, ";")["opis"].tolist() == ["Konsultantka infolinii, obsługa zgłoszeń"]


def test_ragged_rows_nul_bytes_and_huge_cells(tiny_model: SSUPClassifier, tmp_path: Path) -> None:
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    huge = "obsługa " * 40_000
    src.write_text("id,opis,x\n"
                   "1,Konsultant infolinii,a\n"
                   "2,Za mało pól\n"
                   "3,Za dużo,pól,tutaj\n"
                   "4,\"Dyrektor ds. obsługi klienta\x00 i strategii\",b\n"
                   f"5,{huge},c\n"
                   "6,\"cytat \"\"w środku\"\"\nnowa linia\",d\n", encoding="utf-8")
    s = run_batch(tiny_model, src, dst, _opts())
    out = _read(dst)
    assert out["id"].tolist() == ["1", "2", "3", "4", "5", "6"] and s.rows == 6
    assert "has 2 fields, the header has 3" in out.loc[1, "ssup_error"]
    assert "has 4 fields" in out.loc[2, "ssup_error"] and out.loc[2, "x"] == "pól,tutaj"
    assert "over the limit" in out.loc[4, "ssup_error"]
    assert out.loc[5, "opis"] == "cytat \"w środku\"\nnowa linia" and out.loc[5, "ssup_error"] == ""
    assert out.loc[0, "ssup_error"] == ""


@pytest.mark.parametrize("content, message", [(b"", "empty"), (b"\xef\xbb\xbf\r\n", "empty"),
                                              (b"id,text\n", "no data rows"), (b"a,a\n1,2\n", "repeats")])
def test_bad_files(tiny_model: SSUPClassifier, tmp_path: Path, content: bytes, message: str) -> None:
    src = tmp_path / "in.csv"
    src.write_bytes(content)
    with pytest.raises(DataError, match=message):
        run_batch(tiny_model, src, tmp_path / "out.csv", BatchOptions(text_columns=["text"]))
    assert [p.name for p in tmp_path.iterdir()] == ["in.csv"]


def test_undecodable_file_names_the_line(tiny_model: SSUPClassifier, tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_bytes(b"text\n" + "obsługa klienta\n".encode() * 70_000 + b"\xff\xfe\xfa broken\n")
    with pytest.raises(DataError, match="not valid utf-8; pass --encoding"):
        run_batch(tiny_model, src, tmp_path / "out.csv", BatchOptions())


@pytest.mark.parametrize("suffix", [".xlsx", ".parquet", ".csv"])
def test_output_formats(tiny_model: SSUPClassifier, tmp_path: Path, suffix: str) -> None:
    src, dst = tmp_path / "in.csv", tmp_path / f"out{suffix}"
    pd.DataFrame(ROWS).to_csv(src, index=False)
    run_batch(tiny_model, src, dst, _opts())
    out = _read(dst)
    assert list(out.columns) == ["id", "tytul", "opis", *OUTPUT_COLUMNS]
    assert out["id"].tolist() == ["a", "b", "c", "d", "e"]
    assert str(out.loc[2, "ssup_level"]) in {"1", "2", "3", "4", "5", "6"}


def test_xlsx_input(tiny_model: SSUPClassifier, tmp_path: Path) -> None:
    src, dst = tmp_path / "in.xlsx", tmp_path / "out.csv"
    pd.DataFrame(ROWS).to_excel(src, index=False)
    run_batch(tiny_model, src, dst, _opts())
    out = _read(dst)
    assert out["opis"].tolist()[0] == ROWS[0]["opis"] and len(out) == len(ROWS)


def test_broken_xlsx(tiny_model: SSUPClassifier, tmp_path: Path) -> None:
    src = tmp_path / "in.xlsx"
    src.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(DataError, match="not a readable .xlsx"):
        run_batch(tiny_model, src, tmp_path / "out.csv", _opts())


def test_unknown_output_type(tiny_model: SSUPClassifier, tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    pd.DataFrame(ROWS).to_csv(src, index=False)
    with pytest.raises(DataError, match="use .csv, .xlsx or .parquet"):
        run_batch(tiny_model, src, tmp_path / "out.json", _opts())


def test_input_already_classified(tiny_model: SSUPClassifier) -> None:
    df = classify_frame(tiny_model, pd.DataFrame(ROWS), ["opis"])
    with pytest.raises(DataError, match="already has columns"):
        classify_frame(tiny_model, df, ["opis"])


def _many_rows(samples: pd.DataFrame, n: int) -> pd.DataFrame:
    texts = (samples["text"].tolist() * (n // len(samples) + 1))[:n]
    texts[7] = ""
    return pd.DataFrame({"nr": range(n), "text": texts})


def test_jobs_keep_order_and_equal_single_process(tiny_model: SSUPClassifier, samples: pd.DataFrame,
                                                  tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    _many_rows(samples, 900).to_csv(src, index=False)
    run_batch(tiny_model, src, tmp_path / "one.csv", BatchOptions(chunksize=100))
    run_batch(tiny_model, src, tmp_path / "two.csv", BatchOptions(chunksize=100, jobs=2))
    assert (tmp_path / "one.csv").read_bytes() == (tmp_path / "two.csv").read_bytes()


def test_several_files_share_one_output(tiny_model: SSUPClassifier, tmp_path: Path) -> None:
    pd.DataFrame(ROWS[:2]).to_csv(tmp_path / "a.csv", index=False)
    pd.DataFrame(ROWS[2:]).to_csv(tmp_path / "b.csv", index=False, sep=";")
    run_batch(tiny_model, [tmp_path / "a.csv", tmp_path / "b.csv"], tmp_path / "out.csv", _opts())
    assert _read(tmp_path / "out.csv")["id"].tolist() == ["a", "b", "c", "d", "e"]
    pd.DataFrame({"other": [1]}).to_csv(tmp_path / "c.csv", index=False)
    with pytest.raises(DataError, match="must share one header"):
        run_batch(tiny_model, [tmp_path / "a.csv", tmp_path / "c.csv"], tmp_path / "out2.csv", _opts())


def test_dask_engine_matches_local(tiny_model: SSUPClassifier, samples: pd.DataFrame, tmp_path: Path) -> None:
    pytest.importorskip("distributed", reason="the dask extra is not installed")
    from ssup_classifier.dask_engine import run_dask

    src = tmp_path / "in.csv"
    _many_rows(samples, 500).to_csv(src, index=False)
    run_batch(tiny_model, src, tmp_path / "local.csv", BatchOptions(chunksize=100))
    s = run_dask(tiny_model, [src], tmp_path / "dask.csv", BatchOptions(chunksize=100, jobs=2))
    assert s.rows == 500
    assert (tmp_path / "local.csv").read_bytes() == (tmp_path / "dask.csv").read_bytes()


def test_a_dask_worker_loads_the_shipped_model_without_leaving_files(tiny_model: SSUPClassifier,
                                                                      tiny_model_dir: Path, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    from ssup_classifier import dask_engine

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(dask_engine, "_MODELS", {})
    files = {p.name: p.read_bytes() for p in tiny_model_dir.iterdir() if p.is_file()}
    worker = dask_engine._model_on_worker(files)
    assert list(tmp_path.iterdir()) == []
    assert dask_engine._model_on_worker(files) is worker
    text = "Odbieram telefony od klientów i podaję ceny produktów."
    assert worker.predict(text).probabilities == tiny_model.predict(text).probabilities


def test_progress_reports_rows_written_and_reaches_one(tiny_model: SSUPClassifier, samples: pd.DataFrame,
                                                       tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    _many_rows(samples, 450).to_csv(src, index=False)
    calls: list[tuple[int, float]] = []
    run_batch(tiny_model, src, tmp_path / "out.csv", BatchOptions(chunksize=100),
              progress=lambda r, f: calls.append((r, f)))
    assert [r for r, _ in calls] == [100, 200, 300, 400, 450]
    fractions = [f for _, f in calls]
    assert fractions == sorted(fractions) and fractions[-1] == pytest.approx(1.0) and fractions[0] < 0.5
