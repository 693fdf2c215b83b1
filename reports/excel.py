"""Excel workbooks (openpyxl): the 一览表 drawn from the same grid as the HTML, and tables of
rows (register, summaries) with real cells, that print as they are.

- Every cell goes through `safe_cell`, which writes with the project's one helper against
  formula injection (audit.excel.set_cell): a value starting with = + - @ (or a tab / carriage
  return) is stored as text, never as a formula, so a risk point typed as "=HYPERLINK(…)"
  cannot run when an inspector opens the file.
- Cells take shared named styles (`STYLES`, registered once per workbook): no font, border or
  alignment object is made per cell, and one CJK font is used throughout.
- Every sheet prints (`print_setup`): its header rows repeat on each page, a print area, one
  page wide (landscape when wide), and the footer "第 &P 页 共 &N 页".
- Row heights come from the text's length and the column widths (`row_height`), never above
  Excel's 409 pt: a longer cell continues on the next rows of the same block.
- Dates are date cells (`yyyy年m月d日`).
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Iterable, Sequence
from copy import copy

from openpyxl import Workbook
from openpyxl.cell.cell import Cell as XlCell
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from audit.excel import is_formula_like, set_cell
from reports.layouts import BLANK_DATE, FormSheet, SignField

# One CJK font for every cell (the Normal style included, so empty cells match).
FONT = "Noto Sans CJK SC"
FONT_SIZE = 10.5
DATE_FORMAT = 'yyyy"年"m"月"d"日"'
FOOTER = "第 &P 页 共 &N 页"
MAX_ROW_HEIGHT = 409  # Excel's limit, in points
LINE_PT = 14.5  # one line of 10.5 pt text
ROW_PAD_PT = 5
# A row never prints taller than this: a longer text continues on the next row.
ROW_LINES = int((MAX_ROW_HEIGHT - ROW_PAD_PT) // LINE_PT)
# Sheets wider than this many width units print landscape.
LANDSCAPE_WIDTH = 100

_thin = Side(style="thin", color="000000")
_BORDER = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
_HEAD_FILL = PatternFill("solid", fgColor="F2F2F2")


def _style(name: str, *, size=FONT_SIZE, bold=False, border=True, fill=None, **align) -> NamedStyle:
    style = NamedStyle(name=name)
    style.font = Font(name=FONT, size=size, bold=bold)
    if border:
        style.border = _BORDER
    if fill is not None:
        style.fill = fill
    style.alignment = Alignment(wrap_text=True, vertical=align.pop("vertical", "center"), **align)
    if name == "rr_date":
        style.number_format = DATE_FORMAT
    return style


STYLES = {
    "title": dict(size=15, bold=True, border=False, horizontal="center"),
    "subtitle": dict(size=9, border=False, horizontal="left"),
    "line": dict(border=False, horizontal="left"),
    "head": dict(bold=True, fill=_HEAD_FILL, horizontal="center"),
    "label": dict(horizontal="center"),
    "text": dict(vertical="top"),
    "value": dict(),
    "num": dict(horizontal="right"),
    "date": dict(horizontal="center"),
    "total": dict(bold=True),
    "total_num": dict(bold=True, horizontal="right"),
}


def ensure_styles(wb: Workbook) -> None:
    """Register the shared named styles once, and make the CJK font the workbook's default."""
    if "rr_title" in wb.named_styles:
        return
    normal = next(s for s in wb._named_styles if s.name == "Normal")
    normal.font = Font(name=FONT, size=FONT_SIZE)
    wb._fonts[0] = normal.font  # the font of cells with no style at all
    for name, spec in STYLES.items():
        wb.add_named_style(_style(f"rr_{name}", **spec))


def new_workbook() -> Workbook:
    """A workbook with the shared named styles and the CJK font as its default."""
    wb = Workbook()
    ensure_styles(wb)
    return wb


