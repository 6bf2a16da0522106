"""Text out of CV and job-ad files: PDF, DOCX, ODT, plain text, Markdown and HTML.

:func:`read_document` reads a file, :func:`read_document_bytes` an upload held in memory;
both return a :class:`Document` or raise :class:`~ssup_classifier.errors.DocumentError`
with a message that names the file and says what to do. Nothing here logs or stores the
extracted text (``repr(document)`` leaves it out too): CVs hold personal data.

Files over :data:`MAX_BYTES` (20 MB) are refused before they are read: a text CV is far
smaller, and a bigger file is almost always a scan, which has no text to read anyway.
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import DocumentError
from .textfiles import html_text, plain_text

logger = logging.getLogger(__name__)

MAX_BYTES = 20 * 1024 * 1024
# Unpacked size of a DOCX/ODT (a ZIP archive) above which it is refused: a guard against zip bombs.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024

KINDS: dict[str, str] = {".pdf": "pdf", ".docx": "docx", ".odt": "odt", ".txt": "text", ".md": "text",
                         ".html": "html", ".htm": "html"}
SUPPORTED_SUFFIXES: tuple[str, ...] = tuple(KINDS)
# Suffixes that are not plain text: `ssup classify --file` reads these through this module.
DOCUMENT_SUFFIXES: tuple[str, ...] = (".pdf", ".docx", ".odt", ".html", ".htm")
_IMAGES = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".gif", ".heic", ".webp")
_ADVICE = {
    **dict.fromkeys(_IMAGES, "it is an image, a photo or a scan: run OCR on it first, "
                             "or ask for the CV as PDF or DOCX"),
    ".doc": "it is an old Word 97-2003 file; open it in Word or LibreOffice and save it as .docx or PDF",
    ".rtf": "open it in Word or LibreOffice and save it as .docx or PDF",
    ".pages": "export it from Pages as .docx or PDF",
    ".xlsx": "it is a spreadsheet; for a table of ads use: ssup batch FILE --text-column COLUMN",
    ".csv": "it is a table; for a table of ads use: ssup batch FILE --text-column COLUMN",
}
UNSUPPORTED_SUFFIXES: tuple[str, ...] = tuple(s for s in _ADVICE if s not in (".xlsx", ".csv"))

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .doc files and password-protected Office files
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u00ad\ufeff]")
_BLANK_LINES = re.compile(r"\n[ \t]*(?:\n[ \t]*){2,}")
_HYPHEN_BREAK = re.compile(r"(?<=[^\W\d_])-\n(?=[a-ząćęłńóśźż])")


@dataclass(frozen=True)
class Document:
    """Text extracted from one file. ``name`` is the path or file name the caller gave."""

    name: str
    kind: str  # "pdf", "docx", "odt", "text" or "html"
    text: str = field(repr=False)
    chars: int = 0


def read_document(path: str | Path, other_as_text: bool = False) -> Document:
    """Read the text of a PDF, DOCX, ODT, TXT, MD or HTML file.

    ``other_as_text`` reads a file with any other name (``notes``, ``ad.text``) as plain text
    instead of refusing it; known non-text types (images, .doc, spreadsheets) are still refused.
    """
    path = Path(path)
    name = str(path)
    if not (other_as_text and path.suffix.lower() not in _ADVICE):
        _check_suffix(name, path.suffix.lower())
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise DocumentError(f"{name} is a folder; pass a file (ssup batch-files reads whole folders)")
        _check_size(name, size)
        data = path.read_bytes()
    except FileNotFoundError:
        raise DocumentError(f"file not found: {name}") from None
    except PermissionError:
        raise DocumentError(f"{name}: permission denied; check that you may read this file") from None
    except OSError as e:
        raise DocumentError(f"cannot read {name}: {e.strerror or e}") from None
    return _parse(data, name, path.suffix.lower())


def read_document_bytes(data: bytes, filename: str) -> Document:
    """Read the text of an uploaded file held in memory; ``filename`` gives its type."""
    suffix = Path(filename).suffix.lower()
    _check_suffix(filename, suffix)
    _check_size(filename, len(data))
    return _parse(bytes(data), filename, suffix)


def _check_suffix(name: str, suffix: str) -> None:
    if suffix in KINDS:
        return
    what = f"{suffix} files" if suffix else "files without an extension"
    advice = _ADVICE.get(suffix, "save it as PDF, DOCX, ODT or TXT")
    raise DocumentError(f"{name}: {what} are not supported -- {advice} "
                        f"(supported: {', '.join(SUPPORTED_SUFFIXES)})")


def _check_size(name: str, size: int) -> None:
    if size > MAX_BYTES:
        raise DocumentError(f"{name} is {size / 1024 / 1024:.1f} MB, over the limit of {MAX_BYTES // 1024 // 1024} MB "
                            "for one document; a CV this big is usually a scan -- pass a text PDF, DOCX or TXT")
    if size == 0:
        raise DocumentError(f"{name} is empty (0 bytes); it was probably not saved or copied completely")


def _parse(data: bytes, name: str, suffix: str) -> Document:
    expected = KINDS.get(suffix, "text")
    if Path(name).name.startswith("~$") and len(data) < 4096:
        raise DocumentError(f"{name} is a lock file that Word or LibreOffice leaves while a document is open, "
                            "not a CV; skip it (ssup batch-files skips these in folders)")
    found = _sniff(data, suffix)
    if found == "ole":
        raise DocumentError(
            f"{name} is password-protected or an old Word .doc file saved under another name; "
            "open it in Word or LibreOffice, remove the password if there is one, and save it as .docx or PDF")
    if found is None and expected in ("pdf", "docx", "odt"):
        raise DocumentError(
            f"{name} is not {'an' if expected == 'odt' else 'a'} {expected.upper()} file although it is named "
            f"{suffix}: it is damaged, or a file of "
            "another type was renamed; open it in its program and save it again as PDF, DOCX, ODT or TXT")
    kind = found or expected
    if kind != expected:
        logger.debug("%s is named %s but holds a %s file", name, suffix, kind)
    if kind == "pdf":
        text = _pdf_text(data, name)
    elif kind == "zip":
        kind, text = _zip_text(data, name, expected)
    elif kind == "html":
        text = html_text(data, name)
    else:
        text = plain_text(data, name)
    text = _clean(text)
    if kind == "pdf":  # words hyphenated at a line end: "sprze-\ndaży" -> "sprzedaży"
        text = _HYPHEN_BREAK.sub("", text)
    if not any(ch.isalpha() for ch in text):
        raise DocumentError(f"{name} contains no text; check that it is the right file")
    return Document(name=name, kind=kind, text=text, chars=len(text))


def _sniff(data: bytes, suffix: str) -> str | None:
    """The real type of binary content, whatever the file is called (None: no known signature)."""
    if data.startswith(b"%PDF-") or (suffix == ".pdf" and b"%PDF-" in data[:1024]):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return "zip"
    if data.startswith(_OLE):
        return "ole"
    return None


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _CONTROL.sub("", text.replace("\xa0", " "))
    return _BLANK_LINES.sub("\n\n", "\n".join(line.rstrip() for line in text.split("\n"))).strip()


_FORMATS = {"docx": "a Word document (DOCX)", "odt": "an OpenDocument text (ODT)"}


def _detail(e: BaseException) -> str:
    text = str(e.args[0] if isinstance(e, KeyError) and e.args else e).strip()
    return f"{type(e).__name__}: {text[:80]}" if text else type(e).__name__


def _damaged(name: str, what: str, detail: object) -> DocumentError:
    return DocumentError(
        f"{name} is damaged or truncated: its binary content cannot be read as {what} ({detail}); "
        "open it in its program and save it again, or ask for the file again")


def _require(module: str, package: str, what: str) -> None:
    """Fail with the install command when an optional reader library is missing."""
    try:
        __import__(module)
    except ImportError:
        raise DocumentError(f"reading {what} files needs {package}: pip install \"ssup-classifier[documents]\" "
                            "(or pip install \".[documents]\" in a checkout)") from None


# -- PDF ---------------------------------------------------------------------------------------
def _pdf_text(data: bytes, name: str) -> str:
    _require("pypdf", "pypdf", "PDF")
    import pypdf
    from pypdf.errors import DependencyError, FileNotDecryptedError

    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            opened: object
            try:
                opened = reader.decrypt("")  # many PDFs only restrict printing or copying
            except NotImplementedError:
                opened = 0
            if not opened:
                raise FileNotDecryptedError("a password is needed")
        pages = list(reader.pages)
        texts = [page.extract_text() or "" for page in pages]
    except FileNotDecryptedError:
        raise DocumentError(
            f"{name} is an encrypted (password-protected) PDF; open it with the password and save or "
            "print it to a new PDF without protection, then try again") from None
    except DependencyError:  # AES without the optional `cryptography` package
        raise DocumentError(
            f"{name} is an encrypted PDF (AES); if it opens without a password, install the cryptography package "
            "(pip install cryptography) and try again, otherwise save a copy without the password") from None
    except Exception as e:  # pypdf raises PdfReadError, but also zlib, struct, Key- and ValueErrors on broken files
        logger.debug("pypdf cannot read %s", name, exc_info=True)
        raise _damaged(name, "a PDF", _detail(e)) from None
    text = "\n\n".join(t.strip() for t in texts)
    letters = sum(ch.isalpha() for ch in text)
    if letters == 0:
        images = sum(_page_has_image(p) for p in pages)
        if not pages:
            raise _damaged(name, "a PDF", "no pages")
        if images:
            raise DocumentError(
                f"{name} has no text layer, only scanned images ({len(pages)} page{'s' * (len(pages) > 1)}): OCR "
                f"is needed. Run it through OCR (e.g. ocrmypdf --language pol \"{Path(name).name}\" out.pdf) "
                "or ask for a text PDF or DOCX")
        pages_hold = "its page holds" if len(pages) == 1 else f"its {len(pages)} pages hold"
        raise DocumentError(f"{name} has no text: {pages_hold} no text and no images (blank, drawings only, "
                            "or damaged); check that it is the right file")
    junk = sum(ch == "\ufffd" or "\ue000" <= ch <= "\uf8ff" for ch in text)
    if junk > letters:
        raise DocumentError(f"{name}: the PDF's text layer cannot be decoded (its fonts have no Unicode map); "
                            "run OCR on it, or export the PDF again from the original document")
    return text


def _page_has_image(page: Any) -> bool:
    try:
        xobjects = page["/Resources"].get_object().get("/XObject")
        if xobjects is None:
            return False
        return any(x.get_object().get("/Subtype") == "/Image" for x in xobjects.get_object().values())
    except Exception:  # a malformed resource dictionary just means "no image found"
        return False


# -- DOCX and ODT (ZIP archives) ----------------------------------------------------------------
def _zip_text(data: bytes, name: str, expected: str) -> tuple[str, str]:
    """(kind, text) of a DOCX or ODT, whatever its file name says."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        names = set(zf.namelist())
        unpacked = sum(i.file_size for i in zf.infolist())
    except Exception as e:  # BadZipFile mostly; NotImplementedError, ValueError... when the index is scrambled
        raise _damaged(name, _FORMATS.get(expected, "DOCX or ODT"), _detail(e)) from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise DocumentError(f"{name} says it unpacks to {unpacked / 1024 / 1024:.0f} MB, over the limit of "
                            f"{MAX_UNPACKED_BYTES // 1024 // 1024} MB: it is damaged, or too big for one CV; "
                            "save the text as a smaller DOCX, PDF or TXT")
    try:
        if "word/document.xml" in names:
            return "docx", _docx_text(data)
        if "content.xml" in names:
            manifest = zf.read("META-INF/manifest.xml") if "META-INF/manifest.xml" in names else b""
            if b"encryption-data" in manifest:
                raise DocumentError(f"{name} is a password-protected ODT document; open it in LibreOffice, "
                                    "save it without the password, then try again")
            return "odt", _odt_text(data)
    except DocumentError:
        raise
    except Exception as e:  # python-docx, odfpy, zipfile and zlib raise many types for broken files
        logger.debug("cannot parse %s", name, exc_info=True)
        raise _damaged(name, _FORMATS.get(expected, "DOCX or ODT"), _detail(e)) from None
    if "xl/workbook.xml" in names:
        raise DocumentError(f"{name} is an Excel workbook; for a table of ads use: ssup batch FILE --text-column COL")
    raise DocumentError(f"{name} is a ZIP archive but not a Word (DOCX) or OpenDocument (ODT) text; "
                        "save the CV as DOCX, ODT or PDF")


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"


