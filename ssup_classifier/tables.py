"""Reading and writing tables in chunks: CSV (any common encoding and delimiter), XLSX, Parquet.

Readers yield :class:`Chunk` objects so memory stays flat however long the file is.
Writers write to a temporary file next to the destination and rename it only when
everything is written, so a failed run never leaves a half-written output behind.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import DataError

CSV_SUFFIXES = (".csv", ".tsv", ".txt")
XLSX_ROW_LIMIT = 1_048_576
MAX_CELL = 256 * 1024 * 1024
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


@dataclass
class Chunk:
    """Rows of a table (every row has exactly the header's width) and per-row problems."""

    rows: list[list[str]]
    errors: list[str]
    lines: list[int] = field(default_factory=list)  # where each row starts in the file (1-based)


class _CountingReader(io.RawIOBase):
    """Counts bytes read, so progress can be reported as a share of the file size."""

    def __init__(self, raw: Any) -> None:
        self.raw, self.count = raw, 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        n = self.raw.readinto(b)
        self.count += n or 0
        return n or 0


def sniff_csv(path: Path, encoding: str | None = None, delimiter: str | None = None) -> tuple[str, str]:
    """(encoding, delimiter) of a CSV file: UTF-8 with or without BOM, else Windows-1250."""
    with path.open("rb") as fh:
        head = fh.read(1 << 20)
    if not head.strip(b" \t\r\n\x00\xef\xbb\xbf"):
        raise DataError(f"{path} is empty; expected a header row and data rows")
    if encoding is None:
        if head.startswith(codecs.BOM_UTF8):
            encoding = "utf-8-sig"
        elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            encoding = "utf-16"
        else:
            try:
                codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
                encoding = "utf-8"
            except UnicodeDecodeError:
                encoding = "cp1250"
    try:
        text = head.decode(encoding, errors="replace")
    except LookupError:
        raise DataError(f"unknown encoding {encoding!r}; try utf-8, cp1250 or iso-8859-2") from None
    if delimiter is None:
        first = text.lstrip("\ufeff").split("\n", 1)[0]
        counts = {d: first.count(d) for d in (",", ";", "\t", "|")}
        delimiter = max(counts, key=lambda d: counts[d]) if max(counts.values()) else ","
    if len(delimiter) != 1:
        raise DataError(f"the delimiter must be one character, got {delimiter!r}")
    return encoding, delimiter


class TableReader:
    """Iterate a CSV or XLSX file in chunks of rows; ``columns`` is the header."""

    def __init__(self, path: str | Path, encoding: str | None = None, delimiter: str | None = None,
                 sheet: str | None = None) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise DataError(f"input file not found: {self.path}")
        self.kind = "xlsx" if self.path.suffix.lower() in (".xlsx", ".xlsm") else "csv"
        self.sheet = sheet
        self.size = self.path.stat().st_size
        self.done_fraction = 0.0
        if self.kind == "csv":
            self.encoding, self.delimiter = sniff_csv(self.path, encoding, delimiter)
        else:
            self.encoding, self.delimiter = "xlsx", ","
        self._iter = self._csv_rows() if self.kind == "csv" else self._xlsx_rows()
        try:
            header = next(self._iter)[1]
        except StopIteration:
            raise DataError(f"{self.path} is empty; expected a header row and data rows") from None
        self.columns = [c.strip().lstrip("\ufeff") if isinstance(c, str) else str(c) for c in header]
        if not any(self.columns):
            raise DataError(f"{self.path}: the first row (the header) is empty")
        dup = sorted({c for c in self.columns if self.columns.count(c) > 1})
        if dup:
            raise DataError(f"{self.path}: the header repeats column names {dup}; make them unique")

    def _csv_rows(self) -> Iterator[tuple[int, list[str]]]:
        raw = self.path.open("rb")
        counter = _CountingReader(raw)
        text = io.TextIOWrapper(io.BufferedReader(counter), encoding=self.encoding, newline="")
        reader = csv.reader(text, delimiter=self.delimiter)
        try:
            line = 1
            for row in reader:
                if row:
                    yield line, row
                line = reader.line_num + 1
                self.done_fraction = counter.count / max(self.size, 1)
        except UnicodeDecodeError:
            raise DataError(f"{self.path}: line {line} is not valid {self.encoding}; "
                            "pass --encoding (e.g. cp1250 for Polish Excel, iso-8859-2)") from None
        except csv.Error as e:
            raise DataError(f"{self.path}: line {line} cannot be read as CSV ({e})") from None
        finally:
            raw.close()

    def _xlsx_rows(self) -> Iterator[tuple[int, list[str]]]:
        try:
            import openpyxl
        except ImportError:
            raise DataError("reading .xlsx needs openpyxl: pip install openpyxl") from None
        try:
            wb = openpyxl.load_workbook(self.path, read_only=True, data_only=True)
        except Exception as e:  # openpyxl raises many types for broken files
            raise DataError(f"{self.path} is not a readable .xlsx workbook ({type(e).__name__})") from None
        try:
            ws = wb[self.sheet] if self.sheet else wb.worksheets[0]
        except KeyError:
            raise DataError(f"{self.path} has no sheet {self.sheet!r}; sheets: {', '.join(wb.sheetnames)}") from None
        total = max(ws.max_row or 1, 1)
        try:
            for n, values in enumerate(ws.iter_rows(values_only=True), 1):
                row = [_cell(v) for v in values]
                while row and row[-1] == "":
                    row.pop()
                if row:
                    yield n, row
                self.done_fraction = n / total
        finally:
            wb.close()

    def chunks(self, size: int = 2000) -> Iterator[Chunk]:
        width = len(self.columns)
        chunk = Chunk([], [], [])
        for line, row in self._iter:
            err = ""
            if len(row) < width:
                err = (f"line {line} has {len(row)} fields, the header has {width}; missing fields were left "
                       "empty -- check the delimiter and quoting")
                row = row + [""] * (width - len(row))
            elif len(row) > width:
                err = (f"line {line} has {len(row)} fields, the header has {width}; the extra fields were joined "
                       "into the last column -- check the delimiter and quoting")
                row = row[:width - 1] + [self.delimiter.join(row[width - 1:])]
            chunk.rows.append(row)
            chunk.errors.append(err)
            chunk.lines.append(line)
            if len(chunk.rows) >= size:
                yield chunk
                chunk = Chunk([], [], [])
        if chunk.rows:
            yield chunk


def _cell(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


class TableWriter:
    """Write rows to .csv, .xlsx or .parquet through a temporary file; ``commit`` renames it."""

    def __init__(self, dst: str | Path, columns: Sequence[str], delimiter: str = ",",
                 types: dict[str, str] | None = None) -> None:
        self.dst = Path(dst)
        self.columns = list(columns)
        self.kind = {".xlsx": "xlsx", ".parquet": "parquet"}.get(self.dst.suffix.lower(), "csv")
        self.types = types or {}
        self.rows = 0
        self.dst.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{self.dst.name}.", suffix=".part", dir=self.dst.parent)
        os.close(fd)
        self.tmp = Path(name)
        if self.kind == "csv":
            self._fh = self.tmp.open("w", encoding="utf-8-sig", newline="")
            self._csv = csv.writer(self._fh, delimiter=delimiter)
            self._csv.writerow(self.columns)
        elif self.kind == "xlsx":
            import openpyxl

            self._wb = openpyxl.Workbook(write_only=True)
            self._ws = self._wb.create_sheet("ssup")
            self._ws.append(self.columns)
        else:
            try:
                import pyarrow as pa
                import pyarrow.parquet as pq
            except ImportError:
                raise DataError("writing .parquet needs pyarrow: pip install pyarrow") from None
            kinds = {"int": pa.int64(), "float": pa.float64(), "bool": pa.bool_()}
            self._schema = pa.schema([(c, kinds.get(self.types.get(c, ""), pa.string())) for c in self.columns])
            self._pq = pq.ParquetWriter(self.tmp, self._schema)

    def write(self, rows: list[list[Any]]) -> None:
        self.rows += len(rows)
        if self.kind == "csv":
            self._csv.writerows(rows)
        elif self.kind == "xlsx":
            if self.rows >= XLSX_ROW_LIMIT:
                raise DataError(f"an .xlsx sheet holds at most {XLSX_ROW_LIMIT - 1:,} rows; write .csv or .parquet")
            for r in rows:
                self._ws.append([_XML_ILLEGAL.sub("", v) if isinstance(v, str) else v for v in r])
        else:
            import pyarrow as pa

            cols: list[tuple[Any, ...]] = list(zip(*rows)) if rows else [() for _ in self.columns]
            arrays = [pa.array([_typed(v, self.types.get(c)) for v in col], type=self._schema.field(c).type)
                      for c, col in zip(self.columns, cols)]
            self._pq.write_table(pa.Table.from_arrays(arrays, schema=self._schema))

    def commit(self) -> None:
        self._close()
        os.replace(self.tmp, self.dst)

    def abort(self) -> None:
        try:
            self._close()
        finally:
            self.tmp.unlink(missing_ok=True)

    def _close(self) -> None:
        if self.kind == "csv":
            if not self._fh.closed:
                self._fh.close()
        elif self.kind == "xlsx":
            if self._wb is not None:
                self._wb.save(self.tmp)
                self._wb = None
        elif self._pq is not None:
            self._pq.close()
            self._pq = None


def _typed(v: Any, kind: str | None) -> Any:
    if v == "" or v is None:
        return None
    if kind == "bool":
        return v == "true" if isinstance(v, str) else bool(v)
    return v
