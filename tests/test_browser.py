"""End to end in a real headless Chromium: `ssup serve` in a subprocess, the page driven by Playwright.

Needs Debian's chromium (.ci/run installs it: apt-get install chromium) and the Python
playwright package (the test extra); skips with the reason when either is missing.
"""

from __future__ import annotations

import io
import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = next((p for p in ("/usr/bin/chromium", shutil.which("chromium")) if p and Path(p).is_file()), None)
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
AD = ("Inżynier presales (systemy automatyki)\n"
      "Wspierasz zespół handlowy przy nowych projektach: warsztaty z klientem, projekt rozwiązania, demo i PoC "
      "u klienta.\nPrzygotowujesz wycenę i ocenę ryzyka wdrożenia do ofert przetargowych. "
      '<script>alert("xss")</script><img src=x onerror="alert(1)">')
CV = ("Anna Kowalska – CV\nDoświadczenie: konsultantka infolinii w firmie telekomunikacyjnej. Odbieranie połączeń "
      "od klientów, udzielanie informacji o produktach i usługach, wprowadzanie zamówień do CRM.")

pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="no Chromium at /usr/bin/chromium (apt-get install chromium)"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`ssup serve` exactly as a user starts it, on a free loopback port, with the tiny model."""
    pytest.importorskip("fastapi", reason="the web extra is not installed")
    port = free_port()
    log = (tmp_path_factory.mktemp("serve") / "serve.log").open("w+")
    proc = subprocess.Popen([sys.executable, "-m", "ssup_classifier.cli", "serve", "--port", str(port),
                             "--model", str(tiny_model_dir)], stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=2) as r:
                    if json.load(r)["status"] == "ok":
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                pytest.fail(f"ssup serve did not start: {log.read()}")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


@pytest.fixture(scope="module")
def page(server: str) -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (the test extra)")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(locale="pl-PL", viewport={"width": 1100, "height": 900}, accept_downloads=True)
        pg = context.new_page()
        pg.dialogs = []  # any alert() would mean the input ran as code
        pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
        pg.set_default_timeout(30_000)
        yield pg
        browser.close()


def api_level(server: str, text: str) -> int:
    req = urllib.request.Request(f"{server}/api/v1/classify", json.dumps({"text": text}).encode(),
                                 {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return int(json.load(r)["level"])


def test_paste_an_ad_and_read_the_level(page: Any, server: str, tmp_path: Path) -> None:
    page.goto(server + "/")
    assert "Poziom wsparcia sprzedaży" in page.title()
    page.fill("#text", AD)
    page.click("#submit")
    page.wait_for_selector("#result")
    shown = int(page.get_attribute(".level", "data-level"))
    assert shown == api_level(server, AD)
    assert page.inner_text(".level").startswith(f"Poziom {shown}")
    assert page.locator(".track").count() == 6 and page.locator("#highlighted mark").count() > 0
    assert '<script>alert("xss")</script>' in page.inner_text("#highlighted")  # shown as text...
    assert page.dialogs == [] and page.locator("#highlighted img, #highlighted script").count() == 0  # ...never run
    page.screenshot(path=str(tmp_path / "web.png"), full_page=True)
    readme_shot = ROOT / "docs" / "screenshots" / "web.png"
    if not readme_shot.exists():  # once, for the README; the committed one is kept
        readme_shot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(readme_shot))
    assert (tmp_path / "web.png").stat().st_size > 10_000


def test_drop_a_cv_file(page: Any, server: str, tmp_path: Path) -> None:
    try:
        import docx

        cv = tmp_path / "cv_anna.docx"
        d = docx.Document()
        for line in CV.split("\n"):
            d.add_paragraph(line)
        d.save(str(cv))
    except ImportError:
        cv = tmp_path / "cv_anna.txt"
        cv.write_text(CV, encoding="utf-8")
    page.goto(server + "/")
    page.set_input_files("#file", str(cv))
    page.click("#submit")
    page.wait_for_selector("#result")
    assert cv.name in page.inner_text("#result h2")
    assert int(page.get_attribute(".level", "data-level")) in range(1, 7)
    assert "Anna Kowalska" in page.inner_text("#highlighted")


def test_upload_a_table_and_download_it_classified(page: Any, server: str, tmp_path: Path) -> None:
    page.goto(server + "/")
    page.set_input_files("#table", str(ROOT / "tests" / "data" / "ads_example.csv"))
    page.fill("#text_column", "opis")
    with page.expect_download() as info:
        page.click("#submit-table")
    out = tmp_path / info.value.suggested_filename
    info.value.save_as(str(out))
    df = pd.read_csv(io.BytesIO(out.read_bytes()), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert out.name == "ads_example_ssup.csv" and list(df.columns[:3]) == ["id", "tytul", "opis"]
    assert "ssup_level" in df and len(df) == 4


def test_clear_errors_on_the_page(page: Any, server: str) -> None:
    page.goto(server + "/")
    page.set_input_files("#table", str(ROOT / "tests" / "data" / "ads_example.csv"))
    page.fill("#text_column", "tresc")
    page.click("#submit-table")
    page.wait_for_selector("#error")
    assert "Dostępne kolumny: id, tytul, opis" in page.inner_text("#error")
    page.click("#submit")  # nothing pasted, no file
    page.wait_for_selector("#error")
    assert "Wklej tekst" in page.inner_text("#error")
