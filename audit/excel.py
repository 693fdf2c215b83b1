"""Excel exports without formula injection (CSV/Excel injection, OWASP).

Text that begins with = + - @ (or a tab or carriage return) would be taken for a formula by a
spreadsheet program. In .xlsx files write rows with `append_row`: such text becomes an explicit
text cell marked "quote prefix", exactly what Excel does when a user types a leading apostrophe,
so the visible text is unchanged. For CSV and other plain-text formats use `safe_cell`, which
prefixes a single quote.
"""

from collections.abc import Iterable
from typing import Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def safe_cell(value: Any) -> Any:
    """The value, or for formula-like text the text with a leading apostrophe."""
    return "'" + value if is_formula_like(value) else value


def set_cell(cell, value: Any) -> None:
    """Put `value` in an openpyxl cell; formula-like text is stored as text, never a formula."""
    if is_formula_like(value):
        cell.value = value
        cell.data_type = "s"
        cell.quotePrefix = True
    else:
        cell.value = value


def append_row(worksheet, values: Iterable[Any]) -> None:
    """`worksheet.append(values)` without formula injection (normal or write-only sheets)."""
    from openpyxl.cell import Cell, WriteOnlyCell
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

    make = WriteOnlyCell if isinstance(worksheet, WriteOnlyWorksheet) else Cell
    row = []
    for value in values:
        cell = make(worksheet)
        set_cell(cell, value)
        row.append(cell)
    worksheet.append(row)