def _docx_text(data: bytes) -> str:
    """Every paragraph in document order: body, tables and text boxes (CVs often use all three)."""
    _require("docx", "python-docx", "DOCX")
    import docx

    doc = docx.Document(io.BytesIO(data))
    lines: list[str] = []
    for section in doc.sections:
        lines += [p.text for p in section.header.paragraphs]
    body = doc.element.body
    skip: set[Any] = set()
    for fb in body.iter(_MC_FALLBACK):  # text boxes appear twice: modern markup and a VML fallback
        skip.update(fb.iter(f"{_W}p"))
    for p in body.iter(f"{_W}p"):
        if p in skip:
            continue
        parts: list[str] = []
        for el in p.iter(f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}cr"):
            if next(el.iterancestors(f"{_W}p"), None) is not p:
                continue  # the text of a text box inside this paragraph: read as its own paragraph
            parts.append((el.text or "") if el.tag == f"{_W}t" else "\t" if el.tag == f"{_W}tab" else "\n")
        lines.append("".join(parts))
    return "\n".join(lines)


def _odt_text(data: bytes) -> str:
    _require("odf", "odfpy", "ODT")
    from odf import teletype
    from odf.namespaces import TEXTNS
    from odf.opendocument import load

    doc = load(io.BytesIO(data))
    blocks = {(TEXTNS, "p"), (TEXTNS, "h")}

    def walk(node: Any) -> Iterator[str]:
        if getattr(node, "qname", None) in blocks:
            yield teletype.extractText(node)
            return
        for child in getattr(node, "childNodes", ()):
            yield from walk(child)

    return "\n".join(walk(doc.text))
