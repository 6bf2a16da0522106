"""`ssup serve`: the recruiter page and the JSON API (FastAPI, from the optional ``web`` extra).

Privacy: request bodies are buffered in memory (at most ``MAX_BODY_BYTES``) and uploads are
never spooled to temporary files, so no text or upload touches the disk; nothing from a body is
logged. The model loads once; predictions hold a lock (the lemmatizer is shared, not thread-safe).
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import threading
import traceback
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pandas as pd
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from . import web_page
from .batch import classify_frame
from .descriptors import load_descriptors
from .errors import DataError, InvalidInputError
from .model import MAX_CHARS, Prediction, SSUPClassifier

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 10 * 1024 * 1024  # a whole request: JSON, form or upload
MAX_TABLE_ROWS = 20_000  # a CSV/XLSX upload; larger files belong to `ssup batch`
LIMITS = {"max_body_bytes": MAX_BODY_BYTES, "max_chars": MAX_CHARS, "max_table_rows": MAX_TABLE_ROWS}
TABLE_SUFFIXES = (".csv", ".tsv", ".xlsx", ".xlsm")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXAMPLE = "Inżynier presales: demo i PoC u klienta, wycena rozwiązania, ocena ryzyka, współpraca z handlowcami"
PROBLEMS: dict[int | str, dict[str, Any]] = {413: {"description": "the request or the table is too large"},
                                             422: {"description": "the text or the file cannot be classified"}}
FILE_RESPONSES: dict[int | str, dict[str, Any]] = {**PROBLEMS, 200: {
    "description": "a document: the JSON of /api/v1/classify plus `chars`; a table: the classified file back",
    "content": {"application/json": {}, "text/csv": {}, XLSX: {}}}}
UPLOAD_SCHEMA = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"], "properties": {
        "file": {"type": "string", "format": "binary", "description": "PDF, DOCX, ODT, TXT, CSV or XLSX"},
        "text_column": {"type": "string", "default": "text", "description": "the text column of a table"}}}}}}}


class Problem(Exception):
    """A request the service refuses: an HTTP status, an English detail (API) and a Polish one (page)."""

    def __init__(self, status: int, detail: str, polish: str | None = None) -> None:
        super().__init__(detail)
        self.status, self.detail, self.polish = status, detail, polish or f"Nie udało się: {detail}"


class ClassifyRequest(BaseModel):
    text: str = Field(description=f"a job ad, CV or note in Polish (at most {MAX_CHARS:,} characters)",
                      examples=[EXAMPLE])
    reasons: int = Field(8, ge=0, le=30, description="how many phrases behind the level to return")


class ReasonOut(BaseModel):
    phrase: str
    feature: str = Field(description="the lemma n-gram the model weighed")
    weight: float
    start: int = Field(description="character offset of the phrase in the text")
    end: int


class ClassifyResponse(BaseModel):
    level: int = Field(description="SFIA responsibility level 1-6")
    level_name: str
    probabilities: dict[str, float] = Field(description="probability of each level '1'..'6'")
    in_scope: bool = Field(description="false: the text is probably not about sales support at all")
    in_scope_probability: float
    confidence: float
    language: str = "pl"
    reasons: list[ReasonOut] = Field(description="phrases of the input (character offsets) behind the level")


class _InMemoryParser(MultiPartParser):
    spool_max_size = MAX_BODY_BYTES + 1  # an upload never rolls over to a temporary file


class BodyLimit:
    """ASGI middleware: buffer each request body in memory; answer 413 over ``max_bytes``."""

    def __init__(self, app: Any, max_bytes: int, too_large: Callable[[str], Response]) -> None:
        self.app, self.max_bytes, self.too_large = app, max_bytes, too_large

    async def __call__(self, scope: dict[str, Any], receive: Callable[[], Awaitable[Any]], send: Any) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        if not declared.isdigit() or int(declared) > self.max_bytes:
            return await self.too_large(scope["path"])(scope, receive, send)
        chunks, size, more = [], 0, True
        while more:
            msg = await receive()
            if msg["type"] == "http.disconnect":
                return
            size += len(msg.get("body", b""))
            if size > self.max_bytes:
                return await self.too_large(scope["path"])(scope, receive, send)
            chunks.append(msg.get("body", b""))
            more = msg.get("more_body", False)
        pending = [{"type": "http.request", "body": b"".join(chunks), "more_body": False}]

        async def replay() -> Any:
            return pending.pop() if pending else await receive()

        try:
            await self.app(scope, replay, send)
        except Exception as e:  # report where, never the message: it could quote the input
            where = traceback.extract_tb(e.__traceback__)[-1]
            logger.error("internal error: %s at %s:%s", type(e).__name__, where.filename, where.lineno)
            raise RuntimeError("internal error; details withheld from the log, see the line before") from None


async def read_form(request: Request) -> dict[str, Any]:
    """Form fields as str and the first file as (filename, bytes) under "file"; all in memory."""
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("application/x-www-form-urlencoded"):  # text fields only, parsed in memory
        return dict((await request.form(max_part_size=MAX_BODY_BYTES)).items())
    if not ctype.startswith("multipart/form-data"):
        raise Problem(415, "send multipart/form-data with a 'file' field (and optionally 'text', 'text_column')",
                      "Formularz musi być wysłany jako multipart/form-data.")
    try:
        form = await _InMemoryParser(request.headers, request.stream(), max_files=1, max_fields=8,
                                     max_part_size=MAX_BODY_BYTES).parse()
    except MultiPartException as e:
        raise Problem(400, f"malformed multipart form: {e.message}", "Nieprawidłowy formularz.") from None
    out: dict[str, Any] = {}
    for key, value in form.multi_items():
        if isinstance(value, UploadFile):
            data = await value.read()
            await value.close()
            if value.filename and key == "file":
                out["file"] = (Path(value.filename).name, data)
        else:
            out.setdefault(key, value)
    return out


def read_table(data: bytes, filename: str) -> tuple[pd.DataFrame, str]:
    """A CSV (UTF-8 or Windows-1250, delimiter detected) or XLSX upload as strings; and the CSV delimiter."""
    try:
        if Path(filename).suffix.lower() in (".xlsx", ".xlsm"):
            df = pd.read_excel(io.BytesIO(data), dtype=str, keep_default_na=False, nrows=MAX_TABLE_ROWS + 1)
            sep = ","
        else:
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = data.decode("cp1250", errors="replace")
            sep = max((",", ";", "\t", "|"), key=text.split("\n", 1)[0].count)
            df = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, nrows=MAX_TABLE_ROWS + 1)
    except Exception as e:  # pandas and openpyxl raise many types for broken files
        raise Problem(422, f"{filename} cannot be read as a table ({type(e).__name__})",
                      f"Nie da się odczytać pliku {filename} jako arkusza CSV/XLSX.") from None
    if len(df) > MAX_TABLE_ROWS:
        raise Problem(413, f"the table has over {MAX_TABLE_ROWS:,} rows; classify it with `ssup batch`",
                      f"Arkusz ma ponad {web_page.polish_number(MAX_TABLE_ROWS)} wierszy. "
                      "Taki plik sklasyfikuj poleceniem ssup batch.")
    if df.empty:
        raise Problem(422, f"{filename} has a header but no rows", f"Plik {filename} nie ma wierszy z danymi.")
    df.columns = [str(c).strip() for c in df.columns]
    return df, sep


def _app_class() -> Callable[..., FastAPI]:
    """FastAPI, or fastapi-offline's subclass that serves the /docs assets itself instead of
    from a CDN, so the API docs also work where the server has no internet access."""
    try:
        from fastapi_offline import FastAPIOffline
    except ImportError:
        return FastAPI
    return FastAPIOffline


def create_app(model_dir: str | Path | None = None) -> FastAPI:
    """The web application, with the model at ``model_dir`` (default: the bundled one) loaded now."""
    model = SSUPClassifier.load(model_dir)
    descriptors = load_descriptors()
    lock = threading.Lock()
    with contextlib.suppress(InvalidInputError):
        model.predict(EXAMPLE)  # warm up the lazily built lemmatizer before the first request
    logger.info("web: model loaded from %s", model.source)

    def predict(text: str, n_reasons: int = 8) -> Prediction:
        if not text.strip():
            raise Problem(422, "the text is empty; pass a job ad, a CV or a note in Polish",
                          "Wklej tekst ogłoszenia, CV lub notatki albo wybierz plik.")
        if len(text) > MAX_CHARS:
            raise Problem(422, f"the text has {len(text):,} characters, over the limit of {MAX_CHARS:,}; "
                          "pass one job ad or one CV at a time",
                          f"Tekst ma {web_page.polish_number(len(text))} znaków, a limit to "
                          f"{web_page.polish_number(MAX_CHARS)}. Wklej jedno ogłoszenie albo jedno CV.")
        with lock:
            try:
                return model.predict(text, n_reasons=n_reasons)
            except InvalidInputError as e:
                raise Problem(422, str(e), f"Nie da się sklasyfikować tego tekstu: {e}") from None

    def read_document(data: bytes, filename: str) -> str:
        from .documents import read_document_bytes
        from .errors import DocumentError  # type: ignore[attr-defined,unused-ignore]

        try:
            return read_document_bytes(data, filename).text
        except DocumentError as e:
            raise Problem(422, str(e), f"Nie da się odczytać pliku {filename}: {e}") from None

    def table_download(data: bytes, filename: str, column: str) -> Response:
        df, sep = read_table(data, filename)
        if column not in df.columns:
            cols = ", ".join(df.columns)
            raise Problem(422, f"column {column!r} not found; available: {cols} -- pass text_column",
                          f"Nie ma kolumny „{column}”. Dostępne kolumny: {cols}. Wpisz nazwę kolumny z tekstem.")
        with lock:
            try:
                out = classify_frame(model, df, [column])
            except DataError as e:
                raise Problem(422, str(e), f"Nie da się sklasyfikować arkusza: {e}") from None
        if Path(filename).suffix.lower() in (".xlsx", ".xlsm"):
            buf = io.BytesIO()
            out.to_excel(buf, index=False)
            body, media, suffix = buf.getvalue(), XLSX, ".xlsx"
        else:
            body, media, suffix = out.to_csv(index=False, sep=sep).encode("utf-8-sig"), "text/csv", ".csv"
        stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(filename).stem).strip("._")[:80] or "ssup"  # a safe header
        disposition = f'attachment; filename="{stem}_ssup{suffix}"'
        return Response(body, media_type=media, headers={"Content-Disposition": disposition})

    def as_json(pred: Prediction) -> dict[str, Any]:
        return dict(pred.to_dict(), level_name=descriptors.level(pred.level).name,
                    language=getattr(pred, "language", "pl"))

    def html(body: str, status: int = 200) -> HTMLResponse:
        return HTMLResponse(body, status, headers=web_page.HEADERS)

    def too_large(path: str) -> Response:
        if path.startswith("/api/"):
            return JSONResponse({"detail": f"the request is over the limit of {MAX_BODY_BYTES // 2**20} MB; "
                                           "send one document or a smaller table"}, 413)
        return html(web_page.render_page(error=web_page.too_large_message(MAX_BODY_BYTES), limits=LIMITS), 413)

    app = _app_class()(title="ssup-classifier", version="1", description=(
        "Polish job ads, CVs and notes -> SFIA Sales support (SSUP) level 1-6. Texts and uploads are processed "
        f"in memory and never stored or logged. Limits: {MAX_BODY_BYTES // 2**20} MB a request (413), "
        f"{MAX_CHARS:,} characters of text (422), {MAX_TABLE_ROWS:,} table rows (413)."))
    app.add_middleware(BodyLimit, max_bytes=MAX_BODY_BYTES, too_large=too_large)

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return JSONResponse({"detail": exc.detail}, exc.status)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index() -> HTMLResponse:
        return html(web_page.render_page(limits=LIMITS))

    @app.post("/classify", response_class=HTMLResponse, include_in_schema=False)
    async def classify_page(request: Request) -> Response:
        text, column = "", "text"
        try:
            form = await read_form(request)
            text, column = str(form.get("text", "")), str(form.get("text_column") or "text").strip()
            source = "wklejony tekst"
            if "file" in form:
                name, data = form["file"]
                if Path(name).suffix.lower() in TABLE_SUFFIXES:
                    return await run_in_threadpool(table_download, data, name, column)
                text, source = await run_in_threadpool(read_document, data, name), f"plik {name}"
            pred = await run_in_threadpool(predict, text)
            result = web_page.render_result(pred, descriptors, text, source)
            return html(web_page.render_page(text=text, result=result, column=column, limits=LIMITS))
        except Problem as p:
            return html(web_page.render_page(text=text, error=p.polish, column=column, limits=LIMITS), p.status)

    @app.post("/api/v1/classify", response_model=ClassifyResponse, responses=PROBLEMS)
    def api_classify(req: ClassifyRequest) -> dict[str, Any]:
        """Classify one text: level, probabilities, in-scope flag, confidence and the phrases behind the level."""
        return as_json(predict(req.text, req.reasons))

    @app.post("/api/v1/classify-file", openapi_extra=UPLOAD_SCHEMA, responses=FILE_RESPONSES)
    async def api_classify_file(request: Request) -> Any:
        """Classify an uploaded document (JSON back) or every row of a CSV/XLSX table (the file back)."""
        form = await read_form(request)
        if "file" not in form:
            raise Problem(422, "no file: send it in the multipart field 'file'")
        name, data = form["file"]
        if Path(name).suffix.lower() in TABLE_SUFFIXES:
            return await run_in_threadpool(table_download, data, name, str(form.get("text_column") or "text"))
        text = await run_in_threadpool(read_document, data, name)
        return dict(as_json(await run_in_threadpool(predict, text)), chars=len(text))

    @app.get("/healthz")
    def healthz() -> dict[str, Any]:
        """Liveness: the model is loaded and answers."""
        return {"status": "ok", "model": getattr(model.source, "name", None), "backend": model.processor.backend_name}

    return app
