"""Load on `ssup serve`: a few hundred requests from 8 concurrent clients on loopback.

    python benchmarks/web_load.py [--requests 400] [--clients 8] [--model DIR]

Starts `ssup serve` (one process, the bundled model unless --model) on a free 127.0.0.1
port, warms it up, then sends the labelled samples' texts, cycled, from N client threads,
each on its own keep-alive connection. Every response must be 200. Reports p50/p99 latency
and requests/s per endpoint and writes them to docs/performance.md under "## Web API load",
replacing only that section. Clients and server share the machine's cores, so the figures
are a floor for what a separate client machine would see.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MARKER = "## Web API load"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(port: int, model: str | None) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "ssup_classifier.cli", "serve", "--port", str(port)]
    cmd += ["--model", model] if model else []
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"ssup serve did not start: {proc.stderr.read().decode() if proc.stderr else ''}")


def request_for(kind: str, text: str) -> tuple[str, bytes, str]:
    """(path, body, content type) of one request of ``kind``."""
    if kind == "page":
        boundary = uuid.uuid4().hex
        body = (f'--{boundary}\r\nContent-Disposition: form-data; name="text"\r\n\r\n{text}\r\n'
                f"--{boundary}--\r\n").encode()
        return "/classify", body, f"multipart/form-data; boundary={boundary}"
    reasons = 0 if kind == "api0" else 8
    return "/api/v1/classify", json.dumps({"text": text, "reasons": reasons}).encode(), "application/json"


def run(port: int, kind: str, texts: list[str], n: int, clients: int) -> dict[str, float]:
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    counter = iter(range(n))

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine: list[float] = []
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                break
            path, body, ctype = request_for(kind, texts[i % len(texts)])
            t0 = time.perf_counter()
            conn.request("POST", path, body, {"Content-Type": ctype})
            resp = conn.getresponse()
            resp.read()
            mine.append(time.perf_counter() - t0)
            if resp.status != 200:
                failures.append(f"{path}: HTTP {resp.status}")
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    if failures:
        raise SystemExit(f"{len(failures)} requests failed, e.g. {failures[0]}")
    q = statistics.quantiles(latencies, n=100, method="inclusive")
    return {"n": len(latencies), "p50_ms": q[49] * 1000, "p99_ms": q[98] * 1000, "rps": len(latencies) / wall}


def write_section(path: Path, text: str) -> None:
    """Replace this benchmark's section of ``path`` (or append it); other sections stay as they are."""
    old = path.read_text(encoding="utf-8") if path.exists() else "# Performance\n"
    head, *sections = re.split(r"(?m)^(?=## )", old)
    sections = [s for s in sections if s.strip() != "##"]  # an empty heading left at the end of the file
    mine = text.rstrip() + "\n"
    if any(s.startswith(MARKER) for s in sections):
        sections = [mine if s.startswith(MARKER) else s for s in sections]
    else:
        sections.append(mine)
    parts = [head.rstrip() + "\n"] + [s.rstrip() + "\n" for s in sections]
    path.write_text("\n".join(parts), encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=400, help="requests per endpoint")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--model", help="model directory (default: the bundled model)")
    ap.add_argument("--out", default=str(ROOT / "docs" / "performance.md"), help="Markdown file, or - for none")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    from ssup_classifier import load_samples

    texts = load_samples()["text"].tolist()
    mean_chars = statistics.mean(len(t) for t in texts)
    load_before = os.getloadavg()[0]
    port = free_port()
    proc = start_server(port, args.model)
    try:
        run(port, "api", texts, 40, 2)  # warm-up
        rows = {kind: run(port, kind, texts, args.requests, args.clients) for kind in ("api", "api0", "page")}
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    labels = {"api": "`POST /api/v1/classify` (8 reasons, the default)", "api0": "`POST /api/v1/classify` "
              "(`reasons: 0`)", "page": "`POST /classify` (the page, HTML with highlights)"}
    lines = [f"{MARKER} (`benchmarks/web_load.py`)\n",
             f"{os.cpu_count()} cores shared by server and clients. `ssup serve` (one process, the bundled model) on "
             f"127.0.0.1; {args.clients} client threads, each on a keep-alive connection, send the labelled samples' "
             f"texts in turn (mean {mean_chars:,.0f} characters); every answer was 200. Latency is per request, "
             "as the client sees it, queueing included. 1-minute load average just before the run: "
             f"{load_before:.1f}.\n",
             "| endpoint | requests | p50 ms | p99 ms | requests/s |", "|---|---|---|---|---|"]
    for kind, r in rows.items():
        lines.append(f"| {labels[kind]} | {r['n']:,} | {r['p50_ms']:,.0f} | {r['p99_ms']:,.0f} | {r['rps']:,.1f} |")
    lines += ["", "Predictions are serialised by a lock (the lemmatizer is shared), so one process uses one core "
              "for the model; for more throughput run more processes behind a proxy, each loading the model once."]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out != "-":
        write_section(Path(args.out), text)


if __name__ == "__main__":
    main()
