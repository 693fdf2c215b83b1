"""Excel workbooks (openpyxl): the 一览表 drawn from the same grid as the HTML, and tables of
rows (register, summaries) with real cells.

Every cell goes through `safe_cell`, which writes with the project's one helper against
formula injection (audit.excel.set_cell): a value starting with = + - @ (or a tab / carriage
return) is stored as text, never as a formula, so a risk point typed as "=HYPERLINK(…)" cannot
run when an inspector opens the file.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.cell.cell import Cell as XlCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from audit.excel import set_cell
from reports.layouts import BLANK_DATE, FormSheet, SignField

SERIF = "Noto Serif CJK SC"
SANS = "Noto Sans CJK SC"
_thin = Side(style="thin", color="000000")
BORDER = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
WRAP = Alignment(wrap_text=True, vertical="center")
CENTER = Alignment(wrap_text=True, vertical="center", horizontal="center")
HEAD_FILL = PatternFill("solid", fgColor="F2F2F2")


def safe_cell(ws: Worksheet, row: int, column: int, value: object) -> XlCell:
    """Write a value; text that a spreadsheet would read as a formula is kept as text."""
    cell = ws.cell(row=row, column=column)
    set_cell(cell, value)
    return cell


def workbook_bytes(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _fields_text(fields: Sequence[SignField]) -> str:
    parts = []
    for f in fields:
        value = f.value or (BLANK_DATE if f.is_date else "　" * 6)
        parts.append(f"{f.label}：{value}")
    return "　　　　".join(parts)


def write_sheet(ws: Worksheet, sheet: FormSheet) -> None:
    """Draw a FormSheet: title lines, the grid with merged cells, signature lines."""
    n = sheet.n_columns
    total = sum(sheet.columns)
    for i, width in enumerate(sheet.columns, 1):
        ws.column_dimensions[get_column_letter(i)].width = round(width / total * 105, 1)

    row = 1

    def line(text: str, *, size: float = 10.5, bold: bool = False, align: str = "center") -> None:
        nonlocal row
        cell = safe_cell(ws, row, 1, text)
        cell.font = Font(name=SERIF, size=size, bold=bold)
        cell.alignment = Alignment(horizontal=align, vertical="center", wrap_text=True)
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=n)
        row += 1

    line(sheet.title, size=16, bold=True)
    line(sheet.subtitle, size=12)
    if sheet.draft:
        line("草稿（尚未备案）", bold=True)
    line(sheet.meta, size=8, align="right")
    if sheet.top_fields:
        line(_fields_text(sheet.top_fields), align="left")

    occupied: set[tuple[int, int]] = set()
    for grid_row in sheet.rows:
        col = 1
        for c in grid_row:
            while (row, col) in occupied:
                col += 1
            cell = safe_cell(ws, row, col, c.text + (f"\n{c.note}" if c.note else ""))
            cell.border = BORDER
            if c.kind in ("label", "head"):
                cell.font = Font(name=SANS, size=10.5, bold=c.kind == "head")
                cell.alignment = CENTER
                if c.kind == "head":
                    cell.fill = HEAD_FILL
            else:
                cell.font = Font(name=SERIF, size=10.5)
                cell.alignment = WRAP
            end_row, end_col = row + c.rowspan - 1, col + c.colspan - 1
            for r in range(row, end_row + 1):
                for cc in range(col, end_col + 1):
                    occupied.add((r, cc))
                    ws.cell(row=r, column=cc).border = BORDER
            if c.rowspan > 1 or c.colspan > 1:
                ws.merge_cells(start_row=row, start_column=col, end_row=end_row, end_column=end_col)
            col = end_col + 1
        lines = max((_line_count(c) for c in grid_row if c.rowspan == 1), default=1)
        ws.row_dimensions[row].height = max(22, 15 * lines)
        row += 1
    # Rows made only of cells continued from above still need a height.
    if sheet.bottom_fields:
        row += 1
        line(_fields_text(sheet.bottom_fields), align="left")
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True


def _line_count(c) -> int:
    # A rough estimate: ~ (column share × 105) / 2 Chinese characters per line.
    text = c.text + ("\n" + c.note if c.note else "")
    chars_per_line = max(6, 9 * c.colspan)
    return sum(max(1, -(-len(part) // chars_per_line)) for part in text.split("\n"))


def form_workbook(sheet: FormSheet, *, sheet_title: str = "一览表") -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title[:31]
    write_sheet(ws, sheet)
    return workbook_bytes(wb)


def write_table(
    ws: Worksheet,
    *,
    title: str,
    subtitle: str = "",
    headers: Sequence[str],
    widths: Sequence[float],
    rows: Iterable[Sequence[object]],
) -> int:
    """A titled table of plain cells with a header row, filters and frozen panes. Returns the
    number of data rows written."""
    n = len(headers)
    safe_cell(ws, 1, 1, title).font = Font(name=SERIF, size=14, bold=True)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=n)
    ws.cell(row=1, column=1).alignment = Alignment(horizontal="center")
    safe_cell(ws, 2, 1, subtitle).font = Font(name=SERIF, size=9)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=n)
    for i, (header, width) in enumerate(zip(headers, widths, strict=True), 1):
        cell = safe_cell(ws, 3, i, header)
        cell.font = Font(name=SANS, bold=True)
        cell.fill = HEAD_FILL
        cell.border = BORDER
        cell.alignment = CENTER
        ws.column_dimensions[get_column_letter(i)].width = width
    r = 3
    for r, values in enumerate(rows, 4):
        for c, value in enumerate(values, 1):
            cell = safe_cell(ws, r, c, value)
            cell.border = BORDER
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A4"
    ws.auto_filter.ref = f"A3:{get_column_letter(n)}{max(r, 3)}"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    return r - 3