class _SharedStyle(StyleArray):
    """A named style's StyleArray that `write_table` gives every plain cell of that style:
    one object, not a copy per cell, and its hash computed once (the writer looks each cell's
    style up by its hash). Read-only: setting a style attribute on such a cell raises instead
    of restyling its neighbours (`styled()` gives a cell a copy of its own)."""

    __slots__ = ("_hash",)

    def __new__(cls, args):
        self = super().__new__(cls, args)
        self._hash = hash(tuple(self))
        return self

    def __hash__(self) -> int:
        return self._hash

    def __setitem__(self, index, value):
        raise TypeError("共享的单元格样式不能修改：先用 styled() 给单元格自己的样式。")


def _shared_styles(wb: Workbook) -> dict[str, _SharedStyle]:
    shared = getattr(wb, "_rr_shared_styles", None)
    if shared is None:
        shared = {name: _SharedStyle(a) for name, a in _style_arrays(wb).items()}
        wb._rr_shared_styles = shared
    return shared


def _style_arrays(wb: Workbook) -> dict[str, object]:
    """Each named style's StyleArray, found once per workbook: a cell takes a copy of it
    (assigning a style by name looks the name up on every cell)."""
    arrays = getattr(wb, "_rr_style_arrays", None)
    if arrays is None:
        ensure_styles(wb)
        probe = wb.create_sheet("_probe")
        arrays = {}
        for name in STYLES:
            cell = probe.cell(row=1, column=1)
            cell.style = f"rr_{name}"
            arrays[name] = copy(cell._style)
        wb.remove(probe)
        wb._rr_style_arrays = arrays
    return arrays


def styled(cell: XlCell, style: str) -> XlCell:
    cell._style = copy(_style_arrays(cell.parent.parent)[style])
    return cell


def safe_cell(ws: Worksheet, row: int, column: int, value: object) -> XlCell:
    """Write a value; text that a spreadsheet would read as a formula is kept as text."""
    cell = ws.cell(row=row, column=column)
    set_cell(cell, value)
    return cell


