"""The web page and the JSON API (`ssup serve`), through FastAPI's test client."""

from __future__ import annotations

import io
import logging
import re
import shlex
import socket
import tempfile
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from html import unescape
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

pytest.importorskip("fastapi", reason="the web extra is not installed: pip install '.[web]'")

from ssup_classifier import web  # noqa: E402
from ssup_classifier.cli import main  # noqa: E402
from ssup_classifier.model import MAX_CHARS  # noqa: E402

AD = ("Inżynier presales: demo i PoC u klienta, wycena rozwiązania, ocena ryzyka, współpraca z handlowcami "
      "przy przetargach")
XSS = '<script>alert("xss")</script><img src=x onerror="alert(1)">'
ROOT = Path(__file__).resolve().parents[1]
ADS = ROOT / "tests" / "data" / "ads_example.csv"


@pytest.fixture(scope="module")
def client(tiny_model_dir: Path) -> Iterator[Any]:
    with warnings.catch_warnings():  # starlette's test client nags about httpx versions; not our code
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    with TestClient(web.create_app(tiny_model_dir)) as c:
        yield c


def no_injected_tags(html: str) -> bool:
    """The page has no <script> or <img> of its own, so any there would come from the input."""
    return re.search(r"<\s*(script|img)\b", html, re.I) is None and "&lt;img src=x onerror=" in html


def level_shown(html: str) -> int:
    m = re.search(r'class="level" data-level="(\d)"', html)
    assert m, html[:2000]
    return int(m.group(1))


def test_page_is_polish_and_locked_down(client: Any) -> None:
    r = client.get("/")
    assert r.status_code == 200 and 'lang="pl"' in r.text and "Określ poziom" in r.text
    assert 'name="text"' in r.text and 'type="file"' in r.text and "text_column" in r.text
    assert "script-src" not in r.headers["content-security-policy"]  # default-src 'none': no scripts at all
    assert "default-src 'none'" in r.headers["content-security-policy"]


def test_api_classify(client: Any) -> None:
    r = client.post("/api/v1/classify", json={"text": AD})
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["level"] in range(1, 7) and d["level_name"]
    assert set(d["probabilities"]) == {"1", "2", "3", "4", "5", "6"}
    assert abs(sum(d["probabilities"].values()) - 1) < 1e-3
    assert isinstance(d["in_scope"], bool) and 0 <= d["confidence"] <= 1 and d["language"]
    assert d["reasons"] and all(AD[x["start"]:x["end"]] == x["phrase"] for x in d["reasons"])
    assert len(client.post("/api/v1/classify", json={"text": AD, "reasons": 2}).json()["reasons"]) <= 2


@pytest.mark.parametrize("body, status, words", [
    ({"text": ""}, 422, "empty"),
    ({"text": "   \n "}, 422, "empty"),
    ({"text": "x" * (MAX_CHARS + 1)}, 422, f"limit of {MAX_CHARS:,}"),
    ({"text": "12345 678"}, 422, "no words"),
    ({}, 422, "text"),
    ({"text": 5}, 422, "string"),
    ({"text": AD, "reasons": 1000}, 422, "reasons"),
])
def test_api_refuses_bad_text(client: Any, body: dict[str, Any], status: int, words: str) -> None:
    r = client.post("/api/v1/classify", json=body)
    assert r.status_code == status
    assert words in str(r.json()["detail"])


