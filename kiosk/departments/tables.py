"""Rows of a hall's CSV or XLSX export, streamed one at a time (no database, no Flask).

Halls export from Excel, so a CSV is often GBK: a file that is not valid UTF-8 is read as
GB 18030 (a superset of GBK). An XLSX is read in openpyxl's read-only mode, row by row;
a formula is kept as the text of the formula, never evaluated. Headers are matched through
the names halls' exports use (ALIASES in the importer), ignoring spaces, "*" marks and
full-width brackets.
"""
import codecs
import csv
import io
from collections.abc import Iterator
from pathlib import Path

CHUNK = 1 << 16
FALLBACK_ENCODING = "gb18030"


HEADER_SEARCH_ROWS = 10  # title rows an export may put above its header


class TableError(ValueError):
    """The file as a whole cannot be read (not one row's problem); `fields` lists the
    required columns not found."""

    def __init__(self, reason: str, fields: list[str] | None = None):
        super().__init__(reason)
        self.reason = reason
        self.fields = fields or []


def normalise_header(text) -> str:
    text = "" if text is None else str(text)
    for old, new in (("（", "("), ("）", ")"), ("*", ""), (" ", ""), ("\u3000", ""),
                     ("\ufeff", "")):
        text = text.replace(old, new)
    return text.strip()


def cell_text(value) -> str:
    """A cell as the text a person sees typed in it; numbers without a trailing .0."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def csv_encoding(path: Path) -> str:
    """utf-8-sig when the whole file decodes as UTF-8, else GB 18030; read in chunks."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with open(path, "rb") as f:
            while chunk := f.read(CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return FALLBACK_ENCODING
    return "utf-8-sig"


def _csv_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    encoding = csv_encoding(path)
    with open(path, encoding=encoding, newline="") as f:
        sample = f.read(4096)
        f.seek(0)
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
        except csv.Error:
            dialect = csv.excel
        reader = csv.reader(f, dialect)
        start = 1
        for cells in reader:
            yield start, cells
            start = reader.line_num + 1


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises several kinds for a file that is not XLSX
        raise TableError("not_xlsx") from exc
    try:
        sheet = workbook.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [cell_text(v) for v in values]
    finally:
        workbook.close()


def read_table(path, wanted: dict[str, tuple[str, ...]], required: tuple[str, ...]
               ) -> Iterator[tuple[int, dict]]:
    """(line number, {field: text}) for each non-empty data row.

    `wanted` maps our field names to the header names accepted for them. The header is the
    first row naming every required field (an export's title rows above it are skipped).
    Raises TableError("unknown_format" | "empty" | "missing_columns") for a file that
    cannot be read as a whole.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        rows = _csv_rows(path)
    elif suffix in (".xlsx", ".xlsm"):
        rows = _xlsx_rows(path)
    else:
        raise TableError("unknown_format")
    header, seen = None, 0
    for line, cells in rows:
        if not any(c.strip() for c in cells if c):
            continue
        if header is None:
            mapped = _map_header(cells, wanted)
            seen += 1
            if all(f in mapped for f in required):
                header = mapped
            elif seen >= HEADER_SEARCH_ROWS:
                raise TableError("missing_columns", [f for f in required if f not in mapped])
            continue
        yield line, {field: (cells[i].strip() if i < len(cells) and cells[i] else "")
                     for field, i in header.items()}
    if header is None:
        raise TableError("empty" if seen == 0 else "missing_columns", list(required))


def _map_header(cells: list[str], wanted: dict[str, tuple[str, ...]]) -> dict[str, int]:
    """Column of each field; of several matching columns, the one named by the earlier alias."""
    names = [normalise_header(c) for c in cells]
    position = {}
    for field, aliases in wanted.items():
        for alias in aliases:
            alias = normalise_header(alias)
            if alias in names:
                position[field] = names.index(alias)
                break
    return position


def write_csv_template(headers: list[str], example: list[str]) -> bytes:
    """A CSV template in UTF-8 with BOM (Excel opens it with the right characters)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerow(example)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def write_xlsx_template(headers: list[str], example: list[str], title: str) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    sheet.append(headers)
    sheet.append(example)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
