"""Cell safety for every CSV and XLSX the terminal writes (the 差评 ledger, statistics,
`ratings export`). Citizens and staff type the text in these files; a spreadsheet must
show it, never run it.

As OWASP recommends against formula (CSV) injection: a text cell starting with = + - @,
a tab or a carriage return gets a leading single quote, so Excel, WPS and LibreOffice read
it as text; the csv module quotes separators and doubles quotes. XLSX text cells are also
stored as strings explicitly (openpyxl would otherwise store a leading = as a formula).
Numbers, dates and booleans are values, not text: they pass unchanged.
"""
import csv
from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(values: Iterable) -> list:
    return [safe_cell(v) for v in values]


class SafeCsvWriter:
    """csv.writer with every cell made safe."""

    def __init__(self, out, **kwargs):
        self._writer = csv.writer(out, **kwargs)

    def writerow(self, values: Iterable) -> None:
        self._writer.writerow(safe_row(values))

    def writerows(self, rows: Iterable[Iterable]) -> None:
        for row in rows:
            self.writerow(row)


def xlsx_append(sheet, values: Iterable) -> None:
    """Appends a row to an openpyxl worksheet with text kept as text."""
    sheet.append(safe_row(values))
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"
