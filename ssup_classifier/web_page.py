"""The recruiter page: server-rendered HTML in Polish, no JavaScript and no build step.

Every value that comes from a request (the text, a file name, a column name, an error
message that quotes them) goes through :func:`html.escape` here; the page also carries a
Content-Security-Policy that forbids scripts, so a ``<script>`` in an ad is shown as text.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from .config import LEVELS

CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; "
       "base-uri 'none'; frame-ancestors 'none'")
HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
LANGUAGE_NAMES = {"en": "angielskim", "other": "innym niż polski"}

_CSS = """
:root { --ink:#1d2433; --muted:#5b6474; --line:#d8dde6; --accent:#1f5fbf; --warn:#8a4b00; --bg:#f6f7f9; }
* { box-sizing: border-box; }
body { margin:0; font:16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--ink);
       background:var(--bg); }
main { max-width: 980px; margin: 0 auto; padding: 1.5rem 1rem 3rem; }
h1 { font-size:1.5rem; margin:0 0 .25rem; } h2 { font-size:1.15rem; margin:0 0 .75rem; }
p.lead { color:var(--muted); margin:0 0 1.25rem; }
section { background:#fff; border:1px solid var(--line); border-radius:10px; padding:1.25rem; margin:0 0 1.25rem; }
label.title { font-weight:600; display:block; margin:.25rem 0 .35rem; }
textarea { width:100%; min-height:12rem; padding:.6rem; font:inherit; border:1px solid var(--line);
           border-radius:6px; resize:vertical; }
input[type=file] { width:100%; padding:1.4rem 1rem; border:2px dashed #9fb3d1; border-radius:8px;
                   background:#f3f7fd; font:inherit; cursor:pointer; }
input[type=text] { padding:.4rem .5rem; font:inherit; border:1px solid var(--line); border-radius:6px; }
.hint { color:var(--muted); font-size:.9rem; margin:.25rem 0 .75rem; }
button { background:var(--accent); color:#fff; border:0; border-radius:6px; padding:.6rem 1.2rem; font:inherit;
         font-weight:600; cursor:pointer; margin-top:.5rem; }
.error { border-color:#c9302c; background:#fff4f4; color:#7a1512; }
.warn { border-left:4px solid #e0a100; background:#fff9e8; color:var(--warn); padding:.6rem .8rem;
        border-radius:6px; margin:.5rem 0; }
.level { font-size:1.6rem; font-weight:700; margin:0; }
.level small { font-size:1rem; font-weight:400; color:var(--muted); }
.descr { margin:.4rem 0 1rem; }
.bars { display:grid; grid-template-columns: 5.5rem 1fr 3.5rem; gap:.3rem .6rem; align-items:center; margin:.75rem 0; }
.track { background:#eef1f5; border-radius:4px; height:.9rem; overflow:hidden; }
.fill { display:block; height:100%; background:#9fb3d1; }
.best .fill { background:var(--accent); } .best { font-weight:700; }
.pct { text-align:right; font-variant-numeric: tabular-nums; }
.text { white-space:pre-wrap; overflow-wrap:anywhere; max-height:26rem; overflow:auto; border:1px solid var(--line);
        border-radius:6px; padding:.75rem; background:#fcfcfd; }
mark { background:#ffe58a; padding:0 .1rem; border-radius:3px; }
ul.reasons { display:flex; flex-wrap:wrap; gap:.35rem; list-style:none; padding:0; margin:.25rem 0 .75rem; }
ul.reasons li { background:#ffe58a; border-radius:999px; padding:.1rem .6rem; font-size:.92rem; }
footer { color:var(--muted); font-size:.85rem; }
"""


def polish_number(n: int) -> str:
    return f"{n:,}".replace(",", "\u00a0")


def too_large_message(max_bytes: int) -> str:
    return (f"Plik lub tekst jest za duży (limit {max_bytes // 2**20} MB). Wyślij jedno ogłoszenie, jedno CV "
            "albo mniejszy arkusz.")


def highlight(text: str, spans: Sequence[tuple[int, int, str]]) -> str:
    """``text`` escaped, with each (start, end, title) span wrapped in ``<mark>``; overlaps are skipped."""
    out: list[str] = []
    pos = 0
    for start, end, title in sorted(spans):
        if start < pos or end <= start or end > len(text):
            continue
        out += [escape(text[pos:start]), f'<mark title="{escape(title)}">', escape(text[start:end]), "</mark>"]
        pos = end
    out.append(escape(text[pos:]))
    return "".join(out)


def render_result(pred: Any, descriptors: Any, text: str, source: str) -> str:
    """The result section: level, descriptor, confidence, bars, warnings, highlighted text."""
    d = descriptors.level(pred.level)
    parts = [f'<section id="result" aria-live="polite"><h2>Wynik <small class="hint">({escape(source)})</small></h2>',
             f'<p class="level" data-level="{pred.level}">Poziom {pred.level} '
             f'<small>– {escape(d.name)}</small></p>',
             f'<p>Pewność: <strong id="confidence">{pred.confidence:.0%}</strong> · dotyczy wsparcia sprzedaży: '
             f'<strong>{"tak" if pred.in_scope else "raczej nie"}</strong> ({pred.in_scope_probability:.0%})</p>']
    if not pred.in_scope:
        parts.append('<p class="warn" id="out-of-scope">Ten tekst raczej <strong>nie dotyczy wsparcia sprzedaży'
                     '</strong> (np. sprzedaż z targetami i prowizją, wewnętrzny helpdesk IT albo inna praca). '
                     'Poziom poniżej jest tylko orientacyjny.</p>')
    language = getattr(pred, "language", "pl")
    if language != "pl":
        parts.append(f'<p class="warn" id="language">Tekst wygląda na napisany w języku '
                     f'{LANGUAGE_NAMES.get(language, "innym niż polski")}. Model czyta po polsku, '
                     'więc wynik może być niewiarygodny.</p>')
    if pred.confidence < 0.5:
        parts.append('<p class="warn">Model nie jest pewny: porównaj dwa najwyżej ocenione poziomy.</p>')
    parts.append(f'<p class="descr"><strong>Opis poziomu {pred.level} (SFIA):</strong> {escape(d.description)}</p>')
    parts.append('<div class="bars" aria-label="Prawdopodobieństwo każdego poziomu">')
    for k in LEVELS:
        p = float(pred.probabilities[k])
        best = ' best' if k == pred.level else ''
        parts.append(f'<span class="lab{best}">Poziom {k}</span><span class="track{best}" aria-hidden="true">'
                     f'<span class="fill" style="width:{p * 100:.1f}%"></span></span>'
                     f'<span class="pct{best}">{p:.0%}</span>')
    parts.append("</div>")
    if pred.reasons:
        parts.append(f"<h2>Dlaczego poziom {pred.level}?</h2>"
                     '<p class="hint">Frazy, które najmocniej wskazały ten poziom (zaznaczone w tekście):</p>'
                     '<ul class="reasons">' + "".join(f"<li>{escape(r.phrase)}</li>" for r in pred.reasons)
                     + "</ul>")
    spans = [(r.start, r.end, f"wskazuje poziom {pred.level} (waga {r.weight:.2f})") for r in pred.reasons]
    parts.append(f'<div class="text" id="highlighted">{highlight(text, spans)}</div></section>')
    return "".join(parts)


def render_page(*, text: str = "", result: str = "", error: str = "", column: str = "text",
                limits: dict[str, int] | None = None) -> str:
    """The whole page; ``result`` is trusted HTML from :func:`render_result`, everything else is escaped."""
    lim = limits or {}
    mb = lim.get("max_body_bytes", 0) // (1024 * 1024)
    chars, rows = polish_number(lim.get("max_chars", 0)), polish_number(lim.get("max_table_rows", 0))
    err = f'<section class="error" role="alert" id="error">{escape(error)}</section>' if error else ""
    return f"""<!doctype html>
<html lang="pl"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Poziom wsparcia sprzedaży (SFIA SSUP)</title><style>{_CSS}</style></head>
<body><main>
<h1>Poziom wsparcia sprzedaży (SFIA SSUP)</h1>
<p class="lead">Wklej ogłoszenie o pracę, CV lub notatkę rekrutera po polsku albo upuść plik. Narzędzie wskaże
poziom odpowiedzialności 1–6 w umiejętności SFIA „Wsparcie sprzedaży” i pokaże frazy, które o tym zdecydowały.</p>
{err}{result}
<section><h2>Jeden tekst lub dokument</h2>
<form method="post" action="/classify" enctype="multipart/form-data">
<label class="title" for="text">Tekst ogłoszenia, CV lub notatki</label>
<textarea id="text" name="text" placeholder="np. Inżynier presales: demo i PoC u klienta, wycena rozwiązania, \
ocena ryzyka, współpraca z handlowcami przy przetargach">{escape(text)}</textarea>
<label class="title" for="file">…albo plik z CV lub ogłoszeniem</label>
<input type="file" id="file" name="file" accept=".pdf,.docx,.odt,.txt">
<p class="hint">Upuść plik na pole powyżej lub kliknij, aby go wybrać: PDF, DOCX, ODT lub TXT.
Jeśli wybierzesz plik, liczy się plik.</p>
<button type="submit" id="submit">Określ poziom</button>
</form></section>
<section><h2>Arkusz z wieloma ogłoszeniami</h2>
<form method="post" action="/classify" enctype="multipart/form-data">
<label class="title" for="table">Plik CSV lub XLSX</label>
<input type="file" id="table" name="file" accept=".csv,.tsv,.xlsx" required>
<label class="title" for="text_column">Kolumna z tekstem</label>
<input type="text" id="text_column" name="text_column" value="{escape(column)}">
<p class="hint">Dostaniesz ten sam plik z dodatkowymi kolumnami: ssup_level, ssup_confidence, ssup_in_scope,
ssup_p1…ssup_p6 i ssup_error.</p>
<button type="submit" id="submit-table">Klasyfikuj i pobierz</button>
</form></section>
<footer>Limity: plik lub zapytanie do {mb} MB, tekst do {chars} znaków, arkusz do {rows} wierszy.
Teksty i pliki są przetwarzane tylko w pamięci: nie są zapisywane ani logowane.
Dla programistów: <a href="/docs">API (OpenAPI)</a>.</footer>
</main></body></html>"""