def workbook_bytes(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ---------------------------------------------------------------- heights and printing


def text_units(text: str) -> float:
    """The width of a text in Excel width units: a Chinese character (3 bytes in UTF-8) takes
    two, a Latin one one."""
    return len(text) + (len(text.encode("utf-8")) - len(text)) / 2


def _per_line(width: float) -> float:
    return max(2.0, (width - 1) * 0.92)


def line_count(text: str, width: float) -> int:
    """How many lines a wrapped text takes in a column `width` units wide (an estimate)."""
    per_line = _per_line(width)
    text = str(text)
    if "\n" not in text:  # (the common case, for every text cell of a large table)
        if len(text) * 2.5 <= per_line:  # no character is wider than 2.5 units
            return 1
        return max(1, math.ceil(text_units(text) / per_line))
    return sum(max(1, math.ceil(text_units(part) / per_line)) for part in text.split("\n"))


def row_height(lines: int) -> float:
    return min(MAX_ROW_HEIGHT, max(20.0, lines * LINE_PT + ROW_PAD_PT))


def _wrapped(text: str, width: float) -> list[tuple[str, bool]]:
    """The text as printed lines: (line, whether a paragraph ends there)."""
    per_line = _per_line(width)
    out = []
    for part in text.split("\n"):
        line, units = "", 0.0
        for ch in part:
            u = text_units(ch)
            if line and units + u > per_line:
                out.append((line, False))
                line, units = "", 0.0
            line += ch
            units += u
        out.append((line, True))
    return out


def split_text(text: str, width: float, lines: int = ROW_LINES) -> list[str]:
    """Cut a text into pieces of at most `lines` printed lines (rows of at most 409 pt)."""
    wrapped = _wrapped(str(text), width)
    pieces = []
    for i in range(0, len(wrapped), lines):
        piece = "".join(line + ("\n" if end else "") for line, end in wrapped[i : i + lines])
        pieces.append(piece.rstrip("\n"))
    return pieces or [""]


def print_setup(
    ws: Worksheet, *, title_rows: str | None, last_row: int, n_columns: int, width: float
) -> None:
    """Print titles, print area, one page wide (landscape when wide), page numbers."""
    last_col = get_column_letter(n_columns)
    if title_rows:
        ws.print_title_rows = title_rows
    ws.print_area = f"A1:{last_col}{max(last_row, 1)}"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if width > LANDSCAPE_WIDTH else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.oddFooter.center.text = FOOTER
    ws.oddFooter.center.font = FONT
    ws.oddFooter.center.size = 9


# ---------------------------------------------------------------- the 一览表 (FormSheet)


def _fields_text(fields: Sequence[SignField]) -> str:
    parts = []
    for f in fields:
        value = f.value or (BLANK_DATE if f.is_date else "　" * 6)
        parts.append(f"{f.label}：{value}")
    return "　　　　".join(parts)


def write_sheet(ws: Worksheet, sheet: FormSheet) -> None:
    """Draw a FormSheet: title lines, the grid with merged cells, signature lines."""
    ensure_styles(ws.parent)
    n = sheet.n_columns
    total = sum(sheet.columns)
    widths = [round(w / total * 100, 1) for w in sheet.columns]
    for i, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = width

    row = 1

    def line(text: str, style: str = "line", height: float | None = None) -> None:
        nonlocal row
        styled(safe_cell(ws, row, 1, text), style)
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=n)
        ws.row_dimensions[row].height = height or row_height(line_count(text, sum(widths)))
        row += 1

    line(sheet.title, "title", 24)
    line(sheet.subtitle, "title", 20)
    if sheet.draft:
        line("草稿（尚未备案）", "title", 20)
    line(sheet.meta, "subtitle")
    if sheet.top_fields:
        line(_fields_text(sheet.top_fields))

    grid_start = row
    head_first = grid_start + len(sheet.top_rows)
    head_last = head_first + len(sheet.head_rows) - 1
    occupied: set[tuple[int, int]] = set()
    for grid_row in sheet.rows:
        col = 1
        lines = 1
        for c in grid_row:
            while (row, col) in occupied:
                col += 1
            cell = safe_cell(ws, row, col, c.text + (f"\n{c.note}" if c.note else ""))
            styled(cell, {"label": "label", "head": "head"}.get(c.kind, "value"))
            end_row, end_col = row + c.rowspan - 1, col + c.colspan - 1
            for r in range(row, end_row + 1):
                for cc in range(col, end_col + 1):
                    occupied.add((r, cc))
                    if (r, cc) != (row, col):
                        styled(ws.cell(row=r, column=cc), "value")
            if c.rowspan > 1 or c.colspan > 1:
                ws.merge_cells(start_row=row, start_column=col, end_row=end_row, end_column=end_col)
            if c.rowspan == 1:
                lines = max(lines, line_count(cell.value or "", sum(widths[col - 1 : end_col])))
            col = end_col + 1
        ws.row_dimensions[row].height = row_height(lines)
        row += 1
    last = row - 1
    if sheet.bottom_fields:
        row += 1
        line(_fields_text(sheet.bottom_fields))
        last = row - 1
    titles = f"{head_first}:{head_last}" if sheet.head_rows else None
    print_setup(ws, title_rows=titles, last_row=last, n_columns=n, width=sum(widths))


def form_workbook(sheet: FormSheet, *, sheet_title: str = "一览表") -> bytes:
    wb = new_workbook()
    ws = wb.active
    ws.title = sheet_title[:31]
    write_sheet(ws, sheet)
    return workbook_bytes(wb)


# ---------------------------------------------------------------- tables of rows


def _value(value: object) -> tuple[object, str]:
    """The cell value and its style: numbers right, dates as date cells, text wrapped."""
    if isinstance(value, bool):
        return ("是" if value else "否"), "value"
    if isinstance(value, int | float):
        return value, "num"
    if isinstance(value, dt.datetime):
        return value.date(), "date"
    if isinstance(value, dt.date):
        return value, "date"
    return ("" if value is None else value), "text"


