"""`ssup batch-files`: classify a folder of CVs or ads (PDF, DOCX, ODT, TXT, MD, HTML) into one table.

One output row per file, in a stable order (the arguments in turn; inside a folder, every
file sorted by path): ``path``, ``chars`` (characters extracted), ``ssup_language``, then
the batch output contract (``ssup_level`` ... ``ssup_error``). A file that cannot be read
gets its error in its row and the run goes on. Extracted text is written nowhere unless
``--save-text DIR`` asks for it.
"""

from __future__ import annotations

import argparse
import glob
import logging
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from .errors import DataError

logger = logging.getLogger(__name__)

COLUMNS: tuple[str, ...] = ("path", "chars", "ssup_language")
OUTPUT_SUFFIXES = (".csv", ".xlsx", ".parquet")
_JUNK = {"thumbs.db", "desktop.ini"}
_CHUNK = 32  # files read and classified together
_SHOW_ERRORS = 20


def register(sub: Any) -> None:
    """Add this module's sub-commands to the `ssup` parser."""
    d = sub.add_parser("batch-files", help="classify PDF/DOCX/ODT/TXT files or whole folders into one .csv/.xlsx",
                       description="Classify CVs or job ads stored as files: one output row per file.")
    d.add_argument("input", nargs="+", help="files, folders (every file inside, subfolders too) or globs "
                                            "such as 'cvs/*.pdf'")
    d.add_argument("-o", "--output", required=True, help="output table: .csv or .xlsx (or .parquet)")
    d.add_argument("--force", action="store_true", help="overwrite an existing output file")
    d.add_argument("--save-text", metavar="DIR", help="also write each extracted text to DIR/<file name>.txt "
                                                      "(off by default: CVs hold personal data)")
    d.add_argument("--quiet", "-q", action="store_true", help="no progress line")
    d.add_argument("--model", "-m", help="model directory (default: the bundled model)")
    d.set_defaults(func=_cmd_batch_files)


def _skipped(path: Path, root: Path) -> bool:
    """Hidden files, Office lock files (~$cv.docx) and OS clutter found inside a folder."""
    parts = path.relative_to(root).parts
    return any(p.startswith((".", "~$")) for p in parts) or path.name.lower() in _JUNK


def collect_files(inputs: Sequence[str], exclude: Iterable[Path] = ()) -> list[Path]:
    """Files named by ``inputs`` (files, folders, globs) in a stable order, each once."""
    excluded = [p.resolve() for p in exclude]

    def wanted(f: Path) -> bool:
        r = f.resolve()
        return not any(r == e or e in r.parents for e in excluded)

    out: list[Path] = []
    seen: set[Path] = set()
    for arg in inputs:
        p = Path(arg)
        found: list[Path]
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.is_file() and not _skipped(f, p))
            if not found:
                raise DataError(f"the folder {arg} has no files")
        elif p.exists():
            found = [p]
        elif any(ch in arg for ch in "*?["):
            found = []
            for h in map(Path, sorted(glob.glob(arg, recursive=True))):
                if h.is_dir():
                    found += sorted(f for f in h.rglob("*") if f.is_file() and not _skipped(f, h))
                elif h.is_file() and not _skipped(h, h.parent):
                    found.append(h)
            if not found:
                raise DataError(f"no file matches {arg!r}")
        else:
            raise DataError(f"no such file or folder: {arg}")
        for f in found:
            key = f.resolve()
            if key not in seen and wanted(f):
                seen.add(key)
                out.append(f)
    if not out:
        raise DataError("no input files left to classify (the output and --save-text folder are skipped)")
    return out


def _save_name(path: Path, used: set[str]) -> str:
    name, k = f"{path.name}.txt", 1
    while name.lower() in used:
        k += 1
        name = f"{path.stem}-{k}{path.suffix}.txt"
    used.add(name.lower())
    return name