def test_request_size_limit(client: Any) -> None:
    big = b'{"text": "' + b"a" * web.MAX_BODY_BYTES + b'"}'
    r = client.post("/api/v1/classify", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413 and "10 MB" in r.json()["detail"]
    chunked = client.post("/api/v1/classify", content=iter([big[:2**20]] * 12),
                          headers={"content-type": "application/json"})  # no Content-Length: counted as it comes
    assert chunked.status_code == 413
    page = client.post("/classify", files={"file": ("cv.txt", b"a" * (web.MAX_BODY_BYTES + 1))})
    assert page.status_code == 413 and "za duży" in page.text and "text/html" in page.headers["content-type"]


def test_table_row_limit(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(web, "MAX_TABLE_ROWS", 2)
    r = client.post("/api/v1/classify-file", files={"file": ("ads.csv", ADS.read_bytes())},
                    data={"text_column": "opis"})
    assert r.status_code == 413 and "ssup batch" in r.json()["detail"]


def test_xss_is_shown_never_run(client: Any) -> None:
    text = f"{AD} {XSS}"
    r = client.post("/classify", files={"text": (None, text)})
    assert r.status_code == 200
    level_shown(r.text)
    assert no_injected_tags(r.text)
    assert r.text.count("&lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt;") == 2  # the text shown, the textarea
    shown = unescape(re.sub(r"<[^>]+>", "", re.search(r'id="highlighted">(.*?)</div>', r.text, re.S).group(1)))
    assert shown == text  # the highlighted copy is exactly the input, marks aside


@pytest.mark.parametrize("name, column", [(f"{XSS}.txt", "text"), ("ads.csv", XSS)])
def test_xss_in_file_and_column_names(client: Any, name: str, column: str) -> None:
    data = AD.encode() if name.endswith(".txt") else ADS.read_bytes()
    r = client.post("/classify", files={"file": (name, data)}, data={"text_column": column})
    assert r.status_code in (200, 422) and no_injected_tags(r.text)


def test_page_classifies_pasted_text(client: Any) -> None:
    r = client.post("/classify", files={"text": (None, AD)})
    assert r.status_code == 200
    api = client.post("/api/v1/classify", json={"text": AD}).json()
    assert level_shown(r.text) == api["level"]
    assert "Opis poziomu" in r.text and "Pewność" in r.text and r.text.count('class="track') == 6
    assert "<mark" in r.text and "Dlaczego poziom" in r.text
    assert AD in unescape(r.text)  # the textarea keeps the text for another try


def test_form_encodings(client: Any) -> None:
    assert level_shown(client.post("/classify", data={"text": AD}).text) in range(1, 7)  # urlencoded, no file
    assert client.post("/api/v1/classify-file", json={"text": AD}).status_code == 415
    no_file = client.post("/api/v1/classify-file", files={"text_column": (None, "opis")})
    assert no_file.status_code == 422 and "'file'" in no_file.json()["detail"]


@pytest.mark.parametrize("text, key, warning", [
    ("Przedstawiciel handlowy: realizacja planów sprzedażowych, prowizja od sprzedaży, pozyskiwanie klientów",
     "in_scope", 'id="out-of-scope"'),
    (None, "in_scope", 'id="out-of-scope"'),  # an out-of-scope text the tiny model was trained on
    ("Sales engineer: product demos, proof of concept with customers, pricing and risk assessment for bids, "
     "working with the sales team", "language", 'id="language"'),
])
def test_warnings_follow_the_prediction(client: Any, tiny_data: Any, text: str | None, key: str,
                                        warning: str) -> None:
    if text is None:
        tiny = pd.read_csv(tiny_data, dtype=str, keep_default_na=False)
        text = tiny.loc[(tiny["level"] == "none") & (tiny["split"] == "train") & (tiny["genre"] == "job_ad"),
                        "text"].iloc[0]
    pred = client.post("/api/v1/classify", json={"text": text}).json()
    r = client.post("/classify", files={"text": (None, text)})
    shown = warning in r.text
    assert shown == (pred[key] not in (True, "pl"))  # in_scope false, or a language other than Polish
    if not shown:
        pytest.skip(f"the tiny model gives {key}={pred[key]!r} for this text; nothing to warn about")


@pytest.mark.parametrize("field, status, words", [("", 422, "Wklej tekst"), ("12345", 422, "Nie da się")])
def test_page_errors_in_polish(client: Any, field: str, status: int, words: str) -> None:
    r = client.post("/classify", files={"text": (None, field)})
    assert r.status_code == status and 'role="alert"' in r.text and words in r.text


def docx_bytes(text: str) -> bytes:
    import docx

    d = docx.Document()
    d.add_paragraph("Anna Kowalska – CV")
    d.add_paragraph(text)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def test_uploaded_cv(client: Any) -> None:
    pytest.importorskip("docx", reason="the documents extra is not installed")
    page = client.post("/classify", files={"file": ("cv.docx", docx_bytes(AD))}, data={"text": ""})
    assert page.status_code == 200 and "plik cv.docx" in page.text and "Anna Kowalska" in page.text
    api = client.post("/api/v1/classify-file", files={"file": ("cv.docx", docx_bytes(AD))})
    assert api.status_code == 200 and api.json()["level"] == level_shown(page.text) and api.json()["chars"] > len(AD)


@pytest.mark.parametrize("name, data", [("cv.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100),
                                        ("cv.txt", b""), ("cv.jpg", b"\xff\xd8\xff")])
def test_unreadable_documents(client: Any, name: str, data: bytes) -> None:
    api = client.post("/api/v1/classify-file", files={"file": (name, data)})
    assert api.status_code == 422 and name in api.json()["detail"]
    page = client.post("/classify", files={"file": (name, data)})
    assert page.status_code == 422 and "Nie da się odczytać pliku" in page.text


def test_csv_upload_returns_classified_file(client: Any) -> None:
    r = client.post("/classify", files={"file": ("ads.csv", ADS.read_bytes())}, data={"text_column": "opis"})
    assert r.status_code == 200 and r.content.startswith(b"\xef\xbb\xbf")
    assert r.headers["content-disposition"] == 'attachment; filename="ads_ssup.csv"'
    src = pd.read_csv(ADS, dtype=str, keep_default_na=False)
    out = pd.read_csv(io.BytesIO(r.content), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(out.columns[:3]) == list(src.columns) and "ssup_level" in out and "ssup_error" in out
    assert out[list(src.columns)].equals(src)
    empty = src["opis"].str.strip().eq("")  # the example's last row has no text: an error, not a level
    assert out["ssup_level"][~empty].isin(list("123456")).all() and out["ssup_error"][empty].str.contains("empty").all()


def test_polish_excel_csv_and_xlsx(client: Any) -> None:
    src = pd.read_csv(ADS, dtype=str, keep_default_na=False)
    semi = src.to_csv(index=False, sep=";").encode("cp1250")
    r = client.post("/api/v1/classify-file", files={"file": ("oferty.csv", semi)}, data={"text_column": "opis"})
    assert r.status_code == 200 and r.text.lstrip("\ufeff").startswith("id;tytul;opis;ssup_level")
    buf = io.BytesIO()
    src.to_excel(buf, index=False)
    x = client.post("/api/v1/classify-file", files={"file": ("oferty.xlsx", buf.getvalue())},
                    data={"text_column": "opis"})
    assert x.status_code == 200 and x.headers["content-type"] == web.XLSX
    out = pd.read_excel(io.BytesIO(x.content), dtype=str, keep_default_na=False)
    assert len(out) == len(src) and out["ssup_error"].ne("").tolist() == src["opis"].eq("").tolist()


def test_missing_column_lists_the_columns(client: Any) -> None:
    api = client.post("/api/v1/classify-file", files={"file": ("ads.csv", ADS.read_bytes())})
    assert api.status_code == 422 and "available: id, tytul, opis" in api.json()["detail"]
    page = client.post("/classify", files={"file": ("ads.csv", ADS.read_bytes())}, data={"text_column": "tresc"})
    assert page.status_code == 422 and "Dostępne kolumny: id, tytul, opis" in page.text


def test_health_docs_and_openapi(client: Any) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    docs = client.get("/docs")
    assert docs.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', docs.text)
    assert assets and all(a.startswith("/") for a in assets), "the API docs must not need a CDN"
    assert all(client.get(a).status_code == 200 for a in assets)
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/v1/classify", "/api/v1/classify-file", "/healthz"} <= set(paths)
    assert "multipart/form-data" in paths["/api/v1/classify-file"]["post"]["requestBody"]["content"]


CURLS = [ln for ln in (ROOT / "README.md").read_text(encoding="utf-8").splitlines() if ln.startswith("curl ")]


@pytest.mark.parametrize("line", CURLS)
def test_readme_curl_examples(client: Any, line: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's curl lines, replayed through the test client (no server, no network)."""
    monkeypatch.chdir(ROOT)
    args = shlex.split(line)
    path = next(a for a in args if a.startswith("127.0.0.1:8000/")).split("8000", 1)[1]
    pairs = list(zip(args, args[1:], strict=False))
    body = next((v for k, v in pairs if k == "-d"), None)
    fields = dict(v.split("=", 1) for k, v in pairs if k == "-F")
    if body is not None:
        r = client.post(path, content=body.encode(), headers={"Content-Type": "application/json"})
    else:
        files = {k: (Path(v[1:]).name, Path(v[1:]).read_bytes()) for k, v in fields.items() if v.startswith("@")}
        r = client.post(path, files=files, data={k: v for k, v in fields.items() if not v.startswith("@")})
    assert r.status_code == 200, r.text
    assert ("ssup_level" in r.text) if "-o" in args else (r.json()["level"] in range(1, 7))


def test_concurrent_requests_agree_with_sequential(client: Any) -> None:
    texts = [AD, "Konsultantka infolinii: odbieranie połączeń, informacja o produktach, wprowadzanie zamówień",
             "Kierownik działu ofertowania: odpowiada za merytoryczną zawartość wszystkich ofert i KPI zespołu",
             "Magazynier z uprawnieniami UDT, obsługa wózka widłowego"] * 6
    one = {t: client.post("/api/v1/classify", json={"text": t}).json() for t in set(texts)}
    with ThreadPoolExecutor(8) as pool:
        many = list(pool.map(lambda t: client.post("/api/v1/classify", json={"text": t}).json(), texts))
    assert all(m == one[t] for m, t in zip(many, texts, strict=True))


def test_inputs_are_not_logged_or_written(client: Any, caplog: pytest.LogCaptureFixture,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    def no_disk(*a: Any, **k: Any) -> Any:
        raise AssertionError("an upload was spooled to disk")

    monkeypatch.setattr(tempfile, "TemporaryFile", no_disk)
    monkeypatch.setattr(tempfile, "NamedTemporaryFile", no_disk)
    marker = "Zorbulonowski"
    big = (f"{AD} {marker}\n" * 30_000).encode()[:3 * 2**20]  # 3 MB: over starlette's 1 MB spooling threshold
    with caplog.at_level(logging.DEBUG):
        r = client.post("/api/v1/classify-file", files={"file": ("cv.txt", big)})
        client.post("/classify", files={"text": (None, f"{AD} {marker}")})
    assert r.status_code in (200, 422), r.text
    assert marker not in caplog.text


def test_internal_errors_do_not_log_the_input(client: Any, caplog: pytest.LogCaptureFixture,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from fastapi.testclient import TestClient

    def broken(model: Any, df: pd.DataFrame, columns: Any) -> None:
        raise ValueError(f"cannot handle {df.iloc[0, 2]!r}")  # a message that quotes the input

    monkeypatch.setattr(web, "classify_frame", broken)
    quiet = TestClient(client.app, raise_server_exceptions=False)
    with caplog.at_level(logging.DEBUG):
        r = quiet.post("/api/v1/classify-file", files={"file": ("ads.csv", ADS.read_bytes())},
                       data={"text_column": "opis"})
    assert r.status_code == 500 and "ValueError" in caplog.text and "Odbieranie" not in caplog.text


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_port_taken(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        assert main(["serve", "--port", str(s.getsockname()[1])]) == 2
    err = capsys.readouterr().err
    assert "already in use" in err and "--port" in err and err.count("\n") == 1 and "Traceback" not in err


def test_serve_without_web_extra(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "uvicorn" else real(name, *a))
    assert main(["serve", "--port", str(free_port())]) == 2
    err = capsys.readouterr().err
    assert "pip install" in err and "[web]" in err and err.count("\n") == 1


def test_serve_missing_model(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--port", str(free_port()), "--model", "/nonexistent/model"]) == 3
    assert "no model at" in capsys.readouterr().err
