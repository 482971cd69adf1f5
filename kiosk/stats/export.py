"""Any statistics table as CSV or XLSX: headers plus rows of plain values, cells made safe
(kiosk/exports.py)."""
import io

from kiosk.exports import SafeCsvWriter, xlsx_append


def to_csv(headers: list[str], rows: list[list]) -> bytes:
    out = io.StringIO()
    writer = SafeCsvWriter(out)
    writer.writerow(headers)
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: Excel opens UTF-8 correctly


def to_xlsx(headers: list[str], rows: list[list], title: str) -> bytes:
    return to_xlsx_book([(title, headers, rows)])


def to_xlsx_book(sheets: list[tuple[str, list[str], list[list]]]) -> bytes:
    """One sheet per (title, headers, rows)."""
    from openpyxl import Workbook
    book = Workbook()
    book.remove(book.active)
    for title, headers, rows in sheets:
        sheet = book.create_sheet(title[:31])
        xlsx_append(sheet, headers)
        for row in rows:
            xlsx_append(sheet, row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