def _cmd_batch_files(args: argparse.Namespace) -> int:
    from .batch import OUTPUT_COLUMNS, OUTPUT_TYPES, classify_cells
    from .config import LEVELS
    from .documents import read_document
    from .errors import DocumentError
    from .language import detect_language
    from .model import SSUPClassifier
    from .tables import TableWriter

    dst = Path(args.output)
    if dst.suffix.lower() not in OUTPUT_SUFFIXES:
        raise DataError(f"cannot write {dst.suffix or 'files without an extension'}; use -o results.csv or .xlsx")
    if dst.is_dir():
        raise DataError(f"{dst} is a folder; give an output file such as {dst / 'results.csv'}")
    if dst.exists() and not args.force:
        raise DataError(f"{dst} already exists; pass --force to overwrite it")
    save_dir = Path(args.save_text) if args.save_text else None
    if save_dir is not None and save_dir.exists() and not save_dir.is_dir():
        raise DataError(f"--save-text {save_dir} is a file; give a folder")
    files = collect_files(args.input, exclude=[dst, *([save_dir] if save_dir else [])])
    if not args.verbose:  # pypdf's notes on broken files would only add noise; -v shows them
        logging.getLogger("pypdf").setLevel(logging.CRITICAL)
    model = SSUPClassifier.load(args.model)
    if save_dir is not None:
        save_dir.mkdir(parents=True, exist_ok=True)
    show = sys.stderr.isatty() and not args.quiet
    writer = TableWriter(dst, [*COLUMNS, *OUTPUT_COLUMNS], types={**OUTPUT_TYPES, "chars": "int"})
    per_level = {k: 0 for k in LEVELS}
    problems: list[str] = []
    foreign: list[str] = []
    used: set[str] = set()
    out_of_scope = 0
    t0 = time.perf_counter()
    try:
        for start in range(0, len(files), _CHUNK):
            batch = files[start:start + _CHUNK]
            texts: list[str] = []
            errors: list[str] = []
            chars: list[int | str] = []
            for i, f in enumerate(batch, start + 1):
                if show:
                    print(f"\r\033[Kreading {i}/{len(files)}: {f.name[:60]}", end="", file=sys.stderr, flush=True)
                try:
                    doc = read_document(f)
                    texts.append(doc.text)
                    errors.append("")
                    chars.append(doc.chars)
                    if save_dir is not None:
                        (save_dir / _save_name(f, used)).write_text(doc.text, encoding="utf-8")
                except DocumentError as e:
                    texts.append("")
                    errors.append(str(e))
                    chars.append("")
                except Exception as e:  # a bug in a parser must not stop the other files
                    logger.debug("reading %s failed", f, exc_info=True)
                    texts.append("")
                    errors.append(f"{f}: unexpected error while reading ({type(e).__name__}); "
                                  "run with -v for details and report it")
                    chars.append("")
            cells = classify_cells(model, texts, errors)
            rows = []
            for f, text, n, cell in zip(batch, texts, chars, cells):
                language = detect_language(text) if text else ""
                rows.append([str(f), n, language, *cell])
                if cell[-1]:
                    msg = cell[-1]
                    problems.append(msg if msg.startswith(str(f)) else f"{f}: {msg}")
                else:
                    per_level[cell[0]] += 1
                    out_of_scope += cell[2] == "false"
                    if language != "pl":
                        foreign.append(f"{f}: {'English' if language == 'en' else 'not Polish'} -- classified, "
                                       "but the model reads Polish; check the result by hand")
            writer.write(rows)
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    finally:
        if show:
            print("\r\033[K", end="", file=sys.stderr, flush=True)
    seconds = time.perf_counter() - t0
    done = sum(per_level.values())
    levels = ", ".join(f"{k}: {v}" for k, v in per_level.items())
    print(f"{len(files):,} files in {seconds:.1f}s: {done:,} classified (levels {levels}; out of scope "
          f"{out_of_scope:,}), {len(problems):,} with errors, {len(foreign):,} not in Polish; written to {dst}"
          + (f"; texts saved in {save_dir}" if save_dir else ""), file=sys.stderr)
    notes = [*problems, *foreign]
    for line in notes[:_SHOW_ERRORS]:
        print(f"  {line}", file=sys.stderr)
    if len(notes) > _SHOW_ERRORS:
        print(f"  ... and {len(notes) - _SHOW_ERRORS:,} more: see the ssup_error and ssup_language columns",
              file=sys.stderr)
    return 0