def write_table(
    ws: Worksheet,
    *,
    title: str,
    subtitle: str = "",
    headers: Sequence[str],
    widths: Sequence[float],
    rows: Iterable[Sequence[object]],
    totals: Sequence[object] | None = None,
) -> int:
    """A titled table with a header row, filters, frozen panes and print settings. `totals`
    (a 合计 row) is written bold below the filter range. A cell too long for one row of 409 pt
    continues on the next rows of the same block (the other cells merged across it). Returns
    the number of data rows written."""
    ensure_styles(ws.parent)
    n = len(headers)
    width = float(sum(widths))
    styled(safe_cell(ws, 1, 1, title), "title")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=n)
    ws.row_dimensions[1].height = row_height(line_count(title, width * 0.7))
    styled(safe_cell(ws, 2, 1, subtitle), "subtitle")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=n)
    head_lines = 1
    for i, (header, w) in enumerate(zip(headers, widths, strict=True), 1):
        styled(safe_cell(ws, 3, i, header), "head")
        ws.column_dimensions[get_column_letter(i)].width = w
        head_lines = max(head_lines, line_count(header, w))
    ws.row_dimensions[3].height = row_height(head_lines)
    r = 4
    count = 0
    arrays = _style_arrays(ws.parent)
    shared = _shared_styles(ws.parent)
    sheet_cells = ws._cells
    # A text this short fits one line whatever its characters (none is wider than 2.5 units).
    one_line = [_per_line(w) / 2.5 for w in widths]
    for values in rows:
        count += 1
        cells = [_value(v) for v in values]
        lines = [
            line_count(v, widths[c])
            if style == "text" and v and (not isinstance(v, str) or len(v) > one_line[c])
            else 1
            for c, (v, style) in enumerate(cells)
        ]
        if max(lines) <= ROW_LINES:
            for c, (v, style) in enumerate(cells, 1):
                cell = XlCell(ws, row=r, column=c)
                if is_formula_like(v):
                    # The style first: set_cell marks the text "quote prefix" on the cell's
                    # style, which must be a copy of its own.
                    cell._style = copy(arrays[style])
                    set_cell(cell, v)
                else:
                    cell._style = shared[style]
                    cell.value = v  # (not formula-like: all set_cell would do)
                sheet_cells[(r, c)] = cell
            ws.row_dimensions[r].height = row_height(max(lines))
            r += 1
            continue
        # A block of rows: long texts continue downwards, the other cells are merged.
        pieces = [
            split_text(v, widths[c]) if lines[c] > ROW_LINES else [v]
            for c, (v, _style) in enumerate(cells)
        ]
        depth = max(len(p) for p in pieces)
        for c, ((_v, style), parts) in enumerate(zip(cells, pieces, strict=True), 1):
            for k in range(depth):
                value = parts[k] if k < len(parts) else None
                cell = ws.cell(row=r + k, column=c)
                if len(parts) > 1 and value is not None:
                    set_cell(cell, value)
                elif k == 0:
                    set_cell(cell, parts[0])
                styled(cell, style)
            if len(parts) == 1:
                ws.merge_cells(start_row=r, start_column=c, end_row=r + depth - 1, end_column=c)
        for k in range(depth):
            ws.row_dimensions[r + k].height = MAX_ROW_HEIGHT
        r += depth
    last_data = max(r - 1, 3)
    ws.freeze_panes = "A4"
    ws.auto_filter.ref = f"A3:{get_column_letter(n)}{last_data}"
    last = last_data
    if totals is not None:
        for c, value in enumerate(totals, 1):
            v, style = _value(value)
            styled(safe_cell(ws, r, c, v), "total_num" if style == "num" else "total")
        ws.row_dimensions[r].height = row_height(1)
        last = r
    print_setup(ws, title_rows="3:3", last_row=last, n_columns=n, width=width)
    return count
